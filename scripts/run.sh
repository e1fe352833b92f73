#!/usr/bin/env bash
# README's first command: install what is missing, build, and serve on
# 127.0.0.1:1883 with app/default.conf (anonymous clients, SQLite store in
# ./data). Arguments, if any, go to tern instead (e.g. scripts/run.sh -c my.conf).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
mkdir -p data
if [ "$#" -eq 0 ]; then
  set -- -c app/default.conf
fi
exec ./build/app/tern "$@"
