"""Integer codes for one key column, by the fastest route of its native type.

:func:`native_codes` turns a 1-D column (numpy, pandas, polars or pyarrow) into
:class:`RawCodes`: one integer per row indexing a small table of the distinct
values, ``-1`` for a missing value. No route goes through Python objects:

======================================  =======================================
column                                  route
======================================  =======================================
pandas ``Categorical``                  its own codes and categories
pandas arrow-backed (``str``,           arrow dictionary encoding
``ArrowDtype``)
polars ``Categorical`` / ``Enum``       physical codes, renumbered over the
                                        categories that occur
polars ``String``                       cast to ``Categorical``, as above
pyarrow arrays, dictionary arrays       dictionary encoding / their indices
small non-negative integers (any        the values are their own codes
library)
many distinct integers in no order      one packed sort: codes numbered in
(any library)                           sorted order of the values
anything else                           :func:`pandas.factorize`
======================================  =======================================

A backend adds a route for another library with :func:`register_codes`.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

from .keys import number_sorted, packed_sort

__all__ = ["RawCodes", "native_codes", "register_codes"]

# Integers below this many times the number of rows (plus a constant) are used
# directly as codes; sparser integers are hashed like any other value.
RANGE_SLACK = 2
RANGE_MIN = 1 << 16
# Integer columns of at least this many rows whose values are mostly distinct
# and in no order (ids) are numbered by a sort rather than hashed.
SORT_MIN = 1 << 20
_SORT_SAMPLE = 1 << 16
# polars Categorical codes below this are decoded as they are.
POLARS_MIN = 1 << 10
# Rows of a polars String column looked at to tell ids from categories.
_SAMPLE = 1 << 14


class RawCodes(NamedTuple):
    """A column as integer codes into its distinct values.

    Attributes
    ----------
    codes : ndarray of int of shape (n_rows,)
        Index into ``uniques`` (or the value itself when ``uniques`` is None);
        -1 for a missing value.
    uniques : pandas.Index or None
        The distinct values. None: the codes are small non-negative integers
        standing for themselves (levels ``0 .. size - 1``).
    size : int
        ``len(uniques)``, or one more than the largest code when
        ``uniques`` is None.
    has_missing : bool
        Whether any code is -1.
    """

    codes: np.ndarray
    uniques: "pd.Index | None"
    size: int
    has_missing: bool


# (module prefix of the type, function) pairs, tried in order.
_ROUTES: list[tuple[str, Callable]] = []


def register_codes(module_prefix, route):
    """Register ``route(values) -> RawCodes or None`` for types of a module.

    ``route`` is tried for values whose type lives in a module starting with
    ``module_prefix``; returning None hands the values to the generic route.
    """
    _ROUTES.append((module_prefix, route))


def native_codes(values):
    """Return the :class:`RawCodes` of a 1-D column.

    Parameters
    ----------
    values : array-like of shape (n_rows,)
        A numpy array, pandas Series, Index or Categorical, polars Series,
        pyarrow Array or ChunkedArray, or anything :func:`numpy.asarray` takes.

    Returns
    -------
    raw : RawCodes
    """
    module = type(values).__module__
    for prefix, route in _ROUTES:
        if module.startswith(prefix):
            raw = route(values)
            if raw is not None:
                return raw
    return _numpy_codes(np.asarray(values))


# ---------------------------------------------------------------------- #
# numpy and pandas
# ---------------------------------------------------------------------- #
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _range_codes(arr):
    """Small non-negative integers as their own codes, else None.

    One pass: seen as unsigned, a negative value is larger than any limit,
    so the maximum alone checks both ends of the range.
    """
    if arr.dtype.kind not in "iu" or arr.size == 0:
        return None
    unsigned = arr.view(_UNSIGNED[arr.dtype.itemsize]) if arr.dtype.kind == "i" else arr
    vmax = int(unsigned.max())
    if vmax >= RANGE_SLACK * arr.size + RANGE_MIN:
        return None
    return RawCodes(arr, None, vmax + 1, False)


def _int_codes(arr):
    """Integers without missing values by a route of their own, else None."""
    fast = _range_codes(arr)
    return fast if fast is not None else _sorted_int_codes(arr)


def _sorted_int_codes(arr):
    """Many distinct integers in no order: codes in sorted order of the values.

    Each value (less the smallest) is packed with its row number into one
    64-bit key and the keys are sorted (:func:`~.keys.packed_sort`); a value's
    code is then the number of smaller distinct values
    (:func:`~.keys.number_sorted`). On a million random ids that is faster
    than hashing them, and the codes come out in the order the levels are
    kept in (no second pass to renumber the rows, no sort of the levels). Returns None (hash instead)
    for short columns, values and row numbers that need more than 64 bits
    together, and columns a sample shows to have few distinct values or to be
    sorted or clustered (a hash table is fastest there: its lookups repeat).
    """
    n = arr.size
    if (
        arr.dtype.kind not in "iu"
        or n < max(SORT_MIN, 2 * _SORT_SAMPLE)
        or not _scattered_ids(arr)
    ):
        return None
    low, high = int(arr.min()), int(arr.max())
    packed = packed_sort(arr, high - low + 1, offset=low)
    if packed is None:  # values and row numbers need more than 64 bits
        return None
    codes, uniques = number_sorted(*packed)
    uniques += np.uint64(low % (1 << 64))  # modulo 2**64, as packed_sort subtracts
    uniques = pd.Index(uniques.astype(arr.dtype), copy=False)
    return RawCodes(codes, uniques, len(uniques), False)


def _scattered_ids(arr):
    """Whether a sample of ``arr`` looks like many distinct values in no order.

    A strided sample: at least 90% of it distinct (on a uniform column, some
    300,000 distinct values or more), not sorted either way, and its rows
    rarely equal to the next row (values in runs hash fast).
    """
    step = arr.size // _SORT_SAMPLE
    stop = step * _SORT_SAMPLE
    sample = arr[:stop:step]
    if np.count_nonzero(sample == arr[1:stop:step]) > _SORT_SAMPLE // 4:  # step >= 2
        return False
    ordered = np.sort(sample)
    if np.array_equal(ordered, sample) or np.array_equal(ordered[::-1], sample):
        return False  # sorted either way
    distinct = 1 + np.count_nonzero(ordered[1:] != ordered[:-1])
    return bool(distinct >= 0.9 * _SORT_SAMPLE)


def _from_uniques(codes, uniques):
    """RawCodes from factorized codes; NaN-like uniques count as missing."""
    uniques = pd.Index(uniques)
    missing = np.asarray(pd.isna(uniques))
    if missing.any():
        table = np.where(missing, -1, np.cumsum(~missing) - 1)
        codes = np.append(table, -1)[codes]
        uniques = uniques[~missing]
    has_missing = bool(codes.size) and int(codes.min()) < 0
    return RawCodes(codes, uniques, len(uniques), has_missing)


def _numpy_codes(arr):
    if arr.ndim != 1:
        raise ValueError(f"A key column must be 1-D; got shape {arr.shape}.")
    if not arr.dtype.isnative:  # e.g. big-endian data read from a file
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if arr.dtype.kind == "b":
        return RawCodes(arr.view(np.uint8), pd.Index([False, True]), 2, False)
    fast = _int_codes(arr)
    if fast is not None:
        return fast
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    return _from_uniques(codes, uniques)


def _pandas_codes(values):
    if isinstance(values, pd.Index):
        values = pd.Series(values, copy=False)
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cat = values.array if isinstance(values, pd.Series) else values
        codes = np.asarray(cat.codes)
        has_missing = bool(codes.size) and int(codes.min()) < 0
        return RawCodes(codes, cat.categories, len(cat.categories), has_missing)
    if isinstance(dtype, np.dtype):
        return _numpy_codes(values.to_numpy())
    array = values.array if isinstance(values, pd.Series) else values
    if hasattr(array, "__arrow_array__") and _pyarrow() is not None:
        return _arrow_codes(array.__arrow_array__())
    # Other extension arrays (masked integers and booleans, ...): their own
    # factorize is native.
    codes, uniques = pd.factorize(array, use_na_sentinel=True)
    return _from_uniques(np.asarray(codes), uniques)


def _pyarrow():
    try:
        import pyarrow
    except ImportError:  # pragma: no cover - pyarrow is installed with pandas 3
        return None
    return pyarrow


# ---------------------------------------------------------------------- #
# pyarrow
# ---------------------------------------------------------------------- #
def _arrow_codes(array):
    """Dictionary encoding of an arrow Array or ChunkedArray."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.Array):
        array = pa.chunked_array([array], type=array.type)
    if array.null_count == 0 and pa.types.is_integer(array.type):
        fast = _int_codes(_arrow_to_numpy(array))
        if fast is not None:
            return fast
    if pa.types.is_dictionary(array.type):
        if array.num_chunks > 1:
            array = array.unify_dictionaries()
    else:
        array = pc.dictionary_encode(array)  # one dictionary for all chunks
    if array.num_chunks == 0:
        return RawCodes(np.zeros(0, dtype=np.int32), pd.Index([]), 0, False)
    dictionary = array.chunk(array.num_chunks - 1).dictionary
    indices = pa.chunked_array([c.indices for c in array.chunks])
    has_missing = indices.null_count > 0
    if has_missing:
        indices = pc.fill_null(indices, -1)
    codes = _arrow_to_numpy(indices)
    if len(dictionary) > POLARS_MIN and (
        pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)
    ):
        # Many strings stay in arrow (no Python objects): sorted in arrow later.
        uniques = pd.Index(pd.arrays.ArrowExtensionArray(dictionary))
    else:
        uniques = pd.Index(dictionary.to_pandas(), tupleize_cols=False)
    raw = _from_uniques(codes, uniques)
    return raw._replace(has_missing=raw.has_missing or has_missing)


def _arrow_to_numpy(chunked):
    if chunked.num_chunks == 1:
        return chunked.chunk(0).to_numpy(zero_copy_only=False)
    return chunked.to_numpy()


def _pyarrow_route(values):
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return _arrow_codes(values)
    return None


# ---------------------------------------------------------------------- #
# polars
# ---------------------------------------------------------------------- #
def _polars_route(values):
    import polars as pl

    if isinstance(values, pl.DataFrame):
        return None
    if not isinstance(values, pl.Series):
        return None
    dtype = values.dtype
    if dtype == pl.String:
        # Many distinct strings (ids): arrow's dictionary encoding, faster than
        # a cast to Categorical there and free of polars' process-wide string
        # cache. Few (categories): the cast, faster there.
        if len(values) > _SAMPLE and values.head(_SAMPLE).n_unique() > POLARS_MIN:
            return _arrow_codes(values.to_arrow())
        values = values.cast(pl.Categorical)
        dtype = values.dtype
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        physical = values.to_physical()
        has_missing = physical.null_count() > 0
        if has_missing:
            physical = (
                physical.fill_null(-1)
                if physical.dtype.is_signed_integer()
                else physical.cast(pl.Int64).fill_null(-1)
            )
        codes = physical.to_numpy()
        if isinstance(dtype, pl.Enum):
            uniques = pd.Index(dtype.categories.to_list(), dtype=object)
            return RawCodes(codes, uniques, len(uniques), has_missing)
        # Categorical codes index a mapping that may be global (shared by
        # every Categorical of the process). Only the codes that occur are
        # decoded (and renumbered when some below the largest do not occur),
        # so no cost depends on other columns; a few codes are taken as
        # they are.
        top = int(codes.max()) if codes.size else -1
        if top < POLARS_MIN:
            present = np.arange(top + 1)
        else:
            valid = codes[codes >= 0] if has_missing else codes
            present = np.flatnonzero(np.bincount(valid))
            if present.size <= top:
                table = np.full(top + 2, -1, dtype=np.int64)
                table[present] = np.arange(present.size)
                codes = table[codes]
        if not hasattr(values.cat, "to"):  # polars < 1.43: arrow's dictionary
            return _arrow_codes(values.to_arrow())
        if present.size > POLARS_MIN:  # many: decoded in arrow, no Python strings
            names = pl.Series(present.astype(np.uint32)).cat.to(dtype).cast(pl.String)
            uniques = pd.Index(pd.arrays.ArrowExtensionArray(names.to_arrow()))
        else:
            names = (
                pl.Series(present.astype(np.uint32)).cat.to(dtype).to_list()
                if present.size
                else []
            )
            uniques = pd.Index(names, dtype=object)
        return RawCodes(codes, uniques, present.size, has_missing)
    if values.null_count() == 0 and dtype.is_integer():
        fast = _int_codes(values.to_numpy())
        if fast is not None:
            return fast
    return _arrow_codes(values.to_arrow())


register_codes("pandas", _pandas_codes)
register_codes("pyarrow", _pyarrow_route)
register_codes("polars", _polars_route)
