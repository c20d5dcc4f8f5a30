"""Print the declared minimum versions as pins, for the minimum-versions CI job.

Reads ``pyproject.toml``: every core dependency and the frame libraries
(the ``polars`` extra) at exactly the version their ``>=`` names, e.g.
``numpy>=1.24`` -> ``numpy==1.24.0``.

Usage: ``python tools/min_versions.py > floors.txt``
"""

import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = ("polars",)


def pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in EXTRAS:
        specs += project["optional-dependencies"][extra]
    out = {}
    for spec in specs:
        match = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)>=([0-9.]+)", spec.replace(" ", ""))
        if match is None:
            sys.exit(f"cannot read a minimum version from {spec!r}")
        name, version = match.groups()
        parts = version.split(".")
        out[name] = f"{name}=={'.'.join(parts + ['0'] * (3 - len(parts)))}"
    return list(out.values())


if __name__ == "__main__":
    print("\n".join(pins()))
