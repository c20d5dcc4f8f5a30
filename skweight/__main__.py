"""``python -m skweight``: the command line (without a command, the demo).

The command line itself lives in :mod:`skweight.cli.main`; ``main`` is re-exported
here for the ``skweight`` console script.
"""

import sys

from .cli.main import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
