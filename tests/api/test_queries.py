"""Every query on a hand-built graph (tests/api/conftest.py), answers worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.api.conftest import Api

NODE_FIELDS = "id kind title status level traced owner { id name } unit { id name }"


def ids(conn: dict) -> list[str]:
    return [e["node"]["id"] for e in conn["edges"]]


def test_node_with_kind_specific_fields(api: Api) -> None:
    d = api.data(
        """{
      kr: node(id: "K1") { ... on KeyResult { start target current progress measureUnit }
                           level traced
                           parents { id weight valid dangling node { id } } }
      obj: node(id: "O2") { ... on Objective { scope middleManagement } traced
                            parents { id dangling node { id } }
                            children { totalCount edges { node { id } } } }
      ini: node(id: "I5") { ... on Initiative { effort work } owner { name unit { id } } }
      none: node(id: "NOPE") { id }
    }""",
        token="viewer",
    )
    assert d["kr"] == {
        "start": 0.0,
        "target": 10.0,
        "current": 4.0,
        "progress": 0.4,
        "measureUnit": "releases",
        "level": 3,
        "traced": True,
        "parents": [
            {"id": "O1", "weight": 1.0, "valid": True, "dangling": False, "node": {"id": "O1"}}
        ],
    }
    assert d["obj"] == {
        "scope": "DEPARTMENT",
        "middleManagement": True,
        "traced": False,
        "parents": [{"id": "G-OLD", "dangling": True, "node": None}],
        "children": {"totalCount": 1, "edges": [{"node": {"id": "I2"}}]},
    }
    assert d["ini"] == {
        "effort": 4.0,
        "work": 4.0,
        "owner": {"name": "Otto Ops", "unit": {"id": "ops"}},
    }
    assert d["none"] is None


def test_nodes_filters(api: Api) -> None:
    q = (
        "query($k: NodeKind, $u: ID, $s: Status, $p: String, $t: String) "
        "{ nodes(kind: $k, unitId: $u, status: $s, period: $p, search: $t) "
        "{ totalCount edges { node { id } } } }"
    )
    run = lambda **v: ids(api.data(q, v, token="viewer")["nodes"])  # noqa: E731
    assert run(k="INITIATIVE", u="eng") == ["I1", "I2", "I3"]  # eng and the web team below it
    assert run(s="ARCHIVED") == ["I6"]
    assert run(p="2026-Q4") == ["I1", "O1"]
    assert run(t="LEGACY") == ["I2", "O2"]
    assert run(k="GOAL") == ["G1", "G2"]


def test_unit(api: Api) -> None:
    d = api.data(
        """{ unit(id: "eng") { name score parent { id } children { id } members { id }
                      initiatives { totalCount edges { node { id } } } focus { focus } } }""",
        token="viewer",
    )
    assert d["unit"] == {
        "name": "Engineering",
        "score": 0.5,
        "parent": {"id": "co"},
        "children": [{"id": "web"}],
        "members": [{"id": "em"}],
        "initiatives": {
            "totalCount": 3,
            "edges": [{"node": {"id": "I1"}}, {"node": {"id": "I2"}}, {"node": {"id": "I3"}}],
        },
        "focus": None,
    }  # eng itself owns no initiative


def test_line_of_sight(api: Api) -> None:
    d = api.data(
        """{
      traced: lineOfSight(nodeId: "I5") {
        traced truncated paths { totalCount edges { node { strength steps { id weight } } } }
        breaks { gap { reason } } }
      broken: lineOfSight(nodeId: "I2") { traced paths { edges { node { strength } } }
                                          breaks { gap { reason danglingRefs breakPoint { id } }
                                                   chain { id } } }
      team: lineOfSight(unitId: "web") { node { id } traced }
    }""",
        token="viewer",
    )
    assert d["traced"] == [
        {
            "traced": True,
            "truncated": False,
            "breaks": [],
            "paths": {
                "totalCount": 2,
                "edges": [
                    {
                        "node": {
                            "strength": 0.5,
                            "steps": [
                                {"id": "I5", "weight": 0.5},
                                {"id": "G1", "weight": 1.0},
                                {"id": "V", "weight": None},
                            ],
                        }
                    },
                    {
                        "node": {
                            "strength": 0.5,
                            "steps": [
                                {"id": "I5", "weight": 0.5},
                                {"id": "G2", "weight": 1.0},
                                {"id": "V", "weight": None},
                            ],
                        }
                    },
                ],
            },
        }
    ]
    assert d["broken"] == [
        {
            "traced": False,
            "paths": {"edges": []},
            "breaks": [
                {
                    "gap": {
                        "reason": "DANGLING_PARENT",
                        "danglingRefs": ["G-OLD"],
                        "breakPoint": {"id": "O2"},
                    },
                    "chain": [{"id": "I2"}, {"id": "O2"}],
                }
            ],
        }
    ]
    assert d["team"] == [
        {"node": {"id": "I1"}, "traced": True},
        {"node": {"id": "I2"}, "traced": False},
        {"node": {"id": "I3"}, "traced": False},
    ]


@pytest.mark.parametrize(
    "args", ["", '(nodeId: "I1", unitId: "web")', '(nodeId: "NOPE")', '(unitId: "nope")']
)
def test_line_of_sight_bad_arguments_are_client_errors(api: Api, args: str) -> None:
    body = api.q(f"{{ lineOfSight{args} {{ traced }} }}", token="viewer")
    (error,) = body["errors"]
    assert "Unexpected error" not in error["message"] and (
        "nodeId" in error["message"] or "unitId" in error["message"]
    )


def test_findings(api: Api) -> None:
    d = api.data(
        """{
      orphans { totalCount edges { node { id } } }
      webOrphans: orphans(unitId: "web", kind: INITIATIVE) { totalCount }
      opsOrphans: orphans(unitId: "ops") { totalCount }
      alignmentGaps { totalCount edges { node { reason strandedNodes strandedWork middleManagement
          breakPoint { id } members { id } owner { id } unit { id }
          stranded { totalCount edges { node { id } } } } } }
      mm: alignmentGaps(middleManagementOnly: true) { edges { node { breakPoint { id } } } }
      unlinked: alignmentGaps(reason: UNLINKED) { edges { node { breakPoint { id } } } }
      unsupportedStrategy { edges { node { id } } }
      loadBearing { edges { node { node { id } work } } }
      unowned { edges { node { id } } }
      ownershipOverlaps { totalCount }
      declaredConflicts { totalCount }
      riskyDependencies { totalCount }
    }""",
        token="viewer",
    )
    assert (
        ids(d["orphans"]) == ["I3"]
        and d["webOrphans"]["totalCount"] == 1
        and d["opsOrphans"]["totalCount"] == 0
    )
    gaps = [e["node"] for e in d["alignmentGaps"]["edges"]]
    assert gaps == [
        {
            "reason": "DANGLING_PARENT",
            "strandedNodes": 1,
            "strandedWork": 2.0,
            "middleManagement": True,
            "breakPoint": {"id": "O2"},
            "members": [{"id": "O2"}],
            "owner": {"id": "em"},
            "unit": {"id": "eng"},
            "stranded": {"totalCount": 1, "edges": [{"node": {"id": "I2"}}]},
        },
        {
            "reason": "UNLINKED",
            "strandedNodes": 0,
            "strandedWork": 1.0,
            "middleManagement": False,
            "breakPoint": {"id": "I3"},
            "members": [{"id": "I3"}],
            "owner": {"id": "em"},
            "unit": {"id": "web"},
            "stranded": {"totalCount": 0, "edges": []},
        },
    ]
    assert [e["node"]["breakPoint"]["id"] for e in d["mm"]["edges"]] == ["O2"]
    assert [e["node"]["breakPoint"]["id"] for e in d["unlinked"]["edges"]] == ["I3"]
    assert ids(d["unsupportedStrategy"]) == ["O3"]
    assert [(e["node"]["node"]["id"], e["node"]["work"]) for e in d["loadBearing"]["edges"]] == [
        ("V", 8.0),
        ("G1", 3.0),
        ("K1", 3.0),
        ("O1", 3.0),
        ("G2", 1.0),
    ]
    assert ids(d["unowned"]) == ["I2"]
    assert d["ownershipOverlaps"]["totalCount"] == d["declaredConflicts"]["totalCount"] == 0
    assert d["riskyDependencies"]["totalCount"] == 0


def test_unit_focus(api: Api) -> None:
    d = api.data(
        "{ unitFocus(minGoals: 2) { edges { node { unit { id } focus pulled tracedWork "
        "goals { goal { id } share } } } } }",
        token="viewer",
    )
    (ops,) = [e["node"] for e in d["unitFocus"]["edges"]]
    entropy = -(0.4 * math.log(0.4) + 0.6 * math.log(0.6))
    assert ops["unit"] == {"id": "ops"} and ops["pulled"] and ops["tracedWork"] == 5.0
    assert ops["focus"] == pytest.approx(1 - entropy / math.log(2))
    assert [(g["goal"]["id"], round(g["share"], 6)) for g in ops["goals"]] == [
        ("G2", 0.6),
        ("G1", 0.4),
    ]


def test_alignment(api: Api) -> None:
    d = api.data(
        """{ alignment { score work tracedWork counts byUnit { unit { id } score work tracedWork }
                      byGoal { goal { id } tracedWork share } }
                      web: alignment(unitId: "web") { score work }
                      q4: alignment(period: "2026-Q4") { period score } }""",
        token="viewer",
    )
    a = d["alignment"]
    assert (a["score"], a["work"], a["tracedWork"]) == (pytest.approx(8 / 11), 11.0, 8.0)
    assert (
        a["counts"]["gaps"] == 2 and a["counts"]["orphans"] == 1 and a["counts"]["unsupported"] == 1
    )
    assert {u["unit"]["id"]: (u["score"], u["work"]) for u in a["byUnit"]} == {
        "co": (pytest.approx(8 / 11), 11.0),
        "eng": (0.5, 6.0),
        "web": (0.5, 6.0),
        "ops": (1.0, 5.0),
    }
    assert [(g["goal"]["id"], g["tracedWork"], g["share"]) for g in a["byGoal"]] == [
        ("G1", 7.0, pytest.approx(7 / 8)),
        ("G2", 5.0, pytest.approx(5 / 8)),
    ]
    assert d["web"] == {"score": 0.5, "work": 6.0}
    # 2026-Q4: I2, I3, I4, I5 have no period and stay; I1 is Q4; nothing drops out of this
    # graph's work
    assert d["q4"]["period"] == "2026-Q4" and d["q4"]["score"] == pytest.approx(8 / 11)


def test_pagination(api: Api) -> None:
    q = (
        "query($a: String) { nodes(first: 5, after: $a) "
        "{ totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id } } } }"
    )
    seen: list[str] = []
    after = None
    while True:
        conn = api.data(q, {"a": after}, token="viewer")["nodes"]
        assert conn["totalCount"] == 13 and conn["pageInfo"]["hasPreviousPage"] == (
            after is not None
        )
        seen += ids(conn)
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == sorted(n.id for n in __import__("tests.api.conftest", fromlist=["NODES"]).NODES)
    bad = api.q('{ nodes(after: "garbage!") { totalCount } }', token="viewer")
    assert "is not a cursor" in bad["errors"][0]["message"]


def test_unit_line_of_sight_comes_in_slices(tmp_path: Path) -> None:
    from service.settings import ApiLimits
    from tests.api.conftest import make_api

    small = make_api(tmp_path, ApiLimits(page_cap=2))
    q = 'query($s: Int!) { lineOfSight(unitId: "web", skip: $s) { node { id } } }'
    assert [x["node"]["id"] for x in small.data(q, {"s": 0})["lineOfSight"]] == ["I1", "I2"]
    assert [x["node"]["id"] for x in small.data(q, {"s": 2})["lineOfSight"]] == ["I3"]
    too_many = small.q('{ lineOfSight(unitId: "web", first: 3) { traced } }')
    assert "first: between 0 and 2" in too_many["errors"][0]["message"]
    import httpx

    from clients import StratmapClient

    with StratmapClient(
        "http://t/graphql", small.tokens["viewer"], transport=httpx.ASGITransport(app=small.app)
    ) as c:
        assert [los.node.id for los in c.line_of_sight(unit_id="web")] == ["I1", "I2", "I3"]
    small.store.close()


def test_a_gap_suggests_the_parent_its_missing_id_was_meant_to_name(api: Api) -> None:
    r = api.data(
        'mutation { upsertNodes(nodes: [{id: "I9", kind: INITIATIVE, title: "Typo", '
        'parents: [{id: "K1X"}]}])'
        " { __typename } }"
    )
    assert r["upsertNodes"]["__typename"] == "ApplySuccess"
    gaps = api.data(
        "{ alignmentGaps(first: 50) { edges { node { breakPoint { id } danglingRefs "
        "suggestedParents { id } } } } }",
        token="viewer",
    )["alignmentGaps"]["edges"]
    by_bp = {e["node"]["breakPoint"]["id"]: e["node"] for e in gaps}
    # K1X is one edit from K1; G-OLD is more than a third of its length away from every id
    assert by_bp["I9"]["danglingRefs"] == ["K1X"]
    assert [s["id"] for s in by_bp["I9"]["suggestedParents"]] == ["K1"]
    assert by_bp["O2"]["danglingRefs"] == ["G-OLD"] and by_bp["O2"]["suggestedParents"] == []
