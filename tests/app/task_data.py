"""Small data files for the question answering, NER and pre-training tests of the window."""

from __future__ import annotations

import random
from pathlib import Path

# -- small data for the other tasks ----------------------------------------------------------------
CITIES = ["paris", "london", "rome", "berlin", "madrid", "oslo"]
FILLER = "the a on was and then it is very good day we saw some of more time".split()
PEOPLE = ["John", "Mary", "Peter", "Anna", "Tom", "Lucy"]
PLACES = ["Paris", "London", "Rome", "Berlin"]


def write_qa_jsonl(path: Path, n: int = 48, seed: int = 0) -> Path:
    """Flat JSON Lines QA: a context of filler words holding one city; the question asks for it."""
    import json

    rng = random.Random(seed)
    lines = []
    for i in range(n):
        words = [rng.choice(FILLER) for _ in range(rng.randint(5, 10))]
        city = rng.choice(CITIES)
        words.insert(rng.randint(0, len(words)), city)
        context = " ".join(words) + "."
        start = (" " + context).index(" " + city + " ") if f" {city} " in f" {context}" else context.index(city)
        rec = {"id": f"q{i}", "question": "which city?", "context": context,
               "answers": {"text": [city], "answer_start": [start]}}  # fmt: skip
        lines.append(json.dumps(rec))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ner_sentence(rng: random.Random) -> tuple[list[str], list[str]]:
    """Capitalised names are people or places; everything else is O (easy to learn)."""
    toks, tags = [], []
    for part in rng.choice(["P visited C", "P and P met in C", "in C P left", "P saw the C day"]).split():
        if part == "P":
            toks.append(rng.choice(PEOPLE))
            tags.append("B-PER")
        elif part == "C":
            toks.append(rng.choice(PLACES))
            tags.append("B-LOC")
        else:
            toks.append(part)
            tags.append("O")
    return toks, tags


def write_conll(path: Path, n: int = 60, seed: int = 0) -> Path:
    rng = random.Random(seed)
    lines = ["-DOCSTART- -X- O", ""]
    for _ in range(n):
        toks, tags = ner_sentence(rng)
        lines += [f"{w} X {t}" for w, t in zip(toks, tags, strict=True)] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_corpus(folder: Path, files: int = 2, docs: int = 12, seed: int = 0) -> Path:
    """A folder of text files: documents of a few sentences, a blank line between documents."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        blocks = []
        for _ in range(docs):
            sents = [" ".join(rng.choice(FILLER) for _ in range(rng.randint(4, 9))).capitalize() + "."
                     for _ in range(rng.randint(2, 5))]  # fmt: skip
            blocks.append(" ".join(sents))
        (folder / f"part{f}.txt").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return folder
