"""The service: store, engine, use cases, the GraphQL API and the CLI, wired by bootstrap."""

__all__ = ["ancestry_sight", "bootstrap", "errors", "roles", "settings", "tenants", "usecases"]
