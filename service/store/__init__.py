"""The stores: one GraphStore protocol (base), SQLite embedded, Neo4j for production."""

__all__ = ["base", "neo4j", "records", "sqlite", "sqlite_ancestry", "tokens"]
