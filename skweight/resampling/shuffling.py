"""Uniform shuffles of an epoch's row numbers, fast at every length.

Short arrays are shuffled by numpy's Fisher-Yates (``Generator.shuffle``),
the fastest way while the array stays in cache. Beyond that each swap of
Fisher-Yates is a cache miss, so a long array is shuffled by the
Rao-Sandelius method instead: every element goes to one of 256 uniformly
random buckets, and each bucket, short enough to stay in cache, is shuffled
on its own. The result is a uniformly random permutation either way.

The long method runs on threads (numpy's sorts, gathers and shuffles release
the GIL), and what it returns does not depend on the number of threads:
the array is cut into pieces of a fixed length, the bucket of every element
comes from one stream, and the buckets are shuffled in fixed groups, each
with its own generator. Every rank of a distributed job, on any machine,
gets the same epoch.

:func:`shuffled_draw` overlaps the two steps of an epoch: a shuffle in place
applies a permutation that depends only on the array's length, so that
permutation is drawn on a second thread while the rows are drawn, and
applied by one gather.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["shuffle", "shuffled_draw"]

# Arrays longer than this (32 MiB of int64) are shuffled bucket by bucket.
# numpy's own shuffle is faster while the array stays mostly in cache; where
# the line lies depends on the machine (about 2**21 rows on a 32 MiB cache,
# beyond 2**22 on a 480 MiB one), but it must not vary with the machine, or
# ranks on different machines would draw different epochs: 2**22 is within
# a factor of 1.3 of the faster method on both.
_IN_CACHE = 1 << 22
# Buckets per level (bucket numbers are uint8), pieces sorted into buckets
# one at a time, and groups of buckets shuffled by one generator each.
_N_BUCKETS = 256
_PIECE = 1 << 19
_N_GROUPS = 16
# Threads at most (the long method is bound by memory beyond a few).
_MAX_THREADS = 8
# Epochs of this many rows draw their order on a second thread while their
# rows are drawn: below, a thread costs more than it saves; above, the
# gather that applies the order leaves the cache and costs more than the
# overlap saves.
_OVERLAP_FROM, _OVERLAP_TO = 1 << 16, 1 << 20


def shuffle(rows, rng):
    """Return ``rows`` shuffled uniformly at random (in place when short).

    Parameters
    ----------
    rows : ndarray of shape (n,)
        One-dimensional and writeable.
    rng : numpy.random.Generator
        Consumed; the same generator state gives the same permutation on any
        machine and with any number of threads.

    Returns
    -------
    rows : ndarray of shape (n,)
        ``rows`` itself when ``n <= 2**22``, else a new array.
    """
    if rows.size <= _IN_CACHE:
        rng.shuffle(rows)
        return rows
    return _bucket_shuffle(rows, rng, _n_threads())


def shuffled_draw(draw, size, make_rng):
    """Return ``shuffle(draw(), make_rng())``, the order drawn meanwhile.

    Shuffling an array in place applies a permutation that depends on its
    length alone: ``rng.shuffle(rows)`` is ``rows[rng.permutation(size)]``.
    With a second CPU that permutation is drawn on a thread while ``draw``
    makes the rows, and applied by one gather: the same result, sooner.

    Parameters
    ----------
    draw : callable
        Returns the epoch's rows, a writeable 1-D intp array.
    size : int
        The number of rows ``draw`` returns.
    make_rng : callable
        Returns a new generator, the same stream at every call.

    Returns
    -------
    rows : ndarray of intp of shape (size,)
    """
    if not _OVERLAP_FROM <= size <= _OVERLAP_TO or _n_threads() == 1:
        return shuffle(draw(), make_rng())
    pool = ThreadPoolExecutor(1)
    try:
        order = pool.submit(make_rng().permutation, size)
        rows = draw()
        order = order.result().astype(np.intp, copy=False)
    finally:
        pool.shutdown()
    if rows.shape != (size,) or rows.dtype != np.intp:  # not as announced
        return shuffle(rows, make_rng())
    # Each index is read before its slot is written: the order's memory
    # holds the result (no third array of the epoch's length).
    return np.take(rows, order, out=order, mode="clip")


def _n_threads():
    """The CPUs this process may use, at most ``_MAX_THREADS``."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, _MAX_THREADS))


def _bucket_shuffle(rows, rng, threads):
    """The Rao-Sandelius shuffle of a long array, on ``threads`` threads."""
    n = rows.size
    n_groups = min(_N_GROUPS, _N_BUCKETS)
    bucket = rng.integers(0, _N_BUCKETS, n, dtype=np.uint8)
    seeds = rng.integers(0, 2**63 - 1, n_groups, dtype=np.int64).tolist()
    edges = list(range(0, n, _PIECE)) + [n]
    pieces = list(zip(edges[:-1], edges[1:]))

    def split(piece):
        """One piece's elements grouped by bucket (stably), and the counts."""
        start, stop = piece
        labels = bucket[start:stop]
        grouped = np.take(rows[start:stop], np.argsort(labels, kind="stable"))
        return grouped, np.bincount(labels, minlength=_N_BUCKETS)

    parts = _map(split, pieces, threads)
    grouped = [part[0] for part in parts]
    counts = np.stack([part[1] for part in parts])  # (pieces, buckets)
    local = (np.cumsum(counts, axis=1) - counts).tolist()  # within a piece
    within = (np.cumsum(counts, axis=0) - counts).tolist()  # within a bucket
    sizes = counts.sum(axis=0)
    starts = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    counts = counts.tolist()
    out = np.empty(n, dtype=rows.dtype)
    per_group = _N_BUCKETS // n_groups

    def fill(group):
        """Gather the group's buckets from every piece, then shuffle each."""
        group_rng = np.random.default_rng(seeds[group])
        for b in range(group * per_group, (group + 1) * per_group):
            begin = starts[b]
            for k, part in enumerate(grouped):
                c = counts[k][b]
                if c:
                    at, src = begin + within[k][b], local[k][b]
                    out[at : at + c] = part[src : src + c]
            target = out[begin : starts[b + 1]]
            if target.size > _IN_CACHE:  # over 2**29 rows: one more level
                target[...] = _bucket_shuffle(target.copy(), group_rng, 1)
            else:
                group_rng.shuffle(target)

    _map(fill, range(n_groups), threads)
    return out


def _map(func, items, threads):
    """``list(map(func, items))``, on a pool of ``threads`` threads if more
    than one. A pool is made per call: a process forked by a DataLoader must
    not inherit one whose threads it does not have."""
    if threads == 1:
        return list(map(func, items))
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(func, items))
