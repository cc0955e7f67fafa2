"""How long masking a pre-training batch takes, next to transformers' collator.

On a GPU the batches of pre-training are made in worker processes, and making them (ALBERT's
n-gram masking, Python work) set the pace of `small` on an H200 before there were workers. This
times, on one CPU core, the masking of the same batch × length rows of word pieces:
- ours: `albert_core.masking.mask_batch` (n-grams of up to 3 whole words, p(n) ∝ 1/n, 80/10/10),
  through the pre-training task's `train_collate` (padding, masking, the masked positions);
- reference: transformers' `DataCollatorForLanguageModeling`, whole-word masking (one word at a
  time, no n-grams), and its plain token masking.
Text: WikiText-2 from the shared data when there (`--data`), else generated sentences. Prints
one JSON object with milliseconds per batch and the ratios (reference / ours: above 1, ours is
faster).

    python bench/masking_speed.py --batch-size 128 --length 128 --batches 50
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from pretrain_sst2 import DEFAULT_DATA, report  # noqa: E402

from albert_core.runs import RunConfig  # noqa: E402
from albert_core.tasks.pretrain import PretrainTask  # noqa: E402
from albert_core.tokenizer import train_tokenizer  # noqa: E402


def _text(data: Path) -> list[str]:
    wiki = data / "lm" / "wikitext-2" / "valid.txt"
    if wiki.exists():
        return [line.strip() for line in wiki.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(0)
    words = [f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "po", "ru", "sa", "ti") for b in ("n", "ra", "le", "ssa")]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(8, 30))) + "." for _ in range(20000)]


def _ms(fn, batches: int) -> float:
    fn(0)  # warm
    t = time.perf_counter()
    for i in range(batches):
        fn(i + 1)
    return 1000 * (time.perf_counter() - t) / batches


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--length", type=int, default=128)
    p.add_argument("--batches", type=int, default=50)
    p.add_argument("--vocab-size", type=int, default=8000)
    p.add_argument("--out", type=Path)
    a = p.parse_args(argv)
    torch.set_num_threads(1)  # one worker's share

    lines = _text(a.data)
    with tempfile.TemporaryDirectory() as tmp:
        tok = train_tokenizer(lines, Path(tmp) / "tok", vocab_size=a.vocab_size)
    enc = tok(" ".join(lines[:20000]), add_special_tokens=False, return_offsets_mapping=True)
    ids, spans = enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]
    body = a.length - 3  # [CLS] A [SEP] B [SEP]
    half = body // 2
    rows, offsets = [], []  # the reference's whole-word masking reads words from the offsets
    for start in range(0, len(ids) - body, body):
        piece, at = ids[start : start + body], spans[start : start + body]
        rows.append([tok.cls_token_id, *piece[:half], tok.sep_token_id, *piece[half:], tok.sep_token_id])
        offsets.append([(0, 0), *at[:half], (0, 0), *at[half:], (0, 0)])
    if len(rows) < a.batch_size:
        raise SystemExit(f"the text makes {len(rows)} rows of {a.length} pieces; a batch needs {a.batch_size}")
    features = [
        {"input_ids": r, "token_type_ids": [0] * (half + 2) + [1] * (len(r) - half - 2), "sentence_order_label": i % 2}
        for i, r in enumerate(rows)
    ]
    offset_of = {id(f): o for f, o in zip(features, offsets, strict=True)}

    task = PretrainTask(RunConfig(task="pretrain", train_file="unused"))
    task.tokenizer = tok
    task._vocab_tables()

    def batch(i: int) -> list[dict]:
        k = (i * a.batch_size) % (len(features) - a.batch_size)
        return features[k : k + a.batch_size]

    ours = _ms(lambda i: task.train_collate(batch(i), seed=i), a.batches)
    results = {"ours_ngram_whole_word": ours}
    for name, whole in (("transformers_whole_word", True), ("transformers_tokens", False)):
        from transformers import DataCollatorForLanguageModeling

        try:
            hf = DataCollatorForLanguageModeling(tok, mlm_probability=0.15, whole_word_mask=whole, seed=0)
        except (TypeError, ValueError) as e:  # an older transformers without the option
            results[name] = None
            print(f"{name}: {e}", file=sys.stderr)
            continue

        def call(i, hf=hf, whole=whole):
            rows = [{"input_ids": f["input_ids"]} for f in batch(i)]
            if whole:
                for r, f in zip(rows, batch(i), strict=True):
                    r["offset_mapping"] = offset_of[id(f)]
            return hf(rows)

        results[name] = _ms(call, a.batches)

    out = {
        "benchmark": "masking_speed",
        "settings": {"batch_size": a.batch_size, "length": a.length, "batches": a.batches, "threads": 1},
        "text": "WikiText-2 valid" if (a.data / "lm" / "wikitext-2" / "valid.txt").exists() else "generated",
        "ms_per_batch": {k: (round(v, 2) if v is not None else None) for k, v in results.items()},
        "ratio": {f"{k} / ours": round(v / ours, 2) for k, v in results.items() if k != "ours_ngram_whole_word" and v},
    }
    return report(out, a.out)


if __name__ == "__main__":
    sys.exit(main())
