"""The composition root: the one place that wires settings -> store -> engine."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from service.settings import ApiLimits, Settings
from service.store.base import GraphStore, StoreError
from service.store.sqlite import SQLiteStore
from service.tenants import default_tenant

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from service.engine.snapshot import Snapshots


def open_store(settings: Settings | None = None, *, db: Path | str | None = None) -> GraphStore:
    settings = settings or Settings()
    if settings.store == "neo4j":
        return open_neo4j(settings)
    return SQLiteStore(
        db if db is not None else settings.db,
        busy_timeout_ms=int(settings.write_wait_seconds * 1000),
    )


def open_neo4j(settings: Settings) -> GraphStore:
    """One driver per process, created here and handed to the store, which closes it."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ServiceUnavailable

    from service.store.neo4j import Neo4jStore

    if not settings.neo4j_uri:
        raise StoreError(
            "STRATMAP_STORE=neo4j needs STRATMAP_NEO4J_URI (e.g. neo4j://localhost:7687)"
        )
    driver = GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        max_transaction_retry_time=settings.write_wait_seconds,
    )
    try:
        driver.verify_connectivity()
    except AuthError as exc:
        driver.close()
        raise StoreError(
            f"Neo4j at {settings.neo4j_uri} refused the credentials of user "
            f"'{settings.neo4j_user}': check STRATMAP_NEO4J_USER and STRATMAP_NEO4J_PASSWORD"
        ) from exc
    except (ServiceUnavailable, OSError, ValueError) as exc:
        driver.close()
        raise StoreError(f"cannot reach Neo4j at {settings.neo4j_uri}: {exc}") from exc
    return Neo4jStore(
        driver,
        database=settings.neo4j_database,
        owns_driver=True,
        write_wait_seconds=settings.write_wait_seconds,
    )


def snapshots_for(settings: Settings, store: GraphStore) -> Snapshots | None:
    """Where this store's engines persist between processes; None when off (STRATMAP_CACHE_DIR
    empty) or meaningless (an in-memory database)."""
    from service.engine.snapshot import Snapshots

    if not settings.cache_dir:
        return None
    if isinstance(store, SQLiteStore):
        if store.path == ":memory:":
            return None
        return Snapshots(Path(settings.cache_dir), f"sqlite:{Path(store.path).resolve()}")
    return Snapshots(
        Path(settings.cache_dir), f"neo4j:{settings.neo4j_uri}/{settings.neo4j_database}"
    )


def missing_web_assets() -> list[str]:
    """The GraphiQL files `make setup` fetches that are not there (the API works without)."""
    from service.api.graphiql import missing_assets

    return missing_assets()


def build_app(
    settings: Settings,
    *,
    db: Path | str | None = None,
    auth: bool | None = None,
    tenant: str | None = None,
) -> ASGIApp:
    """Settings -> store -> engine cache -> ASGI app. Auth on unless asked otherwise."""
    from service.api.app import create_app
    from service.store.tokens import TokenStore

    path = db if db is not None else settings.db
    store = open_store(settings, db=path)
    use_auth = settings.auth if auth is None else auth
    tokens = TokenStore(path) if use_auth else None
    if tokens is not None:
        tokens.CACHE_SECONDS = settings.token_cache_seconds
    return create_app(
        store,
        tokens=tokens,
        open_tenant=default_tenant(store, tenant or settings.tenant),
        limits=ApiLimits.of(settings),
        check_interval=settings.version_check_seconds,
        snapshots=snapshots_for(settings, store),
    )
