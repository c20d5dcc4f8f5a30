"""scikit-learn's shared estimator checks for every weighter."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter


@parametrize_with_checks(
    [
        GroupBalancedWeighter(),
        GroupBalancedWeighter(scheme="log_inverse", strength=0.5, max_weight=3),
        GroupBalancedWeighter(groups=0, balance="independence",
                              handle_missing="category"),
        EffectiveNumberWeighter(),
        EffectiveNumberWeighter(strata=[1], normalize="cells",
                                handle_missing="category"),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
