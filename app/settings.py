"""Where the app keeps its settings and its sample project."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "albert-studio"
APPLICATION = "ALBERT Studio"
ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
SAMPLE_DATA = RESOURCES / "samples" / "sentiment.csv"


def studio_home() -> Path | None:
    """ALBERT_STUDIO_HOME when set (tests, portable installs); None means the platform default."""
    env = os.environ.get("ALBERT_STUDIO_HOME")
    return Path(env) if env else None


def settings() -> QSettings:
    """The app's QSettings: an ini file under ALBERT_STUDIO_HOME when set, else the platform store."""
    home = studio_home()
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        return QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)
