"""The service: store, engine, use cases, the GraphQL API and the CLI, wired by bootstrap."""

__all__ = ["bootstrap", "roles", "settings", "usecases"]
