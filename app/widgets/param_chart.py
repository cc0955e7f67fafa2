"""Bar chart: an ALBERT's parameters per part beside a BERT of the same shape."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy

from albert_core.param_count import Breakdown, human

from .. import theme

PARTS = ("embedding", "encoder", "head", "total")


class CountAxis(pg.AxisItem):
    """Ticks written as 1.5M, 300K… instead of 1.5e+06."""

    def tickStrings(self, values, scale, spacing):
        return [human(v * scale) for v in values]


class ParamChart(pg.PlotWidget):
    """Grouped bars (ALBERT, BERT) for embedding, encoder, head and total."""

    x_grid = False  # bars need only horizontal grid lines

    def __init__(self, parent=None):
        super().__init__(parent, axisItems={"left": CountAxis("left")})
        self.setMinimumHeight(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a picture: Tab passes it by
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMenuEnabled(False)
        item = self.getPlotItem()
        item.getAxis("bottom").setTicks([[(i, p) for i, p in enumerate(PARTS)]])
        item.getAxis("left").setLabel("parameters")
        item.addLegend(offset=(10, 5))
        width = 0.38
        self._albert = pg.BarGraphItem(x=[], height=[], width=width, brush=theme.COLORS["albert"], name="ALBERT")
        self._bert = pg.BarGraphItem(x=[], height=[], width=width, brush=theme.COLORS["bert"], name="BERT (same shape)")
        self._offset = width / 2
        self.addItem(self._albert)
        self.addItem(self._bert)
        self._labels: list[pg.TextItem] = []
        theme.watcher().register(self)

    def set_counts(self, albert: Breakdown | None, bert: Breakdown | None) -> None:
        """Show two breakdowns (None clears the chart)."""
        for label in self._labels:
            self.removeItem(label)
        self._labels = []
        if albert is None or bert is None:
            self._albert.setOpts(x=[], height=[])
            self._bert.setOpts(x=[], height=[])
            return
        a = [getattr(albert, p) for p in PARTS]
        b = [getattr(bert, p) for p in PARTS]
        xs = list(range(len(PARTS)))
        self._albert.setOpts(x=[x - self._offset for x in xs], height=a)
        self._bert.setOpts(x=[x + self._offset for x in xs], height=b)
        fg = theme.colors()["foreground"]
        for x, va, vb in zip(xs, a, b, strict=True):
            for dx, v in ((-self._offset, va), (self._offset, vb)):
                label = pg.TextItem(human(v), color=fg, anchor=(0.5, 1.0))
                label.setPos(x + dx, v)
                self.addItem(label)
                self._labels.append(label)
        top = max(max(a), max(b)) or 1
        self.setYRange(0, top * 1.15, padding=0)
        self.setXRange(-0.6, len(PARTS) - 0.4, padding=0)

    def values(self) -> tuple[list[float], list[float]]:
        """The bar heights shown (ALBERT, BERT), for tests."""
        return list(self._albert.opts["height"]), list(self._bert.opts["height"])
