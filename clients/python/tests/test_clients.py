"""The sync and asyncio WebSocket clients against a scripted RFC 6455 peer on 127.0.0.1.

The real server is exercised by the C# test that runs these clients against `gym serve`; this peer
does what that server rarely does on cue: pings, fragmented answers, refusals, closing first.
"""
import asyncio
import json
import socket
import threading
import unittest

from gym_client import AsyncWebSocketSession, ConnectionClosed, GymError, WebSocketSession
from gym_client import websocket as ws
from tests.test_websocket import server_frame, unmask_client_frame


def frame_complete(buffer):
    """Whether ``buffer`` holds a whole masked client frame."""
    if len(buffer) < 2:
        return False
    n, offset = buffer[1] & 0x7F, 2
    if n == 126:
        n, offset = (int.from_bytes(buffer[2:4], "big"), 4) if len(buffer) >= 4 else (None, 0)
    elif n == 127:
        n, offset = (int.from_bytes(buffer[2:10], "big"), 10) if len(buffer) >= 10 else (None, 0)
    return n is not None and len(buffer) >= offset + 4 + n


class ScriptedPeer:
    """Accepts one connection and plays ``script(peer)`` on it in a thread; records what the client sent."""

    def __init__(self, script, refuse=None):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.script, self.refuse, self.received, self.error = script, refuse, [], None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            self.conn, _ = self.listener.accept()
            self.conn.settimeout(10)
            self.buffer = b""
            head = self._read_until(b"\r\n\r\n").decode("latin-1")
            self.request_head = head
            if self.refuse is not None:
                body = json.dumps({"error": {"code": self.refuse[1], "message": "refused by the test"}}).encode()
                self.conn.sendall(f"HTTP/1.1 {self.refuse[0]} No\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
                return
            key = next(line.split(":", 1)[1].strip() for line in head.split("\r\n") if line.lower().startswith("sec-websocket-key"))
            self.conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                               f"Sec-WebSocket-Accept: {ws.accept_for(key)}\r\n\r\n").encode())
            self.script(self)
        except Exception as e:  # reported by the test through `error`
            self.error = e
        finally:
            if hasattr(self, "conn"):
                self.conn.close()
            self.listener.close()

    def _read_until(self, marker):
        while marker not in self.buffer:
            self.buffer += self.conn.recv(65536)
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def read_frame(self):
        """The next client frame: (fin, opcode, payload)."""
        while True:
            if frame_complete(self.buffer):
                fin, opcode, payload, rest = unmask_client_frame(self.buffer)
                self.buffer = rest
                self.received.append((fin, opcode, payload))
                return fin, opcode, payload
            chunk = self.conn.recv(65536)
            if not chunk:
                raise ConnectionError("client went away")
            self.buffer += chunk

    def read_message(self):
        data = b""
        while True:
            fin, opcode, payload = self.read_frame()
            if opcode in (ws.OP_PONG, ws.OP_PING):
                continue
            data += payload
            if fin:
                return json.loads(data)

    def send(self, frame):
        self.conn.sendall(frame)

    def join(self):
        self.thread.join(10)
        if self.error:
            raise self.error


def reset_answer(request, **extra):
    return dict({"type": "reset", "id": request["id"], "session_id": "s", "env_id": "e", "episode": 0, "seed": 7,
                 "attempt": 0, "max_turns": 3, "observation": [{"role": "user", "content": "hi"}], "info": {}}, **extra)


def ping_fragment_close(peer):
    """Answers a reset after a ping (fragmented answer), then closes with 1001 when asked to step."""
    request = peer.read_message()
    peer.send(server_frame(ws.OP_PING, b"are you there"))
    fin, opcode, payload = peer.read_frame()
    assert (opcode, payload) == (ws.OP_PONG, b"are you there"), (opcode, payload)
    answer = json.dumps(reset_answer(request)).encode()
    peer.send(server_frame(ws.OP_PONG, b"keep-alive")
              + server_frame(ws.OP_TEXT, answer[:10], fin=False)
              + server_frame(ws.OP_CONTINUATION, answer[10:]))
    peer.read_message()  # the step
    peer.send(server_frame(ws.OP_CLOSE, ws.close_payload(1001, "server shutting down")))
    fin, opcode, payload = peer.read_frame()
    assert opcode == ws.OP_CLOSE and ws.parse_close_payload(payload)[0] == 1001, payload


def graceful_close(peer):
    """Answers 'close' with 'closed' and close frame 1000; expects the client's close frame."""
    request = peer.read_message()
    assert request["type"] == "close", request
    peer.send(server_frame(ws.OP_TEXT, json.dumps({"type": "closed", "id": request["id"], "reason": "client"}).encode())
              + server_frame(ws.OP_CLOSE, ws.close_payload(1000, "session closed")))
    fin, opcode, payload = peer.read_frame()
    assert opcode == ws.OP_CLOSE and ws.parse_close_payload(payload)[0] == 1000, payload


class SyncClientTests(unittest.TestCase):
    def test_pings_are_answered_fragments_reassembled_and_a_server_close_is_echoed(self):
        peer = ScriptedPeer(ping_fragment_close)
        session = WebSocketSession(peer.url, env_id="e", max_frame_size=16, timeout=10)
        self.assertEqual(session.reset(seed=7)["seed"], 7)
        with self.assertRaises(ConnectionClosed) as closed:
            session.step("<answer>1</answer>")
        self.assertEqual((closed.exception.code, closed.exception.reason), (1001, "server shutting down"))
        peer.join()
        # The requests were sent in fragments of at most 16 bytes, all masked (unmask_client_frame checks).
        self.assertTrue(all(len(p) <= 16 for _, op, p in peer.received if op in (ws.OP_TEXT, ws.OP_CONTINUATION)))
        self.assertIn("GET /ws?env_id=e HTTP/1.1", peer.request_head)

    def test_close_completes_the_close_handshake(self):
        peer = ScriptedPeer(graceful_close)
        session = WebSocketSession(peer.url, timeout=10)
        self.assertEqual(session.close()["type"], "closed")
        self.assertIsNone(session.close())
        peer.join()

    def test_a_refused_upgrade_raises_the_servers_error(self):
        peer = ScriptedPeer(None, refuse=(503, "too_many_sessions"))
        with self.assertRaises(GymError) as refused:
            WebSocketSession(peer.url, env_id="e", timeout=10)
        self.assertEqual((refused.exception.status, refused.exception.code), (503, "too_many_sessions"))
        peer.join()

    def test_only_http_and_ws_urls_are_accepted(self):
        with self.assertRaisesRegex(ValueError, "unsupported URL scheme 'https'"):
            WebSocketSession("https://example.com")


class AsyncClientTests(unittest.TestCase):
    def test_the_asyncio_client_answers_pings_and_reassembles_fragments(self):
        peer = ScriptedPeer(ping_fragment_close)

        async def play():
            session = await AsyncWebSocketSession.connect(peer.url, env_id="e", max_frame_size=16, timeout=10)
            self.assertEqual((await session.reset(seed=7))["observation"][0]["content"], "hi")
            with self.assertRaises(ConnectionClosed) as closed:
                await session.step("<answer>1</answer>")
            self.assertEqual(closed.exception.code, 1001)

        asyncio.run(play())
        peer.join()

    def test_the_asyncio_client_closes_gracefully(self):
        peer = ScriptedPeer(graceful_close)

        async def play():
            async with await AsyncWebSocketSession.connect(peer.url, timeout=10):
                pass

        asyncio.run(play())
        peer.join()

    def test_a_refused_upgrade_raises_the_servers_error(self):
        peer = ScriptedPeer(None, refuse=(400, "unknown_environment"))
        with self.assertRaises(GymError) as refused:
            asyncio.run(AsyncWebSocketSession.connect(peer.url, env_id="nope", timeout=10))
        self.assertEqual(refused.exception.code, "unknown_environment")
        peer.join()


if __name__ == "__main__":
    unittest.main()
