"""Constructors of every frame kind the tests run on (one fixture, many kinds).

Each kind turns a pandas DataFrame of plain columns into the caller's type;
kinds whose library is not installed are skipped. ``EAGER`` kinds are read in
memory; ``LAZY`` kinds are counted on their engine.
"""

import importlib.util

import pandas as pd
import pytest


def _has(module):
    return importlib.util.find_spec(module) is not None


def _pandas(df):
    return df


def _pandas_categorical(df):
    return df.astype(
        {
            c: "category"
            for c in df.columns
            if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])
        }
    )


def _pandas_arrow_str(df):
    import pyarrow as pa

    return df.astype(
        {
            c: pd.ArrowDtype(pa.string())
            for c in df.columns
            if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])
        }
    )


def _pandas_str(df):
    return df.astype(
        {
            c: "str"
            for c in df.columns
            if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])
        }
    )


def _pandas_nullable(df):
    return df.convert_dtypes()


def _polars(df):
    import polars as pl

    return pl.from_pandas(df)


def _polars_categorical(df):
    import polars as pl

    frame = pl.from_pandas(df)
    return frame.with_columns(pl.col(pl.String).cast(pl.Categorical))


def _pyarrow(df):
    import pyarrow as pa

    return pa.Table.from_pandas(df, preserve_index=False)


def _polars_lazy(df):
    return _polars(df).lazy()


def _duckdb(df):
    import duckdb

    return duckdb.from_df(df)


def _dask(df):
    import dask.dataframe as dd

    return dd.from_pandas(df, npartitions=3, sort=False)


EAGER = {
    "pandas": (_pandas, "pandas"),
    "pandas-categorical": (_pandas_categorical, "pandas"),
    "pandas-str": (_pandas_str, "pyarrow"),
    "pandas-arrow": (_pandas_arrow_str, "pyarrow"),
    "pandas-nullable": (_pandas_nullable, "pandas"),
    "polars": (_polars, "polars"),
    "polars-categorical": (_polars_categorical, "polars"),
    "pyarrow": (_pyarrow, "pyarrow"),
}
LAZY = {
    "polars-lazy": (_polars_lazy, "polars"),
    "duckdb": (_duckdb, "duckdb"),
    "dask": (_dask, "dask"),
}


def params(kinds):
    """``pytest.param`` of each kind, skipped where its library is missing."""
    return [
        pytest.param(
            make,
            id=name,
            marks=[]
            if _has(module)
            else pytest.mark.skip(reason=f"{module} is not installed"),
        )
        for name, (make, module) in kinds.items()
    ]
