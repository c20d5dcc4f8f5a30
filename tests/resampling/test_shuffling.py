"""The epoch shuffle: uniform, and the same on any number of threads."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skweight.resampling import shuffling
from skweight.resampling.shuffling import _bucket_shuffle, shuffle, shuffled_draw


@pytest.fixture
def small_levels(monkeypatch):
    """The long method on short arrays: 4 buckets in 2 groups, pieces of 8,
    on the caller's thread (threads are tested on their own)."""
    monkeypatch.setattr(shuffling, "_n_threads", lambda: 1)
    monkeypatch.setattr(shuffling, "_IN_CACHE", 8)
    monkeypatch.setattr(shuffling, "_N_BUCKETS", 4)
    monkeypatch.setattr(shuffling, "_N_GROUPS", 2)
    monkeypatch.setattr(shuffling, "_PIECE", 8)


def test_long_shuffle_is_a_uniform_permutation(small_levels):
    """Protects shuffle=True: the bucketed shuffle of long epochs (several
    pieces, buckets over the in-cache length: a second level) permutes the
    rows, and every position is equally likely for every element."""
    rng = np.random.default_rng(0)
    n, trials = 40, 4000
    where = np.zeros((n, n))
    for _ in range(trials):
        out = shuffle(np.arange(n), rng)
        assert_array_equal(np.sort(out), np.arange(n))
        where[out, np.arange(n)] += 1
    expected = trials / n
    chi2 = ((where - expected) ** 2 / expected).sum()
    # (n - 1)**2 = 1521 degrees of freedom: mean 1521, sd 55.
    assert chi2 < 1521 + 6 * 55


def test_pairs_are_uniform(small_levels):
    """Not only one element at a time: the ordered pair of elements at
    positions 0 and 1 takes each of the n (n - 1) values equally often (a
    bucket shuffle that kept the order within a piece would fail this)."""
    rng = np.random.default_rng(1)
    n, trials = 12, 13200
    seen = np.zeros((n, n))
    for _ in range(trials):
        out = shuffle(np.arange(n), rng)
        seen[out[0], out[1]] += 1
    assert np.diag(seen).sum() == 0
    expected = trials / (n * (n - 1))
    off = seen[~np.eye(n, dtype=bool)]
    chi2 = ((off - expected) ** 2 / expected).sum()
    # 131 degrees of freedom: mean 131, sd 16.2.
    assert chi2 < 131 + 6 * 16.2


@pytest.mark.parametrize("threads", [2, 3])
def test_threads_do_not_change_the_permutation(small_levels, threads):
    """Protects distributed epochs: every rank, on any machine, computes the
    same epoch, whatever number of CPUs it has."""
    rows = np.arange(1000) * 3
    one = _bucket_shuffle(rows, np.random.default_rng(5), 1)
    many = _bucket_shuffle(rows, np.random.default_rng(5), threads)
    assert_array_equal(one, many)
    assert_array_equal(np.sort(one), rows)
    assert not np.array_equal(one, rows)
    assert_array_equal(rows, np.arange(1000) * 3)  # the input is not changed


def test_short_arrays_keep_numpy_shuffle():
    """Epochs of up to 2**22 rows are numpy's shuffle, in place."""
    rows = np.arange(100)
    expected = rows.copy()
    np.random.default_rng(3).shuffle(expected)
    out = shuffle(rows, np.random.default_rng(3))
    assert out is rows
    assert_array_equal(out, expected)


def test_long_arrays_keep_their_dtype(small_levels):
    out = shuffle(np.arange(50, dtype=np.int32), np.random.default_rng(0))
    assert out.dtype == np.int32
    assert_array_equal(np.sort(out), np.arange(50))


def test_threads_follow_the_cpus(monkeypatch):
    monkeypatch.setattr(
        shuffling.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False
    )
    assert shuffling._n_threads() == shuffling._MAX_THREADS
    monkeypatch.setattr(shuffling.os, "sched_getaffinity", lambda pid: {0})
    assert shuffling._n_threads() == 1
    # Where the affinity is unknown (not Linux): the CPU count, else one.
    monkeypatch.delattr(shuffling.os, "sched_getaffinity")
    monkeypatch.setattr(shuffling.os, "cpu_count", lambda: 3)
    assert shuffling._n_threads() == 3
    monkeypatch.setattr(shuffling.os, "cpu_count", lambda: None)
    assert shuffling._n_threads() == 1


def test_long_shuffle_at_full_size():
    """The real levels: just over 2**22 rows, several pieces, two threads.
    Pinned: a change of the method would give every rank of a distributed
    job, after an upgrade, other epochs than a rank not yet upgraded."""
    rows = np.arange((1 << 22) + 5)
    out = shuffle(rows, np.random.default_rng(0))
    assert out is not rows
    assert_array_equal(np.bincount(out, minlength=rows.size), 1)
    assert_array_equal(out, _bucket_shuffle(rows, np.random.default_rng(0), 2))
    assert out[:8].tolist() == [
        2661111,
        1356106,
        308647,
        1606935,
        1467119,
        725059,
        114352,
        2165682,
    ]
    assert int((out[:1000] * np.arange(1000)).sum()) == 1023330191620
    assert int(out[-3:].sum()) == 8264183


def test_long_shuffle_is_pinned(small_levels):
    """The method itself, pinned on short levels: the bucket of every element
    (one uint8 stream), pieces of a fixed length, a stable grouping, the
    group generators, a second level."""
    out = shuffle(np.arange(40), np.random.default_rng(123))
    assert out.tolist() == [
        20,
        13,
        23,
        8,
        37,
        24,
        39,
        3,
        31,
        30,
        38,
        15,
        34,
        22,
        36,
        27,
        35,
        9,
        26,
        21,
        7,
        6,
        18,
        4,
        16,
        5,
        25,
        28,
        11,
        10,
        0,
        19,
        14,
        12,
        32,
        2,
        1,
        29,
        17,
        33,
    ]


def test_in_cache_length_is_shuffled_in_place(small_levels):
    rows = np.arange(8)  # exactly the in-cache length
    expected = rows.copy()
    np.random.default_rng(1).shuffle(expected)
    out = shuffle(rows, np.random.default_rng(1))
    assert out is rows
    assert_array_equal(out, expected)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("size", [10, (1 << 16) + 3])
def test_shuffled_draw_is_the_shuffle_of_the_draw(monkeypatch, threads, size):
    """The order drawn on a second thread while the rows are drawn gives the
    very epoch of shuffling the drawn rows in place."""
    monkeypatch.setattr(shuffling, "_n_threads", lambda: threads)
    rows = np.random.default_rng(2).integers(0, 10**6, size).astype(np.intp)

    def make_rng():
        return np.random.default_rng([4, 7])

    expected = shuffle(rows.copy(), make_rng())
    out = shuffled_draw(lambda: rows.copy(), size, make_rng)
    assert out.dtype == np.intp
    assert_array_equal(out, expected)


def test_shuffled_draw_of_another_size_shuffles_what_was_drawn(monkeypatch):
    monkeypatch.setattr(shuffling, "_n_threads", lambda: 2)
    rows = np.arange((1 << 16) + 10)

    def make_rng():
        return np.random.default_rng(9)

    out = shuffled_draw(lambda: rows.copy(), rows.size - 10, make_rng)
    assert_array_equal(out, shuffle(rows.copy(), make_rng()))
    narrow = rows.astype(np.int32)
    out = shuffled_draw(lambda: narrow.copy(), narrow.size, make_rng)
    assert out.dtype == np.int32
    assert_array_equal(out, shuffle(narrow.copy(), make_rng()))


def test_shuffled_draw_passes_on_a_failed_draw(monkeypatch):
    monkeypatch.setattr(shuffling, "_n_threads", lambda: 2)

    def draw():
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        shuffled_draw(draw, 1 << 16, lambda: np.random.default_rng(0))
