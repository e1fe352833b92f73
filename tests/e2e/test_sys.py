"""$SYS topics, published every sys_interval seconds, in mosquitto's
names and formats (tools that watch mosquitto read them the same way)."""

import re
import time
import unittest

from broker import BrokerTestCase
from clients import MQTTv311

SYS_INTERVAL = 1


class Sys(BrokerTestCase):
    broker_settings = {"persistence": "false", "sys_interval": str(SYS_INTERVAL)}

    def watch(self, *topics):
        c = self.paho(protocol=MQTTv311)
        for t in topics:
            c.subscribe(t, qos=0)
        return c

    def wait_for(self, client, topic, predicate, timeout=3 * SYS_INTERVAL + 2):
        """First message on topic whose payload (str) satisfies predicate;
        returns (payload, arrival time)."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            for m in client.drain(0.1):
                if m.topic != topic:
                    continue
                value = m.payload.decode()
                seen.append(value)
                if predicate(value):
                    return value, time.monotonic()
        self.fail(f"no matching value on {topic} within {timeout}s; saw {seen}")

    def test_version(self):
        c = self.watch("$SYS/broker/version")
        value, _ = self.wait_for(c, "$SYS/broker/version", lambda v: True)
        self.assertRegex(value, r"\d+\.\d+")

    def test_uptime_published_every_interval(self):
        c = self.watch("$SYS/broker/uptime")
        fmt = re.compile(r"^(\d+) seconds$")
        # Live updates only (the first may be the retained copy).
        c.expect(1, timeout=3 * SYS_INTERVAL + 2)
        v1, t1 = self.wait_for(c, "$SYS/broker/uptime", fmt.match)
        v2, t2 = self.wait_for(c, "$SYS/broker/uptime", fmt.match)
        self.assertGreater(int(fmt.match(v2).group(1)), int(fmt.match(v1).group(1)))
        self.assertLess(t2 - t1, 2 * SYS_INTERVAL + 0.5, "updates slower than sys_interval")
        self.assertGreater(t2 - t1, 0.5 * SYS_INTERVAL, "updates faster than sys_interval")

    def test_clients_connected(self):
        topic = "$SYS/broker/clients/connected"
        c = self.watch(topic)
        self.wait_for(c, topic, lambda v: v == "1")  # the watcher itself
        others = [self.paho(protocol=MQTTv311) for _ in range(2)]
        self.wait_for(c, topic, lambda v: v == "3")
        for o in others:
            o.disconnect()
        self.wait_for(c, topic, lambda v: v == "1")

    def test_messages_received_counts(self):
        topic = "$SYS/broker/messages/received"
        c = self.watch(topic)
        before, _ = self.wait_for(c, topic, str.isdigit)
        for i in range(10):
            c.publish("sys/traffic", str(i).encode(), qos=1)
        # Counts every MQTT packet received, so at least our 10 PUBLISHes.
        self.wait_for(c, topic, lambda v: v.isdigit() and int(v) >= int(before) + 10)


if __name__ == "__main__":
    unittest.main()
