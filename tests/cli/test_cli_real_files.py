"""Files as spreadsheets, databases and shells write them.

A UTF-8 byte order mark ("CSV UTF-8" from a spreadsheet), quoted values with
line breaks across arrow's blocks, CRLF line ends, standard input, pipes and
FIFOs for the input, a reader of standard output that stops early, and key
columns whose text is numbers (typed in the JSON report and in Parquet).
"""

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight import GroupBalancedWeighter
from skweight.cli.main import main

pq = pytest.importorskip("pyarrow.parquet")


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def reviews():
    from skweight.datasets import make_product_reviews

    return make_product_reviews(600, random_state=1)


def _expected(reviews):
    return GroupBalancedWeighter(groups="gender", strata="category").fit_weight(
        reviews, reviews["rating"]
    )


KEYS = ["--label", "rating", "--groups", "gender", "--strata", "category"]


def test_a_byte_order_mark_and_crlf_line_ends(capsys, tmp_path, reviews):
    """Excel's "CSV UTF-8": a BOM before the first column name, CRLF line ends."""
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + reviews.to_csv(index=False, lineterminator="\r\n").encode()
    )
    status, _, err = run(capsys, "weigh", path, *KEYS, "-o", tmp_path / "w.csv")
    assert status == 0, err
    assert_allclose(pd.read_csv(tmp_path / "w.csv")["weight"], _expected(reviews))


def test_quoted_line_breaks_across_arrow_blocks(capsys, tmp_path):
    """Multi-line quoted values in a file of several MB (arrow reads 1 MB blocks)."""
    n = 60_000
    rng = np.random.default_rng(0)
    text = np.where(rng.random(n) < 0.5, 'first line\nsecond, "quoted"\nthird' * 4, "plain")
    frame = pd.DataFrame(
        {"text": text, "label": rng.integers(0, 2, n), "g": rng.choice(["a", "b"], n)}
    )
    path = tmp_path / "notes.csv"
    frame.to_csv(path, index=False)
    assert path.stat().st_size > 3 * 2**20
    status, _, err = run(
        capsys,
        "weigh",
        path,
        "--label",
        "label",
        "--groups",
        "g",
        "-o",
        tmp_path / "w.csv",
        "--append-input",
    )
    assert status == 0, err
    written = pd.read_csv(tmp_path / "w.csv")
    assert written["text"].tolist() == frame["text"].tolist()
    assert_allclose(
        written["weight"],
        GroupBalancedWeighter(groups="g").fit_weight(frame, frame["label"]),
    )


def _cli(*argv, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "skweight", *map(str, argv)],
        input=stdin,
        capture_output=True,
    )


def test_standard_input(tmp_path, reviews):
    data = reviews.to_csv(index=False).encode()
    done = _cli("weigh", "-", *KEYS, "-o", tmp_path / "w.csv", stdin=data)
    assert done.returncode == 0, done.stderr
    assert_allclose(pd.read_csv(tmp_path / "w.csv")["weight"], _expected(reviews))
    report = _cli("report", "-", *KEYS, "--format", "json", stdin=data)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["n_samples"] == len(reviews)
    empty = _cli("weigh", "-", *KEYS, "-o", tmp_path / "x.csv", stdin=b"")
    assert empty.returncode != 0 and b"standard input is empty" in empty.stderr


def test_demo_piped_into_weigh(tmp_path):
    demo = subprocess.Popen(
        [sys.executable, "-m", "skweight", "demo", "--save", "-", "--n-samples", "500"],
        stdout=subprocess.PIPE,
    )
    weigh = subprocess.run(
        [
            sys.executable,
            "-m",
            "skweight",
            "weigh",
            "-",
            *KEYS,
            "-o",
            str(tmp_path / "w.csv"),
        ],
        stdin=demo.stdout,
        capture_output=True,
    )
    demo.stdout.close()
    assert demo.wait() == 0
    assert weigh.returncode == 0, weigh.stderr
    assert len(pd.read_csv(tmp_path / "w.csv")) == 500


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo(tmp_path, reviews):
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)
    data = reviews.to_csv(index=False).encode()

    def feed():
        with open(fifo, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    done = _cli("weigh", fifo, *KEYS, "-o", tmp_path / "w.csv")
    writer.join()
    assert done.returncode == 0, done.stderr
    assert_allclose(pd.read_csv(tmp_path / "w.csv")["weight"], _expected(reviews))


def test_a_reader_that_stops_early_is_not_a_success():
    process = subprocess.Popen(
        [sys.executable, "-m", "skweight", "demo", "--save", "-", "--n-samples", "200000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.read(10)
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait() == 141
    assert "stopped before the end" in err and "wrote" not in err


def test_numeric_keys_keep_their_type_in_json_and_parquet(capsys, tmp_path, reviews):
    path = tmp_path / "r.csv"
    reviews.to_csv(path, index=False)
    status, out, err = run(
        capsys,
        "weigh",
        path,
        *KEYS,
        "--append-input",
        "--report",
        "--format",
        "json",
        "-o",
        tmp_path / "w.parquet",
    )
    assert status == 0, err
    cells = json.loads(out)["cells"]
    assert {type(c["rating"]) for c in cells} == {int}
    assert {type(c["category"]) for c in cells} == {str}
    table = pq.read_table(tmp_path / "w.parquet")
    assert str(table.schema.field("rating").type) == "int64"
    status, out, _ = run(capsys, "report", path, *KEYS, "--format", "json")
    assert {type(c["rating"]) for c in json.loads(out)["cells"]} == {int}


def test_the_copy_of_standard_input_is_removed_on_failure(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "skweight", "report", "-", "--label", "a"],
        input=b"a,a\n1,2\n",
        capture_output=True,
        env=env,
    )
    assert done.returncode == 1 and b"names column 'a' twice" in done.stderr
    assert not list(tmp_path.glob("skweight-input-*"))
