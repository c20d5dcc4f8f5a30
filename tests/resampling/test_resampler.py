"""EpochResampler: cell sizes, rotation, determinism, imbalanced-learn protocol."""

import os
import pickle
import subprocess
import sys
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from scipy import sparse
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter
from tests.conftest import examples

SETTINGS = settings(max_examples=examples(40), deadline=None)

# 40 rows: category a (24 rows) and b (16 rows); gender f/m with a different
# share per category; an imbalanced label.
RNG = np.random.default_rng(0)
X = pd.DataFrame(
    {
        "category": np.repeat(["a", "b"], [24, 16]),
        "gender": np.r_[np.repeat(["f", "m"], [18, 6]), np.repeat(["f", "m"], [5, 11])],
        "x": RNG.normal(size=40),
    },
    index=pd.RangeIndex(100, 140),
)
y = np.r_[np.tile([0, 0, 1], 8), np.tile([0, 0, 0, 1], 4)]  # 28 x 0, 12 x 1


def _unit_counts(idx, *keys):
    return (
        pd.Series(1, index=idx).groupby([np.asarray(k)[idx] for k in keys]).sum().to_dict()
    )


def _keys(frame, mode):
    cat, gen = frame["category"].to_numpy(), frame["gender"].to_numpy()
    return {"label": (cat, y), "groups": (cat, gen), "joint": (cat, gen, y)}[mode]


# --------------------------------------------------------------------------- #
# Cell sizes
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("mode", ["label", "groups", "joint"])
@pytest.mark.parametrize("strategy, pick", [("under", min), ("over", max)])
def test_cell_sizes_per_strategy(mode, strategy, pick):
    groups = None if mode == "label" else "gender"
    rs = EpochResampler(
        strategy, groups=groups, strata="category", balance=mode, random_state=0
    ).fit(X, y)
    counts = _unit_counts(np.arange(40), *_keys(X, mode))
    expected = {}
    for stratum in ("a", "b"):
        inside = {k: v for k, v in counts.items() if k[0] == stratum}
        expected.update({k: pick(inside.values()) for k in inside})
    assert rs.targets_ == expected
    for epoch in range(4):
        idx = rs.epoch_indices(epoch)
        assert idx.dtype == np.intp and idx.size == rs.epoch_size_
        assert _unit_counts(idx, *_keys(X, mode)) == expected
        if strategy == "under":
            assert np.unique(idx).size == idx.size  # without replacement


def test_independence_targets_follow_expected_counts():
    # Within category a: f 18 (12 y=0, 6 y=1), m 6 (4, 2): already independent.
    # Within b: f 5 (3 y=0, 2 y=1), m 11 (9 y=0, 2 y=1).
    gender_b = np.full(16, "m")
    gender_b[[0, 4, 8, 3, 7]] = "f"
    Xi = X.assign(gender=np.r_[np.repeat(["f", "m"], [18, 6]), gender_b])
    rs = EpochResampler(
        "under", groups="gender", strata="category", balance="independence", random_state=0
    ).fit(Xi, y)
    table = rs.cell_table_.set_index(["category", "gender", "label"])
    n = table["count"]
    target = table["target"]
    # Stratum a is independent already: unchanged.
    assert (target.loc["a"] == n.loc["a"]).all()
    # Stratum b: targets proportional to n_g n_y / n and never above the count.
    b = n.loc["b"]
    g, lab = b.groupby(level=0).sum(), b.groupby(level=1).sum()
    expected = np.array([g[i] * lab[j] / b.sum() for i, j in b.index])
    scale = (b.to_numpy() / expected).min()
    assert_array_equal(target.loc["b"].to_numpy(), np.rint(scale * expected))
    assert (target <= n).all()
    over = EpochResampler(
        "over", groups="gender", strata="category", balance="independence", random_state=0
    ).fit(Xi, y)
    assert (over.cell_table_["target"] >= over.cell_table_["count"]).all()


def test_independence_with_an_empty_cell_is_an_error():
    with pytest.raises(
        ValueError,
        match="needs every group x label combination.*"
        "category='b', gender='f', label=0 has none",
    ):
        X2 = X.assign(gender=np.where((X["category"] == "b") & (y == 0), "m", X["gender"]))
        EpochResampler(groups="gender", strata="category", balance="independence").fit(
            X2, y
        )


def test_sampling_strategy_dict_callable_ratio_and_n_samples():
    rs = EpochResampler(sampling_strategy={0: 5}, random_state=0).fit(None, y)
    assert rs.targets_ == {0: 5, 1: 12}  # unnamed units keep their size
    # A callable gets y, as in imbalanced-learn, when the units are the classes.
    rs = EpochResampler(
        "over",
        sampling_strategy=lambda labels: {k: 2 * int(np.sum(labels == k)) for k in (0, 1)},
    ).fit(None, y)
    assert rs.targets_ == {0: 56, 1: 24}
    rs = EpochResampler(sampling_strategy=1.0).fit(None, y)  # a ratio, not 1 row
    assert rs.targets_ == {0: 12, 1: 12}
    rs = EpochResampler("over", n_samples=101).fit(None, y)
    assert rs.targets_ == {0: 50, 1: 51} or rs.targets_ == {0: 51, 1: 50}
    assert rs.epoch_indices(0).size == 101


def test_cell_table_reads_naturally():
    rs = EpochResampler(groups="gender", random_state=0).fit(X, y)
    assert rs.cell_table_.to_dict("list") == {
        "gender": ["f", "m"],
        "count": [23, 17],
        "target": [17, 17],
        "cycle": [2, 1],
    }
    assert isinstance(rs.weighter_, GroupBalancedWeighter)


# --------------------------------------------------------------------------- #
# Rotation and duplication
# --------------------------------------------------------------------------- #
def test_rotation_covers_every_row_once_per_cycle():
    yy = np.repeat([0, 1, 2], [1000, 130, 7])
    rs = EpochResampler(random_state=1).fit(None, yy)
    table = rs.cell_table_
    assert table["cycle"].tolist() == [143, 19, 1]  # ceil(n / 7)
    for cls, n, cycle in zip(table["label"], table["count"], table["cycle"]):
        rows = np.flatnonzero(yy == cls)
        for start in (0, cycle):  # two cycles, each a fresh permutation
            epochs = range(start, start + cycle)
            seen = np.concatenate([rs.epoch_indices(e) for e in epochs])
            assert np.isin(rows, seen).all()
        first = rs.epoch_indices(0)[yy[rs.epoch_indices(0)] == cls]
        second = rs.epoch_indices(cycle)[yy[rs.epoch_indices(cycle)] == cls]
        assert n == 7 or set(first) != set(second)


def test_over_keeps_every_row_floor_or_ceil_times():
    rs = EpochResampler(
        "over", groups="gender", strata="category", balance="joint", random_state=0
    ).fit(X, y)
    units = pd.Series(list(zip(*_keys(X, "joint"))))
    k = units.map(rs.targets_).to_numpy() / units.map(units.value_counts())
    for epoch in range(5):
        c = np.bincount(rs.epoch_indices(epoch), minlength=40)
        assert (c >= 1).all()
        assert ((c == np.floor(k)) | (c == np.ceil(k))).all()


@pytest.mark.parametrize("sample_weight", [None, np.linspace(0.2, 3.0, 40)])
@pytest.mark.parametrize("weighter", [None, EffectiveNumberWeighter(beta=0.9)])
def test_weights_bincount_mean_converges_to_weight_shares(weighter, sample_weight):
    rs = EpochResampler("weights", weighter=weighter, n_samples=30, random_state=0)
    rs.fit(X, y, sample_weight=sample_weight)
    w = weighter or GroupBalancedWeighter()
    w = w.fit_weight(X, y, sample_weight=sample_weight)
    expected = 30 * w / w.sum()
    n_epochs = 2000
    counts = np.zeros(40)
    for e in range(n_epochs):
        c = np.bincount(rs.epoch_indices(e), minlength=40)
        assert c.sum() == 30
        assert ((c >= np.floor(expected) - 1e-9) & (c <= np.ceil(expected) + 1e-9)).all()
        counts += c
    # Per-epoch counts are floor/ceil, so their sd is at most 1/2.
    assert np.abs(counts / n_epochs - expected).max() < 5 * 0.5 / np.sqrt(n_epochs)


def test_weights_table_and_strategy_report_expected_counts():
    rs = EpochResampler("weights", groups="gender", random_state=0).fit(X, y)
    assert rs.targets_ == pytest.approx({"f": 20.0, "m": 20.0})
    assert rs.epoch_size_ == 40


# --------------------------------------------------------------------------- #
# Determinism
# --------------------------------------------------------------------------- #
def test_epochs_are_random_access_and_shuffle_independent():
    rs = EpochResampler(groups="gender", random_state=3).fit(X, y)
    later_first = [rs.epoch_indices(e) for e in (5, 2, 0)]
    assert_array_equal(later_first[2], rs.epoch_indices(0))
    assert_array_equal(later_first[0], rs.epoch_indices(5))
    assert not np.array_equal(rs.epoch_indices(0), rs.epoch_indices(1))
    ordered = EpochResampler(groups="gender", random_state=3, shuffle=False).fit(X, y)
    for e in range(3):
        sorted_idx = ordered.epoch_indices(e)
        assert (np.diff(sorted_idx) >= 0).all()
        assert_array_equal(sorted_idx, np.sort(rs.epoch_indices(e)))


_OTHER_PROCESS = """
import sys
import numpy as np
import skweight
print('imblearn' in sys.modules or 'torch' in sys.modules)
y = np.repeat([0, 1, 2], [500, 120, 30])
for strategy in ('under', 'over', 'weights'):
    rs = skweight.EpochResampler(strategy, random_state=7).fit(None, y)
    print(*rs.epoch_indices(11).tolist())
"""


@pytest.fixture(scope="module")
def other_process():
    """Lines printed by a fresh interpreter running _OTHER_PROCESS."""
    if "MUTANT_UNDER_TEST" in os.environ:
        pytest.skip(
            "mutation testing: a fresh interpreter cannot load mutmut's trampolines"
        )
    result = subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": ":".join(sys.path)},
    )
    return result.stdout.splitlines()


def test_same_seed_and_epoch_in_another_process(other_process):
    yy = np.repeat([0, 1, 2], [500, 120, 30])
    for strategy, line in zip(("under", "over", "weights"), other_process[1:]):
        here = EpochResampler(strategy, random_state=7).fit(None, yy).epoch_indices(11)
        assert line.split() == [str(i) for i in here]


def test_import_skweight_imports_neither_imblearn_nor_torch(other_process):
    assert other_process[0] == "False"


def test_random_state_none_draws_a_stored_seed():
    np.random.seed(0)  # noqa: NPY002 - the global state None draws from
    a = EpochResampler().fit(None, y)
    np.random.seed(0)  # noqa: NPY002
    b = EpochResampler().fit(None, y)
    assert a.seed_ == b.seed_ and a.random_state is None
    assert_array_equal(
        a.epoch_indices(4),
        EpochResampler(random_state=a.seed_).fit(None, y).epoch_indices(4),
    )
    c = EpochResampler(random_state=np.random.RandomState(1)).fit(None, y)
    assert isinstance(c.seed_, int)


def test_pickle_round_trip_keeps_epochs():
    rs = EpochResampler("over", random_state=0).fit(None, y)
    again = pickle.loads(pickle.dumps(rs))
    assert_array_equal(again.epoch_indices(9), rs.epoch_indices(9))


# --------------------------------------------------------------------------- #
# imbalanced-learn protocol
# --------------------------------------------------------------------------- #
def test_fit_resample_keeps_pandas_types_and_index():
    y_s = pd.Series(y, index=X.index, name="target")
    X_res, y_res = EpochResampler("over", random_state=0).fit_resample(X, y_s)
    rs = EpochResampler("over", random_state=0).fit(X, y_s)
    idx = rs.epoch_indices(0)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert_array_equal(X_res.index, X.index[idx])
    assert_array_equal(y_res.index, X.index[idx])
    assert y_res.name == "target"
    pd.testing.assert_frame_equal(X_res, X.iloc[idx])


@pytest.mark.parametrize("kind", ["list", "sparse", "one-hot"])
def test_fit_resample_other_containers(kind):
    Xn = X[["x"]].to_numpy()
    rs = EpochResampler(random_state=0)
    if kind == "list":
        X_res, y_res = rs.fit_resample(Xn.tolist(), y.tolist())
        assert isinstance(X_res, list) and isinstance(y_res, list)
        assert X_res == Xn[rs.sample_indices_].tolist()
    elif kind == "sparse":
        X_res, y_res = rs.fit_resample(sparse.csr_matrix(Xn), y)
        assert sparse.issparse(X_res)
        assert_array_equal(X_res.toarray(), Xn[rs.sample_indices_])
    else:
        Y = np.eye(2, dtype=int)[y]
        X_res, y_res = rs.fit_resample(Xn, Y)
        assert_array_equal(y_res, Y[rs.sample_indices_])
        assert_array_equal(y_res.sum(axis=0), [12, 12])


def test_x_is_neither_copied_nor_modified():
    Xbig = np.zeros((100_000, 32), dtype=np.float32)
    yb = np.arange(100_000) % 5 == 0
    before = Xbig.copy()
    tracemalloc.start()
    rs = EpochResampler(random_state=0).fit(Xbig, yb)
    _, fit_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    X_res, _ = rs.fit_resample(Xbig, yb)
    _, resample_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert fit_peak < Xbig.nbytes / 2  # int64 bookkeeping per row only
    assert resample_peak < X_res.nbytes + Xbig.nbytes / 2  # one indexing only
    assert_array_equal(Xbig, before)


def test_works_in_imblearn_pipeline():
    pytest.importorskip("imblearn")
    from imblearn.pipeline import Pipeline
    from sklearn.linear_model import LogisticRegression

    pipe = Pipeline([("rs", EpochResampler(random_state=0)), ("clf", LogisticRegression())])
    Xn = np.c_[X["x"].to_numpy(), y + RNG.normal(scale=0.1, size=40)]
    assert pipe.fit(Xn, y).score(Xn, y) > 0.9


INSTANCES = [
    EpochResampler(random_state=0),
    EpochResampler("over", random_state=0),
    EpochResampler("weights", random_state=0),
    EpochResampler(
        "weights", weighter=EffectiveNumberWeighter(), shuffle=False, random_state=0
    ),
]


@parametrize_with_checks(INSTANCES)
def test_sklearn_compatible(estimator, check):
    check(estimator)


try:
    from imblearn.utils.estimator_checks import parametrize_with_checks as _imb_checks
except ImportError:  # pragma: no cover - imblearn is a test dependency
    _imb_checks = None

# imbalanced-learn's decorator holds generators, which a second collection in
# the same process (mutation testing runs pytest many times) finds exhausted.
if _imb_checks is not None and "MUTANT_UNDER_TEST" not in os.environ:

    def _imb_expected_failures(estimator):
        if estimator.strategy == "weights":
            return {
                "check_target_type": "strategy='weights' draws a 0/1 multi-label y by "
                "its rows' tag weights, which imbalanced-learn's samplers refuse"
            }
        return {}

    @_imb_checks(INSTANCES, expected_failed_checks=_imb_expected_failures)
    def test_imblearn_sampler_checks(estimator, check):
        """imbalanced-learn's sampler checks (chosen by the sampler's tags)."""
        check(estimator)


# --------------------------------------------------------------------------- #
# Bad inputs
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "params, args, kwargs, error, match",
    [
        (
            {"strategy": "down"},
            (X, y),
            {},
            ValueError,
            "The 'strategy' parameter of EpochResampler must be a str among",
        ),
        (
            {"weighter": GroupBalancedWeighter()},
            (X, y),
            {},
            ValueError,
            "weighter is only used by strategy='weights'",
        ),
        (
            {
                "strategy": "weights",
                "weighter": GroupBalancedWeighter(),
                "groups": "gender",
            },
            (X, y),
            {},
            ValueError,
            "set groups, strata, balance and target_shares on the weighter",
        ),
        (
            {"strategy": "weights", "sampling_strategy": {0: 3}},
            (X, y),
            {},
            ValueError,
            "sampling_strategy sets per-unit targets",
        ),
        (
            {},
            (X, y),
            {"sample_weight": np.full(40, 0.5)},
            ValueError,
            "takes sample_weight as frequency weights, whole numbers.*got 0.5",
        ),
        (
            {"strategy": "over"},
            (X, y),
            {"sample_weight": np.zeros(40)},
            ValueError,
            "at least one non-zero",
        ),
        (
            {"sampling_strategy": {7: 3}},
            (X, y),
            {},
            ValueError,
            "sampling_strategy names the unit 7, which has no rows",
        ),
        (
            {"sampling_strategy": {0: -1}},
            (X, y),
            {},
            ValueError,
            r"sampling_strategy\[0\] must be a non-negative int",
        ),
        (
            {"sampling_strategy": lambda c: [1, 2]},
            (X, y),
            {},
            TypeError,
            "must return a dict",
        ),
        (
            {"sampling_strategy": {0: 99}},
            (X, y),
            {},
            ValueError,
            "strategy='under' draws without replacement.*Unit 0 has 28 rows and a "
            "target of 99",
        ),
        (
            {"strategy": "over", "sampling_strategy": {0: 3}},
            (X, y),
            {},
            ValueError,
            "strategy='over' keeps every row.*has 28 rows and a target of 3",
        ),
        (
            {"sampling_strategy": 3},
            (X, y),
            {},
            ValueError,
            r"must be .*a float in the range \(0.0, 1.0\]",
        ),
        (
            {"sampling_strategy": "minority"},
            (X, y),
            {},
            ValueError,
            "'minority' cannot be used with strategy='under'",
        ),
        (
            {"strategy": "over", "sampling_strategy": "majority"},
            (X, y),
            {},
            ValueError,
            "'majority' cannot be used with strategy='over'",
        ),
        (
            {"n_samples": 1000},
            (X, y),
            {},
            ValueError,
            "target of 500 after scaling to n_samples",
        ),
        (
            {"sampling_strategy": {0: 0, 1: 0}},
            (X, y),
            {},
            ValueError,
            "epochs would be empty",
        ),
        ({}, (X, None), {}, ValueError, "requires y to be passed"),
        ({}, (X, y[:5]), {}, ValueError, "y has 5 rows but X has 40"),
        ({}, (X, np.linspace(0, 1, 40)), {}, ValueError, "Unknown label type"),
        ({}, (X, np.zeros(40)), {}, ValueError, "y has one class"),
        (
            {},
            (X, np.c_[y, y]),
            {},
            ValueError,
            "Multilabel and multioutput targets are not supported",
        ),
        ({"groups": "sex"}, (X, y), {}, ValueError, "Column 'sex' given in groups"),
        ({}, (None, None), {}, ValueError, "got X=None and nothing else to count"),
        ({}, (X.iloc[:0], y[:0]), {}, ValueError, "0 sample"),
    ],
)
def test_bad_inputs(params, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        EpochResampler(**params).fit(*args, **kwargs)


@pytest.mark.parametrize(
    "epoch, error, match",
    [
        (-1, ValueError, r"epoch must be in \[0, 2\*\*63 - 1\]"),
        (1.5, TypeError, "epoch must be an int"),
        (True, TypeError, "epoch must be an int"),
    ],
)
def test_bad_epochs(epoch, error, match):
    rs = EpochResampler(random_state=0).fit(None, y)
    with pytest.raises(error, match=match):
        rs.epoch_indices(epoch)


def test_unfitted_and_fit_resample_without_x():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        EpochResampler().epoch_indices(0)
    with pytest.raises(ValueError, match="fit_resample needs X"):
        EpochResampler().fit_resample(None, y)


# --------------------------------------------------------------------------- #
# Properties
# --------------------------------------------------------------------------- #
@st.composite
def labelled(draw):
    sizes = draw(st.lists(st.integers(1, 90), min_size=2, max_size=5))
    labels = np.repeat(np.arange(len(sizes)), sizes)
    order = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(labels.size)
    return labels[order], draw(st.integers(0, 2**32 - 1))


@SETTINGS
@given(labelled(), st.integers(0, 10**6))
def test_under_property_sizes_and_rotation(data, start):
    """Protects the rotation promise: exact unit sizes, no duplicate within an
    epoch, and every row of a unit within each aligned cycle of epochs."""
    labels, seed = data
    rs = EpochResampler(random_state=seed).fit(None, labels)
    target = np.bincount(labels).min()
    for cls, n in enumerate(np.bincount(labels)):
        cycle = -(-n // target)
        first = start - start % cycle
        drawn = [rs.epoch_indices(e) for e in range(first, first + cycle)]
        for idx in drawn:
            assert np.unique(idx).size == idx.size
            assert (np.bincount(labels[idx]) == target).all()
        assert np.isin(np.flatnonzero(labels == cls), np.concatenate(drawn)).all()


@SETTINGS
@given(labelled(), st.integers(0, 10**6))
def test_over_property_floor_or_ceil(data, epoch):
    """Protects stratified duplication: every row floor(k) or ceil(k) times."""
    labels, seed = data
    counts = np.bincount(labels)
    rs = EpochResampler("over", random_state=seed).fit(None, labels)
    c = np.bincount(rs.epoch_indices(epoch), minlength=labels.size)
    k = counts.max() / counts[labels]
    assert ((c == np.floor(k)) | (c == np.ceil(k))).all()
    assert (np.bincount(labels, weights=c) == counts.max()).all()


@pytest.mark.parametrize("strategy", ["under", "over"])
def test_frequency_weights_are_repeated_rows(strategy):
    """A row of weight k is k rows: the same epochs as the repeated data."""
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 4, 40)
    labels = np.asarray(y)
    copies = np.repeat(np.arange(40), counts)
    weighted = EpochResampler(strategy, random_state=5).fit(X, labels, sample_weight=counts)
    repeated = EpochResampler(strategy, random_state=5).fit(X.iloc[copies], labels[copies])
    assert weighted.targets_ == repeated.targets_
    for epoch in (0, 3):
        assert np.array_equal(
            weighted.epoch_indices(epoch), copies[repeated.epoch_indices(epoch)]
        )
    assert not np.isin(np.flatnonzero(counts == 0), weighted.epoch_indices(0)).any()


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "dia", "bsr", "lil", "dok"])
@pytest.mark.parametrize("kind", ["matrix", "array"])
def test_fit_resample_takes_every_sparse_format(fmt, kind):
    sp = pytest.importorskip("scipy.sparse")
    dense = np.random.default_rng(0).random((20, 3))
    y = np.repeat([0, 1], [14, 6])
    X = getattr(sp, f"{fmt}_{kind}")(dense)
    Xr, yr = EpochResampler(random_state=0).fit_resample(X, y)
    expected, _ = EpochResampler(random_state=0).fit_resample(dense, y)
    np.testing.assert_array_equal(Xr.toarray(), expected)
    assert Xr.format == ("csr" if fmt == "dia" else fmt)


@pytest.mark.parametrize("strategy", ["under", "over"])
def test_frequency_weights_are_drawn_as_copies_without_materialising_them(strategy):
    """A row of weight k is k rows: the same epochs as the repeated rows, and memory
    that does not grow with the sum of the weights."""
    import tracemalloc

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    sw = rng.integers(0, 5, 200)
    weighted = EpochResampler(strategy, random_state=4).fit(None, y, sample_weight=sw)
    copies = np.repeat(np.arange(200), sw)
    repeated = EpochResampler(strategy, random_state=4).fit(None, y[copies])
    for epoch in (0, 7):
        assert_array_equal(
            np.sort(weighted.epoch_indices(epoch)),
            np.sort(copies[repeated.epoch_indices(epoch)]),
        )
    # 100 rows of weight 10**6 (10**8 copies) against 10 rows: tiny memory.
    y = np.repeat([0, 1], [100, 10])
    sw = np.r_[np.full(100, 10**6), np.ones(10)]
    tracemalloc.start()
    resampler = EpochResampler("under", random_state=0).fit(None, y, sample_weight=sw)
    epoch = resampler.epoch_indices(0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2**22  # 4 MiB; the copies would take 800 MB
    assert resampler.targets_ == {0: 10, 1: 10} and epoch.size == 20


@pytest.mark.parametrize("strategy", ["under", "over"])
def test_frequency_weights_of_zero_leave_out_rows_and_whole_units(strategy):
    y = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    sw = np.array([1, 2, 0, 1, 3, 0, 0, 0])
    resampler = EpochResampler(strategy, random_state=0).fit(None, y, sample_weight=sw)
    assert set(resampler.targets_) == {0, 1}  # class 2 has no weight: no unit
    epoch = resampler.epoch_indices(0)
    assert not np.isin(epoch, [2, 5, 6, 7]).any()
    copies = np.repeat(np.arange(8), sw)
    repeated = EpochResampler(strategy, random_state=0).fit(None, y[copies])
    assert_array_equal(np.sort(epoch), np.sort(copies[repeated.epoch_indices(0)]))
