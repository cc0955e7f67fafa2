"""Checking an ONNX export: onnxruntime against PyTorch on inputs of several shapes, the task's
metric on a run's validation set, and the onnxruntime code that uses an export."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace

from .runs import ConfigError

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
CHECK_SHAPES = ((1, 5), (3, 19), (4, 40))  # batch, length: batch and length must both be free


def load_torch_model(model_dir: Path):
    """The folder's model on the CPU in fp32, with the plain attention code (exports cleanly)."""
    import transformers

    from .tasks.base import ARCHITECTURE_TASK

    transformers.utils.logging.disable_progress_bar()

    archs = json.loads((model_dir / "config.json").read_text(encoding="utf-8")).get("architectures") or []
    arch = next((a for a in archs if a in ARCHITECTURE_TASK), "")
    try:
        model = getattr(transformers, arch).from_pretrained(
            str(model_dir), use_safetensors=True, attn_implementation="eager"
        )
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot load {model_dir}: {str(e).splitlines()[0]}") from None
    return model.float().eval()


def session(onnx_file: Path):
    import onnxruntime as ort

    return ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])


def feeds(sess, batch: dict) -> dict:
    """The batch as onnxruntime inputs (int64 numpy arrays; token types default to 0)."""
    import numpy as np

    ids = np.asarray(batch["input_ids"], dtype=np.int64)
    out = {}
    for i in sess.get_inputs():
        v = batch.get(i.name)
        out[i.name] = np.zeros_like(ids) if v is None else np.asarray(v, dtype=np.int64)
    return out


def compare_with_pytorch(model, task: str, onnx_file: Path, seed: int = 0) -> tuple[float, list[list[int]]]:
    """The largest absolute difference between onnxruntime's and PyTorch's outputs over random
    inputs of several batch sizes and lengths (the last row of each batch padded)."""
    import torch

    sess = session(onnx_file)
    names = [o.name for o in sess.get_outputs()]
    gen = torch.Generator().manual_seed(seed)
    limit = model.config.max_position_embeddings
    worst, shapes = 0.0, []
    for b, n in CHECK_SHAPES:
        n = min(n, limit)
        ids = torch.randint(5, max(6, model.config.vocab_size), (b, n), generator=gen)
        mask = torch.ones_like(ids)
        mask[-1, max(1, n // 2) :] = 0
        types = torch.zeros_like(ids)
        with torch.inference_mode():
            ref = model(input_ids=ids, attention_mask=mask, token_type_ids=types)
        got = sess.run(None, feeds(sess, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}))
        for name, g in zip(names, got, strict=True):
            worst = max(worst, float((ref[name] - torch.from_numpy(g)).abs().max()))
        shapes.append([b, n])
    return worst, shapes


class OrtModel:
    """An onnxruntime session that answers like a transformers model, for a task's evaluate()."""

    def __init__(self, onnx_file: Path, config, task: str):
        self.sess = session(onnx_file)
        self.names = [o.name for o in self.sess.get_outputs()]
        self.config = copy.deepcopy(config)  # evaluate() may write to it (QA's null threshold)
        self.task = task

    def __call__(self, **batch):
        import torch

        outs = {
            n: torch.from_numpy(o)
            for n, o in zip(self.names, self.sess.run(None, feeds(self.sess, batch)), strict=True)
        }
        loss = None
        if self.task == "classification" and batch.get("labels") is not None:
            from .tasks.classification import classification_loss

            loss = classification_loss(outs["logits"], batch["labels"])
        return SimpleNamespace(loss=loss, **outs)


def score_on_validation(run_dir: Path, model_dir: Path, model, task: str, onnx_file: Path, result) -> None:
    """Fill `result`'s metric fields: the task's main metric on the run's validation set, read
    again through the run's configuration and task code, for PyTorch and for the export."""
    import torch

    from .batching import eval_batches
    from .data.problems import DataError
    from .runs import load_config
    from .spec import SpecError
    from .tasks.base import get_task
    from .tokenizer import TokenizerError, load_tokenizer

    if task == "pretrain":
        result.notes.append("pre-training models are not scored on validation data here")
        return
    try:
        t = get_task(load_config(run_dir))
        t.load_data()
        t.tokenizer = load_tokenizer(model_dir)
        if task == "classification":
            t.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
            if getattr(t, "multi_label", False):  # scored at the saved thresholds, not tuned again on each side
                from .metrics import saved_thresholds

                t.thresholds = saved_thresholds(model.config, t.labels)
        features = t.prepare().eval
    except (ConfigError, DataError, SpecError, TokenizerError, OSError) as e:
        result.notes.append(f"the validation set could not be read again, so it was not scored: {e}")
        return
    if not features:
        result.notes.append("the run has no validation examples to score the export on")
        return

    def batches(feats: list[dict]):
        for idx in eval_batches([len(f["input_ids"]) for f in feats], 64):
            yield idx, t.collate([feats[i] for i in idx])

    key = t.metric
    with torch.inference_mode():
        ours = t.evaluate(model, batches, features)
    theirs = t.evaluate(OrtModel(onnx_file, model.config, task), batches, features)
    result.metric = key
    result.metric_pytorch, result.metric_export = float(ours[key]), float(theirs[key])
    result.metric_change = result.metric_export - result.metric_pytorch
    result.notes.append(f"scored on {len(features)} validation features of {run_dir}")


# -- code that uses an export --------------------------------------------------------------------
_HEAD = """import json

import numpy as np
import onnxruntime as ort
from transformers import AutoTokenizer

folder = {folder!r}
tokenizer = AutoTokenizer.from_pretrained(folder)
session = ort.InferenceSession(folder + "/{file}", providers=["CPUExecutionProvider"])
labels = json.load(open(folder + "/config.json")).get("id2label", {{}})


def run(enc):
    ids = enc["input_ids"]
    return session.run(None, {{i.name: enc.get(i.name, np.zeros_like(ids)).astype(np.int64) for i in session.get_inputs()}})


"""

_BODY = {
    "classification": """enc = tokenizer(["what a lovely film"], return_tensors="np")
(logits,) = run(enc)
probs = np.exp(logits - logits.max(-1, keepdims=True))
probs /= probs.sum(-1, keepdims=True)
print({labels[str(i)]: float(p) for i, p in enumerate(probs[0])})
""",
    # several labels per text: each label's own probability; those at the label's threshold or above
    # (tuned in training, else 0.5) are given
    "classification-multi": """enc = tokenizer(["what a lovely film"], return_tensors="np")
(logits,) = run(enc)
probs = 1 / (1 + np.exp(-logits))
thresholds = json.load(open(folder + "/config.json")).get("label_thresholds") or {}
print({labels[str(i)]: float(p) for i, p in enumerate(probs[0])})
print("labels:", [labels[str(i)] for i, p in enumerate(probs[0]) if p >= thresholds.get(labels[str(i)], 0.5)])
""",
    "qa": """question, context = "Who wrote it?", "The book was written by Ada."
enc = tokenizer(question, context, return_tensors="np", return_offsets_mapping=True, truncation="only_second")
offsets = enc.pop("offset_mapping")[0]
start, end = run(enc)
ctx = [i for i, s in enumerate(enc.sequence_ids(0)) if s == 1]
s, e = max(((s, e) for s in ctx for e in ctx if s <= e < s + 30), key=lambda p: start[0][p[0]] + end[0][p[1]])
print(context[offsets[s][0] : offsets[e][1]])
""",
    "ner": """text = "Ada Lovelace lived in London"
enc = tokenizer(text, return_tensors="np", return_offsets_mapping=True)
offsets = enc.pop("offset_mapping")[0]
(logits,) = run(enc)
for (a, b), k in zip(offsets, logits[0].argmax(-1)):
    if b > a:
        print(text[a:b], labels[str(k)])
""",
    "pretrain": """enc = tokenizer("the film was [MASK] .", return_tensors="np")
logits = run(enc)[0]
at = list(enc["input_ids"][0]).index(tokenizer.mask_token_id)
print(tokenizer.convert_ids_to_tokens(logits[0, at].argsort()[::-1][:5].tolist()))
""",
}


def ort_snippet(folder: Path, onnx_name: str, task: str) -> str:
    """onnxruntime code that loads the export in `folder` and predicts for one example."""
    return _HEAD.format(folder=str(Path(folder).absolute()), file=onnx_name) + _BODY.get(task, _BODY["classification"])
