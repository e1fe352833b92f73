#!/usr/bin/env bash
# Installs, with apt, every Debian 12 package that building, testing and
# benchmarking tern needs. Idempotent: packages already present are skipped,
# and apt is not touched at all when nothing is missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config clang-format
  libboost1.81-dev libssl-dev libsqlite3-dev
  libspdlog-dev libfmt-dev libcli11-dev
  # tests, sanitizers, fuzzing, micro-benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
  # third-party MQTT peers for end-to-end tests and the reference broker
  # the benchmarks compare against
  mosquitto mosquitto-clients python3 python3-paho-mqtt openssl
  # operations tests: /metrics parsed by Prometheus' own parser, the status
  # page in a real headless browser driven over the DevTools websocket
  python3-prometheus-client chromium python3-websocket
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Debian starts the mosquitto service on install; tests and benchmarks start
# their own instances on free ports, so the system one must not hold 1883.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  "${sudo_cmd[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi
