"""``skweight weigh --margin``: raking from the command line."""

import json

import numpy as np
import pandas as pd
import pytest

from skweight import RakingWeighter
from tests.cli.test_cli import run

pytest.importorskip("pyarrow.parquet")

GENDER = "gender=female:0.5,male:0.5"
CATEGORY = "category=beauty:0.2,books:0.2,electronics:0.2,garden:0.2,sports:0.1,toys:0.1"


def _margins():
    shares = {}
    for text in (GENDER, CATEGORY):
        column, levels = text.split("=")
        shares[column] = {
            v: float(s) for v, s in (part.split(":") for part in levels.split(","))
        }
    return shares


@pytest.mark.parametrize("source", ["reviews.csv", "reviews.parquet"])
def test_weigh_margin_writes_the_raking_weights(capsys, files, reviews, source):
    status, out, err = run(
        capsys,
        "weigh",
        files / source,
        "--margin",
        GENDER,
        "--margin",
        CATEGORY,
        "-o",
        files / "w.csv",
        "--chunk-size",
        300,
    )
    assert status == 0, err
    written = pd.read_csv(files / "w.csv")["weight"].to_numpy()
    expected = RakingWeighter(_margins()).fit_weight(reviews)
    np.testing.assert_allclose(written, expected, rtol=1e-9)
    assert "largest deviation from the margins: 0.0000" in out
    assert "category" in out and "share_after" in out


def test_weigh_margin_as_json_with_a_cap(capsys, files):
    status, out, err = run(
        capsys,
        "weigh",
        files / "reviews.csv",
        "--margin",
        CATEGORY,
        "--max-weight",
        "1.5",
        "--max-iter",
        "7",
        "-o",
        files / "w.csv",
        "--format",
        "json",
    )
    assert status == 0, err
    summary = json.loads(out)
    assert summary["balance"] == "margins"
    assert {m["level"] for m in summary["margins"]} >= {"books", "toys"}
    assert summary["weight_max"] <= 1.5 * (1 + 1e-12)
    assert any("did not converge in 7 sweeps" in w for w in summary["warnings"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--margin", "gender=female:0.5"], "--margin ['gender'] gives no share to 'male'"),
        (["--margin", GENDER, "--groups", "gender"], "--groups balance"),
        (["--margin", GENDER, "--label", "rating"], "--label"),
        (["--margin", GENDER, "--margin", GENDER], "gives the column 'gender' twice"),
        (["--margin", "gender=female"], "expected VALUE:SHARE"),
        (["--margin", "gender"], "expected COL=VALUE:SHARE"),
        (["--margin", "gender=a:1,a:2"], "given twice"),
    ],
)
def test_weigh_margin_errors(capsys, files, argv, message):
    status, out, err = run(
        capsys, "weigh", files / "reviews.csv", *argv, "-o", files / "w.csv"
    )
    assert status != 0
    assert message in err
    assert not (files / "w.csv").exists()


def test_weigh_margin_values_are_stripped_and_empty_is_missing(capsys, tmp_path):
    frame = pd.DataFrame({"g": ["f", "m", "", "m", "f", ""], "x": range(6)})
    frame.to_csv(tmp_path / "in.csv", index=False)
    status, out, err = run(
        capsys,
        "weigh",
        tmp_path / "in.csv",
        "--margin",
        "g=f:1, m:1, :2",
        "--missing",
        "category",
        "-o",
        tmp_path / "w.csv",
    )
    assert status == 0, err
    w = pd.read_csv(tmp_path / "w.csv")["weight"].to_numpy()
    np.testing.assert_allclose(w, [0.75, 0.75, 1.5, 0.75, 0.75, 1.5])


def test_max_iter_needs_margin(capsys, files):
    status, _, err = run(
        capsys,
        "weigh",
        files / "reviews.csv",
        "--groups",
        "gender",
        "--max-iter",
        5,
        "-o",
        files / "w.csv",
    )
    assert status != 0 and "--max-iter applies to raking" in err
