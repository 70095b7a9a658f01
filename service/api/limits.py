from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiLimits:
    max_depth: int = 12
    max_aliases: int = 20
    max_tokens: int = 4000
    page_default: int = 50
    page_cap: int = 200
    max_body_bytes: int = 20 * 1024 * 1024
