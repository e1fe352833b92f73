"""A WebSocket client by hand (RFC 6455) on a plain socket, for what
ordinary clients never send: bad upgrade requests, MQTT packets split
across frames or several in one frame, pings, text frames. Every wait is
bounded."""

import base64
import hashlib
import os
import socket
import struct

from limits import TIMEOUT

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def upgrade_request(path="/mqtt", key=None, version="13", protocols="mqtt", method="GET",
                    extra=(), upgrade=True):
    """The request's bytes; None for a header leaves it out."""
    if key is None:
        key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if upgrade:
        lines += ["Upgrade: websocket", "Connection: Upgrade"]
    if key is not False:
        lines.append(f"Sec-WebSocket-Key: {key}")
    if version is not None:
        lines.append(f"Sec-WebSocket-Version: {version}")
    if protocols is not None:
        lines.append(f"Sec-WebSocket-Protocol: {protocols}")
    lines += list(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), key


def frame(opcode, payload=b"", fin=True, mask=True):
    """One frame; clients mask (RFC 6455 5.3)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class HttpAnswer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return f"HttpAnswer({self.status}, {self.headers}, {self.body!r})"


class RawWs:
    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _recv_more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def _take(self, n):
        while len(self.buf) < n:
            self._recv_more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def handshake(self, **kwargs):
        """Sends an upgrade request; returns the HttpAnswer (the body read
        when the answer has a Content-Length)."""
        request, key = upgrade_request(**kwargs)
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buf:
            self._recv_more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = b""
        if "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        if status == 101:
            expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            if headers.get("sec-websocket-accept") != expected:
                raise AssertionError(f"wrong Sec-WebSocket-Accept in {headers}")
        return HttpAnswer(status, headers, body)

    def send(self, data):
        self.sock.sendall(data)

    def send_binary(self, payload):
        self.sock.sendall(frame(BINARY, payload))

    def read_frame(self):
        """(opcode, fin, payload) of the next frame from the server."""
        b0, b1 = self._take(2)
        if b1 & 0x80:
            raise AssertionError("the server masked a frame (RFC 6455 5.1 forbids it)")
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8))[0]
        return b0 & 0x0F, bool(b0 & 0x80), self._take(n)

    def read_mqtt(self, n_packets):
        """The next n MQTT packets from binary frames, whatever their
        framing, as (first byte, body) pairs."""
        stream = b""
        packets = []
        while len(packets) < n_packets:
            opcode, _, payload = self.read_frame()
            if opcode not in (BINARY, CONT):
                raise AssertionError(f"expected a binary frame, got opcode {opcode}")
            stream += payload
            while True:
                parsed = _split_packet(stream)
                if parsed is None:
                    break
                packet, stream = parsed
                packets.append(packet)
        return packets

    def read_until_eof(self):
        try:
            while True:
                self._recv_more()
        except (EOFError, ConnectionResetError):
            return self.buf

    def closed_by_peer(self, timeout=TIMEOUT):
        """True once the server closed: a close frame or EOF (anything else
        before it is skipped)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                opcode, _, payload = self.read_frame()
                if opcode == CLOSE:
                    self.close_payload = payload
                    return True
        except (EOFError, ConnectionResetError):
            return True
        except socket.timeout:
            return False


def _split_packet(data):
    if len(data) < 2:
        return None
    length, mult, i = 0, 1, 1
    while True:
        if i >= len(data):
            return None
        byte = data[i]
        length += (byte & 0x7F) * mult
        mult *= 128
        i += 1
        if not byte & 0x80:
            break
    if len(data) < i + length:
        return None
    return (data[0], data[i:i + length]), data[i + length:]
