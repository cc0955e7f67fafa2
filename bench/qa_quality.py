"""QA quality on SQuAD v1.1 dev, split by article: a small ALBERT trained from scratch on the
first articles and tested on the rest, next to sentence baselines, all scored with SQuAD's
exact match and F1. Prints one JSON object.

    python bench/qa_quality.py [--data FILE] [--test-articles 8] [--preset small] [--max-steps 600]

The last `--test-articles` articles (in file order) are the test set, the others train. When
FILE is absent it prints {"skipped": ...} and exits 0.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "squad" / "dev-v1.1.json"


def sentences(context: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", context) if s.strip()]


def overlap_sentence(question: str, context: str) -> str:
    """The context sentence sharing the most (normalised) words with the question."""
    from albert_core.metrics_qa import normalize_answer

    q = set(normalize_answer(question).split())
    return max(sentences(context), key=lambda s: len(q & set(normalize_answer(s).split())))


def write_jsonl(examples, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for e in examples:
            rec = {
                "id": e.id,
                "title": e.title,
                "question": e.question,
                "context": e.context,
                "answers": {"text": [t for t, _ in e.answers], "answer_start": [s for _, s in e.answers]},
            }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--test-articles", type=int, default=8)
    ap.add_argument("--preset", default="small")
    ap.add_argument("--max-steps", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--doc-stride", type=int, default=64)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--run-dir", default="")
    ap.add_argument("--out", default="")
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not data.exists():
        print(json.dumps({"skipped": f"no SQuAD file at {data}"}))
        return 0

    from albert_core.data.squad import read_squad
    from albert_core.engine import train
    from albert_core.metrics_qa import squad_scores
    from albert_core.runs import RunConfig, create_run

    squad = read_squad(data)
    titles = squad.titles
    test_titles = titles[-args.test_articles :]
    train_titles = titles[: -args.test_articles]
    train_ex = [e for e in squad.examples if e.title in set(train_titles)]
    test_ex = [e for e in squad.examples if e.title in set(test_titles)]
    refs = {e.id: e.answer_texts for e in test_ex}
    baselines = {
        "first_sentence": squad_scores({e.id: sentences(e.context)[0] for e in test_ex}, refs),
        "overlap_sentence": squad_scores({e.id: overlap_sentence(e.question, e.context) for e in test_ex}, refs),
    }

    root = Path(args.run_dir) if args.run_dir else Path(tempfile.mkdtemp(prefix="qa-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    write_jsonl(train_ex, root / "train.jsonl")
    write_jsonl(test_ex, root / "test.jsonl")
    config = RunConfig(
        task="qa",
        train_file=str(root / "train.jsonl"),
        eval_file=str(root / "test.jsonl"),
        name="squad-by-article-bench",
        preset=args.preset,
        max_steps=args.max_steps,
        batch_size=args.batch_size,
        lr=args.lr,
        max_length=args.max_length,
        eval_every=args.max_steps,
        log_every=50,
        num_threads=args.threads,
        options={"doc_stride": args.doc_stride},
    )
    run = create_run(config, root / "run")
    t0 = time.perf_counter()
    last = train(run)
    seconds = time.perf_counter() - t0
    if last["event"] != "finished":
        print(json.dumps({"error": last}))
        return 1
    m = last["metrics"]
    best_base = max(b["f1"] for b in baselines.values())
    result = {
        "benchmark": "SQuAD v1.1 dev split by article: train on the first articles, test on the last",
        "train_articles": train_titles,
        "test_articles": test_titles,
        "train_questions": len(train_ex),
        "test_questions": len(test_ex),
        "model": {
            "preset": args.preset,
            "from_scratch": True,
            "max_steps": args.max_steps,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "max_length": args.max_length,
            "doc_stride": args.doc_stride,
            "exact": m["exact"],
            "f1": m["f1"],
            "train_seconds": round(seconds, 1),
        },
        "baselines": {k: {"exact": v["exact"], "f1": v["f1"]} for k, v in baselines.items()},
        "f1_ratio_model_over_best_baseline": m["f1"] / best_base if best_base else None,
        "run_dir": str(run),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
