"""One DataLoader epoch of a tabular dataset: per-index sampling against whole batches.

A 1e6 x 16 float32 ``TensorDataset`` (a 10-class label, the rarest 1%),
batch 1024, one torch thread, every batch's rows drawn in proportion to a
weighter's weights:

- ``WeightedRandomSampler`` per index (``DataLoader(batch_size=1024)``: one
  ``__getitem__`` per row, then a collation): the peer as users run it;
- ``BatchSampler(WeightedRandomSampler)`` with ``batch_size=None``: the
  fastest way to feed that peer (the dataset indexed by a list per batch);
- ``EpochBatchSampler`` of ``EpochResampler("weights", draw="random")``
  with ``batch_size=None``: the same i.i.d. draws, each batch one tensor;
- without a DataLoader: the epoch's indices drawn (by ``torch.multinomial``,
  and by skweight's own draw, the limit of what a loader can reach) and
  each batch gathered by one index.

Ratios are times over ``EpochBatchSampler``'s, measured side by side in one
process (best of ``--repeat``). Targets: at least 10x faster than the
per-index peer, at least 2x faster than its batched form.

Usage: ``python benchmarks/bench_torch_loader.py [--n 1e6] [--output FILE.md]``
"""

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import git_revision, table, timeit  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)

    import torch
    from torch.utils.data import (
        BatchSampler,
        DataLoader,
        TensorDataset,
        WeightedRandomSampler,
    )

    import skweight
    from skweight import EpochResampler, GroupBalancedWeighter
    from skweight.torch import EpochBatchSampler

    torch.set_num_threads(1)
    n, b = int(args.n), args.batch_size
    rng = np.random.default_rng(0)
    shares = np.array([0.3, 0.2, 0.15, 0.1, 0.08, 0.06, 0.05, 0.03, 0.02, 0.01])
    y = rng.choice(10, n, p=shares)
    X = torch.from_numpy(rng.standard_normal((n, args.features), dtype=np.float32))
    data = TensorDataset(X, torch.from_numpy(y))
    weights = GroupBalancedWeighter().fit_weight(None, y)
    weight_tensor = torch.from_numpy(weights)

    def consume(loader):
        total = 0
        for xb, _ in loader:
            total += len(xb)
        assert total == n, total

    def per_index():
        sampler = WeightedRandomSampler(weight_tensor, n, replacement=True)
        consume(DataLoader(data, sampler=sampler, batch_size=b))

    def batched_peer():
        sampler = BatchSampler(WeightedRandomSampler(weight_tensor, n), b, drop_last=False)
        consume(DataLoader(data, sampler=sampler, batch_size=None))

    resampler = EpochResampler(
        "weights", weighter=GroupBalancedWeighter(), draw="random", random_state=0
    ).fit(None, y)
    ours_sampler = EpochBatchSampler(resampler, b)

    def ours():
        ours_sampler.set_epoch(ours_sampler.epoch + 1)
        consume(DataLoader(data, sampler=ours_sampler, batch_size=None))

    def gathered(indices):
        total = 0
        for start in range(0, n, b):
            xb = X[indices[start : start + b]]
            total += len(xb)
        assert total == n

    def multinomial():
        gathered(torch.multinomial(weight_tensor, n, replacement=True))

    epochs = iter(range(1, 10**6))

    def limit():
        gathered(torch.from_numpy(resampler.epoch_indices(next(epochs))))

    # Same draws in distribution: each class's share of an epoch, ours and the peer's.
    ours_sampler.set_epoch(0)
    ours_classes = np.bincount(y[torch.cat(list(ours_sampler)).numpy()], minlength=10) / n
    peer_rows = torch.multinomial(weight_tensor, n, replacement=True).numpy()
    peer_classes = np.bincount(y[peer_rows], minlength=10) / n
    assert np.allclose(ours_classes, peer_classes, atol=0.01), (ours_classes, peer_classes)

    results = {}
    for name, func in (
        ("limit", limit),
        ("multinomial", multinomial),
        ("ours", ours),
        ("batched_peer", batched_peer),
        ("per_index", per_index),
    ):
        results[name] = timeit(func, repeat=args.repeat)
    best = {k: v[0] for k, v in results.items()}
    rows = [
        {
            "method": "WeightedRandomSampler per index, batch_size=1024",
            "best (s)": f"{best['per_index']:.2f}",
            "over EpochBatchSampler": f"{best['per_index'] / best['ours']:.1f}",
        },
        {
            "method": "BatchSampler(WeightedRandomSampler), batch_size=None",
            "best (s)": f"{best['batched_peer']:.2f}",
            "over EpochBatchSampler": f"{best['batched_peer'] / best['ours']:.1f}",
        },
        {
            "method": "EpochBatchSampler (draw='random'), batch_size=None",
            "best (s)": f"{best['ours']:.2f}",
            "over EpochBatchSampler": "1.0",
        },
        {
            "method": "torch.multinomial + one gather per batch, no DataLoader",
            "best (s)": f"{best['multinomial']:.2f}",
            "over EpochBatchSampler": f"{best['multinomial'] / best['ours']:.2f}",
        },
        {
            "method": "limit: skweight's draw + one gather per batch, no DataLoader",
            "best (s)": f"{best['limit']:.2f}",
            "over EpochBatchSampler": f"{best['limit'] / best['ours']:.2f}",
        },
    ]
    command = " ".join(
        [
            "python",
            "benchmarks/bench_torch_loader.py",
            *(argv if argv is not None else sys.argv[1:]),
        ]
    )
    report = "\n".join(
        [
            f"One DataLoader epoch of {n:,} rows x {args.features} float32 features, batch "
            f"{b}, one torch thread, rows drawn i.i.d. in proportion to class-balanced "
            "weights (10 classes, the rarest 1%); best of "
            f"{args.repeat}. Targets: the per-index peer at least 10x slower than "
            "EpochBatchSampler, its batched form at least 2x.",
            "",
            table(rows, ["method", "best (s)", "over EpochBatchSampler"]),
            "",
            f"`{command}` at commit {git_revision()} on {platform.platform()}, "
            f"{os.cpu_count()} CPUs (skweight {skweight.__version__}, torch "
            f"{torch.__version__}, numpy {np.__version__}).",
        ]
    )
    print(report)
    if args.output:
        Path(args.output).write_text(report + "\n")


if __name__ == "__main__":
    main()
