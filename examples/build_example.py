"""Build the Northwind Robotics example: one fictional company, written as native YAML and
generic CSV.

Northwind Robotics builds autonomous mobile robots for mid-sized warehouses. Its strategy is
mostly healthy, but every finding stratmap reports has been planted on purpose (see README.md,
which lists each one with the node ids involved). The script is deterministic: running it twice
writes byte-identical files.

    .venv/bin/python examples/build_example.py
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from anywhere, even without the project installed

from graph_schema.document import ImportDocument  # noqa: E402

YAML_PATH = HERE / "northwind.yaml"
CSV_PATH = HERE / "northwind.csv"
CSV_HEADER = [
    "id",
    "kind",
    "title",
    "parents",
    "owner",
    "unit",
    "scope",
    "status",
    "period",
    "effort",
    "description",
    "start",
    "target",
    "current",
    "measure_unit",
    "depends_on",
    "conflicts_with",
    "expresses",
    "co_owners",
]
Q3, Q4 = "2026-Q3", "2026-Q4"

ORGANISATION = {"id": "northwind", "name": "Northwind Robotics"}

# (id, name, parent): company -> departments -> teams
UNITS = [
    ("northwind", "Northwind Robotics", None),
    ("eng", "Engineering", "northwind"),
    ("eng-platform", "Fleet Platform", "eng"),
    ("eng-autonomy", "Autonomy", "eng"),
    ("eng-firmware", "Embedded Firmware", "eng"),
    ("eng-qa", "Quality Engineering", "eng"),
    ("prod", "Product", "northwind"),
    ("ops", "Operations", "northwind"),
    ("ops-assembly", "Assembly", "ops"),
    ("ops-supply", "Supply Chain", "ops"),
    ("sales", "Sales", "northwind"),
    ("sales-enterprise", "Enterprise Sales", "sales"),
    ("sales-partners", "Partner Channel", "sales"),
    ("cs", "Customer Success", "northwind"),
    ("cs-onboarding", "Onboarding", "cs"),
    ("cs-support", "Support", "cs"),
    ("people", "People & Culture", "northwind"),
    ("people-talent", "Talent Acquisition", "people"),
    ("fin", "Finance", "northwind"),
]

VALUES = [
    (
        "v-customers",
        "Customers first",
        "We judge our work by what it changes on the customer's warehouse floor.",
    ),
    (
        "v-ownership",
        "Own the outcome",
        "Whoever takes something on sees it through, or hands it over explicitly.",
    ),
    (
        "v-candour",
        "Speak plainly",
        "Say what we think, early, with the reasons, and expect the same back.",
    ),
    (
        "v-safety",
        "Safety is not negotiable",
        "No deadline or target outranks the safety of people near our robots.",
    ),
]

# (id, name, unit, leads, reports_to, commits_to)
PEOPLE = [
    ("p-hart", "Amelia Hart", "northwind", ["northwind"], None, ["B-48H", "B-WHY", "B-SITE"]),
    ("p-mehta", "Rahul Mehta", "eng", ["eng"], "p-hart", ["B-48H", "B-STOP", "B-1ON1"]),
    ("p-lindqvist", "Sofia Lindqvist", "prod", ["prod"], "p-hart", ["B-WHY", "B-SITE"]),
    ("p-okafor", "Marcus Okafor", "ops", ["ops"], "p-hart", ["B-STOP", "B-48H"]),
    ("p-petrova", "Elena Petrova", "sales", ["sales"], "p-hart", ["B-SITE"]),
    ("p-kim", "Daniel Kim", "cs", ["cs"], "p-hart", ["B-ESC", "B-SITE"]),
    ("p-mwangi", "Grace Mwangi", "people", ["people"], "p-hart", ["B-1ON1", "B-WHY"]),
    ("p-ruiz", "Tomas Ruiz", "fin", ["fin"], "p-hart", ["B-48H"]),
    ("p-rahman", "Nadia Rahman", "eng-platform", ["eng-platform"], "p-mehta", ["B-1ON1"]),
    ("p-becker", "Lukas Becker", "eng-autonomy", ["eng-autonomy"], "p-mehta", ["B-STOP"]),
    ("p-tanaka", "Yuki Tanaka", "eng-firmware", ["eng-firmware"], "p-mehta", ["B-STOP", "B-1ON1"]),
    ("p-haddad", "Omar Haddad", "eng-qa", ["eng-qa"], "p-mehta", ["B-STOP"]),
    (
        "p-solberg",
        "Ingrid Solberg",
        "ops-assembly",
        ["ops-assembly"],
        "p-okafor",
        ["B-STOP", "B-1ON1"],
    ),
    ("p-chen", "Wei Chen", "ops-supply", ["ops-supply"], "p-okafor", ["B-48H"]),
    ("p-costa", "Laura Costa", "sales-enterprise", ["sales-enterprise"], "p-petrova", ["B-SITE"]),
    ("p-adeyemi", "Ben Adeyemi", "sales-partners", ["sales-partners"], "p-petrova", []),
    ("p-weber", "Jonas Weber", "cs-onboarding", ["cs-onboarding"], "p-kim", ["B-ESC"]),
    ("p-nair", "Priya Nair", "cs-support", ["cs-support"], "p-kim", ["B-ESC", "B-1ON1"]),
    ("p-dubois", "Claire Dubois", "people-talent", ["people-talent"], "p-mwangi", ["B-1ON1"]),
]

NODES: list[dict[str, Any]] = []
_UNIT_LEAD = {leads[0]: pid for pid, _, _, leads, _, _ in PEOPLE}


# The order in which a node's fields are written (the native document's field order).
FIELD_ORDER = [
    "id",
    "kind",
    "title",
    "status",
    "period",
    "description",
    "effort",
    "owner",
    "unit",
    "co_owners",
    "scope",
    "start",
    "target",
    "current",
    "measure_unit",
    "parents",
    "depends_on",
    "conflicts_with",
    "expresses",
]


def _node(
    kind: str,
    nid: str,
    title: str,
    parents: list[Any],
    unit: str | None,
    *,
    owner: Any = "lead",
    status: str = "active",
    period: str | None = Q4,
    **extra: Any,
) -> None:
    """Append one node; owner defaults to the lead of its unit, `owner=None` leaves it unowned."""
    fields: dict[str, Any] = {
        "id": nid,
        "kind": kind,
        "title": title,
        "status": status,
        "period": period,
        "unit": unit,
        "owner": _UNIT_LEAD.get(unit or "") if owner == "lead" else owner,
        "parents": [p if isinstance(p, str) else {"id": p[0], "weight": p[1]} for p in parents],
        **extra,
    }
    unknown = set(fields) - set(FIELD_ORDER)
    assert not unknown, f"{nid}: unknown fields {unknown}"
    NODES.append({k: fields[k] for k in FIELD_ORDER if fields.get(k) not in (None, [], ())})


def goal(nid: str, title: str, owner: str, description: str, status: str = "active") -> None:
    _node(
        "Goal",
        nid,
        title,
        ["V-2030"],
        "northwind",
        owner=owner,
        period=None,
        status=status,
        description=description,
    )


def obj(nid: str, title: str, parents: list[Any], unit: str, **kw: Any) -> None:
    scope = "company" if unit == "northwind" else "department" if "-" not in unit else "team"
    _node("Objective", nid, title, parents, unit, scope=scope, **kw)


def kr(
    nid: str,
    title: str,
    parent: str | list[Any],
    unit: str,
    start: float,
    target: float,
    current: float,
    measure: str,
    **kw: Any,
) -> None:
    parents = [parent] if isinstance(parent, str) else parent
    _node(
        "KeyResult",
        nid,
        title,
        parents,
        unit,
        start=start,
        target=target,
        current=current,
        measure_unit=measure,
        **kw,
    )


def ini(
    nid: str, title: str, parents: list[Any], unit: str, effort: float | None, **kw: Any
) -> None:
    _node("Initiative", nid, title, parents, unit, effort=effort, **kw)


def behaviour(
    nid: str, title: str, parents: list[str], unit: str, owner: str, expresses: list[str]
) -> None:
    _node("Behaviour", nid, title, parents, unit, owner=owner, period=None, expresses=expresses)


def build_nodes() -> None:
    _node(
        "Vision",
        "V-2030",
        "Make autonomous intralogistics safe and effortless for every mid-sized warehouse",
        [],
        "northwind",
        period=None,
        description=(
            "By 2030 a warehouse of any size can run a Northwind fleet without robotics staff."
        ),
    )
    goal(
        "G-GROWTH",
        "Double annual recurring revenue to 120 M EUR",
        "p-petrova",
        "Grow subscriptions with 3PLs and retailers in Europe.",
    )
    goal(
        "G-RELIABILITY",
        "Best-in-class fleet reliability and safety",
        "p-mehta",
        "Robots that keep working, recover by themselves and never endanger people.",
    )
    goal(
        "G-CUSTOMER",
        "Every customer live and delighted within 30 days",
        "p-kim",
        "Renamed from G-SERVICE in the 2026 planning round.",
    )
    goal(
        "G-MARGIN",
        "Profitable, scalable operations",
        "p-ruiz",
        "Reach a 45% gross margin while volumes double.",
    )
    goal(
        "G-PEOPLE",
        "A leadership culture people choose to stay for",
        "p-mwangi",
        "Leaders who decide quickly, explain why and develop their people.",
    )
    goal(
        "G-SUSTAIN",
        "Carbon-neutral operations by 2028",
        "p-okafor",
        "Added by the board in 2026-Q3; no department has picked it up yet.",
    )
    goal(
        "G-NA-EXPANSION",
        "Enter the North American market",
        "p-petrova",
        "Shelved in 2026-Q2 to focus on Europe.",
        status="archived",
    )

    # Engineering: reliability is the operational focus, and O-ENG-1 carries most of it.
    obj(
        "O-ENG-1",
        "Raise fleet uptime to 99.5%",
        ["G-RELIABILITY"],
        "eng",
        description="The one path from reliability to the platform, autonomy and firmware teams.",
    )
    kr(
        "KR-ENG-1.1",
        "Fleet uptime across all customer sites",
        "O-ENG-1",
        "eng",
        98.1,
        99.5,
        98.9,
        "%",
        co_owners=["p-okafor"],
    )
    kr("KR-ENG-1.2", "Mean time to recover from a robot fault", "O-ENG-1", "eng", 95, 30, 55, "min")
    obj("O-PLAT-1", "Real-time fleet telemetry for every site", ["O-ENG-1"], "eng-platform")
    kr(
        "KR-PLAT-1.1",
        "Sites streaming live telemetry",
        "O-PLAT-1",
        "eng-platform",
        20,
        100,
        64,
        "%",
    )
    kr(
        "KR-PLAT-1.2",
        "Fault alerts raised before the customer calls",
        "O-PLAT-1",
        "eng-platform",
        15,
        80,
        42,
        "%",
    )
    ini("I-PLAT-01", "Telemetry pipeline on managed Kafka", ["KR-PLAT-1.1"], "eng-platform", 14)
    ini("I-PLAT-02", "Fleet health dashboard", ["KR-PLAT-1.1"], "eng-platform", 6)
    ini("I-PLAT-03", "Alerting runbooks for on-call engineers", ["KR-ENG-1.2"], "eng-platform", 3)
    ini(
        "I-PLAT-06",
        "Predictive maintenance alerts",
        [("KR-ENG-1.1", 0.6), ("KR-SUPP-1.1", 0.4)],
        "eng-platform",
        12,
        description="Shared between reliability and support: a matrix item.",
    )
    ini(
        "I-PLAT-11", "Edge anomaly detection on motor telemetry", ["KR-PLAT-1.2"], "eng-platform", 7
    )
    obj("O-AUTO-1", "Navigation that never gets stuck", ["O-ENG-1"], "eng-autonomy")
    kr(
        "KR-AUTO-1.1",
        "Navigation stalls per 1,000 robot-hours",
        "O-AUTO-1",
        "eng-autonomy",
        4.2,
        1.0,
        2.6,
        "stalls",
    )
    kr(
        "KR-AUTO-1.2",
        "Faults the robot recovers from by itself",
        "O-AUTO-1",
        "eng-autonomy",
        71,
        95,
        83,
        "%",
    )
    ini("I-AUTO-01", "Dynamic obstacle re-planning", ["KR-AUTO-1.1"], "eng-autonomy", 16)
    ini(
        "I-AUTO-02",
        "Lidar and camera fusion for narrow aisles",
        ["KR-AUTO-1.1"],
        "eng-autonomy",
        20,
    )
    ini("I-AUTO-03", "Self-recovery behaviour tree", ["KR-AUTO-1.2"], "eng-autonomy", 10)
    ini(
        "I-AUTO-04",
        "Simulation regression suite for navigation",
        ["KR-AUTO-1.2"],
        "eng-autonomy",
        8,
    )
    obj("O-FW-1", "Firmware that updates safely over the air", ["O-ENG-1"], "eng-firmware")
    kr(
        "KR-FW-1.1",
        "Over-the-air updates completed without rollback",
        "O-FW-1",
        "eng-firmware",
        91,
        99.5,
        96.8,
        "%",
    )
    kr(
        "KR-FW-1.2",
        "Robots on the latest firmware within 14 days",
        "O-FW-1",
        "eng-firmware",
        55,
        95,
        78,
        "%",
    )
    ini("I-FW-01", "A/B partition over-the-air updates", ["KR-FW-1.1"], "eng-firmware", 12)
    ini(
        "I-FW-02",
        "Battery management firmware 3.0",
        ["KR-FW-1.1"],
        "eng-firmware",
        9,
        status="done",
        period=Q3,
    )
    ini("I-FW-03", "Motor controller watchdog", ["KR-ENG-1.2"], "eng-firmware", 5)
    ini("I-FW-04", "Staged rollout rings for firmware", ["KR-FW-1.2"], "eng-firmware", 6)
    ini("I-FW-05", "Signed firmware images", ["KR-FW-1.2"], "eng-firmware", 4)
    behaviour(
        "B-STOP",
        "Anyone may stop a robot cell over a safety concern and is thanked for it",
        ["G-RELIABILITY"],
        "eng",
        "p-mehta",
        ["v-safety", "v-ownership"],
    )

    obj("O-ENG-2", "Ship faster without breaking things", ["G-RELIABILITY"], "eng")
    kr("KR-ENG-2.1", "Lead time from merge to production", "O-ENG-2", "eng", 21, 5, 12, "days")
    obj("O-PLAT-2", "A delivery platform every team can ship on", ["O-ENG-2"], "eng-platform")
    ini(
        "I-PLAT-07",
        "Preview environments for every pull request",
        ["KR-ENG-2.1"],
        "eng-platform",
        7,
    )
    ini("I-PLAT-08", "One release pipeline for robot images", ["KR-ENG-2.1"], "eng-platform", 9)
    kr(
        "KR-PLAT-2.1",
        "Teams deploying without platform help",
        "O-PLAT-2",
        "eng-platform",
        2,
        9,
        5,
        "teams",
    )
    ini("I-PLAT-10", "Self-service deployment templates", ["KR-PLAT-2.1"], "eng-platform", 5)
    ini(
        "I-PLAT-09",
        "Migrate CI to the new build farm",
        [],
        "eng-platform",
        8,
        period=None,
        description="Started after an outage; never linked to anything.",
    )
    obj("O-QA-1", "Catch defects before customers do", ["O-ENG-2"], "eng-qa")
    kr(
        "KR-QA-1.1",
        "Escaped defects per release",
        "O-QA-1",
        "eng-qa",
        9,
        3,
        6,
        "defects",
        conflicts_with=["KR-PROD-1.1"],
    )
    kr(
        "KR-QA-1.2",
        "Automated test coverage of release-critical paths",
        "O-QA-1",
        "eng-qa",
        48,
        80,
        61,
        "%",
    )
    ini("I-QA-01", "Hardware-in-the-loop test rig", ["KR-QA-1.1"], "eng-qa", 12)
    ini("I-QA-02", "Release readiness checklist", ["KR-QA-1.1"], "eng-qa", 2)
    ini("I-QA-03", "End-to-end test automation for the fleet manager", ["KR-QA-1.2"], "eng-qa", 10)
    ini("I-QA-04", "Flaky test quarantine", ["KR-QA-1.2"], "eng-qa", None)

    # Product
    obj(
        "O-PROD-1",
        "Ship customer-visible improvements every month",
        [("G-CUSTOMER", 0.6), ("G-GROWTH", 0.4)],
        "prod",
    )
    kr("KR-PROD-1.1", "Production releases per quarter", "O-PROD-1", "prod", 4, 12, 7, "releases")
    kr(
        "KR-PROD-1.2",
        "Features used by 30% of customers within 90 days",
        "O-PROD-1",
        "prod",
        2,
        6,
        3,
        "features",
    )
    ini("I-PROD-01", "Monthly release train", ["KR-PROD-1.1"], "prod", 4)
    ini("I-PROD-02", "Feature flag framework", ["KR-PROD-1.1"], "prod", 6)
    ini("I-PROD-03", "In-app release notes and guided tours", ["KR-PROD-1.2"], "prod", 5)
    ini("I-PROD-04", "Customer advisory board", ["KR-PROD-1.2"], "prod", 3)
    obj("O-PROD-2", "Pricing and packaging that scales", ["G-GROWTH"], "prod")
    kr("KR-PROD-2.1", "New deals on standard packages", "O-PROD-2", "prod", 35, 80, 52, "%")
    ini("I-PROD-05", "Three-tier fleet subscription packages", ["KR-PROD-2.1"], "prod", 6)
    ini("I-PROD-06", "Usage-based billing for peak season", ["KR-PROD-2.1"], "eng-platform", 8)
    obj("O-PROD-3", "Throughput that sells itself", ["G-GROWTH"], "prod")
    kr(
        "KR-PROD-3.1",
        "Average picks per robot-hour across the fleet",
        "O-PROD-3",
        "prod",
        95,
        120,
        104,
        "picks/h",
    )
    ini("I-AUTO-05", "Pick-path optimisation", ["KR-PROD-3.1"], "eng-autonomy", 10)
    kr(
        "KR-AUTO-2.1",
        "Picks per robot-hour at the pilot sites",
        "I-AUTO-05",
        "eng-autonomy",
        110,
        140,
        118,
        "picks/h",
        description="Set up by the team under its own epic instead of under an objective.",
    )
    ini("I-AUTO-06", "Batch picking heuristics", ["KR-AUTO-2.1"], "eng-autonomy", 6)

    # Operations
    obj("O-OPS-1", "Cut the cost of every robot built by 15%", ["G-MARGIN"], "ops")
    kr("KR-OPS-1.1", "Cost per robot built", "O-OPS-1", "ops", 18400, 15600, 17100, "EUR")
    ini("I-OPS-01", "Should-cost model for the bill of materials", ["KR-OPS-1.1"], "ops", 4)
    obj("O-ASM-1", "A lean assembly line in Eindhoven", ["O-OPS-1"], "ops-assembly")
    kr("KR-ASM-1.1", "Assembly hours per robot", "O-ASM-1", "ops-assembly", 26, 19, 22.5, "h")
    kr(
        "KR-ASM-1.2",
        "First-pass yield at end-of-line test",
        "O-ASM-1",
        "ops-assembly",
        88,
        97,
        93,
        "%",
    )
    ini("I-ASM-01", "Single-piece flow on line 2", ["KR-ASM-1.1"], "ops-assembly", 10)
    ini(
        "I-ASM-02",
        "Digital logging for torque tools",
        ["KR-ASM-1.2"],
        "ops-assembly",
        4,
        owner=None,
    )
    ini("I-ASM-03", "End-of-line test automation", ["KR-ASM-1.2"], "ops-assembly", 8)
    ini(
        "I-ASM-04",
        "Retool line 1 for the M2 chassis",
        ["KR-ASM-1.1"],
        "ops-assembly",
        12,
        status="archived",
    )
    ini("I-ASM-06", "Kitting carts for the sub-assembly cell", ["KR-ASM-1.1"], "ops-assembly", 3)
    obj("O-ASM-2", "Kaizen programme on the shop floor", ["O-ASM-3"], "ops-assembly")
    obj("O-ASM-3", "A continuous-improvement culture in assembly", ["O-ASM-2"], "ops-assembly")
    ini("I-ASM-05", "Weekly kaizen boards per shift", ["O-ASM-2"], "ops-assembly", 2)
    obj("O-SUP-1", "Resilient supply of critical components", ["O-OPS-1"], "ops-supply")
    kr(
        "KR-SUP-1.1",
        "Critical parts with a qualified second source",
        "O-SUP-1",
        "ops-supply",
        40,
        90,
        65,
        "%",
    )
    kr(
        "KR-SUP-1.2",
        "Supplier on-time delivery",
        "O-SUP-1",
        "ops-supply",
        82,
        95,
        88,
        "%",
        owner=None,
    )
    ini("I-SUP-01", "Qualify a second lidar supplier", ["KR-SUP-1.1"], "ops-supply", 8)
    ini("I-SUP-02", "Dual-source the motor controllers", ["KR-SUP-1.1"], "ops-supply", 6)
    ini("I-SUP-03", "Quarterly supplier scorecards", ["KR-SUP-1.2"], "ops-supply", 3)
    ini(
        "I-SUP-04",
        "Supplier portal revamp",
        [],
        "ops-supply",
        7,
        period=None,
        description="Approved in a budget meeting; never tied to an objective.",
    )
    ini(
        "I-SUP-05",
        "Spare-parts demand forecasting",
        ["KR-SUP-1.2"],
        "ops-supply",
        5,
        depends_on=["I-SUP-04"],
    )
    obj("O-OPS-2", "Know our carbon footprint", ["G-SUSTAIN"], "ops")
    kr("KR-OPS-2.1", "Scope 1-3 emissions measured and reported", "O-OPS-2", "ops", 0, 100, 20, "%")

    # Sales
    obj("O-SALES-1", "Win 40 new enterprise fleets", ["G-GROWTH"], "sales")
    kr("KR-SALES-1.1", "New enterprise fleets signed", "O-SALES-1", "sales", 0, 40, 17, "fleets")
    kr("KR-SALES-1.2", "Average sales cycle", "O-SALES-1", "sales", 210, 150, 185, "days")
    ini("I-SALES-01", "Unified quoting in the CRM", ["KR-SALES-1.2"], "sales", 6)
    ini(
        "I-SALES-02",
        "Renewal upsell offers in the CRM",
        ["KR-SALES-1.1"],
        "sales",
        4,
        depends_on=["I-CS-03"],
    )
    obj(
        "O-ENT-1",
        "Land the top 50 third-party logistics providers",
        ["O-SALES-1"],
        "sales-enterprise",
    )
    kr(
        "KR-ENT-1.1",
        "Qualified 3PL opportunities in the pipeline",
        "O-ENT-1",
        "sales-enterprise",
        22,
        60,
        41,
        "opportunities",
    )
    kr(
        "KR-ENT-1.2",
        "Win rate against incumbent vendors",
        "O-ENT-1",
        "sales-enterprise",
        18,
        30,
        22,
        "%",
    )
    ini("I-ENT-01", "3PL reference site programme", ["KR-ENT-1.1"], "sales-enterprise", 6)
    ini("I-ENT-02", "ROI calculator for warehouse managers", ["KR-ENT-1.1"], "sales-enterprise", 3)
    ini(
        "I-ENT-03",
        "Account-based marketing for the top 50 3PLs",
        ["KR-ENT-1.1"],
        "sales-enterprise",
        5,
    )
    obj("O-PART-3", "Grow European integrator partners", ["O-SALES-1"], "sales-partners")
    kr("KR-PART-3.1", "Deals sourced by integrators", "O-PART-3", "sales-partners", 8, 25, 14, "%")
    ini("I-PART-04", "Integrator co-selling playbook", ["KR-PART-3.1"], "sales-partners", 3)
    ini("I-PART-05", "Partner demo kits", ["KR-PART-3.1"], "sales-partners", 4)
    # Still running under the shelved North American goal.
    obj(
        "O-SALES-NA",
        "Build the North American reseller channel",
        ["G-NA-EXPANSION"],
        "sales",
        description="Nobody closed this when the goal was archived.",
    )
    kr(
        "KR-SALES-NA.1",
        "Signed North American resellers",
        "O-SALES-NA",
        "sales",
        0,
        8,
        2,
        "resellers",
    )
    obj(
        "O-PART-1",
        "Certify resellers in the US Midwest",
        ["O-SALES-NA", "O-PART-2"],
        "sales-partners",
    )
    obj("O-PART-2", "Reseller enablement programme", ["O-PART-1"], "sales-partners")
    ini("I-PART-01", "Reseller certification curriculum", ["O-PART-1"], "sales-partners", 6)
    ini(
        "I-PART-02",
        "UL 3100 certification for the US market",
        ["KR-SALES-NA.1"],
        "sales-partners",
        10,
    )
    ini("I-PART-03", "Partner deal registration portal", ["O-PART-2"], "sales-partners", 5)

    # Customer Success
    obj("O-CS-1", "Sites live within 30 days of delivery", ["G-CUSTOMER"], "cs")
    kr("KR-CS-1.1", "Median days from delivery to go-live", "O-CS-1", "cs", 58, 30, 41, "days")
    behaviour(
        "B-ESC",
        "Every customer escalation gets a named owner within 24 hours",
        ["O-CS-1"],
        "cs",
        "p-kim",
        ["v-customers", "v-ownership"],
    )
    obj("O-ONB-1", "A repeatable go-live playbook", ["O-CS-1"], "cs-onboarding")
    kr(
        "KR-ONB-1.1",
        "Go-lives that follow the standard playbook",
        "O-ONB-1",
        "cs-onboarding",
        40,
        90,
        70,
        "%",
    )
    kr(
        "KR-ONB-1.2",
        "Sites mapped before the robots arrive",
        "O-ONB-1",
        "cs-onboarding",
        25,
        90,
        48,
        "%",
    )
    ini("I-ONB-01", "Site survey app", ["KR-ONB-1.1"], "cs-onboarding", 6)
    ini(
        "I-ONB-02",
        "Pre-built maps from warehouse CAD drawings",
        ["KR-ONB-1.2"],
        "eng-autonomy",
        9,
        co_owners=["p-weber"],
    )
    ini("I-ONB-03", "Go-live checklist and customer sign-off", ["KR-ONB-1.1"], "cs-onboarding", 2)
    ini("I-ONB-04", "Remote commissioning toolkit", ["KR-CS-1.1"], "cs-onboarding", 7)
    obj("O-SUPP-1", "Resolve issues before customers notice", ["O-CS-1"], "cs-support")
    kr(
        "KR-SUPP-1.1",
        "Tickets per 100 robots per month",
        "O-SUPP-1",
        "cs-support",
        14,
        6,
        9.5,
        "tickets",
    )
    kr("KR-SUPP-1.2", "First response time", "O-SUPP-1", "cs-support", 8, 1, 3, "h")
    ini("I-SUPP-01", "Launch the customer self-service portal", ["KR-SUPP-1.1"], "cs-support", 8)
    ini("I-PLAT-05", "Launch customer self-service portal v2", ["KR-SUPP-1.1"], "eng-platform", 10)
    ini("I-SUPP-03", "Follow-the-sun support rota", ["KR-SUPP-1.2"], "cs-support", 4)
    ini(
        "I-SUPP-04",
        "Support macros and knowledge base",
        ["KR-SUPP-1.2"],
        "cs-support",
        3,
        owner=None,
    )
    # Points at the goal's old id: G-SERVICE was renamed G-CUSTOMER and this link was never updated.
    obj("O-CS-2", "Renew 95% of fleet contracts", ["G-SERVICE"], "cs")
    kr("KR-CS-2.1", "Gross revenue retention", "O-CS-2", "cs", 88, 95, 91, "%")
    kr("KR-CS-2.2", "Accounts with a quarterly business review", "O-CS-2", "cs", 30, 100, 55, "%")
    ini("I-CS-01", "Health score for every account", ["KR-CS-2.1"], "cs", 5)
    ini("I-CS-02", "Quarterly business review template", ["KR-CS-2.2"], "cs", 2)
    ini("I-CS-03", "Renewal desk 120 days before expiry", ["KR-CS-2.1"], "cs", 4)

    # People & Culture
    obj("O-PPL-1", "Leaders who decide fast and close the loop", ["G-PEOPLE"], "people")
    kr(
        "KR-PPL-1.1",
        "Employees who say decisions are made quickly",
        "O-PPL-1",
        "people",
        41,
        70,
        52,
        "%",
        description="Quarterly pulse survey.",
    )
    behaviour(
        "B-48H",
        "Decisions within 48 hours of a complete proposal",
        ["O-PPL-1"],
        "people",
        "p-hart",
        ["v-ownership", "v-candour"],
    )
    behaviour(
        "B-WHY",
        "Every priority change comes with its reason in writing",
        ["O-PPL-1"],
        "people",
        "p-lindqvist",
        ["v-candour"],
    )
    behaviour(
        "B-1ON1",
        "A weekly one-to-one with every direct report",
        ["O-PPL-1"],
        "people",
        "p-mwangi",
        ["v-candour", "v-ownership"],
    )
    behaviour(
        "B-SITE",
        "Every leader joins one customer site visit per quarter",
        ["O-PPL-1", "G-CUSTOMER"],
        "people",
        "p-hart",
        ["v-customers"],
    )
    ini("I-PPL-01", "Decision log in every leadership meeting", ["KR-PPL-1.1"], "people", 2)
    ini("I-PPL-02", "360 reviews on the leadership behaviours", ["KR-PPL-1.1"], "people", 4)
    obj("O-PPL-2", "Keep regretted attrition below 8%", ["G-PEOPLE"], "people")
    kr("KR-PPL-2.1", "Regretted attrition", "O-PPL-2", "people", 14, 8, 11, "%")
    kr(
        "KR-PPL-2.2",
        "First-line managers trained in coaching",
        "O-PPL-2",
        "people",
        20,
        100,
        35,
        "%",
    )
    ini("I-PPL-03", "Career ladders for engineers and technicians", ["KR-PPL-2.1"], "people", 5)
    ini("I-PPL-04", "Coaching programme for first-line managers", ["KR-PPL-2.2"], "people", 6)
    obj("O-TAL-1", "Fill critical engineering roles within 60 days", ["O-PPL-2"], "people-talent")
    kr(
        "KR-TAL-1.1",
        "Median days to fill a critical role",
        "O-TAL-1",
        "people-talent",
        95,
        60,
        78,
        "days",
    )
    ini("I-TAL-01", "Robotics engineering referral programme", ["KR-TAL-1.1"], "people-talent", 2)
    ini("I-TAL-02", "Structured interview loops", ["KR-TAL-1.1"], "people-talent", 3)
    obj(
        "O-PPL-3",
        "A company-wide mentoring programme",
        [],
        "people",
        description="Announced at the all-hands; never linked to a goal.",
    )
    ini("I-TAL-03", "Mentor matching pilot", ["O-PPL-3"], "people-talent", 3)

    # Finance
    obj("O-FIN-1", "Gross margin to 45%", ["G-MARGIN"], "fin")
    kr("KR-FIN-1.1", "Gross margin", "O-FIN-1", "fin", 36, 45, 39.5, "%")
    kr("KR-FIN-1.2", "Days sales outstanding", "O-FIN-1", "fin", 62, 45, 57, "days")
    ini("I-FIN-01", "Service contract margin analysis", ["KR-FIN-1.1"], "fin", 3)
    ini("I-FIN-02", "Cut cloud cost of the fleet backend", ["KR-FIN-1.1"], "eng-platform", 6)
    obj("O-FIN-2", "Close the books in five working days", ["G-MARGIN"], "fin")
    kr("KR-FIN-2.1", "Working days to close the month", "O-FIN-2", "fin", 12, 5, 8, "days")
    ini("I-FIN-03", "Automated bank reconciliation", ["KR-FIN-2.1"], "fin", 4)
    ini("I-FIN-04", "ERP consolidation", ["KR-FIN-2.1"], "fin", 15, status="done", period=Q3)


def document() -> dict[str, Any]:
    return {
        "organisation": ORGANISATION,
        "units": [{"id": i, "name": n, "parent": p} for i, n, p in UNITS],
        "people": [
            {
                k: v
                for k, v in {
                    "id": pid,
                    "name": name,
                    "email": name.lower().replace(" ", ".") + "@northwind-robotics.example",
                    "unit": unit,
                    "leads": leads,
                    "reports_to": boss,
                    "commits_to": commits,
                }.items()
                if v not in (None, [])
            }
            for pid, name, unit, leads, boss, commits in PEOPLE
        ],
        "values": [{"id": i, "name": n, "description": d} for i, n, d in VALUES],
        "nodes": NODES,
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, dict):  # a weighted parent
        return value["id"] if value["weight"] == 1 else f"{value['id']}={value['weight']:g}"
    return str(value)


def write_csv(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for node in NODES:
            writer.writerow([_cell(node.get(col)) for col in CSV_HEADER])


def main() -> None:
    NODES.clear()
    build_nodes()
    data = document()
    ImportDocument.model_validate(data)  # fail before writing anything invalid
    ids = [n["id"] for n in NODES]
    assert len(ids) == len(set(ids)), "duplicate node id"
    YAML_PATH.write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    write_csv(CSV_PATH)
    by_kind = Counter(n["kind"] for n in NODES)
    by_status = Counter(n["status"] for n in NODES)
    print(
        f"wrote {YAML_PATH.name} and {CSV_PATH.name}: {len(NODES)} nodes, {len(UNITS)} units, "
        f"{len(PEOPLE)} people, {len(VALUES)} values"
    )
    for kind in ("Vision", "Goal", "Objective", "KeyResult", "Behaviour", "Initiative"):
        print(f"  {kind:<11}{by_kind[kind]:>4}")
    print("  status     " + ", ".join(f"{s} {c}" for s, c in sorted(by_status.items())))


if __name__ == "__main__":
    main()
