"""Schemathesis against the GraphQL endpoint of a real server: every query and mutation of the
schema, with arguments generated from it, answers a well-formed GraphQL response and never a
5xx, a masked unexpected error or a traceback in the server's log (the `server` fixture checks
the log when it stops). `make test` runs a short pass; `make soak` a long one
(STRATMAP_FUZZ_EXAMPLES). (Issue 12, section 6.)"""

from __future__ import annotations

import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.core.result import Err

from tests.e2e.conftest import Server

EXAMPLES = int(os.environ.get("STRATMAP_FUZZ_EXAMPLES", "25"))  # per operation


def test_generated_requests_never_fail_the_server(server: Server) -> None:
    auth = {"authorization": f"Bearer {server.token}"}
    schema = schemathesis.graphql.from_url(server.url, headers=auth)
    operations = []
    for found in schema.get_all_operations():
        if isinstance(found, Err):
            raise found.err()  # the schema has an operation schemathesis cannot read
        operations.append(found.ok())
    labels = {op.label for op in operations}
    assert {"Query.lineOfSight", "Mutation.importDocument", "Mutation.link"} <= labels
    answered: Counter[object] = Counter()
    for operation in operations:
        fuzz(operation.as_strategy(), auth, answered)
    # the generated requests reached the resolvers, not only the validator
    print(sorted(answered.items()))
    for operation in operations:
        assert answered[operation.label, "executed"] > 0, (operation.label, answered)


def fuzz(cases: st.SearchStrategy[Case], auth: dict[str, str], answered: Counter[object]) -> None:
    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Case) -> None:
        response = case.call(headers=auth, timeout=60)
        assert response.status_code < 500, (case.body, response.text[:2000])
        body = response.json()
        assert "data" in body or "errors" in body, body
        for error in body.get("errors") or []:
            assert not error["message"].startswith("Unexpected error"), (case.body, error)
        # executed: it passed parsing, validation and the cost limit, and reached a resolver
        ran = body.get("data") is not None or any("path" in e for e in body.get("errors") or [])
        answered[case.operation.label, "executed" if ran else "refused"] += 1

    check()
