"""Fixtures of the command-line tests: the same reviews as CSV and as Parquet."""

import pytest

from skweight.datasets import make_product_reviews


@pytest.fixture(scope="module")
def reviews():
    return make_product_reviews(1500, random_state=3)


@pytest.fixture
def files(tmp_path, reviews):
    """The reviews as ``reviews.csv`` and ``reviews.parquet`` (small row groups)."""
    reviews.to_csv(tmp_path / "reviews.csv", index=False)
    reviews.to_parquet(tmp_path / "reviews.parquet", row_group_size=200)
    return tmp_path
