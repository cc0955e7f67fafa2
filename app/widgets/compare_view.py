"""Compare runs: their curves overlaid (training loss, validation loss, main metric) and a table
of the settings that differ between their run.json files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from albert_core.events import latest_attempt, read_events
from albert_core.runs import main_metric, metric_percent, metric_word

from .loss_plot import _Panel

RUN_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
IGNORED_SETTINGS = {"name"}
LEGEND_CHARS = 28  # a run's name in a plot's legend, shortened in its middle beyond this
TITLE_CHARS = 48  # and in the line above the plots (each name's whole in its tooltip)
HEADER_CHARS = 24  # and above its column of settings
VALUE_WIDTH = 200  # pixels at most for a run's column of settings (a longer value: whole in its tooltip)


def short_name(name: str, limit: int) -> str:
    """`name` cut in its middle to `limit` characters: run names differ at both ends (the date
    at the start, the data or a number at the end)."""
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2
    return name[:head] + "…" + name[len(name) - (limit - 1 - head) :]


@dataclass
class RunCurves:
    """What the comparison needs of one run (plain Python, read in a worker thread)."""

    path: str
    name: str
    task: str
    config: dict
    steps: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    eval_steps: list[float] = field(default_factory=list)
    eval_loss: list[float] = field(default_factory=list)
    metric_name: str = ""
    metric: list[float] = field(default_factory=list)


def read_run_curves(path: str) -> RunCurves:
    """The curves of a run from its events.jsonl, and its settings from run.json."""
    p = Path(path)
    try:
        config = json.loads((p / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    task = str(config.get("task", ""))
    model_vocab = _model_vocab(p)
    if model_vocab and isinstance(config.get("spec"), dict):  # the pieces the model has: a tokenizer trained
        config = {**config, "spec": {**config["spec"], "vocab_size": model_vocab}}  # or taken sets them
    out = RunCurves(str(p), str(config.get("name") or p.name), task, config, metric_name=main_metric(config))
    for ev in latest_attempt(read_events(p / "events.jsonl")):
        if ev["event"] == "step" and isinstance(ev.get("loss"), (int, float)):
            out.steps.append(float(ev["step"]))
            out.loss.append(float(ev["loss"]))
        elif ev["event"] == "eval":
            m = ev.get("metrics") or {}
            if isinstance(m.get("loss"), (int, float)):
                out.eval_steps.append(float(ev["step"]))
                out.eval_loss.append(float(m["loss"]))
                value = m.get(out.metric_name)
                out.metric.append(metric_percent(task, value) if isinstance(value, (int, float)) else float("nan"))
    return out


def _model_vocab(run_dir: Path) -> int:
    """The vocabulary size of a run's saved model (0: none saved yet)."""
    try:
        return int(json.loads((run_dir / "model" / "config.json").read_text(encoding="utf-8"))["vocab_size"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def read_many(paths: list[str]) -> list[RunCurves]:
    return [read_run_curves(p) for p in paths]


def _flatten(d: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def differing_settings(configs: list[dict]) -> dict[str, list[object]]:
    """Setting → each run's value, for the settings whose values are not all the same."""
    flat = [_flatten(c) for c in configs]
    keys = sorted({k for f in flat for k in f} - IGNORED_SETTINGS)
    out = {}
    for k in keys:
        # not set, empty ({} options, "" file) or None all say the same: nothing
        values = [f.get(k) if f.get(k) not in ({}, [], "") else None for f in flat]
        if any(v != values[0] for v in values[1:]):
            out[k] = values
    return out


class CompareView(QWidget):
    """Overlaid curves of two or more runs, one colour per run, and their differing settings."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.runs: list[RunCurves] = []
        self.title = QLabel()
        self.title.setWordWrap(True)  # several long names: lines, not a window wider than the screen
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.loss_panel = _Panel("Training loss", "loss")
        self.eval_panel = _Panel("Validation loss", "loss")
        self.metric_panel = _Panel("Main metric")
        self.table = QTableWidget()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (the arrows move within it)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        # each run's column as wide as its values (up to VALUE_WIDTH); more runs than fit: it scrolls
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(60)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        plots = QWidget()
        grid = QGridLayout(plots)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.loss_panel, 0, 0, 1, 2)
        grid.addWidget(self.eval_panel, 1, 0)
        grid.addWidget(self.metric_panel, 1, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(plots)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([700, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)

    def set_runs(self, runs: list[RunCurves]) -> None:
        self.runs = list(runs)
        for panel in (self.loss_panel, self.eval_panel, self.metric_panel):
            panel.clear()
            panel.legend.clear()
        metric_names = sorted({r.metric_name for r in runs if r.metric_name})
        words = [metric_word(n) for n in metric_names]
        self.metric_panel.setTitle((" / ".join(words) or "Main metric") + " (%)", size="10pt")
        for i, r in enumerate(runs):
            color = RUN_COLORS[i % len(RUN_COLORS)]
            name = short_name(r.name, LEGEND_CHARS)
            # one legend for the three panels (a run keeps its colour in each, and in the table):
            # in the small ones it would take the height of the data; the metric panel names the
            # metric of each run when they differ
            self.loss_panel.curve(name, color).setData(r.steps, r.loss)
            self.eval_panel.curve(name, color, symbol="o", in_legend=False).setData(r.eval_steps, r.eval_loss)
            label = f"{name} ({metric_word(r.metric_name)})"
            self.metric_panel.curve(label, color, symbol="o", in_legend=len(metric_names) > 1).setData(
                r.eval_steps, r.metric
            )
        self.title.setText(f"Comparing {len(runs)} runs: " + ", ".join(short_name(r.name, TITLE_CHARS) for r in runs))
        self.title.setToolTip("\n".join(r.name for r in runs))
        self._fill_table()

    def _fill_table(self) -> None:
        diff = differing_settings([r.config for r in self.runs])
        self.table.clear()
        self.table.setColumnCount(len(self.runs))
        self.table.setRowCount(max(len(diff), 1))
        self.table.setHorizontalHeaderLabels([short_name(r.name, HEADER_CHARS) for r in self.runs])
        for c, r in enumerate(self.runs):
            head = self.table.horizontalHeaderItem(c)
            head.setForeground(pg.mkColor(RUN_COLORS[c % len(RUN_COLORS)]))
            head.setToolTip(f"{r.name}\n{r.path}")
        if not diff:
            self.table.setVerticalHeaderLabels([""])
            self.table.setItem(0, 0, QTableWidgetItem("The runs have the same settings."))
            self.table.resizeColumnToContents(0)
            return
        self.table.setVerticalHeaderLabels(list(diff))
        for row, values in enumerate(diff.values()):
            for col, v in enumerate(values):
                text = "—" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else str(v))
                shown = Path(text).name if isinstance(v, str) and "/" in text else text  # a path: its name
                item = QTableWidgetItem(shown)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        for col in range(self.table.columnCount()):
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), VALUE_WIDTH))

    def differences(self) -> dict[str, list[str]]:
        """The table as text (setting → values), for tests and scripts."""
        out = {}
        for row in range(self.table.rowCount()):
            head = self.table.verticalHeaderItem(row)
            if head is None or not head.text():
                continue
            out[head.text()] = [self.table.item(row, c).text() for c in range(self.table.columnCount())]
        return out

    def curve_counts(self) -> list[int]:
        """Points drawn per run on the training-loss panel."""
        counts = []
        for item in self.loss_panel.getPlotItem().listDataItems():
            x = item.getData()[0]
            counts.append(0 if x is None else len(x))
        return counts
