"""
Log-inverse class weights for a Keras model
===========================================

A Keras user wants class weights that correct a skewed label less than plain inverse
frequency does: the log of the inverse share, ``log(N / n)``. skweight has it by name
(``scheme="log_inverse_share"``), beside the smoother ``log(1 + N / n)``
(``"log_inverse"``), the square root and the inverse; ``class_weight_dict`` turns any
of them into the dict ``model.fit(class_weight=...)`` takes. This example shows how
far apart the schemes are and what each does to a classifier.
"""

# %%
# A label with a 90% majority
# ---------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from skweight import GroupBalancedWeighter

shares = [0.9, 0.05, 0.03, 0.015, 0.005]
X, y = make_classification(
    n_samples=30_000,
    n_features=20,
    n_informative=8,
    n_classes=len(shares),
    weights=shares,
    class_sep=0.8,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)
print(pd.Series(y_train).value_counts(normalize=True).sort_index().round(3).to_dict())

# %%
# The class weights of each scheme
# --------------------------------
# One weight per class, scaled so that the weights of the training rows average 1:
# ``weight_table_`` holds them. With Keras installed,
# ``skweight.keras.class_weight_dict(weighter)`` returns them as the dict
# ``model.fit(class_weight=...)`` takes (keys: the integer labels).


def class_weights(scheme):
    table = GroupBalancedWeighter(scheme=scheme).fit(None, y_train).weight_table_
    return dict(zip(table["label"], table["factor"]))


schemes = ["inverse", "sqrt_inverse", "log_inverse_share", "log_inverse"]
weights = pd.DataFrame({scheme: class_weights(scheme) for scheme in schemes})
weights.index.name = "class"
weights.insert(0, "share", pd.Series(y_train).value_counts(normalize=True).sort_index())
print(weights.round(3))
ratio = weights.iloc[-1, 1:] / weights.iloc[0, 1:]
print("rarest class over the majority:", ratio.round(1).to_dict())

# %%
# With a 90% majority the rarest class (0.7% of the rows) weighs about 140 times the
# majority's with the inverse, 12 times with the square root, 45 times with
# ``log(N / n)`` and 7 times with ``log(1 + N / n)``, which stays near 1 for a large
# class (the two log forms
# differ most there: ``log(N / n)`` of the majority is ``log(1 / 0.9)``, close to 0).
fig, ax = plt.subplots(figsize=(7, 4))
for scheme in schemes:
    ax.loglog(weights["share"], weights[scheme], "o-", label=scheme)
ax.set_xlabel("class share of the training rows")
ax.set_ylabel("class weight (rows average 1)")
ax.legend()
plt.tight_layout()
plt.show()

# %%
# What each does to a classifier
# ------------------------------
# The same dicts as scikit-learn's ``class_weight`` for a logistic regression (Keras
# applies them the same way, to each row's loss).
rows = {}
for scheme in ["none", *schemes]:
    class_weight = None if scheme == "none" else weights[scheme].to_dict()
    model = LogisticRegression(max_iter=2000, class_weight=class_weight)
    predicted = model.fit(X_train, y_train).predict(X_test)
    rows[scheme] = {
        "balanced accuracy": balanced_accuracy_score(y_test, predicted),
        "macro F1": f1_score(y_test, predicted, average="macro"),
        "recall, rarest class": np.mean(predicted[y_test == 4] == 4),
        "recall, majority": np.mean(predicted[y_test == 0] == 0),
    }
scores = pd.DataFrame(rows).T
print(scores.round(3).to_string())

# %%
# The inverse buys the rare classes' recall with the majority's; the log forms trade
# less of one for the other. Pick the scheme by the metric that matters (a grid search
# over ``scheme`` is on the :doc:`grid search page </user_guide/grid_search>`), then
# pass ``class_weight_dict(weighter)`` to Keras' ``model.fit``.
ax = scores[["balanced accuracy", "macro F1"]].plot.barh(figsize=(7, 3.5))
ax.set_xlim(0, 1)
plt.tight_layout()
plt.show()
