"""The event stream of a run: small typed records, written as JSON lines.

A training run writes each event to `events.jsonl` in its run folder and, one JSON object a
line, to stdout, so the app (or any script) can follow it live. Events carry plain Python
values only.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Event:
    time: float = field(default_factory=time.time, kw_only=True)

    kind = "event"

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, **asdict(self)}


@dataclass
class Started(Event):
    kind = "started"
    task: str
    device: str
    precision: str
    params: int
    total_steps: int
    train_examples: int
    eval_examples: int
    start_step: int = 0  # > 0 when the run resumed from a checkpoint
    world_size: int = 1
    config: dict = field(default_factory=dict)


@dataclass
class Step(Event):
    kind = "step"
    step: int
    epoch: float
    loss: float
    lr: float
    grad_norm: float
    samples_per_s: float
    tokens_per_s: float  # real (unpadded) tokens
    elapsed: float
    total_steps: int
    extra: dict = field(default_factory=dict)  # task-specific losses (e.g. mlm_loss, sop_loss)


@dataclass
class Eval(Event):
    kind = "eval"
    step: int
    metrics: dict  # always has "loss"; plus the task's metrics


@dataclass
class CheckpointSaved(Event):
    kind = "checkpoint"
    step: int
    path: str


@dataclass
class Log(Event):
    kind = "log"
    message: str
    level: str = "info"


@dataclass
class Finished(Event):
    kind = "finished"
    step: int
    metrics: dict
    model_dir: str
    elapsed: float
    advice: list = field(default_factory=list)  # the task's warnings about the final metrics
    best_step: int = 0  # keep_best: the step whose weights were saved, when not the last one
    early: bool = False  # ended by early_stop before its last step


@dataclass
class Stopped(Event):
    kind = "stopped"
    step: int
    checkpoint: str  # where Resume continues from ("" if nothing was saved)


@dataclass
class Failed(Event):
    kind = "failed"
    message: str  # written for the user: what went wrong and what to change
    step: int = 0
    log_file: str = ""  # where the full traceback went, for unexpected errors


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls for cls in (Started, Step, Eval, CheckpointSaved, Log, Finished, Stopped, Failed)
}

TERMINAL = {"finished", "stopped", "failed"}


def parse(line: str) -> dict[str, Any] | None:
    """One line of the stream → its dict, or None for a line that is not an event."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        d = json.loads(line)
    except json.JSONDecodeError:
        return None
    return d if isinstance(d, dict) and "event" in d else None


def read_events(path: str | Path) -> Iterator[dict[str, Any]]:
    """The events of a run's events.jsonl; a torn last line (a killed writer) is skipped."""
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                d = parse(line)
                if d is not None:
                    yield d
    except FileNotFoundError:
        return


def latest_attempt(events) -> list[dict[str, Any]]:
    """`events` without the steps a later start trained again: a run resumed from its checkpoint at
    step 100 after it had reached step 109, or started again from step 0, keeps the old events in
    its log, and a curve drawn from all of them would double back. A `started` event drops the
    step, eval and checkpoint events before it whose step is past its `start_step`."""
    out: list[dict[str, Any]] = []
    for ev in events:
        if ev.get("event") == "started" and out:
            start = ev.get("start_step") or 0
            out = [e for e in out if e.get("event") not in SUPERSEDED or (e.get("step") or 0) <= start]
        out.append(ev)
    return out


SUPERSEDED = {"step", "eval", "checkpoint"}  # the events a later start from an earlier step replaces


class EventWriter:
    """Appends events to a file (flushed per event) and echoes them to a stream."""

    def __init__(self, path: str | Path | None, echo=sys.stdout, also: Callable[[Event], None] | None = None):
        self._file = open(path, "a", encoding="utf-8") if path else None
        self._echo = echo
        self._also = also

    def __call__(self, event: Event) -> None:
        line = json.dumps(event.to_dict(), default=_jsonable, allow_nan=True)
        if self._file:
            self._file.write(line + "\n")
            self._file.flush()
            os.fsync(self._file.fileno()) if event.kind in TERMINAL else None
        # a console that went away (`train … | head`) stops the printing, not the run
        if self._echo:
            try:
                self._echo.write(line + "\n")
                self._echo.flush()
            except BrokenPipeError:
                if self._echo is sys.stdout:
                    _silence_stdout()
                self._echo = None
        if self._also:
            try:
                self._also(event)
            except BrokenPipeError:  # a sink that prints (the CLI's): it printed to stdout
                self._also = None
                _silence_stdout()

    def close(self) -> None:
        if self._file:
            self._file.close()
            self._file = None


def _silence_stdout() -> None:
    """Point stdout at the null device, so that nothing written later (nor Python's flush at exit)
    fails on a pipe whose reader has gone."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _jsonable(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    return str(o)
