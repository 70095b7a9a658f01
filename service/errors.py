"""The errors the service's use cases raise about a request (graph_schema.errors has the tree).

Apart from the use cases (service.usecases) and the engine, so that the paths that import
neither (`stratmap line-of-sight NODE`, service.ancestry_sight) raise the same ones."""

from __future__ import annotations

from graph_schema.errors import StratmapError

__all__ = ["UnknownNode", "UseCaseError"]


class UnknownNode(StratmapError, KeyError):
    """The id names no node of this tenant."""


class UseCaseError(StratmapError):
    """A request the data does not allow; names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
