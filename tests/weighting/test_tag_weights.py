"""Multi-label tags: per-tag weights (INS, ISNS, ENS) and one weight per row."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter

RNG = np.random.default_rng(0)
# 6 tags of very different frequencies; a row may carry several.
Y = (RNG.random((2000, 6)) < np.array([0.5, 0.3, 0.1, 0.05, 0.02, 0.005])).astype(int)
POSITIVES = Y.sum(axis=0).astype(float)


def _normalised(raw):
    return raw * len(raw) / raw.sum()  # the seed's: the weights sum to the number of tags


@pytest.mark.parametrize(
    "weighter, raw",
    [
        (GroupBalancedWeighter(), 1.0 / POSITIVES),  # INS
        (GroupBalancedWeighter(scheme="sqrt_inverse"), 1.0 / np.sqrt(POSITIVES)),  # ISNS
        (EffectiveNumberWeighter(beta=0.99), (1 - 0.99) / (1 - 0.99**POSITIVES)),  # ENS
        (EffectiveNumberWeighter(beta=0.9999), (1 - 0.9999) / (1 - 0.9999**POSITIVES)),
    ],
)
def test_tag_weights_are_the_papers_formulas(weighter, raw):
    fitted = weighter.fit(None, Y)
    assert_allclose(fitted.tag_weights_, _normalised(raw), rtol=1e-12)
    assert fitted.tag_weights_.sum() == pytest.approx(Y.shape[1])
    assert_allclose(fitted.pos_weight_, (len(Y) - POSITIVES) / POSITIVES)  # beside it


def test_class_weight_tensor_gives_the_tag_weights_for_bce():
    torch = pytest.importorskip("torch")
    from skweight.torch import class_weight_tensor

    fitted = GroupBalancedWeighter().fit(None, Y)
    weight = class_weight_tensor(fitted)
    assert weight.shape == (6,) and torch.allclose(
        weight, torch.tensor(fitted.tag_weights_, dtype=weight.dtype)
    )
    loss = torch.nn.BCEWithLogitsLoss(weight=weight)  # broadcast over the batch
    assert torch.isfinite(loss(torch.zeros(4, 6), torch.ones(4, 6)))
    reordered = class_weight_tensor(fitted, classes=[5, 4, 3, 2, 1, 0])
    assert torch.equal(reordered, weight.flip(0))
    with pytest.raises(ValueError, match="every fitted class once"):
        class_weight_tensor(fitted, classes=[0, 1, 2])


def test_row_weights_reduce_a_rows_positive_tags():
    fitted = GroupBalancedWeighter().fit(None, Y)
    tags = fitted.tag_weights_
    mean = fitted.tag_row_weights(Y)
    top = fitted.tag_row_weights(Y, reduce="max")
    for i in range(50):
        on = Y[i].astype(bool)
        expected_mean = tags[on].mean() if on.any() else 1.0
        expected_max = tags[on].max() if on.any() else 1.0
        assert mean[i] == pytest.approx(expected_mean)
        assert top[i] == pytest.approx(expected_max)
    with pytest.raises(ValueError, match="reduce must be"):
        fitted.tag_row_weights(Y, reduce="median")
    with pytest.raises(ValueError, match="one column per tag"):
        fitted.tag_row_weights(Y[:, :3])
    with pytest.raises(ValueError, match="multi-label"):
        GroupBalancedWeighter().fit(None, [0, 1, 1]).tag_row_weights(Y)


@pytest.mark.parametrize("draw", ["systematic", "random"])
def test_rare_tags_appear_more_often_in_epochs_drawn_by_the_row_weights(draw):
    rows = GroupBalancedWeighter().fit(None, Y).tag_row_weights(Y)
    rs = EpochResampler("weights", draw=draw, random_state=0).fit(None, Y)
    drawn = np.zeros(6)
    for epoch in range(20):
        drawn += Y[rs.epoch_indices(epoch)].sum(axis=0)
    share_before = POSITIVES / POSITIVES.sum()
    share_after = drawn / drawn.sum()
    assert share_after[-1] > 3 * share_before[-1]  # the rarest tag, much more often
    assert share_after[0] < share_before[0]  # the commonest, less
    expected = (rows[:, None] * Y).sum(axis=0)  # what the row weights say
    assert_allclose(share_after, expected / expected.sum(), atol=0.01)


def test_a_multi_label_y_is_for_the_weights_strategy():
    X = np.arange(len(Y) * 2.0).reshape(-1, 2)
    X_res, Y_res = EpochResampler("weights", random_state=0).fit_resample(X, Y)
    assert Y_res.shape[1] == Y.shape[1] and len(X_res) == len(Y_res) == len(Y)
    assert np.array_equal(Y_res, Y[(X_res[:, 0] // 2).astype(int)])  # rows kept whole
    with pytest.raises(ValueError, match="but by strategy='weights'"):
        EpochResampler("under").fit(None, Y)
    from skweight.schedules import Schedule

    with pytest.raises(ValueError, match="multi-label y is drawn by its rows' tag weights"):
        EpochResampler("weights", schedule=Schedule.linear(0, 3)).fit(None, Y)
