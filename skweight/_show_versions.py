"""``skweight.show_versions()``: the facts a bug report needs.

The versions are read from the installed distributions' metadata
(:mod:`importlib.metadata`), so that nothing heavy is imported to print them.
"""

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

__all__ = ["show_versions"]

_REQUIRED = (
    "skweight",
    "numpy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "narwhals",
    "tqdm",
    "scipy",
    "joblib",
)
_OPTIONAL = (
    "polars",
    "duckdb",
    "dask",
    "distributed",
    "pyspark",
    "torch",
    "torchdata",
    "keras",
    "imbalanced-learn",
    "fairlearn",
    "matplotlib",
)


def _versions(names):
    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def versions() -> dict[str, dict[str, str | None]]:
    """The system and package versions :func:`show_versions` prints.

    Returns
    -------
    info : dict
        ``{"system": {...}, "dependencies": {...}, "optional": {...}}``; a
        package that is not installed has the version None.

    Examples
    --------
    >>> from skweight._show_versions import versions
    >>> sorted(versions())
    ['dependencies', 'optional', 'system']
    """
    return {
        "system": {
            "python": sys.version.replace("\n", " "),
            "executable": sys.executable,
            "machine": platform.platform(),
        },
        "dependencies": _versions(_REQUIRED),
        "optional": _versions(_OPTIONAL),
    }


def show_versions() -> None:
    """Print the system, skweight's and its dependencies' versions.

    Paste its output into a bug report.

    Examples
    --------
    >>> import skweight
    >>> skweight.show_versions()  # doctest: +ELLIPSIS
    <BLANKLINE>
    System:
        python: ...
    """
    for title, values in zip(
        ("System", "Python dependencies", "Optional dependencies"), versions().values()
    ):
        print(f"\n{title}:")
        width = max(len(name) for name in values)
        for name, value in values.items():
            print(f"{name:>{width + 4}}: {value if value is not None else 'not installed'}")
