"""Bounds shared by the harness: every wait in the suite has one."""

# Default bound for any single wait; generous for a loaded 2-core machine.
TIMEOUT = 5.0
# How long to watch for something that must NOT arrive.
QUIET = 0.7
