"""Tests for skweight.datasets: the synthetic generator and the real loaders."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from skweight.datasets import load_adult, load_german_credit, make_product_reviews

REVIEW_COLUMNS = [
    "category",
    "gender",
    "price",
    "n_words",
    "helpful_votes",
    "account_age_years",
    "rating",
]
ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income",
]
ADULT_NUMERIC = [
    "age",
    "fnlwgt",
    "education_num",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
]
GERMAN_COLUMNS = [
    "checking_status",
    "duration_months",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "employment_since",
    "installment_rate",
    "personal_status_sex",
    "other_debtors",
    "residence_since",
    "property",
    "age",
    "other_installment_plans",
    "housing",
    "existing_credits",
    "job",
    "people_liable",
    "telephone",
    "foreign_worker",
    "sex",
    "credit_risk",
]


# make_product_reviews -------------------------------------------------------


def test_product_reviews_shape_and_dtypes():
    df = make_product_reviews(500, random_state=0)
    assert df.shape == (500, 7)
    assert list(df.columns) == REVIEW_COLUMNS
    assert isinstance(df["category"].dtype, pd.CategoricalDtype)
    assert list(df["gender"].cat.categories) == ["female", "male"]
    for column in ["price", "n_words", "helpful_votes", "account_age_years"]:
        assert df[column].dtype == np.float64
    assert df["rating"].dtype == np.int64
    assert set(df["rating"].unique()) <= {0, 1}
    assert not df.isna().any().any()
    assert (df["price"] > 0).all() and (df["n_words"] > 0).all()
    assert (df["helpful_votes"] >= 0).all() and (df["account_age_years"] >= 0).all()


@pytest.mark.parametrize("n_categories", [2, 6, 9])
def test_product_reviews_category_names(n_categories):
    df = make_product_reviews(200, n_categories=n_categories, random_state=0)
    categories = list(df["category"].cat.categories)
    assert len(categories) == n_categories
    assert len(set(categories)) == n_categories
    assert categories[:2] == ["beauty", "electronics"]
    if n_categories > 6:
        assert {"books", "garden", "sports", "toys"} <= set(categories)
        assert categories[6:] == [f"category_{k}" for k in range(7, n_categories + 1)]


def test_product_reviews_deterministic():
    a = make_product_reviews(300, random_state=42)
    b = make_product_reviews(300, random_state=42)
    assert_frame_equal(a, b)
    c = make_product_reviews(300, random_state=np.random.RandomState(42))
    assert_frame_equal(a, c)
    d = make_product_reviews(300, random_state=43)
    assert not a.equals(d)


def test_product_reviews_single_row():
    assert make_product_reviews(1, random_state=0).shape == (1, 7)


def test_product_reviews_gender_share_differs_by_category():
    df = make_product_reviews(20_000, random_state=0)
    female = (df["gender"] == "female").groupby(df["category"], observed=True).mean()
    assert female["beauty"] > 0.75
    assert female["electronics"] < 0.25
    assert female.max() - female.min() > 0.5
    # Every category has both genders.
    counts = pd.crosstab(df["category"], df["gender"])
    assert (counts > 0).all().all()


def test_product_reviews_label_rate_differs_by_category():
    df = make_product_reviews(20_000, random_state=0)
    rate = df.groupby("category", observed=True)["rating"].mean()
    assert 0.2 < df["rating"].mean() < 0.8
    assert rate.max() - rate.min() > 0.03


def test_product_reviews_label_relation_differs_by_gender():
    # Review length goes with positive reviews for women, against for men.
    df = make_product_reviews(20_000, random_state=0)
    log_words = np.log(df["n_words"])
    corr = {
        gender: np.corrcoef(log_words[mask], df["rating"][mask])[0, 1]
        for gender, mask in (
            ("female", df["gender"] == "female"),
            ("male", df["gender"] == "male"),
        )
    }
    assert corr["female"] > 0.05
    assert corr["male"] < -0.05


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": -5}, "n_samples"),
        ({"n_samples": 10.0}, "n_samples"),
        ({"n_samples": True}, "n_samples"),
        ({"n_samples": "10"}, "n_samples"),
        ({"n_categories": 1}, "n_categories"),
        ({"n_categories": 3.5}, "n_categories"),
    ],
)
def test_product_reviews_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        make_product_reviews(**{"n_samples": 10, **params})


def test_product_reviews_numpy_int_params():
    df = make_product_reviews(np.int64(20), n_categories=np.int32(3), random_state=0)
    assert df.shape == (20, 7)


# load_adult -------------------------------------------------------------------


@pytest.mark.parametrize(
    "subset, n_rows", [("train", 32561), ("test", 16281), ("all", 48842)]
)
def test_load_adult_shape_and_columns(subset, n_rows):
    df = load_adult(subset)
    assert df.shape == (n_rows, 15)
    assert list(df.columns) == ADULT_COLUMNS
    for column in ADULT_NUMERIC:
        assert df[column].dtype == np.int64
    for column in set(ADULT_COLUMNS) - set(ADULT_NUMERIC):
        assert isinstance(df[column].dtype, pd.CategoricalDtype), column
    assert list(df["income"].cat.categories) == ["<=50K", ">50K"]
    assert not df["income"].isna().any()


@pytest.mark.parametrize("subset", ["train", "test"])
def test_load_adult_clean_values(subset):
    df = load_adult(subset)
    for column in df.select_dtypes("category"):
        categories = df[column].cat.categories
        assert "?" not in categories, column
        assert all(c == c.strip() and not c.endswith(".") for c in categories)
    # "?" became missing in exactly these columns.
    missing = df.isna().any()
    assert set(missing[missing].index) == {"workclass", "occupation", "native_country"}
    assert df["sex"].value_counts().index.tolist() == ["Male", "Female"]


def test_load_adult_known_counts():
    train, test = load_adult("train"), load_adult("test")
    assert train["income"].value_counts().to_dict() == {"<=50K": 24720, ">50K": 7841}
    assert test["income"].value_counts().to_dict() == {"<=50K": 12435, ">50K": 3846}
    assert train["workclass"].isna().sum() == 1836
    assert train.iloc[0]["age"] == 39 and train.iloc[0]["workclass"] == "State-gov"
    assert test.iloc[0]["age"] == 25 and test.iloc[0]["income"] == "<=50K"


def test_load_adult_same_categories_across_subsets():
    train, test, both = load_adult("train"), load_adult("test"), load_adult("all")
    for column in train.select_dtypes("category"):
        assert train[column].dtype == test[column].dtype == both[column].dtype
    assert_frame_equal(both.iloc[: len(train)], train)
    assert_frame_equal(both.iloc[len(train) :].reset_index(drop=True), test)


def test_load_adult_not_as_frame():
    X, y = load_adult("test", as_frame=False)
    assert isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
    assert X.shape == (16281, 14) and y.shape == (16281,)
    assert set(y) == {"<=50K", ">50K"}


@pytest.mark.parametrize("subset", ["training", "TRAIN", None])
def test_load_adult_bad_subset(subset):
    with pytest.raises(ValueError, match="subset"):
        load_adult(subset)


# load_german_credit -----------------------------------------------------------


def test_load_german_credit():
    df = load_german_credit()
    assert df.shape == (1000, 22)
    assert list(df.columns) == GERMAN_COLUMNS
    assert not df.isna().any().any()
    for column in ["duration_months", "credit_amount", "age", "existing_credits"]:
        assert df[column].dtype == np.int64
    assert df["telephone"].dtype == bool and df["foreign_worker"].dtype == bool
    assert list(df["credit_risk"].cat.categories) == ["good", "bad"]
    assert df["credit_risk"].value_counts().to_dict() == {"good": 700, "bad": 300}
    # No undecoded A-codes remain.
    for column in df.select_dtypes("category"):
        assert not df[column].astype(str).str.fullmatch(r"A\d+").any(), column


def test_load_german_credit_decoding():
    df = load_german_credit()
    first = df.iloc[0]
    # First line: A11 6 A34 A43 1169 A65 A75 4 A93 ... A192 A201 1
    assert first["checking_status"] == "... < 0 DM"
    assert first["duration_months"] == 6
    assert first["purpose"] == "radio/television"
    assert first["credit_amount"] == 1169
    assert first["personal_status_sex"] == "male : single"
    assert first["telephone"] and first["foreign_worker"]
    assert first["credit_risk"] == "good"


def test_load_german_credit_sex():
    df = load_german_credit()
    assert list(df["sex"].cat.categories) == ["female", "male"]
    assert df["sex"].value_counts().to_dict() == {"male": 690, "female": 310}
    expected = df["personal_status_sex"].astype(str).str.startswith("female")
    np.testing.assert_array_equal(df["sex"] == "female", expected)
