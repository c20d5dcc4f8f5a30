"""skweight uses scikit-learn's public API only, outside ``skweight/_compat.py``.

Private scikit-learn names (a module or name with a leading underscore, or a
private method of scikit-learn's classes) move between minor releases. Only
the compatibility module may import or call them, so that a release that
moves one is fixed in one place (and noticed first by ``test_compat.py``).
"""

import ast
import inspect
from pathlib import Path

import sklearn.base
import sklearn.pipeline
import sklearn.utils.metadata_routing

PACKAGE = Path(__file__).resolve().parent.parent / "skweight"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
EDGE = "_compat.py"
# scikit-learn's documented convention for a parameter's declared constraints.
CONVENTIONS = {"_parameter_constraints"}


def _sklearn_private_names():
    """Private attributes of the scikit-learn classes skweight builds on."""
    classes = [
        obj
        for module in (sklearn.base, sklearn.pipeline, sklearn.utils.metadata_routing)
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if obj.__module__.startswith("sklearn")
    ]
    return {
        name
        for cls in classes
        for name in dir(cls)
        if name.startswith("_") and not name.startswith("__")
    } - CONVENTIONS


def _own_private_names():
    """Private names skweight defines itself (its own methods and attributes)."""
    names = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _private_sklearn_uses(path, private):
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn"):
            if any(part.startswith("_") for part in node.module.split(".")) or any(
                alias.name.startswith("_") for alias in node.names
            ):
                found.append(f"{where}: {ast.unparse(node)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sklearn") and any(
                    p.startswith("_") for p in alias.name.split(".")
                ):
                    found.append(f"{where}: {ast.unparse(node)}")
        elif isinstance(node, ast.Attribute) and node.attr in private:
            found.append(f"{where}: {ast.unparse(node)}")
    return found


def test_no_private_sklearn_name_outside_compat():
    private = _sklearn_private_names() - _own_private_names()
    assert {
        "_iter",
        "_final_estimator",
        "_check_method_params",
        "_validate_params",
    } <= private  # the scan sees the usual suspects
    found = [
        hit
        for path in MODULES
        if path.relative_to(PACKAGE).as_posix() != EDGE
        for hit in _private_sklearn_uses(path, private)
    ]
    assert not found, "private scikit-learn API outside _compat.py:\n" + "\n".join(found)


def test_the_scan_finds_private_imports_and_calls(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from sklearn.utils._param_validation import Interval\n"
        "import sklearn.utils._testing\n"
        "from sklearn.base import _fit_context\n"
        "from sklearn.base import clone\n"
        "def f(pipe):\n    return pipe._iter(), pipe.fit\n"
    )
    assert len(_private_sklearn_uses(bad, {"_iter"})) == 4
