"""The training loop every task shares.

`train(run_dir)` reads run.json, prepares the task's data and model, and trains with AdamW,
linear warm-up and decay, gradient clipping and accumulation, periodic evaluation and
checkpoints, writing events as it goes. It resumes from the latest checkpoint when there is
one. Under `torchrun` it trains with DistributedDataParallel; rank 0 alone writes.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import time
import traceback
from collections.abc import Callable
from contextlib import closing, nullcontext
from pathlib import Path

from . import checkpoint as ckpt
from .batching import epoch_batches, eval_batches, shard
from .best import BestKeeper
from .data.problems import DataError
from .devices import autocast_dtype, pick_device, pick_precision
from .events import (
    CheckpointSaved,
    Eval,
    Event,
    EventWriter,
    Failed,
    Finished,
    Log,
    Started,
    Step,
    Stopped,
    read_events,
)
from .runs import ConfigError, RunConfig, is_disk_full, load_config, training_pid
from .spec import SpecError
from .tasks.base import StopRequested, Task, get_task
from .tokenizer import TokenizerError

USER_ERRORS = (ConfigError, DataError, SpecError, TokenizerError)


class StopFlag:
    """A stop request: the STOP file in the run folder, SIGINT/SIGTERM, or a caller's flag."""

    def __init__(self, run_dir: Path, extra: Callable[[], bool] | None = None):
        self.file = run_dir / "STOP"
        self.extra = extra
        self.signalled = False

    def install_signal_handlers(self) -> None:
        def handler(signum, frame):
            self.signalled = True

        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                signal.signal(sig, handler)
            except ValueError:  # not the main thread
                pass

    def __call__(self) -> bool:
        return self.signalled or self.file.exists() or bool(self.extra and self.extra())


def train(
    run_dir: str | Path,
    sink: Callable[[Event], None] | None = None,
    stop: Callable[[], bool] | None = None,
    echo=None,
) -> dict:
    """Run (or resume) the run in `run_dir`. Returns the final event as a dict. Never raises
    for errors a user can cause: they end in a `failed` event with a readable message."""
    run_dir = Path(run_dir)
    dist = _Dist.from_env()
    busy = training_pid(run_dir) if dist.world == 1 else 0
    if busy:  # told to the caller only: the running process owns events.jsonl
        refused = Failed(
            f"{run_dir} is already training (process {busy}); stop that run first, or delete "
            f"{run_dir / 'pid'} if no training is running"
        )
        _tell(refused, echo, sink)
        return refused.to_dict()
    writer = None
    if dist.rank == 0:
        _end_torn_line(run_dir / "events.jsonl")
        writer = EventWriter(run_dir / "events.jsonl", echo=echo, also=sink)
    emit = writer if writer else (lambda e: None)
    flag = StopFlag(run_dir, stop)
    if stop is None:
        flag.install_signal_handlers()
    trainer = None
    last: Event
    try:
        if dist.rank == 0:
            (run_dir / "pid").write_text(str(os.getpid()))
            (run_dir / "STOP").unlink(missing_ok=True)
        config = load_config(run_dir)
        config.validate()
        trainer = Trainer(config, run_dir, emit, flag, dist)
        last = trainer.run()
    except USER_ERRORS as e:
        last = Failed(str(e), step=trainer.step if trainer else 0)
        _emit_last(emit, last, echo, sink)
    except Exception as e:  # noqa: BLE001 - everything else still ends as a readable event
        last = _disk_full(e, run_dir, trainer) if is_disk_full(e) else _unexpected(e, run_dir, trainer)
        _emit_last(emit, last, echo, sink)
    finally:
        if writer:
            try:
                writer.close()
            except OSError:  # a full disk cannot take the last buffered bytes; they were echoed
                pass
            (run_dir / "pid").unlink(missing_ok=True)
        dist.close()
    return last.to_dict()


def _end_torn_line(path: Path) -> None:
    """A writer killed mid-line leaves a last line with no newline: end it, so the next event
    starts a line of its own instead of being glued to the torn one (and lost with it)."""
    try:
        with open(path, "rb+") as f:
            if f.seek(0, os.SEEK_END) == 0:
                return
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")
    except FileNotFoundError:
        pass


def _tell(event: Event, echo, sink) -> None:
    """Give an event to the caller without the run's log (which may be unwritable)."""
    if echo:
        echo.write(json.dumps(event.to_dict(), default=str) + "\n")
        echo.flush()
    if sink:
        sink(event)


def _emit_last(emit, event: Event, echo, sink) -> None:
    try:
        emit(event)
    except OSError:  # events.jsonl cannot be written (a full disk): still tell the caller
        _tell(event, echo, sink)


def _disk_full(e: BaseException, run_dir: Path, trainer) -> Failed:
    where = (trainer.writing if trainer else None) or (
        Path(e.filename).parent if getattr(e, "filename", None) else run_dir
    )
    return Failed(
        f"the disk is full while writing {where}; free space on that disk and resume the run "
        f"(python -m albert_core train {run_dir}). Earlier checkpoints are intact.",
        step=trainer.step if trainer else 0,
    )


def _unexpected(e: Exception, run_dir: Path, trainer) -> Failed:
    import torch

    step = trainer.step if trainer else 0
    if isinstance(e, torch.cuda.OutOfMemoryError) or "out of memory" in str(e).lower():
        est = trainer.memory_hint() if trainer else ""
        return Failed(
            "the GPU ran out of memory. Choose a smaller batch size or maximum length, or a smaller "
            f"model, or bf16 precision.{est}",
            step=step,
        )
    log = run_dir / "error.log"
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"--- {time.ctime()}\n")
        traceback.print_exception(e, file=f)
    first = str(e).splitlines()[0] if str(e) else type(e).__name__
    return Failed(
        f"training stopped on an unexpected error: {first}. Details are in {log}", step=step, log_file=str(log)
    )


class _Dist:
    """torchrun's environment, or a single process."""

    def __init__(self, rank: int = 0, world: int = 1, local_rank: int = 0):
        self.rank, self.world, self.local_rank = rank, world, local_rank
        self.initialized = False

    @classmethod
    def from_env(cls) -> _Dist:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls()
        return cls(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))

    def init(self, device) -> None:
        if self.world > 1 and not self.initialized:
            import torch.distributed as td

            backend = "nccl" if device.type == "cuda" else "gloo"
            td.init_process_group(backend=backend)
            self.initialized = True

    def barrier(self) -> None:
        if self.initialized:
            import torch.distributed as td

            td.barrier()

    def any(self, value: bool, device) -> bool:
        """True on every rank when it is true on any rank."""
        if not self.initialized:
            return value
        import torch
        import torch.distributed as td

        t = torch.tensor([1.0 if value else 0.0], device=device)
        td.all_reduce(t, op=td.ReduceOp.MAX)
        return bool(t.item() > 0)

    def mean(self, t):
        """The mean of a tensor over all ranks (the tensor itself in a single process)."""
        if not self.initialized:
            return t
        import torch.distributed as td

        t = t.detach().clone()
        td.all_reduce(t, op=td.ReduceOp.SUM)
        return t / self.world

    def close(self) -> None:
        if self.initialized:
            import torch.distributed as td

            td.destroy_process_group()
            self.initialized = False


class Trainer:
    """One run's training state; `run()` is the loop, read top to bottom."""

    def __init__(self, config: RunConfig, run_dir: Path, emit, stop: StopFlag, dist: _Dist):
        self.config, self.run_dir, self.emit, self.stop, self.dist = config, run_dir, emit, stop, dist
        self.step = 0
        self.writing: Path | None = None  # the folder being saved, named if the disk fills up
        self.task: Task = get_task(config)

    # -- set-up -------------------------------------------------------------------------------
    def _setup(self) -> None:
        import torch
        import transformers

        from .model_setup import build_model_and_tokenizer

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()

        c = self.config
        if self.dist.world > 1 and c.device in ("auto", "cuda") and torch.cuda.is_available():
            self.device = torch.device("cuda", self.dist.local_rank)
            torch.cuda.set_device(self.device)
        else:
            self.device = pick_device(c.device)
        self.dist.init(self.device)
        self.precision = pick_precision(c.precision, self.device)
        if c.num_threads > 0:
            torch.set_num_threads(c.num_threads)
        torch.manual_seed(c.seed)
        self.task.report = lambda message: self.emit(Log(message))
        # one process can end its preparation at a stop request; ranks must meet at each barrier
        self.task.should_stop = self.stop if self.dist.world == 1 else (lambda: False)
        self.model, self.tokenizer = build_model_and_tokenizer(self.task, c, self.run_dir, self.dist, self.emit)
        self.task.tokenizer = self.tokenizer
        self.task.check_stop()
        max_pos = getattr(self.model.config, "max_position_embeddings", c.max_length)
        if c.max_length > max_pos:
            self.emit(
                Log(
                    f"maximum length {c.max_length} is more than this model's {max_pos} positions; using {max_pos}",
                    level="warning",
                )
            )
            c.max_length = max_pos
        # saved with the tokenizer: what the model reads when it predicts (positions past it are untrained)
        self.tokenizer.model_max_length = c.max_length
        self.prepared = self.task.prepare()
        self.task.check_stop()
        if not self.prepared.train:
            raise DataError("no training examples remain after reading the data; see the problems listed")
        for w in self.prepared.warnings[:50]:
            self.emit(Log(w, level="warning"))
        if len(self.prepared.warnings) > 50:
            self.emit(Log(f"… {len(self.prepared.warnings) - 50} more data problems", level="warning"))
        self.model.to(self.device)
        self.lengths = [len(f["input_ids"]) for f in self.prepared.train]
        limit = getattr(self.model.config, "max_position_embeddings", 0)
        longest = max(self.lengths + [len(f["input_ids"]) for f in self.prepared.eval])
        if limit and longest > limit:
            raise ConfigError(
                f"the data has inputs of {longest} pieces but the model reads at most {limit} positions; "
                f"set the maximum length to {limit} or less"
            )
        n_batches = len(self._epoch(0))
        if n_batches == 0:
            raise ConfigError(
                f"the batch size ({c.batch_size}) × {self.dist.world} processes leaves no full batch "
                f"for {len(self.lengths)} examples; choose a smaller batch size"
            )
        self.batches_per_epoch = n_batches
        # micro-batches run on across epochs, so an epoch need not end on an optimizer step: N epochs
        # are the steps that take N epochs' micro-batches (the last step may reach into the next one)
        self.total_steps = c.max_steps if c.max_steps > 0 else max(1, math.ceil(c.epochs * n_batches / c.grad_accum))
        self.steps_per_epoch = max(1, round(n_batches / c.grad_accum))  # the default evaluation interval
        self.optimizer = _adamw(self.model, c, self.device)
        warm = int(c.warmup_ratio * self.total_steps)
        total = self.total_steps
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            lambda s: (s + 1) / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm)),
        )
        self.scaler = torch.amp.GradScaler("cuda") if self.precision == "fp16" else None
        self.amp = autocast_dtype(self.precision)
        self.micro = 0  # micro-batches consumed since the start: the data position
        resume = ckpt.latest(self.run_dir)
        if resume is not None:
            self.step, self.micro = ckpt.load(resume, self.model, self.optimizer, self.scheduler, self.scaler)
            self.emit(Log(f"resumed from {resume.name}: step {self.step} of {self.total_steps}"))
        self.best = BestKeeper(self.run_dir, self.task.metric, c.keep_best, c.early_stop, writes=self.dist.rank == 0)
        if resume is not None and self.best.active and self.best.last > self.step:  # weighed past the checkpoint
            evals = [
                (e["step"], e["metrics"]) for e in read_events(self.run_dir / "events.jsonl") if e["event"] == "eval"
            ]
            self.best.rewind(self.step, evals, self.model)
            self.emit(Log(f"the evaluations after step {self.step} are weighed again as the run trains those steps "
                          "again" + (f"; best so far: {self.best.describe()}" if self.best.step else "")))  # fmt: skip
        self._last_eval: tuple[int, dict] | None = None
        if self.best.active and not self.prepared.eval:
            self.emit(Log("keeping the best model and stopping early need a validation set; this run has none, "
                          "so it trains to its last step and keeps that", level="warning"))  # fmt: skip
        # what a training step calls: the model, or a task's cheaper route to the same loss
        self.train_module = self.task.training_module(self.model)
        self.ddp_model = self.train_module
        if self.dist.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.ddp_model = DDP(self.train_module, device_ids=ids)
        from .fast_step import make_step_fn

        self.step_fn = make_step_fn(self)

    def _epoch(self, epoch: int) -> list[list[int]]:
        c = self.config
        glob = epoch_batches(self.lengths, c.batch_size * self.dist.world, c.seed, epoch, c.bucket_by_length)
        return shard(glob, self.dist.rank, self.dist.world)

    def _train_batches(self):
        """(indices, batch) of the micro-batches still to train, made ahead in worker processes
        where the task's batches are costly (see batch_stream)."""
        from .batch_stream import auto_workers, train_batches

        c = self.config
        workers = c.data_workers
        if workers < 0:
            workers = auto_workers(self.device.type, self.task.heavy_collate, self.dist.world)
        if workers:
            self.emit(Log(f"{workers} worker processes make the training batches ahead"))
        return train_batches(
            self.task,
            self.prepared.train,
            self._epoch,
            self.batches_per_epoch,
            start=self.micro,
            stop=self.total_steps * c.grad_accum,
            seed=c.seed,
            rank=self.dist.rank,
            workers=workers,
        )

    def autocast(self):
        import torch

        if self.amp is None:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp)

    def to_device(self, batch: dict) -> dict:
        if self.device.type != "cuda":
            return {k: v.to(self.device) if hasattr(v, "to") else v for k, v in batch.items()}
        # A copy from pageable memory waits for the GPU to finish its queued work, so the CPU
        # could not prepare the next batch while the GPU runs this one. From pinned memory
        # (torch caches the pinned blocks) the copy is queued like any kernel.
        return {
            k: v.pin_memory().to(self.device, non_blocking=True) if hasattr(v, "pin_memory") else v
            for k, v in batch.items()
        }

    def memory_hint(self) -> str:
        from .param_count import human, memory_estimate
        from .spec import ModelSpec

        try:
            spec = ModelSpec.from_albert_config(self.model.config)
            est = memory_estimate(
                spec, self.config.batch_size, self.config.max_length, self.precision, self.config.task
            )
            return f" Estimated need at batch {self.config.batch_size} and length {self.config.max_length}: {human(est.total, 'B')}."
        except Exception:  # noqa: BLE001
            return ""

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> Event:
        import torch

        try:
            self._setup()
        except StopRequested:  # asked to stop while preparing: nothing to save, Resume starts over
            self.emit(Log("stopped before the first step; Resume starts the run again (a trained tokenizer is kept)"))
            return self._emit(Stopped(step=self.step, checkpoint=""))
        c = self.config
        is_main = self.dist.rank == 0
        self.emit(
            Started(
                task=c.task,
                device=_device_name(self.device),
                precision=self.precision,
                params=sum(p.numel() for p in self.model.parameters()),
                total_steps=self.total_steps,
                train_examples=len(self.prepared.train),
                eval_examples=len(self.prepared.eval),
                start_step=self.step,
                world_size=self.dist.world,
                config={**c.to_dict(), **self.prepared.info},
            )
        )
        t0 = time.perf_counter()
        window_t, window_samples, window_tokens = t0, 0, 0
        loss_sum = torch.zeros((), device=self.device)
        loss_count = 0
        extras: dict[str, list] = {}
        eval_every = c.eval_every or self.steps_per_epoch
        last_grad_norm = torch.zeros((), device=self.device)
        self.model.train()
        stream = self._train_batches()
        early = False
        with closing(stream):  # stops the batch workers however the loop ends
            while self.step < self.total_steps:
                # one optimizer step = grad_accum micro-batches
                for k in range(c.grad_accum):
                    idx, batch = next(stream)
                    batch = self.to_device(batch)
                    last = k == c.grad_accum - 1
                    loss, outputs = self.step_fn.forward_backward(batch, sync=last)
                    loss_sum += loss.detach()
                    loss_count += 1
                    for name, v in self.task.step_extra(outputs, batch).items():
                        extras.setdefault(name, []).append(v)
                    window_samples += len(idx)
                    window_tokens += sum(self.lengths[i] for i in idx)
                    self.micro += 1
                lr_used = self.scheduler.get_last_lr()[0]  # the step below moves the schedule on
                last_grad_norm = self.step_fn.optimizer_step()
                self.step += 1

                if self.step % c.log_every == 0 or self.step == self.total_steps:
                    # .item() is a device sync: only here, once per log interval
                    now = time.perf_counter()
                    loss_val = self.dist.mean(loss_sum / max(1, loss_count)).item()  # every rank's batches
                    self.task.logged_losses.append(loss_val)
                    dt = max(now - window_t, 1e-9)
                    extra = {k: float(sum(float(x) for x in v) / len(v)) for k, v in extras.items()}
                    self.emit(
                        Step(
                            step=self.step,
                            epoch=self.micro / self.batches_per_epoch,
                            loss=loss_val,
                            lr=lr_used,
                            grad_norm=float(last_grad_norm),
                            samples_per_s=window_samples * self.dist.world / dt,
                            tokens_per_s=window_tokens * self.dist.world / dt,
                            elapsed=now - t0,
                            total_steps=self.total_steps,
                            extra=extra,
                        )
                    )
                    if not math.isfinite(loss_val):
                        raise ConfigError(
                            f"the loss became {loss_val} at step {self.step}; lower the learning rate "
                            f"(now {c.lr}) or use fp32/bf16 precision"
                        )
                    loss_sum.zero_()
                    loss_count, extras = 0, {}
                    window_t, window_samples, window_tokens = now, 0, 0

                done = self.step >= self.total_steps
                paused = time.perf_counter()
                if self.step % eval_every == 0 and not done:
                    self.best.update(self.step, self._evaluate(), self.model)
                    # every rank stops at the same step (their scores may differ in the last bits)
                    if self.dist.any(self.best.should_stop(), self.device):
                        self.emit(Log(f"no better validation {self.best.metric} in the last {self.best.stale} "
                                      f"evaluations (best: {self.best.describe()}): stopping early"))  # fmt: skip
                        early = True
                saved = None  # this step's checkpoint (every rank takes the branch, rank 0 has the path)
                if c.checkpoint_every and self.step % c.checkpoint_every == 0 and not done:
                    saved = (self._checkpoint(),)
                window_t += time.perf_counter() - paused  # throughput counts training time only
                if self.dist.any(self.stop(), self.device) and not done:
                    path = saved[0] if saved else self._checkpoint()  # a step already saved is not saved again
                    return self._emit(Stopped(step=self.step, checkpoint=str(path or "")))
                if early:
                    break

        # the evaluation of this very step, when an early stop has just made it
        metrics = self._last_eval[1] if self._last_eval and self._last_eval[0] == self.step else self._evaluate()
        kept = self.step  # the step whose weights are saved
        if is_main:
            metrics, kept = self._best_or_last(metrics)
        advice = self.task.final_advice(metrics)
        if is_main:
            for line in advice:
                self.emit(Log(line, level="warning"))
        for key, value in self.task.tuned_config(metrics).items():
            setattr(self.model.config, key, value)
        model_dir = self._save_final(metrics) if is_main else self.run_dir / "model"
        self.dist.barrier()
        return self._emit(
            Finished(
                step=self.step,
                metrics=metrics,
                model_dir=str(model_dir),
                elapsed=time.perf_counter() - t0,
                advice=advice,
                best_step=kept if kept != self.step else 0,
                early=early,
            )
        )

    def _best_or_last(self, last: dict) -> tuple[dict, int]:
        """With keep_best, the best evaluation's weights go back into the model when it was not
        the last one; returns the metrics of the model to be saved, and its step."""
        self.best.update(self.step, last, self.model)
        b = self.best
        if b.keep and b.step == self.step:
            self.emit(Log(f"the final model is the last step's, the best on validation ({b.describe()})"))
        if not b.keep or not b.step or b.step == self.step or not (b.folder / "model.safetensors").exists():
            return last, self.step
        metrics = b.restore(self.model)
        was = last.get(b.metric)
        at_end = f"; {was:.4g} at the last step" if isinstance(was, (int, float)) else ""
        self.emit(
            Log(f"the final model is the one of step {b.step:,}, the best on validation ({b.describe()}{at_end})")
        )
        return metrics, b.step

    def _emit(self, e: Event) -> Event:
        self.emit(e)
        return e

    def _evaluate(self) -> dict:
        import torch

        if not self.prepared.eval:
            return {}
        self.model.eval()

        def batches(features: list[dict]):
            lengths = [len(f["input_ids"]) for f in features]
            for idx in eval_batches(lengths, max(self.config.batch_size, 64)):
                yield idx, self.to_device(self.task.collate([features[i] for i in idx]))

        with torch.no_grad(), self.autocast():
            metrics = self.task.evaluate(self.model, batches, self.prepared.eval)
        self.model.train()
        metrics = {k: _plain(v) for k, v in metrics.items()}
        self.emit(Eval(step=self.step, metrics=metrics))
        self._last_eval = (self.step, metrics)
        return metrics

    def _checkpoint(self) -> Path | None:
        path = None
        if self.dist.rank == 0:
            self.writing = self.run_dir / "checkpoints" / f"step-{self.step}"
            path = ckpt.save(
                self.run_dir,
                self.step,
                self.micro,
                self.model,
                self.optimizer,
                self.scheduler,
                self.scaler,
                self.tokenizer,
            )
            self.writing = None
            ckpt.prune(self.run_dir, self.config.keep_checkpoints)
            self.emit(CheckpointSaved(step=self.step, path=str(path)))
        self.dist.barrier()
        return path

    def _save_final(self, metrics: dict) -> Path:
        from .model_card import write_model_folder

        out = self.writing = self.run_dir / "model"
        try:
            path = write_model_folder(
                out, self.model, self.tokenizer, self.config, self.task, metrics, self.prepared.info
            )
        except BaseException:
            shutil.rmtree(out.with_name(f".{out.name}.tmp"), ignore_errors=True)  # no half-written folder
            raise
        self.writing = None
        return path


def _adamw(model, c: RunConfig, device):
    """AdamW with no weight decay on biases and layer norms; fused kernels on CUDA."""
    import torch

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim < 2 or "LayerNorm" in name or name.endswith(".bias") else decay).append(p)
    groups = [{"params": decay, "weight_decay": c.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    kwargs = {"fused": True} if device.type == "cuda" else {}
    if c.cuda_graphs and device.type == "cuda":
        kwargs["capturable"] = True
    return torch.optim.AdamW(groups, lr=c.lr, betas=(0.9, 0.999), eps=1e-6, **kwargs)


def _device_name(device) -> str:
    if device.type == "cuda":
        import torch

        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def _plain(v):
    if hasattr(v, "item") and getattr(v, "ndim", 0) == 0:
        return v.item()
    if hasattr(v, "tolist"):
        return v.tolist()
    return v
