"""Settings from the environment (prefix STRATMAP_), with the defaults a newcomer needs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApiLimits", "Settings"]


def _user_cache() -> Path:
    """$XDG_CACHE_HOME, else ~/.cache (the XDG base directory default)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"


class ApiLimits(BaseModel):
    """What one request may ask of the API; each is also a setting (STRATMAP_MAX_DEPTH, ...)."""

    model_config = ConfigDict(frozen=True)

    max_depth: int = 12
    max_aliases: int = 20
    max_tokens: int = 4000
    page_default: int = 50
    page_cap: int = 200
    max_body_bytes: int = 20 * 1024 * 1024
    max_upsert_nodes: int = 10_000  # nodes one upsertNodes call may carry
    max_cost: int = 50_000  # service.api.cost: 1 a field, lists multiplied by their length
    max_response_bytes: int = 10 * 1024 * 1024  # an answer over it is an error, not a body
    # past it no further field of a request starts (service.api.time_budget); also the longest
    # a read waits for the version it asks for
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)

    @classmethod
    def of(cls, settings: ApiLimits) -> ApiLimits:
        """The limits alone, from settings that carry them among others."""
        return cls.model_validate(settings.model_dump(include=set(cls.model_fields)))


class Settings(ApiLimits, BaseSettings):
    """The service's settings; the API limits are declared once, in ApiLimits."""

    model_config = SettingsConfigDict(env_prefix="STRATMAP_", extra="ignore", frozen=False)

    store: Literal["sqlite", "neo4j"] = "sqlite"
    db: Path = Path("stratmap.db")
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str | None = None

    # API (and the limits of ApiLimits)
    auth: bool = True
    tenant: str | None = None  # the tenant served when auth is off
    version_check_seconds: float = 2.0
    # how long a running server honours a token (and the browser sessions made with it) after
    # it is revoked: each request does not read the database
    token_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    # how long a write waits for another writer (a CLI import beside the server) before it
    # answers Busy (API) or exits 3 (CLI)
    write_wait_seconds: float = Field(default=5.0, gt=0, le=600)
    # where built engines are kept between processes (service.engine.snapshot); "" keeps none
    cache_dir: str = Field(default_factory=lambda: str(_user_cache() / "stratmap"))
