"""A training run in a child process: `python -m albert_core train RUN_DIR --json`.

The child is started detached from the window (its own session, no pipe to the window): closing
the window can leave it training, and a later window re-attaches to it. The window follows the
run by tailing RUN_DIR/events.jsonl on a timer (the same file every plot is drawn from) and
RUN_DIR/output.log (the child's stderr). A crash, an out-of-memory kill or a segfault in the
child ends the run, never the app.

Why not QProcess: a QProcess kills its child when the QProcess is destroyed, and a child writing
to a pipe whose reader has gone dies of SIGPIPE, so neither can outlive the window. A
`subprocess.Popen` in a new session keeps the exit status while this window is its parent,
and nothing kills it when the window goes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import weakref
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from albert_core.events import TERMINAL, parse
from albert_core.runs import pid_alive

from .settings import ROOT

TRAINING_NICENESS = 5  # the run yields the CPU to the window when both want it
STOP_GRACE_MS = 10_000  # after creating STOP, wait this long before terminating
KILL_GRACE_MS = 5_000  # after terminating, wait this long before killing
POLL_MS = 100  # how often the event log is read
CATCH_UP_MS = 10  # the poll interval while a backlog is read
READ_BYTES_PER_TICK = 64 * 1024  # at most this much of a log is handled per tick (about 250 events)
OUTPUT_LOG = "output.log"

# Every child started by this process (tests check that none is left running).
LAUNCHED: weakref.WeakSet[subprocess.Popen] = weakref.WeakSet()


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


def running_pid(run_dir: str | Path) -> int:
    """The live process training `run_dir` (from its pid file), or 0."""
    from albert_core.runs import training_pid

    pid = training_pid(run_dir)
    return pid if pid_alive(pid) else 0


class _Tail:
    """New complete lines of a growing file, from a given offset."""

    def __init__(self, path: Path, offset: int = 0):
        self.path, self.offset, self._rest = path, offset, b""

        self.more = False  # the last read stopped at its byte limit: more is waiting

    def read(self, limit: int = -1) -> list[str]:
        """The new complete lines; at most `limit` bytes are read (-1: all there is)."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(limit)
        except FileNotFoundError:
            self.more = False
            return []
        self.offset += len(data)
        self.more = limit >= 0 and len(data) == limit
        *complete, self._rest = (self._rest + data).split(b"\n")
        return [c.decode("utf-8", "replace").rstrip("\r") for c in complete]

    def flush(self) -> list[str]:
        lines = self.read()
        if self._rest:
            lines.append(self._rest.decode("utf-8", "replace"))
            self._rest = b""
        return lines


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class TrainingProcess(QObject):
    """Runs (or follows) one training child at a time and reports what it does.

    Signals: `started(run_dir)`, `events_received(list)` with the run's new events (one signal
    per poll tick, at most READ_BYTES_PER_TICK of the log, so a backlog never blocks the window),
    `output_received(str)` for the child's other output, `finished(status)` with status
    "finished" or "stopped", and `failed(message)` when the run failed or the process died.
    """

    started = Signal(str)
    events_received = Signal(object)  # list[dict], passed as is (a `list` signal would convert it)
    output_received = Signal(str)
    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.run_dir: Path | None = None
        self._popen: subprocess.Popen | None = None
        self._pid = 0  # the process followed (ours, or one re-attached to)
        self._events: _Tail | None = None
        self._output: _Tail | None = None
        self._terminal: dict | None = None
        self._stop_requested = False
        self._stderr_tail: list[str] = []
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll_timer)
        self._stop_timer = QTimer(self)
        self._stop_timer.setSingleShot(True)
        self._stop_timer.timeout.connect(self._on_stop_grace_expired)

    # -- control ------------------------------------------------------------------------------
    def start(self, run_dir: str | Path, gpus: int = 1) -> None:
        """Start training `run_dir` in a detached child (new events only are reported)."""
        if self.is_running():
            raise RuntimeError("a run is already in progress")
        run_dir = Path(run_dir)
        (run_dir / "STOP").unlink(missing_ok=True)
        self._reset(run_dir)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        cmd = train_command(run_dir, gpus)
        try:
            with open(run_dir / OUTPUT_LOG, "ab") as log:
                self._popen = subprocess.Popen(
                    cmd,
                    cwd=str(ROOT),
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,  # the events are read from events.jsonl
                    stderr=log,
                    start_new_session=True,  # outlives the window; no terminal signal reaches it
                )
        except OSError as e:
            self._finish_failed(f"The training process could not start ({e.strerror or e}).")
            return
        LAUNCHED.add(self._popen)
        self._pid = self._popen.pid
        _lower_priority(self._pid)
        self._poll.start()
        self.started.emit(str(run_dir))

    def attach(self, run_dir: str | Path, pid: int = 0) -> list[dict]:
        """Follow a run another window started (it keeps training while nobody watches).
        Returns the events so far; later ones arrive as `events_received`."""
        if self.is_running():
            raise RuntimeError("a run is already in progress")
        run_dir = Path(run_dir)
        self._reset(run_dir, events_offset=0)
        self._pid = pid or running_pid(run_dir)
        past = [e for e in (parse(line) for line in self._events.read()) if e is not None]
        for e in past:
            if e["event"] in TERMINAL:
                self._terminal = e
        self._poll.start()
        self.started.emit(str(run_dir))
        return past

    def _reset(self, run_dir: Path, events_offset: int | None = None) -> None:
        self.run_dir = run_dir
        self._popen = None
        self._pid = 0
        self._terminal = None
        self._stop_requested = False
        self._stderr_tail = []
        self._poll.setInterval(POLL_MS)
        events = run_dir / "events.jsonl"
        # a resumed run appends to its log: only what follows is new
        self._events = _Tail(events, _size(events) if events_offset is None else events_offset)
        self._output = _Tail(run_dir / OUTPUT_LOG, _size(run_dir / OUTPUT_LOG))

    def is_running(self) -> bool:
        return self._poll.isActive()

    def stop(self) -> None:
        """Ask the run to stop at its next step boundary (it saves a checkpoint first)."""
        if not self.is_running() or self.run_dir is None:
            return
        self._stop_requested = True
        try:
            (self.run_dir / "STOP").touch()
        except OSError:
            self._signal(signal.SIGTERM)
        self._stop_timer.start(STOP_GRACE_MS)

    def kill(self) -> None:
        """End the child at once (no checkpoint)."""
        if self.is_running():
            self._signal(signal.SIGKILL)

    def detach(self) -> None:
        """Stop following the run and leave it training (the window is closing)."""
        self._poll.stop()
        self._stop_timer.stop()
        self._popen = None

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the child exits (for closing the app and for tests), then report it."""
        if not self.is_running():
            return True
        if self._popen is not None:
            try:
                self._popen.wait(msecs / 1000)
            except subprocess.TimeoutExpired:
                return False
        else:
            import time

            end = time.monotonic() + msecs / 1000
            while pid_alive(self._pid) and time.monotonic() < end:
                time.sleep(0.05)
            if pid_alive(self._pid):
                return False
        self._on_poll_timer(drain=True)
        return not self.is_running()

    def pid(self) -> int:
        return self._pid

    def _signal(self, sig: int) -> None:
        try:
            if self._popen is not None:
                self._popen.send_signal(sig)
            elif self._pid:
                os.kill(self._pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    # -- following ----------------------------------------------------------------------------
    def _alive(self) -> bool:
        if self._popen is not None:
            return self._popen.poll() is None
        return pid_alive(self._pid)

    def _read_new(self, limit: int = READ_BYTES_PER_TICK, final: bool = False) -> bool:
        """Report what the run wrote since the last tick; True when more is waiting."""
        lines = self._events.flush() if final else self._events.read(limit)
        events = []
        for line in lines:
            event = parse(line)
            if event is None:
                continue
            if event["event"] in TERMINAL:
                self._terminal = event
            events.append(event)
        if events:
            self.events_received.emit(events)
        for line in self._output.flush() if final else self._output.read(limit):
            if line.strip():
                self._stderr_tail = (self._stderr_tail + [line])[-30:]
                self.output_received.emit(line)
        return not final and (self._events.more or self._output.more)

    def _on_poll_timer(self, drain: bool = False) -> None:
        alive = self._alive()  # before reading: whatever it wrote before dying is then read
        more = self._read_new(-1 if drain else READ_BYTES_PER_TICK)
        # a backlog is read a slice per tick, with the window's own events in between
        self._poll.setInterval(CATCH_UP_MS if more else POLL_MS)
        if not alive and not more:
            self._read_new(final=True)
            self._on_process_ended()

    def _on_stop_grace_expired(self) -> None:
        if self.is_running() and self._alive():
            self.output_received.emit("The run did not stop within 10 s; ending its process.")
            self._signal(signal.SIGTERM)
            QTimer.singleShot(KILL_GRACE_MS, self.kill)

    def _on_process_ended(self) -> None:
        self._poll.stop()
        self._stop_timer.stop()
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
        code = self._popen.returncode if self._popen is not None else None
        if self._stop_requested:
            how = "stopped" if code == 0 else "had to be ended before it could save a checkpoint"
            self._finish_failed(f"The run {how}; it can be resumed from its last checkpoint if it has one.")
            return
        detail = ""
        if code is None:
            reason = "was killed or crashed"
            detail = "This can happen when the machine runs out of memory; try a smaller batch or model."
        elif code < 0:
            sig = -code
            reason = "was killed" if sig in (signal.SIGKILL, signal.SIGTERM) else f"crashed (signal {sig})"
            detail = "This can happen when the machine runs out of memory; try a smaller batch or model."
        else:
            reason = f"exited with code {code}"
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
        self._poll.stop()
        if self.run_dir is not None:
            (self.run_dir / "STOP").unlink(missing_ok=True)
        self._popen = None


def _lower_priority(pid: int) -> None:
    """Run the child a little below the window's priority so drawing never waits for it
    (only matters when the CPU is saturated; its children, e.g. torchrun's workers, inherit it)."""
    if pid and hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, pid, TRAINING_NICENESS)
        except OSError:
            pass
