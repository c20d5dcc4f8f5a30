"""The cell counter: key codes -> one flat cell id per row -> count tables.

A *cell* is one combination of stratum, group and label values. The counter
keeps one :class:`~skweight.engine.encode.LevelEncoder` per key column,
combines the codes of a row into one flat cell id (what
:func:`numpy.ravel_multi_index` computes, in the narrowest unsigned type that
holds the cells), and counts rows (and their weights) per cell with
:func:`numpy.bincount`.

The tables are dense with one axis per key column, laid out as
``(strata..., [class], groups..., label)`` so that reshaping them to
``(n_strata, n_groups, n_labels)`` (:attr:`CellCounter.shape3`) needs no
transpose. For a multi-label target the class axis sits with the strata (each
class is its own binary problem) and the label axis has two entries
(negative, positive).

Axes follow the order in which levels were learned; :meth:`CellCounter.cells`
lists the non-empty cells in the canonical order of
:meth:`~skweight.engine.encode.LevelEncoder.canonical_order`, which is the
order of every table shown to users and the numbering of resampling units.
"""

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from .encode import MISSING, UNKNOWN, LevelEncoder, as_python

__all__ = ["CellCounter", "CellSpec", "MAX_CELLS", "STAT_COLUMNS", "TABLE_COLUMNS",
           "flat_ids"]

# A dense table larger than this is refused (it would cost 512 MiB per array).
MAX_CELLS = 1 << 26
# The value columns of a cell table, after its key columns.
TABLE_COLUMNS = ("count", "weighted_count")


# Columns of the tables built from cells (weight_table_, balance reports,
# resampling tables): no key column may have one of these names.
STAT_COLUMNS = (*TABLE_COLUMNS, "factor", "target", "weight_sum",
                "share_before", "share_after", "deviation", "max_deviation",
                "stratum_ess")


def flat_ids(codes, shape):
    """Flat cell ids of in-range codes: ``np.ravel_multi_index(codes, shape)``.

    The ids are built in the narrowest unsigned type that holds every cell
    (a third or less of the memory traffic of 64-bit arithmetic) and
    widened once to intp, the type ``bincount`` and ``take`` use.

    Parameters
    ----------
    codes : sequence of ndarray of int
        One array of codes per axis, each in ``[0, shape[axis])`` (the
        encoders guarantee it; nothing is checked).
    shape : tuple of int

    Returns
    -------
    ids : ndarray of intp
    """
    dtype = np.min_scalar_type(max(math.prod(shape) - 1, 0))
    ids = np.asarray(codes[0]).astype(dtype)
    for column, size in zip(codes[1:], shape[1:]):
        # Every partial id is below the product of the sizes so far: no overflow.
        np.multiply(ids, size, out=ids, casting="unsafe")
        np.add(ids, column, out=ids, casting="unsafe")
    return ids.astype(np.intp, copy=False)


class CellSpec(NamedTuple):
    """Which columns make the cells.

    Attributes
    ----------
    strata, groups : tuple of str
        Names of the stratum and group columns, in order.
    label : str or None
        Name of the label column in tables; None when the label is not part
        of the cells.
    classes : tuple or None
        For a multi-label indicator target, the names of its columns; else
        None.
    """

    strata: tuple
    groups: tuple
    label: "str | None"
    classes: "tuple | None" = None

    @property
    def multilabel(self):
        return self.classes is not None

    @property
    def key_columns(self):
        """The key columns of a cell table, in order."""
        extra = ("class",) if self.multilabel else ()
        label = (self.label,) if self.label is not None else ()
        return self.strata + extra + self.groups + label


class CellCounter:
    """Accumulate weighted cell counts for the key columns of a :class:`CellSpec`."""

    def __init__(self, spec):
        self.spec = spec
        self.strata = [LevelEncoder(n) for n in spec.strata]
        self.groups = [LevelEncoder(n) for n in spec.groups]
        self.label = (LevelEncoder(spec.label)
                      if spec.label is not None and not spec.multilabel else None)
        shape = self._full_shape()
        self.rows = np.zeros(shape, dtype=np.int64)
        self.weighted = np.zeros(shape, dtype=np.float64)
        self._counted = False  # nothing added yet: grow by allocating afresh

    # ------------------------------------------------------------------ #
    @property
    def multilabel(self):
        return self.spec.multilabel

    @property
    def n_classes(self):
        return len(self.spec.classes) if self.multilabel else None

    @property
    def encoders(self):
        label = [self.label] if self.label is not None else []
        return self.strata + self.groups + label

    @staticmethod
    def _dims(encoders):
        return tuple(max(e.n_levels, 1) for e in encoders)

    def _full_shape(self):
        """The table shape the learned levels need."""
        s, g = self._dims(self.strata), self._dims(self.groups)
        if self.multilabel:
            return s + (self.n_classes,) + g + (2,)
        return s + g + self._dims([self.label] if self.label else [])

    @property
    def shape(self):
        """Full table shape, ``(strata..., [class], groups..., label)``.

        The count tables always have it: they grow with the levels.
        """
        return self.rows.shape

    @property
    def shape3(self):
        """Table shape seen as ``(n_strata, n_groups, n_labels)``."""
        shape = self.rows.shape
        n_s = len(self.strata) + (1 if self.multilabel else 0)
        n_g = len(self.groups)
        s = math.prod(shape[:n_s])
        g = math.prod(shape[n_s:n_s + n_g])
        return (s, g, shape[n_s + n_g] if len(shape) > n_s + n_g else 1)

    # ------------------------------------------------------------------ #
    def encode(self, strata, groups, label, *, learn, handle_missing, handle_unknown):
        """Return flat cell ids for the rows.

        Parameters
        ----------
        strata, groups : list of array-like
            One 1-D column (or :class:`~skweight.engine.codes.RawCodes`) per
            stratum / group column.
        label : array-like, RawCodes or None
            1-D labels, or a 2-D 0/1 indicator matrix for a multi-label target.
        learn : bool
            Learn new levels (fit) or treat them as unknown (apply).
        handle_missing : {"error", "category"}
        handle_unknown : {"error", "ignore"}

        Returns
        -------
        ids : ndarray of shape (n_rows,) or (n_rows, n_classes)
        unknown : ndarray of bool of shape (n_rows,) or None
            Rows with a value never seen in fit (only when not learning and
            ``handle_unknown="ignore"``); their ids point at cell 0.
        """
        columns = list(strata) + list(groups)
        if self.label is not None:
            columns.append(label)
        codes, unknown = [], None
        for encoder, values in zip(self.encoders, columns):
            c, has_neg = encoder.encode(values, learn=learn, missing=handle_missing)
            if has_neg:
                c, bad = _check_negative(encoder, values, c, handle_unknown)
                unknown = bad if unknown is None else (unknown | bad)
            codes.append(c)
        if learn:
            self._grow()
        if self.multilabel:
            n_rows = len(label)
            return self._multilabel_ids(codes, label, n_rows), unknown
        if not codes:  # pragma: no cover - a weighter always has at least one key
            raise ValueError("No key column to count.")
        # After learning, the count table has grown to the levels' shape.
        return flat_ids(codes, self.rows.shape), unknown

    def _multilabel_ids(self, codes, label, n_rows):
        s_dims, g_dims = self._dims(self.strata), self._dims(self.groups)
        n_s = len(self.strata)
        s_id = np.ravel_multi_index(codes[:n_s], s_dims) if n_s else 0
        g_id = np.ravel_multi_index(codes[n_s:], g_dims) if self.groups else 0
        n_groups = math.prod(g_dims)
        classes = np.arange(self.n_classes)
        base = np.asarray(s_id * self.n_classes).reshape(-1, 1) + classes
        base = (base * n_groups + np.asarray(g_id).reshape(-1, 1)) * 2
        return np.broadcast_to(base, (n_rows, self.n_classes)) + label

    def _grow(self):
        """Pad the count tables when new levels appeared."""
        shape = self._full_shape()
        n_cells = int(np.prod(shape, dtype=np.float64))
        if n_cells > MAX_CELLS:
            sizes = ", ".join(f"{e.name!r}: {e.n_levels}" for e in self.encoders)
            raise ValueError(
                f"The key columns define {n_cells} cells, more than the {MAX_CELLS} "
                f"skweight keeps in memory (levels per column: {sizes}). Use fewer "
                "or coarser group/strata columns."
            )
        if shape != self.rows.shape:
            if not self._counted:
                self.rows = np.zeros(shape, dtype=np.int64)
                self.weighted = np.zeros(shape, dtype=np.float64)
                return
            pad = [(0, new - old) for new, old in zip(shape, self.rows.shape)]
            self.rows = np.pad(self.rows, pad)
            self.weighted = np.pad(self.weighted, pad)

    def add(self, ids, sample_weight=None, *, rows=None):
        """Add rows (with optional weights) to the counts.

        ``rows``: for ids of pre-aggregated key combinations (a backend's
        collected count table), the number of rows behind each; then
        ``sample_weight`` holds their summed weights (None: equal to rows).
        """
        self._counted = True
        size = self.rows.size
        flat = ids.ravel()
        if rows is not None:
            rows = np.asarray(rows, dtype=np.float64)
            if self.multilabel:
                rows = np.repeat(rows, self.n_classes)
            counted = np.bincount(flat, weights=rows, minlength=size)
            counted = np.rint(counted).astype(np.int64)
        else:
            counted = np.bincount(flat, minlength=size)
        self.rows += counted.reshape(self.rows.shape)
        if sample_weight is None:
            self.weighted += counted.reshape(self.rows.shape)
            return
        if self.multilabel:
            sample_weight = np.repeat(sample_weight, self.n_classes)
        weighted = np.bincount(flat, weights=sample_weight, minlength=size)
        self.weighted += weighted.reshape(self.rows.shape)

    # ------------------------------------------------------------------ #
    def cells(self):
        """Flat ids of the non-empty cells, in canonical order."""
        flat = np.flatnonzero(self.rows.ravel())
        if flat.size <= 1:
            return flat
        s, g, lab = self.ranks3(flat)
        return flat[np.lexsort((lab, g, s))]

    def ranks3(self, cells):
        """Canonical ``(stratum, group, label)`` ranks of ``cells`` (flat ids).

        Each is the row-major combination of the canonical ranks of its axes,
        so sorting by them sorts cells as :meth:`cells` does.
        """
        index = np.unravel_index(cells, self.shape)
        ranks = []
        for axis, encoder in enumerate(self._axis_encoders()):
            if encoder is None:
                ranks.append(index[axis])
                continue
            rank = np.empty(max(encoder.n_levels, 1), dtype=np.intp)
            rank[encoder.canonical_order()] = np.arange(encoder.n_levels)
            ranks.append(rank[index[axis]])
        dims = self.shape
        n_s = len(self.strata) + (1 if self.multilabel else 0)
        n_g = len(self.groups)
        parts = [(0, n_s), (n_s, n_s + n_g), (n_s + n_g, len(dims))]
        out = []
        for lo, hi in parts:
            if hi == lo:
                out.append(np.zeros(len(cells), dtype=np.intp))
            else:
                out.append(np.ravel_multi_index(ranks[lo:hi], dims[lo:hi]))
        return tuple(out)

    def _axis_encoders(self):
        """The encoder of each table axis (None for the class and 0/1 axes)."""
        axes = list(self.strata)
        if self.multilabel:
            axes.append(None)
        axes += self.groups
        if self.label is not None:
            axes.append(self.label)
        elif self.multilabel:
            axes.append(None)
        return axes

    def cell_keys(self, cells):
        """The key values of ``cells`` (flat ids): one array per key column."""
        index = np.unravel_index(cells, self.shape)
        keys = {}
        for axis, (name, encoder) in enumerate(zip(self.spec.key_columns,
                                                   self._axis_encoders())):
            if encoder is None:
                values = index[axis]
                if name == "class":
                    values = np.asarray(self.spec.classes, dtype=object)[values]
                keys[name] = values
            else:
                keys[name] = encoder.decode(index[axis])
        return keys

    def cell_frame(self, factors=None):
        """A DataFrame with one row per non-empty cell, in canonical order.

        Columns: the key columns, ``count``, ``weighted_count`` and, when
        ``factors`` (a table of the counter's shape) is given, ``factor``.
        """
        cells = self.cells()
        frame = pd.DataFrame(self.cell_keys(cells))
        frame["count"] = self.rows.ravel()[cells]
        frame["weighted_count"] = self.weighted.ravel()[cells]
        if factors is not None:
            frame["factor"] = np.asarray(factors).ravel()[cells]
        return frame


def _check_negative(encoder, values, codes, handle_unknown):
    """Raise for missing or unseen values, or mark unseen rows."""
    missing = codes == MISSING
    if missing.any():
        rows = np.flatnonzero(missing)
        raise ValueError(
            f"Column {encoder.name!r} has {rows.size} missing value(s) "
            f"(first at row {rows[0]}). Fill them, or pass "
            "handle_missing='category' to treat missing as a level of its own."
        )
    unknown = codes == UNKNOWN
    if handle_unknown == "error":
        if hasattr(values, "uniques"):  # pre-encoded: the label (never missing)
            bad = values.codes[unknown]
            if values.uniques is not None:
                seen = pd.unique(np.asarray(values.uniques.take(bad), dtype=object))
            else:
                seen = pd.unique(bad)
        else:
            # pandas' own unique keeps the values' type (a Timestamp, not ns).
            seen = pd.unique(pd.Series(values, copy=False)[unknown])
        shown = [as_python(v) for v in seen[:10]]
        raise ValueError(
            f"Column {encoder.name!r} has value(s) not seen during fit: "
            f"{shown}{' ...' if len(seen) > 10 else ''}. Pass "
            "handle_unknown='ignore' to give such rows the neutral factor."
        )
    return np.where(unknown, 0, codes), unknown
