"""Training steps replayed from CUDA graphs: one graph per (batch size, padded length).

On short sentences a GPU spends most of a step waiting for the CPU to launch hundreds of
small kernels. A CUDA graph records a step's kernels once and replays them with one launch.
`GraphStep` pads each batch up to a length bucket (multiples of 16 up to 128, then of 64), so
only a handful of shapes occur. The first batch of a shape runs eagerly (it warms up cuBLAS and
the autograd engine); the second is captured — forward, backward with the gradients summed
into fixed gradient tensors — and every later one is replayed from static input buffers. The
optimizer step (clipping with a norm computed on the device, the fused capturable AdamW, zeroing
the gradients) is one more graph; the scheduler's learning rate is written into a device tensor
before each replay, so it is not baked into the graph.

Dropout inside a graph draws fresh numbers on every replay: PyTorch registers the CUDA
generator with each capture and advances its offset per replay.

Falls back to `EagerStep` for fp16 (loss scaling needs a host-side decision per step), for
DistributedDataParallel, and for good when a capture fails. Gradient accumulation works as is:
the gradient buffers sum over micro-batches until the optimizer graph zeroes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .events import Log
from .fast_step import EagerStep, model_inputs

IGNORE_INDEX = -100
MAX_GRAPHS = 48  # beyond this many shapes, new shapes run eagerly (memory of static buffers)
SEQUENCE_OUTPUTS = ("start_logits", "end_logits")  # 2-D outputs that run along the sequence
FIXED_WIDTH_INPUTS = ("mlm_positions", "mlm_labels")  # (batch, slots) inputs, whatever their width


def bucket_length(n: int, cap: int | None = None) -> int:
    """The padded length for a batch whose longest row has `n` tokens: a multiple of 16 up to
    128, then of 64; never above `cap` (the model's position limit) unless `n` itself is."""
    step = 16 if n <= 128 else 64
    b = -(-n // step) * step
    if cap is not None and b > cap >= n:
        return cap
    return b


@dataclass
class _Shape:
    """One (batch size, padded length): its static buffers, and its graph once captured."""

    inputs: dict
    pad: dict
    length: int
    runs: int = 0
    graph: object = None
    loss: object = None
    outputs: object = None
    extra: dict = field(default_factory=dict)


class GraphStep:
    """Same interface as `EagerStep`: forward_backward(batch, sync) and optimizer_step()."""

    def __init__(self, trainer):
        import torch

        self.t = trainer
        self.eager = EagerStep(trainer)
        self.params = self.eager.params
        self.shapes: dict[tuple[int, int], _Shape] = {}
        self.opt_graph = None
        self.opt_steps = 0
        self.norm = None
        self.lr = []
        self.announced = False
        self.captures: list[int] = []  # the step number of each shape's capture (for benchmarks)
        cfg = getattr(trainer.model, "config", None)
        self.pad_id = int(getattr(cfg, "pad_token_id", 0) or 0)
        self.cap = getattr(cfg, "max_position_embeddings", None)
        reason = self._unsupported()
        self.enabled = reason is None
        if not self.enabled:
            trainer.emit(Log(f"CUDA graphs are off for this run: {reason}; training in eager mode"))
            return
        self.pool = torch.cuda.graph_pool_handle()
        # gradients live in fixed tensors that every graph sums into and the optimizer graph zeroes
        for p in self.params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        self.grads = [p.grad for p in self.params]
        self.capturable = all(g.get("capturable", False) for g in trainer.optimizer.param_groups)

    def _unsupported(self) -> str | None:
        t = self.t
        if t.device.type != "cuda":
            return "they need a CUDA GPU"
        if t.scaler is not None:
            return "fp16 loss scaling decides on the CPU each step (choose bf16 instead)"
        if t.dist.world > 1:
            return "multi-GPU training synchronises gradients outside the graph"
        if t.ddp_model is not t.train_module:
            return "the model is wrapped"
        return None

    # -- forward and backward ------------------------------------------------------------------
    def forward_backward(self, batch: dict, sync: bool = True):
        if not self.enabled:
            return self.eager.forward_backward(batch, sync)
        ids = batch["input_ids"]
        n, length = ids.shape[0], ids.shape[1]
        key = (n, bucket_length(length, self.cap))
        shape = self.shapes.get(key)
        if shape is None:
            shape = self.shapes[key] = self._new_shape(batch, key[1])
        self._fill(shape, batch, length)
        if shape.graph is None and shape.runs >= 1 and len([s for s in self.shapes.values() if s.graph]) < MAX_GRAPHS:
            self._capture(shape)
        shape.runs += 1
        if shape.graph is not None and self.enabled:
            shape.graph.replay()
            return shape.loss, _trim(shape.outputs, shape.length, length)
        loss, outputs = self._run(shape.inputs)
        # detached: a live autograd graph would keep its gradient-accumulation nodes (bound to
        # this stream) alive into the next capture, which then fails
        return loss.detach(), _trim(outputs, shape.length, length)

    def _new_shape(self, batch: dict, length: int) -> _Shape:
        import torch

        inputs, pad = {}, {}
        n = batch["input_ids"].shape[0]
        seq = batch["input_ids"].shape[1]
        for k, v in batch.items():
            if not hasattr(v, "shape"):
                inputs[k] = v
                continue
            # per-token inputs are padded to the bucket's length; a multi-label classifier's 0/1
            # rows (float labels) are per label, whatever their width
            per_token = k not in FIXED_WIDTH_INPUTS and not (k == "labels" and v.is_floating_point())
            if v.ndim >= 2 and v.shape[1] == seq and per_token:
                value = {"input_ids": self.pad_id, "labels": IGNORE_INDEX}.get(k, 0)
                pad[k] = value
                inputs[k] = torch.full((n, length, *v.shape[2:]), value, dtype=v.dtype, device=self.t.device)
            else:
                inputs[k] = torch.empty_like(v, device=self.t.device)
        return _Shape(inputs, pad, length)

    def _fill(self, shape: _Shape, batch: dict, length: int) -> None:
        for k, v in batch.items():
            dst = shape.inputs.get(k)
            if not hasattr(dst, "copy_"):
                continue
            if k in shape.pad:
                dst[:, :length].copy_(v, non_blocking=True)
                if length < shape.length:
                    dst[:, length:].fill_(shape.pad[k])
            else:
                dst.copy_(v, non_blocking=True)

    def _run(self, inputs: dict):
        """Forward and backward of the static buffers; gradients add into the fixed tensors."""
        import torch

        t = self.t
        amp = t.amp
        ctx = torch.autocast("cuda", dtype=amp, cache_enabled=False) if amp is not None else _null()
        with ctx:
            outputs = t.train_module(**model_inputs(inputs, t.device))
            loss = outputs.loss
        (loss / t.config.grad_accum).backward()
        return loss, outputs

    def _capture(self, shape: _Shape) -> None:
        import torch

        graph = torch.cuda.CUDAGraph()
        try:
            torch.cuda.synchronize()
            with torch.cuda.graph(graph, pool=self.pool):
                loss, outputs = self._run(shape.inputs)
        except Exception as e:  # noqa: BLE001 - any capture problem means: train eagerly
            self._give_up(f"capturing a step of shape {tuple(shape.inputs['input_ids'].shape)} failed ({e})")
            return
        shape.graph, shape.loss, shape.outputs = graph, loss.detach(), _trim(outputs, 0, 0)
        self.captures.append(self.t.step + 1)
        if not self.announced:
            self.announced = True
            self.t.emit(
                Log(
                    "CUDA graphs: captured the first step shape; each shape replays from its graph from its second batch on"
                )
            )

    def _give_up(self, why: str) -> None:
        import torch

        torch.cuda.synchronize()
        self.enabled = False
        self.shapes.clear()
        self.opt_graph = None
        self.t.emit(Log(f"CUDA graphs turned off: {why}; training goes on in eager mode", level="warning"))

    # -- optimizer step ------------------------------------------------------------------------
    def optimizer_step(self):

        if not self.enabled:
            return self.eager.optimizer_step()
        t = self.t
        self.opt_steps += 1
        if self.opt_graph is None and self.capturable and self.opt_steps >= 2:
            self._capture_optimizer()
        if self.opt_graph is not None and self.enabled:
            for lr, group in zip(self.lr, t.optimizer.param_groups, strict=True):
                lr.fill_(float(group["lr"]))
            self.opt_graph.replay()
            norm = self.norm
        else:
            norm = self._optimizer_body()
        t.scheduler.step()
        return norm

    def _optimizer_body(self):
        import torch

        t = self.t
        max_norm = t.config.max_grad_norm if t.config.max_grad_norm > 0 else float("inf")
        norm = torch.nn.utils.clip_grad_norm_(self.params, max_norm, foreach=True)
        t.optimizer.step()
        torch._foreach_zero_(self.grads)
        return norm.detach()

    def _capture_optimizer(self) -> None:
        import torch

        groups = self.t.optimizer.param_groups
        floats = [g["lr"] for g in groups]
        self.lr = [torch.tensor(float(v), dtype=torch.float32, device=self.t.device) for v in floats]
        graph = torch.cuda.CUDAGraph()
        try:
            for g, lr in zip(groups, self.lr, strict=True):
                g["lr"] = lr
            torch.cuda.synchronize()
            with torch.cuda.graph(graph, pool=self.pool):
                norm = self._optimizer_body()
        except Exception as e:  # noqa: BLE001
            self._give_up(f"capturing the optimizer step failed ({e})")
            return
        finally:
            for g, v in zip(groups, floats, strict=True):
                g["lr"] = v  # the scheduler and checkpoints keep seeing plain numbers
        self.opt_graph, self.norm = graph, norm


def _trim(outputs, padded: int, length: int):
    """Outputs detached from autograd and cut back from the bucket's padded length to the
    batch's own length."""
    if outputs is None:
        return outputs
    out = {}
    for k, v in outputs.items():
        if hasattr(v, "detach"):
            v = v.detach()
            if padded != length and ((v.ndim >= 3 and v.shape[1] == padded) or (k in SEQUENCE_OUTPUTS and v.ndim == 2)):
                v = v[:, :length]
        out[k] = v
    return type(outputs)(**out)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False
