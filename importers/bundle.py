"""Several files imported as one: goals, units, people and links, in one change set.

Each file is parsed on its own (and keeps its own `source`); this module joins them: units and
people from every file, leaders onto their people, owners given by email onto person ids, and a
links file's rows onto their children. Every problem of the join is found before anything is
written, like every other import problem.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from graph_schema import Node, ParentRef, Person, Unit, Value
from importers.errors import ImportFailed, ImportIssue
from importers.records import LinkRecord, ParsedImport


def _unique(
    parts: Sequence[ParsedImport], kind: str
) -> tuple[list[Unit | Person | Value], list[ImportIssue]]:
    seen: dict[str, str] = {}
    items: list[Unit | Person | Value] = []
    issues = []
    for part in parts:
        for item in getattr(part, kind):
            if item.id in seen:
                issues.append(
                    ImportIssue(
                        part.file, f"{kind} id '{item.id}' is also in {seen[item.id]}", field="id"
                    )
                )
                continue
            seen[item.id] = part.file
            items.append(item)
    return items, issues


def _scan(
    parts: Sequence[ParsedImport], links: dict[str, list[LinkRecord]], link_file: dict[int, str]
) -> list[ImportIssue]:
    """One read of every file's nodes: ids unique across files, every link's child present and
    not already linked to that parent. Memory: the id set."""
    where: dict[str, str] = {}
    issues: list[ImportIssue] = []
    for part in parts:
        for node in part.nodes():
            if node.id in where:
                issues.append(
                    ImportIssue(
                        part.file, f"node id '{node.id}' is also in {where[node.id]}", field="id"
                    )
                )
                continue
            where[node.id] = part.file
            have = {p.id for p in node.parents}
            for link in links.get(node.id, ()):
                if link.parent in have:
                    issues.append(
                        ImportIssue(
                            link_file[id(link)],
                            f"'{node.id}' already names '{link.parent}' as a parent in {part.file}",
                            row=link.row,
                            path=link.path,
                            field="parent",
                        )
                    )
    for child, rows in links.items():
        if child not in where:
            for link in rows:
                issues.append(
                    ImportIssue(
                        link_file[id(link)],
                        f"child '{child}' is in none of the files imported with this one",
                        row=link.row,
                        path=link.path,
                        field="child",
                    )
                )
    return issues


def join(parts: Sequence[ParsedImport]) -> ParsedImport:
    if len(parts) == 1 and not parts[0].links and not parts[0].leads:
        parts[0].parts = [parts[0]]
        return parts[0]
    issues: list[ImportIssue] = []
    units, found = _unique(parts, "units")
    issues += found
    people_list, found = _unique(parts, "people")
    issues += found
    values, found = _unique(parts, "values")
    issues += found
    people: dict[str, Person] = {p.id: p for p in people_list if isinstance(p, Person)}
    for part in parts:
        for pid, led in part.leads.items():
            if pid not in people:
                issues.append(
                    ImportIssue(
                        part.file,
                        f"leader '{pid}' is not a person of a people file imported with it",
                        row=part.leader_rows.get(pid),
                        field="leader",
                    )
                )
                continue
            who = people[pid]
            people[pid] = who.model_copy(
                update={"leads": (*who.leads, *(u for u in led if u not in who.leads))}
            )
    organisations = {p.organisation for p in parts if p.organisation}
    if len(organisations) > 1:
        issues.append(
            ImportIssue(
                parts[0].file,
                "the files name different organisations: " + ", ".join(sorted(organisations)),
            )
        )
    links: dict[str, list[LinkRecord]] = {}
    link_file: dict[int, str] = {}
    named: dict[tuple[str, str], str] = {}
    for part in parts:
        for link in part.links:
            if (link.child, link.parent) in named:
                issues.append(
                    ImportIssue(
                        part.file,
                        f"link {link.child} -> {link.parent} is also in "
                        f"{named[link.child, link.parent]}",
                        row=link.row,
                        path=link.path,
                        field="parent",
                    )
                )
                continue
            named[link.child, link.parent] = part.file
            links.setdefault(link.child, []).append(link)
            link_file[id(link)] = part.file
    node_parts = [p for p in parts if p.node_count]
    if links or len(node_parts) > 1:
        issues += _scan(node_parts, links, link_file)
    if issues:
        raise ImportFailed(issues)

    # owners may name a person by email (DESIGN section 5)
    by_email = {p.email.lower(): p.id for p in people.values() if p.email}

    def person(ref: str) -> str:
        return ref if ref in people else by_email.get(ref.lower(), ref)

    def nodes() -> Iterator[Node]:
        for part in node_parts:
            for node in part.nodes():
                update: dict[str, object] = {}
                extra = links.get(node.id)
                if extra:
                    update["parents"] = (
                        *node.parents,
                        *(ParentRef(id=x.parent, weight=x.weight) for x in extra),
                    )
                if by_email and node.owner is not None and person(node.owner) != node.owner:
                    update["owner"] = person(node.owner)
                if by_email and any(person(c) != c for c in node.co_owners):
                    update["co_owners"] = tuple(person(c) for c in node.co_owners)
                yield node.model_copy(update=update) if update else node

    sources = {p.source for p in parts}
    # one file's nodes that nothing above rewrites pass through in the store's form (fast path)
    as_is = node_parts[0].records if len(node_parts) == 1 and not links and not by_email else None
    return ParsedImport(
        file=", ".join(p.file for p in parts),
        source=sources.pop() if len(sources) == 1 else "",
        organisation=organisations.pop() if organisations else None,
        node_count=sum(p.node_count for p in node_parts),
        nodes=nodes,
        records=as_is,
        units=[u for u in units if isinstance(u, Unit)],
        people=list(people.values()),
        values=[v for v in values if isinstance(v, Value)],
        layout="+".join(p.layout for p in parts),
        parts=list(parts),
        cuts=[c for p in parts for c in p.cuts],
    )
