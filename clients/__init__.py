"""Clients of the stratmap GraphQL API: a typed Python client and the reporting client."""

from clients.client import AsyncStratmapClient, StratmapClient
from clients.errors import (
    ApiError,
    AuthError,
    MapUnavailable,
    RequestError,
    ServerError,
    StratmapError,
    TransportError,
)

__all__ = [
    "ApiError",
    "AsyncStratmapClient",
    "AuthError",
    "MapUnavailable",
    "RequestError",
    "ServerError",
    "StratmapClient",
    "StratmapError",
    "TransportError",
]
