"""Which organisation a command or a server means when it names none."""

from __future__ import annotations

from typing import Protocol

__all__ = ["default_tenant"]


class Tenanted(Protocol):
    def tenants(self) -> list[str]: ...


def default_tenant(store: Tenanted, tenant: str | None) -> str:
    """The tenant asked for; else the only one the store holds; else 'default'."""
    if tenant:
        return tenant
    known = store.tenants()
    return known[0] if len(known) == 1 else "default"
