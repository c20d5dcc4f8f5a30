"""The seams the architecture page promises hold, and each change goes in one place.

- No import cycle between the package's modules, counting the imports made
  inside functions and the package ``__init__`` each import runs.
- No module reads or writes another object's private state: outside the
  module that owns it, only public names (and the namedtuple API) are used.
- No strategy or balance-mode name is tested outside its registry's home.
- Each row of "Where a change goes" (``docs/architecture.md``) is made here,
  at run time, and then works without an edit elsewhere: a new column type
  (below), a new dataframe engine (below); a new scheme and a new mode
  (``test_registries.py``), a new strategy
  (``resampling/test_toy_strategy.py``).
"""

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skweight import EpochResampler, GroupBalancedWeighter
from skweight.engine import backends
from skweight.engine.backends import CountTable, Inputs, register_backend
from skweight.engine.codes import _ROUTES, RawCodes, register_codes

PACKAGE = Path(__file__).resolve().parent.parent / "skweight"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
# Where scikit-learn's private API is used on purpose: the compatibility module
# only (test_public_rails.py checks that no other module does).
SKLEARN_EDGE = {"_compat.py"}
# The namedtuple API, and scikit-learn's convention of extending a parent's
# declared constraints.
PUBLIC_UNDERSCORED = {
    "_replace",
    "_fields",
    "_asdict",
    "_make",
    "_parameter_constraints",
    "_meta",
    "_meta_nonempty",
}


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph():
    """Module -> the package's modules its imports run (any depth in the file)."""
    names = {_module_name(p): p for p in MODULES}

    def resolve(dotted):
        parts = dotted.split(".")
        while parts and ".".join(parts) not in names:
            parts.pop()
        return ".".join(parts) or None

    graph = {}
    for module, path in names.items():
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                found = resolve(target) if target.startswith("skweight") else None
                if found is None or found == module:
                    continue
                edges.add(found)
                # Importing a submodule runs its packages' __init__ first
                # (those the importer is not inside of).
                parts = found.split(".")
                edges.update(
                    p
                    for p in (".".join(parts[:i]) for i in range(2, len(parts)))
                    if p != module and not module.startswith(p + ".")
                )
        graph[module] = edges
    return graph


def test_no_import_cycle():
    graph = _import_graph()
    state, cycles = {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, f"import cycles: {cycles}"


def _copies_of_self(function):
    """Names a function binds to ``copy.copy(self)`` / ``copy.deepcopy(self)``."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            if ast.unparse(call.func) in ("copy.copy", "copy.deepcopy") and [
                ast.unparse(a) for a in call.args
            ] == ["self"]:
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _reach_ins(path):
    tree = ast.parse(path.read_text())
    owners = {"self", "cls"}
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            owners |= _copies_of_self(function)
    found = []
    for node in ast.walk(tree):
        name = None
        receiver = None
        if isinstance(node, ast.Attribute):
            name, receiver = node.attr, node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            name, receiver = node.args[1].value, node.args[0]
        if (
            name is None
            or not name.startswith("_")
            or name.startswith("__")
            or name in PUBLIC_UNDERSCORED
        ):
            continue
        if isinstance(receiver, ast.Name) and receiver.id in owners:
            continue
        if isinstance(receiver, ast.Call) and ast.unparse(receiver.func) == "super":
            continue
        found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_reaches_into_another_objects_private_state():
    found = [
        hit
        for path in MODULES
        if path.relative_to(PACKAGE).as_posix() not in SKLEARN_EDGE
        for hit in _reach_ins(path)
    ]
    assert not found, "private reach-ins:\n" + "\n".join(found)


_STRATEGY_NAMES = r"\"(under|over|weights)\""
_MODE_NAMES = r"\"(label|groups|joint|independence)\""


@pytest.mark.parametrize(
    "names, home, subject",
    [
        (_STRATEGY_NAMES, "resampling/strategies.py", r"(strategy|\.name)"),
        (_MODE_NAMES, "engine/modes.py", r"(balance|mode|\.name)"),
    ],
)
def test_no_strategy_or_mode_name_is_tested_outside_its_home(names, home, subject):
    test = re.compile(
        rf"{subject}\s*(==|!=)\s*{names}|{names}\s*(==|!=)\s*\w*{subject}"
        rf"|{subject}\s+(not\s+)?in\s+\(?[^)\n]*{names}"
    )
    found = []
    for path in MODULES:
        if path.relative_to(PACKAGE).as_posix() == home:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if ">>>" not in code and test.search(code):
                found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


# ---------------------------------------------------------------------- #
# "a new column type": one route, registered with register_codes
# ---------------------------------------------------------------------- #
class ToyColumn:
    """A column type skweight does not know: codes into a list of names."""

    ndim = 1

    def __init__(self, codes, names):
        self.codes, self.names = np.asarray(codes), list(names)

    def __len__(self):
        return len(self.codes)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.names, dtype=object)[self.codes]


ToyColumn.__module__ = "toycolumns"


def test_a_new_column_type_is_one_registered_route():
    calls = []

    def route(values):
        calls.append(len(values))
        return RawCodes(
            values.codes.astype(np.int64), pd.Index(values.names), len(values.names), False
        )

    register_codes("toycolumns", route)
    try:
        column = ToyColumn([0, 0, 0, 1, 1, 0], ["f", "m"])
        y = [0, 1, 0, 1, 0, 1]
        weighter = GroupBalancedWeighter().fit(None, y, sensitive_features={"g": column})
        assert calls  # the route coded the column
        plain = GroupBalancedWeighter().fit(
            None, y, sensitive_features={"g": np.asarray(column)}
        )
        pd.testing.assert_frame_equal(weighter.weight_table_, plain.weight_table_)
    finally:
        _ROUTES.remove(("toycolumns", route))


# ---------------------------------------------------------------------- #
# "a new dataframe engine": one backend, one register_backend line
# ---------------------------------------------------------------------- #
class ToyFrame:
    """A frame of an engine skweight does not know (it wraps pandas rows)."""

    def __init__(self, frame):
        self.frame = frame


ToyFrame.__module__ = "toyengine"


class ToyBackend:
    """Counts, weights and epochs for ToyFrame, through the public protocol only."""

    name, kind = "toy", "a toy frame"

    def count(self, inputs, roles, *, row_id=None):
        frame = inputs.X.frame
        keys = [k for k in (roles.groups, roles.strata) if k is not None]
        y = inputs.y if isinstance(inputs.y, str) else None
        counted = frame.groupby(keys + ([y] if y else []), sort=False).size()
        table = counted.reset_index(name="rows")
        label = table[y] if y else None
        return CountTable(
            Inputs(table[keys], label),
            table["rows"].to_numpy(),
            None,
            frame.shape[1],
            np.asarray(frame.columns, dtype=object),
        )

    def weigh(self, inputs, weighter, *, fitted_rows):
        return weighter.weight(inputs.X.frame, inputs.y)

    def epochs(self, inputs, roles, request, draw):
        drawing = draw(self.count(inputs, roles))
        return ToyEpochs(drawing, inputs.y)


class ToyEpochs:
    fitted_on = "a toy frame"

    def __init__(self, drawing, label):
        self.drawing, self.label = drawing, label

    def resample(self, X, y=None, *, epoch, sensitive_features=None, strata_features=None):
        frame = X.frame
        d = self.drawing
        unit = d.unit_of_cell[d.weighter.cell_ids(frame, self.label)]
        order = np.argsort(unit, kind="stable")  # rank: position within the unit
        rank = np.empty_like(order)
        starts = np.searchsorted(unit[order], unit[order])
        rank[order] = np.arange(unit.size) - starts
        copies = d.plan.row_counts(d.seed, epoch, unit, rank)
        return ToyFrame(frame.iloc[np.repeat(np.arange(len(frame)), copies)]), None

    def write(self, X, epochs, folders):
        for epoch, folder in zip(epochs, folders):
            Path(folder).mkdir(parents=True)
            self.resample(X, epoch=epoch)[0].frame.to_parquet(Path(folder) / "part.parquet")


@pytest.fixture
def toy_engine():
    entry = ("toy", lambda v: type(v).__module__ == "toyengine", ToyBackend)
    register_backend(*entry)
    yield
    backends._BACKENDS.remove(entry)
    backends._LOADED.pop("toy", None)


def test_a_new_dataframe_engine_is_one_registered_backend(toy_engine, tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "g": rng.choice(["f", "m"], 200, p=[0.2, 0.8]),
            "y": rng.integers(0, 2, 200),
            "x": rng.normal(size=200),
        }
    )
    toy = ToyFrame(df)
    weighter = GroupBalancedWeighter(groups="g", balance="joint")
    assert_allclose(
        weighter.fit_weight(toy, "y"),
        GroupBalancedWeighter(groups="g", balance="joint").fit_weight(df, "y"),
    )
    params = dict(groups="g", balance="joint", random_state=4)
    on_toy = EpochResampler("under", **params).fit(toy, "y")
    in_memory = EpochResampler("under", **params).fit(df, "y")
    assert on_toy.targets_ == in_memory.targets_
    assert list(on_toy.feature_names_in_) == ["g", "y", "x"]
    for epoch in (0, 3):
        rows = on_toy.resample(toy, epoch=epoch)[0].frame
        assert_array_equal(np.sort(rows.index), np.sort(in_memory.epoch_indices(epoch)))
    with pytest.raises(TypeError, match="fit on a toy frame"):
        on_toy.epoch_indices(0)
    folders = on_toy.write_epochs(toy, tmp_path, [1])
    assert len(pd.read_parquet(folders[0])) == on_toy.epoch_size_
