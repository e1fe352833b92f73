"""Harness of the end-to-end suite: a real broker process, real clients.

The broker under test is the executable named by $TERN_E2E_BROKER (CTest
sets it to the `tern` target; set it to /usr/sbin/mosquitto to check the
suite itself against a reference broker). It is started as
`BROKER -c CONFIGFILE` with a mosquitto.conf-syntax file that this module
writes into a private temporary directory, which is also the broker's
working directory, so nothing lands in the source tree.

Every wait in here is bounded: a broker that does not answer makes a test
fail within seconds, never hang. Each test gets its own broker on its own
free port; the broker's stdout/stderr go to a log file that is printed
when the test fails or the broker died during the test.

The clients are in clients.py (mosquitto_pub/mosquitto_sub, paho) and
raw_mqtt.py (hand-built packets on a plain socket); BrokerTestCase has
factories for them that close them when the test ends.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import sanitizer_reports
from clients import MosquittoSub, PahoClient, mosquitto_pub
from limits import TIMEOUT
from raw_mqtt import RawClient

BROKER_ENV = "TERN_E2E_BROKER"
LEFT_OUT_ENV = "TERN_E2E_LEFT_OUT"
HOST = "127.0.0.1"
# What a build of tern can leave out, and the CMake option that does it.
FEATURE_OPTIONS = {"tls": "TERN_WITH_TLS", "websocket": "TERN_WITH_WEBSOCKET"}


def broker_executable():
    path = os.environ.get(BROKER_ENV)
    if not path:
        raise RuntimeError(
            f"set {BROKER_ENV} to the broker executable (CTest sets it to the "
            f"tern target; e.g. {BROKER_ENV}=/usr/sbin/mosquitto to check the suite)")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{BROKER_ENV}={path} is not an executable file")
    return path


def mosquitto_deviation(why):
    """Marks a test whose assertion is the spec's where the reference
    broker, mosquitto 2.0, is known to differ: an expected failure when the
    broker under test is mosquitto, an ordinary test otherwise. why says
    what mosquitto does instead."""
    def decorate(test):
        exe = os.path.basename(os.environ.get(BROKER_ENV, ""))
        if exe.startswith("mosquitto"):
            test = unittest.expectedFailure(test)
        test.mosquitto_deviation = why
        return test
    return decorate


def left_out():
    """The features the broker under test was built without, from
    $TERN_E2E_LEFT_OUT ("tls,websocket"), which CTest sets from the CMake
    options of the build that made it. Unset (a run by hand, mosquitto):
    none, so no test is ever skipped for a build that has everything."""
    names = {n for n in os.environ.get(LEFT_OUT_ENV, "").split(",") if n}
    unknown = names - FEATURE_OPTIONS.keys()
    if unknown:
        # A misspelt name must not let a test run, or skip, by mistake.
        raise RuntimeError(f"{LEFT_OUT_ENV}: unknown feature(s) {sorted(unknown)}; "
                           f"known: {sorted(FEATURE_OPTIONS)}")
    return names


def needs(feature):
    """Skips a test, or a TestCase class and its subclasses, when the broker
    under test was built without `feature` ("tls" or "websocket")."""
    return unittest.skipIf(feature in left_out(),
                           f"the broker under test is built with {FEATURE_OPTIONS[feature]}=OFF")


def free_port():
    """A TCP port that was free a moment ago (bind 0, read, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class BrokerStartError(RuntimeError):
    pass


class Broker:
    """One broker process on a free port with a generated config file.

    settings: extra config directives, as a dict (key -> value) or a list of
    lines, appended after `listener PORT 127.0.0.1` and
    `allow_anonymous true`.
    """

    def __init__(self, settings=None, args=()):
        self.executable = broker_executable()
        self.args = list(args)  # command-line arguments after -c FILE
        if settings is None:
            settings = {}
        if isinstance(settings, dict):
            settings = [f"{k} {v}" for k, v in settings.items()]
        self.settings = list(settings)
        self.host = HOST
        self.port = None
        self.proc = None
        self.dir = None
        self.log_path = None
        self.log_text = ""
        self.returncode = None
        self.killed = False
        self.pids = []  # every process run, for sanitizer_reports

    def config_text(self):
        lines = [f"listener {self.port} {self.host}", "allow_anonymous true"]
        lines += self.settings
        return "\n".join(lines) + "\n"

    def start(self, timeout=TIMEOUT):
        # The free port can be taken between our probe and the broker's
        # bind; a broker that exits at start-up is retried on another port.
        last_error = None
        for _ in range(3):
            try:
                self._start_once(timeout)
                return self
            except BrokerStartError as e:
                last_error = e
                self._cleanup_dir()
        raise last_error

    def _start_once(self, timeout):
        self.dir = tempfile.mkdtemp(prefix="tern-e2e-")
        self.port = free_port()
        conf = os.path.join(self.dir, "broker.conf")
        with open(conf, "w") as f:
            f.write(self.config_text())
        self.log_path = os.path.join(self.dir, "broker.log")
        self._launch(timeout)

    def kill9(self):
        """SIGKILL, as a crash or a power cut would stop it: nothing runs
        after this, no shutdown code, no flush."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(TIMEOUT)
        self.returncode = None

    def restart(self, timeout=TIMEOUT):
        """Starts the broker again in the same directory, on the same port
        and config, after kill9() or a stop that kept the directory."""
        self._launch(timeout)

    def _launch(self, timeout):
        self.proc, self.returncode, self.killed = None, None, False
        conf = os.path.join(self.dir, "broker.conf")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [self.executable, "-c", conf] + self.args, cwd=self.dir, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.pids.append(self.proc.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                self.log_text = self._read_log()
                raise BrokerStartError(
                    f"{self.executable} -c {conf} exited at start-up with status "
                    f"{self.returncode}; config:\n{self.config_text()}log:\n{self.log_text}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise BrokerStartError(
            f"{self.executable} did not accept on {self.host}:{self.port} within {timeout}s; "
            f"log:\n{self.log_text}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=TIMEOUT):
        """SIGTERM, then SIGKILL if it has not exited within timeout.
        Under a sanitizer (sanitizer_reports), raises SanitizerReport after
        stopping if any of this broker's processes left a report."""
        if self.proc is not None and self.returncode is None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.killed = True
                    self.proc.kill()
                    self.proc.wait(TIMEOUT)
            self.returncode = self.proc.returncode
        if self.log_path:
            self.log_text = self._read_log()
        self._cleanup_dir()
        pids, self.pids = self.pids, []
        sanitizer_reports.check(pids, f"broker on port {self.port}")

    def _read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _cleanup_dir(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def describe(self):
        how = " (needed SIGKILL after SIGTERM)" if self.killed else ""
        return (f"--- broker {self.executable} on port {self.port}, exit status "
                f"{self.returncode}{how}\n--- config:\n{self.config_text()}"
                f"--- log:\n{self.log_text}--- end of broker log")


class BrokerTestCase(unittest.TestCase):
    """Starts a fresh broker before each test and stops it after.

    Subclasses set broker_settings (see Broker). The broker log is printed to
    stderr when the test fails; a broker that died during the test fails it.
    """

    broker_settings = {"persistence": "false"}

    def setUp(self):
        self.broker = Broker(self.broker_settings).start()
        # Registered first, so it runs after every client's cleanup.
        self.addCleanup(self._stop_broker)

    def _test_failed(self):
        # unittest has no public "did this test fail" for cleanups; the
        # result object has the failures recorded so far (subtest failures
        # are recorded against a _SubTest whose test_case is this test).
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None or not hasattr(result, "failures"):
            return True  # unknown: rather print too much than nothing
        return any(getattr(test, "test_case", test) is self
                   for test, _ in result.failures + result.errors)

    def _stop_broker(self):
        died = not self.broker.alive()
        try:
            self.broker.stop()
        except sanitizer_reports.SanitizerReport:
            sys.stderr.write("\n" + self.broker.describe() + "\n")
            raise
        if died or self._test_failed():
            sys.stderr.write("\n" + self.broker.describe() + "\n")
        if died:
            self.fail(f"broker died during the test (exit status {self.broker.returncode})")

    # Client factories whose clients are closed when the test ends.

    def sub(self, *args, **kwargs):
        s = MosquittoSub(self.broker, *args, **kwargs)
        self.addCleanup(s.stop)
        return s

    def paho(self, *args, connect=True, **kwargs):
        c = PahoClient(self.broker, *args, **kwargs)
        self.addCleanup(c.close)
        if connect:
            c.connect()
        return c

    def raw(self):
        r = RawClient(self.broker)
        self.addCleanup(r.close)
        return r

    def raw_connect(self, client_id, **kwargs):
        r = self.raw()
        r.connect(client_id, **kwargs)
        return r

    def pub(self, *args, **kwargs):
        return mosquitto_pub(self.broker, *args, **kwargs)
