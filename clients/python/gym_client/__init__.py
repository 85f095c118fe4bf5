"""Python client for `gym serve` (standard library only).

- :func:`make` / :class:`GymEnv`: a Gymnasium-style environment over one session;
- :func:`make_vec` / :class:`VectorEnv`: N sessions stepped concurrently;
- :class:`WebSocketSession`, :class:`HttpSession`: blocking sessions (reset, step, state, close);
- :class:`AsyncWebSocketSession`, :class:`AsyncHttpSession`: the same for asyncio;
- :func:`build_context`: the chat context per memory mode (full, mem1, window:K, strip-think).
"""
from .aio import AsyncHttpSession, AsyncWebSocketSession
from .context import Turn, build_context, build_segments, parse_memory, strip_think
from .env import HAS_GYMNASIUM, GymEnv, make
from .errors import ConnectionClosed, GymError, WebSocketError
from .sync import HttpSession, WebSocketSession, health, scenarios
from .vector import VectorEnv, make_vec

__version__ = "0.1.0"

__all__ = [
    "AsyncHttpSession", "AsyncWebSocketSession", "ConnectionClosed", "GymEnv", "GymError", "HAS_GYMNASIUM",
    "HttpSession", "Turn", "VectorEnv", "WebSocketError", "WebSocketSession", "build_context", "build_segments",
    "health", "make", "make_vec", "parse_memory", "scenarios", "strip_think",
]
