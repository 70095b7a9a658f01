"""Fixtures the client tests share with the API tests."""

from __future__ import annotations

# Re-exported for pytest, which finds fixtures by name: the client tests run against `api`.
from tests.api.conftest import api as api
