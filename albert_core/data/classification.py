"""Classification data: one text (or a text pair) and a label per row."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .problems import DataError, Problem
from .table import KNOWN_NAMES, Table, read_table


@dataclass
class ClassificationData:
    path: str
    columns: dict[str, str | None]  # role (text, text_pair, label) → column name
    texts: list[str]
    pairs: list[str] | None
    labels: list[str]
    lines: list[int]
    problems: list[Problem] = field(default_factory=list)
    table: Table | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def label_counts(self) -> Counter:
        return Counter(self.labels)

    def subset(self, idx: list[int]) -> ClassificationData:
        return ClassificationData(
            self.path,
            self.columns,
            [self.texts[i] for i in idx],
            [self.pairs[i] for i in idx] if self.pairs is not None else None,
            [self.labels[i] for i in idx],
            [self.lines[i] for i in idx],
            [],
        )


def detect_columns(table: Table) -> dict[str, str | None]:
    """Guess which column is the text, the optional second text, and the label."""
    lower = [h.lower() for h in table.header]
    found: dict[str, str | None] = {"text": None, "text_pair": None, "label": None}
    for role, names in KNOWN_NAMES.items():
        for n in names:
            if n in lower and table.header[lower.index(n)] not in found.values():
                found[role] = table.header[lower.index(n)]
                break
    sample = table.rows[:500]
    stats = []
    for i, name in enumerate(table.header):
        values = [r[i] for r in sample]
        distinct = len(set(values))
        avg_len = sum(len(v) for v in values) / max(1, len(values))
        stats.append((name, distinct, avg_len))
    if found["label"] is None:
        cands = [s for s in stats if s[0] not in found.values()]
        # the label column has few distinct, short values
        cands.sort(key=lambda s: (s[1], s[2]))
        if cands and (len(sample) < 4 or cands[0][1] <= max(2, len(sample) // 2)):
            found["label"] = cands[0][0]
    if found["text"] is None:
        cands = [s for s in stats if s[0] not in found.values()]
        cands.sort(key=lambda s: -s[2])
        if cands:
            found["text"] = cands[0][0]
    return found


def read_classification(
    path: str | Path,
    columns: dict[str, str | None] | None = None,
    fmt: str | None = None,
    has_header: bool | None = None,
) -> ClassificationData:
    """Read a classification file. Rows with problems are left out and each is reported;
    the DataError raised when nothing usable remains lists every problem."""
    table = read_table(path, fmt, has_header)
    cols = detect_columns(table)
    if columns:
        for role, name in columns.items():
            if name and name not in table.header:
                raise DataError(
                    f"has no column {name!r} for the {role}; its columns are {', '.join(table.header)}", path
                )
            cols[role] = name or None
    if not cols.get("text"):
        raise DataError(f"no text column found among {', '.join(table.header)}; choose one", path)
    if not cols.get("label"):
        raise DataError(f"no label column found among {', '.join(table.header)}; choose one", path)
    if cols["text"] == cols["label"]:
        raise DataError("the text and the label are the same column; choose two different columns", path)
    hi = {h: i for i, h in enumerate(table.header)}
    ti, li = hi[cols["text"]], hi[cols["label"]]
    pi = hi[cols["text_pair"]] if cols.get("text_pair") else None
    problems = list(table.problems)
    texts, pairs, labels, lines = [], [] if pi is not None else None, [], []
    for row, line in zip(table.rows, table.lines):
        text, label = row[ti].strip(), row[li].strip()
        if not label:
            problems.append(Problem(table.path, line, f"has no label (column {cols['label']!r} is empty)"))
            continue
        if not text:
            problems.append(Problem(table.path, line, f"has an empty text (column {cols['text']!r})"))
            continue
        texts.append(text)
        labels.append(label)
        lines.append(line)
        if pi is not None:
            pairs.append(row[pi].strip())
    if not texts:
        raise DataError(problems or [Problem(table.path, 0, "has no usable rows")])
    if len(set(labels)) < 2 and len(texts) > 1:
        problems.append(
            Problem(table.path, 0, f"every row has the label {labels[0]!r}; a classifier needs at least two labels")
        )
    return ClassificationData(table.path, cols, texts, pairs, labels, lines, problems, table)


def label_order(labels: list[str] | set[str]) -> list[str]:
    """Labels in a stable order: numerically when they are all numbers, else alphabetically."""
    uniq = set(labels)
    try:
        return sorted(uniq, key=lambda s: float(s))
    except ValueError:
        return sorted(uniq)


def stratified_split(labels: list[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices for (train, validation): each label keeps its share in both, same seed same split."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, y in enumerate(labels):
        by_label[y].append(i)
    train, val = [], []
    for y in sorted(by_label):
        idx = by_label[y]
        rng.shuffle(idx)
        n_val = round(len(idx) * fraction)
        if len(idx) >= 2:
            n_val = min(max(n_val, 1), len(idx) - 1)
        else:
            n_val = 0
        val.extend(idx[:n_val])
        train.extend(idx[n_val:])
    return sorted(train), sorted(val)


def check_eval_labels(train: ClassificationData, evaluation: ClassificationData) -> list[Problem]:
    """Rows of the validation file whose label never appears in training."""
    known = set(train.labels)
    return [
        Problem(evaluation.path, line, f"label {y!r} never appears in the training data ({train.path})")
        for y, line in zip(evaluation.labels, evaluation.lines)
        if y not in known
    ]
