"""RFC 6455 framing: the examples of the RFC, fragmentation, control frames and protocol errors."""
import struct
import unittest

from gym_client import websocket as ws
from gym_client.errors import WebSocketError


def server_frame(opcode, payload, fin=True):
    """An unmasked frame as a server sends it."""
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def unmask_client_frame(frame):
    """(fin, opcode, payload) of a client frame, checking it is masked."""
    second = frame[1]
    assert second & 0x80, "client frames are masked"
    n, offset = second & 0x7F, 2
    if n == 126:
        n, offset = struct.unpack_from("!H", frame, 2)[0], 4
    elif n == 127:
        n, offset = struct.unpack_from("!Q", frame, 2)[0], 10
    mask = frame[offset:offset + 4]
    payload = ws.apply_mask(frame[offset + 4:offset + 4 + n], mask)
    return bool(frame[0] & 0x80), frame[0] & 0x0F, payload, frame[offset + 4 + n:]


class HandshakeTests(unittest.TestCase):
    def test_accept_matches_the_rfc_example(self):
        # RFC 6455 section 1.3.
        self.assertEqual(ws.accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

    def test_a_wrong_accept_is_refused(self):
        headers = {"upgrade": "websocket", "sec-websocket-accept": "nope"}
        with self.assertRaisesRegex(WebSocketError, "Sec-WebSocket-Accept"):
            ws.check_upgrade(101, headers, "dGhlIHNhbXBsZSBub25jZQ==")

    def test_the_request_names_the_environment_and_parameters(self):
        path = ws.ws_path("tool-use/arithmetic-v0", {"max_turns": 3, "noisy": True})
        self.assertEqual(path, "/ws?env_id=tool-use%2Farithmetic-v0&param=max_turns%3D3&param=noisy%3Dtrue")
        request = ws.handshake_request("127.0.0.1", 8000, path, "k", [("Authorization", "Bearer x")]).decode()
        self.assertTrue(request.startswith(f"GET {path} HTTP/1.1\r\n"))
        self.assertIn("Sec-WebSocket-Version: 13\r\n", request)
        self.assertTrue(request.endswith("Authorization: Bearer x\r\n\r\n"))


class FrameTests(unittest.TestCase):
    def test_a_masked_frame_matches_the_rfc_example(self):
        # RFC 6455 section 5.7: a single-frame masked text message "Hello".
        frame = ws.encode_frame(ws.OP_TEXT, b"Hello", mask=bytes([0x37, 0xFA, 0x21, 0x3D]))
        self.assertEqual(frame, bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]))

    def test_length_encodings_round_trip(self):
        for n in (0, 1, 125, 126, 65535, 65536, 70000):
            payload = bytes(i % 251 for i in range(n))
            fin, opcode, decoded, rest = unmask_client_frame(ws.encode_frame(ws.OP_TEXT, payload))
            self.assertEqual((fin, opcode, decoded, rest), (True, ws.OP_TEXT, payload, b""), n)

    def test_large_messages_are_fragmented(self):
        data = ws.encode_message("x" * 1000 + "é", max_frame_size=300)
        frames = []
        while data:
            fin, opcode, payload, data = unmask_client_frame(data)
            frames.append((fin, opcode, payload))
        self.assertEqual([f[1] for f in frames], [ws.OP_TEXT, ws.OP_CONTINUATION, ws.OP_CONTINUATION, ws.OP_CONTINUATION])
        self.assertEqual([f[0] for f in frames], [False, False, False, True])
        self.assertEqual(b"".join(f[2] for f in frames).decode(), "x" * 1000 + "é")

    def test_control_frames_are_short_and_whole(self):
        with self.assertRaises(ValueError):
            ws.encode_frame(ws.OP_PING, b"x" * 126)
        with self.assertRaises(ValueError):
            ws.encode_frame(ws.OP_CLOSE, b"", fin=False)


class DecoderTests(unittest.TestCase):
    def test_the_rfc_unmasked_example_decodes(self):
        self.assertEqual(ws.FrameDecoder().feed(bytes([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])), [("message", "Hello")])

    def test_fragments_with_a_ping_between_them_reassemble(self):
        # RFC 6455 section 5.4: control frames may be injected in the middle of a fragmented message.
        data = (server_frame(ws.OP_TEXT, b"Hel", fin=False) + server_frame(ws.OP_PING, b"p")
                + server_frame(ws.OP_CONTINUATION, b"lo"))
        decoder = ws.FrameDecoder()
        events = []
        for byte in data:  # one byte at a time: frames split anywhere
            events += decoder.feed(bytes([byte]))
        self.assertEqual(events, [("ping", b"p"), ("message", "Hello")])

    def test_long_frames_decode(self):
        text = "a" * 70000
        self.assertEqual(ws.FrameDecoder().feed(server_frame(ws.OP_TEXT, text.encode())), [("message", text)])

    def test_close_frames_give_code_and_reason(self):
        decoder = ws.FrameDecoder()
        self.assertEqual(decoder.feed(server_frame(ws.OP_CLOSE, ws.close_payload(1001, "server shutting down"))),
                         [("close", 1001, "server shutting down")])
        self.assertEqual(decoder.feed(server_frame(ws.OP_CLOSE, b"")), [("close", 1005, "")])
        self.assertEqual(decoder.feed(server_frame(ws.OP_PONG, b"")), [("pong", b"")])

    def test_protocol_violations_are_errors(self):
        cases = {
            "masked": bytes([0x81, 0x80, 1, 2, 3, 4]),
            "reserved": bytes([0xC1, 0x00]),
            "continuation": server_frame(ws.OP_CONTINUATION, b"x"),
            "new message": server_frame(ws.OP_TEXT, b"a", fin=False) + server_frame(ws.OP_TEXT, b"b"),
            "fragmented or oversized": server_frame(ws.OP_PING, b"", fin=False),
            "opcode": server_frame(0x3, b""),
            "binary": server_frame(ws.OP_BINARY, b"\x00"),
            "UTF-8": server_frame(ws.OP_TEXT, b"\xff"),
        }
        for expected, data in cases.items():
            with self.subTest(expected), self.assertRaisesRegex(WebSocketError, expected):
                ws.FrameDecoder().feed(data)

    def test_messages_over_the_limit_are_refused(self):
        with self.assertRaisesRegex(WebSocketError, "limit"):
            ws.FrameDecoder(max_message_bytes=10).feed(server_frame(ws.OP_TEXT, b"x" * 11))


if __name__ == "__main__":
    unittest.main()
