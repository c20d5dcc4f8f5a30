"""The ``skweight`` command: ``demo``, ``weigh`` and ``report``.

``skweight`` (or ``python -m skweight``) alone runs the demonstration.
``weigh`` and ``report`` read CSV, TSV or Parquet in chunks: the weighter
learns its cell counts with ``partial_fit`` on a first pass, and a second
pass writes the weights chunk by chunk, so memory holds one chunk at a time.
Every failure is one line on stderr and a non-zero exit status; nothing is
written when the command fails or is stopped (Ctrl-C, SIGTERM, SIGHUP).

Only the standard library is imported to parse the arguments (``--help`` is
instant); numpy, pandas, pyarrow and scikit-learn are imported by the
commands that need them.
"""

import argparse
import os
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager

from .commands import one_line
from .tableio import FORMATS, STDOUT, CommandError, TableSink


class _Registered:
    """Choices read from a registry when argparse first looks at them.

    ``--help`` of the command alone shows no subcommand's choices, so the
    registry (and numpy, which the schemes need) is imported only to parse
    or show them.
    """

    def __init__(self, names):
        self._names = names

    def __iter__(self):
        return iter(self._names())

    def __contains__(self, value):
        return value in self._names()


def _schemes():
    """The --scheme choices: the registered schemes and the effective number."""
    from ..weighting.schemes import SCHEMES

    return (*SCHEMES, "effective_number")


def _modes():
    """The balance modes (a light import: the registry's rows)."""
    from ..engine.modes import MODES

    return MODES


# ---------------------------------------------------------------------- #
# Arguments
# ---------------------------------------------------------------------- #
class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (with a pointer to --help)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(low, high=None, *, low_open=False, high_open=False, kind=float):
    bounds = (
        ("(" if low_open else "[")
        + f"{low}, "
        + ("inf)" if high is None else f"{high}" + (")" if high_open else "]"))
    )

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
    keys.add_argument(
        "--groups",
        metavar="COL[,COL]",
        type=_columns,
        help="sensitive group column(s); several form intersectional groups",
    )
    keys.add_argument(
        "--strata",
        metavar="COL[,COL]",
        type=_columns,
        help="stratum column(s): balance inside each stratum",
    )
    modes = _modes()
    parser.add_argument(
        "--balance",
        choices=("auto", *modes),
        default="auto",
        help="what becomes equal inside each stratum: "
        + "; ".join(f"{name}: {mode.doc}" for name, mode in modes.items())
        + " (default: auto = groups when --groups is given, "
        "else label)",
    )
    parser.add_argument(
        "--missing",
        choices=("error", "category"),
        default="error",
        help="missing values in a group or stratum column: an "
        "error (default) or a level of their own",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="how the result is printed (default: table)",
    )
    _add_reading(parser)


def _add_reading(parser):
    parser.add_argument(
        "--sep",
        metavar="CHAR",
        type=_separator,
        help="field separator of CSV input (default: tab for "
        ".tsv, else comma; \\t for a tab)",
    )
    parser.add_argument(
        "--chunk-size",
        type=_number(1, kind=int),
        default=65_536,
        metavar="N",
        help="rows read at a time (default: 65536)",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress bars (they are shown only on a terminal)",
    )


def _margin(text):
    """``COL=VALUE:SHARE,VALUE:SHARE`` as ``(COL, {VALUE: SHARE})``."""
    column, sep, levels = text.partition("=")
    if not sep or not column.strip() or not levels.strip():
        raise argparse.ArgumentTypeError(
            f"expected COL=VALUE:SHARE[,VALUE:SHARE...]; got {text!r}"
        )
    shares = {}
    for part in levels.split(","):
        value, sep, share = part.strip().rpartition(":")
        value = value.strip()
        try:
            number = float(share)
        except ValueError:
            number = None
        if not sep or number is None:
            raise argparse.ArgumentTypeError(
                f"expected VALUE:SHARE with a number after the colon; got {part!r}"
            )
        key = value or None  # an empty value: the missing one
        if key in shares:
            raise argparse.ArgumentTypeError(f"{value!r} is given twice in {text!r}")
        shares[key] = number
    return column.strip(), shares


def _separator(text):
    text = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(text) != 1 or text in '\r\n"':
        raise argparse.ArgumentTypeError(
            f"must be one character other than a quote or newline; got {text!r}"
        )
    return text


def _parser():
    from .. import __version__

    parser = _Parser(
        prog="skweight",
        description="Sample weights that balance labels and groups within "
        "strata. Without a command: the demonstration.",
    )
    parser.add_argument("--version", action="version", version=f"skweight {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser(
        "demo",
        help="balance gender within product categories "
        "on generated data (the default command)",
    )
    demo.add_argument(
        "--n-samples",
        type=_number(100, kind=int),
        default=40_000,
        help="number of generated reviews (default: 40000)",
    )
    demo.add_argument(
        "--random-state",
        type=int,
        default=0,
        help="seed of the data and the split (default: 0)",
    )
    demo.add_argument(
        "--plot",
        metavar="PATH",
        default=os.path.join(tempfile.gettempdir(), "skweight-demo.png"),
        help="where to save the balance plot when matplotlib is "
        "installed (default: %(default)s)",
    )
    demo.add_argument("--no-plot", action="store_true", help="save no plot")
    demo.add_argument(
        "--save",
        metavar="FILE",
        help="write the generated reviews to FILE (.csv, .tsv or "
        ".parquet) for the other commands, instead of running "
        "the demonstration",
    )
    demo.add_argument(
        "--force", action="store_true", help="with --save: overwrite FILE if it exists"
    )

    weigh = sub.add_parser(
        "weigh",
        help="compute weights for a CSV, TSV or Parquet file",
        description="Compute one weight per row of INPUT, write them to OUTPUT "
        "and print a summary (the full balance report with "
        "--report).",
    )
    weigh.add_argument("input", metavar="INPUT", help="a .csv, .tsv or .parquet file")
    weigh.add_argument(
        "--output",
        "-o",
        metavar="OUTPUT",
        required=True,
        help="where to write the weights (.csv, .tsv or .parquet; - for standard output)",
    )
    weigh.add_argument(
        "--output-format",
        choices=FORMATS,
        help="the output's format (default: from its name; csv for -)",
    )
    weigh.add_argument(
        "--force", action="store_true", help="overwrite OUTPUT if it exists (never INPUT)"
    )
    weigh.add_argument(
        "--append-input",
        action="store_true",
        help="write the input's columns followed by the weight",
    )
    weigh.add_argument(
        "--weight-column",
        default="weight",
        metavar="NAME",
        help="name of the weight column (default: weight)",
    )
    weigh.add_argument(
        "--report",
        action="store_true",
        help="print the full balance report, one line per cell",
    )
    weigh.add_argument(
        "--strict",
        action="store_true",
        help="fail (write nothing, exit 1) when the weights are warned "
        "about: few effective rows, or few rows carrying much",
    )
    _add_keys(weigh)
    scheme = weigh.add_argument_group("weighting")
    scheme.add_argument(
        "--scheme",
        choices=_Registered(_schemes),
        help="count -> factor (default: inverse; effective_number when --beta is given)",
    )
    scheme.add_argument(
        "--beta",
        type=_number(0, 1, low_open=True, high_open=True),
        help="beta of the effective-number scheme (default: 0.999)",
    )
    scheme.add_argument(
        "--power", type=_number(0), help="exponent of the power scheme (default: 1)"
    )
    scheme.add_argument(
        "--normalize",
        choices=("mean", "cells", "none"),
        default="mean",
        help="scaling of the weights (default: mean weight 1)",
    )
    scheme.add_argument(
        "--strength",
        type=_number(0, 1),
        default=1.0,
        help="0: no correction, 1: full (default: 1)",
    )
    scheme.add_argument(
        "--max-weight",
        type=_number(1),
        metavar="M",
        help="clip weights at M times the mean",
    )
    scheme.add_argument(
        "--margin",
        action="append",
        type=_margin,
        metavar="COL=VALUE:SHARE[,VALUE:SHARE]",
        help="rake the weights so that COL's values have these shares (repeat "
        "for each column; every value of COL needs a share, an empty VALUE is the "
        "missing one, with --missing category): RakingWeighter, instead of "
        "--label/--groups/--strata balancing",
    )
    scheme.add_argument(
        "--max-iter",
        type=_number(1, kind=int),
        metavar="N",
        help="most raking sweeps over the margins, with --margin (default: 100)",
    )
    scheme.add_argument(
        "--trim-quantile",
        type=_number(0, 1, low_open=True, high_open=True),
        metavar="Q",
        help="clip weights at their Q quantile",
    )

    report = sub.add_parser(
        "report",
        help="print the balance report of a file",
        description="Print the balance report of INPUT: shares per stratum x "
        "group x label cell, before and after weighting by --weight.",
    )
    report.add_argument("input", metavar="INPUT", help="a .csv, .tsv or .parquet file")
    report.add_argument(
        "--weight",
        metavar="COL",
        help="a column of weights to assess (default: none, the data as they are)",
    )
    _add_keys(report)
    return parser


def _key_columns(args):
    if args.label is None and not args.groups:
        raise CommandError("give --label, --groups or both")
    mode = _modes().get(args.balance)  # None: auto
    if mode is not None and mode.needs_groups and not args.groups:
        raise CommandError(f"--balance {args.balance} needs --groups")
    if mode is not None and mode.needs_label and args.label is None:
        raise CommandError(f"--balance {args.balance} needs --label")
    groups, strata = args.groups or [], args.strata or []
    names = ([args.label] if args.label else []) + groups + strata
    if len(set(names)) != len(names):
        raise CommandError(
            f"a column is named twice among --label, --groups and --strata: {names}"
        )
    return groups, strata


def _weighter(args, groups, strata):
    from ..weighting.weighters import EffectiveNumberWeighter, GroupBalancedWeighter

    scheme = args.scheme or ("effective_number" if args.beta is not None else "inverse")
    if args.beta is not None and scheme != "effective_number":
        raise CommandError("--beta applies to --scheme effective_number only")
    if args.power is not None and scheme != "power":
        raise CommandError("--power applies to --scheme power only")
    # With a balance that does not use them (label), the groups are only
    # reported, not balanced.
    use_groups = groups and (args.balance == "auto" or _modes()[args.balance].needs_groups)
    common = dict(
        groups=groups if use_groups else None,
        strata=strata or None,
        balance=args.balance,
        strength=args.strength,
        normalize=None if args.normalize == "none" else args.normalize,
        max_weight=args.max_weight,
        trim_quantile=args.trim_quantile,
        handle_missing=args.missing,
    )
    if scheme == "effective_number":
        beta = 0.999 if args.beta is None else args.beta
        return EffectiveNumberWeighter(beta=beta, **common)
    power = 1.0 if args.power is None else args.power
    return GroupBalancedWeighter(scheme=scheme, power=power, **common)


def _run_demo(args, out):
    if args.save:
        return _save_demo(args, out)
    from .demo import run_demo

    results = run_demo(
        n_samples=args.n_samples,
        random_state=args.random_state,
        print_fn=lambda *a: print(*a, file=out),
    )
    if args.no_plot or "report" not in results:
        return 0
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print(
            "\n(Install matplotlib, pip install skweight[plot], to get the balance plot.)",
            file=out,
        )
        return 0
    from ..evaluation.plotting import plot_balance

    figure = plot_balance(results["report"], sample_weight=results.get("weights"))
    figure.savefig(args.plot, dpi=100)
    print(
        f"\nSaved the balance plot (group shares per category before and "
        f"after weighting, and the weights) to {args.plot}",
        file=out,
    )
    return 0


def _save_demo(args, out):
    import pyarrow as pa

    from ..datasets import make_product_reviews

    reviews = make_product_reviews(args.n_samples, random_state=args.random_state)
    stdout = sys.stdout.buffer if args.save == STDOUT else None
    if stdout is not None:
        out = sys.stderr  # the data own stdout
    with TableSink(args.save, force=args.force, stdout=stdout) as sink:
        sink.write(pa.Table.from_pandas(reviews, preserve_index=False))
    print(
        f"wrote {len(reviews):,} generated reviews ({', '.join(reviews.columns)}) "
        f"to {args.save}; try:\n  skweight weigh {args.save} --label rating "
        "--groups gender --strata category -o weights.csv",
        file=out,
    )
    return 0


def _run_weigh(args, out):
    from .commands import run_weigh

    if args.margin:
        weighter = _raking(args)
        args.groups = list(weighter.margins)  # the columns read
        return run_weigh(args, out, weighter, args.groups, [])
    if args.max_iter is not None:
        raise CommandError("--max-iter applies to raking, with --margin")
    groups, strata = _key_columns(args)
    return run_weigh(args, out, _weighter(args, groups, strata), groups, strata)


def _raking(args):
    """The RakingWeighter of ``--margin`` (the balancing options do not apply)."""
    from ..weighting.raking import RakingWeighter

    given = [
        option
        for option, used in (
            ("--label", args.label is not None),
            ("--groups", bool(args.groups)),
            ("--strata", bool(args.strata)),
            ("--balance", args.balance != "auto"),
            ("--scheme", args.scheme is not None),
            ("--beta", args.beta is not None),
            ("--power", args.power is not None),
            ("--normalize", args.normalize != "mean"),
            ("--strength", args.strength != 1.0),
            ("--trim-quantile", args.trim_quantile is not None),
        )
        if used
    ]
    if given:
        raise CommandError(
            f"--margin rakes to the margins' shares; {', '.join(given)} "
            "balance(s) instead and cannot be combined with it (--max-weight can)"
        )
    margins = {}
    for column, shares in args.margin:
        if column in margins:
            raise CommandError(f"--margin gives the column {column!r} twice")
        margins[column] = shares
    return RakingWeighter(
        margins=margins,
        max_iter=100 if args.max_iter is None else args.max_iter,
        max_weight=args.max_weight,
        handle_missing=args.missing,
    )


def _run_report(args, out):
    from .commands import run_report

    return run_report(args, out, *_key_columns(args))


_COMMANDS = {"demo": _run_demo, "weigh": _run_weigh, "report": _run_report}


class _Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (removing partial output), then exit."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _stop(signum, frame):
    raise _Stopped(signum)


@contextmanager
def _stop_cleanly():
    """Turn SIGTERM and SIGHUP into an exception, as Ctrl-C is, while running."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is not None:
                previous[signum] = signal.signal(signum, _stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv=None):
    """Run the ``skweight`` command; return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["demo"])
    prog = f"skweight {args.command}"
    try:
        with _stop_cleanly():
            return _COMMANDS[args.command](args, sys.stdout)
    except BrokenPipeError:
        # The reader of stdout went away (e.g. ``| head``): what it got is
        # incomplete, so no success, and say so on stderr.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        try:
            print(
                f"{prog}: the reader of standard output stopped before the end; "
                "the output is incomplete",
                file=sys.stderr,
            )
        except OSError:  # stderr gone too
            pass
        return 141  # 128 + SIGPIPE, as a shell reports a command killed by it
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except _Stopped as exc:
        print(
            f"{prog}: stopped by {signal.Signals(exc.signum).name}; nothing was written",
            file=sys.stderr,
        )
        return 128 + exc.signum
    except (CommandError, ValueError, TypeError, OSError) as exc:
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - the command never shows a traceback
        print(f"{prog}: error: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr)
    return 1
