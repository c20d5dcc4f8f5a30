"""The package's layers point one way, and its modules stay small.

Each layer may import the layers below it only (the order of ``LAYERS``);
the engine and the estimator layers never name a backend library; no module
is over 600 lines. The architecture page of the docs describes these rules.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "skweight"
# Lowest first: a layer may import any layer before it in this list.
LAYERS = [
    "_compat",
    "exceptions",
    "engine",
    "weighting",
    "resampling",
    "compose",
    "evaluation",
    "datasets",
    "integrations",
    "cli",
]
# Faces at the top: the package root and its public facades.
FACADES = {
    "__init__",
    "__main__",
    "_show_versions",
    "torch",
    "dask",
    "pipeline",
    "metrics",
    "diagnostics",
    "priors",
    "schedules",
    "keras",
    "streams",
}
BACKENDS = ("dask", "distributed", "duckdb", "pyspark", "sqlframe", "torch", "keras")
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(path):
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path):
    """The skweight layers and the top-level libraries a module imports."""
    tree = ast.parse(path.read_text())
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    layers, libraries = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top == "skweight":
                    layers.add(alias.name.split(".")[1])
                else:
                    libraries.add(top)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                target = base + (node.module.split(".") if node.module else [])
                if len(target) > 1:
                    layers.add(target[1])
                else:  # "from .. import x": the names are modules of the root
                    layers.update(alias.name for alias in node.names)
            elif node.module and node.module.split(".")[0] == "skweight":
                layers.add(node.module.split(".")[1])
            elif node.module:
                libraries.add(node.module.split(".")[0])
    return layers, libraries


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    layer = _layer(path)
    if layer in FACADES:
        return
    own = LAYERS.index(layer)
    layers, _ = _imports(path)
    above = [name for name in layers if name in LAYERS and LAYERS.index(name) > own]
    assert not above, f"{path.name} ({layer}) imports the higher layer(s) {above}"


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if _layer(p) in ("engine", "weighting", "resampling", "compose")],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_the_core_names_no_backend(path):
    _, libraries = _imports(path)
    assert not set(libraries) & set(BACKENDS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_600_lines(path):
    assert len(path.read_text().splitlines()) <= 600


def test_the_top_level_names_load_on_first_use():
    import subprocess
    import sys

    import skweight

    assert set(skweight.__all__) - {"__version__"} == set(skweight._LAZY)
    for name in skweight._LAZY:
        assert getattr(skweight, name).__name__ == name
        assert name in dir(skweight)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        skweight.Nope  # noqa: B018
    code = "import sys, skweight; print('sklearn' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]
