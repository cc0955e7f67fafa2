"""Deterministic, length-bucketed batches, and their position for resuming."""

from __future__ import annotations

import random


def epoch_batches(
    lengths: list[int],
    batch_size: int,
    seed: int,
    epoch: int,
    bucket: bool = True,
    shuffle: bool = True,
    chunk_batches: int = 50,
) -> list[list[int]]:
    """The batches (lists of feature indices) of one epoch.

    The same (seed, epoch) always gives the same batches, so a resumed run continues at the
    same position. With `bucket`, examples are sorted by length inside chunks of
    `chunk_batches` batches, so each batch holds similar lengths and pads little, while the
    batch order stays random. The last partial batch is kept.
    """
    idx = list(range(len(lengths)))
    rng = random.Random(seed * 1_000_003 + epoch)
    if shuffle:
        rng.shuffle(idx)
    if bucket:
        chunk = batch_size * chunk_batches
        out = []
        for start in range(0, len(idx), chunk):
            part = sorted(idx[start : start + chunk], key=lambda i: lengths[i])
            out.extend(part[j : j + batch_size] for j in range(0, len(part), batch_size))
        if shuffle:
            rng.shuffle(out)
        return out
    return [idx[j : j + batch_size] for j in range(0, len(idx), batch_size)]


def shard(batches: list[list[int]], rank: int, world: int) -> list[list[int]]:
    """This rank's slice of each global batch. Batches too small to give every rank at least
    one example are dropped (on every rank alike) so all ranks take the same number of steps."""
    if world == 1:
        return batches
    out = []
    for b in batches:
        if len(b) < world:
            continue
        per = -(-len(b) // world)
        out.append(b[rank * per : (rank + 1) * per] or b[-1:])
    return out


def eval_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Evaluation batches sorted by length (order does not matter for metrics; padding does)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[j : j + batch_size] for j in range(0, len(order), batch_size)]
