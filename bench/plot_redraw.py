"""Redraw time of the live loss plot as its curve grows to 100,000 points.

Appends step events to the Train page's plots in chunks (as the 80 ms timer would see them),
then times one redraw (setData on every curve plus a full repaint of the widget) at each size.
The reference is the same curve drawn by a plain pyqtgraph PlotWidget without downsampling or
clip-to-view. Prints one JSON object.

    python bench/plot_redraw.py [--points 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

import app  # noqa: E402,F401

SIZES = (1_000, 10_000, 30_000, 100_000)


def frame_ms(qapp, widget, redraw, repeat: int = 5) -> tuple[float, float]:
    """Median wall and CPU milliseconds of one redraw + repaint."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.thread_time()
        redraw()
        widget.repaint()
        qapp.processEvents()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=100_000)
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    qapp = QApplication(sys.argv)
    import pyqtgraph as pg

    from app.widgets.loss_plot import LivePlots

    rng = np.random.default_rng(0)
    n = args.points
    steps = np.arange(1, n + 1, dtype=float)
    loss = 2.5 * np.exp(-steps / (n / 5)) + 0.3 + 0.2 * rng.standard_normal(n)

    plots = LivePlots(live=True)  # as on the Train page: steady axes, x fixed to the run's steps
    plots.stop_timer()  # frames are driven here
    plots.set_step_range(0, n)
    plots.resize(1000, 700)
    plots.show()
    naive = pg.PlotWidget()
    naive.resize(1000, 300)
    naive.show()
    naive_curve = naive.plot([], [])
    qapp.processEvents()

    sizes = [s for s in SIZES if s < n] + [n]
    rows = []
    done = 0
    for size in sizes:
        for i in range(done, size):
            lr = 1e-3 * (1 - i / n)
            plots.add_event({"event": "step", "step": steps[i], "loss": loss[i], "lr": lr, "samples_per_s": 100.0})
        done = size
        ours, ours_cpu = frame_ms(qapp, plots, plots.redraw)
        ref, ref_cpu = frame_ms(qapp, naive, lambda s=size: naive_curve.setData(steps[:s], loss[:s]))
        rows.append(
            {
                "points": size,
                "live_plots_frame_ms": round(ours, 2),
                "live_plots_frame_cpu_ms": round(ours_cpu, 2),
                "plain_pyqtgraph_frame_ms": round(ref, 2),
                "plain_pyqtgraph_frame_cpu_ms": round(ref_cpu, 2),
            }
        )
    t = time.perf_counter()
    for i in range(n):
        plots.loss.append(steps[i], loss[i])
    append_us = (time.perf_counter() - t) / n * 1e6
    last = rows[-1]
    result = {
        "benchmark": "plot_redraw",
        "note": "live plots: 5 curves on 4 panels (loss raw+smoothed, lr, throughput); plain: 1 curve, autorange",
        "frames": rows,
        "frame_ms_at_max": last["live_plots_frame_ms"],
        "frame_cpu_ms_at_max": last["live_plots_frame_cpu_ms"],
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "reference_plain_frame_ms_at_max": last["plain_pyqtgraph_frame_ms"],
        "ratio_vs_plain": round(last["live_plots_frame_ms"] / max(last["plain_pyqtgraph_frame_ms"], 1e-9), 2),
        "append_us_per_point": round(append_us, 3),
        "redraw_interval_ms": 80,
        "fits_in_redraw_interval": last["live_plots_frame_cpu_ms"] < 80,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
