"""Seeds of fuzz_decoder: small, valid byte streams as a client (or, for
the codec's sake, a server) would send them: a CONNECT for MQTT 3.1, 3.1.1
or 5.0, usually followed by more packets. libFuzzer mutates from these, so
covering every packet type and every property identifier here saves it from
having to discover the framing by itself.

The fuzz target takes the engine's read size from the last byte, so seeds
need no prefix or suffix: their own last bytes give a mix of read sizes.
"""

from mqtt_packets import *  # noqa: F401,F403 (the packet vocabulary)

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
