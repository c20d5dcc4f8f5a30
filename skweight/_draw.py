"""Draw one epoch's row indices: vectorised, reproducible, random access.

Two drawing schemes serve :class:`skweight.EpochResampler`:

- **Rotation** (strategies ``"under"`` and ``"over"``). The rows of a unit
  (a class, group or cell) are grouped once at fit time. A unit of ``n`` rows
  with a target of ``t`` draws ``q = t // n`` copies of every row plus
  ``r = t - q * n`` extra rows taken as consecutive blocks of a pseudo-random
  permutation of the unit: epoch ``e`` of a cycle of ``m = ceil(n / r)``
  epochs takes positions ``[j * r, (j + 1) * r)`` (``j = e % m``), wrapping
  to the start of the same permutation in the cycle's last epoch, so that
  every row is drawn once per cycle and never twice within an epoch. Each
  cycle ``e // m`` uses a new permutation.

  The permutation of a unit of more than 64 rows is never materialised: a
  keyed Feistel network (eight rounds of a multiply-xorshift hash, on a
  domain of ``radix * 2**k >= n`` values, restricted to ``[0, n)`` by cycle
  walking) is a bijection whose value at any position costs a few integer
  operations. Drawing an epoch therefore costs ``O(t)``, not ``O(n)``, and
  any epoch can be drawn in any order, in any process, from the seed alone.
  Eight rounds pass chi-square tests of the joint position of two elements
  over 200,000 keys from 65 rows up; smaller units, where a Feistel network
  is visibly non-uniform, get exact permutations (sorted hash keys).

- **Systematic sampling** (strategy ``"weights"``). With expected counts
  ``c = N * w / sum(w)`` (``N`` rows per epoch), every row is drawn
  ``floor(c)`` or ``ceil(c)`` times, so its expected count is exactly ``c``
  with the least variance possible. Weights constant within units (those of
  every skweight weighter) are drawn unit by unit (:class:`UnitPlan` with
  ``fresh=True``): the units' fractional parts are laid end to end on a line
  and one uniform offset picks how many rows of each unit get an extra
  copy, and which rows is a uniform random subset (the start of a fresh
  permutation). That is systematic sampling over rows grouped by unit and
  shuffled within units, at ``O(N)`` cost. Weights that vary row by row
  (:func:`systematic_draw`): systematic sampling over all rows in a fresh
  random order.

Everything here works on flat integer arrays; nothing loops over rows.
"""

import numpy as np

_U64 = np.uint64
_U32 = np.uint32
# Odd multipliers of the Feistel round hash (murmur3 / xxhash / splitmix
# finalisers), per word size: four round multipliers and one mixing multiplier.
_ROUND_MULS = {
    32: (tuple(_U32(c) for c in (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F)),
         _U32(0x165667B1)),
    64: (tuple(_U64(c) for c in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F,
                                 0x165667B19E3779F9, 0xD6E8FEB86659FD93)),
         _U64(0xFF51AFD7ED558CCD)),
}
_MIX_A = _U64(0xBF58476D1CE4E5B9)
_MIX_B = _U64(0x94D049BB133111EB)
# Rounds of the Feistel network, with an additive constant per round.
_ROUNDS = 8
_ROUND_ADD = tuple((0x9E3779B9 * (r + 1)) & 0xFFFFFFFF for r in range(_ROUNDS))
# Units up to this size get exact permutations from sorted hash keys.
_SMALL = 64
# Elements handled per pass of the Feistel rounds: small enough for the
# temporaries to stay in cache, large enough to amortise Python overhead.
_CHUNK = 1 << 16
# Streams of per-epoch generators: np.random.default_rng([seed, epoch, stream]).
_STREAM_SELECT = 0
_STREAM_ORDER = 1
_STREAM_KEYS = 2


def _mix64(z):
    """The splitmix64 finaliser: a bijective avalanche of uint64 values."""
    z = z ^ (z >> _U64(30))
    z *= _MIX_A
    z ^= z >> _U64(27)
    z *= _MIX_B
    z ^= z >> _U64(31)
    return z


def cycle_keys(seed, units, cycles):
    """Return the 64-bit permutation key of each ``(unit, cycle)`` pair.

    Parameters
    ----------
    seed : int
        The fitted seed.
    units, cycles : ndarray of int
        Unit numbers and cycle numbers, broadcast together.

    Returns
    -------
    keys : ndarray of uint64
    """
    k0, k1 = np.random.SeedSequence([seed, _STREAM_KEYS]).generate_state(2, np.uint64)
    units, cycles = np.broadcast_arrays(np.atleast_1d(units), np.atleast_1d(cycles))
    muls = _ROUND_MULS[64][0]
    # uint64 arithmetic wraps around (arrays, so numpy does not warn).
    z = units.astype(_U64) * muls[0]
    z += k0
    c = cycles.astype(_U64) * muls[1]
    c += k1
    return _mix64(_mix64(z) ^ c)


def _feistel(x, key, radix, lo_bits):
    """Apply a keyed bijection of ``[0, radix * 2**lo_bits)`` to ``x``.

    ``x`` is split into a high digit ``x >> lo_bits`` (in ``[0, radix)``) and a
    low digit of ``lo_bits`` bits. The rounds alternately add a keyed hash of
    the low digit to the high one (modulo ``radix``) and xor a keyed hash of
    the high digit into the low one; each round is invertible, so the whole
    map is a bijection (an unbalanced Feistel network, as in format-preserving
    encryption). ``x``, ``key`` and ``radix`` are arrays of one unsigned type,
    ``radix <= 2**(word // 2)``.
    """
    word = x.dtype.itemsize * 8
    muls, mix = _ROUND_MULS[word]
    t = x.dtype.type
    half = t(word // 2)
    hi = x >> t(lo_bits)
    lo = x & t((1 << lo_bits) - 1)
    z = np.empty_like(x)
    for r in range(_ROUNDS):
        src = lo if r % 2 == 0 else hi
        np.bitwise_xor(src, key, out=z)
        z += t(_ROUND_ADD[r])
        z *= muls[r % 4]
        z ^= z >> half
        z *= mix
        z ^= z >> half
        if r % 2 == 0:
            z >>= half
            z *= radix
            z >>= half  # now in [0, radix)
            hi += z
            np.minimum(hi, hi - radix, out=hi)  # unsigned: (hi + z) mod radix
        elif lo_bits:
            z >>= t(word - lo_bits)  # the best-mixed top bits
            lo ^= z
    hi <<= t(lo_bits)
    hi |= lo
    return hi


def domain(n):
    """Split ``[0, n)`` into digits: return ``(word type, lo_bits, radix)``.

    The domain ``radix * 2**lo_bits`` is at least ``n`` and below
    ``n + 2**lo_bits``, so cycle walking rarely needs a second round.
    """
    bits = max(int(n - 1).bit_length(), 1)
    word = _U32 if bits <= 32 else _U64
    lo_bits = (bits + 1) // 2
    return word, lo_bits, -(-int(n) // (1 << lo_bits))


def permute(pos, n, key, radix, lo_bits):
    """Return ``pi(pos)`` for keyed pseudo-random permutations of ``[0, n)``.

    Parameters
    ----------
    pos : ndarray of uint
        Positions, ``pos < n`` elementwise.
    n, key, radix : ndarray of uint
        Per element: the size of its domain, its permutation key and the
        radix of its high digit (see :func:`domain`).
    lo_bits : int
        Bits of the low digit, shared by all elements. The four arrays share
        the word type given by :func:`domain`.

    Returns
    -------
    values : ndarray of uint
        ``values < n``; distinct for distinct positions of the same key.
    """
    out = np.empty_like(pos)
    for start in range(0, pos.size, _CHUNK):
        sl = slice(start, start + _CHUNK)
        k, lim, rad = key[sl], n[sl], radix[sl]
        v = _feistel(pos[sl], k, rad, lo_bits)
        # Cycle walking: values beyond n are mapped again until they land in
        # [0, n); this restricts the bijection of the domain to [0, n).
        bad = np.flatnonzero(v >= lim)
        while bad.size:
            w = _feistel(v[bad], k[bad], rad[bad], lo_bits)
            v[bad] = w
            bad = bad[w >= lim[bad]]
        out[sl] = v
    return out


class UnitPlan:
    """Draw epochs unit by unit: full copies plus extras from permutations.

    Built once at fit time. Each unit of ``n`` rows with a target of ``t``
    rows per epoch gets ``q = floor(t / n)`` copies of every row and ``t - q
    * n`` extra rows taken from a keyed permutation of the unit:

    - ``fresh=False`` (rotation, integer targets): a fixed ``r`` extras per
      epoch, consecutive blocks of one permutation per cycle of ``ceil(n /
      r)`` epochs;
    - ``fresh=True`` (systematic sampling, real targets): the fractional
      extras of all units are laid end to end and one uniform offset per
      epoch turns them into ``floor`` or ``ceil`` of each unit's share
      (their total is fixed), taken from the start of a permutation of the
      unit drawn afresh every epoch: a uniform random subset.

    Parameters
    ----------
    unit_of_row : ndarray of int of shape (n_rows,)
        Each row's unit, in ``[0, n_units)``.
    counts : ndarray of int of shape (n_units,)
        Rows per unit (``np.bincount(unit_of_row)``).
    targets : ndarray of shape (n_units,)
        Rows to draw from each unit per epoch (int for rotation; float, with
        an integer sum, for ``fresh=True``).
    fresh : bool, default=False
        Fresh permutations and systematic extras every epoch.
    """

    def __init__(self, unit_of_row, counts, targets, *, fresh=False):
        counts = np.asarray(counts, dtype=np.int64)
        self.fresh = fresh
        if fresh:
            targets = np.asarray(targets, dtype=np.float64)
            self.size = int(round(targets.sum()))
            copies = np.floor(targets / np.maximum(counts, 1)).astype(np.int64)
            extra = np.clip(targets - copies * counts, 0, None)
            full = extra >= counts - 1e-9 * np.maximum(targets, 1)  # rounding
            copies[full & (counts > 0)] += 1
            extra[full] = 0.0
        else:
            targets = np.asarray(targets, dtype=np.int64)
            self.size = int(targets.sum())
            copies = targets // np.maximum(counts, 1)
            extra = targets - copies * counts
        # Rows are grouped by unit, units that repeat every row first, so
        # that the rows drawn in full every epoch are one leading slice.
        rank = np.argsort(copies == 0, kind="stable")
        rank_of_unit = np.empty_like(rank)
        rank_of_unit[rank] = np.arange(rank.size)
        self.order = group_rows(rank_of_unit[unit_of_row], rank.size)
        starts = np.zeros(counts.size, dtype=np.int64)
        starts[rank] = np.cumsum(counts[rank]) - counts[rank]
        copied = rank[copies[rank] > 0]
        self.n_copied = int(counts[copied].sum())
        if np.unique(copies[copied]).size <= 1:
            self.copies = int(copies[copied][0]) if copied.size else 0
        else:
            self.copies = np.repeat(copies[copied], counts[copied])
        # Units with extras, sorted so that the small ones (exact permutations)
        # come first and the others are grouped by the digits of their
        # Feistel domain (one word type and low digit per group).
        units = np.flatnonzero(extra > 0)
        n = counts[units]
        lo_bits = np.array([0 if v <= _SMALL else domain(v)[1] for v in n],
                           dtype=np.int64)
        by_digits = np.argsort(lo_bits, kind="stable")
        self.units = units[by_digits]
        self.n = counts[self.units]
        self.extra = extra[self.units]
        self.starts = starts[self.units]
        self.lo_bits = lo_bits[by_digits]
        self.radix = np.array([domain(v)[2] for v in self.n], dtype=np.int64)
        self.cycle = None if fresh else -(-self.n // self.extra)  # ceil(n / r)
        edges = np.flatnonzero(np.diff(self.lo_bits)) + 1
        self.groups = np.split(np.arange(self.units.size), edges)
        self.n_extra = self.size - int((copies * counts).sum())

    def draw(self, seed, epoch):
        """Return the rows of one epoch, unit by unit (not shuffled)."""
        out = np.empty(self.size, dtype=np.intp)
        done = 0
        if self.n_copied:
            full = self.order[:self.n_copied]
            copies = np.repeat(full, self.copies) if (
                not isinstance(self.copies, int) or self.copies > 1) else full
            done = copies.size
            out[:done] = copies
        if self.units.size:
            r, first, keys = self._blocks(seed, epoch)
            self._extras(r, first, keys, out[done:])
        return out

    def _blocks(self, seed, epoch):
        """Per unit: extras this epoch, first position, permutation key."""
        if self.fresh:
            rng = np.random.default_rng([seed, epoch, _STREAM_SELECT])
            edges = np.cumsum(self.extra)
            np.minimum(edges, self.n_extra, out=edges)  # rounding must not pass the end
            edges[-1] = self.n_extra
            np.floor(edges + rng.random(), out=edges)
            r = np.diff(edges.astype(np.int64), prepend=0)
            return r, np.zeros_like(r), cycle_keys(seed, self.units, epoch)
        cycle, block = np.divmod(np.int64(epoch), self.cycle)
        return self.extra, block * self.extra, cycle_keys(seed, self.units, cycle)

    def _extras(self, r, first, keys, out):
        """Write the extras of every unit to ``out``, group by group."""
        done = 0
        for members in self.groups:
            rm = r[members]
            sl = slice(done, done + int(rm.sum()))
            # Position j * r + k of the k-th extra of a unit's block; the
            # cycle's last block wraps to the start of its permutation.
            offsets = first[members] - (np.cumsum(rm) - rm)
            lo_bits = int(self.lo_bits[members[0]])
            if lo_bits == 0:
                local = self._small_positions(members, rm, offsets, keys[members])
            else:
                local = self._feistel_positions(members, rm, offsets, keys[members],
                                                lo_bits)
            local += np.repeat(self.starts[members], rm)
            np.take(self.order, local, out=out[sl])
            done = sl.stop

    def _small_positions(self, members, r, offsets, keys):
        """Block positions in exact permutations (sorted hashes) of small units."""
        n = self.n[members]
        first = np.cumsum(n) - n
        local = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(first, n)
        hashes = _mix64(np.repeat(keys, n) ^ (local.astype(_U64) * _ROUND_MULS[64][0][2]))
        perm = local[np.lexsort((hashes, np.repeat(np.arange(members.size), n)))]
        pos = np.arange(int(r.sum()), dtype=np.int64) + np.repeat(offsets, r)
        unit_n = np.repeat(n, r)
        np.subtract(pos, unit_n, out=pos, where=pos >= unit_n)
        return perm[pos + np.repeat(first, r)]

    def _feistel_positions(self, members, r, offsets, keys, lo_bits):
        """Block positions through keyed Feistel permutations."""
        n = self.n[members]
        word = domain(int(n.max()))[0]
        n_elem = np.repeat(n.astype(word), r)
        pos = np.arange(int(r.sum()), dtype=word)
        pos += np.repeat(offsets.astype(word), r)  # unsigned wrap cancels out
        np.minimum(pos, pos - n_elem, out=pos)  # unsigned: wrap at n
        values = permute(pos, n_elem, np.repeat(keys.astype(word), r),
                         np.repeat(self.radix[members].astype(word), r), lo_bits)
        return values.astype(np.intp)


def systematic_draw(weights, size, seed, epoch):
    """Draw ``size`` rows with expected counts proportional to ``weights``.

    Parameters
    ----------
    weights : ndarray of float64 of shape (n_rows,)
        Non-negative, with a positive sum.
    size : int
        Rows to draw.
    seed, epoch : int
        Seed the epoch's generator.

    Returns
    -------
    rows : ndarray of intp of shape (size,)
        Grouped by row in a random order (not shuffled).
    """
    rng = np.random.default_rng([seed, epoch, _STREAM_SELECT])
    perm = rng.permutation(weights.size)
    edges = np.cumsum(weights[perm])
    edges *= size / edges[-1]
    np.minimum(edges, size, out=edges)  # rounding must not pass the end
    edges[-1] = size
    edges += rng.random()
    np.floor(edges, out=edges)
    ends = edges.astype(np.int64)
    counts = np.diff(ends, prepend=0)
    return np.repeat(perm, counts)


def group_rows(labels, n_labels):
    """Return row numbers grouped by label (a stable counting sort).

    Labels are narrowed to the smallest unsigned type first: numpy sorts 8-
    and 16-bit integers with a linear-time radix sort.
    """
    dtype = np.min_scalar_type(max(n_labels - 1, 0))
    return np.argsort(labels.astype(dtype, copy=False), kind="stable")


def order_epoch(rows, seed, epoch, shuffle):
    """Shuffle one epoch's rows in place, or sort them; return them."""
    if shuffle:
        np.random.default_rng([seed, epoch, _STREAM_ORDER]).shuffle(rows)
    else:
        rows.sort()
    return rows
