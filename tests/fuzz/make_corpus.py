#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_decoder (tests/fuzz/corpus/decoder/).

Each seed is a small, valid byte stream as a client (or, for the codec's
sake, a server) would send it: a CONNECT for MQTT 3.1, 3.1.1 or 5.0,
usually followed by more packets. libFuzzer mutates from these, so covering
every packet type and every property identifier here saves it from having
to discover the framing by itself.

The fuzz target takes the engine's read size from the last byte, so seeds
need no prefix or suffix: their own last bytes give a mix of read sizes.

Usage: make_corpus.py [OUTPUT_DIR]    (python3 standard library only)

Regression seeds (inputs that once crashed the target) live in the same
directory under names starting with "regress-"; this script never touches
them, so re-running it is safe.
"""

import os
import pathlib
import struct
import sys

# --- data representations (spec 1.5) -------------------------------------


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def u8(n):
    return struct.pack(">B", n)


def u16(n):
    return struct.pack(">H", n)


def u32(n):
    return struct.pack(">I", n)


def string(s):
    data = s.encode() if isinstance(s, str) else s
    return u16(len(data)) + data


# --- properties (spec 2.2.2), as (identifier, encoded value) pairs ---------

PAYLOAD_FORMAT = 0x01
MESSAGE_EXPIRY = 0x02
CONTENT_TYPE = 0x03
RESPONSE_TOPIC = 0x08
CORRELATION_DATA = 0x09
SUBSCRIPTION_ID = 0x0B
SESSION_EXPIRY = 0x11
ASSIGNED_CLIENT_ID = 0x12
SERVER_KEEP_ALIVE = 0x13
AUTH_METHOD = 0x15
AUTH_DATA = 0x16
REQUEST_PROBLEM_INFO = 0x17
WILL_DELAY = 0x18
REQUEST_RESPONSE_INFO = 0x19
REASON_STRING = 0x1F
RECEIVE_MAXIMUM = 0x21
TOPIC_ALIAS_MAXIMUM = 0x22
TOPIC_ALIAS = 0x23
MAXIMUM_QOS = 0x24
RETAIN_AVAILABLE = 0x25
USER_PROPERTY = 0x26
MAXIMUM_PACKET_SIZE = 0x27


def props(*pairs):
    body = b"".join(u8(pid) + value for pid, value in pairs)
    return varint(len(body)) + body


def user(name, value):
    return (USER_PROPERTY, string(name) + string(value))


# --- packets (spec chapter 3) -----------------------------------------------


def packet(type_, flags, body):
    return u8((type_ << 4) | flags) + varint(len(body)) + body


def connect(version, client_id, *, clean=True, keep_alive=60, will=None,
            username=None, password=None, properties=b""):
    """will = (topic, payload, qos, retain, will_properties)."""
    name, level = {3: ("MQIsdp", 3), 4: ("MQTT", 4), 5: ("MQTT", 5)}[version]
    flags = 0x02 if clean else 0
    if will:
        flags |= 0x04 | (will[2] << 3) | (0x20 if will[3] else 0)
    if password is not None:
        flags |= 0x40
    if username is not None:
        flags |= 0x80
    body = string(name) + u8(level) + u8(flags) + u16(keep_alive)
    if version == 5:
        body += properties or props()
    body += string(client_id)
    if will:
        if version == 5:
            body += will[4] or props()
        body += string(will[0]) + string(will[1])
    if username is not None:
        body += string(username)
    if password is not None:
        body += string(password)
    return packet(1, 0, body)


def connack(version, session_present, code, properties=b""):
    body = u8(1 if session_present else 0) + u8(code)
    if version == 5:
        body += properties or props()
    return packet(2, 0, body)


def publish(version, topic, payload, *, qos=0, pid=0, retain=False, dup=False,
            properties=b""):
    flags = (qos << 1) | (1 if retain else 0) | (0x08 if dup else 0)
    body = string(topic)
    if qos:
        body += u16(pid)
    if version == 5:
        body += properties or props()
    return packet(3, flags, body + payload)


def ack(type_, version, pid, reason=None, properties=None):
    """PUBACK (4), PUBREC (5), PUBREL (6) or PUBCOMP (7)."""
    body = u16(pid)
    if version == 5 and reason is not None:
        body += u8(reason)
        if properties is not None:
            body += properties
    return packet(type_, 0x02 if type_ == 6 else 0, body)


def subscribe(version, pid, entries, properties=b""):
    """entries = [(filter, options byte)]."""
    body = u16(pid)
    if version == 5:
        body += properties or props()
    for filter_, options in entries:
        body += string(filter_) + u8(options)
    return packet(8, 0x02, body)


def suback(version, pid, codes, properties=b""):
    body = u16(pid)
    if version == 5:
        body += properties or props()
    return packet(9, 0, body + bytes(codes))


def unsubscribe(version, pid, filters, properties=b""):
    body = u16(pid)
    if version == 5:
        body += properties or props()
    for filter_ in filters:
        body += string(filter_)
    return packet(10, 0x02, body)


def unsuback(version, pid, codes=(), properties=b""):
    body = u16(pid)
    if version == 5:
        body += (properties or props()) + bytes(codes)
    return packet(11, 0, body)


def pingreq():
    return packet(12, 0, b"")


def disconnect(version, reason=None, properties=None):
    body = b""
    if version == 5 and reason is not None:
        body += u8(reason)
        if properties is not None:
            body += properties
    return packet(14, 0, body)


def auth(reason, properties):
    return packet(15, 0, u8(reason) + properties)


# --- the seeds ------------------------------------------------------------

WILL5_PROPS = props(
    (WILL_DELAY, u32(30)),
    (PAYLOAD_FORMAT, u8(1)),
    (MESSAGE_EXPIRY, u32(3600)),
    (CONTENT_TYPE, string("text/plain")),
    (RESPONSE_TOPIC, string("replies/c5")),
    (CORRELATION_DATA, string(b"\x00\x01\x02")),
    user("origin", "will"),
)

CONNECT5_PROPS = props(
    (SESSION_EXPIRY, u32(3600)),
    (RECEIVE_MAXIMUM, u16(20)),
    (MAXIMUM_PACKET_SIZE, u32(65536)),
    (TOPIC_ALIAS_MAXIMUM, u16(10)),
    (REQUEST_RESPONSE_INFO, u8(1)),
    (REQUEST_PROBLEM_INFO, u8(0)),
    user("app", "tern-fuzz"),
    user("app", "second"),
)

EVERY_PUBLISH_PROP = props(
    (PAYLOAD_FORMAT, u8(1)),
    (MESSAGE_EXPIRY, u32(120)),
    (TOPIC_ALIAS, u16(1)),
    (RESPONSE_TOPIC, string("replies/c5")),
    (CORRELATION_DATA, string(b"\xde\xad\xbe\xef")),
    (CONTENT_TYPE, string("application/json")),
    (SUBSCRIPTION_ID, varint(7)),
    (SUBSCRIPTION_ID, varint(300)),
    user("k1", "v1"),
    user("k2", "v2"),
)

C31 = connect(3, "tern-31")
C311 = connect(4, "tern-311", keep_alive=30)
C5 = connect(5, "tern-5", properties=props((SESSION_EXPIRY, u32(60)),
                                           (TOPIC_ALIAS_MAXIMUM, u16(10))))


def seeds():
    yield "v31-connect-min", C31
    yield "v31-connect-will-user-pass", connect(
        3, "tern-31-full", will=("wills/c31", b"gone", 1, True, None),
        username="alice", password=b"s3cret")
    yield "v31-connect-publish-subscribe", (
        C31 + publish(3, "a/b", b"hello", qos=1, pid=1)
        + subscribe(3, 2, [("a/#", 1)]) + pingreq() + disconnect(3))
    yield "v311-connect-min", connect(4, "c")
    yield "v311-connect-empty-id", connect(4, "", keep_alive=0)
    yield "v311-connect-will-user-pass", connect(
        4, "tern-311-full", clean=False, will=("wills/c311", b"offline", 2, False, None),
        username="bob", password=b"\x00\xffpw")
    yield "v311-publish-qos0", C311 + publish(4, "sensors/t", b"21.5")
    yield "v311-publish-qos1-retain", C311 + publish(4, "sensors/t", b"21.5", qos=1,
                                                     pid=10, retain=True)
    yield "v311-publish-qos2-flow", (
        C311 + publish(4, "sensors/t", b"x" * 40, qos=2, pid=11)
        + ack(6, 4, 11) + publish(4, "sensors/t", b"again", qos=2, pid=11, dup=True))
    yield "v311-subscribe", C311 + subscribe(
        4, 1, [("a/+/c", 0), ("sport/#", 1), ("$SYS/#", 2), ("x", 1)])
    yield "v311-unsubscribe", C311 + unsubscribe(4, 2, ["a/+/c", "sport/#"])
    yield "v311-pingreq", C311 + pingreq() + pingreq()
    yield "v311-disconnect", C311 + publish(4, "t", b"") + disconnect(4)
    yield "v311-acks", C311 + ack(4, 4, 1) + ack(5, 4, 2) + ack(6, 4, 3) + ack(7, 4, 2)
    yield "v311-pipeline", (
        C311 + subscribe(4, 1, [("#", 2)]) + publish(4, "a", b"1")
        + publish(4, "a/b", b"2", qos=1, pid=2) + publish(4, "a/b/c", b"3", qos=2, pid=3)
        + ack(6, 4, 3) + unsubscribe(4, 4, ["#"]) + pingreq() + disconnect(4))
    # The harness echoes each publication back with packet ids 1, 2, ...
    # (a resumed session already holds 1, 2 and 3 in flight); these
    # acknowledge them, driving the outbound QoS 1/2 window.
    yield "v311-resume-acks", (
        connect(4, "tern-resume", clean=False) + ack(4, 4, 1) + ack(5, 4, 2) + ack(7, 4, 2)
        + ack(7, 4, 3) + ack(4, 4, 4))
    yield "v5-resume-acks", (
        connect(5, "tern-resume", clean=False, properties=props((SESSION_EXPIRY, u32(600))))
        + ack(4, 5, 1, 0x10) + ack(5, 5, 2, 0x80) + ack(7, 5, 3, 0x92))
    yield "v311-echo-acks", (
        C311 + publish(4, "e/1", b"one", qos=1, pid=7) + ack(4, 4, 1)
        + publish(4, "e/2", b"two", qos=2, pid=8) + ack(6, 4, 8) + ack(5, 4, 2) + ack(7, 4, 2))
    yield "v311-server-packets", (
        connack(4, True, 0) + suback(4, 1, [0, 1, 2, 0x80]) + unsuback(4, 2)
        + packet(13, 0, b""))
    yield "v5-connect-min", connect(5, "c")
    yield "v5-connect-full", connect(
        5, "tern-5-full", clean=False, keep_alive=120,
        will=("wills/c5", b"offline", 1, True, WILL5_PROPS),
        username="carol", password=b"pw", properties=CONNECT5_PROPS)
    yield "v5-connect-password-only", connect(5, "", password=b"token")
    yield "v5-publish-qos0", C5 + publish(5, "sensors/t", b"21.5")
    yield "v5-publish-every-property", C5 + publish(
        5, "sensors/t", b'{"t":21.5}', qos=1, pid=1, properties=EVERY_PUBLISH_PROP)
    yield "v5-publish-topic-alias", (
        C5 + publish(5, "sensors/long/topic/name", b"1", properties=props((TOPIC_ALIAS, u16(3))))
        + publish(5, "", b"2", properties=props((TOPIC_ALIAS, u16(3)))))
    yield "v5-publish-qos2-flow", (
        C5 + publish(5, "q/2", b"payload", qos=2, pid=5)
        + ack(6, 5, 5, 0x00, props(user("a", "b")))
        + ack(6, 5, 6, 0x92))
    yield "v5-publish-300-bytes", C5 + publish(5, "big", bytes(range(256)) + b"z" * 44,
                                               qos=1, pid=9)
    yield "v5-echo-acks", (
        C5 + publish(5, "e/1", b"one", qos=1, pid=7) + ack(4, 5, 1, 0x10)
        + publish(5, "e/2", b"two", qos=2, pid=8) + ack(6, 5, 8) + ack(5, 5, 2)
        + ack(7, 5, 2) + publish(5, "e/3", b"three", qos=2, pid=9)
        + ack(5, 5, 3, 0x80, props((REASON_STRING, string("refused")))))
    yield "v5-subscribe", C5 + subscribe(
        5, 1, [("a/+/c", 0x01), ("sport/#", 0x06), ("$share/g/x/#", 0x22), ("y", 0x1A)],
        props((SUBSCRIPTION_ID, varint(42)), user("s", "1")))
    yield "v5-unsubscribe", C5 + unsubscribe(5, 2, ["a/+/c", "$share/g/x/#"],
                                             props(user("u", "1")))
    yield "v5-acks", (
        C5 + ack(4, 5, 1) + ack(4, 5, 2, 0x10)
        + ack(5, 5, 3, 0x80, props((REASON_STRING, string("no"))))
        + ack(7, 5, 3, 0x00, props()))
    yield "v5-small-maximum-packet-size", (
        connect(5, "tern-small", properties=props((MAXIMUM_PACKET_SIZE, u32(24))))
        + publish(5, "fits", b"ok") + publish(5, "too/large/for/the/client", b"x" * 16))
    yield "v5-pingreq", C5 + pingreq()
    yield "v5-disconnect-properties", (
        C5 + disconnect(5, 0x04, props((SESSION_EXPIRY, u32(0)),
                                       (REASON_STRING, string("bye")), user("why", "test"))))
    yield "v5-auth", (
        connect(5, "tern-auth", properties=props((AUTH_METHOD, string("SCRAM-SHA-1")),
                                                 (AUTH_DATA, string(b"client-first"))))
        + auth(0x18, props((AUTH_METHOD, string("SCRAM-SHA-1")),
                           (AUTH_DATA, string(b"client-final")),
                           (REASON_STRING, string("continue")), user("x", "y"))))
    yield "v5-auth-alone", auth(0x19, props((AUTH_METHOD, string("PLAIN"))))
    yield "v5-server-packets", (
        connack(5, False, 0x00, props(
            (SESSION_EXPIRY, u32(60)), (RECEIVE_MAXIMUM, u16(100)), (MAXIMUM_QOS, u8(1)),
            (RETAIN_AVAILABLE, u8(1)), (MAXIMUM_PACKET_SIZE, u32(1 << 20)),
            (ASSIGNED_CLIENT_ID, string("auto-1")), (TOPIC_ALIAS_MAXIMUM, u16(5)),
            (SERVER_KEEP_ALIVE, u16(30)), user("srv", "tern")))
        + suback(5, 1, [0x00, 0x01, 0x8F], props((REASON_STRING, string("ok"))))
        + unsuback(5, 2, [0x00, 0x11]))


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                       pathlib.Path(__file__).resolve().parent / "corpus" / "decoder")
    out.mkdir(parents=True, exist_ok=True)
    for path in out.iterdir():
        if path.is_file() and not path.name.startswith("regress-"):
            path.unlink()
    count = 0
    for name, data in seeds():
        (out / name).write_bytes(data)
        count += 1
    print(f"wrote {count} seeds to {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
