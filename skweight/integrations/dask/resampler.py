"""Dask support: weights and per-epoch resampling beyond one machine.

Needs dask (``pip install skweight[dask]``); importing :mod:`skweight` itself
never imports dask.

- The weighters (:class:`~skweight.GroupBalancedWeighter`,
  :class:`~skweight.EffectiveNumberWeighter`) accept dask collections as they
  are: ``fit`` counts the cells in one distributed aggregation and ``weight``
  / ``fit_weight`` return a lazy dask Series aligned with the input's
  partitions. Nothing from this module is needed for that.
- :class:`DaskEpochResampler` is :class:`~skweight.EpochResampler` whose
  epochs are dask DataFrames when it is fitted on one (and pandas or numpy
  rows when fitted in memory, so the same code runs on a laptop and on a
  cluster).

How an epoch is drawn on a dask DataFrame: the fit counts each cell's rows
per partition (one distributed aggregation), and the in-memory resampler's
own code fixes the units, their targets and the one drawing plan
(:class:`skweight.resampling.plan.DrawingPlan`). A row's *rank* is its
position among the rows of its unit in the order of the data (partition by
partition), known inside a partition from the counts of the partitions before
it; each partition asks the plan how often each of its rows is drawn
(:meth:`~skweight.resampling.plan.DrawingPlan.row_counts`). The rows drawn
are therefore exactly those :class:`~skweight.EpochResampler` draws from the
same rows in memory, for every strategy and seed; an epoch depends only on the
data, the seed and the epoch number, not on the partitioning, the cluster or
the order in which partitions run. Only the order of rows inside a partition
(``shuffle=True``) depends on the partitioning.
"""

from sklearn.utils.validation import check_is_fitted

from ...engine.frames import take_rows
from ...resampling.resampler import EpochResampler, check_epoch
from .frames import import_dask, is_dask

import_dask()  # importing this module needs dask

__all__ = ["DaskEpochResampler"]


class DaskEpochResampler(EpochResampler):
    """EpochResampler whose epochs are dask DataFrames when fitted on one.

    Takes the parameters of :class:`~skweight.EpochResampler` and behaves as
    it on in-memory data. Fitted on a dask DataFrame, it counts the rows of
    every unit per partition in one distributed aggregation, and
    :meth:`resample` returns each epoch's rows as a lazy dask DataFrame,
    sampled partition by partition so that the rows drawn meet the global
    per-unit targets exactly.

    Parameters
    ----------
    strategy, groups, strata, balance, weighter, sampling_strategy, \
n_samples, shuffle, random_state
        As in :class:`~skweight.EpochResampler`. On dask data,
        ``strategy="weights"`` needs a skweight weighter (its weights are
        constant within cells) and no ``sample_weight``. ``random_state``
        should be an int there: each epoch then depends only on the data,
        the seed and the epoch number.
    draw, shrinkage, schedule, row_id
        As in :class:`~skweight.EpochResampler`, in memory; on dask data
        each strategy draws its own way (``draw=None``).
    replacement : bool or None, default=None
        Deprecated in 0.2 (removed in 0.3): use ``draw``.

    Attributes
    ----------
    seed_, epoch_size_, targets_, cell_table_, weighter_, \
n_samples_fit_, n_features_in_, feature_names_in_
        As in :class:`~skweight.EpochResampler`; the same values in memory
        and on dask.
    n_partitions_ : int
        Partitions of the dask DataFrame of the fit (None when fitted in
        memory); :meth:`resample` needs the same partitions.

    See Also
    --------
    skweight.EpochResampler : The in-memory resampler.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> from skweight.dask import DaskEpochResampler
    >>> df = pd.DataFrame({"x": range(8), "y": [0, 0, 0, 0, 0, 0, 1, 1]})
    >>> ddf = dd.from_pandas(df, npartitions=3)
    >>> rs = DaskEpochResampler("under", random_state=0).fit(ddf, ddf["y"])
    >>> rs.targets_
    {0: 2, 1: 2}
    >>> X_e, y_e = rs.resample(ddf, ddf["y"], epoch=0)
    >>> y_e.compute().value_counts().sort_index().tolist()
    [2, 2]

    The same code on pandas rows:

    >>> rs = DaskEpochResampler("under", random_state=0).fit(df, df["y"])
    >>> rs.resample(df, df["y"], epoch=0)[1].value_counts().sort_index().tolist()
    [2, 2]
    """

    def fit(
        self,
        X,
        y=None,
        *,
        sample_weight=None,
        sensitive_features=None,
        strata_features=None,
    ):
        """Learn the units, their targets and the seed.

        Parameters
        ----------
        X : dask DataFrame, or as in :meth:`EpochResampler.fit`
            The rows; only the key columns are read to fit.
        y : dask Series or array, or as in :meth:`EpochResampler.fit`
            Class labels, partitioned like ``X``.
        sample_weight, sensitive_features, strata_features
            As in :meth:`EpochResampler.fit` (dask collections partitioned
            like ``X`` when ``X`` is a dask DataFrame).

        Returns
        -------
        self : object
            The fitted resampler.
        """
        super().fit(
            X,
            y,
            sample_weight=sample_weight,
            sensitive_features=sensitive_features,
            strata_features=strata_features,
        )
        self.n_partitions_ = getattr(self._epochs, "n_partitions", None)
        return self

    def resample(self, X, y=None, *, epoch, sensitive_features=None, strata_features=None):
        """Return the rows of one epoch.

        Parameters
        ----------
        X : dask DataFrame, DataFrame or array-like
            The rows of the fit, in the same order (and, for dask, the same
            partitions).
        y : dask Series, Series or array-like, default=None
            The labels of the fit, returned resampled alike.
        epoch : int in [0, 2**63 - 1]
            The epoch number; the same epoch always gives the same rows.
        sensitive_features, strata_features : default=None
            The key arrays passed to :meth:`fit`, if any (needed on dask to
            find each row's unit).

        Returns
        -------
        X_resampled : dask DataFrame, or the type of ``X``
            The epoch's rows, with their index labels (repeated for
            duplicated rows); shuffled within each partition when
            ``shuffle=True``.
        y_resampled : dask Series, the type of ``y``, or None
        """
        check_is_fitted(self, "seed_")
        epoch = check_epoch(epoch)
        if self._epochs is not None:
            return self._epochs.resample(
                X,
                y,
                epoch=epoch,
                sensitive_features=sensitive_features,
                strata_features=strata_features,
            )
        if any(
            v is not None and is_dask(v)
            for v in (X, y, sensitive_features, strata_features)
        ):
            raise TypeError(
                f"This {type(self).__name__} was fitted on in-memory data; fit it "
                "on the dask DataFrame to resample dask rows."
            )
        rows = self.epoch_indices(epoch)
        return take_rows(X, rows), take_rows(y, rows)

    def fit_resample(
        self, X, y, *, sample_weight=None, sensitive_features=None, strata_features=None
    ):
        """Fit, then return the rows of epoch 0.

        Parameters
        ----------
        X, y, sample_weight, sensitive_features, strata_features
            As in :meth:`fit`.

        Returns
        -------
        X_resampled, y_resampled
            As :meth:`resample` returns them for epoch 0.
        """
        X_res, y_res = super().fit_resample(
            X,
            y,
            sample_weight=sample_weight,
            sensitive_features=sensitive_features,
            strata_features=strata_features,
        )
        self.n_partitions_ = getattr(self._epochs, "n_partitions", None)
        return X_res, y_res
