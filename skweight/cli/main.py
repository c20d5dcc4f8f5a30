"""The ``skweight`` command: ``demo``, ``weigh`` and ``report``.

``skweight`` (or ``python -m skweight``) alone runs the demonstration.
``weigh`` and ``report`` read CSV or Parquet in chunks: the weighter learns
its cell counts with ``partial_fit`` on a first pass, and a second pass
writes the weights chunk by chunk, so memory holds one chunk at a time.
Every failure is one line on stderr and a non-zero exit status; nothing is
written when the command fails.
"""

import argparse
import json
import os
import sys
import tempfile
from contextlib import contextmanager

import numpy as np

from .tableio import CommandError, TableSink, TableSource

_SCHEMES = ("inverse", "sqrt_inverse", "log_inverse", "power", "effective_number")
_BALANCE = ("auto", "label", "groups", "joint", "independence")
# Library hints that read differently on the command line.
_HINTS = {
    "pass handle_missing='category'": "pass --missing category",
    "Pass handle_missing='category'": "Pass --missing category",
}


# ---------------------------------------------------------------------- #
# Arguments
# ---------------------------------------------------------------------- #
class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (with a pointer to --help)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(low, high=None, *, low_open=False, high_open=False, kind=float):
    bounds = ("(" if low_open else "[") + f"{low}, " + (
        "inf)" if high is None else f"{high}" + (")" if high_open else "]"))

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        too_low = value <= low if low_open else value < low
        too_high = high is not None and (value >= high if high_open else value > high)
        if too_low or too_high or value != value:
            raise argparse.ArgumentTypeError(f"must be in {bounds}; got {text}")
        return value

    return parse


def _columns(text):
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"empty column name in {text!r}")
    return names


def _add_keys(parser):
    keys = parser.add_argument_group("columns")
    keys.add_argument("--label", metavar="COL", help="the label column")
    keys.add_argument("--groups", metavar="COL[,COL]", type=_columns,
                      help="sensitive group column(s); several form "
                           "intersectional groups")
    keys.add_argument("--strata", metavar="COL[,COL]", type=_columns,
                      help="stratum column(s): balance inside each stratum")
    parser.add_argument("--balance", choices=_BALANCE, default="auto",
                        help="what becomes equal inside each stratum (default: "
                             "auto = groups when --groups is given, else label)")
    parser.add_argument("--missing", choices=("error", "category"),
                        default="error",
                        help="missing values in a group or stratum column: an "
                             "error (default) or a level of their own")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="how the balance report is printed (default: table)")
    parser.add_argument("--chunk-size", type=_number(1, kind=int), default=65_536,
                        metavar="N", help="rows read at a time (default: 65536)")


def _parser():
    from .. import __version__

    parser = _Parser(
        prog="skweight",
        description="Sample weights that balance labels and groups within "
                    "strata. Without a command: the demonstration.",
    )
    parser.add_argument("--version", action="version",
                        version=f"skweight {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                parser_class=_Parser)

    demo = sub.add_parser("demo", help="balance gender within product categories "
                                       "on generated data (the default command)")
    demo.add_argument("--n-samples", type=_number(100, kind=int), default=40_000,
                      help="number of generated reviews (default: 40000)")
    demo.add_argument("--random-state", type=int, default=0,
                      help="seed of the data and the split (default: 0)")
    demo.add_argument("--plot", metavar="PATH",
                      default=os.path.join(tempfile.gettempdir(), "skweight-demo.png"),
                      help="where to save the balance plot when matplotlib is "
                           "installed (default: %(default)s)")
    demo.add_argument("--no-plot", action="store_true", help="save no plot")

    weigh = sub.add_parser(
        "weigh", help="compute weights for a CSV or Parquet file",
        description="Compute one weight per row of INPUT, write them to OUTPUT "
                    "and print the balance report.")
    weigh.add_argument("input", metavar="INPUT", help="a .csv or .parquet file")
    weigh.add_argument("--output", "-o", metavar="OUTPUT", required=True,
                       help="where to write the weights (.csv or .parquet)")
    weigh.add_argument("--force", action="store_true",
                       help="overwrite OUTPUT if it exists")
    weigh.add_argument("--append-input", action="store_true",
                       help="write the input's columns followed by the weight")
    weigh.add_argument("--weight-column", default="weight", metavar="NAME",
                       help="name of the weight column (default: weight)")
    _add_keys(weigh)
    scheme = weigh.add_argument_group("weighting")
    scheme.add_argument("--scheme", choices=_SCHEMES,
                        help="count -> factor (default: inverse; effective_number "
                             "when --beta is given)")
    scheme.add_argument("--beta", type=_number(0, 1, low_open=True, high_open=True),
                        help="beta of the effective-number scheme (default: 0.999)")
    scheme.add_argument("--power", type=_number(0),
                        help="exponent of the power scheme (default: 1)")
    scheme.add_argument("--normalize", choices=("mean", "cells", "none"),
                        default="mean", help="scaling of the weights (default: "
                                             "mean weight 1)")
    scheme.add_argument("--strength", type=_number(0, 1), default=1.0,
                        help="0: no correction, 1: full (default: 1)")
    scheme.add_argument("--max-weight", type=_number(1), metavar="M",
                        help="clip weights at M times the mean")

    report = sub.add_parser(
        "report", help="print the balance report of a file",
        description="Print the balance report of INPUT: shares per stratum x "
                    "group x label cell, before and after weighting by --weight.")
    report.add_argument("input", metavar="INPUT", help="a .csv or .parquet file")
    report.add_argument("--weight", metavar="COL",
                        help="a column of weights to assess (default: none, the "
                             "data as they are)")
    _add_keys(report)
    return parser


def _key_columns(args):
    if args.label is None and not args.groups:
        raise CommandError("give --label, --groups or both")
    if args.balance in ("groups", "joint", "independence") and not args.groups:
        raise CommandError(f"--balance {args.balance} needs --groups")
    if args.balance in ("label", "joint", "independence") and args.label is None:
        raise CommandError(f"--balance {args.balance} needs --label")
    groups, strata = args.groups or [], args.strata or []
    names = ([args.label] if args.label else []) + groups + strata
    if len(set(names)) != len(names):
        raise CommandError(f"a column is named twice among --label, --groups "
                           f"and --strata: {names}")
    return groups, strata


def _weighter(args, groups, strata):
    from ..weighting.weighters import EffectiveNumberWeighter, GroupBalancedWeighter

    scheme = args.scheme or ("effective_number" if args.beta is not None else "inverse")
    if args.beta is not None and scheme != "effective_number":
        raise CommandError("--beta applies to --scheme effective_number only")
    if args.power is not None and scheme != "power":
        raise CommandError("--power applies to --scheme power only")
    # With --balance label the groups are only reported, not balanced.
    use_groups = groups and args.balance != "label"
    common = dict(groups=groups if use_groups else None, strata=strata or None,
                  balance=args.balance, strength=args.strength,
                  normalize=None if args.normalize == "none" else args.normalize,
                  max_weight=args.max_weight, handle_missing=args.missing)
    if scheme == "effective_number":
        beta = 0.999 if args.beta is None else args.beta
        return EffectiveNumberWeighter(beta=beta, **common)
    power = 1.0 if args.power is None else args.power
    return GroupBalancedWeighter(scheme=scheme, power=power, **common)


# ---------------------------------------------------------------------- #
# Commands
# ---------------------------------------------------------------------- #
def _rows(source, columns, args):
    """Yield ``(where, X, y, frame, batch)`` per chunk.

    ``where`` is a context manager that names the chunk's rows in errors.
    ``X`` holds the group and stratum columns (None when there are none).
    """
    groups, strata = args.groups or [], args.strata or []
    for start, frame, batch in source.chunks(columns):
        X = frame[strata + groups] if strata + groups else None
        y = frame[args.label] if args.label else None
        yield _located(source, start, len(frame)), X, y, frame, batch


@contextmanager
def _located(source, start, n_rows):
    try:
        yield
    except (ValueError, TypeError) as exc:
        raise CommandError(
            f"rows {start}-{start + n_rows - 1} of {source.path}: {_one_line(exc)}"
        ) from exc


def _in_file_order(source, names):
    wanted = set(names)
    return [c for c in source.columns if c in wanted]


def _run_weigh(args, out):
    from ..evaluation.report import _CellTotals

    groups, strata = _key_columns(args)
    weighter = _weighter(args, groups, strata)
    source = TableSource(args.input, args.chunk_size)
    keys = ([args.label] if args.label else []) + groups + strata
    source.check_columns(keys, "--label/--groups/--strata")
    if args.append_input and args.weight_column in source.columns:
        raise CommandError(
            f"{args.input} already has a column {args.weight_column!r}; choose "
            "another name with --weight-column"
        )
    sink = TableSink(args.output, force=args.force)

    key_columns = _in_file_order(source, keys)
    seen = 0
    for where, X, y, frame, _ in _rows(source, key_columns, args):
        with where:
            weighter.partial_fit(X, y)
        seen += len(frame)
    if seen == 0:
        raise CommandError(f"{args.input} has no rows")

    totals = _CellTotals(groups=groups or None, strata=strata or None,
                         label=args.label is not None, handle_missing=args.missing)
    columns = None if args.append_input else key_columns
    with sink:
        for where, X, y, frame, batch in _rows(source, columns, args):
            with where:
                w = weighter.weight(X, y)
                totals.add(X, y, w)
            _write(sink, args, frame, batch, w)
    report = totals.report(args.balance)
    _print_report(report, args.format, out)
    print(f"skweight: wrote {seen} weights to {args.output}", file=sys.stderr)
    return 0


def _write(sink, args, frame, batch, weights):
    name = args.weight_column
    if not args.append_input:
        frame = frame.iloc[:, :0].assign(**{name: weights})
        sink.write(frame)
    elif sink.format == "parquet" and batch is not None:
        import pyarrow as pa

        table = pa.Table.from_batches([batch]).append_column(name, pa.array(weights))
        sink.write(None, table)
    else:
        sink.write(frame.assign(**{name: weights}))


def _run_report(args, out):
    import pandas as pd

    from ..evaluation.report import _CellTotals

    groups, strata = _key_columns(args)
    source = TableSource(args.input, args.chunk_size)
    keys = ([args.label] if args.label else []) + groups + strata
    source.check_columns(keys, "--label/--groups/--strata")
    if args.weight is not None:
        source.check_columns([args.weight], "--weight")
    totals = _CellTotals(groups=groups or None, strata=strata or None,
                         label=args.label is not None, handle_missing=args.missing)
    columns = _in_file_order(source, keys + ([args.weight] if args.weight else []))
    seen = 0
    for where, X, y, frame, _ in _rows(source, columns, args):
        w = None
        if args.weight is not None:
            w = pd.to_numeric(frame[args.weight], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan)
            bad = ~np.isfinite(w) | (w < 0)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise CommandError(
                    f"column {args.weight!r} (--weight) must hold finite, "
                    f"non-negative numbers; row {seen + row} holds "
                    f"{frame[args.weight].iloc[row]!r}"
                )
        with where:
            totals.add(X, y, w)
        seen += len(frame)
    if seen == 0:
        raise CommandError(f"{args.input} has no rows")
    _print_report(totals.report(args.balance), args.format, out)
    return 0


def _print_report(report, fmt, out):
    attrs = report.attrs
    if fmt == "json":
        summary = {k: attrs[k] for k in ("balance", "strata", "groups", "label",
                                         "n_samples", "weight_sum", "ess",
                                         "max_deviation")}
        summary["cells"] = json.loads(report.to_json(orient="records"))
        print(json.dumps(summary, indent=2), file=out)
        return
    print(report.round(4).to_string(index=False), file=out)
    n, ess = attrs["n_samples"], attrs["ess"]
    where = " within each stratum" if attrs["strata"] else ""
    print(f"\n{n} rows; effective sample size (Kish) {ess:,.1f} "
          f"({ess / n:.0%} of the rows); largest deviation from "
          f"{attrs['balance']!r} balance{where}: {attrs['max_deviation']:.4f}",
          file=out)


def _run_demo(args, out):
    from .demo import run_demo

    results = run_demo(n_samples=args.n_samples, random_state=args.random_state,
                       print_fn=lambda *a: print(*a, file=out))
    if args.no_plot or "report" not in results:
        return 0
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("\n(Install matplotlib, pip install skweight[plot], to get the "
              "balance plot.)", file=out)
        return 0
    from ..evaluation.plotting import plot_balance

    figure = plot_balance(results["report"], sample_weight=results.get("weights"))
    figure.savefig(args.plot, dpi=100)
    print(f"\nSaved the balance plot (group shares per category before and "
          f"after weighting, and the weights) to {args.plot}", file=out)
    return 0


_COMMANDS = {"demo": _run_demo, "weigh": _run_weigh, "report": _run_report}


def _one_line(exc):
    message = " ".join(str(exc).split())
    for library, command_line in _HINTS.items():
        message = message.replace(library, command_line)
    return message or type(exc).__name__


def main(argv=None):
    """Run the ``skweight`` command; return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["demo"])
    prog = f"skweight {args.command}"
    try:
        return _COMMANDS[args.command](args, sys.stdout)
    except BrokenPipeError:
        # The reader of stdout went away (e.g. ``| head``): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except (CommandError, ValueError, TypeError, OSError) as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - the command never shows a traceback
        print(f"{prog}: error: {type(exc).__name__}: {_one_line(exc)}",
              file=sys.stderr)
    return 1
