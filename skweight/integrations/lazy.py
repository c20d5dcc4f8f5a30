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
from ..engine.encode import as_python
from ..engine.frames import FrameView, resolve_keys

__all__ = ["LazyBackend", "cell_codes", "column_name"]

WEIGHT_COLUMN = "weight"
_ROWS, _WEIGHTED = "__skweight_rows__", "__skweight_weighted__"
_MIN, _NULLS = "__skweight_min__", "__skweight_nulls__"
_ID_NULLS = "__skweight_id_nulls__"


def column_name(value, what, names):
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(
            f"On a lazy frame, {what} must name a column of X; got a "
            f"{type(value).__name__}."
        )
    if value not in names:
        raise ValueError(f"{what}={value!r} is not a column of X. X has: {names}.")
    return value


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
        pairs = resolve_keys(meta, getattr(roles, param), None, param=param,
                             kwarg=f"{param}_features", estimator_name=roles.owner,
                             n_samples=0)
        columns += [name for name, _ in pairs]
    return columns


class LazyBackend:
    """Counts and weights on narwhals lazy frames (see the module docstring)."""

    name = "lazy"

    def count(self, inputs, roles, *, row_id=None):
        """The rows (and weighted rows) of every key combination, collected.

        With ``row_id``, also checks that the column has no missing value
        (resamplers rank rows by it; repeated keys are found by the epoch
        query itself, where the rows are sorted anyway).
        """
        import narwhals as nw

        lf = nw.from_native(inputs.X)
        names = lf.collect_schema().names()
        keys = _key_columns(inputs, roles, names)
        y = column_name(inputs.y, "y", names)
        sw = column_name(inputs.sample_weight, "sample_weight", names)
        by = list(dict.fromkeys(keys + ([y] if y is not None else [])))
        if not by:  # no key column: fake rows let the weighter say what is missing
            X = pd.DataFrame({name: [0] for name in names})
            return CountTable(Inputs(X), np.ones(1, np.int64), None, len(names),
                              np.asarray(names, dtype=object))
        aggs = [nw.len().alias(_ROWS)]
        if sw is not None:
            aggs += [nw.col(sw).sum().alias(_WEIGHTED), nw.col(sw).min().alias(_MIN),
                     nw.col(sw).null_count().alias(_NULLS)]
        if row_id is not None:
            column_name(row_id, "row_id", names)
            aggs.append(nw.col(row_id).null_count().alias(_ID_NULLS))
        table = lf.group_by(by, drop_null_keys=False).agg(*aggs).collect().to_pandas()
        if row_id is not None:
            _check_row_ids(table, row_id)
        if sw is not None:
            weighted = table[_WEIGHTED].to_numpy(dtype=np.float64)
            if table[_NULLS].sum() or (table[_MIN] < 0).any() or \
                    not np.isfinite(weighted).all():
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
        return CountTable(Inputs(X, label), rows, weighted if sw is not None else None,
                          len(names), np.asarray(names, dtype=object))

    def weigh(self, inputs, weighter, *, fitted_rows):
        """The caller's lazy frame with a ``weight`` column."""
        import narwhals as nw

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
        factor = cell.replace_strict(table_cell.tolist(), table["factor"].tolist(),
                                     default=None, return_dtype=nw.Float64)
        if weighter.handle_unknown == "error" and not fitted_rows:
            n_unknown = lf_codes.select(unknown.cast(nw.Int64).sum().alias("n")) \
                .collect().to_pandas()["n"].iloc[0]
            if n_unknown:
                raise ValueError(
                    f"{int(n_unknown)} row(s) fall in cells that had no rows during "
                    "fit. Pass handle_unknown='ignore' to give them the neutral "
                    "factor."
                )
        weighted = table["weighted_count"].to_numpy()
        neutral = 0.0 if weighter.handle_unknown == "zero" else float(
            (weighted * table["factor"]).sum() / weighted.sum())
        weight = nw.when(unknown | factor.is_null()).then(nw.lit(neutral)) \
            .otherwise(factor)
        if sw is not None:
            weight = weight * nw.col(sw)
        return lf_codes.with_columns(weight.alias(WEIGHT_COLUMN)).drop(temp).to_native()

    def fit_resampler(self, resampler, inputs):
        """Fit ``resampler`` on a lazy frame: only the cell table is collected."""
        from .lazy_epochs import fit_lazy_epochs

        return fit_lazy_epochs(self, resampler, inputs)


def _check_row_ids(table, row_id):
    nulls = int(table[_ID_NULLS].sum())
    if nulls:
        raise ValueError(
            f"row_id column {row_id!r} has {nulls} missing value(s); the rows of an "
            "epoch are ranked by it: give every row a key.")


def cell_codes(lf, weighter, y):
    """Each row's fitted cell as lazy expressions.

    Returns ``(lf_codes, codes, cell, table_cell, temp)``: ``lf_codes`` is
    ``lf`` with each key's level code as a temporary column (named in
    ``temp``; ``codes`` reads them), ``cell`` the combined code of a row and
    ``table_cell`` the same code of each row of ``weight_table_``. A row
    whose cell the fit did not see has a negative level code.
    """
    import narwhals as nw

    names = lf.collect_schema().names()
    spec = weighter.cell_spec_
    if spec.multilabel:
        raise TypeError("Multi-label weights of a lazy frame are not supported.")
    y = column_name(y, "y", names)
    table = weighter.weight_table_
    sources = list(spec.strata) + list(spec.groups)
    columns = list(sources)
    if spec.label is not None:
        if y is None:
            raise ValueError(f"{type(weighter).__name__} uses the label: pass y.")
        sources.append(spec.label)
        columns.append(y)
    schema = lf.collect_schema()
    codes, table_codes = [], []
    for source, column in zip(sources, columns):
        expr, code = _level_codes(nw, column, schema[column], table[source])
        codes.append(expr)
        table_codes.append(code)
    sizes = [int(c.max()) + 1 for c in table_codes]
    stride = np.cumprod([1] + sizes[:0:-1])[::-1]
    # Each key's code once, as a temporary column: engines that do not share
    # common subexpressions (Spark) would otherwise map every key several
    # times per row.
    temp = [f"__skweight_code_{i}__" for i in range(len(codes))]
    lf_codes = lf.with_columns(*[c.alias(t) for c, t in zip(codes, temp)])
    codes = [nw.col(t) for t in temp]
    cell = sum((c * int(s) for c, s in zip(codes, stride)), nw.lit(0))
    table_cell = sum(c * int(s) for c, s in zip(table_codes, stride))
    return lf_codes, codes, cell, np.asarray(table_cell, dtype=np.int64), temp


def _level_codes(nw, column, dtype, values):
    """A lazy expression of each row's level code in ``column``, and the codes
    of the table's ``values`` (missing last; -1 for unseen values)."""
    values = pd.Series(values).reset_index(drop=True)
    missing = pd.isna(values).to_numpy()
    levels = pd.unique(values[~missing])
    levels = [as_python(v) for v in levels]
    code_of = {v: i for i, v in enumerate(levels)}
    missing_code = len(levels) if missing.any() else -1
    table_codes = np.array([missing_code if m else code_of[as_python(v)]
                            for v, m in zip(values, missing)], dtype=np.int64)
    expr = nw.col(column)
    if dtype in (nw.Categorical, nw.Enum) or isinstance(dtype, (nw.Categorical, nw.Enum)):
        expr = expr.cast(nw.String)
    mapped = expr.replace_strict(levels, list(range(len(levels))), default=-1,
                                 return_dtype=nw.Int64)
    code = nw.when(nw.col(column).is_null()).then(nw.lit(missing_code)).otherwise(mapped)
    return code, table_codes
