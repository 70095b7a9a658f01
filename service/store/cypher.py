"""Every Cypher statement of the Neo4j store, named and parameterised, in one place.

Labels and relationship types cannot be parameters, so statements that name one are built here
once per kind or type from fixed lists: still constants, each linted in CI with the parameters
it declares (tests/contract/test_cypher_lint.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_schema import NodeKind, Rel
from graph_schema.neo4j_schema import CONSTRAINTS, INDEXES


@dataclass(frozen=True)
class Query:
    text: str
    params: tuple[str, ...] = ()


KIND_LABELS = tuple(k.value for k in NodeKind)
NODE_RELS = (Rel.SUPPORTS.value, Rel.DEPENDS_ON.value, Rel.CONFLICTS_WITH.value)  # node -> node
OUT_RELS = "|".join((*NODE_RELS, Rel.EXPRESSES.value))

# A node's stored links, as the store compares and reads them: outgoing typed links, and the
# co-owners (incoming OWNS from a person marked co).
_LINKS = (
    f"[(n)-[r:{OUT_RELS}]->(t) | [type(r), t.id, r.weight, r.ord]] AS links, "
    "[(n)<-[o:OWNS]-(p:Person) WHERE o.co = true | [p.id, o.ord]] AS co"
)

Q: dict[str, Query] = {}


def _q(name: str, text: str, *params: str) -> Query:
    Q[name] = Query(" ".join(text.split()), params)
    return Q[name]


for _name, _text in (*CONSTRAINTS, *INDEXES):
    _q(f"schema_{_name}", _text)

_q("tenants", "MATCH (t:Tenant) RETURN t.id AS id ORDER BY id")
_q("version", "MATCH (t:Tenant {id: $tenant}) RETURN t.version AS version", "tenant")
_q(
    "ensure_tenant",
    "MERGE (t:Tenant {id: $tenant}) ON CREATE SET t.version = 0 RETURN t.version AS version",
    "tenant",
)
_q(
    # a real write (a counter of edits), so that it takes the tenant node's write lock
    "lock_tenant",
    "MATCH (t:Tenant {id: $tenant}) SET t.edits = coalesce(t.edits, 0) + 1"
    " RETURN t.version AS version",
    "tenant",
)
_q(
    "bump_version",
    "MATCH (t:Tenant {id: $tenant}) SET t.version = t.version + 1 RETURN t.version AS version",
    "tenant",
)
_q(
    "existing_nodes",
    f"""
    UNWIND $ids AS id MATCH (n:StrategyNode {{tenant: $tenant, id: id}})
    RETURN n {{.*}} AS props, n.missing = true AS placeholder, {_LINKS}""",
    "tenant",
    "ids",
)
# The comparison read already says which nodes exist, so each write takes the plainest form:
# CREATE for new ones, SET for existing ones (a placeholder just gains its kind's label), and a
# relabel only when a node changes kind.
for _kind in KIND_LABELS:
    _others = ", ".join(f"n:{k}" for k in KIND_LABELS if k != _kind)
    _q(
        f"create_{_kind}",
        f"""
        UNWIND $rows AS row CREATE (n:StrategyNode:{_kind}) SET n = row.props""",
        "rows",
    )
    _q(
        f"update_{_kind}",
        f"""
        UNWIND $rows AS row MATCH (n:StrategyNode {{tenant: $tenant, id: row.id}})
        SET n = row.props, n:{_kind}""",
        "tenant",
        "rows",
    )
    _q(
        f"relabel_{_kind}",
        f"""
        UNWIND $rows AS row MATCH (n:StrategyNode {{tenant: $tenant, id: row.id}})
        SET n = row.props, n:{_kind} REMOVE {_others}""",
        "tenant",
        "rows",
    )
_q(
    "drop_links",
    f"""
    UNWIND $ids AS id MATCH (n:StrategyNode {{tenant: $tenant, id: id}})
    OPTIONAL MATCH (n)-[r:{OUT_RELS}]->() DELETE r
    WITH DISTINCT n OPTIONAL MATCH ()-[o:OWNS]->(n) DELETE o""",
    "tenant",
    "ids",
)
for _rel in NODE_RELS:
    _q(
        f"link_{_rel}",
        f"""
        UNWIND $links AS l MATCH (c:StrategyNode {{tenant: $tenant, id: l.src}})
        MERGE (p:StrategyNode {{tenant: $tenant, id: l.dst}}) ON CREATE SET p.missing = true
        CREATE (c)-[:{_rel} {{weight: l.weight, ord: l.ord}}]->(p)""",
        "tenant",
        "links",
    )
_q(
    "link_EXPRESSES",
    """
    UNWIND $links AS l MATCH (c:StrategyNode {tenant: $tenant, id: l.src})
    MERGE (v:Value {tenant: $tenant, id: l.dst}) ON CREATE SET v.missing = true
    CREATE (c)-[:EXPRESSES {weight: l.weight, ord: l.ord}]->(v)""",
    "tenant",
    "links",
)
_q(
    "link_person_owners",
    """
    UNWIND $links AS l MATCH (c:StrategyNode {tenant: $tenant, id: l.src})
    MERGE (p:Person {tenant: $tenant, id: l.dst}) ON CREATE SET p.missing = true
    CREATE (p)-[:OWNS {co: l.co, ord: l.ord}]->(c)""",
    "tenant",
    "links",
)
_q(
    "link_unit_owners",
    """
    UNWIND $links AS l MATCH (c:StrategyNode {tenant: $tenant, id: l.src})
    MERGE (u:Unit {tenant: $tenant, id: l.dst}) ON CREATE SET u.missing = true
    CREATE (u)-[:OWNS]->(c)""",
    "tenant",
    "links",
)
# Deleting a node keeps the links that name it (they become dangling, as in the embedded store):
# the node goes, and the store re-points what named it at a placeholder (link_* statements).
INCOMING_RELS = (*NODE_RELS, "COMMITS_TO")
_q(
    "delete_nodes",
    f"""
    UNWIND $ids AS id MATCH (n:StrategyNode {{tenant: $tenant, id: id}}) WHERE n.missing IS NULL
    WITH n, id, [(c)-[r:{"|".join(INCOMING_RELS)}]->(n) WHERE c <> n |
                 {{src: c.id, rel: type(r), dst: id, weight: r.weight, ord: r.ord, co: false}}]
         AS incoming
    DETACH DELETE n
    RETURN id, incoming""",
    "tenant",
    "ids",
)
_q(
    "prune_candidates",
    """
    MATCH (n:StrategyNode {tenant: $tenant, source: $source})
    WHERE n.missing IS NULL AND NOT n.id IN $seen
    RETURN n.id AS id""",
    "tenant",
    "source",
    "seen",
)
_q(
    "drop_placeholders",
    """
    MATCH (m:StrategyNode {tenant: $tenant}) WHERE m.missing = true AND NOT EXISTS { (m)<--() }
    DELETE m""",
    "tenant",
)
# the org
_q(
    "node_ids",
    "MATCH (n:StrategyNode {tenant: $tenant}) WHERE n.missing IS NULL"
    " RETURN n.id AS id ORDER BY id",
    "tenant",
)
_q(
    "node_ids_in_units",
    "MATCH (n:StrategyNode {tenant: $tenant}) WHERE n.missing IS NULL AND n.unit IN $units"
    " RETURN n.id AS id ORDER BY id",
    "tenant",
    "units",
)
_q(
    "existing_units",
    "MATCH (u:Unit {tenant: $tenant}) WHERE u.missing IS NULL RETURN u {.*} AS props",
    "tenant",
)
_q(
    "existing_people",
    "MATCH (p:Person {tenant: $tenant}) WHERE p.missing IS NULL RETURN p {.*} AS props",
    "tenant",
)
_q(
    "existing_values",
    "MATCH (v:Value {tenant: $tenant}) WHERE v.missing IS NULL RETURN v {.*} AS props",
    "tenant",
)
_q(
    "upsert_units",
    """
    UNWIND $rows AS row MERGE (u:Unit {tenant: $tenant, id: row.id}) SET u = row.props""",
    "tenant",
    "rows",
)
_q(
    "upsert_people",
    """
    UNWIND $rows AS row MERGE (p:Person {tenant: $tenant, id: row.id}) SET p = row.props""",
    "tenant",
    "rows",
)
_q(
    "drop_unit_links",
    """
    UNWIND $ids AS id MATCH (u:Unit {tenant: $tenant, id: id})
    OPTIONAL MATCH (u)-[old:PART_OF]->() DELETE old""",
    "tenant",
    "ids",
)
_q(
    "drop_person_links",
    """
    UNWIND $ids AS id MATCH (p:Person {tenant: $tenant, id: id})
    OPTIONAL MATCH (p)-[old:MEMBER_OF|LEADS|REPORTS_TO|COMMITS_TO]->() DELETE old""",
    "tenant",
    "ids",
)
# the org's own relationships, one constant statement per (type, source label, target label)
ORG_LINKS = (
    ("PART_OF", "Unit", "Unit"),
    ("MEMBER_OF", "Person", "Unit"),
    ("LEADS", "Person", "Unit"),
    ("REPORTS_TO", "Person", "Person"),
    ("COMMITS_TO", "Person", "StrategyNode"),
)
for _rel, _src, _dst in ORG_LINKS:
    _q(
        f"link_{_rel}",
        f"""
        UNWIND $links AS l MATCH (a:{_src} {{tenant: $tenant, id: l.src}})
        MERGE (b:{_dst} {{tenant: $tenant, id: l.dst}}) ON CREATE SET b.missing = true
        CREATE (a)-[:{_rel}]->(b)""",
        "tenant",
        "links",
    )
_q(
    "upsert_values",
    """
    UNWIND $rows AS row MERGE (v:Value {tenant: $tenant, id: row.id}) SET v = row.props""",
    "tenant",
    "rows",
)
# reads, streamed in pages by id (keyset pagination on the (tenant, id) index)
_q(
    "nodes_page",
    f"""
    MATCH (n:StrategyNode {{tenant: $tenant}}) WHERE n.missing IS NULL AND n.id > $after
    WITH n ORDER BY n.id LIMIT $page
    RETURN n {{.*}} AS props, {_LINKS}""",
    "tenant",
    "after",
    "page",
)
# history
_q(
    "record_history",
    """
    MATCH (t:Tenant {id: $tenant})
    OPTIONAL MATCH (h:AlignmentRecord {tenant: $tenant})
    WITH t, coalesce(max(h.seq), 0) + 1 AS seq
    CREATE (:AlignmentRecord {tenant: $tenant, seq: seq, at: $at, label: $label, version: t.version,
                              score: $score, payload: $payload})
    RETURN seq""",
    "tenant",
    "at",
    "label",
    "score",
    "payload",
)
_q(
    # a write that changes something makes exactly one version: the version numbers its record
    "record_audit",
    """
    CREATE (:Audit {tenant: $tenant, seq: $version, at: $at, actor: $actor, action: $action,
                    version: $version, changes: $changes})""",
    "tenant",
    "at",
    "actor",
    "action",
    "version",
    "changes",
)
_q(
    "audit",
    """
    MATCH (a:Audit {tenant: $tenant})
    RETURN a {.*} AS a ORDER BY a.seq DESC LIMIT $last""",
    "tenant",
    "last",
)
_q(
    "history",
    """
    MATCH (h:AlignmentRecord {tenant: $tenant})
    RETURN h {.*} AS h ORDER BY h.seq DESC LIMIT $last""",
    "tenant",
    "last",
)
