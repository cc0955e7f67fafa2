"""Runs page: every run so far, its curves, and a way into the playground or to resume."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from albert_core.events import read_events
from albert_core.runs import RunSummary, default_runs_dir, list_runs

from ..widgets.loss_plot import LivePlots
from ..workers import run_in_thread

COLUMNS = ("Run", "Status", "Task", "Started", "Steps", "Metric")
REFRESH_MS = 5000


class RunsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.runs: list[RunSummary] = []

    def set_runs(self, runs: list[RunSummary]) -> None:
        self.beginResetModel()
        self.runs = sorted(runs, key=lambda r: -r.created)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.runs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return r.name
            if col == 1:
                return r.status
            if col == 2:
                return r.task
            if col == 3:
                return time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created))
            if col == 4:
                return f"{r.step} / {r.total_steps}" if r.total_steps else str(r.step)
            if col == 5:
                return f"{r.metric_name} {r.metric:.4f}" if r.metric is not None else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.message or str(r.path)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


def _read_curves(path: str) -> tuple[str, list[dict]]:
    return path, [e for e in read_events(Path(path) / "events.jsonl") if e["event"] in ("step", "eval")]


class RunsPage(QWidget):
    runs_changed = Signal(list)  # list[RunSummary]
    playground_requested = Signal(str)  # run dir
    resume_requested = Signal(str)  # run dir

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = RunsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.doubleClicked.connect(self._on_double_clicked)

        self.title = QLabel("Select a run to see its curves.")
        self.title.setWordWrap(True)
        self.play_button = QPushButton("Try in Playground")
        self.play_button.clicked.connect(self._on_play_clicked)
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.title, 1)
        for b in (self.play_button, self.resume_button, self.folder_button, self.refresh_button):
            buttons.addWidget(b)
        self.plots = LivePlots(live=False)

        lower = QWidget()
        lv = QVBoxLayout(lower)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(buttons)
        lv.addWidget(self.plots, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self._selected: RunSummary | None = None
        self._list_worker = None
        self._curve_request = ""
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._on_refresh_timer)
        self._timer.start()
        self._update_buttons()
        self.refresh()

    # -- listing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the runs folder in the background."""
        if self._list_worker is not None:
            return
        self._list_worker = run_in_thread(
            list_runs, default_runs_dir(), on_returned=self._on_runs_listed, on_errored=self._on_list_errored
        )

    def refresh_now(self) -> None:
        """Re-read synchronously (tests, scripts)."""
        self._on_runs_listed(list_runs(default_runs_dir()))

    def page_shown(self) -> None:
        self.refresh()

    def _on_refresh_timer(self) -> None:
        if self.isVisible():
            self.refresh()

    def _on_runs_listed(self, runs: list[RunSummary]) -> None:
        self._list_worker = None
        selected = str(self._selected.path) if self._selected else ""
        self.model.set_runs(runs)
        for row, r in enumerate(self.model.runs):
            if str(r.path) == selected:
                self.table.selectionModel().blockSignals(True)
                self.table.selectRow(row)
                self.table.selectionModel().blockSignals(False)
                self._selected = r
        self._update_buttons()
        self.runs_changed.emit(self.model.runs)

    def _on_list_errored(self, err: BaseException) -> None:
        self._list_worker = None
        self.title.setText(f"Could not list the runs: {err}")

    # -- one run ------------------------------------------------------------------------------
    def select_run(self, path: str) -> bool:
        for row, r in enumerate(self.model.runs):
            if str(r.path) == str(path):
                self.table.selectRow(row)
                return True
        return False

    def _on_current_row_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if not current.isValid():
            return
        run = self.model.runs[current.row()]
        self._selected = run
        metric = f", {run.metric_name} {run.metric:.4f}" if run.metric is not None else ""
        self.title.setText(f"<b>{run.name}</b>: {run.status}{metric}" + (f"<br>{run.message}" if run.message else ""))
        self._update_buttons()
        self._curve_request = str(run.path)
        run_in_thread(_read_curves, str(run.path), on_returned=self._on_curves_read, on_errored=self._on_list_errored)

    def _on_curves_read(self, result: tuple[str, list[dict]]) -> None:
        path, events = result
        if path != self._curve_request:
            return
        self.plots.clear()
        self.plots.add_events(events)

    def _update_buttons(self) -> None:
        r = self._selected
        has_model = bool(r and (Path(r.path) / "model" / "config.json").exists())
        self.play_button.setEnabled(has_model)
        self.resume_button.setEnabled(bool(r and r.status in ("stopped", "interrupted", "failed")))
        self.folder_button.setEnabled(r is not None)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if self.play_button.isEnabled():
            self._on_play_clicked()

    def _on_play_clicked(self) -> None:
        if self._selected:
            self.playground_requested.emit(str(self._selected.path))

    def _on_resume_clicked(self) -> None:
        if self._selected:
            self.resume_requested.emit(str(self._selected.path))

    def _on_folder_clicked(self) -> None:
        if self._selected:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._selected.path)))
