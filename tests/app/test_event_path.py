"""The window's event path: a backlog arrives in bounded batches, plots buffer batches exactly as
single events, and the runs list reads each log incrementally yet says what `summarize` says."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from albert_core.events import Eval, EventWriter, Finished, Started, Step
from albert_core.runs import RunConfig, create_run, summarize
from app.run_summaries import SummaryCache
from app.training_process import READ_BYTES_PER_TICK, TrainingProcess
from app.widgets.loss_plot import LivePlots


def _step(s: int, loss: float = 1.0) -> Step:
    return Step(s, 0.0, loss, 1e-3, 1.0, 10.0, 100.0, float(s), 1000)


def test_a_backlog_is_read_in_bounded_batches_and_nothing_is_lost(tmp_path, qtbot):
    run_dir = create_run(RunConfig(train_file="x.csv"), tmp_path / "run")
    proc = TrainingProcess()
    batches: list[list[dict]] = []
    proc.events_received.connect(batches.append)
    proc.attach(run_dir, pid=os.getpid())  # follows "a live process" that writes the log below
    w = EventWriter(run_dir / "events.jsonl", echo=None)
    w(Started("classification", "cpu", "fp32", 1000, 3000, 10, 2))
    for s in range(1, 3001):
        w(_step(s))
    w.close()
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) == 3001, timeout=10_000)
    assert len(batches) >= 2  # about 700 KB: more than one tick's worth
    line = len(json.dumps(_step(1).to_dict())) + 1
    assert max(len(b) for b in batches) <= READ_BYTES_PER_TICK // line + 2
    steps = [e["step"] for b in batches for e in b if e["event"] == "step"]
    assert steps == list(range(1, 3001))
    proc.detach()


def test_a_batch_buffers_like_single_events(qtbot):
    events = [{"event": "step", "step": s, "loss": 2.0 / s, "lr": 1e-3 * s, "samples_per_s": 5.0} for s in range(1, 50)]
    events[10]["loss"] = float("nan")
    events.insert(20, {"event": "eval", "step": 20, "metrics": {"loss": 0.5, "accuracy": 0.7}})
    one, many = LivePlots(live=False), LivePlots(live=False)
    qtbot.addWidget(one)
    qtbot.addWidget(many)
    for ev in events:
        one.add_event(ev)
    many.extend(events[:7])
    many.extend(events[7:])
    for a, b in [(one.loss, many.loss), (one.smooth, many.smooth), (one.lr, many.lr), (one.eval_loss, many.eval_loss)]:
        np.testing.assert_allclose(a.x, b.x)
        np.testing.assert_allclose(a.y, b.y)
    assert many.smooth.n == 48 and many.metrics["accuracy"].n == 1
    assert many.loss.y_max == 2.0 and many.loss.y_min == 2.0 / 49


def test_summary_cache_reads_appends_and_agrees_with_summarize(tmp_path):
    root = tmp_path / "runs"
    run_dir = create_run(RunConfig(train_file="x.csv", name="a"), root / "a")
    cache = SummaryCache()
    assert cache.list_runs(root) == [summarize(run_dir)]
    w = EventWriter(run_dir / "events.jsonl", echo=None)
    w(Started("classification", "cpu", "fp32", 1000, 10, 10, 2))
    for s in range(1, 6):
        w(_step(s))
    w(Eval(5, {"loss": 0.4, "accuracy": 0.8}))
    assert cache.summarize(run_dir) == summarize(run_dir)  # "interrupted": no live pid
    offset = cache._logs[run_dir].offset
    assert offset == Path(run_dir / "events.jsonl").stat().st_size
    with open(run_dir / "events.jsonl", "a") as f:  # a torn line, finished by the next write
        f.write('{"event": "step", "step": 6, ')
    assert cache.summarize(run_dir).step == 5
    with open(run_dir / "events.jsonl", "a") as f:
        f.write('"loss": 1.0}\n')
    w(Finished(6, {"loss": 0.3, "accuracy": 0.9}, str(run_dir / "model"), 1.0, best_step=4, early=True))
    w.close()
    got = cache.summarize(run_dir)
    assert got == summarize(run_dir) and got.status == "finished" and got.metric == 0.9 and got.step == 6
    assert got.message == "stopped early at step 6; the model kept is step 4's, the best on validation"
    (run_dir / "events.jsonl").write_text("")  # a log started again is read from its start
    assert cache.summarize(run_dir) == summarize(run_dir)


def test_summary_cache_takes_the_last_readable_step_in_order(tmp_path):
    run_dir = create_run(RunConfig(train_file="x.csv"), tmp_path / "run")
    w = EventWriter(run_dir / "events.jsonl", echo=None)
    w(Started("classification", "cpu", "fp32", 1000, 10, 10, 2))
    for s in range(1, 4):
        w(_step(s))
    w.close()
    with open(run_dir / "events.jsonl", "a") as f:  # a killed writer's torn step, then a resume
        f.write('{"event": "step", "step": 9, "lo\n')
    w = EventWriter(run_dir / "events.jsonl", echo=None)
    w(Started("classification", "cpu", "fp32", 1000, 10, 10, 2, start_step=3))
    w(Finished(3, {"loss": 0.3, "accuracy": 0.9}, str(run_dir / "model"), 1.0))
    w(Started("classification", "cpu", "fp32", 1000, 10, 10, 2, start_step=3))
    w(_step(4))
    w.close()
    with open(run_dir / "events.jsonl", "a") as f:
        f.write('{"event": "step", "step": 7, "lo\n')
    got = SummaryCache().summarize(run_dir)
    assert got == summarize(run_dir) and got.step == 4


def test_a_finished_runs_plots_fit_every_curve_after_a_clear(qtbot):
    """The Runs page clears its plots before it shows a run: each panel's y axis then still
    fits its curve (a learning rate of 1e-3 and 500 samples/s were drawn on a 0..1 axis)."""
    plots = LivePlots(live=False)
    qtbot.addWidget(plots)
    plots.resize(900, 600)
    plots.show()
    plots.clear()
    steps = [{"event": "step", "step": s, "loss": 2.0 / s, "lr": 1e-3 * (1 - s / 60), "samples_per_s": 500.0 + s}
             for s in range(1, 60)]  # fmt: skip
    plots.add_events(steps)
    for panel, buf in [(plots.lr_panel, plots.lr), (plots.speed_panel, plots.speed), (plots.loss_panel, plots.loss)]:
        view = panel.getPlotItem().getViewBox()
        view.updateAutoRange()
        lo, hi = view.viewRange()[1]
        assert lo <= buf.y_min and hi >= buf.y_max
        assert hi - lo < 4 * (buf.y_max - buf.y_min) + 1e-9  # the curve fills the panel, not a sliver of it
