from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import importers
from service.store.sqlite import SQLiteStore
from service.usecases import import_parsed
from tests.contract.conftest import dump


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "import.db")
    yield s
    s.close()


HEADER = "id,kind,title,parents,owner,unit,scope,status,period,effort\n"
GOOD = HEADER + (
    "V,Vision,Be the most trusted robot maker,,ceo,co,,,,\n"
    "G1,Goal,Grow recurring revenue,V,cfo,co,,,,\n"
    "O1,Objective,Win mid-market accounts,G1,vp,sales,department,active,2026-Q4,\n"
    "I1,Initiative,Partner programme,O1=0.5;G1=0.5,ann,sales,,,2026-Q4,3\n"
    "I2,Initiative,Orphan side project,,bob,web,,,2026-Q4,\n"
)


def seed(store: SQLiteStore, tmp_path: Path) -> dict:
    """Import GOOD and return the logical dump a rejected import must leave unchanged."""
    path = tmp_path / "seed.csv"
    path.write_text(GOOD, encoding="utf-8")
    import_parsed(store, importers.parse(path))
    return dump(store, "default")
