#!/usr/bin/env bash
# Installs, with apt, what cross-building tern for one ARM architecture and
# testing it under qemu-user needs: Debian's cross compiler, qemu-user, and
# the target's -dev packages as multiarch packages (libssl-dev:arm64, ...).
# Usage: cross/install-deps.sh arm64|armhf
# Idempotent: apt is not touched at all when everything is present.
set -euo pipefail

arch=${1:?usage: cross/install-deps.sh arm64|armhf}
case "$arch" in
  arm64) triple=aarch64-linux-gnu ;;
  armhf) triple=arm-linux-gnueabihf ;;
  *) echo "cross/install-deps.sh: unknown architecture '$arch' (arm64 or armhf)" >&2; exit 2 ;;
esac

packages=(
  "g++-$triple" qemu-user
  # the libraries tern and its tests link, for the target
  "libboost1.81-dev:$arch" "libssl-dev:$arch" "libsqlite3-dev:$arch"
  "libspdlog-dev:$arch" "libfmt-dev:$arch" "libgtest-dev:$arch" "libgmock-dev:$arch"
  "libmimalloc-dev:$arch"
  # header-only or host tools the build and the smoke test use
  libcli11-dev cmake ninja-build mosquitto-clients python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "cross/install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  "${sudo_cmd[@]}" dpkg --add-architecture "$arch"
fi
# A mirror caught mid-sync can fail one architecture's index (seen:
# bookworm-security armhf). Then the update is retried for the host's and
# this target's architecture only, so a broken armhf index does not stop an
# arm64 install; if the target's own index is the broken one, the install
# below says which packages it cannot have.
if ! "${sudo_cmd[@]}" apt-get update -qq; then
  echo "cross/install-deps: apt-get update failed; retrying for $(dpkg --print-architecture) and $arch only" >&2
  "${sudo_cmd[@]}" apt-get update -qq -o "APT::Architectures::=$(dpkg --print-architecture)" \
    -o "APT::Architectures::=$arch" || true
fi
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
