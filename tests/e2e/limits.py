"""Bounds shared by the harness: every wait in the suite has one.

TERN_E2E_TIME_SCALE (default 1) multiplies them, and the waits that tests
derive from them, for a broker that is slower than the product build:
sanitized builds (scripts/sanitize-e2e.sh) run 2-10x slower. It stretches
how long a test waits for something, never what the test asserts; a wait
for something that must NOT happen gets longer too, which only makes that
check stricter.
"""

import os


def _time_scale():
    text = os.environ.get("TERN_E2E_TIME_SCALE", "1")
    try:
        value = float(text)
    except ValueError:
        raise RuntimeError(f"TERN_E2E_TIME_SCALE={text!r} is not a number") from None
    if value < 1:
        raise RuntimeError(f"TERN_E2E_TIME_SCALE={text!r}: use 1 or more")
    return value


TIME_SCALE = _time_scale()


def scaled(seconds):
    """seconds, stretched by TERN_E2E_TIME_SCALE."""
    return seconds * TIME_SCALE


# Default bound for any single wait; generous for a loaded 2-core machine.
TIMEOUT = scaled(5.0)
# How long to watch for something that must NOT arrive.
QUIET = scaled(0.7)

# The sanitizer the broker under test was built with ("address", "thread"),
# set by scripts/sanitize-e2e.sh; empty for the product build. A sanitized
# broker's RSS measures the sanitizer (ASan keeps freed memory in its
# quarantine, TSan shadows every byte), so memory bounds are checked on the
# product build only.
SANITIZER = os.environ.get("TERN_E2E_SANITIZER", "")
