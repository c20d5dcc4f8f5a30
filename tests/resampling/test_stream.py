"""balance_stream: a stream kept or repeated per item to reach the targets."""

import itertools

import numpy as np
import pandas as pd
import pytest

from skweight import EpochResampler, GroupBalancedWeighter
from skweight.streams import balance_stream

pytestmark = pytest.mark.filterwarnings("ignore::skweight.exceptions.WeightingWarning")

RNG = np.random.default_rng(3)
N = 12000
LABELS = RNG.choice([0, 1, 2], N, p=[0.8, 0.15, 0.05])
STRATA = RNG.choice(["a", "b"], N, p=[0.7, 0.3])
GROUPS = np.where(RNG.random(N) < np.where(STRATA == "a", 0.8, 0.3), "f", "m")
STREAM = [
    {"id": i, "s": s, "g": g, "label": int(y)}
    for i, (s, g, y) in enumerate(zip(STRATA, GROUPS, LABELS))
]


def _label_keys(item):
    return {"label": item["label"]}


def _counts(out):
    return np.bincount([item["id"] for item in out], minlength=N)


def test_each_item_is_kept_floor_or_ceil_of_its_weight():
    weighter = GroupBalancedWeighter().fit(None, LABELS)
    rates = weighter.weight(None, LABELS)
    counts = _counts(balance_stream(STREAM, _label_keys, weighter, random_state=1))
    assert np.all((counts == np.floor(rates)) | (counts == np.ceil(rates)))
    # the fractional parts are Bernoulli draws: their mean is close to the rates
    for label in range(3):
        rows = LABELS == label
        assert abs(counts[rows].mean() - rates[rows][0]) < 4 * np.sqrt(0.25 / rows.sum())


def test_long_run_shares_reach_the_balance():
    weighter = GroupBalancedWeighter().fit(None, LABELS)
    out = list(
        balance_stream(STREAM, _label_keys, weighter, random_state=0, chunk_size=500)
    )
    shares = np.bincount([item["label"] for item in out]) / len(out)
    assert np.allclose(shares, 1 / 3, atol=0.02)
    assert abs(len(out) - N) < 0.03 * N  # the weights have mean 1


def test_groups_within_strata_from_one_partial_fit_pass():
    def keys(item):
        return {"s": item["s"], "g": item["g"]}

    weighter = GroupBalancedWeighter(groups="g", strata="s")
    for start in range(0, N, 3000):  # one pass over the stream
        chunk = pd.DataFrame([keys(item) for item in STREAM[start : start + 3000]])
        weighter.partial_fit(chunk)
    out = pd.DataFrame(list(balance_stream(STREAM, keys, weighter, random_state=2)))
    shares = out.groupby("s")["g"].value_counts(normalize=True)
    assert np.allclose(shares.to_numpy(), 0.5, atol=0.03)
    kept = out["s"].value_counts(normalize=True)  # the strata mix is kept
    assert abs(kept["a"] - (STRATA == "a").mean()) < 0.02


def test_running_counts_when_the_weighter_is_not_fitted():
    weighter = GroupBalancedWeighter()
    out = list(
        balance_stream(STREAM, _label_keys, weighter, random_state=0, chunk_size=2000)
    )
    assert hasattr(weighter, "n_cells_")  # it learned the counts on the way
    late = out[len(out) // 2 :]
    shares = np.bincount([item["label"] for item in late]) / len(late)
    assert np.allclose(shares, 1 / 3, atol=0.04)


def test_a_resampler_s_targets():
    rs = EpochResampler("under", random_state=0).fit(None, LABELS)
    rates = np.array([rs.targets_[c] / np.sum(LABELS == c) for c in (0, 1, 2)])[LABELS]
    counts = _counts(balance_stream(STREAM, _label_keys, rs, random_state=4))
    assert np.all((counts == np.floor(rates)) | (counts == np.ceil(rates)))
    per_class = np.bincount(LABELS, weights=counts)
    assert np.allclose(per_class, list(rs.targets_.values()), rtol=0.1)


def test_shards_are_disjoint_and_cover_the_stream():
    rs = EpochResampler("over", random_state=0).fit(None, LABELS)  # rates >= 1
    seen = []
    for index in range(3):
        ids = [
            item["id"]
            for item in balance_stream(
                STREAM, _label_keys, rs, shard=(index, 3), random_state=5
            )
        ]
        assert all(i % 3 == index for i in ids)
        seen.append(set(ids))
    assert set().union(*seen) == set(range(N))
    assert not (seen[0] & seen[1]) and not (seen[1] & seen[2])


def test_reproducible_per_seed_epoch_and_shard_and_lazy():
    weighter = GroupBalancedWeighter().fit(None, LABELS)
    ids = [
        [
            item["id"]
            for item in balance_stream(
                STREAM, _label_keys, weighter, random_state=7, epoch=e
            )
        ]
        for e in (0, 0, 1)
    ]
    assert ids[0] == ids[1] and ids[0] != ids[2]
    unshuffled = [
        item["id"]
        for item in balance_stream(STREAM[:50], _label_keys, weighter, shuffle=False)
    ]
    assert unshuffled == sorted(unshuffled)
    endless = ({"id": i, "label": i % 2} for i in itertools.count())
    first = list(
        itertools.islice(
            balance_stream(endless, _label_keys, GroupBalancedWeighter(), chunk_size=64),
            100,
        )
    )
    assert len(first) == 100  # one chunk at a time


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(chunk_size=0), "chunk_size must be an int >= 1"),
        (dict(shard=(3, 3)), r"0 <= index < count"),
        (dict(shard=5), "shard must be a pair"),
    ],
)
def test_bad_arguments(kwargs, match):
    weighter = GroupBalancedWeighter().fit(None, LABELS)
    with pytest.raises(ValueError, match=match):
        list(balance_stream(STREAM, _label_keys, weighter, **kwargs))


def test_sources_that_cannot_balance_a_stream():
    with pytest.raises(ValueError, match="has no 'label' key"):
        list(
            balance_stream(
                STREAM,
                lambda item: {"s": item["s"]},
                GroupBalancedWeighter().fit(None, LABELS),
            )
        )
    weights = EpochResampler("weights", random_state=0).fit(None, LABELS)
    with pytest.raises(ValueError, match="pass the weighter itself"):
        list(balance_stream(STREAM, _label_keys, weights))
    with pytest.raises(TypeError, match="must be a skweight weighter"):
        list(balance_stream(STREAM, _label_keys, object()))


def test_old_parameter_names_warn_and_draw_the_same():
    weighter = GroupBalancedWeighter().fit(None, [item["label"] for item in STREAM])
    new = list(balance_stream(STREAM, _label_keys, weighter, random_state=3))
    with pytest.warns(FutureWarning, match="'seed' was renamed 'random_state'"):
        old = list(balance_stream(STREAM, _label_keys, weighter, seed=3))
    with pytest.warns(FutureWarning, match="'source' was renamed 'weighter'"):
        by_keyword = list(
            balance_stream(STREAM, _label_keys, source=weighter, random_state=3)
        )
    assert old == new == by_keyword
