"""Per-unit targets: scaling to n_samples by largest remainders (hand-computed)."""

import numpy as np
import pytest

from skweight import EpochResampler
from skweight.resampling.targets import scale_targets


@pytest.mark.parametrize(
    "targets, total, expected",
    [
        ([3, 2, 1], 10, [5, 3, 2]),  # exact 5, 3.33, 1.67: the largest remainder wins
        ([1, 1, 1], 5, [2, 2, 1]),  # ties: the first units, in order
        ([1, 0], 3, [3, 0]),  # one unit carries everything
        ([2, 2], 4, [2, 2]),  # nothing to round
        ([5, 3], 4, [3, 1]),  # scaling down: 2.5, 1.5 -> 3, 1
    ],
)
def test_scale_targets_by_largest_remainders(targets, total, expected):
    scaled = scale_targets(np.array(targets, dtype=np.int64), total)
    assert scaled.tolist() == expected
    assert scaled.sum() == total and scaled.dtype == np.int64


def test_all_zero_targets_cannot_be_scaled():
    with pytest.raises(
        ValueError,
        match=r"^Cannot scale the per-unit targets to "
        r"n_samples=4: they are all zero\.$",
    ):
        scale_targets(np.zeros(3, dtype=np.int64), 4)


def test_n_samples_scales_the_epoch_by_largest_remainders():
    y = np.repeat([0, 1, 2], [30, 20, 10])
    rs = EpochResampler(
        "over", sampling_strategy={0: 30, 1: 20, 2: 10}, n_samples=100, random_state=0
    ).fit(None, y)
    assert rs.targets_ == {0: 50, 1: 33, 2: 17}
    assert np.bincount(y[rs.epoch_indices(0)]).tolist() == [50, 33, 17]


def _independence_rows():
    import pandas as pd

    # stratum 0: (a,0)=6 (a,1)=2 (b,0)=2 (b,1)=2; stratum 1: (a,0)=1 (a,1)=3 (b,0)=3
    # (b,1)=1; stratum 2 has group a only, so (2,b,*) is empty and expected empty.
    cells = [
        (0, "a", 0, 6),
        (0, "a", 1, 2),
        (0, "b", 0, 2),
        (0, "b", 1, 2),
        (1, "a", 0, 1),
        (1, "a", 1, 3),
        (1, "b", 0, 3),
        (1, "b", 1, 1),
        (2, "a", 0, 2),
        (2, "a", 1, 1),
    ]
    rows = [(s, g, lab) for s, g, lab, k in cells for _ in range(k)]
    X = pd.DataFrame(rows, columns=["s", "g", "y"])
    return X


@pytest.mark.parametrize(
    "strategy, expected",
    [
        # stratum 0: expected counts under independence e = [16/3, 8/3, 8/3, 4/3], the
        # count / e ratios [1.125, .75, .75, 1.5]: "under" scales e by the smallest ratio,
        # "over" by the largest; stratum 1: e = 2 each, ratios [.5, 1.5, 1.5, .5].
        (
            "under",
            {
                (0, "a", 0): 4,
                (0, "a", 1): 2,
                (0, "b", 0): 2,
                (0, "b", 1): 1,
                (1, "a", 0): 1,
                (1, "a", 1): 1,
                (1, "b", 0): 1,
                (1, "b", 1): 1,
                (2, "a", 0): 2,
                (2, "a", 1): 1,
            },
        ),
        (
            "over",
            {
                (0, "a", 0): 8,
                (0, "a", 1): 4,
                (0, "b", 0): 4,
                (0, "b", 1): 2,
                (1, "a", 0): 3,
                (1, "a", 1): 3,
                (1, "b", 0): 3,
                (1, "b", 1): 3,
                (2, "a", 0): 2,
                (2, "a", 1): 1,
            },
        ),
    ],
)
def test_independence_targets_hand_computed(strategy, expected):
    X = _independence_rows()
    rs = EpochResampler(
        strategy, groups="g", strata="s", balance="independence", random_state=0
    ).fit(X, "y")
    assert rs.targets_ == expected
    drawn = X.iloc[rs.epoch_indices(3)].value_counts(["s", "g", "y"]).to_dict()
    assert drawn == expected


def test_independence_needs_rows_where_it_expects_them():
    X = _independence_rows()
    X = X[~((X["s"] == 1) & (X["g"] == "b") & (X["y"] == 1))]
    with pytest.raises(
        ValueError,
        match=r"^balance='independence' needs every group x "
        r"label combination that independence expects to have rows, but "
        r"the cell s=1, g='b', y=1 has none \(expected 1\.29 rows\)\. "
        r"Resampling cannot create rows of an empty cell: use "
        r"strategy='weights', or balance='joint'\.$",
    ):
        EpochResampler("over", groups="g", strata="s", balance="independence").fit(X, "y")


@pytest.mark.parametrize("ratio", [0, 1.5, -0.5])
def test_a_ratio_outside_zero_one_is_refused_by_the_parameter_check(ratio):
    with pytest.raises(ValueError, match="'sampling_strategy' parameter of EpochResampler"):
        EpochResampler("under", sampling_strategy=ratio).fit(None, [0, 0, 1])


def test_a_ratio_does_not_apply_to_independence():
    X = _independence_rows()
    with pytest.raises(
        ValueError,
        match=r"^A ratio as sampling_strategy does not apply "
        r"to balance='independence' \(the targets are the counts "
        r"independence expects\)\.$",
    ):
        EpochResampler(
            "under", groups="g", strata="s", balance="independence", sampling_strategy=0.5
        ).fit(X, "y")


@pytest.mark.parametrize("name", ["auto", "all"])
def test_independence_takes_auto_and_all_as_its_own_targets(name):
    X = _independence_rows()
    rs = EpochResampler(
        "under",
        groups="g",
        strata="s",
        balance="independence",
        sampling_strategy=name,
        random_state=0,
    ).fit(X, "y")
    plain = EpochResampler(
        "under", groups="g", strata="s", balance="independence", random_state=0
    ).fit(X, "y")
    assert rs.targets_ == plain.targets_
    # imbalanced-learn's sampling_strategy_: the units that change, with their rows
    assert rs.sampling_strategy_ == {
        (0, "a", 0): 4,
        (0, "b", 1): 1,
        (1, "a", 1): 1,
        (1, "b", 0): 1,
    }


@pytest.mark.parametrize("name", ["majority", "not minority", "not majority"])
def test_independence_refuses_the_strings_that_pick_units_by_size(name):
    X = _independence_rows()
    with pytest.raises(
        ValueError,
        match=rf"^sampling_strategy='{name}' picks units by "
        r"size, but with balance='independence' the targets are the "
        r"counts independence expects; use 'auto', a dict or a "
        r"callable\.$",
    ):
        EpochResampler(
            "over", groups="g", strata="s", balance="independence", sampling_strategy=name
        ).fit(X, "y")


@pytest.mark.parametrize(
    "strategy, name, verb", [("under", "minority", "grow"), ("over", "majority", "cut")]
)
def test_strings_that_would_move_the_other_way_are_refused(strategy, name, verb):
    with pytest.raises(
        ValueError,
        match=rf"^sampling_strategy='{name}' cannot be used "
        rf"with strategy='{strategy}': it would {verb} that unit\.$",
    ):
        EpochResampler(strategy, sampling_strategy=name).fit(None, [0, 0, 0, 1])


@pytest.mark.parametrize(
    "strategy, ratio, message",
    [
        (
            "under",
            0.2,
            r"^sampling_strategy=0\.2 would generate rows in a larger unit while "
            r"under-sampling: unit 0 has 6 rows and would get 10\. Choose another ratio, or "
            r"a dict of targets\.$",
        ),
        (
            "over",
            0.2,
            r"^sampling_strategy=0\.2 would remove rows from a smaller unit "
            r"while over-sampling: unit 1 has 2 rows and would get 1\. Choose another ratio, "
            r"or a dict of targets\.$",
        ),
    ],
)
def test_a_ratio_in_the_wrong_direction_names_the_unit(strategy, ratio, message):
    with pytest.raises(ValueError, match=message):
        EpochResampler(strategy, sampling_strategy=ratio).fit(None, [0] * 6 + [1] * 2)


@pytest.mark.parametrize(
    "strategy, y_counts, spec, expected",
    [
        # cycle: epochs until every row of the unit was drawn (0: never drawn)
        (
            "under",
            [6, 4, 2],
            None,
            {"count": [6, 4, 2], "target": [2, 2, 2], "cycle": [3, 2, 1]},
        ),
        (
            "under",
            [6, 4, 2],
            {0: 2, 1: 4, 2: 0},
            {"count": [6, 4, 2], "target": [2, 4, 0], "cycle": [3, 1, 0]},
        ),
        (
            "over",
            [6, 4, 1],
            None,
            {"count": [6, 4, 1], "target": [6, 6, 6], "cycle": [1, 2, 1]},
        ),
    ],
)
def test_cell_table_hand_computed(strategy, y_counts, spec, expected):
    y = np.repeat([0, 1, 2], y_counts)
    rs = EpochResampler(strategy, sampling_strategy=spec, random_state=0).fit(None, y)
    table = rs.cell_table_
    assert list(table.columns) == ["label", "count", "target", "cycle"]
    assert {k: table[k].tolist() for k in expected} == expected


def test_weights_cell_table_holds_expected_rows_per_cell():
    y = np.repeat([0, 1, 2], [6, 3, 1])
    rs = EpochResampler("weights", n_samples=30, random_state=0).fit(None, y)
    table = rs.cell_table_
    assert list(table.columns) == ["label", "count", "target"]
    assert table["count"].tolist() == [6, 3, 1]
    assert np.allclose(table["target"], [10, 10, 10])


def test_weights_strategy_parameter_errors_in_full():
    y = np.repeat([0, 1], [6, 2])
    with pytest.raises(
        ValueError,
        match=r"^sampling_strategy sets per-unit targets for "
        r"strategy='under' or 'over'; EpochResampler\(strategy='weights'\) "
        r"draws in proportion to the weights\. Set n_samples for the "
        r"epoch size instead\.$",
    ):
        EpochResampler("weights", sampling_strategy="auto").fit(None, y)
    from skweight import GroupBalancedWeighter

    with pytest.raises(
        ValueError,
        match=r"^Both weighter and groups/strata/balance/target_shares were "
        r"given; set groups, strata, balance and target_shares on the weighter\.$",
    ):
        EpochResampler("weights", weighter=GroupBalancedWeighter(), balance="label").fit(
            None, y
        )
