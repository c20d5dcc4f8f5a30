"""A long-tail study: the training-loop methods of skweight on long-tailed digits.

Data: scikit-learn's ``load_digits`` (10 classes, 8x8 images). A balanced test split
of 50 images per class is kept; the training split is made long-tailed with the
exponential profile of Cui et al. (2019): class ``c`` (in a random order per seed)
keeps ``n_max * IF ** (-c / 9)`` images, for an imbalance factor ``IF`` of 50 and 100.
The same small MLP (64-128-10, Adam, 60 epochs, batch 32) is trained on CPU with:

- plain cross-entropy;
- class-balanced loss weights (effective number, beta 0.999; Cui et al. 2019);
- deferred re-weighting (plain until epoch 48, then the class-balanced weights; Cao et
  al. 2019), through ``Schedule.step``;
- post-hoc logit adjustment (the plain model's logits minus log prior; Menon et al. 2021);
- Balanced Softmax (``BalancedSoftmaxLoss``; Ren et al. 2020);
- a fresh under-sampled epoch every epoch (``EpochResampler("under")``);
- over-sampling (``EpochResampler("over")``) and the class-balanced weights sampler
  (``EpochResampler("weights")``), both a fresh epoch every epoch.

Reported: balanced accuracy on the balanced test split (= accuracy) and the mean recall of
the head (the 3 largest classes), middle (4) and tail (3 smallest) classes, mean and
standard deviation over the seeds. Every method sees the same number of epochs (so the
under-sampled runs take far fewer gradient steps, as in practice).

    python benchmarks/quality_long_tail.py                     # 3 seeds
    python benchmarks/quality_long_tail.py --seeds 5 --output docs/benchmarks

Writes ``quality_long_tail.md`` and ``quality_long_tail.png`` to ``--output``.
"""

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np
import torch
from _timing import git_revision, table
from sklearn.datasets import load_digits

import skweight
from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter
from skweight.exceptions import WeightingWarning
from skweight.priors import logit_adjustment
from skweight.schedules import Schedule
from skweight.torch import BalancedSoftmaxLoss, EpochSampler, class_weight_tensor

EPOCHS, BATCH, TEST_PER_CLASS, DRW_AT = 60, 32, 50, 48
METHODS = [
    "cross-entropy",
    "class-balanced weights",
    "deferred re-weighting",
    "logit adjustment (post hoc)",
    "Balanced Softmax",
    "under-sampling per epoch",
    "over-sampling per epoch",
    "weights sampler per epoch",
]
# The ordering the papers report on long-tailed benchmarks (best last): re-balancing
# the loss or the sampling from the start helps the tail but hurts representation;
# deferring it, adjusting logits or Balanced Softmax do better.
EXPECTED = (
    "cross-entropy < class-balanced weights and re-sampling < deferred "
    "re-weighting, logit adjustment, Balanced Softmax"
)


def long_tailed_split(factor, seed):
    """Balanced test rows, long-tailed train rows; the classes' order is shuffled."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    rng = np.random.default_rng(seed)
    train, test = [], []
    order = rng.permutation(10)  # which digit is the head
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(y == digit))
        test.append(rows[:TEST_PER_CLASS])
        rest = rows[TEST_PER_CLASS:]
        rank = int(np.flatnonzero(order == digit)[0])
        keep = max(1, int(len(rest) * factor ** (-rank / 9)))
        train.append(rest[:keep])
    train, test = np.concatenate(train), np.concatenate(test)
    return X[train], y[train], X[test], y[test]


def mlp(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
    )


def train(method, X, y, seed):
    """Train one model; return a function giving test logits."""
    model = mlp(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    xs, ys = torch.from_numpy(X), torch.from_numpy(y)
    weighter = EffectiveNumberWeighter(beta=0.999).fit(None, y)
    plain = torch.nn.CrossEntropyLoss()
    loss_fn = plain
    if method == "class-balanced weights":
        loss_fn = torch.nn.CrossEntropyLoss(weight=class_weight_tensor(weighter))
    elif method == "Balanced Softmax":
        loss_fn = BalancedSoftmaxLoss(GroupBalancedWeighter().fit(None, y))
    sampler = None
    strategy = {
        "under-sampling per epoch": "under",
        "over-sampling per epoch": "over",
        "weights sampler per epoch": "weights",
    }.get(method)
    if strategy is not None:
        sampler = EpochSampler(EpochResampler(strategy, random_state=seed).fit(None, y))
    drw = Schedule.step(at=DRW_AT)
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(EPOCHS):
        if method == "deferred re-weighting":
            loss_fn = torch.nn.CrossEntropyLoss(
                weight=class_weight_tensor(weighter, schedule=drw, epoch=epoch)
            )
        if sampler is not None:
            sampler.set_epoch(epoch)
            rows = torch.as_tensor(sampler.shard())
        else:
            rows = torch.randperm(len(y), generator=generator)
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            optimizer.zero_grad()
            loss_fn(model(xs[batch]), ys[batch]).backward()
            optimizer.step()
    offsets = None
    if method == "logit adjustment (post hoc)":
        offsets = torch.from_numpy(logit_adjustment(GroupBalancedWeighter().fit(None, y)))

    def predict(X_test):
        with torch.no_grad():
            logits = model(torch.from_numpy(X_test))
        if offsets is not None:
            logits = logits - offsets.to(logits.dtype)
        return logits.argmax(1).numpy()

    return predict


def evaluate(predict, X_test, y_test, y_train):
    predicted = predict(X_test)
    recall = np.array([np.mean(predicted[y_test == c] == c) for c in range(10)])
    by_support = np.argsort(-np.bincount(y_train, minlength=10), kind="stable")
    return {
        "balanced accuracy": recall.mean(),
        "head": recall[by_support[:3]].mean(),
        "middle": recall[by_support[3:7]].mean(),
        "tail": recall[by_support[7:]].mean(),
    }


def run(factors, seeds):
    results = {}
    for factor in factors:
        for method in METHODS:
            scores = []
            for seed in range(seeds):
                X, y, X_test, y_test = long_tailed_split(factor, seed)
                scores.append(evaluate(train(method, X, y, seed), X_test, y_test, y))
            results[factor, method] = scores
            mean = np.mean([s["balanced accuracy"] for s in scores])
            print(f"IF={factor:>3} {method:<30} balanced accuracy {mean:.3f}", flush=True)
    return results


def report(results, factors, seeds, elapsed):
    lines = [
        f"Long-tailed `load_digits` (imbalance factors {', '.join(map(str, factors))}; "
        f"{seeds} seeds; the balanced test split has {TEST_PER_CLASS} images per "
        f"class). Each cell: mean ± standard deviation over the seeds; head, middle "
        f"and tail: mean recall of the 3 largest, 4 middle and 3 smallest classes.",
        "",
    ]
    for factor in factors:
        lines += [f"### Imbalance factor {factor}", ""]
        rows = []
        for method in METHODS:
            scores = results[factor, method]
            row = {"method": method}
            for key in ("balanced accuracy", "head", "middle", "tail"):
                values = np.array([s[key] for s in scores])
                row[key] = f"{values.mean():.3f} ± {values.std():.3f}"
            rows.append(row)
        lines += [
            table(rows, ["method", "balanced accuracy", "head", "middle", "tail"]),
            "",
        ]
    order = {
        factor: sorted(
            METHODS,
            key=lambda m: np.mean([s["balanced accuracy"] for s in results[factor, m]]),
        )
        for factor in factors
    }
    lines += [
        "### Against the papers",
        "",
        f"The papers report, roughly: {EXPECTED}. Here, from worst to best:",
        "",
    ]
    for factor in factors:
        lines.append(f"- IF {factor}: " + " < ".join(order[factor]) + ".")
    lines += [
        "",
        f"skweight {skweight.__version__} ({git_revision()}), torch "
        f"{torch.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; {elapsed:.0f} s.",
        "",
        "![per-method balanced accuracy](quality_long_tail.png)",
        "",
    ]
    return "\n".join(lines)


def plot(results, factors, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(factors), figsize=(11, 4.2), sharey=True)
    for ax, factor in zip(np.atleast_1d(axes), factors):
        parts = ("head", "middle", "tail")
        width = 0.8 / len(parts)
        for k, part in enumerate(parts):
            means = [np.mean([s[part] for s in results[factor, m]]) for m in METHODS]
            ax.barh(
                np.arange(len(METHODS)) + (k - 1) * width, means, height=width, label=part
            )
        ax.set_yticks(np.arange(len(METHODS)), METHODS)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title(f"imbalance factor {factor}")
        ax.set_xlabel("mean recall on the balanced test split")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--factors", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--output", default=None, help="folder for the .md and .png")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    # Long tails have classes of a few rows: the weighters warn about them, as they
    # should; the study knows.
    warnings.simplefilter("ignore", WeightingWarning)
    start = time.perf_counter()
    results = run(args.factors, args.seeds)
    text = report(results, args.factors, args.seeds, time.perf_counter() - start)
    print(text)
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        with open(os.path.join(args.output, "quality_long_tail.md"), "w") as out:
            out.write(text)
        plot(results, args.factors, os.path.join(args.output, "quality_long_tail.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
