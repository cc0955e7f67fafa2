"""What the training engine needs from a task (classification, qa, ner, pretrain).

A task turns data files into tokenized features, builds the model, pads features into
batches, and evaluates. The engine owns the optimisation loop, devices, events, checkpoints
and run folders; a task never sees them. During a long preparation a task may say what it is
doing (`report`, which the engine makes a log event) and end early when the user asks to stop
(`check_stop`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..runs import RunConfig

LOSS_LOGS_TO_JUDGE = 10  # logged losses needed to say a run's loss never fell


class StopRequested(Exception):
    """The user asked to stop while the run was still preparing (before its first step)."""


@dataclass
class Prepared:
    """A task's data, tokenized once. Each feature is a dict of plain lists/ints; every
    feature has "input_ids" (the engine buckets batches by its length)."""

    train: list[dict]
    eval: list[dict]
    info: dict = field(default_factory=dict)  # shown in the model card and the started event
    warnings: list[str] = field(default_factory=list)  # data problems that left rows out


def pad_to(n: int, multiple: int = 8) -> int:
    return ((n + multiple - 1) // multiple) * multiple


def pad_sequences(features: list[dict], fill: dict[str, int], pad_multiple: int = 8) -> dict:
    """Pad the per-token lists named in `fill` (name → padding value) into one int64 tensor
    each, to the longest feature's length rounded up to `pad_multiple`, and add the attention
    mask. Names missing from the first feature are left out."""
    import numpy as np
    import torch

    n = pad_to(max(len(f["input_ids"]) for f in features), pad_multiple)
    names = [k for k in fill if k in features[0]]
    arrays = {k: np.full((len(features), n), fill[k], dtype=np.int64) for k in names}
    mask = np.zeros((len(features), n), dtype=np.int64)
    for i, f in enumerate(features):
        mask[i, : len(f["input_ids"])] = 1
        for k in names:
            arrays[k][i, : len(f[k])] = f[k]
    out = {k: torch.from_numpy(a) for k, a in arrays.items()}
    out["attention_mask"] = torch.from_numpy(mask)
    return out


class Task:
    """Base class; subclasses set `name`, `metric`, `model_class_name` and implement the rest."""

    name = ""
    metric = "loss"  # the main metric (higher is better except for loss)
    model_class_name = ""  # e.g. "AlbertForSequenceClassification"

    def __init__(self, config: RunConfig):
        self.config = config
        self.logged_losses: list[float] = []  # the training losses the engine logged, for final_advice
        self.tokenizer = None  # set by the engine before prepare()
        # a line for the user while a long preparation runs (the engine makes it a log event),
        # and whether the user asked to stop (a long preparation checks it now and then)
        self.report: Callable[[str], None] = lambda message: None
        self.should_stop: Callable[[], bool] = lambda: False

    def check_stop(self) -> None:
        """End a long preparation at once when the user asked to stop."""
        if self.should_stop():
            raise StopRequested

    # -- data ---------------------------------------------------------------------------------
    def load_data(self) -> None:
        """Read the data files (no tokenizer yet): called first, so model_kwargs() and
        tokenizer_texts() can use what was read (labels, texts)."""

    def read_train_and_eval(self, read: Callable[[str], Any], hold_out: Callable[[Any], tuple[Any, Any, str]]) -> None:
        """Sets train_data, eval_data, split and warnings: the training file read with `read`,
        and the evaluation file when there is one (the training data itself when both name the
        same file), or else a part held out of the training data by `hold_out`, which returns
        (train, eval, a description of the split)."""
        c = self.config
        self.train_data = read(c.train_file)
        self.warnings = [str(p) for p in self.train_data.problems]
        if c.eval_file and c.eval_file != c.train_file:
            self.eval_data = read(c.eval_file)
            self.warnings += [str(p) for p in self.eval_data.problems]
            self.split = "file"
        elif c.eval_file:
            self.eval_data, self.split = self.train_data, "file"
        else:
            self.train_data, self.eval_data, self.split = hold_out(self.train_data)

    def prepare(self) -> Prepared:
        """Read the data files named in the config, tokenize with self.tokenizer."""
        raise NotImplementedError

    def tokenizer_texts(self) -> Iterator[str]:
        """Raw text to train a new tokenizer on, when the model starts from scratch."""
        raise NotImplementedError

    def collate(self, features: list[dict], pad_multiple: int = 8) -> dict[str, Any]:
        """Pad features into a batch of torch tensors (model inputs plus labels)."""
        raise NotImplementedError

    # A task whose training batches cost real CPU time to make (pre-training masks each batch
    # afresh) says so: on a GPU the engine then makes them ahead, in worker processes.
    heavy_collate = False

    def train_collate(self, features: list[dict], seed: int) -> dict[str, Any]:
        """A training batch. `seed` is fixed by the run's seed and the batch's place in the run,
        so a task that draws at random (masking) draws the same in a worker process, on
        resume, and in a run made again."""
        return self.collate(features)

    # -- model --------------------------------------------------------------------------------
    def model_kwargs(self) -> dict:
        """Extra config fields for a new model (num_labels, id2label, ...)."""
        return {}

    def build_model(self, albert_config):
        import transformers

        cls = getattr(transformers, self.model_class_name)
        return cls(albert_config)

    def load_model(self, path: str):
        """A model from an existing folder; the task head is new when the folder's differs. The
        task's config fields are set on the folder's config (passed to from_pretrained, a field
        that config lacks, like qa_max_answer_length in a pre-trained model's, would reach the
        model class itself and fail)."""
        import transformers

        cls = getattr(transformers, self.model_class_name)
        config = transformers.AutoConfig.from_pretrained(path)
        for key, value in self.model_kwargs().items():  # num_labels before id2label: its order
            setattr(config, key, value)
        return cls.from_pretrained(
            path, config=config, use_safetensors=True, ignore_mismatched_sizes=True, attn_implementation="sdpa"
        )

    def training_module(self, model):
        """The module a training step calls with a batch (and that DDP wraps). By default the
        model itself; a task may wrap it to compute its loss more cheaply from the same weights."""
        return model

    def step_extra(self, outputs, batch: dict) -> dict[str, Any]:
        """Extra per-step values (0-d tensors, read only at log time) to report beside the loss."""
        return {}

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, model, batches: Callable[[list[dict]], Iterator[dict]], features: list[dict]) -> dict:
        """Run `model` over `features` (use `batches(features)` to get device batches) and return
        metrics, always including "loss"."""
        raise NotImplementedError

    def final_advice(self, metrics: dict) -> list[str]:
        """Warnings about a finished run's final metrics (shown in the log and the window)."""
        return []

    def card_lines(self) -> list[str]:
        """Task-specific lines for the model card."""
        return []

    def tuned_config(self, metrics: dict) -> dict:
        """What an evaluation tuned that predictions use (config.json fields), from the metrics of
        the model that is saved: the best evaluation's model keeps that evaluation's settings, not
        the last one's."""
        return {}


def nothing_learnt_hint(config: RunConfig, losses: Sequence[float] = ()) -> str:
    """What to change when a finished model has learnt nothing usable: train longer; and when
    its learning rate is above the one suggested for the model (`model_setup.lr_for`), that
    rate is the other suspect. Either can end so (a tiny NER model at 3e-3 tags every word O
    after 10 steps and learns at 1e-2; `medium` on SST-2 collapsed at 3e-4 after a whole
    epoch), so the advice names both and how to tell them apart: the training loss.

    `losses` are the training losses the run logged. When there are many and the loss never
    fell, the model never started to learn, which more of the same rarely mends: `tiny` on
    SST-2 at the suggested 1e-3 sat at 0.69 (a coin's loss) for a whole epoch on one seed of
    three (bench/pretrain_sst2.py). Another seed is the first thing to try then."""
    from ..model_setup import lr_for

    suggested, why = lr_for(config)
    if config.lr > suggested * 1.5:
        return (
            "Train it longer (more epochs or more data); if its training loss rose or swung widely instead, "
            f"its learning rate, {config.lr:g}, is likely too high: {suggested:g} is suggested for {why}"
        )
    if loss_never_fell(losses):
        return (
            f"Its training loss never fell ({losses[0]:.3f} at the first log, {_tail_mean(losses):.3f} at the end): it has not "
            f"started to learn. Train it again with another seed (or a learning rate below {config.lr:g}); "
            "training longer may get it going too, but more slowly"
        )
    return "Train it longer: more epochs or more data"


def loss_never_fell(losses: Sequence[float], min_logs: int = LOSS_LOGS_TO_JUDGE) -> bool:
    """Whether a run's logged training losses (at least `min_logs` of them) end, averaged over
    their last quarter, within 5% of the first: the model never got past its starting guess."""
    return len(losses) >= min_logs and _tail_mean(losses) >= 0.95 * losses[0]


def _tail_mean(losses: Sequence[float]) -> float:
    """The mean of the last quarter of the losses."""
    tail = losses[-max(1, len(losses) // 4) :]
    return sum(tail) / len(tail)


_REGISTRY: dict[str, str] = {
    "classification": "albert_core.tasks.classification:ClassificationTask",
    "qa": "albert_core.tasks.qa:QATask",
    "ner": "albert_core.tasks.ner:NERTask",
    "pretrain": "albert_core.tasks.pretrain:PretrainTask",
}

ARCHITECTURE_TASK = {
    "AlbertForSequenceClassification": "classification",
    "AlbertForQuestionAnswering": "qa",
    "AlbertForTokenClassification": "ner",
    "AlbertForPreTraining": "pretrain",
    "AlbertForMaskedLM": "pretrain",
}


def get_task(config: RunConfig) -> Task:
    import importlib

    target = _REGISTRY.get(config.task)
    if target is None:
        raise ValueError(f"unknown task {config.task!r}")
    mod, cls = target.split(":")
    return getattr(importlib.import_module(mod), cls)(config)
