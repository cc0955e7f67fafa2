"""Checkpoints: safetensors weights plus optimizer, scheduler, RNG and data position.

A checkpoint is written into a temporary folder and renamed into place, and its
`state.json` is written last, so a killed process never leaves a checkpoint that looks
complete but is not.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

from .runs import ConfigError, atomic_write_json, checkpoints, prune_checkpoints, usual_modes


def save(run_dir: Path, step: int, micro: int, model, optimizer, scheduler, scaler=None, tokenizer=None) -> Path:
    """Write checkpoint `step`. With the model's config.json and the tokenizer beside the weights
    it is a model folder too: a stopped run can be fine-tuned from or tried in the playground."""
    import torch
    from safetensors.torch import save_model

    root = Path(run_dir) / "checkpoints"
    final = root / f"step-{step}"
    if (final / "state.json").exists():
        return final  # this very step is saved already (a stop right after a periodic checkpoint)
    for stale in root.glob(".step-*.tmp"):  # left by a process killed while saving
        shutil.rmtree(stale, ignore_errors=True)
    tmp = root / f".step-{step}.tmp"
    try:
        tmp.mkdir(parents=True)
        save_model(model, str(tmp / "model.safetensors"))
        if getattr(model, "config", None) is not None:
            model.config.architectures = [type(model).__name__]
            model.config.save_pretrained(tmp)
        if tokenizer is not None:
            tokenizer.save_pretrained(tmp)
        state = {
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "scaler": scaler.state_dict() if scaler is not None else {},
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        }
        torch.save(state, tmp / "trainer_state.pt")
        _fsync(tmp / "model.safetensors", tmp / "trainer_state.pt")  # on disk before state.json says "complete"
        atomic_write_json(tmp / "state.json", {"step": step, "micro": micro, "python_rng": _py_rng()})
        usual_modes(tmp)
        shutil.rmtree(final, ignore_errors=True)  # an incomplete folder of the same name
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a failed save (a full disk) leaves nothing behind
        raise
    return final


def _fsync(*files: Path) -> None:
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _py_rng():
    v, internal, gauss = random.getstate()
    return [v, list(internal), gauss]


def latest(run_dir: Path) -> Path | None:
    cps = checkpoints(run_dir)
    return cps[-1] if cps else None


def load(path: Path, model, optimizer, scheduler, scaler=None) -> tuple[int, int]:
    """Restore a checkpoint into the given objects; returns (step, micro-batch position)."""
    import torch
    from safetensors.torch import load_model

    try:
        meta = json.loads((path / "state.json").read_text())
        load_model(model, str(path / "model.safetensors"), device=str(next(model.parameters()).device))
        # weights_only: a checkpoint holds tensors and plain values, never code
        state = torch.load(path / "trainer_state.pt", map_location="cpu", weights_only=True)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
    except Exception as e:  # noqa: BLE001 - safetensors, torch and json each raise their own kind
        detail = " ".join(str(e).split())[:300]
        raise ConfigError(
            f"the checkpoint {path} cannot be read ({detail}); delete that folder to resume from the one "
            "before it, or start the run again"
        ) from None
    if scaler is not None and state["scaler"]:
        scaler.load_state_dict(state["scaler"])
    torch.set_rng_state(state["torch_rng"])
    if state["cuda_rng"] and torch.cuda.is_available():
        try:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        except (RuntimeError, IndexError):
            pass
    v, internal, gauss = meta["python_rng"]
    random.setstate((v, tuple(internal), gauss))
    return int(meta["step"]), int(meta["micro"])


def prune(run_dir: Path, keep: int) -> None:
    prune_checkpoints(run_dir, keep)
