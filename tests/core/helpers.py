"""Small data and specs the core tests make for themselves."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from albert_core.spec import ModelSpec

TINY = ModelSpec(
    vocab_size=300,
    embedding_size=16,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    max_position_embeddings=64,
    classifier_dropout_prob=0.0,
)

GOOD = "good great fine nice superb lovely happy bright".split()
BAD = "bad awful poor sad grim dull ugly weak".split()
FILL = "the a this that movie film show play really quite very so".split()


def sentiment_rows(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """A learnable two-class set: the label is whether the sentence has a GOOD or BAD word."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        y = i % 2
        words = rng.sample(FILL, 4) + [rng.choice(GOOD if y else BAD)]
        rng.shuffle(words)
        rows.append((" ".join(words), "pos" if y else "neg"))
    return rows


def write_csv(path: Path, rows, header=("text", "label")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        if header:
            w.writerow(header)
        w.writerows(rows)
    return path


def save_tiny_model(folder: Path, arch: str = "AlbertForSequenceClassification", num_labels: int = 2) -> Path:
    """An untrained tiny ALBERT with its own small tokenizer, saved as a model folder."""
    import transformers

    from albert_core.tokenizer import train_tokenizer

    texts = [t for t, _ in sentiment_rows(200)] + ["who wrote the book ada lived in london"]
    tok = train_tokenizer(texts, vocab_size=60)
    config = TINY.to_albert_config(pad_token_id=0, num_labels=num_labels)
    config.vocab_size = len(tok)
    if arch == "AlbertForSequenceClassification":
        config.id2label = {0: "neg", 1: "pos"}
        config.label2id = {"neg": 0, "pos": 1}
    getattr(transformers, arch)(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return Path(folder)


TOPICS = {
    "sport": "goal match team coach league score".split(),
    "money": "bank price market stock trade tax".split(),
    "food": "bread cheese soup recipe oven sugar".split(),
}


def topic_rows(n: int, seed: int = 0) -> list[tuple[str, list[str]]]:
    """A learnable multi-label set: each text holds words of none, one, two or three topics, and
    its labels are those topics."""
    rng = random.Random(seed)
    names = sorted(TOPICS)
    rows = []
    for i in range(n):
        labels = [t for k, t in enumerate(names) if (i >> k) & 1] if i % 8 else []
        words = rng.sample(FILL, 3) + [rng.choice(TOPICS[t]) for t in labels for _ in range(2)]
        rng.shuffle(words)
        rows.append((" ".join(words), labels))
    return rows


def write_topics_jsonl(path: Path, n: int = 160, seed: int = 0) -> Path:
    import json

    with open(path, "w", encoding="utf-8") as f:
        for text, labels in topic_rows(n, seed):
            f.write(json.dumps({"text": text, "labels": labels}) + "\n")
    return path


def write_topic_flags(path: Path, n: int = 40, seed: int = 0) -> Path:
    """The topic rows as a 0/1 column per label (comment, food, money, sport), as in toxic-comment data."""
    names = sorted(TOPICS)
    return write_csv(
        path,
        [(text, *("1" if t in labels else "0" for t in names)) for text, labels in topic_rows(n, seed)],
        header=("comment", *names),
    )


def write_one_hot(path: Path, n: int = 24, rows=()) -> Path:
    """One topic per text, written as a 0/1 column per topic (one-hot), plus `rows` as they are."""
    names = sorted(TOPICS)
    out = []
    for i in range(n):
        topic = names[i % 3]
        out.append(
            (
                f"the {TOPICS[topic][i % 6]} and a {TOPICS[topic][(i + 1) % 6]}",
                *("1" if t == topic else "0" for t in names),
            )
        )
    return write_csv(path, out + list(rows), header=("review", *names))
