"""Third-party clients driven by the tests, every wait bounded.

  - mosquitto_pub / MosquittoSub: the mosquitto command-line clients as
    subprocesses (MosquittoSub runs with -d so the test can wait for the
    SUBACK before publishing).
  - PahoClient: paho-mqtt 1.6 (v3.1, v3.1.1 or v5) driven by our own
    network thread, so it never reconnects behind the test's back.
  - PubrelKeepingClient: paho's own client for tests where it reconnects
    by itself, with a QoS 2 resume bug of paho 1.6 worked around.
"""

import queue
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from limits import QUIET, TIMEOUT

MQTTv31 = mqtt.MQTTv31
MQTTv311 = mqtt.MQTTv311
MQTTv5 = mqtt.MQTTv5


def drain_queue(q, duration):
    got = []
    deadline = time.monotonic() + duration
    while True:
        try:
            got.append(q.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            return got


def mosquitto_pub(broker, *args, input=None, timeout=TIMEOUT, check=True):
    """Runs mosquitto_pub against broker with extra args (input: bytes for
    its stdin, e.g. with -s); returns the CompletedProcess. check: fail on
    non-zero exit."""
    cmd = ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), *args]
    stdin = subprocess.DEVNULL if input is None else None
    try:
        res = subprocess.run(cmd, stdin=stdin, input=input, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{' '.join(cmd)} did not finish within {timeout}s: {e.stderr!r}")
    if check and res.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {res.returncode}: {res.stdout!r} {res.stderr!r}")
    return res


class PubrelKeepingClient(mqtt.Client):
    """paho-mqtt 1.6.1 resets its outgoing messages at every reconnect
    attempt, failed ones included. The first reset turns a QoS 2 message
    waiting for PUBCOMP into "resend PUBREL", as it should; a second one
    (the broker still down) turns "resend PUBREL" into a new PUBLISH with
    DUP 0. The receiver, which completed that id at the PUBREL, rightly
    takes it for a new message, so it is delivered twice. The spec says
    the sender MUST NOT re-send the PUBLISH once it has sent the PUBREL
    (4.3.3): this keeps "resend PUBREL" across attempts."""

    def _messages_reconnect_reset_out(self):
        with self._out_message_mutex:
            releasing = [m for m in self._out_messages.values()
                         if m.qos == 2 and m.state == mqtt.mqtt_ms_resend_pubrel]
        super()._messages_reconnect_reset_out()
        with self._out_message_mutex:
            for m in releasing:
                m.state = mqtt.mqtt_ms_resend_pubrel


class SubMessage:
    def __init__(self, topic, payload, qos, retain):
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain

    def __repr__(self):
        return (f"SubMessage({self.topic!r}, {self.payload!r}, qos={self.qos}, "
                f"retain={self.retain})")


class MosquittoSub:
    """mosquitto_sub as a subprocess; messages are parsed from a tagged
    -F format line (payload in hex), its debug lines (-d) tell when the
    SUBACK came in."""

    # %x (hex) so payloads with newlines stay on one line; topic last.
    FORMAT = r"MSG\t%q\t%r\t%x\t%t"

    def __init__(self, broker, *args):
        # stdbuf: mosquitto_sub block-buffers a piped stdout.
        self.cmd = ["stdbuf", "-oL", "mosquitto_sub", "-h", broker.host, "-p", str(broker.port),
                    "-d", "-F", self.FORMAT, *args]
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.lines = []  # everything it printed, for failure messages
        self.messages = queue.Queue()
        self.subacks = 0
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self.lines.append(line)
                if line.startswith("MSG\t"):
                    _, qos, retain, payload, topic = line.split("\t", 4)
                    self.messages.put(SubMessage(topic, bytes.fromhex(payload), int(qos),
                                                 bool(int(retain))))
                elif "received SUBACK" in line:
                    self.subacks += 1
                self._cond.notify_all()

    def output(self):
        with self._cond:
            return "\n".join(self.lines)

    def wait_subscribed(self, timeout=TIMEOUT):
        with self._cond:
            ok = self._cond.wait_for(lambda: self.subacks > 0, timeout)
        if not ok:
            raise AssertionError(
                f"no SUBACK within {timeout}s; mosquitto_sub said:\n{self.output()}")
        return self

    def expect(self, n, timeout=TIMEOUT):
        """The next n messages, failing if they do not all arrive in time."""
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < n:
            try:
                got.append(self.messages.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(
                    f"got {len(got)} of {n} messages within {timeout}s: {got}\n"
                    f"mosquitto_sub said:\n{self.output()}")
        return got

    def drain(self, duration=QUIET):
        """Every message arriving within duration (0: those already in)."""
        return drain_queue(self.messages, duration)

    def wait_exit(self, timeout=TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"mosquitto_sub did not exit within {timeout}s:\n{self.output()}")

    def kill(self):
        """SIGKILL: the OS closes the socket without an MQTT DISCONNECT."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(TIMEOUT)
        self._reader.join(TIMEOUT)
        self.proc.stdout.close()


class PahoMessage:
    def __init__(self, msg):
        self.topic = msg.topic
        self.payload = msg.payload
        self.qos = msg.qos
        self.retain = bool(msg.retain)
        self.dup = bool(msg.dup)
        self.properties = getattr(msg, "properties", None)

    def user_properties(self):
        return list(getattr(self.properties, "UserProperty", []) or [])

    def subscription_ids(self):
        ids = getattr(self.properties, "SubscriptionIdentifier", None)
        if ids is None:
            return []
        return list(ids) if isinstance(ids, list) else [ids]

    def __repr__(self):
        return (f"PahoMessage({self.topic!r}, {self.payload!r}, qos={self.qos}, "
                f"retain={self.retain}, properties={self.properties})")


class PahoClient:
    """A paho client with bounded, synchronous helpers.

    The network loop runs on our own thread and ends at the first
    disconnect (paho's loop_start would reconnect on its own, which would
    hide exactly what some tests look at).
    """

    def __init__(self, broker, client_id="", protocol=MQTTv311, clean=True, keepalive=60,
                 session_expiry=None, will=None):
        self.broker = broker
        self.protocol = protocol
        self.clean = clean
        self.keepalive = keepalive
        self.session_expiry = session_expiry
        if protocol == MQTTv5:
            self.client = mqtt.Client(client_id=client_id, protocol=protocol)
        else:
            self.client = mqtt.Client(client_id=client_id, clean_session=clean, protocol=protocol)
        if will is not None:
            self.client.will_set(**will)
        self.messages = queue.Queue()
        self.connack = None  # (flags, rc, properties)
        self.disconnect_rc = None
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self._subacks = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = None
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_unsubscribe = self._on_unsubscribe
        # Only the loop thread may write to the socket. Without a thread of
        # its own (loop_start) or this callback, paho sends a packet from
        # whichever thread queued it, at once and while the loop thread may
        # be sending too: both pop its output queue, and packets can leave
        # in another order than they were queued (seen as test_qos2 getting
        # "013" before "012"). With the callback set, publish() only queues
        # and wakes the loop through paho's socket pair; the loop writes, in
        # order.
        self.client.on_socket_register_write = lambda client, userdata, sock: None

    # callbacks (network thread)

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connack = (flags, rc, properties)
        self.connected.set()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnect_rc = rc
        self.disconnected.set()

    def _on_message(self, client, userdata, msg):
        self.messages.put(PahoMessage(msg))

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        with self._cond:
            self._subacks[mid] = granted
            self._cond.notify_all()

    def _on_unsubscribe(self, client, userdata, mid, properties=None, reasons=None):
        with self._cond:
            self._subacks[mid] = reasons
            self._cond.notify_all()

    def _loop(self):
        while not self._stop.is_set():
            rc = self.client.loop(timeout=0.05)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                self.disconnected.set()
                return

    # API (test thread)

    def connect(self, timeout=TIMEOUT, expect_success=True):
        """Connects and waits for the CONNACK; returns (flags, rc, props)."""
        kwargs = {}
        if self.protocol == MQTTv5:
            kwargs["clean_start"] = self.clean
            if self.session_expiry is not None:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = self.session_expiry
                kwargs["properties"] = props
        self.client.connect(self.broker.host, self.broker.port, keepalive=self.keepalive, **kwargs)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        if not self.connected.wait(timeout):
            raise AssertionError(f"no CONNACK within {timeout}s")
        if expect_success and self.connack[1] != 0:
            raise AssertionError(f"CONNACK refused: {self.connack}")
        return self.connack

    def session_present(self):
        return bool(self.connack[0].get("session present"))

    def subscribe(self, topic, qos=0, timeout=TIMEOUT, **kwargs):
        """Subscribes and waits for the SUBACK; returns what it granted."""
        if "options" in kwargs:
            qos = 0  # paho (v5) takes the QoS either here or in the options
        rc, mid = self.client.subscribe(topic, qos, **kwargs)
        if rc != mqtt.MQTT_ERR_SUCCESS:
            raise AssertionError(f"subscribe {topic!r} failed locally: {rc}")
        with self._cond:
            if not self._cond.wait_for(lambda: mid in self._subacks, timeout):
                raise AssertionError(f"no SUBACK for {topic!r} within {timeout}s")
            return self._subacks.pop(mid)

    def unsubscribe(self, topic, timeout=TIMEOUT):
        rc, mid = self.client.unsubscribe(topic)
        if rc != mqtt.MQTT_ERR_SUCCESS:
            raise AssertionError(f"unsubscribe {topic!r} failed locally: {rc}")
        with self._cond:
            if not self._cond.wait_for(lambda: mid in self._subacks, timeout):
                raise AssertionError(f"no UNSUBACK for {topic!r} within {timeout}s")
            return self._subacks.pop(mid)

    def publish(self, topic, payload=b"", qos=0, retain=False, properties=None, timeout=TIMEOUT):
        """Publishes and, for QoS > 0, waits for the flow to complete."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise AssertionError(f"publish to {topic!r} failed locally: {info.rc}")
        info.wait_for_publish(timeout)
        if not info.is_published():
            raise AssertionError(
                f"publish to {topic!r} (QoS {qos}) not completed within {timeout}s")
        return info

    def expect(self, n, timeout=TIMEOUT):
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < n:
            try:
                got.append(self.messages.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"got {len(got)} of {n} messages within {timeout}s: {got}")
        return got

    def drain(self, duration=QUIET):
        """Every message arriving within duration (0: those already in)."""
        return drain_queue(self.messages, duration)

    def disconnect(self, timeout=TIMEOUT):
        """Clean DISCONNECT, then waits for the loop to notice the close."""
        self.client.disconnect()
        if not self.disconnected.wait(timeout):
            raise AssertionError(f"disconnect not completed within {timeout}s")
        self.close()

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(TIMEOUT)
            stopped = not self._thread.is_alive()
            self._thread = None
            # What the loop had queued and not yet written (the PUBACK of a
            # message the test has just seen) still goes, as it did when
            # paho wrote each packet at once: closing without DISCONNECT
            # must not also take back acknowledgements.
            if stopped:
                self.client.loop_write()
        sock = self.client.socket()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


def user_properties(pairs, packet_type=None):
    props = Properties(packet_type or PacketTypes.PUBLISH)
    props.UserProperty = list(pairs)
    return props
