"""Render every page of the window to PNG (offscreen) into docs/screenshots/.

python scripts/screenshots.py            # static pages, with the sample project
python scripts/screenshots.py --train    # also train the sample and show curves, playground, runs
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait(app, condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", action="store_true", help="train the sample project first (about a minute)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--dark", action="store_true", help="force the dark colour scheme")
    args = ap.parse_args()
    os.environ.setdefault("ALBERT_STUDIO_HOME", tempfile.mkdtemp(prefix="albert-studio-shots-"))

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    if args.dark:
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        if app.styleHints().colorScheme() != Qt.ColorScheme.Dark:  # the platform ignores it (offscreen)
            from PySide6.QtGui import QColor, QPalette

            app.setStyle("Fusion")
            pal = QPalette()
            for role, color in (
                (QPalette.ColorRole.Window, "#2b2d30"),
                (QPalette.ColorRole.WindowText, "#dfe1e5"),
                (QPalette.ColorRole.Base, "#1e1f22"),
                (QPalette.ColorRole.AlternateBase, "#2b2d30"),
                (QPalette.ColorRole.Text, "#dfe1e5"),
                (QPalette.ColorRole.Button, "#3c3f41"),
                (QPalette.ColorRole.ButtonText, "#dfe1e5"),
                (QPalette.ColorRole.Highlight, "#2f65ca"),
                (QPalette.ColorRole.HighlightedText, "#ffffff"),
                (QPalette.ColorRole.PlaceholderText, "#8c8f94"),
            ):
                pal.setColor(role, QColor(color))
            app.setPalette(pal)
    from app.main_window import MainWindow
    from app.workers import DeviceInfo

    win = MainWindow(probe_devices=False)
    win.devices.set_info(DeviceInfo([], torch="2.x"))
    win.resize(1280, 800)
    win.show()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wait(app, lambda: win.data_page.preview is not None, 20)

    def shot(page: str, name: str) -> None:
        win.show_page(page)
        for _ in range(5):
            app.processEvents()
            time.sleep(0.05)
        path = out / f"{name}.png"
        win.grab().save(str(path), "PNG")
        print(f"{path} ({path.stat().st_size // 1024} KB)")

    shot("Model", "model")
    shot("Data", "data")
    if args.train:
        win.show_page("Train")
        win.train_page.start()
        ok = wait(app, lambda: win.train_page.status in ("finished", "stopped", "failed"), 600)
        print("training:", win.train_page.status if ok else "timed out", file=sys.stderr)
        shot("Train", "train")
        win.runs_page.refresh_now()
        if win.train_page.status == "finished":
            win.playground_page.load_model_path(str(win.train_page.run_dir))
            wait(app, lambda: win.playground_page.predictor is not None, 120)
            win.show_page("Playground")
            win.playground_page.set_text("the acting was wonderful and the story moving")
            wait(app, lambda: win.playground_page.result is not None, 60)
        shot("Playground", "playground")
        win.runs_page.select_run(str(win.train_page.run_dir))
        wait(app, lambda: win.runs_page.plots.loss.n > 0, 10)
        shot("Runs", "runs")
    else:
        shot("Train", "train")
        shot("Playground", "playground")
        shot("Runs", "runs")
    win.close()
    from app.workers import wait_for_workers

    wait_for_workers()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
