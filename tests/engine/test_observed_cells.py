"""The engine counts the cells that occur, never the product of the key levels.

Keys as users have them (ids, zip codes, user x item, polars strings beside
other Categoricals): the same weights as a brute-force reference and as
pandas, from every frame kind, with memory bounded by the rows and the cells
that occur (a test that a dense table of the product would fail), and
``partial_fit`` giving the weights of one ``fit`` bit for bit whatever the
order of the chunks and of their rows.
"""

import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal

from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter
from skweight.engine.keys import locate
from skweight.exceptions import WeightingWarning
from tests.conftest import examples
from tests.frame_kinds import EAGER, params


def _reference(frame, y, strata, groups):
    """Joint inverse weights by brute force: N_s / (K_s n_cell), with pandas."""
    data = frame[strata + groups].copy()
    data["_y"] = y
    n_cell = data.groupby(strata + groups + ["_y"], sort=False)["_y"].transform("size")
    total = data.groupby(strata, sort=False)["_y"].transform("size")
    units = data.drop_duplicates().groupby(strata, sort=False).size().rename("_k")
    k = data[strata].merge(units, left_on=strata, right_index=True, how="left")["_k"]
    return (total / (k.to_numpy() * n_cell)).to_numpy(dtype=float)


def _peak(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _ids(n, n_ids, seed=0, top=10**12):
    rng = np.random.default_rng(seed)
    return rng.choice(top, n_ids, replace=False)[rng.integers(0, n_ids, n)]


# ---------------------------------------------------------------------- #
# Sizes follow the cells that occur
# ---------------------------------------------------------------------- #
def test_each_row_its_own_stratum_costs_its_cells():
    # 2,600 rows, each its own stratum, 2,580 groups, 10 classes: 2,600 cells
    # occur of 6.7e7 combinations (a dense float table alone: 537 MB).
    rng = np.random.default_rng(0)
    n = 2600
    X = pd.DataFrame({"s": np.arange(n), "g": rng.integers(0, 2580, n)})
    y = rng.integers(0, 10, n)
    est = GroupBalancedWeighter(groups="g", strata="s", balance="joint")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        peak = _peak(lambda: est.fit_weight(X, y))
    assert est.n_cells_ == n and len(est.weight_table_) == n
    assert peak < 5 * 2**20


def test_a_product_of_a_billion_combinations_is_counted():
    # 2e5 rows, 1e5 strata x 1e3 groups x 10 classes (8.6e8 combinations).
    rng = np.random.default_rng(1)
    n = 200_000
    X = pd.DataFrame({"s": rng.integers(0, 100_000, n), "g": rng.integers(0, 1000, n)})
    y = rng.integers(0, 10, n)
    est = GroupBalancedWeighter(groups="g", strata="s", balance="joint")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        peak = _peak(lambda: est.fit_weight(X, y))
        w = est.fit_weight(X, y)
    assert est.n_cells_ == len(est.weight_table_) <= n
    assert peak < 120 * 2**20  # rows and cells; a dense table: 6.9 GB
    assert_allclose(w, _reference(X, y, ["s"], ["g"]), rtol=1e-12)


def test_integers_are_codes_only_of_the_values_that_occur():
    # Years and zip codes as integers: 6 x 500 strata occur, not 2025 x 99925.
    rng = np.random.default_rng(2)
    n = 20_000
    X = pd.DataFrame(
        {"year": rng.integers(2020, 2026, n), "zip": rng.integers(0, 500, n) * 199 + 10}
    )
    y = rng.integers(0, 2, n)
    est = GroupBalancedWeighter(strata=["year", "zip"]).fit(X, y)
    assert est.n_cells_ == len(est.weight_table_) <= 6 * 500 * 2
    counter_levels = est.weight_table_["year"].unique()
    assert sorted(counter_levels) == list(range(2020, 2026))
    # The same weights as the values as strings, or shifted far from 0.
    as_strings = GroupBalancedWeighter(strata=["year", "zip"]).fit_weight(X.astype(str), y)
    shifted = GroupBalancedWeighter(strata=["year", "zip"]).fit_weight(X + 10**6, y)
    assert_array_equal(est.weight(X, y), as_strings)
    assert_array_equal(as_strings, shifted)


def test_ints_with_gaps_in_every_route():
    # ~1,000 distinct ints below 60,000 in two key columns of 1,000 rows.
    rng = np.random.default_rng(3)
    n = 1000
    X = pd.DataFrame({"a": rng.integers(0, 60_000, n), "b": rng.integers(0, 60_000, n)})
    y = rng.integers(0, 3, n)
    make = lambda: GroupBalancedWeighter(groups="b", strata="a", balance="joint")  # noqa: E731
    w = make().fit_weight(X, y)
    assert_allclose(w, _reference(X, y, ["a"], ["b"]), rtol=1e-12)
    assert_array_equal(w, make().fit_weight(X.astype(str), y))
    assert_array_equal(w, make().fit_weight(X + 10**6, y))


def test_unused_categories_are_not_levels():
    # A Categorical of 50,000 categories, 30 of which occur.
    rng = np.random.default_rng(4)
    categories = [f"c{i}" for i in range(50_000)]
    values = pd.Categorical(rng.choice(categories[:30], 500), categories=categories)
    X = pd.DataFrame({"c": values, "g": rng.choice(["f", "m"], 500)})
    y = rng.integers(0, 2, 500)
    est = GroupBalancedWeighter(groups="g", strata="c", balance="joint").fit(X, y)
    assert est.n_cells_ <= 30 * 2 * 2
    assert set(est.weight_table_["c"]) <= set(categories[:30])
    plain = GroupBalancedWeighter(groups="g", strata="c", balance="joint").fit(
        X.astype({"c": str}), y
    )
    assert_array_equal(est.weight(X, y), plain.weight(X.astype({"c": str}), y))


# ---------------------------------------------------------------------- #
# Every frame kind: the same results with keys of 1e5+ levels
# ---------------------------------------------------------------------- #
N_BIG = 120_000
BIG = pd.DataFrame(
    {
        "user": pd.Series(_ids(N_BIG, 100_000, seed=5)).map("u{}".format),
        "item": _ids(N_BIG, 50_000, seed=6, top=10**9),
        "gender": np.random.default_rng(7).choice(["f", "m"], N_BIG),
    }
)
BIG_Y = np.random.default_rng(8).integers(0, 2, N_BIG)


def _plain(table):
    return table.astype({c: str for c in ("user", "item", "gender")}).reset_index(drop=True)


@pytest.fixture(scope="module")
def big_pandas():
    est = GroupBalancedWeighter(groups="gender", strata=["user", "item"], balance="joint")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        weights = est.fit_weight(BIG, BIG_Y)
    return est, weights


@pytest.mark.parametrize("make", params(EAGER))
def test_high_cardinality_keys_give_pandas_results_in_every_kind(make, big_pandas):
    reference, expected = big_pandas
    est = GroupBalancedWeighter(groups="gender", strata=["user", "item"], balance="joint")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        weights = est.fit_weight(make(BIG), BIG_Y)
    assert_array_equal(weights, expected)
    assert_frame_equal(_plain(est.weight_table_), _plain(reference.weight_table_))


def test_high_cardinality_epochs_are_those_of_pandas():
    import polars as pl

    epochs = []
    for frame in (BIG, pl.from_pandas(BIG)):
        rs = EpochResampler("under", groups="gender", strata="user", random_state=0)
        epochs.append(rs.fit(frame, BIG_Y).epoch_indices(2))
    assert_array_equal(*epochs)


def test_polars_beside_unrelated_categoricals_gives_pandas_results():
    import polars as pl

    # 60k strings in an unrelated Categorical: polars' codes of the user
    # column start above them (a global mapping).
    alive = pl.Series([f"other{i}" for i in range(60_000)]).cast(pl.Categorical)
    rng = np.random.default_rng(9)
    n = 5000
    frame = pl.DataFrame(
        {
            "user": [f"user{i}" for i in rng.integers(0, 5000, n)],
            "country": rng.choice(["a", "b", "c", "d"], n),
            "gender": rng.choice(["f", "m"], n),
        }
    )
    y = rng.integers(0, 2, n)
    for users in (frame, frame.with_columns(pl.col("user").cast(pl.Categorical))):
        est = GroupBalancedWeighter(
            groups="gender", strata=["user", "country"], balance="joint"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WeightingWarning)
            peak = _peak(lambda: est.fit_weight(users, y))
            weights = est.fit_weight(users, y)
            pandas = GroupBalancedWeighter(
                groups="gender", strata=["user", "country"], balance="joint"
            ).fit_weight(frame.to_pandas(), y)
        assert_array_equal(weights, pandas)
        assert peak < 20 * 2**20
    assert len(alive) == 60_000


# ---------------------------------------------------------------------- #
# partial_fit: the weights of one fit, whatever the order
# ---------------------------------------------------------------------- #
MAKERS = [
    lambda: GroupBalancedWeighter(groups="g", strata="s", balance="joint"),
    lambda: GroupBalancedWeighter(groups="g", strata="s", scheme="sqrt_inverse"),
    lambda: GroupBalancedWeighter(
        groups="g", strata="s", balance="independence", scheme="log_inverse"
    ),
    lambda: GroupBalancedWeighter(strata="s", scheme="power", power=0.7, max_weight=2.0),
    lambda: GroupBalancedWeighter(
        groups="g", strata="s", balance="joint", class_weight={1: 3.0}, trim_quantile=0.9
    ),
    lambda: EffectiveNumberWeighter(beta=0.99, groups="g", balance="joint"),
]


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(3, 300),
    n_chunks=st.integers(1, 6),
    maker=st.sampled_from(range(len(MAKERS))),
    wide=st.booleans(),
)
def test_partial_fit_is_fit_bit_for_bit_in_any_order(seed, n, n_chunks, maker, wide):
    """Chunks in any order, rows shuffled within them: the same floats as fit."""
    rng = np.random.default_rng(seed)
    top = 10**12 if wide else 7  # ids (hashed slots) or small codes (dense)
    X = pd.DataFrame(
        {
            "s": rng.choice(rng.integers(0, top, 5), n),
            "g": rng.choice(rng.integers(0, top, 3), n),
        }
    )
    y = rng.integers(0, 3, n)
    y[:3] = [0, 1, 2]  # every class (class_weight names one)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        whole = MAKERS[maker]().fit(X, y).weight(X, y)
        partial = MAKERS[maker]()
        rows = rng.permutation(n)
        chunks = np.array_split(rows, min(n_chunks, n))
        for k in rng.permutation(len(chunks)):
            partial.partial_fit(X.iloc[chunks[k]], y[chunks[k]])
        assert_array_equal(partial.weight(X, y), whole)
        assert_frame_equal(partial.weight_table_, MAKERS[maker]().fit(X, y).weight_table_)


def test_partial_fit_of_many_chunks_onto_a_large_table():
    # 1e5 ids strata: each chunk adds cells and levels; the result is fit's.
    rng = np.random.default_rng(10)
    n = 60_000
    X = pd.DataFrame({"s": _ids(n, 20_000, seed=11), "g": rng.integers(0, 2, n)})
    y = rng.integers(0, 2, n)
    est = GroupBalancedWeighter(groups="g", strata="s", balance="joint")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        for chunk in np.array_split(np.arange(n), 12):
            est.partial_fit(X.iloc[chunk], y[chunk])
            est.weight(X.iloc[chunk[:10]], y[chunk[:10]])  # weigh between chunks
        whole = GroupBalancedWeighter(groups="g", strata="s", balance="joint").fit(X, y)
    assert_array_equal(est.weight(X, y), whole.weight(X, y))


# ---------------------------------------------------------------------- #
# Keys past 64 bits, and the unseen
# ---------------------------------------------------------------------- #
def test_keys_of_more_than_64_bits_are_combined_pairwise():
    # 5 columns of ~20,000 levels each (15 bits): 75 bits of codes.
    rng = np.random.default_rng(12)
    n = 40_000
    X = pd.DataFrame({f"k{i}": rng.integers(0, 20_000, n) * 7 + 10**7 for i in range(5)})
    y = rng.integers(0, 2, n)

    def make():
        return GroupBalancedWeighter(
            groups="k4", strata=["k0", "k1", "k2", "k3"], balance="joint"
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        whole = make().fit(X, y)
        partial = make()
        for chunk in np.array_split(np.arange(n), 4):
            partial.partial_fit(X.iloc[chunk], y[chunk])
    assert_array_equal(partial.weight(X, y), whole.weight(X, y))
    assert whole.n_cells_ == len(X.drop_duplicates().assign(y=y).drop_duplicates())


def test_locate_numbers_the_combinations_in_each_regime():
    rng = np.random.default_rng(13)
    codes = [rng.integers(0, 5, 50), rng.integers(0, 3, 50)]
    for dims in [(5, 3), (2**20, 2**20), (2**40, 2**40)]:  # dense, packed, pairwise
        slots = locate(codes, dims)
        pairs = list(zip(*codes))
        # The same combination, the same slot; another, another slot.
        for i in range(50):
            for j in range(50):
                assert (slots.ids[i] == slots.ids[j]) == (pairs[i] == pairs[j])
        decoded = slots.codes(slots.ids)
        assert_array_equal(decoded[0], codes[0])
        assert_array_equal(decoded[1], codes[1])
    assert locate(codes, (5, 3)).dense == (5, 3)
    assert locate(codes, (2**20, 2**20)).n == len(set(zip(*codes)))


def test_an_unseen_combination_of_seen_values_is_named():
    X = pd.DataFrame({"s": [10**9, 10**9, 5, 5], "g": ["a", "b", "a", "b"]})
    y = [0, 1, 0, 1]
    est = GroupBalancedWeighter(groups="g", strata="s", balance="joint").fit(X, y)
    new = pd.DataFrame({"s": [5], "g": ["a"]})
    with pytest.raises(ValueError, match=r"s=5, g='a', label=1"):
        est.weight(new, [1])
    assert_allclose(
        GroupBalancedWeighter(
            groups="g", strata="s", balance="joint", handle_unknown="zero"
        )
        .fit(X, y)
        .weight(new, [1]),
        [0.0],
    )


@settings(max_examples=examples(25), deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.booleans())
def test_counter_sums_squared_weights_per_cell_in_any_chunking(seed, n_chunks, weighted):
    """``CellCounter(squares=True)``: rows, sum w and sum w^2 per cell, whatever the chunks."""
    from skweight.engine.cells import CellCounter, CellSpec

    rng = np.random.default_rng(seed)
    n = 60
    ids = rng.choice([3, 10**9, 10**12 + 7], n)
    group = rng.choice(["f", "m"], n)
    label = rng.integers(0, 3, n)
    w = rng.uniform(0, 3, n) if weighted else None
    counter = CellCounter(CellSpec(("id",), ("g",), "y"), squares=True)
    order = rng.permutation(n)
    for rows in np.array_split(order, n_chunks):
        located = counter.encode(
            [ids[rows]],
            [group[rows]],
            label[rows],
            learn=True,
            handle_missing="error",
            handle_unknown="error",
        )
        counter.add(located, None if w is None else w[rows])
    frame = pd.DataFrame(
        {"id": ids, "g": group, "y": label, "w": np.ones(n) if w is None else w}
    )
    frame["w2"] = frame["w"] ** 2
    expected = frame.groupby(["id", "g", "y"]).agg(
        count=("w", "size"), weighted_count=("w", "sum"), squared=("w2", "sum")
    )
    canonical = counter.canonical()
    got = counter.cell_frame()
    got["squared"] = canonical.gather(counter.squared)
    got = got.set_index(["id", "g", "y"])
    assert_array_equal(
        got.index.to_frame(index=False).to_numpy(),
        expected.index.to_frame(index=False).to_numpy(),
    )
    assert_array_equal(got["count"], expected["count"])
    assert_allclose(got["weighted_count"], expected["weighted_count"], rtol=1e-12)
    assert_allclose(got["squared"], expected["squared"], rtol=1e-12)


def test_a_counter_without_squares_says_so():
    from skweight.engine.cells import CellCounter, CellSpec

    with pytest.raises(AttributeError, match="squares=False"):
        _ = CellCounter(CellSpec((), ("g",), None)).squared


@settings(max_examples=examples(10), deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 9))
def test_fractional_weights_in_any_chunk_order_within_the_documented_bound(seed, n_chunks):
    """Weights spanning 16 orders of magnitude, cells of 20,000 rows, rows and chunks
    in any order: within n x 1e-16 relative of fit (the docs' bound), n the largest
    cell's rows."""
    rng = np.random.default_rng(seed)
    n = 60_000
    X = pd.DataFrame({"g": rng.integers(0, 3, n)})
    y = rng.integers(0, 2, n)
    sw = 10.0 ** rng.uniform(-8, 8, n)
    whole = GroupBalancedWeighter(groups="g", balance="joint").fit(X, y, sample_weight=sw)
    chunked = GroupBalancedWeighter(groups="g", balance="joint")
    for rows in np.array_split(rng.permutation(n), n_chunks):
        chunked.partial_fit(X.iloc[rows], y[rows], sample_weight=sw[rows])
    largest = int(whole.weight_table_["count"].max())
    bound = largest * 1e-16
    for column in ("weighted_count", "factor"):
        assert_allclose(
            chunked.weight_table_[column], whole.weight_table_[column], rtol=bound, atol=0
        )


@pytest.mark.parametrize("levels", [(40, 30), (400, 200)], ids=["dense", "hashed"])
def test_the_table_is_sorted_by_key_values_in_every_slot_regime(levels):
    # Rows in no order. A product of levels up to the dense limit gives dense
    # slots (cells come sorted); 400 x 200 x 3 (> 65,536) hashed slots (cells
    # come in order of first appearance and are sorted afterwards).
    rng = np.random.default_rng(11)
    n = 3000
    X = pd.DataFrame(
        {
            "s": rng.integers(0, levels[0], n),  # their own codes, in order
            "g": rng.integers(0, levels[1], n),
        }
    )
    y = rng.integers(0, 3, n)
    est = GroupBalancedWeighter(groups="g", strata="s", balance="joint").fit(X, y)
    expected = X.assign(label=y).groupby(["s", "g", "label"]).size()
    table = est.weight_table_[["s", "g", "label", "count"]]
    assert_frame_equal(table, expected.reset_index(name="count"), check_dtype=False)
