"""Counting a backend's collected table: one row per key combination.

A backend (dask, a lazy frame) hands the engine its aggregated counts, ids
with the number of rows (and summed weights) behind each. Counted that way,
the tables equal those of counting the rows one by one.
"""

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from skweight.engine.cells import CellCounter, CellSpec


def _counter(data, *, multilabel=False):
    spec = CellSpec(("s",), ("g",), None if multilabel else "y",
                    ("a", "b") if multilabel else None)
    counter = CellCounter(spec)
    label = data["y"] if not multilabel else data["Y"]
    ids, _ = counter.encode([data["s"]], [data["g"]], label, learn=True,
                            handle_missing="error", handle_unknown="error")
    return counter, ids


def _data(seed=0, n=200):
    rng = np.random.default_rng(seed)
    return {"s": rng.integers(0, 3, n), "g": rng.integers(0, 2, n),
            "y": rng.integers(0, 2, n), "Y": rng.integers(0, 2, (n, 2)),
            "w": rng.random(n) * 3}


def test_collected_counts_equal_row_counts():
    data = _data()
    by_row, ids = _counter(data)
    by_row.add(ids, data["w"])
    # The backend's table: each distinct id once, with its rows and weight sum.
    unique, inverse = np.unique(ids, return_inverse=True)
    rows = np.bincount(inverse)
    weight = np.bincount(inverse, weights=data["w"])
    collected, _ = _counter(data)
    collected.add(unique, weight, rows=rows.tolist())  # a list, as a table gives
    assert_array_equal(collected.rows, by_row.rows)
    assert collected.rows.dtype == np.int64
    assert_allclose(collected.weighted, by_row.weighted)
    # without weights, the weighted counts are the rows
    unweighted, _ = _counter(data)
    unweighted.add(unique, rows=rows.astype(np.float64) + 1e-9)  # rounded to rows
    assert_array_equal(unweighted.rows, by_row.rows)
    assert_array_equal(unweighted.weighted, by_row.rows)


def test_collected_counts_of_a_multilabel_target():
    data = _data(1)
    by_row, ids = _counter(data, multilabel=True)
    by_row.add(ids, data["w"])
    # one table row per (stratum, group, indicator row) combination
    keys = np.column_stack([data["s"], data["g"], data["Y"]])
    unique_keys, first, inverse = np.unique(keys, axis=0, return_index=True,
                                            return_inverse=True)
    rows = np.bincount(inverse.ravel())
    weight = np.bincount(inverse.ravel(), weights=data["w"])
    collected, _ = _counter(data, multilabel=True)
    collected.add(ids[first], weight, rows=rows)
    assert_array_equal(collected.rows, by_row.rows)
    assert_allclose(collected.weighted, by_row.weighted)
