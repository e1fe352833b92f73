"""Seeds of the text and framing targets: fuzz_config (mosquitto.conf),
fuzz_auth_files (password and ACL files, both read from the same text) and
fuzz_ws_frames (client WebSocket frames after the upgrade).

The config seeds are the repository's own: app/default.conf and the
complete mosquitto.conf of tests/unit/config/full_config_test.cpp, read
from the tree, plus small files for each kind of section and error.
"""

import pathlib
import re
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]


def full_config_from_test():
    """The full_conf raw string of the config unit test, if it is there."""
    test = ROOT / "tests" / "unit" / "config" / "full_config_test.cpp"
    try:
        match = re.search(r'full_conf = R"\((.*?)\)"', test.read_text(), re.S)
    except OSError:
        return None
    return match.group(1).encode() if match else None


def config_seeds():
    yield "default-conf", (ROOT / "app" / "default.conf").read_bytes()
    full = full_config_from_test()
    if full:
        yield "full-conf", full
    yield "empty", b""
    yield "globals", (b"allow_anonymous true\nmax_inflight_messages 5\n"
                      b"max_queued_messages 100\nmax_queued_bytes 1048576\n"
                      b"message_size_limit 1024\nmax_packet_size 2048\n"
                      b"sys_interval 10 # seconds\nmax_keepalive 60\n"
                      b"persistent_client_expiration 2w\nthreads 2\n"
                      b"shared_subscription_policy sticky\nresponse_topic_prefix replies\n")
    yield "listeners", (b"listener 1883 0.0.0.0\nsocket_domain ipv4\nmax_connections 10\n"
                        b"listener 8883\ncafile ca.crt\ncertfile s.crt\nkeyfile s.key\n"
                        b"require_certificate true\nuse_identity_as_username true\n"
                        b"tls_version tlsv1.2\n"
                        b"listener 8080\nprotocol websockets\nwebsockets_path /mqtt\n"
                        b"listener 9090 127.0.0.1\nprotocol http\n")
    yield "per-listener", (b"per_listener_settings true\nlistener 1883\n"
                           b"allow_anonymous false\npassword_file pw\nacl_file acl\n"
                           b"mount_point site/\nlistener 1884\nallow_anonymous true\n")
    yield "bridge", (b"connection upstream\naddress broker.example:1883 backup:1883\n"
                     b"topic sensors/# out 1 local/ remote/\ntopic cmd/# in 2\n"
                     b"remote_clientid gw1\nremote_username u\nremote_password p\n"
                     b"bridge_protocol_version mqttv50\ncleansession false\n"
                     b"keepalive_interval 30\nrestart_timeout 5 60\n")
    yield "errors", (b"listner 1883\nmax_inflight_messages -3\nprotocol mqtt\n"
                     b"allow_anonymous maybe\nauth_plugin /usr/lib/x.so\n"
                     b"persistence_location\n")
    yield "logging", (b"log_dest file /var/log/tern.log\nlog_dest syslog\nlog_type all\n"
                      b"log_timestamp_format %H:%M\nconnection_messages false\n"
                      b"autosave_interval 60\npersistence true\npersistence_file x.db\n")


PASSWORDS = (
    b"# mosquitto_passwd output\n"
    b"alice:$7$101$dGVybmZ1enpzYWx0$"
    + b"A" * 86 + b"==\n"
    b"bob:$6$dGVybmZ1enpzYWx0$" + b"B" * 86 + b"==\n"
    b"carol:$scram-sha-256$4096$c2FsdHNhbHQ=$" + b"C" * 43 + b"=$" + b"D" * 43 + b"=\n"
)

ACL = (
    b"# anonymous clients\ntopic read $SYS/#\ntopic public/#\n\n"
    b"user alice\ntopic readwrite #\ntopic deny secret/#\n"
    b"user bob\ntopic read sensors/+/temp\ntopic write cmd/bob\n"
    b"pattern readwrite clients/%c/#\npattern read users/%u/inbox\n"
)


def auth_seeds():
    yield "passwords", PASSWORDS
    yield "acl", ACL
    yield "both", PASSWORDS + ACL
    yield "crlf", ACL.replace(b"\n", b"\r\n")
    yield "bad-lines", (b"nohash\nuser:\nuser:$7$0$x$y\n:$6$a$b\n"
                        b"topic\ntopic nonsense a/b\ntopic read a/#/b\npattern deny +x\n")


def ws_frame(opcode, payload, *, fin=True, mask=b"\x37\xfa\x21\x3d", rsv=0):
    first = (0x80 if fin else 0) | rsv | opcode
    m = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        header = bytes([first, m | n])
    elif n <= 0xFFFF:
        header = bytes([first, m | 126]) + struct.pack(">H", n)
    else:
        header = bytes([first, m | 127]) + struct.pack(">Q", n)
    if not mask:
        return header + payload
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def ws_seeds():
    # First byte: read size (bits 0..5) and message limit (bits 6..7).
    connect = b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"
    yield "binary-whole", b"\x00" + ws_frame(2, connect)
    yield "binary-split-reads", b"\x03" + ws_frame(2, connect) + ws_frame(2, b"\xc0\x00")
    yield "fragmented", b"\x05" + ws_frame(2, connect[:5], fin=False) + ws_frame(0, connect[5:])
    yield "control-between-fragments", (
        b"\x07" + ws_frame(2, b"abc", fin=False) + ws_frame(9, b"ping!")
        + ws_frame(10, b"") + ws_frame(0, b"def"))
    yield "ping-close", b"\x01" + ws_frame(9, b"hello") + ws_frame(8, struct.pack(">H", 1000) + b"bye")
    yield "close-empty", b"\x00" + ws_frame(8, b"")
    yield "length-126", b"\x11" + ws_frame(2, bytes(range(256)) * 2)
    yield "length-127", b"\x00" + ws_frame(2, b"x" * 70000)[:200]
    yield "over-limit", b"\x80" + ws_frame(2, b"y" * 100)
    yield "text-frame", b"\x00" + ws_frame(1, b"text")
    yield "unmasked", b"\x00" + ws_frame(2, b"raw", mask=None)
    yield "reserved-bits", b"\x00" + ws_frame(2, b"r", rsv=0x40)
    yield "empty-frames", b"\x02" + ws_frame(2, b"", fin=False) + ws_frame(0, b"") + ws_frame(2, b"z")
