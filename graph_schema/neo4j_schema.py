"""Neo4j constraints and indexes, created idempotently at start (IF NOT EXISTS)."""

from __future__ import annotations

__all__ = ["CONSTRAINTS", "INDEXES"]

# Every strategy node carries the shared :StrategyNode label besides its kind's label, so one
# uniqueness constraint on (tenant, id) covers every kind, placeholders of missing parents included.
CONSTRAINTS: tuple[tuple[str, str], ...] = (
    (
        "strategy_node_key",
        "CREATE CONSTRAINT strategy_node_key IF NOT EXISTS FOR (n:StrategyNode)"
        " REQUIRE (n.tenant, n.id) IS UNIQUE",
    ),
    (
        "unit_key",
        "CREATE CONSTRAINT unit_key IF NOT EXISTS FOR (u:Unit) REQUIRE (u.tenant, u.id) IS UNIQUE",
    ),
    (
        "person_key",
        "CREATE CONSTRAINT person_key IF NOT EXISTS FOR (p:Person)"
        " REQUIRE (p.tenant, p.id) IS UNIQUE",
    ),
    (
        "value_key",
        "CREATE CONSTRAINT value_key IF NOT EXISTS FOR (v:Value)"
        " REQUIRE (v.tenant, v.id) IS UNIQUE",
    ),
    (
        "tenant_key",
        "CREATE CONSTRAINT tenant_key IF NOT EXISTS FOR (t:Tenant) REQUIRE t.id IS UNIQUE",
    ),
    (
        "history_key",
        "CREATE CONSTRAINT history_key IF NOT EXISTS FOR (h:AlignmentRecord)"
        " REQUIRE (h.tenant, h.seq) IS UNIQUE",
    ),
)
INDEXES: tuple[tuple[str, str], ...] = (
    # An index, not a uniqueness constraint: the version numbers the record, and only the one
    # transaction that made a version commits (Neo4j locks the tenant node; an optimistic
    # server fails the other at commit, retried by the driver). A constraint made the losers
    # fail earlier, as a client error, and starve under ArcadeDB.
    (
        "audit_seq",
        "CREATE INDEX audit_seq IF NOT EXISTS FOR (a:Audit) ON (a.tenant, a.seq)",
    ),
    (
        "strategy_node_source",
        "CREATE INDEX strategy_node_source IF NOT EXISTS FOR (n:StrategyNode)"
        " ON (n.tenant, n.source)",
    ),
)
