"""Diagnostics for weights: how much a weighting costs in sample size."""

import numpy as np

__all__ = ["effective_sample_size"]


def effective_sample_size(sample_weight):
    """Kish's effective sample size of a weight vector.

    ``(sum w) ** 2 / sum(w ** 2)``: the number of equally weighted rows that
    would give an estimate of a mean the same variance as the weighted rows.
    It equals the number of rows for equal weights and shrinks as weights
    spread out.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,)
        Non-negative weights.

    Returns
    -------
    ess : float
        The effective sample size (0 for all-zero weights).

    References
    ----------
    .. [1] L. Kish, "Survey Sampling", Wiley, 1965.

    Examples
    --------
    >>> from skweight.diagnostics import effective_sample_size
    >>> effective_sample_size([1, 1, 1, 1])
    4.0
    >>> effective_sample_size([3, 1, 1, 1])
    3.0
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(
            f"sample_weight must be 1-D; got an array of shape {w.shape}."
        )
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("sample_weight must be finite and non-negative.")
    squares = float(np.dot(w, w))
    return float(w.sum()) ** 2 / squares if squares > 0 else 0.0
