"""GUI-thread time to show a long run's curves on the Runs page (or after a Resume).

Writes a run whose events.jsonl holds N step events (and an evaluation every 5,000 steps), then
times, as the window does it: reading the log (a worker thread's part) and buffering and drawing
the curves (the GUI thread's part), once with the steps thinned to what a plot shows
(`thin_steps`, what the window does) and once with every step (the reference, as before).
Prints one JSON object with the ratio of GUI-thread times.

    python bench/long_curve.py [--steps 300000]
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
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ALBERT_STUDIO_HOME", tempfile.mkdtemp(prefix="albert-bench-"))

import app  # noqa: E402,F401


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300_000)
    a = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from albert_core.events import Eval, EventWriter, Started, Step, latest_attempt, read_events
    from albert_core.runs import RunConfig, create_run
    from app.widgets.loss_plot import LivePlots, thin_steps

    qapp = QApplication.instance() or QApplication([])
    run = create_run(RunConfig(train_file="x.csv", name="long"), Path(tempfile.mkdtemp()) / "long")
    w = EventWriter(run / "events.jsonl", echo=None)
    w(Started("classification", "cpu", "fp32", 1000, a.steps, 10, 2))
    for s in range(1, a.steps + 1):
        w(Step(s, s / 1000, 1.0 / s, 1e-3, 1.0, 10.0, 100.0, float(s), a.steps))
        if s % 5000 == 0:
            w(Eval(s, {"loss": 1.0, "accuracy": 0.5}))
    w.close()

    kept = ("started", "step", "eval", "finished")
    t = time.perf_counter()
    events = list(latest_attempt(e for e in read_events(run / "events.jsonl") if e["event"] in kept))
    read_s = time.perf_counter() - t

    def gui_seconds(evs: list[dict]) -> float:
        plots = LivePlots(live=False)
        plots.resize(900, 500)
        plots.show()
        t = time.perf_counter()
        plots.add_events(evs)
        plots.repaint()
        qapp.processEvents()
        return time.perf_counter() - t

    t = time.perf_counter()
    thinned = thin_steps(events)
    thin_s = time.perf_counter() - t
    ours = gui_seconds(thinned)
    reference = gui_seconds(events)
    print(json.dumps({
        "benchmark": "GUI-thread seconds to show a long run's curves",
        "steps": a.steps,
        "worker_read_s": round(read_s, 3),
        "worker_thin_s": round(thin_s, 4),
        "points_drawn": sum(e["event"] == "step" for e in thinned),
        "gui_s_thinned": round(ours, 3),
        "gui_s_every_step_reference": round(reference, 3),
        "speedup": round(reference / ours, 1),
        "command": "python bench/long_curve.py --steps " + str(a.steps),
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
