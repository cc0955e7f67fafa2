"""Playground: pick a trained model, type, and watch the prediction follow as you type; or
predict for a whole file and see where the model goes wrong.

Loading a model and each prediction run in worker threads. Typing restarts a 200 ms debounce;
one prediction runs at a time and, when it returns, the newest text is predicted next, so
the latest request always wins and stale answers never replace newer ones.

"Predict a file…" (or a file dropped on the page) runs `albert_core.predict_file` in a worker thread with a model of its own
(the typed predictions go on meanwhile), polls its progress on a timer, and lists the rows
below: the surest mistakes first when the file has its own answers; a double-click puts a
row's text in the box above.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from albert_core.predict_file import PREVIEW_ROWS, default_out
from albert_core.runs import run_model, task_word

from .. import theme
from ..run_summaries import metric_text
from ..widgets.label_scores import LabelScores
from ..widgets.prediction_views import VIEWS, PredictionView
from ..workers import run_in_thread

DEBOUNCE_MS = 200
FILE_TIP = (
    "Predict for every row of a CSV, TSV, JSON Lines or text file (SQuAD JSON for question answering) and "
    "save the rows with their predictions; a column of the model's labels is compared with them"
)
DATA_FILES = "Data files (*.csv *.tsv *.jsonl *.json *.txt);;All files (*)"


class FileJob:
    """A file prediction's progress and stop request, shared with its worker thread."""

    def __init__(self, model_path: str, path: str, out: str):
        self.model_path, self.path, self.out = model_path, path, out
        self.done = self.total = 0
        self.stop = False

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total


def _predict_file(job: FileJob) -> tuple:
    """Predict for every row of job.path; any failure becomes a value the page shows (in a tuple:
    superqt raises an exception that a worker returns)."""
    import torch

    from albert_core.predict_file import predict_file

    try:
        model = job.model_path  # on a GPU when there is one
        if not torch.cuda.is_available():  # on a CPU, onnxruntime (the page exported the model when it
            model = _load(job.model_path)  # loaded it): about twice as fast for a file (bench/predict_file.py)
        return (predict_file(model, job.path, job.out, progress=job.progress, stop=lambda: job.stop),)
    except Exception as e:  # noqa: BLE001 - shown to the user, not swallowed
        return (e,)


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


def _shown_name(path: str) -> str:
    """A model as the lists name it: its run's name (the run, its model/ or a checkpoint), else its folder's."""
    from albert_core.runs import run_name, run_of

    run = run_of(path)
    return Path(path).name if run is None else run_name(run)


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
        self._newest_run = ""  # a run this window finished since the page was last shown: loaded when it is
        self._shown_before = False  # shown once: the newest run was offered then (see page_shown)

        self.model_box = QComboBox()
        self.model_box.setMinimumWidth(320)
        self.model_box.setPlaceholderText("Choose a run…")
        self.model_box.activated.connect(self._on_model_chosen)
        self.open_button = QPushButton("Open model folder…")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.file_button = QPushButton("Predict a file…")
        self.file_button.setToolTip(FILE_TIP)
        self.file_button.setEnabled(False)
        self.file_button.clicked.connect(self._on_file_clicked)
        top = QHBoxLayout()
        top.addWidget(QLabel("Model"))
        top.addWidget(self.model_box, 1)
        top.addWidget(self.open_button)
        top.addWidget(self.file_button)
        self.status = QLabel("Train a model, or open a model folder, to try it here.")
        self.status.setWordWrap(True)
        self.latency = QLabel()

        self.setAcceptDrops(True)
        self.views: dict[str, PredictionView] = {}
        self.stack = QStackedWidget()
        for task, cls in VIEWS.items():
            view = cls()
            view.inputs_edited.connect(self._on_inputs_edited)
            self.views[task] = view
            self.stack.addWidget(view)

        self.file_job: FileJob | None = None
        self.file_result = None  # the last FilePredictions
        self.file_status = QLabel()
        self.file_status.setWordWrap(True)
        self.file_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file_progress = QProgressBar()
        self.file_progress.setFormat("%v / %m rows")
        self.file_stop = QPushButton("Stop")
        self.file_stop.clicked.connect(self.stop_file)
        self.file_open = QPushButton("Open the file")
        self.file_open.clicked.connect(self._on_open_output)
        self.file_table = QTableWidget(0, 0)
        self.file_table.setTabKeyNavigation(False)  # Tab leaves the table (the arrows move within it)
        self.file_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.file_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.file_table.setWordWrap(False)
        self.file_table.verticalHeader().setVisible(False)
        self.file_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.file_table.setToolTip("Double-click a row to try its text above")
        self.file_table.doubleClicked.connect(self._on_file_row_activated)
        self.file_panel = QWidget()
        panel = QVBoxLayout(self.file_panel)
        panel.setContentsMargins(0, 4, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.file_status, 1)
        bar.addWidget(self.file_progress)
        bar.addWidget(self.file_stop)
        bar.addWidget(self.file_open)
        panel.addLayout(bar)
        self.file_scores = LabelScores()  # a classifier against the file's own labels
        self.file_scores.hide()
        rows_and_scores = QSplitter(Qt.Orientation.Horizontal)
        rows_and_scores.addWidget(self.file_table)
        rows_and_scores.addWidget(self.file_scores)
        rows_and_scores.setStretchFactor(0, 3)
        rows_and_scores.setStretchFactor(1, 1)
        rows_and_scores.setSizes([760, 360])
        panel.addWidget(rows_and_scores)
        self.file_panel.hide()
        self._file_timer = QTimer(self)
        self._file_timer.setInterval(150)
        self._file_timer.timeout.connect(self._show_file_progress)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.latency)
        layout.addLayout(row)
        # a file's predictions, once shown, take the larger part: the typing view needs little
        layout.addWidget(self.stack, 2)
        layout.addWidget(self.file_panel, 3)

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
        if self.model_path and not Path(self.model_path).exists():
            self.unload(f"{Path(self.model_path).name} is gone (its folder was deleted): choose another model above.")
        if self._newest_run and not Path(self._newest_run).exists():
            self._newest_run = ""
        self.model_box.blockSignals(True)
        self.model_box.clear()
        loaded = Path(self.model_path).resolve() if self.model_path else None
        for r in sorted(runs, key=lambda r: -r.created):
            if r.status == "running":  # listed only while the model loaded here is its (a checkpoint of it)
                here = loaded is not None and (loaded == r.path.resolve() or r.path.resolve() in loaded.parents)
                if not here or self.predictor is None:
                    continue
                answering = Path(self.predictor.model_dir).name
                metric = f" · {metric_text(r, digits=1)}" if r.metric is not None else ""
                self.model_box.addItem(f"{r.name} ({task_word(r.task)}{metric} · training again, answers from {answering})",
                                       str(r.path))  # fmt: skip
                continue
            model = run_model(r.path)
            if model is None:
                continue
            where = "" if model.name == "model" else f" · stopped, {model.name}"  # answers from a checkpoint
            metric = f" · {metric_text(r, digits=1)}" if r.metric is not None else ""
            self.model_box.addItem(f"{r.name} ({task_word(r.task)}{metric}{where})", str(r.path))
        self.model_box.blockSignals(False)
        self._show_loaded()
        words = getattr(self, "_loaded_words", "")
        if self.model_path and words and self.status.text().endswith(words):  # renamed since: its name now
            self.status.setText(f"{_shown_name(self.model_path)}: {words}")

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
                box.insertItem(0, f"{loaded.name} ({task_word(task)} · folder {loaded.parent})", str(loaded))
                self._outside_item, index = str(loaded), 0
        box.setCurrentIndex(index)
        box.blockSignals(False)

    def unload(self, note: str) -> None:
        """Forget the loaded model (its folder is gone): nothing answers until another is chosen.
        What the user typed stays in the box."""
        self._debounce.stop()
        self.predictor = None
        self.model_path = ""
        self.result = None
        self._seq += 1  # an answer still on its way belongs to the model that is gone
        self._shown_seq = self._seq
        self.view.clear_result()
        self.latency.setText("")
        self.status.setText(note)
        self.status.setStyleSheet(theme.ERROR_TEXT)
        if self.file_job is None:  # its rows came from the model that is gone
            self.file_panel.hide()
            self.file_result = None
        self._update_file_button()
        self._show_loaded()

    def offer_run(self, run_dir: str) -> None:
        """A run of this window finished: loaded at once when no model is loaded, else the next
        time the page is shown (what the user typed stays and is predicted by it)."""
        self.refresh_models(select=run_dir)
        if self.model_path and Path(self.model_path).resolve() != Path(run_dir).resolve():
            self._newest_run = run_dir
            if self.isVisible():  # the user is trying a model here: say so, do not swap it under them
                self.status.setText(f"{Path(run_dir).name} has finished training: choose it above to try it.")
                self.status.setStyleSheet("")
                self._newest_run = ""

    def page_shown(self) -> None:
        first, self._shown_before = not self._shown_before, True
        if self._newest_run:
            run, self._newest_run = self._newest_run, ""
            if Path(run).exists() and (not self.model_path or Path(self.model_path).resolve() != Path(run).resolve()):
                self.load_model_path(run)
        elif first and not self.model_path and not self.is_loading():
            # the first visit of a session with runs from before: the newest answers at once, rather
            # than a "Choose a run…" box above a page that does nothing
            if not self.model_box.count():
                self.refresh_models()
            if self.model_box.count():
                self.load_model_path(self.model_box.itemData(0))

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
            self._newest_run = ""  # the user's choice wins
            self.load_model_path(path)

    def _on_open_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder (or a run folder)")
        if folder:
            self._newest_run = ""
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
        if path != self.model_path and self.file_job is None:  # a file's rows belong to the model that predicted them
            self.file_panel.hide()
            self.file_result = None
        self.predictor = outcome
        self.model_path = path
        self.stack.setCurrentWidget(view)
        for other in self.views.values():  # a hidden view's last answer (ten [MASK] guesses) takes no room
            ignored = QSizePolicy.Policy.Ignored
            other.setSizePolicy(*(2 * [ignored]) if other is not view else (QSizePolicy.Policy.Preferred,) * 2)
        self.stack.updateGeometry()
        if task == "classification":
            view.show_pair(getattr(outcome, "text_pairs", None))
        hint = (
            "Put [MASK] in a sentence to see what it guesses." if task == "pretrain" else "Type to see its prediction."
        )
        self._loaded_words = f"{task_word(task)} model loaded. {hint}"
        self.status.setText(f"{_shown_name(path)}: {self._loaded_words}")
        self._update_file_button()
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
        missing = self.view.missing_input() if text.strip() else ""
        if not text.strip() or missing:
            self.view.clear_result()
            self.latency.setText("")
            if missing:
                self.view.show_missing(missing)
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
        if self.predictor is None:  # unloaded meanwhile: the answer is the forgotten model's
            pass
        elif isinstance(outcome, Exception):
            self.status.setText(f"Prediction failed: {outcome}")
            self.status.setStyleSheet(theme.ERROR_TEXT)
        elif seq >= self._shown_seq:
            self._shown_seq = seq
            self.result = outcome
            self.view.show_result(outcome)
            # no time beside a hint instead of an answer ("put [MASK] where …")
            self.latency.setText("" if outcome.get("hint") else f"{outcome.get('latency_ms', 0):.0f} ms")
            self.status.setStyleSheet("")
            self.predicted.emit(outcome)
        if (self._pending or seq < self._seq) and not self._debounce.isActive():
            self._on_debounce_timeout()

    def _on_predict_errored(self, err: BaseException) -> None:
        self._in_flight = False
        self.status.setText(f"Prediction failed: {err}")
        self.status.setStyleSheet(theme.ERROR_TEXT)

    # -- a whole file ------------------------------------------------------------------------
    def _update_file_button(self) -> None:
        task = getattr(self.predictor, "task", "")
        self.file_button.setEnabled(bool(self.model_path) and task != "pretrain" and self.file_job is None)
        self.file_button.setToolTip(
            "A pre-trained model fills in [MASK]; fine-tune it on a task to predict a file"
            if task == "pretrain"
            else FILE_TIP
        )

    def ask_input_file(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Predict for every row of", "", DATA_FILES)
        return path

    def ask_output_file(self, default: str) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the predictions as", default, "CSV (*.csv);;TSV (*.tsv);;JSON Lines (*.jsonl)"
        )
        return path

    def _on_file_clicked(self) -> None:
        path = self.ask_input_file()
        if not path:
            return
        src = Path(path)
        out = self.ask_output_file(str(default_out(src)))
        if out:
            self.predict_file(path, out)

    # a file dropped on the page is predicted; a model folder dropped on it is loaded
    def dragEnterEvent(self, event) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        path = paths[0]
        if path.is_dir():
            self.load_model_path(str(path))
        elif self.file_job is not None:
            self.status.setText("A file is being predicted: drop this one again when it has finished.")
        elif not self.model_path:
            self.status.setText("Load a model first, then drop the file again.")
        elif not self.file_button.isEnabled():
            self.status.setText(self.file_button.toolTip())  # a pre-trained model: why it cannot
        else:
            out = self.ask_output_file(str(default_out(path)))
            if out:
                self.predict_file(str(path), out)

    def predict_file(self, path: str, out: str) -> None:
        """Predict for every row of `path` with the loaded model, writing `out`, in the background."""
        if not self.model_path or self.file_job is not None:
            return
        self.file_job = FileJob(self.model_path, path, out)
        self.file_panel.show()
        self.file_table.hide()
        self.file_scores.hide()
        self.file_open.hide()
        self.file_stop.show()
        self.file_stop.setEnabled(True)
        self.file_progress.show()
        self.file_progress.setRange(0, 0)  # busy until the first batch says how many rows
        self.file_status.setStyleSheet("")
        self.file_status.setText(f"Predicting for every row of {Path(path).name} with {Path(self.model_path).name}…")
        self._update_file_button()
        self._file_timer.start()
        run_in_thread(
            _predict_file, self.file_job, on_returned=lambda r: self._on_file_done(r[0]), on_errored=self._on_file_done
        )

    def is_predicting_file(self) -> bool:
        return self.file_job is not None

    def stop_file(self) -> None:
        if self.file_job is not None:
            self.file_job.stop = True
            self.file_stop.setEnabled(False)

    def _show_file_progress(self) -> None:
        job = self.file_job
        if job is not None and job.total:
            self.file_progress.setRange(0, job.total)
            self.file_progress.setValue(job.done)

    def _on_file_done(self, outcome) -> None:
        from albert_core.predict_file import Stopped

        job, self.file_job = self.file_job, None
        self._file_timer.stop()
        self.file_progress.hide()
        self.file_stop.hide()
        self._update_file_button()
        if isinstance(outcome, Stopped):
            self.file_status.setText(f"Stopped: nothing was written to {Path(job.out).name}.")
            return
        if isinstance(outcome, BaseException):
            self.file_status.setStyleSheet(theme.ERROR_TEXT)
            self.file_status.setText(f"Could not predict for {Path(job.path).name}: {outcome}")
            return
        self.file_result = outcome
        self.file_open.show()
        notes = outcome.notes[:3] + ([f"… and {len(outcome.notes) - 3} more notes"] if len(outcome.notes) > 3 else [])
        wrong = set(outcome.mistakes)
        order = outcome.mistakes + [i for i in range(len(outcome.rows)) if i not in wrong]
        shown = "the surest mistakes first" if outcome.mistakes else "in the file's order"
        lines = [
            f"{outcome.summary()}. Below: {min(len(order), PREVIEW_ROWS):,} rows, {shown}; double-click one to "
            "try it above.",
            *notes,
        ]
        self.file_status.setText("\n".join(lines))
        self._fill_file_table(outcome, order[:PREVIEW_ROWS])
        # a classifier's scores by label: with its confusion matrix, or a multi-label one's without
        metrics = {"confusion": outcome.confusion, "outcomes": outcome.outcomes, "thresholds": outcome.thresholds}
        self.file_scores.setVisible(self.file_scores.show_metrics(metrics, outcome.labels, f"on {Path(job.path).name}"))

    def _fill_file_table(self, result, order: list[int]) -> None:
        question = result.task == "qa"
        heads = ["Question" if question else "Text", "Answer" if question else "Predicted", "Confidence"]
        if result.truth is not None:
            heads.append("In the file")
        table = self.file_table
        table.clear()
        table.setColumnCount(len(heads))
        table.setHorizontalHeaderLabels(heads)
        table.setRowCount(len(order))
        wrong = set(result.mistakes)
        nothing = "(no answer)" if question else "(none)" if result.task == "ner" else ""
        nothing = "(no label)" if result.multi_label else nothing
        table.show()  # measured below: a hidden table's viewport has a stale width
        for r, i in enumerate(order):
            sure = "" if question and not result.predicted[i] else f"{result.confidence[i]:.1%}"
            cells = [result.texts[i], result.predicted[i] or nothing, sure]
            if result.truth is not None:
                cells.append(result.truth[i] or ("(no label)" if result.multi_label else ""))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, i)
                if i in wrong and c == 1:
                    item.setForeground(QColor(theme.COLORS["wrong"]))
                table.setItem(r, c, item)
        header = table.horizontalHeader()
        table.resizeColumnsToContents()
        widest = max(120, table.viewport().width() // 4)  # a long entity list must not squeeze the text
        for c in range(1, len(heads)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
            table.setColumnWidth(c, min(table.columnWidth(c) + 8, widest))
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.show()

    def _on_file_row_activated(self, index) -> None:
        result = self.file_result
        item = self.file_table.item(index.row(), 0)
        if result is None or item is None:
            return
        i = item.data(Qt.ItemDataRole.UserRole)
        self.set_text(result.texts[i], result.pairs[i] if result.pairs else None)

    def _on_open_output(self) -> None:
        if self.file_result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.file_result.out))

    def shutdown(self) -> None:
        """Let running predictions end before the window closes."""
        self._debounce.stop()
        self.stop_file()
        QThreadPool.globalInstance().waitForDone(10_000)


def _tagged_load(path: str):
    """Load a predictor; any failure becomes a value so the page can say what went wrong
    (a folder picked by the user can fail in many ways: missing files, damaged weights...)."""
    try:
        return path, _load(path)
    except Exception as e:  # noqa: BLE001 - shown to the user, not swallowed
        return path, e
