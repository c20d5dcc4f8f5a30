"""Fixtures shared by the integration tests."""

import pytest


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (``local[2]``) for every Spark test module."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("skweight-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
