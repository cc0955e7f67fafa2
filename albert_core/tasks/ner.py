"""Named-entity recognition: a label per word (IOB2), scored per entity as seqeval does.

Settings (RunConfig.options): tag_column (which CoNLL column holds the tags, counted from 0;
negative counts from the end; default -1, the last).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..data.conll import NERData, label_list, read_ner
from ..metrics_ner import entities, entity_scores
from ..ner_align import IGNORE, ner_features, predict_ner, top_labels, word_predictions  # noqa: F401 - predict_ner re-exported
from ..runs import ConfigError
from .base import Prepared, Task, nothing_learnt_hint, pad_sequences
from .limits import model_max_positions


class NERTask(Task):
    name = "ner"
    metric = "f1"
    model_class_name = "AlbertForTokenClassification"

    # -- data ---------------------------------------------------------------------------------
    def load_data(self) -> None:
        c = self.config
        try:
            tag_column = int((c.options or {}).get("tag_column", -1))
        except (TypeError, ValueError):
            raise ConfigError("tag_column must be a whole number (the column index, -1 for the last)") from None

        def hold_out(data):
            idx = list(range(len(data)))
            random.Random(c.seed).shuffle(idx)
            n_val = min(max(1, round(len(idx) * c.val_fraction)), len(idx) - 1) if len(idx) > 1 else 0
            split = f"{c.val_fraction:.0%} of the training sentences, seed {c.seed}"
            return data.subset(sorted(idx[n_val:])), data.subset(sorted(idx[:n_val]) or idx), split

        self.read_train_and_eval(lambda path: read_ner(path, tag_column), hold_out)
        self.labels = self._label_set()
        unknown = sorted({t for ts in self.eval_data.tags for t in ts} - set(self.labels))
        if unknown:
            self.warnings.append(
                f"{self.eval_data.path}: the tags {', '.join(unknown[:10])} never appear in the training data; "
                "the model cannot predict them, so those entities count as missed"
            )
        self.max_length = min(c.max_length, model_max_positions(c))

    def _label_set(self) -> list[str]:
        """The data's labels; when starting from a token classification model, its labels come
        first in its own order (so its head keeps working) and new ones are added after."""
        types = sorted(set(self.train_data.types))
        own = label_list(types)
        if self.config.init:
            from ..model_setup import resolve_init

            cfg = Path(resolve_init(self.config.init)) / "config.json"
            try:
                d = json.loads(cfg.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return own
            if "AlbertForTokenClassification" in (d.get("architectures") or []) and d.get("id2label"):
                theirs = [d["id2label"][str(i)] for i in range(len(d["id2label"]))]
                return theirs + [y for y in own if y not in theirs]
        return own

    def tokenizer_texts(self) -> Iterator[str]:
        for words in self.train_data.sentences:
            yield " ".join(words)

    def model_kwargs(self) -> dict:
        return {
            "num_labels": len(self.labels),
            "id2label": dict(enumerate(self.labels)),
            "label2id": {y: i for i, y in enumerate(self.labels)},
        }

    def _features(self, data: NERData) -> list[dict]:
        index = {y: i for i, y in enumerate(self.labels)}
        ids = [[index.get(t, IGNORE) for t in ts] for ts in data.tags]
        return ner_features(self.tokenizer, data.sentences, ids, self.max_length)

    def prepare(self) -> Prepared:
        train, evaluation = self._features(self.train_data), self._features(self.eval_data)
        info = {
            "labels": self.labels,
            "entity_types": sorted({y[2:] for y in self.labels if y != "O"}),
            "scheme": self.train_data.scheme,
            "train_sentences": len(self.train_data),
            "eval_sentences": len(self.eval_data),
            "split": self.split,
            "train_file": self.config.train_file,
            "eval_file": self.config.eval_file,
        }
        return Prepared(train, evaluation, info, self.warnings)

    def collate(self, features: list[dict], pad_multiple: int = 8) -> dict[str, Any]:
        fill = {"input_ids": self.tokenizer.pad_token_id or 0, "labels": IGNORE}
        return pad_sequences(features, fill, pad_multiple)

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, model, batches, features: list[dict]) -> dict:
        import torch

        total, n = 0.0, 0
        rows: dict[int, list] = {}
        for idx, batch in batches(features):
            labels = batch.pop("labels", None)
            out = model(**batch)
            logits = out.logits.float()
            if labels is not None:
                # labels the model's head does not have (an evaluation-only type) are ignored
                labels = labels.masked_fill(labels >= logits.shape[-1], IGNORE)
                loss = torch.nn.functional.cross_entropy(
                    logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=IGNORE, reduction="sum"
                )
                total += float(loss)
                n += int((labels != IGNORE).sum())
            for i, top in zip(idx, top_labels(logits, [len(features[i]["input_ids"]) for i in idx]), strict=True):
                rows[i] = top
        order = sorted(rows)
        data = self.eval_data
        preds = word_predictions(
            [features[i] for i in order], [rows[i] for i in order], [len(s) for s in data.sentences]
        )
        id2label = model.config.id2label
        from ..data.conll import to_iob2

        pred_tags = [to_iob2([id2label[k] for k, _ in sent], "IOB2") for sent in preds]
        m = entity_scores(data.tags, pred_tags)
        self.found = (sum(len(entities(t)) for t in pred_tags), sum(len(entities(t)) for t in data.tags))
        per_type = m.pop("per_type")
        self.per_type = per_type
        for typ, v in per_type.items():
            m[f"f1_{typ}"] = v["f1"]
        return {"loss": total / max(1, n), **m}

    def final_advice(self, metrics: dict) -> list[str]:
        """A model that finds no entity at all in validation text that holds some has learnt
        nothing usable (a new model's first steps tag every word O)."""
        found, gold = getattr(self, "found", (1, 0))
        if found or not gold:
            return []
        return [
            f"the model finds no entity in the {_count(len(self.eval_data.sentences), 'validation sentence')}, "
            f"which hold{'s' if len(self.eval_data.sentences) == 1 else ''} {gold}: it tags every word O and has learnt nothing usable yet. "
            + nothing_learnt_hint(self.config, self.logged_losses)
        ]

    def card_lines(self) -> list[str]:
        lines = [
            f"Labels: {', '.join(self.labels)} (IOB2; the training file used {self.train_data.scheme})",
            f"Validation: {self.split}",
        ]
        for typ, v in sorted(getattr(self, "per_type", {}).items()):
            lines.append(
                f"{typ}: precision {v['precision']:.3f}, recall {v['recall']:.3f}, F1 {v['f1']:.3f} ({v['support']} entities)"
            )
        return lines


def _count(n: int, noun: str) -> str:
    """ "1 validation sentence", "7 validation sentences"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
