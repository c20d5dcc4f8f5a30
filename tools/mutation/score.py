"""Print the mutation score from ``mutmut results --all true`` output.

Usage: ``python tools/mutation/score.py tools/mutation/all.txt``. Mutants no
test reaches ("no tests") count as survivors; timeouts count as killed;
mutants not run (a partial run) are left out.
"""

import collections
import sys


def main(path):
    status = collections.Counter()
    by_module = collections.defaultdict(collections.Counter)
    with open(path) as lines:
        for line in lines:
            name, sep, result = line.strip().rpartition(": ")
            if not sep:
                continue
            if result == "not checked":
                continue
            status[result] += 1
            by_module[name.split(".x")[0]][result] += 1
    killed = status["killed"] + status["timeout"]
    total = sum(status.values())
    print(
        f"{killed} of {total} mutants killed ({killed / max(total, 1):.1%}); "
        + ", ".join(f"{k}: {v}" for k, v in sorted(status.items()))
    )
    print()
    print("| module | mutants | killed | score |")
    print("|---|---:|---:|---:|")
    for module, counts in sorted(by_module.items()):
        n = sum(counts.values())
        k = counts["killed"] + counts["timeout"]
        print(f"| `{module}` | {n} | {k} | {k / n:.1%} |")


if __name__ == "__main__":
    main(sys.argv[1])
