#!/usr/bin/env bash
# Builds tern's Debian packages with CPack, each in build-deb-ARCH/, with
# the footprint profile (MinSizeRel, TERN_SMALL), and lists their contents.
# Usage: packaging/build-debs.sh [amd64] [arm64] [armhf]   (default: amd64)
# The ARM ones are cross-built (cross/*.cmake; cross/install-deps.sh).
# packaging/test-deb.sh installs and checks the amd64 one.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${TERN_CROSS_JOBS:-2}
(($# > 0)) || set -- amd64
for arch in "$@"; do
  toolchain=()
  case "$arch" in
    amd64) ;;
    arm64) toolchain=(-DCMAKE_TOOLCHAIN_FILE=cross/aarch64-linux-gnu.cmake) ;;
    armhf) toolchain=(-DCMAKE_TOOLCHAIN_FILE=cross/arm-linux-gnueabihf.cmake) ;;
    *) echo "packaging/build-debs.sh: unknown architecture '$arch' (amd64, arm64, armhf)" >&2; exit 2 ;;
  esac
  if [[ "$arch" != amd64 ]]; then cross/install-deps.sh "$arch"; fi
  build=build-deb-$arch
  echo "== $arch package in $build"
  cmake -S . -B "$build" -G Ninja "${toolchain[@]}" -DCMAKE_BUILD_TYPE=MinSizeRel -DTERN_SMALL=ON \
    -DTERN_PACKAGE=ON -DTERN_BUILD_TESTS=OFF -DTERN_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" -j"$jobs" --target tern
  (cd "$build" && cpack -G DEB >/dev/null)
  deb=$(ls "$build"/tern_*_"$arch".deb)
  echo "$deb:"
  dpkg-deb -f "$deb" Package Version Architecture Depends Installed-Size
  dpkg-deb -c "$deb"
done
