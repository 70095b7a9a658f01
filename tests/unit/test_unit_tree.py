"""The unit tree's walks (service.engine.units) against the plain fixpoints they replace, on
random unit forests that may close cycles (bad data): same answers, in linear time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.engine import units


def _below_by_fixpoint(unit_parent: dict[str, str | None], unit_id: str) -> set[str]:
    inside, changed = {unit_id}, True
    while changed:
        changed = False
        for u, parent in unit_parent.items():
            if parent in inside and u not in inside:
                inside.add(u)
                changed = True
    return inside


def _rolled_by_walking(
    unit_parent: dict[str, str | None], direct: dict[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    rolled = {u: list(s) for u, s in direct.items()}
    for u, (w, t) in direct.items():
        seen, parent = {u}, unit_parent.get(u)
        while parent is not None and parent not in seen:
            seen.add(parent)
            target = rolled.setdefault(parent, [0.0, 0.0])
            target[0] += w
            target[1] += t
            parent = unit_parent.get(parent)
    return {u: (s[0], s[1]) for u, s in rolled.items()}


forests = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: st.tuples(
        st.just([f"u{i}" for i in range(n)]),
        st.lists(st.one_of(st.none(), st.integers(0, n - 1)), min_size=n, max_size=n),
        st.lists(st.integers(0, 5), min_size=n, max_size=n),
    )
)


@settings(max_examples=300, deadline=None)
@given(forests)
def test_walks_match_the_fixpoints(forest: tuple[list[str], list[int | None], list[int]]) -> None:
    names, parents, work = forest
    unit_parent = {
        u: (names[p] if p is not None else None) for u, p in zip(names, parents, strict=True)
    }
    direct = {u: (float(w), float(w // 2)) for u, w in zip(names, work, strict=True)}
    assert units.rolled_up(unit_parent, direct) == _rolled_by_walking(unit_parent, direct)
    for u in names:
        assert units.below(unit_parent, u) == _below_by_fixpoint(unit_parent, u)


def test_a_long_chain_rolls_up_to_its_root() -> None:
    n = 6_000  # the chain that took a 48 s rebuild when each unit walked all its ancestors
    unit_parent = {f"u{i}": (f"u{i - 1}" if i else None) for i in range(n)}
    sums = units.rolled_up(unit_parent, {u: (1.0, 0.0) for u in unit_parent})
    assert sums["u0"] == (float(n), 0.0) and sums[f"u{n - 1}"] == (1.0, 0.0)
    assert len(units.below(unit_parent, "u0")) == n
