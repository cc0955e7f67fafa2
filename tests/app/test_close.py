"""Closing the window while a run trains: Cancel keeps the window, Stop run stops it with a
checkpoint, Leave running keeps it training and a new window re-attaches to it."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from albert_core.runs import summarize
from app.training_process import pid_alive, running_pid

RUN_TIMEOUT = 120_000


def _start_long_run(window, qtbot):
    page = window.train_page
    page.max_steps_spin.setValue(100_000)
    run_dir = page.start()
    qtbot.waitUntil(lambda: any(e["event"] == "step" for e in page.events), timeout=RUN_TIMEOUT)
    return run_dir


def test_cancel_keeps_the_window_and_stop_run_stops_it(window, tiny_project, qtbot, monkeypatch):
    run_dir = _start_long_run(window, qtbot)
    monkeypatch.setattr(window, "ask_about_running_run", lambda: "cancel")
    assert not window.close()
    assert window.isVisible() and window.train_page.is_running()
    monkeypatch.setattr(window, "ask_about_running_run", lambda: "stop")
    assert window.close()
    assert not window.train_page.is_running()
    assert summarize(run_dir).status == "stopped"


def test_leave_running_keeps_training_and_a_new_window_follows_it(window, tiny_project, qtbot):
    from conftest import TINY

    from app.main_window import MainWindow

    run_dir = _start_long_run(window, qtbot)
    pid = window.train_page.process.pid()

    def click_leave_running():  # the real question box, answered as a user would
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, click_leave_running)
            return
        assert [b.text() for b in box.buttons()].count("Stop run") == 1
        next(b for b in box.buttons() if b.text() == "Leave running").click()

    QTimer.singleShot(50, click_leave_running)
    assert window.close()
    assert pid_alive(pid) and running_pid(run_dir) == pid
    assert summarize(run_dir).status == "running"

    again = MainWindow(probe_devices=False)
    qtbot.addWidget(again)
    page = again.train_page
    try:
        # the project comes back as it was, beside the run it trains (not the sample project)
        assert again.project.state.train_file == str(tiny_project) and again.project.spec == TINY
        assert again.train_page.max_steps_spin.value() == 100_000
        assert page.status == "running" and page.run_dir == run_dir and page.is_running()
        seen = page.plots.loss.n
        assert seen >= 1  # the curve so far, read back from events.jsonl
        qtbot.waitUntil(lambda: page.plots.loss.n > seen, timeout=30_000)  # and it keeps following
        with qtbot.waitSignal(page.run_ended, timeout=60_000) as ended:
            page.stop()
        assert ended.args == [str(run_dir), "stopped"]
        assert summarize(run_dir).status == "stopped" and not pid_alive(pid)
    finally:
        if page.is_running():
            page.process.kill()
            page.process.wait(10_000)
        qtbot.waitUntil(lambda: not again.data_page.is_busy(), timeout=20_000)
        again.runs_page._timer.stop()
