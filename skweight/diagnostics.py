"""Diagnostics for weights: what a weighting did, and what it costs.

:func:`balance_report` tabulates any weights by stratum x group x label cell:
the shares before and after weighting, how far the weighted shares are from
balance, and the Kish effective sample size per stratum and overall.
:func:`weighter_report` does the same for a fitted weighter from its
``weight_table_`` alone; :class:`ChunkedBalanceReport` counts rows that come
in chunks, in one pass. :func:`plot_balance` draws a report.
:func:`weight_warnings` lists what a fitted weighter's weights are warned for
(:class:`skweight.exceptions.WeightingWarning`). The code lives in
:mod:`skweight.evaluation` and :mod:`skweight.weighting.health`.
"""

from .evaluation.plotting import plot_balance
from .evaluation.report import (
    ChunkedBalanceReport,
    balance_report,
    effective_sample_size,
    weighter_report,
)
from .weighting.health import weight_warnings

__all__ = [
    "ChunkedBalanceReport",
    "balance_report",
    "effective_sample_size",
    "plot_balance",
    "weight_warnings",
    "weighter_report",
]
