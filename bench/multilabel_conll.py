"""A multi-label classifier on real text, against TF-IDF + one logistic regression per label.

The task: which kinds of entity a CoNLL-2003 sentence names (PER, LOC, ORG, MISC; any number of
them, or none), read from the data set's own tags, so every label is a real annotator's. Both
sides train on the train split and are scored on the dev split with micro F1 (every label
decision counts once), macro F1 and exact match (the whole set right). Our side is the real
command, `python -m albert_core train --multi-label`, from new weights (a tokenizer trained on the
training sentences); the reference is scikit-learn's TfidfVectorizer (word 1-2 grams) and
OneVsRestClassifier(LogisticRegression) in the same run. Skips when the data is absent.

  python bench/multilabel_conll.py --preset tiny --epochs 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def entity_kinds(path: Path) -> list[tuple[str, list[str]]]:
    """Each sentence of a CoNLL file and the entity types its tags name."""
    from albert_core.data.conll import read_ner

    data = read_ner(path)
    return [
        (" ".join(words), sorted({t[2:] for t in tags if t != "O"}))
        for words, tags in zip(data.sentences, data.tags, strict=True)
    ]


def write_jsonl(rows, path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for text, labels in rows:
            f.write(json.dumps({"text": text, "labels": labels}) + "\n")
    return path


def reference(train, dev) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    from albert_core.metrics import multilabel_metrics

    t0 = time.perf_counter()
    binarizer = MultiLabelBinarizer().fit([y for _, y in train])
    vectors = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
    x_train = vectors.fit_transform([t for t, _ in train])
    model = OneVsRestClassifier(LogisticRegression(max_iter=2000, C=4.0)).fit(
        x_train, binarizer.transform([y for _, y in train])
    )
    predicted = model.predict(vectors.transform([t for t, _ in dev]))
    m = multilabel_metrics(binarizer.transform([y for _, y in dev]).tolist(), predicted.tolist())
    m.pop("outcomes")
    return {**m, "seconds": round(time.perf_counter() - t0, 1)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "conll2003"))
    p.add_argument("--preset", default="tiny")
    p.add_argument("--epochs", type=float, default=3)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", help="write the result JSON here too")
    args = p.parse_args(argv)
    data = Path(args.data)
    if not (data / "train.txt").exists():
        print(json.dumps({"skipped": f"no CoNLL-2003 data in {data}"}))
        return 0
    train, dev = entity_kinds(data / "train.txt"), entity_kinds(data / "dev.txt")
    work = Path(tempfile.mkdtemp(prefix="albert-multilabel-"))
    train_file, dev_file = write_jsonl(train, work / "train.jsonl"), write_jsonl(dev, work / "dev.jsonl")
    ref = reference(train, dev)

    command = [sys.executable, "-m", "albert_core", "train", "--train", str(train_file), "--eval", str(dev_file),
               "--multi-label", "--preset", args.preset, "--epochs", str(args.epochs), "--lr", str(args.lr),
               "--batch-size", str(args.batch_size), "--seed", str(args.seed), "--device", "cpu",
               "--out", str(work / "run"), "--json"]  # fmt: skip
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    finished = next((e for e in events if e.get("event") == "finished"), None)
    if finished is None:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
        return 1
    ours = {
        k: v
        for k, v in finished["metrics"].items()
        if k in ("micro_f1", "macro_f1", "exact_match", "loss", "micro_f1_untuned", "thresholds")
    }
    result = {
        "task": "CoNLL-2003 sentences -> the entity types they name (multi-label)",
        "train": len(train),
        "dev": len(dev),
        "dev_label_share": {
            y: round(sum(y in labels for _, labels in dev) / len(dev), 3) for y in ("LOC", "MISC", "ORG", "PER")
        },
        "dev_no_label_share": round(sum(not labels for _, labels in dev) / len(dev), 3),
        "ours": {**ours, "seconds": round(seconds, 1), "preset": args.preset, "epochs": args.epochs, "lr": args.lr},
        "reference_tfidf_logreg": ref,
        "micro_f1_ratio": round(ours["micro_f1"] / ref["micro_f1"], 3),
        "command": "python bench/multilabel_conll.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
