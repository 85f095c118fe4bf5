"""Blocking sessions: :class:`HttpSession` (urllib) and :class:`WebSocketSession` (``socket``)."""
import json
import socket
import urllib.error
import urllib.request

from . import websocket as ws
from ._protocol import (auth_headers, checked, close_frame, endpoint, error_from_body, Inbox,
                        refusal_length, request_frame, reset_answer, reset_body, step_answer, step_body, step_request)
from .errors import ConnectionClosed, WebSocketError


class _Session:
    """The methods both transports offer; ``with`` closes the session."""

    session_id = None
    env_id = None
    max_turns = None

    def reset(self, seed=None, attempt=0):
        """Starts an episode: the ``reset`` answer (``observation``: the prompt messages, ``seed``, ``info``,
        ``tools``: the episode's tools in OpenAI form, ``[]`` when the environment lists none ...)."""
        raise NotImplementedError

    def step(self, action):
        """Applies one action: the ``step`` answer (``assistant``: the action as an OpenAI assistant message, or None).

        ``action`` is the model's text, ``{"text", "token_ids", "logprobs"}``, or an OpenAI assistant
        message with ``tool_calls`` (as a chat-completion server replies).
        """
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class HttpSession(_Session):
    """One session over plain HTTP: ``POST /sessions``, then reset and step, ``DELETE`` on close."""

    def __init__(self, url="http://127.0.0.1:8000", env_id=None, params=None, api_key=None, timeout=60):
        _, _, self.base = endpoint(url)
        self.api_key, self.timeout, self._closed = api_key, timeout, False
        answer = self._call("POST", "/sessions", {"env_id": env_id, "params": params or {}})
        self.session_id, self.env_id, self.max_turns = answer["session_id"], answer["env_id"], answer["max_turns"]

    def _call(self, method, path, body=None):
        return call(self.base, method, path, body, self.api_key, self.timeout)

    def reset(self, seed=None, attempt=0):
        return reset_answer(self._call("POST", f"/sessions/{self.session_id}/reset", reset_body(seed, attempt)))

    def step(self, action):
        return step_answer(self._call("POST", f"/sessions/{self.session_id}/step", step_body(action)))

    def state(self):
        """The session's ``state``: status, episode, turn, episode_reward ..."""
        return self._call("GET", f"/sessions/{self.session_id}")

    def close(self):
        """Ends the session (its environment is disposed); closing twice does nothing."""
        if self._closed:
            return None
        self._closed = True
        return self._call("DELETE", f"/sessions/{self.session_id}")


def call(base, method, path, body=None, api_key=None, timeout=60):
    """One JSON request to the server; an error answer raises :class:`GymError`."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as e:
        raise error_from_body(e.code, e.read()) from None


def scenarios(url="http://127.0.0.1:8000", api_key=None, timeout=30):
    """``GET /scenarios``: the served environments, ``[{"id", "description", "parameters"}]``."""
    return call(endpoint(url)[2], "GET", "/scenarios", None, api_key, timeout)["scenarios"]


def health(url="http://127.0.0.1:8000", timeout=10):
    """``GET /health``: ``{"status", "sessions", "max_sessions"}`` (no API key needed)."""
    return call(endpoint(url)[2], "GET", "/health", None, None, timeout)


class WebSocketSession(_Session):
    """One session over one WebSocket connection (``/ws``), blocking.

    ``max_frame_size`` splits larger requests into fragments (the server reassembles them). The
    client answers pings, ignores the server's keep-alive pongs and completes the close handshake.
    """

    def __init__(self, url="http://127.0.0.1:8000", env_id=None, params=None, api_key=None, timeout=60,
                 max_frame_size=None):
        host, port, _ = endpoint(url)
        self.max_frame_size, self._next_id, self._open = max_frame_size, 0, False
        self._inbox = Inbox()
        self._sock = socket.create_connection((host, port), timeout=timeout)
        # Requests are small and answered one at a time: without this, Nagle's algorithm and delayed
        # ACKs hold back every other request (asyncio sets it on its own sockets).
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._handshake(host, port, ws.ws_path(env_id, params), api_key)
        except BaseException:
            self._sock.close()
            raise
        self._open = True
        self.env_id = env_id

    def _handshake(self, host, port, path, api_key):
        key = ws.new_key()
        self._sock.sendall(ws.handshake_request(host, port, path, key, auth_headers(api_key)))
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise WebSocketError("the server closed the connection during the handshake")
            buffer += chunk
        head, rest = buffer.split(b"\r\n\r\n", 1)
        status, headers = ws.parse_response_head(head)
        if status != 101:
            length = refusal_length(headers)
            while len(rest) < length:
                chunk = self._sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            raise error_from_body(status, rest[:length])
        ws.check_upgrade(status, headers, key)
        if rest:
            self._inbox.feed(rest)

    def _send(self, data):
        self._sock.sendall(data)

    def _receive(self):
        try:
            self._inbox.feed(self._sock.recv(65536))
        except ConnectionClosed:
            self._open = False
            raise

    def _next_message(self):
        while True:
            while (got := self._inbox.pop()) is None:
                self._receive()
            if got.reply:
                self._send(got.reply)
            if got.close:
                self._on_close(*got.close)
            if got.message is not None:
                return got.message

    def _on_close(self, code, reason):
        if self._open:
            # Answer the server's close frame with our own (echoing its code), then drop the socket.
            self._open = False
            try:
                self._send(close_frame(code))
            except OSError:
                pass
        self._sock.close()
        raise ConnectionClosed(code, reason)

    def request(self, message):
        """Sends one request (an ``id`` is added) and returns its answer; error answers raise :class:`GymError`."""
        if not self._open:
            raise ConnectionClosed(1006, "the session is closed")
        self._next_id += 1
        self._send(request_frame(message, self._next_id, self.max_frame_size))
        return checked(self._next_message())

    def reset(self, seed=None, attempt=0):
        answer = reset_answer(self.request(dict(type="reset", **reset_body(seed, attempt))))
        self.session_id, self.max_turns = answer["session_id"], answer["max_turns"]
        return answer

    def step(self, action):
        return step_answer(self.request(step_request(action)))

    def state(self):
        """The session's ``state``: status, episode, turn, episode_reward ..."""
        return self.request({"type": "state"})

    def ping(self, payload=b"gym"):
        """Sends a ping (the server answers with a pong, which the next read skips)."""
        self._send(ws.encode_frame(ws.OP_PING, payload))

    def close(self):
        """Ends the session: ``close`` request, then the close handshake (1000). Closing twice does nothing."""
        if not self._open:
            return None
        answer = None
        try:
            answer = self.request({"type": "close"})
            self._next_message()  # the server's close frame 1000 follows the answer
        except ConnectionClosed:
            pass
        finally:
            self._open = False
            self._sock.close()
        return answer
