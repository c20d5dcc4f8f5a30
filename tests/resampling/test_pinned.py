"""Pinned values: the keyed permutations and a few epochs, stored.

Every backend draws the same rows because they read the same keyed
permutations; these values also pin them across versions: a change to the
round hash, the Feistel network, the cycle walk, the key derivation or the
drawing plan changes which rows an epoch holds, and must show up here (and in
the changelog) rather than silently change users' epochs. The other tests
check that the permutations are permutations; these check which ones.
"""

import numpy as np
import pytest

from skweight import EpochResampler
from skweight.resampling.permutation import UnitPermutations, cycle_keys

# Units of every path: exact small permutations (<= 64 rows), the 32-bit
# Feistel network with cycle walking, and the 64-bit one (more than 2**32 rows).
SIZES = [10, 64, 65, 1000, 70000, 2**33 + 3]
FORWARD = {
    10: [7, 4, 5, 1, 3, 8],
    64: [24, 5, 28, 63, 35, 12],
    65: [45, 41, 6, 64, 12, 52],
    1000: [634, 203, 549, 134, 482, 387],
    70000: [7042, 44191, 25567, 30219, 13549, 41488],
    2**33 + 3: [3487818097, 2776473084, 3975757125, 6537340891, 4579427237,
                7374757642],
}


def _positions(n):
    return np.array([0, 1, 2, 3, n // 2, n - 1], dtype=np.int64)


def test_cycle_keys_are_pinned():
    keys = cycle_keys(7, np.array([0, 1, 5]), np.array([0, 3, 2**40]))
    assert keys.dtype == np.uint64
    assert keys.tolist() == [3496885622732489247, 13941675495378842847,
                             3000729216069470]


@pytest.mark.parametrize("unit, n", list(enumerate(SIZES)))
def test_permutations_are_pinned_both_ways(unit, n):
    permutations = UnitPermutations(np.array(SIZES))
    key = cycle_keys(11, np.arange(len(SIZES)), np.zeros(len(SIZES), dtype=np.int64))[unit]
    pos = _positions(n)
    units, keys = np.full(pos.size, unit), np.full(pos.size, key)
    elements = permutations.forward(units, pos, keys)
    assert elements.tolist() == FORWARD[n]
    assert permutations.forward_unit(unit, pos.copy(), key).tolist() == FORWARD[n]
    assert permutations.inverse(units, elements, keys).tolist() == pos.tolist()


Y = np.repeat([0, 1, 2], [50, 20, 5])
EPOCHS = {
    ("under", 0): [5, 19, 24, 32, 44, 51, 56, 59, 60, 68, 70, 71, 72, 73, 74],
    ("under", 9): [1, 26, 28, 31, 33, 51, 58, 60, 61, 64, 70, 71, 72, 73, 74],
    # the rows of class 1 drawn a third time (all are drawn twice)
    ("over", 0): [51, 53, 55, 56, 57, 59, 60, 63, 67, 68],
    ("over", 9): [52, 53, 55, 57, 58, 59, 61, 65, 68, 69],
    # the rows of class 0 drawn (25 of its 50)
    ("weights", 0): [0, 3, 5, 6, 9, 10, 12, 17, 19, 20, 21, 23, 24, 25, 29, 30, 32, 36,
                     40, 43, 44, 45, 46, 48, 49],
    ("weights", 9): [0, 3, 4, 5, 7, 9, 10, 14, 19, 20, 21, 22, 24, 27, 29, 30, 32, 36,
                     37, 39, 41, 42, 44, 48, 49],
}


@pytest.mark.parametrize("strategy, epoch", list(EPOCHS))
def test_epochs_are_pinned(strategy, epoch):
    rows = EpochResampler(strategy, random_state=3, shuffle=False).fit(
        None, Y).epoch_indices(epoch)
    counts = np.bincount(rows, minlength=Y.size)
    if strategy == "under":
        got = rows.tolist()
    elif strategy == "over":
        assert counts[:50].tolist() == [1] * 50 and (counts[70:] == 10).all()
        got = np.flatnonzero(counts == 3).tolist()
    else:
        got = np.flatnonzero(counts[:50]).tolist()
    assert got == EPOCHS[strategy, epoch]
