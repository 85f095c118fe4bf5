"""What both transports share: URLs, request bodies, answers and errors."""
import json
from urllib.parse import urlsplit

from .errors import GymError


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


def action_body(action):
    """The ``action`` of a step: the model's text, or ``{"text", "token_ids", "logprobs"}``."""
    if isinstance(action, str):
        return action
    if isinstance(action, dict) and isinstance(action.get("text"), str):
        return {k: v for k, v in action.items() if v is not None}
    raise TypeError(f"an action is a string or a dict with 'text' (and optional 'token_ids', 'logprobs'), got {action!r}")


def reset_body(seed, attempt):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
        raise TypeError(f"attempt must be an int >= 0, got {attempt!r}")
    return {"seed": seed, "attempt": attempt}


def error_from_body(status, body):
    """The :class:`GymError` of an error answer (``{"error": {"code", "message"}}``)."""
    try:
        error = json.loads(body)["error"]
        return GymError(status, error["code"], error["message"])
    except (ValueError, KeyError, TypeError):
        text = body.decode("utf-8", errors="replace") if isinstance(body, (bytes, bytearray)) else str(body)
        return GymError(status, "http_error", text.strip()[:500] or f"HTTP {status}")


def checked(answer):
    """The answer of a WebSocket request, or the :class:`GymError` it carries raised."""
    if answer.get("type") == "error":
        error = answer.get("error") or {}
        raise GymError(0, error.get("code", "unknown"), error.get("message", ""))
    return answer
