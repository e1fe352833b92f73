"""Seeds of fuzz_engine: scripts for four clients of the whole broker core.

An input is a configuration byte, then operations of one byte each
(client in bits 5..6, operation in bits 0..4), some with an argument; see
the top of fuzz_engine.cpp. Clients 0 and 2 live on worker 0, clients 1
and 3 on worker 1, so every script that has clients on both workers
routes across workers.
"""

from mqtt_packets import *  # noqa: F401,F403 (the packet vocabulary)

# Operations (fuzz_engine.cpp `op`).
OPEN, BYTES, CLOSE, ADVANCE, RUN, SETTLE, COMMIT, STALL, AUTO_ACK, SYS, KICK, RELOAD = range(12)

# Configuration bits (fuzz_engine.cpp `config_from`).
PERSIST = 0x01
ACCESS = 0x02
ANONYMOUS = 0x04
SMALL = 0x08
QUEUE_QOS0 = 0x10
RESTRICTED = 0x20
NO_EMPTY_ID = 0x40
STICKY = 0x80


def op(kind, client=0, arg=None):
    out = bytes([(client << 5) | kind])
    return out if arg is None else out + bytes([arg])


def send(client, data):
    """The client's bytes, in operations of at most 255 bytes."""
    out = b""
    for i in range(0, len(data), 255):
        chunk = data[i:i + 255]
        out += op(BYTES, client) + bytes([len(chunk)]) + chunk
    return out


def settle():
    return op(SETTLE) + op(COMMIT) + op(SETTLE)


def script(config, *steps):
    return bytes([config]) + b"".join(steps)


def connected(client, version, client_id, **kw):
    return op(OPEN, client) + send(client, connect(version, client_id, **kw)) + settle()


def seeds():
    yield "pubsub-across-workers", script(
        PERSIST | ANONYMOUS,
        connected(0, 4, "sub"),
        send(0, subscribe(4, 1, [("a/#", 2), ("+/b", 1)])), op(AUTO_ACK, 0),
        connected(1, 5, "pub"),
        send(1, publish(5, "a/b", b"zero") + publish(5, "a/b", b"one", qos=1, pid=1)
             + publish(5, "a/b", b"two", qos=2, pid=2) + ack(6, 5, 2)),
        settle(), op(RUN, 0), op(RUN, 1), settle(),
        connected(3, 5, ""), send(3, subscribe(5, 1, [("a/b", 0x00)]) + publish(5, "a/b", b"!")),
        send(0, unsubscribe(4, 2, ["a/#"]) + disconnect(4)), settle())
    yield "retained", script(
        ANONYMOUS,
        connected(1, 4, "retainer"),
        send(1, publish(4, "r/1", b"kept", qos=1, pid=1, retain=True)
             + publish(4, "r/2", b"also", retain=True) + publish(4, "r/2", b"", retain=True)),
        settle(),
        connected(2, 5, "late"), op(AUTO_ACK, 2),
        send(2, subscribe(5, 1, [("r/#", 0x02), ("r/+", 0x2D)])), settle())
    yield "will-on-failure", script(
        ANONYMOUS,
        connected(1, 4, "watcher"), send(1, subscribe(4, 1, [("wills/#", 1)])), op(AUTO_ACK, 1),
        connected(0, 4, "mortal", will=("wills/mortal", b"gone", 1, True, None)),
        op(CLOSE, 0), settle())
    yield "will-delay-v5", script(
        PERSIST | ANONYMOUS,
        connected(1, 5, "watcher"), send(1, subscribe(5, 1, [("wills/#", 0x01)])),
        connected(0, 5, "slow", clean=False,
                  will=("wills/slow", b"late", 1, False, props((WILL_DELAY, u32(5)))),
                  properties=props((SESSION_EXPIRY, u32(30)))),
        op(CLOSE, 0), settle(), op(ADVANCE, 0, 3), settle(), op(ADVANCE, 0, 3), settle(),
        op(ADVANCE, 0, 40), settle())
    yield "persistent-session-offline-queue", script(
        PERSIST | ANONYMOUS | SMALL | QUEUE_QOS0,
        connected(0, 4, "keeper", clean=False),
        send(0, subscribe(4, 1, [("q/#", 2)])), settle(), op(CLOSE, 0), settle(),
        connected(1, 4, "feeder"),
        send(1, b"".join(publish(4, "q/x", bytes([65 + n]) * 8, qos=n % 3, pid=n + 1)
                         for n in range(8))),
        settle(), op(OPEN, 0), op(AUTO_ACK, 0),
        send(0, connect(4, "keeper", clean=False)), settle(), op(COMMIT), settle())
    yield "v5-session-expiry-pages", script(
        PERSIST | ANONYMOUS,
        connected(2, 5, "paged", clean=False, properties=props((SESSION_EXPIRY, u32(100)))),
        send(2, subscribe(5, 1, [("p/#", 0x01)])), settle(),
        send(2, disconnect(5)), settle(),
        connected(3, 5, "pager"),
        send(3, b"".join(publish(5, "p/" + str(n), b"m", qos=1, pid=n + 1) for n in range(20))),
        settle(), op(OPEN, 2), op(AUTO_ACK, 2),
        send(2, connect(5, "paged", clean=False, properties=props((SESSION_EXPIRY, u32(100))))),
        settle(), op(ADVANCE, 0, 200), settle())
    yield "takeover-across-workers", script(
        PERSIST | ANONYMOUS,
        connected(0, 4, "twin", clean=False), send(0, subscribe(4, 1, [("t", 1)])),
        connected(1, 4, "twin", clean=False),
        connected(2, 5, "twin"), settle(), op(KICK, 1), settle())
    yield "shared-subscription", script(
        ANONYMOUS | STICKY,
        connected(0, 5, "m1"), send(0, subscribe(5, 1, [("$share/g/s/#", 0x01)])),
        connected(1, 5, "m2"), send(1, subscribe(5, 1, [("$share/g/s/#", 0x02)])),
        op(AUTO_ACK, 1),
        connected(2, 4, "src"),
        send(2, b"".join(publish(4, "s/" + str(n), b"x", qos=1, pid=n + 1) for n in range(6))),
        op(RUN, 0), op(CLOSE, 0), settle())
    yield "keep-alive-expiry", script(
        ANONYMOUS,
        connected(0, 4, "sleepy", keep_alive=1, will=("w", b"timeout", 0, False, None)),
        op(ADVANCE, 0, 1), send(0, pingreq()), op(ADVANCE, 0, 2), settle())
    yield "connect-timeout", script(
        ANONYMOUS, op(OPEN, 0), send(0, b"\x10\x10"), op(ADVANCE, 0, 20), settle())
    yield "access-control", script(
        ACCESS,
        connected(0, 4, "a1", username="alice", password=b"pw"),
        send(0, subscribe(4, 1, [("secret/x", 1), ("public/#", 1)])),
        connected(1, 5, "c1", username="carol", password=b"pw"),
        send(1, subscribe(5, 1, [("a/#", 0x01), ("b/+", 0x01)])
             + publish(5, "b/x", b"ok", qos=1, pid=2) + publish(5, "a/x", b"no", qos=1, pid=3)),
        connected(2, 4, "bad", username="alice", password=b"wrong"),
        op(ADVANCE, 0, 2), settle(), op(RELOAD), settle())
    yield "anonymous-patterns", script(
        ACCESS | ANONYMOUS,
        connected(3, 4, "anon"),
        send(3, subscribe(4, 1, [("clients/anon/#", 1), ("public/x", 0), ("$SYS/#", 0)])
             + publish(4, "clients/anon/x", b"mine", qos=1, pid=2)),
        op(SYS), settle())
    yield "backpressure", script(
        ANONYMOUS | SMALL,
        connected(0, 4, "slowsub"), send(0, subscribe(4, 1, [("f/#", 1)])), settle(),
        op(STALL, 0),
        connected(1, 4, "fast"),
        send(1, b"".join(publish(4, "f/1", b"y" * 20, qos=n % 2, pid=n + 1) for n in range(30))),
        settle(), op(STALL, 0), op(AUTO_ACK, 0), settle(), op(ADVANCE, 0, 1), settle())
    # On the publisher's worker (so deliveries are inline), a subscriber
    # whose socket takes nothing fills its window and then its
    # queue; past the congestion threshold the publisher's PUBACKs are held
    # until the subscriber's writes go through, it acknowledges and drains.
    yield "congestion", script(
        ANONYMOUS,
        connected(2, 4, "stuck"), send(2, subscribe(4, 1, [("c/#", 1)])), settle(),
        op(AUTO_ACK, 2), op(STALL, 2),
        connected(0, 4, "flood"),
        send(0, b"".join(publish(4, "c/1", b"z", qos=1, pid=n + 1) for n in range(110))),
        settle(), op(STALL, 2), settle())
    yield "restricted-features", script(
        ANONYMOUS | RESTRICTED | NO_EMPTY_ID,
        connected(0, 5, "", keep_alive=0),
        connected(1, 5, "r", keep_alive=60),
        send(1, subscribe(5, 1, [("x/#", 0x02), ("$share/g/x", 0x01)])
             + publish(5, "x", b"2", qos=2, pid=2) + publish(5, "x", b"r", retain=True)),
        connected(2, 4, "old", keep_alive=0), settle())
    yield "v5-topic-alias-and-properties", script(
        ANONYMOUS | STICKY,
        connected(0, 5, "alias", properties=props((TOPIC_ALIAS_MAXIMUM, u16(4)),
                                                 (REQUEST_RESPONSE_INFO, u8(1)))),
        send(0, subscribe(5, 1, [("al/#", 0x01)], props((SUBSCRIPTION_ID, varint(3))))),
        op(AUTO_ACK, 0),
        send(0, publish(5, "al/one", b"1", properties=props((TOPIC_ALIAS, u16(1))))
             + publish(5, "", b"2", qos=1, pid=5, properties=props((TOPIC_ALIAS, u16(1)),
                                                                   (MESSAGE_EXPIRY, u32(1))))),
        settle(), op(ADVANCE, 0, 2), settle())
    yield "enhanced-auth", script(
        ACCESS,
        op(OPEN, 1),
        send(1, connect(5, "scram", properties=props(
            (AUTH_METHOD, string("SCRAM-SHA-256")), (AUTH_DATA, string(b"n,,n=alice,r=abc"))))),
        settle(),
        send(1, auth(0x18, props((AUTH_METHOD, string("SCRAM-SHA-256")),
                                 (AUTH_DATA, string(b"c=biws,r=abc,p=AAAA"))))),
        settle())
