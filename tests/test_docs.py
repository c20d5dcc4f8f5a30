"""The code in the documentation's pages runs, page by page, and prints what they show.

Every ```python block of a page under docs/ (and of the README) runs, in order,
in one namespace per page, inside a temporary folder; where an output block
follows it (``tests/doc_blocks.py``), what the block prints must match it.
Blocks written as ```{code-block} python are shown but not run (e.g.
distributed training, which needs several processes). With
``SKWEIGHT_DOCS_OUTPUTS=0`` (the minimum-versions CI job, whose older numpy and
pandas print numbers their own way) the code runs and the outputs are not
compared.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest

from tests.doc_blocks import blocks, matches, run

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
PAGES = sorted(
    p for p in DOCS.rglob("*.md") if "_build" not in p.parts and FENCE.search(p.read_text())
)
NEEDS = {
    "pytorch.md": "torch",
    "multilabel.md": "torch",
    "larger_than_memory.md": "pyarrow",
    "diagnostics.md": "matplotlib",
    "dask.md": "dask",
    "dataframes.md": "duckdb",
    "architecture.md": "polars",
    "spark.md": "pyspark",
}


# Optional engines a page may import; without one the page is skipped (the
# minimum-versions CI job installs none of them).
OPTIONAL = {
    "torch",
    "torchdata",
    "keras",
    "pytorch_lightning",
    "lightning",
    "transformers",
    "dask",
    "distributed",
    "duckdb",
    "pyspark",
    "sqlframe",
    "polars",
    "matplotlib",
    "imblearn",
    "fairlearn",
}
IMPORT = re.compile(r"^\s*(?:from|import)\s+(\w+)", re.MULTILINE)


def _optional_imports(text):
    return {
        name for block in FENCE.findall(text) for name in IMPORT.findall(block)
    } & OPTIONAL


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_code_runs(page, tmp_path, monkeypatch):
    if page.name in NEEDS:
        pytest.importorskip(NEEDS[page.name])
    for module in sorted(_optional_imports(page.read_text())):
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)
    _run_page(page.read_text(), page.name, "__docs__")


COMPARE = os.environ.get("SKWEIGHT_DOCS_OUTPUTS", "1") != "0"


def _run_page(text, name, module):
    namespace = {"__name__": module}
    for number, (code, expected) in enumerate(blocks(text)):
        got = run(code, namespace, f"{name}[block {number}]")
        if COMPARE and expected is not None:
            assert matches(expected, got), (
                f"{name}, block {number}: its output block shows\n{expected}\nbut it "
                f"printed\n{got}\n(python tools/docs_outputs.py {name} rewrites it)"
            )


def test_readme_code_runs(tmp_path, monkeypatch):
    """Every ```python block of the README runs, top to bottom, as written."""
    readme = DOCS.parent / "README.md"
    for module in sorted(_optional_imports(readme.read_text())):
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)
    _run_page(readme.read_text(), "README.md", "__readme__")


BASH = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL_PAGES = sorted(
    [DOCS.parent / "README.md"] + [p for p in DOCS.rglob("*.md") if "_build" not in p.parts]
)


def _command_lines(text):
    """The ``skweight ...`` commands of a page's ```bash blocks, as argv lists."""
    import shlex

    commands = []
    for block in BASH.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            argv = shlex.split(line, comments=True)
            if argv and argv[0] == "skweight":
                commands.append(argv[1:])
    return commands


SHELL_PAGES = [p for p in SHELL_PAGES if _command_lines(p.read_text())]


@pytest.mark.parametrize(
    "page",
    SHELL_PAGES,
    ids=[
        p.name if p.parent == DOCS.parent else str(p.relative_to(DOCS)) for p in SHELL_PAGES
    ],
)
def test_page_command_lines_run(page, tmp_path, monkeypatch, capsys):
    """Every ``skweight`` line of a page's shell blocks runs, in order, and succeeds."""
    pytest.importorskip("pyarrow")
    from skweight.cli.main import main

    monkeypatch.chdir(tmp_path)
    for argv in _command_lines(page.read_text()):
        target = None
        if ">" in argv:  # the one redirection the pages use: stdout to a file
            argv, target = argv[: argv.index(">")], argv[argv.index(">") + 1]
        with open(target or os.devnull, "w") as stdout:
            with contextlib.redirect_stdout(stdout) if target else contextlib.nullcontext():
                status = main(argv)
        assert status == 0, (
            f"{page.name}: skweight {' '.join(argv)}\n{capsys.readouterr().err}"
        )
        if target is not None:
            assert os.path.getsize(target) > 0


def test_an_output_block_that_differs_fails():
    page = "```python\nprint(1 + 1)\n```\n\n<!-- output -->\n```text\n3\n```\n"
    assert blocks(page) == [("print(1 + 1)\n", "3\n")]
    if not COMPARE:
        pytest.skip("outputs are not compared in this job")
    with pytest.raises(AssertionError, match="block 0: its output block shows"):
        _run_page(page, "page.md", "__docs__")
    _run_page(page.replace("3\n", "2\n"), "page.md", "__docs__")
    _run_page(page.replace("3\n", "...\n"), "page.md", "__docs__")  # ELLIPSIS
