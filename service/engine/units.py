"""The unit tree (PART_OF), walked in linear time: a chain of 6,000 units must not cost 6,000^2;
and an objective's scope, which its unit's depth in the tree gives where none is declared.

Bad data may close a cycle of units; a cycle counts as one unit whose members each see the
whole of it (every member reaches every other by its parents).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from graph_schema import NodeKind, Scope, scope_for_unit_depth

__all__ = ["below", "depths", "is_middle_management_scope", "objective_scope", "rolled_up"]


class Placed(Protocol):
    """What an objective's scope is read from (a node's row)."""

    @property
    def kind(self) -> str: ...

    @property
    def scope(self) -> str | None: ...

    @property
    def unit(self) -> str | None: ...


def objective_scope(r: Placed, depths: dict[str, int]) -> str | None:
    """An objective's scope: declared, else derived from its unit's depth (None otherwise)."""
    if r.kind != NodeKind.OBJECTIVE.value:
        return None
    if r.scope is not None:
        return r.scope
    if r.unit is not None and r.unit in depths:
        return scope_for_unit_depth(depths[r.unit]).value
    return None


def is_middle_management_scope(scope: str | None) -> bool:
    return scope in (Scope.DEPARTMENT.value, Scope.TEAM.value)


def depths(unit_parent: dict[str, str | None]) -> dict[str, int]:
    """Each unit's depth in the tree, 0 at a root."""
    depth: dict[str, int] = {}
    for start in unit_parent:
        chain: list[str] = []
        on_chain: set[str] = set()  # a set beside the list: a long chain must stay linear
        u: str | None = start
        while u is not None and u not in depth and u not in on_chain:
            chain.append(u)
            on_chain.add(u)
            u = unit_parent.get(u)
        base = depth.get(u, -1) if u is not None and u in depth else -1
        for offset, name in enumerate(reversed(chain)):
            depth[name] = base + 1 + offset
    return depth


def _children(unit_parent: dict[str, str | None]) -> dict[str, list[str]]:
    kids: dict[str, list[str]] = {}
    for u, parent in unit_parent.items():
        if parent is not None:
            kids.setdefault(parent, []).append(u)
    return kids


def below(unit_parent: dict[str, str | None], unit_id: str) -> set[str]:
    """The unit and every unit whose parent chain reaches it."""
    kids = _children(unit_parent)
    inside, todo = {unit_id}, [unit_id]
    while todo:
        for child in kids.get(todo.pop(), ()):
            if child not in inside:
                inside.add(child)
                todo.append(child)
    return inside


def _cycles(unit_parent: dict[str, str | None], units: Iterable[str]) -> dict[str, str]:
    """unit -> the first member of its cycle, for units on a cycle (each has one parent)."""
    state: dict[str, int] = {}  # 1 on the current walk, 2 done
    on_cycle: dict[str, str] = {}
    for start in units:
        walk: list[str] = []
        u: str | None = start
        while u is not None and state.get(u) is None:
            state[u] = 1
            walk.append(u)
            u = unit_parent.get(u)
        if u is not None and state.get(u) == 1:  # closed a cycle on this walk
            ring = walk[walk.index(u) :]
            for member in ring:
                on_cycle[member] = ring[0]
        for w in walk:
            state[w] = 2
    return on_cycle


def rolled_up(
    unit_parent: dict[str, str | None], direct: dict[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """Each unit's (work, traced work) with every unit below it added: one pass, children first.

    Units named only as a parent get an entry too."""
    units = list(dict.fromkeys([*direct, *unit_parent, *(p for p in unit_parent.values() if p)]))
    ring = _cycles(unit_parent, units)

    def rep(u: str) -> str:
        return ring.get(u, u)

    total: dict[str, list[float]] = {}
    for u in units:
        w, t = direct.get(u, (0.0, 0.0))
        acc = total.setdefault(rep(u), [0.0, 0.0])
        acc[0] += w
        acc[1] += t
    # the condensed graph is a forest: add each node's total to its parent's, deepest first
    up: dict[str, str] = {}
    for u in units:
        parent = unit_parent.get(u)
        if parent is not None and rep(parent) != rep(u):
            up[rep(u)] = rep(parent)
    kids: dict[str, list[str]] = {}
    for child, parent in up.items():
        kids.setdefault(parent, []).append(child)
    order: list[str] = []
    todo = [r for r in total if r not in up]
    while todo:
        node = todo.pop()
        order.append(node)
        todo.extend(kids.get(node, ()))
    for node in reversed(order):  # children come after their parents in `order`
        if node in up:
            parent_total = total[up[node]]
            parent_total[0] += total[node][0]
            parent_total[1] += total[node][1]
    return {u: (total[rep(u)][0], total[rep(u)][1]) for u in units}
