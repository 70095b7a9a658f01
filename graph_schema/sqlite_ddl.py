"""The embedded store's schema, as an ordered list of migrations keyed on PRAGMA user_version.

Migration i (1-based) brings a database from user_version i-1 to i. Never edit a shipped
migration: append a new one, so an older stratmap.db opens after an upgrade. A migration may call
the SQL functions the store registers on its connection (`stratmap_fingerprint`).
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

MIGRATIONS: tuple[str, ...] = (
    # 1: the graph, the org and the alignment history, every row scoped by tenant.
    """
    CREATE TABLE tenant (
        tenant  TEXT PRIMARY KEY,
        version INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE node (
        tenant       TEXT NOT NULL REFERENCES tenant(tenant) ON DELETE CASCADE,
        id           TEXT NOT NULL,
        kind         TEXT NOT NULL,
        title        TEXT NOT NULL,
        status       TEXT NOT NULL,
        period       TEXT,
        description  TEXT,
        effort       REAL,
        owner        TEXT,
        unit         TEXT,
        scope        TEXT,
        start        REAL,
        target       REAL,
        current      REAL,
        measure_unit TEXT,
        source       TEXT,
        PRIMARY KEY (tenant, id)
    ) WITHOUT ROWID;
    CREATE INDEX node_source ON node(tenant, source);
    -- Every outgoing link of a node: SUPPORTS (to a parent), DEPENDS_ON, CONFLICTS_WITH,
    -- EXPRESSES, and co-ownership (CO_OWNS, src = node, dst = person). The target is not a
    -- foreign key on purpose: a reference to a node that does not exist yet is kept (a
    -- dangling parent) and resolves by itself when a later import brings that node.
    CREATE TABLE link (
        tenant TEXT NOT NULL,
        src    TEXT NOT NULL,
        rel    TEXT NOT NULL,
        dst    TEXT NOT NULL,
        weight REAL NOT NULL DEFAULT 1.0,
        ord    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant, src, rel, dst),
        FOREIGN KEY (tenant, src) REFERENCES node(tenant, id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE TABLE unit (
        tenant TEXT NOT NULL REFERENCES tenant(tenant) ON DELETE CASCADE,
        id     TEXT NOT NULL,
        name   TEXT NOT NULL,
        parent TEXT,
        PRIMARY KEY (tenant, id)
    ) WITHOUT ROWID;
    CREATE TABLE person (
        tenant     TEXT NOT NULL REFERENCES tenant(tenant) ON DELETE CASCADE,
        id         TEXT NOT NULL,
        name       TEXT NOT NULL,
        email      TEXT,
        unit       TEXT,
        reports_to TEXT,
        leads      TEXT NOT NULL DEFAULT '[]',
        commits_to TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (tenant, id)
    ) WITHOUT ROWID;
    CREATE TABLE value (
        tenant      TEXT NOT NULL REFERENCES tenant(tenant) ON DELETE CASCADE,
        id          TEXT NOT NULL,
        name        TEXT NOT NULL,
        description TEXT,
        PRIMARY KEY (tenant, id)
    ) WITHOUT ROWID;
    CREATE TABLE history (
        tenant   TEXT NOT NULL REFERENCES tenant(tenant) ON DELETE CASCADE,
        seq      INTEGER NOT NULL,
        at       TEXT NOT NULL,
        label    TEXT,
        version  INTEGER NOT NULL,
        score    REAL,
        payload  TEXT NOT NULL,
        PRIMARY KEY (tenant, seq)
    );
    """,
    # 2: API tokens, stored only as a SHA-256 hash, each bound to one tenant and one role.
    """
    CREATE TABLE api_token (
        hash       TEXT PRIMARY KEY,
        tenant     TEXT NOT NULL,
        role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
        label      TEXT,
        created_at TEXT NOT NULL
    );
    """,
    # 3: each title's word fingerprints (graph_schema.titles), written with the title so an
    # analysis never re-splits text. stratmap_fingerprint is registered by the store before it
    # migrates; it fills the rows written before this migration.
    """
    ALTER TABLE node ADD COLUMN fingerprint BLOB;
    UPDATE node SET fingerprint = stratmap_fingerprint(title);
    """,
    # 4: the audit of every write (who, when, what it changed, by id), written in the write's own
    # transaction; and tokens that expire.
    """
    CREATE TABLE audit (
        tenant  TEXT NOT NULL,
        seq     INTEGER NOT NULL,
        at      TEXT NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        version INTEGER NOT NULL,
        changes TEXT NOT NULL,
        PRIMARY KEY (tenant, seq)
    );
    ALTER TABLE api_token ADD COLUMN expires_at TEXT;
    """,
    # 5: links by their target. Without it a query from a node to what hangs below it (a user's
    # own SQL from the vision down, the store's dangling-parent check) scans every link of the
    # tenant for each step: on 1M nodes such a query never returned.
    """
    CREATE INDEX link_dst ON link(tenant, dst, rel);
    """,
    # 6: each tenant's epoch, a random stamp made when the tenant is: with the version and the
    # last audit record it tells one state of a tenant from any other (a database deleted and
    # made again, a backup restored), so a persisted engine snapshot is never taken for another.
    """
    ALTER TABLE tenant ADD COLUMN epoch TEXT;
    UPDATE tenant SET epoch = lower(hex(randomblob(16)));
    """,
)
