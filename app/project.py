"""The project the window is working on: model spec, task, data files and training settings.

One `Project` object is shared by every page. Pages change it through its setters and react
to its signals, so no page reaches into another.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from albert_core.runs import TASK_OPTIONS, RunConfig
from albert_core.spec import ModelSpec, preset

from .settings import SAMPLE_DATA


@dataclass
class ProjectState:
    """What a project file holds (JSON)."""

    task: str = "classification"
    preset: str = "tiny"  # "" once a field differs from the preset
    spec: dict = field(default_factory=lambda: preset("tiny").to_dict())
    init: str = ""  # an existing ALBERT folder to start from instead of random weights
    train_file: str = ""
    eval_file: str = ""
    columns: dict = field(default_factory=dict)
    multi_label: bool = False  # classification: several labels per text
    label_separator: str = ","  # what joins them in a table's cell
    label_before: str = ""  # classification: keep the part of each label before this mark (DESC:manner → DESC)
    val_fraction: float = 0.1
    seed: int = 42
    num_labels: int = 2
    training: dict = field(default_factory=dict)  # Train page settings (lr, batch_size, ...)


def _plain(d: dict) -> dict:
    """A state as its file holds it (tuples as lists), so a state and its file compare alike."""
    return json.loads(json.dumps(d, default=str))


def _state(d: Any, what: str) -> ProjectState:
    names = {f.name for f in dataclasses.fields(ProjectState)}
    if not isinstance(d, dict) or not set(d) <= names:
        raise ValueError(f"{what}: not an ALBERT Studio project file")
    try:
        state = ProjectState(**d)
        ModelSpec(**state.spec)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what}: not an ALBERT Studio project file ({e})") from None
    return state


def read_project_file(path: str | Path) -> ProjectState:
    """A project file's state; ValueError with a readable message when it cannot be one."""
    path = Path(path)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot be read as a project file ({e})") from None
    return _state(d, str(path))


def sample_state() -> ProjectState:
    """The built-in sample: sentiment sentences and the tiny preset, trainable in about a minute."""
    return ProjectState(
        train_file=str(SAMPLE_DATA) if SAMPLE_DATA.exists() else "",
        columns={"text": "text", "label": "label"},  # as the Data page finds them: the sample opens unchanged
        training={"epochs": 3.0, "batch_size": 16, "lr": 2e-3, "max_length": 64, "eval_every": 0, "log_every": 2},
    )


class Project(QObject):
    """Observable project state."""

    spec_changed = Signal()
    data_changed = Signal()  # task, files, columns, split
    training_changed = Signal()
    loaded = Signal()  # a whole new project replaced the old one
    problems_changed = Signal()  # spec_problem or data_problem changed
    saved_to = Signal(str)  # the project was written to this file

    def __init__(self, state: ProjectState | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.state = state or sample_state()
        self.path: str = ""
        self.saved = _plain(self.to_dict())  # the state as its file holds it (the sample's, with no file)
        self.settling = False  # just opened: what the pages derive from it is not a change (see `settle`)
        # What the pages show but could not put in the project (a field in red, a file that cannot
        # be read): a short sentence, "" when fine. The project keeps the last good spec and data,
        # so a run must not start while either is set.
        self.spec_problem: str = ""
        self.data_problem: str = ""

    # -- problems the pages found -------------------------------------------------------------
    def set_spec_problem(self, text: str) -> None:
        """The Model page's form cannot become a spec: say what is wrong ("" once it can)."""
        if text != self.spec_problem:
            self.spec_problem = text
            self.problems_changed.emit()

    def set_data_problem(self, text: str) -> None:
        """The Data page sets data_problem only through this: what makes its file unusable, "" once usable."""
        if text != self.data_problem:
            self.data_problem = text
            self.problems_changed.emit()

    def problem(self) -> tuple[str, str]:
        """The page to fix before a run can start and what is wrong there; ("", "") when none."""
        if self.spec_problem:
            return "Model", self.spec_problem
        if self.data_problem:
            return "Data", self.data_problem
        return "", ""

    def _clear_problems(self) -> None:
        """A whole new project: the pages show it afresh and say again what is wrong with it."""
        if self.spec_problem or self.data_problem:
            self.spec_problem = self.data_problem = ""
            self.problems_changed.emit()

    # -- spec ---------------------------------------------------------------------------------
    @property
    def spec(self) -> ModelSpec:
        return ModelSpec(**self.state.spec)

    def tokenizer_choices_apply(self) -> bool:
        """Whether the Data page's tokenizer choices (a vocabulary size, or a model's tokenizer)
        hold for the next run: pre-training with new weights, where that page shows them (a start
        from a model brings its own tokenizer)."""
        return self.state.task == "pretrain" and not self.state.init

    def planned_vocab(self) -> tuple[int, str]:
        """The vocabulary the next run's tokenizer will have when the Data page sets it (pre-training
        with new weights), and where it comes from; (0, "") when the spec's vocabulary holds."""
        from albert_core.model_setup import tokenizer_size
        from albert_core.runs import init_name

        if not self.tokenizer_choices_apply():
            return 0, ""
        source = self.state.training.get("tokenizer_from") or ""
        if source:
            n = tokenizer_size(source)
            return (n, f"the tokenizer of {init_name(source)}") if n else (0, "")
        n = int(self.state.training.get("tokenizer_vocab_size") or 0)
        return (n, "the vocabulary size chosen on the Data page") if n else (0, "")

    def set_spec(self, spec: ModelSpec, preset_name: str = "", init: str = "") -> None:
        self.state.spec = spec.to_dict()
        self.state.preset = preset_name
        self.state.init = init
        self.spec_changed.emit()

    # -- data ---------------------------------------------------------------------------------
    def update_data(self, **changes: Any) -> None:
        """Change any of task, train_file, eval_file, columns, multi_label, label_separator,
        label_before, val_fraction, seed, num_labels."""
        changed = False
        for key, value in changes.items():
            if getattr(self.state, key) != value:
                setattr(self.state, key, value)
                changed = True
        if changed:
            self.data_changed.emit()

    def training_values(self) -> dict[str, Any]:
        """The Train page's settings, each at the project's value or else a run's default."""
        return {**dataclasses.asdict(RunConfig()), **self.state.training}

    def update_training(self, **changes: Any) -> None:
        self.state.training.update(changes)
        self.training_changed.emit()

    # -- files --------------------------------------------------------------------------------
    def load(self, path: str | Path) -> None:
        """Replace the project with a project file; ValueError with a readable message if bad."""
        state = read_project_file(path)
        self._replace(state, str(path), _plain(dataclasses.asdict(state)), settle=True)

    def restore(self, d: Any, path: str = "", what: str = "the project") -> None:
        """Replace the project with a state as `to_dict` gives it (the one kept when the window last
        closed, for the file at `path` or the sample's); ValueError with a readable message if bad.
        Where it differs from that file, or from the sample, its changes are not saved."""
        state = _state(d, what)
        try:
            saved = _plain(dataclasses.asdict(read_project_file(path) if path else sample_state()))
        except ValueError:  # the file went away or was changed into something else: nothing matches it
            saved = {}
        self._replace(state, path, saved)

    def _replace(self, state: ProjectState, path: str, saved: dict, settle: bool = False) -> None:
        self.state = state
        self.path = path
        self.saved = saved
        self.settling = settle
        self._clear_problems()
        self.loaded.emit()

    def settle(self, done: bool = False) -> None:
        """A project just opened (a file, or the sample) is filled in by the pages from what they read:
        the columns found in its data, a max length within the model's positions. That is the project
        as opened, not a change of the user's: taken as saved, until `done` (its data has been read).
        A project kept from the last session is not settled: its changes since its file are real."""
        if self.settling:
            self.saved = _plain(self.to_dict())
            self.settling = not done

    def modified(self) -> bool:
        """Whether the project differs from its file (or, with no file, from the sample)."""
        return _plain(self.to_dict()) != self.saved

    def title(self) -> str:
        """What the project is called: its file's name, or "Sample project" with no file."""
        return Path(self.path).name if self.path else "Sample project"

    def to_dict(self) -> dict:
        """The project's state as JSON-ready values (what a project file holds)."""
        return dataclasses.asdict(self.state)

    def reset_to_sample(self) -> None:
        state = sample_state()
        self._replace(state, "", _plain(dataclasses.asdict(state)), settle=True)

    def save(self, path: str | Path) -> None:
        """Write the project to `path` (at once, or not at all); OSError when it cannot be written."""
        from albert_core.runs import atomic_write_json

        atomic_write_json(path, self.to_dict())
        self.path = str(path)
        self.saved = _plain(self.to_dict())
        self.saved_to.emit(self.path)

    # -- runs ---------------------------------------------------------------------------------
    def run_config(self, name: str = "") -> RunConfig:
        """The RunConfig for training this project now."""
        s = self.state
        model: dict[str, Any]
        if s.init:
            model = {"preset": "", "spec": None, "init": s.init}
        elif s.preset:
            model = {"preset": s.preset, "spec": None, "init": ""}
        else:
            model = {"preset": "", "spec": dict(s.spec), "init": ""}
        known = {f.name for f in dataclasses.fields(RunConfig)}
        fixed = {"task", "train_file", "eval_file", "name", "columns", "val_fraction", "seed", "multi_label"}
        fixed |= {"label_separator", "label_before"}
        fixed |= set(model)
        training = {k: v for k, v in s.training.items() if k in known and k not in fixed}
        if isinstance(training.get("options"), dict):  # another task's settings (from before a switch) stay out
            training["options"] = {k: v for k, v in training["options"].items() if k in TASK_OPTIONS.get(s.task, ())}
        if not self.tokenizer_choices_apply():
            training.pop("tokenizer_from", None)
            training.pop("tokenizer_vocab_size", None)
        return RunConfig(
            task=s.task,
            train_file=s.train_file,
            eval_file=s.eval_file,
            name=name,
            columns={k: v for k, v in s.columns.items() if v},
            multi_label=s.multi_label and s.task == "classification",
            label_separator=s.label_separator,
            label_before=s.label_before if s.task == "classification" else "",
            val_fraction=s.val_fraction,
            seed=s.seed,
            **model,
            **training,
        )
