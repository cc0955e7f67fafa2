"""What it costs to bring a batch made in a worker process to the training process.

albert_core.batch_stream sends pre-training batches from its workers as numpy arrays, pickled
through the loader's pipe; torch's default is to send each tensor as a shared-memory segment of
its own. This times both ways for batches shaped like a pre-training batch (batch × length ids,
types and mask, the masked positions and labels, the sentence-order labels), made at no cost in
the worker, so only the trip is timed. Prints one JSON object with the ratio.

    python bench/batch_transport.py --batch-size 128 --length 128 --batches 1500 --workers 1
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from pretrain_sst2 import report  # noqa: E402

from albert_core.batch_stream import train_batches  # noqa: E402


class _ReadyBatches:
    """A task whose training batch is ready made: only the trip costs."""

    def __init__(self, b: int, n: int):
        w = max(8, round(n * 0.15 / 8) * 8)
        self.batch = {
            "input_ids": torch.zeros(b, n, dtype=torch.long),
            "token_type_ids": torch.zeros(b, n, dtype=torch.long),
            "attention_mask": torch.ones(b, n, dtype=torch.long),
            "mlm_positions": torch.zeros(b, w, dtype=torch.long),
            "mlm_labels": torch.zeros(b, w, dtype=torch.long),
            "sentence_order_label": torch.zeros(b, dtype=torch.long),
        }

    def train_collate(self, features, seed):
        return {k: v.clone() for k, v in self.batch.items()}


class _TensorBatches:  # torch's default way: the dataset gives tensors
    def __init__(self, task, b):
        self.task, self.b = task, b

    def __getitem__(self, i):
        return list(range(self.b)), self.task.train_collate(None, i)

    def __len__(self):
        return sys.maxsize


def _ms_per_batch(it, n: int) -> float:
    next(it)
    time.sleep(1.0)  # the workers fill their queue
    t = time.perf_counter()
    for _ in range(n - 1):
        next(it)
    return 1000 * (time.perf_counter() - t) / (n - 1)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--length", type=int, default=128)
    p.add_argument("--batches", type=int, default=1500)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--out", type=Path)
    a = p.parse_args(argv)
    task = _ReadyBatches(a.batch_size, a.length)
    train = list(range(a.batch_size))
    ours = train_batches(task, train, lambda e: [train], 1, 0, a.batches, seed=0, workers=a.workers)
    loader = DataLoader(
        _TensorBatches(task, a.batch_size),
        batch_size=None,
        sampler=range(a.batches),
        num_workers=a.workers,
        prefetch_factor=4,
        multiprocessing_context=mp.get_context("fork"),
    )
    results = {
        "tensors_in_shared_memory_ms": round(_ms_per_batch(iter(loader), a.batches), 3),
        "numpy_through_the_pipe_ms": round(_ms_per_batch(ours, a.batches), 3),
    }
    out = {
        "benchmark": "batch_transport",
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()},
        "ms_per_batch": results,
        "ratio": round(results["tensors_in_shared_memory_ms"] / results["numpy_through_the_pipe_ms"], 2),
        "ratio_of": "tensors in shared memory / numpy through the pipe (time per batch)",
    }
    return report(out, a.out)


if __name__ == "__main__":
    sys.exit(main())
