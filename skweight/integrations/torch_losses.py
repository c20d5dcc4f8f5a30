"""Long-tail losses from a fitted weighter's class counts (PyTorch).

- :class:`LogitAdjustedLoss`: cross-entropy on ``logits + tau * log prior``
  (Menon et al. 2021), per class or per group and class;
- :class:`BalancedSoftmaxLoss`: the same with ``tau = 1`` (Ren et al. 2020);
- :class:`LDAMLoss`: cross-entropy with the true class's logit lowered by a
  margin proportional to ``n ** -1/4`` (Cao et al. 2019).

The priors and margins come from :mod:`skweight.priors`; the losses hold
them as buffers, so ``.to(device)`` moves them with the model.
"""

from numbers import Real

import numpy as np

from .._compat import import_optional
from ..weighting.priors import ldam_margins, logit_adjustment

torch = import_optional("torch", extra="torch", needed_by="skweight.torch")
import torch.nn.functional as F  # noqa: E402 - torch is installed

__all__ = ["BalancedSoftmaxLoss", "LDAMLoss", "LogitAdjustedLoss"]

_REDUCTIONS = ("mean", "sum", "none")


class LogitAdjustedLoss(torch.nn.Module):  # type: ignore[name-defined]
    """Logit-adjusted cross-entropy: ``CE(logits + tau * log(prior), target)``.

    Training with the training priors added to the logits makes the plain
    logits fit the balanced distribution (Menon et al. 2021): predict with
    ``model(x).argmax(1)``, without the offsets.

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on the training labels (1-D classes, in the order of the
        model's outputs: ``weighter.classes_``).
    tau : float >= 0, default=1.0
        The scale of the offsets (1: Balanced Softmax).
    by : {None, "groups"}, default=None
        ``"groups"``: one prior per group and class, ``P(y | g)``; then
        :meth:`forward` needs each row's group position (see ``groups``).
    weight : torch.Tensor of shape (n_classes,), default=None
        Class weights for the cross-entropy, as in ``CrossEntropyLoss``.
    reduction : {"mean", "sum", "none"}, default="mean"

    Attributes
    ----------
    offsets : torch.Tensor of shape (n_classes,) or (n_groups, n_classes)
        ``tau * log(prior)`` (a buffer); ``-inf`` for a class a group lacks.
    groups : pandas.Index or None
        For ``by="groups"``: the group of each row of ``offsets``, so
        ``loss.groups.get_indexer(values)`` gives the positions to pass.

    Examples
    --------
    >>> import torch
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.torch import LogitAdjustedLoss
    >>> weighter = GroupBalancedWeighter().fit(None, [0, 0, 0, 1])
    >>> loss_fn = LogitAdjustedLoss(weighter)
    >>> loss_fn.offsets
    tensor([-0.2877, -1.3863])
    >>> logits = torch.zeros(2, 2)
    >>> loss_fn(logits, torch.tensor([0, 1]))
    tensor(0.8370)
    """

    def __init__(self, weighter, *, tau=1.0, by=None, weight=None, reduction="mean"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be one of {_REDUCTIONS}; got {reduction!r}.")
        offsets = logit_adjustment(weighter, tau=tau, by=by)
        self.groups = None
        if by == "groups":
            self.groups = offsets.index
            offsets = offsets.to_numpy()
        self.register_buffer(
            "offsets",
            torch.tensor(
                np.array(offsets, dtype=np.float64), dtype=torch.get_default_dtype()
            ),
        )
        self.register_buffer("weight", weight)
        self.reduction = reduction

    def forward(self, logits, target, group=None):
        """The loss of ``logits`` (batch, n_classes) for class positions ``target``.

        Parameters
        ----------
        logits : torch.Tensor of shape (batch, n_classes)
        target : torch.Tensor of int of shape (batch,)
            Class positions in ``weighter.classes_``.
        group : torch.Tensor of int of shape (batch,), default=None
            Each row's position in ``groups``; needed for ``by="groups"``.
        """
        offsets = self.offsets.to(logits.dtype)
        if offsets.dim() == 2:
            if group is None:
                raise ValueError(
                    "This loss has priors per group (by='groups'): pass group=, each "
                    "row's position in loss.groups."
                )
            offsets = offsets[group]
        elif group is not None:
            raise ValueError(
                "group= is for by='groups'; this loss has one prior per class."
            )
        return F.cross_entropy(
            logits + offsets, target, weight=self.weight, reduction=self.reduction
        )


class BalancedSoftmaxLoss(LogitAdjustedLoss):
    """Balanced Softmax (Ren et al. 2020): ``CE(logits + log(prior), target)``.

    :class:`LogitAdjustedLoss` with ``tau=1``.

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on the training labels.
    by : {None, "groups"}, default=None
    weight : torch.Tensor of shape (n_classes,), default=None
    reduction : {"mean", "sum", "none"}, default="mean"

    Examples
    --------
    >>> import torch
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.torch import BalancedSoftmaxLoss
    >>> loss_fn = BalancedSoftmaxLoss(GroupBalancedWeighter().fit(None, [0, 0, 0, 1]))
    >>> loss_fn(torch.zeros(2, 2), torch.tensor([0, 1]))
    tensor(0.8370)
    """

    def __init__(self, weighter, *, by=None, weight=None, reduction="mean"):
        super().__init__(weighter, tau=1.0, by=by, weight=weight, reduction=reduction)


class LDAMLoss(torch.nn.Module):  # type: ignore[name-defined]
    """Label-distribution-aware margin loss (Cao et al. 2019).

    ``CE(scale * (logits - margin[target] * onehot(target)), target)``, the
    margins from :func:`skweight.priors.ldam_margins` (``C / n ** 1/4``, the
    rarest class's being ``max_margin``). The paper applies it to
    normalised logits, with ``scale=30``, and pairs it with deferred
    re-weighting (``weight=`` from a class-balanced weighter late in
    training).

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on the training labels.
    max_margin : float > 0, default=0.5
    scale : float > 0, default=30.0
    weight : torch.Tensor of shape (n_classes,), default=None
    reduction : {"mean", "sum", "none"}, default="mean"

    Attributes
    ----------
    margins : torch.Tensor of shape (n_classes,)
        A buffer.

    Examples
    --------
    >>> import torch
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.torch import LDAMLoss
    >>> loss_fn = LDAMLoss(GroupBalancedWeighter().fit(None, [0] * 80 + [1] * 5), scale=1.0)
    >>> loss_fn.margins
    tensor([0.2500, 0.5000])
    >>> loss_fn(torch.zeros(1, 2), torch.tensor([1]))
    tensor(0.9741)
    """

    def __init__(
        self, weighter, *, max_margin=0.5, scale=30.0, weight=None, reduction="mean"
    ):
        super().__init__()
        if (
            isinstance(scale, bool)
            or not isinstance(scale, Real)
            or not (np.isfinite(scale) and scale > 0)
        ):
            raise ValueError(f"scale must be a finite number > 0; got {scale!r}.")
        if reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be one of {_REDUCTIONS}; got {reduction!r}.")
        margins = ldam_margins(weighter, max_margin=max_margin)
        self.register_buffer(
            "margins", torch.tensor(margins, dtype=torch.get_default_dtype())
        )
        self.register_buffer("weight", weight)
        self.scale = float(scale)
        self.reduction = reduction

    def forward(self, logits, target):
        """The loss of ``logits`` (batch, n_classes) for class positions ``target``."""
        margin = torch.zeros_like(logits).scatter_(
            1, target.view(-1, 1), self.margins.to(logits.dtype)[target].view(-1, 1)
        )
        return F.cross_entropy(
            self.scale * (logits - margin),
            target,
            weight=self.weight,
            reduction=self.reduction,
        )
