"""Who asks: a role and the tenant a request is bound to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Principal", "Role"]


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    def can_write(self) -> bool:
        return self.allows(Role.EDITOR)

    def allows(self, needed: Role) -> bool:
        """Roles are ranked: an admin may do what an editor may, an editor what a viewer may."""
        order = (Role.VIEWER, Role.EDITOR, Role.ADMIN)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class Principal:
    tenant: str
    role: Role
    subject: str = ""  # who: a token's public id; "" when auth is off (one local user)
