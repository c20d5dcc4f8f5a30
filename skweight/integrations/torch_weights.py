"""PyTorch loss weights from a fitted weighter.

:func:`class_weight_tensor` and :func:`pos_weight_tensor` turn a fitted
weighter into the ``weight`` of ``CrossEntropyLoss`` and the ``pos_weight`` of
``BCEWithLogitsLoss``; :func:`weighted_mean` reduces a ``reduction="none"``
loss by per-item weights (e.g. those of
:class:`~skweight.torch.WeightedDataset`). Needs PyTorch
(``pip install skweight[torch]``).
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._compat import import_optional
from ..weighting.class_weight import per_class_factors
from ..weighting.schedules import at_epoch

torch = import_optional("torch", extra="torch", needed_by="skweight.torch")

__all__ = ["class_weight_tensor", "pos_weight_tensor", "weighted_mean"]


def class_weight_tensor(
    weighter, classes=None, *, schedule=None, epoch=None, dtype=None, device=None
):
    """Per-class weights of a fitted weighter, for ``CrossEntropyLoss(weight=)``.

    For a weighter fitted on a multi-label 0/1 target, its per-tag weights
    (``tag_weights_``: INS, ISNS or ENS), for ``BCEWithLogitsLoss(weight=)``.

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on 1-D class labels, with the label as its only key (the
        factor of a class must be the same in every group and stratum), or
        on a multi-label indicator matrix.
    classes : array-like, default=None
        The classes in the order of the model's outputs. None: the
        weighter's ``classes_`` (sorted, as ``LabelEncoder`` numbers them).
        Every fitted class must be listed once: a class the weighter did not
        see, a fitted class left out or a class listed twice raises an error.
    schedule : Schedule, default=None
        The weights as the schedule makes the weighter at ``epoch`` (e.g.
        ``Schedule.step(at=160)`` for deferred re-weighting: all ones before
        epoch 160).
    epoch : int, default=None
        Needed with ``schedule``.
    dtype : torch.dtype, default=None
        None: ``torch.get_default_dtype()``.
    device : torch.device or str, default=None

    Returns
    -------
    weight : torch.Tensor of shape (n_classes,)
        The factor of each class.

    Examples
    --------
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.torch import class_weight_tensor
    >>> w = GroupBalancedWeighter().fit(None, [0, 0, 0, 1])
    >>> class_weight_tensor(w)
    tensor([0.6667, 2.0000])
    """
    values = per_class_factors(at_epoch(weighter, schedule, epoch), classes)
    return torch.tensor(values, dtype=dtype or torch.get_default_dtype(), device=device)


def pos_weight_tensor(weighter, *, schedule=None, epoch=None, dtype=None, device=None):
    """Per-class ``pos_weight`` for ``BCEWithLogitsLoss`` from a weighter.

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on a multi-label 0/1 indicator target: its ``pos_weight_``
        (negatives over positives per class) is used.
    schedule : Schedule, default=None
        A ``strength`` schedule: at ``epoch`` the pos_weight is
        ``1 + strength * (pos_weight_ - 1)`` (1: no correction).
    epoch : int, default=None
        Needed with ``schedule``.
    dtype : torch.dtype, default=None
        None: ``torch.get_default_dtype()``.
    device : torch.device or str, default=None

    Returns
    -------
    pos_weight : torch.Tensor of shape (n_classes,)

    Examples
    --------
    >>> import numpy as np
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.torch import pos_weight_tensor
    >>> Y = np.array([[1, 0], [0, 1], [0, 1], [0, 0]])
    >>> pos_weight_tensor(GroupBalancedWeighter().fit(None, Y))
    tensor([3., 1.])
    """
    check_is_fitted(weighter, "weight_table_")
    pos_weight = getattr(weighter, "pos_weight_", None)
    if pos_weight is None:
        raise ValueError(
            "The weighter has no pos_weight_: fit it on a multi-label 0/1 "
            "indicator matrix y of shape (n_samples, n_classes)."
        )
    pos_weight = np.asarray(pos_weight, dtype=np.float64)
    if schedule is not None:
        if getattr(schedule, "param", None) != "strength":
            raise ValueError(
                "pos_weight follows a strength schedule only; got a schedule of "
                f"{getattr(schedule, 'param', schedule)!r}."
            )
        if epoch is None:
            raise ValueError("schedule= needs epoch=, the epoch to weigh for.")
        pos_weight = 1 + schedule(epoch) * (pos_weight - 1)
    bad = np.flatnonzero(~np.isfinite(pos_weight))
    if bad.size:
        names = np.asarray(weighter.classes_)[bad].tolist()
        raise ValueError(
            f"Class(es) {names} have no positive rows, so their pos_weight is "
            "infinite. Drop those classes or add positive examples."
        )
    return torch.tensor(pos_weight, dtype=dtype or torch.get_default_dtype(), device=device)


def weighted_mean(loss, weight):
    """The weighted mean of per-item losses, normalised by the batch's weights.

    Parameters
    ----------
    loss : torch.Tensor of shape (batch,) or (batch, ...)
        Losses computed with ``reduction="none"``.
    weight : torch.Tensor of shape (batch,) or the shape of ``loss``
        Item weights (e.g. the last element of a :class:`WeightedDataset`
        item); a 1-D weight applies to every element of an item's row.

    Returns
    -------
    mean : torch.Tensor (scalar)
        ``sum(weight * loss) / sum(weight)`` over all elements, with the
        weights broadcast to ``loss``; 0 when the weights sum to 0.

    Examples
    --------
    >>> import torch
    >>> from skweight.torch import weighted_mean
    >>> weighted_mean(torch.tensor([1.0, 3.0]), torch.tensor([3.0, 1.0]))
    tensor(1.5000)
    """
    if weight.dim() > loss.dim() or loss.shape[: weight.dim()] != weight.shape:
        raise ValueError(
            f"weight of shape {tuple(weight.shape)} does not match the leading "
            f"dimensions of loss of shape {tuple(loss.shape)}."
        )
    weight = (
        weight.to(loss.dtype)
        .reshape(weight.shape + (1,) * (loss.dim() - weight.dim()))
        .expand_as(loss)
    )
    total = weight.sum()
    return (loss * weight).sum() / total.clamp_min(torch.finfo(loss.dtype).tiny)
