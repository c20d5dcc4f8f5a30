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
# Feistel network with cycle walking (low digits of 5, 9, 12 and 16 bits, the
# last the widest a 32-bit word holds), and the 64-bit one (more than 2**32 rows).
SIZES = [10, 64, 65, 1000, 70000, 2**33 + 3, 5_000_000, 3 * 2**30]
FORWARD = {
    10: [7, 4, 5, 1, 3, 8],
    64: [24, 5, 28, 63, 35, 12],
    65: [45, 41, 6, 64, 12, 52],
    1000: [634, 203, 549, 134, 482, 387],
    70000: [7042, 44191, 25567, 30219, 13549, 41488],
    2**33 + 3: [3487818097, 2776473084, 3975757125, 6537340891, 4579427237, 7374757642],
    5_000_000: [2304037, 3041785, 817744, 3168817, 1394028, 1453008],
    3 * 2**30: [1919520318, 2928647131, 540893266, 1999856277, 2583789811, 2060327476],
}


def _positions(n):
    return np.array([0, 1, 2, 3, n // 2, n - 1], dtype=np.int64)


def test_cycle_keys_are_pinned():
    keys = cycle_keys(7, np.array([0, 1, 5]), np.array([0, 3, 2**40]))
    assert keys.dtype == np.uint64
    assert keys.tolist() == [3496885622732489247, 13941675495378842847, 3000729216069470]


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


@pytest.mark.parametrize("n", [65, 100, 1000, 4097])
def test_one_units_walk_stays_in_its_rows(n):
    # Cycle walking must leave the Feistel domain's values >= n, n itself included.
    permutations = UnitPermutations(np.array([n]))
    for seed in range(5):
        key = cycle_keys(seed, np.array([0]), np.array([0]))[0]
        elements = permutations.forward_unit(0, np.arange(n), key)
        assert np.array_equal(np.sort(elements), np.arange(n))


Y = np.repeat([0, 1, 2], [50, 20, 5])
EPOCHS = {
    ("under", 0): [5, 19, 24, 32, 44, 51, 56, 59, 60, 68, 70, 71, 72, 73, 74],
    ("under", 9): [1, 26, 28, 31, 33, 51, 58, 60, 61, 64, 70, 71, 72, 73, 74],
    # the rows of class 1 drawn a third time (all are drawn twice)
    ("over", 0): [51, 53, 55, 56, 57, 59, 60, 63, 67, 68],
    ("over", 9): [52, 53, 55, 57, 58, 59, 61, 65, 68, 69],
    # the rows of class 0 drawn (25 of its 50)
    ("weights", 0): [
        0,
        3,
        5,
        6,
        9,
        10,
        12,
        17,
        19,
        20,
        21,
        23,
        24,
        25,
        29,
        30,
        32,
        36,
        40,
        43,
        44,
        45,
        46,
        48,
        49,
    ],
    ("weights", 9): [
        0,
        3,
        4,
        5,
        7,
        9,
        10,
        14,
        19,
        20,
        21,
        22,
        24,
        27,
        29,
        30,
        32,
        36,
        37,
        39,
        41,
        42,
        44,
        48,
        49,
    ],
}


@pytest.mark.parametrize("strategy, epoch", list(EPOCHS))
def test_epochs_are_pinned(strategy, epoch):
    rows = (
        EpochResampler(strategy, random_state=3, shuffle=False)
        .fit(None, Y)
        .epoch_indices(epoch)
    )
    counts = np.bincount(rows, minlength=Y.size)
    if strategy == "under":
        got = rows.tolist()
    elif strategy == "over":
        assert counts[:50].tolist() == [1] * 50 and (counts[70:] == 10).all()
        got = np.flatnonzero(counts == 3).tolist()
    else:
        got = np.flatnonzero(counts[:50]).tolist()
    assert got == EPOCHS[strategy, epoch]
