"""What an epoch becomes: the caller's rows, or files for a training job.

:class:`EpochOutputMixin` gives :class:`~skweight.EpochResampler` its
:meth:`~EpochOutputMixin.resample` (the rows of any epoch, of the caller's
type; on a lazy frame, a query) and :meth:`~EpochOutputMixin.write_epochs`
(one Parquet folder per epoch). Both read the epoch from the one drawing plan
and only turn it into rows; for a resampler fit on a backend (dask, lazy
frames), its epoch source does both on the engine.
"""

import os
from collections.abc import Iterable
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from ..engine.frames import FrameView, n_rows_of, take_rows
from .protocol import check_epoch

__all__ = ["EpochOutputMixin", "epoch_folder"]


def epoch_folder(path, epoch):
    """The folder of one epoch under ``path``: ``path/epoch=<e>`` (Hive style,
    so that Spark, polars and pyarrow read an ``epoch`` column from it).

    Absolute: Spark resolves a relative path against its JVM's folder, which
    does not follow the Python process's ``os.chdir``."""
    return os.path.join(os.path.abspath(os.fspath(path)), f"epoch={int(epoch)}")


class EpochOutputMixin:
    """``resample`` and ``write_epochs`` of a fitted epoch resampler."""

    # Provided by the resampler that uses the mixin.
    n_samples_fit_: int
    _row_unit: Any
    _units: Any

    if TYPE_CHECKING:

        def epoch_indices(self, epoch: int) -> np.ndarray: ...

    def epoch_weights(self, epoch: int) -> np.ndarray:
        """Weights of an epoch's rows that give it the strata mix of the full data.

        Cutting every group to its stratum's smallest (``"under"``) or
        bringing it to the largest (``"over"``) balances the groups inside
        each stratum but changes how many rows each stratum has in the
        epoch. Weighting each drawn row by ``(N_s / N) / (E_s / E)`` (its
        stratum's share of all ``N`` rows over its share of the epoch's
        ``E`` rows) restores the strata mix: the weighted epoch has each
        stratum's share of the full data, the groups stay balanced inside
        each stratum (the rows of a stratum weigh the same), and the weights
        average 1. This is the answer to "downsample per category without
        changing the category mix". A stratum the epoch does not draw from
        cannot be restored.

        Parameters
        ----------
        epoch : int in [0, 2**63 - 1]

        Returns
        -------
        weights : ndarray of float64 of shape (epoch_size,)
            Aligned with :meth:`epoch_indices` of the same epoch.

        Examples
        --------
        >>> import pandas as pd
        >>> from skweight import EpochResampler
        >>> X = pd.DataFrame({"category": ["a"] * 6 + ["b"] * 2,
        ...                   "gender": ["f", "f", "f", "f", "m", "m", "f", "m"]})
        >>> rs = EpochResampler("under", groups="gender", strata="category",
        ...                     random_state=0).fit(X)
        >>> rows, w = rs.epoch_indices(0), rs.epoch_weights(0)
        >>> category = X["category"].to_numpy()[rows]
        >>> {c: int((category == c).sum()) for c in "ab"}  # the epoch: 4 and 2 rows
        {'a': 4, 'b': 2}
        >>> {c: float(w[category == c].sum() / w.sum()) for c in "ab"}  # weighted: 6 to 2
        {'a': 0.75, 'b': 0.25}
        """
        row_unit = getattr(self, "_row_unit", None)
        if row_unit is None:
            raise ValueError(
                "epoch_weights restores the strata mix of epochs drawn from the units "
                "(strategy='under' or 'over', or 'weights' with a skweight weighter and "
                "the systematic draw) fitted in memory; this resampler draws by row "
                "weights or on another engine."
            )
        rows = self.epoch_indices(epoch)
        units = self._units
        n_strata = int(units.stratum.max()) + 1 if units.stratum.size else 0
        full = np.bincount(units.stratum, weights=units.counts, minlength=n_strata)
        stratum = units.stratum[row_unit[rows]]
        drawn = np.bincount(stratum, minlength=n_strata).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_stratum = (full / full.sum()) / (drawn / drawn.sum())
        return per_stratum[stratum]

    def resample(self, X: Any, y: ArrayLike | None = None, *, epoch: int) -> Any:
        """Return the rows of one epoch.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} or lazy frame
            The rows of the fit, in the same order (in memory). For a
            resampler fitted on a lazy frame (PySpark, polars ``LazyFrame``),
            that frame: the rows are found by their ``row_id``, not by
            position.
        y : array-like or str, default=None
            The labels of the fit (or the name of their column), returned
            resampled alike. On a lazy frame the label is a column of ``X``
            and comes with it; ``y`` may name it, and None is returned.
        epoch : int in [0, 2**63 - 1]
            The epoch number; the same epoch always gives the same rows.

        Returns
        -------
        X_resampled : the type of ``X``
            ``X`` indexed by ``epoch_indices(epoch)`` (pandas keeps its index
            labels). On a lazy frame: a lazy frame of the same kind, one row
            per draw (a row drawn twice appears twice), in no particular
            order; nothing is computed until it is collected or written.
        y_resampled : the type of ``y``, or None
            None when ``y`` is None or ``X`` is a lazy frame.

        Examples
        --------
        >>> import pandas as pd
        >>> from skweight import EpochResampler
        >>> df = pd.DataFrame({"x": range(6), "y": [0, 0, 0, 0, 1, 1]})
        >>> rs = EpochResampler("under", random_state=0).fit(df, "y")
        >>> X_e, y_e = rs.resample(df, "y", epoch=3)
        >>> y_e.value_counts().sort_index().tolist()
        [2, 2]
        """
        check_is_fitted(self, "seed_")
        source = getattr(self, "_epochs", None)
        if source is not None:  # fit on a backend: its engine draws the rows
            return source.resample(X, y, epoch=check_epoch(epoch))
        if isinstance(y, str):
            y = FrameView(X).column(y, param="y", estimator_name=type(self).__name__)[1]
        rows = self.epoch_indices(epoch)
        if X is not None and n_rows_of(X) != self.n_samples_fit_:
            raise ValueError(
                f"X has {n_rows_of(X)} rows but the resampler was fit on "
                f"{self.n_samples_fit_}; resample the rows of the fit."
            )
        return take_rows(X, rows), take_rows(y, rows)

    def write_epochs(
        self,
        X: Any,
        path: str | os.PathLike,
        epochs: Iterable[int],
        *,
        overwrite: bool = False,
    ) -> list[str]:
        """Write the rows of several epochs, one Parquet folder per epoch.

        Epoch ``e`` goes to ``path/epoch=<e>/`` (Hive-style folders: reading
        ``path`` with Spark, polars or pyarrow gives an ``epoch`` column). A
        Spark epoch is written by the cluster (``DataFrame.write.parquet``;
        the rows are ranked once and persisted for all the epochs); a polars
        ``LazyFrame`` or DuckDB epoch is streamed to ``part-0.parquet``; a
        dask epoch is written partition by partition; an in-memory frame
        (pandas, polars, pyarrow) is written by its library.

        Parameters
        ----------
        X : DataFrame or lazy frame
            The rows of the fit, as for :meth:`resample`.
        path : str or os.PathLike
            The folder that holds the epochs' folders (created if needed).
        epochs : iterable of int
            The epochs to write, e.g. ``range(10)``.
        overwrite : bool, default=False
            Replace an epoch's folder that exists already; False raises
            instead, before anything is written.

        Returns
        -------
        folders : list of str
            The folder of each epoch written.

        Examples
        --------
        >>> import tempfile, pandas as pd
        >>> from skweight import EpochResampler
        >>> df = pd.DataFrame({"x": range(6), "y": [0, 0, 0, 0, 1, 1]})
        >>> rs = EpochResampler("under", random_state=0).fit(df, "y")
        >>> folders = rs.write_epochs(df, tempfile.mkdtemp(), range(2))
        >>> [f.rsplit("/", 1)[-1] for f in folders]
        ['epoch=0', 'epoch=1']
        >>> len(pd.read_parquet(folders[1]))
        4
        """
        check_is_fitted(self, "seed_")
        epochs = list(epochs)
        for epoch in epochs:
            if isinstance(epoch, bool) or not isinstance(epoch, Integral):
                raise TypeError(f"epochs must hold ints; got {epoch!r}.")
        folders = [epoch_folder(path, e) for e in epochs]
        taken = [f for f in folders if os.path.exists(f)]
        if taken and not overwrite:
            raise FileExistsError(
                f"{len(taken)} epoch folder(s) exist already (first: {taken[0]!r}); "
                "pass overwrite=True to replace them, or choose another path."
            )
        source = getattr(self, "_epochs", None)
        if source is not None:  # fit on a backend: it writes on its engine
            source.write(X, [check_epoch(e) for e in epochs], folders)
            return folders
        for epoch, folder in zip(epochs, folders):
            _write_parquet(self.resample(X, epoch=epoch)[0], folder)
        return folders


def _write_parquet(rows, folder):
    """Write one epoch's rows in memory to ``folder`` (replacing it)."""
    import shutil

    import narwhals.stable.v2 as nw

    if os.path.exists(folder):
        shutil.rmtree(folder)

    if not nw.dependencies.is_into_dataframe(rows):
        raise TypeError(
            f"write_epochs writes dataframes; got X of type {type(rows).__name__}. "
            "Wrap an array in a DataFrame (with column names) first."
        )
    os.makedirs(folder)
    nw.from_native(rows, eager_only=True).write_parquet(
        os.path.join(folder, "part-0.parquet")
    )
