"""How one micro-batch becomes gradients and one optimizer step is taken.

`EagerStep` is the plain, always-correct path. Faster paths (CUDA graphs per length
bucket) plug in through `make_step_fn` behind the run's settings and fall back to eager
mode where they cannot be used.
"""

from __future__ import annotations

from contextlib import nullcontext


def model_inputs(batch: dict, device) -> dict:
    """The batch as the model should see it. On CUDA the 2-D padding mask becomes a ready
    (batch, 1, 1, length) boolean mask: transformers then skips its own check of whether the
    batch has padding at all, which reads the mask back to the CPU (a device sync) every step."""
    mask = batch.get("attention_mask")
    if device.type != "cuda" or mask is None or mask.ndim != 2:
        return batch
    return {**batch, "attention_mask": mask[:, None, None, :].bool()}


class EagerStep:
    def __init__(self, trainer):
        self.t = trainer
        self.params = [p for p in trainer.model.parameters() if p.requires_grad]

    def forward_backward(self, batch: dict, sync: bool = True):
        t = self.t
        ctx = t.ddp_model.no_sync() if (t.dist.world > 1 and not sync) else nullcontext()
        with ctx:
            with t.autocast():
                outputs = t.ddp_model(**model_inputs(batch, t.device))
                loss = outputs.loss
            scaled = loss / t.config.grad_accum
            if t.scaler is not None:
                scaled = t.scaler.scale(scaled)
            scaled.backward()
        return loss, outputs

    def optimizer_step(self):
        import torch

        t = self.t
        if t.scaler is not None:
            t.scaler.unscale_(t.optimizer)
        max_norm = t.config.max_grad_norm if t.config.max_grad_norm > 0 else float("inf")
        norm = torch.nn.utils.clip_grad_norm_(self.params, max_norm)
        if t.scaler is not None:
            t.scaler.step(t.optimizer)
            t.scaler.update()
        else:
            t.optimizer.step()
        t.scheduler.step()
        t.optimizer.zero_grad(set_to_none=True)
        return norm.detach()


def make_step_fn(trainer):
    c = trainer.config
    if c.cuda_graphs and trainer.device.type != "cuda":
        from .events import Log

        trainer.emit(Log(f"CUDA graphs need a CUDA GPU; this run trains on {trainer.device.type} without them",
                         level="warning"))  # fmt: skip
    if c.cuda_graphs and trainer.device.type == "cuda":
        try:
            from .cuda_graphs import GraphStep

            return GraphStep(trainer)
        except ImportError:
            pass
    if c.compile:
        import torch

        # dynamic shapes from the first call: one compiled graph serves every batch length
        # instead of a recompile per length (which soon hits dynamo's limit and falls back)
        trainer.ddp_model = torch.compile(trainer.ddp_model, dynamic=True)
    return EagerStep(trainer)
