"""Runs page: every run so far (sortable, filtered by task and status), its curves, and what can
be done with it: try it, resume it, compare it with others, rename, delete, open its folder,
export it (Hugging Face folder, ONNX, int8 ONNX) or copy code that uses it."""

from __future__ import annotations

import html
import os
import shutil
import time
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from albert_core.runs import DAMAGED, RunSummary, default_runs_dir, metric_percent, run_model, task_word

from .. import theme
from ..run_summaries import metric_text, score_text, shared
from ..settings import settings
from ..widgets.compare_view import CompareView, read_many
from ..widgets.label_scores import LabelScores
from ..widgets.loss_plot import LivePlots, read_curve_events
from ..widgets.task_options import TITLES
from ..workers import run_in_thread

COLUMNS = ("Run", "Status", "Task", "Started", "Steps", "Metric")
STATUSES = ("running", "finished", "stopped", "failed", "interrupted", "created", DAMAGED)
EXPORTS = {"hf": "Hugging Face folder", "onnx": "ONNX", "onnx-int8": "ONNX, int8 quantized"}
REFRESH_MS = 5000
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


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
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return r.name
            if col == 1:
                return r.status
            if col == 2:
                return task_word(r.task) or "?"  # a damaged run's run.json does not say
            if col == 3:
                return time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created))
            if col == 4:
                return f"{r.step} / {r.total_steps}" if r.total_steps else str(r.step)
            if col == 5:
                return metric_text(r)
        if role == SORT_ROLE:  # numbers sort as numbers
            metric = metric_percent(r.task, r.metric) if r.metric is not None else -1e30
            return [r.name.lower(), r.status, r.task, r.created, r.step, metric][col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.message or str(r.path)
        if role == Qt.ItemDataRole.ForegroundRole and r.status == DAMAGED:
            return QColor(theme.COLORS["wrong"])
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class RunsFilter(QSortFilterProxyModel):
    """Sorts by the model's sort role and keeps the runs of one task and one status."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.task = ""
        self.status = ""
        self.setSortRole(SORT_ROLE)

    def set_filter(self, task: str, status: str) -> None:
        self.task, self.status = task, status
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        r = self.sourceModel().runs[row]
        return (not self.task or r.task == self.task) and (not self.status or r.status == self.status)


NO_RUN_TITLE = "Select a run to see its curves; select two or more to compare them."
NO_RUNS_YET = "No runs yet: press Start on the Train page (Ctrl+Return), on the sample project or your own data."


def _read_curves(path: str) -> tuple[str, list[dict]]:
    """A run's events for its curves and its scores by label: of a run resumed or started again,
    only those of what its last attempt trained (an evaluation trained again is not its score)."""
    return path, read_curve_events(path)


def _export(path: str, fmt: str, out: str):
    """Export in a worker; errors come back as values (in a tuple: a worker treats a returned
    exception as raised) so the page can show them."""
    from albert_core.export import export

    try:
        return (export(path, fmt, out),)
    except Exception as e:  # noqa: BLE001 - shown to the user in the window
        return (e,)


class RunsPage(QWidget):
    runs_changed = Signal(list)  # list[RunSummary]
    playground_requested = Signal(str)  # run dir
    resume_requested = Signal(str)  # run dir
    compared = Signal(list)  # the RunCurves shown
    exported = Signal(object)  # ExportResult or the exception

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = RunsModel(self)
        self.proxy = RunsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (the arrows move within it)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(self._on_double_clicked)

        self.task_filter = QComboBox()
        self.task_filter.addItem("All tasks", "")
        for task, title in TITLES.items():
            self.task_filter.addItem(title, task)
        self.status_filter = QComboBox()
        self.status_filter.addItem("Any status", "")
        for s in STATUSES:
            self.status_filter.addItem(s, s)
        self.task_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.status_filter.currentIndexChanged.connect(self._on_filter_changed)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show"))
        filters.addWidget(self.task_filter)
        filters.addWidget(self.status_filter)
        filters.addStretch(1)
        self.count_label = QLabel()
        filters.addWidget(self.count_label)

        self.title = QLabel(NO_RUN_TITLE)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.play_button = QPushButton("Try in Playground")
        self.play_button.clicked.connect(self._on_play_clicked)
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Overlay the curves of the selected runs and list the settings that differ")
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self._on_rename_clicked)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.export_actions: dict[str, QAction] = {}
        for fmt, title in EXPORTS.items():
            action = menu.addAction(title + "…")
            action.triggered.connect(lambda checked=False, f=fmt: self.export_selected(f))
            self.export_actions[fmt] = action
        self.export_button.setMenu(menu)
        self.code_button = QPushButton("Copy code")
        self.code_button.setToolTip("Copy Python that uses this model to the clipboard")
        self.code_button.clicked.connect(self._on_code_clicked)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        for b in (
            self.play_button,
            self.resume_button,
            self.compare_button,
            self.rename_button,
            self.delete_button,
            self.folder_button,
            self.export_button,
            self.code_button,
            self.refresh_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.note = QLabel()
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # it quotes names and errors as they are
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plots = LivePlots(live=False)
        self.compare_view = CompareView()
        self.views = QStackedWidget()
        self.views.addWidget(self.plots)
        self.views.addWidget(self.compare_view)
        self.label_scores = LabelScores()
        self.label_scores.hide()
        self.beside = QSplitter(Qt.Orientation.Horizontal)
        self.beside.addWidget(self.views)
        self.beside.addWidget(self.label_scores)
        self.beside.setStretchFactor(0, 3)
        self.beside.setStretchFactor(1, 1)
        self.beside.setSizes([760, 360])

        upper = QWidget()
        uv = QVBoxLayout(upper)
        uv.setContentsMargins(0, 0, 0, 0)
        uv.addLayout(filters)
        uv.addWidget(self.table, 1)
        lower = QWidget()
        lv = QVBoxLayout(lower)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(buttons)
        lv.addWidget(self.title)
        lv.addWidget(self.note)
        lv.addWidget(self.beside, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setSizes([230, 520])
        # where the user dragged the list's edge (and the curves' beside the scores), kept for the next start
        for name, splitter in (("runs/split", split), ("runs/beside", self.beside)):
            kept = settings().value(name)
            if isinstance(kept, QByteArray) and not kept.isEmpty():
                splitter.restoreState(kept)
            splitter.splitterMoved.connect(lambda *_, n=name, s=splitter: settings().setValue(n, s.saveState()))
        self.split = split
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self._selected: RunSummary | None = None
        self._list_worker = None
        self._curve_request = ""
        self._compare_request: list[str] = []
        self._export_worker = None
        self._summaries = shared()  # each run's log is read once, then only what it appends
        self._listed_once = False
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
            self._summaries.list_runs,
            default_runs_dir(),
            True,  # damaged runs too: listed, so that they can be deleted
            on_returned=self._on_runs_listed,
            on_errored=self._on_list_errored,
        )

    def refresh_now(self) -> None:
        """Re-read synchronously (tests, scripts)."""
        self._on_runs_listed(self._summaries.list_runs(default_runs_dir(), damaged=True), from_worker=False)

    def page_shown(self) -> None:
        self.refresh()

    def _on_refresh_timer(self) -> None:
        if self.isVisible():
            self.refresh()

    def _on_runs_listed(self, runs: list[RunSummary], from_worker: bool = True) -> None:
        if from_worker:
            self._list_worker = None
        if self._listed_once and sorted(runs, key=lambda r: -r.created) == self.model.runs:
            return  # nothing changed: the table, its selection and scroll position stay as they are
        self._listed_once = True
        selected = {str(r.path) for r in self.selected_runs()}
        self.table.selectionModel().blockSignals(True)
        self.model.set_runs(runs)
        for row in range(self.proxy.rowCount()):
            r = self._run_at(row)
            if str(r.path) in selected:
                self.table.selectionModel().select(
                    self.proxy.index(row, 0),
                    self.table.selectionModel().SelectionFlag.Select | self.table.selectionModel().SelectionFlag.Rows,
                )
        self.table.selectionModel().blockSignals(False)
        chosen = self.selected_runs()
        self._selected = chosen[0] if len(chosen) == 1 else None
        if self._selected is not None:  # renamed, or further on: its title says so
            self._show_title(self._selected)
        elif not chosen:
            self.title.setText(NO_RUN_TITLE if self.model.runs else NO_RUNS_YET)
        self._update_buttons()
        self._update_count()
        self.runs_changed.emit([r for r in self.model.runs if r.status != DAMAGED])  # none has a model to try

    def _on_list_errored(self, err: BaseException) -> None:
        self._list_worker = None
        self.title.setText(f"Could not list the runs: {err}")

    def _on_filter_changed(self, *_) -> None:
        self.proxy.set_filter(self.task_filter.currentData() or "", self.status_filter.currentData() or "")
        self._update_count()
        self._on_selection_changed()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "run" if total == 1 else "runs"
        self.count_label.setText(f"{shown} of {total} {noun}" if shown != total else f"{total} {noun}")

    def visible_runs(self) -> list[RunSummary]:
        """The runs as the table shows them (filtered and sorted)."""
        return [self._run_at(row) for row in range(self.proxy.rowCount())]

    def _run_at(self, proxy_row: int) -> RunSummary:
        return self.model.runs[self.proxy.mapToSource(self.proxy.index(proxy_row, 0)).row()]

    def selected_runs(self) -> list[RunSummary]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self._run_at(r) for r in rows]

    # -- selection ----------------------------------------------------------------------------
    def select_run(self, path: str) -> bool:
        return self.select_runs([path])

    def select_runs(self, paths: list[str]) -> bool:
        """Select these runs (shown ones only); True when all were found."""
        wanted = {str(p) for p in paths}
        sm = self.table.selectionModel()
        sm.blockSignals(True)
        self.table.clearSelection()
        found = 0
        for row in range(self.proxy.rowCount()):
            if str(self._run_at(row).path) in wanted:
                sm.select(self.proxy.index(row, 0), sm.SelectionFlag.Select | sm.SelectionFlag.Rows)
                found += 1
        sm.blockSignals(False)
        self._on_selection_changed()
        return found == len(wanted)

    def _show_title(self, run: RunSummary) -> None:
        """The selected run's name, status, score and message, above its curves."""
        metric = f", {metric_text(run)}" if run.metric is not None else ""
        message = run.message
        if run.status == DAMAGED:
            message = f"{run.message}: its settings cannot be read. Delete it, or mend its run.json by hand."
        self.title.setText(
            f"<b>{html.escape(run.name)}</b>: {run.status}{metric}" + (f"<br>{html.escape(message)}" if message else "")
        )

    def _on_selection_changed(self, *_) -> None:
        runs = self.selected_runs()
        self._selected = runs[0] if len(runs) == 1 else None
        self._show_note("")  # the last action's note was about the runs selected then
        self._update_buttons()
        if len(runs) != 1:  # scores by label belong to one run; a new one's come when its events are read
            self.label_scores.hide()
        if len(runs) == 1:
            run = runs[0]
            self._show_title(run)
            self.views.setCurrentWidget(self.plots)
            self._curve_request = str(run.path)
            run_in_thread(
                _read_curves, str(run.path), on_returned=self._on_curves_read, on_errored=self._on_list_errored
            )
        elif len(runs) > 1:
            self.title.setText(f"{len(runs)} runs selected: press Compare to overlay their curves.")

    def _on_curves_read(self, result: tuple[str, list[dict]]) -> None:
        path, events = result
        if path != self._curve_request or self._selected is None:
            return
        self.plots.clear()
        self.plots.set_task(self._selected.task)
        self.plots.add_events(events)
        self.label_scores.setVisible(self.label_scores.show_events(events))

    def _update_buttons(self) -> None:
        runs = self.selected_runs()
        r = self._selected
        if r is not None and r.status == DAMAGED:  # its settings are unknown: it can only be deleted
            r = None
        has_model = bool(r and (Path(r.path) / "model" / "config.json").exists())
        # a stopped run answers from its newest checkpoint (exports take finished models only)
        self.play_button.setEnabled(bool(r and run_model(r.path)))
        self.resume_button.setEnabled(bool(r and r.status in ("stopped", "interrupted", "failed")))
        self.compare_button.setEnabled(len(runs) >= 2 and all(x.status != DAMAGED for x in runs))
        self.rename_button.setEnabled(r is not None)
        self.delete_button.setEnabled(bool(runs) and all(x.status != "running" for x in runs))
        self.folder_button.setEnabled(self._selected is not None)
        self.export_button.setEnabled(has_model and self._export_worker is None)
        for fmt, action in self.export_actions.items():
            action.setEnabled(has_model and (fmt == "hf" or (r is not None and r.task != "pretrain")))
        self.code_button.setEnabled(has_model)

    # -- compare ------------------------------------------------------------------------------
    def compare(self, paths: list[str] | None = None) -> None:
        """Overlay the curves of `paths` (default: the selected runs), read in a worker."""
        paths = paths or [str(r.path) for r in self.selected_runs()]
        if len(paths) < 2:
            return
        self._compare_request = list(paths)
        run_in_thread(read_many, list(paths), on_returned=self._on_compare_read, on_errored=self._on_list_errored)

    def _on_compare_read(self, runs: list) -> None:
        if [r.path for r in runs] != self._compare_request:
            return
        self.compare_view.set_runs(runs)
        self.views.setCurrentWidget(self.compare_view)
        self.title.setText(f"{len(runs)} runs selected, compared below.")  # not "press Compare" any more
        self.label_scores.hide()
        self.compared.emit(runs)

    def _on_compare_clicked(self) -> None:
        self.compare()

    # -- rename, delete, folder ----------------------------------------------------------------
    def ask_name(self, current: str) -> str | None:
        """The new display name (None: cancelled)."""
        text, ok = QInputDialog.getText(self, "Rename run", "Name shown for this run:", text=current)
        return text.strip() if ok else None

    def rename(self, path: str, name: str) -> None:
        """Store `name` as the run's display name (run.json's name, written atomically)."""
        import json

        from albert_core.runs import atomic_write_json

        run_json = Path(path) / "run.json"
        config = json.loads(run_json.read_text(encoding="utf-8"))
        config["name"] = name
        mtime = run_json.stat().st_mtime_ns
        atomic_write_json(run_json, config)
        try:  # a new name is not a new run: a file manager or `ls -t` still sorts it where it was
            os.utime(run_json, ns=(time.time_ns(), mtime))
        except OSError:
            pass

    def _on_rename_clicked(self) -> None:
        r = self._selected
        if r is None:
            return
        name = self.ask_name(r.name)
        if name is None:
            return
        try:
            self.rename(str(r.path), name)
        except (OSError, ValueError) as e:
            self._show_note(f"Could not rename {r.path.name}: {e}", error=True)
            return
        self._show_note(
            f"Renamed to {name}." if name else f"Name cleared: the run is shown as its folder, {r.path.name}."
        )
        self.refresh_now()

    def confirm_delete(self, runs: list[RunSummary]) -> bool:
        names = "\n".join(f"• {r.name}" for r in runs[:10]) + ("\n…" if len(runs) > 10 else "")
        answer = QMessageBox.question(
            self,
            "Delete runs",
            f"Delete {len(runs)} run{'s' if len(runs) > 1 else ''} and every file in {'their' if len(runs) > 1 else 'its'} "
            f"folder (checkpoints and model included)?\n\n{names}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_delete_clicked(self) -> None:
        runs = self.selected_runs()
        if not runs or any(r.status == "running" for r in runs):
            return
        if not self.confirm_delete(runs):
            return
        failed = []
        for r in runs:
            try:
                shutil.rmtree(r.path)
            except OSError as e:
                failed.append(f"{r.path.name}: {e.strerror or e}")
        self.table.clearSelection()  # before the note: a new selection clears it
        if failed:
            self._show_note("Could not delete " + "; ".join(failed), error=True)
        else:
            self._show_note(f"Deleted {len(runs)} run{'s' if len(runs) > 1 else ''}.")
        self.refresh_now()

    def _on_folder_clicked(self) -> None:
        if self._selected:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._selected.path)))

    # -- export and code ----------------------------------------------------------------------
    def ask_export_path(self, fmt: str, run: RunSummary) -> str:
        """Where to write the export ("" when cancelled)."""
        suggested = str(Path.home() / f"{run.path.name}-{fmt}")
        path, _ = QFileDialog.getSaveFileName(self, f"Export as {EXPORTS[fmt]}: new folder name", suggested)
        return path

    def export_selected(self, fmt: str, out: str = "") -> bool:
        """Export the selected run's model as `fmt` into `out` (asked when empty), in a worker."""
        r = self._selected
        if r is None or self._export_worker is not None:
            return False
        out = out or self.ask_export_path(fmt, r)
        if not out:
            return False
        self._show_note(f"Exporting {r.name} as {EXPORTS[fmt]} to {out}…")
        self._export_worker = run_in_thread(
            _export, str(r.path), fmt, out, on_returned=self._on_exported, on_errored=self._on_exported
        )
        self._update_buttons()
        return True

    def is_exporting(self) -> bool:
        return self._export_worker is not None

    def _on_exported(self, result) -> None:
        if isinstance(result, tuple):
            (result,) = result
        self._export_worker = None
        self._update_buttons()
        if isinstance(result, BaseException):
            self._show_note(f"Export failed: {result}", error=True)
        else:
            lines = [f"Exported to {result.path} ({', '.join(result.files)})."]
            if result.max_abs_diff is not None:
                lines.append(f"Largest difference from PyTorch: {result.max_abs_diff:.2g}.")
            if result.metric_change is not None:
                before = score_text(result.task, result.metric, result.metric_pytorch)
                after = score_text(result.task, result.metric, result.metric_export).split(" ")[-1]
                lines.append(f"{before} on the validation set in PyTorch, {after} exported.")
            lines += result.notes
            self._show_note(" ".join(lines))
        self.exported.emit(result)

    def copy_code(self) -> str:
        """Put Python that uses the selected run's model on the clipboard; returns it."""
        from albert_core.export import code_snippet

        if self._selected is None:
            return ""
        try:
            code = code_snippet(self._selected.path)
        except (OSError, ValueError) as e:
            self._show_note(f"Could not write the code: {e}", error=True)
            return ""
        QGuiApplication.clipboard().setText(code)
        self._show_note("Code that uses this model is on the clipboard.")
        return code

    def _on_code_clicked(self) -> None:
        self.copy_code()

    def _show_note(self, text: str, error: bool = False) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(theme.ERROR_TEXT if error else "")

    # -- the rest ----------------------------------------------------------------------------
    def _on_double_clicked(self, index: QModelIndex) -> None:
        if self.play_button.isEnabled():
            self._on_play_clicked()

    def _on_play_clicked(self) -> None:
        if self._selected:
            self.playground_requested.emit(str(self._selected.path))

    def _on_resume_clicked(self) -> None:
        if self._selected:
            self.resume_requested.emit(str(self._selected.path))
