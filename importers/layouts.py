"""The table layouts the importer knows, each recognised by its header (`--format auto`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from importers.ally_org import is_teams, is_users, parse_teams, parse_users
from importers.csv_generic import parse_csv
from importers.culture_amp import is_culture_amp, parse_culture_amp
from importers.jira_csv import is_jira, parse_jira
from importers.links_csv import is_links, parse_links
from importers.org_csv import is_people, is_units, parse_people, parse_units
from importers.outline import is_outline, parse_outline
from importers.records import ParsedImport, ReadOptions
from importers.table import Table
from importers.tool_csv import TOOLS, parse_tool


@dataclass(frozen=True)
class Layout:
    name: str
    describes: str
    signature: tuple[str, ...]  # header keys (table.header_key) it is known by, for "closest"
    matches: Callable[[tuple[str, ...]], bool]
    parse: Callable[[Table, str, ReadOptions], ParsedImport]


def _generic(keys: tuple[str, ...]) -> bool:
    # an id with a kind or a title is meant as the generic CSV: its parser names what is missing
    return "id" in keys and bool({"kind", "title"} & set(keys))


# the most specific first: a generic CSV with a stray 'child' column is still a generic CSV
LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "csv",
        "stratmap's generic CSV, one row a node",
        ("id", "kind", "title", "parents"),
        _generic,
        lambda t, s, o: parse_csv(t.path, source=s, table=t, options=o),
    ),
    Layout(
        "outline",
        "a level-column outline: Main, L1, L2, ...",
        ("main", "l1", "l2", "type", "id"),
        is_outline,
        lambda t, s, o: parse_outline(t, s, o),
    ),
    *(
        Layout(
            spec.name,
            spec.describes,
            spec.signature,
            spec.matches,
            (lambda sp: lambda t, s, o: parse_tool(t, s, sp, o))(spec),
        )
        for spec in TOOLS
    ),
    Layout(
        "jira",
        "Jira's CSV export: Summary, Issue key, Issue id, Issue Type, Status, Parent, ...",
        ("summary", "issuekey", "issueid", "issuetype", "status", "parent"),
        is_jira,
        lambda t, s, o: parse_jira(t, s, o),
    ),
    Layout(
        "cultureamp",
        "Culture Amp goals (key_result_N_title columns)",
        ("email", "name", "dueat", "status", "completion", "keyresult1title"),
        is_culture_amp,
        lambda t, s, o: parse_culture_amp(t, s, o),
    ),
    Layout(
        "ally-teams",
        "Ally.io teams: Team Name, Owner Email, Parent Team, Team Type",
        ("teamname", "owneremail", "parentteam", "teamtype"),
        is_teams,
        lambda t, s, o: parse_teams(t, s),
    ),
    Layout(
        "ally-users",
        "Ally.io users: User Name, User Email, Teams, Manager, Manager Email",
        ("username", "useremail", "teams", "manager", "manageremail"),
        is_users,
        lambda t, s, o: parse_users(t, s),
    ),
    Layout(
        "units",
        "units companion: id,name,parent,leader",
        ("id", "name", "parent", "leader"),
        is_units,
        lambda t, s, o: parse_units(t, s),
    ),
    Layout(
        "people",
        "people companion: id,name,email,unit,reports_to",
        ("id", "name", "email", "unit", "reportsto"),
        is_people,
        lambda t, s, o: parse_people(t, s),
    ),
    Layout(
        "links",
        "links: child,parent[,weight]",
        ("child", "parent", "weight"),
        is_links,
        lambda t, s, o: parse_links(t, s),
    ),
)


def layout_named(name: str) -> Layout | None:
    return next((lo for lo in LAYOUTS if lo.name == name), None)


def closest(keys: tuple[str, ...]) -> tuple[Layout, list[str]]:
    """The layout whose known columns the header shares most of, and the ones it lacks."""
    have = set(keys)
    best = max(LAYOUTS, key=lambda lo: len(have & set(lo.signature)) / len(lo.signature))
    return best, [k for k in best.signature if k not in have]
