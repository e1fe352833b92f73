#!/usr/bin/env bash
# Installs tern's amd64 package on this machine with dpkg, checks what it
# put where, runs the installed broker as the `tern` user with the packaged
# config (on a free port) against mosquitto_pub/mosquitto_sub, and purges
# it. Needs root. Refuses to run if a tern package is already installed.
# Usage: packaging/test-deb.sh [DEB]   (default: build-deb-amd64/tern_*_amd64.deb,
#        built first with packaging/build-debs.sh amd64 when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "test-deb: FAIL: $*" >&2
  exit 1
}

[[ $(id -u) -eq 0 ]] || fail "needs root (dpkg -i)"
if dpkg-query -W -f='${Status}' tern 2>/dev/null | grep -q installed; then
  fail "a tern package is already installed; remove it first (dpkg --purge tern)"
fi
deb=${1:-}
if [[ -z "$deb" ]]; then
  if ! compgen -G "build-deb-amd64/tern_*_amd64.deb" >/dev/null; then packaging/build-debs.sh amd64 >/dev/null; fi
  deb=$(ls build-deb-amd64/tern_*_amd64.deb)
fi

pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
  if dpkg-query -W -f='${Status}' tern 2>/dev/null | grep -q installed; then dpkg --purge tern >/dev/null || true; fi
}
trap cleanup EXIT

echo "== dpkg -i $deb"
dpkg -i "$deb"

echo "== installed files"
[[ -x /usr/bin/tern ]] || fail "/usr/bin/tern missing"
[[ -f /etc/tern/tern.conf ]] || fail "/etc/tern/tern.conf missing"
[[ -f /lib/systemd/system/tern.service ]] || fail "systemd unit missing"
dpkg-query -W -f='${Conffiles}\n' tern | grep -q '/etc/tern/tern.conf' || fail "/etc/tern/tern.conf is not a conffile"
getent passwd tern >/dev/null || fail "postinst did not create the tern user"
[[ "$(stat -c %U:%G /var/lib/tern)" == tern:tern ]] || fail "/var/lib/tern is not owned by tern"
grep -q '^persistence_location /var/lib/tern' /etc/tern/tern.conf || fail "packaged config does not keep state in /var/lib/tern"
echo "ok: /usr/bin/tern, conffile /etc/tern/tern.conf, tern.service, user tern, /var/lib/tern"

echo "== systemd"
if command -v systemd-analyze >/dev/null; then
  # Offline check of the unit (directives, ExecStart binary, user).
  systemd-analyze verify /lib/systemd/system/tern.service || fail "systemd-analyze verify tern.service"
  echo "ok: systemd-analyze verify tern.service"
fi
if [[ -d /run/systemd/system ]]; then
  systemctl is-enabled tern.service || fail "tern.service not enabled"
  echo "systemd is running: tern.service is enabled (and was started by postinst)"
else
  echo "systemd is not PID 1 here (container): the service was not started; running tern by hand"
fi

echo "== /usr/bin/tern -c /etc/tern/tern.conf as user tern"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
(cd /var/lib/tern && exec setpriv --reuid=tern --regid=tern --init-groups /usr/bin/tern -c /etc/tern/tern.conf -p "$port") >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; fail "tern exited at start-up"; }
  sleep 0.1
done
mosquitto_sub -p "$port" -i deb-sub -c -q 1 -t deb/test -E || { cat "$log"; fail "subscribe"; }
mosquitto_pub -p "$port" -q 1 -t deb/test -m installed || { cat "$log"; fail "publish"; }
got=$(mosquitto_sub -p "$port" -i deb-sub -c -q 1 -t deb/test -C 1 -W 10) || { cat "$log"; fail "no message"; }
[[ "$got" == installed ]] || fail "got '$got'"
kill -TERM "$pid"
wait "$pid" || { cat "$log"; fail "tern exited non-zero on SIGTERM"; }
pid=""
[[ -f /var/lib/tern/tern.db ]] || fail "no store in /var/lib/tern"
[[ "$(stat -c %U /var/lib/tern/tern.db)" == tern ]] || fail "store not owned by tern"
rm -f "$log"
echo "ok: served a persistent session as user tern, store in /var/lib/tern/tern.db"

echo "== dpkg --purge tern"
dpkg --purge tern
[[ ! -e /usr/bin/tern ]] || fail "/usr/bin/tern left behind"
[[ ! -e /etc/tern/tern.conf ]] || fail "/etc/tern/tern.conf left after purge"
[[ ! -e /var/lib/tern ]] || fail "/var/lib/tern left after purge"
echo "test-deb: ok"
