"""The root of every error stratmap raises on purpose, and the tree below it.

    StratmapError                        graph_schema.errors
    ├── ImportFailed                     importers.errors: a file refused, every problem listed
    ├── ImportInputError                 importers.errors: one cell or token unreadable (internal)
    │   ├── CellError                    importers.cells
    │   ├── JsonSyntaxError              importers.json_stream
    │   │   └── NotAnObject              importers.json_stream
    │   ├── JsonEncodingError            importers.json_stream
    │   └── DuplicateKeyError            importers.json_stream: a key given twice in an object
    ├── StoreError                       service.store.base: the store refused or failed
    ├── UnknownNode                      service.errors: an id names no node
    ├── UseCaseError                     service.errors: a request the service refuses
    │   └── TenantChoiceError            service.usecases: no tenant, or an ambiguous one
    ├── ClientError                      service.api.errors: a bad argument, told to the client
    │   ├── PageError                    service.api.pagination: first/after out of bounds
    │   └── BodyTooLarge                 service.api.app: a request body over the limit
    └── ApiError                         clients.errors: talking to a server went wrong
        ├── TransportError               clients.errors: no answer, or no JSON
        ├── AuthError                    clients.errors: the token was refused
        ├── RequestError                 clients.errors: the server refused the request
        └── ServerError                  clients.errors: the server failed

Subclasses that used to derive from a built-in error (ValueError, KeyError) still do, so code
that catches the built-in keeps working; catching StratmapError catches them all.
"""

from __future__ import annotations

__all__ = ["StratmapError"]


class StratmapError(Exception):
    """Anything stratmap raises on purpose, with a message meant for a person."""
