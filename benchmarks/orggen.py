"""Deterministic synthetic organisations for the benchmarks.

Shape of a real org at scale: one vision, ~20 goals, company -> department -> team objectives,
key results, and initiatives (some nested, ~10% with two parents), plus the faults the engine
looks for: ~5% orphans, dangling and inactive parents, and a few cycles. Initiative titles are
3 to 8 words drawn from a skewed 5,000-word vocabulary (stop words included), and about 1% of
initiatives repeat a sibling's title with a word added, so the title-similarity pass does the
work a real org gives it (numbered one-word titles would let it skip nearly everything).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from graph_schema import Node, ParentRef

GENERATION = (
    3  # bump when the output (or how stores fingerprint it) changes: caches are keyed on it
)
_VOCAB = 5000
_STOP_WORDS = ("the", "of", "to", "and", "for")


def _initiative_titles(count: int, seed: int) -> Iterator[str]:
    """Titles drawn with their own generator, so the graph's shape does not depend on them."""
    rng = np.random.default_rng(seed)
    weight = 1.0 / (np.arange(_VOCAB) + 20.0)  # a few words are common, most are rare
    vocab = [f"w{k}" for k in range(_VOCAB)] + list(_STOP_WORDS)
    weight = np.concatenate(
        [weight / weight.sum() * 0.85, np.full(len(_STOP_WORDS), 0.15 / len(_STOP_WORDS))]
    )
    for lo in range(0, count, 100_000):
        m = min(100_000, count - lo)
        picks = rng.choice(len(vocab), size=(m, 8), p=weight).tolist()
        lengths = rng.integers(3, 9, size=m).tolist()
        for row, length in zip(picks, lengths, strict=True):
            yield " ".join(vocab[w] for w in row[:length]).capitalize()


def org_nodes(n: int, seed: int = 7) -> Iterator[Node]:
    rng = np.random.default_rng(seed)
    goals = 20
    objectives = max(30, n // 12)
    krs = max(30, n // 6)
    initiatives = n - 1 - goals - objectives - krs
    units = max(5, n // 200)
    yield Node(id="V", kind="Vision", title="Vision")
    for g in range(goals):
        yield Node(
            id=f"G{g}",
            kind="Goal",
            title=f"Goal {g}",
            parents=(ParentRef(id="V"),),
            status="archived" if g == goals - 1 else "active",
        )
    # objectives: the first tenth under goals (company), the rest under an earlier objective
    for o in range(objectives):
        unit = f"U{int(rng.integers(units))}"
        roll = rng.random()
        if o < objectives // 10:
            parent = f"G{int(rng.integers(goals))}"
        elif roll < 0.01:
            parent = f"GONE{o}"  # a renamed goal: dangling
        else:
            parent = f"O{int(rng.integers(o))}"
        parents: tuple[ParentRef, ...] = (ParentRef(id=parent),)
        if 0.01 <= roll < 0.012 and o > 10:  # a few two-objective cycles with no way out
            parents = (ParentRef(id=f"O{o + 1}"),) if o + 1 < objectives else parents
        yield Node(
            id=f"O{o}",
            kind="Objective",
            title=f"Objective {o}",
            unit=unit,
            owner=f"P{o % 997}",
            parents=parents,
        )
    for k in range(krs):
        yield Node(
            id=f"K{k}",
            kind="KeyResult",
            title=f"Key result {k}",
            unit=f"U{int(rng.integers(units))}",
            parents=(ParentRef(id=f"O{int(rng.integers(objectives))}"),),
            start=0,
            target=100,
            current=40,
        )
    titles = _initiative_titles(initiatives, seed + 1)
    last_child: dict[str, str] = {}  # key result -> the title of its latest initiative
    for i in range(initiatives):
        title = next(titles)
        roll = rng.random()
        if roll < 0.05:
            parents = ()  # orphan
        elif roll < 0.06:
            parents = (ParentRef(id=f"MISSING{i}"),)
        elif roll < 0.15 and i > 0:
            parents = (ParentRef(id=f"I{int(rng.integers(i))}"),)  # nested work
        elif roll < 0.25:
            a, b = rng.integers(krs, size=2)
            parents = (ParentRef(id=f"K{a}", weight=0.5),) + (
                (ParentRef(id=f"K{b}", weight=0.5),) if a != b else ()
            )
        else:
            parents = (ParentRef(id=f"K{int(rng.integers(krs))}"),)
        if len(parents) == 1 and parents[0].id.startswith("K"):
            sibling = last_child.get(parents[0].id)
            if sibling is not None and i % 97 == 0:  # a near-duplicate of the sibling's title
                title = f"{sibling} again"
            last_child[parents[0].id] = title
        yield Node(
            id=f"I{i}",
            kind="Initiative",
            title=title,
            unit=f"U{int(rng.integers(units))}",
            effort=float(rng.integers(1, 20)),
            parents=parents,
            status="done" if rng.random() < 0.03 else "active",
        )
