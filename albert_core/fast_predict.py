"""Predictions through onnxruntime: about twice as fast as PyTorch at batch 1 on a CPU.

`accelerate(predictor)` returns a predictor that answers from model.onnx (exported once and kept in
the model folder), or the same torch predictor when the export or onnxruntime is not available.
Classification has its own predictor (numpy from end to end); question answering and named
entities keep their PyTorch pre- and post-processing and swap only the model for `OnnxModel`,
which runs the same forward pass in onnxruntime. Results come out in the same form as
`Predictor.predict`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .onnx_export import OUTPUTS, export, is_fresh, onnx_path, quantize, session
from .predict import Predictor

log = logging.getLogger(__name__)


class OnnxPredictor(Predictor):
    """A classification Predictor whose forward pass runs in onnxruntime."""

    def __init__(self, base: Predictor, path: Path, threads: int = 2):
        super().__init__(base.model_dir, base.task, base.model, base.tokenizer)
        self.onnx_file = path
        self.session = session(path, threads)

    def logits(self, enc: dict):
        import numpy as np

        feed = {
            "input_ids": np.asarray(enc["input_ids"], dtype=np.int64),
            "attention_mask": np.asarray(enc["attention_mask"], dtype=np.int64),
            "token_type_ids": np.asarray(enc["token_type_ids"], dtype=np.int64),
        }
        return self.session.run(["logits"], feed)[0]

    def _encode(self, texts, pairs=None, padding=False):
        return self.tokenizer(
            texts,
            pairs,
            truncation=True,
            max_length=self.max_length,
            padding=padding,
            return_token_type_ids=True,
            return_tensors="np",
        )

    def _probabilities(self, z):
        """Softmax over the labels (multi-label: each label's sigmoid), in numpy."""
        import numpy as np

        z = z.astype(np.float64)
        if self.multi_label:
            return 1.0 / (1.0 + np.exp(-z))
        p = np.exp(z - z.max(-1, keepdims=True))
        return p / p.sum(-1, keepdims=True)

    def probabilities(self, texts: list[str], pairs: list[str] | None = None) -> list[list[float]]:
        """Each label's probability for one batch of texts (and second texts), from onnxruntime;
        `predict`, `classify_batch` and file predictions all come through here."""
        pairs = self.second_texts(len(texts), pairs)
        return self._probabilities(self.logits(self._encode(texts, pairs, padding=True))).tolist()


class OnnxModel:
    """Stands in for a transformers ALBERT with a QA or token classification head: called with
    the same keyword tensors, it answers with the same output fields, computed in onnxruntime."""

    def __init__(self, config, session, outputs: list[str]):
        import torch

        self.config, self.session, self.outputs = config, session, outputs
        self.training = False
        self._anchor = torch.empty(0)  # what `next(model.parameters()).device` finds: the CPU

    def parameters(self):
        yield self._anchor

    def eval(self):
        return self

    def train(self, mode: bool = True):
        return self

    def __call__(self, input_ids, attention_mask=None, token_type_ids=None, **_):
        from types import SimpleNamespace

        import numpy as np
        import torch

        ids = input_ids.cpu().numpy().astype(np.int64)
        feed = {
            "input_ids": ids,
            "attention_mask": (np.ones_like(ids) if attention_mask is None else attention_mask.cpu().numpy()).astype(
                np.int64
            ),
            "token_type_ids": (np.zeros_like(ids) if token_type_ids is None else token_type_ids.cpu().numpy()).astype(
                np.int64
            ),
        }
        values = self.session.run(self.outputs, feed)
        return SimpleNamespace(**{k: torch.from_numpy(v) for k, v in zip(self.outputs, values, strict=True)})


def accelerate(predictor: Predictor, int8: bool = False, threads: int = 2) -> Predictor:
    """`predictor` answering through onnxruntime where it can; unchanged where it cannot (a
    pre-trained model, a failed export, a read-only folder, no onnxruntime)."""
    if predictor.task not in OUTPUTS:
        return predictor
    folder = Path(predictor.model_dir)
    try:
        path = onnx_path(folder)
        if not is_fresh(path, folder):
            export(predictor.model, folder, predictor.task)
        if int8:
            q = onnx_path(folder, int8=True)
            if not is_fresh(q, folder) or q.stat().st_mtime < path.stat().st_mtime:
                quantize(folder)
            path = q
        if predictor.task == "classification":
            return OnnxPredictor(predictor, path, threads)
        model = OnnxModel(predictor.model.config, session(path, threads), OUTPUTS[predictor.task])
        return Predictor(predictor.model_dir, predictor.task, model, predictor.tokenizer)
    except Exception as e:  # noqa: BLE001 - the torch predictor still answers, only slower
        log.warning("fast inference is not available for %s (%s); using PyTorch", folder, e)
        return predictor
