"""MQTT packets as bytes, for the seed corpora (python3 standard library only).

Builders for every packet type in MQTT 3.1, 3.1.1 and 5.0, written from
the OASIS specs; the section numbers are the spec's.
"""

import struct

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
