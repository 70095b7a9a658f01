"""An engine over part of an organisation: some nodes and everything above them.

A node's trace, its distance below a vision, the gaps it hangs below and their causes depend
only on the nodes above it along SUPPORTS links and on the unit tree. So an engine built from
that upward closure (`GraphStore.read_ancestry`) answers the line of sight of those nodes as
the whole organisation's engine would, at a cost that follows the answer instead of the
organisation: what `stratmap line-of-sight NODE` reads. The one thing the closure cannot know is
which existing ids a missing parent may be a typo of: those come from every id of the tenant,
read only when a chain breaks at a missing parent.

Only line of sight is meant to be asked of it: every other analysis would describe the closure,
not the organisation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

from graph_schema.rows import GraphRows
from service.engine.engine import Engine
from service.engine.results import Gap
from service.engine.suggest import IdIndex
from service.gcpause import gc_paused


class AncestryEngine(Engine):
    def __init__(
        self, rows: GraphRows, period: str | None, every_id: Callable[[], Sequence[str]]
    ) -> None:
        super().__init__(rows, period)
        self._every_id = every_id

    @cached_property
    def _id_index(self) -> IdIndex:
        with gc_paused():
            return IdIndex(self._every_id())

    def suggested_parents(self, gap: Gap, limit: int = 3) -> list[int]:
        raise TypeError("an ancestry's suggestions name nodes outside it: use the ids")
