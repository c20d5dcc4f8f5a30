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
MARKS = [pytest.mark.filterwarnings("ignore::FutureWarning"),
         pytest.mark.filterwarnings("ignore::skweight.exceptions.WeightingWarning")]
