"""What can go wrong talking to a stratmap server; `str()` is always the server's own message.

StratmapError           graph_schema.errors: the root of every stratmap error
└── ApiError            any failure of a request; carries the HTTP status and the errors
    ├── TransportError  no answer, or an answer that is not JSON
    ├── AuthError       the token is missing, unknown, revoked, or lacks the role
    ├── RequestError    the server refused the request (a bad argument, an unknown id)
    └── ServerError     the server failed (HTTP 5xx, or an error it masked and logged)
MapUnavailable          the strategy map's layout engine (Graphviz's dot) cannot run here
"""

from __future__ import annotations

from typing import Any

from graph_schema.errors import StratmapError

__all__ = [
    "ApiError",
    "AuthError",
    "MapUnavailable",
    "RequestError",
    "ServerError",
    "StratmapError",
    "TransportError",
    "error_for",
]


class ApiError(StratmapError):
    """A request to the server failed; `status` is its HTTP status when one came back."""

    def __init__(
        self, message: str, *, status: int | None = None, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors or []


class MapUnavailable(StratmapError):
    """Graphviz's `dot`, which lays out the HTML report's strategy maps, is missing or failed."""


class TransportError(ApiError):
    """The server could not be reached, or did not answer with JSON."""


class AuthError(ApiError):
    """The server refused the token (HTTP 401), or its role does not allow the request (403)."""


class RequestError(ApiError):
    """The server understood the request and refused it: the message says which argument."""


class ServerError(ApiError):
    """The server failed while answering; it logged the error under the request id it names."""


# the API masks unexpected errors with this prefix (service.api.errors.MaskUnexpected)
_MASKED = "Unexpected error"


def error_for(message: str, status: int, errors: list[dict[str, Any]] | None = None) -> ApiError:
    """The ApiError subclass for an answer with this HTTP status and these GraphQL errors."""
    if status in (401, 403):
        return AuthError(message, status=status, errors=errors)
    if status >= 500 or any(str(e.get("message", "")).startswith(_MASKED) for e in errors or []):
        return ServerError(message, status=status, errors=errors)
    return RequestError(message, status=status, errors=errors)
