"""Write the output blocks of the docs pages: what each ```python block prints.

Runs every ```python block of each page (in order, one namespace per page, in
a temporary folder, as ``tests/test_docs.py`` does) and puts what it printed in
an output block after it (see ``tests/doc_blocks.py``). An output block that
still matches what the block prints is kept as written, so hand-made
``...`` (for timings or paths) survive; one that no longer matches is
rewritten. The tests then fail whenever a page's printed results drift.

Usage: ``python tools/docs_outputs.py README.md docs/user_guide/class_weights.md``
(``--check`` only reports the pages whose outputs differ).
"""

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "torch")

from tests.doc_blocks import blocks, matches, run, with_outputs  # noqa: E402

# A float printed with more than 6 decimals is shown to 4, then "...": its last
# digits may differ between machines (summation order, BLAS kernels).
LONG_FLOAT = re.compile(r"(?<![\w.])(-?\d+\.\d{4})\d{3,}")


def shown(output):
    """``output`` with long floats cut to 4 decimals and an ellipsis."""
    return LONG_FLOAT.sub(r"\1...", output)


def page_outputs(path):
    """``(new text, names of the blocks whose output changed)`` of one page."""
    text = path.read_text()
    namespace = {"__name__": "__docs__"}
    outputs, changed = [], []
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            for number, (code, expected) in enumerate(blocks(text)):
                got = run(code, namespace, f"{path.name}[block {number}]")
                if expected is not None and matches(expected, got):
                    outputs.append(None)
                    continue
                if expected is None and not got:
                    outputs.append(None)
                    continue
                outputs.append(shown(got))
                changed.append(number)
        finally:
            os.chdir(here)
    return with_outputs(text, outputs), changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    stale = 0
    for path in args.pages:
        text, changed = page_outputs(path.resolve())
        if changed:
            stale += 1
            print(f"{path}: block(s) {changed} {'differ' if args.check else 'written'}")
            if not args.check:
                path.write_text(text)
    return 1 if (stale and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
