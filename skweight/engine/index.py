"""The cell index: which counted cell, if any, has each key combination.

:class:`CellIndex` finds the slots of a call (:func:`~.keys.locate`) among
the cells a :class:`~.cells.CellCounter` counted before, so that
``partial_fit`` costs O(chunk), not O(cells):

- dense slots (a call whose product of code ranges is small) are looked up
  through a table of that product, made once per version of the cells;
- other slots by their packed keys (:func:`~.keys.pack`), searched in three
  sorted runs: the leading cells that are stored sorted by their codes (a
  table counted from dense slots is), searched in place by bisection without
  packing them; the other cells' sorted keys (*main*); and the keys of the
  cells added since (*delta*), merged into *main* once they outnumber an
  eighth of the cells. A chunk costs O(its slots x log cells) plus O(delta)
  for the cells it adds; the merges, O(1) per added cell on average.
"""

import math

import numpy as np

from .keys import argsort_ints, flat_ids, locate, pack, widths_of

__all__ = ["CellIndex"]

# The delta run is merged into the main run once it has more keys than this
# and than an eighth of the cells.
DELTA_MIN = 1 << 12
DELTA_SHARE = 8


class CellIndex:
    """Find code combinations among the cells of a counter.

    The cells are given as one array of codes per axis (``columns``, cell
    ``i`` at position ``i``). Built at the first search; kept up to date by
    :meth:`added` as cells are appended.
    """

    def __init__(self):
        self._dense = None  # ((dims, version), slot -> cell)
        self._widths = None
        self._built = False
        self._built_widths = None
        self._n_sorted = 0  # leading cells stored sorted by codes: searched in place
        self._main = _EMPTY  # (sorted packed keys, their cells)
        self._delta = _EMPTY

    def lookup(self, slots, columns, dims, version, n_sorted=0):
        """The cell of each slot of ``slots`` (-1: none).

        ``n_sorted``: how many leading cells are stored sorted by their codes
        (first axis first).
        """
        n_cells = columns[0].size if columns else 0
        if n_cells == 0:
            return np.full(slots.n, -1, dtype=np.intp)
        if slots.dense is not None:
            key = (slots.dense, version)
            if self._dense is None or self._dense[0] != key:
                table = np.full(math.prod(slots.dense), -1, dtype=np.intp)
                table[flat_ids(columns, slots.dense)] = np.arange(n_cells)
                self._dense = (key, table)
            return self._dense[1].copy()
        return self.find(slots.codes(np.arange(slots.n)), columns, dims, n_sorted=n_sorted)

    def find(self, codes, columns, dims, *, n_sorted=0):
        """The cells with ``codes`` (one array per axis); -1 where none."""
        codes = [np.asarray(c, dtype=np.intp) for c in codes]
        n_cells = columns[0].size if columns else 0
        if n_cells == 0 or not codes[0].size:
            return np.full(codes[0].shape, -1, dtype=np.intp)
        widths = self._key_widths(dims)
        if widths is None:  # more than 64 bits of codes: combine with the cells
            self._built = False
            joint = locate([np.concatenate([c, q]) for c, q in zip(columns, codes)], dims)
            first = np.full(joint.n, -1, dtype=np.intp)
            first[joint.ids[:n_cells]] = np.arange(n_cells)
            return first[joint.ids[n_cells:]]
        self._ensure(columns, widths, n_sorted)
        query = pack(codes, widths)
        found = _bisect_cells(columns, self._n_sorted, widths, query)
        for keys, cells in (self._main, self._delta):
            missing = np.flatnonzero(found < 0)
            if not missing.size or not keys.size:
                continue
            at = np.minimum(np.searchsorted(keys, query[missing]), keys.size - 1)
            hit = keys[at] == query[missing]
            found[missing[hit]] = cells[at[hit]]
        return found

    def added(self, codes, cells, dims, columns):
        """Cells ``cells`` with ``codes`` were appended: index them."""
        if not self._built:
            return
        widths = self._key_widths(dims)
        if widths is None:
            self._built = False
            return
        self._ensure(columns, widths, self._n_sorted)
        keys, order = _sorted_keys(codes, widths)
        self._delta = _merge(self._delta, (keys, np.asarray(cells)[order]))
        n_cells = columns[0].size
        if self._delta[0].size > max(DELTA_MIN, n_cells // DELTA_SHARE):
            self._main, self._delta = _merge(self._main, self._delta), _EMPTY

    def _ensure(self, columns, widths, n_sorted):
        """Build the runs (first search), or pack them again for new widths.

        The leading sorted cells have no keys to pack again.
        """
        if not self._built:
            n_cells = columns[0].size
            self._n_sorted = min(n_sorted, n_cells)
            cells = np.arange(self._n_sorted, n_cells, dtype=np.intp)
        elif widths != self._built_widths:
            cells = np.concatenate([self._main[1], self._delta[1]])
        else:
            return
        keys, order = _sorted_keys([c[cells] for c in columns], widths)
        self._main, self._delta = (keys, cells[order]), _EMPTY
        self._built, self._built_widths = True, widths

    def _key_widths(self, dims):
        """Bits per axis of the packed keys, with room to grow; None past 64."""
        needed = widths_of(dims)
        if self._widths is None or any(n > w for n, w in zip(needed, self._widths)):
            # One spare bit per axis: the widths change O(log levels) times.
            self._widths = tuple(n + 1 for n in needed)
        if sum(self._widths) > 64:
            return None if sum(needed) > 64 else needed
        return self._widths


_EMPTY = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.intp))


def _sorted_keys(codes, widths):
    """The packed keys of ``codes``, sorted, and the order that sorts them."""
    keys = pack(codes, widths)
    order = argsort_ints(keys, 1 << sum(widths))  # keys are distinct
    return keys[order], order


def _merge(run, other):
    """Two sorted runs of (keys, cells) as one."""
    if not other[0].size:
        return run
    if not run[0].size:
        return other
    at = np.searchsorted(run[0], other[0])
    return np.insert(run[0], at, other[0]), np.insert(run[1], at, other[1])


def _bisect_cells(columns, n, widths, query):
    """Positions in ``[0, n)`` of the cells whose packed key is ``query`` (-1: none).

    Cells ``0 .. n - 1`` are sorted by their codes, so by their packed keys:
    a vectorised binary search that packs the codes of the probed cells
    only, O(queries x log n).
    """
    found = np.full(query.size, -1, dtype=np.intp)
    if n == 0:
        return found
    lo = np.zeros(query.size, dtype=np.intp)
    hi = np.full(query.size, n, dtype=np.intp)
    for _ in range(int(n).bit_length()):  # the leftmost cell whose key >= query
        mid = (lo + hi) >> 1
        # Where lo == hi the search is over: mid == lo, whose key is >= query
        # (nothing moves) or lo == n (lo may pass n; a hit needs lo < n).
        below = pack([c[np.minimum(mid, n - 1)] for c in columns], widths) < query
        lo = np.where(below, mid + 1, lo)
        hi = np.where(below, hi, mid)
    at = np.minimum(lo, n - 1)
    hit = (lo < n) & (pack([c[at] for c in columns], widths) == query)
    found[hit] = at[hit]
    return found
