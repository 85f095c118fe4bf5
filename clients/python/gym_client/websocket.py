"""The client side of RFC 6455 (WebSocket) without I/O: handshake, frames, masking, messages.

The standard library has no WebSocket client, so this module implements the part a client needs:
the opening handshake (with the ``Sec-WebSocket-Accept`` check), masked frames (every client frame
is masked, section 5.3), fragmentation of large messages on send and reassembly on receive
(section 5.4), ping/pong (section 5.5.2) and the close handshake (section 5.5.1). It is "sans-IO":
the sync client (``socket``) and the asyncio client (streams) feed it bytes and send what it makes.
"""
import base64
import hashlib
import os
import struct
from urllib.parse import urlencode

from .errors import ConnectionClosed, WebSocketError

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

_DATA_OPCODES = (OP_CONTINUATION, OP_TEXT, OP_BINARY)
_CONTROL_OPCODES = (OP_CLOSE, OP_PING, OP_PONG)


def new_key():
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes, base64."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def accept_for(key):
    """The ``Sec-WebSocket-Accept`` a server must answer to ``key``."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")


def apply_mask(data, mask):
    """XOR ``data`` with the 4-byte ``mask`` repeated (masking and unmasking are the same)."""
    n = len(data)
    if n == 0:
        return b""
    repeated = (mask * (n // 4 + 1))[:n]
    # One big-integer XOR instead of a Python loop per byte: messages can be megabytes.
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def encode_frame(opcode, payload, fin=True, mask=None):
    """One client frame: FIN bit, opcode, masked payload (``mask``: 4 bytes, random when None)."""
    if opcode in _CONTROL_OPCODES and (len(payload) > 125 or not fin):
        raise ValueError("control frames carry at most 125 bytes and are never fragmented")
    mask = os.urandom(4) if mask is None else mask
    if len(mask) != 4:
        raise ValueError("a mask is 4 bytes")
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + apply_mask(payload, mask)


def encode_message(text, max_frame_size=None):
    """The frames of one text message: one frame, or fragments of at most ``max_frame_size`` bytes."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if not max_frame_size or len(data) <= max_frame_size:
        return encode_frame(OP_TEXT, data)
    chunks = [data[i:i + max_frame_size] for i in range(0, len(data), max_frame_size)]
    frames = []
    for i, chunk in enumerate(chunks):
        frames.append(encode_frame(OP_TEXT if i == 0 else OP_CONTINUATION, chunk, fin=i == len(chunks) - 1))
    return b"".join(frames)


def close_payload(code=1000, reason=""):
    """The body of a close frame: 2-byte status code and a UTF-8 reason."""
    return struct.pack("!H", code) + reason.encode("utf-8")[:123]


def parse_close_payload(payload):
    """(code, reason) of a close frame; 1005 (no status) for an empty one."""
    if len(payload) == 0:
        return 1005, ""
    if len(payload) == 1:
        raise WebSocketError("a close frame with a 1-byte body")
    return struct.unpack("!H", payload[:2])[0], payload[2:].decode("utf-8", errors="replace")


def handshake_request(host, port, path, key, headers=()):
    """The HTTP/1.1 upgrade request for ``path`` (with its query) on ``host:port``."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def ws_path(env_id=None, params=None):
    """``/ws?env_id=…&param=key=value…``: the session's environment and parameters."""
    query = [("env_id", env_id)] if env_id else []
    query += [("param", f"{k}={_param_text(v)}") for k, v in (params or {}).items()]
    return "/ws" + (f"?{urlencode(query)}" if query else "")


def _param_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_response_head(head):
    """(status, headers with lower-case names) of an HTTP response head (without the blank line)."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise WebSocketError(f"not an HTTP response: {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


def check_upgrade(status, headers, key):
    """Raises :class:`WebSocketError` unless the answer is a valid 101 upgrade for ``key``."""
    if status != 101:
        raise WebSocketError(f"expected HTTP 101, got {status}")
    if headers.get("upgrade", "").lower() != "websocket":
        raise WebSocketError("the server did not upgrade to websocket")
    if headers.get("sec-websocket-accept") != accept_for(key):
        raise WebSocketError("wrong Sec-WebSocket-Accept: the server did not answer this handshake")


class FrameDecoder:
    """Turns received bytes into messages and control events (RFC 6455 sections 5.2 to 5.5).

    ``feed(data)`` returns a list of events: ``("message", text)`` for a complete text message
    (reassembled from its fragments), ``("ping", payload)``, ``("pong", payload)`` and
    ``("close", code, reason)``. Protocol violations raise :class:`WebSocketError`.
    """

    def __init__(self, max_message_bytes=64 * 1024 * 1024):
        self.max_message_bytes = max_message_bytes
        self._buffer = bytearray()
        self._fragments = None  # (opcode, bytearray) while a fragmented message is open

    def feed(self, data):
        self._buffer += data
        events = []
        while True:
            frame = self._next_frame()
            if frame is None:
                return events
            event = self._on_frame(*frame)
            if event is not None:
                events.append(event)

    def _next_frame(self):
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        first, second = buffer[0], buffer[1]
        if first & 0x70:
            raise WebSocketError("reserved bits set without a negotiated extension")
        if second & 0x80:
            raise WebSocketError("the server masked a frame (servers must not)")
        n, offset = second & 0x7F, 2
        if n == 126:
            if len(buffer) < 4:
                return None
            n, offset = struct.unpack_from("!H", buffer, 2)[0], 4
        elif n == 127:
            if len(buffer) < 10:
                return None
            n, offset = struct.unpack_from("!Q", buffer, 2)[0], 10
        if n > self.max_message_bytes:
            raise WebSocketError(f"a frame of {n} bytes is larger than the limit ({self.max_message_bytes})")
        if len(buffer) < offset + n:
            return None
        payload = bytes(buffer[offset:offset + n])
        del buffer[:offset + n]
        return bool(first & 0x80), first & 0x0F, payload

    def _on_frame(self, fin, opcode, payload):
        if opcode in _CONTROL_OPCODES:
            if not fin or len(payload) > 125:
                raise WebSocketError("a fragmented or oversized control frame")
            if opcode == OP_PING:
                return ("ping", payload)
            if opcode == OP_PONG:
                return ("pong", payload)
            return ("close",) + parse_close_payload(payload)
        if opcode not in _DATA_OPCODES:
            raise WebSocketError(f"unknown opcode {opcode:#x}")
        if opcode == OP_CONTINUATION:
            if self._fragments is None:
                raise WebSocketError("a continuation frame without a message to continue")
            first_opcode, data = self._fragments
            data += payload
        else:
            if self._fragments is not None:
                raise WebSocketError("a new message began before the fragmented one ended")
            first_opcode, data = opcode, bytearray(payload)
        if len(data) > self.max_message_bytes:
            raise WebSocketError(f"a message larger than the limit ({self.max_message_bytes} bytes)")
        if not fin:
            self._fragments = (first_opcode, data)
            return None
        self._fragments = None
        if first_opcode == OP_BINARY:
            raise WebSocketError("the server sent a binary message; the protocol uses text (JSON)")
        try:
            return ("message", bytes(data).decode("utf-8"))
        except UnicodeDecodeError:
            raise WebSocketError("a text message that is not valid UTF-8") from None


def close_error(code, reason):
    """The exception for a close frame received while waiting for an answer."""
    return ConnectionClosed(code, reason)
