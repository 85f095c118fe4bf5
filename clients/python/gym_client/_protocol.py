"""What the blocking and asyncio clients share, free of I/O: URLs, request bodies, answers, errors,
the WebSocket handshake's refusals and what each incoming WebSocket event asks of the client.

The sessions in :mod:`gym_client.sync` and :mod:`gym_client.aio` only move bytes; every decision
about what to send and how to read an answer is made here, once.
"""
import json
from typing import NamedTuple, Optional, Tuple
from urllib.parse import urlsplit

from . import websocket as ws
from .errors import ConnectionClosed, GymError


def endpoint(url):
    """(host, port, base URL) of a server URL: ``http://HOST:PORT`` or ``ws://HOST:PORT`` (a path is ignored)."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.scheme not in ("http", "ws"):
        raise ValueError(f"unsupported URL scheme {parts.scheme!r} in {url!r}: use http:// or ws:// "
                         "(put a TLS proxy in front of gym serve and talk to it locally)")
    if not parts.hostname:
        raise ValueError(f"no host in URL {url!r}")
    port = parts.port or 80
    return parts.hostname, port, f"http://{_host_text(parts.hostname)}:{port}"


def _host_text(host):
    return f"[{host}]" if ":" in host else host


ACTION_SYNTAX = ("a string, a dict with 'text' (and optional 'token_ids', 'logprobs'), or an OpenAI assistant "
                 "message {'role': 'assistant', 'content': ..., 'tool_calls': [...]}")


def is_message_action(action):
    """Whether ``action`` is an OpenAI assistant message (it has ``role`` or ``tool_calls``) rather than text."""
    return isinstance(action, dict) and ("role" in action or "tool_calls" in action)


def action_body(action):
    """The ``action`` of a step: the model's text, ``{"text", "token_ids", "logprobs"}``, or an assistant message.

    An assistant message (``role``/``content``/``tool_calls``, as a chat-completion server replies) goes
    as it is: the server checks it and answers a malformed one with an ``invalid_request`` error that
    names the field, which the session raises as :class:`GymError`.
    """
    if isinstance(action, str):
        return action
    if is_message_action(action):
        # Only unset optional extras are dropped: a null content is meaningful ("only tool calls").
        return {k: v for k, v in action.items() if v is not None or k == "content"}
    if isinstance(action, dict) and isinstance(action.get("text"), str):
        return {k: v for k, v in action.items() if v is not None}
    raise TypeError(f"an action is {ACTION_SYNTAX}, got {action!r}")


def step_body(action):
    """The body of an HTTP step: ``{"action": ...}``."""
    return {"action": action_body(action)}


def step_request(action):
    """The WebSocket ``step`` request."""
    return dict(type="step", **step_body(action))


def reset_body(seed, attempt):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
        raise TypeError(f"attempt must be an int >= 0, got {attempt!r}")
    return {"seed": seed, "attempt": attempt}


def reset_answer(answer):
    """A ``reset`` answer with ``tools`` always present: the episode's tools in OpenAI form, ``[]`` when the environment lists none."""
    answer.setdefault("tools", [])
    return answer


def step_answer(answer):
    """A ``step`` answer with ``assistant`` always present: the played action as an OpenAI assistant message
    (with ``tool_calls`` when it called tools), ``None`` when the environment lists no tools."""
    answer.setdefault("assistant", None)
    return answer


def error_from_body(status, body):
    """The :class:`GymError` of an error answer (``{"error": {"code", "message"}}``)."""
    try:
        error = json.loads(body)["error"]
        return GymError(status, error["code"], error["message"])
    except (ValueError, KeyError, TypeError):
        text = body.decode("utf-8", errors="replace") if isinstance(body, (bytes, bytearray)) else str(body)
        return GymError(status, "http_error", text.strip()[:500] or f"HTTP {status}")


def auth_headers(api_key):
    """The handshake's extra headers: the bearer key when there is one."""
    return [("Authorization", f"Bearer {api_key}")] if api_key else []


def refusal_length(headers):
    """The body length of a refused handshake (400, 401, 503: a plain HTTP answer with a JSON error body)."""
    return int(headers.get("content-length", "0") or 0)


def request_frame(message, request_id, max_frame_size=None):
    """The frames of one WebSocket request: ``message`` with its ``id``, fragmented past ``max_frame_size``."""
    return ws.encode_message(json.dumps(dict(message, id=request_id)), max_frame_size)


def close_frame(code):
    """The close frame that answers the server's (echoing its code; "no code" is answered with 1000)."""
    return ws.encode_frame(ws.OP_CLOSE, ws.close_payload(code if code != 1005 else 1000))


class Incoming(NamedTuple):
    """What one decoded WebSocket event asks of the client: a message to return, a frame to send back, a close to honour."""

    message: Optional[dict] = None
    reply: Optional[bytes] = None
    close: Optional[Tuple[int, str]] = None


def incoming(event):
    """The :class:`Incoming` of a :class:`gym_client.websocket.FrameDecoder` event."""
    kind = event[0]
    if kind == "message":
        return Incoming(message=json.loads(event[1]))
    if kind == "ping":
        return Incoming(reply=ws.encode_frame(ws.OP_PONG, event[1]))
    if kind == "close":
        return Incoming(close=(event[1], event[2]))
    return Incoming()  # "pong": the server's unsolicited keep-alive; nothing to do.


class Inbox:
    """The server's frames as they arrive, decoded into :class:`Incoming` events, one at a time."""

    def __init__(self):
        self._decoder, self._events = ws.FrameDecoder(), []

    def feed(self, chunk):
        """Takes bytes read from the socket; an empty read (the peer went away) raises :class:`ConnectionClosed` 1006."""
        if not chunk:
            raise ConnectionClosed(1006, "connection dropped")
        self._events += self._decoder.feed(chunk)

    def pop(self):
        """The next :class:`Incoming`, or None when more bytes are needed."""
        return incoming(self._events.pop(0)) if self._events else None


def checked(answer):
    """The answer of a WebSocket request, or the :class:`GymError` it carries raised."""
    if answer.get("type") == "error":
        error = answer.get("error") or {}
        raise GymError(0, error.get("code", "unknown"), error.get("message", ""))
    return answer
