"""Counting a backend's collected table: one row per key combination.

A backend (dask, a lazy frame) hands the engine its aggregated counts, key
combinations with the number of rows (and summed weights) behind each.
Counted that way, the tables equal those of counting the rows one by one.
"""

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal

from skweight.engine.cells import CellCounter, CellSpec


def _count(s, g, label, *, multilabel=False, weights=None, rows=None):
    spec = CellSpec(
        ("s",), ("g",), None if multilabel else "y", ("a", "b") if multilabel else None
    )
    counter = CellCounter(spec)
    located = counter.encode(
        [s], [g], label, learn=True, handle_missing="error", handle_unknown="error"
    )
    counter.add(located, weights, rows=rows)
    return counter


def _data(seed=0, n=200):
    rng = np.random.default_rng(seed)
    return {
        "s": rng.integers(0, 3, n),
        "g": rng.integers(0, 2, n),
        "y": rng.integers(0, 2, n),
        "Y": rng.integers(0, 2, (n, 2)),
        "w": rng.random(n) * 3,
    }


def test_collected_counts_equal_row_counts():
    data = _data()
    by_row = _count(data["s"], data["g"], data["y"], weights=data["w"])
    # The backend's table: each distinct key combination once, with its rows
    # and weight sum.
    keys = np.column_stack([data["s"], data["g"], data["y"]])
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    rows = np.bincount(inverse.ravel())
    weight = np.bincount(inverse.ravel(), weights=data["w"])
    collected = _count(
        *unique.T, weights=weight, rows=rows.tolist()
    )  # a list, as a table gives
    assert collected.rows.dtype == np.int64
    a, b = collected.cell_frame(), by_row.cell_frame()
    assert_frame_equal(a.drop(columns="weighted_count"), b.drop(columns="weighted_count"))
    assert_allclose(a["weighted_count"], b["weighted_count"])
    # without weights, the weighted counts are the rows
    unweighted = _count(*unique.T, rows=rows.astype(np.float64) + 1e-9)  # rounded
    assert_array_equal(unweighted.cell_frame()["count"], b["count"])
    assert_array_equal(unweighted.cell_frame()["weighted_count"], b["count"])


def test_collected_counts_of_a_multilabel_target():
    data = _data(1)
    by_row = _count(data["s"], data["g"], data["Y"], multilabel=True, weights=data["w"])
    # one table row per (stratum, group, indicator row) combination
    keys = np.column_stack([data["s"], data["g"], data["Y"]])
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    rows = np.bincount(inverse.ravel())
    weight = np.bincount(inverse.ravel(), weights=data["w"])
    collected = _count(
        unique[:, 0],
        unique[:, 1],
        unique[:, 2:],
        multilabel=True,
        weights=weight,
        rows=rows,
    )
    a, b = collected.cell_frame(), by_row.cell_frame()
    assert_array_equal(a["count"], b["count"])
    assert_allclose(a["weighted_count"], b["weighted_count"])
    assert_frame_equal(
        a.drop(columns=["count", "weighted_count"]),
        b.drop(columns=["count", "weighted_count"]),
    )
