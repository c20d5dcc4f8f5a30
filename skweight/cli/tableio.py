"""Reading and writing the command line's tables, chunk by chunk.

CSV (and TSV) and Parquet files are read in chunks of rows with pyarrow, so
that the command line holds one chunk (plus the small cell table) in memory
at a time. Key columns of a CSV are read as text (only an empty field is
missing), which keeps their values alike in every chunk; other columns are
read as text too when written back to CSV (so they come back unchanged), or
with the types found in the whole file when written to Parquet. Parquet
keeps its column types. Outputs go to a temporary file in the target folder
that becomes the target only once it is complete, and never replaces an
existing file without ``--force``, even one that appeared meanwhile.
"""

import csv
import io
import os
import tempfile
from pathlib import Path

_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
# Compressions that arrow detects from the file name.
_COMPRESSED = (".gz", ".bz2", ".zst", ".lz4")
FORMATS = ("csv", "tsv", "parquet")
STDOUT = STDIN = "-"
_SLICE = 1 << 20  # bytes written to a CSV output at a time


class CommandError(Exception):
    """A problem with the command's input or arguments: one line, no traceback."""


def format_of(path):
    """``"csv"``, ``"tsv"``, ``"parquet"`` or None, from the file name."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


def _delimiter(fmt, sep):
    if sep is not None:
        return sep
    return "\t" if fmt == "tsv" else ","


def _arrow():
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    return pa, pc, pacsv, pq


class TableSource:
    """A CSV, TSV or Parquet file read in chunks of at most ``chunk_size`` rows.

    Parameters
    ----------
    path : str or path-like
        The file. Its format comes from its suffix (``.csv``, ``.tsv``,
        optionally compressed, ``.parquet`` or ``.pq``); a file with another
        suffix is read as Parquet if it starts like one, else as CSV.
    chunk_size : int
        Most rows per chunk.
    sep : str, default=None
        The field separator of a CSV; None: tab for ``.tsv``, else comma.

    Attributes
    ----------
    columns : list of str
        The header, checked for duplicated names.
    n_rows : int or None
        Rows of a Parquet file (None for CSV until counted).
    """

    def __init__(self, path, chunk_size, *, sep=None, stdin=None):
        self.path = Path(path)
        self.chunk_size = chunk_size
        self._spooled = None
        if str(path) == STDIN or (
            self.path.exists() and not self.path.is_dir() and not self.path.is_file()
        ):
            # Standard input, a pipe or a FIFO: read once, into a temporary
            # file (on disk, not in memory), which the passes then read.
            self._spooled = self.path = _spool(stdin if str(path) == STDIN else None, path)
            self.name = "standard input" if str(path) == STDIN else str(path)
        else:
            self.name = str(path)
        try:
            self._open(path, sep)
        except BaseException:
            self.close()  # the copy of standard input or a pipe, if any
            raise

    def _open(self, path, sep):
        if not self.path.exists():
            raise CommandError(f"{path}: no such file")
        if self.path.is_dir():
            raise CommandError(f"{path} is a folder, not a file")
        if self.path.stat().st_size == 0:
            raise CommandError(f"{self.name} is empty")
        self.format = format_of(path) or self._sniff()
        self.sep = _delimiter(self.format, sep)
        if len(self.sep) != 1:
            raise CommandError(f"--sep must be one character; got {sep!r}")
        self.n_rows = None
        self.columns = self._read_columns()
        seen = {}
        for i, name in enumerate(self.columns, 1):
            if name in seen:
                raise CommandError(
                    f"the header of {self.name} (line 1) names column {name!r} twice "
                    f"(columns {seen[name]} and {i}); rename one"
                )
            seen[name] = i

    def close(self):
        """Remove the temporary copy of standard input or a pipe, if any."""
        if self._spooled is not None:
            self._spooled.unlink(missing_ok=True)
            self._spooled = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _sniff(self):
        with open(self.path, "rb") as f:
            return "parquet" if f.read(4) == b"PAR1" else "csv"

    def _read_columns(self):
        pa, _, _, pq = _arrow()
        if self.format == "parquet":
            try:
                self._parquet = pq.ParquetFile(self.path)
            except (pa.ArrowException, OSError) as exc:
                raise CommandError(f"cannot read {self.name} as Parquet: {exc}") from exc
            self.n_rows = self._parquet.metadata.num_rows
            if self.n_rows == 0:
                raise CommandError(f"{self.name} has no rows")
            return list(self._parquet.schema_arrow.names)
        try:
            with pa.input_stream(str(self.path), compression="detect") as raw:
                # "utf-8-sig": a spreadsheet's "CSV UTF-8" starts with a byte order
                # mark, which arrow's reader drops too.
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                header = next(csv.reader(text, delimiter=self.sep), None)
        except (UnicodeDecodeError, csv.Error, pa.ArrowException, OSError) as exc:
            raise CommandError(f"cannot read {self.name} as CSV: {exc}") from exc
        if not header or header == [""]:
            raise CommandError(f"{self.name} is empty")
        return header

    def check_columns(self, names, option):
        """Raise if a column named with ``option`` is not in the file."""
        for name in names:
            if name not in self.columns:
                raise CommandError(
                    f"column {name!r} (given with {option}) is not in {self.name}; "
                    f"its columns are: {', '.join(map(repr, self.columns))}"
                )

    def batches(self, columns=None, types=None):
        """Yield ``(first_row, arrow_batch)`` chunk by chunk.

        ``columns``: the columns to read (None: all), in file order.
        ``types``: for CSV, arrow types by column name; other columns are
        read as text.
        """
        pa, _, _, _ = _arrow()
        start = 0
        try:
            for batch in self._raw_batches(columns, types or {}):
                for offset in range(0, batch.num_rows, self.chunk_size):
                    piece = batch.slice(offset, self.chunk_size)
                    yield start, piece
                    start += piece.num_rows
        except pa.ArrowException as exc:
            if getattr(self, "_bad_row", None) is not None:
                line, expected, actual = self._bad_row
                raise CommandError(
                    f"line {line} of {self.name} has {actual} fields; its header has "
                    f"{expected}"
                ) from exc
            kind = "Parquet" if self.format == "parquet" else "CSV"
            raise CommandError(f"cannot read {self.name} as {kind}: {exc}") from exc
        except (UnicodeDecodeError, OSError) as exc:
            raise CommandError(f"cannot read {self.name}: {exc}") from exc
        if self.n_rows is None:
            self.n_rows = start

    def _raw_batches(self, columns, types):
        pa, _, pacsv, _ = _arrow()
        if self.format == "parquet":
            yield from self._parquet.iter_batches(
                batch_size=self.chunk_size, columns=columns
            )
            return
        names = self.columns if columns is None else columns
        self._bad_row = None

        def invalid(row):
            self._bad_row = (row.number, row.expected_columns, row.actual_columns)
            return "error"

        reader = pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(use_threads=False),
            # Quoted values may hold line breaks (as spreadsheets and databases
            # write them), also across arrow's blocks.
            parse_options=pacsv.ParseOptions(
                delimiter=self.sep, newlines_in_values=True, invalid_row_handler=invalid
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=names,
                column_types={name: types.get(name, pa.string()) for name in names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        with reader:
            yield from reader


def _spool(stream, path):
    """Copy standard input (``stream``) or the pipe at ``path`` to a temporary file."""
    import shutil

    fd, tmp = tempfile.mkstemp(prefix="skweight-input-")
    try:
        with os.fdopen(fd, "wb") as out:
            if stream is not None:
                shutil.copyfileobj(stream, out, 1 << 20)
            else:
                with open(path, "rb") as source:
                    shutil.copyfileobj(source, out, 1 << 20)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


class TypeFinder:
    """The arrow type of each text column, over all the chunks of a file.

    A column whose present values all read as integers is ``int64``; as
    numbers, ``float64``; as ``true``/``false``, ``bool``; else text.
    """

    # The kinds a column of each kind can still widen to, narrowest first.
    _WIDER = {
        "empty": ("int64", "float64", "bool"),
        "int64": ("int64", "float64"),
        "float64": ("float64",),
        "bool": ("bool",),
    }

    def __init__(self):
        self.kinds = {}

    def add(self, batch):
        """Widen the kinds with one chunk (an arrow Table or RecordBatch)."""
        pa, _, _, _ = _arrow()
        for name, column in zip(batch.schema.names, batch.columns):
            kind = self.kinds.get(name, "empty")
            if kind == "string" or not pa.types.is_string(column.type):
                continue
            values = column.drop_null()
            if len(values):
                self.kinds[name] = next(
                    (k for k in self._WIDER[kind] if _reads_as(values, k)), "string"
                )

    def types(self):
        pa, _, _, _ = _arrow()
        return {
            name: pa.type_for_alias(kind)
            for name, kind in self.kinds.items()
            if kind not in ("empty", "string")
        }

    def cast(self, table):
        """``table`` (arrow) with its text columns cast to the types found."""
        _, pc, _, _ = _arrow()
        for name, kind in self.types().items():
            if name in table.column_names:
                i = table.column_names.index(name)
                table = table.set_column(i, name, pc.cast(table.column(i), kind))
        return table

    def cast_frame(self, frame):
        """A pandas frame with its text columns given the types found."""
        pa, pc, _, _ = _arrow()
        frame = frame.copy()
        for name, kind in self.types().items():
            if name in frame.columns:
                values = pa.array(
                    frame[name].to_numpy(dtype=object), from_pandas=True, type=pa.string()
                )
                frame[name] = pc.cast(values, kind).to_pandas()
        return frame


def _reads_as(values, kind):
    """Whether every value of a text column reads as arrow type ``kind``."""
    pa, pc, _, _ = _arrow()
    try:
        pc.cast(values, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def same_file(a, b):
    """Whether two paths name the same file (also through links)."""
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


class TableSink:
    """Write chunks to ``path`` (or stdout for ``"-"``) through a temporary file.

    Use as a context manager: the output appears only when the block ends
    without an exception; otherwise the temporary file is removed. Without
    ``force`` an existing file is never replaced: the check is made again,
    atomically, when the finished file takes its name.

    Parameters
    ----------
    path : str or path-like
        ``"-"``: standard output (CSV unless ``fmt`` says otherwise).
    force : bool
    fmt : {"csv", "tsv", "parquet"}, default=None
        None: from the file name.
    sep : str, default=None
        Field separator of a CSV output; None: tab for TSV, else comma.
    """

    def __init__(self, path, *, force, fmt=None, sep=None, stdout=None):
        self.stdout = str(path) == STDOUT
        self.path = Path(path)
        self.format = fmt or ("csv" if self.stdout else format_of(path))
        if self.format is None:
            raise CommandError(
                f"cannot tell the format of the output {path}: name it .csv, .tsv or "
                ".parquet, or pass --output-format"
            )
        self.sep = _delimiter(self.format, sep)
        self._out = stdout
        self.force = force
        if not self.stdout:
            if self.path.is_dir():
                raise CommandError(f"the output {path} is a folder")
            if self.path.exists() and not force:
                raise CommandError(f"{path} exists; pass --force to overwrite it")
            if not self.path.parent.is_dir():
                raise CommandError(f"the folder of the output {path} does not exist")
        self._writer = self._tmp = self._stream = None

    def __enter__(self):
        if not self.stdout:
            fd, tmp = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
            os.close(fd)
            self._tmp = Path(tmp)
        return self

    def write(self, table):
        """Append one chunk, an arrow Table or RecordBatch."""
        pa, _, _, pq = _arrow()
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        first = self._writer is None
        if first:
            self._schema = table.schema.remove_metadata()
            if self.format == "parquet":
                if self.stdout:
                    self._stream = pa.PythonFile(self._out, mode="w")
                self._writer = pq.ParquetWriter(
                    self._stream or str(self._tmp), self._schema
                )
            else:
                self._writer = self._out if self.stdout else open(self._tmp, "wb")
        table = table.cast(self._schema)
        if self.format == "parquet":
            self._writer.write_table(table)
            return
        # pandas writes CSV as people write it: quotes only where needed.
        import pandas as pd

        frame = table.to_pandas(types_mapper=pd.ArrowDtype)
        data = frame.to_csv(
            index=False, header=first, sep=self.sep, lineterminator="\n"
        ).encode("utf-8")
        # In slices: a reader that stops early (``| head``) is noticed as a broken
        # pipe at the next slice, not hidden behind one large write.
        view = memoryview(data)
        for start in range(0, len(view), _SLICE):
            self._writer.write(view[start : start + _SLICE])
            if self.stdout:
                self._writer.flush()

    def __exit__(self, exc_type, exc, tb):
        if self.stdout:
            if self._writer is not None and self._writer is not self._out:
                self._writer.close()  # writes the Parquet footer
            self._out.flush()
            return False
        if self._writer is not None:
            self._writer.close()
        if exc_type is not None:
            self._tmp.unlink(missing_ok=True)
            return False
        try:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(self._tmp, 0o666 & ~mask)
            if self.force:
                os.replace(self._tmp, self.path)
            else:
                self._claim()
        finally:
            self._tmp.unlink(missing_ok=True)
        return False

    def _claim(self):
        """Give the finished file its name unless that name is taken (atomic)."""
        exists = CommandError(
            f"{self.path} was created by someone else while "
            "this command ran; pass --force to overwrite it"
        )
        try:
            os.link(self._tmp, self.path)  # fails if the name exists
        except FileExistsError:
            raise exists from None
        except OSError:  # no hard links here: claim the name, then fill it
            try:
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                raise exists from None
            os.replace(self._tmp, self.path)
