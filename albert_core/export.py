"""Exporting a trained model: a Hugging Face folder, ONNX, or dynamically quantized int8 ONNX.

`export(model, fmt, out)` takes a model folder or a run folder and writes `out` atomically (a
temporary sibling, then a rename), so a failed export never leaves half a folder. ONNX exports
are checked in onnxruntime against PyTorch on inputs of several batch sizes and lengths, and,
from a run folder, scored on the run's validation set to show what quantization costs.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .model_setup import resolve_init
from .predict import model_task
from .runs import MAIN_METRIC, ConfigError, is_disk_full, usual_modes

FORMATS = ("hf", "onnx", "onnx-int8")
PICKLES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")  # never carried into an export: loading them runs code


@dataclass
class ExportResult:
    format: str
    path: str  # the folder (or .onnx file) written
    task: str
    files: list[str] = field(default_factory=list)
    max_abs_diff: float | None = None  # ONNX against PyTorch on the check inputs
    checked_shapes: list[list[int]] = field(default_factory=list)  # [batch, length] of each check
    metric: str = ""
    metric_pytorch: float | None = None  # on the run's validation set
    metric_export: float | None = None
    metric_change: float | None = None  # export minus PyTorch
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def export(model: str | Path, fmt: str, out: str | Path) -> ExportResult:
    """Export `model` (a model folder or a run folder) as `fmt` into `out`."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    src = Path(model).expanduser()
    model_dir = Path(resolve_init(str(src)))  # refuses pickle-only folders and unfinished runs
    if not model_dir.is_dir():
        raise ConfigError(f"{model}: no such model folder; export needs a folder on this machine")
    run_dir = src if (src / "run.json").exists() else None
    task = model_task(model_dir)
    out = Path(out).expanduser()
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise ConfigError(f"{out} already exists; choose a new name or delete it first")
    try:
        if fmt == "hf":
            return _export_hf(model_dir, out, task, run_dir)
        return _export_onnx(model_dir, out, task, fmt, run_dir)
    except OSError as e:
        if is_disk_full(e):
            raise ConfigError(f"the disk is full while writing {out}; free space and export again") from None
        raise ConfigError(f"cannot write {out} ({e.strerror or e}); choose a folder you can write to") from None


# -- Hugging Face folder ------------------------------------------------------------------------
def _export_hf(model_dir: Path, out: Path, task: str, run_dir: Path | None = None) -> ExportResult:
    with _staged_folder(out) as tmp:
        files = _copy_model_files(model_dir, tmp)
        if "README.md" not in files:
            (tmp / "README.md").write_text(_card(out, task, _snippet(out, task, like=tmp)), encoding="utf-8")
            files.append("README.md")
        elif run_dir is not None:
            _retitle(tmp / "README.md", run_dir)
        if run_dir is not None:
            _keep_trained_length(tmp, run_dir)
    return ExportResult("hf", str(out), task, sorted(files))


def _keep_trained_length(folder: Path, run_dir: Path) -> None:
    """A run saved before its tokenizer kept the length it trained at: the exported tokenizer says
    it, so a plain pipeline reads no more pieces than the model was trained on."""
    from .tasks.limits import trained_length

    config = folder / "tokenizer_config.json"
    try:
        positions = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("max_position_embeddings")
        d = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return
    trained = trained_length(run_dir, positions)
    if (
        trained
        and isinstance(d, dict)
        and isinstance(d.get("model_max_length"), int)
        and d["model_max_length"] > trained
    ):
        d["model_max_length"] = trained
        config.write_text(json.dumps(d, indent=2) + "\n", encoding="utf-8")


def _retitle(card: Path, run_dir: Path) -> None:
    """The run's card headed with its name as it is now (it may have been renamed since it trained)."""
    from .model_card import card_title
    from .runs import load_config

    try:
        title = card_title(load_config(run_dir))
    except (ConfigError, OSError, ValueError):
        return
    lines = card.read_text(encoding="utf-8").split("\n")
    heading = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if heading is not None:
        lines[heading] = f"# {title}"
        card.write_text("\n".join(lines), encoding="utf-8")


ONNX_CACHES = ("model.onnx", "model.int8.onnx")  # the Playground's fast path keeps these beside the weights
TRAINING_STATE = ("state.json",)  # a checkpoint's step and random state (a stopped run's model is one)


def _copy_model_files(model_dir: Path, dest: Path) -> list[str]:
    """The folder's plain files. Links are skipped (they could pull in files from elsewhere on the
    disk), and so are pickled weights, a checkpoint's training state, and the ONNX files the app
    made to answer faster (an export holds the same files whether or not the model was tried first)."""
    files = []
    for f in sorted(model_dir.iterdir()):
        if f.is_symlink() or not f.is_file() or f.name.startswith(".") or f.suffix.lower() in PICKLES:
            continue
        if f.name in ONNX_CACHES or f.name in TRAINING_STATE:
            continue
        shutil.copyfile(f, dest / f.name)
        files.append(f.name)
    return files


def _card(out: Path, task: str, snippet: str) -> str:
    return f"# {out.name}\n\nAn ALBERT model ({task}).\n\n## Use\n\n```python\n{snippet}```\n"


# -- ONNX ----------------------------------------------------------------------------------------
def _export_onnx(model_dir: Path, out: Path, task: str, fmt: str, run_dir: Path | None) -> ExportResult:
    from .export_check import compare_with_pytorch, load_torch_model, score_on_validation
    from .onnx_export import OUTPUTS
    from .onnx_export import export as write_onnx

    if task not in OUTPUTS:
        raise ConfigError(f"a {task} model is not exported to ONNX: fine-tune it on a task first, or export it as hf")
    model = load_torch_model(model_dir)
    result = ExportResult(fmt, str(out), task)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=_existing_parent(out)) as work:
        onnx_file = write_onnx(model, work, task)
        if fmt == "onnx-int8":
            onnx_file = _quiet_quantize(Path(work))
        result.max_abs_diff, result.checked_shapes = compare_with_pytorch(model, task, onnx_file)
        if run_dir is not None:
            score_on_validation(run_dir, model_dir, model, task, onnx_file, result)
        else:
            result.notes.append("exported from a model folder: no validation set to score it on")
        if out.suffix.lower() == ".onnx":  # just the file
            os.replace(onnx_file, out)
            result.files = [out.name]
        else:  # a folder that onnxruntime code (and the app's fast path) can use as it is
            with _staged_folder(out) as tmp:
                shutil.move(str(onnx_file), tmp / onnx_file.name)
                for f in _copy_model_files(model_dir, tmp):
                    if f.endswith(".safetensors"):
                        (tmp / f).unlink()  # the ONNX file holds the weights
                if run_dir is not None:
                    _keep_trained_length(tmp, run_dir)
                card = _card(out, task, _snippet(out, task, onnx_file.name, like=tmp))
                (tmp / "README.md").write_text(card, encoding="utf-8")
                result.files = sorted(p.name for p in tmp.iterdir())
    result.metric = result.metric or MAIN_METRIC.get(task, "")
    return result


def _quiet_quantize(folder: Path) -> Path:
    import logging

    from .onnx_export import quantize

    logging.disable(logging.WARNING)  # its advice to pre-process first is for static quantization
    try:
        return quantize(folder)
    finally:
        logging.disable(logging.NOTSET)


# -- writing safely -------------------------------------------------------------------------------
def _existing_parent(path: Path) -> str:
    p = path.absolute().parent
    p.mkdir(parents=True, exist_ok=True)
    return str(p)


class _staged_folder:
    """A temporary sibling folder renamed to `out` when the block ends without an error."""

    def __init__(self, out: Path):
        self.out = out
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=_existing_parent(out)))

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, kind, value, tb) -> None:
        if kind is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        if self.out.is_dir():
            self.out.rmdir()  # empty (checked before the export started)
        usual_modes(self.tmp)
        os.replace(self.tmp, self.out)


# -- "copy code to use this model" ---------------------------------------------------------------
def _multi_label_folder(folder: Path) -> bool:
    """Whether the model folder holds a multi-label classifier (its config.json's problem_type)."""
    from .tasks.classification import MULTI_LABEL_PROBLEM

    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and config.get("problem_type") == MULTI_LABEL_PROBLEM


PIPELINE = {
    "classification": ("text-classification", 'print(pipe("what a lovely film"))'),
    # "first": a word's tag is its first piece's, so an entity is whole words (not "fl", "ew")
    "ner": ("token-classification", 'print(pipe("Ada Lovelace lived in London", aggregation_strategy="first"))'),
    "pretrain": ("fill-mask", 'print(pipe("the film was [MASK] ."))'),
}

# Extractive QA without a pipeline (newer transformers have none for it): the likeliest span of
# the context, found from the start and end scores and cut from the text by the pieces' offsets.
QA_CODE = """import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer

path = {path}
tokenizer = AutoTokenizer.from_pretrained(path)
model = AutoModelForQuestionAnswering.from_pretrained(path)
question, context = "Who wrote it?", "The book was written by Ada."
enc = tokenizer(question, context, truncation="only_second", return_offsets_mapping=True, return_tensors="pt")
offsets = enc.pop("offset_mapping")[0]
in_context = torch.tensor([s == 1 for s in enc.sequence_ids(0)])
with torch.no_grad():
    out = model(**enc)
start = int(out.start_logits[0].masked_fill(~in_context, -1e4).argmax())
end = start + int(out.end_logits[0, start:].masked_fill(~in_context[start:], -1e4).argmax())
print(context[offsets[start][0] : offsets[end][1]])
"""


def hf_snippet(task: str, path: str, multi_label: bool = False) -> str:
    """Python that uses a Hugging Face model folder at `path` for `task` with plain transformers."""
    if task == "qa":
        return QA_CODE.format(path=repr(path))
    kind, call = PIPELINE.get(task, PIPELINE["classification"])
    if multi_label:  # every label's own probability (the pipeline applies the sigmoid such a model wants)
        call = 'print(pipe("what a lovely film", top_k=None))'
    return f'from transformers import pipeline\n\npipe = pipeline("{kind}", model={path!r})\n{call}\n'


def code_snippet(model_dir: str | Path) -> str:
    """Python that uses the model in `model_dir` (or a run's model): a transformers pipeline for
    a Hugging Face folder, onnxruntime code for an ONNX export."""
    model_dir = Path(model_dir)
    if (model_dir / "run.json").exists():
        model_dir = model_dir / "model"
    task = model_task(model_dir) if (model_dir / "config.json").exists() else "classification"
    onnx_files = sorted(model_dir.glob("*.onnx"))
    return _snippet(model_dir, task, onnx_files[0].name if onnx_files else None)


def _snippet(folder: Path, task: str, onnx_name: str | None = None, like: Path | None = None) -> str:
    """Code that uses the model in `folder`; `like`: a folder with the same config.json, for an
    export still being written."""
    folder = folder.absolute()
    multi = task == "classification" and _multi_label_folder(like or folder)
    if onnx_name:
        from .export_check import ort_snippet

        return ort_snippet(folder, onnx_name, "classification-multi" if multi else task)
    return hf_snippet(task, str(folder), multi)
