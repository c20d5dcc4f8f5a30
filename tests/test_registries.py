"""A mode and a scheme added to their registries work everywhere, edited nowhere else.

A toy balance mode (groups balanced, the label kept in the cells) and a toy
scheme (``1 / n**2``) are registered at run time, after every class was
defined, and used from the estimators' parameter validation, the factors,
the balance report and the command line.
"""

import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight import GroupBalancedWeighter
from skweight.cli.main import main
from skweight.diagnostics import balance_report, weighter_report
from skweight.engine.modes import GROUP_AXIS, MODES, Mode, register_mode
from skweight.weighting.schemes import SCHEMES, register_scheme

TOY_MODE = Mode(
    "groups_by_label",
    needs_label=True,
    needs_groups=True,
    unit_axes=(GROUP_AXIS,),
    independence=False,
    doc="each group carries the same total weight, the label in the cells",
)


@pytest.fixture
def toys():
    register_mode(TOY_MODE)
    register_scheme("toy_square")(lambda counts, totals, power: counts**-2.0)
    yield
    MODES.pop(TOY_MODE.name)
    SCHEMES.pop("toy_square")


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "category": rng.choice(["a", "b"], n),
            "gender": rng.choice(["f", "m"], n, p=[0.2, 0.8]),
        }
    )
    return X, rng.integers(0, 3, n)


def test_a_registered_mode_is_accepted_and_balances_its_units(toys):
    X, y = _data()
    est = GroupBalancedWeighter(groups="gender", strata="category", balance=TOY_MODE.name)
    w = est.fit_weight(X, y)
    # Its units are the groups: equal weight per group in each stratum, as
    # balance="groups" gives, but the cells keep the label.
    assert_allclose(
        w,
        GroupBalancedWeighter(
            groups="gender", strata="category", balance="groups"
        ).fit_weight(X, y),
    )
    assert "label" in est.weight_table_.columns
    report = weighter_report(est)
    assert report.attrs["balance"] == TOY_MODE.name
    assert_allclose(report["deviation"], 0.0, atol=1e-12)
    # The report of other weights measures the toy balance too.
    unweighted = balance_report(
        X, y, groups="gender", strata="category", balance=TOY_MODE.name
    )
    assert unweighted["max_deviation"].max() > 0.1


def test_a_registered_scheme_is_accepted_by_the_estimator(toys):
    X, y = _data()
    est = GroupBalancedWeighter(scheme="toy_square").fit(X, y)
    table = est.weight_table_
    # factor proportional to 1 / n**2, scaled to keep the total
    raw = 1.0 / table["count"] ** 2
    assert_allclose(table["factor"], raw * len(y) / (raw * table["count"]).sum())


def test_unregistered_names_are_refused_with_the_current_ones(toys):
    X, y = _data()
    with pytest.raises(ValueError, match="toy_square"):
        GroupBalancedWeighter(scheme="nope").fit(X, y)
    with pytest.raises(ValueError, match=TOY_MODE.name):
        GroupBalancedWeighter(balance="nope").fit(X, y)


def test_the_command_line_offers_registered_modes_and_schemes(toys, tmp_path, capsys):
    X, y = _data()
    X.assign(rating=y).to_csv(tmp_path / "in.csv", index=False)
    status = main(
        [
            "weigh",
            str(tmp_path / "in.csv"),
            "--label",
            "rating",
            "--groups",
            "gender",
            "--strata",
            "category",
            "--balance",
            TOY_MODE.name,
            "--scheme",
            "toy_square",
            "--format",
            "json",
            "-o",
            str(tmp_path / "w.csv"),
        ]
    )
    assert status == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["balance"] == TOY_MODE.name
    expected = GroupBalancedWeighter(
        groups="gender", strata="category", balance=TOY_MODE.name, scheme="toy_square"
    ).fit_weight(X.astype(str), y.astype(str))
    assert_allclose(pd.read_csv(tmp_path / "w.csv")["weight"], expected)
    with pytest.raises(SystemExit):
        main(["weigh", "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert TOY_MODE.name in shown and "toy_square" in shown
    assert f"{TOY_MODE.name}: {TOY_MODE.doc}" in shown  # each mode's doc line


def test_auto_is_no_mode_name():
    with pytest.raises(ValueError, match="auto"):
        register_mode(TOY_MODE._replace(name="auto"))
