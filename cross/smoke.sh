#!/usr/bin/env bash
# End-to-end smoke test of a tern binary, meant for an ARM build under
# qemu-user: the broker runs with cross/low-memory.conf (its store moved to
# a temp directory), the host's mosquitto_pub/mosquitto_sub talk to it over
# loopback, and a QoS 1 message queued for an offline persistent session
# must survive a SIGTERM and restart and then be delivered.
# Usage: cross/smoke.sh TERN_BINARY [RUNNER...]
#   e.g. cross/smoke.sh build-aarch64/app/tern qemu-aarch64
# Exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tern=$(realpath "${1:?usage: cross/smoke.sh TERN_BINARY [RUNNER...]}")
shift
runner=("$@")

work=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "smoke: FAIL: $*" >&2
  echo "--- broker log" >&2
  cat "$work/tern.log" >&2 || true
  exit 1
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -e "s|^persistence_location .*|persistence_location $work/data|" \
  "$here/low-memory.conf" >"$work/tern.conf"
grep -q "^persistence_location $work/data" "$work/tern.conf" || fail "low-memory.conf has no persistence_location line"

start_broker() {
  "${runner[@]}" "$tern" -c "$work/tern.conf" -p "$port" >>"$work/tern.log" 2>&1 &
  pid=$!
  # qemu-user takes a moment to start a binary: wait up to 60 s for the port.
  for _ in $(seq 600); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail "tern exited at start-up"
    sleep 0.1
  done
  fail "tern did not listen on 127.0.0.1:$port within 60 s"
}

stop_broker() {
  kill -TERM "$pid"
  local rc=0
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "tern did not stop within 30 s of SIGTERM"
  wait "$pid" || rc=$?
  pid=""
  [[ $rc -eq 0 ]] || fail "tern exited with status $rc on SIGTERM"
}

message="smoke-$$-$RANDOM"
start_broker
# A persistent session (clean session 0) subscribes at QoS 1 and leaves.
mosquitto_sub -p "$port" -i smoke-sub -c -q 1 -t 'smoke/#' -E || fail "subscribe failed"
# A QoS 1 message for it is acknowledged while it is offline: tern must
# have it stored before the PUBACK.
mosquitto_pub -p "$port" -i smoke-pub -q 1 -t smoke/queued -m "$message" || fail "publish failed"
stop_broker
start_broker
got=$(mosquitto_sub -p "$port" -i smoke-sub -c -q 1 -t 'smoke/#' -C 1 -W 30 -v) ||
  fail "the queued message was not delivered after the restart"
[[ "$got" == "smoke/queued $message" ]] || fail "after the restart got '$got', expected 'smoke/queued $message'"
stop_broker
machine=$(readelf -h "$tern" | sed -n 's/^ *Machine: *//p')
echo "smoke: ok: tern ($machine) served mosquitto_pub/sub with low-memory.conf; a QoS 1 message queued offline survived SIGTERM and restart"
