"""The bridge queue's own bound (bridge_max_queued_messages): while the
remote is down and the queue kept for it is full, a v5 publisher is refused
with 0x97 and its message goes nowhere, a 3.1.1 publisher's PUBACK waits
until the queue drains, and everything acknowledged reaches the remote once
it is back, in order.

The remote is Debian's mosquitto, started by the test on its own port."""

import os
import time
import unittest

from broker import Broker
from clients import PahoClient
from limits import TIMEOUT
from raw_mqtt import PUBACK, V5, RawClient, publish_packet
from test_bridge import (MOSQUITTO, UNDER_TEST, bridge_lines, start_mosquitto,
                         stop_keeping_state, wait_for)

BOUND = 5


@unittest.skipIf(UNDER_TEST.startswith("mosquitto"), "tern's bridge is under test")
@unittest.skipUnless(os.access(MOSQUITTO, os.X_OK), f"needs {MOSQUITTO} as the remote")
class BridgeQueueBound(unittest.TestCase):
    def client(self, broker, client_id, **kwargs):
        c = PahoClient(broker, client_id, **kwargs)
        self.addCleanup(c.close)
        c.connect()
        return c

    def test_full_queue_refuses_v5_holds_311_and_loses_nothing(self):
        remote = start_mosquitto(["persistence true", "persistence_location ./"])
        self.addCleanup(remote.stop)
        local = Broker(["persistence true", "persistence_location data",
                        *bridge_lines(remote, "topic up/# out 1",
                                      f"bridge_max_queued_messages {BOUND}")]).start()
        self.addCleanup(local.stop)
        state = self.client(local, "state-watch")
        state.subscribe("$SYS/broker/connection/tern-bridge/state", qos=1)
        wait_for(lambda: any(m.payload == b"1" for m in state.drain(0.2)), 3 * TIMEOUT,
                 "the bridge to connect")
        # A persistent subscriber at the remote keeps what the bridge brings.
        sub = PahoClient(remote, "remote-sub", clean=False)
        sub.connect()
        sub.subscribe("up/#", qos=1)
        sub.close()

        stop_keeping_state(remote)  # the link goes down
        wait_for(lambda: any(m.payload == b"0" for m in state.drain(0.2)), 3 * TIMEOUT,
                 "the bridge to notice")
        five = RawClient(local)
        self.addCleanup(five.close)
        five.connect("five", version=V5)
        # The local session went offline before the state notice, and the
        # router that routes a message takes its place in the queue at once:
        # exactly BOUND are accepted, every one after is refused.
        reasons = []
        for i in range(BOUND + 3):
            five.send(publish_packet("up/five", f"m{i}".encode(), qos=1, pid=i + 1, version=V5))
            ack = five.expect_packet(PUBACK)
            reasons.append(ack.body[2] if len(ack.body) > 2 else 0)
        self.assertEqual(reasons, [0] * BOUND + [0x97] * 3)
        accepted = [f"m{i}" for i in range(BOUND)]

        three = self.client(local, "three")
        held = three.client.publish("up/three", "waits", qos=1)
        time.sleep(1.0)
        self.assertFalse(held.is_published(), "3.1.1 PUBACK while the bridge's queue is full")

        remote.restart()  # the link comes back: the queue drains
        held.wait_for_publish(3 * TIMEOUT)
        self.assertTrue(held.is_published(), "3.1.1 publisher not released after the drain")
        sub = self.client(remote, "remote-sub", clean=False)
        got = []
        deadline = time.monotonic() + 3 * TIMEOUT
        while time.monotonic() < deadline and len(got) < len(accepted) + 1:
            got += [m.payload.decode() for m in sub.drain(0.5)]
        got += [m.payload.decode() for m in sub.drain(0.5)]
        self.assertEqual([p for p in got if p.startswith("m")], accepted,
                         "every acknowledged message, in order, and no refused one")
        self.assertEqual(got.count("waits"), 1, got)


if __name__ == "__main__":
    unittest.main()
