"""Hand-built MQTT over a plain socket: arbitrary bytes for malformed
packets, silent clients and abnormal closes. Builders take the protocol
level (V31, V311, V5) where the encoding differs."""

import socket
import struct
import time

from limits import TIMEOUT


def varint(n):
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_str(s):
    b = s.encode() if isinstance(s, str) else bytes(s)
    return struct.pack("!H", len(b)) + b


def packet(first_byte, body=b""):
    return bytes([first_byte]) + varint(len(body)) + body


# Control packet types (high nibble of the first byte).
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14

V31, V311, V5 = 3, 4, 5


def connect_packet(client_id, version=V311, clean=True, keepalive=60, will=None,
                   protocol_name=None, flags_extra=0, properties=b"", username=None,
                   password=None):
    """will: dict(topic, payload, qos=0, retain=False); username and
    password: str or bytes, None to leave them out."""
    if protocol_name is None:
        protocol_name = "MQIsdp" if version == V31 else "MQTT"
    flags = (0x02 if clean else 0) | flags_extra
    payload = mqtt_str(client_id)
    if will is not None:
        flags |= 0x04 | (will.get("qos", 0) << 3) | (0x20 if will.get("retain") else 0)
        if version == V5:
            payload += varint(0)  # will properties
        payload += mqtt_str(will["topic"]) + mqtt_str(will.get("payload", b""))
    if username is not None:
        flags |= 0x80
        payload += mqtt_str(username)
    if password is not None:
        flags |= 0x40
        payload += mqtt_str(password)
    body = mqtt_str(protocol_name) + bytes([version, flags]) + struct.pack("!H", keepalive)
    if version == V5:
        body += varint(len(properties)) + properties
    return packet(0x10, body + payload)


def publish_packet(topic, payload=b"", qos=0, pid=None, retain=False, dup=False, version=V311,
                   properties=b""):
    """properties: the encoded v5 properties (without their length)."""
    first = 0x30 | (qos << 1) | (0x01 if retain else 0) | (0x08 if dup else 0)
    body = mqtt_str(topic)
    if qos:
        body += struct.pack("!H", pid)
    if version == V5:
        body += varint(len(properties)) + properties
    return packet(first, body + payload)


def subscribe_packet(pid, topic, qos=0, version=V311, first_byte=0x82):
    body = struct.pack("!H", pid)
    if version == V5:
        body += varint(0)
    return packet(first_byte, body + mqtt_str(topic) + bytes([qos]))


def ack_packet(kind, pid):
    """PUBACK, PUBREC, PUBREL or PUBCOMP with a success reason."""
    return packet((kind << 4) | (0x02 if kind == PUBREL else 0), struct.pack("!H", pid))


def disconnect_packet(version=V311, reason=0):
    if version == V5 and reason:
        return packet(0xE0, bytes([reason]))
    return packet(0xE0)


PINGREQ_PACKET = packet(0xC0)


class Packet:
    def __init__(self, first_byte, body):
        self.first_byte = first_byte
        self.type = first_byte >> 4
        self.flags = first_byte & 0x0F
        self.body = body

    def pid(self):
        return struct.unpack("!H", self.body[:2])[0]

    def publish_fields(self, version=V311):
        """(topic, qos, pid, payload) of a PUBLISH."""
        n = struct.unpack("!H", self.body[:2])[0]
        topic = self.body[2:2 + n].decode()
        pos = 2 + n
        qos = (self.flags >> 1) & 3
        pid = None
        if qos:
            pid = struct.unpack("!H", self.body[pos:pos + 2])[0]
            pos += 2
        if version == V5:
            plen, used = decode_varint(self.body, pos)
            pos += used + plen
        return topic, qos, pid, self.body[pos:]

    def __repr__(self):
        return f"Packet(type={self.type}, flags={self.flags:#x}, body={self.body.hex()})"


def decode_varint(buf, pos=0):
    """(value, bytes used); raises ValueError if incomplete or too long."""
    value, mult = 0, 1
    for i in range(4):
        if pos + i >= len(buf):
            raise ValueError("incomplete")
        b = buf[pos + i]
        value += (b & 0x7F) * mult
        if not b & 0x80:
            return value, i + 1
        mult *= 128
    raise ValueError("variable byte integer longer than 4 bytes")


def parse_packets(data):
    """Splits bytes into Packets; a trailing incomplete packet is ignored."""
    out, pos = [], 0
    while pos < len(data):
        try:
            length, used = decode_varint(data, pos + 1)
        except ValueError:
            break
        start = pos + 1 + used
        if start + length > len(data):
            break
        out.append(Packet(data[pos], data[start:start + length]))
        pos = start + length
    return out


class RawClient:
    """A plain TCP socket speaking hand-built MQTT bytes."""

    def __init__(self, broker, timeout=TIMEOUT, sock=None):
        """sock: a socket already connected (a scripted server's side)."""
        self.sock = sock or socket.create_connection((broker.host, broker.port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.version = V311
        self.eof = False

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        """Reads once; False on EOF/reset or when the deadline passed."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            self.eof = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def recv_packet(self, timeout=TIMEOUT):
        """The next whole packet, or None on EOF or timeout (self.eof says
        which)."""
        deadline = time.monotonic() + timeout
        while True:
            pkts = parse_packets(self.buf)
            if pkts:
                p = pkts[0]
                self.buf = self.buf[1 + len(varint(len(p.body))) + len(p.body):]
                return p
            if self.eof or not self._fill(deadline):
                return None

    def expect_packet(self, ptype, timeout=TIMEOUT):
        p = self.recv_packet(timeout)
        if p is None:
            why = "connection closed" if self.eof else f"nothing within {timeout}s"
            raise AssertionError(f"expected packet type {ptype}, {why}")
        if p.type != ptype:
            raise AssertionError(f"expected packet type {ptype}, got {p}")
        return p

    def wait_closed(self, timeout=TIMEOUT):
        """Reads until the peer closes. Returns (closed, packets received
        before the close)."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if not self._fill(deadline):
                if not self.eof:
                    break
        pkts = parse_packets(self.buf)
        self.buf = b""
        return self.eof, pkts

    def connect(self, client_id, version=V311, timeout=TIMEOUT, **kwargs):
        """CONNECT and expect a successful CONNACK; returns the CONNACK."""
        self.version = version
        self.send(connect_packet(client_id, version=version, **kwargs))
        ack = self.expect_packet(CONNACK, timeout)
        if ack.body[1] != 0:
            raise AssertionError(f"CONNACK refused: {ack}")
        return ack

    def subscribe(self, pid, topic, qos=0, timeout=TIMEOUT):
        self.send(subscribe_packet(pid, topic, qos, version=self.version))
        ack = self.expect_packet(SUBACK, timeout)
        if ack.pid() != pid:
            raise AssertionError(f"SUBACK for {ack.pid()}, expected {pid}")
        return ack

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
