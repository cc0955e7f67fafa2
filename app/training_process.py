"""A training run in a child process: `python -m albert_core train RUN_DIR --json`.

The child prints one JSON event per line; this wrapper parses them and re-emits them as Qt
signals. A crash, an out-of-memory kill or a segfault in the child ends the run, never the app.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from albert_core.events import TERMINAL, parse

from .settings import ROOT

TRAINING_NICENESS = 5  # the run yields the CPU to the window when both want it
STOP_GRACE_MS = 10_000  # after creating STOP, wait this long before terminating
KILL_GRACE_MS = 5_000  # after terminating, wait this long before killing


def train_command(run_dir: str | Path, gpus: int = 1) -> list[str]:
    """The command line (program first) that trains or resumes `run_dir`."""
    if gpus > 1:
        return [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            f"--nproc_per_node={gpus}",
            "-m",
            "albert_core",
            "train",
            str(run_dir),
            "--json",
        ]
    return [sys.executable, "-m", "albert_core", "train", str(run_dir), "--json"]


def _lower_priority(pid: int) -> None:
    """Run the child a little below the window's priority so drawing never waits for it
    (only matters when the CPU is saturated; its children, e.g. torchrun's workers, inherit it)."""
    if pid and hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, pid, TRAINING_NICENESS)
        except OSError:
            pass


class TrainingProcess(QObject):
    """Runs one training child at a time and reports what it does.

    Signals: `started(run_dir)`, `event_received(dict)` for every event line,
    `output_received(str)` for other stdout/stderr lines, `finished(status)` with status
    "finished" or "stopped", and `failed(message)` when the run failed or the process died.
    """

    started = Signal(str)
    event_received = Signal(dict)
    output_received = Signal(str)
    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.run_dir: Path | None = None
        self._process: QProcess | None = None
        self._terminal: dict | None = None
        self._stop_requested = False
        self._stderr_tail: list[str] = []
        self._out_buf = b""
        self._err_buf = b""
        self._stop_timer = QTimer(self)
        self._stop_timer.setSingleShot(True)
        self._stop_timer.timeout.connect(self._on_stop_grace_expired)

    # -- control ------------------------------------------------------------------------------
    def start(self, run_dir: str | Path, gpus: int = 1) -> None:
        if self.is_running():
            raise RuntimeError("a run is already in progress")
        self.run_dir = Path(run_dir)
        (self.run_dir / "STOP").unlink(missing_ok=True)
        self._terminal = None
        self._stop_requested = False
        self._stderr_tail = []
        self._out_buf = self._err_buf = b""
        p = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        path = env.value("PYTHONPATH", "")
        env.insert("PYTHONPATH", str(ROOT) + (os.pathsep + path if path else ""))
        p.setProcessEnvironment(env)
        p.setWorkingDirectory(str(ROOT))
        p.readyReadStandardOutput.connect(self._on_stdout_ready)
        p.readyReadStandardError.connect(self._on_stderr_ready)
        p.finished.connect(self._on_process_finished)
        p.errorOccurred.connect(self._on_process_error)
        self._process = p
        cmd = train_command(self.run_dir, gpus)
        p.start(cmd[0], cmd[1:])
        _lower_priority(int(p.processId()))
        self.started.emit(str(self.run_dir))

    def is_running(self) -> bool:
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    def stop(self) -> None:
        """Ask the run to stop at its next step boundary (it saves a checkpoint first)."""
        if not self.is_running() or self.run_dir is None:
            return
        self._stop_requested = True
        try:
            (self.run_dir / "STOP").touch()
        except OSError:
            self._process.terminate()
        self._stop_timer.start(STOP_GRACE_MS)

    def kill(self) -> None:
        """End the child at once (no checkpoint)."""
        if self.is_running():
            self._process.kill()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the child exits (for closing the app and for tests)."""
        if self._process is None:
            return True
        return self._process.waitForFinished(msecs) or not self.is_running()

    def pid(self) -> int:
        return int(self._process.processId()) if self._process else 0

    # -- reading ------------------------------------------------------------------------------
    def _lines(self, buf: bytes, data: bytes) -> tuple[list[str], bytes]:
        buf += data
        *complete, rest = buf.split(b"\n")
        return [c.decode("utf-8", "replace").rstrip("\r") for c in complete], rest

    def _on_stdout_ready(self) -> None:
        lines, self._out_buf = self._lines(self._out_buf, self._process.readAllStandardOutput().data())
        for line in lines:
            self._handle_stdout_line(line)

    def _handle_stdout_line(self, line: str) -> None:
        event = parse(line)
        if event is None:
            if line.strip():
                self.output_received.emit(line)
            return
        if event["event"] in TERMINAL:
            self._terminal = event
        self.event_received.emit(event)

    def _on_stderr_ready(self) -> None:
        lines, self._err_buf = self._lines(self._err_buf, self._process.readAllStandardError().data())
        for line in lines:
            if line.strip():
                self._stderr_tail = (self._stderr_tail + [line])[-30:]
                self.output_received.emit(line)

    def _on_stop_grace_expired(self) -> None:
        if self.is_running():
            self.output_received.emit("The run did not stop within 10 s; ending its process.")
            self._process.terminate()
            QTimer.singleShot(KILL_GRACE_MS, self.kill)

    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._finish_failed(f"The training process could not start ({self._process.errorString()}).")

    def _on_process_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        self._stop_timer.stop()
        if self._out_buf:
            self._handle_stdout_line(self._out_buf.decode("utf-8", "replace"))
            self._out_buf = b""
        term = self._terminal
        if term is not None and term["event"] in ("finished", "stopped"):
            self._done()
            self.finished.emit(term["event"])
            return
        if term is not None and term["event"] == "failed":
            msg = term.get("message") or "The run failed."
            if term.get("log_file"):
                msg += f"\nDetails: {term['log_file']}"
            self._finish_failed(msg)
            return
        crashed = exit_status == QProcess.ExitStatus.CrashExit
        if self._stop_requested:
            how = "had to be ended before it could save a checkpoint" if crashed or exit_code else "stopped"
            self._finish_failed(f"The run {how}; it can be resumed from its last checkpoint if it has one.")
            return
        if crashed:
            reason = "was killed" if exit_code in (0, 9) else f"crashed (signal {exit_code})"
            detail = "This can happen when the machine runs out of memory; try a smaller batch or model."
        else:
            reason = f"exited with code {exit_code}"
            detail = ""
        tail = next((ln for ln in reversed(self._stderr_tail) if ln.strip()), "")
        msg = f"The training process {reason} before the run ended."
        if tail:
            msg += f"\nLast message: {tail.strip()}"
        if detail:
            msg += f"\n{detail}"
        log = self.run_dir / "error.log" if self.run_dir else None
        if log is not None and log.exists():
            msg += f"\nDetails: {log}"
        self._finish_failed(msg)

    def _finish_failed(self, message: str) -> None:
        self._done()
        self.failed.emit(message)

    def _done(self) -> None:
        if self.run_dir is not None:
            (self.run_dir / "STOP").unlink(missing_ok=True)
        p, self._process = self._process, None
        if p is not None:
            p.deleteLater()
