"""Model page: choose a preset or edit every spec field, and see what the sizes cost."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from albert_core.devices import auto_precision
from albert_core.param_count import count, count_bert, human, memory_estimate, savings
from albert_core.runs import task_word
from albert_core.spec import PRESETS, ModelSpec, SpecError

from .. import theme
from ..glossary import tip
from ..project import Project
from ..widgets.param_chart import ParamChart
from ..workers import DeviceInfo

LABELS = {
    "vocab_size": "Vocabulary (V)",
    "embedding_size": "Embedding size (E)",
    "hidden_size": "Hidden size (H)",
    "num_hidden_layers": "Layers (L)",
    "num_attention_heads": "Attention heads",
    "intermediate_size": "Feed-forward size",
    "num_hidden_groups": "Hidden groups",
    "inner_group_num": "Inner groups",
    "max_position_embeddings": "Max positions",
    "type_vocab_size": "Segment types",
    "hidden_dropout_prob": "Hidden dropout",
    "attention_probs_dropout_prob": "Attention dropout",
    "classifier_dropout_prob": "Classifier dropout",
    "hidden_act": "Activation",
}
CUSTOM = "(custom)"


def spec_from_folder(folder: str | Path) -> ModelSpec:
    """The spec of an existing ALBERT folder (its config.json); SpecError if it has none."""
    path = Path(folder) / "config.json"
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError({"spec": f"{folder} has no config.json; choose a Hugging Face ALBERT folder"}) from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SpecError({"spec": f"{path}: not readable JSON ({e})"}) from None
    if d.get("model_type", "albert") != "albert":
        raise SpecError({"spec": f"{folder} holds a {d.get('model_type')!r} model, not an ALBERT"})
    names = {f.name for f in dataclasses.fields(ModelSpec)}
    return ModelSpec(**{k: v for k, v in d.items() if k in names})


def problem_sentence(problems: dict[str, str]) -> str:
    """A spec's problems as one sentence naming the fields as the page labels them."""
    return "; ".join(f"{LABELS.get(k, k)}: {v}" if k != "spec" else v for k, v in problems.items())


class ModelPage(QWidget):
    """Spec fields on the left; parameter breakdown, memory and device on the right."""

    spec_edited = Signal()

    def __init__(self, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = project
        self._updating = False
        self._form_problems: dict[str, str] = {}  # the fields in red, while the form is no valid spec
        self.fields: dict[str, QSpinBox | QDoubleSpinBox | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}

        left = QVBoxLayout()
        top = QHBoxLayout()
        self.preset_box = QComboBox()
        self.preset_box.addItems([*PRESETS, CUSTOM])
        for i, p in enumerate(PRESETS.values()):
            self.preset_box.setItemData(i, p.description, Qt.ItemDataRole.ToolTipRole)
        self.preset_box.currentTextChanged.connect(self._on_preset_chosen)
        top.addWidget(QLabel("Preset"))
        top.addWidget(self.preset_box, 1)
        left.addLayout(top)
        buttons = QHBoxLayout()
        self.open_spec_button = QPushButton("Open spec…")
        self.open_spec_button.setToolTip("Start from a model spec saved as JSON")
        self.open_spec_button.clicked.connect(self._on_open_spec_clicked)
        self.open_folder_button = QPushButton("Start from ALBERT folder…")
        self.open_folder_button.setToolTip(
            "Continue training an existing ALBERT (a Hugging Face folder with config.json)"
        )
        self.open_folder_button.clicked.connect(self._on_open_folder_clicked)
        self.save_spec_button = QPushButton("Save spec…")
        self.save_spec_button.clicked.connect(self._on_save_spec_clicked)
        for b in (self.open_spec_button, self.open_folder_button, self.save_spec_button):
            buttons.addWidget(b)
        left.addLayout(buttons)
        self.init_label = QLabel()
        self.init_label.setWordWrap(True)
        self.init_label.hide()
        left.addWidget(self.init_label)
        self.load_error = QLabel()
        self.load_error.setStyleSheet(theme.ERROR_TEXT)
        self.load_error.setWordWrap(True)
        self.load_error.hide()
        left.addWidget(self.load_error)

        form = QFormLayout()
        for f in dataclasses.fields(ModelSpec):
            w = self._make_field(f.name, f.type)
            label = QLabel(LABELS.get(f.name, f.name))
            label.setToolTip(tip(f.name))
            err = QLabel()
            err.setStyleSheet(theme.ERROR_TEXT)
            err.setWordWrap(True)
            err.hide()
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(w)
            box.addWidget(err)
            form.addRow(label, box)
            self.fields[f.name] = w
            self.errors[f.name] = err
        left.addLayout(form)
        left.addStretch(1)

        right = QVBoxLayout()
        self.chart = ParamChart()
        right.addWidget(self.chart, 3)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right.addWidget(self.summary)

        mem_box = QGroupBox("Memory to train")
        mem = QFormLayout(mem_box)
        # the Train page's batch size, max length and precision: one setting shown in two places
        self.batch_spin = QSpinBox(minimum=1, maximum=8192, value=32)
        self.batch_spin.setToolTip("Examples per optimisation step (the Train page's batch size)")
        self.length_spin = QSpinBox(minimum=8, maximum=8192, value=128, singleStep=8)
        self.length_spin.setToolTip(tip("max_length") + "\n(the Train page's max length)")
        self.precision_box = QComboBox()
        self.precision_box.addItems(["auto", "fp32", "bf16", "fp16"])
        self.precision_box.setToolTip(tip("precision"))
        self._devices = DeviceInfo([], probed=False)
        self._loading_training = False
        # each writes its own setting only (the others may not be shown yet, after a project is loaded)
        self.batch_spin.valueChanged.connect(lambda v: self._on_memory_input_changed(batch_size=v))
        self.length_spin.valueChanged.connect(lambda v: self._on_memory_input_changed(max_length=v))
        self.precision_box.currentTextChanged.connect(lambda v: self._on_memory_input_changed(precision=v))
        row = QHBoxLayout()
        row.addWidget(QLabel("batch"))
        row.addWidget(self.batch_spin)
        row.addWidget(QLabel("length"))
        row.addWidget(self.length_spin)
        row.addWidget(self.precision_box)
        mem.addRow(row)
        self.memory_label = QLabel()
        self.memory_label.setWordWrap(True)
        mem.addRow(self.memory_label)
        self.device_label = QLabel("Looking for GPUs…")
        self.device_label.setWordWrap(True)
        mem.addRow(self.device_label)
        right.addWidget(mem_box)

        layout = QHBoxLayout(self)
        left_w = QWidget()
        left_w.setLayout(left)
        left_w.setMaximumWidth(430)
        layout.addWidget(left_w)
        layout.addLayout(right, 1)

        project.spec_changed.connect(self._on_project_spec_changed)
        project.loaded.connect(self._on_project_spec_changed)
        project.loaded.connect(self._on_training_changed)
        project.data_changed.connect(self.refresh)
        project.training_changed.connect(self._on_training_changed)  # also the Data page's vocabulary
        self._show_training()
        self._on_project_spec_changed()

    # -- building -----------------------------------------------------------------------------
    def _make_field(self, name: str, typ) -> QWidget:
        if name == "hidden_act":
            w = QComboBox()
            w.addItems(["gelu_new", "gelu", "relu", "silu"])
            w.currentTextChanged.connect(self._on_field_edited)
        elif "prob" in name:
            w = QDoubleSpinBox(minimum=0.0, maximum=0.99, singleStep=0.05, decimals=2)
            w.valueChanged.connect(self._on_field_edited)
        else:
            w = QSpinBox(minimum=0, maximum=10_000_000)
            w.setKeyboardTracking(False)
            w.valueChanged.connect(self._on_field_edited)
        w.setToolTip(tip(name))
        w.setObjectName(name)
        return w

    # -- reading and writing the form -----------------------------------------------------------
    def form_spec(self) -> ModelSpec:
        values = {}
        for name, w in self.fields.items():
            if isinstance(w, QComboBox):
                values[name] = w.currentText()
            else:
                values[name] = w.value()
        return ModelSpec(**values)

    def set_form(self, spec: ModelSpec) -> None:
        self._updating = True
        try:
            for name, value in spec.to_dict().items():
                w = self.fields[name]
                if isinstance(w, QComboBox):
                    w.setCurrentText(str(value))
                else:
                    w.setValue(value)
        finally:
            self._updating = False

    def set_field(self, name: str, value) -> None:
        """Change one field as a user would (used by tests and scripts)."""
        w = self.fields[name]
        if isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        else:
            w.setValue(value)

    # -- slots ----------------------------------------------------------------------------------
    def _on_project_spec_changed(self) -> None:
        s = self.project.state
        self._form_problems = {}
        self.project.set_spec_problem("")  # the form shows the project's spec again (refresh says if it is bad)
        self.set_form(self.project.spec)
        self._updating = True
        self.preset_box.setCurrentText(s.preset if s.preset in PRESETS else CUSTOM)
        self._updating = False
        if s.init:
            self.init_label.setText(f"Starting from the weights in <b>{s.init}</b>; the sizes below are that model's.")
            self.init_label.show()
        else:
            self.init_label.hide()
        self._show_problems({})
        self.refresh()

    def _on_preset_chosen(self, name: str) -> None:
        if self._updating or name not in PRESETS:
            return
        self.load_error.hide()
        self.project.set_spec(dataclasses.replace(PRESETS[name].spec), preset_name=name)

    def _on_field_edited(self, *_) -> None:
        if self._updating:
            return
        spec = self.form_spec()
        try:
            spec.validate()
        except SpecError as e:
            # the project keeps the last good spec; the Train page refuses to start until this is fixed
            self._form_problems = dict(e.problems)
            self._show_problems(e.problems)
            self._show_form_invalid()
            self.project.set_spec_problem(problem_sentence(e.problems))
            return
        self._form_problems = {}
        self._show_problems({})
        match = next((n for n, p in PRESETS.items() if p.spec == spec), "")
        self.project.set_spec(spec, preset_name=match, init="")
        self.project.set_spec_problem("")  # also when the spec equals the project's (no change signalled)
        self.spec_edited.emit()

    def _show_form_invalid(self) -> None:
        self.chart.set_counts(None, None)
        self.summary.setText("Fix the fields marked in red to see the parameter count.")
        self.memory_label.setText("")

    def _on_training_changed(self) -> None:
        self._show_training()
        self.refresh()

    def _show_training(self) -> None:
        """The project's batch size, max length and precision in the memory row."""
        t = self.project.training_values()
        self._loading_training = True
        try:
            self.batch_spin.setValue(int(t["batch_size"]))
            self.length_spin.setValue(int(t["max_length"]))
            self.precision_box.setCurrentText(str(t["precision"]))
        finally:
            self._loading_training = False

    def _on_memory_input_changed(self, **setting) -> None:
        if not self._loading_training:  # the user changed it here: the next run trains with it
            self.project.update_training(**setting)
        self.refresh()

    def estimated_precision(self) -> str:
        """The precision the memory is estimated for: auto is bf16 on a GPU that has it, fp16 on
        one that has not (as a run decides), fp32 on the CPU."""
        chosen = self.precision_box.currentText()
        if chosen != "auto":
            return chosen
        gpus = self._devices.gpus
        return auto_precision(bool(gpus), all(g.get("bf16") for g in gpus))

    def _on_open_spec_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open model spec", "", "Model spec (*.json);;All files (*)")
        if path:
            self.open_spec(path)

    def _on_open_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose an ALBERT model folder")
        if folder:
            self.open_folder(folder)

    def _on_save_spec_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save model spec", "spec.json", "Model spec (*.json)")
        if path:
            from albert_core.runs import atomic_write_json

            atomic_write_json(path, self.form_spec().to_dict())

    def open_spec(self, path: str) -> bool:
        try:
            spec = ModelSpec.from_file(path)
            spec.validate()
        except SpecError as e:
            self._show_load_error(e)
            return False
        self.load_error.hide()
        self.project.set_spec(spec)
        return True

    def open_folder(self, folder: str) -> bool:
        try:
            spec = spec_from_folder(folder)
            spec.validate()
        except SpecError as e:
            self._show_load_error(e)
            return False
        self.load_error.hide()
        self.project.set_spec(spec, init=str(folder))
        return True

    def set_devices(self, info: DeviceInfo) -> None:
        self._devices = info
        self.device_label.setText(info.describe())
        self.refresh()

    # -- showing ------------------------------------------------------------------------------
    def _show_load_error(self, e: SpecError) -> None:
        self.load_error.setText("\n".join(f"{k}: {v}" if k != "spec" else v for k, v in e.problems.items()))
        self.load_error.show()

    def _show_problems(self, problems: dict[str, str]) -> None:
        for name, w in self.fields.items():
            msg = problems.get(name, "")
            w.setStyleSheet(theme.ERROR_STYLE if msg else "")
            self.errors[name].setText(msg)
            self.errors[name].setVisible(bool(msg))

    def refresh(self) -> None:
        """Recompute the breakdown, the savings and the memory estimate for the current spec."""
        if self._form_problems:  # the form is not the project's spec: its figures would be the old spec's
            self._show_form_invalid()
            return
        spec = self.project.spec
        try:
            spec.validate()
        except SpecError as e:  # a project file with a spec that cannot be built
            self._show_problems(e.problems)
            self._show_form_invalid()
            self.project.set_spec_problem(problem_sentence(e.problems))
            return
        task = self.project.state.task
        labels = max(2, self.project.state.num_labels)
        vocab, source = self.project.planned_vocab()
        vocab_note = ""
        if vocab and vocab != spec.vocab_size:  # the model gets a row per piece of the tokenizer it is trained with
            spec = dataclasses.replace(spec, vocab_size=vocab)
            vocab_note = f"<br>V is {vocab:,}, from {source}, not the {self.project.spec.vocab_size:,} above."
        elif not self.project.state.init:  # a tokenizer trained on the data: V is its most, not its size
            vocab_note = (
                f"<br>V = {spec.vocab_size:,} is the most pieces the vocabulary trained on the data may have: a small "
                "data set gives fewer (and fewer parameters); the run's log says how many."
            )
        a, b = count(spec, task, labels), count_bert(spec, task, labels)
        s = savings(spec, task, labels)
        self.chart.set_counts(a, b)
        distinct = spec.num_hidden_groups * spec.inner_group_num
        share = (
            f"applying {distinct} distinct layer{'s' if distinct > 1 else ''} {spec.num_hidden_layers} times "
            f"(cross-layer sharing) saves <b>{human(s.layer_sharing)}</b>"
            if s.layer_sharing > 0
            else "every layer has its own weights, so sharing saves nothing"
        )
        self.summary.setText(
            f"<b>ALBERT: {human(a.total)} parameters</b> ({a.total:,}) for {task_word(task)}: embedding {human(a.embedding)}, "
            f"encoder {human(a.encoder)}, head {human(a.head)}.<br>"
            f"A BERT of the same shape would have {human(b.total)} ({s.ratio:.1f}× as many).<br>"
            f"The factorized embedding (V·E + E·H = {spec.vocab_size:,}·{spec.embedding_size} + "
            f"{spec.embedding_size}·{spec.hidden_size} instead of V·H) saves <b>{human(s.factorized_embedding)}</b>; "
            f"{share}.{vocab_note}"
        )
        self.summary.setToolTip(tip("factorized") + "\n" + tip("sharing"))
        precision = self.estimated_precision()
        length = min(self.length_spin.value(), spec.max_position_embeddings)  # a run takes no more
        m = memory_estimate(spec, self.batch_spin.value(), length, precision, task, labels)
        auto = ""
        if self.precision_box.currentText() == "auto":
            auto = (
                f" (auto: {precision} on this machine)"
                if self._devices.probed
                else " (auto: fp32 unless a GPU is found)"
            )
        self.memory_label.setText(
            f"About <b>{human(m.total, 'B')}</b>{auto}: weights {human(m.weights, 'B')}, "
            f"gradients {human(m.gradients, 'B')}, AdamW state {human(m.optimizer, 'B')}, "
            f"activations {human(m.activations, 'B')}."
        )
