"""Scores for weighted and group-aware model selection, and fairness metrics.

Scorers (usable as ``scoring=`` and ``refit=`` in ``GridSearchCV`` and
``cross_validate``):

- :func:`make_group_scorer`: any scikit-learn score per group, aggregated as
  the worst group, the mean over groups, or the (negated) best-worst gap;
- :func:`make_weighted_scorer`: a score weighted by a weighter fit on the
  scoring rows (the test fold's own weights);
- :func:`group_scores`: the per-group scores of a fitted model, as a Series.

Fairness metrics on predictions: :func:`selection_rates`,
:func:`disparate_impact`, :func:`statistical_parity_difference`,
:func:`equal_opportunity_difference`.
"""

from .evaluation.fairness import (
    disparate_impact,
    equal_opportunity_difference,
    selection_rates,
    statistical_parity_difference,
)
from .evaluation.scoring import group_scores, make_group_scorer, make_weighted_scorer

__all__ = [
    "disparate_impact",
    "equal_opportunity_difference",
    "group_scores",
    "make_group_scorer",
    "make_weighted_scorer",
    "selection_rates",
    "statistical_parity_difference",
]
