"""The training batches of a run in order, from any point of it (a resumed run starts where
it stopped).

A batch depends only on the run's seed, the process's rank and its place in the run (the
micro-batch number), never on what was drawn before it. So batches can be made ahead, in
worker processes, and still be the very batches the loop would have made itself: pre-training
masks every batch afresh, Python work that on a GPU, not the model, would set the pace.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Iterator, Sequence

import numpy as np


def batch_seed(seed: int, rank: int, micro: int) -> int:
    """The random seed of one training batch: the same in any process and on any run."""
    digest = hashlib.blake2b(f"{seed}/{rank}/{micro}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def auto_workers(device_type: str, heavy: bool, world: int = 1) -> int:
    """Worker processes for a task's batches: on a GPU, for a task whose batches cost CPU
    time, up to 4 per training process, keeping one core each for the training loop. On the
    CPU the cores are the model's, so none there."""
    if not heavy or device_type != "cuda" or "fork" not in mp.get_all_start_methods():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(4, cores // max(1, world) - 1))


class _RunBatches:
    """Micro-batch m of the run, as (example indices, batch): a map-style dataset over the
    micro-batch numbers, for torch's DataLoader."""

    def __init__(
        self,
        task,
        train: Sequence,
        epoch_batches: Callable[[int], list[list[int]]],
        per_epoch: int,
        seed: int,
        rank: int,
        as_numpy: bool = False,
    ):
        self.task, self.train, self.epoch_batches = task, train, epoch_batches
        self.per_epoch, self.seed, self.rank, self.as_numpy = per_epoch, seed, rank, as_numpy
        self._epoch: tuple[int, list[list[int]]] | None = None  # the last epoch's batches, per process

    def __getitem__(self, micro: int):
        epoch, pos = divmod(micro, self.per_epoch)
        if self._epoch is None or self._epoch[0] != epoch:
            self._epoch = (epoch, self.epoch_batches(epoch))
        idx = self._epoch[1][pos]
        batch = self.task.train_collate([self.train[i] for i in idx], batch_seed(self.seed, self.rank, micro))
        if self.as_numpy:  # for the trip to the training process, see train_batches
            batch = {k: v.numpy() if hasattr(v, "numpy") else v for k, v in batch.items()}
        return idx, batch

    def __len__(self) -> int:  # DataLoader asks; the sampler decides what is read
        return sys.maxsize


def train_batches(
    task,
    train: Sequence,
    epoch_batches: Callable[[int], list[list[int]]],
    per_epoch: int,
    start: int,
    stop: int,
    seed: int,
    rank: int = 0,
    workers: int = 0,
) -> Iterator[tuple[list[int], dict]]:
    """(indices, batch) for micro-batches start .. stop-1. With workers > 0 they are made
    ahead in that many forked processes (each keeps a few batches ready); the order and the
    batches are the same as without. Closing the iterator stops the workers.

    The loader's own pin-memory thread is not used: its CUDA calls, made while the training
    thread captures a CUDA graph, break the capture. The engine pins each batch itself.

    Batches travel as numpy arrays, pickled through the loader's pipe, and become tensors again
    here without a copy: a torch tensor would travel as a shared-memory segment of its own, and
    for the six small tensors of a pre-training batch that took 5.7 ms per batch against 0.85 ms
    this way (bench/batch_transport.py, one worker, a 2-core CPU)."""
    source = _RunBatches(task, train, epoch_batches, per_epoch, seed, rank, as_numpy=workers > 0)
    if workers <= 0:
        for micro in range(start, stop):
            yield source[micro]
        return
    import torch
    from torch.utils.data import DataLoader

    loader = DataLoader(
        source,
        batch_size=None,  # each item is a whole batch already
        sampler=range(start, stop),
        num_workers=workers,
        collate_fn=_as_sent,  # not torch's default_convert, which would make tensors in the worker
        prefetch_factor=4,
        multiprocessing_context=mp.get_context("fork"),
        # the loader draws its workers' seeds from this, not from torch's own generator, which
        # dropout draws from: with or without workers, training draws the same dropout masks
        generator=torch.Generator(),
    )
    it = iter(loader)
    try:
        for idx, batch in it:
            yield idx, {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in batch.items()}
    finally:
        shutdown = getattr(it, "_shutdown_workers", None)
        if shutdown is not None:
            shutdown()


def _as_sent(item):
    return item
