"""Class priors for logit adjustment, Balanced Softmax and LDAM margins.

From any fitted weighter: the class shares (:func:`class_priors`, also per
group), their scaled logarithms (:func:`logit_adjustment`), LDAM margins
(:func:`ldam_margins`), and :class:`LogitAdjustedClassifier`, which adjusts
a scikit-learn classifier's predictions post hoc. The losses that use them
during training are in :mod:`skweight.torch`. The code lives in
:mod:`skweight.weighting.priors` and :mod:`skweight.compose.logit_adjusted`.
"""

from .compose.logit_adjusted import LogitAdjustedClassifier
from .weighting.priors import class_priors, ldam_margins, logit_adjustment

__all__ = ["LogitAdjustedClassifier", "class_priors", "ldam_margins", "logit_adjustment"]
