"""scikit-learn's shared estimator checks for every public estimator.

Weighters, the resampler and ``WeightedEstimator`` in each parameter family
the docs describe (keys read from ``X`` or not, missing keys refused or a
level, each strategy, a weighter or a resampler inside). A check that cannot
apply is declared below with its reason; none is hidden. With
``handle_missing="error"`` a weighter that reads key columns of ``X`` does not
allow NaN (``allow_nan`` is False): missing and infinite keys are refused.
scikit-learn's checks put NaN and inf in column 0, so those families read
their key from column 0; columns a weighter does not read are never looked at.
"""

import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import (
    EffectiveNumberWeighter,
    EpochResampler,
    GroupBalancedWeighter,
    WeightedEstimator,
)
from skweight.pipeline import Pipeline, make_pipeline
from skweight.priors import LogitAdjustedClassifier

# Drawing a random subset (or random copies) is not fitting on repeated rows:
# the rows an epoch draws differ, so a model fit with integer sample_weight
# and one fit on the repeated rows see other data. The weights that a
# resampler turns into rows are exact; their draw is random by design.
_RANDOM_DRAW = (
    "a resampler draws rows at random: integer sample_weight and repeated "
    "rows give other draws, hence other models (sample_weight is a "
    "frequency here only in expectation)"
)


# scikit-learn's Pipeline keeps its fitted steps in ``steps`` (its fit replaces
# each step by the fitted one, which memory caching relies on); skweight's
# Pipeline keeps that contract, so the steps change during fit.
_FITTED_STEPS = (
    "a Pipeline stores its fitted steps in `steps`, as scikit-learn's Pipeline does"
)


# Two checks of scikit-learn 1.6 (the minimum version) that 1.7 rewrote.
_OLD_SKLEARN = tuple(int(p) for p in sklearn.__version__.split(".")[:2]) < (1, 7)
_OLD_POSITIVE_ONLY = (
    "scikit-learn 1.6's check subtracts a float mean in place from the integer X it "
    "builds for estimators reading categorical keys (rewritten in 1.7)"
)
_OLD_DTYPE_OBJECT = (
    "scikit-learn 1.6's check fits on the labels {0, 4}; class_weight names the class 1, "
    "which the estimator refuses (1.7 uses other labels)"
)


def _expected_failed_checks(estimator):
    expected = {}
    if _OLD_SKLEARN:
        expected["check_positive_only_tag_during_fit"] = _OLD_POSITIVE_ONLY
        if getattr(estimator, "class_weight", None):
            expected["check_dtype_object"] = _OLD_DTYPE_OBJECT
    inner = (
        estimator.steps[0][1]
        if isinstance(estimator, Pipeline)
        else getattr(estimator, "weighter", None)
    )
    if isinstance(inner, EpochResampler):
        expected.update(
            {
                "check_sample_weight_equivalence_on_dense_data": _RANDOM_DRAW,
                "check_sample_weight_equivalence_on_sparse_data": _RANDOM_DRAW,
            }
        )
    if isinstance(estimator, Pipeline):
        expected.update(
            {
                "check_estimators_overwrite_params": _FITTED_STEPS,
                "check_dont_overwrite_parameters": _FITTED_STEPS,
            }
        )
    return expected


@parametrize_with_checks(
    [
        GroupBalancedWeighter(),
        GroupBalancedWeighter(groups=0),
        GroupBalancedWeighter(scheme="log_inverse", strength=0.5, max_weight=3),
        GroupBalancedWeighter(groups=0, balance="independence", handle_missing="category"),
        GroupBalancedWeighter(class_weight={1: 2.0}, trim_quantile=0.9),
        EffectiveNumberWeighter(),
        EffectiveNumberWeighter(strata=[0]),
        EffectiveNumberWeighter(strata=[1], normalize="cells", handle_missing="category"),
        EpochResampler(random_state=0),
        EpochResampler("over", random_state=0),
        EpochResampler("weights", random_state=0),
        EpochResampler(strata=0, random_state=0),
        WeightedEstimator(LogisticRegression()),
        WeightedEstimator(LogisticRegression(), GroupBalancedWeighter(groups=0)),
        WeightedEstimator(LogisticRegression(), EpochResampler(random_state=0)),
        LogitAdjustedClassifier(LogisticRegression()),
        make_pipeline(StandardScaler(), LogisticRegression()),
        make_pipeline(EpochResampler(random_state=0), LogisticRegression()),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
