"""NER quality on CoNLL-2003: a small ALBERT trained from scratch (train → dev) next to a
most-frequent-tag-per-word baseline, both scored by seqeval. Prints one JSON object.

    python bench/ner_quality.py [--data DIR] [--preset small] [--max-steps 1500] [--out FILE]

Needs DIR/train.txt and DIR/dev.txt (CoNLL columns, NER tags last); when they are absent it
prints {"skipped": ...} and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "conll2003"


def frequent_tag_baseline(train, dev) -> list[list[str]]:
    """Each dev word gets the tag it had most often in training (exact word, then lower case);
    unseen words get O. Tags are repaired to valid IOB2 (an I- that starts a chunk becomes B-)."""
    from albert_core.data.conll import to_iob2

    exact: dict[str, Counter] = defaultdict(Counter)
    lower: dict[str, Counter] = defaultdict(Counter)
    for words, tags in zip(train.sentences, train.tags, strict=True):
        for w, t in zip(words, tags, strict=True):
            exact[w][t] += 1
            lower[w.lower()][t] += 1
    out = []
    for words in dev.sentences:
        tags = []
        for w in words:
            c = exact.get(w) or lower.get(w.lower())
            tags.append(c.most_common(1)[0][0] if c else "O")
        out.append(to_iob2(tags, "IOB2"))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--preset", default="small")
    ap.add_argument("--max-steps", type=int, default=1500)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--run-dir", default="")
    ap.add_argument("--out", default="")
    args = ap.parse_args(argv)
    data = Path(args.data)
    train_file, dev_file = data / "train.txt", data / "dev.txt"
    if not (train_file.exists() and dev_file.exists()):
        print(json.dumps({"skipped": f"no CoNLL-2003 data at {data} (train.txt, dev.txt)"}))
        return 0

    from albert_core.data.conll import read_ner
    from albert_core.engine import train
    from albert_core.metrics_ner import entity_scores
    from albert_core.runs import RunConfig, create_run

    t0 = time.perf_counter()
    tr, dv = read_ner(train_file), read_ner(dev_file)
    base = entity_scores(dv.tags, frequent_tag_baseline(tr, dv))
    t_base = time.perf_counter() - t0

    run_root = Path(args.run_dir) if args.run_dir else Path(tempfile.mkdtemp(prefix="ner-bench-"))
    config = RunConfig(
        task="ner",
        train_file=str(train_file),
        eval_file=str(dev_file),
        name="conll2003-bench",
        preset=args.preset,
        max_steps=args.max_steps,
        batch_size=args.batch_size,
        lr=args.lr,
        max_length=args.max_length,
        eval_every=args.max_steps,  # once, at the end
        log_every=100,
        num_threads=args.threads,
    )
    run = create_run(config, run_root / "run")
    t1 = time.perf_counter()
    last = train(run)
    t_train = time.perf_counter() - t1
    if last["event"] != "finished":
        print(json.dumps({"error": last}))
        return 1
    m = last["metrics"]
    per_type = {k[3:]: v for k, v in m.items() if k.startswith("f1_")}
    result = {
        "benchmark": "conll2003 NER, train.txt → dev.txt, entity F1 (seqeval)",
        "model": {
            "preset": args.preset,
            "from_scratch": True,
            "max_steps": args.max_steps,
            "batch_size": args.batch_size,
            "epochs": round(args.max_steps * args.batch_size / len(tr), 2),
            "lr": args.lr,
            "f1": m["f1"],
            "precision": m["precision"],
            "recall": m["recall"],
            "f1_per_type": per_type,
            "train_seconds": round(t_train, 1),
        },
        "baseline_most_frequent_tag": {
            "f1": base["f1"],
            "precision": base["precision"],
            "recall": base["recall"],
            "f1_per_type": {k: v["f1"] for k, v in base["per_type"].items()},
            "seconds": round(t_base, 1),
        },
        "f1_ratio_model_over_baseline": m["f1"] / base["f1"] if base["f1"] else None,
        "train_sentences": len(tr),
        "dev_sentences": len(dv),
        "run_dir": str(run),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
