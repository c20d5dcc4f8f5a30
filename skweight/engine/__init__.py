"""The counting engine: columns -> codes -> cells -> counts.

The lowest layer of skweight. It imports no estimator and no backend (its
backend protocol describes what they exchange):

- :mod:`.frames`: the dataframe boundary (key columns of any frame, rows back
  in the caller's type);
- :mod:`.codes`: integer codes of one column by its native route;
- :mod:`.encode`: learned, grow-only levels of one column;
- :mod:`.labels`: the target, checked once;
- :mod:`.reading`: one call's key columns, label and weights, for a mode;
- :mod:`.cells`: the cell counter and its named :class:`~.cells.CellSpec`;
- :mod:`.modes`: the balance modes, one row each;
- :mod:`.backends`: the registry through which dask and lazy frames are
  handed to their backends.
"""
