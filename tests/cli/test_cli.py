"""The ``skweight`` command end to end, on temporary CSV and Parquet files."""

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter
from skweight.cli.main import main
from skweight.datasets import make_product_reviews
from skweight.diagnostics import balance_report

pq = pytest.importorskip("pyarrow.parquet")

KEYS = ["--label", "rating", "--groups", "gender", "--strata", "category"]


def run(capsys, *argv):
    """Run the command in-process; return ``(status, stdout, stderr)``."""
    try:
        status = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse: --help, usage errors
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def read(path):
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def in_memory(reviews, weighter=None):
    weighter = weighter or GroupBalancedWeighter(groups="gender", strata="category")
    return weighter.fit_weight(reviews, reviews["rating"])


# ---------------------------------------------------------------------- #
# weigh
# ---------------------------------------------------------------------- #
@pytest.mark.parametrize("source", ["reviews.csv", "reviews.parquet"])
@pytest.mark.parametrize("target", ["w.csv", "w.parquet"])
def test_weigh_streams_the_in_memory_weights(capsys, files, reviews, source, target):
    status, out, err = run(
        capsys,
        "weigh",
        files / source,
        *KEYS,
        "--output",
        files / target,
        "--chunk-size",
        97,
    )
    assert status == 0, err
    written = read(files / target)
    assert list(written.columns) == ["weight"]
    # Counts from chunks merge exactly: the very same weights.
    assert_array_equal(written["weight"].to_numpy(), in_memory(reviews))
    assert "effective sample size" in out
    assert f"wrote {len(reviews)} weights" in err


@pytest.mark.parametrize(
    "options, weighter",
    [
        (
            ["--balance", "joint", "--scheme", "sqrt_inverse"],
            GroupBalancedWeighter(
                groups="gender", strata="category", balance="joint", scheme="sqrt_inverse"
            ),
        ),
        (
            ["--beta", "0.99", "--normalize", "none"],
            EffectiveNumberWeighter(
                beta=0.99, groups="gender", strata="category", normalize=None
            ),
        ),
        (
            ["--balance", "independence", "--strength", "0.5", "--max-weight", "2"],
            GroupBalancedWeighter(
                groups="gender",
                strata="category",
                balance="independence",
                strength=0.5,
                max_weight=2,
            ),
        ),
        (
            ["--trim-quantile", "0.9", "--max-weight", "3"],
            GroupBalancedWeighter(
                groups="gender", strata="category", trim_quantile=0.9, max_weight=3
            ),
        ),
        (
            ["--scheme", "power", "--power", "0.5"],
            GroupBalancedWeighter(
                groups="gender", strata="category", scheme="power", power=0.5
            ),
        ),
    ],
)
def test_weigh_options_match_the_estimators(capsys, files, reviews, options, weighter):
    status, _, err = run(
        capsys,
        "weigh",
        files / "reviews.parquet",
        *KEYS,
        *options,
        "-o",
        files / "w.parquet",
        "--chunk-size",
        250,
    )
    assert status == 0, err
    assert_allclose(
        read(files / "w.parquet")["weight"], in_memory(reviews, weighter), rtol=1e-12
    )


def test_weigh_append_input_keeps_parquet_types(capsys, files, reviews):
    status, _, err = run(
        capsys,
        "weigh",
        files / "reviews.parquet",
        *KEYS,
        "--append-input",
        "--weight-column",
        "w",
        "-o",
        files / "out.parquet",
        "--chunk-size",
        300,
    )
    assert status == 0, err
    written = pd.read_parquet(files / "out.parquet")
    pd.testing.assert_frame_equal(written.drop(columns="w"), reviews)
    assert_array_equal(written["w"].to_numpy(), in_memory(reviews))


def test_weigh_append_input_keeps_csv_text(capsys, tmp_path):
    (tmp_path / "in.csv").write_text("zip,g,y\n007,a,1\n010,a,0\n1.50,b,1\n,b,0\n")
    status, _, err = run(
        capsys,
        "weigh",
        tmp_path / "in.csv",
        "--label",
        "y",
        "--groups",
        "g",
        "--append-input",
        "-o",
        tmp_path / "o.csv",
    )
    assert status == 0, err
    lines = (tmp_path / "o.csv").read_text().splitlines()
    assert lines[0] == "zip,g,y,weight"
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == [
        "007,a,1",
        "010,a,0",
        "1.50,b,1",
        ",b,0",
    ]


def test_weigh_report_as_json_matches_balance_report(capsys, files, reviews):
    status, out, _ = run(
        capsys,
        "weigh",
        files / "reviews.csv",
        *KEYS,
        "--format",
        "json",
        "-o",
        files / "w.csv",
    )
    assert status == 0
    printed = json.loads(out)
    expected = balance_report(
        reviews, reviews["rating"], in_memory(reviews), groups="gender", strata="category"
    )
    assert printed["n_samples"] == len(reviews)
    assert printed["ess"] == pytest.approx(expected.attrs["ess"])
    assert printed["max_deviation"] == pytest.approx(0.0, abs=1e-12)
    cells = pd.DataFrame(printed["cells"])
    assert len(cells) == len(expected)
    assert cells["count"].sum() == len(reviews)


def test_weigh_balance_label_reports_groups(capsys, files, reviews):
    status, out, err = run(
        capsys,
        "weigh",
        files / "reviews.csv",
        "--label",
        "rating",
        "--groups",
        "gender",
        "--balance",
        "label",
        "-o",
        files / "w.csv",
    )
    assert status == 0, err
    assert_array_equal(
        read(files / "w.csv")["weight"],
        GroupBalancedWeighter().fit_weight(None, reviews["rating"]),
    )
    assert "cells (gender x rating)" in out.splitlines()[0]


def test_force_overwrites(capsys, files):
    (files / "w.csv").write_text("old\n")
    status, _, err = run(
        capsys, "weigh", files / "reviews.csv", *KEYS, "-o", files / "w.csv"
    )
    assert status == 1
    assert err.count("\n") == 1 and "exists; pass --force" in err
    assert (files / "w.csv").read_text() == "old\n"
    status, _, _ = run(
        capsys, "weigh", files / "reviews.csv", *KEYS, "-o", files / "w.csv", "--force"
    )
    assert status == 0
    assert read(files / "w.csv").columns.tolist() == ["weight"]


# ---------------------------------------------------------------------- #
# Failures: one line on stderr, exit status 1 (2 for usage), nothing written
# ---------------------------------------------------------------------- #
def _bad_files(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "header.csv").write_text("rating,gender,category\n")
    (tmp_path / "broken.parquet").write_text("rating,gender\n1,f\n")
    (tmp_path / "binary.dat").write_bytes(b"\xff\xfe\x00\x81garbage")
    pd.DataFrame(
        {"rating": pd.Series([], dtype=int), "gender": [], "category": []}
    ).to_parquet(tmp_path / "norows.parquet")
    pd.DataFrame({"rating": [1, 0], "gender": ["f", None], "category": ["a", "a"]}).to_csv(
        tmp_path / "missing.csv", index=False
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["weigh", "nope.csv", *KEYS, "-o", "o.csv"], "nope.csv: no such file"),
        (
            ["weigh", "reviews.csv", "--label", "rating", "--groups", "sex", "-o", "o.csv"],
            "column 'sex' \\(given with --label/--groups/--strata\\) is not in .*reviews.csv; "
            "its columns are: 'category', 'gender', 'price'",
        ),
        (
            ["report", "reviews.parquet", "--groups", "gender", "--weight", "w"],
            "column 'w' \\(given with --weight\\) is not in",
        ),
        (["weigh", "empty.csv", *KEYS, "-o", "o.csv"], "empty.csv is empty"),
        (["weigh", "header.csv", *KEYS, "-o", "o.csv"], "header.csv has no rows"),
        (
            ["weigh", "norows.parquet", *KEYS, "-o", "o.parquet"],
            "norows.parquet has no rows",
        ),
        (
            ["weigh", "broken.parquet", *KEYS, "-o", "o.csv"],
            "cannot read .*broken.parquet as Parquet",
        ),
        (["weigh", "binary.dat", *KEYS, "-o", "o.csv"], "cannot read .*binary.dat as CSV"),
        (["weigh", "reviews.csv", *KEYS, "-o", "o.xlsx"], "name it .csv, .tsv or .parquet"),
        (["weigh", "reviews.csv", *KEYS, "-o", "nowhere/o.csv"], "does not exist"),
        (
            ["weigh", "missing.csv", *KEYS, "-o", "o.csv"],
            "data rows 1-2 of .*: Column 'gender' has 1 missing value.s. \\(NaN or None, first at "
            "data row 2\\)"
            ".* pass --missing category",
        ),
        (
            ["weigh", "reviews.csv", "--strata", "category", "-o", "o.csv"],
            "give --label, --groups or both",
        ),
        (
            [
                "weigh",
                "reviews.csv",
                "--label",
                "rating",
                "--balance",
                "joint",
                "-o",
                "o.csv",
            ],
            "--balance joint needs --groups",
        ),
        (
            [
                "weigh",
                "reviews.csv",
                *KEYS,
                "--scheme",
                "power",
                "--beta",
                "0.9",
                "-o",
                "o.csv",
            ],
            "--beta applies to --scheme effective_number only",
        ),
        (
            [
                "weigh",
                "reviews.csv",
                *KEYS,
                "--append-input",
                "--weight-column",
                "price",
                "-o",
                "o.csv",
            ],
            "already has a column 'price'",
        ),
        (
            ["report", "reviews.csv", "--groups", "gender", "--weight", "category"],
            "column 'category' \\(--weight\\) must hold finite, non-negative numbers",
        ),
    ],
)
def test_failures_are_one_line_and_write_nothing(capsys, files, monkeypatch, argv, message):
    _bad_files(files)
    monkeypatch.chdir(files)
    before = sorted(p.name for p in files.rglob("*"))
    status, out, err = run(capsys, *argv)
    assert status == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"skweight {argv[0]}: error: ")
    assert re.search(message, err), err
    assert out == ""
    assert sorted(p.name for p in files.rglob("*")) == before


@pytest.mark.parametrize(
    "argv",
    [
        ["weigh", "reviews.csv", *KEYS],  # no --output
        ["weigh", "reviews.csv", *KEYS, "-o", "o.csv", "--strength", "2"],
        ["weigh", "reviews.csv", *KEYS, "-o", "o.csv", "--beta", "1"],
        ["frobnicate"],
    ],
)
def test_usage_errors_are_one_line(capsys, files, monkeypatch, argv):
    monkeypatch.chdir(files)
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert err.count("\n") == 1 and "error:" in err


def test_failure_while_writing_leaves_nothing(capsys, files, monkeypatch):
    from skweight.cli import tableio as _tableio

    calls = []
    original = _tableio.TableSink.write

    def failing_write(self, table):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return original(self, table)

    monkeypatch.setattr(_tableio.TableSink, "write", failing_write)
    (files / "w.parquet").write_bytes(b"previous")
    status, _, err = run(
        capsys,
        "weigh",
        files / "reviews.parquet",
        *KEYS,
        "-o",
        files / "w.parquet",
        "--force",
        "--chunk-size",
        100,
    )
    assert status == 1 and "disk full" in err
    assert (files / "w.parquet").read_bytes() == b"previous"
    assert not list(files.glob(".w.parquet.*"))


# ---------------------------------------------------------------------- #
# report and demo
# ---------------------------------------------------------------------- #
def test_report_of_a_weight_column(capsys, files, reviews):
    weights = in_memory(reviews)
    reviews.assign(w=weights).to_parquet(files / "weighted.parquet", row_group_size=128)
    status, out, _ = run(
        capsys,
        "report",
        files / "weighted.parquet",
        *KEYS,
        "--weight",
        "w",
        "--format",
        "json",
        "--chunk-size",
        100,
    )
    assert status == 0
    printed = json.loads(out)
    expected = balance_report(
        reviews, reviews["rating"], weights, groups="gender", strata="category"
    )
    assert printed["ess"] == pytest.approx(expected.attrs["ess"], rel=1e-12)
    cells = pd.DataFrame(printed["cells"]).set_index(["category", "gender", "rating"])
    expected = expected.set_index(["category", "gender", "rating"])
    assert_allclose(cells.loc[expected.index, "share_after"], expected["share_after"])


def test_report_table_without_weights(capsys, files):
    status, out, _ = run(
        capsys,
        "report",
        files / "reviews.csv",
        "--groups",
        "gender",
        "--strata",
        "category",
    )
    assert status == 0
    assert out.splitlines()[0].split()[:4] == ["category", "gender", "count", "weight_sum"]
    assert "1,500 rows in " in out
    assert "effective sample size (Kish) 1,500.0 (100% of the rows)" in out


def test_demo_runs(capsys, tmp_path):
    status, out, _ = run(capsys, "demo", "--n-samples", 400, "--no-plot")
    assert status == 0
    assert "Effective sample size" in out


def test_demo_saves_the_plot(capsys, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from skweight.cli import demo as _demo
    from skweight.diagnostics import weighter_report

    def fake_demo(n_samples, random_state, print_fn):
        data = make_product_reviews(n_samples, random_state=random_state)
        weighter = GroupBalancedWeighter(groups="gender", strata="category")
        weights = weighter.fit_weight(data)
        return {"weights": weights, "report": weighter_report(weighter)}

    monkeypatch.setattr(_demo, "run_demo", fake_demo)
    status, out, _ = run(
        capsys, "demo", "--n-samples", 300, "--plot", tmp_path / "plot.png"
    )
    assert status == 0
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG"
    assert "Saved the balance plot" in out


def test_module_entry_point_has_no_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "skweight",
            "report",
            str(tmp_path / "none.csv"),
            "--groups",
            "g",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert (
        result.stderr == f"skweight report: error: {tmp_path / 'none.csv'}: no such file\n"
    )
    help_ = subprocess.run(
        [sys.executable, "-m", "skweight", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert help_.returncode == 0
    assert all(cmd in help_.stdout for cmd in ("demo", "weigh", "report"))


def test_weights_not_needing_label(capsys, files, reviews):
    # groups only: --label is optional when the balance does not use it.
    status, _, err = run(
        capsys,
        "weigh",
        files / "reviews.csv",
        "--groups",
        "gender",
        "-o",
        files / "g.parquet",
    )
    assert status == 0, err
    expected = GroupBalancedWeighter(groups="gender").fit_weight(reviews)
    assert_array_equal(read(files / "g.parquet")["weight"], expected)
    assert np.isclose(expected.mean(), 1.0)


@pytest.mark.parametrize("command", ["weigh", "report"])
def test_the_report_counts_in_one_engine_pass(capsys, files, reviews, monkeypatch, command):
    """No hidden weighters count the report: one counter, one encode per chunk."""
    from skweight.engine.cells import CellCounter

    encodes = []
    real_encode = CellCounter.encode

    def encode(counter, *args, **kwargs):
        encodes.append(counter)
        return real_encode(counter, *args, **kwargs)

    monkeypatch.setattr(CellCounter, "encode", encode)
    extra = ["-o", files / "w.csv"] if command == "weigh" else []
    status, _, err = run(
        capsys, command, files / "reviews.csv", *KEYS, "--chunk-size", 500, *extra
    )
    assert status == 0, err
    n_chunks = -(-len(reviews) // 500)
    counters = {id(c): c for c in encodes}
    reports = [
        c
        for c in counters.values()
        if c.spec.key_columns == ("category", "gender", "rating")
    ]
    # weigh: the weighter encodes each chunk twice (count, then weigh) and the
    # report once; report: the report alone, once per chunk.
    assert len(counters) == (2 if command == "weigh" else 1)
    assert len(encodes) == (3 if command == "weigh" else 1) * n_chunks
    assert len(reports) == 1
    assert sum(c is reports[0] for c in encodes) == n_chunks
