"""Bar chart of how many rows carry each label."""

from __future__ import annotations

import pyqtgraph as pg

from .. import theme


class LabelChart(pg.PlotWidget):
    """One bar per label, counts on top; long label lists are cut to the 30 most frequent."""

    x_grid = False  # bars need only horizontal grid lines

    MAX_BARS = 30

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(160)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.getPlotItem().getAxis("left").setLabel("rows")
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=theme.COLORS["albert"])
        self.addItem(self._bars)
        self._labels: list[pg.TextItem] = []
        self.counts: dict[str, int] = {}
        theme.watcher().register(self)

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
        self.getPlotItem().getAxis("bottom").setTicks([[(x, str(k)[:14]) for x, (k, _) in zip(xs, top, strict=True)]])
        fg = theme.colors()["foreground"]
        for x, v in zip(xs, heights, strict=True):
            t = pg.TextItem(str(v), color=fg, anchor=(0.5, 1.0))
            t.setPos(x, v)
            self.addItem(t)
            self._labels.append(t)
        if top:
            self.setYRange(0, max(heights) * 1.18, padding=0)
            self.setXRange(-0.6, len(top) - 0.4, padding=0)
