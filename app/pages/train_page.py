"""Train page: hyper-parameters, Start/Stop/Resume, live curves, progress and the run's log."""

from __future__ import annotations

import dataclasses
import gc
import html
import os
import time
from collections import Counter, deque
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from albert_core.param_count import human
from albert_core.runs import (
    MIN_LENGTH,
    ConfigError,
    RunConfig,
    checkpoints,
    create_run,
    default_runs_dir,
    examples_note,
    finished_note,
    init_name,
    new_run_dir,
    run_model,
    unused_name,
)
from albert_core.spec import SpecError, lr_suggestion

from .. import theme
from ..glossary import tip
from ..project import Project
from ..run_summaries import metrics_text
from ..training_process import TrainingProcess
from ..widgets.column_scroll import ColumnScroll
from ..widgets.loss_plot import LivePlots, read_curve_events
from ..widgets.task_options import TITLES, TaskOptions
from ..workers import DeviceInfo, run_in_thread

RECENT_EVENTS = 500  # the newest events kept as dicts (the curves live in the plots' buffers)
PREPARING_WIDTH = 330  # pixels for the line beside the progress bar (preparation, then steps/s)
START_TIP = "Start a new run with these settings (Ctrl+Return)"


def missing_training_data(path: str, folders: bool, what: str = "training file") -> str:
    """What is wrong with a training file (or, with `folders`, a corpus folder) to start from:
    "" when it is there. `what` names its role ("validation file")."""
    p = Path(path)
    if p.is_file() or (folders and p.is_dir()):
        return ""
    if p.is_dir():
        return f"{path} is a folder; this task trains on one file: choose it on the Data page"
    return f"the {what} {path} does not exist; choose one on the Data page"


class TrainPage(QWidget):
    """Starts `python -m albert_core train RUN_DIR --json` and follows its events."""

    run_started = Signal(str)  # run dir
    run_ended = Signal(str, str)  # run dir, status: finished | stopped | failed
    status_changed = Signal(str)
    corpus_counted = Signal(dict)  # a pre-training run's config, with its corpus counts (pieces, unknown rate)
    finetune_requested = Signal(str)  # a finished pre-training run to start a labelled task from
    playground_requested = Signal(str)  # a finished run to try on the Playground

    def __init__(self, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = project
        self.process = TrainingProcess(self)
        self.process.events_received.connect(self._on_events_received)
        self.process.output_received.connect(self._on_output_received)
        self.process.finished.connect(self._on_run_finished)
        self.process.failed.connect(self._on_run_failed)
        self.run_dir: Path | None = None
        self.run_task = ""  # the task of the run shown
        self.status = "idle"  # idle | running | stopping | finished | stopped | failed
        self.message = ""
        # Not every event is kept (a long run sends millions): the newest few, the run's
        # started event, its evaluations and how it ended; the plots hold the curves.
        self.events: deque[dict] = deque(maxlen=RECENT_EVENTS)
        self.started_event: dict | None = None
        self.data_warnings: list[str] = []  # what the run warned of while preparing (data problems, a small text)
        self.evals: list[dict] = []
        self.terminal: dict | None = None
        self.event_counts: Counter[str] = Counter()
        self._log_pending: list[str] = []
        self._batching = False  # handling a tick's events: log lines wait for its end
        self._gpus: list[dict] = []
        self._total = 0
        self._start_step = 0
        self._last_step: dict | None = None
        self._started_at = 0.0
        self._editing = False
        self._loading = False
        self._history_pending: list[dict] | None = None  # a resume's new events while its curve is read
        self._history_request = 0  # which resume's curve is wanted

        self._settings_scroll = scroll = ColumnScroll(self._build_settings(), min_width=330)

        self.start_button = QPushButton("Start")
        self.start_button.setToolTip(START_TIP)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop at the next step and save a checkpoint (Ctrl+., or Esc on this page)")
        # Esc stops a run from this page only: elsewhere it closes a popup or leaves a text box
        # Esc stops while this page is shown, wherever the focus is (the page list, a field); never from
        # another page (a hidden widget's shortcut is not active, and the slot checks again)
        escape = QShortcut(QKeySequence("Esc"), self, context=Qt.ShortcutContext.WindowShortcut)
        escape.activated.connect(self._on_escape)
        self.stop_button.clicked.connect(self._on_stop_clicked)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the last stopped run from its checkpoint")
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.finetune_button = QPushButton("Fine-tune it")  # short, as "Try it": the row fits a 1024-pixel window
        self.finetune_button.setToolTip("Start a labelled task (classification, QA, NER) from this pre-trained model")
        self.finetune_button.clicked.connect(self._on_finetune_clicked)
        self.finetune_button.hide()
        self.playground_button = QPushButton("Try it")  # short: the row fits a 1280-pixel window
        self.playground_button.setToolTip("Load this run's model on the Playground page and type to try it")
        self.playground_button.clicked.connect(self._on_playground_clicked)
        self.playground_button.hide()
        buttons = QHBoxLayout()
        for b in (
            self.start_button,
            self.stop_button,
            self.resume_button,
            self.finetune_button,
            self.playground_button,
        ):
            buttons.addWidget(b)
        self.progress = QProgressBar()
        self.progress.setMinimumWidth(90)
        self.progress.setFormat("%v / %m steps")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.eta_label = QLabel("")
        self.eta_label.setMaximumWidth(PREPARING_WIDTH)
        # its whole line where the window has room; on a narrow one it gives way rather than widen the window
        self.eta_label.setMinimumWidth(60)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.eta_label)
        buttons.addStretch()  # with no bar (no run shown) the buttons keep their size

        # the run shown on the right (its own settings): the left side is the next run's
        self.run_line = QLabel()
        self.run_line.setWordWrap(True)
        self.run_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_line.hide()
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.plots = LivePlots()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(3000)
        self.log.setPlaceholderText("The run's messages appear here.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plots)
        split.addWidget(self.log)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)

        right = QVBoxLayout()
        right.addLayout(buttons)
        right.addWidget(self.run_line)
        right.addWidget(self.banner)
        right.addWidget(split, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addLayout(right, 1)

        self._ui_timer = QTimer(self)
        self._ui_timer.setInterval(250)
        self._ui_timer.timeout.connect(self._on_ui_timer)
        project.loaded.connect(self._on_project_loaded)
        project.training_changed.connect(self._on_training_changed)
        project.spec_changed.connect(self._on_spec_changed)
        project.spec_changed.connect(self._update_summary)
        project.data_changed.connect(self._update_summary)
        project.problems_changed.connect(self._update_summary)
        self._on_project_loaded()
        self._set_state("idle")

    # -- settings form ----------------------------------------------------------------------------
    def _build_settings(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        v.addWidget(self.summary)
        box = QGroupBox("Next run's settings")
        box.setToolTip("What the next Start trains with; the run shown on the right keeps its own settings")
        form = QFormLayout(box)
        self.lr_spin = QDoubleSpinBox(decimals=6, minimum=1e-6, maximum=1.0, singleStep=1e-4)
        # the rate that suits the model's width and start; a click takes it
        self.lr_hint = QToolButton(autoRaise=True)
        self.lr_hint.clicked.connect(lambda: self.lr_spin.setValue(self._suggested_lr()[0]))
        self._lr_note = ""
        self.batch_spin = QSpinBox(minimum=1, maximum=8192)
        self.epochs_spin = QDoubleSpinBox(decimals=1, minimum=0.1, maximum=1000, singleStep=1)
        self.max_steps_spin = QSpinBox(minimum=0, maximum=10_000_000, specialValueText="use epochs")
        self.length_spin = QSpinBox(minimum=MIN_LENGTH, maximum=8192, singleStep=8)
        self.length_note = QLabel()  # the model's positions cap the length: said beside the box
        self.length_note.setWordWrap(True)
        self.warmup_spin = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.95, singleStep=0.05)
        self.decay_spin = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=1.0, singleStep=0.01)
        self.precision_box = QComboBox()
        self.precision_box.addItems(["auto", "fp32", "bf16", "fp16"])
        self.device_box = QComboBox()
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.eval_spin = QSpinBox(minimum=0, maximum=10_000_000, specialValueText="each epoch")
        self.ckpt_spin = QSpinBox(minimum=0, maximum=10_000_000, specialValueText="at the end")
        self.best_check = QCheckBox("the best evaluation")
        self.early_spin = QSpinBox(minimum=0, maximum=1000, specialValueText="never", suffix=" evaluations")
        self.workers_spin = QSpinBox(minimum=-1, maximum=64, specialValueText="automatic")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("(date and data file)")
        self.name_edit.textEdited.connect(self._on_name_edited)  # kept with the project, as the other settings
        rows = [
            ("Learning rate", self.lr_spin, "Peak learning rate of AdamW"),
            ("", self.lr_hint, "The learning rate suggested for this model"),
            ("Batch size", self.batch_spin, "Examples per optimisation step"),
            ("Epochs", self.epochs_spin, "Passes over the training data"),
            ("Max steps", self.max_steps_spin, "Stop after this many steps (overrides epochs)"),
            ("Max length", self.length_spin, tip("max_length")),
            ("", self.length_note, ""),
            ("Warm-up ratio", self.warmup_spin, tip("warmup_ratio")),
            ("Weight decay", self.decay_spin, tip("weight_decay")),
            ("Precision", self.precision_box, tip("precision")),
            ("Device", self.device_box, "Where to train: every GPU found is listed with its memory"),
            ("Seed", self.seed_spin, "Same seed, same data and settings: the same run"),
            ("Evaluate every", self.eval_spin, tip("eval_every")),
            ("Checkpoint every", self.ckpt_spin, tip("checkpoint_every")),
            ("Final model", self.best_check, tip("keep_best")),
            ("Stop early after", self.early_spin, tip("early_stop")),
            ("Batch workers", self.workers_spin, tip("data_workers")),
            ("Run name", self.name_edit, "A name for the run folder"),
        ]
        for label, widget, text in rows:
            widget.setToolTip(text)
            lab = QLabel(label)
            lab.setToolTip(text)
            form.addRow(lab, widget)
        for spin in (self.lr_spin, self.epochs_spin, self.warmup_spin, self.decay_spin):
            spin.valueChanged.connect(self._on_setting_edited)
        for spin in (self.batch_spin, self.max_steps_spin, self.length_spin, self.eval_spin, self.ckpt_spin,
                     self.workers_spin, self.early_spin):  # fmt: skip
            spin.valueChanged.connect(self._on_setting_edited)
        self.length_spin.valueChanged.connect(self._on_length_edited)
        self.best_check.toggled.connect(self._on_setting_edited)
        self.seed_spin.valueChanged.connect(self._on_seed_edited)
        self.precision_box.currentTextChanged.connect(self._on_setting_edited)
        self._form = form
        form.setRowVisible(self.length_note, False)
        v.addWidget(box)
        self.task_options = TaskOptions()
        self.task_options.changed.connect(self._on_setting_edited)
        v.addWidget(self.task_options)
        v.addStretch(1)
        self.set_devices(DeviceInfo([], probed=False))
        return w

    def settings_values(self) -> dict:
        """The Train page's settings as RunConfig fields."""
        device, _ = self._device_choice()
        return {
            "lr": self.lr_spin.value(),
            "batch_size": self.batch_spin.value(),
            "epochs": self.epochs_spin.value(),
            "max_steps": self.max_steps_spin.value(),
            "max_length": self.length_spin.value(),
            "warmup_ratio": self.warmup_spin.value(),
            "weight_decay": self.decay_spin.value(),
            "precision": self.precision_box.currentText(),
            "device": device,
            "eval_every": self.eval_spin.value(),
            "checkpoint_every": self.ckpt_spin.value(),
            "keep_best": self.best_check.isChecked(),
            "early_stop": self.early_spin.value(),
            "data_workers": self.workers_spin.value(),
            "options": self.task_options.values(),
        }

    def _suggested_lr(self) -> tuple[float, str]:
        """The learning rate suggested for the project's model (its width, and whether it starts
        from a pre-trained model), and the reason in words."""
        return lr_suggestion(self.project.spec.hidden_size, bool(self.project.state.init))

    def _show_lr_hint(self) -> None:
        lr, why = self._suggested_lr()
        differs = abs(self.lr_spin.value() - lr) > 1e-12
        self.lr_hint.setText(f"Use the suggested {lr:g}" if differs else f"{lr:g} is the suggested rate")
        self.lr_hint.setToolTip(f"{lr:g} is the learning rate suggested for {why}")
        self.lr_hint.setEnabled(differs)
        self.lr_hint.setAutoRaise(not differs)  # a button to press looks like one; the rate in force reads as text

    def _on_spec_changed(self) -> None:
        """Another model or start: the learning rate follows the suggestion for it, and says so."""
        lr, why = self._suggested_lr()
        if lr != self._last_suggestion:
            self._last_suggestion = lr
            if abs(self.lr_spin.value() - lr) > 1e-12:
                self.lr_spin.setValue(lr)
                self._lr_note = f"Learning rate set to {lr:g}, suggested for {why}."
        self._show_lr_hint()
        self._cap_length(self.length_spin.value())

    def _length_cap(self) -> int:
        """The longest input the project's model takes (its position embeddings); 0 when its spec
        cannot be built (the Model page says why)."""
        spec = self.project.spec
        try:
            spec.validate()
        except SpecError:
            return 0
        return max(self.length_spin.minimum(), int(spec.max_position_embeddings))

    def _cap_length(self, wanted: int) -> None:
        """Hold Max length within the model's positions, and say so beside the box: a new model's
        box stops there (a longer length is lowered, in the project too); a model to start from
        keeps the box as it is and the note says what the run will use."""
        cap = self._length_cap()
        new = not self.project.state.init
        loading, self._loading = self._loading, True
        try:
            self.length_spin.setMaximum(cap if cap and new else 8192)
            self.length_spin.setValue(wanted)
        finally:
            self._loading = loading
        base = tip("max_length")
        self.length_spin.setToolTip(f"{base}\nAt most {cap}: the model's Max positions" if cap else base)
        note = ""
        if cap and wanted > cap:
            note = (
                f"Lowered to {cap}: the model has {cap} positions (Max positions, Model page)."
                if new
                else f"The model has {cap} positions: the run will use {cap}."
            )
            if new and not loading and self.project.state.training.get("max_length") != cap:
                self._editing = True
                try:
                    self.project.update_training(max_length=cap)
                finally:
                    self._editing = False
        self.length_note.setText(note)
        self._form.setRowVisible(self.length_note, bool(note))  # a hidden row leaves no gap

    def _on_project_loaded(self) -> None:
        t = self.project.training_values()
        self._last_suggestion = self._suggested_lr()[0]  # a saved project keeps its own rate
        self._lr_note = ""
        self._loading = True
        self.lr_spin.setValue(t["lr"])
        self.batch_spin.setValue(t["batch_size"])
        self.epochs_spin.setValue(t["epochs"])
        self.max_steps_spin.setValue(t["max_steps"])
        self.warmup_spin.setValue(t["warmup_ratio"])
        self.decay_spin.setValue(t["weight_decay"])
        self.precision_box.setCurrentText(t["precision"])
        self.eval_spin.setValue(t["eval_every"])
        self.ckpt_spin.setValue(t["checkpoint_every"])
        self.best_check.setChecked(bool(t["keep_best"]))
        self.early_spin.setValue(int(t["early_stop"]))
        self.workers_spin.setValue(t["data_workers"])
        self.name_edit.setText(str(t.get("name") or ""))
        self.seed_spin.setValue(self.project.state.seed)
        self._sync_task()
        self.task_options.set_values(t.get("options") or {})
        self._loading = False
        self._cap_length(int(t["max_length"]))
        self._update_summary()
        self._show_lr_hint()

    def _sync_task(self) -> None:
        """Show the project's task: its settings, and (between runs) its plots."""
        task = self.project.state.task
        if self.task_options.task != task:
            self.task_options.set_task(task)
            self._settings_scroll.updateGeometry()  # another task's settings: maybe another width
            self.task_options.set_values(self.project.state.training.get("options") or {})
        if not self.is_running() and self.status in ("idle",):
            self.plots.set_task(task)

    def _on_training_changed(self) -> None:
        if not self._editing:
            self._on_project_loaded()

    def _on_setting_edited(self, *_) -> None:
        self._show_lr_hint()
        if self._lr_note and abs(self.lr_spin.value() - self._last_suggestion) > 1e-12:
            self._lr_note = ""  # the user chose another rate: the note about the suggested one is done
            self._update_summary()
        if not getattr(self, "_loading", False):
            values = self.settings_values()
            values.pop("device")
            self._editing = True
            try:
                self.project.update_training(**values)
            finally:
                self._editing = False

    def _on_name_edited(self, text: str) -> None:
        self._editing = True
        try:
            self.project.update_training(name=text.strip())
        finally:
            self._editing = False

    def _on_length_edited(self, value: int) -> None:
        if not self._loading:  # the user chose a length: the note about the one lowered is done
            self._cap_length(value)

    def _on_seed_edited(self, value: int) -> None:
        if not getattr(self, "_loading", False):
            self.project.update_data(seed=value)

    def _update_summary(self) -> None:
        s = self.project.state
        model = _model_words(s.init, s.preset)
        first = s.train_file.split(os.pathsep)[0]
        data = Path(first).name if s.train_file else "no data file yet (see the Data page)"
        if os.pathsep in s.train_file:
            data += f" and {s.train_file.count(os.pathsep)} more"
        source = s.training.get("tokenizer_from") if self.project.tokenizer_choices_apply() else ""
        if source:
            model += f" and the tokenizer of {init_name(source)}"
        note = f"<br>{self._lr_note}" if self._lr_note else ""
        blocked = self.start_problem()
        if blocked:
            note += f"<br><span style='{theme.ERROR_TEXT}'>Cannot start: {html.escape(blocked)}</span>"
        self.start_button.setToolTip(f"Cannot start: {blocked}" if blocked else START_TIP)
        # the project keeps the last good file: while the Data page shows one it cannot use, naming the
        # kept one here would contradict the reason below (which names the one shown)
        on = "" if self.project.data_problem else f", on {html.escape(data)}"
        self.summary.setText(f"<b>Next run:</b> {TITLES.get(s.task, s.task).lower()} with {model}{on}.{note}")
        if hasattr(self, "task_options"):
            self._sync_task()
        if self.seed_spin.value() != s.seed:
            self._loading = True
            self.seed_spin.setValue(s.seed)
            self._loading = False

    def set_devices(self, info: DeviceInfo) -> None:
        current = self.device_box.currentData()
        self._gpus = info.gpus
        self.device_box.clear()
        self.device_box.addItem("auto (best available)", ("auto", 1))
        self.device_box.addItem("CPU", ("cpu", 1))
        for g in info.gpus:
            self.device_box.addItem(
                f"GPU {g['index']}: {g['name']} ({human(g['memory'], 'B')})", (f"cuda:{g['index']}", 1)
            )
        if len(info.gpus) > 1:
            self.device_box.addItem(f"all {len(info.gpus)} GPUs (torchrun)", ("cuda", len(info.gpus)))
        i = self.device_box.findData(current) if current else -1
        self.device_box.setCurrentIndex(max(i, 0))

    def _device_choice(self) -> tuple[str, int]:
        data = self.device_box.currentData()
        return tuple(data) if data else ("auto", 1)

    # -- control ----------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.process.is_running()

    def start_problem(self) -> str:
        """Why Start cannot train what the pages show (a page shows a spec or data the project
        could not take), naming the page to fix; "" when it can."""
        page, problem = self.project.problem()
        if not page:
            return ""
        what = "model" if page == "Model" else "data"
        return f"fix the {what} on the {page} page first: {problem.rstrip('.')}"

    def start(self) -> Path | None:
        """Create a new run folder from the project and these settings, and train it."""
        if self.is_running():
            return None
        values = self.settings_values()
        device, gpus = self._device_choice()
        typed = self.name_edit.text().strip()
        name = self._unused_name(typed)
        config = self.project.run_config(name)
        config = dataclasses.replace(config, **values)
        try:
            blocked = self.start_problem()  # the project holds the last good spec or data, not what is shown
            if blocked:
                raise ConfigError(blocked)
            for part in filter(None, config.train_file.split(os.pathsep)):
                missing = missing_training_data(part, folders=config.task == "pretrain")
                if missing:
                    raise ConfigError(missing)
            for part in filter(None, config.eval_file.split(os.pathsep)):
                missing = missing_training_data(part, folders=config.task == "pretrain", what="validation file")
                if missing:
                    raise ConfigError(missing)
            if config.tokenizer_from:  # a quick look (no torch): a wrong folder leaves no failed run behind
                from albert_core.model_setup import resolve_tokenizer

                resolve_tokenizer(config.tokenizer_from)
            run_dir = create_run(config, new_run_dir(config, default_runs_dir()))
        except ConfigError as e:
            self._show_banner(f"Cannot start: {e}", error=True)
            return None
        self._begin(run_dir, gpus, resumed=False)
        if name != typed:
            self._append_log(f"Another run is named {typed!r}: this one is {name!r} (rename it on the Runs page)")
        return run_dir

    def _unused_name(self, typed: str) -> str:
        """The name typed, numbered when another run has it ("spam 2"): runs told apart by their names."""
        if not typed:
            return typed
        from ..run_summaries import shared

        return unused_name(typed, {r.name for r in shared().list_runs()})

    def resume(self, run_dir: str | Path | None = None) -> bool:
        """Train a stopped or interrupted run again from its last checkpoint."""
        if self.is_running():
            return False
        target = Path(run_dir) if run_dir else self.run_dir
        if target is None:
            return False
        restart = not checkpoints(target)
        if restart:
            from ..run_summaries import shared

            try:
                step = shared().summarize(target).step  # the Runs page's cache: a long log is not read again
            except (ConfigError, OSError) as e:  # its run.json went away or is damaged
                self._show_banner(f"Cannot resume {target.name}: {e}", error=True)
                return False
            # steps trained and lost: ask first (none trained, e.g. stopped while preparing: nothing is lost)
            if step and not self.ask_restart(target, step):
                return False
        _, gpus = self._device_choice()
        self._begin(target, gpus, resumed=True, restart=restart)
        return True

    def ask_restart(self, run_dir: Path, step: int) -> bool:
        """Resume of a run with no checkpoint: it trains again from step 0. True to go on."""
        answer = QMessageBox.question(
            self,
            "No checkpoint to resume from",
            f"{run_dir.name} reached step {step} but has no checkpoint: it ended before its first one was "
            "saved. Resume starts it again from step 0, and its curves so far are cleared.\n\n"
            "Start it again from step 0?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def stop(self) -> None:
        if self.is_running():
            self.process.stop()
            self._set_state("stopping")
            self._append_log("Stop requested: the run saves a checkpoint at its next step and ends.")

    def stop_and_wait(self, msecs: int = 15_000) -> None:
        """Stop and block until the child exits (used when the window closes)."""
        if not self.is_running():
            return
        self.process.stop()
        if not self.process.wait(msecs):
            self.process.kill()
            self.process.wait(5000)

    def _begin(self, run_dir: Path, gpus: int, resumed: bool, restart: bool = False) -> None:
        """Train `run_dir`: a new run, or (`resumed`) one continued from its newest checkpoint,
        or, with `restart`, trained again from step 0 (it has no checkpoint)."""
        _freeze_long_lived()
        same = self.run_dir is not None and Path(run_dir).resolve() == self.run_dir.resolve()
        keep_log = resumed and same and bool(self.log.toPlainText())  # the first part's messages stay
        self._reset_view(run_dir)
        if resumed and not restart:  # the curve so far, read in the background; the new events follow it
            self._history_pending = []
            self._history_request += 1
            request = (self._history_request, str(self.run_dir))
            run_in_thread(
                _read_history,
                request,
                on_returned=self._on_history_read,
                on_errored=lambda _: self._on_history_read((request, [])),
            )
        if keep_log:
            self._append_log(
                f"──────── {'started again' if restart else 'resumed'} {time.strftime('%H:%M:%S')} ────────"
            )
        else:
            self.log.clear()
        self.progress.setTextVisible(True)
        self.progress.setRange(0, 0)  # busy until the started event says how many steps
        self.banner.hide()
        if restart:
            self._append_log(f"Starting {self.run_dir} again from step 0: it has no checkpoint to resume from")
        else:
            self._append_log(f"{'Resuming' if resumed else 'Starting'} {self.run_dir}")
        self._set_state("running")
        self.process.start(self.run_dir, gpus)
        self._ui_timer.start()
        self.run_started.emit(str(self.run_dir))

    def _reset_view(self, run_dir: Path) -> None:
        from albert_core.runs import load_config

        self.run_dir = Path(run_dir)
        self._history_pending = None
        self.events.clear()
        self.started_event = None
        self.data_warnings = []
        self.evals = []
        self.terminal = None
        self.event_counts = Counter()
        self._last_step = None
        self._total = 0
        self._start_step = 0
        self._started_at = time.monotonic()
        try:
            config = load_config(self.run_dir)
        except (ConfigError, OSError):
            config = None
        self.run_task = config.task if config else self.project.state.task
        self.finetune_button.hide()
        self.playground_button.hide()
        self._set_eta("")
        self.plots.clear()
        self.plots.set_task(self.run_task)
        self._show_run_line(config)

    def _show_run_line(self, config: RunConfig | None) -> None:
        """Name the run shown on the right and its own settings (the left side is the next run's:
        a run resumed from the Runs page may have been started with others)."""
        if self.run_dir is None:
            self.run_line.hide()
            return
        name = html.escape(self.run_dir.name)
        if config is None:
            self.run_line.setText(f"<b>Shown: {name}</b>")
        else:
            c = config
            model = _model_words(c.init, c.preset)
            first = c.train_file.split(os.pathsep)[0]
            data = Path(first).name if first else "?"
            length = f"max steps {c.max_steps:,}" if c.max_steps else f"{c.epochs:g} epochs"
            self.run_line.setText(
                f"<b>Shown: {name}</b> · {TITLES.get(c.task, c.task).lower()} with {html.escape(model)}, on "
                f"{html.escape(data)} · {length}, max length {c.max_length}, batch size {c.batch_size}, "
                f"learning rate {c.lr:g}"
            )
        self.run_line.setToolTip(
            "The run shown here, with its own settings; the settings on the left are the next run's"
        )
        self.run_line.show()

    def show_next_run(self, message: str) -> None:
        """Leave the last run's curves, log and banner behind: the next run is another one (after
        "Fine-tune from this model", the pre-training run's figures would describe the wrong run).
        The run itself stays on the Runs page."""
        if self.is_running():
            return
        self.run_dir = None
        self.terminal = None
        self.events.clear()
        self.finetune_button.hide()
        self.playground_button.hide()
        self.run_line.hide()
        self._set_eta("")
        self.plots.clear()
        self.plots.set_task(self.project.state.task)
        self.log.clear()
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._show_banner(message)
        self._set_state("idle")

    def forget_deleted_run(self) -> None:
        """The run shown was deleted (on the Runs page): nothing here may offer to resume or try it."""
        if self.run_dir is None or self.is_running() or self.run_dir.exists():
            return
        self.show_next_run(f"{self.run_dir.name} was deleted; the settings on the left are the next run's.")

    def attach(self, run_dir: str | Path, pid: int = 0) -> bool:
        """Follow a run that is training without this window (started by a window since closed)."""
        if self.is_running():
            return False
        _freeze_long_lived()
        self._reset_view(Path(run_dir))
        self.log.clear()
        self.banner.hide()
        self.progress.setTextVisible(True)
        self.progress.setRange(0, 0)
        self._append_log(f"Following {self.run_dir}, which kept training while the window was closed")
        self._set_state("running")
        past = self.process.attach(self.run_dir, pid)
        self._on_events_received(past)
        self.plots.redraw()
        self._ui_timer.start()
        self.run_started.emit(str(self.run_dir))
        return True

    def attach_running_run(self) -> bool:
        """Re-attach to the newest run still training (the window was closed while it ran)."""
        from ..run_summaries import shared
        from ..training_process import running_pid

        if self.is_running():
            return False
        for r in sorted(shared().list_runs(default_runs_dir()), key=lambda r: -r.created):
            pid = running_pid(r.path) if r.status == "running" else 0
            if pid:
                return self.attach(r.path, pid)
        return False

    def leave_running(self) -> None:
        """Stop following the run and let it train on (the window is closing)."""
        self._ui_timer.stop()
        self.process.detach()

    # -- events -----------------------------------------------------------------------------------
    @property
    def events_seen(self) -> int:
        """How many events of the run shown arrived."""
        return sum(self.event_counts.values())

    def _on_history_read(self, result: tuple[tuple[int, str], list[dict]]) -> None:
        """A resumed run's curve so far: drawn first, then the new events that came meanwhile."""
        (request, _), history = result
        if self._history_pending is None or request != self._history_request:
            return  # another run, or a later resume of this one, is shown now
        live, self._history_pending = self._history_pending, None
        self.plots.clear()
        if self._total:
            self.plots.set_step_range(0, self._total)
        self.plots.add_events(history + live)

    def _on_events_received(self, events: list[dict]) -> None:
        """One poll tick's events: buffered in bulk for the plots, the rest handled one by one."""
        self.events.extend(events)
        self.plots.extend(events)
        if self._history_pending is not None:  # drawn again after the run's earlier curve
            self._history_pending.extend(e for e in events if e["event"] in ("started", "step", "eval", "finished"))
        self._batching = True
        try:
            for ev in events:
                kind = ev["event"]
                self.event_counts[kind] += 1
                if kind == "step":
                    self._last_step = ev
                else:
                    self._on_other_event(ev, kind)
        finally:
            self._batching = False
            self._flush_log()

    def _on_other_event(self, ev: dict, kind: str) -> None:
        if kind == "started":
            self.started_event = ev
            self._total = int(ev.get("total_steps") or 0)
            self._start_step = int(ev.get("start_step") or 0)
            self.progress.setRange(0, max(self._total, 1))
            self.progress.setValue(self._start_step)
            self._set_eta("")  # the preparation is over; steps/s come with the first steps
            if self._total:
                self.plots.set_step_range(0, self._total)
            self._append_log(
                f"Training on {ev.get('device')} ({ev.get('precision')}): {human(ev.get('params', 0))} parameters, "
                f"{examples_note(ev)}, "
                f"{self._total:,} steps" + (f", resuming at step {self._start_step}" if self._start_step else "")
            )
            config = ev.get("config") or {}
            if config.get("corpus"):
                from albert_core.data.corpus import describe_stats

                cached = "; tokenized text from the cache" if config.get("cache") == "hit" else ""
                self._append_log(f"Corpus: {describe_stats(config['corpus'])}{cached}")
                self.corpus_counted.emit(config)
        elif kind == "eval":
            self.evals.append(ev)
            self._append_log(
                f"step {ev.get('step')}: validation {metrics_text(self.run_task, ev.get('metrics') or {})}"
            )
        elif kind == "checkpoint":
            self._append_log(f"step {ev.get('step')}: checkpoint saved")
        elif kind == "log":
            message = ev.get("message", "")
            self._append_log(message)
            if self.started_event is None and ev.get("level") == "warning":
                self.data_warnings.append(message)
                self._show_banner(self._data_notes())  # in sight while it trains, not only in the log
            if self.started_event is None and self.status == "running":  # preparing: say what
                self._show_preparing(message[:1].upper() + message[1:])
        elif kind == "finished":
            self.progress.setValue(self.progress.maximum())
        if kind in ("finished", "stopped", "failed"):
            self.terminal = ev

    def _data_notes(self) -> str:
        """The preparation's warnings for the banner: the first three whole, then how many more."""
        shown = [f"Note: {w[:1].upper()}{w[1:].rstrip('.')}." for w in self.data_warnings[:3]]
        more = len(self.data_warnings) - len(shown)
        return "\n".join(shown + ([f"… and {more} more in the log."] if more > 0 else []))

    def _set_eta(self, text: str) -> None:
        """The line beside the progress bar, whole in its tooltip (a narrow window cuts it)."""
        self.eta_label.setText(text)
        self.eta_label.setToolTip(text)

    def _show_preparing(self, message: str) -> None:
        """A preparation line beside the progress bar, cut to the label's width (a long path must
        not widen the window; the lines say what happens before naming a path), whole in its
        tooltip."""
        width = self.eta_label.maximumWidth()
        self.eta_label.setText(self.eta_label.fontMetrics().elidedText(message, Qt.TextElideMode.ElideRight, width))
        self.eta_label.setToolTip(message)

    def _on_output_received(self, line: str) -> None:
        self._append_log(line)

    def _on_ui_timer(self) -> None:
        ev = self._last_step
        if ev is None:
            return
        step = int(ev.get("step", 0))
        self.progress.setValue(min(step, self.progress.maximum()))
        elapsed = float(ev.get("elapsed") or 0)
        done = step - self._start_step
        if elapsed > 0 and done > 0:
            rate = done / elapsed
            left = max(self._total - step, 0) / rate
            self._set_eta(f"{rate:.1f} steps/s · {_duration(left)} left")

    def _on_run_finished(self, status: str) -> None:
        self._ui_timer.stop()
        self.plots.redraw()
        terminal = self.terminal if self.terminal and self.terminal["event"] == status else {}
        usable = self.run_dir is not None and run_model(self.run_dir) is not None  # finished, or a checkpoint
        self._show_end(status, terminal)
        if status == "finished":
            metrics = metrics_text(self.run_task, terminal.get("metrics") or {})
            self.progress.setValue(self.progress.maximum())
            how = finished_note(terminal)  # an early stop, the step whose model was kept
            text = (
                f"Finished{f' ({how})' if how else ''}{': ' + metrics if metrics else ''}. The model is in "
                f"{terminal.get('model_dir', self.run_dir)}; try it on the Playground page."
            )
            # the task's own warnings about the final metrics, as the run judged them
            notes = [f"\nNote: {a[0].upper()}{a[1:]}." for a in terminal.get("advice") or [] if a]
            data = f"\n{self._data_notes()}" if self.data_warnings else ""
            self._show_banner(text + "".join(notes) + data)
            self.playground_button.setVisible(usable)
        elif self.started_event is None and not terminal.get("checkpoint"):  # stopped while preparing
            self.progress.setRange(0, 1)
            self.progress.setTextVisible(False)  # no steps were counted: not "0 / 1 steps"
            self._set_eta("")
            self._show_banner("Stopped before the first step. Press Resume to start the run again.")
        else:
            also = ", or fine-tune from it now" if usable and self.run_task == "pretrain" else ""
            self._show_banner(
                f"Stopped at step {terminal.get('step', '?')}. Press Resume to continue from the checkpoint{also}."
            )
        self._set_state(status)
        if self.run_task == "pretrain" and usable:
            self.finetune_button.show()  # a stopped run serves from its newest checkpoint
        self._append_log(f"Run {status}.")
        self.run_ended.emit(str(self.run_dir), status)

    def _show_end(self, status: str, terminal: dict) -> None:
        """The progress bar at the step the run ended at (the last step event logged may be a few
        steps before it), and the line beside it says how it ended, not a rate and time left."""
        step = terminal.get("step")
        if step is None and self._last_step is not None:
            step = self._last_step.get("step")
        if step is not None and self.progress.maximum() > 0:
            self.progress.setValue(min(int(step), self.progress.maximum()))
        elapsed = float(terminal.get("elapsed") or 0)
        if status == "finished":
            text = f"Finished in {_duration(elapsed)}" if elapsed and not self._start_step else "Finished"
        elif status == "stopped" and step is not None:
            text = f"Stopped at step {int(step):,}"
        else:
            text = status.capitalize()
        self._set_eta(text)

    def _on_run_failed(self, message: str) -> None:
        self._ui_timer.stop()
        self.plots.redraw()
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self._set_eta("Failed")
        self.message = message
        self._show_banner(f"The run failed. {message}", error=True)
        self._set_state("failed")
        self._append_log(f"Run failed: {message}")
        self.run_ended.emit(str(self.run_dir), "failed")

    # -- showing ----------------------------------------------------------------------------------
    def _set_state(self, status: str) -> None:
        self.status = status
        running = status in ("running", "stopping")
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(status == "running")
        resumable = not running and self.run_dir is not None and status in ("stopped", "failed")
        self.resume_button.setEnabled(resumable)
        # Stop and Resume share a place (only one of them can be wanted at a time): the row fits a small window
        self.stop_button.setVisible(running)
        self.resume_button.setVisible(not running)
        # no run shown: no bar (empty, it looked like a text box to type in)
        self.progress.setVisible(running or self.run_dir is not None)
        if status == "idle":
            self._set_eta("")
        texts = {
            "idle": "Ready to train",
            "running": "Training…",
            "stopping": "Stopping: saving a checkpoint…",
            "finished": "Run finished",
            "stopped": "Run stopped",
            "failed": "Run failed",
        }
        self.status_changed.emit(texts.get(status, status))

    def _show_banner(self, text: str, error: bool = False) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet(theme.ERROR_TEXT if error else "")
        self.banner.show()

    def _append_log(self, line: str) -> None:
        self._log_pending.append(line)
        if not self._batching:
            self._flush_log()

    def _flush_log(self) -> None:
        """Append the waiting lines in one go (the panel keeps its last 3000 lines)."""
        if self._log_pending:
            lines, self._log_pending = self._log_pending[-self.log.maximumBlockCount() :], []
            self.log.appendPlainText("\n".join(lines))

    def _on_start_clicked(self) -> None:
        self.start()

    def _on_escape(self) -> None:
        if not self.isVisible():
            return
        if isinstance(QApplication.focusWidget(), QLineEdit):  # Esc in the run's name field leaves the field
            self.setFocus()
            return
        self.stop()

    def _on_stop_clicked(self) -> None:
        self.stop()

    def _on_resume_clicked(self) -> None:
        self.resume()

    def _on_playground_clicked(self) -> None:
        if self.run_dir is not None:
            self.playground_requested.emit(str(self.run_dir))

    def _on_finetune_clicked(self) -> None:
        if self.run_dir is not None:
            self.finetune_requested.emit(str(self.run_dir))


_frozen = False


def _model_words(init: str, preset: str) -> str:
    """What a run starts from, in words: a pre-trained model, a preset, or a spec of its own."""
    if init:
        return f"the pre-trained model {init_name(init)}"
    return f"the {preset} preset" if preset else "a custom spec"


def _read_history(request: tuple[int, str]) -> tuple[tuple[int, str], list[dict]]:
    """A run's curve events so far (a worker reads them: a long log holds hundreds of thousands);
    `request` is (which resume, the run folder), given back with them."""
    return request, read_curve_events(request[1])


def _freeze_long_lived() -> None:
    """Move the objects the window is made of out of the garbage collector's full passes (once).

    A run streams thousands of short-lived event dicts a second; the few that live a little
    (the newest events kept) push the collector into full passes every few seconds, and a full
    pass over the whole window's objects holds the window for 30-90 ms. Frozen, they are skipped
    and a full pass walks only what the run created since, a few milliseconds."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


def _duration(seconds: float) -> str:
    if seconds < 10:  # a tiny run: "0.4 s", not "0 s"
        return f"{seconds:.1f} s"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"
