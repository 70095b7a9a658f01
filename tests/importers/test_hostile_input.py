"""Hostile documents (reliability issue): each refused with a short message naming the place,
before anything it would expand into is built."""

from __future__ import annotations

from pathlib import Path

import pytest

import importers

# nine levels of nine-fold aliases: a few hundred bytes that expand to 9^9 scalars as a key
BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "? [*i]\n: 1\nnodes: []\n"
)


@pytest.mark.parametrize(
    ("text", "row", "says"),
    [
        (BOMB, 10, "a key must be a plain value"),
        ("nodes:\n  - {id: V, kind: Vision, title: v, [a, b]: 1}\n", 2, "a key must be a plain"),
        ("nodes:\n  - {id: V, kind: Vision, title: v, id: W}\n", 2, "'id' appears twice"),
        (
            "nodes:\n  - {id: V, kind: Vision, title: v, "
            + "k" * 500
            + ": 1, "
            + "k" * 500
            + ": 2}\n",
            2,
            "appears twice",
        ),
    ],
)
def test_yaml_keys_must_be_plain_and_single(tmp_path: Path, text: str, row: int, says: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(importers.ImportFailed) as caught:
        importers.parse(path)
    (issue,) = caught.value.issues
    assert says in issue.message and issue.row == row
    assert len(str(caught.value)) < 600  # never the expanded or unbounded input echoed back
