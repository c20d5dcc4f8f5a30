"""The dask backend: one distributed count aggregation, lazy weights.

Counting a dask DataFrame is one distributed aggregation: every partition
groups its rows by the key columns and returns a small frame (one row per key
combination it holds, with its rows and summed ``sample_weight``); the small
frames are merged in a tree, and the merged table, one row per key
combination of the whole data set, is handed to the weighter as a
:class:`~skweight.engine.backends.CountTable`. The engine orders every table
canonically, so the weights and ``weight_table_`` are the in-memory ones.
Row counts are exact; with fractional ``sample_weight`` the weighted counts are
sums taken in another order, equal up to rounding.

Weights of a dask DataFrame are computed lazily, partition by partition, by a
frozen copy of the fitted weighter: a dask Series with the input's partitions
and index.
"""

import copy

import numpy as np
import pandas as pd

from ...engine.backends import CountTable, Inputs
from ...engine.frames import as_key_list
from .counting import (
    FIRST,
    check_keys,
    check_missing,
    combine_inputs,
    count_table,
    key_labels,
    roles_of,
    tree_count,
)
from .epochs import dask_epochs

__all__ = ["DaskBackend"]


class DaskBackend:
    """Counts and weights on dask collections (see the module docstring)."""

    name = "dask"
    kind = "dask data"

    def count(self, inputs, roles):
        frame, layout = combine_inputs(inputs, roles)
        check_keys(roles, inputs.X, layout)
        if frame is None or not layout.keys:
            # No key column: fake rows let the weighter say what is missing.
            X = inputs.X._meta_nonempty if inputs.X is not None else None
            n = len(X) if X is not None else 0
            return CountTable(
                Inputs(X),
                np.ones(n, np.int64),
                None,
                X.shape[1] if X is not None else 0,
                None,
            )
        table = tree_count(frame, layout)
        check_missing(roles, table, layout)
        order = np.argsort(table[FIRST].to_numpy(), kind="stable")
        table = table.iloc[order].reset_index(drop=True)
        return count_table(table, layout, inputs.X)

    def weigh(self, inputs, weighter, *, fitted_rows):
        """A lazy dask Series of weights (a DataFrame per class, multi-label)."""
        roles = roles_of(weighter)
        x_columns = None
        groups, strata, _ = weighter.key_params()
        keys = as_key_list(groups) + as_key_list(strata)
        if inputs.X is not None and all(isinstance(k, str) for k in keys):
            x_columns = key_labels(roles, inputs.X, None)  # only the keys are read
        frame, layout = combine_inputs(inputs, roles, x_columns=x_columns)
        frozen = copy.deepcopy(weighter)  # refitting later must not change these
        if frame is None:  # no key column: the engine says what is missing
            frozen.weight(inputs.X._meta_nonempty)
        if getattr(frozen, "pos_weight_", None) is not None:
            meta = pd.DataFrame({c: pd.Series(dtype=np.float64) for c in frozen.classes_})
        else:
            meta = pd.Series(dtype=np.float64, name="weight")
        return frame.map_partitions(_weigh_partition, frozen, layout, meta=meta)

    def epochs(self, inputs, roles, request, draw):
        """Count per partition, have the plan fit; epochs are dask DataFrames."""
        return dask_epochs(inputs, roles, request, draw)


def _weigh_partition(part, weighter, layout):
    """The weights of one partition, by the (frozen) fitted weighter."""
    multilabel = getattr(weighter, "pos_weight_", None) is not None
    n_classes = len(weighter.classes_) if multilabel else None
    if len(part):
        args = layout.rebuild(part)
        weights = weighter.weight(args.pop("X"), args.pop("y"), **args)
    else:  # the engine refuses empty input
        weights = np.empty((0, n_classes) if n_classes else 0)
    if n_classes:
        return pd.DataFrame(weights, index=part.index, columns=weighter.classes_)
    return pd.Series(weights, index=part.index, name="weight")
