"""Batch-1 CPU latency of ALBERT-base sequence classification: ours (PyTorch, ONNX, ONNX int8)
against a plain transformers `pipeline("text-classification")`, in the same run.
`--task ner`: token classification against `pipeline("token-classification")`, entities compared
on CoNLL-2003 dev sentences; `--task qa`: question answering, ours PyTorch against ours ONNX
(transformers 5 has no question answering pipeline), answers compared.

A randomly initialised ALBERT-base (vocabulary 30,000) with a SentencePiece tokenizer trained on
SST-2 sentences (or built-in words when the data is absent). Texts of exactly 16, 32 and 64 tokens.
Also: label agreement of each fast path with PyTorch on the SST-2 dev sentences.

  python bench/latency.py --runs 60 --out bench-out/latency.json
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = "the a film movie story good bad great awful really quite plot actors scene funny dull long short".split()


def texts_of(tok, n: int, words: list[str], seed: int) -> str:
    """A text that tokenizes to exactly n tokens (with [CLS] and [SEP])."""
    rng = random.Random(seed)
    for _ in range(200):
        out = []
        while True:
            cand = out + [rng.choice(words)]
            k = len(tok(" ".join(cand))["input_ids"])
            if k == n:
                return " ".join(cand)
            if k > n:
                break
            out = cand
    raise RuntimeError(f"no text of {n} tokens")


def timed(fn, runs: int, warm: int = 5) -> dict:
    for _ in range(warm):
        fn()
    ms = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    return {"p50_ms": statistics.median(ms), "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))]}


NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def other_task(args) -> int:
    """Latency and agreement for token classification or question answering (random weights)."""
    import torch
    import transformers

    from albert_core.predict import load_predictor
    from albert_core.spec import preset
    from albert_core.tokenizer import train_tokenizer

    torch.set_num_threads(args.threads)
    transformers.utils.logging.set_verbosity_error()
    conll = Path(args.conll)
    sentences: list[str] = []
    if conll.exists():
        words: list[str] = []
        for line in conll.read_text(encoding="utf-8").splitlines() + [""]:
            if not line.strip() or line.startswith("-DOCSTART-"):
                if words:
                    sentences.append(" ".join(words))
                words = []
            else:
                words.append(line.split()[0])
    corpus = sentences[:20000] or [" ".join(random.Random(i).choices(WORDS, k=12)) for i in range(2000)]
    folder = Path(tempfile.mkdtemp(prefix=f"albert-latency-{args.task}-"))
    tok = train_tokenizer(iter(corpus), folder, vocab_size=8000, seed=0)
    spec = preset(args.preset)
    spec.vocab_size = 30000
    if args.task == "ner":
        extra = dict(
            num_labels=len(NER_LABELS),
            id2label=dict(enumerate(NER_LABELS)),
            label2id={y: i for i, y in enumerate(NER_LABELS)},
            architectures=["AlbertForTokenClassification"],
        )
        cls = transformers.AlbertForTokenClassification
    else:
        extra = dict(architectures=["AlbertForQuestionAnswering"])
        cls = transformers.AlbertForQuestionAnswering
    cfg = spec.to_albert_config(pad_token_id=tok.pad_token_id, attn_implementation="sdpa", **extra)
    torch.manual_seed(0)
    cls(cfg).save_pretrained(folder)
    plain = load_predictor(folder)
    t0 = time.perf_counter()
    fast = load_predictor(folder, fast=True)
    export_s = time.perf_counter() - t0
    vocab = sorted({w for t in corpus[:3000] for w in t.split()}) or WORDS
    result = {
        "benchmark": f"batch-1 {args.task} latency on the CPU",
        "model": f"ALBERT-{args.preset}, random weights, vocabulary 30000",
        "threads": args.threads,
        "torch": torch.__version__,
        "onnx_export_s": round(export_s, 1),
        "fast_path": type(fast.model).__name__,
        "lengths": {},
    }
    if args.task == "ner":
        pipe = transformers.pipeline("token-classification", model=str(folder), aggregation_strategy="first", device=-1)
        lengths = (16, 32, 64)
    else:
        pipe = None
        lengths = (64, 128, 256)
    question = "who won the match"
    for n in lengths:
        text = texts_of(plain.tokenizer, n, vocab, n)
        if args.task == "ner":
            row = {"pipeline": timed(lambda t=text: pipe(t), args.runs)}
            row["ours_torch"] = timed(lambda t=text: plain.predict(t), args.runs)
            row["ours_onnx"] = timed(lambda t=text: fast.predict(t), args.runs)
            base = row["pipeline"]["p50_ms"]
            row["speedup_p50_vs_pipeline"] = {k: round(base / row[k]["p50_ms"], 2) for k in ("ours_torch", "ours_onnx")}
        else:
            row = {"ours_torch": timed(lambda t=text: plain.predict(question, t), args.runs)}
            row["ours_onnx"] = timed(lambda t=text: fast.predict(question, t), args.runs)
            row["speedup_p50_onnx_vs_torch"] = round(row["ours_torch"]["p50_ms"] / row["ours_onnx"]["p50_ms"], 2)
        result["lengths"][str(n)] = row
        print(json.dumps({n: row}), file=sys.stderr)
    texts = sentences[: args.dev_limit] if sentences else corpus[:200]
    same = 0
    for i, text in enumerate(texts):
        if args.task == "ner":
            a, b = plain.predict(text)["entities"], fast.predict(text)["entities"]
            same += [(e["type"], e["start"], e["end"]) for e in a] == [(e["type"], e["start"], e["end"]) for e in b]
        else:
            q = texts[i - 1]
            a, b = plain.predict(q, text), fast.predict(q, text)
            same += (a["answers"][:1] and (a["answers"][0]["start"], a["answers"][0]["end"])) == (
                b["answers"][:1] and (b["answers"][0]["start"], b["answers"][0]["end"])
            )
    result["agreement_with_torch"] = {
        "texts": len(texts),
        "source": str(conll) if sentences else "built-in words",
        "same": same / max(1, len(texts)),
        "compared": "entities (type and span)" if args.task == "ner" else "best answer span",
    }
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="base")
    p.add_argument("--runs", type=int, default=60)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sst2", default="/work/shared/data/sst2")
    p.add_argument("--dev-limit", type=int, default=872, help="dev sentences for the agreement check")
    p.add_argument("--task", default="classification", choices=["classification", "ner", "qa"])
    p.add_argument("--conll", default="/work/shared/data/conll2003/dev.txt")
    p.add_argument("--out")
    args = p.parse_args(argv)
    if args.task != "classification":
        return other_task(args)

    import torch
    import transformers

    from albert_core.predict import load_predictor
    from albert_core.spec import preset
    from albert_core.tokenizer import train_tokenizer

    torch.set_num_threads(args.threads)
    transformers.utils.logging.set_verbosity_error()
    sst2 = Path(args.sst2)
    train_texts = dev_texts = []
    if (sst2 / "train.tsv").exists():
        read = lambda f: [ln.split("\t")[0] for ln in (sst2 / f).read_text(encoding="utf-8").splitlines()[1:] if ln]  # noqa: E731
        train_texts, dev_texts = read("train.tsv"), read("dev.tsv")[: args.dev_limit]
    folder = Path(tempfile.mkdtemp(prefix="albert-latency-"))
    corpus = train_texts[:20000] or [" ".join(random.Random(i).choices(WORDS, k=12)) for i in range(2000)]
    tok = train_tokenizer(iter(corpus), folder, vocab_size=8000, seed=0)
    spec = preset(args.preset)
    spec.vocab_size = 30000
    cfg = spec.to_albert_config(
        pad_token_id=tok.pad_token_id,
        num_labels=2,
        id2label={0: "negative", 1: "positive"},
        label2id={"negative": 0, "positive": 1},
        architectures=["AlbertForSequenceClassification"],
        attn_implementation="sdpa",
    )
    torch.manual_seed(0)
    transformers.AlbertForSequenceClassification(cfg).save_pretrained(folder)

    plain = load_predictor(folder)
    t0 = time.perf_counter()
    fast = load_predictor(folder, fast=True)
    export_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    int8 = load_predictor(folder, int8=True)
    quant_s = time.perf_counter() - t0
    pipe = transformers.pipeline("text-classification", model=str(folder), device=-1)

    words = sorted({w for t in corpus[:3000] for w in t.split()}) or WORDS
    result = {
        "benchmark": "batch-1 classification latency on the CPU",
        "model": f"ALBERT-{args.preset}, random weights, vocabulary 30000",
        "threads": args.threads,
        "torch": torch.__version__,
        "onnx_export_s": round(export_s, 1),
        "int8_quantize_s": round(quant_s, 1),
        "lengths": {},
    }
    for n in (16, 32, 64):
        text = texts_of(plain.tokenizer, n, words, n)
        row = {
            "pipeline": timed(lambda t=text: pipe(t), args.runs),
            "ours_torch": timed(lambda t=text: plain.predict(t), args.runs),
            "ours_onnx": timed(lambda t=text: fast.predict(t), args.runs),
            "ours_onnx_int8": timed(lambda t=text: int8.predict(t), args.runs),
        }
        base = row["pipeline"]["p50_ms"]
        row["speedup_p50_vs_pipeline"] = {k: round(base / v["p50_ms"], 2) for k, v in row.items() if k != "pipeline"}
        result["lengths"][str(n)] = row
        print(json.dumps({n: row}), file=sys.stderr)

    if dev_texts:
        ref = plain.classify_batch(dev_texts)
        agree = {}
        for name, pr in (("onnx", fast), ("onnx_int8", int8)):
            got = pr.classify_batch(dev_texts)
            agree[name] = sum(a == b for a, b in zip(ref, got, strict=True)) / len(ref)
        enc = plain.tokenizer(dev_texts[:64], padding=True, return_tensors="pt")
        with torch.no_grad():
            a = plain.model(**enc).logits.numpy()
        b = fast.logits(fast._encode(dev_texts[:64], padding=True))
        c = int8.logits(int8._encode(dev_texts[:64], padding=True))
        result["sst2_dev_agreement_with_torch"] = {
            "sentences": len(ref),
            "label_agreement": agree,
            "max_abs_logit_diff_onnx": float(abs(a - b).max()),
            "max_abs_logit_diff_int8": float(abs(a - c).max()),
            "note": "random weights: logits of the two classes are close, so int8 flips are an upper bound",
        }
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
