"""Errors raised by the client."""


class GymError(Exception):
    """An error answered by the server: HTTP status (0 over an open WebSocket), code and message.

    `code` is one of the codes of the server's protocol (``unknown_environment``, ``not_reset``,
    ``episode_done``, ``too_many_sessions`` ...), so callers can branch on it.
    """

    def __init__(self, status, code, message):
        super().__init__(f"{code} ({status}): {message}")
        self.status, self.code, self.message = status, code, message


class WebSocketError(ConnectionError):
    """The WebSocket connection broke the protocol (RFC 6455) or could not be opened."""


class ConnectionClosed(ConnectionError):
    """The server closed the WebSocket connection: `code` and `reason` of its close frame."""

    def __init__(self, code, reason=""):
        super().__init__(f"server closed the connection: {code} {reason}".rstrip())
        self.code, self.reason = code, reason
