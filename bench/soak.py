"""Soak test of the Train page: a long run's event stream, 50,000 steps, through the app's own path.

A child process stands in for `python -m albert_core train RUN_DIR --json`: it writes the same
typed events (albert_core.events) through the same EventWriter to stdout and events.jsonl, as fast
as a quick GPU run logging every step. The window (offscreen) follows it exactly as it follows a
real run: TrainingProcess tails events.jsonl and hands over each tick's events in one batch,
TrainPage handles them, LivePlots buffers them and redraws. Measured: the app's resident memory at
the start and the end (and its peak), the longest gap between ticks of a 5 ms QTimer (a UI stall)
during the run and, as the reference, on the idle window just before, and the time of one full
redraw of the finished 50,000-point curves. Prints one JSON object.

    python bench/soak.py [--steps 50000] [--rate 2500]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def produce(run_dir: Path, steps: int, rate: float, eval_every: int, checkpoint_every: int) -> None:
    """The child: a run's events, written like the engine writes them."""
    import math
    import random

    from albert_core.events import CheckpointSaved, Eval, EventWriter, Finished, Log, Started, Step

    rng = random.Random(0)
    w = EventWriter(run_dir / "events.jsonl", echo=sys.stdout)
    w(Started("classification", "cpu", "fp32", 11_000_000, steps, 60_000, 800, config={"soak": True}))
    t0 = time.perf_counter()
    for s in range(1, steps + 1):
        loss = 0.3 + 0.4 * math.exp(-s / 8000) + 0.05 * rng.random()
        w(Step(s, s / 2000, loss, 1e-3 * (1 - s / steps), 1.0 + rng.random(), 900.0, 12_000.0, s / rate, steps))
        if s % eval_every == 0:
            w(Eval(s, {"loss": loss, "accuracy": 1 - loss / 2, "f1_macro": 1 - loss / 2}))
        if s % checkpoint_every == 0:
            w(CheckpointSaved(s, str(run_dir / "checkpoints" / f"step-{s}")))
            w(Log(f"checkpoint kept at step {s}"))
        lag = s / rate - (time.perf_counter() - t0)
        if lag > 0.005:
            time.sleep(lag)
    w(Finished(steps, {"loss": 0.3, "accuracy": 0.85}, str(run_dir / "model"), time.perf_counter() - t0))
    w.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--rate", type=float, default=2500, help="step events per second")
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--checkpoint-every", type=int, default=2500)
    ap.add_argument("--produce", help=argparse.SUPPRESS)  # the child's run folder
    args = ap.parse_args()
    if args.produce:
        produce(Path(args.produce), args.steps, args.rate, args.eval_every, args.checkpoint_every)
        return 0

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="albert-studio-soak-")
    os.environ.setdefault("ALBERT_STUDIO_HOME", home)
    import psutil

    import app  # noqa: F401  (the Qt work-arounds, before any widget)
    from albert_core.runs import RunConfig, create_run
    from app import training_process
    from bench.ui_stall import Probe, _loadavg, run_loop

    def child_command(run_dir, gpus=1):  # the producer in place of the training command
        return [sys.executable, str(Path(__file__).resolve()), "--produce", str(run_dir), *_child_args(args)]

    training_process.train_command = child_command

    from PySide6.QtWidgets import QApplication

    qapp = QApplication(sys.argv)
    from app.main_window import MainWindow
    from app.workers import DeviceInfo

    me = psutil.Process()
    win = MainWindow(probe_devices=False)
    win.devices.set_info(DeviceInfo([]))
    win.resize(1280, 800)
    win.show()
    run_loop(qapp, until=lambda: not win.data_page.is_busy(), timeout=30)
    win.show_page("Train")
    page = win.train_page
    run_dir = create_run(RunConfig(train_file="soak.csv", name="soak"), Path(home) / "runs" / "soak")
    run_loop(qapp, seconds=1)
    rss_start = me.memory_info().rss

    idle = Probe()  # the reference: the same window with nothing to do (background load shows here)
    idle.start()
    run_loop(qapp, seconds=3)
    idle.stop()

    probe = Probe()
    peak = [rss_start]

    def sample():
        peak[0] = max(peak[0], me.memory_info().rss)

    from PySide6.QtCore import QTimer

    sampler = QTimer()
    sampler.setInterval(250)
    sampler.timeout.connect(sample)
    probe.start()
    sampler.start()
    ended = []  # when the run's end was handled: what follows (re-listing runs) is not streaming
    rss_streamed = [0]  # the memory once every event was handled, before the run's end is

    def on_events(events):
        if any(e["event"] in ("finished", "stopped", "failed") for e in events):
            rss_streamed[0] = me.memory_info().rss

    page.process.events_received.connect(on_events)
    page.process.finished.connect(lambda *_: ended.append(time.perf_counter()))
    page.process.failed.connect(lambda *_: ended.append(time.perf_counter()))
    t0 = time.monotonic()
    page.resume(run_dir)
    run_loop(qapp, until=lambda: page.status in ("finished", "stopped", "failed"), timeout=1800)
    wall = time.monotonic() - t0
    run_loop(qapp, seconds=0.5)
    probe.stop()
    sampler.stop()
    sample()
    rss_end = me.memory_info().rss

    t = time.perf_counter()
    page.plots.redraw()
    page.plots.repaint()
    qapp.processEvents()
    redraw_ms = (time.perf_counter() - t) * 1000

    events = page.events_seen
    stall = probe.summary()
    mib = 1 / 2**20
    result = {
        "benchmark": "soak",
        "load_average_1min": _loadavg(),
        "cpu_cores": os.cpu_count(),
        "run_status": page.status,
        "wall_s": round(wall, 1),
        "events_received": events,
        "events_per_s": round(events / max(wall, 1e-9)),
        "curve_points": page.plots.loss.n,
        "plot_redraws": page.plots.redraws,
        "rss_start_mib": round(rss_start * mib, 1),
        "rss_end_mib": round(rss_end * mib, 1),
        "rss_peak_mib": round(peak[0] * mib, 1),
        "rss_when_last_event_handled_mib": round(rss_streamed[0] * mib, 1),
        "rss_growth_mib": round((rss_end - rss_start) * mib, 1),
        "rss_growth_bytes_per_event": round((rss_end - rss_start) / max(events, 1)),
        "longest_ui_stall_ms": stall["max_gap_ms"],
        "ui_stall": stall,
        "ui_stall_while_streaming": probe.summary(before=ended[0] if ended else None),
        "reference_idle_window": idle.summary(),
        "full_redraw_at_end_ms": round(redraw_ms, 1),
        "target_max_gap_ms": 50,
        "meets_target": stall["max_gap_ms"] <= 50,
    }
    if page.status == "failed":
        result["message"] = page.message
    print(json.dumps(result, indent=2))
    win.close()
    from app.workers import wait_for_workers

    wait_for_workers()
    return 0 if page.status == "finished" else 1


def _child_args(args) -> list[str]:
    return [
        "--steps",
        str(args.steps),
        "--rate",
        str(args.rate),
        "--eval-every",
        str(args.eval_every),
        "--checkpoint-every",
        str(args.checkpoint_every),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
