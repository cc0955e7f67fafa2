"""Playground: pick a trained model, type, and watch the prediction follow as you type.

Loading a model and each prediction run in worker threads. Typing restarts a 200 ms debounce;
one prediction runs at a time and, when it returns, the newest text is predicted next, so
the latest request always wins and stale answers never replace newer ones.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from albert_core.runs import run_model

from .. import theme
from ..run_summaries import metric_text
from ..widgets.prediction_views import VIEWS, PredictionView
from ..workers import run_in_thread

DEBOUNCE_MS = 200


def _predict(predictor, seq: int, text: str, context: str | None) -> tuple[int, dict | Exception]:
    try:
        return seq, predictor.predict(text, context=context)
    except (RuntimeError, ValueError, OSError) as e:
        return seq, e


def _load(path: str):
    from albert_core.predict import load_predictor

    # classification, QA and NER answer through onnxruntime (exported once into the model
    # folder, about 2-3x faster than PyTorch at batch 1 on a CPU); pre-trained models and
    # failed exports use PyTorch
    return load_predictor(path, fast=True)


class PlaygroundPage(QWidget):
    model_loaded = Signal(str)  # task
    predicted = Signal(dict)
    load_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.predictor = None
        self.model_path = ""
        self._outside_item = ""  # the model box's entry for a folder outside the runs, if any
        self.result: dict | None = None
        self._seq = 0  # newest input
        self._shown_seq = 0
        self._in_flight = False
        self._pending = False
        self._load_worker = None
        self._loading_path = ""
        self._pending_load = ""

        self.model_box = QComboBox()
        self.model_box.setMinimumWidth(320)
        self.model_box.setPlaceholderText("Choose a run…")
        self.model_box.activated.connect(self._on_model_chosen)
        self.open_button = QPushButton("Open model folder…")
        self.open_button.clicked.connect(self._on_open_clicked)
        top = QHBoxLayout()
        top.addWidget(QLabel("Model"))
        top.addWidget(self.model_box, 1)
        top.addWidget(self.open_button)
        self.status = QLabel("Train a model, or open a model folder, to try it here.")
        self.status.setWordWrap(True)
        self.latency = QLabel()

        self.views: dict[str, PredictionView] = {}
        self.stack = QStackedWidget()
        for task, cls in VIEWS.items():
            view = cls()
            view.inputs_edited.connect(self._on_inputs_edited)
            self.views[task] = view
            self.stack.addWidget(view)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.latency)
        layout.addLayout(row)
        layout.addWidget(self.stack, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_debounce_timeout)

    @property
    def view(self) -> PredictionView:
        return self.stack.currentWidget()

    # -- models -------------------------------------------------------------------------------
    def set_runs_source(self, runs_page) -> None:
        runs_page.runs_changed.connect(self._on_runs_changed)

    def _on_runs_changed(self, runs: list) -> None:
        self.model_box.blockSignals(True)
        self.model_box.clear()
        for r in sorted(runs, key=lambda r: -r.created):
            model = run_model(r.path) if r.status != "running" else None
            if model is None:
                continue
            where = "" if model.name == "model" else f" · stopped, {model.name}"  # answers from a checkpoint
            metric = f" · {metric_text(r, digits=1)}" if r.metric is not None else ""
            self.model_box.addItem(f"{r.name} ({r.task}{metric}{where})", str(r.path))
        self.model_box.blockSignals(False)
        self._show_loaded()

    def _show_loaded(self) -> None:
        """The model box names the model that answers: its run, else the folder it came from
        (opened with "Open model folder…"), listed first. Nothing loaded: the placeholder."""
        box = self.model_box
        box.blockSignals(True)
        if self._outside_item and box.count() and box.itemData(0) == self._outside_item:
            box.removeItem(0)
        self._outside_item = ""
        index = -1
        if self.model_path:
            loaded = Path(self.model_path).resolve()
            for i in range(box.count()):
                run = Path(box.itemData(i)).resolve()
                if loaded == run or run in loaded.parents:  # the run, its model/ or a checkpoint
                    index = i
                    break
            else:
                task = getattr(self.predictor, "task", "")
                box.insertItem(0, f"{loaded.name} ({task} · folder {loaded.parent})", str(loaded))
                self._outside_item, index = str(loaded), 0
        box.setCurrentIndex(index)
        box.blockSignals(False)

    def refresh_models(self, select: str = "") -> None:
        """Re-list the runs that have a model (finished, or stopped with a checkpoint); with
        `select`, load that run's model when none is loaded yet (one the user is trying stays)."""
        from ..run_summaries import shared

        # the shared cache reads only what each run's event log gained since the last look
        self._on_runs_changed(shared().list_runs())
        if select and not self.model_path:
            self.load_model_path(select)

    def _on_model_chosen(self, index: int) -> None:
        path = self.model_box.itemData(index)
        if path:
            self.load_model_path(path)

    def _on_open_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder (or a run folder)")
        if folder:
            self.load_model_path(folder)

    def load_model_path(self, path: str) -> None:
        """Load a model folder or a run folder in the background (one load at a time; the
        latest request is loaded next)."""
        if self._load_worker is not None:
            if path != self._loading_path:
                self._pending_load = path
            return
        self._loading_path = path
        self._pending_load = ""
        self.status.setText(f"Loading {Path(path).name}…")
        self.status.setStyleSheet("")
        self._load_worker = run_in_thread(
            _tagged_load, path, on_returned=self._on_load_returned, on_errored=self._on_load_errored
        )

    def is_loading(self) -> bool:
        return self._load_worker is not None

    def _on_load_returned(self, result) -> None:
        path, outcome = result
        self._load_worker = None
        if self._pending_load:
            self.load_model_path(self._pending_load)
            return
        if isinstance(outcome, Exception):
            self._show_load_error(path, outcome)
            return
        task = getattr(outcome, "task", "classification")
        view = self.views.get(task)
        if view is None:
            self._show_load_error(
                path, ValueError(f"a {task} model has nothing to try here; fine-tune it on a task first")
            )
            return
        self.predictor = outcome
        self.model_path = path
        self.stack.setCurrentWidget(view)
        hint = (
            "Put [MASK] in a sentence to see what it guesses." if task == "pretrain" else "Type to see its prediction."
        )
        self.status.setText(f"{Path(path).name}: {task} model loaded. {hint}")
        self.refresh_models()  # listed afresh, so a run newer than the list shows by its name
        self.model_loaded.emit(task)
        self._on_inputs_edited()

    def _on_load_errored(self, err: BaseException) -> None:
        self._load_worker = None
        self._show_load_error(self._loading_path, err)

    def _show_load_error(self, path: str, err: BaseException) -> None:
        self._show_loaded()  # the box goes back to the model that still answers
        msg = f"Could not load {Path(path).name or 'the model'}: {err}"
        self.status.setText(msg)
        self.status.setStyleSheet(theme.ERROR_TEXT)
        self.load_failed.emit(msg)

    # -- predicting ---------------------------------------------------------------------------
    def set_text(self, text: str, context: str | None = None) -> None:
        self.view.set_text(text, context)

    def _on_inputs_edited(self) -> None:
        self._seq += 1
        self._debounce.start()

    def _on_debounce_timeout(self) -> None:
        if self.predictor is None:
            return
        if self._in_flight:
            self._pending = True
            return
        text, context = self.view.inputs()
        if not text.strip():
            self.view.clear_result()
            self.latency.setText("")
            return
        self._in_flight = True
        self._pending = False
        run_in_thread(
            _predict,
            self.predictor,
            self._seq,
            text,
            context,
            on_returned=self._on_predict_returned,
            on_errored=self._on_predict_errored,
        )

    def _on_predict_returned(self, result: tuple[int, dict | Exception]) -> None:
        seq, outcome = result
        self._in_flight = False
        if isinstance(outcome, Exception):
            self.status.setText(f"Prediction failed: {outcome}")
            self.status.setStyleSheet(theme.ERROR_TEXT)
        elif seq >= self._shown_seq:
            self._shown_seq = seq
            self.result = outcome
            self.view.show_result(outcome)
            self.latency.setText(f"{outcome.get('latency_ms', 0):.0f} ms")
            self.status.setStyleSheet("")
            self.predicted.emit(outcome)
        if (self._pending or seq < self._seq) and not self._debounce.isActive():
            self._on_debounce_timeout()

    def _on_predict_errored(self, err: BaseException) -> None:
        self._in_flight = False
        self.status.setText(f"Prediction failed: {err}")
        self.status.setStyleSheet(theme.ERROR_TEXT)

    def shutdown(self) -> None:
        """Let running predictions end before the window closes."""
        self._debounce.stop()
        QThreadPool.globalInstance().waitForDone(10_000)


def _tagged_load(path: str):
    """Load a predictor; any failure becomes a value so the page can say what went wrong
    (a folder picked by the user can fail in many ways: missing files, damaged weights...)."""
    try:
        return path, _load(path)
    except Exception as e:  # noqa: BLE001 - shown to the user, not swallowed
        return path, e
