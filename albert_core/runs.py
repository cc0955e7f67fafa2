"""Run folders: the configuration of a run, where it lives, and what state it is in.

```
RUN_DIR/run.json          the whole configuration (RunConfig)
RUN_DIR/events.jsonl      append-only event log
RUN_DIR/checkpoints/step-N/
RUN_DIR/model/            the final Hugging Face folder
```
"""

from __future__ import annotations

import dataclasses
import errno
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .events import read_events
from .spec import nearest


class ConfigError(ValueError):
    """A setting a user chose that cannot work; the message says what to change."""


def default_runs_dir() -> Path:
    env = os.environ.get("ALBERT_STUDIO_HOME")
    if env:
        return Path(env) / "runs"
    from platformdirs import user_data_dir

    return Path(user_data_dir("albert-studio", appauthor=False)) / "runs"


MIN_LENGTH = 8  # pieces a run reads at the least


@dataclass
class RunConfig:
    """Everything a run needs; saved as run.json so `train RUN_DIR` can run or resume it."""

    task: str = "classification"  # classification | qa | ner | pretrain
    train_file: str = ""
    eval_file: str = ""  # empty: split `val_fraction` off the training data
    name: str = ""
    # where the model starts: exactly one of preset, spec, init
    preset: str = "tiny"
    spec: dict | None = None
    init: str = ""  # a model folder, a run folder, or a hub id
    # data
    # {"text": ..., "text_pair": ..., "label": ...}; "label" may list 0/1 columns, one per label (with
    # multi_label off, each row has a 1 in exactly one of them: one-hot)
    columns: dict = field(default_factory=dict)
    val_fraction: float = 0.1
    # classification: several labels per text (a JSON list, or labels joined by the separator)
    multi_label: bool = False
    label_separator: str = ","
    # classification: keep the part of each label before this mark (TREC's DESC:manner → DESC); "" keeps all
    label_before: str = ""
    max_length: int = 128  # pieces, at least MIN_LENGTH
    tokenizer_vocab_size: int = 0  # 0: the spec's vocabulary size
    tokenizer_from: str = ""  # new weights, with the tokenizer of this model (a folder, a run, a hub id)
    # optimisation
    epochs: float = 3.0
    max_steps: int = 0  # > 0 overrides epochs
    batch_size: int = 32
    grad_accum: int = 1
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    # bookkeeping
    eval_every: int = 0  # steps; 0: at each epoch end
    checkpoint_every: int = 0  # steps; 0: only when stopping and at the end
    log_every: int = 10
    keep_checkpoints: int = 2
    keep_best: bool = False  # the final model is the evaluation with the best validation metric
    early_stop: int = 0  # stop after this many evaluations without a better metric (0: never)
    seed: int = 42
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    precision: str = "auto"  # auto | fp32 | bf16 | fp16
    # speed (each optional; safe defaults)
    bucket_by_length: bool = True
    compile: bool = False
    cuda_graphs: bool = False
    num_threads: int = 0  # CPU threads for torch; 0: torch's default
    data_workers: int = -1  # processes making batches ahead; -1: as suits the task and device
    # task-specific settings (qa: doc_stride, max_answer_length; pretrain: corpus options ...): TASK_OPTIONS
    options: dict = field(default_factory=dict)

    def validate(self) -> None:
        errs = self._wrong_types()
        if errs:  # a hand-edited run.json: report these before comparing values of the wrong type
            raise ConfigError("; ".join(errs))
        if self.task not in ("classification", "qa", "ner", "pretrain"):
            errs.append(f"task {self.task!r} is not one of classification, qa, ner, pretrain")
        if not self.train_file:
            errs.append("no training data: choose a training file")

        def positive(name, value, integer=True):
            bad = (
                not isinstance(value, (int, float))
                or isinstance(value, bool)
                or not math.isfinite(value)
                or value <= 0
                or (integer and int(value) != value)
            )
            if bad:
                kind = "a whole number" if integer else "a number"
                errs.append(f"{name} must be {kind} above 0 (got {value!r})")

        positive("learning rate", self.lr, integer=False)
        positive("batch size", self.batch_size)
        positive("gradient accumulation", self.grad_accum)
        positive("maximum length", self.max_length)
        if isinstance(self.max_length, int) and 0 < self.max_length < MIN_LENGTH:
            errs.append(
                f"maximum length must be at least {MIN_LENGTH} pieces: [CLS] and [SEP] take two, and a text needs "
                f"a few more (got {self.max_length})"
            )
        positive("log every", self.log_every)
        if self.max_steps == 0:  # a negative max_steps is said below, not as epochs
            positive("epochs", self.epochs, integer=False)
        for name in (
            "weight_decay",
            "warmup_ratio",
            "max_grad_norm",
            "eval_every",
            "checkpoint_every",
            "early_stop",
            "max_steps",
            "num_threads",
            "tokenizer_vocab_size",
        ):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                errs.append(f"{name.replace('_', ' ')} must be 0 or more (got {v!r})")
        if self.tokenizer_from and self.init:
            errs.append(
                "a model to start from (init) brings its own tokenizer: leave the tokenizer source empty, "
                "or start from new weights"
            )
        if self.tokenizer_from and self.tokenizer_vocab_size:
            errs.append(
                "a tokenizer taken from a model keeps its own vocabulary: leave the vocabulary size at 0 "
                "(on the command line, drop --vocab-size), or train a tokenizer of that size on the data instead"
            )
        if self.data_workers < -1:
            errs.append(f"data workers must be -1 (automatic), 0 or more (got {self.data_workers})")
        for key, least in WHOLE_OPTIONS.get(self.task, ()):  # said before a run folder is made, each by name
            v = (self.options or {}).get(key)
            whole = isinstance(v, int) and not isinstance(v, bool)
            if key in (self.options or {}) and (not whole or v < least):
                errs.append(f"{key} must be a whole number of {least} or more (got {v!r})")
        if not 0 <= self.warmup_ratio < 1:
            errs.append(f"warm-up ratio must be below 1 (got {self.warmup_ratio})")
        if not self.eval_file and not (0 < self.val_fraction < 1):
            errs.append(f"validation fraction must be between 0 and 1 (got {self.val_fraction})")
        if self.multi_label and self.task != "classification":
            errs.append(f"several labels per text (multi_label) is for classification, not {self.task}")
        if self.multi_label and not self.label_separator.strip():
            errs.append("the label separator must be a character such as , ; or | (got nothing)")
        if self.label_before and (self.task != "classification" or not self.label_before.strip()):
            errs.append(
                "label_before (the part of each label before a mark) is for classification, and the mark must be "
                "a character such as : or / (got " + repr(self.label_before) + f" for {self.task})"
            )
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            errs.append(f"precision {self.precision!r} is not one of auto, fp32, bf16, fp16")
        if errs:
            raise ConfigError("; ".join(errs))

    def _wrong_types(self) -> list[str]:
        """Fields whose value is not of the field's kind (a number as text, a list for a dict…)."""
        errs = []
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            if f.name == "spec":
                ok, kind = v is None or isinstance(v, dict), "a JSON object of spec fields or null"
            elif isinstance(default, bool):
                ok, kind = isinstance(v, bool), "true or false"
            elif isinstance(default, int):
                ok, kind = isinstance(v, int) and not isinstance(v, bool), "a whole number"
            elif isinstance(default, float):
                ok, kind = isinstance(v, (int, float)) and not isinstance(v, bool), "a number"
            elif isinstance(default, dict):
                ok = isinstance(v, dict) and all(isinstance(k, str) for k in v)
                kind = "a JSON object"
                if ok and f.name == "columns":
                    ok = all(
                        isinstance(c, str)
                        or c is None
                        or (k == "label" and isinstance(c, list) and all(isinstance(x, str) for x in c))
                        for k, c in v.items()
                    )  # a list: the label is several 0/1 columns, one per label
                    kind = "column names (the label may be a list of 0/1 columns)"
            else:
                ok, kind = isinstance(v, str), "text"
            if not ok:
                errs.append(f"{f.name.replace('_', ' ')} must be {kind} (got {v!r})")
        return errs

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "the run configuration") -> RunConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            said = [f"{k} (did you mean {nearest(k, names)}?)" if nearest(k, names) else k for k in unknown]
            raise ConfigError(f"unknown setting(s) {', '.join(said)} in {source}")
        return cls(**d)


_UMASK: int | None = None


def _umask() -> int:
    global _UMASK
    if _UMASK is None:
        try:  # read, not set: os.umask() would change it for every thread for a moment
            line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("Umask:"))
            _UMASK = int(line.split()[1], 8)
        except (OSError, StopIteration, ValueError, IndexError):
            _UMASK = os.umask(0o022)
            os.umask(_UMASK)
    return _UMASK


def usual_modes(path: str | Path) -> None:
    """Give a file, or a folder and all within it, the permissions a plain new file gets (0644 and
    0755 under the usual umask), as temporary files (and safetensors' writer) make them owner-only:
    a model that other users, or a web server, may read."""
    path = Path(path)
    mask = _umask()
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        try:
            os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~mask)
        except OSError:
            pass  # a file system without permissions (FAT, some network shares)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write a file so that a crash leaves either the old or the new one, never a torn one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:  # "\n" as written, on every system
            try:
                os.fchmod(f.fileno(), 0o666 & ~_umask())  # mkstemp's is owner-only
            except (OSError, AttributeError):
                pass
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, default=str) + "\n")


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "run"


def init_name(init: str) -> str:
    """A model to start from as the user knows it: its run's folder name (for the run's model/
    folder too), or the last part of a folder path or hub id."""
    p = Path(init)
    return p.parent.name if p.name == "model" else p.name


def _model_part(config: RunConfig) -> str:
    """The model in a new run's folder name: its preset, or what it starts from ("from-NAME",
    without the date of a run folder's name)."""
    if not config.init:
        return config.preset or "model"
    return "from-" + re.sub(r"^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-", "", init_name(config.init))


GENERIC_STEMS = {"train", "training", "dev", "valid", "validation", "test", "data", "dataset", "corpus", "text",
                 "texts", "input", "all", "full", "sample", "samples"}  # fmt: skip


def data_name(path: str) -> str:
    """A file's name for a run's folder: its stem, with its folder's name before a stem that says
    nothing of the data (conll2003/train.txt is conll2003-train, not train)."""
    p = Path(path.rstrip("/\\") or path)
    stem = p.stem or p.name
    parent = p.absolute().parent.name  # train.csv given from inside its folder: that folder's name
    if stem.lower().replace("-", "_").split("_")[0] in GENERIC_STEMS and parent not in ("", ".", ".."):
        return f"{parent}-{stem}"
    return stem


def run_name(run_dir: str | Path) -> str:
    """A run's name as the lists show it: its run.json's name, else its folder's."""
    run_dir = Path(run_dir)
    try:
        return load_config(run_dir).name or run_dir.name
    except (ConfigError, OSError, TypeError, ValueError):
        return run_dir.name


def run_names(root: str | Path) -> set[str]:
    """The names of the runs in a folder as the lists show them, read from their run.json alone."""
    folders = Path(root).iterdir() if Path(root).is_dir() else ()
    return {run_name(p) for p in folders if (p / "run.json").is_file()}


def unused_name(name: str, taken: set[str]) -> str:
    """`name`, or where another run has it, the first of "name 2", "name 3", … that none has."""
    n, free = 1, name
    while free in taken:
        n += 1
        free = f"{name} {n}"
    return free


def new_run_dir(config: RunConfig, root: str | Path | None = None) -> Path:
    root = Path(root) if root else default_runs_dir()
    stamp = time.strftime("%Y-%m-%dT%H-%M-%S")
    base = slug(config.name or f"{data_name(config.train_file.split(os.pathsep)[0])}-{_model_part(config)}")
    path = root / f"{stamp}-{base}"
    n = 1
    while path.exists():
        n += 1
        path = root / f"{stamp}-{base}-{n}"
    return path


def create_run(config: RunConfig, run_dir: str | Path) -> Path:
    """Validate `config` and write it as a new run folder."""
    config.validate()
    run_dir = Path(run_dir)
    if (run_dir / "run.json").exists() and failed_before_start(run_dir) is not None:
        shutil.rmtree(run_dir)  # a run that failed before its first step holds nothing to keep: made anew
    if (run_dir / "run.json").exists():
        raise ConfigError(f"{run_dir} already holds a run; choose another folder, or run it with `train {run_dir}`")
    if run_dir.is_file():
        raise ConfigError(f"{run_dir} is a file; the run needs a folder of its own (a new path)")
    if run_dir.is_dir() and any(run_dir.iterdir()):
        # a run writes model/, tokenizer/ and checkpoints/ into its folder: never over someone's files
        raise ConfigError(f"{run_dir} already exists and holds other files; choose a new folder for the run")
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(run_dir / "run.json", config.to_dict())
    return run_dir


def failed_before_start(run_dir: str | Path) -> str | None:
    """The message of a run that failed before it trained (a missing file, a column that is not
    there…), with no checkpoint or model: nothing in it is worth keeping, so a new run may take its
    folder. None for any other run."""
    run_dir = Path(run_dir)
    if checkpoints(run_dir) or (run_dir / "model").exists():
        return None
    last = None
    for ev in read_events(run_dir / "events.jsonl"):
        if ev["event"] in ("started", "step"):
            return None
        last = ev
    return last.get("message", "") if last and last["event"] == "failed" else None


def finished_note(ev: dict) -> str:
    """What a finished event says beyond its metrics: an early stop, the step whose model was kept."""
    if ev.get("event") != "finished":
        return ""
    parts = []
    if ev.get("early"):
        parts.append(f"stopped early at step {ev.get('step', 0):,}")
    if ev.get("best_step"):
        parts.append(f"the model kept is step {ev['best_step']:,}'s, the best on validation")
    return "; ".join(parts)


def examples_note(ev: dict) -> str:
    """What a started event trains and scores on, in the unit of its task: questions for QA and
    sentences for NER (with the windows they were cut into, when long ones were cut), else examples."""
    config = ev.get("config") or {}
    train, val = ev.get("train_examples", 0), ev.get("eval_examples", 0)
    for unit in ("questions", "sentences"):
        if f"train_{unit}" in config:
            n_train, n_val = config[f"train_{unit}"], config.get(f"eval_{unit}", 0)
            note = f"{n_train:,} training and {n_val:,} validation {unit}"
            if (n_train, n_val) != (train, val):
                note += f" (cut into {train:,} and {val:,} windows of at most {config.get('max_length')} tokens)"
            return note
    return f"{train:,} training and {val:,} validation examples"


def run_of(path: str | Path) -> Path | None:
    """The run folder a model folder belongs to: the run itself, its model/, or one of its
    checkpoints; None for a folder of its own (downloaded, exported)."""
    p = Path(path)
    if (p / "run.json").is_file():
        return p
    if p.name == "model" and (p.parent / "run.json").is_file():
        return p.parent
    if p.parent.name == "checkpoints" and (p.parent.parent / "run.json").is_file():
        return p.parent.parent
    return None


def load_config(run_dir: str | Path) -> RunConfig:
    path = Path(run_dir) / "run.json"
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{run_dir} is not a run folder (it has no run.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is damaged ({e}); recreate the run") from None
    return RunConfig.from_dict(d)


def checkpoints(run_dir: str | Path) -> list[Path]:
    """Complete checkpoints, oldest first (a folder is complete once its state.json exists)."""
    root = Path(run_dir) / "checkpoints"
    found = []
    for p in root.glob("step-*"):
        if (p / "state.json").exists() and p.name[5:].isdigit() and not p.is_symlink():
            found.append((int(p.name[5:]), p))
    return [p for _, p in sorted(found)]


def checkpoint_model(run_dir: str | Path) -> Path | None:
    """The newest checkpoint that is also a model folder (config.json beside its weights), or None."""
    return next((p for p in reversed(checkpoints(run_dir)) if (p / "config.json").exists()), None)


def run_model(run_dir: str | Path) -> Path | None:
    """The model a run offers: its finished model/ folder, else its newest checkpoint (a stopped
    run), else None."""
    model = Path(run_dir) / "model"
    return model if (model / "config.json").exists() else checkpoint_model(run_dir)


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    cps = checkpoints(run_dir)
    return cps[-1] if cps else None


def prune_checkpoints(run_dir: str | Path, keep: int) -> None:
    if keep <= 0:
        return
    for p in checkpoints(run_dir)[:-keep]:
        shutil.rmtree(p, ignore_errors=True)


def is_disk_full(e: BaseException) -> bool:
    """Whether an error (or what caused it) is a full disk or an exhausted quota."""
    full = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
    seen = 0
    while e is not None and seen < 5:
        if isinstance(e, OSError) and e.errno in full:
            return True
        if "No space left on device" in str(e) or "Disk quota exceeded" in str(e):
            return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


def training_pid(run_dir: str | Path) -> int:
    """The process training `run_dir` now, or 0. A pid left by a killed run, or reused by an
    unrelated process, does not count."""
    pid_file = Path(run_dir) / "pid"
    try:
        pid = int(pid_file.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0
    if not pid or pid == os.getpid() or not pid_alive(pid):
        return 0
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            if not any(name in cmdline.read_bytes() for name in (b"albert_core", b"albert-core")):
                return 0
        except OSError:
            pass
    return pid


def pid_alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie, dead but not yet reaped, is not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    # A finished process nobody has reaped yet (a zombie) still answers kill(pid, 0).
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


@dataclass
class RunSummary:
    path: Path
    name: str
    task: str
    status: str  # created | running | finished | stopped | failed | interrupted
    created: float
    step: int
    total_steps: int
    metric_name: str
    metric: float | None
    message: str = ""


MAIN_METRIC = {"classification": "accuracy", "qa": "f1", "ner": "f1", "pretrain": "mlm_accuracy"}
MULTI_LABEL_METRIC = "micro_f1"  # a multi-label classifier's: accuracy would ask for every label of a text right


def main_metric(config: RunConfig | dict) -> str:
    """The metric a run is judged by (runs list, compare, keep-best), from its settings."""
    get = config.get if isinstance(config, dict) else lambda k, d=None: getattr(config, k, d)
    task = get("task", "classification")
    if task == "classification" and get("multi_label", False):
        return MULTI_LABEL_METRIC
    return MAIN_METRIC.get(task, "loss")


def metric_percent(task: str, value: float) -> float:
    """A task's main metric as a percentage: QA's exact match and F1 come as percentages
    already (as the SQuAD metric gives them); the other tasks' metrics come as fractions."""
    return float(value) if task == "qa" else 100.0 * float(value)


METRIC_WORDS = {  # names a person writes otherwise
    "exact": "exact match",
    "best_exact": "best exact match",
    "mlm_accuracy_most_frequent": "MLM accuracy of the most frequent piece",
}
WORD_CASE = {"f1": "F1", "mlm": "MLM", "sop": "SOP", "mcc": "MCC", "hasans": "HasAns", "noans": "NoAns"}


TASK_WORDS = {"pretrain": "pre-training", "ner": "NER", "qa": "QA"}  # a task as a person writes it


def task_word(task: str) -> str:
    return TASK_WORDS.get(task, task)


MODEL_WORDS = {"ner": "an NER model", "qa": "a question-answering model", "pretrain": "a pre-trained model"}


def a_model_of(task: str) -> str:
    """A model of `task` as a sentence names it: "a classification model", "an NER model"."""
    return MODEL_WORDS.get(task, f"a {task} model")


def metric_word(name: str) -> str:
    """A metric's key as a person writes it: macro_f1 → macro F1, mlm_accuracy → MLM accuracy."""
    return METRIC_WORDS.get(name) or " ".join(WORD_CASE.get(w.lower(), w) for w in name.split("_"))


TASK_OPTIONS: dict[str, tuple[str, ...]] = {  # the keys of RunConfig.options each task reads
    "classification": ("tune_thresholds",),
    "qa": ("doc_stride", "max_answer_length", "max_query_length", "n_best"),
    "ner": ("tag_column",),
    "pretrain": ("mask_probability", "max_ngram", "whole_word", "short_seq_prob", "max_eval_examples", "dupe_factor",
                 "documents", "sentences", "cache_dir"),
}  # fmt: skip


WHOLE_OPTIONS: dict[str, tuple[tuple[str, int], ...]] = {  # options that are counts, and their least value
    "qa": (("doc_stride", 0), ("max_answer_length", 1), ("max_query_length", 1), ("n_best", 1)),
    "pretrain": (("max_ngram", 1), ("max_eval_examples", 1), ("dupe_factor", 1)),
}


def unknown_option(task: str, key: str) -> str:
    """Why `key` is not a setting of `task`'s runs, naming the ones it has; "" when it is one."""
    known = TASK_OPTIONS.get(task, ())
    if key in known:
        return ""
    close = nearest(key, known)
    hint = f"did you mean {close}? " if close else ""
    return f"--option {key} is not a setting of {task} runs; {hint}its settings are {', '.join(known)}"


@dataclass
class LogFold:
    """What a run's events say so far for the runs list: fed its events in order. A start
    forgets the score of an evaluation that it trains again (one past its start step: a run
    started again from step 0 has no score until it evaluates) and the last attempt's message."""

    key: str  # the main metric
    status: str = "created"
    step: int = 0
    total: int = 0
    message: str = ""
    scores: list[tuple[int, float]] = field(default_factory=list)  # (step, main metric) of each evaluation

    @property
    def metric(self) -> float | None:
        return self.scores[-1][1] if self.scores else None

    def apply(self, ev: dict) -> None:
        kind = ev["event"]
        if kind == "started":
            self.status, self.total, self.message = "running", ev.get("total_steps", 0), ""
            start = ev.get("start_step") or 0
            while self.scores and self.scores[-1][0] > start:
                self.scores.pop()
        elif kind == "step":
            self.step = ev.get("step", self.step)
        elif kind in ("eval", "finished"):
            value = (ev.get("metrics") or {}).get(self.key)
            if value is not None:
                self.scores.append((ev.get("step") or 0, value))
        if kind in ("finished", "stopped", "failed"):
            self.status = kind
            self.step = ev.get("step", self.step)
            self.message = ev.get("message", "") or finished_note(ev)

    def summary(self, run_dir: Path, config: RunConfig, first_time: float | None) -> RunSummary:
        """The runs list's line; a run that says it is running but whose process is gone is interrupted."""
        status = self.status
        if status == "running":
            pid_file = run_dir / "pid"
            pid = int(pid_file.read_text().strip() or 0) if pid_file.exists() else 0
            if not (pid and pid_alive(pid)):
                status = "interrupted"
        return RunSummary(
            run_dir,
            config.name or run_dir.name,
            config.task,
            status,
            run_created(run_dir, first_time),
            self.step,
            self.total,
            self.key,
            self.metric,
            self.message,
        )


def summarize(run_dir: str | Path) -> RunSummary:
    """What the runs list shows for one run, read from run.json and events.jsonl."""
    run_dir = Path(run_dir)
    config = load_config(run_dir)
    fold = LogFold(main_metric(config))
    first_time, first = None, True
    for ev in read_events(run_dir / "events.jsonl"):
        if first:
            first_time, first = event_time(ev), False
        fold.apply(ev)
    return fold.summary(run_dir, config, first_time)


DAMAGED = "damaged"  # the status of a run folder whose run.json cannot be read


def event_time(ev: dict) -> float | None:
    """An event's time (seconds since the epoch), or None when it has none."""
    t = ev.get("time")
    return float(t) if isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) else None


def first_event_time(run_dir: str | Path) -> float | None:
    """The time of the first event in a run's log (None: no event, or none in it)."""
    try:
        for ev in read_events(Path(run_dir) / "events.jsonl"):
            return event_time(ev)
    except (OSError, ValueError):
        pass
    return None


_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)(?:-|$)")


def run_created(run_dir: str | Path, first_time: float | None = None) -> float:
    """When a run was made, from what renaming it (which rewrites run.json) leaves alone: the
    time of its first event, else the date in its folder's name (`new_run_dir` puts it there),
    else, for a run never started in a folder named by hand, run.json's modification time."""
    if first_time is not None:
        return first_time
    run_dir = Path(run_dir)
    m = _STAMP.match(run_dir.name)
    if m:
        try:
            return time.mktime(time.strptime(m.group(1), "%Y-%m-%dT%H-%M-%S"))
        except (ValueError, OverflowError):
            pass
    try:
        return (run_dir / "run.json").stat().st_mtime
    except OSError:
        return 0.0


def damaged_run(run_dir: str | Path, error: BaseException) -> RunSummary:
    """The runs list's entry for a folder whose run.json cannot be read (not JSON, unknown
    settings…): named after its folder, with the reason as its message, so that the user sees
    it and can delete it."""
    run_dir = Path(run_dir)
    if isinstance(error, TypeError):  # JSON, but not an object of settings (a list, a number, null)
        reason = "run.json does not hold the settings of a run"
    else:
        reason = str(error).replace(str(run_dir / "run.json"), "run.json").removesuffix("; recreate the run")
        reason = reason or type(error).__name__
    return RunSummary(
        run_dir, run_dir.name, "", DAMAGED, run_created(run_dir, first_event_time(run_dir)), 0, 0, "", None, reason
    )


def list_runs(
    root: str | Path | None = None,
    summarize_one: Callable[[Path], RunSummary] | None = None,
    damaged: bool = False,
) -> list[RunSummary]:
    """The runs under `root` (default: the runs folder), each summarised by `summarize_one`
    (default: `summarize`). A folder whose run.json cannot be read is listed as a damaged run
    (status "damaged", the reason as its message) with `damaged`, else skipped."""
    root = Path(root) if root else default_runs_dir()
    summarize_one = summarize_one or summarize
    out = []
    if root.is_dir():
        for p in sorted(root.iterdir()):
            if (p / "run.json").exists():
                try:
                    out.append(summarize_one(p))
                except (ConfigError, OSError, ValueError, TypeError) as e:
                    # TypeError: run.json holds JSON that is not an object of settings (a list, a number)
                    if damaged:
                        out.append(damaged_run(p, e))
    return out
