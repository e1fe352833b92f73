"""Signals and systemd: SIGTERM drains (v5 clients get DISCONNECT 0x8B,
the process exits 0), and the sd_notify protocol: READY=1 once the
listeners accept, STOPPING=1 when it drains."""

import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from broker import Broker
from clients import MQTTv311, MQTTv5, PahoClient
from limits import TIMEOUT
from raw_mqtt import RawClient

SERVER_SHUTTING_DOWN = 0x8B


class Sigterm(unittest.TestCase):
    def test_sigterm_drains_v5_clients_and_exits_0(self):
        b = Broker({"persistence": "true"}).start()
        self.addCleanup(b.stop)
        v5 = PahoClient(b, client_id="v5", protocol=MQTTv5, clean=False, session_expiry=60)
        v5.connect()
        v311 = PahoClient(b, client_id="v311", protocol=MQTTv311)
        v311.connect()
        self.addCleanup(v5.close)
        self.addCleanup(v311.close)
        v5.subscribe("t/#", qos=1)

        started = time.monotonic()
        b.proc.send_signal(signal.SIGTERM)
        self.assertTrue(v5.disconnected.wait(TIMEOUT), "v5 client not disconnected")
        told = time.monotonic() - started
        rc = v5.disconnect_rc
        self.assertEqual(getattr(rc, "value", rc), SERVER_SHUTTING_DOWN,
                         f"v5 client got {rc!r}, not DISCONNECT 0x8B")
        self.assertTrue(v311.disconnected.wait(TIMEOUT), "3.1.1 client not disconnected")
        try:
            code = b.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail(f"broker still running {TIMEOUT}s after SIGTERM")
        exited = time.monotonic() - started
        self.assertEqual(code, 0)
        b.returncode = code
        log = b._read_log()
        self.assertIn("shutting down", log)
        self.assertIn("Client v5 disconnected: ", log)
        print(f"\nSIGTERM: v5 client told 0x8B after {told * 1000:.0f} ms, "
              f"process exited 0 after {exited * 1000:.0f} ms")

        # Drained, not lost: the persistent session is back after a restart.
        b.restart()
        again = PahoClient(b, client_id="v5", protocol=MQTTv5, clean=False, session_expiry=60)
        self.addCleanup(again.close)
        self.assertTrue(again.connect()[0]["session present"])


class SdNotify(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tern-e2e-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(TIMEOUT)
        self.addCleanup(self.sock.close)
        self.addCleanup(__import__("shutil").rmtree, self.dir, True)
        self.old_env = os.environ.get("NOTIFY_SOCKET")
        os.environ["NOTIFY_SOCKET"] = self.path  # inherited by the broker
        self.addCleanup(self.restore_env)

    def restore_env(self):
        if self.old_env is None:
            os.environ.pop("NOTIFY_SOCKET", None)
        else:
            os.environ["NOTIFY_SOCKET"] = self.old_env

    def receive(self):
        try:
            return self.sock.recv(4096).decode()
        except socket.timeout:
            self.fail(f"no datagram on NOTIFY_SOCKET within {TIMEOUT}s")

    def test_ready_after_listening_and_stopping_on_sigterm(self):
        b = Broker({"persistence": "false"})
        self.addCleanup(b.stop)
        # Start without the harness' own wait for the port: READY=1 is what
        # tells us the broker accepts.
        b.dir = tempfile.mkdtemp(prefix="tern-e2e-")
        b.port = __import__("broker").free_port()
        with open(os.path.join(b.dir, "broker.conf"), "w") as f:
            f.write(b.config_text())
        b.log_path = os.path.join(b.dir, "broker.log")
        with open(b.log_path, "ab") as log:
            b.proc = subprocess.Popen([b.executable, "-c", os.path.join(b.dir, "broker.conf")],
                                      cwd=b.dir, stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.assertEqual(self.receive(), "READY=1")
        # Ready means accepting: a client gets its CONNACK at once.
        raw = RawClient(b)
        self.addCleanup(raw.close)
        raw.connect("after-ready")
        b.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.receive(), "STOPPING=1")
        self.assertEqual(b.proc.wait(TIMEOUT), 0)


if __name__ == "__main__":
    unittest.main()
