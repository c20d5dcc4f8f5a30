"""EpochResampler: a fresh balanced (or weighted) set of rows every epoch.

The public sequence of every strategy: validate, let the unit weighter count
the cells, let the strategy (:mod:`.strategies`) set the per-unit targets,
build the one :class:`~.plan.DrawingPlan`, and draw epochs from it. Inputs
that are not in memory go to their registered backend.
"""

from numbers import Integral, Real
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import HasMethods, Interval, RegistryOptions, StrOptions
from ..engine.backends import Inputs
from ..engine.frames import take_rows
from ..engine.modes import MODES, resolve_mode
from ..weighting.base import KEY_SPEC
from ..weighting.schedules import Schedule
from .fitting import EpochFitMixin
from .output import EpochOutputMixin
from .plan import order_epoch
from .protocol import check_epoch, sampler_tags, target_required
from .smoothing import check_shrinkage, smoothed
from .strategies import STRATEGIES
from .targets import SELECTIONS

__all__ = ["EpochResampler", "check_epoch"]


_R = TypeVar("_R", bound="EpochResampler")


class EpochResampler(EpochFitMixin, EpochOutputMixin, OneToOneFeatureMixin, BaseEstimator):
    """Draw a new balanced subset, oversampled set or weighted sample each epoch.

    Fits on the same cells as :class:`GroupBalancedWeighter` (a label, group
    columns, stratum columns) of any dataframe (pandas, polars, pyarrow) or
    array, and returns, for any epoch, the row indices to train on. Epochs
    are reproducible and can be drawn in any order, in any process:
    ``epoch_indices(e)`` depends only on the fitted data, the parameters, the
    seed and ``e``; the same rows come in the same epochs from every
    dataframe library, and from :class:`skweight.dask.DaskEpochResampler`.
    It is also an imbalanced-learn sampler (:meth:`fit_resample`), usable in
    ``imblearn.pipeline.Pipeline``.

    Read more in the :doc:`user guide </user_guide/index>`.

    Parameters
    ----------
    strategy : {"under", "over", "weights"}, default="under"
        How an epoch is drawn:

        - ``"under"``: every unit (see ``balance``) is cut to its target
          (default: the smallest unit of its stratum), without replacement.
          Rows are *rotated*: a unit of ``n`` rows with target ``t`` is walked
          through one random permutation per cycle of ``ceil(n / t)`` epochs,
          ``t`` rows per epoch, so every row is drawn once per cycle (the
          cycle's last epoch completes its block with rows from the start of
          the same permutation) and each cycle uses a new permutation.
        - ``"over"``: every unit is brought up to its target (default: the
          largest unit of its stratum); each row of a unit with ``n`` rows and
          target ``t`` appears ``floor(t / n)`` or ``ceil(t / n)`` times per
          epoch, the extra copies rotating as in ``"under"`` (stratified
          duplication, not i.i.d. draws).
        - ``"weights"``: rows are drawn with expected counts proportional to
          the weights of ``weighter``, by systematic (low-variance)
          sampling: a row whose expected count is ``c`` is drawn
          ``floor(c)`` or ``ceil(c)`` times. Inside each cell of the
          weighter, the rows that get the extra copy are a fresh uniform
          random subset every epoch. This is the resampling twin of any
          weighting scheme.

    groups : str, int, list of str or int, default=None
        Column(s) of ``X`` holding the sensitive groups, as in
        :class:`GroupBalancedWeighter`; or pass ``sensitive_features`` to
        :meth:`fit`.
    strata : str, int, list of str or int, default=None
        Column(s) of ``X`` defining strata: units are balanced inside each
        stratum. Or pass ``strata_features`` to :meth:`fit`.
    balance : {"auto", "label", "groups", "joint", "independence"}, \
            default="auto"
        What a *unit* is, inside each stratum: a class (``"label"``), a group
        (``"groups"``) or a group x label cell (``"joint"``). With
        ``"independence"`` the units are group x label cells and the default
        targets are the counts expected if the label were independent of the
        group, ``n_g * n_y / n`` (Kamiran and Calders' uniform sampling),
        scaled by the largest factor that needs no duplication (``"under"``)
        or the smallest that drops no row (``"over"``); every group x label
        combination must then have rows. ``"auto"``: ``"groups"`` when groups
        are given, else ``"label"``.
    weighter : estimator with ``fit_weight``, default=None
        Only for ``strategy="weights"``: the weighter whose weights drive the
        draws (cloned at fit), e.g. ``EffectiveNumberWeighter(beta=0.99)``.
        None: ``GroupBalancedWeighter(groups=groups, strata=strata,
        balance=balance)``. When given, set ``groups``, ``strata`` and
        ``balance`` on the weighter, not here.
    sampling_strategy : dict, callable, str or float, default=None
        Rows per unit per epoch for ``"under"`` and ``"over"``, with
        imbalanced-learn's meanings (applied inside each stratum):

        - dict: ``{unit key: target}``; units not named keep their size (all
          rows, once per epoch). A unit key is the class label for
          ``balance="label"`` without strata, else a tuple of its stratum,
          group and label values, as in ``cell_table_``;
        - callable: ``f(y) -> dict`` when the units are the classes (as
          imbalanced-learn calls it); otherwise ``f(counts) -> dict``, given
          ``{unit key: rows}``;
        - str: which units are resampled, each to the size of its stratum's
          smallest unit (``"under"``) or largest (``"over"``); the others
          keep their size: ``"majority"`` (``"under"`` only),
          ``"minority"`` (``"over"`` only), ``"not minority"``,
          ``"not majority"``, ``"all"``, and ``"auto"`` (``"not minority"``
          for ``"under"``, ``"not majority"`` for ``"over"``: the same as
          None);
        - float in (0, 1]: the ratio of the smallest to the largest unit
          after resampling: ``"under"`` cuts every unit but the smallest to
          ``int(n_min / ratio)`` rows, ``"over"`` grows every unit but the
          largest to ``int(ratio * n_max)``; a ratio that would need the
          other direction is an error. (imbalanced-learn accepts a float for
          two classes only; here it applies to any number of units.) For a
          number of rows, use a dict or ``n_samples``;
        - None: the defaults described under ``strategy`` and ``balance``.

        ``"under"`` rejects a target above a unit's rows, ``"over"`` one
        below. With ``balance="independence"`` only None, ``"auto"``,
        ``"all"``, a dict or a callable apply.
    n_samples : int, default=None
        Rows per epoch. For ``"under"``/``"over"`` the per-unit targets are
        scaled to this total (largest remainders); for ``"weights"`` it is the
        number of draws (default: the number of fitted rows).
    shuffle : bool, default=True
        Return each epoch's indices in random order. If False they come in
        increasing row order (sequential reads of on-disk data); which rows
        are drawn does not depend on ``shuffle``.
    draw : {"rotate", "random", "systematic", "sequential"}, default=None
        How an epoch's rows are drawn; each value means one draw. None: the
        strategy's own (``"rotate"`` for ``"under"``/``"over"``,
        ``"systematic"`` for ``"weights"``).

        - ``"rotate"`` (``"under"``, ``"over"``): every unit walks through a
          random permutation of its rows, epoch after epoch, so each row is
          drawn once per cycle (``"over"``: each row ``floor`` or ``ceil``
          of its copies);
        - ``"random"`` (every strategy): independent draws with replacement:
          each unit's target uniformly (``RandomUnderSampler(replacement=
          True)``), every row once plus the extra rows uniformly
          (``RandomOverSampler``), or ``n_samples`` rows in proportion to the
          weights (``WeightedRandomSampler(replacement=True)``);
        - ``"systematic"`` (``"weights"``): expected counts in proportion to
          the weights, each row drawn ``floor`` or ``ceil`` of its expected
          count (low variance);
        - ``"sequential"`` (``"weights"``): ``n_samples`` distinct rows, drawn
          one after the other in proportion to the weights
          (``WeightedRandomSampler(replacement=False)``).

        Other than the strategy's own, in memory only.
    replacement : bool or None, default=None
        Deprecated in 0.2 (removed in 0.3): use ``draw``. ``True`` is
        ``draw="random"`` for ``"under"``/``"over"`` and ``"systematic"`` for
        ``"weights"``; ``False`` is ``"rotate"``, or ``"sequential"`` for
        ``"weights"``.
    shrinkage : float >= 0 or dict, default=None
        Only for ``"over"``, in :meth:`fit_resample`: a smoothed bootstrap,
        as ``RandomOverSampler(shrinkage=...)``. Every repeated row but one
        occurrence gets Gaussian noise on its numeric columns, of standard
        deviation ``shrinkage * h * std`` (``std`` of the column in the row's
        unit, ``h`` imbalanced-learn's bandwidth); a dict gives a factor per
        over-sampled unit key. The one place new rows are made; the indices
        of :meth:`epoch_indices` stay those of the rows drawn.
    schedule : Schedule, default=None
        Epochs that change with the epoch (:mod:`skweight.schedules`): for
        ``"under"``/``"over"``, a ``strength`` schedule moves each unit's
        target from its size (0: every row once) to the fitted target (1);
        for ``"weights"``, the weighter as the schedule makes it at each
        epoch gives the draw weights (a strength ramp: progressive
        balancing). The epoch size may then vary: see :meth:`epoch_size`.
        In memory only.
    row_id : str or int, default=None
        A column of ``X`` holding a stable, unique key of every row (e.g. an
        id). The rows of each unit are then ranked by it (ties broken by the
        cell) instead of by their position, so an epoch depends on the rows'
        keys, not on their order: the same rows come from the data in any
        order, and from a PySpark DataFrame or polars ``LazyFrame`` (where it
        is required: see :meth:`resample`). For the drawing plan only:
        not with ``sample_weight`` or, for ``"weights"``, a weighter that is
        not skweight's or ``draw`` other than ``"systematic"``.
    target_shares : dict, default=None
        The share of each unit inside every stratum, instead of equal units,
        as a weighter's ``target_shares`` (``{unit: share}`` or
        ``{stratum: {unit: share}}``, see :func:`skweight.shares_of`).
        ``"under"``: each stratum's largest epoch with these shares that
        needs no duplication (targets rounded down to whole rows);
        ``"over"``: the smallest that drops no row (rounded up; a share of 0
        is an error there); ``"weights"``: the default weighter's shares.
        Not with ``sampling_strategy`` or a ``weighter`` (set it on the
        weighter).
    random_state : int, RandomState instance or None, default=None
        Seeds the draws. An int makes every epoch reproducible across runs
        and processes. Otherwise a seed is drawn once at fit (from the global
        numpy generator for None) and stored in ``seed_``.

    Attributes
    ----------
    seed_ : int
        The seed of every epoch's draws.
    epoch_size_ : int
        Number of indices per epoch (equal for all epochs unless a
        ``schedule`` changes the targets: then that of the fitted targets).
    targets_ : dict
        Rows per unit per epoch, keyed like ``sampling_strategy``; for
        ``"weights"``, the expected rows per cell of the weighter (floats;
        empty for a weighter without ``weight_table_``).
    sampling_strategy_ : dict
        As imbalanced-learn defines it: the units that are resampled, with
        the number of rows kept (``"under"``) or added (``"over"``) per
        epoch. Empty for ``"weights"``.
    cell_table_ : pandas.DataFrame
        One row per unit (``"weights"``: per cell of the weighter): its key
        values, ``count`` (rows), ``target`` (rows per epoch; expected rows
        for ``"weights"``) and, for ``"under"``/``"over"``, ``cycle`` (epochs
        after which every row of the unit has been drawn, counting the extra
        copies for ``"over"``; 0 if the unit is never drawn). None for a
        weighter without ``weight_table_``.
    weighter_ : estimator
        The fitted weighter: the one used for the weights, or the
        :class:`GroupBalancedWeighter` whose cells define the units.
    sample_indices_ : ndarray of shape (epoch_size_,)
        Set by :meth:`fit_resample`: the rows it returned (epoch 0).
    n_samples_fit_ : int
        Number of rows seen during fit.
    n_features_in_ : int
        Number of columns of ``X`` during fit (unset when ``X`` is None).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` during fit, when it was a DataFrame.

    See Also
    --------
    GroupBalancedWeighter : The same balancing as sample weights.
    skweight.torch.EpochSampler : Feed the epochs to a PyTorch DataLoader.

    References
    ----------
    .. [1] F. Kamiran and T. Calders, "Data preprocessing techniques for
       classification without discrimination", Knowledge and Information
       Systems 33, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from skweight import EpochResampler
    >>> y = np.array([0] * 6 + [1] * 2)
    >>> rs = EpochResampler("under", random_state=0).fit(None, y)
    >>> rs.targets_
    {0: 2, 1: 2}
    >>> rs.cell_table_
       label  count  target  cycle
    0      0      6       2      3
    1      1      2       2      1

    Every epoch draws 2 rows of each class; the 6 rows of class 0 are all
    drawn once every 3 epochs:

    >>> epochs = [rs.epoch_indices(e) for e in range(3)]
    >>> [np.bincount(y[idx]).tolist() for idx in epochs]
    [[2, 2], [2, 2], [2, 2]]
    >>> np.unique(np.concatenate(epochs)).tolist()
    [0, 1, 2, 3, 4, 5, 6, 7]
    >>> np.array_equal(rs.epoch_indices(2), epochs[2])
    True

    The imbalanced-learn protocol draws epoch 0:

    >>> X = np.arange(16).reshape(8, 2)
    >>> X_res, y_res = EpochResampler("over", random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [6, 6]

    ``"weights"`` draws each row ``floor(c)`` or ``ceil(c)`` times, ``c`` its
    expected count under the weighter's weights:

    >>> rs = EpochResampler("weights", random_state=0).fit(None, y)
    >>> rs.targets_
    {0: 4.0, 1: 4.0}
    >>> np.bincount(rs.epoch_indices(0), minlength=8).tolist()[6:]
    [2, 2]
    """

    _estimator_type = "sampler"

    _parameter_constraints = {
        "strategy": [RegistryOptions(STRATEGIES)],
        "groups": KEY_SPEC,
        "strata": KEY_SPEC,
        "balance": [RegistryOptions(MODES, extra={"auto"})],
        "weighter": [HasMethods(["fit_weight"]), None],
        "draw": [StrOptions({"rotate", "random", "systematic", "sequential"}), None],
        "replacement": ["boolean", None],
        "shrinkage": [Interval(Real, 0, None, closed="left"), dict, None],
        "sampling_strategy": [
            dict,
            callable,
            StrOptions(set(SELECTIONS)),
            Interval(Real, 0, 1, closed="right"),
            None,
        ],
        "n_samples": [Interval(Integral, 1, None, closed="left"), None],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "schedule": [Schedule, None],
        "row_id": [str, Interval(Integral, 0, None, closed="left"), None],
        "target_shares": [dict, None],
    }

    def __init__(
        self,
        strategy="under",
        *,
        groups=None,
        strata=None,
        balance="auto",
        weighter=None,
        sampling_strategy=None,
        n_samples=None,
        shuffle=True,
        random_state=None,
        draw=None,
        replacement=None,
        shrinkage=None,
        schedule=None,
        row_id=None,
        target_shares=None,
    ):
        self.strategy = strategy
        self.groups = groups
        self.strata = strata
        self.balance = balance
        self.weighter = weighter
        self.sampling_strategy = sampling_strategy
        self.n_samples = n_samples
        self.shuffle = shuffle
        self.random_state = random_state
        self.draw = draw
        self.replacement = replacement
        self.shrinkage = shrinkage
        self.schedule = schedule
        self.row_id = row_id
        self.target_shares = target_shares

    # ------------------------------------------------------------------ #
    # Public API
    # ------------------------------------------------------------------ #
    def fit(
        self: _R,
        X: Any,
        y: ArrayLike | None = None,
        *,
        sample_weight: ArrayLike | None = None,
        sensitive_features: ArrayLike | None = None,
        strata_features: ArrayLike | None = None,
    ) -> _R:
        """Learn the units, their targets and the seed.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, \
                n_features) or None
            The rows: any dataframe (pandas, polars, pyarrow), array or sparse
            matrix. Only the columns named by ``groups`` and ``strata`` are
            read; None when all keys come as arrays (e.g. labels only).
        y : array-like of shape (n_samples,) or str, default=None
            Class labels (a one-hot matrix is read as its argmax), or the name
            of the label's column in ``X``. Needed unless the units are groups
            only. For ``strategy="weights"`` also a 0/1 multi-label indicator
            matrix: rows are then drawn by the mean weight of their positive
            tags (the weighter's ``tag_row_weights``), so rare tags come more
            often.
        sample_weight : array-like of shape (n_samples,), default=None
            For ``strategy="weights"``: incoming weights, multiplied into the
            weighter's (see :meth:`GroupBalancedWeighter.fit`). For
            ``"under"`` and ``"over"``: frequency weights, whole numbers: a
            row of weight ``k`` counts as ``k`` rows (in the unit sizes, the
            targets and the draws; 0: never drawn), exactly as if it were
            repeated ``k`` times, without the copies being made: memory and
            time follow the rows, not the sum of the weights (in memory;
            dask refuses them).
        sensitive_features : array-like or DataFrame, default=None
            Group columns as arrays, instead of naming them with ``groups``.
        strata_features : array-like or DataFrame, default=None
            Stratum columns as arrays, instead of naming them with ``strata``.

        Returns
        -------
        self : object
            The fitted resampler.
        """
        self._fit(Inputs(X, y, sample_weight, sensitive_features, strata_features))
        return self

    def epoch_indices(self, epoch: int) -> np.ndarray:
        """Return the row indices of one epoch.

        Parameters
        ----------
        epoch : int in [0, 2**63 - 1]
            The epoch number. Any epoch can be drawn at any time; the same
            epoch always gives the same indices.

        Returns
        -------
        indices : ndarray of intp of shape (epoch_size_,)
            Row numbers (positions, not pandas labels) into the fitted rows.
        """
        check_is_fitted(self, "seed_")
        epoch = check_epoch(epoch)
        source = getattr(self, "_epochs", None)
        if source is not None:
            raise TypeError(f"This {type(self).__name__} was fit on {source.fitted_on}.")
        plan, weights, size = self._draws_at(epoch)
        return order_epoch(
            lambda: self._rows_of(epoch, plan, weights, size),
            size,
            self.seed_,
            epoch,
            self._shuffle,
        )

    def _rows_of(self, epoch, plan, weights, size):
        """The rows epoch ``epoch`` draws, grouped (not shuffled)."""
        return self._strategy.rows(
            plan,
            weights,
            size,
            self.seed_,
            epoch,
            getattr(self, "_order", None),
            getattr(self, "_starts", None),
            self.draw_,
        )

    def epoch_size(self, epoch: int) -> int:
        """Number of indices of one epoch (``epoch_size_`` without a schedule).

        Parameters
        ----------
        epoch : int in [0, 2**63 - 1]

        Returns
        -------
        size : int
        """
        check_is_fitted(self, "seed_")
        return int(self._draws_at(check_epoch(epoch))[2])

    def _draws_at(self, epoch):
        """``(plan, row weights, size)`` of ``epoch``."""
        if self._scheduled is not None:
            return self._scheduled.at(self, epoch)
        return self._plan, self._weights, self.epoch_size_

    def unit_index(self, X, y=None, *, sensitive_features=None, strata_features=None):
        """The unit of each row: its position in ``cell_table_``.

        Parameters
        ----------
        X, y, sensitive_features, strata_features
            Rows in memory, as in :meth:`fit` (any rows whose cells were fitted).

        Returns
        -------
        units : ndarray of int of shape (n_samples,)

        Examples
        --------
        >>> from skweight import EpochResampler
        >>> rs = EpochResampler("under", random_state=0).fit(None, [0, 0, 0, 1])
        >>> rs.unit_index(None, [1, 0]).tolist()
        [1, 0]
        """
        check_is_fitted(self, "seed_")
        units = getattr(self, "_units", None)
        if units is None:
            raise ValueError(
                f"This {type(self).__name__} draws rows by their weights: it has no units."
            )
        return units.unit_of_rows(
            self.weighter_.cell_ids(
                X, y, sensitive_features=sensitive_features, strata_features=strata_features
            )
        )

    def fit_resample(
        self,
        X: Any,
        y: ArrayLike,
        *,
        sample_weight: ArrayLike | None = None,
        sensitive_features: ArrayLike | None = None,
        strata_features: ArrayLike | None = None,
    ) -> tuple:
        """Fit, then return the rows of epoch 0.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, \
                n_features)
            The rows to resample.
        y : array-like of shape (n_samples,) or str
            Class labels, or the name of their column in ``X``.
        sample_weight, sensitive_features, strata_features
            As in :meth:`fit`.

        Returns
        -------
        X_resampled : {ndarray, sparse matrix, DataFrame, list}
            ``X`` indexed by the epoch's rows, of the type of ``X`` (pandas,
            polars, pyarrow, ...); a pandas DataFrame keeps its index labels
            (repeated for duplicated rows).
        y_resampled : {ndarray, Series, DataFrame, list}
            ``y`` indexed the same way, of its own type.
        """
        if X is None:
            raise ValueError(
                "fit_resample needs X. To draw row indices without data, use "
                "fit(None, y) and epoch_indices(epoch)."
            )
        X_checked, y_checked = self._fit(
            Inputs(X, y, sample_weight, sensitive_features, strata_features)
        )
        if self._epochs is not None:  # the engine's rows, not indices
            return self._epochs.resample(
                X,
                y,
                epoch=0,
                sensitive_features=sensitive_features,
                strata_features=strata_features,
            )
        y = y_checked
        self.sample_indices_ = self.epoch_indices(0)
        array = X_checked if isinstance(X, list) else None
        X_rows = take_rows(X, self.sample_indices_, array=array)
        if self.shrinkage is not None:
            factors = check_shrinkage(self.shrinkage, list(self.sampling_strategy_))
            per_unit = np.array([factors.get(key, 0.0) for key in self._units.keys])
            X_rows = smoothed(
                X_checked if X_checked is not None else X,
                X_rows,
                self.sample_indices_,
                self._unit_of_row,
                per_unit,
                self.seed_,
            )
        return X_rows, take_rows(y, self.sample_indices_)

    # ------------------------------------------------------------------ #
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "sampler"
        # X's columns are keys or passengers, never numbers to compute with;
        # missing values in a key column are refused.
        tags.input_tags.allow_nan = self.groups in (None, [], ()) and self.strata in (
            None,
            [],
            (),
        )
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.sparse = True
        if self.weighter is not None:  # only strategies that use a weighter take one
            tags.target_tags.required = target_required(self.weighter)
        else:
            balance = self.balance if self.balance in MODES else "auto"
            tags.target_tags.required = resolve_mode(
                balance, self.groups is not None
            ).needs_label
        return sampler_tags(tags)
