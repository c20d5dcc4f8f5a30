"""Run the whole benchmark suite and write every table into docs/benchmarks/.

    python benchmarks/run_all.py            # small sizes: a few minutes on 2 cores
    python benchmarks/run_all.py --full     # 10 million rows, more seeds
    python benchmarks/run_all.py --large    # only the speed pages at 1e7 rows
                                            # (*_10m.md, keys, spark; index large.md)
    python benchmarks/run_all.py --all      # every page the docs show: both runs

It runs from a clean commit (``--allow-dirty`` for a trial), so that every
page names the code it measured, and records paths from the repository root.

Each benchmark runs in its own process (one does not inherit another's memory or
imports), writes ``<name>.md`` (and its figure) to ``--output``, and the index
``README.md`` there records the command, the versions, the machine and, per
benchmark, the exact command line, wall time and exit status. A benchmark that
fails (or whose script is missing) gets a ``<name>.md`` saying so, never a stale
table.
"""

import argparse
import datetime
import os
import platform
import shlex
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from _timing import git_revision

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks"
PACKAGES = (
    "skweight",
    "numpy",
    "pandas",
    "scikit-learn",
    "imbalanced-learn",
    "torch",
    "aif360",
    "matplotlib",
    "narwhals",
    "polars",
    "pyarrow",
)


def steps(full, out):
    """(name, what it measures, script, arguments, writes its own report)."""
    n = "10000000" if full else "1000000"
    seeds = "5" if full else "3"
    return [
        (
            "frames",
            "fit_weight on every input type (pandas, polars, pyarrow) against "
            "the fastest codes of that library plus the numpy pipeline",
            "bench_frames.py",
            [
                "--n",
                "1e5",
                "1e6",
                *(["1e7"] if full else []),
                "--output",
                str(out / "frames.md"),
            ],
            True,
        ),
        (
            "weights",
            "fit_weight against numpy, pandas, scikit-learn and AIF360",
            "bench_weights.py",
            ["--n", n, "--output", str(out / "weights.md")],
            True,
        ),
        (
            "resample",
            "EpochResampler against numpy and imbalanced-learn; EpochSampler "
            "against WeightedRandomSampler",
            "bench_resample.py",
            ["--n", n],
            False,
        ),
        (
            "raking",
            "RakingWeighter against numpy IPF on the joint table; target shares "
            "against equal shares",
            "bench_raking.py",
            ["--n", "1e7", "--output", str(out / "raking.md")],
            True,
        ),
        (
            "torch_loader",
            "one DataLoader epoch: EpochBatchSampler against WeightedRandomSampler "
            "per index and batched",
            "bench_torch_loader.py",
            ["--n", "1e6", "--output", str(out / "torch_loader.md")],
            True,
        ),
        (
            "scaling",
            "time and memory per row from 1e5 rows up to " + ("1e7" if full else "1e6"),
            "bench_scaling.py",
            (["--full"] if full else []) + ["--output", str(out)],
            True,
        ),
        (
            "quality_classes",
            "class-weighting schemes on Adult occupation (macro F1)",
            "quality_classes.py",
            ["--seeds", seeds, "--output", str(out)],
            True,
        ),
        (
            "quality_fairness",
            "group balancing on Adult: accuracy and fairness",
            "quality_fairness.py",
            ["--seeds", seeds, "--output", str(out)],
            True,
        ),
        (
            "quality_long_tail",
            "training-loop methods on long-tailed digits (torch MLP)",
            "quality_long_tail.py",
            ["--seeds", seeds, "--output", str(out)],
            True,
        ),
        (
            "startup",
            "imports and wall time of skweight --help",
            "bench_startup.py",
            ["--output", str(out / "startup.md")],
            True,
        ),
        (
            "dask",
            "weights on a two-worker dask LocalCluster against pandas in one "
            "process, from partitioned Parquet",
            "bench_dask.py",
            ["--n", "50000000" if full else "2000000", "--scales", "1"],
            False,
        ),
    ]


def large_steps(out):
    """The speed benchmarks at 10 million rows (dask at 50 million), pages of
    their own (``<name>.md``) beside those of the default run."""
    return [
        (
            "frames_10m",
            "fit_weight on every input type up to 1e7 rows",
            "bench_frames.py",
            [
                "--n",
                "1e5",
                "1e6",
                "1e7",
                "--repeat",
                "7",
                "--output",
                str(out / "frames_10m.md"),
            ],
            True,
        ),
        (
            "weights_10m",
            "fit_weight against numpy, pandas and scikit-learn at 1e7 rows",
            "bench_weights.py",
            [
                "--n",
                "10000000",
                "--repeat",
                "5",
                "--no-aif360",
                "--output",
                str(out / "weights_10m.md"),
            ],
            True,
        ),
        (
            "resample_10m",
            "EpochResampler and EpochSampler at 1e7 rows",
            "bench_resample.py",
            ["--n", "1e7", "--repeats", "3"],
            False,
        ),
        (
            "keys",
            "fit_weight and partial_fit on keys of a million levels (ids, user x "
            "item, polars strings) against the fastest pipeline, at 1e7 rows",
            "bench_keys.py",
            ["--n", "1e7", "--output", str(out / "keys.md")],
            True,
        ),
        (
            "dask_50m",
            "weights on a two-worker dask LocalCluster at 5e7 rows",
            "bench_dask.py",
            ["--n", "50000000", "--scales", "1"],
            False,
        ),
        (
            "spark",
            "weights and epochs on PySpark local[2] against hand-written queries, "
            "at 2e6 and 2e7 rows",
            "bench_spark.py",
            ["--n", "2e6", "2e7", "--output", str(out / "spark.md")],
            True,
        ),
    ]


def command_line(script, args, out):
    """The command as a reader would type it from the repository root."""
    inside = out.is_relative_to(ROOT)
    shown = [
        os.path.relpath(a, ROOT) if inside and a.startswith(str(out)) else a for a in args
    ]
    return " ".join(["python", f"benchmarks/{script}", *shown])


def run_step(name, script, args, writes_report, out):
    """Run one benchmark; return (status, seconds) and make sure <name>.md is current."""
    path = HERE / script
    report = out / f"{name}.md"
    if out.is_relative_to(ROOT):  # what the child records is a path from the root
        args = [os.path.relpath(a, ROOT) if a.startswith(str(out)) else a for a in args]
    if not path.exists():
        report.write_text(f"Not run: `benchmarks/{script}` does not exist.\n")
        return "missing", 0.0
    print(f"== {name}: {command_line(script, args, out)}", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(path), *args], cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        report.write_text(
            f"`{command_line(script, args, out)}` failed (exit {proc.returncode}); "
            "its last output:\n\n```text\n" + _tail(proc.stdout + proc.stderr) + "\n```\n"
        )
        print(f"   failed (exit {proc.returncode}) after {seconds:.0f} s", flush=True)
        return f"failed (exit {proc.returncode})", seconds
    if not writes_report:  # a script that only prints: keep its output verbatim
        report.write_text(
            f"`{command_line(script, args, out)}`: {_versions_line()}; "
            f"{_machine_line()}.\n\n```text\n{proc.stdout.rstrip()}\n```\n"
        )
    print(f"   done in {seconds:.0f} s", flush=True)
    return "ok", seconds


def _tail(text, lines=40):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _version(package):
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _versions_line():
    return ", ".join(
        [f"Python {platform.python_version()}"] + [f"{p} {_version(p)}" for p in PACKAGES]
    )


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 2**20:.0f} GiB memory"
    except (OSError, ValueError):
        pass
    return "memory unknown"


def _machine_line():
    return f"{platform.platform()}, {_cpu_model()}, {os.cpu_count()} CPUs, {_memory()}"


def _load():
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def write_index(
    out, command, results, started, load_before, note, revision, index="README.md"
):
    lines = [
        "# Benchmark results" + (" at 10 million rows" if index == "large.md" else ""),
        "",
        "Generated by one command, from the repository root; every number in these "
        "files was written by the scripts, none by hand:",
        "",
        f"    {command}",
        "",
        f"- Run: {started:%Y-%m-%d %H:%M} UTC, git {revision}, total "
        f"{sum(r[4] for r in results):.0f} s.",
        f"- Versions: {_versions_line()}.",
        f"- Machine: {_machine_line()}; load average (1/5/15 min) "
        f"{load_before} before the run, {_load()} after.",
        "",
        f"Timings come from a machine with {os.cpu_count()} CPUs"
        + (f" ({note})" if note else "")
        + ". Absolute seconds on such a machine say little; every comparison is a "
        "ratio of two timings measured side by side in the same process and run, "
        "with the best and the median of the repeats: rely on the ratios.",
        "",
        "| benchmark | measures | command | status | wall time (s) |",
        "|---|---|---|---|---|",
    ]
    for name, measures, cmd, status, seconds in results:
        lines.append(
            f"| [{name}]({name}.md) | {measures} | `{cmd}` | {status} | {seconds:.0f} |"
        )
    if index == "README.md":
        lines += [
            "",
            "The speed benchmarks at 10 million rows: [large.md](large.md) "
            "(`python benchmarks/run_all.py --large`).",
        ]
    lines += [
        "",
        "What each script measures, and the targets: "
        "[benchmarks/README.md](../../benchmarks/README.md).",
    ]
    (out / index).write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full",
        action="store_true",
        help="10 million rows (and up to 1e7 for scaling), 5 seeds",
    )
    parser.add_argument(
        "--large",
        action="store_true",
        help="only the speed benchmarks at 1e7 rows, into *_10m.md "
        "and dask_50m.md, indexed in large.md",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="every page the docs show: the default run, then --large",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="folder for the tables (default: docs/benchmarks)",
    )
    parser.add_argument(
        "--only",
        help="comma-separated subset, e.g. weights,scaling "
        "(the index then lists only those)",
    )
    parser.add_argument(
        "--allow-dirty",
        action="store_true",
        help="run with uncommitted changes (a trial: the pages then name the "
        "commit with -dirty)",
    )
    parser.add_argument(
        "--note",
        default="",
        help="a remark on the machine for the index, e.g. that it "
        "was shared with other jobs",
    )
    args = parser.parse_args(argv)
    given = sys.argv[1:] if argv is None else list(argv)
    if args.all:
        if args.large or args.full or args.only:
            parser.error("--all runs the default pages and --large: drop the others")
        rest = [a for a in given if a != "--all"]
        default_status = main(rest)
        return main([*rest, "--large"]) or default_status
    out = args.output.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.large and args.full:
        parser.error("--large and --full are two different runs: choose one")
    plan = large_steps(out) if args.large else steps(args.full, out)
    index = "large.md" if args.large else "README.md"
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {s[0] for s in plan}
        if unknown:
            parser.error(
                f"--only: unknown benchmark(s) {sorted(unknown)}; choose from "
                f"{[s[0] for s in plan]}"
            )
        plan = [s for s in plan if s[0] in wanted]
    command = shlex.join(["python", "benchmarks/run_all.py", *given])
    started = datetime.datetime.now(datetime.timezone.utc)
    revision = git_revision()  # before any table is rewritten
    if revision.endswith("-dirty") and not args.allow_dirty:
        parser.error(
            "the working tree has uncommitted changes: commit them first, so that the "
            "pages name the code they measured (or pass --allow-dirty for a trial run)"
        )
    load_before = _load()
    results = []
    for name, measures, script, script_args, writes_report in plan:
        status, seconds = run_step(name, script, script_args, writes_report, out)
        results.append(
            (name, measures, command_line(script, script_args, out), status, seconds)
        )
    write_index(
        out, command, results, started, load_before, args.note, revision, index=index
    )
    print(f"Wrote {out / index}")
    return 0 if all(r[3] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
