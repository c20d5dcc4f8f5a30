"""Reading and writing the command line's tables, chunk by chunk.

CSV and Parquet files are read in chunks of rows, so that the command line
holds one chunk (plus the small cell table) in memory at a time. CSV values
are read as text (only an empty field is missing), which keeps the key
values of every chunk alike and writes input columns back unchanged; Parquet
keeps its column types. Outputs go to a temporary file in the target folder
that replaces the target only once it is complete.
"""

import os
import tempfile
from pathlib import Path

import pandas as pd

_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")


class CommandError(Exception):
    """A problem with the command's input or arguments: one line, no traceback."""


def _format_of(path):
    """``"csv"``, ``"parquet"`` or None, from the file name."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise CommandError("reading and writing Parquet needs pyarrow: "
                           "pip install pyarrow") from exc
    return pa, pq


class TableSource:
    """A CSV or Parquet file read in chunks of ``chunk_size`` rows.

    Parameters
    ----------
    path : str or path-like
        The file. Its format comes from its suffix (``.csv``, optionally
        compressed, ``.parquet`` or ``.pq``); a file with another suffix is
        read as Parquet if it starts like one, else as CSV.
    chunk_size : int
        Rows per chunk.
    """

    def __init__(self, path, chunk_size):
        self.path = Path(path)
        self.chunk_size = chunk_size
        if not self.path.exists():
            raise CommandError(f"{path}: no such file")
        if self.path.is_dir():
            raise CommandError(f"{path} is a folder, not a file")
        if self.path.stat().st_size == 0:
            raise CommandError(f"{path} is empty")
        self.format = _format_of(path) or self._sniff()
        self.columns = self._read_columns()

    def _sniff(self):
        with open(self.path, "rb") as f:
            return "parquet" if f.read(4) == b"PAR1" else "csv"

    def _read_columns(self):
        if self.format == "parquet":
            pa, pq = _pyarrow()
            try:
                self._parquet = pq.ParquetFile(self.path)
            except (pa.ArrowException, OSError) as exc:
                raise CommandError(f"cannot read {self.path} as Parquet: {exc}") from exc
            if self._parquet.metadata.num_rows == 0:
                raise CommandError(f"{self.path} has no rows")
            return list(self._parquet.schema_arrow.names)
        try:
            header = pd.read_csv(self.path, nrows=0, dtype=str)
        except pd.errors.EmptyDataError as exc:
            raise CommandError(f"{self.path} is empty") from exc
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"cannot read {self.path} as CSV: {exc}") from exc
        return [str(c) for c in header.columns]

    def check_columns(self, names, option):
        """Raise if a column named with ``option`` is not in the file."""
        for name in names:
            if name not in self.columns:
                raise CommandError(
                    f"column {name!r} (given with {option}) is not in {self.path}; "
                    f"its columns are: {', '.join(map(repr, self.columns))}"
                )

    def chunks(self, columns=None):
        """Yield ``(first_row, frame, arrow_batch_or_None)`` chunk by chunk.

        ``columns``: the columns to read (None: all), in file order.
        """
        if self.format == "parquet":
            yield from self._parquet_chunks(columns)
        else:
            yield from self._csv_chunks(columns)

    def _parquet_chunks(self, columns):
        pa, _ = _pyarrow()
        start = 0
        batches = self._parquet.iter_batches(batch_size=self.chunk_size,
                                             columns=columns)
        try:
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                yield start, batch.to_pandas(), batch
                start += batch.num_rows
        except (pa.ArrowException, OSError) as exc:
            raise CommandError(f"cannot read {self.path} as Parquet: {exc}") from exc

    def _csv_chunks(self, columns):
        reader = pd.read_csv(self.path, usecols=columns, dtype=str,
                             keep_default_na=False, na_values=[""],
                             chunksize=self.chunk_size)
        start = 0
        try:
            with reader:
                for frame in reader:
                    if len(frame) == 0:
                        continue
                    frame.index = pd.RangeIndex(len(frame))
                    yield start, frame, None
                    start += len(frame)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {self.path} as CSV: {exc}") from exc


class TableSink:
    """Write chunks to ``path`` through a temporary file, replaced at the end.

    Use as a context manager: the output appears only when the block ends
    without an exception; otherwise the temporary file is removed.
    """

    def __init__(self, path, *, force):
        self.path = Path(path)
        self.format = _format_of(path)
        if self.format is None:
            raise CommandError(
                f"cannot tell the format of the output {path}: name it .csv or "
                ".parquet"
            )
        if self.path.is_dir():
            raise CommandError(f"the output {path} is a folder")
        if self.path.exists() and not force:
            raise CommandError(f"{path} exists; pass --force to overwrite it")
        parent = self.path.parent
        if not parent.is_dir():
            raise CommandError(f"the folder of the output {path} does not exist")
        if self.format == "parquet":
            _pyarrow()
        self._writer = self._file = self._tmp = None

    def __enter__(self):
        fd, tmp = tempfile.mkstemp(dir=self.path.parent,
                                   prefix=f".{self.path.name}.", suffix=".tmp")
        os.close(fd)
        self._tmp = Path(tmp)
        return self

    def write(self, frame, batch=None):
        """Append one chunk: a DataFrame, or an Arrow table for Parquet."""
        if self.format == "csv":
            if self._file is None:
                self._file = open(self._tmp, "w", newline="", encoding="utf-8")
                frame.to_csv(self._file, index=False)
            else:
                frame.to_csv(self._file, index=False, header=False)
            return
        pa, pq = _pyarrow()
        table = batch if batch is not None else pa.Table.from_pandas(
            frame, preserve_index=False)
        if self._writer is None:
            self._schema = table.schema.remove_metadata()
            self._writer = pq.ParquetWriter(self._tmp, self._schema)
        self._writer.write_table(table.cast(self._schema))

    def __exit__(self, exc_type, exc, tb):
        for handle in (self._file, self._writer):
            if handle is not None:
                handle.close()
        if exc_type is None:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(self._tmp, 0o666 & ~mask)
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)
        return False
