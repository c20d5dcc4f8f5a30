"""Loaders for the small real data sets shipped in ``skweight/datasets/data``.

The files are unmodified copies of the UCI Machine Learning Repository files
(see ``data/README.md``); they are read with :mod:`importlib.resources`, so the
loaders also work from an installed (or zipped) package.
"""

import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

import pandas as pd

_DATA_PACKAGE = "skweight.datasets"

_ADULT_COLUMNS = [
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
_ADULT_FILES: dict[str, tuple[str, ...]] = {
    "train": ("adult.data.gz",),
    "test": ("adult.test.gz",),
}
_ADULT_FILES["all"] = _ADULT_FILES["train"] + _ADULT_FILES["test"]
_INCOME_LEVELS = ["<=50K", ">50K"]

# German credit (Statlog): column name and, for coded attributes, the meaning
# of each code, from the data set's documentation (german.doc). Typos of the
# documentation are fixed (".. >= 7 years" -> "... >= 7 years", trailing
# spaces) and A47 "(vacation - does not exist?)" is called "vacation".
_GERMAN_COLUMNS = [
    (
        "checking_status",
        {
            "A11": "... < 0 DM",
            "A12": "0 <= ... < 200 DM",
            "A13": "... >= 200 DM / salary assignments for at least 1 year",
            "A14": "no checking account",
        },
    ),
    ("duration_months", None),
    (
        "credit_history",
        {
            "A30": "no credits taken/ all credits paid back duly",
            "A31": "all credits at this bank paid back duly",
            "A32": "existing credits paid back duly till now",
            "A33": "delay in paying off in the past",
            "A34": "critical account/ other credits existing (not at this bank)",
        },
    ),
    (
        "purpose",
        {
            "A40": "car (new)",
            "A41": "car (used)",
            "A42": "furniture/equipment",
            "A43": "radio/television",
            "A44": "domestic appliances",
            "A45": "repairs",
            "A46": "education",
            "A47": "vacation",
            "A48": "retraining",
            "A49": "business",
            "A410": "others",
        },
    ),
    ("credit_amount", None),
    (
        "savings",
        {
            "A61": "... < 100 DM",
            "A62": "100 <= ... < 500 DM",
            "A63": "500 <= ... < 1000 DM",
            "A64": "... >= 1000 DM",
            "A65": "unknown/ no savings account",
        },
    ),
    (
        "employment_since",
        {
            "A71": "unemployed",
            "A72": "... < 1 year",
            "A73": "1 <= ... < 4 years",
            "A74": "4 <= ... < 7 years",
            "A75": "... >= 7 years",
        },
    ),
    ("installment_rate", None),
    (
        "personal_status_sex",
        {
            "A91": "male : divorced/separated",
            "A92": "female : divorced/separated/married",
            "A93": "male : single",
            "A94": "male : married/widowed",
            "A95": "female : single",
        },
    ),
    (
        "other_debtors",
        {"A101": "none", "A102": "co-applicant", "A103": "guarantor"},
    ),
    ("residence_since", None),
    (
        "property",
        {
            "A121": "real estate",
            "A122": "building society savings agreement / life insurance",
            "A123": "car or other",
            "A124": "unknown / no property",
        },
    ),
    ("age", None),
    (
        "other_installment_plans",
        {"A141": "bank", "A142": "stores", "A143": "none"},
    ),
    ("housing", {"A151": "rent", "A152": "own", "A153": "for free"}),
    ("existing_credits", None),
    (
        "job",
        {
            "A171": "unemployed/ unskilled - non-resident",
            "A172": "unskilled - resident",
            "A173": "skilled employee/ official",
            "A174": "management/ self-employed/ highly qualified employee/ officer",
        },
    ),
    ("people_liable", None),
    ("telephone", {"A191": False, "A192": True}),
    ("foreign_worker", {"A201": True, "A202": False}),
    ("credit_risk", {1: "good", 2: "bad"}),
]


def _open_data(filename):
    """Open a file of ``skweight/datasets/data`` in binary mode."""
    return (files(_DATA_PACKAGE) / "data" / filename).open("rb")


@lru_cache(maxsize=1)
def _adult_categories():
    """Return ``{column: tuple of levels}`` as documented in ``adult.names``.

    The levels are read from the attribute lines at the end of the file, e.g.
    ``sex: Female, Male.``; continuous attributes are left out. Using the
    documented levels gives every subset the same categories.
    """
    with _open_data("adult.names") as f:
        text = f.read().decode("utf-8")
    categories = {}
    for name, values in re.findall(r"^([a-z-]+): (.+)\.\s*$", text, flags=re.M):
        if values.strip() != "continuous":
            levels = tuple(value.strip() for value in values.split(","))
            categories[name.replace("-", "_")] = levels
    return categories


def _read_adult_file(filename):
    """Read one Adult file into a raw frame (strings not yet categorical)."""
    with _open_data(filename) as f:
        return pd.read_csv(
            f,
            compression="gzip",
            header=None,
            names=_ADULT_COLUMNS,
            skipinitialspace=True,
            na_values="?",
            keep_default_na=False,
            # adult.test starts with a line "|1x3 Cross validator".
            comment="|",
            skip_blank_lines=True,
        )


def load_adult(subset: str = "train", *, as_frame: bool = True) -> Any:
    """Load the Adult (census income) data set.

    Each row is one person from the 1994 US census; the task is to predict
    whether the yearly income exceeds $50K. The ``sex`` and ``race`` columns
    make it a standard benchmark for group-aware weighting. The data ships with
    skweight (no download).

    =================   ==============================
    Rows (train/test)   32561 / 16281
    Columns             14 features and ``income``
    Target              ``income``: ``"<=50K"``, ``">50K"``
    =================   ==============================

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which part to load: the training file (``adult.data``), the test file
        (``adult.test``) or both, training rows first.

    as_frame : bool, default=True
        If True, return one DataFrame. If False, return ``(X, y)`` as numpy
        arrays: ``X`` of dtype object with the 14 features (missing values are
        NaN) and ``y`` of dtype object with the ``income`` labels.

    Returns
    -------
    data : pandas.DataFrame of shape (n_samples, 15)
        Returned when ``as_frame=True``. Columns: ``age``, ``workclass``,
        ``fnlwgt``, ``education``, ``education_num``, ``marital_status``,
        ``occupation``, ``relationship``, ``race``, ``sex``,
        ``capital_gain``, ``capital_loss``, ``hours_per_week``,
        ``native_country`` and ``income``. Numeric columns are int64; the
        others are Categoricals whose categories are the levels documented in
        ``adult.names`` (the same for every subset). Unknown values (``"?"``
        in the files) are missing. ``income`` has the categories
        ``["<=50K", ">50K"]`` in both subsets (the test file's trailing
        ``"."`` is removed).

    (X, y) : tuple of ndarray of shapes (n_samples, 14) and (n_samples,)
        Returned when ``as_frame=False``.

    See Also
    --------
    load_german_credit : Another real data set with a sex attribute.

    Notes
    -----
    Source: Becker, B. and Kohavi, R. (1996). Adult. UCI Machine Learning
    Repository, https://doi.org/10.24432/C5XW20, licensed CC BY 4.0.

    Examples
    --------
    >>> from skweight.datasets import load_adult
    >>> adult = load_adult()
    >>> adult.shape
    (32561, 15)
    >>> list(adult["income"].cat.categories)
    ['<=50K', '>50K']
    """
    if subset not in _ADULT_FILES:
        raise ValueError(
            "The 'subset' parameter of load_adult must be one of "
            f"{sorted(_ADULT_FILES)}; got {subset!r}."
        )
    frames = [_read_adult_file(name) for name in _ADULT_FILES[subset]]
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    for column, levels in _adult_categories().items():
        values = data[column].str.strip()
        data[column] = pd.Categorical(values, categories=list(levels))
    income = data["income"].str.strip().str.rstrip(".")
    data["income"] = pd.Categorical(income, categories=_INCOME_LEVELS)

    if as_frame:
        return data
    X = data.drop(columns="income").astype(object).to_numpy()
    return X, data["income"].to_numpy(dtype=object)


def _decode(codes, mapping):
    """Map the codes of one German-credit attribute to their meaning."""
    values = codes.map(mapping)
    if any(isinstance(value, bool) for value in mapping.values()):
        return values.astype(bool)
    return pd.Categorical(values, categories=list(dict.fromkeys(mapping.values())))


def _sex_of(personal_status_sex):
    """Return the ``sex`` Categorical from the decoded personal status."""
    sex = personal_status_sex.astype(str).str.partition(" : ")[0]
    return pd.Categorical(sex, categories=["female", "male"])


def load_german_credit() -> pd.DataFrame:
    """Load the German credit (Statlog) data set.

    Each row is one loan applicant of a German bank, classified as a good or a
    bad credit risk. The A-codes of the original file are decoded into their
    documented meaning, and a ``sex`` column is derived from the combined
    personal-status-and-sex attribute. The data ships with skweight (no
    download).

    =================   ==============================
    Rows                1000
    Columns             20 attributes, ``sex`` and ``credit_risk``
    Target              ``credit_risk``: ``"good"`` (700), ``"bad"`` (300)
    =================   ==============================

    Returns
    -------
    data : pandas.DataFrame of shape (1000, 22)
        Columns, in order: ``checking_status``, ``duration_months``,
        ``credit_history``, ``purpose``, ``credit_amount``, ``savings``,
        ``employment_since``, ``installment_rate``, ``personal_status_sex``,
        ``other_debtors``, ``residence_since``, ``property``, ``age``,
        ``other_installment_plans``, ``housing``, ``existing_credits``,
        ``job``, ``people_liable``, ``telephone``, ``foreign_worker``,
        ``sex`` and ``credit_risk``. Numeric attributes are int64;
        ``telephone`` and ``foreign_worker`` are bool; the other attributes are
        Categoricals whose categories are all documented levels, in code
        order. ``sex`` is a Categorical with categories ``["female",
        "male"]`` and ``credit_risk`` one with categories ``["good", "bad"]``.

    See Also
    --------
    load_adult : Another real data set with a sex attribute.

    Notes
    -----
    Source: Hofmann, H. (1994). Statlog (German Credit Data). UCI Machine
    Learning Repository, https://doi.org/10.24432/C5NC77, licensed CC BY 4.0.
    The purpose code A47 is documented as "(vacation - does not exist?)" and
    does not occur in the data; it is kept as the unused category
    ``"vacation"``.

    Examples
    --------
    >>> from skweight.datasets import load_german_credit
    >>> credit = load_german_credit()
    >>> credit.shape
    (1000, 22)
    >>> credit["credit_risk"].value_counts().to_dict()
    {'good': 700, 'bad': 300}
    """
    names = [name for name, _ in _GERMAN_COLUMNS]
    with _open_data("german.data.gz") as f:
        raw = pd.read_csv(f, compression="gzip", sep=" ", header=None, names=names)

    data = pd.DataFrame(
        {
            name: raw[name] if mapping is None else _decode(raw[name], mapping)
            for name, mapping in _GERMAN_COLUMNS
        }
    )
    data.insert(len(names) - 1, "sex", _sex_of(data["personal_status_sex"]))
    return data
