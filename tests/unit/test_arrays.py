"""The engine's grouping helpers against plain Python dictionaries."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from service.engine.arrays import group_sums, stable_order, unique, unique_counts, unique_inverse


@pytest.mark.parametrize("key_space", [50, 10**9])  # a dense table, then a sort
def test_group_sums_match_a_dictionary_on_both_paths(key_space: int) -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 50, size=300) * (key_space // 50)
    weights = rng.random(300).round(2)
    weights[:10] = 0.0  # a key seen only with zero weight must still be listed
    keys[:10] = key_space - 1
    expected: dict[int, float] = defaultdict(float)
    for k, w in zip(keys.tolist(), weights.tolist(), strict=True):
        expected[k] += w
    distinct, sums = group_sums(keys, weights, key_space)
    assert distinct.tolist() == sorted(expected)
    assert sums.tolist() == pytest.approx([expected[k] for k in sorted(expected)])


def test_unique_helpers_match_python() -> None:
    values = np.random.default_rng(4).integers(-5, 40, size=500)
    assert unique(values).tolist() == sorted(set(values.tolist()))
    found, counts = unique_counts(values)
    assert dict(zip(found.tolist(), counts.tolist(), strict=True)) == {
        v: values.tolist().count(v) for v in set(values.tolist())
    }
    distinct, inverse = unique_inverse(values)
    assert (distinct[inverse] == values).all() and distinct.tolist() == sorted(set(values.tolist()))


@pytest.mark.parametrize("size", [0, 1, 7, 5000])
@pytest.mark.parametrize("span", [1, 3, 1000, 10**6])  # one byte, two bytes, wider
def test_stable_order_is_the_stable_argsort_against_python(size: int, span: int) -> None:
    keys = np.random.default_rng(size + span).integers(0, span, size=size).astype(np.int32)
    expected = sorted(range(size), key=lambda i: keys[i])  # Python's sort is stable
    assert stable_order(keys).tolist() == expected
