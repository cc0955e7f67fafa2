"""On the CPU: albert_core's engine against Hugging Face `Trainer` defaults on SST-2, same model,
data and batch; and the dev accuracy our run reaches within a fixed budget of steps.

Our side is the real command (`albert_core.engine.train` on a run folder, as
`python -m albert_core train` runs it): SentencePiece vocabulary trained on the data, length
buckets. The reference is `Trainer` as run_glue.py sets it up by default (fp32, every sentence
padded to 128) on the same tokenized data and the same model configuration, timed over
--hf-steps steps after two warm-up steps. Skips when the data is absent.

  python bench/cpu_sst2.py --preset small --batch-size 32 --max-steps 400
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="/work/shared/data/sst2")
    p.add_argument("--preset", default="small")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-steps", type=int, default=400, help="our run's budget")
    p.add_argument("--hf-steps", type=int, default=20, help="timed Trainer steps")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--out")
    args = p.parse_args(argv)
    data = Path(args.data)
    if not (data / "train.tsv").exists():
        print(json.dumps({"skipped": f"no SST-2 data in {data}"}))
        return 0

    import torch
    import transformers

    from albert_core.engine import train
    from albert_core.events import read_events
    from albert_core.runs import RunConfig, create_run

    run = Path(tempfile.mkdtemp(prefix="albert-sst2-")) / "run"
    config = RunConfig(
        train_file=str(data / "train.tsv"),
        eval_file=str(data / "dev.tsv"),
        preset=args.preset,
        batch_size=args.batch_size,
        max_steps=args.max_steps,
        epochs=0,
        lr=args.lr,
        log_every=20,
        eval_every=10**9,
        device="cpu",
        seed=0,
    )
    create_run(config, run)
    t0 = time.perf_counter()
    final = train(run)
    wall = time.perf_counter() - t0
    steps = [e for e in read_events(run / "events.jsonl") if e["event"] == "step"][1:]  # first window warms up
    dt = [b["elapsed"] - a["elapsed"] for a, b in zip(steps, steps[1:], strict=False)]
    ours = sum(s["samples_per_s"] * w for s, w in zip(steps[1:], dt, strict=True)) / max(sum(dt), 1e-9)
    tokens = sum(s["tokens_per_s"] * w for s, w in zip(steps[1:], dt, strict=True)) / max(sum(dt), 1e-9)

    # the reference: Trainer defaults on the same tokenizer, model configuration and batch size
    from albert_core.tokenizer import load_tokenizer

    tok = load_tokenizer(run / "tokenizer")
    texts = [ln.split("\t") for ln in (data / "train.tsv").read_text(encoding="utf-8").splitlines()[1:] if ln]
    n = args.batch_size * (args.hf_steps + 2)
    enc = tok([t for t, _ in texts[:n]], padding="max_length", max_length=128, truncation=True)
    rows = [
        {"input_ids": i, "attention_mask": m, "token_type_ids": tt, "labels": int(y)}
        for i, m, tt, (_, y) in zip(
            enc["input_ids"], enc["attention_mask"], enc["token_type_ids"], texts[:n], strict=True
        )
    ]
    cfg = transformers.AutoConfig.from_pretrained(run / "model")
    torch.manual_seed(0)
    model = transformers.AlbertForSequenceClassification(cfg)
    marks = {}

    class Clock(transformers.TrainerCallback):
        def on_step_end(self, a, state, control, **kw):
            marks[state.global_step] = time.perf_counter()

    targs = transformers.TrainingArguments(
        output_dir=str(run.parent / "hf"),
        per_device_train_batch_size=args.batch_size,
        max_steps=args.hf_steps + 2,
        learning_rate=args.lr,
        logging_strategy="no",
        save_strategy="no",
        report_to=[],
        disable_tqdm=True,
        use_cpu=True,
        remove_unused_columns=False,
    )
    transformers.Trainer(
        model=model,
        args=targs,
        train_dataset=rows,
        data_collator=transformers.default_data_collator,
        callbacks=[Clock()],
    ).train()
    hf = args.batch_size * args.hf_steps / (marks[args.hf_steps + 2] - marks[2])
    result = {
        "benchmark": "SST-2 training on the CPU",
        "threads": torch.get_num_threads(),
        "preset": args.preset,
        "batch_size": args.batch_size,
        "ours": {
            "samples_per_s": ours,
            "real_tokens_per_s": tokens,
            "steps": args.max_steps,
            "samples_seen": args.max_steps * args.batch_size,
            "wall_s": round(wall, 1),
            "dev_accuracy": final.get("metrics", {}).get("accuracy"),
            "result": final["event"],
        },
        "hf_trainer_defaults": {"samples_per_s": hf, "timed_steps": args.hf_steps, "padding": 128, "precision": "fp32"},
        "ratio_samples_per_s": ours / hf,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
