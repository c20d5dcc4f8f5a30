"""Shared test configuration.

Under mutation testing (``tools/mutation/run.sh``, which sets
``MUTANT_UNDER_TEST``) hypothesis draws fewer examples, so that each of the
thousands of mutants is judged in seconds; the properties are the same.
"""

import os

MUTATION = "MUTANT_UNDER_TEST" in os.environ


def examples(n):
    """``n`` hypothesis examples, or a quarter of them under mutation testing."""
    return max(5, n // 4) if MUTATION else n
