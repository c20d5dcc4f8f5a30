"""Data sets: a synthetic generator and loaders for small real data sets.

The real data sets (UCI Adult and Statlog German credit) ship with the package
as unmodified, gzip-compressed copies of the UCI files; see
``skweight/datasets/data/README.md`` for their sources and licence.
"""

from ._real import load_adult, load_german_credit
from ._synthetic import make_product_reviews

__all__ = ["load_adult", "load_german_credit", "make_product_reviews"]
