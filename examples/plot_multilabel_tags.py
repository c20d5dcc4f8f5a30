"""
Weights for a 29-tag multi-label classifier
===========================================

A classifier predicts 29 tags per document, and a few tags are on most documents while
many are on very few. Two kinds of weights are in use: a weight per *tag* from the
tags' positive counts (INS, ISNS, ENS: inverse, inverse square root and effective
number of samples, Cui et al. 2019), passed as ``BCEWithLogitsLoss(weight=...)``; and
``pos_weight``, the negatives over positives of each tag. This example computes both
from the 0/1 tag matrix, turns the tag weights into one weight per row, and compares
what each does for the rare tags.
"""

# %%
# Long-tailed tags
# ----------------
# Documents of 40 features; tag ``k`` is on a share of them that falls from 30% to
# 0.3%, and each tag moves the features along a direction of its own (plus noise), so
# that every tag can be learned from the features.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter

n_tags, n_docs = 29, 12_000
rng = np.random.default_rng(0)
prevalence = np.geomspace(0.3, 0.003, n_tags)
Y = (rng.random((n_docs, n_tags)) < prevalence).astype(int)
X = Y @ rng.normal(size=(n_tags, 40)) + rng.normal(scale=3.0, size=(n_docs, 40))
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.5, random_state=0)
positives = Y_train.sum(axis=0)
print("positives per tag:", positives.tolist())

# %%
# Tag weights and ``pos_weight`` from the indicator matrix
# --------------------------------------------------------
# Fitting a weighter on the 0/1 matrix gives both: ``tag_weights_`` (the scheme applied
# to the tags' positive counts, summing to the number of tags) and ``pos_weight_``.
schemes = {
    "INS (inverse)": GroupBalancedWeighter(scheme="inverse"),
    "ISNS (sqrt inverse)": GroupBalancedWeighter(scheme="sqrt_inverse"),
    "ENS (beta=0.999)": EffectiveNumberWeighter(beta=0.999),
}
weights = pd.DataFrame(
    {name: w.fit(None, Y_train).tag_weights_ for name, w in schemes.items()},
)
weights.insert(0, "positives", positives)
weights["pos_weight"] = schemes["INS (inverse)"].pos_weight_
print(weights.iloc[[0, 1, 2, 10, 20, 26, 27, 28]].round(3))

# %%
# The weights against the tags' positive counts: INS falls as ``1 / n``, ISNS as
# ``1 / sqrt(n)``; ENS follows INS for small counts and flattens for large ones.
fig, ax = plt.subplots(figsize=(7, 4))
for name in schemes:
    ax.loglog(weights["positives"], weights[name], "o", label=name)
ax.set_xlabel("positives of the tag (training set)")
ax.set_ylabel("tag weight (sum = number of tags)")
ax.legend()
plt.tight_layout()
plt.show()

# %%
# One weight per row, and the rare tags' F1
# -----------------------------------------
# A per-tag logistic regression stands in for the network's 29 sigmoid outputs. Five
# trainings: no weights; ``pos_weight`` (each tag's positives weighted by it, as
# ``BCEWithLogitsLoss(pos_weight=...)`` does) and its square root, a softened form;
# and the tag weights reduced to one weight per row, the mean or the largest INS
# weight of the row's positive tags
# (:meth:`~skweight.GroupBalancedWeighter.tag_row_weights`). The tag weights as
# per-tag loss weights are left out: with independent outputs they scale each tag's
# loss and leave its fit unchanged (a network's shared layers feel them).
ins = schemes["INS (inverse)"]


def fit_predict(sample_weight_of_tag):
    predictions = np.zeros_like(Y_test)
    for k in range(n_tags):
        model = LogisticRegression(max_iter=500)
        model.fit(X_train, Y_train[:, k], sample_weight=sample_weight_of_tag(k))
        predictions[:, k] = model.predict(X_test)
    return predictions


def positives_times(factor):
    return lambda k: np.where(Y_train[:, k] == 1, factor[k], 1.0)


results = {
    "no weights": fit_predict(lambda k: None),
    "pos_weight": fit_predict(positives_times(ins.pos_weight_)),
    "pos_weight ** 0.5": fit_predict(positives_times(ins.pos_weight_**0.5)),
    "row weights, mean INS": fit_predict(lambda k: ins.tag_row_weights(Y_train)),
    "row weights, max INS": fit_predict(
        lambda k: ins.tag_row_weights(Y_train, reduce="max")
    ),
}
rare = np.argsort(positives)[:10]
summary = pd.DataFrame(
    {
        name: {
            "F1, all tags": f1_score(Y_test, p, average="macro", zero_division=0),
            "F1, 10 rarest": f1_score(
                Y_test[:, rare], p[:, rare], average="macro", zero_division=0
            ),
            "predicted / true positives, 10 rarest": p[:, rare].sum()
            / Y_test[:, rare].sum(),
        }
        for name, p in results.items()
    }
).T
print(summary.round(3).to_string())

# %%
# (F1 is the macro average over tags.) Reading the table: without weights the model predicts too few of the rare tags'
# positives; full ``pos_weight`` balances each tag's positives and negatives, and
# predicts far too many (its precision falls with them). Its square root and the row
# weights sit in between and, on this data, give the rare tags the best F1. Which one
# wins depends on the model and on how rare the tags are, so treat the exponent and
# the reduction as hyperparameters. In PyTorch they are one line each:
# ``skweight.torch.pos_weight_tensor(weighter) ** 0.5`` for the loss,
# ``weighter.tag_row_weights(Y)`` for the rows (or ``EpochResampler("weights")`` on the
# indicator matrix, which draws rows with rare tags more often in every epoch).
ax = summary[["F1, all tags", "F1, 10 rarest"]].plot.barh(figsize=(7, 4))
ax.set_xlabel("macro F1 (test set)")
plt.tight_layout()
plt.show()
