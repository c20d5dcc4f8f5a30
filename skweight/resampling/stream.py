"""Balancing a stream: keep or repeat each item so its unit reaches its target.

Data that arrives as a stream (shards read in order, a streaming dataset, any
iterator) cannot be indexed, so it cannot be drawn from like a table. Each
item is instead kept a random number of times with mean ``r``, its unit's
*rate*: ``floor(r)`` copies plus one more with probability ``r - floor(r)``
(rates below 1 thin a unit out, rates above 1 repeat it). With a weighter,
``r`` is the weight the weighter gives the item (its cell's factor: mean 1
over the fitted rows, so the stream keeps about its length); with a fitted
``"under"``/``"over"`` :class:`~skweight.EpochResampler`, ``r`` is the unit's
target over its size, as in one epoch.

**Bias.** With counts fitted beforehand (e.g. one ``partial_fit`` pass over
the stream, or a sample of it), each unit's expected number of items out is
exactly ``rate * rows in``, so the long-run shares reach the targets. With an
unfitted weighter the counts are the running counts of the items seen so far
(including the current chunk), so early chunks are weighted by estimates;
the bias fades as the counts settle, and a stream whose mix drifts is
balanced to its recent past only as far as the running totals follow it.

**Memory.** One chunk of items (``chunk_size``) is held at a time, plus the
weighter's cell table: independent of the stream's length.

Items are processed in chunks: the keys of a chunk's items become one small
frame, the rates are one call of the weighter, the copies one vectorised
draw; with ``shuffle`` the chunk's output is permuted so that copies of an
item are spread over the chunk.
"""

import warnings
from collections.abc import Callable, Iterable, Iterator
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

from ..engine.modes import MODES, resolve_mode
from ..exceptions import WeightingWarning, renamed_parameters
from .strategies import STRATEGIES

__all__ = ["balance_stream"]

_STREAM_TAG = 0x5717EA


@renamed_parameters(source="weighter", seed="random_state")
def balance_stream(
    items: Iterable[Any],
    keys: Callable[[Any], dict],
    weighter: Any,
    *,
    label: str = "label",
    chunk_size: int = 1024,
    random_state: int = 0,
    epoch: int = 0,
    shard: tuple[int, int] = (0, 1),
    shuffle: bool = True,
) -> Iterator[Any]:
    """Yield ``items`` kept or repeated so that their units follow ``weighter``'s targets.

    Parameters
    ----------
    items : iterable
        The stream.
    keys : callable
        ``keys(item)`` returns a dict of the item's key values: the group and
        stratum columns by the names the weighter uses, and the label under
        ``label``.
    weighter : weighter or EpochResampler
        (``source`` before 0.2.) A weighter (fitted: its counts are kept; unfitted: it learns running
        counts with ``partial_fit``, chunk by chunk), or a fitted
        ``"under"``/``"over"`` EpochResampler.
    label : str, default="label"
        The key holding the label (ignored when the weighter does not use it).
    chunk_size : int, default=1024
        Items processed (and held) at a time.
    random_state : int, default=0
        With ``epoch`` and ``shard``, what makes the draws reproducible
        (``seed`` before 0.2).
    epoch : int, default=0
        The epoch: another epoch draws other items.
    shard : tuple of int, default=(0, 1)
        ``(index, count)``: this shard takes the items at positions
        ``index, index + count, ...`` of the stream (for DataLoader workers and
        distributed ranks), so shards never overlap.
    shuffle : bool, default=True
        Permute each chunk's output.

    Yields
    ------
    item
        Items of the stream, some dropped, some repeated.

    Examples
    --------
    >>> from skweight import GroupBalancedWeighter
    >>> from skweight.streams import balance_stream
    >>> stream = [{"label": "a"}] * 900 + [{"label": "b"}] * 100
    >>> weighter = GroupBalancedWeighter().fit(None, ["a"] * 900 + ["b"] * 100)
    >>> out = list(balance_stream(stream, lambda item: item, weighter, random_state=0))
    >>> sum(item["label"] == "b" for item in out) / len(out)
    0.5
    """
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, Integral)
        or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be an int >= 1; got {chunk_size!r}.")
    index, count = _check_shard(shard)
    rate = _rate_function(weighter, label)
    rng = np.random.default_rng([int(random_state), int(epoch), index, count, _STREAM_TAG])
    chunk = []
    for position, item in enumerate(items):
        if position % count != index:
            continue
        chunk.append(item)
        if len(chunk) == chunk_size:
            yield from _emit(chunk, keys, rate, rng, shuffle)
            chunk = []
    if chunk:
        yield from _emit(chunk, keys, rate, rng, shuffle)


def _emit(chunk, keys, rate, rng, shuffle):
    frame = pd.DataFrame([keys(item) for item in chunk])
    rates = np.asarray(rate(frame), dtype=np.float64)
    whole = np.floor(rates)
    copies = whole.astype(np.int64) + (rng.random(len(chunk)) < rates - whole)
    order = np.repeat(np.arange(len(chunk)), copies)
    if shuffle:
        rng.shuffle(order)
    for j in order.tolist():
        yield chunk[j]


def _check_shard(shard):
    try:
        index, count = shard
    except (TypeError, ValueError):
        raise ValueError(f"shard must be a pair (index, count); got {shard!r}.") from None
    if not (
        isinstance(count, Integral)
        and count >= 1
        and isinstance(index, Integral)
        and 0 <= index < count
    ):
        raise ValueError(
            f"shard must be (index, count) with 0 <= index < count; got {shard!r}."
        )
    return int(index), int(count)


def _rate_function(source, label):
    """``rate(frame)``: the mean number of copies of each item of a chunk."""
    from sklearn.utils.validation import check_is_fitted

    if hasattr(source, "epoch_indices"):  # a resampler: target over size per unit
        check_is_fitted(source, "seed_")
        if STRATEGIES[source.strategy].fresh or "cycle" not in source.cell_table_:
            raise ValueError(
                "A stream follows the per-unit targets of strategy='under' or 'over'; "
                "for weights, pass the weighter itself."
            )
        table = source.cell_table_
        per_unit = table["target"].to_numpy(np.float64) / np.maximum(
            table["count"].to_numpy(), 1
        )
        weighter = source.weighter_

        def rate(frame):
            X, y = _split(frame, weighter, label)
            return per_unit[source.unit_index(X, y)]

        return rate

    if not hasattr(source, "partial_fit"):
        raise TypeError(
            f"weighter must be a skweight weighter or a fitted EpochResampler; got "
            f"{type(source).__name__}."
        )
    running = not hasattr(source, "n_cells_")

    def rate(frame):
        X, y = _split(frame, source, label)
        if running:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", WeightingWarning)
                source.partial_fit(X, y)
        return source.weight(X, y)

    return rate


def _split(frame, weighter, label):
    """The chunk's key frame (None without key columns) and its labels."""
    groups, _, balance = weighter.key_params()
    balance = balance if balance in MODES else "auto"
    uses_label = resolve_mode(balance, groups is not None).needs_label
    if uses_label and label not in frame.columns:
        raise ValueError(
            f"The weighter uses the label, but keys(item) has no {label!r} key; it "
            f"gave {list(frame.columns)}."
        )
    y = frame[label].to_numpy() if uses_label else None
    X = frame.drop(columns=[label]) if label in frame.columns else frame
    return (X if X.shape[1] else None), y
