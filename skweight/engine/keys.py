"""Combined keys: the key combinations that occur in some rows, numbered.

Each key column has become integer codes (:mod:`.encode`). :func:`locate`
combines the codes of one call's rows into one *slot* per row: a number for
each key combination of the call, the way a group-by engine builds its group
index.

- While the product of the code ranges is small (at most
  :func:`dense_limit` of the rows), the slot is the flat index of a dense
  table (:func:`flat_ids`): no hashing, one pass per column.
- Beyond it, the codes are packed into one 64-bit integer per row (each
  column in the bits its range needs) and the packed keys are
  hash-factorized: slots are then the combinations that occur, however large
  the product of the ranges.
- When the ranges need more than 64 bits together, columns are combined
  pairwise and the partial key is factorized whenever the next product would
  overflow (what pandas' group-by does).

Memory is O(rows + slots) in every case, never O(product of the ranges).

:class:`~.index.CellIndex` finds the slots of a call among the cells
counted before.
"""

import math

import numpy as np
import pandas as pd

from .columns import buffer_with_room

__all__ = [
    "Slots",
    "argsort_ints",
    "dense_limit",
    "first_of",
    "flat_ids",
    "locate",
    "number_sorted",
    "numbered",
    "pack",
    "packed_sort",
    "sorted_axes",
    "unravel",
    "widths_of",
]

# A dense slot table of up to this many entries is always fine (256 KiB of
# 32-bit counts); beyond it, it may have at most two entries per row.
DENSE_MIN = 1 << 16
DENSE_PER_ROW = 2
# Entries a pass over packed sorted keys takes at a time (its buffers stay in cache).
_BLOCK = 1 << 17


def dense_limit(n_rows):
    """The largest product of code ranges counted in a dense table."""
    return max(DENSE_PER_ROW * n_rows, DENSE_MIN)


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
        # A size one past the type's range comes only after axes of size 1,
        # whose ids are all 0 (and stay 0).
        if size <= np.iinfo(dtype).max:
            np.multiply(ids, size, out=ids, casting="unsafe")
        np.add(ids, column, out=ids, casting="unsafe")
    return ids.astype(np.intp, copy=False)


def unravel(flat, dims, *, room=0):
    """``np.unravel_index(flat, dims)`` as one contiguous array per axis.

    (numpy's arrays are strided views of one block: every later pass over
    them would read the other axes too.) With ``room``, each array of two or
    more axes is the start of a buffer of that many entries, so that a
    growable column can take it and append without a copy.
    """
    flat = np.asarray(flat, dtype=np.intp)
    codes = []
    for size in dims[:0:-1]:  # last axis first
        # A division by one number: numpy's fast path.
        quotient = np.floor_divide(
            flat, size, out=buffer_with_room(room, np.intp, flat.size)
        )
        code = np.multiply(quotient, size, out=buffer_with_room(room, np.intp, flat.size))
        np.subtract(flat, code, out=code)
        codes.append(code)
        flat = quotient
    codes.append(flat)
    return codes[::-1]


def numbered(parts, *, count_only=False):
    """Number the combinations of ``parts`` (arrays of small non-negative ids).

    Returns ``(ids, n)``: the number of each entry's combination, counted
    from 0 in sorted order of the combinations, and how many occur. While the
    combined range is a small multiple of the entries, the numbers come from a
    table of that range (no sort); beyond, from a sort. With
    ``count_only=True``, ``ids`` is None where the table alone gives ``n``.
    """
    key = np.asarray(parts[0]).astype(np.int64)
    limit = 4 * key.size + 1024
    size = int(key.max()) + 1 if key.size else 1
    for part in parts[1:]:
        d = int(part.max()) + 1 if part.size else 1
        if size * d > limit:  # compress first: no overflow, a small table
            key, size = _sorted_numbers(key, limit)
        key = key * d + part
        size *= d
    return _sorted_numbers(key, limit, count_only=count_only)


def _sorted_numbers(key, limit, *, count_only=False):
    size = int(key.max()) + 1 if key.size else 1
    if size <= limit:
        seen = np.zeros(size, dtype=bool)
        seen[key] = True
        if count_only:
            return None, int(np.count_nonzero(seen)) if key.size else 0
        table = np.cumsum(seen) - 1
        return table[key].astype(np.intp), int(table[-1]) + 1 if key.size else 0
    key = key.ravel()
    packed = packed_sort(key, size) if key.size > 1 else None
    if packed is not None:
        ids, distinct = number_sorted(*packed, dtype=np.intp)
        return ids, distinct.size
    order = np.argsort(key, kind="stable")  # past 64 bits of key and position
    ordered = key[order]
    new = np.empty(key.size, dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    numbers = np.cumsum(new, dtype=np.intp) - 1
    ids = np.empty(key.size, dtype=np.intp)
    ids[order] = numbers
    return ids, int(numbers[-1]) + 1 if key.size else 0


def packed_sort(values, bound, *, offset=0):
    """Sort integers together with their positions, packed in one uint64 each.

    Each ``value - offset`` (in ``[0, bound)``; the difference is taken modulo
    2**64, so any integer dtype and offset work) is shifted left over the bits
    of the positions and its position added; the packed keys are sorted with
    :func:`numpy.sort`, several times faster than :func:`numpy.argsort` (a
    sort of values uses the CPU's vector sort; an argsort does not). Equal
    values keep their positions' order.

    Returns
    -------
    (packed, shift) or None
        The sorted keys (value: ``key >> shift``; position: the low ``shift``
        bits), or None when the values and positions need more than 64 bits
        together.
    """
    shift = max(int(values.size - 1).bit_length(), 1)
    if int(bound - 1).bit_length() + shift > 64:
        return None
    packed = values.astype(np.uint64)
    if offset:
        packed -= np.uint64(offset % (1 << 64))
    packed <<= np.uint64(shift)
    _add_positions(packed)
    packed.sort()
    return packed, shift


def number_sorted(packed, shift, *, dtype=None, block=_BLOCK):
    """The number of each position's value among the distinct values, and those values.

    ``packed``, ``shift``: from :func:`packed_sort` (at least one key); the
    keys are overwritten. A block at a time, in buffers that stay in cache:
    no array of n values, flags or numbers.

    Returns
    -------
    numbers : ndarray of shape (n,)
        In position order; ``dtype``, or int32 when the positions fit in it.
    distinct : ndarray of uint64
        The distinct values, sorted.
    """
    n = packed.size
    if dtype is None:
        dtype = np.int32 if n <= np.iinfo(np.int32).max else np.int64
    out = np.empty(n, dtype=dtype)
    mask = np.uint64((1 << shift) - 1)
    values = np.empty(min(block, n) + 1, dtype=np.uint64)  # [previous, block...]
    first = np.empty(min(block, n), dtype=bool)
    numbers = np.empty(min(block, n), dtype=dtype)
    distinct, count = [], 0
    for start in range(0, n, block):
        part = packed[start : start + block]
        m = part.size
        np.right_shift(part, np.uint64(shift), out=values[1 : m + 1])
        np.not_equal(values[1 : m + 1], values[:m], out=first[:m])
        if start == 0:
            first[0] = True
        np.cumsum(first[:m], dtype=dtype, out=numbers[:m])
        numbers[:m] += count - 1
        count = int(numbers[m - 1]) + 1
        distinct.append(values[1 : m + 1][first[:m]])
        values[0] = values[m]
        np.bitwise_and(part, mask, out=part)  # the positions
        out[part.view(np.int64)] = numbers[:m]
    return out, np.concatenate(distinct)


def _add_positions(packed, block=_BLOCK):
    """``packed |= arange(n)`` a block at a time (no array of n positions)."""
    step = np.arange(min(block, packed.size), dtype=np.uint64)
    positions = np.empty_like(step)
    for start in range(0, packed.size, block):
        part = packed[start : start + block]
        np.add(step[: part.size], np.uint64(start), out=positions[: part.size])
        np.bitwise_or(part, positions[: part.size], out=part)


def argsort_ints(keys, bound=None, *, return_sorted=False):
    """A stable argsort of non-negative integer ``keys`` (all below ``bound``).

    While the keys and their positions fit in 64 bits together, a
    :func:`packed_sort`. Beyond, :func:`numpy.argsort` with ``kind="stable"``.

    With ``return_sorted=True``, also returns ``keys[order]`` (as int64),
    which the packed sort gives for free.

    Examples
    --------
    >>> import numpy as np
    >>> from skweight.engine.keys import argsort_ints
    >>> argsort_ints(np.array([5, 1, 5, 0])).tolist()
    [3, 1, 0, 2]
    """
    keys = np.asarray(keys)
    n = keys.size
    if n > 1 and keys[0] <= keys[-1] and np.all(keys[1:] >= keys[:-1]):  # sorted already
        order = np.arange(n, dtype=np.intp)
        return (order, keys.astype(np.int64)) if return_sorted else order
    if bound is None:
        bound = int(keys.max()) + 1 if n else 1
    packed = packed_sort(keys, bound) if n > 1 else None
    if packed is not None:
        packed, shift = packed
        order = np.bitwise_and(packed, np.uint64((1 << shift) - 1)).view(np.int64)
        order = order.astype(np.intp, copy=False)
        if not return_sorted:
            return order
        np.right_shift(packed, np.uint64(shift), out=packed)
        return order, packed.view(np.int64)
    order = np.argsort(keys, kind="stable").astype(np.intp)
    return (order, keys[order].astype(np.int64)) if return_sorted else order


def first_of(ids, n):
    """The first position of each of the ``n`` values of ``ids``."""
    first = np.empty(n, dtype=np.intp)
    first[ids[::-1]] = np.arange(ids.size - 1, -1, -1)
    return first


def widths_of(dims):
    """The bits each axis of ranges ``dims`` needs (at least 1)."""
    return tuple(max(int(d - 1).bit_length(), 1) for d in dims)


def pack(codes, widths, shape=None):
    """Codes packed into one uint64 per entry, the first axis in the high bits.

    ``codes`` broadcast to ``shape`` (default: the first array's shape);
    ``sum(widths)`` must be at most 64.
    """
    shape = np.shape(codes[0]) if shape is None else shape
    key = np.zeros(shape, dtype=np.uint64)
    for column, width in zip(codes, widths):
        np.left_shift(key, np.uint64(width), out=key)
        np.bitwise_or(key, np.asarray(column).astype(np.uint64), out=key)
    return key


def _unpack(keys, widths):
    out = []
    shift = sum(widths)
    for width in widths:
        shift -= width
        out.append(
            ((keys >> np.uint64(shift)) & np.uint64((1 << width) - 1)).astype(np.intp)
        )
    return out


class Slots:
    """The key combinations of one call's rows.

    Attributes
    ----------
    ids : ndarray of intp
        The slot of each row (or row x class), in ``[0, n)``.
    n : int
        The number of slots; a dense table has one per entry, occurring or not.
    dense : tuple of int or None
        The table shape when slots are the flat ids of a dense table.
    """

    def __init__(self, ids, n, decode, dense=None):
        self.ids = ids
        self.n = n
        self._decode = decode
        self.dense = dense

    def codes(self, slots, *, room=0):
        """The code of each axis of ``slots``: one array per axis.

        ``room``: for dense slots, each array starts a buffer of that many
        entries (:func:`unravel`).
        """
        slots = np.asarray(slots, dtype=np.intp)
        return unravel(slots, self.dense, room=room) if self.dense else self._decode(slots)


def locate(codes, dims):
    """Number the key combinations of rows.

    Parameters
    ----------
    codes : list of ndarray of int
        One array of codes per axis, in ``[0, dims[axis])``; the arrays
        broadcast to one shape (the rows, or rows x classes).
    dims : tuple of int
        The range of each axis's codes.

    Returns
    -------
    slots : Slots
    """
    dims = tuple(max(int(d), 1) for d in dims)
    shape = np.broadcast_shapes(*(np.shape(c) for c in codes))
    size = math.prod(shape)
    n_dense = math.prod(dims)
    if n_dense <= dense_limit(size):
        if all(np.ndim(c) == 1 for c in codes):
            ids = flat_ids(codes, dims)
        else:
            ids = np.zeros(shape, dtype=np.intp)
            for column, d in zip(codes, dims):
                ids = ids * d + column
        return Slots(ids, n_dense, None, dims)
    widths = widths_of(dims)
    if sum(widths) <= 64:
        ids, uniques = pd.factorize(pack(codes, widths, shape).ravel())
        return Slots(
            ids.reshape(shape), len(uniques), lambda s: _unpack(uniques[s], widths)
        )
    return _compressed(codes, dims, shape)


def _compressed(codes, dims, shape):
    """Slots by pairwise combination, factorizing before any overflow."""
    full = [np.broadcast_to(c, shape).ravel() for c in codes]
    key = full[0].astype(np.int64)
    size = dims[0]
    for column, d in zip(full[1:], dims[1:]):
        if size * d >= 1 << 62:
            key, uniques = pd.factorize(key)
            size = max(len(uniques), 1)
        key = key * d + column
        size *= d
    ids, uniques = pd.factorize(key)
    first = first_of(ids, len(uniques))  # the first row of each
    return Slots(
        ids.reshape(shape),
        len(uniques),
        lambda s: [c[first[s]].astype(np.intp) for c in full],
    )


def sorted_axes(ranks, dims, *, presorted=False):
    """Sort the cells by their ranks (first axis first).

    Returns ``(order, axes)``: the order (None if stored sorted), and
    ``axes(lo, hi)``, the sorted ranks of axes ``lo`` to ``hi`` as a list of
    arrays (one, their combination, when the ranks were packed).

    The ranks are packed into one int64 key per cell and the keys sorted with
    their positions (:func:`argsort_ints`): the sorted
    keys come with the order, and each axis is a shift and a mask of them,
    without a gather per axis. Past 63 bits, :func:`numpy.lexsort`. With
    ``presorted=True`` the caller knows the cells are sorted: nothing is
    packed, and ``axes`` gives the ranks as they are.
    """
    if presorted:
        return None, lambda lo, hi: ranks[lo:hi]
    widths = widths_of(dims)
    if sum(widths) > 63:
        order = np.lexsort(ranks[::-1]).astype(np.intp)
        if np.all(order[1:] > order[:-1]):
            return None, lambda lo, hi: ranks[lo:hi]
        ranks = [r[order] for r in ranks]
        return order, lambda lo, hi: ranks[lo:hi]
    key = pack(ranks, widths, np.shape(ranks[0])).view(np.int64)
    order = None
    if key.size > 1 and not np.all(key[1:] > key[:-1]):
        order, key = argsort_ints(key, 1 << sum(widths), return_sorted=True)
    ends = np.cumsum(widths[::-1])[::-1]  # bits of axes i and after

    def axes(lo, hi):
        below = int(ends[hi]) if hi < len(widths) else 0
        mask = (1 << int(ends[lo]) - below) - 1
        return [((key >> below) & mask).astype(np.intp, copy=False)]

    return order, axes
