"""The commands that read a table: ``weigh`` and ``report``.

Both read the input in chunks (:mod:`.tableio`). ``weigh`` makes two passes:
the first counts the cells with ``partial_fit``, the second writes each
chunk's weights and counts the balance report's cells; ``report`` makes one.
Memory holds one chunk and the cells that occur.
"""

import json
import os
import re
import sys
import warnings
from contextlib import closing, contextmanager, nullcontext

from .tableio import (
    STDIN,
    STDOUT,
    CommandError,
    TableSink,
    TableSource,
    TypeFinder,
    same_file,
)

# Library hints that read differently on the command line.
_HINTS = {
    "pass handle_missing='category'": "pass --missing category",
    "Pass handle_missing='category'": "Pass --missing category",
    "margins[": "--margin [",
    "margins names": "--margin names",
}


def one_line(exc):
    """An exception as one line, in the command line's words."""
    message = " ".join(str(exc).split())
    for library, command_line in _HINTS.items():
        message = message.replace(library, command_line)
    return message or type(exc).__name__


# ---------------------------------------------------------------------- #
# Passes over the file
# ---------------------------------------------------------------------- #
def _progress(args, desc, total):
    """A progress bar on stderr when it is a terminal (and not --quiet)."""
    if args.quiet or not sys.stderr.isatty():
        return nullcontext(None)
    from tqdm import tqdm

    try:  # a terminal that does not report its size shows no bar unless told one
        size = os.get_terminal_size(sys.stderr.fileno())
    except OSError:
        size = os.terminal_size((0, 0))
    return tqdm(
        total=total,
        desc=f"skweight {args.command}: {desc}",
        unit=" rows",
        unit_scale=True,
        file=sys.stderr,
        ncols=size.columns or 80,
        nrows=size.lines or 24,
    )


def _rows(source, columns, args, desc, *, types=None):
    """Yield ``(where, X, y, frame, batch)`` per chunk, with a progress bar.

    ``where`` is a context manager that names the chunk's rows in errors.
    ``frame`` holds the key columns (and ``--weight``) in pandas, ``X`` the
    group and stratum columns (None when there are none); ``batch`` is the
    chunk as read, every column, in arrow.
    """
    import pyarrow as pa

    groups, strata = args.groups or [], args.strata or []
    wanted = set(strata + groups + [args.label] + [getattr(args, "weight", None)])
    with _progress(args, desc, source.n_rows) as bar:
        for start, batch in source.batches(columns, types):
            names = [n for n in batch.schema.names if n in wanted]
            frame = pa.Table.from_batches([batch]).select(names).to_pandas()
            for name in getattr(args, "margin", None) or ():
                # Margins name values as written: compare them as text.
                frame[name[0]] = frame[name[0]].astype("string")
            X = frame[strata + groups] if strata + groups else None
            y = frame[args.label] if args.label else None
            yield _located(source, start, len(frame)), X, y, frame, batch
            if bar is not None:
                bar.update(len(frame))


def _closed_at_end(generator):
    """Iterate ``generator`` and close it however the loop ends (its reader too)."""
    with closing(generator):
        yield from generator


_AT_ROW = re.compile(r"\bat row (\d+)")


@contextmanager
def _located(source, start, n_rows):
    """Name the rows (data rows of the whole file, from 1) of a failing chunk."""
    try:
        yield
    except (ValueError, TypeError) as exc:
        message = _AT_ROW.sub(
            lambda m: f"at data row {start + int(m.group(1)) + 1}", one_line(exc)
        )
        raise CommandError(
            f"data rows {start + 1}-{start + n_rows} of {source.name}: {message}"
        ) from exc


def _in_file_order(source, names):
    wanted = set(names)
    return [c for c in source.columns if c in wanted]


# ---------------------------------------------------------------------- #
# Commands
# ---------------------------------------------------------------------- #
def run_weigh(args, out, weighter, groups, strata):
    """``skweight weigh``: two passes over the input, the weights written chunk by chunk."""
    with _source(args) as source:
        return _weigh(args, out, source, weighter, groups, strata)


def _source(args):
    """The input table (standard input for ``-``), removed copies at the end."""
    return TableSource(
        args.input,
        args.chunk_size,
        sep=args.sep,
        stdin=sys.stdin.buffer if args.input == STDIN else None,
    )


def _weigh(args, out, source, weighter, groups, strata):
    import numpy as np
    import pyarrow as pa

    from ..evaluation.report import ChunkedBalanceReport

    keys = ([args.label] if args.label else []) + groups + strata
    source.check_columns(keys, "--label/--groups/--strata")
    if args.append_input and args.weight_column in source.columns:
        raise CommandError(
            f"{source.name} already has a column {args.weight_column!r}; choose "
            "another name with --weight-column"
        )
    if args.output != STDOUT and args.input != STDIN and same_file(args.output, args.input):
        raise CommandError(
            f"the output {args.output} is the input; write the weights to another file"
        )
    sink = TableSink(
        args.output,
        force=args.force,
        fmt=args.output_format,
        sep=args.sep if source.format != "parquet" else None,
        stdout=sys.stdout.buffer if args.output == STDOUT else None,
    )
    if args.output == STDOUT:
        out = sys.stderr  # the data own stdout

    key_columns = _in_file_order(source, keys)
    # CSV text written to Parquet gets the types of the whole file.
    finder = (
        TypeFinder()
        if (args.append_input and source.format != "parquet" and sink.format == "parquet")
        else None
    )
    # Keys are read as text (alike in every chunk); their types, found over the
    # whole file, type the report and the keys written to Parquet.
    key_types = TypeFinder() if source.format != "parquet" else None
    seen = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = None if finder else key_columns
        with closing(_rows(source, first, args, "counting")) as rows:
            for where, X, y, frame, batch in rows:
                with where:
                    weighter.partial_fit(X, y)
                chunk = pa.Table.from_batches([batch])
                if finder is not None:
                    finder.add(chunk.drop_columns(keys))
                if key_types is not None:
                    key_types.add(chunk.select(key_columns))
                seen += len(frame)
        if seen == 0:
            raise CommandError(f"{source.name} has no rows")
        from ..weighting.health import weight_warnings

        health = weight_warnings(weighter)
        if health and args.strict:
            raise CommandError(
                f"{len(health)} warning(s) about the weights and --strict, so nothing "
                f"was written; the first: {health[0]}"
            )

        totals = ChunkedBalanceReport(
            groups=groups or None,
            strata=strata or None,
            use_label=args.label is not None,
            handle_missing=args.missing,
        )
        columns = None if args.append_input else key_columns
        low, high = np.inf, -np.inf
        rows = _rows(
            source, columns, args, "weighting", types=finder.types() if finder else None
        )
        with sink, closing(rows):
            for where, X, y, _frame, batch in rows:
                with where:
                    w = weighter.weight(X, y)
                    totals.add(X, y, w)
                low, high = min(low, w.min()), max(high, w.max())
                if args.append_input:
                    table = pa.Table.from_batches([batch])
                    if finder is not None:  # keys too get the types of the file
                        table = key_types.cast(table)
                    table = table.append_column(args.weight_column, pa.array(w))
                else:
                    table = pa.table({args.weight_column: w})
                sink.write(table)
    report = _typed(totals.report(args.balance), key_types)
    messages = health + [str(w.message) for w in caught]
    margins = weighter.margin_report() if hasattr(weighter, "margin_report") else None
    print_result(report, args, out, weights=(low, high), warned=messages, margins=margins)
    where = "standard output" if args.output == STDOUT else args.output
    print(f"skweight: wrote {seen} weights to {where}", file=sys.stderr)
    return 0


def _typed(report, key_types):
    """The report's key columns with the types their text has in the file."""
    return report if key_types is None else key_types.cast_frame(report)


def run_report(args, out, groups, strata):
    """``skweight report``: one pass over the input, its balance report printed."""
    with _source(args) as source:
        return _report(args, out, source, groups, strata)


def _report(args, out, source, groups, strata):
    import numpy as np
    import pandas as pd

    from ..evaluation.report import ChunkedBalanceReport

    keys = ([args.label] if args.label else []) + groups + strata
    source.check_columns(keys, "--label/--groups/--strata")
    if args.weight is not None:
        source.check_columns([args.weight], "--weight")
    totals = ChunkedBalanceReport(
        groups=groups or None,
        strata=strata or None,
        use_label=args.label is not None,
        handle_missing=args.missing,
    )
    columns = _in_file_order(source, keys + ([args.weight] if args.weight else []))
    key_types = TypeFinder() if source.format != "parquet" else None
    key_columns = _in_file_order(source, keys)
    seen = 0
    rows = _rows(source, columns, args, "reading")
    for where, X, y, frame, batch in _closed_at_end(rows):
        if key_types is not None:
            key_types.add(batch.select(key_columns))
        w = None
        if args.weight is not None:
            w = pd.to_numeric(frame[args.weight], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            bad = ~np.isfinite(w) | (w < 0)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise CommandError(
                    f"column {args.weight!r} (--weight) must hold finite, "
                    f"non-negative numbers; data row {seen + row + 1} holds "
                    f"{frame[args.weight].iloc[row]!r}"
                )
        with where:
            totals.add(X, y, w)
        seen += len(frame)
    if seen == 0:
        raise CommandError(f"{source.name} has no rows")
    args.report = True
    print_result(_typed(totals.report(args.balance), key_types), args, out)
    return 0


def print_result(report, args, out, *, weights=None, warned=(), margins=None):
    """The summary (and with --report the cell table), as text or JSON.

    ``margins``: a raking weighter's margin report, printed instead of the
    deviation from balance.
    """
    attrs = report.attrs
    if args.format == "json":
        summary = {
            k: attrs[k]
            for k in (
                "balance",
                "strata",
                "groups",
                "label",
                "n_samples",
                "weight_sum",
                "ess",
                "max_deviation",
                "unbalanceable_strata",
            )
        }
        summary["n_cells"] = len(report)
        if weights is not None:
            summary["weight_min"], summary["weight_max"] = map(float, weights)
        summary["warnings"] = list(warned)
        if margins is not None:
            summary["balance"] = "margins"
            summary["margins"] = json.loads(margins.to_json(orient="records"))
            summary["max_deviation"] = float(margins["deviation"].abs().max())
        summary["cells"] = json.loads(report.to_json(orient="records"))
        print(json.dumps(summary, indent=2), file=out)
        return
    if args.report:
        print(report.round(4).to_string(index=False), end="\n\n", file=out)
    n, ess = attrs["n_samples"], attrs["ess"]
    names = [*(attrs["strata"] or []), *(attrs["groups"] or [])]
    if attrs["label"] is not None:
        names.append(str(attrs["label"]) if attrs["label"] is not True else "label")
    where = " within each stratum" if attrs["strata"] else ""
    lines = [f"{n:,} rows in {len(report):,} cells ({' x '.join(names)})"]
    if weights is not None:
        lines.append(
            f"weights from {weights[0]:.4g} to {weights[1]:.4g} "
            f"(sum {attrs['weight_sum']:,.6g})"
        )
    lines.append(f"effective sample size (Kish) {ess:,.1f} ({ess / n:.0%} of the rows)")
    short = attrs.get("unbalanceable_strata", 0)
    if margins is not None:
        shown = margins.round(4)
        shown["deviation"] += 0.0  # no "-0.0"
        lines.append(shown.to_string(index=False))
        lines.append(
            f"largest deviation from the margins: {margins['deviation'].abs().max():.4f}"
        )
    else:
        lines.append(
            f"largest deviation from {attrs['balance']!r} balance{where}: "
            f"{attrs['max_deviation']:.4f}"
            + (
                f", but {short:,} strata cannot be balanced (a unit absent or alone)"
                if short
                else ""
            )
        )
    lines += [f"warning: {message}" for message in warned]
    if not args.report:
        lines.append("(--report prints the table of cells)")
    print("\n".join(lines), file=out)
