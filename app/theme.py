"""Light and dark: follow the system colour scheme and keep pyqtgraph plots in step."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

LIGHT = {"background": "#ffffff", "foreground": "#303030", "grid": 0.15}
DARK = {"background": "#1e1f22", "foreground": "#d0d0d0", "grid": 0.25}
# Series colours readable on both backgrounds.
COLORS = {
    "raw": "#8fb8de",
    "smooth": "#1f77b4",
    "eval": "#ff7f0e",
    "metric": "#2ca02c",
    "lr": "#9467bd",
    "speed": "#d62728",
    "albert": "#1f77b4",
    "bert": "#b0b0b0",
    "wrong": "#d62728",  # a prediction that differs from the file's own answer
}
ERROR_STYLE = "border: 1px solid #d62728; border-radius: 2px;"
ERROR_TEXT = "color: #d62728;"


def is_dark() -> bool:
    """True when the system (or the palette, before Qt 6.5) asks for a dark look."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    hints = app.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return True
        if value == Qt.ColorScheme.Light:
            return False
    window = app.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def colors() -> dict:
    return DARK if is_dark() else LIGHT


class ThemeWatcher(QObject):
    """Restyles every registered plot when the system switches between light and dark."""

    changed = Signal(bool)  # dark?

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._plots: weakref.WeakSet = weakref.WeakSet()
        app = QGuiApplication.instance()
        hints = app.styleHints() if app else None
        if hints is not None and hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._on_scheme_changed)

    def register(self, plot_widget) -> None:
        self._plots.add(plot_widget)
        style_plot(plot_widget)

    def _on_scheme_changed(self, *_):
        apply_pyqtgraph_defaults()
        for plot in list(self._plots):
            style_plot(plot)
        self.changed.emit(is_dark())


_watcher: ThemeWatcher | None = None


def watcher() -> ThemeWatcher:
    global _watcher
    if _watcher is None:
        _watcher = ThemeWatcher(QGuiApplication.instance())
    return _watcher


def apply_pyqtgraph_defaults() -> None:
    """pyqtgraph's global colours for plots created from now on."""
    import pyqtgraph as pg

    c = colors()
    pg.setConfigOptions(background=c["background"], foreground=c["foreground"], antialias=False)


def style_plot(plot_widget) -> None:
    """Background, axes and text of one existing pyqtgraph PlotWidget."""
    import pyqtgraph as pg

    c = colors()
    plot_widget.setBackground(c["background"])
    item = plot_widget.getPlotItem()
    pen = pg.mkPen(c["foreground"])
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pen)
        axis.setTextPen(pen)
    title = item.titleLabel
    if title is not None and title.text:
        title.setText(title.text, color=c["foreground"])
    legend = getattr(item, "legend", None)
    if legend is not None:  # a veil behind the legend, so curves under it do not cross its text
        veil = QColor(c["background"])
        veil.setAlpha(215)
        legend.setBrush(pg.mkBrush(veil))
        legend.setLabelTextColor(c["foreground"])
    item.showGrid(x=getattr(plot_widget, "x_grid", True), y=getattr(plot_widget, "y_grid", True), alpha=c["grid"])
