"""Export a saved ALBERT to ONNX for fast CPU inference in onnxruntime.

The export lives beside the weights as model.onnx (and model.int8.onnx when quantized), is
written to a temporary name and renamed into place, so a half-written file is never used, and
is made again when the weights are newer than it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from .runs import usual_modes

OUTPUTS = {
    "classification": ["logits"],
    "ner": ["logits"],
    "qa": ["start_logits", "end_logits"],
}
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def onnx_path(model_dir: str | Path, int8: bool = False) -> Path:
    return Path(model_dir) / ("model.int8.onnx" if int8 else "model.onnx")


def is_fresh(path: Path, model_dir: str | Path) -> bool:
    """True when `path` exists and is newer than the model's weights."""
    weights = Path(model_dir) / "model.safetensors"
    return path.exists() and (not weights.exists() or path.stat().st_mtime >= weights.stat().st_mtime)


def export(model, model_dir: str | Path, task: str = "classification", opset: int = 17) -> Path:
    """Write model.onnx for `model` (a transformers ALBERT with a task head) into `model_dir`,
    with dynamic batch and sequence axes. Raises on failure; the caller falls back to torch."""
    import torch

    names = OUTPUTS[task]
    final = onnx_path(model_dir)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")

    class Wrapped(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return tuple(out[k] for k in names)

    model.eval()
    ids = torch.full((2, 12), 5, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0  # a padded row, so the traced graph keeps the padding mask
    types = torch.zeros_like(ids)
    dynamic = {k: {0: "batch", 1: "sequence"} for k in INPUTS}
    dynamic.update({k: {0: "batch", 1: "sequence"} if task != "classification" else {0: "batch"} for k in names})
    kwargs = dict(
        input_names=INPUTS, output_names=names, dynamic_axes=dynamic, opset_version=opset, do_constant_folding=True
    )
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about shapes taken as constants
            try:
                torch.onnx.export(Wrapped(model).eval(), (ids, mask, types), str(tmp), dynamo=False, **kwargs)
            except TypeError:  # a torch without the `dynamo` switch
                torch.onnx.export(Wrapped(model).eval(), (ids, mask, types), str(tmp), **kwargs)
        usual_modes(tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def quantize(model_dir: str | Path) -> Path:
    """model.int8.onnx: weights of the linear layers in int8, activations quantized on the fly."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    src, final = onnx_path(model_dir), onnx_path(model_dir, int8=True)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    try:
        quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8)
        usual_modes(tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def session(path: str | Path, threads: int = 2):
    """An onnxruntime session on the CPU with all graph optimizations."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
