"""Every public signature speaks the vocabulary of ``docs/contributing.md``.

- A parameter name used by two public callables is in the vocabulary table.
- No public signature uses a name the table refuses (its "not" column), but
  for a deprecated one (its docstring says "Deprecated") on its way out.
- A parameter whose kind is "column key" is documented as a column; one whose
  kind is "per row" as one value per row.
"""

import importlib
import inspect
import re
from collections import defaultdict
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PUBLIC = [
    "skweight",
    "skweight.metrics",
    "skweight.diagnostics",
    "skweight.priors",
    "skweight.schedules",
    "skweight.streams",
    "skweight.pipeline",
    "skweight.datasets",
    "skweight.exceptions",
    "skweight.torch",
    "skweight.keras",
    "skweight.dask",
]
IDENTIFIER = re.compile(r"`([A-Za-z_]\w*)`")


def _table():
    """``{name: kind}`` and the refused names, from the vocabulary table."""
    text = (DOCS / "contributing.md").read_text()
    rows = text[text.index("| name | meaning | kind | not |") :].split("\n\n")[0]
    names, refused = {}, set()
    for line in rows.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for name in IDENTIFIER.findall(cells[0]):
            names[name] = cells[2]
        refused.update(IDENTIFIER.findall(cells[3]))
    return names, refused - set(names)


def _callables():
    """``(where, function, docstring)`` of every public function, class and method."""
    out = []
    for module_name in PUBLIC:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # an optional engine that is not installed
            continue
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                out.append((f"{module_name}.{name}", obj.__init__, obj.__doc__ or ""))
                for method, function in inspect.getmembers(obj, inspect.isfunction):
                    # skweight's own methods (not torch's or scikit-learn's, nor
                    # the generated set_*_request of metadata routing)
                    if not method.startswith("_") and function.__module__.startswith(
                        "skweight"
                    ):
                        out.append(
                            (
                                f"{module_name}.{name}.{method}",
                                function,
                                function.__doc__ or "",
                            )
                        )
            elif callable(obj):
                out.append((f"{module_name}.{name}", obj, obj.__doc__ or ""))
    return out


def _parameters(function):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    return [
        p.name
        for p in signature.parameters.values()
        if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _described(doc, name):
    """The docstring's entry for ``name`` (its line and the indented lines below)."""
    lines = doc.splitlines()
    head = re.compile(rf"^(\s*)(?:\w+,\s*)*{name}(?:,\s*\w+)*\s*:")
    for i, line in enumerate(lines):
        match = head.match(line)
        if match:
            indent = len(match.group(1))
            body = [line]
            for later in lines[i + 1 :]:
                if later.strip() and len(later) - len(later.lstrip()) <= indent:
                    break
                body.append(later)
            return " ".join(body)
    return None


CALLABLES = _callables()
NAMES, REFUSED = _table()


def test_the_table_and_the_scan_see_the_api():
    assert {"groups", "sensitive_features", "random_state", "pos_label"} <= set(NAMES)
    assert {"seed", "positive", "source"} <= REFUSED
    assert len(CALLABLES) > 50


def _deprecated(doc, name):
    entry = _described(doc, name)
    return entry is not None and "deprecated" in entry.lower()


def test_shared_names_are_in_the_table():
    uses = defaultdict(set)
    for _where, function, doc in CALLABLES:
        for name in _parameters(function):
            if _deprecated(doc, name):
                continue
            # one place per function defined (an inherited method is its base's)
            uses[name].add(f"{function.__module__}.{function.__qualname__}")
    shared = {name for name, places in uses.items() if len(places) > 1}
    missing = sorted(shared - set(NAMES))
    assert not missing, f"names shared by public callables but not in the table: {missing}"


def test_no_public_signature_uses_a_refused_name():
    found = [
        f"{where}({name})"
        for where, function, doc in CALLABLES
        for name in _parameters(function)
        if name in REFUSED and not _deprecated(doc, name)
    ]
    assert not found, f"refused names in public signatures: {found}"


@pytest.mark.parametrize(
    "kind, words",
    [
        ("column key", ("column",)),
        ("per row", ("row", "n_samples", "array-like")),
    ],
)
def test_parameters_are_documented_as_their_kind(kind, words):
    names = {name for name, k in NAMES.items() if k == kind}
    wrong = []
    for where, function, doc in CALLABLES:
        for name in set(_parameters(function)) & names:
            entry = _described(doc, name)
            if entry is not None and not any(word in entry.lower() for word in words):
                wrong.append(f"{where}: {name}")
    assert not wrong, f"not documented as {kind}: {wrong}"
