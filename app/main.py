"""Entry point: `python main.py` or the `albert-studio` command."""

from __future__ import annotations

import os
import sys
import time

_T0 = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    """Open the window on the last project (or the built-in sample) and run the event loop."""
    argv = list(sys.argv if argv is None else argv)
    from .platform_check import platform_problem

    problem = platform_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .settings import APPLICATION, ORGANIZATION

    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    # Python's cycle collector runs in whichever thread allocates; freeing Qt objects from a worker
    # thread (the data readers) can crash Qt. pyqtgraph's collector runs it on the GUI thread instead.
    from pyqtgraph.util.garbage_collector import GarbageCollector

    collector = GarbageCollector(interval=1.0)  # noqa: F841 - kept alive for the app's life

    from .main_window import MainWindow

    window = MainWindow(lazy=True)
    app.aboutToQuit.connect(window.devices.stop)
    bench = os.environ.get("ALBERT_STUDIO_BENCH_STARTUP")
    if bench:
        window.first_painted.connect(lambda: _report_first_paint(window, bench, app))
    else:
        window.first_painted.connect(window.build_pages_soon)
    window.show()
    QTimer.singleShot(3000, window.build_pages_soon)  # in case no paint event arrives (some platforms)
    code = app.exec()
    from .workers import wait_for_workers

    wait_for_workers()
    return code


def _report_first_paint(window, launched_at: str, app) -> None:
    """Benchmark hook: print launch→first paint and →pages ready, then quit."""
    import json

    painted = time.time()
    t_paint = time.perf_counter()
    window.build_pages()
    ready = time.perf_counter() - t_paint
    result = {
        "first_paint_s": painted - float(launched_at),
        "pages_ready_s": painted - float(launched_at) + ready,
        "python_to_paint_s": t_paint - _T0,
    }
    print(json.dumps(result), flush=True)
    app.quit()


if __name__ == "__main__":
    raise SystemExit(main())
