"""Fixtures for the window's tests: offscreen Qt, a private settings/runs home, a check that no
test leaves a worker thread or a training process running, and small data for every task."""

from __future__ import annotations

import dataclasses
import os
import random
import tempfile
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ALBERT_STUDIO_HOME", tempfile.mkdtemp(prefix="albert-studio-tests-"))

import pytest  # noqa: E402
from PySide6.QtCore import QProcess, QThread, QThreadPool  # noqa: E402

import app  # noqa: E402,F401  (applies the Qt binding work-arounds before any signal fires)
from tests.core.helpers import TINY as CORE_TINY  # noqa: E402

TINY = dataclasses.replace(CORE_TINY, vocab_size=120, classifier_dropout_prob=0.1)

GOOD = ["great", "wonderful", "lovely", "superb", "moving", "funny", "brilliant", "charming"]
BAD = ["awful", "boring", "dull", "terrible", "lifeless", "tedious", "flat", "painful"]
NOUNS = ["film", "story", "cast", "ending", "script", "plot", "music", "acting"]


def write_sentiment_csv(path: Path, n: int = 64, seed: int = 0) -> Path:
    """A small two-label CSV the tiny model can learn from in a few steps."""
    rng = random.Random(seed)
    lines = ["text,label"]
    for i in range(n):
        good = i % 2 == 0
        adj = rng.choice(GOOD if good else BAD)
        lines.append(f"the {rng.choice(NOUNS)} was {adj} and the {rng.choice(NOUNS)} {adj},{'pos' if good else 'neg'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def studio_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ALBERT_STUDIO_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def _dangling_threads_and_processes(monkeypatch, request):
    """Fail any test that leaves a QThread, a pool worker or a QProcess running."""
    threads: dict = {}
    processes: dict = {}
    base_thread_start = QThread.start
    base_process_start = QProcess.start

    def thread_start(self, *args, **kwargs):
        threads[self] = "".join(traceback.format_stack(limit=6)[:-1])
        return base_thread_start(self, *args, **kwargs)

    def process_start(self, *args, **kwargs):
        processes[self] = "".join(traceback.format_stack(limit=6)[:-1])
        return base_process_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", thread_start)
    monkeypatch.setattr(QProcess, "start", process_start)
    yield
    problems = []
    for thread, where in threads.items():
        try:
            if thread.isRunning():
                problems.append(f"a QThread is still running, started at\n{where}")
                thread.quit()
                thread.wait(2000)
        except RuntimeError:  # already deleted
            pass
    for proc, where in processes.items():
        try:
            if proc.state() != QProcess.ProcessState.NotRunning:
                problems.append(f"a QProcess is still running, started at\n{where}")
                proc.kill()
                proc.waitForFinished(5000)
        except RuntimeError:
            pass
    from app.training_process import LAUNCHED

    for child in list(LAUNCHED):
        if child.poll() is None:
            problems.append(f"a training process (pid {child.pid}) is still running")
            child.kill()
            child.wait(10)
    pool = QThreadPool.globalInstance()
    if not pool.waitForDone(500):
        problems.append(f"{pool.activeThreadCount()} thread-pool worker(s) still running")
        pool.waitForDone(30_000)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def window(qtbot):
    from app.main_window import MainWindow
    from app.workers import DeviceInfo

    win = MainWindow(probe_devices=False)
    win.devices.set_info(DeviceInfo([]))
    win.resize(1200, 780)  # the offscreen screen is 800 pixels square: the window fits a usual screen
    qtbot.addWidget(win)
    win.show()
    # the sample project's data file is read in the background at start-up
    qtbot.waitUntil(lambda: not win.data_page.is_busy(), timeout=20_000)
    yield win
    if win.train_page.is_running():
        win.train_page.process.kill()
        win.train_page.process.wait(10_000)
    win.runs_page._timer.stop()
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=30_000)
    import gc

    gc.collect()  # the window's garbage freed here, on the GUI thread, not by a later test's worker thread


@pytest.fixture
def tiny_project(window, tmp_path):
    """The window's project switched to a tiny spec and a small data file."""
    data = write_sentiment_csv(tmp_path / "sentiment.csv")
    window.project.set_spec(TINY)
    window.project.update_data(train_file=str(data), columns={"text": "text", "label": "label"}, val_fraction=0.25)
    window.project.update_training(log_every=1, max_length=32, batch_size=8, lr=3e-3, eval_every=0, num_threads=1)
    return data


SPEC = {
    "vocab_size": 120,
    "embedding_size": 16,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 64,
}


@pytest.fixture(scope="session")
def trained_runs(tmp_path_factory) -> dict[str, Path]:
    """Tiny finished runs of qa, ner and pretrain, trained in this process by albert_core.engine."""
    from task_data import write_conll, write_corpus, write_qa_jsonl

    from albert_core.engine import train
    from albert_core.runs import RunConfig, create_run

    root = tmp_path_factory.mktemp("trained")
    plans = {
        "qa": (write_qa_jsonl(root / "qa.jsonl", 64), {"max_steps": 40, "lr": 8e-3}),
        "ner": (write_conll(root / "ner.txt", 80), {"max_steps": 25, "lr": 8e-3}),
        "pretrain": (write_corpus(root / "corpus"), {"max_steps": 6, "lr": 1e-3}),
    }
    runs = {}
    for task, (data, settings) in plans.items():
        config = RunConfig(task=task, train_file=str(data), preset="", spec=SPEC, batch_size=16, max_length=64,
                           log_every=2, eval_every=settings["max_steps"] // 2, num_threads=1, name=f"tiny {task}",
                           **settings)  # fmt: skip
        run = create_run(config, root / task)
        last = train(run)
        assert last["event"] == "finished", last
        runs[task] = run
    return runs
