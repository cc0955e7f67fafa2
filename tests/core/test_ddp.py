"""Multi-process training on the CPU (gloo): `torch.distributed.run -m albert_core train RUN_DIR`.

Two processes at batch B must follow the same loss curve as one process at batch 2B (the global
batch is the same examples, split in two): per-step losses agree within 1e-4 relative. Rank 0
alone writes events and checkpoints, and a stop request stops every rank at the same step.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from albert_core.engine import train
from albert_core.events import read_events
from albert_core.runs import RunConfig, create_run
from tests.core.helpers import TINY, sentiment_rows, write_csv

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-4  # relative, per step: fp32 on the CPU, only the order of the sums differs


def _config(tmp_path, **kw) -> RunConfig:
    data = tmp_path / "train.csv"
    if not data.exists():
        write_csv(data, sentiment_rows(200))  # 160 training rows: 10 global batches of 16
    settings = dict(
        train_file=str(data),
        spec=TINY.to_dict(),
        preset="",
        lr=3e-3,
        max_steps=10,
        epochs=0,
        log_every=1,
        eval_every=10**6,
        val_fraction=0.2,
        seed=5,
        device="cpu",
        num_threads=1,
    )
    settings.update(kw)
    return RunConfig(**settings)


def _launch(run: Path, nproc: int = 2, wait: bool = True):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}"]
    cmd += ["-m", "albert_core", "train", str(run), "--json"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if not wait:
        return proc
    out, _ = proc.communicate(timeout=240)
    assert proc.returncode == 0, out[-3000:]
    return out


def _events(run: Path) -> list[dict]:
    return list(read_events(run / "events.jsonl"))


def test_two_processes_follow_the_single_process_loss_curve(tmp_path):
    single = create_run(_config(tmp_path, batch_size=16), tmp_path / "single")
    assert train(single)["event"] == "finished"
    multi = create_run(_config(tmp_path, batch_size=8, checkpoint_every=5), tmp_path / "multi")
    _launch(multi)

    one, two = _events(single), _events(multi)
    steps_one = [e for e in one if e["event"] == "step"]
    steps_two = [e for e in two if e["event"] == "step"]
    # rank 0 alone writes: every step once, one start and one finish
    assert [e["step"] for e in steps_two] == list(range(1, 11))
    assert [e["event"] for e in two].count("started") == 1
    assert [e["event"] for e in two].count("finished") == 1
    assert next(e for e in two if e["event"] == "started")["world_size"] == 2
    assert sorted(p.name for p in (multi / "checkpoints").iterdir()) == ["step-5"]
    assert (multi / "model" / "model.safetensors").exists()
    for a, b in zip(steps_one, steps_two, strict=True):
        assert abs(a["loss"] - b["loss"]) <= TOLERANCE * abs(a["loss"]), (a["step"], a["loss"], b["loss"])
        assert abs(a["grad_norm"] - b["grad_norm"]) <= 1e-3 * abs(a["grad_norm"])


def test_a_stop_request_stops_every_rank_at_the_same_step(tmp_path):
    run = create_run(_config(tmp_path, batch_size=8, max_steps=100000), tmp_path / "stop")
    proc = _launch(run, wait=False)
    deadline = time.time() + 180
    while time.time() < deadline and not any(e["event"] == "step" and e["step"] >= 3 for e in _events(run)):
        assert proc.poll() is None, proc.stdout.read()[-3000:]
        time.sleep(0.5)
    (run / "STOP").touch()
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out[-3000:]  # both ranks ended cleanly, none hung in a collective
    evs = _events(run)
    stopped = [e for e in evs if e["event"] == "stopped"]
    assert len(stopped) == 1
    step = stopped[0]["step"]
    assert (run / "checkpoints" / f"step-{step}").is_dir()
    assert len(list((run / "checkpoints").iterdir())) == 1


def test_an_early_stop_ends_every_rank_together_and_keeps_the_best(tmp_path):
    run = create_run(
        _config(tmp_path, batch_size=8, max_steps=200, eval_every=4, early_stop=1, keep_best=True), tmp_path / "early"
    )
    _launch(run)  # both ranks end: none waits in a collective the other left
    evs = _events(run)
    (done,) = [e for e in evs if e["event"] == "finished"]
    assert done["early"] and done["step"] < 200
    scores = [e["metrics"]["accuracy"] for e in evs if e["event"] == "eval"]
    assert done["metrics"]["accuracy"] == max(scores)
    assert (run / "best" / "model.safetensors").exists() and (run / "model" / "model.safetensors").exists()
