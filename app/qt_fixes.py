"""Work-arounds for defects in the Qt bindings, applied once when `app` is imported.

PySide6 6.12.0 on CPython 3.11 drops one reference to `None` each time Qt calls a Python slot
and one reference to `True` each time Python calls `Signal.emit()`. Those singletons are
never meant to be freed, but on 3.11 their reference count is an ordinary number, so after
some thousands of signals the interpreter aborts ("deallocating None"). CPython 3.12 made
them immortal; on older interpreters we give them a reference count so large that no run
of the app can exhaust it, which is what 3.12 does by design.
"""

from __future__ import annotations

import ctypes
import sys

_BOOST = 1 << 40  # about a trillion dropped references before anything could go wrong
_applied = False


def _affected_bindings() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("PySide6-Essentials", "PySide6"):
        try:
            return version(dist).startswith("6.12.")
        except PackageNotFoundError:
            continue
    return False


def protect_singletons() -> bool:
    """Make None, True and False effectively immortal on CPython < 3.12. Returns True if applied."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython" or hasattr(sys, "gettotalrefcount"):
        return False  # immortal already, or a debug/other build where the layout differs
    if not _affected_bindings():
        return False  # pyproject pins PySide6 below 6.12; this guards a 6.12 installed by hand
    for obj in (None, True, False):
        # ob_refcnt is the first field of every object in release builds of CPython.
        ctypes.c_ssize_t.from_address(id(obj)).value += _BOOST
    _applied = True
    return True
