"""Classification data: one text (or a text pair) and a label per row, or, for a multi-label
classifier, a set of labels per row (a JSON list, or labels joined by a separator: "sports,politics",
or a 0/1 column per label as in toxic,obscene,insult; an empty set is allowed: a text none of the
labels fits). A 0/1 column per label with exactly one 1 in every row (one-hot: text,positive,negative)
is one label per text, the column that has the 1."""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .problems import DataError, Problem
from .table import KNOWN_NAMES, Table, read_table


@dataclass
class ClassificationData:
    path: str
    columns: dict  # role (text, text_pair, label) → column name (multi-label: maybe a list of 0/1 columns)
    texts: list[str]
    pairs: list[str] | None
    labels: list[str]  # multi-label: each row's set joined by ", " (for showing)
    lines: list[int]
    problems: list[Problem] = field(default_factory=list)
    table: Table | None = None
    label_sets: list[tuple[str, ...]] | None = None  # multi-label: each row's labels, sorted

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def multi_label(self) -> bool:
        return self.label_sets is not None

    def label_counts(self) -> Counter:
        """Rows per label (multi-label: the rows that have it)."""
        if self.label_sets is not None:
            return Counter(y for labels in self.label_sets for y in labels)
        return Counter(self.labels)

    def all_labels(self) -> set[str]:
        return set(self.label_counts())

    def row_labels(self) -> list[tuple[str, ...]]:
        """Each row's labels: its set (multi-label), or its one label."""
        if self.label_sets is not None:
            return [tuple(s) for s in self.label_sets]
        return [(y,) for y in self.labels]

    def subset(self, idx: list[int]) -> ClassificationData:
        return ClassificationData(
            self.path,
            self.columns,
            [self.texts[i] for i in idx],
            [self.pairs[i] for i in idx] if self.pairs is not None else None,
            [self.labels[i] for i in idx],
            [self.lines[i] for i in idx],
            [],
            label_sets=[self.label_sets[i] for i in idx] if self.label_sets is not None else None,
        )


MISSING_MARKS = {"nan", "null", "#n/a", "n/a"}  # what pandas, databases and Excel write for a missing value


def split_labels(cell: str, separator: str = ",") -> tuple[str, ...] | None:
    """A multi-label cell's labels, sorted and without repeats: a JSON list (["a", "b"]) or labels
    joined by `separator` ("a,b"); an empty cell, [] or a missing-value mark (NaN) is no label. None: a
    JSON list of something other than plain values."""
    cell = cell.strip()
    if cell.lower() in MISSING_MARKS:
        return ()
    if cell.startswith("["):
        try:
            items = json.loads(cell)
        except json.JSONDecodeError:
            items = None
        if isinstance(items, list):
            if any(isinstance(v, (list, dict)) for v in items):
                return None
            return tuple(sorted({str(v).strip() for v in items if v is not None and str(v).strip()}))
    return tuple(sorted({y.strip() for y in cell.split(separator) if y.strip()}))


def label_part(label: str, before: str) -> str:
    """The part of `label` before the mark `before` (TREC's DESC:manner → DESC); the whole label
    when there is no mark, or nothing before it."""
    return (label.split(before, 1)[0].strip() or label) if before else label


def coarse_labels(labels: Iterable[str], marks: str = ":/") -> tuple[str, int] | None:
    """A mark that splits most labels into a coarse and a fine part (TREC's DESC:manner) and the
    number of coarse labels, when they are fewer than the labels; None when there is none."""
    labels = set(labels)
    for mark in marks:
        split = [y for y in labels if mark in y.strip(mark)]
        coarse = {label_part(y, mark) for y in labels}
        if len(labels) >= 3 and len(split) >= 0.9 * len(labels) and 1 < len(coarse) < len(labels):
            return mark, len(coarse)
    return None


def is_json_list(cell: str) -> bool:
    cell = cell.strip()
    if not (cell.startswith("[") and cell.endswith("]")):
        return False
    try:
        return isinstance(json.loads(cell), list)
    except json.JSONDecodeError:
        return False


def looks_multi_label(cells: list[str], separator: str = ",") -> bool:
    """Whether a label column holds several labels per row: JSON lists, or, in one row in ten or
    more, labels joined by `separator` that recur on their own (so "a,b" is two labels, not one
    label with a comma in it)."""
    cells = [c.strip() for c in cells if c.strip()]
    if not cells:
        return False
    if any(is_json_list(c) for c in cells):
        return True
    joined = [c for c in cells if separator in c]
    if len(joined) < max(2, len(cells) // 10):
        return False
    parts = Counter(y.strip() for c in joined for y in c.split(separator) if y.strip())
    alone = set(cells) - set(joined)
    # few labels make many sets, or the parts are labels of rows of their own
    return sum(parts.values()) > len(parts) and (
        len(parts) <= len(set(joined)) or sum(1 for y in parts if y in alone) * 2 >= len(parts)
    )


YES_CELLS = frozenset({"1", "1.0", "true", "yes"})
NO_CELLS = frozenset({"0", "0.0", "false", "no", ""})


def indicator_columns(table: Table, exclude: set | None = None) -> list[str]:
    """The columns that hold only 0 and 1 (or true and false), in the file's order: each may be a
    label of a multi-label classifier, given to the rows where it is 1. Two or more, or none."""
    found = [n for n in table.header if not (exclude and n in exclude) and is_indicator(table, n)]
    return found if len(found) >= 2 else []


def is_indicator(table: Table, name: str) -> bool:
    """Whether column `name` holds only 0 and 1 (or true and false; empty cells allowed), judged on
    its first 2,000 rows."""
    i = table.header.index(name)
    cells = {r[i].strip().lower() for r in table.rows[:2000]}
    return bool(cells - {""}) and cells <= YES_CELLS | NO_CELLS


ONE_HOT_ODD = 0.01  # the share of rows (besides one) that may break a one-hot file: they are named and left out


def one_hot(table: Table, names: list[str]) -> bool:
    """Whether the rows have a 1 in exactly one of the 0/1 columns `names`: one label per text,
    written one-hot. A few rows with none or several (1% of the rows at most) do not change how
    the file is read, as long as every column has its 1 in rows of their own too; reading it names
    those rows (a cell neither 0 nor 1 is not counted here either)."""
    idx = [table.header.index(n) for n in names]
    single = odd = 0
    alone: set[str] = set()  # the columns with a row whose only 1 is theirs
    some: set[str] = set()  # the columns with a 1 anywhere
    for row in table.rows:
        found, bad = flag_labels(row, idx, names)
        if bad is None:
            some.update(found)
            if len(found) == 1:
                single += 1
                alone.add(found[0])
            else:
                odd += 1
    return single > 0 and odd <= ONE_HOT_ODD * (single + odd) and alone == some


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
    multi_label: bool | None = False,
    separator: str = ",",
    before: str = "",
) -> ClassificationData:
    """Read a classification file. Rows with problems are left out and each is reported;
    the DataError raised when nothing usable remains lists every problem. `multi_label`: each
    row has a set of labels (`split_labels`), None: judged from the label column
    (`looks_multi_label`); a single-label reading refuses JSON lists. `before`: each label is
    the part before that mark (`label_part`)."""
    table = read_table(path, fmt, has_header)
    cols: dict = detect_columns(table)
    passed_over: list[str] = []
    if columns:
        for role, name in columns.items():
            for one in name if isinstance(name, (list, tuple)) else [name]:
                if one and one not in table.header:
                    raise DataError(
                        f"has no column {one!r} for the {role}; its columns are {', '.join(table.header)}", path
                    )
            cols[role] = (list(name) if isinstance(name, (list, tuple)) else name) or None
    if not cols.get("text"):
        raise DataError(f"no text column found among {', '.join(table.header)}; choose one", path)
    named_label = isinstance(cols.get("label"), str) and cols["label"].lower() in KNOWN_NAMES["label"]
    if not (columns or {}).get("label") and not named_label:
        # a 0/1 column per label (toxic, obscene, insult …), when no column is named as the label (given, or
        # called label, class …): taken when several labels per text are wanted or may be (None), and for
        # one label per text when the file is one-hot (a 1 in exactly one of them in every row)
        flags = indicator_columns(table, {cols["text"], cols.get("text_pair")})
        if flags and (multi_label is not False or one_hot(table, flags)):
            cols["label"] = flags
        elif len(flags) > 1:
            passed_over = flags  # 0/1 columns that are not one-hot: said, when one of them is taken as the label
    if isinstance(cols.get("label"), list):
        if multi_label is None:  # one-hot columns are one label per text; others several
            multi_label = not (cols["label"] and one_hot(table, cols["label"]))
        return _read_indicators(table, cols, one_label=not multi_label)
    if not cols.get("label"):
        from .corpus import tagged_files

        if len(table.header) == 1 and tagged_files(path, most=1):  # CoNLL's word-and-tags lines
            raise DataError(
                "looks like a named-entity file (a word and its tags on each line, as CoNLL's), not a table of texts "
                "and labels: choose the task Named entities (--task ner)",
                path,
            )
        raise DataError(f"no label column found among {', '.join(table.header)}; choose one", path)
    if cols["text"] == cols["label"]:
        raise DataError("the text and the label are the same column; choose two different columns", path)
    if cols.get("text_pair") in (cols["label"], cols["text"]):
        raise DataError(
            f"column {cols['text_pair']!r} is chosen as the second text and as the "
            f"{'label' if cols['text_pair'] == cols['label'] else 'text'}; choose another second text, or none",
            path,
        )
    hi = {h: i for i, h in enumerate(table.header)}
    ti, li = hi[cols["text"]], hi[cols["label"]]
    pi = hi[cols["text_pair"]] if cols.get("text_pair") else None
    if multi_label is None:
        multi_label = looks_multi_label([row[li] for row in table.rows[:5000]], separator)
    if not multi_label:
        listed = next(
            (line for row, line in zip(table.rows, table.lines) if is_json_list(row[li])),
            None,
        )
        if listed is not None:
            raise DataError(
                [
                    Problem(
                        table.path,
                        listed,
                        f"has a list of labels in column {cols['label']!r}; for several labels "
                        "per text, train a multi-label classifier (--multi-label; the Data page: "
                        '"Several labels per text")',
                    )
                ]
            )
    problems = list(table.problems)
    texts, pairs, labels, lines = [], [] if pi is not None else None, [], []
    sets: list[tuple[str, ...]] | None = [] if multi_label else None
    for row, line in zip(table.rows, table.lines):
        text, label = row[ti].strip(), row[li].strip()
        if sets is not None:
            found = split_labels(label, separator)
            if found is None:
                problems.append(
                    Problem(table.path, line, f"has a list in column {cols['label']!r} whose items are not labels")
                )
                continue
        elif not label:
            problems.append(Problem(table.path, line, f"has no label (column {cols['label']!r} is empty)"))
            continue
        elif label.lower() in MISSING_MARKS:
            problems.append(
                Problem(table.path, line, f"has no label ({label!r} in column {cols['label']!r} marks a missing value)")
            )
            continue
        if not text:
            problems.append(Problem(table.path, line, f"has an empty text (column {cols['text']!r})"))
            continue
        texts.append(text)
        if before:
            label = label_part(label, before)
            if sets is not None:
                found = tuple(sorted({label_part(y, before) for y in found}))
        if sets is not None:
            sets.append(found)
            label = ", ".join(found)
        labels.append(label)
        lines.append(line)
        if pi is not None:
            pairs.append(row[pi].strip())
    if not texts:
        raise DataError(problems or [Problem(table.path, 0, "has no usable rows")])
    data = ClassificationData(table.path, cols, texts, pairs, labels, lines, problems, table, label_sets=sets)
    distinct = data.all_labels()
    if sets is not None and not distinct:
        raise DataError([Problem(table.path, 0, f"no row has a label in column {cols['label']!r}")])
    if sets is None and len(distinct) < 2:  # (said as what the file does: "x.csv cannot be used: it has …")
        held = f"has the label {labels[0]!r} in every row" if len(texts) > 1 else f"has one row (label {labels[0]!r})"
        problems.append(Problem(table.path, 0, f"{held}; a classifier needs at least two labels"))
    problems += label_warnings(data, cols["label"])
    if cols["label"] in passed_over:
        problems.append(
            Problem(
                table.path,
                0,
                f"columns {', '.join(passed_over)} hold 0 or 1, but too many rows have a 1 in none or several of "
                f"them to read them as one label per text, so the label is column {cols['label']!r} alone; for "
                "several labels per text, tick 'Several labels per text' (--multi-label)",
                severity="warning",
            )
        )
    return data


def label_warnings(data: ClassificationData, column: str) -> list[Problem]:
    """What about a label column's values suggests a mistake: most of them different (a column of
    text, not labels), labels written two ways ('pos' and 'POS', '1' and '1.0'), numbers and words mixed."""
    out = []
    counts = data.label_counts()
    once = sum(1 for n in counts.values() if n == 1)
    if len(data) >= 20 and len(counts) > 0.5 * len(data) and once > 0.5 * len(counts):
        out.append(
            Problem(
                data.path,
                0,
                f"column {column!r} holds {len(counts):,} different labels in {len(data):,} rows, {once:,} of them "
                "on one row only: it looks like text, not labels; choose the label column",
                severity="warning",
            )  # fmt: skip
        )
    by_form: dict[str, list[str]] = defaultdict(list)
    for y in counts:
        by_form[_label_form(y)].append(y)
    twins = [sorted(v) for v in by_form.values() if len(v) > 1]
    if twins and len(twins) <= 0.5 * len(counts):  # not a column of text, where it is common
        shown = "; ".join(" and ".join(repr(y) for y in v) for v in twins[:3]) + (" …" if len(twins) > 3 else "")
        out.append(
            Problem(
                data.path,
                0,
                f"labels written differently are different labels: {shown}; write them alike if they mean the same",
                severity="warning",
            )  # fmt: skip
        )
    numbers = sorted(y for y in counts if _number(y) is not None)
    words = sorted(y for y in counts if _number(_label_form(y)) is None)  # true and false are said above
    if numbers and words and len(counts) <= 20:  # few labels, some numbers and some words: two codings mixed?
        out.append(
            Problem(
                data.path,
                0,
                f"column {column!r} mixes numbers ({', '.join(numbers[:4])}) and words ({', '.join(words[:4])}) as "
                "labels; if they are two ways of writing the same labels, write them one way",
                severity="warning",
            )  # fmt: skip
        )
    return out


def _number(label: str) -> float | None:
    """A label's value when it is a finite number ('nan' and 'inf' are words here)."""
    try:
        value = float(label)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _label_form(label: str) -> str:
    """What two ways of writing one label share: its letters in one case ('pos', 'POS'); a whole
    number's value ('1', '1.0', '01'; not '1.1' and '1.10', codes as likely as numbers); true and
    false as 1 and 0."""
    key = label.strip().casefold()
    key = {"true": "1", "false": "0"}.get(key, key)
    number = _number(key)
    if number is not None and number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return key


def flag_labels(row: list[str], idx: list[int], names: list[str]) -> tuple[tuple[str, ...], int | None]:
    """A row's labels from its 0/1 cells at `idx` (the columns `names`): the names where it has 1,
    sorted, and the position in `idx` of the first cell that is neither 0 nor 1 (None: none)."""
    cells = [row[i].strip().lower() for i in idx]
    odd = next((k for k, c in enumerate(cells) if c not in YES_CELLS and c not in NO_CELLS), None)
    return tuple(sorted(n for n, c in zip(names, cells, strict=True) if c in YES_CELLS)), odd


def _read_indicators(table: Table, cols: dict, one_label: bool = False) -> ClassificationData:
    """A file with a 0/1 column per label: each row's labels are the columns where it has 1. With
    `one_label`, each row has one label, the column with its 1 (one-hot); a row with none or several
    is named and left out."""
    names = cols["label"]
    if not names:
        raise DataError("no 0/1 label column was named; name them, e.g. toxic,obscene,insult", table.path)
    if cols["text"] in names:
        raise DataError("the text column cannot also be a label column; choose the 0/1 label columns", table.path)
    hi = {h: i for i, h in enumerate(table.header)}
    ti, pi, flags = hi[cols["text"]], hi.get(cols.get("text_pair") or ""), [hi[n] for n in names]
    problems = list(table.problems)
    texts, pairs, sets, lines = [], [] if pi is not None else None, [], []
    for row, line in zip(table.rows, table.lines):
        found, odd = flag_labels(row, flags, names)
        if odd is not None:
            problems.append(
                Problem(
                    table.path, line, f"has {row[flags[odd]].strip()!r} in column {names[odd]!r}, which holds 0 or 1"
                )
            )
            continue
        if one_label and len(found) != 1:
            problems.append(
                Problem(
                    table.path,
                    line,
                    (
                        f"has a 1 in several label columns ({_listed(found)})"
                        if found
                        else f"has a 1 in none of the label columns ({_listed(names)})"
                    )
                    + '; with one label per text a row has a 1 in exactly one (for several, tick "Several '
                    'labels per text", --multi-label)',
                )
            )
            continue
        text = row[ti].strip()
        if not text:
            problems.append(Problem(table.path, line, f"has an empty text (column {cols['text']!r})"))
            continue
        texts.append(text)
        sets.append(found)
        lines.append(line)
        if pairs is not None:
            pairs.append(row[pi].strip())
    if not texts:
        raise DataError(problems or [Problem(table.path, 0, "has no usable rows")])
    labels = [", ".join(x) for x in sets]
    data = ClassificationData(
        table.path, cols, texts, pairs, labels, lines, problems, table, label_sets=None if one_label else sets
    )
    never = [n for n in names if n not in data.all_labels()]
    if len(never) == len(names):
        raise DataError([Problem(table.path, 0, f"no row has a 1 in any of the columns {', '.join(names)}")])
    for n in never:
        problems.append(
            Problem(
                table.path,
                0,
                f"no row has a 1 in column {n!r}: no text here has that label (none in a training "
                "file cannot be learnt)",
                severity="warning",
            )  # fmt: skip
        )
    return data


def _listed(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(names[:6]) + (" …" if len(names) > 6 else "")


def label_order(labels: list[str] | set[str]) -> list[str]:
    """Labels in a stable order: numerically when they are all numbers, else alphabetically."""
    uniq = set(labels)
    try:
        return sorted(uniq, key=lambda s: float(s))
    except ValueError:
        return sorted(uniq)


def random_split(n: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices for (train, validation), drawn at random (a multi-label data set: its label sets
    are too many to stratify by); same seed, same split; one row or more each once there are two."""
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    n_val = min(max(round(n * fraction), 1), n - 1) if n >= 2 else 0
    return sorted(idx[n_val:]), sorted(idx[:n_val])


def stratified_split(labels: list[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices for (train, validation): validation holds the share asked for of the rows (one at
    least), and each label about its share of them (largest remainders), so many rare labels do
    not swell or shrink it; a label keeps one row or more in training. Same seed, same split."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, y in enumerate(labels):
        by_label[y].append(i)
    names = sorted(by_label)
    for y in names:
        rng.shuffle(by_label[y])
    room = {y: len(by_label[y]) - 1 for y in names}  # a label keeps a row in training
    want = min(max(round(len(labels) * fraction), 1), sum(room.values())) if len(labels) >= 2 else 0
    quota = {y: len(by_label[y]) * fraction for y in names}
    n_val = {y: min(int(quota[y]), room[y]) for y in names}
    order = sorted(names, key=lambda y: (-(quota[y] - int(quota[y])), rng.random()))
    while sum(n_val.values()) < want:  # the rest to the labels closest to one more row
        grown = False
        for y in order:
            if sum(n_val.values()) >= want:
                break
            if n_val[y] < room[y]:
                n_val[y] += 1
                grown = True
        if not grown:
            break
    train, val = [], []
    for y in names:
        idx = by_label[y]
        val.extend(idx[: n_val[y]])
        train.extend(idx[n_val[y] :])
    return sorted(train), sorted(val)


def unscored_reason(known: set[str], rows: list[tuple[str, ...]]) -> str:
    """Why a validation file would score nothing, "" when some row is scored: a row with a label
    the training file does not have is left out of evaluation (a row of several labels with none
    is scored). `rows` holds each row's labels."""
    if not rows or any(set(row) <= known for row in rows):
        return ""
    theirs = sorted({y for row in rows for y in row})
    if not set(theirs) & known:
        return (
            f"none of its {len(rows):,} rows has a label of the training file (it has {some_labels(theirs)}; "
            f"the training file {some_labels(sorted(known))})"
        )
    lacking = [y for y in theirs if y not in known]
    return (
        f"each of its {len(rows):,} rows has a label the training file does not have ({some_labels(lacking)}), "
        "and such rows are not scored"
    )


def some_labels(labels: list[str], most: int = 5) -> str:
    """A few labels to name: "'a', 'b' and 3 more"."""
    shown = ", ".join(repr(y) for y in labels[:most])
    return shown + (f" and {len(labels) - most:,} more" if len(labels) > most else "")


def check_eval_labels(train: ClassificationData, evaluation: ClassificationData) -> list[Problem]:
    """Rows of the validation file with a label that never appears in training."""
    known = train.all_labels()
    sets = evaluation.row_labels()
    out = []
    for labels, line in zip(sets, evaluation.lines):
        new = [y for y in labels if y not in known]
        if new:
            out.append(
                Problem(evaluation.path, line, f"label {new[0]!r} never appears in the training data ({train.path})")
            )
    return out
