"""asyncio sessions: :class:`AsyncWebSocketSession` (asyncio streams) and :class:`AsyncHttpSession`.

Open many at once and drive them with ``asyncio.gather``: each is one session on the server, served
by its own environment actor, so N sessions step concurrently.
"""
import asyncio

from . import websocket as ws
from ._protocol import (auth_headers, checked, close_frame, endpoint, error_from_body, Inbox,
                        refusal_length, request_frame, reset_answer, reset_body, step_answer, step_request)
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
        self._inbox = Inbox()
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
        self._writer.write(ws.handshake_request(host, port, path, key, auth_headers(api_key)))
        await self._writer.drain()
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            raise WebSocketError("the server closed the connection during the handshake") from None
        status, headers = ws.parse_response_head(head[:-4])
        if status != 101:
            length = refusal_length(headers)
            body = await self._reader.read(length) if length else b""
            while len(body) < length:
                more = await self._reader.read(length - len(body))
                if not more:
                    break
                body += more
            raise error_from_body(status, body)
        ws.check_upgrade(status, headers, key)

    async def _receive(self):
        try:
            self._inbox.feed(await self._reader.read(65536))
        except ConnectionClosed:
            self._open = False
            raise

    async def _next_message(self):
        while True:
            while (got := self._inbox.pop()) is None:
                await self._receive()
            if got.message is not None:
                return got.message
            if got.close:
                await self._on_close(*got.close)
            if got.reply:
                self._writer.write(got.reply)
                await self._writer.drain()

    async def _on_close(self, code, reason):
        if self._open:
            self._open = False
            try:
                self._writer.write(close_frame(code))
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
            self._writer.write(request_frame(message, self._next_id, self.max_frame_size))
            await self._writer.drain()
            return checked(await asyncio.wait_for(self._next_message(), self.timeout))

    async def reset(self, seed=None, attempt=0):
        """Starts an episode: the ``reset`` answer (with ``tools``), as :meth:`WebSocketSession.reset`."""
        answer = reset_answer(await self.request(dict(type="reset", **reset_body(seed, attempt))))
        self.session_id, self.max_turns = answer["session_id"], answer["max_turns"]
        return answer

    async def step(self, action):
        """Applies one action (text, ``{"text", ...}`` or an assistant message with ``tool_calls``): the ``step`` answer, as :meth:`WebSocketSession.step`."""
        return step_answer(await self.request(step_request(action)))

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
