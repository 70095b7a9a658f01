"""Settings from the environment (prefix STRATMAP_), with the defaults a newcomer needs."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STRATMAP_", extra="ignore")

    store: Literal["sqlite", "neo4j"] = "sqlite"
    db: Path = Path("stratmap.db")
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
