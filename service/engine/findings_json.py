"""The engine's findings as JSON-ready dicts with stable keys (ids, never only titles): what
`stratmap analyze --json` prints and what the alignment history keeps."""

from __future__ import annotations

from collections.abc import Iterable, Sized
from itertools import islice
from typing import Any, cast

import numpy as np

from service.engine import walks
from service.engine.dominators import LoadBearing
from service.engine.engine import Engine
from service.engine.results import Gap, LineOfSight


def node_ref(engine: Engine, i: int) -> dict[str, Any]:
    g = engine.graph
    return {
        "id": g.ids[i],
        "kind": engine.kind_at(i).value,
        "title": g.titles[i],
        "owner": g.owner[i],
        "unit": g.unit[i],
    }


# `analyze --json` names suggestions for this many gaps with missing parents, highest ranked
# first: each is an index query of a few milliseconds, and a generated organisation of a million
# nodes dangles thousands; the rest carry null (not computed), and the API answers for any gap.
SUGGESTED_GAPS = 200


def gap_json(
    engine: Engine, gap: Gap, *, with_stranded: bool = True, suggest: bool = True
) -> dict[str, Any]:
    g = engine.graph
    bp = gap.break_point
    out: dict[str, Any] = {
        "breakPoint": g.ids[bp],
        "kind": engine.kind_at(bp).value,
        "title": g.titles[bp],
        "reason": gap.reason.value,
        "cause": engine.cause(gap),
        "members": [g.ids[m] for m in gap.members],
        "danglingRefs": list(gap.dangling_refs),
        "suggestedParents": engine.suggested_parent_ids(gap) if suggest else None,
        "inactiveParents": [g.ids[p] for p in gap.inactive_parents],
        "strandedNodes": len(gap.stranded),
        "strandedWork": gap.stranded_work,
        "middleManagement": gap.middle_management,
        "owner": g.owner[bp],
        "unit": g.unit[bp],
        "fixedBy": (fixer := engine.fixer(gap)),
        "fixedByName": (p.name if (p := engine.people.get(fixer or "")) else None),
    }
    if with_stranded:
        out["stranded"] = [g.ids[s] for s in gap.stranded]
    return out


def _gaps_json(engine: Engine, limit: int | None = None) -> list[dict[str, Any]]:
    out, left = [], SUGGESTED_GAPS
    for gap in islice(engine.gaps, limit):
        out.append(gap_json(engine, gap, suggest=left > 0 or not gap.dangling_refs))
        left -= bool(gap.dangling_refs)
    return out


def line_of_sight_json(engine: Engine, los: LineOfSight) -> dict[str, Any]:
    ids = engine.graph.ids
    return walks.line_of_sight_json(
        los,
        lambda i: node_ref(engine, i),
        ids.__getitem__,
        engine.cause,
        engine.suggested_parent_ids,
    )


def _by_unit(engine: Engine) -> list[dict[str, Any]]:
    names = engine.graph.unit_names
    return [
        {
            "unit": u,
            "name": names.get(u),
            "score": s.score,
            "work": s.work,
            "tracedWork": s.traced_work,
        }
        for u, s in engine.by_unit.items()
    ]


def _by_goal(engine: Engine) -> list[dict[str, Any]]:
    g = engine.graph
    return [
        {"goal": g.ids[goal], "title": g.titles[goal], "tracedWork": w, "share": share}
        for goal, w, share in engine.by_goal
    ]


def alignment_record(engine: Engine) -> dict[str, Any]:
    """What the history keeps of one version: the score, the counts, by unit, by goal."""
    return {
        "score": engine.score,
        "counts": engine.counts(),
        "byUnit": _by_unit(engine),
        "byGoal": _by_goal(engine),
    }


def analysis_json(engine: Engine, limit: int | None = None) -> dict[str, Any]:
    """Every finding; with `limit`, each list of findings holds its first `limit` items (they
    are ranked: the worst first) and `totals` says how many there are. Only what is shown is
    built: at 1M nodes the full document was 202 MB, most of it 894k unowned nodes."""
    g = engine.graph
    ids = g.ids
    overall = engine.overall
    lists: dict[str, Sized] = {
        "gaps": engine.gaps,
        "orphans": engine.orphans,
        "unsupported": engine.unsupported,
        "loadBearing": engine.load_bearing,
        "ownershipOverlaps": engine.overlaps,
        "unowned": engine.unowned,
        "conflicts": engine.conflicts,
        "riskyDependencies": engine.risky_dependencies,
        "invalidLinks": engine.invalid_links,
    }

    def first(key: str) -> Iterable[Any]:
        found = lists[key]
        if isinstance(found, np.ndarray):
            return list(found[:limit].tolist())
        if isinstance(found, LoadBearing):
            return found.items(0, limit)
        return islice(cast(Iterable[Any], found), limit)

    return {
        "version": engine.version,
        "period": engine.period,
        "score": overall.score,
        "work": overall.work,
        "tracedWork": overall.traced_work,
        "counts": engine.counts(),
        "totals": {key: len(found) for key, found in lists.items()},
        "gaps": _gaps_json(engine, limit),
        "orphans": [node_ref(engine, i) for i in first("orphans")],
        "unsupported": [node_ref(engine, i) for i in first("unsupported")],
        "loadBearing": [
            {"id": ids[i], "kind": engine.kind_at(i).value, "title": g.titles[i], "work": w}
            for i, w in first("loadBearing")
        ],
        "ownershipOverlaps": [
            {
                "type": o.type,
                "nodes": [ids[i] for i in o.nodes],
                "units": o.units,
                "parent": ids[o.parent] if o.parent is not None else None,
                "similarity": o.similarity,
            }
            for o in first("ownershipOverlaps")
        ],
        "unitFocus": [
            {
                "unit": f.unit,
                "focus": f.focus,
                "tracedWork": f.traced_work,
                "pulled": f.pulled,
                "goals": [{"goal": ids[goal], "share": share} for goal, share in f.goals],
            }
            for f in engine.unit_focus
        ],
        "unowned": [node_ref(engine, i) for i in first("unowned")],
        "conflicts": [
            {"a": ids[a], "b": ids[b], "units": [g.unit[a], g.unit[b]]}
            for a, b in first("conflicts")
        ],
        "riskyDependencies": [
            {"node": ids[a], "dependsOn": ids[b]} for a, b in first("riskyDependencies")
        ],
        "invalidLinks": [
            {
                "child": ids[c],
                "parent": ids[p],
                "childKind": engine.kind_at(c).value,
                "parentKind": engine.kind_at(p).value,
            }
            for c, p in first("invalidLinks")
        ],
        "byUnit": _by_unit(engine),
        "byGoal": _by_goal(engine),
    }
