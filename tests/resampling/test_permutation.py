"""Keyed permutations: bijections of [0, n), and inverse undoes forward."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from skweight.resampling.permutation import SMALL, UnitPermutations, cycle_keys
from tests.conftest import examples

SETTINGS = settings(max_examples=examples(40), deadline=None)


@SETTINGS
@given(st.integers(1, 5000), st.integers(0, 2**63))
def test_forward_is_a_bijection(n, seed):
    """Protects the rotation's coverage: each keyed map permutes [0, n)."""
    perms = UnitPermutations([n])
    keys = np.repeat(cycle_keys(seed, [0], [0]), n)
    values = perms.forward(np.zeros(n, dtype=np.int64), np.arange(n), keys)
    assert_array_equal(np.sort(values), np.arange(n))


@SETTINGS
@given(
    st.lists(st.integers(1, 3000), min_size=1, max_size=6),
    st.integers(0, 2**32),
    st.integers(0, 50),
)
def test_inverse_undoes_forward(sizes, seed, cycle):
    """Protects the equality of every backend's epochs: the row-wise test
    (inverse) and the in-memory draw (forward) read one permutation."""
    perms = UnitPermutations(sizes)
    sizes = np.asarray(sizes)
    units = np.repeat(np.arange(sizes.size), sizes)
    local = np.concatenate([np.arange(n) for n in sizes])
    keys = cycle_keys(seed, units, cycle)
    forward = perms.forward(units, local, keys)
    assert_array_equal(perms.inverse(units, forward, keys), local)
    # Interleaved elements give the same answers as grouped ones.
    shuffled = np.random.default_rng(seed).permutation(units.size)
    assert_array_equal(
        perms.inverse(units[shuffled], forward[shuffled], keys[shuffled]), local[shuffled]
    )


def test_small_units_are_exact_permutations():
    """Units up to SMALL rows use sorted hashes; every order is reachable."""
    n = 3
    perms = UnitPermutations([n])
    seen = set()
    for seed in range(200):
        keys = np.repeat(cycle_keys(seed, [0], [0]), n)
        seen.add(tuple(perms.forward(np.zeros(n, dtype=np.int64), np.arange(n), keys)))
    assert len(seen) == 6
    assert SMALL >= n


def test_keys_differ_by_unit_cycle_and_seed():
    keys = cycle_keys(0, np.arange(4), 0)
    assert np.unique(keys).size == 4
    assert cycle_keys(0, [1], [1])[0] != cycle_keys(0, [1], [0])[0]
    assert cycle_keys(1, [1], [0])[0] != cycle_keys(0, [1], [0])[0]
