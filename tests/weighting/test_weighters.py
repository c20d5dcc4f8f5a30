"""Weights of GroupBalancedWeighter and EffectiveNumberWeighter, by hand."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils.class_weight import compute_sample_weight

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter

# Six rows; hand-computed weights below refer to these.
#   row:       0    1    2    3    4    5
#   category:  a    a    a    a    b    b
#   gender:    f    f    f    m    f    m
#   y:         1    0    1    1    1    0
X = pd.DataFrame(
    {
        "category": ["a", "a", "a", "a", "b", "b"],
        "gender": ["f", "f", "f", "m", "f", "m"],
        "price": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    }
)
y = np.array([1, 0, 1, 1, 1, 0])


def test_label_inverse_by_hand():
    # n0 = 2, n1 = 4, N = 6, K = 2: w = N / (K n)
    w = GroupBalancedWeighter(balance="label").fit_weight(X, y)
    assert_allclose(w, [0.75, 1.5, 0.75, 0.75, 0.75, 1.5])


def test_groups_inverse_by_hand():
    # f: 4 rows, m: 2 rows
    w = GroupBalancedWeighter(groups="gender").fit_weight(X, y)
    assert_allclose(w, [0.75, 0.75, 0.75, 1.5, 0.75, 1.5])


def test_joint_inverse_by_hand():
    # cells (f,1): 3, (f,0): 1, (m,1): 1, (m,0): 1; C = 4: w = 6 / (4 n)
    w = GroupBalancedWeighter(groups="gender", balance="joint").fit_weight(X, y)
    assert_allclose(w, [0.5, 1.5, 0.5, 1.5, 0.5, 1.5])


def test_independence_is_kamiran_calders():
    # w = n_g n_y / (N n_gy)
    w = GroupBalancedWeighter(groups="gender", balance="independence").fit_weight(X, y)
    f1, f0, m1, m0 = 4 * 4 / (6 * 3), 4 * 2 / (6 * 1), 2 * 4 / (6 * 1), 2 * 2 / (6 * 1)
    assert_allclose(w, [f1, f0, f1, m1, f1, m0])


def test_groups_within_strata_by_hand():
    # stratum a: N=4, f: 3, m: 1 -> 4/(2*3), 4/(2*1); stratum b: one of each
    w = GroupBalancedWeighter(groups="gender", strata="category").fit_weight(X, y)
    assert_allclose(w, [2 / 3, 2 / 3, 2 / 3, 2.0, 1.0, 1.0])


def test_label_within_strata_by_hand():
    # stratum a: y = 1,0,1,1 -> n1=3, n0=1; stratum b: y = 1, 0
    w = GroupBalancedWeighter(strata="category", balance="label").fit_weight(X, y)
    assert_allclose(w, [2 / 3, 2.0, 2 / 3, 2 / 3, 1.0, 1.0])


@pytest.mark.parametrize(
    "scheme, raw",
    [
        ("sqrt_inverse", lambda n, N: 1 / np.sqrt(n)),
        ("log_inverse", lambda n, N: np.log(1 + N / n)),
        ("power", lambda n, N: n**-2.0),
        (lambda n: np.exp(-n), lambda n, N: np.exp(-n)),
    ],
)
def test_label_schemes_by_hand(scheme, raw):
    n = np.array([2.0, 4.0])  # class counts of y
    r = raw(n, 6.0)
    f = 6 * r / (n * r).sum()  # scaled so the total stays 6
    w = GroupBalancedWeighter(balance="label", scheme=scheme, power=2).fit_weight(X, y)
    assert_allclose(w, f[y])  # class 0 (rows 1, 5) has 2 rows, class 1 has 4
    assert_allclose(w[[1, 5]], f[0])
    assert_allclose(w[[0, 2, 3, 4]], f[1])


@pytest.mark.parametrize("beta", [0.9, 0.99, 0.999, 0.9999])
def test_effective_number_by_hand(beta):
    n = np.array([2.0, 4.0])
    r = (1 - beta) / (1 - beta**n)
    f = 6 * r / (n * r).sum()
    w = EffectiveNumberWeighter(beta=beta).fit_weight(X, y)
    assert_allclose(w[[1, 5]], f[0])
    assert_allclose(w[[0, 2, 3, 4]], f[1])


def test_effective_number_cells_normalization_is_cui():
    # Cui et al.: class factors sum to the number of classes.
    beta = 0.99
    n = np.array([2.0, 4.0])
    r = (1 - beta) / (1 - beta**n)
    est = EffectiveNumberWeighter(beta=beta, normalize="cells").fit(X, y)
    assert_allclose(est.weight_table_["factor"], 2 * r / r.sum())


def test_normalize_mean_keeps_incoming_total():
    sw = np.array([1.0, 2.0, 1.0, 1.0, 3.0, 2.0])
    w = GroupBalancedWeighter(balance="label").fit_weight(X, y, sample_weight=sw)
    assert_allclose(w.sum(), sw.sum())
    # weighted class totals: class 0 (rows 1, 5) has 4, class 1 has 6
    assert_allclose(w[[1, 5]].sum(), w[[0, 2, 3, 4]].sum())
    assert_allclose(GroupBalancedWeighter().fit_weight(X, y).mean(), 1.0)


@pytest.mark.parametrize(
    "make, raw",
    [
        (lambda: GroupBalancedWeighter(normalize=None), [1 / 2, 1 / 4]),
        (
            lambda: EffectiveNumberWeighter(beta=0.9, normalize=None),
            [0.1 / (1 - 0.9**2), 0.1 / (1 - 0.9**4)],
        ),
    ],
)
def test_normalize_none_gives_raw_scheme_factors(make, raw):
    w = make().fit_weight(X, y)
    assert_allclose(w[[1, 5]], raw[0])
    assert_allclose(w[[0, 2, 3, 4]], raw[1])


def test_normalize_none_independence_is_kamiran_calders():
    a = GroupBalancedWeighter(groups="gender", balance="independence")
    b = GroupBalancedWeighter(groups="gender", balance="independence", normalize=None)
    assert_allclose(a.fit_weight(X, y), b.fit_weight(X, y))


def test_strength_blends_linearly():
    full = GroupBalancedWeighter(groups="gender").fit_weight(X, y)
    half = GroupBalancedWeighter(groups="gender", strength=0.5).fit_weight(X, y)
    none = GroupBalancedWeighter(groups="gender", strength=0.0).fit_weight(X, y)
    assert_allclose(none, 1.0)
    assert_allclose(half, 1 + 0.5 * (full - 1))


def test_max_weight_caps_and_keeps_total():
    y_skewed = np.array([0] * 9 + [1])
    w = GroupBalancedWeighter(max_weight=2.0).fit_weight(None, y_skewed)
    assert w.max() <= 2.0 + 1e-9
    assert_allclose(w.sum(), 10.0)
    # fixed point: 9 f0 + 2 = 10
    assert_allclose(w[:9], 8 / 9, rtol=1e-6)


def test_equals_compute_sample_weight_exactly():
    rng = np.random.default_rng(0)
    for labels in (
        rng.integers(0, 29, 5000) ** 2,
        np.array(["cat", "dog", "emu"])[rng.integers(0, 3, 1000)],
        rng.integers(0, 2, 333).astype(bool),
    ):
        expected = compute_sample_weight("balanced", labels)
        assert_array_equal(GroupBalancedWeighter().fit_weight(None, labels), expected)


def test_weight_on_new_rows_uses_learned_table():
    est = GroupBalancedWeighter(groups="gender").fit(X, y)
    new = pd.DataFrame({"gender": ["m", "f", "m"]})
    assert_allclose(est.weight(new), [1.5, 0.75, 1.5])
    assert_allclose(est.weight(X, y), est.fit_weight(X, y))


def test_sample_weight_multiplies_in():
    sw = np.array([2.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    est = GroupBalancedWeighter(groups="gender")
    w = est.fit_weight(X, y, sample_weight=sw)
    # f carries weight 5 of 7, m 2 of 7: each group gets 3.5
    assert_allclose(w, [2 * 3.5 / 5, 3.5 / 5, 3.5 / 5, 3.5 / 2, 3.5 / 5, 3.5 / 2])
    assert_allclose(est.weight_table_["weighted_count"], [5.0, 2.0])


def test_sample_weight_equals_repeated_rows():
    sw = np.array([3, 1, 2, 1, 1, 4])
    est = GroupBalancedWeighter(groups="gender", balance="independence")
    w = est.fit_weight(X, y, sample_weight=sw)
    Xr, yr = X.loc[X.index.repeat(sw)], np.repeat(y, sw)
    wr = est.fit_weight(Xr, yr)
    assert_allclose(w, sw * wr[np.cumsum(sw) - 1])


def test_weight_table_readable():
    est = GroupBalancedWeighter(groups="gender", strata="category", balance="joint")
    est.fit(X, pd.Series(y, name="rating"))
    table = est.weight_table_
    assert list(table.columns) == [
        "category",
        "gender",
        "rating",
        "count",
        "weighted_count",
        "factor",
    ]
    assert table["count"].sum() == 6
    assert est.n_cells_ == len(table) == 5
    assert_array_equal(est.classes_, [0, 1])


def test_fit_time_arrays_equal_named_columns():
    by_name = GroupBalancedWeighter(groups="gender", strata="category").fit_weight(X, y)
    by_array = (
        GroupBalancedWeighter()
        .set_params(balance="groups")
        .fit_weight(
            X[["price"]],
            y,
            sensitive_features=X["gender"].to_numpy(),
            strata_features=X["category"],
        )
    )
    assert_allclose(by_name, by_array)


def test_numpy_positions_equal_dataframe_names():
    arr = X.to_numpy()
    a = GroupBalancedWeighter(groups=1, strata=[0]).fit_weight(arr, y)
    b = GroupBalancedWeighter(groups="gender", strata=["category"]).fit_weight(X, y)
    assert_allclose(a, b)


def test_intersectional_groups():
    Xi = X.assign(age=["old", "young", "old", "old", "young", "young"])
    w = GroupBalancedWeighter(groups=["gender", "age"]).fit_weight(Xi)
    keys = Xi["gender"] + Xi["age"]
    totals = pd.Series(w).groupby(keys.to_numpy()).sum()
    assert_allclose(totals, totals.iloc[0])


@pytest.mark.parametrize(
    "convert",
    [
        lambda s: s.astype("category"),
        lambda s: s.astype("string"),
        lambda s: s.astype(object),
        lambda s: s.map({"a": 10, "b": 20, "f": 0, "m": 1}),
        lambda s: s.map({"a": -1, "b": 7, "f": -5, "m": 3}),
        lambda s: s.map({"a": 1.5, "b": 2.5, "f": 0.5, "m": 1.5}),
        lambda s: s == s.iloc[0],
    ],
)
def test_column_types_give_same_weights(convert):
    expected = GroupBalancedWeighter(
        groups="gender", strata="category", balance="independence"
    ).fit_weight(X, y)
    Xc = X.assign(category=convert(X["category"]), gender=convert(X["gender"]))
    w = GroupBalancedWeighter(
        groups="gender", strata="category", balance="independence"
    ).fit_weight(Xc, y)
    assert_allclose(w, expected)


@pytest.mark.parametrize(
    "labels",
    [
        ["yes", "no", "yes", "yes", "yes", "no"],
        pd.Categorical(["yes", "no", "yes", "yes", "yes", "no"]),
        [True, False, True, True, True, False],
        [5, -3, 5, 5, 5, -3],
    ],
)
def test_label_types(labels):
    expected = GroupBalancedWeighter(balance="joint", groups="gender").fit_weight(X, y)
    w = GroupBalancedWeighter(balance="joint", groups="gender").fit_weight(X, labels)
    assert_allclose(w, expected)


def test_categorical_with_unused_categories():
    Xc = X.assign(gender=pd.Categorical(X["gender"], categories=["x", "f", "m"]))
    w = GroupBalancedWeighter(groups="gender").fit_weight(Xc)
    assert_allclose(w, GroupBalancedWeighter(groups="gender").fit_weight(X))


def test_inputs_not_modified():
    Xc, yc = X.copy(), y.copy()
    sw = np.ones(6)
    est = GroupBalancedWeighter(groups="gender", strata="category")
    w = est.fit_weight(Xc, yc, sample_weight=sw)
    w *= 100  # the result is the caller's own array
    pd.testing.assert_frame_equal(Xc, X)
    assert_array_equal(yc, y)
    assert_array_equal(sw, 1.0)
    assert_allclose(est.weight(Xc, yc).sum(), 6.0)


def test_int_codes_not_aliased():
    codes = np.array([0, 1, 0, 0, 1, 1])
    w = GroupBalancedWeighter().fit_weight(None, codes)
    w[:] = 0
    assert_array_equal(codes, [0, 1, 0, 0, 1, 1])


def test_handle_unknown_ignore_gives_mean_factor():
    est = GroupBalancedWeighter(groups="gender", handle_unknown="ignore").fit(X, y)
    w = est.weight(pd.DataFrame({"gender": ["f", "x"]}))
    assert_allclose(w, [0.75, 1.0])


def test_unseen_combination_is_unknown():
    est = GroupBalancedWeighter(groups="gender", strata="category").fit(X.iloc[:5], y[:5])
    new = pd.DataFrame({"category": ["a", "b"], "gender": ["m", "m"]})
    with pytest.raises(ValueError, match="no rows during fit.*category='b', gender='m'"):
        est.weight(new)


def test_handle_missing_category():
    Xm = X.assign(gender=["f", None, "f", "m", np.nan, "m"])
    est = GroupBalancedWeighter(groups="gender", handle_missing="category")
    w = est.fit_weight(Xm)
    assert_allclose(w, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert est.weight_table_["gender"].isna().sum() == 1


def test_multilabel_pos_weight_and_matrix():
    Y = np.array([[1, 0], [0, 0], [1, 1], [0, 0], [0, 0], [0, 1]])
    est = GroupBalancedWeighter(balance="label").fit(X, Y)
    # class 0: 2 pos, 4 neg; class 1: 2 pos, 4 neg
    assert_allclose(est.pos_weight_, [2.0, 2.0])
    W = est.weight(X, Y)
    assert W.shape == (6, 2)
    # pos: 6 / (2 * 2) = 1.5, neg: 6 / (2 * 4) = 0.75
    assert_allclose(W, np.where(Y == 1, 1.5, 0.75))
    assert_allclose(W[:, 0][Y[:, 0] == 1] / W[:, 0][Y[:, 0] == 0][0], est.pos_weight_[0])
    assert_array_equal(est.classes_, [0, 1])


def test_multilabel_dataframe_names_classes():
    Y = pd.DataFrame({"sports": [1, 0, 1, 0, 0, 0], "music": [0, 0, 1, 0, 1, 1]})
    est = GroupBalancedWeighter(groups="gender", balance="joint").fit(X, Y)
    assert_array_equal(est.classes_, ["sports", "music"])
    assert set(est.weight_table_["class"]) == {"sports", "music"}
    W = est.fit_weight(X, Y)
    # inside each class, every group x label cell carries the same weight
    for c in range(2):
        totals = pd.Series(W[:, c]).groupby([X["gender"], Y.iloc[:, c]]).sum()
        assert_allclose(totals, totals.iloc[0])


def test_groups_balance_needs_no_label():
    w = GroupBalancedWeighter(groups="gender").fit_weight(X)
    assert_allclose(w, [0.75, 0.75, 0.75, 1.5, 0.75, 1.5])


def test_refit_resets_state():
    est = GroupBalancedWeighter(groups="gender")
    est.fit(X, y)
    est.fit(X.iloc[:4], y[:4])
    assert est.weight_table_["count"].sum() == 4


def test_metadata_routing_delivers_fold_rows():
    """sensitive_features routed by cross_validate arrive split by fold."""
    import sklearn
    from sklearn.model_selection import KFold, cross_validate

    rng = np.random.default_rng(0)
    Xr = pd.DataFrame({"x": rng.random(40)})
    yr = rng.integers(0, 2, 40)
    sex = np.where(np.arange(40) < 20, "f", "m")  # first fold: women only

    def n_groups(est, X, y):
        return est.weight_table_["sensitive_features_0"].nunique()

    with sklearn.config_context(enable_metadata_routing=True):
        est = GroupBalancedWeighter(balance="joint").set_fit_request(
            sensitive_features=True
        )
        res = cross_validate(
            est,
            Xr,
            yr,
            params={"sensitive_features": sex},
            cv=KFold(2),
            scoring=n_groups,
            return_estimator=True,
        )
    # fold 0 trains on rows 20..39 (men only), fold 1 on rows 0..19
    tables = [e.weight_table_ for e in res["estimator"]]
    assert set(tables[0]["sensitive_features_0"]) == {"m"}
    assert set(tables[1]["sensitive_features_0"]) == {"f"}
