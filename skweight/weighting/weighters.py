"""The weighters: GroupBalancedWeighter and EffectiveNumberWeighter.

Each is a parameter list and a scheme; everything else is
:class:`~skweight.weighting.base.BaseWeighter`.
"""

from numbers import Real

from .._compat import Interval, RegistryOptions
from .base import BaseWeighter
from .schemes import SCHEMES, make_scheme

_COMMON_PARAMETERS = """
    groups : str, int, list of str or int, default=None
        Column(s) of ``X`` holding the sensitive groups: names of a DataFrame's
        columns or integer positions. Several columns form intersectional
        groups (every combination of values is a group). The same columns can
        instead be passed as arrays with ``fit(..., sensitive_features=...)``.
    strata : str, int, list of str or int, default=None
        Column(s) of ``X`` defining strata: balancing happens inside each
        stratum, and each stratum keeps its total weight. Can instead be
        passed with ``fit(..., strata_features=...)``.
    balance : {"auto", "label", "groups", "joint", "independence"}, \
            default="auto"
        What becomes balanced inside each stratum (the whole data set without
        strata):

        - ``"label"``: each class carries the same total weight;
        - ``"groups"``: each group carries the same total weight (``y`` is
          not used);
        - ``"joint"``: each group x label cell carries the same total weight;
        - ``"independence"``: the label becomes independent of the group,
          both marginals kept (Kamiran & Calders 2012):
          ``w = P(g) P(y) / P(g, y)`` for the inverse scheme;
        - ``"auto"``: ``"groups"`` when group columns are given, else
          ``"label"``.
    normalize : {"mean", "cells"} or None, default="mean"
        Final scaling. ``"mean"``: the weights of the fitted rows have mean 1
        (scikit-learn's convention); with ``sample_weight`` they keep its
        total, so integer weights act exactly as repeated rows.
        ``"cells"``: the factors of the balanced units (classes, groups or
        cells) sum to their number (the convention of Cui et al.). None: the
        scheme's raw factors, unscaled (``1 / n`` for the inverse scheme,
        ``(1 - beta) / (1 - beta ** n)`` for the effective number); strata
        totals are then not kept, and ``strength`` and ``max_weight`` cannot
        be used.
    strength : float in [0, 1], default=1.0
        0 leaves the weights as they are, 1 applies the full correction, and
        values in between blend the factors linearly (``1 + strength * (f -
        1)``), keeping strata totals.
    max_weight : float >= 1, default=None
        Cap factors at this multiple of the mean factor, each stratum
        keeping its total: within a stratum the factors become
        ``min(s * f, cap)`` for the one scale ``s`` that keeps the total (the
        limit of clipping and rescaling repeatedly, computed exactly), so no
        weight exceeds the cap. The cap applies last, after ``strength`` and
        ``class_weight``; with class weights (which move weight between
        strata) the scale ``s`` keeps the total weight instead of each
        stratum's. None: no cap.
    trim_quantile : float in (0, 1), default=None
        Cap factors at their ``trim_quantile`` quantile over the fitted rows
        (e.g. 0.99: no row weighs more than 99% of the rows did before the
        cap), in the same way as ``max_weight`` (each stratum keeps its
        total, so the uncapped factors rise a little); a quantile below the
        mean weight caps at the mean, which makes the weights equal. With
        both, the lower cap applies. Capping trades balance for variance: the capped cells
        end up below their balanced share (``balance_report`` shows by how
        much).
    handle_unknown : {"error", "ignore", "zero"}, default="error"
        What :meth:`weight` does with rows whose cell had no rows during fit
        (an unseen group, label or combination): raise a ``ValueError``
        naming the cell (``"error"``), give them the mean factor of a fitted
        row (``"ignore"``), or weight 0 (``"zero"``, as scikit-learn's
        ``compute_sample_weight(..., indices=...)`` weighs the classes a
        subsample lacks).
    handle_missing : {"error", "category"}, default="error"
        What to do with missing values (NaN, None, ``pd.NA``) in a group or
        stratum column: raise a ``ValueError`` naming the column, or treat
        missing as one more level. Missing labels are always an error.
    class_weight : dict or list of dict, default=None
        Weights of classes given by the user, as scikit-learn's
        ``class_weight``: ``{class: weight}``, classes not named weigh 1 (a
        partial dict); a class that ``y`` does not have is an error unless
        every class of ``y`` is named. They multiply the balanced factors
        before ``max_weight``, ``trim_quantile`` and the final
        ``normalize`` (so they combine with any scheme, and the caps hold
        for the final weights);
        ``scheme=None, normalize=None`` gives scikit-learn's
        ``compute_sample_weight(class_weight, y)`` exactly. For a
        multi-output ``y``, a list of one dict (or None) per output. Not for
        a multi-label target.
    target_type : {"auto", "multilabel", "multioutput"}, default="auto"
        How a 2-D ``y`` is read. ``"multilabel"``: a 0/1 indicator matrix,
        one weight per row and class. ``"multioutput"``: each column is an
        output of class labels; the weight of a row is the product of its
        weights for each output (scikit-learn's ``compute_sample_weight``
        on a 2-D ``y``), each output balanced as this weighter balances one
        label (same groups, strata and options; its own ``class_weight``
        dict), and ``sample_weight`` multiplies the product once. The
        fitted per-output weighters are ``estimators_``. ``"auto"``: a 0/1
        matrix is multi-label unless ``class_weight`` is a list, any other
        2-D ``y`` is multi-output.
    warn_thresholds : dict, default=None
        When the fitted weights warn (:class:`~skweight.exceptions.WeightingWarning`):
        any of ``{"ess_share": 0.25, "cell_share": 0.05, "cell_ratio": 10.0,
        "min_count": 5, "tiny_ratio": 3.0}`` (the defaults, see
        :func:`skweight.diagnostics.weight_warnings`) to change for this
        weighter.
    target_shares : dict, default=None
        The share of the total weight each balancing unit carries inside
        every stratum, instead of equal shares: ``{unit: share}`` for every
        stratum, or ``{stratum: {unit: share}}`` for each. A unit is a class
        (``balance="label"``), a group value (``"groups"``) or a
        ``(group, label)`` tuple (``"joint"``); with several group or
        stratum columns, a tuple of their values; None or NaN names the
        missing level (``handle_missing="category"``). Shares are normalised
        to sum to 1 over the units of each stratum (counts work too); a unit
        with rows but no share is an error (give it 0 to drop its rows), and
        a unit with a share but no rows (or rows of ``sample_weight`` 0) in a
        stratum, or a key no fitted row has (a class only the deployment data
        have), warns: the others' shares there are scaled up. Stratum totals
        are kept, also with ``strength`` below 1 and units of share 0. With
        the inverse scheme the weighted shares equal the targets exactly;
        other schemes see each unit's count relative to its target
        (``n / (t K)`` for ``K`` units), and ``strength`` and the caps act as
        with equal shares. :func:`skweight.shares_of` computes the shares of
        a reference sample (label shift, a test set's group mix, a census
        table). Not for ``balance="independence"``, a multi-label or a
        multi-output target (see :class:`skweight.RakingWeighter` for several
        margins at once)."""

_COMMON_ATTRIBUTES = """
    classes_ : ndarray of shape (n_classes,)
        The class labels seen during fit (the indicator columns for a
        multi-label target). Only set when the label is part of the cells.
    weight_table_ : pandas.DataFrame
        One row per non-empty cell: its stratum, group and label values,
        ``count`` (rows), ``weighted_count`` (sum of incoming
        ``sample_weight``) and ``factor`` (the weight a row of the cell gets
        per unit of incoming weight); with ``target_shares``, also
        ``target_share`` (the normalised share of the cell's unit in its
        stratum).
    n_cells_ : int
        Number of non-empty cells.
    pos_weight_ : ndarray of shape (n_classes,)
        For a multi-label target only: negatives over positives per class
        (weighted counts), for ``torch.nn.BCEWithLogitsLoss(pos_weight=...)``.
        ``inf`` for a class without positives.
    tag_weights_ : ndarray of shape (n_classes,)
        For a multi-label target only: one weight per tag (class), the
        scheme applied to the tags' positive counts and scaled to sum to the
        number of tags: INS, ISNS or ENS (Cui et al. 2019) for
        ``scheme="inverse"``, ``"sqrt_inverse"`` or ``EffectiveNumberWeighter``;
        the ``weight`` of ``torch.nn.BCEWithLogitsLoss``
        (:func:`skweight.torch.class_weight_tensor`). :meth:`tag_row_weights`
        turns them into one weight per row.
    estimators_ : list of weighters
        For a multi-output target only: one fitted weighter per output
        (``weight_table_`` stacks their tables, with an ``output`` column;
        ``classes_`` is then a list of one array per output).
    n_outputs_ : int
        For a multi-output target only: the number of outputs.
    n_features_in_ : int
        Number of columns of ``X`` during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` during fit, when it was a DataFrame."""


class GroupBalancedWeighter(BaseWeighter):
    __doc__ = f"""Sample weights that balance labels, groups or both, within strata.

    Fits on the cell counts of a label, sensitive group columns and stratum
    columns, and returns one weight per row for any
    ``fit(X, y, sample_weight=...)``. With ``scheme="inverse"``,
    ``balance="label"`` and no groups or strata, the weights equal
    :func:`sklearn.utils.class_weight.compute_sample_weight` with
    ``"balanced"``.

    Read more in the :doc:`user guide </user_guide/index>` and the
    :doc:`formulas </formulas>`.

    Parameters
    ----------
{_COMMON_PARAMETERS}
    scheme : {{"inverse", "sqrt_inverse", "log_inverse", "log_inverse_share", "power", \
"none"}}, callable or None, default="inverse"
        How a unit's weighted count ``n`` becomes its raw factor before the
        per-stratum scaling: ``1 / n``, ``1 / sqrt(n)``, ``log(1 + N / n)``
        (``N``: the stratum's total), ``log(N / n)`` (the log of the inverse
        share; an error where a unit is its whole stratum), ``n ** -power``,
        or a callable mapping a
        1-D array of counts to an array of non-negative factors. None (or
        ``"none"``): no balancing, every raw factor 1 (the class weights,
        caps and scaling still apply). For
        ``balance="independence"`` the factor is ``scheme(observed) /
        scheme(expected)``, which is ``P(g) P(y) / P(g, y)`` for the inverse.
    power : float >= 0, default=1.0
        The exponent of ``scheme="power"`` (0: no correction; 1: inverse).

    Attributes
    ----------
{_COMMON_ATTRIBUTES}

    See Also
    --------
    EffectiveNumberWeighter : The effective-number-of-samples scheme.
    sklearn.utils.class_weight.compute_sample_weight : Label-only weights.

    References
    ----------
    .. [1] F. Kamiran and T. Calders, "Data preprocessing techniques for
       classification without discrimination", Knowledge and Information
       Systems 33, 2012.

    Examples
    --------
    >>> import pandas as pd
    >>> from skweight import GroupBalancedWeighter
    >>> X = pd.DataFrame({{"gender": ["f", "f", "m"]}})
    >>> y = [1, 0, 1]
    >>> GroupBalancedWeighter(groups="gender").fit_weight(X, y)
    array([0.75, 0.75, 1.5 ])

    Balance gender inside each category without changing the category mix:

    >>> X = pd.DataFrame({{"category": ["a", "a", "a", "b", "b"],
    ...                   "gender": ["f", "f", "m", "f", "m"]}})
    >>> w = GroupBalancedWeighter(groups="gender", strata="category").fit_weight(X)
    >>> w
    array([0.75, 0.75, 1.5 , 1.  , 1.  ])
    >>> pd.Series(w).groupby([X["category"], X["gender"]]).sum().tolist()
    [1.5, 1.5, 1.0, 1.0]
    """

    _parameter_constraints = {
        **BaseWeighter._parameter_constraints,
        "scheme": [RegistryOptions(SCHEMES), callable, None],
        "power": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        groups=None,
        strata=None,
        balance="auto",
        scheme="inverse",
        power=1.0,
        normalize="mean",
        strength=1.0,
        max_weight=None,
        handle_unknown="error",
        handle_missing="error",
        class_weight=None,
        trim_quantile=None,
        target_type="auto",
        warn_thresholds=None,
        target_shares=None,
    ):
        self.groups = groups
        self.strata = strata
        self.balance = balance
        self.scheme = scheme
        self.power = power
        self.normalize = normalize
        self.strength = strength
        self.max_weight = max_weight
        self.handle_unknown = handle_unknown
        self.handle_missing = handle_missing
        self.class_weight = class_weight
        self.trim_quantile = trim_quantile
        self.target_type = target_type
        self.warn_thresholds = warn_thresholds
        self.target_shares = target_shares

    def _scheme(self):
        return make_scheme(self.scheme, power=self.power)


class EffectiveNumberWeighter(BaseWeighter):
    __doc__ = f"""Class-balanced weights from the effective number of samples.

    The factor of a unit (by default a class) with ``n`` rows is
    ``(1 - beta) / (1 - beta ** n)``, the inverse of its "effective number of
    samples" (Cui et al., CVPR 2019). ``beta`` near 0 gives uniform weights,
    ``beta`` near 1 inverse-frequency weights; the paper uses 0.9, 0.99,
    0.999 and 0.9999. Everything else (groups, strata, balance modes,
    normalisation) works as in :class:`GroupBalancedWeighter`; this is a
    class of its own so that a grid search over ``beta`` reads naturally.

    Parameters
    ----------
    beta : float in (0, 1), default=0.999
        The hyperparameter of the effective number.
{_COMMON_PARAMETERS}

    Attributes
    ----------
{_COMMON_ATTRIBUTES}

    See Also
    --------
    GroupBalancedWeighter : Inverse, square-root, log and power schemes.

    References
    ----------
    .. [1] Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> from skweight import EffectiveNumberWeighter
    >>> y = [0] * 6 + [1] * 2
    >>> w = EffectiveNumberWeighter(beta=0.9).fit_weight(None, y)
    >>> w.round(3)
    array([0.732, 0.732, 0.732, 0.732, 0.732, 0.732, 1.805, 1.805])
    >>> EffectiveNumberWeighter(beta=0.9, normalize="cells").fit(None, y).weight_table_
       label  count  weighted_count    factor
    0      0      6             6.0  0.577017
    1      1      2             2.0  1.422983
    """

    _parameter_constraints = {
        **BaseWeighter._parameter_constraints,
        "beta": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        *,
        beta=0.999,
        groups=None,
        strata=None,
        balance="auto",
        normalize="mean",
        strength=1.0,
        max_weight=None,
        handle_unknown="error",
        handle_missing="error",
        class_weight=None,
        trim_quantile=None,
        target_type="auto",
        warn_thresholds=None,
        target_shares=None,
    ):
        self.beta = beta
        self.groups = groups
        self.strata = strata
        self.balance = balance
        self.normalize = normalize
        self.strength = strength
        self.max_weight = max_weight
        self.handle_unknown = handle_unknown
        self.handle_missing = handle_missing
        self.class_weight = class_weight
        self.trim_quantile = trim_quantile
        self.target_type = target_type
        self.warn_thresholds = warn_thresholds
        self.target_shares = target_shares

    def _scheme(self):
        return make_scheme(None, beta=self.beta)
