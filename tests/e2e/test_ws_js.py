"""MQTT.js 5 over WebSocket: from Node (MQTT 3.1.1 and 5, QoS 0/1/2, a
WebSocket and a TCP publisher), and its browser build in a real headless
Chromium that must show a message mosquitto_pub sent over TCP. The
JavaScript is in js/ (its node_modules come from `npm ci`, run by
scripts/install-deps.sh)."""

import os
import shutil
import subprocess
import unittest

from limits import TIMEOUT
from test_ws import WsTestCase

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
                          str(self.broker.port), "--timeout", str(int(TIMEOUT * 2000)))
        self.assertIn("the page shows", out)


if __name__ == "__main__":
    unittest.main()
