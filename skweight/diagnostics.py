"""Diagnostics for weights: what a weighting did, and what it costs.

:func:`balance_report` tabulates any weights by stratum x group x label cell:
the shares before and after weighting, how far the weighted shares are from
balance, and the Kish effective sample size per stratum and overall.
:func:`weighter_report` does the same for a fitted weighter from its
``weight_table_`` alone. :func:`plot_balance` draws a report. The code lives
in :mod:`skweight.evaluation`.
"""

from .evaluation.plotting import plot_balance
from .evaluation.report import balance_report, effective_sample_size, weighter_report

__all__ = [
    "balance_report",
    "effective_sample_size",
    "plot_balance",
    "weighter_report",
]
