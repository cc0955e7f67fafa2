"""Evaluate a saved model on a data file with the same task code that trained it."""

from __future__ import annotations

from .batching import eval_batches
from .data.problems import DataError
from .predict import load_predictor
from .runs import RunConfig
from .tasks.base import get_task


def evaluate_model(model_dir: str, data_file: str, batch_size: int = 64) -> dict:
    import torch

    pred = load_predictor(model_dir)
    config = RunConfig(
        task=pred.task, train_file=data_file, eval_file=data_file, init=pred.model_dir, max_length=pred.max_length
    )
    task = get_task(config)
    task.tokenizer = pred.tokenizer
    task.load_data()
    if pred.task == "classification":
        known = set(pred.labels)
        data = task.eval_data
        unknown = sorted({y for y in data.labels if y not in known})
        if unknown:
            raise DataError(
                f"has labels the model does not know: {', '.join(unknown[:10])} (the model knows {', '.join(pred.labels)})",
                data_file,
            )
        task.labels = pred.labels
    features = task.prepare().eval
    model = pred.model

    def batches(feats):
        lengths = [len(f["input_ids"]) for f in feats]
        for idx in eval_batches(lengths, batch_size):
            yield idx, task.collate([feats[i] for i in idx])

    with torch.inference_mode():
        metrics = task.evaluate(model, batches, features)
    metrics["examples"] = len(features)
    if pred.task == "classification":
        from .metrics import label_scores

        metrics["labels"] = list(pred.labels)
        metrics["per_label"] = label_scores(metrics["confusion"], pred.labels)
    return metrics
