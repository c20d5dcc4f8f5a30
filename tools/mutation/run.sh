#!/usr/bin/env bash
# Mutation testing of skweight's engine, schemes and factors, targets and
# drawing modules, with mutmut (the modules and tests are set in
# pyproject.toml, [tool.mutmut]). Not part of CI: a full run takes about an
# hour on two cores. Usage, from the repository root:
#
#   pip install mutmut==3.3.1
#   bash tools/mutation/run.sh [max_children]
#
# It writes tools/mutation/survivors.txt (one surviving mutant per line; see
# one with `mutmut show NAME`) and prints the score to put in RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
children="${1:-2}"
rm -rf mutants
# A first run that matches no mutant makes mutants/ and the test stats; their
# durations are then measured for real (mutmut 3.3.1 records teardown times,
# which turns slow tests into false timeouts), and the real run follows. (The
# first run ends with "nothing matches" once the stats are written: expected.)
mutmut run "no-such-mutant" > /dev/null 2>&1 || true
python tools/mutation/durations.py
mutmut run --max-children "$children" > /dev/null 2>&1 || true
mutmut results --all true > tools/mutation/all.txt 2>/dev/null || mutmut results > tools/mutation/all.txt
grep -E ": survived$" tools/mutation/all.txt | sed 's/: survived$//' > tools/mutation/survivors.txt || true
python tools/mutation/score.py tools/mutation/all.txt
