"""Live training curves. Events append to numpy buffers in bulk; each panel is redrawn at most
every 100 ms, only when new data for it arrived and only while the plots are on screen. The
panels take turns (one per 25 ms tick): a frame of every panel at once holds the window for
50-80 ms on a busy two-core machine, one panel about 15 ms.

Panels: loss (raw, smoothed, eval), the task's metrics (accuracy; EM/F1 for question answering;
entity F1, precision and recall for NER), the learning rate, and throughput. Pre-training shows
MLM loss, MLM accuracy, SOP loss and SOP accuracy in panels of their own (training batches from
the step events' `extra`, validation from the eval events) instead of the metric panel.
Each curve uses peak downsampling and clip-to-view so a 100,000-point curve stays smooth.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

from albert_core.events import latest_attempt, read_events
from albert_core.runs import metric_percent, metric_word

from .. import theme
from ..run_summaries import is_score

REDRAW_MS = 100  # each panel at most this often
X_PADDING = 0.03  # of the steps shown, each side: a point at the first or last step shows whole
EMA = 0.9  # weight of the past in the smoothed loss

# task → (title of the metric panel, the eval metrics it shows; None: every number but loss)
# the panel draws scores in percent, as the log, the Runs list and Compare write them
TASK_METRICS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "classification": ("Validation scores (%)", None),  # None: every score (not MCC, a loss, a threshold)
    "qa": ("Validation EM / F1 (%)", ("exact", "f1")),
    "ner": ("Validation entity F1 (%)", ("f1", "precision", "recall")),
    "pretrain": ("Validation metric", ()),
}
# pre-training panels: (key, title)
PRETRAIN_PANELS = (
    ("mlm_loss", "MLM loss"),
    ("mlm_accuracy", "MLM accuracy (%)"),
    ("sop_loss", "SOP loss"),
    ("sop_accuracy", "SOP accuracy (%)"),
)


MOST_STEPS_READ = 20_000  # a finished run's step events drawn at most (a long log holds far more)


def thin_steps(events: list[dict], most: int = MOST_STEPS_READ) -> list[dict]:
    """`events` with at most about `most` step events, evenly spaced (the last one kept), and every
    other event: a curve of 300,000 steps looks the same drawn from 20,000, and building it on
    the GUI thread took over a second."""
    n = sum(1 for ev in events if ev.get("event") == "step")
    if n <= most:
        return events
    every, seen, out = -(-n // most), 0, []
    for ev in events:
        if ev.get("event") == "step":
            seen += 1
            if seen % every and seen != n:
                continue
        out.append(ev)
    return out


def read_curve_events(run_dir: str | Path) -> list[dict]:
    """A run's events for its curves and its scores by label, as a worker reads them for the Runs
    page or a resume: those of what its last attempt trained (`latest_attempt`), the steps thinned
    to what a plot shows (`thin_steps`)."""
    kept = ("started", "step", "eval", "finished")
    return thin_steps(latest_attempt(e for e in read_events(Path(run_dir) / "events.jsonl") if e["event"] in kept))


class SeriesBuffer:
    """A growable (x, y) buffer; appending is amortised O(1). It keeps the range of its finite
    y values, so fitting an axis costs nothing however long the curve."""

    def __init__(self, capacity: int = 1024):
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self.n = 0
        self.y_min = np.inf
        self.y_max = -np.inf

    def append(self, x: float, y: float) -> None:
        if self.n == len(self._x):
            self._x = np.resize(self._x, 2 * self.n)
            self._y = np.resize(self._y, 2 * self.n)
        self._x[self.n] = x
        self._y[self.n] = y
        self.n += 1
        if math.isfinite(y):
            self.y_min = min(self.y_min, y)
            self.y_max = max(self.y_max, y)

    def extend(self, xs, ys) -> None:
        xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
        need = self.n + len(xs)
        if need > len(self._x):
            cap = max(need, 2 * len(self._x))
            self._x = np.resize(self._x, cap)
            self._y = np.resize(self._y, cap)
        self._x[self.n : need] = xs
        self._y[self.n : need] = ys
        self.n = need
        finite = ys[np.isfinite(ys)]
        if len(finite):
            self.y_min = min(self.y_min, float(finite.min()))
            self.y_max = max(self.y_max, float(finite.max()))

    def clear(self) -> None:
        self.n = 0
        self.y_min = np.inf
        self.y_max = -np.inf

    def truncate(self, x_max: float) -> None:
        """Keep only the points at x <= x_max (x grows along the buffer)."""
        n = int(np.searchsorted(self.x, x_max, side="right"))
        if n == self.n:
            return
        self.n = n
        finite = self.y[np.isfinite(self.y)]
        self.y_min = float(finite.min()) if len(finite) else np.inf
        self.y_max = float(finite.max()) if len(finite) else -np.inf

    @property
    def x(self) -> np.ndarray:
        return self._x[: self.n]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self.n]

    def last(self) -> float | None:
        return float(self._y[self.n - 1]) if self.n else None


class _LegendRow(pg.LegendItem):
    """A legend that its panel places and sizes above the data, never on it (see
    `_Panel.fit_legend`); it cannot be dragged onto the data either."""

    def __init__(self, refit: Callable[[], None], **kwargs):
        super().__init__(**kwargs)
        # the panel's: fewer names may fit beside the title again; held weakly, as a reference from
        # this item back to its widget makes a cycle that Python's collector frees after Qt has
        # deleted the C++ side (a crash)
        self._refit = weakref.WeakMethod(refit)

    def updateSize(self) -> None:
        self.updateGeometry()  # its panel gives it its size and place

    def removeItem(self, item) -> None:
        super().removeItem(item)
        self._fit()

    def clear(self) -> None:
        super().clear()
        self._fit()

    def _fit(self) -> None:
        refit = self._refit()
        if refit is not None:
            refit()

    def hoverEvent(self, ev) -> None:
        pass  # LegendItem's would accept drags

    def mouseDragEvent(self, ev) -> None:
        ev.ignore()

    def _entry_widths(self) -> list[float]:
        spacing = self.layout.horizontalSpacing()
        return [s.width() + spacing + lbl.itemRect().width() + spacing + 2 for s, lbl in self.items]

    def entry_width(self) -> float:
        """The width of its widest name (with its line): a column of the band."""
        return max(self._entry_widths(), default=0.0)

    def line_width(self) -> float:
        """The width of all its names in one line."""
        return sum(self._entry_widths())


PRETRAIN_ROW_HEIGHT = 84  # a panel's least height in the pre-training plots' four rows


class _Panel(pg.PlotWidget):
    """One live panel. No grid: grid lines cost more to paint than the curves themselves
    (about 10 ms a panel per frame on a software-rendered window).

    The legend is a row of names above the data, never on a curve: on the title's line (the title
    at the left, the names at the right) when it fits there; else in a band of its own between the
    title and the data, with as many names to a line as the width holds."""

    x_grid = False
    y_grid = False
    TITLE_HEIGHT = 22  # pyqtgraph's 30 pixels leave a gap a short panel cannot spare

    def __init__(self, title: str, y_label: str = "", x_label: str = ""):
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # zoomed with the mouse; Tab passes it by
        item = self.getPlotItem()
        self.setTitle(title, size="10pt")
        if x_label:  # only the top panel names its axis: every panel's x is the step, and a
            item.setLabel("bottom", x_label)  # label's line would cut a short panel's height
        if y_label:
            item.setLabel("left", y_label)
        item.getAxis("left").enableAutoSIPrefix(False)  # show 0.69, not 690 (x0.001)
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.getViewBox().setDefaultPadding(X_PADDING)
        # the band under the title is the cell of the (hidden) top axis
        item.layout.removeItem(item.getAxis("top"))
        self.legend = _LegendRow(self.fit_legend, labelTextSize="8pt", horSpacing=4, frame=False)
        self.legend.setParentItem(item)
        self.legend.layout.setContentsMargins(2, 0, 2, 0)  # a line as tall as its names: the title's
        self.legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        self.legend.setMinimumWidth(0)  # never makes the plot wider than its widget: it wraps instead
        self._in_band = False
        item.legend = self.legend  # curves given a name join it; the theme colours its text
        item.getViewBox().sigResized.connect(self._on_view_resized)
        self.min_height = 140 if x_label else 110
        self.setMinimumHeight(self.min_height)  # (less where the pre-training page stacks four rows)
        theme.watcher().register(self)

    def setTitle(self, title: str | None = None, **args) -> None:
        item = self.getPlotItem()
        item.setTitle(title, **{"justify": "left", **args})  # the right of its line is the legend's
        if title is not None:
            item.layout.setRowFixedHeight(0, self.TITLE_HEIGHT)
            item.titleLabel.setMaximumHeight(self.TITLE_HEIGHT)
        if isinstance(getattr(self, "legend", None), _LegendRow):  # not yet while __init__ runs
            self.fit_legend()  # a longer title may leave the legend no room beside it

    def fit_legend(self) -> None:
        """Place the legend: on the title's line, right of the title, when its names fit there;
        else in the band under the title, as many names to a line as the data's width holds."""
        legend, item = self.legend, self.getPlotItem()
        n = len(legend.items)
        # the width the data get in this widget (not the view box's: a legend too wide for it
        # would already have made the plot wider than the widget)
        axis = item.getAxis("left")
        left = axis.width() if axis.isVisible() else 0
        width = self.viewport().width() - left - 4
        entry = legend.entry_width()
        title = item.titleLabel.itemRect().width() if item.titleLabel.isVisible() else 0.0
        on_title_line = n > 0 and legend.line_width() + 16 <= width - title
        columns = n if on_title_line else max(1, min(n, int(width // max(entry, 1.0))))
        if n and columns != legend.columnCount:
            legend.setColumnCount(columns)
        self._set_band(n > 0 and not on_title_line)
        if on_title_line:
            size = legend.effectiveSizeHint(Qt.SizeHint.PreferredSize)
            right = item.getViewBox().geometry().right()
            top = (self.TITLE_HEIGHT - size.height()) / 2 + item.layout.contentsRect().top()
            legend.setGeometry(QRectF(right - size.width(), max(top, 0.0), size.width(), size.height()))

    def _set_band(self, band: bool) -> None:
        """Put the legend in the band under the title (a cell of the plot's layout) or take it out."""
        if band == self._in_band:
            return
        layout = self.getPlotItem().layout
        if band:
            layout.addItem(self.legend, 1, 1)
            layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        else:
            layout.removeItem(self.legend)  # the band, empty, takes no height
        self._in_band = band

    def _on_view_resized(self, *_) -> None:
        self.fit_legend()

    def curve(self, name: str, color: str, symbol: str | None = None, in_legend: bool = True):
        # 1-pixel pens: wider ones make Qt's raster engine draw segment by segment, which
        # costs several milliseconds a curve at every frame.
        pen = pg.mkPen(color, width=1)
        kwargs = {"symbol": symbol, "symbolSize": 6, "symbolBrush": color, "symbolPen": None} if symbol else {}
        c = self.plot([], [], pen=pen, name=name if in_legend else None, **kwargs)
        c.setDownsampling(auto=True, method="peak")
        c.setClipToView(True)
        c.setSkipFiniteCheck(True)
        self.fit_legend()
        return c


class LivePlots(QWidget):
    """Follows a run's events; call `extend` with each batch of events and let the timer draw."""

    def __init__(self, parent: QWidget | None = None, live: bool = True):
        super().__init__(parent)
        self._steady_axes = live
        self.loss_panel = _Panel("Loss", "loss", "step")
        self.metric_panel = _Panel(TASK_METRICS["classification"][0])
        self.lr_panel = _Panel("Learning rate")
        self.speed_panel = _Panel("Throughput", "samples/s")
        self.pretrain_panels = {key: _Panel(title) for key, title in PRETRAIN_PANELS}
        self.task = "classification"
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._lay_out()

        self.loss = SeriesBuffer()
        self.smooth = SeriesBuffer()
        self.eval_loss = SeriesBuffer()
        self.lr = SeriesBuffer()
        self.speed = SeriesBuffer()
        self.metrics: dict[str, SeriesBuffer] = {}
        self.extra: dict[str, SeriesBuffer] = {}  # training-batch values of the step events' extra
        self._ema: float | None = None
        self._steps_seen = 0

        self._loss_curve = self.loss_panel.curve("train", theme.COLORS["raw"])
        self._smooth_curve = self.loss_panel.curve("train (smoothed)", theme.COLORS["smooth"])
        self._eval_curve = self.loss_panel.curve("validation", theme.COLORS["eval"], symbol="o")
        self._lr_curve = self.lr_panel.curve("lr", theme.COLORS["lr"])
        self._speed_curve = self.speed_panel.curve("samples/s", theme.COLORS["speed"])
        self._metric_curves: dict[str, pg.PlotDataItem] = {}
        self._pretrain_curves = {
            key: (
                panel.curve("train", theme.COLORS["smooth"]),
                panel.curve("validation", theme.COLORS["eval"], symbol="o"),
            )
            for key, panel in self.pretrain_panels.items()
        }
        self.kept_step = 0  # keep_best: the step whose model the run saved, marked on the plots
        self._kept_lines: list[tuple[pg.PlotWidget, pg.InfiniteLine]] = []
        self._stale: set[str] = set()  # panels with data not drawn yet
        self._turn: list[str] = []  # the panels still to draw in this round
        self._round_at = 0.0
        self.redraws = 0
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS // 4)
        self._timer.timeout.connect(self._on_redraw_timer)
        if live:
            for panel in self.panels():
                panel.getPlotItem().getViewBox().enableAutoRange(y=False)
            self._timer.start()

    # -- layout -------------------------------------------------------------------------------
    def _lay_out(self) -> None:
        g = self._grid
        for w in [self.loss_panel, self.metric_panel, self.lr_panel, self.speed_panel, *self.pretrain_panels.values()]:
            g.removeWidget(w)
        for r in range(5):
            g.setRowStretch(r, 0)
        g.addWidget(self.loss_panel, 0, 0, 1, 2)
        pretrain = self.task == "pretrain"
        self.metric_panel.setVisible(not pretrain)
        for panel in self.pretrain_panels.values():
            panel.setVisible(pretrain)
        if pretrain:
            p = self.pretrain_panels
            g.addWidget(p["mlm_loss"], 1, 0)
            g.addWidget(p["mlm_accuracy"], 1, 1)
            g.addWidget(p["sop_loss"], 2, 0)
            g.addWidget(p["sop_accuracy"], 2, 1)
            g.addWidget(self.lr_panel, 3, 0)
            g.addWidget(self.speed_panel, 3, 1)
            for r, stretch in enumerate((3, 2, 2, 2)):
                g.setRowStretch(r, stretch)
            # four rows, and the banner of a finished run above them: short enough for 1024 x 700
            self.loss_panel.setMinimumHeight(PRETRAIN_ROW_HEIGHT + 20)
            for panel in [*p.values(), self.lr_panel, self.speed_panel]:
                panel.setMinimumHeight(PRETRAIN_ROW_HEIGHT)
        else:
            for panel in (self.loss_panel, self.metric_panel, self.lr_panel, self.speed_panel):
                panel.setMinimumHeight(panel.min_height)
            g.addWidget(self.metric_panel, 1, 0)
            g.addWidget(self.lr_panel, 1, 1)
            g.addWidget(self.speed_panel, 2, 0, 1, 2)
            for r, stretch in enumerate((3, 2, 2)):
                g.setRowStretch(r, stretch)

    def set_task(self, task: str) -> None:
        """Show the panels and metrics of `task` (classification, qa, ner, pretrain)."""
        if task not in TASK_METRICS:
            task = "classification"
        if task == self.task:
            return
        self.task = task
        self.metric_panel.setTitle(TASK_METRICS[task][0], size="10pt")
        self._lay_out()
        for curve in self._metric_curves.values():
            self.metric_panel.removeItem(curve)
        self._metric_curves = {}
        self._mark_all()

    def shown_metrics(self) -> list[str]:
        """The eval metrics the metric panel draws for this task."""
        keys = TASK_METRICS[self.task][1]
        if keys is None:
            return sorted(k for k in self.metrics if is_score(k))
        return [k for k in keys if k in self.metrics]

    # -- data ---------------------------------------------------------------------------------
    def clear(self) -> None:
        for b in (self.loss, self.smooth, self.eval_loss, self.lr, self.speed):
            b.clear()
        # the next run may report other metrics (a classifier after a pre-training run): none of
        # the last run's names stay in the legend
        for curve in self._metric_curves.values():
            self.metric_panel.removeItem(curve)
        self._metric_curves = {}
        self.metrics, self.extra = {}, {}
        self.mark_kept(0)
        self._ema = None
        self._steps_seen = 0
        for panel in self.panels():  # empty panels show no trace of the last run's scale either
            view = panel.getPlotItem().getViewBox()
            view.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            if not self._steady_axes:  # setRange turned the y axis' fitting off: a finished run's
                view.enableAutoRange(y=True)  # learning rate (1e-3) or samples/s (500) needs it
        self._mark_all()
        self.follow_steps()
        self.redraw()

    def add_event(self, ev: dict) -> None:
        """Buffer one event (cheap; nothing is drawn here)."""
        self.extend([ev])

    def extend(self, events: list[dict]) -> None:
        """Buffer a batch of events: each series grows by one numpy copy (nothing is drawn here).
        A `started` event of a resumed run (or one started again from step 0) first drops what
        the curves hold past its start step: those steps are trained again."""
        part = 0
        for i, ev in enumerate(events):
            if ev.get("event") == "started":
                self._extend_part(events[part:i])
                self._truncate(int(ev.get("start_step") or 0))
                part = i + 1
        self._extend_part(events[part:] if part else events)

    def _truncate(self, step: int) -> None:
        buffers = [self.loss, self.smooth, self.eval_loss, self.lr, self.speed]
        if not any(b.n and b.x[-1] > step for b in (*buffers, *self.metrics.values(), *self.extra.values())):
            return
        for b in (*buffers, *self.metrics.values(), *self.extra.values()):
            b.truncate(step)
        # the smoothed curve goes on from its last kept point (smooth holds debiased values)
        self._steps_seen = self.smooth.n
        self._ema = self.smooth.last() * (1 - EMA**self.smooth.n) if self.smooth.n else None
        if self.kept_step > step:
            self.mark_kept(0)
        self._mark_all()

    def _extend_part(self, events: list[dict]) -> None:
        steps = [ev for ev in events if ev.get("event") == "step"]
        if steps:
            self._extend_steps(steps)
        for ev in events:
            if ev.get("event") == "finished" and ev.get("best_step"):
                self.mark_kept(int(ev["best_step"]))
            if ev.get("event") != "eval":
                continue
            step = float(ev.get("step", 0))
            for name, value in (ev.get("metrics") or {}).items():
                if not isinstance(value, (int, float)):
                    continue
                if name == "loss":
                    self.eval_loss.append(step, float(value))
                else:
                    self.metrics.setdefault(name, SeriesBuffer(64)).append(step, float(value))
            self._stale.update(("loss", "metric", *self.pretrain_panels))

    def _extend_steps(self, steps: list[dict]) -> None:
        nan = math.nan
        x = [float(ev.get("step", 0)) for ev in steps]
        loss = [float(ev.get("loss", nan)) for ev in steps]
        self.loss.extend(x, loss)
        self.lr.extend(x, [float(ev.get("lr", nan)) for ev in steps])
        self.speed.extend(x, [float(ev.get("samples_per_s", nan)) for ev in steps])
        # Debiased EMA (as in Adam): starts at the first loss instead of at 0.
        sx, sy = [], []
        ema, seen = self._ema or 0.0, self._steps_seen
        for s, v in zip(x, loss):
            if math.isfinite(v):
                seen += 1
                ema = EMA * ema + (1 - EMA) * v
                sx.append(s)
                sy.append(ema / (1 - EMA**seen))
        if seen:
            self._ema, self._steps_seen = ema, seen
        self.smooth.extend(sx, sy)
        extra: dict[str, tuple[list[float], list[float]]] = {}
        for s, ev in zip(x, steps):
            for name, value in (ev.get("extra") or {}).items():
                if isinstance(value, (int, float)):
                    xs, ys = extra.setdefault(name, ([], []))
                    xs.append(s)
                    ys.append(float(value))
        for name, (xs, ys) in extra.items():
            self.extra.setdefault(name, SeriesBuffer()).extend(xs, ys)
        self._stale.update(("loss", "lr", "speed", *self.pretrain_panels))

    def mark_kept(self, step: int) -> None:
        """A dashed line at the step whose model a keep_best run saved (0: none)."""
        for panel, line in self._kept_lines:
            panel.removeItem(line)
        self._kept_lines = []
        self.kept_step = step
        if not step:
            return
        panels = [self.loss_panel, self.metric_panel] if self.task != "pretrain" else [self.loss_panel,
                  *self.pretrain_panels.values()]  # fmt: skip
        for panel in panels:
            line = pg.InfiniteLine(
                step, angle=90, pen=pg.mkPen(theme.COLORS["metric"], width=1, style=Qt.PenStyle.DashLine)
            )
            line.setToolTip(f"the model kept: step {step:,}, the best on validation")
            panel.addItem(line, ignoreBounds=True)
            self._kept_lines.append((panel, line))

    def set_step_range(self, first: int, last: int) -> None:
        """Fix the x axis to the run's steps: the axis then stays put while the curves grow,
        which halves the cost of a frame (no new ticks to lay out at every redraw)."""
        for panel in self.panels():
            panel.setXRange(first, max(last, first + 1), padding=X_PADDING)
            panel.getPlotItem().getViewBox().enableAutoRange(x=False)

    def follow_steps(self) -> None:
        """Let the x axis follow the data again (when the number of steps is not known)."""
        for panel in self.panels():
            panel.getPlotItem().getViewBox().enableAutoRange(x=True)

    def panels(self) -> list[pg.PlotWidget]:
        return [self.loss_panel, self.metric_panel, self.lr_panel, self.speed_panel, *self.pretrain_panels.values()]

    def add_events(self, events) -> None:
        """Buffer `events` and draw them now."""
        self.extend(list(events))
        self.redraw()

    # -- drawing ------------------------------------------------------------------------------
    @property
    def _dirty(self) -> bool:
        return bool(self._stale)

    def _mark_all(self) -> None:
        self._stale.update(("loss", "metric", "lr", "speed", *self.pretrain_panels))

    def _on_redraw_timer(self) -> None:
        """Draw the next panel of this round that has new data (hidden plots catch up when shown)."""
        if not self._stale or not self.isVisible():
            return
        if not self._turn:
            if not self._round_due():
                return
            self._turn = [k for k in self._order() if k in self._stale]
            self._stale.intersection_update(self._turn)  # data for panels not shown: nothing to draw
            if not self._turn:
                return
            self.redraws += 1
        key = self._turn.pop(0)
        if key in self._stale:
            self._stale.discard(key)
            self._draw(key)

    def _round_due(self) -> bool:
        """A new round starts at most every REDRAW_MS."""
        now = time.monotonic()
        if now - self._round_at < REDRAW_MS / 1000:
            return False
        self._round_at = now
        return True

    def _order(self) -> list[str]:
        if self.task == "pretrain":
            return ["loss", *self.pretrain_panels, "lr", "speed"]
        return ["loss", "metric", "lr", "speed"]

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.redraw()

    def redraw(self) -> None:
        """Draw every panel now: one setData per curve."""
        self._stale.clear()
        self._turn = []
        self.redraws += 1
        for key in self._order():
            self._draw(key)

    def _draw(self, key: str) -> None:
        fit = self._steady_axes
        if key == "loss":
            self._loss_curve.setData(self.loss.x, self.loss.y)
            self._smooth_curve.setData(self.smooth.x, self.smooth.y)
            self._eval_curve.setData(self.eval_loss.x, self.eval_loss.y)
            if fit:
                self._fit_y(self.loss_panel, self.loss, self.smooth, self.eval_loss)
        elif key == "lr":
            self._lr_curve.setData(self.lr.x, self.lr.y)
            if fit:
                self._fit_y(self.lr_panel, self.lr)
        elif key == "speed":
            self._speed_curve.setData(self.speed.x, self.speed.y)
            if fit:
                self._fit_y(self.speed_panel, self.speed)
        elif key == "metric":
            palette = [theme.COLORS["metric"], theme.COLORS["eval"], theme.COLORS["lr"], theme.COLORS["speed"]]
            shown = self.shown_metrics()
            scale = metric_percent(self.task, 1.0)  # QA's scores come in percent, the others' as fractions
            for i, name in enumerate(shown):
                buf = self.metrics[name]
                curve = self._metric_curves.get(name)
                if curve is None:
                    curve = self.metric_panel.curve(metric_word(name), palette[i % len(palette)], symbol="o")
                    self._metric_curves[name] = curve
                curve.setData(buf.x, buf.y * scale)
            # always fitted here (finished runs too): scores that do not move would get an axis of
            # ±1e-13, and pyqtgraph's own range dips below 0%
            self._fit_y(self.metric_panel, *(self.metrics[k] for k in shown), scale=scale, min_span=2.0, floor=0.0)
        elif key in self._pretrain_curves:
            train_curve, eval_curve = self._pretrain_curves[key]
            empty = SeriesBuffer(1)
            train, val = self.extra.get(key, empty), self.metrics.get(key, empty)
            # accuracies in percent, as the log, the banner and the Runs list write them
            scale = 100.0 if key.endswith("accuracy") else 1.0
            train_curve.setData(train.x, train.y * scale)
            eval_curve.setData(val.x, val.y * scale)
            if scale != 1.0:  # always fitted: flat scores need an axis of a few points, none below 0%
                self._fit_y(self.pretrain_panels[key], train, val, scale=scale, min_span=2.0, floor=0.0)
            elif fit:
                self._fit_y(self.pretrain_panels[key], train, val)

    @staticmethod
    def _fit_y(
        panel: pg.PlotWidget,
        *buffers: SeriesBuffer,
        scale: float = 1.0,
        min_span: float = 0.0,
        floor: float = -math.inf,
    ) -> None:
        """Move the y axis only when the data leave it or fill less than half of it: a steady
        axis is not re-laid out, which makes a frame about three times cheaper. `scale`: the
        curves are drawn at the buffers' values times this; `min_span`: the axis spans at least
        this much (flat scores); `floor`: it goes no lower (no negative percentage)."""
        lo = min((b.y_min for b in buffers), default=math.inf) * scale
        hi = max((b.y_max for b in buffers), default=-math.inf) * scale
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return
        if hi - lo < min_span:  # widened about the data, within the floor
            mid = (hi + lo) / 2
            lo, hi = max(floor, mid - min_span / 2), max(floor, mid - min_span / 2) + min_span
        view = panel.getPlotItem().getViewBox()
        (v_lo, v_hi) = view.viewRange()[1]
        span = max(hi - lo, abs(hi) * 1e-3, 1e-12)
        if lo < v_lo or hi > v_hi or span < 0.5 * (v_hi - v_lo):
            view.setYRange(max(floor, lo - 0.08 * span), hi + 0.08 * span, padding=0)

    def stop_timer(self) -> None:
        self._timer.stop()
