"""The lazy-frame backend: counts as one aggregation, weights as an expression.

For the lazy frames narwhals supports (polars ``LazyFrame``, DuckDB
relations, SQLFrame and PySpark DataFrames, ...). Key columns, the label and
``sample_weight`` are named by column: ``fit(lf, "label", sample_weight="w")``.

- ``fit`` runs one ``group_by(keys).agg(len, sum)`` on the engine and collects
  only that small table; the engine turns it into the same ``weight_table_``
  as in memory.
- ``weight`` and ``fit_weight`` return the caller's lazy frame with a
  ``weight`` column: each key column is mapped to its level code and the
  combined cell code to its factor by ``replace_strict`` expressions, so
  nothing is collected and the frame's rows keep their order. With
  ``handle_unknown="error"``, ``weight`` on other rows than the fit's first
  counts the rows that fall in cells unseen at fit (one aggregation) and
  raises if any do.
"""

import numpy as np
import pandas as pd

from ..engine.backends import CountTable, Inputs
from ..engine.frames import FrameView, resolve_keys
from .lazy_cells import cell_codes, column_name
from .lazy_epochs import lazy_epochs

__all__ = ["LazyBackend"]

WEIGHT_COLUMN = "weight"
_ROWS, _WEIGHTED = "__skweight_rows__", "__skweight_weighted__"
_MIN, _NULLS = "__skweight_min__", "__skweight_nulls__"
_ID_NULLS = "__skweight_id_nulls__"


def _key_columns(inputs, roles, names):
    """Names of the group and stratum columns, checked like in memory."""
    if inputs.sensitive_features is not None or inputs.strata_features is not None:
        raise TypeError(
            "On a lazy frame, name the group and stratum columns with groups= and "
            "strata=; sensitive_features= and strata_features= arrays cannot be "
            "aligned with its rows."
        )
    meta = FrameView(pd.DataFrame(columns=names), 0)
    columns = []
    for param in ("groups", "strata"):
        pairs = resolve_keys(
            meta,
            getattr(roles, param),
            None,
            param=param,
            kwarg=f"{param}_features",
            estimator_name=roles.owner,
            n_samples=0,
        )
        columns += [name for name, _ in pairs]
    return columns


class LazyBackend:
    """Counts and weights on narwhals lazy frames (see the module docstring)."""

    name = "lazy"
    kind = "a lazy frame"

    def count(self, inputs, roles, *, row_id=None):
        """The rows (and weighted rows) of every key combination, collected.

        With ``row_id``, also checks that the column has no missing value
        (resamplers rank rows by it; repeated keys are found by the epoch
        query itself, where the rows are sorted anyway).
        """
        import narwhals.stable.v2 as nw

        lf = nw.from_native(inputs.X)
        names = lf.collect_schema().names()
        keys = _key_columns(inputs, roles, names)
        y = column_name(inputs.y, "y", names)
        sw = column_name(inputs.sample_weight, "sample_weight", names)
        by = list(dict.fromkeys(keys + ([y] if y is not None else [])))
        if not by:  # no key column: fake rows let the weighter say what is missing
            X = pd.DataFrame({name: [0] for name in names})
            return CountTable(
                Inputs(X),
                np.ones(1, np.int64),
                None,
                len(names),
                np.asarray(names, dtype=object),
            )
        aggs = [nw.len().alias(_ROWS)]
        if sw is not None:
            aggs += [
                nw.col(sw).sum().alias(_WEIGHTED),
                nw.col(sw).min().alias(_MIN),
                nw.col(sw).null_count().alias(_NULLS),
            ]
        if row_id is not None:
            column_name(row_id, "row_id", names)
            aggs.append(nw.col(row_id).null_count().alias(_ID_NULLS))
        table = lf.group_by(by, drop_null_keys=False).agg(*aggs).collect().to_pandas()
        if row_id is not None:
            _check_row_ids(table, row_id)
        if sw is not None:
            weighted = table[_WEIGHTED].to_numpy(dtype=np.float64)
            if (
                table[_NULLS].sum()
                or (table[_MIN] < 0).any()
                or not np.isfinite(weighted).all()
            ):
                raise ValueError(
                    f"sample_weight column {sw!r} has missing, negative or "
                    "non-finite values; weights must be finite and >= 0."
                )
        rows = table[_ROWS].to_numpy(dtype=np.int64)
        for column in keys:
            missing = pd.isna(table[column]).to_numpy()
            if missing.any() and roles.handle_missing == "error":
                raise ValueError(
                    f"Column {column!r} has {int(rows[missing].sum())} missing "
                    "value(s). Fill them, or pass handle_missing='category' to treat "
                    "missing as a level of its own."
                )
        zeros = np.zeros(len(table), dtype=np.int8)
        X = pd.DataFrame({name: table[name] if name in keys else zeros for name in names})
        label = table[y].rename(y) if y is not None else None
        return CountTable(
            Inputs(X, label),
            rows,
            weighted if sw is not None else None,
            len(names),
            np.asarray(names, dtype=object),
        )

    def weigh(self, inputs, weighter, *, fitted_rows):
        """The caller's lazy frame with a ``weight`` column."""
        import narwhals.stable.v2 as nw

        lf = nw.from_native(inputs.X)
        names = lf.collect_schema().names()
        if WEIGHT_COLUMN in names:
            raise ValueError(
                f"X already has a column {WEIGHT_COLUMN!r}, where the weights would "
                "go; rename it first."
            )
        lf_codes, codes, cell, table_cell, temp = cell_codes(lf, weighter, inputs.y)
        sw = column_name(inputs.sample_weight, "sample_weight", names)
        table = weighter.weight_table_
        unknown = nw.any_horizontal(*[c < 0 for c in codes], ignore_nulls=True)
        factor = cell.replace_strict(
            table_cell.tolist(),
            table["factor"].tolist(),
            default=None,
            return_dtype=nw.Float64,
        )
        if weighter.handle_unknown == "error" and not fitted_rows:
            n_unknown = (
                lf_codes.select(unknown.cast(nw.Int64).sum().alias("n"))
                .collect()
                .to_pandas()["n"]
                .iloc[0]
            )
            if n_unknown:
                raise ValueError(
                    f"{int(n_unknown)} row(s) fall in cells that had no rows during "
                    "fit. Pass handle_unknown='ignore' to give them the neutral "
                    "factor."
                )
        weighted = table["weighted_count"].to_numpy()
        neutral = (
            0.0
            if weighter.handle_unknown == "zero"
            else float((weighted * table["factor"]).sum() / weighted.sum())
        )
        weight = nw.when(unknown | factor.is_null()).then(nw.lit(neutral)).otherwise(factor)
        if sw is not None:
            weight = weight * nw.col(sw)
        return lf_codes.with_columns(weight.alias(WEIGHT_COLUMN)).drop(temp).to_native()

    def epochs(self, inputs, roles, request, draw):
        """Fit a resampler's plan on the cell table; its epochs are queries."""
        return lazy_epochs(self, inputs, roles, request, draw)


def _check_row_ids(table, row_id):
    nulls = int(table[_ID_NULLS].sum())
    if nulls:
        raise ValueError(
            f"row_id column {row_id!r} has {nulls} missing value(s); the rows of an "
            "epoch are ranked by it: give every row a key."
        )
