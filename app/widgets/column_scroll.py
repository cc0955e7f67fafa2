"""A column of settings or panels that scrolls vertically when the window is short."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QScrollArea, QWidget


class ColumnScroll(QScrollArea):
    """`widget` in a scroll area as wide as the widget needs plus a vertical scroll bar, so it
    never needs a horizontal one (which would hide the fields' right edge). Where the window is
    tall enough the column fills it as a plain layout would, its stretching panels stretched; on
    a short screen (a 768-pixel laptop) it scrolls, instead of forcing the whole window taller
    than the screen.

    The column is sized here, not by `setWidgetResizable`: that gives a column with wrapped text
    its preferred height (every chart at its preferred size), so it scrolled at any height."""

    def __init__(self, widget: QWidget, min_width: int = 0):
        super().__init__()
        self._min_width = min_width
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setWidget(widget)
        widget.installEventFilter(self)

    def _fit(self) -> None:
        """The column as wide as the view and as tall as the view, or its minimum if taller."""
        view = self.viewport().size()
        need = max(self.widget().minimumSizeHint().height(), self._least_height(view.width()))
        self.widget().resize(view.width(), max(view.height(), need))

    def _least_height(self, width: int) -> int:
        """The least height of the column's box layout at `width`: a box layout holds a panel with
        wrapped text at its height for that width (less, and the text is cut), the others at
        their minimum."""
        layout = self.widget().layout()
        if layout is None or not layout.hasHeightForWidth():
            return 0
        return layout.minimumHeightForWidth(width)  # (hidden panels take no room)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()  # a panel shown or hidden: another minimum
        return super().eventFilter(watched, event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _width(self) -> int:
        inner = self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return max(self._min_width, inner + 2 * self.frameWidth())

    def minimumSizeHint(self) -> QSize:
        return QSize(self._width(), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(self._width(), super().sizeHint().height())
