"""Evaluate a saved model on a data file with the same task code that trained it."""

from __future__ import annotations

from pathlib import Path

from .batching import eval_batches
from .data.problems import DataError, Problem
from .metrics import MULTI_LABEL_THRESHOLD
from .predict import load_predictor
from .qa_features import saved_windowing
from .runs import ConfigError, RunConfig, a_model_of, load_config
from .tasks.base import get_task


def evaluate_model(model_dir: str, data_file: str = "", batch_size: int = 64, columns: dict | None = None) -> dict:
    """The model's metrics on `data_file` (a classification file's `columns` may be named: text,
    text_pair, label, or a list of 0/1 label columns); without one, a run folder's model is scored
    on that run's own validation set (its validation file, or the same held-out share of its
    training file: the split depends only on the run's seed)."""
    import torch

    pred = load_predictor(model_dir)
    if data_file:
        config = RunConfig(
            task=pred.task,
            train_file=data_file,
            eval_file=data_file,
            init=pred.model_dir,
            max_length=pred.max_length,  # as the model reads: no more pieces than it was trained on
            multi_label=pred.multi_label,
            label_separator=pred.label_separator,
            label_before=pred.label_before,
            columns={**_label_columns(pred, data_file), **(columns or {})},
            options=saved_windowing(pred.model.config) if pred.task == "qa" else {},  # windows as trained
        )
    elif (Path(model_dir) / "run.json").exists():
        config = load_config(model_dir)
        config.max_length = min(config.max_length, pred.max_length)
    else:
        raise ConfigError(f"{model_dir} is a model folder, not a run: name a data file to evaluate it on (--data)")
    task = get_task(config)
    task.tokenizer = pred.tokenizer
    try:
        task.load_data()
    except DataError as e:  # a file of another task's data: its advice is for training ("--task ner")
        if not data_file or not any("--task" in p.message for p in e.problems):
            raise
        raise DataError([
            Problem(p.file, p.line, p.message.split(": ", 1)[0] + f": {a_model_of(pred.task)} is not scored on it; "
                    "evaluate a model trained for that task") if "--task" in p.message else p
            for p in e.problems
        ]) from None  # fmt: skip
    if pred.task == "classification":
        known = set(pred.labels)
        data = task.eval_data
        unknown = sorted(data.all_labels() - known)
        if unknown:
            raise DataError(
                f"has labels the model does not know: {', '.join(unknown[:10])} (the model knows {', '.join(pred.labels)})",
                data_file or config.eval_file or config.train_file,
            )
        task.labels = pred.labels
        task.thresholds = pred.thresholds if pred.multi_label else None  # as its predictions decide
    # another file: a QA model's exact and F1 at the no-answer threshold its predictions use (best_ at the one
    # tuned on the file); the run's own set is scored as the run scored it (best_f1 at the threshold tuned on it)
    if pred.task == "qa" and data_file:
        task.fixed_threshold = getattr(pred.model.config, "qa_null_threshold", None)
    prepared = task.prepare()
    features = prepared.eval
    if not features:
        raise DataError(
            "holds no example to score the model on: name a file with some (--data)",
            data_file or config.eval_file or config.train_file,
        )
    model = pred.model

    def batches(feats):
        lengths = [len(f["input_ids"]) for f in feats]
        for idx in eval_batches(lengths, batch_size):
            yield idx, task.collate([feats[i] for i in idx])

    with torch.inference_mode():
        metrics = task.evaluate(model, batches, features)
    # questions for QA and sentences for NER, not the windows long ones were cut into
    info = prepared.info
    metrics["examples"] = info.get("eval_questions", info.get("eval_sentences", len(features)))
    if data_file:  # rows of the file left out, each named (a run's own set: its run said so)
        metrics["problems"] = list(getattr(task, "warnings", []))
    tuned = pred.multi_label and any(t != MULTI_LABEL_THRESHOLD for t in pred.thresholds)
    if not data_file:
        split = getattr(task, "split", "")
        split = "its validation file" if split in ("", "file") else split
        metrics["data"] = f"the run's validation set ({split})" + (
            ", where the labels' thresholds were tuned: scores on it flatter the model" if tuned else ""
        )
    if pred.task == "classification":
        from .metrics import scores_by_label

        metrics["labels"] = list(pred.labels)
        metrics["per_label"] = scores_by_label(metrics, pred.labels)
        if pred.multi_label:
            metrics["thresholds"] = list(pred.thresholds)
            for row, t in zip(metrics["per_label"], pred.thresholds, strict=True):
                row["threshold"] = t
    return metrics


def _label_columns(pred, data_file: str) -> dict:
    """The file's 0/1 columns named as the model's labels, when it has them (other 0/1 columns are not
    labels of this model; a single-label model reads two or more of them one-hot); otherwise nothing
    named: the columns are guessed."""
    if pred.task != "classification":
        return {}
    from .data.classification import is_indicator
    from .data.table import read_table

    table = read_table(data_file)
    flags = [n for n in table.header if n in pred.labels and is_indicator(table, n)]
    return {"label": flags} if len(flags) >= (1 if pred.multi_label else 2) else {}
