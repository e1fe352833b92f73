"""Sanitizer reports of a broker under test, as test failures.

A sanitized broker (scripts/sanitize-e2e.sh builds one) writes its reports
to files named by the log_path in TSAN_OPTIONS, ASAN_OPTIONS or
UBSAN_OPTIONS, with the process id appended: PREFIX.PID. Broker.stop()
calls check() with the ids of the processes it ran, so every end-to-end
test fails on a data race, a memory error, undefined behaviour or a leak
that happened during it, with the report in the failure message.

Without a log_path in any of those variables (the ordinary product build)
this module does nothing: a report then goes to the broker's stderr, which
is its log.
"""

import os

OPTION_VARIABLES = ("TSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS")
# A report longer than this is cut in the failure message; the file stays.
SHOWN_CHARS = 20000


class SanitizerReport(AssertionError):
    """A sanitizer reported something: an AssertionError so that unittest
    counts it as a failure of the test, not as an error of the harness."""


def log_prefixes(environ=None):
    """The log_path of each sanitizer whose options set one."""
    environ = os.environ if environ is None else environ
    prefixes = []
    for var in OPTION_VARIABLES:
        # Sanitizer options are separated by ':' (or spaces, or commas).
        for option in environ.get(var, "").replace(",", ":").replace(" ", ":").split(":"):
            key, _, value = option.partition("=")
            if key == "log_path" and value and value not in ("stdout", "stderr"):
                prefixes.append(value)
    return prefixes


def enabled(environ=None):
    return bool(log_prefixes(environ))


def reports(pids, environ=None):
    """[(path, text)] of the non-empty report files of the processes pids."""
    found = []
    for prefix in log_prefixes(environ):
        for pid in pids:
            path = f"{prefix}.{pid}"
            try:
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            if text.strip():
                found.append((path, text))
    return found


def check(pids, what="broker", environ=None):
    """Raises SanitizerReport if any of the processes pids left a report.
    A report file is renamed to PATH.seen once raised, so that a process id
    reused later is not blamed for it; scripts/sanitize-e2e.sh still counts
    it at the end of the run."""
    found = reports(pids, environ)
    if not found:
        return
    parts = []
    for path, text in found:
        shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "\n[... cut]\n"
        parts.append(f"--- {path}\n{shown}")
        try:
            os.replace(path, path + ".seen")
        except OSError:
            pass
    raise SanitizerReport(
        f"the sanitizer reported on the {what} (process {', '.join(map(str, pids))}):\n"
        + "".join(parts))
