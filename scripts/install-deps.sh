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
  # the allocator the tern executable links (TERN_WITH_MIMALLOC)
  libmimalloc-dev
  # tests, sanitizers, fuzzing, micro-benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
  # third-party MQTT peers for end-to-end tests and the reference broker
  # the benchmarks compare against
  mosquitto mosquitto-clients python3 python3-paho-mqtt openssl
  # certificates made at test time for the TLS end-to-end tests
  python3-cryptography
  # MQTT.js over WebSocket from Node and from a real browser (tests/e2e/js)
  nodejs chromium
  # operations tests: /metrics parsed by Prometheus' own parser, the status
  # page in a real headless browser driven over the DevTools websocket
  python3-prometheus-client python3-websocket
)
# npm: Debian's package, unless a node that brings its own npm is installed.
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# The opt-in arm64 cross step of test.sh (TERN_CROSS=1): Debian's cross
# compiler, qemu-user and the :arm64 libraries (quiet when all present).
if [[ "${TERN_CROSS:-0}" == 1 ]]; then
  "$(dirname "$0")/../cross/install-deps.sh" arm64
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

  # Debian starts the mosquitto service on install; tests and benchmarks start
  # their own instances on free ports, so the system one must not hold 1883.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
    "${sudo_cmd[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 || true
  fi
fi

# MQTT.js for the WebSocket tests, exactly as package-lock.json says; again
# only when the lock file changed since the last install.
js_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/js"
lock_sum=$(sha256sum "$js_dir/package-lock.json" | cut -d' ' -f1)
stamp="$js_dir/node_modules/.tern-installed"
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_sum" ]]; then
  echo "install-deps: npm ci in tests/e2e/js"
  (cd "$js_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$stamp"
fi
