"""The final model folder: a standard Hugging Face folder with tokenizer and model card."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from .param_count import human
from .runs import RunConfig, atomic_write_text, usual_modes
from .spec import ModelSpec


def write_model_folder(out: Path, model, tokenizer, config: RunConfig, task, metrics: dict, info: dict) -> Path:
    """Save model + tokenizer + README.md into `out`, atomically (temp folder, then rename)."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    atomic_write_text(tmp / "README.md", model_card(model, config, task, metrics, info))
    usual_modes(tmp)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return out


def card_title(config: RunConfig) -> str:
    """The card's heading: the run's name (as renamed since, at an export) and its task."""
    return f"{config.name or Path(config.train_file).stem} ({config.task})"


def model_card(model, config: RunConfig, task, metrics: dict, info: dict) -> str:
    spec = ModelSpec.from_albert_config(model.config)
    n = sum(p.numel() for p in model.parameters())
    rows = "\n".join(f"| {k} | {_fmt(v)} |" for k, v in metrics.items() if not isinstance(v, (list, dict)))
    hp = {
        k: getattr(config, k)
        for k in (
            "epochs",
            "max_steps",
            "batch_size",
            "grad_accum",
            "lr",
            "weight_decay",
            "warmup_ratio",
            "max_grad_norm",
            "max_length",
            "seed",
            "precision",
        )
    }
    hp_rows = "\n".join(f"| {k} | {v} |" for k, v in hp.items())
    spec_rows = "\n".join(f"| {k} | {v} |" for k, v in spec.to_dict().items())
    start = (
        f"initialised from `{config.init}`"
        if config.init
        else f"trained from scratch ({config.preset or 'custom spec'})"
    )
    extra = "\n".join(f"- {line}" for line in task.card_lines())
    rows += _by_label(metrics, getattr(task, "labels", None) if config.task == "classification" else None)
    return f"""---
library_name: transformers
pipeline_tag: {_pipeline_tag(config.task)}
tags: [albert, albert-studio, {config.task}]
---

# {card_title(config)}

An ALBERT {start}, made with ALBERT Studio on {time.strftime("%Y-%m-%d")}.
{human(n)} parameters.

## Data
- Training file: `{config.train_file}`
- Evaluation file: `{config.eval_file or "(split from the training file)"}`
{extra}

## Results
| metric | value |
|---|---|
{rows}

## Model
| field | value |
|---|---|
{spec_rows}

## Training settings
| setting | value |
|---|---|
{hp_rows}

## Use
```python
{_usage(config.task, config.multi_label)}
```
"""


def _by_label(metrics: dict, labels: list[str] | None) -> str:
    """A classifier's precision, recall, F1 and support per label, from its confusion matrix (or
    a multi-label classifier's outcomes)."""
    from .metrics import scores_by_label

    scores = scores_by_label(metrics, labels or [])
    if not scores:
        return ""

    lines = [
        "",
        "",
        "By label (validation):",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for d in scores:
        lines.append(f"| {d['label']} | {d['precision']:.4f} | {d['recall']:.4f} | {d['f1']:.4f} | {d['support']} |")
    return "\n".join(lines)


def _usage(task: str, multi_label: bool = False) -> str:
    from .export import hf_snippet

    usage = hf_snippet(task, "path/to/this/folder", multi_label).rstrip()
    if multi_label:  # several labels per text: each label's own probability, given at its threshold
        usage += "  # its labels: those at their threshold or above (config.json's label_thresholds, else 0.5)"
    return usage


def _pipeline_tag(task: str) -> str:
    return {
        "classification": "text-classification",
        "qa": "question-answering",
        "ner": "token-classification",
        "pretrain": "fill-mask",
    }.get(task, "text-classification")


def _fmt(v) -> str:
    return f"{v:.4f}" if isinstance(v, float) else json.dumps(v)
