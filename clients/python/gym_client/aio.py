"""asyncio sessions: :class:`AsyncWebSocketSession` (asyncio streams) and :class:`AsyncHttpSession`.

Open many at once and drive them with ``asyncio.gather``: each is one session on the server, served
by its own environment actor, so N sessions step concurrently.
"""
import asyncio
import json

from . import websocket as ws
from ._protocol import action_body, checked, endpoint, error_from_body, reset_body
from .errors import ConnectionClosed, WebSocketError
from .sync import HttpSession


class AsyncWebSocketSession:
    """One session over one WebSocket connection, for asyncio. Create it with :meth:`connect`.

    Requests on one session are serialized (the protocol answers one at a time); ``async with``
    closes the session.
    """

    def __init__(self, reader, writer, env_id, timeout, max_frame_size):
        self._reader, self._writer = reader, writer
        self.env_id, self.timeout, self.max_frame_size = env_id, timeout, max_frame_size
        self.session_id = self.max_turns = None
        self._decoder, self._events = ws.FrameDecoder(), []
        self._lock, self._next_id, self._open = asyncio.Lock(), 0, True

    @classmethod
    async def connect(cls, url="http://127.0.0.1:8000", env_id=None, params=None, api_key=None, timeout=60,
                      max_frame_size=None):
        """Opens the connection and the session; a refusal (unknown environment, no key, full server) raises ``GymError``."""
        host, port, _ = endpoint(url)
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        session = cls(reader, writer, env_id, timeout, max_frame_size)
        try:
            await asyncio.wait_for(session._handshake(host, port, ws.ws_path(env_id, params), api_key), timeout)
        except BaseException:
            writer.close()
            raise
        return session

    async def _handshake(self, host, port, path, api_key):
        key = ws.new_key()
        headers = [("Authorization", f"Bearer {api_key}")] if api_key else []
        self._writer.write(ws.handshake_request(host, port, path, key, headers))
        await self._writer.drain()
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            raise WebSocketError("the server closed the connection during the handshake") from None
        status, headers = ws.parse_response_head(head[:-4])
        if status != 101:
            length = int(headers.get("content-length", "0") or 0)
            body = await self._reader.read(length) if length else b""
            while len(body) < length:
                more = await self._reader.read(length - len(body))
                if not more:
                    break
                body += more
            raise error_from_body(status, body)
        ws.check_upgrade(status, headers, key)

    async def _next_message(self):
        while True:
            while not self._events:
                chunk = await self._reader.read(65536)
                if not chunk:
                    self._open = False
                    raise ConnectionClosed(1006, "connection dropped")
                self._events += self._decoder.feed(chunk)
            event = self._events.pop(0)
            if event[0] == "message":
                return json.loads(event[1])
            if event[0] == "ping":
                self._writer.write(ws.encode_frame(ws.OP_PONG, event[1]))
                await self._writer.drain()
            elif event[0] == "close":
                await self._on_close(event[1], event[2])

    async def _on_close(self, code, reason):
        if self._open:
            self._open = False
            try:
                self._writer.write(ws.encode_frame(ws.OP_CLOSE, ws.close_payload(code if code != 1005 else 1000)))
                await self._writer.drain()
            except OSError:
                pass
        self._writer.close()
        raise ConnectionClosed(code, reason)

    async def request(self, message):
        """Sends one request and awaits its answer; error answers raise ``GymError``."""
        async with self._lock:
            if not self._open:
                raise ConnectionClosed(1006, "the session is closed")
            self._next_id += 1
            self._writer.write(ws.encode_message(json.dumps(dict(message, id=self._next_id)), self.max_frame_size))
            await self._writer.drain()
            return checked(await asyncio.wait_for(self._next_message(), self.timeout))

    async def reset(self, seed=None, attempt=0):
        """Starts an episode: the ``reset`` answer."""
        answer = await self.request(dict(type="reset", **reset_body(seed, attempt)))
        self.session_id, self.max_turns = answer["session_id"], answer["max_turns"]
        return answer

    async def step(self, action):
        """Applies one action: the ``step`` answer."""
        return await self.request({"type": "step", "action": action_body(action)})

    async def state(self):
        return await self.request({"type": "state"})

    async def close(self):
        """Ends the session and completes the close handshake; closing twice does nothing."""
        if not self._open:
            return None
        answer = None
        try:
            answer = await self.request({"type": "close"})
            await asyncio.wait_for(self._next_message(), self.timeout)
        except (ConnectionClosed, asyncio.TimeoutError):
            pass
        finally:
            self._open = False
            self._writer.close()
        return answer

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


class AsyncHttpSession:
    """One HTTP session for asyncio: each request runs the blocking :class:`HttpSession` in a worker thread."""

    def __init__(self, session):
        self._session = session
        self.session_id, self.env_id, self.max_turns = session.session_id, session.env_id, session.max_turns

    @classmethod
    async def connect(cls, url="http://127.0.0.1:8000", env_id=None, params=None, api_key=None, timeout=60):
        return cls(await asyncio.to_thread(HttpSession, url, env_id, params, api_key, timeout))

    async def reset(self, seed=None, attempt=0):
        return await asyncio.to_thread(self._session.reset, seed, attempt)

    async def step(self, action):
        return await asyncio.to_thread(self._session.step, action)

    async def state(self):
        return await asyncio.to_thread(self._session.state)

    async def close(self):
        return await asyncio.to_thread(self._session.close)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
