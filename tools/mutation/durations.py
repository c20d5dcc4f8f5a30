"""Real test durations for mutmut's timeouts (a workaround for mutmut 3.3.1).

mutmut 3.3.1 records each test's duration from its *teardown* phase, so every
estimate is near 0 s and a mutant whose tests take more than about 15 s is
called a timeout although its tests would have failed or passed. This module
is both a pytest plugin that records setup + call durations and the step that
writes them into ``mutants/mutmut-stats.json``::

    # from the repository root, after mutmut has made mutants/ and its stats
    python tools/mutation/durations.py

(``tools/mutation/run.sh`` does this between a run that only collects the
stats and the real run.)
"""

import json
import os
import subprocess
import sys
from pathlib import Path

OUT = Path(os.environ.get("SKWEIGHT_DURATIONS", "/tmp/skweight-test-durations.json"))
_SECONDS = {}


def pytest_runtest_logreport(report):
    if report.when in ("setup", "call"):
        _SECONDS[report.nodeid] = _SECONDS.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    OUT.write_text(json.dumps(_SECONDS))


def main():
    root = Path(__file__).resolve().parents[2]
    stats_path = root / "mutants" / "mutmut-stats.json"
    stats = json.loads(stats_path.read_text())
    tests = sorted(
        {t for ids in stats["tests_by_mangled_function_name"].values() for t in ids}
    )
    env = dict(os.environ, MUTANT_UNDER_TEST="", PYTHONPATH=str(Path(__file__).parent))
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "durations", "--rootdir=.", *tests],
        cwd=root / "mutants",
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    seconds = json.loads(OUT.read_text())
    known = stats["duration_by_test"]
    for name in known:
        known[name] = seconds.get(name, known[name])
    stats_path.write_text(json.dumps(stats))
    print(
        f"durations of {sum(n in seconds for n in known)} of {len(known)} tests "
        f"written ({sum(known.values()):.1f} s in all)"
    )


if __name__ == "__main__":
    main()
