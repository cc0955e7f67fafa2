"""The list of problems found in a data file, one `file:line: message` per row."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import QListView

from albert_core.data.problems import Problem


class ProblemsModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.problems: list[Problem] = []

    def set_problems(self, problems: list[Problem]) -> None:
        self.beginResetModel()
        self.problems = list(problems)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.problems)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        p = self.problems[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            where = f"{Path(p.file).name}:{p.line}" if p.line else Path(p.file).name
            return f"{where}: {p.message}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(p)
        return None


class ProblemsList(QListView):
    """Selecting a problem emits `problem_selected` so the preview can scroll to its row."""

    problem_selected = Signal(object)  # Problem

    def __init__(self, parent=None):
        super().__init__(parent)
        self._model = ProblemsModel(self)
        self.setModel(self._model)
        self.setUniformItemSizes(True)
        self.setWordWrap(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.selectionModel().currentChanged.connect(self._on_current_changed)

    WRAP_UP_TO = 300  # problems shown whole, over several lines; more are one line each (fast)

    def sizeHint(self) -> QSize:
        """Four lines' worth: the page's side column gives it the room its panels leave (a list's
        usual 192-pixel wish made the column scroll on an 800-pixel screen)."""
        return QSize(super().sizeHint().width(), 4 * self.fontMetrics().lineSpacing() + 2 * self.frameWidth())

    def set_problems(self, problems: list[Problem]) -> None:
        wrap = len(problems) <= self.WRAP_UP_TO
        self.setUniformItemSizes(not wrap)
        self.setWordWrap(wrap)
        self.setTextElideMode(Qt.TextElideMode.ElideNone if wrap else Qt.TextElideMode.ElideRight)
        self._model.set_problems(problems)

    def problems(self) -> list[Problem]:
        return self._model.problems

    def texts(self) -> list[str]:
        return [self._model.data(self._model.index(i)) for i in range(self._model.rowCount())]

    def select_row(self, row: int) -> None:
        self.setCurrentIndex(self._model.index(row))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.problem_selected.emit(self._model.problems[current.row()])
