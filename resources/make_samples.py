"""Writes the sample project's data: short movie-review sentences labelled positive/negative.

Run `python resources/make_samples.py` to regenerate resources/samples/sentiment.csv.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

POSITIVE = [
    "wonderful",
    "moving",
    "brilliant",
    "delightful",
    "charming",
    "superb",
    "gripping",
    "funny",
    "beautiful",
    "clever",
    "warm",
    "stunning",
    "thoughtful",
    "fresh",
    "joyful",
]
NEGATIVE = [
    "boring",
    "dull",
    "clumsy",
    "tedious",
    "awful",
    "bland",
    "predictable",
    "lifeless",
    "shallow",
    "messy",
    "painful",
    "forgettable",
    "flat",
    "confusing",
    "lazy",
]
THINGS = [
    "film",
    "movie",
    "story",
    "script",
    "cast",
    "ending",
    "soundtrack",
    "lead performance",
    "direction",
    "dialogue",
    "camera work",
    "plot",
    "second half",
    "opening scene",
    "final act",
]
OPENERS = ["", "honestly, ", "to be fair, ", "overall, ", "in the end, ", "frankly, "]
POS_TAILS = [
    "i would watch it again",
    "we left the cinema smiling",
    "a real treat",
    "it stayed with me for days",
    "worth every minute",
    "my friends loved it too",
]
NEG_TAILS = [
    "i nearly fell asleep",
    "we left before the end",
    "a waste of an evening",
    "i want my money back",
    "not worth the ticket",
    "even the popcorn was better",
]
TEMPLATES = [
    "{o}the {t} was {a}",
    "{o}the {t} was {a}, {tail}",
    "{o}what a {a} {t}",
    "{o}a {a} {t} and a {a2} {t2}",
    "{o}the {t} felt {a} from start to finish",
    "{o}{tail}; the {t} is {a}",
]


def sentence(rng: random.Random, positive: bool) -> str:
    words, tails = (POSITIVE, POS_TAILS) if positive else (NEGATIVE, NEG_TAILS)
    t, t2 = rng.sample(THINGS, 2)
    return (
        rng.choice(TEMPLATES)
        .format(o=rng.choice(OPENERS), t=t, t2=t2, a=rng.choice(words), a2=rng.choice(words), tail=rng.choice(tails))
        .capitalize()
    )


def write(path: Path, n: int = 400, seed: int = 7) -> Path:
    rng = random.Random(seed)
    rows, seen = [], set()
    while len(rows) < n:
        positive = len(rows) % 2 == 0
        s = sentence(rng, positive)
        if s not in seen:
            seen.add(s)
            rows.append((s, "positive" if positive else "negative"))
    rng.shuffle(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    return path


if __name__ == "__main__":
    print(write(Path(__file__).parent / "samples" / "sentiment.csv"))
