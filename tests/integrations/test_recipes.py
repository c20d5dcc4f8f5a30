"""The Lightning and Hugging Face Trainer recipes train on exactly the resampled epochs."""

import tempfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader, Dataset  # noqa: E402

from skweight import EpochResampler, GroupBalancedWeighter  # noqa: E402
from skweight.torch import (  # noqa: E402
    EpochBatchSampler,
    EpochSampler,
    class_weight_tensor,
)

pytestmark = pytest.mark.filterwarnings("ignore")  # the frameworks' own deprecations

LABELS = np.repeat([0, 1, 2], [300, 60, 24])
FEATURES = (
    np.random.default_rng(0).normal(size=(len(LABELS), 4)) + LABELS[:, None]
).astype("float32")


class _Rows(Dataset):
    """Records the rows fetched, in order (workers=0)."""

    def __init__(self, as_dict):
        self.as_dict, self.fetched = as_dict, []

    def __len__(self):
        return len(LABELS)

    def __getitem__(self, i):
        self.fetched.append(i)
        x, y = torch.from_numpy(FEATURES[i]), int(LABELS[i])
        return {"x": x, "labels": y} if self.as_dict else (x, y)


def _epochs(fetched, resampler, n_epochs):
    n = resampler.epoch_size_
    assert len(fetched) == n * n_epochs
    return [
        fetched[e * n : (e + 1) * n] == resampler.epoch_indices(e).tolist()
        for e in range(n_epochs)
    ]


def _fit_three_epochs(pl, model, data):
    """Three Lightning epochs on the CPU, the skweight sampler left as it is."""
    trainer = pl.Trainer(
        max_epochs=3,
        accelerator="cpu",
        use_distributed_sampler=False,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, datamodule=data)


class _Batched(torch.utils.data.Dataset):
    """A tensor-indexed dataset that records the rows of every batch it gathers."""

    def __init__(self):
        self.x, self.y = torch.from_numpy(FEATURES), torch.from_numpy(LABELS)
        self.fetched = []

    def __len__(self):
        return len(LABELS)

    def __getitem__(self, index):
        self.fetched += torch.as_tensor(index).reshape(-1).tolist()
        return self.x[index], self.y[index]


def test_lightning_trains_on_whole_batches_of_each_epoch():
    pl = pytest.importorskip("pytorch_lightning")
    rows = _Batched()
    resampler = EpochResampler("under", random_state=0).fit(None, LABELS)
    sizes = []

    class Data(pl.LightningDataModule):
        def train_dataloader(self):
            batches = EpochBatchSampler(resampler, batch_size=16)
            return DataLoader(rows, sampler=batches, batch_size=None)

    class Model(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(4, 3)

        def training_step(self, batch, _):
            x, y = batch
            sizes.append(len(x))
            return torch.nn.functional.cross_entropy(self.layer(x), y)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    _fit_three_epochs(pl, Model(), Data())
    assert _epochs(rows.fetched, resampler, 3) == [True, True, True]
    assert max(sizes) == 16  # whole batches, one gather each


def test_lightning_datamodule_trains_on_each_epoch():
    pl = pytest.importorskip("pytorch_lightning")
    rows = _Rows(as_dict=False)
    resampler = EpochResampler("under", random_state=0).fit(None, LABELS)

    class Data(pl.LightningDataModule):
        def train_dataloader(self):
            return DataLoader(rows, batch_size=16, sampler=EpochSampler(resampler))

    class Model(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(4, 3)
            self.loss_fn = torch.nn.CrossEntropyLoss(
                weight=class_weight_tensor(GroupBalancedWeighter().fit(None, LABELS))
            )

        def training_step(self, batch, _):
            x, y = batch
            return self.loss_fn(self.layer(x), y)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    _fit_three_epochs(pl, Model(), Data())
    assert _epochs(rows.fetched, resampler, 3) == [True, True, True]


def test_hugging_face_trainer_with_a_sampler_and_a_weighted_loss():
    transformers = pytest.importorskip("transformers")
    rows = _Rows(as_dict=True)
    resampler = EpochResampler("under", random_state=0).fit(None, LABELS)
    weights = class_weight_tensor(GroupBalancedWeighter().fit(None, LABELS))
    calls = []

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(4, 3)

        def forward(self, x, labels=None):
            return {"logits": self.layer(x)}

    class BalancedTrainer(transformers.Trainer):
        def _get_train_sampler(self, train_dataset=None):
            return EpochSampler(resampler, num_replicas=1, rank=0)

    def weighted_loss(outputs, labels, num_items_in_batch=None):
        calls.append(len(labels))
        return torch.nn.functional.cross_entropy(outputs["logits"], labels, weight=weights)

    args = transformers.TrainingArguments(
        output_dir=tempfile.mkdtemp(),
        num_train_epochs=3,
        per_device_train_batch_size=16,
        report_to=[],
        save_strategy="no",
        logging_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
    )
    trainer = BalancedTrainer(
        model=Model(), args=args, train_dataset=rows, compute_loss_func=weighted_loss
    )
    trainer.train()
    assert _epochs(rows.fetched, resampler, 3) == [True, True, True]
    assert sum(calls) == 3 * resampler.epoch_size_
