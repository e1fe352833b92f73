"""MQTT.js 5 over WebSocket and secure WebSocket: from Node (MQTT 3.1.1
and 5, QoS 0/1/2, a WebSocket and a TCP publisher), and its browser build
in a real headless Chromium that must show a message mosquitto_pub sent
over TCP. The
JavaScript is in js/ (its node_modules come from `npm ci`, run by
scripts/install-deps.sh)."""

import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
import unittest

from broker import needs
from limits import TIMEOUT
from test_ws import WsTestCase
from tls_pki import Pki

JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
NODE = shutil.which("node") or "/usr/bin/node"
CHROMIUM = "/usr/bin/chromium"


class MqttJs(WsTestCase):
    def setUp(self):
        if not os.path.isdir(os.path.join(JS, "node_modules", "mqtt")):
            self.fail(f"MQTT.js is not installed in {JS}; run scripts/install-deps.sh")
        super().setUp()

    def run_js(self, script, *args, timeout=60):
        cmd = [NODE, os.path.join(JS, script), *args]
        try:
            res = subprocess.run(cmd, cwd=JS, stdin=subprocess.DEVNULL, capture_output=True,
                                 timeout=timeout)
        except subprocess.TimeoutExpired as e:
            self.fail(f"{' '.join(cmd)} did not finish within {timeout}s: {e.stdout!r} "
                      f"{e.stderr!r}")
        out = res.stdout.decode() + res.stderr.decode()
        self.assertEqual(res.returncode, 0, f"{' '.join(cmd)}:\n{out}")
        return out

    def ws_url(self):
        return f"ws://127.0.0.1:{self.ws_port}/mqtt"

    def test_node_mqttjs_qos_0_1_2_v311_and_v5(self):
        out = self.run_js("mqttjs_clients.js", "--ws", self.ws_url(), "--tcp",
                          f"mqtt://127.0.0.1:{self.broker.port}",
                          "--timeout", str(int(TIMEOUT * 1000)))
        self.assertEqual(out.count(": ok"), 4, out)

    def test_headless_chromium_shows_a_message_sent_over_tcp(self):
        if not os.access(CHROMIUM, os.X_OK):
            self.fail(f"{CHROMIUM} is missing; run scripts/install-deps.sh")
        out = self.run_js("browser_check.js", "--url", self.ws_url(), "--tcp-port",
                          str(self.broker.port), "--timeout", str(int(TIMEOUT * 2000)),
                          *self.chromium_args())
        self.assertIn("the page shows", out)

    def chromium_args(self):
        return []


@needs("tls")
class SecureMqttJs(MqttJs):
    """The same over secure WebSocket (wss://): a websockets listener with
    certfile and keyfile, certificates made at test time."""

    @classmethod
    def setUpClass(cls):
        cls.pki_dir = tempfile.mkdtemp(prefix="tern-wss-")
        pki = Pki(cls.pki_dir)
        cls.ca = pki.make_ca("ca")
        cls.server = pki.make_cert(cls.ca, "server", "localhost", server=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki_dir, ignore_errors=True)

    def setUp(self):
        self.ws_settings = [f"certfile {self.server.cert_file}",
                            f"keyfile {self.server.key_file}"]
        super().setUp()

    def ws_url(self):
        return f"wss://127.0.0.1:{self.ws_port}/mqtt"

    def test_node_mqttjs_qos_0_1_2_v311_and_v5(self):
        out = self.run_js("mqttjs_clients.js", "--ws", self.ws_url(), "--tcp",
                          f"mqtt://127.0.0.1:{self.broker.port}", "--ca", self.ca.cert_file,
                          "--timeout", str(int(TIMEOUT * 1000)))
        self.assertEqual(out.count(": ok"), 4, out)

    def test_untrusted_certificate_is_refused_by_the_client(self):
        # The client checks the chain: without our CA it must not connect
        # (proves the listener really speaks TLS with that certificate).
        cmd = [NODE, os.path.join(JS, "mqttjs_clients.js"), "--ws", self.ws_url(),
               "--timeout", "3000"]
        res = subprocess.run(cmd, cwd=JS, stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=60)
        self.assertNotEqual(res.returncode, 0, res.stdout)
        self.assertIn(b"certificate", res.stderr + res.stdout)

    def test_plain_websocket_client_gets_no_answer(self):
        out = subprocess.run([NODE, os.path.join(JS, "mqttjs_clients.js"), "--ws",
                              f"ws://127.0.0.1:{self.ws_port}/mqtt", "--timeout", "3000"],
                             cwd=JS, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        self.assertNotEqual(out.returncode, 0, out.stdout)

    def chromium_args(self):
        # Chromium has no option for a CA file: it is told to accept the
        # server's key (by its SPKI hash) and nothing else.
        der = subprocess.run(
            ["openssl", "x509", "-in", self.server.cert_file, "-pubkey", "-noout"],
            capture_output=True, check=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=der,
                             capture_output=True, check=True).stdout
        return ["--spki", base64.b64encode(hashlib.sha256(der).digest()).decode()]


if __name__ == "__main__":
    unittest.main()
