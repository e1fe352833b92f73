"""Operating tern: the `protocol http` listener (/metrics in Prometheus
text, /healthz, /readyz, Basic auth), the $SYS figures added for it, the
connect/disconnect log lines and SIGHUP (log settings, log file reopen)."""

import os
import re
import signal
import subprocess
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

from broker import Broker, BrokerTestCase, free_port, needs
from clients import MQTTv311, MQTTv5
from limits import QUIET, TIMEOUT
from raw_mqtt import V5, V311, RawClient, connect_packet
from ops_http import http_get, http_listener_settings


def families(text):
    """{family name: family} parsed by prometheus_client (counters under
    their name without _total, as the parser names them)."""
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample_value(fams, sample, labels=None):
    """The value of the sample named `sample` (e.g. tern_bytes_sent_total)."""
    for fam in fams.values():
        for s in fam.samples:
            if s.name == sample and (labels is None or
                                     all(s.labels.get(k) == v for k, v in labels.items())):
                return s.value
    raise KeyError(f"{sample} {labels}")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_until(predicate, timeout=TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout}s")


@needs("websocket")  # the http listener is left out with WebSocket
class Metrics(BrokerTestCase):
    http_port = free_port()
    broker_settings = ["persistence true", "sys_interval 1",
                       *http_listener_settings(http_port)]

    def metrics(self):
        status, headers, body = http_get(self.http_port, "/metrics")
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        return body

    def test_metrics_parse_with_help_and_type(self):
        fams = families(self.metrics())
        # The parser keeps HELP as documentation and TYPE as type.
        for name, type_ in [("tern_clients_connected", "gauge"),
                            ("tern_publish_received", "counter"),
                            ("tern_messages_dropped", "counter"),
                            ("tern_store_commit_duration_seconds", "summary"),
                            ("tern_store_bytes", "gauge"),
                            ("tern_heap_bytes", "gauge")]:
            self.assertIn(name, fams)
            self.assertEqual(fams[name].type, type_, name)
            self.assertTrue(fams[name].documentation, f"{name} has no HELP")
        causes = {s.labels["cause"] for s in fams["tern_messages_dropped"].samples}
        self.assertEqual(causes, {"qos0_backlog", "queue_full", "too_large", "expired",
                                  "store_failing"})

    def test_metrics_follow_the_broker(self):
        before = families(self.metrics())
        self.assertEqual(sample_value(before, "tern_clients_connected"), 0)
        c = self.paho(client_id="m1", protocol=MQTTv5, clean=False, session_expiry=300)
        c.subscribe("m/#", qos=1)
        for i in range(20):
            c.publish("m/t", str(i).encode(), qos=1)
        c.expect(20)
        after = families(self.metrics())
        self.assertEqual(sample_value(after, "tern_clients_connected"), 1)
        self.assertEqual(sample_value(after, "tern_subscriptions"), 1)
        self.assertGreaterEqual(sample_value(after, "tern_publish_received_total") -
                                sample_value(before, "tern_publish_received_total"), 20)
        self.assertGreaterEqual(sample_value(after, "tern_publish_sent_total"), 20)
        # A persistent session's QoS 1 traffic went through the store.
        self.assertGreater(sample_value(after, "tern_store_commit_duration_seconds_count"), 0)
        self.assertGreater(sample_value(after, "tern_store_bytes"), 0)

    def test_health_and_readiness(self):
        self.assertEqual(http_get(self.http_port, "/healthz")[0], 200)
        status, _, body = http_get(self.http_port, "/readyz")
        self.assertEqual((status, body), (200, "ready\n"))
        self.assertEqual(http_get(self.http_port, "/nothing-here")[0], 404)

    def test_sys_tree_has_the_added_figures(self):
        c = self.paho(protocol=MQTTv311)
        topics = ["$SYS/broker/heap/current", "$SYS/broker/heap/maximum",
                  "$SYS/broker/tern/store/bytes", "$SYS/broker/tern/store/commit_latency/max_us",
                  "$SYS/broker/tern/dropped/queue_full", "$SYS/broker/clients/expired",
                  "$SYS/broker/load/bytes/received/1min",
                  "$SYS/broker/load/connections/1min", "$SYS/broker/load/sockets/1min",
                  "$SYS/broker/store/messages/count", "$SYS/broker/store/messages/bytes"]
        for t in topics:
            c.subscribe(t)
        seen = {}
        deadline = time.monotonic() + 3 + TIMEOUT
        while len(seen) < len(topics) and time.monotonic() < deadline:
            for m in c.drain(0.2):
                seen[m.topic] = m.payload.decode()
        self.assertEqual(set(seen), set(topics), seen)
        self.assertGreater(int(seen["$SYS/broker/heap/current"]), 0)
        self.assertGreaterEqual(int(seen["$SYS/broker/heap/maximum"]),
                                int(seen["$SYS/broker/heap/current"]))


@needs("websocket")
class BasicAuth(BrokerTestCase):
    http_port = free_port()

    def setUp(self):
        # The password file must exist before the broker starts: write it
        # next to the test, by mosquitto_passwd itself.
        self.pw_dir = __import__("tempfile").mkdtemp(prefix="tern-e2e-http-")
        self.pw_file = os.path.join(self.pw_dir, "http.passwd")
        subprocess.run(["mosquitto_passwd", "-c", "-b", self.pw_file, "ops", "s3cret"],
                       check=True, timeout=TIMEOUT, capture_output=True)
        self.broker_settings = http_listener_settings(
            self.http_port, f"http_password_file {self.pw_file}") + ["persistence false"]
        self.addCleanup(__import__("shutil").rmtree, self.pw_dir, True)
        super().setUp()

    def test_basic_auth(self):
        status, headers, _ = http_get(self.http_port, "/metrics")
        self.assertEqual(status, 401)
        self.assertEqual(headers["WWW-Authenticate"], 'Basic realm="tern"')
        self.assertEqual(http_get(self.http_port, "/metrics", "ops", "wrong")[0], 401)
        self.assertEqual(http_get(self.http_port, "/metrics", "nobody", "s3cret")[0], 401)
        self.assertEqual(http_get(self.http_port, "/", "ops", "wrong")[0], 401)
        status, _, body = http_get(self.http_port, "/metrics", "ops", "s3cret")
        self.assertEqual(status, 200)
        self.assertIn("tern_clients_connected", body)
        # Probes need no password.
        self.assertEqual(http_get(self.http_port, "/healthz")[0], 200)
        self.assertEqual(http_get(self.http_port, "/readyz")[0], 200)


class Logs(unittest.TestCase):
    """Log lines as mosquitto words them; log_dest file; SIGHUP reopens the
    file (logrotate) and applies a changed log_type."""

    def start(self, settings):
        b = Broker(settings).start()
        self.addCleanup(b.stop)
        return b

    def log_text(self, b):
        with open(b.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def test_connect_and_disconnect_lines(self):
        b = self.start({"persistence": "false"})
        from clients import PahoClient
        c = PahoClient(b, client_id="c1", protocol=MQTTv311, keepalive=60)
        c.connect()
        c.disconnect()
        c.close()
        raw = RawClient(b)
        raw.connect("c2", version=V5, keepalive=30)
        raw.close()  # no DISCONNECT: the peer just goes
        # Each line is logged by the worker of its connection: wait for both.
        wait_until(lambda: "Client c2 closed its connection" in self.log_text(b) and
                   "Client c1 disconnected" in self.log_text(b), what="both disconnect lines")
        text = self.log_text(b)
        self.assertRegex(text, r"New client connected from 127\.0\.0\.1:\d+ as c1 "
                               r"\(p2, c1, k60\)\.\n")
        self.assertIn("Client c1 disconnected.\n", text)
        self.assertRegex(text, r"New client connected from 127\.0\.0\.1:\d+ as c2 "
                               r"\(p5, c1, k30\)\.\n")
        self.assertIn("Client c2 closed its connection.\n", text)

    def test_connection_messages_false_leaves_connections_out(self):
        b = self.start({"persistence": "false", "connection_messages": "false",
                        "allow_zero_length_clientid": "false"})
        from clients import PahoClient
        c = PahoClient(b, client_id="quiet", protocol=MQTTv311)
        c.connect()
        c.disconnect()
        c.close()
        raw = RawClient(b)
        raw.connect("quiet-too", version=V5)
        raw.close()
        # Other lines are still written: a refused client is.
        refused = RawClient(b)
        refused.send(connect_packet("", version=V311))
        refused.wait_closed()
        refused.close()
        wait_until(lambda: "refused" in self.log_text(b), what="the refusal logged")
        time.sleep(QUIET)  # the connections' own workers may log later
        text = self.log_text(b)
        self.assertNotIn("New client connected", text)
        self.assertNotIn("Client quiet", text)

    def test_refusal_by_the_protocol_engine_is_logged(self):
        # Refused before the broker sees a CONNECT it can act on (here an
        # unknown protocol level): the log says from where and why, as for
        # the refusals that come later (bad password, client id).
        b = self.start({"persistence": "false"})
        raw = RawClient(b)
        level42 = connect_packet("lvl42", version=V311)
        level42 = level42[:8] + bytes([42]) + level42[9:]  # after 0x10, length, "MQTT"
        raw.send(level42)
        closed, _ = raw.wait_closed()
        raw.close()
        self.assertTrue(closed)
        wait_until(lambda: "refused" in self.log_text(b), what="the refusal logged")
        self.assertRegex(self.log_text(b), r"Client <unknown> from 127\.0\.0\.1:\d+ refused: "
                                           r"Unsupported Protocol Version\n")
        # A socket that closes without a byte is not a refusal.
        quiet = RawClient(b)
        quiet.close()
        time.sleep(QUIET)
        self.assertEqual(self.log_text(b).count("refused"), 1)

    def test_log_dest_topic_publishes_lines_under_sys_broker_log(self):
        b = Broker({"persistence": "false"})
        b.settings = ["log_dest topic", "log_dest stderr", "persistence false"]
        b.start()
        self.addCleanup(b.stop)
        from clients import PahoClient
        watcher = PahoClient(b, client_id="watcher", protocol=MQTTv311)
        watcher.connect()
        self.addCleanup(watcher.close)
        watcher.subscribe("$SYS/broker/log/#", qos=2)
        visitor = PahoClient(b, client_id="visitor", protocol=MQTTv311)
        visitor.connect()
        visitor.close()
        deadline = time.monotonic() + TIMEOUT
        lines = []
        while time.monotonic() < deadline and not any("as visitor " in m.payload.decode()
                                                      for m in lines):
            lines += watcher.drain(0.2)
        line = next((m for m in lines if "as visitor " in m.payload.decode()), None)
        self.assertIsNotNone(line, [m.payload for m in lines])
        self.assertEqual((line.topic, line.qos), ("$SYS/broker/log/N", 2))
        self.assertRegex(line.payload.decode(),
                         r"^\d+: New client connected from 127\.0\.0\.1:\d+ as visitor ")

    def test_log_file_reopened_and_log_type_reloaded_on_sighup(self):
        b = Broker({"persistence": "false"})
        log_file = "tern.log"  # relative: in the broker's directory
        b.settings = [f"log_dest file {log_file}", "persistence false"]
        b.start()
        self.addCleanup(b.stop)
        path = os.path.join(b.dir, log_file)
        from clients import PahoClient

        def connect(cid):
            c = PahoClient(b, client_id=cid, protocol=MQTTv311)
            c.connect()
            c.disconnect()
            c.close()

        connect("before")
        wait_until(lambda: "as before " in read(path), what="first connect logged")
        # logrotate's way: move the file, then SIGHUP.
        os.rename(path, path + ".1")
        b.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: os.path.exists(path), what="log file reopened")
        connect("after")
        wait_until(lambda: "as after " in read(path), what="connect in the new file")
        self.assertNotIn("as after ", read(path + ".1"))

        # Only errors from now on: connect lines (info) stop.
        with open(os.path.join(b.dir, "broker.conf"), "a") as f:
            f.write("log_type error\n")
        b.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "applying the log settings" in read(path), what="reload logged")
        time.sleep(0.2)  # the settings apply just after that line
        connect("quiet")
        connect("quiet2")
        time.sleep(0.3)  # nothing to wait for: the line must not come
        self.assertNotIn("as quiet", read(path))
        self.assertTrue(b.alive())


if __name__ == "__main__":
    unittest.main()
