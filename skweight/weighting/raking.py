"""Raking: weights that meet several target margins at once.

:func:`rake` is iterative proportional fitting on the engine's table of the
cells that occur (one entry per combination of the margin columns' values
that has rows), never on rows: each sweep scales the cells of every level of
one margin so that the level's weighted total is its target, margin after
margin, until every margin is within ``tol``. :class:`RakingWeighter` is the
estimator: counting, validation and every face (``weight``, pipelines,
torch, chunks) are :class:`~skweight.weighting.base.BaseWeighter`'s.
"""

import warnings
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions
from ..engine.encode import as_python as _plain
from ..exceptions import caller_stacklevel
from .base import BaseWeighter
from .factors import CellFactors
from .schemes import make_scheme
from .shares import check_amount, codes_of_values

__all__ = ["RakingWeighter", "rake"]


def rake(counts, codes, targets, *, max_iter=100, tol=1e-6, max_weight=None):
    """Iterative proportional fitting of cell factors to margin totals.

    Parameters
    ----------
    counts : ndarray of shape (n_cells,)
        The weighted count of each cell (the base weights' sums).
    codes : list of ndarray of int of shape (n_cells,)
        For each margin, the level of each cell.
    targets : list of ndarray of shape (n_levels,)
        For each margin, the target total of each level (each summing to
        ``counts.sum()``).
    max_iter : int, default=100
        Most sweeps over the margins.
    tol : float, default=1e-6
        Converged when every level's weighted share is within ``tol`` of
        its target share (and, with ``max_weight``, every factor is at most
        the cap).
    max_weight : float or None, default=None
        Cap on a factor (the mean factor is 1): after each sweep the factors
        are clipped at it, and the next sweep restores the margins (bounded
        raking).

    Returns
    -------
    factors : ndarray of shape (n_cells,)
    n_iter : int
        Sweeps run.
    converged : bool
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = float(counts.sum())
    factors = np.ones(counts.size)
    weighted = counts.copy()
    for n_iter in range(1, max_iter + 1):
        for level, target in zip(codes, targets):
            sums = np.bincount(level, weights=weighted, minlength=target.size)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(sums > 0, target / sums, 0.0)
            factors *= ratio[level]
            np.multiply(counts, factors, out=weighted)
        if max_weight is not None:
            np.minimum(factors, max_weight, out=factors)
            np.multiply(counts, factors, out=weighted)
        if _margin_error(weighted, codes, targets, total) <= tol:
            return factors, n_iter, True
    return factors, max_iter, False


def _margin_error(weighted, codes, targets, total):
    """The largest distance of a level's weighted share from its target share."""
    if total <= 0:
        return 0.0
    return max(
        float(np.abs(np.bincount(c, weights=weighted, minlength=t.size) - t).max() / total)
        for c, t in zip(codes, targets)
    )


class RakingWeighter(BaseWeighter):
    """Weights that give several columns given shares at once (raking).

    Iterative proportional fitting (Deming and Stephan 1940) of one factor
    per cell of the margin columns, so that the weighted share of every
    level of every margin is its target (the joint distribution of the
    margins need not be known): "gender 50/50 and age as in the census".
    It runs on the counts of the cells that occur, never on rows, and fits,
    weighs and plugs in as the other weighters do (``sample_weight`` are
    the base weights; pipelines, torch, chunks with ``partial_fit``).

    Read more in the :doc:`user guide </user_guide/target_shares>`.

    Parameters
    ----------
    margins : dict
        ``{column: {level: share}}``: for each column of ``X`` to rake on,
        the share of every value it has in the rows. Shares are normalised
        to sum to 1 per margin (population counts work too). A value with
        rows but no share is an error (give it 0 to drop its rows), as is a
        value with a share that no row has.
        :func:`skweight.shares_of` gives the shares of a reference sample.
    max_iter : int >= 1, default=100
        Most sweeps over the margins.
    tol : float > 0, default=1e-6
        Converged when every level's weighted share is within ``tol`` of
        its target share (and every factor within ``max_weight``).
    max_weight : float >= 1, default=None
        Bounded raking: no factor exceeds this multiple of the mean factor
        (the weight per unit of incoming weight, 1 on average). The factors
        are clipped after each sweep and the next sweep restores the
        margins; when the cap and the margins cannot both hold, the fit
        warns that it did not converge. None: no cap.
    handle_unknown : {"error", "ignore", "zero"}, default="error"
        As in :class:`~skweight.GroupBalancedWeighter`: rows whose combination
        had no rows during fit.
    handle_missing : {"error", "category"}, default="error"
        As in :class:`~skweight.GroupBalancedWeighter`; with ``"category"``
        the missing value is a level of its own, and needs a share (its key
        is None or NaN).
    warn_thresholds : dict, default=None
        As in :class:`~skweight.GroupBalancedWeighter`.

    Attributes
    ----------
    weight_table_ : pandas.DataFrame
        One row per combination of the margin columns' values that occurs:
        the values, ``count``, ``weighted_count`` and ``factor``.
    n_iter_ : int
        Sweeps over the margins run (after ``partial_fit``, set when the
        weights are first computed).
    converged_ : bool
        Whether every margin came within ``tol`` (and the factors within
        ``max_weight``).
    n_cells_ : int
        Number of non-empty cells.
    n_features_in_ : int
        Number of columns of ``X`` during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` during fit, when it was a DataFrame.

    See Also
    --------
    GroupBalancedWeighter : Equal or given shares (``target_shares``) of one
        set of units inside each stratum.
    shares_of : The shares of a reference sample.

    References
    ----------
    .. [1] W. E. Deming and F. F. Stephan, "On a least squares adjustment of
       a sampled frequency table when the expected marginal totals are
       known", Annals of Mathematical Statistics 11, 1940.

    Examples
    --------
    >>> import pandas as pd
    >>> from skweight import RakingWeighter
    >>> X = pd.DataFrame({"gender": ["f", "f", "f", "f", "m", "m"],
    ...                   "age": ["young", "old", "old", "old", "young", "old"]})
    >>> raking = RakingWeighter(margins={"gender": {"f": 0.5, "m": 0.5},
    ...                                  "age": {"young": 0.5, "old": 0.5}})
    >>> w = raking.fit_weight(X)
    >>> w.round(3)
    array([1.098, 0.634, 0.634, 0.634, 1.902, 1.098])
    >>> raking.margin_report()[["margin", "level", "target", "share_after"]].round(4)
       margin  level  target  share_after
    0     age    old     0.5          0.5
    1     age  young     0.5          0.5
    2  gender      f     0.5          0.5
    3  gender      m     0.5          0.5
    """

    _parameter_constraints = {
        "margins": [dict],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_weight": [Interval(Real, 1, None, closed="left"), None],
        "handle_unknown": [StrOptions({"error", "ignore", "zero"})],
        "handle_missing": [StrOptions({"error", "category"})],
        "warn_thresholds": [dict, None],
    }

    def __init__(
        self,
        margins,
        *,
        max_iter=100,
        tol=1e-6,
        max_weight=None,
        handle_unknown="error",
        handle_missing="error",
        warn_thresholds=None,
    ):
        self.margins = margins
        self.max_iter = max_iter
        self.tol = tol
        self.max_weight = max_weight
        self.handle_unknown = handle_unknown
        self.handle_missing = handle_missing
        self.warn_thresholds = warn_thresholds

    def key_params(self):
        """The margin columns (as groups), no strata, and ``"groups"``.

        Returns
        -------
        groups : list of str
        strata : None
        balance : str
        """
        return list(self.margins), None, "groups"

    def margin_report(self) -> pd.DataFrame:
        """Each margin's levels: target share, and weighted share before and after.

        Returns
        -------
        report : pandas.DataFrame
            One row per margin and level, margins in order of name and levels
            sorted: ``margin``, ``level``, ``target``, ``share_before`` (the
            rows, weighted by any incoming ``sample_weight``),
            ``share_after`` (with the raking weights) and ``deviation``
            (``share_after - target``).
        """
        check_is_fitted(self, "n_cells_")
        table = self.weight_table_
        before = table["weighted_count"].to_numpy(dtype=np.float64)
        after = before * table["factor"].to_numpy(dtype=np.float64)
        parts = []
        for column in sorted(self.margins):
            shares = _normalised(column, self.margins[column])
            frame = pd.DataFrame({"level": table[column], "b": before, "a": after})
            sums = frame.groupby("level", sort=True, dropna=False)[["b", "a"]].sum()
            levels = [_plain(v) for v in sums.index]
            parts.append(
                pd.DataFrame(
                    {
                        "margin": column,
                        "level": pd.Series(levels, dtype=object),
                        "target": [_share_of(shares, v) for v in levels],
                        "share_before": sums["b"].to_numpy() / max(before.sum(), 1e-300),
                        "share_after": sums["a"].to_numpy() / max(after.sum(), 1e-300),
                    }
                )
            )
        report = pd.concat(parts, ignore_index=True)
        report["deviation"] = report["share_after"] - report["target"]
        return report

    # ------------------------------------------------------------------ #
    def _scheme(self):
        return make_scheme("inverse")  # not used: the factors come from raking

    def _check_params(self):
        if not self.margins:
            raise ValueError(
                "margins is empty: give {column: {level: share}} for at least one column."
            )
        for column, shares in self.margins.items():
            if not isinstance(column, str):
                raise ValueError(f"margins is keyed by column names (str); got {column!r}.")
            _normalised(column, shares)

    def _update_factors(self):
        counter = self._counter
        spec = counter.spec
        if tuple(spec.groups) != tuple(self.margins):
            raise ValueError(
                f"The margins' columns {list(self.margins)} are not those fitted "
                f"{list(spec.groups)}: fit again."
            )
        canonical = counter.canonical()
        counts = canonical.gather(counter.weighted)
        total = float(counts.sum())
        codes, targets = [], []
        for axis, (column, encoder) in enumerate(zip(spec.groups, counter.encoders)):
            shares = _normalised(column, self.margins[column])
            level_codes = codes_of_values(encoder, list(shares), column, "margins")
            target = np.full(max(encoder.n_levels, 1), np.nan)
            target[level_codes] = np.fromiter(shares.values(), dtype=np.float64) * total
            cell_codes = canonical.gather(counter.codes(axis))
            level_weight = np.bincount(cell_codes, weights=counts, minlength=target.size)
            _check_levels(column, encoder, target, level_weight, cell_codes)
            codes.append(cell_codes)
            targets.append(np.nan_to_num(target))
        factors, self.n_iter_, self.converged_ = rake(
            counts,
            codes,
            targets,
            max_iter=self.max_iter,
            tol=self.tol,
            max_weight=self.max_weight,
        )
        if not self.converged_:
            warnings.warn(
                f"RakingWeighter did not converge in {self.max_iter} sweeps: a "
                f"margin is {_margin_error(counts * factors, codes, targets, total):.3g} "
                f"from its target (tol={self.tol:g})"
                + (
                    f" with max_weight={self.max_weight:g}, which may not allow the margins"
                    if self.max_weight is not None
                    else ""
                )
                + ". Raise max_iter, loosen tol or the cap, or check that the "
                "margins agree with each other.",
                ConvergenceWarning,
                stacklevel=caller_stacklevel(),
            )
        stored = factors
        if not canonical.in_order:
            stored = np.empty(counter.n_cells)
            stored[canonical.order] = factors
        self._cell_targets = None
        self._cell_factors = CellFactors(stored, counts, factors)
        self._factor_table = stored
        self._weight_table = None


def _normalised(column, shares):
    """A margin's ``{level: share}`` with shares summing to 1 (checked)."""
    if not isinstance(shares, Mapping) or not shares:
        raise ValueError(
            f"margins[{column!r}] must be a non-empty dict {{level: share}}; got "
            f"{shares!r}."
        )
    values = [
        check_amount(value, f"margins[{column!r}][{level!r}]")
        for level, value in shares.items()
    ]
    total = sum(values)
    if total <= 0:
        raise ValueError(f"margins[{column!r}] gives every level a share of 0.")
    return {level: value / total for level, value in zip(shares, values)}


def _share_of(shares, level):
    """The share of ``level`` (a missing value matches a missing key)."""
    if pd.isna(level):
        return next((v for k, v in shares.items() if pd.isna(k)), 0.0)
    return shares.get(level, 0.0)


def _check_levels(column, encoder, target, level_weight, cell_codes):
    """Every level with rows has a share; every level with a share has weight."""
    present = np.zeros(target.size, dtype=bool)
    present[cell_codes] = True
    missing = np.flatnonzero(present & np.isnan(target))
    if missing.size:
        value = _plain(encoder.decode(missing[:1])[0])
        raise ValueError(
            f"margins[{column!r}] gives no share to {value!r}, which has rows. Give "
            "every value a share (0 drops its rows)."
        )
    empty = np.flatnonzero((target > 0) & ~(level_weight > 0))
    if empty.size:
        value = _plain(encoder.decode(empty[:1])[0])
        raise ValueError(
            f"margins[{column!r}] gives {value!r} a share, but its rows weigh 0 "
            "(sample_weight): no factor can reach the margin."
        )
