"""Predictions for every row of a file, written to a new file beside the input's columns: what a
user does with a model once it is trained (label a week of messages, tag a folder of reports).

Input, by task:
- classification: a CSV, TSV or JSON Lines table (its text column found as for training, or
  named), or a .txt file with one text per line. A column that holds the model's labels is
  taken as the truth: the output then says, row by row, whether the model got it right, and the
  summary gives the accuracy — the rows it got wrong, sorted, are the quickest way to see what
  it has not learnt.
- ner: a table's text column, or one sentence per line of a .txt file; the entities found. A
  CoNLL column file (or JSON Lines of tokens and tags) is tagged word for word and compared with
  its own tags: each sentence says whether every entity was found, and the summary gives the
  entity F1 that `evaluate` gives.
- qa: SQuAD JSON or JSON Lines (question, context; answers, when present, are compared), or a
  table with question and context columns.

Output: CSV, TSV or JSON Lines after the name given (`.csv` when none), written whole or not at
all (a temporary file renamed at the end), so a failure or a stop never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .data.problems import DataError, read_text
from .data.table import Table
from .runs import ConfigError, atomic_write_text

SCORE_COLUMNS_UP_TO = 20  # one probability column per label when the model has at most this many
PREVIEW_ROWS = 200  # rows of a predicted file the window lists (the file has them all)
OUT_FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}

Progress = Callable[[int, int], None]  # (rows done, rows in all)


class Stopped(Exception):
    """The caller asked to stop; nothing was written."""


@dataclass
class FilePredictions:
    """What `predict_file` wrote, and what it found."""

    out: str
    task: str
    header: list[str]
    rows: list[list[str]]  # every output row (as written)
    compared: int = 0  # rows with a known answer to compare with
    correct: int = 0
    metric: str = "accuracy"  # what `correct / compared` is (exact match for QA)
    mistakes: list[int] = field(default_factory=list)  # rows it got wrong, surest first
    notes: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # each row's text (qa: its question)
    predicted: list[str] = field(default_factory=list)  # each row's prediction, in words
    confidence: list[float] = field(default_factory=list)
    truth: list[str] | None = None  # the file's own answer for each row ("" where it has none)
    pairs: list[str] | None = None  # each row's second text (qa: its context), when there is one
    extra: str = ""  # more of the comparison (NER: the entity-level scores)
    input_columns: int = 0  # the input's own columns come first in each row; then the predictions
    labels: list[str] = field(default_factory=list)  # classification: the model's labels
    confusion: list[list[int]] | None = None  # classification against the file's labels (rows: true)
    outcomes: list[list[int]] | None = None  # multi-label against the file's: [TP, FP, FN] per label
    multi_label: bool = False  # several labels per text: a prediction or a truth of "" is no label
    thresholds: list[float] | None = None  # multi-label: each of `labels`' threshold
    records: list[dict] | None = None  # a JSON input's own objects, one per row, written back as they were
    delimiter: str = ","  # the CSV input's separator, written back with it (so a spreadsheet opens both alike)
    values: dict[str, list] = field(default_factory=dict)  # a prediction column's JSON value per row

    @property
    def score(self) -> float | None:
        return self.correct / self.compared if self.compared else None

    def summary(self) -> str:
        what = f"{len(self.rows):,} prediction{'s' if len(self.rows) != 1 else ''} written to {self.out}"
        if self.compared:
            what += (
                f"; {self.metric} {self.score:.1%} against the file's own answers "
                f"({self.compared - self.correct:,} of {self.compared:,} wrong)"
            )
        return what + (f"; {self.extra}" if self.extra else "")


# -- reading ----------------------------------------------------------------------------------
def _text_lines(path: Path) -> tuple[list[str], list[int]]:
    text, _ = read_text(path)
    texts, lines = [], []
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip():
            texts.append(line.strip())
            lines.append(n)
    if not texts:
        raise DataError("holds no text; put one text on each line", path)
    return texts, lines


def _table_or_lines(path: Path):
    """A table, or, for a .txt file of plain lines, one text per line (an _Input). A .txt file
    that holds columns (tab-separated) or starts each line with its label (fastText's
    `__label__pos great film`, TREC's `DESC:manner How did …`) is a table."""
    from .data.table import read_table

    if path.suffix.lower() != ".txt":
        return read_table(path)
    table = read_table(path, "tsv")
    if table.format == "label-first" or len(table.header) > 1:
        return table
    texts, lines = _text_lines(path)
    return _Input(["text"], [[t] for t in texts], lines, texts)


def _pick(table, role: str, given: str | None, guess: str | None) -> str | None:
    if given:
        if given not in table.header:
            raise DataError(
                f"has no column {given!r} for the {role}; its columns are {', '.join(table.header)}", table.path
            )
        return given
    return guess


@dataclass
class _Input:
    header: list[str]  # the input's own columns, written first
    cells: list[list[str]]
    lines: list[int]
    texts: list[str]
    pairs: list[str] | None = None
    gold: list[str] | None = None
    gold_sets: list[tuple[str, ...] | None] | None = None  # multi-label: each row's labels (None: not compared)
    answers: list[list[str]] | None = None  # QA: each question's right answers (none: unanswerable)
    compared_labels: list[str] | None = None  # multi-label: the labels the file says (None: all the model's)
    records: list[dict] | None = None  # a JSON input's own objects (Table.records)
    delimiter: str = ","  # a CSV input's separator (Table.delimiter)


def _read_classification(
    path: Path,
    columns: dict,
    labels: list[str],
    notes: list[str],
    text_pairs: bool | None = None,
    multi_label: bool = False,
    separator: str = ",",
    before: str = "",
) -> _Input:
    """The texts (and second texts) of a file, and its own labels where the model knows them
    (multi-label: each row's set, joined by ", " as the predictions are; an empty cell is a
    text with no label); with `before`, each label cut at that mark as the model's were."""
    from .data.classification import MISSING_MARKS, detect_columns, label_part, split_labels

    table = _table_or_lines(path)
    if not isinstance(table, Table):
        return table
    guess = detect_columns(table)
    text_col = _pick(table, "text", columns.get("text"), guess.get("text"))
    # a column named like a second text is one only for a model that reads two (or may: unknown)
    pair_col = _pick(
        table, "second text", columns.get("text_pair"), guess.get("text_pair") if text_pairs is not False else None
    )
    if text_pairs and not pair_col:
        notes.append(
            "the model was trained on text pairs, and no second text column was found (name it: --pair-column); "
            "predicted with an empty second text"
        )
    given = columns.get("label")
    flags = [_pick(table, "label", n, None) for n in given] if isinstance(given, list) else None
    if not given:  # a 0/1 column for each of the model's labels, where the file has them (one label: two or more)
        from .data.classification import is_indicator

        flags = [n for n in table.header if n in labels and n != text_col and is_indicator(table, n)]
        flags = flags if len(flags) >= (1 if multi_label else 2) else None
    label_col = None if flags else _pick(table, "label", given, guess.get("label"))
    if not text_col:
        raise DataError(f"no text column found among {', '.join(table.header)}; name it", path)
    hi = {h: i for i, h in enumerate(table.header)}
    texts = [row[hi[text_col]].strip() for row in table.rows]
    pairs = [row[hi[pair_col]].strip() for row in table.rows] if pair_col and pair_col != text_col else None
    gold = gold_sets = None
    compared_labels = None
    if flags and not multi_label:  # one-hot: each row's label is the column with its 1
        sets = _flag_sets(table, flags, labels, notes, one_label=True)
        gold = [x[0] if x else "" for x in sets]
    elif flags:
        gold_sets = _flag_sets(table, flags, labels, notes)
        gold = [", ".join(x) if x is not None else "(not 0 or 1)" for x in gold_sets]
        compared_labels = [y for y in labels if y in flags]
    elif label_col and label_col != text_col:
        # a missing-value mark (NaN, #N/A) is no answer to compare with, as training reads it
        values = [
            v if v.lower() not in MISSING_MARKS else "" for v in (row[hi[label_col]].strip() for row in table.rows)
        ]
        if before and not multi_label:  # a set's labels are cut one by one below
            values = [label_part(v, before) for v in values]
        known = set(labels)
        sets = [split_labels(v, separator) for v in values] if multi_label else [(v,) if v else () for v in values]
        if before and multi_label:
            sets = [tuple(sorted({label_part(y, before) for y in x})) if x is not None else None for x in sets]
        unread = [table.lines[r] for r, x in enumerate(sets) if x is None]  # a list of lists: not labels
        if unread:
            notes.append(
                f"{len(unread):,} label cell{'s' if len(unread) > 1 else ''} of column {label_col!r} "
                f"hold{'' if len(unread) > 1 else 's'} lists within a list, not labels ({_where(path, unread)}); "
                "not compared"
            )
        found = {y for labels_ in sets if labels_ is not None for y in labels_}
        if found and found <= known:
            gold = (
                [", ".join(x) if x is not None else "(not a list of labels)" for x in sets] if multi_label else values
            )
            gold_sets = sets if multi_label else None
        elif found & known:
            unknown = sorted(found - known)
            notes.append(
                f"column {label_col!r} also holds labels the model does not know ({', '.join(unknown[:5])}); "
                "those rows are not compared"
            )
            if multi_label:
                gold_sets = [x if x is not None and set(x) <= known else None for x in sets]
                gold = [
                    ", ".join(x) if x is not None else "(labels it does not know)" if y is not None
                    else "(not a list of labels)" for x, y in zip(gold_sets, sets, strict=True)
                ]  # fmt: skip
            else:
                gold = [v if v in known else "" for v in values]
        elif found:  # a column of other labels (another data set's): said, not silently passed over
            shown = ", ".join(sorted(found)[:5]) + (" …" if len(found) > 5 else "")
            notes.append(
                f"column {label_col!r} holds labels the model does not know ({shown}; it knows "
                f"{', '.join(labels[:5])}{' …' if len(labels) > 5 else ''}); the predictions are not compared with it"
            )
    notes += _unread_rows(table)
    return _Input(
        table.header, [list(r) for r in table.rows], list(table.lines), texts, pairs, gold, gold_sets,
        compared_labels=compared_labels if compared_labels != list(labels) else None, records=table.records,
        delimiter=table.delimiter,
    )  # fmt: skip


def _unread_rows(table: Table) -> list[str]:
    """The table's problems as notes, led by how many of its rows could not be read (they have no
    prediction in the output, which holds the rows that could)."""
    lost = [p.line for p in table.problems if p.severity == "error" and p.line]
    lead = []
    if lost:
        rows = f"{len(lost):,} row{'s' if len(lost) > 1 else ''}"
        lead = [f"{rows} of the file could not be read, so the predictions leave them out: {_where(table.path, lost)}"]
    return lead + [str(p) for p in table.problems]


def _where(path: str | Path, lines: list[int]) -> str:
    """The first few of `lines` as file:line."""
    return ", ".join(f"{Path(path).name}:{n}" for n in lines[:5]) + (" …" if len(lines) > 5 else "")


def _flag_sets(
    table: Table, flags: list[str], labels: list[str], notes: list[str], one_label: bool = False
) -> list[tuple[str, ...] | None]:
    """Each row's labels from a 0/1 column per label (None: a cell that is neither; not compared).
    `one_label` (one-hot columns of a single-label model): a row with a 1 in none or several of them
    is None as well."""
    from .data.classification import flag_labels

    unknown = [n for n in flags if n not in labels]
    if unknown:
        raise DataError(
            f"has label columns the model does not know ({', '.join(unknown)}); it knows {', '.join(labels)}",
            table.path,
        )
    missing = [y for y in labels if y not in flags]
    if missing and not one_label:
        notes.append(f"the file has no column for {', '.join(missing)}: those labels are not compared")
    idx = [table.header.index(n) for n in flags]
    sets: list[tuple[str, ...] | None] = []
    odd = []
    for row, line in zip(table.rows, table.lines, strict=True):
        found, bad = flag_labels(row, idx, flags)
        sets.append(found if bad is None else None)
        if bad is not None:
            odd.append(line)
    if odd:
        notes.append(f"{len(odd):,} row{'s' if len(odd) > 1 else ''} with a label cell that is not 0 or 1 "
                     f"({_where(table.path, odd)}); not compared")  # fmt: skip
    if one_label:
        many = [line for x, line in zip(sets, table.lines, strict=True) if x is not None and len(x) != 1]
        if many:
            notes.append(
                f"{len(many):,} row{'s' if len(many) > 1 else ''} with a 1 in none or several of the label "
                f"columns ({_where(table.path, many)}); not compared"
            )
        return [x if x is not None and len(x) == 1 else None for x in sets]
    return sets


def _read_texts(path: Path, columns: dict, notes: list[str]) -> _Input:
    """Texts alone (NER): the classification reading, with no labels to compare and no second text."""
    return _read_classification(path, {"text": columns.get("text")}, [], notes, text_pairs=False)


def _squad_shaped(path: Path) -> bool:
    """Whether the file is one JSON document with SQuAD's "data" list of paragraphs."""
    from .data.problems import parse_json, read_text
    from .data.table import is_squad

    try:
        return is_squad(parse_json(read_text(path)[0]))
    except (OSError, ValueError, DataError):
        return False


def _read_qa(path: Path, columns: dict, notes: list[str]) -> _Input:
    from .data.table import read_table

    if path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        from .data.squad import read_squad

        try:
            data = read_squad(path)
        except DataError as e:
            if _squad_shaped(path):  # SQuAD JSON with a fault: its own message says where
                raise e from None
            data = None
        if data is not None:
            notes += [str(p) for p in data.problems]
            ex = data.examples
            answers = [list(dict.fromkeys(t for t in e.answer_texts if t)) for e in ex]  # each named once
            return _Input(
                ["id", "question", "context"],
                [[e.id, e.question, e.context] for e in ex],
                [e.line for e in ex],
                [e.question for e in ex],
                [e.context for e in ex],
                answers=answers if any(e.answers for e in ex) else None,
            )
    table = read_table(path)

    def named(*names: str) -> str | None:
        return next((h for h in table.header if h.lower() in names), None)

    q = _pick(table, "question", columns.get("text"), named("question"))
    c = _pick(table, "context", columns.get("text_pair"), named("context", "passage"))
    if not q or not c:
        raise DataError(
            f"needs a question and a context column (SQuAD JSON, or a table with columns named question and "
            f"context); its columns are {', '.join(table.header)}",
            path,
        )
    qi, ci = table.header.index(q), table.header.index(c)
    notes += _unread_rows(table)
    return _Input(
        table.header,
        [list(r) for r in table.rows],
        list(table.lines),
        [r[qi].strip() for r in table.rows],
        [r[ci].strip() for r in table.rows],
        records=table.records,
        delimiter=table.delimiter,
    )


# -- predicting -------------------------------------------------------------------------------
def _check(stop: Callable[[], bool] | None) -> None:
    if stop is not None and stop():
        raise Stopped()


def _after_batch(progress: Progress | None, stop, rows: int | None = None):
    """What runs after each batch: the progress said, then a stop honoured. `rows`: the file's rows,
    when a batch counts something else (NER windows): the progress is said in rows."""

    def after(done: int, total: int) -> None:
        if progress:
            progress(round(done * rows / max(1, total)), rows) if rows is not None else progress(done, total)
        _check(stop)

    return after


def _classify(predictor, inp: _Input, batch_size: int, progress: Progress | None, stop) -> list[list[float]]:
    """Each row's label probabilities, in length-sorted batches (little padding)."""
    from .batching import eval_batches

    lengths = [len(t) + (len(inp.pairs[i]) if inp.pairs else 0) for i, t in enumerate(inp.texts)]
    probs: list[list[float]] = [[]] * len(inp.texts)
    after, done = _after_batch(progress, stop), 0
    _check(stop)
    for idx in eval_batches(lengths, batch_size):
        texts = [inp.texts[i] or " " for i in idx]
        pairs = [inp.pairs[i] for i in idx] if inp.pairs else None  # read as the model reads them (second_texts)
        for i, row in zip(idx, predictor.probabilities(texts, pairs), strict=True):
            probs[i] = row
        done += len(idx)
        after(done, len(inp.texts))
    return probs


def predict_file(
    model: str | Path | object,
    path: str | Path,
    out: str | Path | None = None,
    columns: dict[str, str | None] | None = None,
    batch_size: int = 64,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> FilePredictions:
    """Predict for every row of `path` with `model` (a model or run folder, or a loaded
    Predictor) and write the rows with their predictions to `out` (default: `default_out`). `columns` may name the text, text_pair and label columns. Raises
    DataError or ConfigError with a message for the user; `Stopped` when `stop()` turned true."""
    from .predict import Predictor, load_predictor

    path = Path(path)
    out = Path(out) if out else default_out(path)
    fmt = OUT_FORMATS.get(out.suffix.lower())
    if fmt is None:  # said before the model is loaded
        raise ConfigError(f"{out}: write the predictions to a .csv, .tsv or .jsonl file")
    if out.resolve() == path.resolve():
        raise ConfigError(f"{out}: that is the input file; choose another name for the predictions")
    if isinstance(model, Predictor):
        predictor = model
    else:  # a model of its own, on the GPU when there is one (a file may hold many rows)
        import torch

        predictor = load_predictor(str(model))
        if torch.cuda.is_available():
            predictor.model.to("cuda")
    columns = columns or {}
    notes: list[str] = []
    task = predictor.task
    if task == "classification":
        result = _predict_classes(predictor, path, columns, notes, batch_size, progress, stop)
    elif task == "ner":
        result = _predict_entities(predictor, path, columns, notes, progress, stop, batch_size)
    elif task == "qa":
        result = _predict_answers(predictor, path, columns, notes, progress, stop)
    else:
        raise ConfigError(
            f"a {task} model fills in [MASK] one sentence at a time; fine-tune it on a task to predict for a file"
        )
    if not result.rows:
        raise DataError("has no rows to predict for", path)
    if out.exists():
        notes.append(f"{out.name} was there already and is replaced")
    result.out, result.task, result.notes = str(out), task, notes
    _write(out, fmt, result, result.delimiter if fmt == "csv" and path.suffix.lower() == ".csv" else ",")
    return result


def default_out(path: str | Path) -> Path:
    """Where a file's predictions go unless told: beside it, NAME.predictions in the input's own
    format when it is a table (.tsv, JSON Lines), else .csv (a .txt file's lines, SQuAD JSON)."""
    path = Path(path)
    kept = {".tsv": ".tsv", ".jsonl": ".jsonl", ".ndjson": ".jsonl"}.get(path.suffix.lower(), ".csv")
    return path.with_name(f"{path.stem}.predictions{kept}")


def _refuse_tagged(path: Path, columns: dict) -> None:
    """A CoNLL file given to a classifier: every word line would get a label, and the output
    would look like an answer. Said instead (a file whose text column is named is read as told)."""
    from .data.corpus import tagged_files

    if not columns.get("text") and path.suffix.lower() not in (".csv", ".tsv", ".json", ".jsonl"):
        if tagged_files(path, most=1):
            raise DataError(
                "looks like a named-entity file (a word and its tags on each line, as CoNLL's), not texts to "
                "classify: give this model one text per line or a table of texts, or this file to a "
                "named-entity model",
                path,
            )


def _predict_classes(predictor, path, columns, notes, batch_size, progress, stop) -> FilePredictions:
    labels = predictor.labels
    _refuse_tagged(path, columns)
    if predictor.multi_label:
        return _predict_label_sets(predictor, path, columns, notes, batch_size, progress, stop)
    inp = _read_classification(path, columns, labels, notes, predictor.text_pairs, before=predictor.label_before)
    empty = sum(1 for t in inp.texts if not t)
    if empty:
        notes.append(f"{empty:,} row{'s' if empty > 1 else ''} had an empty text; predicted for an empty text")
    probs = _classify(predictor, inp, batch_size, progress, stop)
    scored = len(labels) <= SCORE_COLUMNS_UP_TO
    header = [*inp.header, "predicted", "confidence"]
    if scored:
        header += [f"p({y})" for y in labels]
    if inp.gold is not None:
        header.append("correct")
    best = [max(range(len(p)), key=p.__getitem__) for p in probs]
    rows, compared, correct, wrong = [], 0, 0, []
    for r, (cells, p, k) in enumerate(zip(inp.cells, probs, best, strict=True)):
        row = [*cells, labels[k], f"{p[k]:.4f}"]
        if scored:
            row += [f"{x:.4f}" for x in p]
        if inp.gold is not None:
            truth = inp.gold[r]
            if truth:
                compared += 1
                ok = truth == labels[k]
                correct += ok
                row.append("yes" if ok else "no")
                if not ok:
                    wrong.append((-p[k], r))
            else:
                row.append("")
        rows.append(row)
    confusion = None
    if compared:  # the matrix `evaluate` gives (rows: the file's labels)
        from .metrics import classification_metrics

        index = {y: i for i, y in enumerate(labels)}
        pairs = [(index[t], k) for t, k in zip(inp.gold, best, strict=True) if t]
        confusion = classification_metrics([t for t, _ in pairs], [k for _, k in pairs], len(labels))["confusion"]
    return FilePredictions(
        out="", task="classification", header=header, rows=rows, compared=compared, correct=correct,
        metric="accuracy", mistakes=[r for _, r in sorted(wrong)], texts=inp.texts,
        predicted=[labels[k] for k in best], confidence=[p[k] for p, k in zip(probs, best, strict=True)],
        truth=inp.gold, pairs=inp.pairs, input_columns=len(inp.header), labels=list(labels), confusion=confusion,
        records=inp.records, values={"predicted": _label_values([labels[k] for k in best], labels, inp.records)},
        delimiter=inp.delimiter,
    )  # fmt: skip


def _label_values(predicted: list[str], labels: list[str], records: list[dict] | None) -> list:
    """The predicted labels as a JSON input would hold them: numbers when every label is a whole
    number (0 and 1 read from {"label": 1}), else the labels' names."""
    if records is not None and all(y.lstrip("-").isdigit() and str(int(y)) == y for y in labels):
        return [int(y) for y in predicted]
    return predicted


def _predict_label_sets(predictor, path, columns, notes, batch_size, progress, stop) -> FilePredictions:
    """A multi-label classifier's labels for every row: each label at its threshold or above, joined
    by ", ". A row counts as right when its whole set is (exact match); the micro F1 over every label
    decision and each label's outcomes come with it. The confidence of a row is that of its least
    sure decision (`_sureness`), so the surest mistakes come first."""
    from .metrics import multilabel_metrics

    labels = predictor.labels
    inp = _read_classification(
        path,
        columns,
        labels,
        notes,
        predictor.text_pairs,
        multi_label=True,
        separator=predictor.label_separator,
        before=predictor.label_before,
    )
    probs = _classify(predictor, inp, batch_size, progress, stop)
    chosen = [predictor.chosen(p) for p in probs]
    predicted = [", ".join(c) for c in chosen]
    confidence = [min(_sureness(x, t) for x, t in zip(p, predictor.thresholds, strict=True)) for p in probs]
    scored = len(labels) <= SCORE_COLUMNS_UP_TO
    header = [*inp.header, "predicted", "confidence", *(f"p({y})" for y in labels if scored)]
    if inp.gold_sets is not None:
        header.append("correct")
    rows, wrong, y_true, y_pred = [], [], [], []
    scope = inp.compared_labels or list(labels)  # labels the file has no column for are not compared
    for r, (cells, p) in enumerate(zip(inp.cells, probs, strict=True)):
        row = [*cells, predicted[r], f"{confidence[r]:.4f}", *(f"{x:.4f}" for x in p if scored)]
        truth = inp.gold_sets[r] if inp.gold_sets is not None else None
        if truth is not None:
            have, mine = set(truth), set(chosen[r]) & set(scope)
            ok = have == mine
            row.append("yes" if ok else "no")
            y_true.append([int(y in have) for y in scope])
            y_pred.append([int(y in mine) for y in scope])
            if not ok:
                wrong.append((-confidence[r], r))
        elif inp.gold_sets is not None:
            row.append("")
        rows.append(row)
    compared = len(y_true)
    outcomes, extra = None, ""
    if compared:
        m = multilabel_metrics(y_true, y_pred)
        outcomes, extra = m["outcomes"], f"micro F1 {m['micro_f1']:.1%} over every label decision"
    return FilePredictions(
        out="", task="classification", header=header, rows=rows, compared=compared, correct=compared - len(wrong),
        metric="exact match", mistakes=[r for _, r in sorted(wrong)], texts=inp.texts, predicted=predicted,
        confidence=confidence, truth=inp.gold, pairs=inp.pairs, input_columns=len(inp.header), labels=scope,
        outcomes=outcomes, extra=extra, multi_label=True,
        thresholds=[predictor.thresholds[labels.index(y)] for y in scope], records=inp.records,
        delimiter=inp.delimiter,
        values={"predicted": [list(c) for c in chosen]},
    )  # fmt: skip


def _sureness(p: float, threshold: float) -> float:
    """How sure one yes/no decision at `threshold` is, from 0.5 (at the threshold) to 1 (a
    probability of 0 or 1): max(p, 1 - p) when the threshold is 0.5."""
    if p >= threshold:
        return 0.5 + 0.5 * (p - threshold) / max(1e-9, 1 - threshold)
    return 0.5 + 0.5 * (threshold - p) / max(1e-9, threshold)


def _read_tagged(path: Path):
    """The file as NER data with its own tags (CoNLL columns, or JSON Lines of tokens and tags),
    or None when it is not that (plain text, one sentence per line, is read as such)."""
    from .data.conll import read_ner

    if path.suffix.lower() in (".csv", ".tsv"):
        return None
    try:
        data = read_ner(path)
    except DataError:
        return None
    left_out = sum(1 for p in data.problems if p.severity == "error")
    return data if left_out <= 0.1 * (len(data.sentences) + left_out) else None


def _predict_tagged(predictor, data, notes, batch_size, progress, stop) -> FilePredictions:
    """Tag the file's own words (so they line up with its tags) and compare entity by entity."""
    from .data.conll import to_iob2
    from .metrics_ner import entities, entity_scores
    from .ner_align import ner_features, ner_tops, word_predictions

    notes += [str(p) for p in data.problems]
    tok, model = predictor.tokenizer, predictor.model
    feats = ner_features(tok, data.sentences, None, predictor.max_length)
    _check(stop)
    tops = ner_tops(model, tok.pad_token_id or 0, feats, batch_size, _after_batch(progress, stop, len(data.sentences)))
    preds = word_predictions(feats, tops, [len(s) for s in data.sentences])
    id2label = model.config.id2label
    tags = [to_iob2([id2label[k] for k, _ in sent], "IOB2") for sent in preds]

    def named(words: list[str], tag_seq: list[str]) -> list[str]:
        return [f"{' '.join(words[s : e + 1])} ({typ})" for typ, s, e in entities(tag_seq)]

    def objects(words: list[str], tag_seq: list[str]) -> list[dict]:  # for JSON: words counted from 0, end excluded
        return [{"text": " ".join(words[s : e + 1]), "type": typ, "start_word": s, "end_word": e + 1}
                for typ, s, e in entities(tag_seq)]  # fmt: skip

    header = ["text", "entities", "entities in the file", "correct", "tagged"]
    rows, texts, found, truth, sure, wrong, correct = [], [], [], [], [], [], 0
    for r, (words, got, gold, probs) in enumerate(zip(data.sentences, tags, data.tags, preds, strict=True)):
        mine, theirs = named(words, got), named(words, gold)
        ok = sorted(mine) == sorted(theirs)
        correct += ok
        conf = sum(p for _, p in probs) / max(1, len(probs))
        if not ok:
            wrong.append((-conf, r))
        text = " ".join(words)
        rows.append([text, "; ".join(mine), "; ".join(theirs), "yes" if ok else "no",
                     " ".join(f"{w}/{t}" for w, t in zip(words, got, strict=True))])  # fmt: skip
        texts.append(text)
        found.append("; ".join(mine))
        truth.append("; ".join(theirs))
        sure.append(conf)
    m = entity_scores(data.tags, tags)
    extra = f"entity F1 {m['f1']:.1%} (precision {m['precision']:.1%}, recall {m['recall']:.1%})"
    values = {  # a JSON Lines output has them as JSON values: entities as objects, correct as true/false
        "entities": [objects(w, t) for w, t in zip(data.sentences, tags, strict=True)],
        "entities in the file": [objects(w, t) for w, t in zip(data.sentences, data.tags, strict=True)],
        "correct": [row[3] == "yes" for row in rows],
    }
    return FilePredictions(
        out="", task="ner", header=header, rows=rows, compared=len(rows), correct=correct,
        metric="sentences with every entity right", mistakes=[r for _, r in sorted(wrong)], texts=texts,
        predicted=found, confidence=sure, truth=truth, extra=extra, records=_tagged_records(data), values=values,
    )  # fmt: skip


def _tagged_records(data) -> list[dict] | None:
    """The objects of a JSON Lines file of tokens and tags, one per sentence read (written back as
    they were, the predictions beside them); None for a CoNLL file."""
    if data.format != "jsonl":
        return None
    from .data.problems import read_text

    try:
        lines = read_text(Path(data.path))[0].split("\n")  # decoded as read_ner decoded it
        return [json.loads(lines[n - 1]) for n in data.lines]
    except (OSError, ValueError, IndexError, DataError):
        return None


def _predict_entities(predictor, path, columns, notes, progress, stop, batch_size=64) -> FilePredictions:
    from .ner_align import predict_ner_batch

    tagged = _read_tagged(path) if not columns.get("text") else None
    if tagged is not None:
        return _predict_tagged(predictor, tagged, notes, batch_size, progress, stop)
    inp = _read_texts(path, columns, notes)
    header = [*inp.header, "entities", "tagged"]
    _check(stop)
    results = predict_ner_batch(
        predictor.model,
        predictor.tokenizer,
        inp.texts,
        predictor.max_length,
        batch_size,
        _after_batch(progress, stop, len(inp.texts)),
    )
    if progress and not any(res["tokens"] for res in results):  # no window counted: say the end once
        progress(len(inp.texts), len(inp.texts))
    rows, found, sure = [], [], []
    entities = [res["entities"] for res in results]
    for cells, res in zip(inp.cells, results, strict=True):
        ents = "; ".join(f"{e['text']} ({e['type']})" for e in res["entities"])
        tagged = " ".join(f"{t['text']}/{t['tag']}" for t in res["tokens"])
        rows.append([*cells, ents, tagged])
        found.append(ents)
        sure.append(min((e["score"] for e in res["entities"]), default=1.0))
    return FilePredictions(
        "", "ner", header, rows, texts=inp.texts, predicted=found, confidence=sure, input_columns=len(inp.header),
        records=inp.records, values={"entities": entities}, delimiter=inp.delimiter,
    )  # fmt: skip


QA_BATCH = 16  # questions answered in one forward pass on a GPU (each may have several windows);
# on a CPU one at a time is faster: padding a batch to its longest window costs more than it saves
# (1,169 SQuAD questions: 30.0 s one at a time, 33.4 s sixteen at a time; bench/predict_file.py)


def _predict_answers(predictor, path, columns, notes, progress, stop) -> FilePredictions:
    from .batching import eval_batches
    from .metrics_qa import score_one
    from .qa_decode import predict_qa_batch

    inp = _read_qa(path, columns, notes)
    header = [*inp.header, "answer", "score"]
    if inp.answers is not None:
        header += ["gold answers", "exact"]
    results: list[dict] = [{}] * len(inp.cells)
    done = 0
    batch = QA_BATCH if next(predictor.model.parameters()).device.type == "cuda" else 1
    for idx in eval_batches([len(q) + len(c) for q, c in zip(inp.texts, inp.pairs, strict=True)], batch):
        _check(stop)
        pairs = [(inp.texts[i], inp.pairs[i]) for i in idx]
        for i, res in zip(idx, predict_qa_batch(predictor.model, predictor.tokenizer, pairs), strict=True):
            results[i] = res
        done += len(idx)
        if progress:
            progress(done, len(inp.cells))
    rows, compared, correct, wrong, answers, sure, f1_sum = [], 0, 0, [], [], [], 0.0
    for i, cells in enumerate(inp.cells):
        res = results[i]
        top = res["answers"][0] if res["answers"] and not res["no_answer"] else None
        answer = top["text"] if top else ""
        row = [*cells, answer, f"{top['score']:.4f}" if top else ""]
        answers.append(answer)
        sure.append(top["score"] if top else 0.0)
        if inp.answers is not None:
            golds = inp.answers[i]
            em, f1 = score_one(answer, golds or [""])
            compared += 1
            correct += int(em)
            f1_sum += f1
            row += [" | ".join(golds), "yes" if em else "no"]
            if not em:
                wrong.append((-(top["score"] if top else 0.0), i))
        rows.append(row)
    mistakes = [r for _, r in sorted(wrong)]
    truth = [" | ".join(g) for g in inp.answers] if inp.answers is not None else None
    return FilePredictions(
        out="", task="qa", header=header, rows=rows, compared=compared, correct=correct, metric="exact match",
        mistakes=mistakes, texts=inp.texts, predicted=answers, confidence=sure, truth=truth, pairs=inp.pairs,
        input_columns=len(inp.header), records=inp.records, delimiter=inp.delimiter,
        extra=f"F1 {f1_sum / compared:.1%} (the words an answer shares with the nearest right one)" if compared else "",
    )  # fmt: skip


# -- writing ----------------------------------------------------------------------------------
def _json_value(column: str, cell: str):
    """A prediction cell as JSON: scores as numbers, yes/no as true/false, nothing as null."""
    if column in ("confidence", "score") or column.startswith("p("):
        return float(cell) if cell else None
    if column in ("correct", "exact"):
        return {"yes": True, "no": False}.get(cell)
    return cell


def _write(out: Path, fmt: str, result: FilePredictions, delimiter: str = ",") -> None:
    header, rows, inputs = result.header, result.rows, result.input_columns
    buf = io.StringIO()
    if fmt == "jsonl":  # a JSON input's objects as they were, then the predictions as JSON values
        for r, row in enumerate(rows):
            rec = dict(result.records[r]) if result.records else dict(zip(header[:inputs], row[:inputs], strict=True))
            for c in range(inputs, len(header)):
                h = header[c]
                rec[h] = result.values[h][r] if h in result.values else _json_value(h, row[c])
            buf.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif fmt == "tsv":  # unquoted, as TSV readers (this app's too) read it: no tab or newline in a cell
        for row in [header, *rows]:
            buf.write("\t".join(" ".join(c.replace("\t", " ").splitlines()) for c in row) + "\n")
    else:
        w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    try:  # whole or not at all: a temporary file, flushed to disk, then renamed
        atomic_write_text(out, buf.getvalue())
    except OSError as e:
        raise ConfigError(f"{out}: cannot write there ({e.strerror or e}); choose another folder") from None
