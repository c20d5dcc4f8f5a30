"""skweight.keras: a PyDataset that redraws its epoch, and class-weight dicts.

Runs Keras 3 on the PyTorch backend (set in the repository's conftest.py).
"""

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402

from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter  # noqa: E402
from skweight.keras import EpochDataset, class_weight_dict  # noqa: E402
from skweight.schedules import Schedule  # noqa: E402

RNG = np.random.default_rng(0)
Y = np.repeat([0, 1, 2], [300, 60, 20])
X = (RNG.normal(size=(len(Y), 4)) + Y[:, None]).astype("float32")


def test_batches_are_the_epoch_rows_and_each_epoch_is_fresh():
    rs = EpochResampler("under", random_state=1).fit(None, Y)
    ds = EpochDataset(rs, X, Y, batch_size=16)
    assert len(ds) == int(np.ceil(60 / 16))
    rows = rs.epoch_indices(0)
    ds.on_epoch_end()  # Keras's call as fit starts: nothing read
    assert ds.epoch == 0
    xb, yb = ds[len(ds) - 1]
    assert_array_equal(xb, X[rows[48:]])
    assert_array_equal(np.concatenate([ds[i][1] for i in range(len(ds))]), Y[rows])
    ds.on_epoch_end()
    assert ds.epoch == 1
    assert_array_equal(ds.indices, rs.epoch_indices(1))
    assert not np.array_equal(ds.indices, rows)
    with pytest.raises(IndexError):
        ds[len(ds)]


def test_structures_frames_and_sample_weight():
    rs = EpochResampler("over", random_state=0).fit(None, Y)
    frame = pd.DataFrame(X, columns=list("abcd"))
    sw = np.linspace(0.5, 1.5, len(Y))
    ds = EpochDataset(
        rs,
        {"num": frame, "raw": X[:, :2]},
        pd.Series(Y),
        sample_weight=sw,
        batch_size=50,
        epoch=3,
    )
    rows = rs.epoch_indices(3)[:50]
    xb, yb, wb = ds[0]
    assert_array_equal(xb["num"], X[rows]) and assert_array_equal(xb["raw"], X[rows, :2])
    assert_array_equal(yb, Y[rows])
    assert_allclose(wb, sw[rows].astype("float32"))
    pair = EpochDataset(rs, [X, X[:, :1]], Y, batch_size=10)
    assert isinstance(pair[0][0], list) and pair[0][0][1].shape == (10, 1)
    assert "epoch=0" in repr(pair)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(batch_size=0), "batch_size must be an int >= 1"),
        (dict(y=Y[:10]), "y has 10 rows but the resampler was fit on 380"),
        (dict(epoch=-1), "epoch must be in"),
    ],
)
def test_bad_arguments(kwargs, match):
    rs = EpochResampler(random_state=0).fit(None, Y)
    args = {"y": Y, **kwargs}
    with pytest.raises(ValueError, match=match):
        EpochDataset(rs, X, **args)


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def _recorder(ds, seen):
    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append((epoch, ds.indices.copy()))

    return Record()


def test_a_keras_model_trains_on_fresh_epochs():
    rs = EpochResampler("under", random_state=0).fit(None, Y)
    ds = EpochDataset(rs, X, Y, batch_size=20)
    seen = []
    history = _model().fit(ds, epochs=3, verbose=0, callbacks=[_recorder(ds, seen)])
    losses = history.history["loss"]
    assert len(losses) == 3 and np.all(np.isfinite(losses)) and losses[-1] < losses[0]
    epochs = [rows for _, rows in seen]
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(
        epochs[1], epochs[2]
    )
    drawn = [
        next(e for e in range(6) if np.array_equal(rows, rs.epoch_indices(e)))
        for rows in epochs
    ]
    # Without the callback too, Keras's epoch e is the resampler's epoch e: the
    # look at one batch before training does not count as an epoch.
    assert drawn == [0, 1, 2]


def test_a_partial_pass_keeps_the_epoch_and_warns():
    rs = EpochResampler("under", random_state=0).fit(None, Y)
    ds = EpochDataset(rs, X, Y, batch_size=10)
    ds[0]
    ds.on_epoch_end()  # a look at one batch: not an epoch
    assert ds.epoch == 0
    ds[0], ds[1]
    with pytest.warns(UserWarning, match="read 2 of the .* not advanced"):
        ds.on_epoch_end()
    assert ds.epoch == 0
    for i in range(len(ds)):
        ds[i]
    ds.on_epoch_end()
    assert ds.epoch == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_the_callback_serves_kerass_epoch_numbers(workers):
    rs = EpochResampler("under", random_state=0).fit(None, Y)
    ds = EpochDataset(rs, X, Y, batch_size=20, workers=workers)
    seen = []
    model = _model()
    model.fit(ds, epochs=3, verbose=0, callbacks=[ds.callback(), _recorder(ds, seen)])
    for epoch, rows in seen:
        assert_array_equal(rows, rs.epoch_indices(epoch))
    assert [e for e, _ in seen] == [0, 1, 2]
    seen.clear()
    model.fit(
        ds,
        epochs=5,
        initial_epoch=3,
        verbose=0,  # resumed
        callbacks=[ds.callback(), _recorder(ds, seen)],
    )
    assert [e for e, _ in seen] == [3, 4]
    for epoch, rows in seen:
        assert_array_equal(rows, rs.epoch_indices(epoch))


def test_a_schedule_that_changes_the_epoch_size_is_refused():
    rs = EpochResampler("under", schedule=Schedule.step(at=1), random_state=0).fit(None, Y)
    with pytest.raises(ValueError, match="changes the epoch size"):
        EpochDataset(rs, X, Y)


def test_class_weight_dict_for_model_fit():
    weighter = EffectiveNumberWeighter(beta=0.99).fit(None, Y)
    cw = class_weight_dict(weighter)
    expected = weighter.weight_table_.set_index("label")["factor"]
    assert cw == {0: expected[0], 1: expected[1], 2: expected[2]}
    names = np.array(["cat", "dog", "eel"])[Y]
    by_name = class_weight_dict(
        GroupBalancedWeighter().fit(None, names), classes=["eel", "dog", "cat"]
    )
    assert list(by_name) == [0, 1, 2] and by_name[0] > by_name[1] > by_name[2]
    drw = Schedule.step(at=5)
    assert class_weight_dict(weighter, schedule=drw, epoch=4) == {0: 1.0, 1: 1.0, 2: 1.0}
    assert class_weight_dict(weighter, schedule=drw, epoch=5) == cw
    with pytest.raises(ValueError, match="needs epoch="):
        class_weight_dict(weighter, schedule=drw)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    model.compile(
        optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    model.fit(X, Y, class_weight=cw, epochs=1, batch_size=64, verbose=0)
