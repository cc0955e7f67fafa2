"""Sequence classification: one text or a text pair → a label (sentiment, spam, topic…)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..data.classification import (
    ClassificationData,
    check_eval_labels,
    label_order,
    read_classification,
    stratified_split,
)
from ..metrics import classification_metrics
from .base import Prepared, Task, nothing_learnt_hint, pad_sequences


class ClassificationTask(Task):
    name = "classification"
    metric = "accuracy"
    model_class_name = "AlbertForSequenceClassification"

    def load_data(self) -> None:
        c = self.config

        def hold_out(data: ClassificationData):
            tr, va = stratified_split(data.labels, c.val_fraction, c.seed)
            return (
                data.subset(tr),
                data.subset(va),
                f"{c.val_fraction:.0%} of the training file, stratified, seed {c.seed}",
            )

        self.read_train_and_eval(lambda path: read_classification(path, columns=c.columns or None), hold_out)
        if self.split == "file":
            unknown = check_eval_labels(self.train_data, self.eval_data)
            self.warnings += [str(p) + "; the row is left out of evaluation" for p in unknown]
            bad = {p.line for p in unknown}
            keep = [i for i, line in enumerate(self.eval_data.lines) if line not in bad]
            self.eval_data = self.eval_data.subset(keep)
        self.labels = label_order(self.train_data.labels)

    def tokenizer_texts(self) -> Iterator[str]:
        yield from self.train_data.texts
        if self.train_data.pairs:
            yield from self.train_data.pairs

    def model_kwargs(self) -> dict:
        return {
            "num_labels": len(self.labels),
            "id2label": dict(enumerate(self.labels)),
            "label2id": {y: i for i, y in enumerate(self.labels)},
            # whether it reads a second text: the playground shows that box, files give that column
            "text_pairs": self.train_data.pairs is not None,
        }

    def _features(self, data: ClassificationData) -> list[dict]:
        if not data.texts:
            return []  # a split too small to hold out a validation example
        index = {y: i for i, y in enumerate(self.labels)}
        enc = self.tokenizer(
            data.texts,
            data.pairs,
            truncation=True,
            max_length=self.config.max_length,
            return_token_type_ids=True,
            return_attention_mask=False,
        )
        return [
            {"input_ids": ids, "token_type_ids": tt, "labels": index[y]}
            for ids, tt, y in zip(enc["input_ids"], enc["token_type_ids"], data.labels)
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
            "label_counts": {y: counts[y] for y in self.labels},
            "split": self.split,
            "train_file": self.config.train_file,
            "eval_file": self.config.eval_file,
        }
        return Prepared(train, evaluation, info, self.warnings)

    def collate(self, features: list[dict], pad_multiple: int = 8) -> dict[str, Any]:
        import torch

        fill = {"input_ids": self.tokenizer.pad_token_id, "token_type_ids": 0}
        batch = pad_sequences(features, fill, pad_multiple)
        batch["labels"] = torch.tensor([f["labels"] for f in features], dtype=torch.long)
        return batch

    def evaluate(self, model, batches, features: list[dict]) -> dict:
        total, n = 0.0, 0
        y_true, y_pred = [], []
        for idx, batch in batches(features):
            out = model(**batch)
            total += float(out.loss) * len(idx)
            n += len(idx)
            y_pred += out.logits.argmax(-1).tolist()
            y_true += batch["labels"].tolist()
        metrics = classification_metrics(y_true, y_pred, len(self.labels))
        return {"loss": total / max(1, n), **metrics}

    def final_advice(self, metrics: dict) -> list[str]:
        advice = one_answer_advice(metrics.get("confusion"), self.labels, self.config, self.logged_losses)
        return [advice] if advice else []

    def card_lines(self) -> list[str]:
        return [f"Labels: {', '.join(self.labels)}", f"Validation: {self.split}"]


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
