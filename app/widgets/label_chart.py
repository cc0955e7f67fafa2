"""Bar chart of how many rows carry each label."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from .. import theme


class LabelChart(pg.PlotWidget):
    """One bar per label, counts on top; long label lists are cut to the 30 most frequent. Past a
    dozen bars the counts and every other name would overlap: the counts go to the tool tip. Names
    that do not fit side by side take two lines, every other one on the second, and past twice
    what fits only as many bars are named as their names fit the width."""

    x_grid = False  # bars need only horizontal grid lines

    MAX_BARS = 30
    MAX_NAMED = 12  # bars with their count written on them and a name under each
    NAME_WIDTH = 90  # pixels a name under a bar takes

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(120)  # the Data page fits a 1280 x 800 screen with the names under the bars
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # nothing to do with the keyboard: Tab passes it by
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.set_unit("rows")
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=theme.COLORS["albert"])
        self.addItem(self._bars)
        self._labels: list[pg.TextItem] = []
        self.counts: dict[str, int] = {}  # the bars, in their order
        self.name_width = self.NAME_WIDTH
        theme.watcher().register(self)

    def set_unit(self, unit: str) -> None:
        """What a bar counts (rows, words, questions), on the vertical axis."""
        self.unit = unit
        self.getPlotItem().getAxis("left").setLabel(unit)

    def set_counts(self, counts: dict[str, int]) -> None:
        for item in self._labels:
            self.removeItem(item)
        self._labels = []
        top = sorted(counts.items(), key=lambda kv: -kv[1])[: self.MAX_BARS]
        top.sort(key=lambda kv: kv[0])
        self.counts = dict(top)
        xs = list(range(len(top)))
        heights = [v for _, v in top]
        self._bars.setOpts(x=xs, height=heights)
        self._name_bars()
        shown = "" if len(top) == len(counts) else f"the {len(top)} most frequent of {len(counts)} labels; "
        self.setToolTip(shown + ", ".join(f"{k}: {v:,}" for k, v in sorted(top, key=lambda kv: -kv[1])))
        self.setTitle(f"the {len(top)} most frequent of {len(counts)} labels" if shown else None, size="8pt")
        fg = theme.colors()["foreground"]
        for x, v in zip(xs, heights, strict=True):
            if len(top) > self.MAX_NAMED:
                break
            t = pg.TextItem(str(v), color=fg, anchor=(0.5, 1.0))
            t.setPos(x, v)
            self.addItem(t)
            self._labels.append(t)
        if top:  # room over the tallest bar for its count, a line of text in a plot of ~80 pixels
            self.setYRange(0, max(heights) * 1.3, padding=0)
            self.setXRange(-0.6, len(top) - 0.4, padding=0)

    def _name_bars(self) -> None:
        if self.getPlotItem() is None:  # resized while it is being made
            return
        names = list(getattr(self, "counts", {}))
        # short names (tags: B-PER) fit closer than long ones
        metrics = QFontMetrics(self.getPlotItem().getAxis("bottom").style.get("tickFont") or self.font())
        width = min(self.NAME_WIDTH, max((metrics.horizontalAdvance(n[:14]) for n in names), default=0) + 10)
        self.name_width = width  # pixels between names: the widest one and a gap
        fit = max(1, min(self.MAX_NAMED, (self.width() - 50) // max(width, 1)))  # names side by side
        rows = 1 if len(names) <= fit else 2  # more bars than that: every other name on a second line
        every = -(-len(names) // (fit * rows)) if names else 1
        chosen = [x for x in range(len(names)) if x % every == every // 2]  # none at the edges
        ticks = [(x, "\n" * (i % rows) + names[x][:14]) for i, x in enumerate(chosen)]
        axis = self.getPlotItem().getAxis("bottom")
        axis.setTicks([ticks])
        # two lines of names need the room of two (pyqtgraph measures text at 0.8 of its height)
        axis.setHeight(rows * metrics.height() + 12 if rows > 1 else None)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._name_bars()
