"""Predictions from a saved model: the playground, `predict`, `evaluate`."""

from __future__ import annotations

import json
import time
from pathlib import Path

from .model_setup import resolve_init
from .runs import ConfigError
from .tasks.base import ARCHITECTURE_TASK


def model_task(model_dir: str | Path) -> str:
    """The task a saved model was trained for, read from its config.json."""
    cfg = Path(model_dir) / "config.json"
    try:
        archs = json.loads(cfg.read_text(encoding="utf-8")).get("architectures") or []
    except FileNotFoundError:
        raise ConfigError(f"{model_dir} is not a model folder (no config.json)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{cfg} is damaged ({e})") from None
    for a in archs:
        if a in ARCHITECTURE_TASK:
            return ARCHITECTURE_TASK[a]
    raise ConfigError(
        f"{model_dir} holds a {', '.join(archs) or 'model of unknown kind'}, not an ALBERT this app can use"
    )


class Predictor:
    """A loaded model and tokenizer for one task."""

    def __init__(self, model_dir: str, task: str, model, tokenizer):
        self.model_dir, self.task, self.model, self.tokenizer = model_dir, task, model, tokenizer
        from .tasks.limits import reading_length

        self.max_length = reading_length(model, tokenizer)  # as many pieces as it was trained to read
        self.labels = (
            [model.config.id2label[i] for i in range(model.config.num_labels)] if task == "classification" else []
        )
        # a classifier trained on text pairs (None: not known, a model saved elsewhere)
        self.text_pairs: bool | None = getattr(model.config, "text_pairs", None) if task == "classification" else None
        from .tasks.classification import is_multi_label

        # several labels per text: each label's probability is its own (a sigmoid, not a softmax)
        self.multi_label = task == "classification" and is_multi_label(model.config)
        self.label_separator = getattr(model.config, "label_separator", ",")  # as the training file joined them
        self.label_before = getattr(model.config, "label_before", "") or ""  # its labels: the part before this
        from .metrics import saved_thresholds

        # a multi-label classifier gives each label at its threshold or above: tuned in training, or 0.5
        self.thresholds = saved_thresholds(model.config, self.labels)

    def predict(self, text: str, context: str | None = None) -> dict:
        t0 = time.perf_counter()
        if self.task == "classification":
            out = self._classify(text, context)
        elif self.task == "qa":
            from .tasks.qa import predict_qa

            out = predict_qa(self.model, self.tokenizer, question=text, context=context or "")
        elif self.task == "ner":
            from .tasks.ner import predict_ner

            out = predict_ner(self.model, self.tokenizer, text)
        elif self.task == "pretrain":
            from .tasks.pretrain import predict_fill_mask

            out = predict_fill_mask(self.model, self.tokenizer, text)
        else:
            raise ConfigError(f"a {self.task} model cannot make predictions here; fine-tune it on a task first")
        out["latency_ms"] = (time.perf_counter() - t0) * 1000
        return out

    def _classify(self, text: str, pair: str | None = None) -> dict:
        """The answer for one text; `pieces` and `read` say so when the text is longer than the
        model reads (its first `read` pieces of `pieces` decide)."""
        pairs = [pair] if pair else None
        out = self.answer(self.probabilities([text], pairs)[0])
        read = self.second_texts(1, pairs)  # as the model read it
        pieces = len(self.tokenizer(text, read[0] if read else None, verbose=False)["input_ids"])
        if pieces > self.max_length:
            out["pieces"], out["read"] = pieces, self.max_length
        return out

    def _normalize(self, logits):
        """Probabilities from a batch of logits: softmax over the labels, or for a multi-label
        classifier each label's own sigmoid."""
        import torch

        return torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, -1)

    def answer(self, probs: list[float]) -> dict:
        """A classifier's answer from its label probabilities: the likeliest label; for a
        multi-label classifier every label at its threshold or above (`labels`, also joined in
        `label`; none is an answer too), with each label's threshold (`thresholds`)."""
        scores = dict(zip(self.labels, probs))
        if not self.multi_label:
            return {"label": max(scores, key=scores.get), "scores": scores}
        chosen = self.chosen(probs)
        thresholds = dict(zip(self.labels, self.thresholds))
        return {"label": ", ".join(chosen), "labels": chosen, "scores": scores, "thresholds": thresholds}

    def chosen(self, probs: list[float]) -> list[str]:
        """The labels a multi-label classifier gives: those at their threshold or above, likeliest first."""
        ranked = sorted(range(len(probs)), key=lambda i: -probs[i])
        return [self.labels[i] for i in ranked if probs[i] >= self.thresholds[i]]

    def second_texts(self, n: int, pairs: list[str] | None) -> list[str] | None:
        """The second texts of `n` texts as the model reads them: an empty one as training read it
        (" "), and for a model trained on pairs, " " where none is given at all."""
        if pairs is not None:
            return [p or " " for p in pairs]
        return [" "] * n if self.text_pairs else None

    def probabilities(self, texts: list[str], pairs: list[str] | None = None) -> list[list[float]]:
        """Each label's probability for one batch of texts (and second texts), on the model's device."""
        import torch

        pairs = self.second_texts(len(texts), pairs)
        enc = self.tokenizer(
            texts, pairs, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt"
        )
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            logits = self.model(**{k: v.to(device) for k, v in enc.items()}).logits.float()
        return self._normalize(logits).cpu().tolist()

    def classify_batch(self, texts: list[str], batch_size: int = 64) -> list[str]:
        """Each text's label (multi-label: its labels joined by ", ", as `predict` gives them)."""
        out = []
        for i in range(0, len(texts), batch_size):
            out += [self.answer(p)["label"] for p in self.probabilities(texts[i : i + batch_size])]
        return out


def _run_max_length(path: Path) -> int:
    """The maximum length of the run a model folder belongs to, 0 when it is not a run's."""
    from .runs import run_of
    from .tasks.limits import trained_length

    run = run_of(path)
    return trained_length(run) if run is not None else 0


def load_predictor(model_dir: str | Path, fast: bool = False, int8: bool = False) -> Predictor:
    """Load a model folder or a run folder (its model/) for predictions on the CPU or GPU.
    `fast`: classification, QA and NER through onnxruntime (model.onnx, exported once; PyTorch when that
    fails); `int8` also quantizes its weights (smaller, slightly less exact)."""
    import transformers

    from .tokenizer import load_tokenizer

    transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar in `predict`'s answer
    path = resolve_init(str(model_dir))
    task = model_task(path) if Path(path).is_dir() else "classification"
    cls_name = {
        "classification": "AlbertForSequenceClassification",
        "qa": "AlbertForQuestionAnswering",
        "ner": "AlbertForTokenClassification",
        "pretrain": "AlbertForPreTraining",
    }[task]
    try:
        model = getattr(transformers, cls_name).from_pretrained(path, use_safetensors=True, attn_implementation="sdpa")
    except (OSError, ValueError, TypeError, RuntimeError) as e:  # a folder whose files do not fit together
        why = str(e).splitlines()[0]
        if "ignore_mismatched_sizes" in why:
            why = "its weights do not have the shapes its config.json gives; the files do not belong together"
        raise ConfigError(f"cannot load {model_dir}: {why}") from None
    model.eval()
    tokenizer = load_tokenizer(path)
    trained = _run_max_length(Path(path))
    if trained and trained < tokenizer.model_max_length:  # a run saved before its tokenizer kept it
        tokenizer.model_max_length = trained
    predictor = Predictor(str(path), task, model, tokenizer)
    if fast or int8:
        from .fast_predict import accelerate

        return accelerate(predictor, int8=int8)
    return predictor
