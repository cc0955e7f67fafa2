"""Sequence classification: one text or a text pair → a label (sentiment, spam, topic…), or, for a
multi-label classifier, → any number of labels (the topics of an article, the tags of a question):
one independent yes/no per label (transformers' `problem_type="multi_label_classification"`, a
sigmoid and binary cross-entropy per label), so the saved model loads in plain transformers and its
pipeline gives each label's probability."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..data.classification import (
    ClassificationData,
    check_eval_labels,
    label_order,
    random_split,
    read_classification,
    stratified_split,
    unscored_reason,
)
from ..data.problems import DataError
from ..metrics import MULTI_LABEL_THRESHOLD, classification_metrics, multilabel_metrics, tuned_metrics
from ..runs import main_metric
from .base import Prepared, Task, nothing_learnt_hint, pad_sequences


class ClassificationTask(Task):
    name = "classification"
    metric = "accuracy"
    model_class_name = "AlbertForSequenceClassification"

    def __init__(self, config):
        super().__init__(config)
        self.multi_label = bool(config.multi_label)
        self.metric = main_metric(config)  # micro F1 for several labels per text: one rule, in runs

    def load_data(self) -> None:
        c = self.config

        def hold_out(data: ClassificationData):
            if self.multi_label:
                tr, va = random_split(len(data), c.val_fraction, c.seed)
                how = "at random"
            else:
                tr, va, how = *stratified_split(data.labels, c.val_fraction, c.seed), "stratified"
            return data.subset(tr), data.subset(va), f"{c.val_fraction:.0%} of the training file, {how}, seed {c.seed}"

        def read(path: str) -> ClassificationData:
            return read_classification(
                path,
                columns=c.columns or None,
                multi_label=self.multi_label,
                separator=c.label_separator,
                before=c.label_before,
            )

        self.read_train_and_eval(read, hold_out)
        if self.split == "file":
            unknown = check_eval_labels(self.train_data, self.eval_data)
            reason = unscored_reason(self.train_data.all_labels(), self.eval_data.row_labels())
            if reason:
                raise DataError(
                    f"{reason}: choose the validation file that goes with this training file, or hold out a share "
                    "of the training file",
                    self.eval_data.path,
                )
            self.warnings += [str(p) + "; the row is left out of evaluation" for p in unknown]
            bad = {p.line for p in unknown}
            keep = [i for i, line in enumerate(self.eval_data.lines) if line not in bad]
            self.eval_data = self.eval_data.subset(keep)
        self.labels = label_order(self.train_data.all_labels())

    def tokenizer_texts(self) -> Iterator[str]:
        yield from self.train_data.texts
        if self.train_data.pairs:
            yield from self.train_data.pairs

    def model_kwargs(self) -> dict:
        if len(self.labels) < 2 and not self.multi_label:  # training; a file of one label is fine to score
            raise DataError(
                f"every row has the label {self.labels[0]!r}; a classifier learns to tell at least two labels "
                "apart: add rows of another label, or choose the label column",
                self.train_data.path,
            )
        return {
            "num_labels": len(self.labels),
            "id2label": dict(enumerate(self.labels)),
            "label2id": {y: i for i, y in enumerate(self.labels)},
            # whether it reads a second text: the playground shows that box, files give that column
            "text_pairs": self.train_data.pairs is not None,
            # None rather than absent: a single-label model fine-tuned from a multi-label one is single-label
            "problem_type": MULTI_LABEL_PROBLEM if self.multi_label else None,
            # what joined its labels in the training file: a test file written alike is read alike
            **({"label_separator": self.config.label_separator} if self.multi_label else {}),
            # the file's labels were cut at this mark: a file read to compare with the model is cut so too
            **({"label_before": self.config.label_before} if self.config.label_before else {}),
            # each label's own threshold: tuned at each evaluation (none yet, nor from a model it starts from)
            "label_thresholds": None,
        }

    def _features(self, data: ClassificationData) -> list[dict]:
        if not data.texts:
            return []  # a split too small to hold out a validation example
        index = {y: i for i, y in enumerate(self.labels)}
        if self.multi_label:
            targets = [[1.0 if y in row else 0.0 for y in self.labels] for row in data.label_sets]
        else:
            targets = [index[y] for y in data.labels]
        enc = self.tokenizer(
            data.texts,
            data.pairs,
            truncation=True,
            max_length=self.config.max_length,
            return_token_type_ids=True,
            return_attention_mask=False,
        )
        return [
            {"input_ids": ids, "token_type_ids": tt, "labels": y}
            for ids, tt, y in zip(enc["input_ids"], enc["token_type_ids"], targets)
        ]

    def prepare(self) -> Prepared:
        train, evaluation = self._features(self.train_data), self._features(self.eval_data)
        if not evaluation:
            self.warnings.append(
                f"no validation example: {len(self.train_data)} training rows are too few to hold some out; the "
                "run cannot be evaluated (add rows, or give a validation file)"
            )
        counts = self.train_data.label_counts()
        info = {
            "labels": self.labels,
            "multi_label": self.multi_label,
            "label_counts": {y: counts[y] for y in self.labels},
            # the columns read (found by themselves when not named), for the user to check
            "columns": {k: v for k, v in self.train_data.columns.items() if v},
            "split": self.split,
            "train_file": self.config.train_file,
            "eval_file": self.config.eval_file,
        }
        return Prepared(train, evaluation, info, self.warnings)

    def collate(self, features: list[dict], pad_multiple: int = 8) -> dict[str, Any]:
        import torch

        fill = {"input_ids": self.tokenizer.pad_token_id, "token_type_ids": 0}
        batch = pad_sequences(features, fill, pad_multiple)
        # multi-label: a row of 0/1 per text, as float (what BCEWithLogitsLoss takes)
        dtype = torch.float32 if self.multi_label else torch.long
        batch["labels"] = torch.tensor([f["labels"] for f in features], dtype=dtype)
        return batch

    # multi-label: each label's threshold to score at (`evaluate` sets the model's own); None: tuned
    thresholds: list[float] | None = None

    def evaluate(self, model, batches, features: list[dict]) -> dict:
        total, n = 0.0, 0
        y_true, y_pred = [], []
        for idx, batch in batches(features):
            out = model(**batch)
            total += float(out.loss) * len(idx)
            n += len(idx)
            if self.multi_label:
                y_pred += out.logits.float().sigmoid().tolist()  # probabilities, decided below
                y_true += batch["labels"].int().tolist()
            else:
                y_pred += out.logits.argmax(-1).tolist()
                y_true += batch["labels"].tolist()
        if not self.multi_label:
            return {"loss": total / max(1, n), **classification_metrics(y_true, y_pred, len(self.labels))}
        at = self.thresholds or [MULTI_LABEL_THRESHOLD] * len(self.labels)
        metrics = multilabel_metrics(y_true, [[int(p >= t) for p, t in zip(row, at)] for row in y_pred])
        if self.thresholds is None and self.config.options.get("tune_thresholds", True) and len(y_true) >= 20:
            # each label's threshold, kept when it beats 0.5 (by TUNING_GAIN) on rows it was not tuned on; the scores are
            # then those of the decisions predictions will make, measured so (`tuned_metrics`)
            tuned = tuned_metrics(y_true, y_pred)
            untuned = metrics["micro_f1"]
            if tuned["micro_f1"] >= untuned + TUNING_GAIN:
                metrics = tuned
            else:
                metrics["thresholds"] = at
            metrics["micro_f1_untuned"] = untuned  # every label at 0.5
            model.config.update(self.tuned_config(metrics))  # a checkpoint serves with them too
        return {"loss": total / max(1, n), **metrics}

    def tuned_config(self, metrics: dict) -> dict:
        """Each label's threshold, when tuning beat 0.5 on held-out halves (else None: 0.5 for all)."""
        if not self.multi_label or "thresholds" not in metrics:
            return {}
        at = metrics["thresholds"]
        tuned = any(t != MULTI_LABEL_THRESHOLD for t in at)
        self.tuned = at if tuned else None  # for the model card
        return {"label_thresholds": dict(zip(self.labels, at, strict=True)) if tuned else None}

    def final_advice(self, metrics: dict) -> list[str]:
        if self.multi_label:
            advice = no_label_advice(metrics.get("outcomes"), self.labels, self.config, self.logged_losses)
        else:
            advice = one_answer_advice(metrics.get("confusion"), self.labels, self.config, self.logged_losses)
        return [advice] if advice else []

    def card_lines(self) -> list[str]:
        kind = ""
        if self.multi_label:
            tuned = getattr(self, "tuned", None)
            at = (
                "at its own probability threshold, tuned on the validation set for F1 (config.json's "
                "label_thresholds: " + ", ".join(f"{y} {t:.2f}" for y, t in zip(self.labels, tuned, strict=True)) + ")"
                if tuned
                else "at probability 0.5"
            )
            kind = f" (several per text: each label is a yes/no of its own, given {at})"
        return [f"Labels{kind}: {', '.join(self.labels)}", f"Validation: {self.split}"]


# tuned thresholds are kept when they gain this much micro F1 on rows they were not tuned on: on CoNLL's
# entity types (3,250 validation texts, a well-trained model) they gained 0.0001 and cost macro F1 0.0015
TUNING_GAIN = 0.005

MULTI_LABEL_PROBLEM = "multi_label_classification"  # transformers' config.problem_type


def is_multi_label(config) -> bool:
    """Whether a model's config (transformers') is a multi-label classifier's."""
    return getattr(config, "problem_type", None) == MULTI_LABEL_PROBLEM


def classification_loss(logits, labels):
    """A classifier's loss as transformers computes it: cross-entropy for one label per text
    (labels are class numbers), binary cross-entropy per label for several (rows of 0/1)."""
    import torch.nn.functional as F

    if labels.is_floating_point():
        return F.binary_cross_entropy_with_logits(logits.float(), labels.float())
    return F.cross_entropy(logits.float(), labels)


def no_label_advice(outcomes: list[list[int]] | None, labels: list[str], config, losses=()) -> str:
    """A warning when a finished multi-label classifier never gives some label that validation
    texts have: its probability stays under 0.5 for every text, which is where such a model
    starts (most labels are absent from most texts), so it has not learnt that label. A tiny
    model can learn one label and stay stuck on the others for a whole run (one seed in four on
    the tests' topics)."""
    if not outcomes:
        return ""
    never = [(y, tp + fn) for y, (tp, fp, fn) in zip(labels, outcomes, strict=True) if tp + fp == 0 and tp + fn >= 5]
    if not never:
        return ""
    if len(never) == len(labels):
        what = "the model gives no label to any validation text: every probability stays under its label's threshold"
    else:
        names = ", ".join(f"'{y}' ({n} texts)" for y, n in never)
        what = f"the model never gives {names}, though validation texts have {'it' if len(never) == 1 else 'them'}"
    return f"{what}, so it has not learnt {'them' if len(never) > 1 else 'it'} yet. " + nothing_learnt_hint(
        config, losses
    )


def one_answer_advice(confusion: list[list[int]] | None, labels: list[str], config, losses=()) -> str:
    """A warning when the finished model gives one label to every validation example although
    they hold several: it learnt nothing usable, and its accuracy is only that label's share.
    Either it trained too little, or its learning rate is too high for its width (on SST-2,
    `medium` from new weights at 3e-4 ended so on one seed of three: 50.9%,
    bench/pretrain_sst2.py); the advice names the rate suggested for the model when the run's is
    above it, and another seed when the run's logged `losses` never fell."""
    if not confusion:
        return ""
    predicted = [sum(row[j] for row in confusion) for j in range(len(confusion))]
    present = sum(1 for row in confusion if sum(row))
    total = sum(predicted)
    if total < 10 or present < 2 or sum(1 for n in predicted if n) != 1:
        return ""
    only = next(j for j, n in enumerate(predicted) if n)
    return (
        f"the model answers '{labels[only]}' for all {total} validation examples, so its accuracy "
        f"({confusion[only][only] / total:.1%}) is only that label's share: it has learnt nothing usable yet. "
    ) + nothing_learnt_hint(config, losses)
