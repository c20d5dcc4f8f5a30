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
    import inspect
    import types

    import pytest

    _MAIN_PID = os.getpid()

    def _uses_polars(request):
        """Whether the test's code, or a parameter's, calls polars (``pl.``)."""
        if not any(
            isinstance(value, types.ModuleType) and value.__name__ == "polars"
            for value in vars(request.module).values()
        ):
            return False
        callspec = getattr(request.node, "callspec", None)
        params = list(callspec.params.values()) if callspec is not None else []
        for code in [request.function, *filter(callable, params)]:
            try:
                if "pl." in inspect.getsource(code):
                    return True
            except (OSError, TypeError):
                continue
        return False

    @pytest.fixture(autouse=True)
    def _no_polars_in_mutant_forks(request):
        """mutmut judges each mutant in a fork of a process in which polars
        has started its thread pool, and polars hangs in such a fork (the run
        then reads as a timeout). Tests that call polars are skipped there;
        they run everywhere else."""
        if os.getpid() != _MAIN_PID and _uses_polars(request):
            pytest.skip("polars cannot run in a fork of a process that used it")
