#!/usr/bin/env bash
# README's first command: install what is missing, build, and serve on
# 127.0.0.1:1883 with the built-in defaults. Extra arguments go to tern
# (e.g. scripts/run.sh -c my.conf).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
mkdir -p data
exec ./build/app/tern "$@"
