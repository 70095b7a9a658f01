"""Which version answered: `extensions.version` and `extensions.stale` on every response, and
the `minVersion` a read may ask for in its request's `extensions`.

While a tenant's new version builds, reads are answered from the previous one (see
service.engine.cache): `stale: true` says so, and `version` says which one it was. A mutation
reports the version it made. A stale answer also gives `latest`, the newest version known.
A client that passes either back as `minVersion` (on any server
process of the same store) waits, bounded, until that version answers.

Right after a write through this process, the engine answering is patched from the write
(service.engine.patch): current in every finding but a few whole-graph ones, which are the
previous version's until the background pass computes them again. An answer that read one of
those is `stale: true` too, with `staleAnalyses` naming them (loadBearing, ownershipOverlaps,
unitFocus).
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension

from service.api.context import Context
from service.api.errors import ClientError

__all__ = ["Freshness", "min_version_of"]


def min_version_of(extensions: dict[str, Any] | None) -> int:
    value = (extensions or {}).get("minVersion", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ClientError(
            f"extensions.minVersion: a version number (an integer >= 0), not {str(value)[:40]!r}"
        )
    return value


class Freshness(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        ctx = self.execution_context.context
        if not isinstance(ctx, Context) or ctx.version is None:
            return {}  # nothing was read or written: an introspection, an error before running
        carried = {"staleAnalyses": sorted(ctx.stale_reads)} if ctx.stale_reads else {}
        if ctx.latest <= ctx.version:
            return {"version": ctx.version, "stale": bool(carried), **carried}
        # the newest version's number lets a client wait for it (minVersion), as a report does
        return {"version": ctx.version, "stale": True, "latest": ctx.latest, **carried}
