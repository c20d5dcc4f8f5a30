"""The counting engine: rows -> cell ids -> count table -> gathered factors.

A *cell* is one combination of stratum, group and label values. The engine
encodes each key column once (:mod:`skweight._encode`), combines the codes into
one flat cell id per row with :func:`numpy.ravel_multi_index`, counts rows per
cell with :func:`numpy.bincount` and, once factors are known for the (small)
table, gathers them back to rows with one fancy-indexing pass.

The table is dense with one axis per key column, laid out as
``(strata..., [class], groups..., label)`` so that reshaping it to
``(n_strata, n_groups, n_labels)`` needs no transpose. For a multi-label target
the class axis sits with the strata (each class is its own binary problem) and
the label axis has two entries (negative, positive).
"""

import numpy as np
import pandas as pd

from ._encode import MISSING, UNKNOWN, _LevelEncoder

# A dense table larger than this is refused (it would cost 512 MiB per array).
MAX_CELLS = 1 << 26


class _CellCounter:
    """Accumulate weighted cell counts for the given key columns.

    Parameters
    ----------
    strata_names, group_names : list of str
        Names of the stratum and group columns, in order.
    label_name : str or None
        Name of the label column; None when the label is not part of the key.
    n_classes : int or None
        Number of columns of a multi-label indicator target, else None.
    """

    def __init__(self, strata_names, group_names, label_name=None, n_classes=None):
        self.strata = [_LevelEncoder(n) for n in strata_names]
        self.groups = [_LevelEncoder(n) for n in group_names]
        self.label_name = label_name
        self.n_classes = n_classes
        multilabel = n_classes is not None
        self.label = None if (label_name is None or multilabel) else _LevelEncoder(label_name)
        self.rows = np.zeros(self.shape, dtype=np.int64)
        self.weighted = np.zeros(self.shape, dtype=np.float64)

    # ------------------------------------------------------------------ #
    @property
    def multilabel(self):
        return self.n_classes is not None

    @property
    def encoders(self):
        label = [self.label] if self.label is not None else []
        return self.strata + self.groups + label

    def _dims(self, encoders):
        return tuple(max(e.n_levels, 1) for e in encoders)

    @property
    def shape(self):
        """Full table shape, ``(strata..., [class], groups..., label)``."""
        s, g = self._dims(self.strata), self._dims(self.groups)
        if self.multilabel:
            return s + (self.n_classes,) + g + (2,)
        return s + g + self._dims([self.label] if self.label else [])

    @property
    def shape3(self):
        """Table shape seen as ``(n_strata, n_groups, n_labels)``."""
        s = int(np.prod(self._dims(self.strata)))
        g = int(np.prod(self._dims(self.groups)))
        if self.multilabel:
            return (s * self.n_classes, g, 2)
        y = self.label.n_levels if self.label is not None else 1
        return (s, g, y)

    # ------------------------------------------------------------------ #
    def encode(self, strata, groups, label, *, learn, handle_missing, handle_unknown):
        """Return flat cell ids for the rows.

        Parameters
        ----------
        strata, groups : list of array-like
            One 1-D array per stratum / group column.
        label : array-like or None
            1-D labels, or a 2-D 0/1 indicator matrix for a multi-label target.
        learn : bool
            Learn new levels (fit) or treat them as unknown (apply).

        Returns
        -------
        ids : ndarray of shape (n_samples,) or (n_samples, n_classes)
        unknown : ndarray of bool of shape (n_samples,) or None
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
                c, bad = self._check_negative(encoder, values, c, handle_unknown)
                unknown = bad if unknown is None else (unknown | bad)
            codes.append(c)
        if learn:
            self._grow()
        n_rows = len(label) if label is not None else len(columns[0])
        if self.multilabel:
            ids = self._multilabel_ids(codes, label, n_rows)
        elif codes:
            ids = np.ravel_multi_index(codes, self.shape)
        else:  # pragma: no cover - a weighter always has at least one key
            ids = np.zeros(n_rows, dtype=np.intp)
        return ids, unknown

    def _multilabel_ids(self, codes, label, n_rows):
        s_dims, g_dims = self._dims(self.strata), self._dims(self.groups)
        n_s = len(self.strata)
        s_id = np.ravel_multi_index(codes[:n_s], s_dims) if n_s else 0
        g_id = np.ravel_multi_index(codes[n_s:], g_dims) if self.groups else 0
        n_groups = int(np.prod(g_dims))
        classes = np.arange(self.n_classes)
        base = np.asarray(s_id * self.n_classes).reshape(-1, 1) + classes
        base = (base * n_groups + np.asarray(g_id).reshape(-1, 1)) * 2
        return np.broadcast_to(base, (n_rows, self.n_classes)) + label

    def _check_negative(self, encoder, values, codes, handle_unknown):
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
            seen = pd.unique(np.asarray(pd.Series(values).to_numpy()[unknown], dtype=object))
            raise ValueError(
                f"Column {encoder.name!r} has value(s) not seen during fit: "
                f"{list(seen[:10])}{' ...' if seen.size > 10 else ''}. Pass "
                "handle_unknown='ignore' to give such rows the neutral factor."
            )
        return np.where(unknown, 0, codes), unknown

    def _grow(self):
        """Pad the count tables when new levels appeared."""
        shape = self.shape
        n_cells = int(np.prod(shape, dtype=np.float64))
        if n_cells > MAX_CELLS:
            sizes = ", ".join(f"{e.name!r}: {e.n_levels}" for e in self.encoders)
            raise ValueError(
                f"The key columns define {n_cells} cells, more than the {MAX_CELLS} "
                f"skweight keeps in memory (levels per column: {sizes}). Use fewer "
                "or coarser group/strata columns."
            )
        if shape != self.rows.shape:
            pad = [(0, new - old) for new, old in zip(shape, self.rows.shape)]
            self.rows = np.pad(self.rows, pad)
            self.weighted = np.pad(self.weighted, pad)

    def add(self, ids, sample_weight=None):
        """Add rows (with optional weights) to the counts."""
        size = self.rows.size
        flat = ids.ravel()
        rows = np.bincount(flat, minlength=size)
        self.rows += rows.reshape(self.rows.shape)
        if sample_weight is None:
            self.weighted += rows.reshape(self.rows.shape)
        else:
            if self.multilabel:
                sample_weight = np.repeat(sample_weight, self.n_classes)
            weighted = np.bincount(flat, weights=sample_weight, minlength=size)
            self.weighted += weighted.reshape(self.rows.shape)

    def add_counts(self, ids, rows, weighted):
        """Add counts aggregated elsewhere (e.g. per partition of a data set).

        ``rows[i]`` rows of total weight ``weighted[i]`` fall in cell
        ``ids[i]`` (in every class's cell, for a multi-label target).
        """
        if self.multilabel:
            rows = np.repeat(rows, self.n_classes)
            weighted = np.repeat(weighted, self.n_classes)
        flat, size = ids.ravel(), self.rows.size
        added = np.bincount(flat, weights=rows, minlength=size)
        self.rows += added.astype(np.int64).reshape(self.rows.shape)
        added = np.bincount(flat, weights=weighted, minlength=size)
        self.weighted += added.reshape(self.rows.shape)

    # ------------------------------------------------------------------ #
    def cell_frame(self, factors):
        """A DataFrame with one row per non-empty cell."""
        flat_rows = self.rows.ravel()
        nonzero = np.flatnonzero(flat_rows)
        index = np.unravel_index(nonzero, self.shape)
        data = {}
        axis = 0
        for encoder in self.strata:
            data[encoder.name] = encoder.decode(index[axis]).to_numpy()
            axis += 1
        if self.multilabel:
            data["class"] = index[axis]
            axis += 1
        for encoder in self.groups:
            data[encoder.name] = encoder.decode(index[axis]).to_numpy()
            axis += 1
        if self.label is not None:
            data[self.label.name] = self.label.decode(index[axis]).to_numpy()
        elif self.multilabel:
            data[self.label_name] = index[axis]
        frame = pd.DataFrame(data)
        frame["count"] = flat_rows[nonzero]
        frame["weighted_count"] = self.weighted.ravel()[nonzero]
        frame["factor"] = factors.ravel()[nonzero]
        return frame
