"""Launch → first paint of the main window, against a bare PySide6 window measured the same way.

Starts `python main.py` in a fresh process several times (offscreen unless a display is
given), each printing the wall-clock seconds from just before the process was spawned to
the window's first paint, and to every page being built. Prints one JSON object.

    python bench/ui_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE = r"""
import json, os, sys, time
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
class W(QLabel):
    done = False
    def event(self, e):
        if e.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            t = time.time()
            QTimer.singleShot(0, lambda: (print(json.dumps({"first_paint_s": t - float(os.environ["T0"])})), app.quit()))
        return super().event(e)
w = W("bare window"); w.resize(1200, 780); w.show()
app.exec()
"""


def _run(cmd: list[str], env: dict) -> dict:
    env = dict(env)
    t0 = time.time()
    env["T0"] = env["ALBERT_STUDIO_BENCH_STARTUP"] = repr(t0)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=str(ROOT))
    line = next((ln for ln in reversed(out.stdout.splitlines()) if ln.startswith("{")), "")
    if not line:
        raise SystemExit(f"no measurement from {' '.join(cmd)}:\n{out.stderr[-2000:]}")
    d = json.loads(line)
    d["process_s"] = time.time() - t0
    return d


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["ALBERT_STUDIO_HOME"] = tempfile.mkdtemp(prefix="albert-studio-bench-")
    _run([sys.executable, str(ROOT / "main.py")], env)  # warm the file cache once
    app = [_run([sys.executable, str(ROOT / "main.py")], env) for _ in range(args.repeat)]
    bare = [_run([sys.executable, "-c", BARE], env) for _ in range(args.repeat)]
    paint = statistics.median(r["first_paint_s"] for r in app)
    ready = statistics.median(r["pages_ready_s"] for r in app)
    ref = statistics.median(r["first_paint_s"] for r in bare)
    result = {
        "benchmark": "ui_startup",
        "platform": env.get("QT_QPA_PLATFORM", "default"),
        "repeat": args.repeat,
        "first_paint_s": round(paint, 3),
        "all_pages_ready_s": round(ready, 3),
        "reference_bare_pyside6_window_first_paint_s": round(ref, 3),
        "ratio_vs_bare_window": round(paint / ref, 2),
        "target_s": 1.0,
        "meets_target": paint <= 1.0,
        "runs_first_paint_s": [round(r["first_paint_s"], 3) for r in app],
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
