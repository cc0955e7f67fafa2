"""A run killed with SIGKILL leaves no torn file and resumes to exactly the same result."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from albert_core.engine import train
from albert_core.events import read_events
from albert_core.runs import RunConfig, checkpoints, create_run, summarize
from tests.core.helpers import TINY, sentiment_rows, write_csv

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

# dropout on, so an exact resume needs the RNG state restored as well as the data position
SPEC = dataclasses.replace(TINY, hidden_dropout_prob=0.1, classifier_dropout_prob=0.1)


def _run(tmp_path: Path, name: str) -> Path:
    data = tmp_path / "train.csv"
    if not data.exists():
        write_csv(data, sentiment_rows(120))
    config = RunConfig(
        train_file=str(data),
        spec=SPEC.to_dict(),
        preset="",
        batch_size=8,
        lr=3e-3,
        epochs=0,
        max_steps=80,  # several epochs: resuming must land on the right epoch's batches
        checkpoint_every=10,
        eval_every=40,
        log_every=5,
        keep_checkpoints=3,
        seed=7,
        num_threads=1,  # the same arithmetic in every process, so results compare exactly
    )
    return create_run(config, tmp_path / name)


def _train(run_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "albert_core", "train", str(run_dir), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _assert_nothing_torn(run_dir: Path) -> None:
    import torch
    from safetensors import safe_open

    json.loads((run_dir / "run.json").read_text())
    lines = (run_dir / "events.jsonl").read_text().splitlines()
    for line in lines[:-1]:
        json.loads(line)  # only the very last line may be torn by the kill
    cps = checkpoints(run_dir)
    assert cps, "a checkpoint event was seen, so a complete checkpoint must exist"
    for cp in cps:
        meta = json.loads((cp / "state.json").read_text())
        assert meta["step"] == int(cp.name.split("-")[1]) and meta["micro"] > 0
        with safe_open(str(cp / "model.safetensors"), "pt") as f:
            assert all(f.get_tensor(k).isfinite().all() for k in f.keys())
        state = torch.load(cp / "trainer_state.pt", weights_only=True)
        assert state["optimizer"]["state"] and "torch_rng" in state


def test_sigkill_mid_run_then_resume_matches_an_uninterrupted_run(tmp_path):
    full, part = _run(tmp_path, "full"), _run(tmp_path, "part")
    reference = _train(full)  # runs alongside the one that gets killed
    victim = _train(part)
    seen = []
    for line in victim.stdout:
        if line.startswith("{"):
            seen.append(json.loads(line))
            if seen[-1]["event"] == "checkpoint" and seen[-1]["step"] >= 20:
                # a second trainer on the same folder is refused while the first one lives
                assert "is already training" in train(part)["message"]
                victim.send_signal(signal.SIGKILL)
                break
    victim.wait(timeout=60)
    assert victim.returncode == -signal.SIGKILL, f"the run ended before it could be killed: {seen[-1:]}"
    victim.stdout.close()
    victim.stderr.close()

    assert summarize(part).status == "interrupted"
    _assert_nothing_torn(part)
    # a writer killed mid-line leaves a torn last line; the resumed run must not glue onto it
    with open(part / "events.jsonl", "a", encoding="utf-8") as f:
        f.write('{"event": "step", "ste')

    resumed = subprocess.run(
        [sys.executable, "-m", "albert_core", "train", str(part)],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from step-" in resumed.stdout
    out, err = reference.communicate(timeout=240)
    assert reference.returncode == 0, err

    finished = lambda run: [e for e in read_events(run / "events.jsonl") if e["event"] == "finished"]  # noqa: E731
    (a,), (b,) = finished(full), finished(part)
    assert a["step"] == b["step"] == 80
    assert b["metrics"] == a["metrics"]  # exactly: same weights, same batches, same dropout masks
    started = [e for e in read_events(part / "events.jsonl") if e["event"] == "started"]
    assert len(started) == 2 and started[1]["start_step"] >= 20
    logs = [e["message"] for e in read_events(part / "events.jsonl") if e["event"] == "log"]
    assert any(m.startswith("resumed from step-") for m in logs)
    assert summarize(part).status == "finished"
    # the weights themselves are identical
    from safetensors.torch import load_file

    wa, wb = load_file(full / "model" / "model.safetensors"), load_file(part / "model" / "model.safetensors")
    assert wa.keys() == wb.keys() and all((wa[k] == wb[k]).all() for k in wa)
