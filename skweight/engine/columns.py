"""Growable columns: the storage of a cell table, appended to chunk by chunk.

A :class:`GrowableColumn` holds one 1-D array with spare capacity: appending
is O(appended values) on average (the capacity doubles when it runs out). A
table counted from a first call starts its columns in buffers made by
:func:`buffer_with_room`, whose spare room (not yet touched, so not yet
memory) takes the cells of the next chunks without copying the table.
"""

import numpy as np

__all__ = ["GrowableColumn", "buffer_with_room"]


def buffer_with_room(room, dtype, n, values=None):
    """The first ``n`` entries of a new buffer of ``room`` entries, holding ``values``.

    A :class:`GrowableColumn` that starts with the returned array keeps the
    whole buffer as its storage.
    """
    out = np.empty(max(room, n), dtype=dtype)[:n]
    if values is not None:
        out[...] = values
    return out


class GrowableColumn:
    """A growable 1-D array of one dtype.

    Parameters
    ----------
    dtype : dtype

    Attributes
    ----------
    size : int
        How many values it holds.
    """

    def __init__(self, dtype):
        self._data = np.zeros(0, dtype=dtype)
        self.size = 0

    def extend(self, values):
        """Append ``values`` (the first ones are kept as they are, not copied)."""
        values = np.asarray(values)
        if self.size == 0:  # callers pass new arrays
            self._data = _storage_of(values, self._data.dtype)
            self.size = values.size
            return
        need = self.size + values.size
        if need > self._data.size:
            data = np.empty(max(need, 2 * self._data.size), dtype=self._data.dtype)
            data[: self.size] = self._data[: self.size]
            self._data = data
        self._data[self.size : need] = values
        self.size = need

    @property
    def view(self):
        """The values held (a writeable view of the storage)."""
        return self._data[: self.size]


def _storage_of(values, dtype):
    """The storage of a column whose first values are ``values``.

    The buffer that ``values`` starts (:func:`buffer_with_room`), room
    included, when it is one of ``dtype``; else ``values`` made contiguous.
    """
    base = values.base
    if (
        isinstance(base, np.ndarray)
        and base.ndim == 1
        and base.dtype == dtype == values.dtype
        and base.flags.c_contiguous
        and values.flags.c_contiguous
        and base.size >= values.size
        and base.ctypes.data == values.ctypes.data
    ):
        return base
    return np.ascontiguousarray(values, dtype=dtype)
