"""The public API is annotated, and the package ships its annotations (py.typed).

Every public function of the public modules, and the methods users call on
the weighters and the resampler, annotate each parameter and the return.
``mypy`` (run by CI) checks the annotated code.
"""

import importlib
import inspect
from importlib.resources import files

import pytest

from skweight import EpochResampler, GroupBalancedWeighter

MODULES = [
    "skweight.metrics",
    "skweight.diagnostics",
    "skweight.priors",
    "skweight.schedules",
    "skweight.streams",
    "skweight.datasets",
]
METHODS = [
    (GroupBalancedWeighter, ["fit", "fit_weight", "weight", "partial_fit"]),
    (
        EpochResampler,
        ["fit", "epoch_indices", "epoch_size", "fit_resample", "resample", "write_epochs"],
    ),
]


def _public_functions():
    out = []
    for name in MODULES:
        module = importlib.import_module(name)
        out += [
            (f"{name}.{attr}", getattr(module, attr))
            for attr in module.__all__
            if inspect.isfunction(getattr(module, attr))
        ]
    out.append(
        ("skweight.show_versions", importlib.import_module("skweight").show_versions)
    )
    out += [
        (f"{cls.__name__}.{m}", getattr(cls, m))
        for cls, methods in METHODS
        for m in methods
    ]
    return out


@pytest.mark.parametrize(
    "where, function", _public_functions(), ids=[w for w, _ in _public_functions()]
)
def test_public_callables_are_annotated(where, function):
    signature = inspect.signature(function)
    missing = [
        p.name
        for p in signature.parameters.values()
        if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty
    ]
    assert not missing, f"{where}: parameters without annotations: {missing}"
    assert signature.return_annotation is not inspect.Signature.empty, where


def test_the_package_ships_py_typed():
    assert files("skweight").joinpath("py.typed").is_file()
