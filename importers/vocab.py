"""The words tools use for kinds and statuses, mapped onto stratmap's."""

from __future__ import annotations

import re

from graph_schema import NodeKind, Status

KINDS: dict[str, NodeKind] = {
    **{k.value.lower(): k for k in NodeKind},
    "keyresult": NodeKind.KEY_RESULT,
    "kr": NodeKind.KEY_RESULT,
    "behavior": NodeKind.BEHAVIOUR,
    "mission": NodeKind.VISION,
    "pillar": NodeKind.GOAL,
    "theme": NodeKind.GOAL,
    "okr": NodeKind.OBJECTIVE,
    "project": NodeKind.INITIATIVE,
    "epic": NodeKind.INITIATIVE,
    "task": NodeKind.INITIATIVE,
    "story": NodeKind.INITIATIVE,
    "workstream": NodeKind.INITIATIVE,
}
STATUSES: dict[str, Status] = {
    **{s.value: s for s in Status},
    "complete": Status.DONE,
    "completed": Status.DONE,
    "closed": Status.DONE,
    "achieved": Status.DONE,
    "cancelled": Status.ARCHIVED,
    "canceled": Status.ARCHIVED,
    "dropped": Status.ARCHIVED,
    "open": Status.ACTIVE,
    "notstarted": Status.ACTIVE,
    "inprogress": Status.ACTIVE,
    "ontrack": Status.ACTIVE,
    "atrisk": Status.ACTIVE,
    "offtrack": Status.ACTIVE,
    "behind": Status.ACTIVE,
    "todo": Status.ACTIVE,
}


def _key(word: str) -> str:
    return re.sub(r"[\s_\-]+", "", word).lower()


def kind_of(word: str) -> NodeKind | None:
    return KINDS.get(_key(word))


def status_of(word: str) -> Status | None:
    return STATUSES.get(_key(word))


def known_kinds() -> str:
    return ", ".join(k.value for k in NodeKind)


def known_statuses() -> str:
    return ", ".join(sorted(STATUSES))
