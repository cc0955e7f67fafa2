"""Before Qt starts: make sure it can open a window, and say how to fix it when it cannot.

Qt's own error for a missing X11 library ("could not load the Qt platform plugin xcb") names
neither the library nor the package; this check does.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

# Libraries Qt 6's xcb plugin loads that minimal Linux installs often lack → Debian package.
XCB_LIBS = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}
PACKAGES = "libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0"


def missing_xcb_libraries(find=ctypes.util.find_library) -> list[str]:
    return [pkg for lib, pkg in XCB_LIBS.items() if find(lib) is None]


def qt_starts(timeout: float = 20.0) -> bool:
    """Whether a QApplication can start here (tried in a child so a failure cannot abort us)."""
    import subprocess

    code = "from PySide6.QtWidgets import QApplication; QApplication([])"
    try:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=timeout).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def platform_problem(
    env: dict | None = None, platform: str | None = None, find=ctypes.util.find_library, confirm=qt_starts
) -> str:
    """A message explaining why Qt cannot show a window here, or '' when it should work."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    if not platform.startswith("linux"):
        return ""
    qpa = env.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith("xcb"):
        return ""  # offscreen, wayland, vnc, ... : Qt reports its own errors for these
    if not qpa and env.get("WAYLAND_DISPLAY"):
        return ""
    if not env.get("DISPLAY"):
        return (
            "ALBERT Studio cannot open a window: no display was found (DISPLAY is not set).\n"
            "Run it from a desktop session, or without a screen with:\n"
            "    QT_QPA_PLATFORM=offscreen python main.py\n"
            "Everything the window does is also available as `python -m albert_core …`."
        )
    missing = missing_xcb_libraries(find)
    # find_library can miss a library that is there (no ldconfig on PATH...): only a real
    # failure to start Qt counts.
    if missing and (confirm is None or not confirm()):
        return (
            "ALBERT Studio cannot open a window: Qt's X11 plugin needs libraries this system lacks.\n"
            f"Install them (Debian/Ubuntu):\n    sudo apt-get install {PACKAGES}\n"
            f"(missing here: {' '.join(missing)})\n"
            "Or run without a screen with QT_QPA_PLATFORM=offscreen."
        )
    return ""
