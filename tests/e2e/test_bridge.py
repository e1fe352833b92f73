"""Bridges: tern bridged to Debian's mosquitto and to a second tern (each
started by the test on its own port) in both directions, with topic
prefixes, retained messages, the $SYS state notice, loop prevention, and the
durability promise across a remote outage and a kill -9 of tern during it.

tern is the broker under test ($TERN_E2E_BROKER); the remote is
/usr/sbin/mosquitto or that same tern, so these tests are skipped when the
suite is run against mosquitto itself.
"""

import os
import signal
import subprocess
import tempfile
import time
import unittest

from broker import BROKER_ENV, Broker, free_port, needs
from clients import MQTTv5, PahoClient
from limits import QUIET, TIMEOUT, scaled
from raw_mqtt import PUBACK, V5, RawClient, publish_packet
from test_crash import LoadPublisher

MOSQUITTO = "/usr/sbin/mosquitto"
UNDER_TEST = os.path.basename(os.environ.get(BROKER_ENV, ""))


def start_mosquitto(settings=()):
    # user root: mosquitto started as root would otherwise switch to the
    # mosquitto user and could not write its persistence file here.
    remote = Broker(["user root", *settings])
    remote.executable = MOSQUITTO
    return remote.start()


def start_tern(settings=()):
    return Broker(list(settings)).start()


def stop_keeping_state(broker):
    """SIGTERM (mosquitto saves its persistence file then) and keep the
    directory for restart()."""
    broker.proc.send_signal(signal.SIGTERM)
    broker.proc.wait(TIMEOUT)


def bridge_lines(remote, *extra, version="mqttv311"):
    return ["connection cloud", f"address 127.0.0.1:{remote.port}",
            "remote_clientid tern-bridge", "restart_timeout 1",
            f"bridge_protocol_version {version}", *extra]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_bridge_subscribed(broker, topic, timeout):
    """Until the bridge's local subscription takes `topic`: a v5 QoS 1
    PUBLISH there is acknowledged 0x10 (no matching subscribers) before it
    is in place. The probe that matches is relayed like any message."""
    probe = RawClient(broker)
    try:
        probe.connect("bridge-probe", version=V5)
        deadline = time.monotonic() + timeout
        pid = 0
        while time.monotonic() < deadline:
            pid += 1
            probe.send(publish_packet(topic, b"probe", qos=1, pid=pid, version=V5))
            ack = probe.expect_packet(PUBACK)
            reason = ack.body[2] if len(ack.body) > 2 else 0
            if reason == 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for the bridge to subscribe")
    finally:
        probe.close()


@unittest.skipIf(UNDER_TEST.startswith("mosquitto"), "tern's bridge is under test")
@unittest.skipUnless(os.access(MOSQUITTO, os.X_OK), f"needs {MOSQUITTO} as the remote")
class BridgeToMosquitto(unittest.TestCase):
    version = "mqttv311"
    start_remote = staticmethod(start_mosquitto)

    def start_pair(self, topics, local_settings=()):
        self.remote = self.start_remote()
        self.addCleanup(self.remote.stop)
        lines = ["persistence false", *local_settings,
                 *bridge_lines(self.remote, *topics, version=self.version)]
        self.local = Broker(lines).start()
        self.addCleanup(self.local.stop)
        state = self.client(self.local, "state-watch")
        state.subscribe("$SYS/broker/connection/tern-bridge/state", qos=1)
        wait_for(lambda: any(m.payload == b"1" for m in state.drain(0.2)), 3 * TIMEOUT,
                 "the bridge to connect")

    def client(self, broker, client_id, **kwargs):
        c = PahoClient(broker, client_id, **kwargs)
        self.addCleanup(c.close)
        c.connect()
        return c

    def test_out_and_in_with_prefixes(self):
        self.start_pair(['topic out/# out 1 "" site/', 'topic cmd/# in 2 "" site/'])
        remote_sub = self.client(self.remote, "remote-sub")
        remote_sub.subscribe("site/#", qos=2)
        local_sub = self.client(self.local, "local-sub")
        local_sub.subscribe("#", qos=2)

        self.client(self.local, "local-pub").publish("out/a", b"to-remote", qos=1)
        got = remote_sub.expect(1)
        self.assertEqual((got[0].topic, got[0].payload), ("site/out/a", b"to-remote"))

        self.client(self.remote, "remote-pub").publish("site/cmd/x", b"to-local", qos=2)
        got = [m for m in local_sub.drain(QUIET + 0.5) if not m.topic.startswith("$")]
        self.assertEqual([(m.topic, m.payload) for m in got],
                         [("out/a", b"to-remote"), ("cmd/x", b"to-local")])
        self.assertEqual([m.topic for m in remote_sub.drain(QUIET)], ["site/cmd/x"],
                         "an `in` topic must not go back out")

    def test_retained_message_crosses_with_its_flag(self):
        self.start_pair(['topic status/# out 1 "" site/'])
        self.client(self.local, "retainer").publish("status/door", b"open", qos=1, retain=True)
        # A subscriber that arrives later at the remote gets it as retained.
        def retained_at_remote():
            late = PahoClient(self.remote, "late")
            try:
                late.connect()
                late.subscribe("site/status/door", qos=1)
                return [(m.payload, m.retain) for m in late.drain(0.3)]
            finally:
                late.close()
        wait_for(lambda: retained_at_remote() == [(b"open", True)], TIMEOUT,
                 "the retained message at the remote")

    def test_both_directions_do_not_loop(self):
        self.start_pair(["topic chat/# both 1"])
        local_sub = self.client(self.local, "local-sub")
        local_sub.subscribe("chat/#", qos=1)
        remote_sub = self.client(self.remote, "remote-sub")
        remote_sub.subscribe("chat/#", qos=1)
        self.client(self.local, "local-pub").publish("chat/1", b"from-local", qos=1)
        self.client(self.remote, "remote-pub").publish("chat/2", b"from-remote", qos=1)
        time.sleep(QUIET + 0.5)
        for name, sub in (("local", local_sub), ("remote", remote_sub)):
            payloads = sorted(m.payload for m in sub.drain(QUIET))
            self.assertEqual(payloads, [b"from-local", b"from-remote"],
                             f"{name} side: each message exactly once, no echo")

    def test_state_notice_goes_to_zero_when_remote_stops(self):
        self.start_pair(["topic x/# out 0"])
        state = self.client(self.local, "state-check")
        state.subscribe("$SYS/broker/connection/tern-bridge/state", qos=1)
        self.assertEqual([m.payload for m in state.drain(QUIET)], [b"1"])
        self.remote.stop()
        got = state.expect(1, timeout=2 * TIMEOUT)
        self.assertEqual((got[0].payload, got[0].retain), (b"0", False))


class BridgeToMosquittoV5(BridgeToMosquitto):
    version = "mqttv50"


class BridgeToTern(BridgeToMosquitto):
    """The same with a second tern as the remote; over 3.1.1 the bridge
    sends mosquitto's bridge marker (try_private), which tern honours."""
    start_remote = staticmethod(start_tern)


class BridgeToTernV5(BridgeToTern):
    version = "mqttv50"


@unittest.skipIf(UNDER_TEST.startswith("mosquitto"), "tern's bridge is under test")
@unittest.skipUnless(os.access(MOSQUITTO, os.X_OK), f"needs {MOSQUITTO} as the remote")
class BridgeOutage(unittest.TestCase):
    """Load into tern's bridge while the remote stops, tern is killed with
    -9 during the outage and both restart: every message tern acknowledged
    reaches the remote, and no QoS 2 message twice."""

    remote_settings = ["persistence true", "persistence_location ./",
                       "max_queued_messages 0", "max_inflight_messages 20"]
    start_remote = staticmethod(start_mosquitto)

    def test_remote_outage_and_kill9_lose_nothing(self):
        remote = self.start_remote(self.remote_settings)
        self.addCleanup(remote.stop)
        local = Broker(["persistence true", "persistence_location data",
                        "max_queued_messages 0",
                        *bridge_lines(remote, 'topic load/# out 2 "" site/')]).start()
        self.addCleanup(local.stop)

        # The remote subscriber's session exists and is offline throughout:
        # the remote queues (and keeps across its restart) what the bridge
        # delivers.
        sub = PahoClient(remote, "remote-sub", clean=False)
        sub.connect()
        sub.subscribe("site/load/#", qos=2)
        sub.close()
        # Not before the bridge takes load/#: tern would acknowledge and
        # drop what nobody has subscribed to yet.
        wait_bridge_subscribed(local, "load/probe", 3 * TIMEOUT)

        publishers = [LoadPublisher(local, "bridge-q1", 1), LoadPublisher(local, "bridge-q2", 2)]
        for p in publishers:
            p.start()
        self.addCleanup(lambda: [p.stop() for p in publishers])
        time.sleep(scaled(1.0))
        stop_keeping_state(remote)
        before_outage = sum(len(p.acknowledged()) for p in publishers)
        time.sleep(scaled(1.5))  # tern keeps acknowledging: the bridge's queue fills
        local.kill9()
        local.restart()
        time.sleep(scaled(1.5))
        during_outage = sum(len(p.acknowledged()) for p in publishers) - before_outage
        remote.restart()
        time.sleep(scaled(1.0))
        for p in publishers:
            p.pause()
        for p in publishers:
            p.settle(3 * TIMEOUT)
        for p in publishers:
            p.stop()
        acknowledged = {p.qos: p.acknowledged() for p in publishers}
        self.assertGreater(during_outage, 100, "the load hardly ran during the outage")

        sub = PahoClient(remote, "remote-sub", clean=False)
        self.addCleanup(sub.close)
        expected = len(acknowledged[1]) + len(acknowledged[2])
        received = []
        deadline = time.monotonic() + 12 * TIMEOUT
        sub.connect()
        while time.monotonic() < deadline:
            got = sub.drain(1.0)
            received += got
            if not got and len({m.payload for m in received if m.payload != b"probe"}) >= expected:
                break
        payloads = [m.payload.decode() for m in received]
        for qos in (1, 2):
            lost = acknowledged[qos] - set(payloads)
            self.assertEqual(len(lost), 0, f"QoS {qos}: {len(lost)} of {len(acknowledged[qos])} "
                                   f"acknowledged message(s) lost, e.g. {sorted(lost)[:5]}")
        q2 = [p for p in payloads if p.startswith("q2-")]
        duplicates = {p for p in q2 if q2.count(p) > 1}
        self.assertFalse(duplicates, f"QoS 2 delivered twice: {sorted(duplicates)[:5]}")
        print(f"bridge outage ({type(self).__name__}): {expected} acknowledged "
              f"({during_outage} during the outage), {len(received)} received at the "
              "remote, 0 lost, 0 QoS 2 duplicates")


class BridgeOutageToTern(BridgeOutage):
    remote_settings = ["persistence true", "persistence_location data",
                       "max_queued_messages 0", "max_inflight_messages 20"]
    start_remote = staticmethod(start_tern)


@unittest.skipIf(UNDER_TEST.startswith("mosquitto"), "tern's refusals are under test")
class BridgeSettingsRefused(unittest.TestCase):
    """What this build lacks stops start-up with FILE:LINE and what to do."""

    def refusal(self, *lines):
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "tern.conf")
            with open(conf, "w") as f:
                f.write("\n".join([f"listener {free_port()} 127.0.0.1", "connection c",
                                   "address 127.0.0.1:1", *lines]) + "\n")
            res = subprocess.run([os.environ[BROKER_ENV], "-c", conf], capture_output=True,
                                 text=True, timeout=TIMEOUT)
        return res.returncode, res.stderr

    @needs("tls")
    def test_unreadable_tls_file(self):
        # TLS to the remote works (test_bridge_tls.py); its files are read at start-up.
        code, err = self.refusal("bridge_cafile /nonexistent/tern/ca.pem")
        self.assertEqual(code, 2, err)
        self.assertIn("tern.conf:4", err)
        self.assertIn("bridge_cafile '/nonexistent/tern/ca.pem' cannot be read", err)

    def test_lazy_start_with_clean_session(self):
        # Nothing would queue to start it: the clean session goes with each link.
        code, err = self.refusal("cleansession true", "start_type lazy")
        self.assertEqual(code, 2, err)
        self.assertIn("tern.conf:5", err)
        self.assertIn("set `cleansession false`", err)

    def test_bad_threshold(self):
        code, err = self.refusal("start_type lazy", "threshold many")
        self.assertEqual(code, 2, err)
        self.assertIn("tern.conf:5", err)
        self.assertIn("`threshold`: 'many' is not a whole number", err)


def remote_connects(remote):
    """CONNECTs of the bridge that the remote mosquitto logged (its log
    survives restarts: stop_keeping_state() keeps the directory)."""
    return remote._read_log().count(" as tern-bridge ")


@unittest.skipIf(UNDER_TEST.startswith("mosquitto"), "tern's bridge is under test")
@unittest.skipUnless(os.access(MOSQUITTO, os.X_OK), f"needs {MOSQUITTO} as the remote")
class BridgeStartType(unittest.TestCase):
    """start_type once and lazy (threshold, idle_timeout) against mosquitto."""

    state_topic = "$SYS/broker/connection/tern-bridge/state"

    def start_pair(self, *bridge_settings):
        self.remote = start_mosquitto()
        self.addCleanup(self.remote.stop)
        self.local = Broker(["persistence true", "persistence_location data",
                             *bridge_lines(self.remote, *bridge_settings)]).start()
        self.addCleanup(self.local.stop)
        self.state = self.client(self.local, "state-watch")
        self.state.subscribe(self.state_topic, qos=1)

    def client(self, broker, client_id):
        c = PahoClient(broker, client_id)
        self.addCleanup(c.close)
        c.connect()
        return c

    def wait_state(self, payload, timeout):
        wait_for(lambda: any(m.payload == payload for m in self.state.drain(0.2)), timeout,
                 f"the bridge state {payload!r}")

    def test_once_is_not_restarted(self):
        self.start_pair("start_type once", "topic x/# out 1")
        self.wait_state(b"1", 3 * TIMEOUT)
        self.assertEqual(remote_connects(self.remote), 1)
        stop_keeping_state(self.remote)
        self.wait_state(b"0", TIMEOUT)
        self.remote.restart()
        # restart_timeout 1: an automatic bridge is back within a second or two.
        time.sleep(scaled(2 * 1.0) + QUIET)
        self.assertEqual(remote_connects(self.remote), 1, "the bridge connected again")
        self.assertEqual([m.payload for m in self.state.drain(QUIET)], [])
        self.assertIn("start_type once: not restarted", self.local._read_log())

    def publish(self, publisher, numbers):
        for i in numbers:
            publisher.publish("out/m", str(i).encode(), qos=1)

    def test_lazy_connects_above_threshold_and_leaves_when_idle(self):
        self.start_pair("start_type lazy", "threshold 5", "idle_timeout 2",
                        'topic out/# out 1 "" site/')
        remote_sub = self.client(self.remote, "remote-sub")
        remote_sub.subscribe("site/#", qos=1)
        self.wait_state(b"0", TIMEOUT)
        pub = self.client(self.local, "pub")

        self.publish(pub, range(3))  # 3 queued: not more than 5
        time.sleep(QUIET + 1.0)  # the queue is looked at every 200 ms
        self.assertEqual(remote_connects(self.remote), 0, "connected below the threshold")
        self.publish(pub, range(3, 8))  # 8 queued
        got = remote_sub.expect(8, timeout=2 * TIMEOUT)
        self.assertEqual([m.payload for m in got], [str(i).encode() for i in range(8)],
                         "all queued messages, in order")
        self.assertEqual(remote_connects(self.remote), 1)
        self.wait_state(b"1", TIMEOUT)

        # idle_timeout 2: no message crosses, the bridge leaves.
        self.wait_state(b"0", scaled(2.0) + TIMEOUT)
        wait_for(lambda: "Client tern-bridge disconnected" in self.remote._read_log(), TIMEOUT,
                 "the remote to see the bridge disconnect")

        self.publish(pub, range(8, 11))  # 3 queued again: stays away
        time.sleep(QUIET + 1.0)
        self.assertEqual(remote_connects(self.remote), 1, "reconnected below the threshold")
        self.assertEqual(remote_sub.drain(QUIET), [])
        self.publish(pub, range(11, 14))  # 6 queued: back
        got = remote_sub.expect(6, timeout=2 * TIMEOUT)
        self.assertEqual([m.payload for m in got], [str(i).encode() for i in range(8, 14)])
        self.assertEqual(remote_connects(self.remote), 2)


if __name__ == "__main__":
    unittest.main()
