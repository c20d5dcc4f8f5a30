"""The one drawing plan: which rows an epoch takes, for every backend.

A plan is built once at fit time from the rows per unit ``n`` and the
per-epoch targets ``t`` of a strategy. A unit gets ``q = floor(t / n)``
copies of every row plus ``r`` extra rows, taken as a block of positions of a
keyed permutation of the unit (:mod:`.permutation`):

- *rotation* (``"under"``, ``"over"``; integer targets): ``r = t - q n``
  every epoch; epoch ``e`` of a cycle of ``m = ceil(n / r)`` epochs takes
  positions ``[j r, (j + 1) r)`` modulo ``n`` (``j = e % m``) of the
  permutation of cycle ``e // m``, so every row is drawn once per cycle and
  never twice within an epoch;
- *fresh* (``"weights"``; real targets): the fractional extras of all units
  are laid end to end and one uniform offset per epoch turns them into
  ``floor`` or ``ceil`` of each unit's share (systematic sampling), taken from
  positions ``[0, r)`` of a permutation drawn afresh every epoch.

A row is identified by its unit and its *rank* among the rows of the unit
(their order in the data, or by a row key the caller names). The plan answers
the same question two ways: :meth:`DrawingPlan.draw` lists the ranks an
epoch takes, unit by unit, at ``O(epoch size)`` cost (in memory), and
:meth:`DrawingPlan.row_counts` says for any rows how often each is drawn
(dask partitions, lazy queries). Both read the same permutations, so every
backend draws the same rows.
"""

import numpy as np

from .permutation import UnitPermutations, cycle_keys
from .shuffling import shuffle, shuffled_draw

__all__ = [
    "DrawingPlan",
    "FrequencyOrder",
    "group_rows",
    "independent_rows",
    "order_epoch",
    "systematic_rows",
    "weighted_distinct_rows",
    "weighted_random_rows",
]

# Units of at least this many rows are drawn one by one.
_LARGE_UNIT = 1 << 16
# Streams of per-epoch generators: np.random.default_rng([seed, epoch, stream]).
STREAM_SELECT = 0
STREAM_ORDER = 1


class DrawingPlan:
    """How many copies and which extra rows each unit gives an epoch.

    Parameters
    ----------
    counts : ndarray of int of shape (n_units,)
        Rows per unit.
    targets : ndarray of shape (n_units,)
        Rows to draw from each unit per epoch: int for rotation; float, with
        an integer sum, for ``fresh=True``.
    fresh : bool, default=False
        Fresh permutations and systematic extras every epoch.

    Attributes
    ----------
    size : int
        Rows per epoch.
    copies : ndarray of int64 of shape (n_units,)
        Full copies of every row of a unit.
    extra : ndarray of shape (n_units,)
        Extra rows per epoch (float expectations when ``fresh``).
    cycle : ndarray of int64 or None
        Epochs per rotation cycle (None when ``fresh``).
    """

    def __init__(self, counts, targets, *, fresh=False):
        counts = np.asarray(counts, dtype=np.int64)
        self.n = counts
        self.fresh = fresh
        nmax = np.maximum(counts, 1)
        if fresh:
            targets = np.asarray(targets, dtype=np.float64)
            self.size = int(round(float(targets.sum())))
            copies = np.floor(targets / nmax).astype(np.int64)
            extra = np.clip(targets - copies * counts, 0, None)
            full = extra >= counts - 1e-9 * np.maximum(targets, 1)  # rounding
            copies[full & (counts > 0)] += 1
            extra[full] = 0.0
            self.cycle = None
        else:
            targets = np.asarray(targets, dtype=np.int64)
            self.size = int(targets.sum())
            copies = targets // nmax
            extra = targets - copies * counts
            self.cycle = np.where(extra > 0, -(-counts // np.maximum(extra, 1)), 1)
        self.copies = copies
        self.extra = extra
        self.n_extra = self.size - int((copies * counts).sum())
        self.permutations = UnitPermutations(counts)
        self.active = np.flatnonzero(extra > 0)

    # ------------------------------------------------------------------ #
    def blocks(self, seed, epoch):
        """The epoch's extras: ``(units, r, first position, keys)``.

        Only units with extras this epoch are listed.
        """
        units = self.active
        if self.fresh:
            r = np.zeros(self.n.size, dtype=np.int64)
            if self.n_extra > 0 and units.size:
                rng = np.random.default_rng([seed, epoch, STREAM_SELECT])
                edges = np.cumsum(self.extra[units])
                np.minimum(edges, self.n_extra, out=edges)  # rounding
                edges[-1] = self.n_extra
                edges = np.floor(edges + rng.random()).astype(np.int64)
                r[units] = np.diff(edges, prepend=0)
            units = units[r[units] > 0]
            return (
                units,
                r[units],
                np.zeros(units.size, dtype=np.int64),
                cycle_keys(seed, units, epoch),
            )
        r = self.extra[units]
        cycle, block = np.divmod(np.int64(epoch), self.cycle[units])
        return units, r, block * r, cycle_keys(seed, units, cycle)

    def draw(self, seed, epoch, order, starts):
        """The rows of one epoch, unit by unit (not shuffled).

        Parameters
        ----------
        seed, epoch : int
        order : ndarray of intp of shape (n_rows,) or FrequencyOrder
            Row numbers grouped by unit, in rank order within each unit.
        starts : ndarray of int64 of shape (n_units,)
            Where each unit's rows start in ``order``.

        Returns
        -------
        rows : ndarray of intp of shape (size,)
        """
        rows, reps = self._copied(order, starts)
        if reps is None:
            out = np.empty(self.size, dtype=np.intp)
            out[: rows.size] = rows
        else:  # one pass, the extras' slots included
            out = np.repeat(rows, reps)
        done = self._n_copies
        units, r, first, keys = self.blocks(seed, epoch)
        # Large units one by one (few: each holds many rows), with scalar
        # parameters; the others together, vectorised.
        big = self.n[units] >= _LARGE_UNIT
        for u, k, f, key in zip(
            units[big].tolist(), r[big].tolist(), first[big].tolist(), keys[big]
        ):
            pos = np.arange(f, f + k, dtype=np.int64)
            n = int(self.n[u])
            np.subtract(pos, n, out=pos, where=pos >= n)  # wrap in the last block
            ranks = self.permutations.forward_unit(u, pos, key)
            ranks += starts[u]
            _take(order, ranks, out=out[done : done + k])
            done += k
        units, r, first, keys = units[~big], r[~big], first[~big], keys[~big]
        if units.size:
            unit_of = np.repeat(units, r)
            n = self.n[unit_of]
            pos = _ranges(r) + np.repeat(first, r)
            np.subtract(pos, n, out=pos, where=pos >= n)  # wrap in the last block
            ranks = self.permutations.forward(unit_of, pos, np.repeat(keys, r))
            _take(order, np.repeat(starts[units], r) + ranks, out=out[done:])
        return out

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_copied_cache", None)  # rebuilt on the first draw
        return state

    def _copied(self, order, starts):
        """The rows drawn in full every epoch, and their copies (cached).

        Returns ``(rows, reps)``; ``reps`` is None when every row is drawn
        once. Otherwise ``np.repeat(rows, reps)`` is the length of an epoch:
        the copies, then the last row once more per extra row (slots the
        extras overwrite). The cache holds for the ``order`` of one fit.
        """
        cache = getattr(self, "_copied_cache", None)
        if cache is not None and cache[0] is order:
            return cache[1], cache[2]
        copied = np.flatnonzero(self.copies > 0)
        if copied.size == self.n.size:  # every unit: all rows, grouped
            rows = _all(order)
        else:
            rows = order[
                np.repeat(starts[copied], self.n[copied]) + _ranges(self.n[copied])
            ]
        reps = self.copies[copied]
        reps = (
            None if reps.size == 0 or reps.max() == 1 else np.repeat(reps, self.n[copied])
        )
        self._n_copies = int(rows.size if reps is None else reps.sum())
        if reps is not None:  # room for the extras: the last row, repeated
            reps[-1] += self.size - self._n_copies
        self._copied_cache = (order, rows, reps)
        return rows, reps

    def row_counts(self, seed, epoch, unit, rank):
        """How often each row, given its unit and rank, is drawn in ``epoch``.

        Parameters
        ----------
        seed, epoch : int
        unit, rank : ndarray of int of shape (n_rows,)

        Returns
        -------
        counts : ndarray of int64 of shape (n_rows,)
        """
        unit = np.asarray(unit, dtype=np.int64)
        rank = np.asarray(rank, dtype=np.int64)
        counts = self.copies[unit].copy()
        units, r, first, keys = self.blocks(seed, epoch)
        if not units.size:
            return counts
        slot = np.full(self.n.size, -1, dtype=np.int64)
        slot[units] = np.arange(units.size)
        rows = np.flatnonzero(slot[unit] >= 0)
        if not rows.size:
            return counts
        s = slot[unit[rows]]
        position = self.permutations.inverse(unit[rows], rank[rows], keys[s])
        n = self.n[unit[rows]]
        counts[rows] += (position - first[s]) % n < r[s]
        return counts


def _ranges(lengths):
    """``concatenate([arange(k) for k in lengths])`` without a loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    out = np.ones(total, dtype=np.int64)
    if not total:
        return out
    starts = np.cumsum(lengths) - lengths
    nonzero = lengths > 0
    out[0] = 0
    idx = starts[nonzero][1:]
    out[idx] = 1 - lengths[nonzero][:-1]
    return np.cumsum(out)


def systematic_rows(weights, size, seed, epoch):
    """Draw ``size`` rows with expected counts proportional to ``weights``.

    Systematic sampling over all rows in a fresh random order: a row whose
    expected count is ``c`` is drawn ``floor(c)`` or ``ceil(c)`` times.

    Parameters
    ----------
    weights : ndarray of float64 of shape (n_rows,)
        Non-negative, with a positive sum.
    size : int
    seed, epoch : int

    Returns
    -------
    rows : ndarray of intp of shape (size,)
        Grouped by row in a random order (not shuffled).
    """
    rng = np.random.default_rng([seed, epoch, STREAM_SELECT])
    perm = shuffle(np.arange(weights.size, dtype=np.intp), rng)
    edges = np.cumsum(weights[perm])
    edges *= size / edges[-1]
    np.minimum(edges, size, out=edges)  # rounding must not pass the end
    edges[-1] = size
    edges += rng.random()
    counts = np.diff(edges.astype(np.int64), prepend=0)  # truncation: floor (edges >= 0)
    return np.repeat(perm, counts)


def weighted_random_rows(weights, size, seed, epoch):
    """Draw ``size`` rows independently with replacement, in proportion to ``weights``.

    What ``WeightedRandomSampler(replacement=True)`` draws (i.i.d.): ``size``
    uniform points on the cumulative weights, each landing in one row's
    interval. The points are drawn already sorted, as the normalised partial
    sums of ``size + 1`` exponential gaps (the order statistics of ``size``
    uniforms), so their rows come out grouped with one cache-friendly
    search, in linear time. Rows of weight 0 are never drawn.

    Returns
    -------
    rows : ndarray of intp of shape (size,)
        Grouped by row, in row order (not shuffled).
    """
    rng = np.random.default_rng([seed, epoch, STREAM_SELECT])
    edges = np.cumsum(weights, dtype=np.float64)
    points = np.cumsum(rng.standard_exponential(size + 1))
    points *= edges[-1] / points[-1]
    picked = np.searchsorted(edges, points[:-1], side="right")
    np.minimum(picked, weights.size - 1, out=picked)  # rounding must not pass the end
    return picked.astype(np.intp, copy=False)


def weighted_distinct_rows(weights, size, seed, epoch):
    """Draw ``size`` distinct rows, one after the other in proportion to ``weights``.

    Sequential weighted sampling without replacement (what
    ``torch.multinomial(..., replacement=False)`` draws), at once: each row
    gets an exponential key of rate ``w`` and the ``size`` smallest keys win
    (Efraimidis and Spirakis, 2006). Rows of weight 0 are never drawn.

    Returns
    -------
    rows : ndarray of intp of shape (size,)
        In increasing key order (the order of the sequential draws).
    """
    positive = np.flatnonzero(weights > 0)
    if size > positive.size:
        raise ValueError(
            f"Cannot draw {size} distinct rows: only {positive.size} have a positive "
            "weight. Lower n_samples, or draw with replacement."
        )
    rng = np.random.default_rng([seed, epoch, STREAM_SELECT])
    keys = rng.standard_exponential(positive.size) / weights[positive]
    if size < positive.size:
        chosen = np.argpartition(keys, size - 1)[:size]
    else:
        chosen = np.arange(positive.size)
    chosen = chosen[np.argsort(keys[chosen], kind="stable")]
    return positive[chosen].astype(np.intp, copy=False)


class FrequencyOrder:
    """Rows grouped by unit, each as many times as its frequency weight, unexpanded.

    Position ``p`` is row ``rows[i]`` for the ``i`` whose cumulative weight
    range holds ``p``: exactly what the array of the repeated rows would hold
    there, found by a binary search instead of materialising the copies, so
    memory follows the rows, never the sum of the weights.

    Parameters
    ----------
    rows : ndarray of intp of shape (n_rows,)
        Row numbers grouped by unit.
    weights : ndarray of int64 of shape (n_rows,)
        The frequency weight of each row (indexed by row number).

    Examples
    --------
    >>> import numpy as np
    >>> from skweight.resampling.plan import FrequencyOrder
    >>> order = FrequencyOrder(np.array([2, 0, 1]), np.array([1, 0, 3]))
    >>> len(order), order[np.arange(4)].tolist()
    (4, [2, 2, 2, 0])
    """

    def __init__(self, rows, weights):
        self.rows = np.asarray(rows, dtype=np.intp)
        self.ends = np.cumsum(np.asarray(weights, dtype=np.int64)[self.rows])

    def __len__(self):
        return int(self.ends[-1]) if self.ends.size else 0

    def __getitem__(self, positions):
        found = np.searchsorted(self.ends, np.asarray(positions), side="right")
        return self.rows[found]

    def digest_bytes(self):
        """The rows and their weights, as bytes (for a fingerprint)."""
        return self.rows.astype(np.int64).tobytes() + self.ends.tobytes()


def _take(order, positions, out=None):
    """``order[positions]`` into ``out``, for an array or a :class:`FrequencyOrder`."""
    if isinstance(order, np.ndarray):
        return np.take(order, positions, out=out)
    if out is None:
        return order[positions]
    out[...] = order[positions]
    return out


def _all(order):
    """Every position of ``order`` as an array."""
    return order if isinstance(order, np.ndarray) else order[np.arange(len(order))]


def independent_rows(plan, seed, epoch, order, starts, *, keep_all):
    """Every unit's rows drawn independently with replacement, per epoch.

    ``keep_all=False`` ("under"): each unit's target rows, uniformly with
    replacement. ``keep_all=True`` ("over"): every row once, plus the rows
    above each unit's size uniformly with replacement.

    Returns
    -------
    rows : ndarray of intp (grouped by unit, not shuffled)
    """
    n = plan.n
    targets = plan.copies * n + plan.extra.astype(np.int64)
    extra = targets - n if keep_all else targets
    extra = np.maximum(extra, 0)
    units = np.repeat(np.arange(n.size), extra)
    rng = np.random.default_rng([seed, epoch, STREAM_SELECT])
    ranks = rng.integers(0, np.maximum(n[units], 1))
    drawn = _take(order, starts[units] + ranks)
    if not keep_all:
        return drawn.astype(np.intp, copy=False)
    return np.concatenate([_all(order), drawn], dtype=np.intp)


def group_rows(labels, n_labels):
    """Return row numbers grouped by label (a stable counting sort).

    Labels are narrowed to the smallest unsigned type first: numpy sorts 8-
    and 16-bit integers with a linear-time radix sort.
    """
    dtype = np.min_scalar_type(max(n_labels - 1, 0))
    return np.argsort(labels.astype(dtype, copy=False), kind="stable")


def order_epoch(draw, size, seed, epoch, shuffle_rows):
    """Draw one epoch's rows (``draw()``, ``size`` of them) and shuffle them,
    or sort them; return them."""
    if shuffle_rows:
        return shuffled_draw(
            draw, size, lambda: np.random.default_rng([seed, epoch, STREAM_ORDER])
        )
    rows = draw()
    rows.sort()
    return rows
