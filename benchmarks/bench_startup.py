"""Benchmark: how long ``skweight --help`` takes to start (a script, not a test).

``python -X importtime -m skweight --help`` prints the time of every import;
the sum of the top-level ones is the import time of the command. It is
measured ``--repeat`` times in fresh processes (best and median), with the
wall time of the whole process and, side by side, of ``python -c pass`` (the
interpreter alone) and of ``import sklearn`` (what ``--help`` used to load).
Target: imports under 0.5 s.

    python benchmarks/bench_startup.py --output docs/benchmarks/startup.md
"""

import argparse
import platform
import re
import statistics
import subprocess
import sys
import time

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
TARGET_S = 0.5


def import_seconds(argv):
    """Seconds of top-level imports of ``python -X importtime argv``, and wall seconds."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    total = 0
    for line in result.stderr.splitlines():
        match = _LINE.match(line)
        if match and len(match.group(3)) == 1:  # top level: one space of indent
            total += int(match.group(2))
    return total / 1e6, wall


def measure(argv, repeat):
    runs = [import_seconds(argv) for _ in range(repeat)]
    imports, walls = zip(*runs)
    return (min(imports), statistics.median(imports)), (
        min(walls),
        statistics.median(walls),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--output", help="also write the report to this markdown file")
    args = parser.parse_args(argv)
    cases = [
        ("skweight --help", ["-m", "skweight", "--help"]),
        ("python -c pass (the interpreter)", ["-c", "pass"]),
        ("import sklearn", ["-c", "import sklearn"]),
    ]
    lines = [
        f"`python benchmarks/bench_startup.py --repeat {args.repeat}`: Python "
        f"{platform.python_version()}, {platform.machine()}. Imports: the sum of "
        "the top-level lines of `python -X importtime`; wall: the whole process. "
        f"Best / median of {args.repeat} fresh processes. Target for `skweight "
        f"--help`: imports under {TARGET_S} s.",
        "",
        "| command | imports best / median (s) | wall best / median (s) | target |",
        "|---|---|---|---|",
    ]
    for name, command in cases:
        (ib, im), (wb, wm) = measure(command, args.repeat)
        target = ""
        if name.startswith("skweight"):
            target = f"< {TARGET_S} s: {'met' if im < TARGET_S else 'MISSED'}"
        lines.append(f"| `{name}` | {ib:.3f} / {im:.3f} | {wb:.3f} / {wm:.3f} | {target} |")
        print(lines[-1], flush=True)
    if args.output:
        with open(args.output, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
