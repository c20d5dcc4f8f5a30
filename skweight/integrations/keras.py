"""Keras 3 adapters: a dataset that redraws its epoch, and class-weight dicts.

Needs Keras 3 (``pip install skweight[keras]``) on any backend (TensorFlow,
JAX or PyTorch: set ``KERAS_BACKEND`` before importing Keras); importing
:mod:`skweight` never imports Keras.

- :class:`EpochDataset`: a ``keras.utils.PyDataset`` serving the rows of a
  fitted :class:`skweight.EpochResampler`'s epochs in batches, a fresh epoch
  after every ``on_epoch_end`` (so ``model.fit(dataset, epochs=...)`` sees
  a new balanced subset each epoch).
- :func:`class_weight_dict`: the ``class_weight`` of ``model.fit`` from a
  fitted weighter, optionally following a schedule.
"""

import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._compat import import_optional
from ..resampling.resampler import check_epoch
from ..resampling.strategies import STRATEGIES
from ..weighting.class_weight import per_class_factors
from ..weighting.schedules import at_epoch

try:
    keras = import_optional("keras", extra="keras", needed_by="skweight.keras")
except ImportError as error:
    if "tensorflow" in str(error.__cause__ or ""):
        raise ImportError(
            "Keras could not load its default backend, TensorFlow, which is not "
            "installed. Set KERAS_BACKEND=torch (or jax) before importing Keras, or "
            "install tensorflow."
        ) from error
    raise

__all__ = ["EpochDataset", "class_weight_dict"]


class EpochDataset(keras.utils.PyDataset):  # type: ignore[name-defined]
    """Batches of a fitted EpochResampler's epochs, a fresh epoch every epoch.

    Parameters
    ----------
    resampler : EpochResampler
        Fitted on the rows of ``x`` (in order).
    x : ndarray, DataFrame, or a dict, list or tuple of them
        The inputs, one row per fitted row (a structure for multi-input
        models; every leaf is indexed by the same rows).
    y : ndarray, Series or structure, default=None
        The targets, indexed the same way.
    sample_weight : array-like of shape (n_samples,), default=None
        Per-row weights, served as the third element of each batch.
    batch_size : int, default=32
    epoch : int, default=0
        The epoch served first (e.g. ``initial_epoch`` when resuming).
    **kwargs
        ``workers``, ``use_multiprocessing``, ``max_queue_size`` of
        ``PyDataset``.

    Attributes
    ----------
    epoch : int
        The epoch being served. After every pass Keras makes over all the
        batches (each epoch of ``fit``, an ``evaluate``) the next epoch is
        drawn, so ``fit``'s epoch ``e`` serves epoch ``e`` (a look at one
        batch before training does not count); with :meth:`callback`, the
        epoch is Keras's epoch number.

    Examples
    --------
    >>> import numpy as np
    >>> from skweight import EpochResampler
    >>> from skweight.keras import EpochDataset
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> x = np.arange(100, dtype="float32").reshape(-1, 1)
    >>> rs = EpochResampler("under", random_state=0).fit(None, y)
    >>> ds = EpochDataset(rs, x, y, batch_size=8)
    >>> len(ds), ds[0][0].shape
    (3, (8, 1))
    >>> first = ds.indices
    >>> batches = [ds[i] for i in range(len(ds))]   # a pass over the epoch ...
    >>> ds.on_epoch_end()                           # ... and Keras's call after it
    >>> ds.epoch, bool((ds.indices != first).any())
    (1, True)
    """

    def __init__(
        self, resampler, x, y=None, *, sample_weight=None, batch_size=32, epoch=0, **kwargs
    ):
        super().__init__(**kwargs)
        check_is_fitted(resampler, "seed_")
        if (
            getattr(resampler, "schedule", None) is not None
            and STRATEGIES[resampler.strategy].scheduled_size
        ):
            raise ValueError(
                "Keras reads the number of batches once per fit, but this resampler's "
                "schedule changes the epoch size; use strategy='weights' (fixed size) "
                "or a torch EpochSampler."
            )
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, Integral)
            or batch_size < 1
        ):
            raise ValueError(f"batch_size must be an int >= 1; got {batch_size!r}.")
        n_rows = resampler.n_samples_fit_
        for name, data in (("x", x), ("y", y), ("sample_weight", sample_weight)):
            if data is not None and _n_rows(data) != n_rows:
                raise ValueError(
                    f"{name} has {_n_rows(data)} rows but the resampler was fit on "
                    f"{n_rows}."
                )
        self.resampler = resampler
        self.x, self.y = _as_arrays(x), _as_arrays(y)
        self.sample_weight = (
            None if sample_weight is None else np.asarray(sample_weight, dtype="float32")
        )
        self.batch_size = int(batch_size)
        self._synced = False  # True once callback() drives the epochs
        self._warned_one_batch = False
        self.set_epoch(epoch)

    def set_epoch(self, epoch):
        """Serve ``epoch`` from now on."""
        self.epoch = check_epoch(epoch)
        self.indices = self.resampler.epoch_indices(self.epoch)
        self._fetched = np.zeros(len(self), dtype=bool)  # batches read this pass

    def __len__(self):
        return math.ceil(len(self.indices) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range for {len(self)} batches.")
        rows = self.indices[index * self.batch_size : (index + 1) * self.batch_size]
        self._fetched[index] = True
        batch = [_take(self.x, rows)]
        if self.y is not None:
            batch.append(_take(self.y, rows))
        if self.sample_weight is not None:
            batch.append(self.sample_weight[rows])
        return tuple(batch) if len(batch) > 1 else batch[0]

    def on_epoch_end(self):
        """After a pass that read every batch, move to the next epoch: a fresh draw.

        Keras calls this after every pass over the dataset, and also after a
        look at the first batch (the PyTorch backend builds the model from
        one, TensorFlow reads one for the data's shapes). Only a pass that
        read every batch counts as an epoch, so training's epoch ``e`` is the
        resampler's epoch ``e`` (from ``epoch``). A pass that read some but
        not all batches (``steps_per_epoch`` below the batches of an epoch)
        leaves the epoch as it is and warns: use :meth:`callback` there. The
        draw happens here, while no worker fetches. With :meth:`callback` in
        ``model.fit``, the epoch follows Keras's own epoch number instead.
        """
        if not self._synced:
            read = int(np.count_nonzero(self._fetched))
            if len(self._fetched) == 1 and read and not self._warned_one_batch:
                self._warned_one_batch = True
                warnings.warn(
                    "EpochDataset: an epoch of one batch cannot be told from the look "
                    "at one batch Keras takes before training, so the epochs may run "
                    "one ahead of Keras's. Pass callbacks=[dataset.callback()] to "
                    "model.fit, or a smaller batch_size.",
                    UserWarning,
                    stacklevel=2,
                )
            if read == len(self._fetched) and read:
                self.set_epoch(self.epoch + 1)
                return
            if read > 1:
                warnings.warn(
                    f"EpochDataset: a pass read {read} of the {len(self._fetched)} "
                    f"batches of epoch {self.epoch}, so the epoch was not advanced. "
                    "With steps_per_epoch, pass callbacks=[dataset.callback()] to "
                    "model.fit: the epochs then follow Keras's.",
                    UserWarning,
                    stacklevel=2,
                )
        self._fetched[:] = False

    def callback(self):
        """A Keras callback that serves epoch ``e`` in Keras's epoch ``e``.

        Pass it to ``model.fit(dataset, callbacks=[dataset.callback()])``: at
        the start of each epoch it sets the dataset's epoch to Keras's epoch
        number (before any worker fetches), so epoch ``e`` of training is
        always the resampler's epoch ``e``, also after resuming with
        ``initial_epoch``.

        Returns
        -------
        callback : keras.callbacks.Callback
        """
        sync = self._sync_to

        class _EpochSync(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                sync(epoch)

        return _EpochSync()

    def _sync_to(self, epoch):
        """Keras's epoch starts: the callback drives the epochs from now on."""
        self._synced = True
        self.set_epoch(epoch)

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.resampler!r}, batch_size={self.batch_size}; "
            f"epoch={self.epoch}, {len(self.indices)} rows in {len(self)} batches)"
        )


def class_weight_dict(weighter, classes=None, *, schedule=None, epoch=None):
    """``model.fit(class_weight=...)`` from a fitted weighter.

    Keras looks class weights up by the integer label of each row, so the
    keys are the class positions ``0 .. n_classes - 1`` in the order of
    ``classes`` (the labels themselves when they are those integers).

    Parameters
    ----------
    weighter : GroupBalancedWeighter or EffectiveNumberWeighter
        Fitted on 1-D class labels; the factor of a class must not vary
        across its groups and strata.
    classes : array-like, default=None
        The classes in the order of the model's outputs (and of the integer
        labels given to Keras); None: ``weighter.classes_``.
    schedule : Schedule, default=None
        The weights as the schedule makes the weighter at ``epoch``.
    epoch : int, default=None
        Needed with ``schedule``.

    Returns
    -------
    class_weight : dict of int to float

    Examples
    --------
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.keras import class_weight_dict
    >>> class_weight_dict(GroupBalancedWeighter().fit(None, [0, 0, 0, 1]))
    {0: 0.6666666666666666, 1: 2.0}
    """
    factors = per_class_factors(at_epoch(weighter, schedule, epoch), classes)
    return {k: float(v) for k, v in enumerate(factors)}


def _is_structure(data):
    """A list or tuple of arrays (several inputs), not a list of labels."""
    return (
        isinstance(data, (list, tuple))
        and bool(data)
        and all(hasattr(d, "shape") for d in data)
    )


def _n_rows(data):
    if isinstance(data, dict):
        return _n_rows(next(iter(data.values())))
    if _is_structure(data):
        return _n_rows(data[0])
    return len(data)


def _as_arrays(data):
    """Leaves as numpy arrays (pandas read once), structures kept."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: _as_arrays(v) for k, v in data.items()}
    if _is_structure(data):
        return type(data)(_as_arrays(v) for v in data)
    if hasattr(data, "to_numpy"):
        return data.to_numpy()
    return np.asarray(data)


def _take(data, rows):
    if isinstance(data, dict):
        return {k: _take(v, rows) for k, v in data.items()}
    if isinstance(data, (list, tuple)):  # a structure (leaves are arrays by now)
        return type(data)(_take(v, rows) for v in data)
    return data[rows]
