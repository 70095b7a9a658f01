"""Clients of the stratmap GraphQL API: a typed Python client and the reporting client."""

from clients.client import AsyncStratmapClient, StratmapClient, StratmapError

__all__ = ["AsyncStratmapClient", "StratmapClient", "StratmapError"]
