"""Integer codes for the values of one key column (a label, group or stratum).

A :class:`_LevelEncoder` learns the distinct values ("levels") of one column and
turns values into integer codes, once per column and in one vectorised pass:

- pandas Categoricals use their own codes (remapped through a table the size of
  the categories when the learned levels differ);
- small non-negative integers are their own codes (no hashing at all);
- anything else goes through :func:`pandas.factorize`, and the few distinct
  values found are matched against the learned levels.

Levels only ever grow, so codes learned on one chunk stay valid for the next:
this is what lets ``partial_fit`` merge count tables exactly.
"""

import numpy as np
import pandas as pd

MISSING = -1
UNKNOWN = -2

# Integers up to this many times the number of rows (plus a constant) are used
# directly as codes; sparser integers are hashed like any other value.
_RANGE_SLACK = 2
_RANGE_MIN = 1 << 16


def _as_1d(values):
    """Return ``values`` as a 1-D numpy array, Series or Categorical, uncopied."""
    if isinstance(values, (pd.Series, pd.Categorical)):
        return values
    if isinstance(values, pd.Index):
        return pd.Series(values, copy=False)
    return np.asarray(values)


def _categorical_parts(values):
    """Return ``(codes, categories)`` if ``values`` is categorical, else None."""
    if isinstance(values, pd.Categorical):
        return np.asarray(values.codes), values.categories
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    return None


class _LevelEncoder:
    """Learn the levels of one column and encode values as integer codes.

    Parameters
    ----------
    name : str
        The column's name, used in error messages and tables.

    Attributes
    ----------
    levels : pandas.Index or None
        The values seen so far, in order of first appearance (for integers
        encoded directly: ``RangeIndex(max + 1)``, a level per integer).
    """

    def __init__(self, name):
        self.name = name
        self.levels = None
        self._missing_code = None

    # ------------------------------------------------------------------ #
    @property
    def n_levels(self):
        return 0 if self.levels is None else len(self.levels)

    def encode(self, values, *, learn, missing="error"):
        """Return integer codes for ``values``.

        Parameters
        ----------
        values : array-like of shape (n_samples,)
        learn : bool
            Whether unseen values become new levels (fit) or get the code
            ``UNKNOWN`` (applying a fitted table to new rows).
        missing : {"error", "category"}
            Whether missing values get the code ``MISSING`` or a level of
            their own.

        Returns
        -------
        codes : ndarray of shape (n_samples,), of an integer dtype
            Never writeable: it may share memory with ``values``.
        has_negative : bool
            Whether any code is ``MISSING`` or ``UNKNOWN``.
        """
        values = _as_1d(values)
        cat = _categorical_parts(values)
        if cat is not None:
            codes, has_neg = self._encode_categorical(*cat, learn=learn)
        else:
            arr = values.to_numpy() if isinstance(values, pd.Series) else values
            fast = self._encode_range(arr, learn=learn)
            if fast is not None:
                codes, has_neg = fast
            else:
                codes, has_neg = self._encode_factorized(arr, learn=learn)
        if has_neg and missing == "category":
            codes, has_neg = self._missing_as_level(codes, learn=learn)
        codes = codes.view()
        codes.flags.writeable = False
        return codes, has_neg

    def decode(self, codes):
        """Return the level values for ``codes`` (an index into ``levels``)."""
        return self.levels.take(codes)

    # ------------------------------------------------------------------ #
    def _is_range(self):
        return self.levels is None or (
            isinstance(self.levels, pd.RangeIndex)
            and self.levels.start == 0
            and self.levels.step == 1
        )

    def _encode_range(self, arr, *, learn):
        """Small non-negative integers: the values are their own codes."""
        if arr.dtype.kind not in "iu" or arr.size == 0 or not self._is_range():
            return None
        vmin, vmax = int(arr.min()), int(arr.max())
        limit = max(_RANGE_SLACK * arr.size + _RANGE_MIN, self.n_levels)
        if vmin < 0 or vmax >= limit:
            return None
        codes = arr.astype(np.intp, copy=False)
        if learn:
            if vmax >= self.n_levels:
                self.levels = pd.RangeIndex(vmax + 1)
            return codes, False
        if vmax >= self.n_levels:
            return np.where(codes < self.n_levels, codes, UNKNOWN), True
        return codes, False

    def _map_uniques(self, uniques, *, learn):
        """Positions of ``uniques`` among the levels (UNKNOWN where absent)."""
        uniques = pd.Index(uniques)
        if self.levels is None:
            if not learn:  # pragma: no cover - fit always learns first
                return np.full(len(uniques), UNKNOWN, dtype=np.intp)
            self.levels = uniques
            return np.arange(len(uniques), dtype=np.intp)
        if self.levels.equals(uniques):
            return np.arange(len(uniques), dtype=np.intp)
        positions = self.levels.get_indexer(uniques).astype(np.intp, copy=False)
        new = positions < 0
        if new.any():
            if learn:
                start = len(self.levels)
                self.levels = self.levels.append(uniques[new])
                positions[new] = np.arange(start, start + new.sum())
            else:
                positions[new] = UNKNOWN
        return positions

    def _encode_categorical(self, raw_codes, categories, *, learn):
        mapping = self._map_uniques(categories, learn=learn)
        # Categorical codes stay in their small integer dtype: the engine's
        # ravel_multi_index reads them as they are, faster than a widened copy.
        identity = len(mapping) == 0 or (
            mapping[0] == 0 and np.array_equal(mapping, np.arange(len(mapping)))
        )
        has_neg = bool(raw_codes.size) and raw_codes.min() < 0
        if identity:
            return raw_codes, has_neg or False
        # Append MISSING so that the code -1 maps to itself.
        table = np.append(mapping, MISSING)
        codes = table[raw_codes]
        return codes, bool((mapping < 0).any()) or has_neg

    def _encode_factorized(self, arr, *, learn):
        raw_codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        raw_codes = raw_codes.astype(np.intp, copy=False)
        mapping = self._map_uniques(uniques, learn=learn)
        has_neg = bool(raw_codes.size) and raw_codes.min() < 0
        if np.array_equal(mapping, np.arange(len(mapping))):
            return raw_codes, has_neg
        table = np.append(mapping, MISSING)
        return table[raw_codes], bool((mapping < 0).any()) or has_neg

    def _missing_as_level(self, codes, *, learn):
        """Give missing values a level of their own (shown as NaN)."""
        is_missing = codes == MISSING
        if not is_missing.any():
            return codes, bool((codes < 0).any())
        if self._missing_code is None:
            if not learn:
                return codes, True
            if self._is_range():
                self.levels = pd.Index(np.arange(self.n_levels), dtype=object)
            self.levels = self.levels.append(pd.Index([np.nan], dtype=object))
            self._missing_code = len(self.levels) - 1
        codes = np.where(is_missing, self._missing_code, codes)
        return codes, bool((codes < 0).any())
