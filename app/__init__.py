"""ALBERT Studio's desktop front end (PySide6 + pyqtgraph). All ML logic lives in albert_core."""

from .qt_fixes import protect_singletons

__version__ = "0.1.0"

protect_singletons()
