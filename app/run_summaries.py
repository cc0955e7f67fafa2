"""The runs list, kept up to date by reading only what each run appended since the last look.

`albert_core.runs.summarize` reads a run's whole events.jsonl; a long run's log holds hundreds
of thousands of events, and the Runs page refreshes every few seconds. `SummaryCache` remembers,
per run, how far its log was read and what it said so far (status, step, metric), keyed by the
log's size and modification time: an unchanged log is not opened, a grown one is read from
where the last look stopped, and a log that shrank or was replaced is read again from the start.
The result is the same RunSummary that `summarize` gives.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from albert_core.events import parse
from albert_core.runs import (
    LogFold,
    RunSummary,
    event_time,
    list_runs,
    load_config,
    main_metric,
    metric_percent,
    metric_word,
)

READ_CHUNK = 1 << 20
STEP_PREFIX = b'{"event": "step"'  # how EventWriter starts a step event's line


@dataclass
class _LogState:
    """What one run's events.jsonl said up to `offset`."""

    key: str
    size: int = -1
    mtime: float = -1.0
    offset: int = 0
    rest: bytes = b""  # an incomplete last line, finished by a later write
    fold: LogFold = field(init=False)  # what the events read so far say
    inode: int = field(default=0)
    first_time: float | None = None  # the time of the log's first event: when the run was made
    first_seen: bool = False

    def __post_init__(self):
        self.fold = LogFold(self.key)

    def feed(self, data: bytes) -> None:
        *lines, self.rest = (self.rest + data).split(b"\n")
        if not self.first_seen:
            self._read_first_time(lines)
        # Step events are nearly all of a log and only the last one counts: they are recognised
        # by their prefix and only the last before each other event, and the last of all, is decoded.
        start = 0  # the step lines after the last other event: lines[start:]
        for i, raw in enumerate(lines):
            if raw.startswith(STEP_PREFIX):
                continue
            ev = parse(raw.decode("utf-8", "replace"))
            if ev is None or ev["event"] == "step":
                continue
            self._apply_last_step(lines[start:i])  # in order: a terminal event sets the step too
            start = i + 1
            self.fold.apply(ev)
        self._apply_last_step(lines[start:])

    def _read_first_time(self, lines: list[bytes]) -> None:
        """The first event's time, as `albert_core.runs.summarize` takes it (a torn line is skipped)."""
        for raw in lines:
            ev = parse(raw.decode("utf-8", "replace"))
            if ev is not None:
                self.first_time, self.first_seen = event_time(ev), True
                return

    def _apply_last_step(self, lines: list[bytes]) -> None:
        """The last step event of `lines` (a torn line before it is skipped, as read_events does)."""
        for raw in reversed(lines):
            ev = parse(raw.decode("utf-8", "replace"))
            if ev is not None and ev["event"] == "step":
                self.fold.apply(ev)
                return


class SummaryCache:
    """Summaries of the runs in a folder, each log read incrementally (thread-safe)."""

    def __init__(self):
        self._logs: dict[Path, _LogState] = {}
        self._lock = threading.Lock()

    def summarize(self, run_dir: str | Path) -> RunSummary:
        """Like `albert_core.runs.summarize`, reading only the part of the log not read before."""
        run_dir = Path(run_dir)
        config = load_config(run_dir)
        key = main_metric(config)
        with self._lock:
            state = self._update(run_dir, key)
            return state.fold.summary(run_dir, config, state.first_time)

    def _update(self, run_dir: Path, key: str) -> _LogState:
        path = run_dir / "events.jsonl"
        state = self._logs.get(run_dir)
        try:
            st = path.stat()
        except OSError:
            self._logs[run_dir] = state = _LogState(key)
            return state
        if state is None or state.key != key or st.st_size < state.offset or st.st_ino != state.inode:
            state = self._logs[run_dir] = _LogState(key, inode=st.st_ino)
        if (st.st_size, st.st_mtime) == (state.size, state.mtime):
            return state
        with open(path, "rb") as f:  # by the megabyte: a long log is never held whole
            f.seek(state.offset)
            while data := f.read(READ_CHUNK):
                state.offset += len(data)
                state.feed(data)
        state.size, state.mtime = st.st_size, st.st_mtime
        return state

    def list_runs(self, root: str | Path | None = None, damaged: bool = False) -> list[RunSummary]:
        """Like `albert_core.runs.list_runs`; runs no longer there are forgotten."""
        out = list_runs(root, self.summarize, damaged=damaged)
        with self._lock:
            seen = {r.path for r in out}
            for gone in [p for p in self._logs if p not in seen]:
                del self._logs[gone]
        return out


_shared: SummaryCache | None = None


def shared() -> SummaryCache:
    """The window's one cache (the Runs page's, and any other page listing runs)."""
    global _shared
    if _shared is None:
        _shared = SummaryCache()
    return _shared


def score_text(task: str, name: str, value: float, digits: int = 2) -> str:
    """A score named as a person writes it, in percent on the same scale for every task
    (`metric_percent`: QA's come as 0-100, the others' as fractions)."""
    return f"{metric_word(name)} {metric_percent(task, value):.{digits}f}%"


def metric_text(r: RunSummary, digits: int = 2) -> str:
    """A run's main metric in percent, the same scale for every task (as the comparison plots)."""
    return "" if r.metric is None else score_text(r.task, r.metric_name, r.metric, digits)


SCORE_WORDS = {"accuracy", "f1", "exact", "precision", "recall"}  # a metric named with one of these is a score
NOT_SCORE_WORDS = {"loss", "threshold"}  # ... unless it is the score's loss or its tuned threshold
COUNT_WORDS = {  # metrics that count what was scored: shown as counts, never as scores
    "total": "questions",
    "HasAns_total": "answerable",
    "NoAns_total": "unanswerable",
    "masked_tokens": "masked tokens",
    "examples": "examples",
    "support": "support",
}


def is_score(name: str) -> bool:
    """Whether a metric is a score (accuracy, an F1…), shown in percent; not its loss, its tuned
    threshold, a count or a coefficient such as MCC."""
    words = set(name.split("_"))
    return bool(words & SCORE_WORDS) and not words & NOT_SCORE_WORDS and name not in COUNT_WORDS


def metrics_text(task: str, metrics: dict) -> str:
    """Validation metrics as the banner and the log write them: scores in percent on the same
    scale for every task (`metric_percent`: QA's come as 0-100, the others' as fractions), losses
    and the like as numbers, and the counts (questions, masked tokens) apart, as counts."""
    shown, counts = [], []
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if name in COUNT_WORDS or name.endswith("_total"):
            counts.append(f"{int(value):,} {COUNT_WORDS.get(name, name.replace('_', ' '))}")
        elif is_score(name):
            shown.append(score_text(task, name, value))
        else:
            shown.append(f"{metric_word(name)} {value:.4g}")
    return ", ".join(shown) + (f" ({', '.join(counts)})" if counts else "")
