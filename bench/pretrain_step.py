"""Pre-training step time: transformers' AlbertForPreTraining loss (vocabulary projection at
every position) against albert_core's masked-positions route (the same modules and weights,
projection only where a piece is masked), in one run, on the same batches.

  python bench/pretrain_step.py --preset tiny --batch-size 32 --length 128
  python bench/pretrain_step.py --preset base --batch-size 64 --length 512 --device cuda --precision bf16

Prints one JSON object: ms per training step (forward, backward, AdamW) for each route, the
ratio, and the largest relative difference between the two routes' losses on the same batches.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="tiny")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--length", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out")
    a = p.parse_args(argv)

    import dataclasses

    import numpy as np
    import torch
    import transformers

    from albert_core.masking import MaskingOptions, mask_batch
    from albert_core.runs import RunConfig
    from albert_core.spec import preset
    from albert_core.tasks.pretrain import PretrainTask
    from albert_core.tasks.pretrain_model import MaskedPositionsPretraining

    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    device = torch.device(a.device)
    spec = dataclasses.replace(preset(a.preset), max_position_embeddings=max(a.length, 128))
    model = transformers.AlbertForPreTraining(transformers.AlbertConfig(**dataclasses.asdict(spec))).to(device)
    task = PretrainTask(RunConfig(task="pretrain", train_file="unused"))
    rng = random.Random(0)
    v = spec.vocab_size

    def batch() -> dict:
        ids = np.asarray([[2] + [rng.randrange(5, v) for _ in range(a.length - 2)] + [3] for _ in range(a.batch_size)])
        maskable = np.ones_like(ids, dtype=bool)
        maskable[:, [0, -1]] = False
        masked, labels = mask_batch(ids, maskable, None, rng, 4, np.arange(5, v), MaskingOptions(whole_word=False))
        positions, picked = task._masked_positions(labels)
        t = lambda x: torch.from_numpy(x).to(device)  # noqa: E731
        return {
            "input_ids": t(masked),
            "token_type_ids": t(np.zeros_like(ids)),
            "attention_mask": t(np.ones_like(ids)),
            "labels": t(labels),
            "mlm_positions": t(positions),
            "mlm_labels": t(picked),
            "sentence_order_label": t(np.asarray([rng.randrange(2) for _ in range(a.batch_size)])),
        }

    batches = [batch() for _ in range(8)]
    masked_route = MaskedPositionsPretraining(model)
    plain = ("input_ids", "token_type_ids", "attention_mask", "labels", "sentence_order_label")
    routes = {
        "transformers_full_projection": lambda b: model(**{k: b[k] for k in plain}).loss,
        "albert_core_masked_positions": lambda b: masked_route(**{k: x for k, x in b.items() if k != "labels"}).loss,
    }
    amp = torch.autocast(device.type, dtype=torch.bfloat16) if a.precision == "bf16" else nullcontext()
    diffs = []
    model.eval()  # no dropout (the sentence-order head has some), so both routes see the same net
    with torch.no_grad(), amp:
        for b in batches:
            full, fast = (float(f(b)) for f in routes.values())
            diffs.append(abs(full - fast) / abs(full))
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    results = {}
    for _ in range(2):  # alternate the routes twice, keep each one's best
        for name, f in routes.items():
            for i in range(a.warmup + a.steps):
                if i == a.warmup:
                    sync()
                    t0 = time.perf_counter()
                with amp:
                    loss = f(batches[i % len(batches)])
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
            sync()
            ms = (time.perf_counter() - t0) / a.steps * 1000
            results[name] = min(ms, results.get(name, float("inf")))
    full, fast = results["transformers_full_projection"], results["albert_core_masked_positions"]
    out = {
        "benchmark": "pretrain_step",
        "machine": {"python": platform.python_version(), "device": str(device), "torch": torch.__version__},
        "settings": vars(a),
        "ms_per_step": {k: round(x, 2) for k, x in results.items()},
        "samples_per_s": {k: round(a.batch_size / x * 1000, 1) for k, x in results.items()},
        "speedup": round(full / fast, 2),
        "loss_max_rel_diff": max(diffs),
    }
    text = json.dumps(out, indent=2)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
