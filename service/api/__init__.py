"""The GraphQL API: schema, types, context, errors, served over ASGI (service.api.app)."""

__all__ = ["app", "schema", "types"]
