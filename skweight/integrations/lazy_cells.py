"""Each row's fitted cell on a lazy frame, as expressions (shared by weights and epochs).

:func:`cell_codes` maps each key column to its level code with
``replace_strict`` and combines the codes into the cell's code, so that the
weights (:mod:`.lazy`) and the epochs (:mod:`.lazy_epochs`) of a lazy frame
find a row's cell alike, on the engine.
"""

import numpy as np
import pandas as pd

from ..engine.encode import as_python

__all__ = ["cell_codes", "column_name"]


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


def cell_codes(lf, weighter, y):
    """Each row's fitted cell as lazy expressions.

    Returns ``(lf_codes, codes, cell, table_cell, temp)``: ``lf_codes`` is
    ``lf`` with each key's level code as a temporary column (named in
    ``temp``; ``codes`` reads them), ``cell`` the combined code of a row and
    ``table_cell`` the same code of each row of ``weight_table_``. A row
    whose cell the fit did not see has a negative level code.
    """
    import narwhals.stable.v2 as nw

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
    table_codes = np.array(
        [missing_code if m else code_of[as_python(v)] for v, m in zip(values, missing)],
        dtype=np.int64,
    )
    expr = nw.col(column)
    if dtype in (nw.Categorical, nw.Enum) or isinstance(dtype, (nw.Categorical, nw.Enum)):
        expr = expr.cast(nw.String)
    mapped = expr.replace_strict(
        levels, list(range(len(levels))), default=-1, return_dtype=nw.Int64
    )
    code = nw.when(nw.col(column).is_null()).then(nw.lit(missing_code)).otherwise(mapped)
    return code, table_codes
