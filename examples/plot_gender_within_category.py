"""
Balance gender within each product category
===========================================

A product-rating model is trained on reviews whose gender mix differs by category:
beauty is reviewed mostly by women, electronics mostly by men. The goal is to give
both genders the same weight *inside each category* without changing how much weight
each category carries, then to see what that does for each category's minority
gender.
"""

# %%
# The data: generated product reviews
# -----------------------------------
# :func:`skweight.datasets.make_product_reviews` generates reviews whose gender mix
# and rating behaviour differ by category (as real review data do).
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skweight import GroupBalancedWeighter
from skweight.datasets import make_product_reviews
from skweight.diagnostics import effective_sample_size, plot_balance

reviews = make_product_reviews(n_samples=30_000, random_state=0)
train, test = train_test_split(reviews, test_size=0.5, random_state=0)
X_train, y_train = train.drop(columns="rating"), train["rating"]
X_test, y_test = test.drop(columns="rating"), test["rating"]
print(pd.crosstab(train["category"], train["gender"], normalize="index").round(2))

# %%
# Weights: gender a group, the category a stratum
# -----------------------------------------------
weighter = GroupBalancedWeighter(groups="gender", strata="category")
w = weighter.fit_weight(X_train, y_train)

shares = pd.DataFrame(
    {
        "female before": (X_train["gender"] == "female")
        .groupby(X_train["category"])
        .mean(),
        "female after": pd.Series(w * (X_train["gender"] == "female").to_numpy())
        .groupby(X_train["category"].to_numpy())
        .sum()
        / pd.Series(w).groupby(X_train["category"].to_numpy()).sum(),
        "category weight / rows": pd.Series(w).groupby(X_train["category"].to_numpy()).sum()
        / X_train["category"].value_counts(),
    }
)
print(shares.round(3))
print(f"effective sample size: {effective_sample_size(w) / len(w):.0%} of the rows")

# %%
# The balance report, drawn: each category's gender shares before and after, and the
# weights.
figure = plot_balance(weighter.balance_report(), sample_weight=w)
plt.show()

# %%
# What it changes for the model
# -----------------------------
# The same logistic regression, with and without the weights, scored for each
# category's minority gender (the gender with fewer reviews in that category).
numeric = ["price", "n_words", "helpful_votes", "account_age_years"]


def model():
    features = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["category"]),
        (StandardScaler(), numeric),
    )
    return make_pipeline(features, LogisticRegression(max_iter=1000))


plain = model().fit(X_train, y_train)
weighted = model().fit(X_train, y_train, logisticregression__sample_weight=w)

minority = (
    X_train.groupby("category")["gender"].agg(lambda g: g.value_counts().idxmin()).to_dict()
)
rows = []
for category, gender in minority.items():
    mask = ((X_test["category"] == category) & (X_test["gender"] == gender)).to_numpy()
    rows.append(
        {
            "category": category,
            "minority gender": gender,
            "test rows": int(mask.sum()),
            "accuracy, plain": np.mean(plain.predict(X_test[mask]) == y_test[mask]),
            "accuracy, weighted": np.mean(weighted.predict(X_test[mask]) == y_test[mask]),
        }
    )
table = pd.DataFrame(rows).set_index("category")
print(table.round(3))

# %%
# Each category keeps its weight (the third column above is 1), both genders weigh the
# same inside it, and the model no longer fits one gender's behaviour at the other's
# expense where that gender is rare.
ax = table[["accuracy, plain", "accuracy, weighted"]].plot.barh(figsize=(7, 4))
ax.set_xlabel("accuracy on the category's minority gender (test set)")
ax.set_xlim(0, 1)
plt.tight_layout()
plt.show()
