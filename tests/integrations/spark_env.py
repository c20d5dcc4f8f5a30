"""What the Spark test modules need: pyspark and a Java runtime.

CI installs both (requirements-test.txt and a system JRE), so the modules that
import this run there; elsewhere they are skipped with the reason.
"""

import shutil

import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - CI installs a JRE
    pytest.skip("PySpark needs a Java runtime", allow_module_level=True)

# pyspark warns about pandas 3; the skew of the test data makes skweight warn.
MARKS = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::skweight.exceptions.WeightingWarning"),
]


def spy_on_collects(frame, monkeypatch):
    """Record the length of what every collect-like call of ``frame``'s class
    brings to the driver (-1 for an iterator); return the list it fills."""
    DataFrame = type(frame)  # pyspark's classic (or connect) DataFrame class
    collected = []
    for name in ("collect", "toPandas", "toArrow", "take", "tail", "toLocalIterator"):
        original = getattr(DataFrame, name, None)
        if original is None:
            continue

        def spy(self, *args, _original=original, **kwargs):
            result = _original(self, *args, **kwargs)
            collected.append(len(result) if hasattr(result, "__len__") else -1)
            return result

        monkeypatch.setattr(DataFrame, name, spy)
    return collected
