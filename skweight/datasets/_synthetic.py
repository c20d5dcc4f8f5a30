"""A synthetic table of product reviews with a category-dependent gender skew.

The generating process, per row:

1. a product category is drawn (categories have different sizes);
2. the reviewer's gender is drawn with a category-dependent female share
   (beauty is mostly reviewed by women, electronics mostly by men);
3. price (log-normal around a category-typical price), review length, helpful
   votes and account age are drawn;
4. the review is positive (``rating >= 4``) with a logistic probability whose
   intercept depends on the category, whose slopes depend on the reviewer's
   gender, and which rewards "audience fit": products of a category are made
   for its main audience, so reviewers of the category's minority gender are
   less often satisfied.

A model fitted on such data learns mostly the majority gender's relation in
each category and is therefore worse for the minority gender of each category,
which is what sample weighting by ``(category, gender)`` is meant to correct.
"""

from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

# name, share of female reviewers, typical price, base positive rate, size
_KNOWN_CATEGORIES = (
    ("beauty", 0.85, 25.0, 0.66, 1.0),
    ("electronics", 0.15, 150.0, 0.58, 1.3),
    ("books", 0.65, 15.0, 0.76, 1.5),
    ("garden", 0.40, 45.0, 0.70, 0.7),
    ("sports", 0.25, 60.0, 0.64, 0.9),
    ("toys", 0.60, 30.0, 0.68, 0.8),
)

# Slopes of the positive-review logit on the standardised features, by gender:
# (relative price, review length, helpful votes, account age).
_FEMALE_SLOPES = np.array([-0.8, 0.9, -0.3, 0.4])
_MALE_SLOPES = np.array([0.4, -0.7, -0.3, 0.4])

# Strength of the "audience fit" term (logit per unit of gender share).
_AUDIENCE_FIT = 2.0
_LOG_PRICE_SCALE = 0.6


def _check_params(n_samples, n_categories):
    """Raise ``ValueError`` naming the parameter if either one is invalid."""
    for name, value, low in (
        ("n_samples", n_samples, 1),
        ("n_categories", n_categories, 2),
    ):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise ValueError(
                f"The {name!r} parameter of make_product_reviews must be an int; "
                f"got {value!r} of type {type(value).__name__}."
            )
        if value < low:
            raise ValueError(
                f"The {name!r} parameter of make_product_reviews must be an int "
                f">= {low}; got {value!r}."
            )


def _category_table(n_categories):
    """Return names and per-category parameters for ``n_categories``.

    The first categories are the named ones of ``_KNOWN_CATEGORIES``; further
    ones are called ``"category_7"``, ``"category_8"``, ... and get parameters
    spread deterministically over the same ranges.
    """
    known = _KNOWN_CATEGORIES[:n_categories]
    extra = np.arange(len(known), n_categories)
    # Golden-ratio sequence: well spread in [0, 1) and the same for every n.
    spread = (extra * 0.6180339887) % 1.0
    names = [row[0] for row in known] + [f"category_{k + 1}" for k in extra]
    female_share = np.r_[[row[1] for row in known], 0.2 + 0.6 * spread]
    price = np.r_[[row[2] for row in known], 10.0 * np.exp(3.0 * spread)]
    positive_rate = np.r_[[row[3] for row in known], 0.58 + 0.18 * spread[::-1]]
    size = np.r_[[row[4] for row in known], 0.6 + 0.8 * spread]
    return names, female_share, price, positive_rate, size / size.sum()


def _standardise(values):
    return (values - values.mean()) / max(values.std(), np.finfo(float).eps)


def make_product_reviews(
    n_samples: int = 5000, *, n_categories: int = 6, random_state: Any = None
) -> pd.DataFrame:
    """Generate product reviews whose gender mix differs by category.

    Each row is one review. The reviewer's gender is strongly skewed by product
    category (about 85% of beauty reviews and 15% of electronics reviews are
    written by women) and the binary label ``rating`` (1: positive review,
    i.e. ``rating >= 4`` stars) depends on the features differently for each
    gender. The positive rate also differs by category. A classifier fitted on
    this data is, in each category, worse for the category's minority gender,
    which makes the data set a test bed for weighting by ``(category,
    gender)``.

    Parameters
    ----------
    n_samples : int, default=5000
        Number of reviews (rows). Must be at least 1.

    n_categories : int, default=6
        Number of product categories. Must be at least 2. The first six are
        ``"beauty"``, ``"electronics"``, ``"books"``, ``"garden"``,
        ``"sports"`` and ``"toys"``; further ones are named ``"category_7"``,
        ``"category_8"``, ...

    random_state : int, RandomState instance or None, default=None
        Determines random number generation. Pass an int for reproducible
        output across multiple function calls.

    Returns
    -------
    reviews : pandas.DataFrame of shape (n_samples, 7)
        The reviews, with columns:

        - ``category``: Categorical, the product category;
        - ``gender``: Categorical with categories ``["female", "male"]``;
        - ``price``: float64, price of the product;
        - ``n_words``: float64, length of the review in words;
        - ``helpful_votes``: float64, number of "helpful" votes;
        - ``account_age_years``: float64, age of the reviewer's account;
        - ``rating``: int64, 1 for a positive review (4 or 5 stars), else 0.

    See Also
    --------
    load_adult : Census income data, a real data set with a sex attribute.
    load_german_credit : Credit risk data, a real data set with a sex attribute.

    Examples
    --------
    >>> from skweight.datasets import make_product_reviews
    >>> df = make_product_reviews(1000, random_state=0)
    >>> df.shape
    (1000, 7)
    >>> list(df.columns)
    ['category', 'gender', 'price', 'n_words', 'helpful_votes',
     'account_age_years', 'rating']
    >>> list(df["category"].cat.categories)
    ['beauty', 'electronics', 'books', 'garden', 'sports', 'toys']
    """
    _check_params(n_samples, n_categories)
    rng = check_random_state(random_state)
    names, female_share, price, positive_rate, size = _category_table(n_categories)

    category = rng.choice(n_categories, size=n_samples, p=size)
    is_female = rng.random_sample(n_samples) < female_share[category]

    # Features.
    relative_log_price = rng.normal(0.0, _LOG_PRICE_SCALE, n_samples)
    price_values = np.round(price[category] * np.exp(relative_log_price), 2)
    n_words = 5.0 + np.floor(rng.gamma(2.0, 30.0, n_samples))
    log_words = np.log(n_words)
    helpful_votes = rng.poisson(np.exp(-0.5 + 0.8 * _standardise(log_words)))
    helpful_votes = helpful_votes.astype(np.float64)
    account_age = np.round(rng.gamma(2.0, 1.5, n_samples), 2)

    # Label.
    features = np.column_stack(
        [
            relative_log_price / _LOG_PRICE_SCALE,
            _standardise(log_words),
            _standardise(np.log1p(helpful_votes)),
            _standardise(account_age),
        ]
    )
    slopes = np.where(is_female[:, np.newaxis], _FEMALE_SLOPES, _MALE_SLOPES)
    own_share = np.where(is_female, female_share[category], 1 - female_share[category])
    base = positive_rate[category]
    logit = (
        np.log(base / (1 - base))
        + _AUDIENCE_FIT * (own_share - 0.5)
        + np.einsum("ij,ij->i", features, slopes)
    )
    rating = (rng.random_sample(n_samples) < 1 / (1 + np.exp(-logit))).astype(np.int64)

    return pd.DataFrame(
        {
            "category": pd.Categorical.from_codes(category, categories=names),
            "gender": pd.Categorical.from_codes(
                (~is_female).astype(np.int8), categories=["female", "male"]
            ),
            "price": price_values,
            "n_words": n_words,
            "helpful_votes": helpful_votes,
            "account_age_years": account_age,
            "rating": rating,
        }
    )
