"""fit_weight on PySpark against the query a Spark user would write by hand.

Rows are generated on the engine (``spark.range`` plus hashed columns: a stratum of
20 values, a group of 2 with a skew that depends on the stratum, a label of 5
values). Both sides balance the groups inside each stratum and write the frame with
its weight column to Spark's ``noop`` sink, so that every row is computed:

- hand-written: ``groupBy(stratum, group).count()`` joined back to the rows, and
  ``w = n_s / (G_s * n_sg)`` as a column;
- skweight: ``GroupBalancedWeighter(groups=..., strata=...).fit_weight(frame)``
  (one aggregation collected as the cell table, then a column expression).

    python benchmarks/bench_spark.py --n 2e7            # local[2]
    python benchmarks/bench_spark.py --n 2e7 --output docs/benchmarks/spark.md

Epochs (on by default; ``--no-epochs`` skips them): under-sampling the label
alone, one epoch written to the ``noop`` sink, against ``DataFrame.sampleBy`` with
each class's fraction ``n_min / n_class`` (a Bernoulli sample: about balanced,
once) and against the exact query a user would write (``row_number()`` over each
class in a hashed order, the first ``n_min`` rows kept). skweight's
epoch is exact and rotates through every row over the epochs; it ranks the rows by
``row_id`` (a window) and asks the drawing plan how often each is drawn (a pandas
UDF). Measured: one epoch from the frame (ranking included), and the mean epoch of
four written to Parquet by ``write_epochs`` (rows ranked once), against four
``sampleBy`` samples written to Parquet.

Needs pyspark and a Java runtime. Prints the times and their ratio (target: at
most 1.2), and the Python memory fit_weight allocates (bounded: the cell table).
"""

import argparse
import os
import platform
import sys
import tempfile
import time

from _timing import git_revision, peak_memory, table

import skweight
from skweight import GroupBalancedWeighter


def frame(spark, n):
    from pyspark.sql import functions as F

    rows = spark.range(int(n))
    stratum = (F.abs(F.xxhash64("id", F.lit(1))) % 20).cast("int")
    skew = (F.abs(F.xxhash64("id", F.lit(2))) % 100).cast("int")
    return rows.select(
        "id",
        stratum.alias("stratum"),
        F.when(skew < 20 + stratum * 3, "f").otherwise("m").alias("group"),
        (F.abs(F.xxhash64("id", F.lit(3))) % 5).cast("int").alias("label"),
    )


def hand_written(data):
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    cells = data.groupBy("stratum", "group").count()
    by_stratum = Window.partitionBy("stratum")
    cells = cells.withColumn(
        "w",
        F.sum("count").over(by_stratum) / (F.count("*").over(by_stratum) * F.col("count")),
    )
    return data.join(
        F.broadcast(cells.select("stratum", "group", "w")), ["stratum", "group"]
    )


def with_skweight(data):
    return GroupBalancedWeighter(groups="group", strata="stratum").fit_weight(data)


def exact_under(data, smallest):
    """The hand-written exact version: each class's first rows in a hashed order."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    order = Window.partitionBy("label").orderBy(F.xxhash64("id", F.lit(0)))
    ranked = data.withColumn("_r", F.row_number().over(order))
    return ranked.filter(F.col("_r") <= smallest).drop("_r")


def epochs_section(data, repeat):
    """One under-sampling epoch against sampleBy, on the label alone."""
    from pyspark.sql import functions as F

    from skweight import EpochResampler

    counts = {row["label"]: row["count"] for row in data.groupBy("label").count().collect()}
    smallest = min(counts.values())
    fractions = {label: smallest / count for label, count in counts.items()}
    sampled = run(data, lambda d: d.sampleBy("label", fractions, seed=0), repeat)
    exact = run(data, lambda d: exact_under(d, smallest), repeat)
    sizes = data.sampleBy("label", fractions, seed=0).groupBy("label").count()
    spread = sizes.agg(F.min("count"), F.max("count")).collect()[0]
    start = time.perf_counter()
    resampler = EpochResampler("under", row_id="id", random_state=0).fit(data, "label")
    fit_time = time.perf_counter() - start
    epoch = iter(range(10**6))
    one = run(data, lambda d: resampler.resample(d, epoch=next(epoch))[0], repeat)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        resampler.write_epochs(data, os.path.join(folder, "ours"), range(4))
        ranked_once = (time.perf_counter() - start) / 4
        start = time.perf_counter()
        for e in range(4):
            data.sampleBy("label", fractions, seed=e).write.mode("overwrite").parquet(
                os.path.join(folder, f"sampleBy{e}")
            )
        sampled_parquet = (time.perf_counter() - start) / 4
    peak = peak_memory(
        lambda: (
            EpochResampler("under", row_id="id", random_state=0)
            .fit(data, "label")
            .resample(data, epoch=0)
        )
    )
    return {
        "sampleBy (s)": f"{sampled:.2f}",
        "sampleBy rows per class": f"{spread[0]:,} to {spread[1]:,}",
        "EpochResampler fit (s)": f"{fit_time:.2f}",
        "exact window query (s)": f"{exact:.2f}",
        "one epoch (s)": f"{one:.2f}",
        "ratio to sampleBy": f"{one / sampled:.2f}",
        "ratio to the window query": f"{one / exact:.2f}",
        "write_epochs, 4 to Parquet (s per epoch)": f"{ranked_once:.2f}",
        "sampleBy, 4 to Parquet (s per epoch)": f"{sampled_parquet:.2f}",
        "ratio (Parquet)": f"{ranked_once / sampled_parquet:.2f}",
        "rows per class": f"{smallest:,}",
        "Python driver peak (KiB)": f"{peak / 1024:,.0f}",
    }


def run(data, make, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        make(data).write.format("noop").mode("overwrite").save()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, nargs="+", default=[2e6])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", default=None)
    parser.add_argument(
        "--no-epochs", dest="epochs", action="store_false", help="skip the epoch section"
    )
    args = parser.parse_args(argv)
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "3g")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    rows, epoch_rows = [], []
    for n in args.n:
        data = frame(spark, n).cache()
        data.count()
        hand = run(data, hand_written, args.repeat)
        ours = run(data, with_skweight, args.repeat)
        # What fit_weight holds in the Python driver: the collected cell table.
        peak = peak_memory(lambda: with_skweight(data))
        rows.append(
            {
                "rows": f"{int(n):,}",
                "hand-written query (s)": f"{hand:.2f}",
                "skweight fit_weight (s)": f"{ours:.2f}",
                "ratio": f"{ours / hand:.2f}",
                "Python driver peak (KiB)": f"{peak / 1024:,.0f}",
            }
        )
        print(rows[-1], flush=True)
        if args.epochs:
            epoch_rows.append({"rows": f"{int(n):,}", **epochs_section(data, args.repeat)})
            print(epoch_rows[-1], flush=True)
        data.unpersist()
    import pyspark

    text = "\n".join(
        [
            "Groups balanced within strata on PySpark (`local[2]`), the frame with its weight "
            "column written to the `noop` sink; best of "
            f"{args.repeat}. Ratio: skweight over the hand-written query (target: at most "
            "1.2). Python driver peak: the memory `fit_weight` allocates in Python (traced), "
            "which holds the collected cell table only, whatever the number of rows.",
            "",
            table(rows, list(rows[0])),
            "",
        ]
        + (
            []
            if not epoch_rows
            else [
                "Epochs: under-sampling the label alone (5 classes), one epoch written to the "
                "`noop` sink, against `sampleBy` with each class's fraction `n_min / n_class`; "
                f"best of {args.repeat}. `sampleBy` draws each row independently (the classes "
                "come out about, not exactly, balanced; a new seed is a new sample, with no "
                "rotation); skweight's epoch has exactly `rows per class` rows of every class "
                "and rotates through all rows over the epochs. The exact window query is what "
                "a Spark user writes for exact sizes: `row_number()` over each class in a "
                "hashed order, the first `n_min` kept (one sample, no rotation). 'Ranked once': "
                "the mean of four "
                "epochs drawn from rows ranked and persisted once, as `write_epochs` does. "
                "Python driver peak: traced allocations of fit plus one epoch query.",
                "",
                table(epoch_rows, list(epoch_rows[0])),
                "",
            ]
        )
        + [
            f"skweight {skweight.__version__} ({git_revision()}), pyspark "
            f"{pyspark.__version__}, Python {platform.python_version()}, {os.cpu_count()} "
            "CPUs.",
            "",
        ]
    )
    print(text)
    if args.output:
        with open(args.output, "w") as out:
            out.write(text)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
