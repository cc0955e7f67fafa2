"""Work off the UI thread: finding the machine's GPUs (in a child process), and a helper that
runs a function in a superqt worker and hands its result or error back to the UI thread."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QProcess, Signal

# Run in a child interpreter so importing torch (seconds, and heavy on memory) never holds
# the UI thread's interpreter lock.
_PROBE = """
import json
try:
    from albert_core.devices import list_gpus
    gpus = [dict(index=g.index, name=g.name, memory=g.memory, bf16=g.bf16) for g in list_gpus()]
    import torch
    print(json.dumps({"gpus": gpus, "torch": torch.__version__, "threads": torch.get_num_threads()}))
except Exception as e:
    print(json.dumps({"gpus": [], "error": f"{type(e).__name__}: {e}"}))
"""


@dataclass
class DeviceInfo:
    """The training devices found on this machine."""

    gpus: list[dict]  # index, name, memory (bytes), bf16
    torch: str = ""
    error: str = ""
    probed: bool = True

    def describe(self) -> str:
        from albert_core.param_count import human

        if self.error:
            return f"Could not look for GPUs ({self.error}); training will use the CPU."
        if not self.gpus:
            return f"No CUDA GPU found: training runs on the CPU (torch {self.torch})."
        names = ", ".join(f"{g['name']} ({human(g['memory'], 'B')})" for g in self.gpus)
        return f"{len(self.gpus)} GPU{'s' if len(self.gpus) > 1 else ''}: {names}"


UNKNOWN = DeviceInfo([], probed=False)


def parse_probe_output(stdout: str, stderr: str = "") -> DeviceInfo:
    line = next((ln for ln in reversed(stdout.splitlines()) if ln.startswith("{")), "")
    try:
        d = json.loads(line) if line else {}
    except json.JSONDecodeError:
        d = {}
    if not d:
        d = {"gpus": [], "error": (stderr.strip().splitlines() or ["no answer"])[-1]}
    return DeviceInfo(d.get("gpus", []), d.get("torch", ""), d.get("error", ""))


def probe_devices(timeout: float = 120.0) -> DeviceInfo:
    """Ask a child interpreter which CUDA GPUs torch can see (blocking; for scripts)."""
    from .settings import ROOT

    try:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=timeout, cwd=str(ROOT)
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return DeviceInfo([], error=str(e))
    return parse_probe_output(out.stdout, out.stderr)


class DeviceProbe(QObject):
    """Finds the devices once, in a child process (so importing torch never touches the UI
    thread), and tells whoever listens."""

    found = Signal(object)  # DeviceInfo

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.info: DeviceInfo = UNKNOWN
        self._process: QProcess | None = None

    def start(self) -> None:
        if self._process is not None or self.info.probed:
            return
        from .settings import ROOT

        p = QProcess(self)
        p.setWorkingDirectory(str(ROOT))
        p.finished.connect(self._on_process_finished)
        p.errorOccurred.connect(self._on_process_error)
        self._process = p
        p.start(sys.executable, ["-c", _PROBE])

    def stop(self) -> None:
        """End the probe if it is still running (the window is closing)."""
        p, self._process = self._process, None
        if p is not None and p.state() != QProcess.ProcessState.NotRunning:
            p.kill()
            p.waitForFinished(2000)

    def is_running(self) -> bool:
        return self._process is not None

    def set_info(self, info: DeviceInfo) -> None:
        self.info = info
        self.found.emit(info)

    def _on_process_finished(self, *_) -> None:
        p, self._process = self._process, None
        if p is None:
            return
        out = p.readAllStandardOutput().data().decode("utf-8", "replace")
        err = p.readAllStandardError().data().decode("utf-8", "replace")
        p.deleteLater()
        self.set_info(parse_probe_output(out, err))

    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self._process = None
            self.set_info(DeviceInfo([], error="could not start Python to look for GPUs"))


def run_in_thread(
    fn: Callable[..., Any],
    *args: Any,
    on_returned: Callable[[Any], None],
    on_errored: Callable[[BaseException], None],
    **kwargs: Any,
):
    """Run fn(*args, **kwargs) in a worker thread; results and errors come back on the UI thread."""
    from superqt.utils import thread_worker  # deferred: superqt pulls in numpy and all its widgets

    worker = thread_worker(fn, start_thread=False)(*args, **kwargs)
    worker.returned.connect(on_returned)
    worker.errored.connect(on_errored)
    worker.start()
    return worker


def wait_for_workers(msecs: int = 60_000) -> bool:
    """Block until every worker thread has returned (before the interpreter shuts down, so no
    worker emits into a deleted object)."""
    from PySide6.QtCore import QThreadPool

    return QThreadPool.globalInstance().waitForDone(msecs)
