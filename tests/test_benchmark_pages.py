"""The benchmark pages name the code they measured, and their prose holds on their tables.

The tables of ``docs/benchmarks/`` are written by ``benchmarks/run_all.py --all``
from a clean commit: no page names a "-dirty" commit or a path of the machine
that ran it. The reading of the long-tail study (``docs/benchmark_results/
quality.md``) is checked here claim by claim against its table, so a rerun
that changes the ranking fails until the prose is updated.
"""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
TABLES = DOCS / "benchmarks"
PAGES = sorted(TABLES.glob("*.md"))
LOGIT = ("logit adjustment (post hoc)", "Balanced Softmax")
WEIGHTED = ("class-balanced weights", "deferred re-weighting")
RESAMPLED = ("over-sampling per epoch", "weights sampler per epoch")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_a_page_names_a_clean_commit_and_no_machine_path(page):
    text = page.read_text()
    assert "-dirty" not in text, f"{page.name} was written from uncommitted code"
    found = re.findall(r"(?<![\w.])/(?:work|tmp|home|root|Users)/\S*", text)
    assert not found, f"{page.name} names paths of the machine that ran it: {found}"


def _study(factor):
    """``{method: {column: mean}}`` of the long-tail table at one imbalance factor."""
    text = (TABLES / "quality_long_tail.md").read_text()
    section = text.split(f"### Imbalance factor {factor}\n", 1)[1].split("\n### ", 1)[0]
    rows = [
        line.strip().strip("|").split("|")
        for line in section.splitlines()
        if line.startswith("|")
    ]
    header = [cell.strip() for cell in rows[0]]
    return {
        row[0].strip(): {
            name: float(cell.split("±")[0]) for name, cell in zip(header[1:], row[1:])
        }
        for row in rows[2:]
    }


@pytest.mark.parametrize("factor", [50, 100])
def test_the_long_tail_reading_holds(factor):
    study = _study(factor)
    accuracy = {method: values["balanced accuracy"] for method, values in study.items()}
    plain = study["cross-entropy"]
    # "every re-balancing method beats plain cross-entropy"
    assert all(
        a > accuracy["cross-entropy"] for m, a in accuracy.items() if m != "cross-entropy"
    )
    # "Balanced Softmax is the best at both imbalance factors"
    assert max(accuracy, key=accuracy.get) == "Balanced Softmax"
    # "the logit-based methods lift the tail classes more than re-weighting the loss
    # (class-balanced weights, deferred re-weighting), at a cost on the head"
    assert min(study[m]["tail"] for m in LOGIT) > max(study[m]["tail"] for m in WEIGHTED)
    assert all(study[m]["head"] < plain["head"] for m in LOGIT)
    # "deferred re-weighting stays within 0.01 of re-weighting from the start"
    assert (
        abs(accuracy["deferred re-weighting"] - accuracy["class-balanced weights"]) <= 0.01
    )
    # "a fresh over-sampled or weighted epoch every epoch comes within 0.02 of the
    # best method"
    assert all(accuracy[m] >= max(accuracy.values()) - 0.02 for m in RESAMPLED)
    # "per-epoch under-sampling has the lowest head and middle recall of all the
    # re-balancing methods"
    others = [m for m in study if m not in ("cross-entropy", "under-sampling per epoch")]
    for column in ("head", "middle"):
        assert study["under-sampling per epoch"][column] < min(
            study[m][column] for m in others
        )
