"""The production store on Neo4j 5, through the official driver.

The driver is passed in (one per process), never created here. A write is one managed
transaction (`execute_write`), which the driver may retry: the work re-reads what it compares
against, so running it twice writes the same thing. Every statement is a named, parameterised
query of service/store/cypher.py, sent in `UNWIND $rows` batches.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import (
    AuthError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph_schema import Node, Person, Rel, Unit, Value
from graph_schema.rows import CO_OWNS, GraphRows, LinkRow, NodeRecord, NodeRow, node_to_rows
from graph_schema.titles import fingerprint
from service.gcpause import gc_paused
from service.store.base import (
    ApplyResult,
    AuditRecord,
    ChangeSet,
    StoreBusy,
    StoreError,
    audit_of,
)
from service.store.cypher import NODE_RELS, ORG_LINKS, Q
from service.store.records import (
    SharedValues,
    as_record,
    batches,
    classify,
    describe_change,
    rows_to_node,
)

BATCH = 1000
PAGE = 20_000
_CONSTRAINT_FAILED = "Neo.ClientError.Schema.ConstraintValidationFailed"


class _Raced(Exception):
    """A query on the tenant node answered no row: a server with optimistic locking (ArcadeDB) lost
    a race with another writer creating it. Neo4j never does; the work is run again."""


def _one(tx: ManagedTransaction, name: str, **params: Any) -> dict[str, Any]:
    """The one row a query on the tenant node answers (ensure_tenant, bump_version, ...)."""
    rows = _run(tx, name, **params)
    if not rows:
        raise _Raced(params.get("tenant"))
    return rows[0]


# Within the write wait, at most this many runs: a conflict that is no race (ArcadeDB failing
# a label removal every time) must end, and ArcadeDB stops answering after ~16 failed runs.
_MAX_ATTEMPTS = 10


def _pause(attempt: int) -> None:
    """A short random pause before running a lost race again, so racing writers fall out of
    step (a fixed one would have them collide again and again)."""
    time.sleep(random.uniform(0, min(0.05, 0.005 * (attempt + 1))))


def _ensure_tenant(tx: ManagedTransaction, tenant: str) -> int:
    return int(_one(tx, "ensure_tenant", tenant=tenant)["version"])


T = TypeVar("T")


def _run(tx: ManagedTransaction, name: str, **params: Any) -> list[dict[str, Any]]:
    query = Q[name]
    assert set(params) == set(query.params), (name, sorted(params), query.params)
    return tx.run(query.text, **params).data()


def _node_row(
    props: dict[str, Any], make: Callable[[tuple[Any, ...]], NodeRow] = NodeRow._make
) -> NodeRow:
    return make(tuple(props.get(f) for f in NodeRow._fields))


def _fingerprint(stored: Any) -> bytes | None:
    """Bolt brings a byte array back as bytes (bytearray from some servers); anything else,
    a node written before fingerprints were kept included, is recomputed by the engine."""
    return bytes(stored) if isinstance(stored, (bytes, bytearray)) else None


def _links(node_id: str, links: list[list[Any]], co: list[list[Any]]) -> set[LinkRow]:
    out = {
        LinkRow(node_id, rel, dst, float(w if w is not None else 1.0), int(o or 0))
        for rel, dst, w, o in links
    }
    out |= {LinkRow(node_id, CO_OWNS, person, 1.0, int(o or 0)) for person, o in co}
    return out


_SUPPORTS = Rel.SUPPORTS.value


def _graph_rows(
    tx: ManagedTransaction,
    tenant: str,
    version_rows: list[dict[str, Any]],
    nodes: list[NodeRow],
    links: list[LinkRow],
    fingerprints: list[bytes | None],
) -> GraphRows:
    """The read's nodes and links with the tenant's whole organisation: units, people, values."""
    units = [
        Unit(id=p["id"], name=p["name"], parent=p.get("parent"))
        for p in (r["props"] for r in _run(tx, "existing_units", tenant=tenant))
    ]
    people = [
        Person(
            id=p["id"],
            name=p["name"],
            email=p.get("email"),
            unit=p.get("unit"),
            reports_to=p.get("reports_to"),
            leads=tuple(p.get("leads") or ()),
            commits_to=tuple(p.get("commits_to") or ()),
        )
        for p in (r["props"] for r in _run(tx, "existing_people", tenant=tenant))
    ]
    values = [
        Value(id=p["id"], name=p["name"], description=p.get("description"))
        for p in (r["props"] for r in _run(tx, "existing_values", tenant=tenant))
    ]
    version = int(version_rows[0]["version"]) if version_rows else 0
    return GraphRows(
        version,
        nodes,
        links,
        sorted(units, key=lambda u: u.id),
        sorted(people, key=lambda p: p.id),
        sorted(values, key=lambda v: v.id),
        fingerprints,
    )


class Neo4jStore:
    def __init__(
        self,
        driver: Driver,
        *,
        database: str | None = None,
        ensure_schema: bool = True,
        owns_driver: bool = False,
        batch_size: int = BATCH,
        write_wait_seconds: float = 5.0,
    ) -> None:
        self.driver = driver
        self.write_wait_seconds = write_wait_seconds
        self.batch_size = batch_size
        self.database = database
        self.owns_driver = owns_driver
        if ensure_schema:
            self._write(lambda tx: [_run(tx, name) for name in Q if name.startswith("schema_")])

    # -- plumbing -----------------------------------------------------------------------
    def _describe(self, exc: Exception) -> StoreError:
        where = getattr(self.driver, "_pool", None)
        address = getattr(getattr(where, "address", None), "host", None) or "the configured server"
        if isinstance(exc, AuthError):
            return StoreError(
                f"Neo4j refused the credentials ({exc.message}); "
                "check STRATMAP_NEO4J_USER/_PASSWORD"
            )
        if isinstance(exc, (ServiceUnavailable, SessionExpired)):
            return StoreError(f"cannot reach Neo4j at {address} ({exc}); nothing was written")
        return StoreError(f"Neo4j error {getattr(exc, 'code', '')}: {exc}")

    def _managed(self, work: Callable[[ManagedTransaction], T], *, write: bool) -> T:
        """Run the work in a managed transaction. A lost race (below) is run again, after a
        random pause, until the write wait or _MAX_ATTEMPTS runs out, then it is StoreBusy:
        under optimistic locking one writer can lose to a faster one many times in a row."""
        deadline = time.monotonic() + self.write_wait_seconds
        attempt = 0
        while True:
            try:
                with self.driver.session(database=self.database) as session:
                    return session.execute_write(work) if write else session.execute_read(work)
            except _Raced as exc:
                lost: Exception = exc
            except Neo4jError as exc:
                # Two writers creating the same key at once (a tenant, the audit record of the
                # next version): Neo4j serialises them on the constraint's lock, a server with
                # optimistic locking (ArcadeDB) fails the second. The work is idempotent, so
                # running it again, now that the first has committed, finds the key and
                # updates it.
                if not (write and exc.code == _CONSTRAINT_FAILED):
                    if isinstance(exc, TransientError):
                        # the driver retried it (locks held by another writer, a deadlock) for
                        # its max_transaction_retry_time, the write wait: busy, not broken
                        raise StoreBusy(
                            f"Neo4j stayed busy with other writers ({exc.code}); nothing was "
                            "written, try again shortly",
                            retry_after_seconds=1.0,
                        ) from exc
                    raise self._describe(exc) from exc
                lost = exc
            except (ServiceUnavailable, SessionExpired) as exc:
                raise self._describe(exc) from exc
            if time.monotonic() > deadline or attempt == _MAX_ATTEMPTS - 1:
                raise StoreBusy(
                    "other writers kept winning the race for the same keys for over "
                    f"{self.write_wait_seconds:g} s (STRATMAP_WRITE_WAIT_SECONDS); nothing was "
                    "written, try again shortly",
                    retry_after_seconds=1.0,
                ) from lost
            _pause(attempt)
            attempt += 1

    def _write(self, work: Callable[[ManagedTransaction], T]) -> T:
        return self._managed(work, write=True)

    def _read(self, work: Callable[[ManagedTransaction], T]) -> T:
        return self._managed(work, write=False)

    # -- writes -------------------------------------------------------------------------
    def apply(self, tenant: str, changes: ChangeSet, *, dry_run: bool = False) -> ApplyResult:
        # Held as a list: a managed transaction may run again, and a generator runs only once.
        nodes = list(map(as_record, changes.nodes))

        def work(tx: ManagedTransaction) -> ApplyResult:
            result = ApplyResult(dry_run=dry_run)
            version = _ensure_tenant(tx, tenant)
            todo = nodes
            if changes.edit is not None:
                # a write to the tenant node first: every other writer of this tenant now waits
                # for this transaction, so the nodes read below cannot change under the edit
                _run(tx, "lock_tenant", tenant=tenant)
                found = self._get_in(tx, tenant, changes.edit.ids)
                todo = [node_to_rows(n) for n in changes.edit.change(found)] + nodes
            # Every node and org record first, every link after: a link then finds its target
            # when the change set brings it, and only a truly missing one gets a placeholder.
            org_links = self._apply_org(tx, tenant, changes, result)
            pending = [
                self._apply_nodes(tx, tenant, batch, result)
                for batch in batches(todo, self.batch_size)
            ]
            for changed, links in pending:
                self._link_nodes(tx, tenant, changed, links)
            self._link_org(tx, tenant, org_links)
            removed: list[str] = []
            if changes.delete_ids:
                removed += self._delete(tx, tenant, list(changes.delete_ids))
            if changes.prune_source is not None:
                removed += self._delete(
                    tx,
                    tenant,
                    [
                        r["id"]
                        for r in _run(
                            tx,
                            "prune_candidates",
                            tenant=tenant,
                            source=changes.prune_source,
                            seen=[r.id for r, _ in todo],
                        )
                    ],
                )
            result.removed = sorted(removed)
            if removed or result.updated:  # only then can a placeholder have lost its last referrer
                _run(tx, "drop_placeholders", tenant=tenant)
            if result.changed:
                version = _one(tx, "bump_version", tenant=tenant)["version"]
            result.version = int(version)
            if result.changed and not dry_run:  # in the write's transaction: no write unaudited
                a = audit_of(changes, result, result.version)
                _run(
                    tx,
                    "record_audit",
                    tenant=tenant,
                    at=a.at,
                    actor=a.actor,
                    action=a.action,
                    version=a.version,
                    changes=a.changes_json(),
                )
            return result

        if not dry_run:
            return self._write(work)
        try:  # a dry run is the same work in a transaction that is rolled back
            with self.driver.session(database=self.database) as session:
                tx = session.begin_transaction()
                try:
                    return work(tx)  # type: ignore[arg-type]
                finally:
                    tx.rollback()
        except (Neo4jError, ServiceUnavailable, SessionExpired) as exc:
            raise self._describe(exc) from exc

    def _delete(self, tx: ManagedTransaction, tenant: str, ids: list[str]) -> list[str]:
        ids = list(dict.fromkeys(ids))  # an id asked twice is removed (and reported) once
        removed: list[str] = []
        for batch in batches(ids, BATCH):
            rows = _run(tx, "delete_nodes", tenant=tenant, ids=list(batch))
            removed += [r["id"] for r in rows]
            incoming: dict[str, list[dict[str, Any]]] = {}
            for r in rows:
                for link in r["incoming"]:
                    if (
                        link["src"] not in batch
                    ):  # links of nodes deleted along with it go with them
                        incoming.setdefault(link["rel"], []).append(link)
            for rel, links in incoming.items():  # what named a deleted node now names a placeholder
                _run(
                    tx,
                    f"link_{rel}",
                    tenant=tenant,
                    links=links
                    if rel != "COMMITS_TO"
                    else [{"src": x["src"], "dst": x["dst"]} for x in links],
                )
        return removed

    def _apply_nodes(
        self, tx: ManagedTransaction, tenant: str, batch: Sequence[NodeRecord], result: ApplyResult
    ) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
        existing: dict[str, tuple[NodeRow, set[LinkRow]]] = {}
        placeholders: set[str] = set()
        for r in _run(tx, "existing_nodes", tenant=tenant, ids=[r.id for r, _ in batch]):
            if r["placeholder"]:
                placeholders.add(r["props"]["id"])
            else:
                existing[r["props"]["id"]] = (
                    _node_row(r["props"]),
                    _links(r["props"]["id"], r["links"], r["co"]),
                )
        by_kind: dict[tuple[str, str], list[dict[str, Any]]] = {}
        links: dict[str, list[dict[str, Any]]] = {}
        changed: list[str] = []
        for row, node_links in batch:
            before = existing.get(row.id)
            change = classify(before, row, node_links)
            if change == "unchanged":
                result.unchanged += 1
                continue
            getattr(result, change).append(row.id)
            if result.dry_run and change == "updated":
                result.diffs[row.id] = describe_change(before, row, node_links)
            changed.append(row.id)
            props = {k: v for k, v in row._asdict().items() if v is not None}
            props["fingerprint"] = fingerprint(row.title)
            if before is not None:
                op = "update" if before[0].kind == row.kind else "relabel"
            else:
                op = "update" if row.id in placeholders else "create"
            by_kind.setdefault((op, row.kind), []).append(
                {"id": row.id, "props": {**props, "tenant": tenant}}
            )
            for link in node_links:
                links.setdefault(link.rel, []).append(
                    {
                        "src": link.src,
                        "dst": link.dst,
                        "weight": link.weight,
                        "ord": link.ord,
                        "co": True,
                    }
                )
            if row.owner:
                links.setdefault("OWNER", []).append(
                    {"src": row.id, "dst": row.owner, "weight": 1.0, "ord": -1, "co": False}
                )
            if row.unit:
                links.setdefault("UNIT", []).append({"src": row.id, "dst": row.unit})
        for (op, kind), rows in sorted(by_kind.items()):
            if op == "create":
                _run(tx, f"create_{kind}", rows=rows)
            else:
                _run(tx, f"{op}_{kind}", tenant=tenant, rows=rows)
        return changed, links

    def _link_nodes(
        self,
        tx: ManagedTransaction,
        tenant: str,
        changed: list[str],
        links: dict[str, list[dict[str, Any]]],
    ) -> None:
        if not changed:
            return
        _run(tx, "drop_links", tenant=tenant, ids=changed)
        for rel in (*NODE_RELS, "EXPRESSES"):
            if links.get(rel):
                _run(tx, f"link_{rel}", tenant=tenant, links=links[rel])
        owners = links.get(CO_OWNS, []) + links.get("OWNER", [])
        if owners:
            _run(tx, "link_person_owners", tenant=tenant, links=owners)
        if links.get("UNIT"):
            _run(tx, "link_unit_owners", tenant=tenant, links=links["UNIT"])

    def _apply_org(
        self, tx: ManagedTransaction, tenant: str, changes: ChangeSet, result: ApplyResult
    ) -> tuple[dict[str, list[str]], dict[str, list[dict[str, str]]]]:
        specs: list[tuple[str, str, Sequence[Any], Callable[[Any], dict[str, Any]]]] = [
            (
                "units",
                "upsert_units",
                changes.units,
                lambda u: {"id": u.id, "name": u.name, "parent": u.parent},
            ),
            (
                "people",
                "upsert_people",
                changes.people,
                lambda p: {
                    "id": p.id,
                    "name": p.name,
                    "email": p.email,
                    "unit": p.unit,
                    "reports_to": p.reports_to,
                    "leads": list(p.leads),
                    "commits_to": list(p.commits_to),
                },
            ),
            (
                "values",
                "upsert_values",
                changes.values,
                lambda v: {"id": v.id, "name": v.name, "description": v.description},
            ),
        ]
        org_links: dict[str, list[dict[str, str]]] = {}
        relinked: dict[str, list[str]] = {"units": [], "people": []}
        for kind, query, items, to_props in specs:
            if not items:
                continue
            stored = {
                r["props"]["id"]: {k: v for k, v in r["props"].items() if k != "tenant"}
                for r in _run(tx, f"existing_{kind}", tenant=tenant)
            }
            rows = []
            for item in items:
                props = {k: v for k, v in to_props(item).items() if v is not None and v != []}
                if stored.get(item.id) == props:
                    continue
                rows.append({"id": item.id, "props": {**props, "tenant": tenant}})
                if kind == "units" and isinstance(item, Unit):
                    relinked["units"].append(item.id)
                    if item.parent:
                        org_links.setdefault("PART_OF", []).append(
                            {"src": item.id, "dst": item.parent}
                        )
                if kind == "people" and isinstance(item, Person):
                    relinked["people"].append(item.id)
                    if item.unit:
                        org_links.setdefault("MEMBER_OF", []).append(
                            {"src": item.id, "dst": item.unit}
                        )
                    if item.reports_to:
                        org_links.setdefault("REPORTS_TO", []).append(
                            {"src": item.id, "dst": item.reports_to}
                        )
                    org_links.setdefault("LEADS", []).extend(
                        {"src": item.id, "dst": u} for u in item.leads
                    )
                    org_links.setdefault("COMMITS_TO", []).extend(
                        {"src": item.id, "dst": b} for b in item.commits_to
                    )
            if rows:
                result.org_changed += len(rows)
                _run(tx, query, tenant=tenant, rows=rows)
        return relinked, org_links

    def _link_org(
        self,
        tx: ManagedTransaction,
        tenant: str,
        pending: tuple[dict[str, list[str]], dict[str, list[dict[str, str]]]],
    ) -> None:
        relinked, org_links = pending
        if relinked["units"]:
            _run(tx, "drop_unit_links", tenant=tenant, ids=relinked["units"])
        if relinked["people"]:
            _run(tx, "drop_person_links", tenant=tenant, ids=relinked["people"])
        if relinked["units"] or relinked["people"]:
            for rel, _, _ in ORG_LINKS:
                if org_links.get(rel):
                    _run(tx, f"link_{rel}", tenant=tenant, links=org_links[rel])

    def record_history(
        self, tenant: str, label: str | None, score: float | None, payload: dict[str, Any]
    ) -> int:
        def work(tx: ManagedTransaction) -> int:
            _ensure_tenant(tx, tenant)
            return int(
                _run(
                    tx,
                    "record_history",
                    tenant=tenant,
                    label=label,
                    score=score,
                    at=datetime.now(UTC).isoformat(timespec="seconds"),
                    payload=json.dumps(payload, sort_keys=True),
                )[0]["seq"]
            )

        return self._write(work)

    # -- reads --------------------------------------------------------------------------
    def version(self, tenant: str) -> int:
        rows = self._read(lambda tx: _run(tx, "version", tenant=tenant))
        return int(rows[0]["version"]) if rows else 0

    def snapshot_stamp(self, tenant: str) -> str | None:
        # a tenant node carries no epoch yet: a recreated database could repeat a version, so
        # engine snapshots stay off on Neo4j (each server builds its engines from the store)
        return None

    def tenants(self) -> list[str]:
        return [r["id"] for r in self._read(lambda tx: _run(tx, "tenants"))]

    def read_graph(self, tenant: str) -> GraphRows:
        def work(tx: ManagedTransaction) -> GraphRows:
            version_rows = _run(tx, "version", tenant=tenant)
            nodes: list[NodeRow] = []
            fingerprints: list[bytes | None] = []
            links: list[LinkRow] = []
            after = ""
            make = SharedValues().node_row()
            with gc_paused():
                while True:  # keyset pages: the server never builds the whole answer at once
                    page = _run(tx, "nodes_page", tenant=tenant, after=after, page=PAGE)
                    for r in page:
                        row = _node_row(r["props"], make)
                        nodes.append(row)
                        fingerprints.append(_fingerprint(r["props"].get("fingerprint")))
                        links.extend(_links(row.id, r["links"], r["co"]))
                    if len(page) < PAGE:
                        break
                    after = nodes[-1].id
            return _graph_rows(tx, tenant, version_rows, nodes, links, fingerprints)

        return self._read(work)

    def read_ancestry(self, tenant: str, ids: Sequence[str]) -> GraphRows:
        def work(tx: ManagedTransaction) -> GraphRows:
            version_rows = _run(tx, "version", tenant=tenant)
            found: dict[str, tuple[NodeRow, bytes | None, set[LinkRow]]] = {}
            frontier = list(dict.fromkeys(ids))
            seen = set(frontier)
            make = SharedValues().node_row()
            while frontier:  # one round trip per level of the cascade above the seeds
                above: list[str] = []
                for batch in batches(frontier, BATCH):
                    for r in _run(tx, "existing_nodes", tenant=tenant, ids=list(batch)):
                        if r["placeholder"]:  # a missing parent: dangling, as in read_graph
                            continue
                        row = _node_row(r["props"], make)
                        out = _links(row.id, r["links"], r["co"])
                        found[row.id] = (row, _fingerprint(r["props"].get("fingerprint")), out)
                        for link in out:
                            if link.rel == _SUPPORTS and link.dst not in seen:
                                seen.add(link.dst)
                                above.append(link.dst)
                frontier = above
            ordered = [found[k] for k in sorted(found)]
            return _graph_rows(
                tx,
                tenant,
                version_rows,
                [row for row, _, _ in ordered],
                [link for _, _, out in ordered for link in out],
                [blob for _, blob, _ in ordered],
            )

        return self._read(work)

    def get(self, tenant: str, ids: Sequence[str]) -> list[Node]:
        return self._read(lambda tx: self._get_in(tx, tenant, ids))

    @staticmethod
    def _get_in(tx: ManagedTransaction, tenant: str, ids: Sequence[str]) -> list[Node]:
        found: dict[str, Node] = {}
        for batch in batches(ids, BATCH):
            for r in _run(tx, "existing_nodes", tenant=tenant, ids=list(batch)):
                if r["placeholder"]:  # a named but missing node does not exist for callers
                    continue
                row = _node_row(r["props"])
                found[row.id] = rows_to_node(row, list(_links(row.id, r["links"], r["co"])))
        return [found[i] for i in ids if i in found]

    def node_ids(self, tenant: str) -> list[str]:
        return [r["id"] for r in self._read(lambda tx: _run(tx, "node_ids", tenant=tenant))]

    def node_ids_in_units(self, tenant: str, units: Sequence[str]) -> list[str]:
        return [
            r["id"]
            for r in self._read(
                lambda tx: _run(tx, "node_ids_in_units", tenant=tenant, units=sorted(units))
            )
        ]

    def audit(self, tenant: str, last: int | None = None) -> list[AuditRecord]:
        rows = self._read(
            lambda tx: _run(
                tx, "audit", tenant=tenant, last=last if last is not None else 1_000_000_000
            )
        )
        return [
            AuditRecord.of(a["seq"], a["at"], a["actor"], a["action"], a["version"], a["changes"])
            for a in (r["a"] for r in reversed(rows))
        ]

    def history(self, tenant: str, last: int | None = None) -> list[dict[str, Any]]:
        rows = self._read(
            lambda tx: _run(
                tx, "history", tenant=tenant, last=last if last is not None else 1_000_000_000
            )
        )
        return [
            {
                "seq": h["seq"],
                "at": h["at"],
                "label": h.get("label"),
                "version": h["version"],
                "score": h.get("score"),
                **json.loads(h["payload"]),
            }
            for h in (r["h"] for r in reversed(rows))
        ]

    def close(self) -> None:
        """Closes the driver only when it was handed over (bootstrap does), else the caller does."""
        if self.owns_driver:
            self.driver.close()
