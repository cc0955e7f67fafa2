"""Extractive question answering: a question and a context → the answer's span in the context.

Settings (RunConfig.options): doc_stride (tokens shared by consecutive windows of a long
context, default 128, capped at half the room a window has), max_answer_length (pieces,
default 30), max_query_length (pieces, default 64), n_best (default 20).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..data.squad import QAData, read_squad
from ..metrics_qa import squad_scores
from ..qa_decode import DEFAULT_N_BEST, decode_windows, predict_qa  # noqa: F401 - predict_qa is used via this module
from ..qa_features import (
    DEFAULT_DOC_STRIDE,
    DEFAULT_MAX_ANSWER_LENGTH,
    DEFAULT_MAX_QUERY_LENGTH,
    SAVED_WINDOWING,
    QAWindowing,
    qa_features,
)
from ..runs import WHOLE_OPTIONS, ConfigError
from .base import Prepared, Task, pad_sequences
from .limits import model_max_positions


class QATask(Task):
    name = "qa"
    metric = "f1"
    model_class_name = "AlbertForQuestionAnswering"
    # a saved model's no-answer threshold (evaluate): exact and F1 are the scores of its own answers
    fixed_threshold: float | None = None

    # -- data ---------------------------------------------------------------------------------
    def load_data(self) -> None:
        c = self.config
        self.read_train_and_eval(read_squad, lambda data: split_by_passage(data, c.val_fraction, c.seed))
        opts = c.options or {}
        try:
            self.doc_stride = int(opts.get("doc_stride", DEFAULT_DOC_STRIDE))
            self.max_answer_length = int(opts.get("max_answer_length", DEFAULT_MAX_ANSWER_LENGTH))
            self.max_query_length = int(opts.get("max_query_length", DEFAULT_MAX_QUERY_LENGTH))
            self.n_best = int(opts.get("n_best", DEFAULT_N_BEST))
        except (TypeError, ValueError) as e:
            raise ConfigError(f"a question answering option is not a whole number ({e})") from None
        for key, least in WHOLE_OPTIONS["qa"]:  # (RunConfig.validate says it first, for a run being made)
            if getattr(self, key) < least:
                raise ConfigError(f"{key} must be a whole number of {least} or more (got {getattr(self, key)})")
        self.max_length = min(c.max_length, model_max_positions(c))

    def tokenizer_texts(self) -> Iterator[str]:
        yield from (e.question for e in self.train_data.examples)
        yield from dict.fromkeys(e.context for e in self.train_data.examples)

    def model_kwargs(self) -> dict:
        # the windows it is trained on, so that its predictions cut a passage alike
        return {key: getattr(self, option) for option, key in SAVED_WINDOWING.items()}

    def _windowing(self) -> QAWindowing:
        return QAWindowing(self.max_length, self.doc_stride, self.max_query_length)

    def prepare(self) -> Prepared:
        w = self._windowing()
        train = qa_features(self.tokenizer, self.train_data.examples, w)
        evaluation = qa_features(self.tokenizer, self.eval_data.examples, w)
        info = {
            "train_questions": len(self.train_data),
            "eval_questions": len(self.eval_data),
            "train_windows": len(train),
            "eval_windows": len(evaluation),
            "unanswerable": sum(not e.answers for e in self.eval_data.examples),
            "squad_version": "2.0" if self.train_data.has_unanswerable or self.eval_data.has_unanswerable else "1.1",
            "split": self.split,
            "max_length": self.max_length,
            "doc_stride": self.doc_stride,
            "max_answer_length": self.max_answer_length,
            "train_file": self.config.train_file,
            "eval_file": self.config.eval_file,
        }
        return Prepared(train, evaluation, info, self.warnings)

    def collate(self, features: list[dict], pad_multiple: int = 8) -> dict[str, Any]:
        import torch

        fill = {"input_ids": self.tokenizer.pad_token_id or 0, "token_type_ids": 0}
        batch = pad_sequences(features, fill, pad_multiple)
        if "start_positions" in features[0]:
            batch["start_positions"] = torch.tensor([f["start_positions"] for f in features], dtype=torch.long)
            batch["end_positions"] = torch.tensor([f["end_positions"] for f in features], dtype=torch.long)
        return batch

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, model, batches, features: list[dict]) -> dict:
        total, n = 0.0, 0
        logits: dict[int, tuple[list[float], list[float]]] = {}
        for idx, batch in batches(features):
            out = model(**batch)
            if out.loss is not None:
                total += float(out.loss) * len(idx)
                n += len(idx)
            starts = out.start_logits.float().cpu().tolist()
            ends = out.end_logits.float().cpu().tolist()
            for j, i in enumerate(idx):
                k = len(features[i]["input_ids"])
                logits[i] = (starts[j][:k], ends[j][:k])
        metrics, self.threshold = self.score(features, logits)
        if self.threshold is not None:
            model.config.qa_null_threshold = self.threshold  # saved with the model; predictions use it
        return {"loss": total / max(1, n), **metrics}

    def score(self, features: list[dict], logits: dict) -> tuple[dict, float | None]:
        """SQuAD metrics of the decoded answers, and the tuned no-answer threshold (v2.0 data)."""
        by_example: dict[int, list[tuple]] = defaultdict(list)
        for i, f in enumerate(features):
            if i in logits:
                by_example[f["example"]].append((*logits[i], f["offsets"]))
        examples = self.eval_data.examples
        predictions, diffs = {}, {}
        for k, windows in by_example.items():
            dec = decode_windows(windows, examples[k].context, self.n_best, self.max_answer_length)
            predictions[examples[k].id] = dec.best_text
            diffs[examples[k].id] = dec.null_score_diff
        refs = {e.id: e.answer_texts for e in examples}
        v2 = any(not a for a in refs.values())
        m = squad_scores(predictions, refs, diffs if v2 else None, threshold=self.fixed_threshold)
        if self.fixed_threshold is not None:
            return m, self.fixed_threshold
        return m, (m["best_f1_threshold"] if v2 else None)

    def tuned_config(self, metrics: dict) -> dict:
        threshold = metrics.get("best_f1_threshold")
        return {"qa_null_threshold": threshold} if threshold is not None else {}

    def card_lines(self) -> list[str]:
        lines = [
            f"Windows: {self.max_length} pieces, up to {self.doc_stride} shared between neighbours (at most half "
            "a window's context); "
            f"answers up to {self.max_answer_length} pieces",
            f"Validation: {self.split}",
        ]
        if getattr(self, "threshold", None) is not None:
            lines.append(f"No-answer threshold (null score difference, tuned for F1): {self.threshold:.3f}")
        return lines


def split_by_passage(data: QAData, fraction: float, seed: int) -> tuple[QAData, QAData, str]:
    """Hold out whole articles (or passages, when there are no titles) so that no passage is
    seen in both training and validation."""
    by_title = len({e.title for e in data.examples}) > 1
    key = (lambda e: e.title) if by_title else (lambda e: e.context)
    groups = list(dict.fromkeys(key(e) for e in data.examples))
    random.Random(seed).shuffle(groups)
    n_val = min(max(1, round(len(groups) * fraction)), len(groups) - 1) if len(groups) > 1 else 0
    held = set(groups[:n_val])
    tr = [e for e in data.examples if key(e) not in held]
    va = [e for e in data.examples if key(e) in held]
    if not va:  # a single passage: split its questions instead
        qs = list(data.examples)
        random.Random(seed).shuffle(qs)
        cut = max(1, round(len(qs) * fraction)) if len(qs) > 1 else 0
        va, tr = qs[:cut], qs[cut:] or qs
    unit = "articles" if by_title else "passages"
    desc = f"{fraction:.0%} of the training file's {unit} held out, seed {seed}"
    return QAData(data.path, data.format, tr), QAData(data.path, data.format, va), desc
