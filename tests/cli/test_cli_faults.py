"""The command line's faults, one test each: it never loses data, and says where."""

import io
import os
import signal
import subprocess
import sys
import time
from importlib.metadata import entry_points

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from test_cli import KEYS, in_memory, read, run

from skweight import GroupBalancedWeighter
from skweight.cli import tableio
from skweight.datasets import make_product_reviews

pq = pytest.importorskip("pyarrow.parquet")


def _listing(folder):
    return sorted(p.name for p in folder.rglob("*"))


# ---------------------------------------------------------------------- #
# The output is never the input, and never replaces a file without --force
# ---------------------------------------------------------------------- #
@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink"])
def test_output_that_is_the_input_is_refused(capsys, files, monkeypatch, force, spelling):
    monkeypatch.chdir(files)
    before = (files / "reviews.csv").read_bytes()
    output = {
        "same": "reviews.csv",
        "dotted": "./sub/../reviews.csv",
        "symlink": "link.csv",
        "hardlink": "hard.csv",
    }[spelling]
    (files / "sub").mkdir()
    if spelling == "symlink":
        os.symlink(files / "reviews.csv", files / "link.csv")
    if spelling == "hardlink":
        os.link(files / "reviews.csv", files / "hard.csv")
    status, _, err = run(
        capsys, "weigh", "reviews.csv", *KEYS, "-o", output, *(["--force"] if force else [])
    )
    assert status == 1
    assert "is the input" in err and err.count("\n") == 1
    assert (files / "reviews.csv").read_bytes() == before


def test_a_file_that_appears_meanwhile_is_not_replaced(capsys, files, monkeypatch):
    original = tableio.TableSink.write

    def racing_write(self, table):
        if not (files / "w.csv").exists():
            (files / "w.csv").write_text("someone else's\n")
        return original(self, table)

    monkeypatch.setattr(tableio.TableSink, "write", racing_write)
    status, _, err = run(
        capsys, "weigh", files / "reviews.csv", *KEYS, "-o", files / "w.csv"
    )
    assert status == 1 and "was created by someone else" in err
    assert (files / "w.csv").read_text() == "someone else's\n"
    assert not list(files.glob(".w.csv.*"))


# ---------------------------------------------------------------------- #
# Signals: a stopped run leaves nothing behind
# ---------------------------------------------------------------------- #
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_signal_mid_write_leaves_nothing(tmp_path, signame):
    signum = getattr(signal, signame, None)
    if signum is None:
        pytest.skip(f"{signame} does not exist on this platform")
    # Large enough, in small chunks, that the run is still writing when the
    # signal comes. A fast machine may still finish between the check and the
    # signal: then the same run is tried again on four times the rows.
    for n_rows in (20_000, 80_000, 320_000):
        make_product_reviews(n_rows, random_state=0).to_csv(
            tmp_path / "big.csv", index=False
        )
        before = _listing(tmp_path)
        returncode, err = _signal_while_writing(tmp_path, signum)
        if returncode != 0:
            break
        (tmp_path / "out.csv").unlink()  # it finished first: not the case under test
    assert returncode == 128 + signum, err
    assert err.strip().endswith(f"stopped by {signame}; nothing was written"), err
    assert _listing(tmp_path) == before, err


def _signal_while_writing(tmp_path, signum):
    """Run ``weigh`` on big.csv and signal it once it writes; its status and stderr."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skweight",
            "weigh",
            str(tmp_path / "big.csv"),
            *KEYS,
            "--append-input",
            "-o",
            str(tmp_path / "out.csv"),
            "--chunk-size",
            "10",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60

    def writing():
        return any(p.stat().st_size > 0 for p in tmp_path.glob(".out.csv.*"))

    while not writing() and process.poll() is None:
        assert time.monotonic() < deadline, "the output was never started"
        time.sleep(0.005)
    if process.poll() is None:
        process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    return process.returncode, err


# ---------------------------------------------------------------------- #
# Where a problem is: data rows of the whole file, lines of the CSV
# ---------------------------------------------------------------------- #
def test_row_numbers_count_over_the_whole_file(capsys, tmp_path):
    frame = make_product_reviews(5000, random_state=1)
    frame["gender"] = frame["gender"].astype(object)
    frame.loc[2499, "gender"] = None  # data row 2500
    frame.to_csv(tmp_path / "in.csv", index=False)
    status, _, err = run(
        capsys,
        "weigh",
        tmp_path / "in.csv",
        *KEYS,
        "-o",
        tmp_path / "w.csv",
        "--chunk-size",
        1000,
    )
    assert status == 1
    assert "data rows 2001-3000 of" in err
    assert "first at data row 2500)" in err


@pytest.mark.parametrize("columns", ["keys only", "all"])
def test_ragged_rows_are_rejected_with_their_line(capsys, tmp_path, columns):
    text = "rating,gender,category,price\n" + "1,f,a,2.0\n" * 10 + "0,m,a,3.0,extra\n"
    (tmp_path / "in.csv").write_text(text)
    extra = ["--append-input"] if columns == "all" else []
    status, _, err = run(
        capsys,
        "weigh",
        tmp_path / "in.csv",
        *KEYS,
        *extra,
        "-o",
        tmp_path / "w.csv",
        "--chunk-size",
        4,
    )
    assert status == 1
    assert "line 12 of" in err and "has 5 fields; its header has 4" in err
    assert not (tmp_path / "w.csv").exists()


def test_a_duplicated_header_name_is_rejected(capsys, tmp_path):
    (tmp_path / "in.csv").write_text("rating,gender,gender\n1,f,m\n")
    status, _, err = run(
        capsys, "weigh", tmp_path / "in.csv", "--groups", "gender", "-o", tmp_path / "w.csv"
    )
    assert status == 1
    assert "names column 'gender' twice (columns 2 and 3)" in err


# ---------------------------------------------------------------------- #
# Separators, types and standard output
# ---------------------------------------------------------------------- #
def test_tsv_and_sep(capsys, tmp_path, reviews):
    reviews.to_csv(tmp_path / "in.tsv", sep="\t", index=False)
    reviews.to_csv(tmp_path / "in.txt", sep=";", index=False)
    status, _, err = run(
        capsys,
        "weigh",
        tmp_path / "in.tsv",
        *KEYS,
        "-o",
        tmp_path / "w.tsv",
        "--append-input",
    )
    assert status == 0, err
    written = pd.read_csv(tmp_path / "w.tsv", sep="\t")
    assert list(written.columns) == [*reviews.columns, "weight"]
    assert_array_equal(written["weight"], in_memory(reviews))
    status, _, err = run(
        capsys, "weigh", tmp_path / "in.txt", *KEYS, "--sep", ";", "-o", tmp_path / "w.csv"
    )
    assert status == 0, err
    assert_array_equal(read(tmp_path / "w.csv")["weight"], in_memory(reviews))
    status, _, err = run(
        capsys, "weigh", tmp_path / "in.txt", *KEYS, "--sep", ";;", "-o", tmp_path / "x.csv"
    )
    assert status == 2 and "--sep" in err


def test_append_input_from_csv_to_parquet_keeps_types(capsys, tmp_path):
    rows = ["n,x,flag,text,g,y"]
    rows += [f"{i},{i},true,t{i},{'ab'[i % 2]},{i % 3 == 0:d}" for i in range(300)]
    rows += ["7,2.5,false,,a,1", "8,,false,001,b,0"]  # x turns float; text stays text
    (tmp_path / "in.csv").write_text("\n".join(rows) + "\n")
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
        tmp_path / "o.parquet",
        "--chunk-size",
        100,
    )
    assert status == 0, err
    table = pq.read_table(tmp_path / "o.parquet")
    types = {field.name: str(field.type) for field in table.schema}
    assert types == {
        "n": "int64",
        "x": "double",
        "flag": "bool",
        "text": "string",
        "g": "string",
        "y": "int64",
        "weight": "double",
    }
    assert table.column("text").to_pylist()[-2:] == [None, "001"]
    assert table.column("x").to_pylist()[-2:] == [2.5, None]


def test_output_to_stdout(capfdbinary, files, reviews):
    from skweight.cli.main import main

    status = main(["weigh", str(files / "reviews.csv"), *KEYS, "-o", "-"])
    out, err = capfdbinary.readouterr()
    assert status == 0, err
    written = pd.read_csv(io.BytesIO(out))
    assert list(written.columns) == ["weight"]
    assert_array_equal(written["weight"], in_memory(reviews))
    assert b"effective sample size" in err and b"to standard output" in err
    assert not any(p.name.startswith(".") for p in files.iterdir())


def test_summary_by_default_and_the_table_with_report(capsys, files):
    status, out, _ = run(
        capsys, "weigh", files / "reviews.csv", *KEYS, "-o", files / "w.csv"
    )
    assert status == 0
    lines = out.splitlines()
    assert len(lines) <= 8
    assert (
        lines[0].startswith("1,500 rows in ") and "(category x gender x rating)" in lines[0]
    )
    assert lines[1].startswith("weights from ")
    assert "(--report prints the table of cells)" in out
    status, out, _ = run(
        capsys, "weigh", files / "reviews.csv", *KEYS, "-o", files / "w2.csv", "--report"
    )
    assert status == 0
    assert out.splitlines()[0].split()[:3] == ["category", "gender", "rating"]


# ---------------------------------------------------------------------- #
# Progress bars: on a terminal only
# ---------------------------------------------------------------------- #
def test_progress_bar_on_a_terminal_only(tmp_path, capsys, reviews):
    pty = pytest.importorskip("pty")
    reviews.to_csv(tmp_path / "in.csv", index=False)
    argv = ["weigh", str(tmp_path / "in.csv"), *KEYS, "--chunk-size", "100"]
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "skweight", *argv, "-o", str(tmp_path / "a.csv")],
            stdout=subprocess.DEVNULL,
            stderr=slave,
        )
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=60) == 0
    finally:
        os.close(master)
    assert b"skweight weigh: counting" in shown and b"skweight weigh: weighting" in shown
    assert b"1.50k/1.50k" in shown  # the second pass knows the rows to come
    status, _, err = run(capsys, *argv, "-o", tmp_path / "b.csv")  # not a terminal
    assert status == 0 and "counting" not in err


# ---------------------------------------------------------------------- #
# Start-up, the console script and the demo data
# ---------------------------------------------------------------------- #
def test_help_imports_nothing_heavy():
    code = (
        "import sys; from skweight.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'sklearn', 'pyarrow', 'scipy')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_console_script_is_the_command():
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "skweight"]
    from skweight.cli.main import main

    assert script.load() is main


@pytest.mark.parametrize("name", ["reviews.csv", "reviews.parquet", "reviews.tsv"])
def test_demo_save_writes_the_data_the_readme_uses(capsys, tmp_path, name):
    status, out, err = run(capsys, "demo", "--save", tmp_path / name, "--n-samples", 500)
    assert status == 0, err
    saved = (
        read(tmp_path / name)
        if not name.endswith(".tsv")
        else pd.read_csv(tmp_path / name, sep="\t")
    )
    expected = make_product_reviews(500, random_state=0)
    assert len(saved) == 500 and list(saved.columns) == list(expected.columns)
    assert_array_equal(saved["rating"], expected["rating"])
    assert "skweight weigh" in out
    status, _, err = run(capsys, "demo", "--save", tmp_path / name)
    assert status == 1 and "exists; pass --force" in err
    status, _, err = run(
        capsys, "weigh", tmp_path / name, *KEYS, "-o", tmp_path / "w.parquet"
    )
    assert status == 0, err
    weights = GroupBalancedWeighter(groups="gender", strata="category").fit_weight(
        expected, expected["rating"]
    )
    assert np.allclose(read(tmp_path / "w.parquet")["weight"], weights, rtol=1e-12)


def test_demo_save_to_stdout(capfdbinary):
    from skweight.cli.main import main

    assert main(["demo", "--save", "-", "--n-samples", "200"]) == 0
    out, err = capfdbinary.readouterr()
    saved = pd.read_csv(io.BytesIO(out))
    assert len(saved) == 200 and b"skweight weigh" in err


def test_warnings_in_the_summary_and_strict(capsys, tmp_path):
    frame = make_product_reviews(2000, random_state=0).astype({"gender": object})
    frame.loc[:2, "gender"] = None  # three blank cells carrying much weight
    frame.to_csv(tmp_path / "in.csv", index=False)
    argv = ["weigh", tmp_path / "in.csv", "--groups", "gender", "--missing", "category"]
    status, out, err = run(capsys, *argv, "-o", tmp_path / "w.csv")
    assert status == 0, err
    assert "warning: 1 cell(s) carry a large share of the total weight" in out
    status, out, err = run(capsys, *argv, "-o", tmp_path / "strict.csv", "--strict")
    assert status == 1 and "--strict, so nothing was written" in err
    assert not (tmp_path / "strict.csv").exists()


def test_parquet_and_tsv_to_stdout(capfdbinary, files, reviews):
    from skweight.cli.main import main

    for fmt in ("parquet", "tsv"):
        argv = [
            "weigh",
            str(files / "reviews.csv"),
            *KEYS,
            "-o",
            "-",
            "--output-format",
            fmt,
        ]
        assert main(argv) == 0
        out, _ = capfdbinary.readouterr()
        written = (
            pd.read_parquet(io.BytesIO(out))
            if fmt == "parquet"
            else pd.read_csv(io.BytesIO(out), sep="\t")
        )
        assert_array_equal(written["weight"], in_memory(reviews))
