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


if MUTATION:
    import types

    import pytest

    _MAIN_PID = os.getpid()

    @pytest.fixture(autouse=True)
    def _no_polars_in_mutant_forks(request):
        """mutmut judges each mutant in a fork of a process in which polars
        has started its thread pool, and polars hangs in such a fork (the run
        then reads as a timeout). Tests of modules that use polars are skipped
        there; they run everywhere else."""
        if os.getpid() != _MAIN_PID and any(
                isinstance(value, types.ModuleType) and value.__name__ == "polars"
                for value in vars(request.module).values()):
            pytest.skip("polars cannot run in a fork of a process that used it")
