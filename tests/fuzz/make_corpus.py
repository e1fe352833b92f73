#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target, one directory each:

  decoder     seeds_decoder.py  MQTT byte streams (CONNECT, then more packets)
  engine      seeds_engine.py   scripts of four clients for the broker core
  config      seeds_text.py     mosquitto.conf files
  auth_files  seeds_text.py     password and ACL files
  ws_frames   seeds_text.py     client WebSocket frames

Usage: make_corpus.py OUTPUT_DIR [TARGET...]   (python3 standard library only)

tests/fuzz/run.sh writes them into the build directory before each run.
Regression seeds (inputs that once crashed a target) are committed under
tests/fuzz/corpus/TARGET/ with names starting with "regress-"; run.sh adds
them to the seeds, and this script never touches them.
"""

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import seeds_decoder  # noqa: E402
import seeds_engine  # noqa: E402
import seeds_text  # noqa: E402

TARGETS = {
    "decoder": seeds_decoder.seeds,
    "engine": seeds_engine.seeds,
    "config": seeds_text.config_seeds,
    "auth_files": seeds_text.auth_seeds,
    "ws_frames": seeds_text.ws_seeds,
}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    for target in sys.argv[2:] or TARGETS:
        if target not in TARGETS:
            sys.exit(f"unknown target {target}; one of {', '.join(TARGETS)}")
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        for path in directory.iterdir():
            if path.is_file() and not path.name.startswith("regress-"):
                path.unlink()
        count = 0
        for name, data in TARGETS[target]():
            (directory / name).write_bytes(data)
            count += 1
        print(f"{target}: {count} seeds in {os.path.relpath(directory)}")


if __name__ == "__main__":
    main()
