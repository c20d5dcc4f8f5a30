"""
Class weights, one under-sample, or a fresh under-sample every epoch
====================================================================

A model trained by epochs (here a linear model trained by stochastic gradient descent,
as a network would be) on a skewed label can be corrected three ways: weigh the rows,
drop majority rows once, or draw a new balanced subset every epoch
(:class:`~skweight.EpochResampler`), so that the dropped rows come back in later
epochs. This example compares them on the UCI Adult census data, with the rich
class made rarer (about 3% of the training rows: one in ten of them kept).
"""

# %%
# The data
# --------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skweight import EpochResampler, GroupBalancedWeighter
from skweight.datasets import load_adult

train, test = load_adult("train"), load_adult("test")
rich = (train["income"] == ">50K").to_numpy()
keep = ~rich | (np.random.default_rng(0).random(len(train)) < 0.1)
train = train[keep].reset_index(drop=True)
y_train = (train["income"] == ">50K").to_numpy().astype(int)
y_test = (test["income"] == ">50K").to_numpy().astype(int)

features = make_column_transformer(
    (
        StandardScaler(),
        ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"],
    ),
    (
        OneHotEncoder(handle_unknown="ignore"),
        ["workclass", "marital_status", "occupation", "relationship", "sex"],
    ),
)
X_train = features.fit_transform(train)
X_test = features.transform(test)
print(
    f"{len(y_train)} training rows, {y_train.mean():.1%} rich; "
    f"{len(y_test)} test rows, {y_test.mean():.1%} rich"
)

# %%
# Four ways to train for 32 epochs
# --------------------------------
# Each epoch is one pass of ``partial_fit`` over that epoch's rows.
n_epochs = 32
weights = GroupBalancedWeighter().fit_weight(None, y_train)
resampler = EpochResampler("under", random_state=0).fit(None, y_train)
once = resampler.epoch_indices(0)


def epochs(name):
    """The rows and weights of each epoch, for each way."""
    for epoch in range(n_epochs):
        if name == "no correction":
            yield np.arange(len(y_train)), None
        elif name == "class weights":
            yield np.arange(len(y_train)), weights
        elif name == "one under-sample":
            yield once, None
        else:  # a fresh under-sample every epoch
            yield resampler.epoch_indices(epoch), None


history = []
for name in ["no correction", "class weights", "one under-sample", "fresh every epoch"]:
    model = SGDClassifier(loss="log_loss", alpha=1e-4, average=True, random_state=0)
    seen = np.zeros(len(y_train), dtype=bool)
    for epoch, (rows, w) in enumerate(epochs(name)):
        order = np.random.default_rng(epoch).permutation(rows)
        model.partial_fit(
            X_train[order],
            y_train[order],
            classes=[0, 1],
            sample_weight=None if w is None else w[order],
        )
        seen[rows] = True
        history.append(
            {
                "method": name,
                "epoch": epoch + 1,
                "balanced accuracy": balanced_accuracy_score(y_test, model.predict(X_test)),
                "ROC AUC": roc_auc_score(y_test, model.decision_function(X_test)),
                "majority rows used": seen[y_train == 0].mean(),
            }
        )
history = pd.DataFrame(history)
print(
    history[history["epoch"] == n_epochs]
    .set_index("method")
    .drop(columns="epoch")
    .round(3)
    .to_string()
)

# %%
# One under-sample trains on the same 3% of the majority every epoch; a fresh one
# draws other majority rows every epoch, and a cycle of the rotation visits every row
# once (here in 31 epochs), so the model learns from all of them while each epoch
# stays small and balanced: sixteen times fewer rows per epoch than with class
# weights, which use every row every epoch. (Rankings and balanced accuracies here
# differ in the second or third decimal; a model with more capacity than a linear
# one loses more by seeing fewer majority rows.)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for name, rows in history.groupby("method", sort=False):
    axes[0].plot(rows["epoch"], rows["ROC AUC"], label=name)
    axes[1].plot(rows["epoch"], rows["majority rows used"], label=name)
axes[0].set_ylabel("test ROC AUC")
axes[1].set_ylabel("share of the majority rows used so far")
for ax in axes:
    ax.set_xlabel("epoch")
axes[1].legend()
plt.tight_layout()
plt.show()
