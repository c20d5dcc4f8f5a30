"""Evaluation: balance reports, plots, group scorers and fairness metrics.

A face over the weighting layer; its public paths are
:mod:`skweight.diagnostics` and :mod:`skweight.metrics`.
"""
