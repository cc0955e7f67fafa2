"""A table model over a list of rows, fast at any size (Qt asks only for the visible cells)."""

from __future__ import annotations

import bisect

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

MAX_CELL = 300  # characters shown per cell; the tooltip has the rest


class RowsTableModel(QAbstractTableModel):
    """Rows of strings with their source line numbers as the vertical header."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._header: list[str] = []
        self._rows: list[list[str]] = []
        self._lines: list[int] = []
        self._numbered = True  # the vertical header gives source lines (False: row numbers)
        self._bad: set[int] = set()
        self._bad_brush = QColor(214, 39, 40, 60)

    def set_rows(
        self, header: list[str], rows: list[list[str]], lines: list[int], bad_lines: set[int] = frozenset()
    ) -> None:
        self.beginResetModel()
        self._header, self._rows, self._lines = list(header), rows, lines
        self._bad = set(bad_lines)
        # a one-line JSON file puts every row on line 1: number the rows instead
        self._numbered = all(a < b for a, b in zip(lines, lines[1:]))  # (else the rows are counted)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._header)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            row = self._rows[index.row()]
            value = row[index.column()] if index.column() < len(row) else ""
            return value if len(value) <= MAX_CELL else value[:MAX_CELL] + "…"
        if role == Qt.ItemDataRole.ToolTipRole:
            row = self._rows[index.row()]
            value = row[index.column()] if index.column() < len(row) else ""
            return value if len(value) > 60 else None
        if role == Qt.ItemDataRole.BackgroundRole and self._lines and self._lines[index.row()] in self._bad:
            return self._bad_brush
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._header[section] if section < len(self._header) else None
        if self._numbered and section < len(self._lines):
            return str(self._lines[section])
        return str(section + 1)

    def numbered(self) -> bool:
        """Whether the row headers are the rows' source lines (False: the rows are counted)."""
        return self._numbered

    def row_of_line(self, line: int) -> int:
        """The row that came from source line `line`, or -1 (lines are in file order)."""
        i = bisect.bisect_left(self._lines, line)
        return i if i < len(self._lines) and self._lines[i] == line else -1
