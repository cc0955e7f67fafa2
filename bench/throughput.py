"""Training throughput: albert_core's engine against Hugging Face `Trainer`, same model, data, batch.

Variants (comma-separated with --variants):
  hf_defaults  Trainer as run_glue.py sets it up by default: fp32, every example padded to 128
               (or to --fixed-length)
  hf_tuned     Trainer with bf16 (on a GPU), dynamic padding, length-grouped batches, fused AdamW
  eager        our engine (albert_core.engine.Trainer, the class `python -m albert_core train` runs),
               bf16 on a GPU, fp32 on the CPU
  graphs       our engine with CUDA graphs per length bucket (GPU only)
  compile      our engine with torch.compile

Our engine is timed through its real training loop (collate, bucketing, events); only the data
source and the model construction are replaced, by random token ids with SST-2-like lengths and
a new ALBERT of the chosen preset. Prints one JSON object; --out also writes it after each variant.

  python bench/throughput.py --preset base --batch-size 32 --steps 100 --warmup 30
  python bench/throughput.py --preset base --steps 100 --warmup 200 --data-batches 100  # steady state
  python bench/throughput.py --preset large --fixed-length 384 --batch-size 32 --variants eager,compile
  python bench/throughput.py --compare-graphs 100      # loss curves: eager vs CUDA graphs
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VOCAB = 30000


# -- data -----------------------------------------------------------------------------------------
def sst2_like_lengths(n: int, seed: int = 0, max_len: int = 66) -> list[int]:
    """Lognormal lengths with [CLS]/[SEP]: mean about 14, at least 4, at most `max_len`."""
    rng = random.Random(seed)
    return [min(max_len, max(4, round(rng.lognormvariate(2.45, 0.55)))) for _ in range(n)]


def sst2_lengths(path: Path, n: int, seed: int = 0) -> tuple[list[int], str]:
    """Lengths of real SST-2 sentences under a SentencePiece vocabulary trained on them."""
    from albert_core.tokenizer import train_tokenizer

    texts = [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    tok = train_tokenizer(iter(texts), Path(tempfile.mkdtemp()) / "tok", vocab_size=8000, seed=seed)
    rng = random.Random(seed)
    picked = [rng.choice(texts) for _ in range(n)]
    return [len(x) for x in tok(picked, truncation=True, max_length=128)["input_ids"]], f"SST-2 ({path})"


def make_features(lengths: list[int], seed: int = 0) -> list[dict]:
    rng = random.Random(seed + 1)
    return [
        {
            "input_ids": [2] + [rng.randrange(5, VOCAB) for _ in range(n - 2)] + [3],
            "token_type_ids": [0] * n,
            "labels": i % 2,
        }
        for i, n in enumerate(lengths)
    ]


# -- model and FLOPs ------------------------------------------------------------------------------
def albert_config(preset_name: str, max_len: int):
    from albert_core.spec import preset

    spec = preset(preset_name)
    spec.vocab_size = VOCAB
    spec.max_position_embeddings = max(spec.max_position_embeddings, max_len)
    return spec.to_albert_config(pad_token_id=0, attn_implementation="sdpa", num_labels=2)


def build_model(cfg, seed: int):
    import torch
    import transformers

    torch.manual_seed(seed)
    return transformers.AlbertForSequenceClassification(cfg)


def flops_per_sample(cfg, mean_len: float, mean_sq_len: float) -> float:
    """Training FLOPs of one example: 6·(matmul parameters as applied per token)·tokens plus
    attention scores and mixing (ALBERT applies its one shared layer num_hidden_layers times)."""
    h, i, e, layers = cfg.hidden_size, cfg.intermediate_size, cfg.embedding_size, cfg.num_hidden_layers
    layer = 4 * h * h + 2 * h * i
    per_token = layer * layers + e * h
    attention = 12 * layers * h * mean_sq_len  # fwd 4·L²·H per layer, ×3 with backward
    return 6 * per_token * mean_len + attention + 6 * (h * h + 2 * h)  # + pooler/classifier


# -- our engine -----------------------------------------------------------------------------------
def profile_summary(prof, steps: int, gpu: bool) -> dict:
    """The busiest operators and kernels of a profiled run, and the device time per step (for a
    CUDA-graph run: what the replayed kernels cost, against the step's wall time)."""
    averages = prof.key_averages()
    key = "device_time_total" if gpu else "cpu_time_total"
    try:
        table = averages.table(sort_by=key, row_limit=30)
    except (AttributeError, KeyError, ValueError):
        key = "cuda_time_total" if gpu else key
        table = averages.table(sort_by=key, row_limit=30)
    device_us = 0.0
    if gpu:
        for e in prof.events():  # kernels and copies on the device, once each (no nesting there)
            if getattr(e, "device_type", None) is not None and "CUDA" in str(e.device_type):
                device_us += getattr(e, "device_time", 0.0) or getattr(e, "cuda_time", 0.0)
    return {"sorted_by": key, "table": table, "device_ms_per_step": round(device_us / 1000 / max(1, steps), 3)}


class _Tok:
    pad_token_id = 0


def run_ours(variant: str, args, features: list[dict], cfg, device: str, record_losses: bool = False) -> dict:
    """Train with albert_core.engine.Trainer on the given features; time steps warmup..warmup+steps."""
    import torch

    from albert_core import engine, model_setup
    from albert_core.runs import RunConfig
    from albert_core.tasks.base import Prepared
    from albert_core.tasks.classification import ClassificationTask

    class SyntheticTask(ClassificationTask):
        def prepare(self):
            return Prepared(features, [], {}, [])

    gpu = device == "cuda"
    total = args.warmup + args.steps
    log_every = 1 if record_losses else math.gcd(args.warmup, args.steps) or 1
    c = RunConfig(
        train_file="synthetic",
        max_length=max(len(f["input_ids"]) for f in features),
        max_steps=total,
        epochs=0,
        batch_size=args.batch_size,
        lr=args.lr,
        warmup_ratio=0.0,
        log_every=log_every,
        eval_every=10**9,
        device=device,
        precision="bf16" if gpu else "fp32",
        seed=args.seed,
        cuda_graphs=variant == "graphs",
        compile=variant == "compile",
    )
    original = model_setup.build_model_and_tokenizer
    model_setup.build_model_and_tokenizer = lambda *a, **k: (build_model(cfg, args.seed), _Tok())
    marks: dict[int, float] = {}
    events = []

    def sink(e):
        d = e.to_dict()
        events.append(d)
        if d["event"] in ("step", "started"):  # "started" is step 0, once the model is on the device
            marks[d.get("step", 0)] = time.perf_counter()

    run_dir = Path(tempfile.mkdtemp(prefix="albert-bench-"))
    prof = None
    try:
        t = engine.Trainer(c, run_dir, sink, engine.StopFlag(run_dir), engine._Dist())
        t.task = SyntheticTask(c)
        t._save_final = lambda metrics: run_dir
        if getattr(args, "profile", False):
            from torch.profiler import ProfilerActivity, profile

            acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if gpu else [])
            with profile(activities=acts) as prof:
                t.run()
        else:
            t.run()
    finally:
        model_setup.build_model_and_tokenizer = original
    steps = [d for d in events if d["event"] == "step"]
    logs = [d["message"] for d in events if d["event"] == "log"]
    out = {"variant": variant, "precision": c.precision, "logs": logs[:5]}
    if prof is not None:
        out["profile"] = profile_summary(prof, total, gpu)
    if record_losses:
        out["losses"] = [d["loss"] for d in steps]
    captures = getattr(t.step_fn, "captures", None)
    if captures is not None:  # a capture inside the timed steps costs an eager step and the capture
        out["captures_at_steps"] = captures
        out["captures_in_timed_steps"] = sum(1 for s in captures if s > args.warmup)
    if args.warmup in marks and total in marks:
        dt = marks[total] - marks[args.warmup]
        timed = [d for d in steps if d["step"] > args.warmup]
        prev = {d["step"]: d["elapsed"] for d in steps}
        samples = tokens = 0.0
        last = next((d["elapsed"] for d in steps if d["step"] == args.warmup), 0.0)
        for d in timed:
            w = d["elapsed"] - last
            samples += d["samples_per_s"] * w
            tokens += d["tokens_per_s"] * w
            last = prev[d["step"]]
        out.update(samples_per_s=args.batch_size * args.steps / dt, seconds=dt)
        out["tokens_per_s"] = out["samples_per_s"] * (tokens / samples if samples else 0.0)
        out["ms_per_step"] = 1000 * dt / args.steps
        if 0 in marks:  # every step from the first, its captures and first eager steps included
            out["samples_per_s_from_step_1"] = args.batch_size * total / (marks[total] - marks[0])
    del t
    gc.collect()
    if gpu:
        torch.cuda.empty_cache()
    if variant == "compile":
        torch._dynamo.reset()
    return out


# -- Hugging Face Trainer -------------------------------------------------------------------------
def run_hf(variant: str, args, features: list[dict], cfg, device: str) -> dict:
    import dataclasses

    import torch
    import transformers

    gpu = device == "cuda"
    tuned = variant == "hf_tuned"
    pad_len = args.fixed_length or 128

    if tuned:
        data = features

        def collate(rows):
            n = max(len(r["input_ids"]) for r in rows)
            ids = torch.zeros((len(rows), n), dtype=torch.long)
            mask = torch.zeros_like(ids)
            for i, r in enumerate(rows):
                ids[i, : len(r["input_ids"])] = torch.tensor(r["input_ids"])
                mask[i, : len(r["input_ids"])] = 1
            return {
                "input_ids": ids,
                "attention_mask": mask,
                "token_type_ids": torch.zeros_like(ids),
                "labels": torch.tensor([r["labels"] for r in rows]),
            }
    else:  # run_glue.py: padding="max_length", default_data_collator
        data = [
            {
                "input_ids": f["input_ids"] + [0] * (pad_len - len(f["input_ids"])),
                "attention_mask": [1] * len(f["input_ids"]) + [0] * (pad_len - len(f["input_ids"])),
                "token_type_ids": [0] * pad_len,
                "labels": f["labels"],
            }
            for f in features
        ]
        collate = transformers.default_data_collator

    total = args.warmup + args.steps
    marks: dict[int, float] = {}

    class Clock(transformers.TrainerCallback):
        def on_step_end(self, a, state, control, **kw):
            if state.global_step in (args.warmup, total):
                if gpu:
                    torch.cuda.synchronize()
                marks[state.global_step] = time.perf_counter()

    fields = {f.name for f in dataclasses.fields(transformers.TrainingArguments)}
    kw = dict(
        output_dir=tempfile.mkdtemp(prefix="albert-bench-hf-"),
        per_device_train_batch_size=args.batch_size,
        max_steps=total,
        learning_rate=args.lr,
        logging_strategy="no",
        save_strategy="no",
        report_to=[],
        disable_tqdm=True,
        seed=args.seed,
        remove_unused_columns=False,
        use_cpu=not gpu,
    )
    if tuned:
        kw.update(bf16=gpu, optim="adamw_torch_fused")
        if "train_sampling_strategy" in fields:
            kw["train_sampling_strategy"] = "group_by_length"
        else:
            kw["group_by_length"] = True
    targs = transformers.TrainingArguments(**{k: v for k, v in kw.items() if k in fields})
    model = build_model(cfg, args.seed)
    trainer = transformers.Trainer(
        model=model, args=targs, train_dataset=data, data_collator=collate, callbacks=[Clock()]
    )
    trainer.train()
    out = {"variant": variant, "precision": "bf16" if (tuned and gpu) else "fp32"}
    if args.warmup in marks and total in marks:
        dt = marks[total] - marks[args.warmup]
        out.update(samples_per_s=args.batch_size * args.steps / dt, seconds=dt, ms_per_step=1000 * dt / args.steps)
        out["tokens_per_s"] = out["samples_per_s"] * sum(len(f["input_ids"]) for f in features) / len(features)
    del trainer, model
    gc.collect()
    if gpu:
        torch.cuda.empty_cache()
    return out


# -- main -----------------------------------------------------------------------------------------
def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="base")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=100, help="timed steps")
    p.add_argument("--warmup", type=int, default=30, help="untimed steps first (graph capture, compile)")
    p.add_argument(
        "--data-batches",
        type=int,
        default=0,
        help="batches of data (0: warmup + steps, one pass). Fewer make the timed steps a later pass "
        "over the same data, so they time the steady state: every length bucket's CUDA graph "
        "captured during the warm-up, as in a long run",
    )
    p.add_argument("--variants", default="hf_defaults,hf_tuned,eager,graphs,compile")
    p.add_argument("--fixed-length", type=int, default=0, help="every example this long (e.g. 384)")
    p.add_argument("--data", default="synthetic", help="synthetic, or sst2 (reads --sst2-file)")
    p.add_argument("--sst2-file", default="/work/shared/data/sst2/train.tsv")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--peak-flops", type=float, default=989e12, help="dense bf16 peak of the GPU (H100/H200 SXM)")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--compare-graphs", type=int, default=0, metavar="STEPS", help="loss curves, eager vs graphs")
    p.add_argument(
        "--profile",
        action="store_true",
        help="run each of our variants under torch.profiler and report its busiest kernels and the "
        "device time per step (timings are then slower: profile in a separate run)",
    )
    p.add_argument("--out", help="also write the JSON here (rewritten after each variant)")
    args = p.parse_args(argv)

    import torch

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    gpu = device == "cuda"
    n = args.batch_size * (args.data_batches or args.warmup + args.steps)
    if args.fixed_length:
        lengths, source = [args.fixed_length] * n, f"fixed length {args.fixed_length}"
    elif args.data == "sst2" and Path(args.sst2_file).exists():
        lengths, source = sst2_lengths(Path(args.sst2_file), n, args.seed)
    else:
        lengths, source = sst2_like_lengths(n, args.seed), "random ids, SST-2-like lognormal lengths"
    features = make_features(lengths, args.seed)
    max_len = max(lengths)
    cfg = albert_config(args.preset, max(max_len, 128))
    mean_len = sum(lengths) / n
    mean_sq = sum(x * x for x in lengths) / n
    result = {
        "benchmark": "training throughput",
        "device": torch.cuda.get_device_name() if gpu else f"cpu ({torch.get_num_threads()} threads)",
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
        "preset": args.preset,
        "params": sum(p.numel() for p in build_model(cfg, 0).parameters()),
        "batch_size": args.batch_size,
        "timed_steps": args.steps,
        "warmup_steps": args.warmup,
        "data_batches": n // args.batch_size,
        "data": source,
        "mean_tokens": round(mean_len, 2),
        "max_tokens": max_len,
        "results": {},
    }

    def save():
        if args.out:
            Path(args.out).write_text(json.dumps(result, indent=2))

    if args.compare_graphs:
        if not gpu:
            result["compare_graphs"] = {"skipped": "needs a CUDA GPU"}
        else:
            args.warmup, args.steps = 0, args.compare_graphs
            feats = make_features(sst2_like_lengths(args.batch_size * args.compare_graphs + 7, args.seed), args.seed)
            cfg.classifier_dropout_prob = 0.0  # dropout draws differ between paths; compare without it
            a = run_ours("eager", args, feats, cfg, device, record_losses=True)
            b = run_ours("graphs", args, feats, cfg, device, record_losses=True)
            diffs = [abs(x - y) / max(abs(x), 1e-8) for x, y in zip(a["losses"], b["losses"], strict=False)]
            result["compare_graphs"] = {
                "steps": len(diffs),
                "max_rel_diff": max(diffs) if diffs else None,
                "mean_rel_diff": sum(diffs) / len(diffs) if diffs else None,
                "final_loss_eager": a["losses"][-1] if a["losses"] else None,
                "final_loss_graphs": b["losses"][-1] if b["losses"] else None,
                "eager_losses": a["losses"],
                "graphs_losses": b["losses"],
                "graphs_logs": b["logs"],
                "tolerance": "bf16: max relative difference per step below 5e-2, mean below 1e-2",
                "ok": bool(diffs)
                and max(diffs) < 5e-2
                and sum(diffs) / len(diffs) < 1e-2
                and any("captured" in m for m in b["logs"])
                and not any("turned off" in m for m in b["logs"]),
            }
        print(json.dumps(result, indent=2))
        save()
        return 0

    per_sample = flops_per_sample(cfg, mean_len, mean_sq)
    for variant in [v.strip() for v in args.variants.split(",") if v.strip()]:
        if variant in ("graphs",) and not gpu:
            result["results"][variant] = {"skipped": "CUDA graphs need a GPU"}
            continue
        t0 = time.perf_counter()
        try:
            if variant.startswith("hf_"):
                r = run_hf(variant, args, features, cfg, device)
            else:
                r = run_ours(variant, args, features, cfg, device)
        except Exception as e:  # noqa: BLE001 - one failing variant must not lose the others
            r = {"variant": variant, "error": f"{type(e).__name__}: {e}"[:2000]}
        r["wall_s"] = round(time.perf_counter() - t0, 1)
        if "samples_per_s" in r:
            r["tflops"] = r["samples_per_s"] * per_sample / 1e12
            if gpu:
                r["fraction_of_peak"] = r["samples_per_s"] * per_sample / args.peak_flops
        result["results"][variant] = r
        save()
        print(json.dumps({variant: r}), file=sys.stderr)

    res = result["results"]
    ratios = {}
    for ours in ("eager", "graphs", "compile"):
        for ref in ("hf_defaults", "hf_tuned"):
            a, b = res.get(ours, {}).get("samples_per_s"), res.get(ref, {}).get("samples_per_s")
            if a and b:
                ratios[f"{ours}_vs_{ref}"] = round(a / b, 3)
    result["ratios"] = ratios
    print(json.dumps(result, indent=2))
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
