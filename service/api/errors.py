"""Errors at the API edge: client mistakes are told as they are; anything else is masked to the
client and logged with the request id, so a stack trace never leaks."""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from graph_schema.errors import StratmapError

log = logging.getLogger("stratmap.api")


class ClientError(StratmapError, ValueError):
    """A bad argument: the message is for the client."""


class PageError(ClientError):
    """first/after out of bounds."""


class BodyTooLarge(ClientError):
    """A request body over the server's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over the limit of {limit} bytes")


class MaskUnexpected(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=self._unexpected)

    @staticmethod
    def _unexpected(error: GraphQLError) -> bool:
        original = error.original_error
        return original is not None and not isinstance(original, (ClientError, GraphQLError))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = getattr(self.execution_context, "context", None)
        request_id = getattr(context, "request_id", "-")
        log.error(
            "unexpected error in request %s at %s",
            request_id,
            error.path,
            exc_info=error.original_error,
        )
        masked = super().anonymise_error(error)
        masked.message = f"Unexpected error (request id {request_id}); it has been logged."
        return masked
