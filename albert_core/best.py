"""The best validation score of a run so far: for keeping the best model rather than the last
(`keep_best`), and for stopping when the score has stopped getting better (`early_stop`).

A model fine-tuned for a few epochs often scores best before its last step, and a long run
spends hours past its best. After each evaluation the keeper compares the task's main metric
(accuracy, F1, MLM accuracy; lower is better only for a loss) with the best so far; a tie goes
to a validation loss lower by more than 0.1% (a classifier's accuracy often stays at the majority
label's share for several evaluations while its loss falls: that is progress, not a plateau; a
loss lower by 2e-8 is not). An early stop
waits until the model has beaten its first evaluation: a new model's first evaluations often sit
at the majority label's share for a while before it starts to learn. With
`keep_best` it writes the weights of each new best to `best/model.safetensors` in the run folder
(a temporary file renamed into place, then `best/best.json`), so a stopped and resumed run
still knows its best; at the end those weights become the final model.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from .runs import atomic_write_json, usual_modes

LOSS_TIE_MARGIN = 1e-3  # a tie on the metric is broken by a validation loss lower by more than 0.1%


class BestKeeper:
    def __init__(self, run_dir: Path, metric: str, keep: bool, patience: int, writes: bool = True):
        self.folder = Path(run_dir) / "best"
        self.metric, self.keep, self.patience, self.writes = metric, keep, patience, writes
        self.higher = metric != "loss"
        self.step = 0  # the step of the best evaluation (0: none yet)
        self.value = math.nan
        self.metrics: dict = {}
        self.stale = 0  # evaluations since the best
        self.first = 0  # the step of the first evaluation
        self.last = 0  # the step of the latest evaluation weighed
        state = self.folder / "best.json"
        if state.exists():  # a resumed run: its best so far
            try:
                d = json.loads(state.read_text(encoding="utf-8"))
                self.step, self.value, self.metrics, self.stale = d["step"], d["value"], d["metrics"], d["stale"]
                self.first = d["first"]
                self.last = d.get("last", self.step)
            except (ValueError, KeyError, TypeError, OSError):
                pass  # damaged: start afresh (the weights file is only read with a valid state)

    @property
    def active(self) -> bool:
        return self.keep or self.patience > 0

    def better(self, value: float, loss: float = math.nan) -> bool:
        if not math.isfinite(value):
            return False
        if not math.isfinite(self.value):
            return True
        if value == self.value:  # a tie: better only for a loss lower by more than noise
            best_loss = self.metrics.get("loss", math.nan)
            return math.isfinite(loss) and (not math.isfinite(best_loss) or loss < best_loss * (1 - LOSS_TIE_MARGIN))
        return value > self.value if self.higher else value < self.value

    def update(self, step: int, metrics: dict, model) -> bool:
        """Weigh one evaluation; True when it is a new best (its weights are saved with keep_best)."""
        value = metrics.get(self.metric)
        if not self.active or not isinstance(value, (int, float)):
            return False
        if step == self.last:
            return False  # the same step again (the final evaluation after an early stop): not weighed twice
        self.first, self.last = self.first or step, step
        loss = metrics.get("loss")
        new = self.better(float(value), float(loss) if isinstance(loss, (int, float)) else math.nan)
        if new:
            self.step, self.value, self.metrics, self.stale = step, float(value), dict(metrics), 0
            if self.keep and self.writes:
                self._save(model)
        else:
            self.stale += 1
        if self.writes:
            atomic_write_json(self.folder / "best.json", self._state())
        return new

    def rewind(self, step: int, evals: list[tuple[int, dict]], model=None) -> bool:
        """A run resumed from the checkpoint of `step` after a crash trains the steps after it again:
        the evaluations of those steps (weighed before the crash) are forgotten, the best and the count
        since it made again from `evals` (step, metrics: the run's evaluations, a later one of a step
        superseding an earlier) up to `step`, and best weights of a later step let go (the run looks
        for its best again); when the best is `step` itself, `model` (as the checkpoint put it back)
        holds its weights. False when nothing past `step` was weighed."""
        if self.last <= step:
            return False
        saved = self.step
        self.step, self.value, self.metrics, self.stale, self.first, self.last = 0, math.nan, {}, 0, 0, 0
        writes, self.writes = self.writes, False
        try:
            for s, metrics in sorted(dict(evals).items()):
                if s <= step:
                    self.update(s, metrics, None)
        finally:
            self.writes = writes
        if self.writes:
            if self.keep and self.step == step and model is not None:  # the checkpoint's weights are the best
                self._save(model)
            elif saved != self.step:  # the weights kept are another step's: not this run's best any more
                (self.folder / "model.safetensors").unlink(missing_ok=True)
            atomic_write_json(self.folder / "best.json", self._state())
        return True

    def _state(self) -> dict:
        return {
            "step": self.step,
            "value": self.value,
            "metrics": self.metrics,
            "stale": self.stale,
            "first": self.first,
            "last": self.last,
        }

    def should_stop(self) -> bool:
        return self.patience > 0 and self.stale >= self.patience and self.step != self.first

    def _save(self, model) -> None:
        from safetensors.torch import save_model

        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / ".model.safetensors.tmp"
        try:
            save_model(model, str(tmp))
            usual_modes(tmp)
            os.replace(tmp, self.folder / "model.safetensors")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def restore(self, model) -> dict:
        """Put the best weights back into `model`; returns their evaluation's metrics."""
        from safetensors.torch import load_model

        load_model(model, str(self.folder / "model.safetensors"), device=str(next(model.parameters()).device))
        return dict(self.metrics)

    def describe(self) -> str:
        return f"{self.metric} {self.value:.4g} at step {self.step:,}"
