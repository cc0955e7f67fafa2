"""Reading rows from CSV, TSV and JSON Lines, with a source line for every row; also lines that
start with their label ("DESC:manner How did …", fastText's "__label__pos great film")."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .problems import DataError, Problem, parse_json, read_text

KNOWN_NAMES = {
    "text": ("text", "sentence", "sentence1", "question", "review", "content", "message", "sms", "document", "body"),
    "text_pair": ("text_pair", "text2", "sentence2", "question2", "hypothesis", "context", "passage"),
    "label": ("label", "labels", "class", "category", "target", "y", "sentiment", "tag", "gold_label"),
}
csv.field_size_limit(1 << 30)


@dataclass
class Table:
    path: str
    format: str  # csv | tsv | jsonl | label-first
    header: list[str]  # column names (generated as column_1… when the file has no header)
    has_header: bool
    rows: list[list[str]]  # each row has len(header) cells
    lines: list[int]  # the source line of each row
    problems: list[Problem] = field(default_factory=list)
    records: list[dict] | None = None  # JSON Lines: each row's object as read, its values' types kept
    delimiter: str = ","  # what separates a CSV's fields (';' as some spreadsheets write it); TSV: a tab


def guess_format(path: str | Path, text: str) -> str:
    ext = Path(path).suffix.lower()
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if ext == ".csv":
        return "csv"
    if ext == ".tsv":
        return "tsv"
    sample = [ln for ln in text.split("\n", 400)[:400] if ln.strip()]
    first = sample[0] if sample else ""
    if first.lstrip().startswith("{"):
        return "jsonl"
    if first.count("\t") >= max(1, first.count(",")) or "," not in first:
        return "tsv"
    # commas in the first line make a CSV only when most rows then have the same number of fields
    # (quoted texts may span lines): a comma here and there is punctuation in whole-line texts
    widths = [len(r) for r in csv.reader(io.StringIO("\n".join(sample)), strict=False) if r]
    most = max(set(widths), key=widths.count)
    return "csv" if most > 1 and widths.count(most) >= 0.9 * len(widths) else "tsv"


def _looks_like_header(first: list[str], rest: list[list[str]]) -> bool:
    names = {n for group in KNOWN_NAMES.values() for n in group}
    cells = [c.strip().lower() for c in first]
    if any(c in names for c in cells):
        return True
    # A header cell is short and unique; if a column's first cell is text while every
    # other value of that column is a number, the first row is a header.
    for i, c in enumerate(cells):
        col = [r[i] for r in rest[:200] if i < len(r)]
        if col and not _is_number(c) and all(_is_number(v) for v in col):
            return True
    return False


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def read_table(path: str | Path, fmt: str | None = None, has_header: bool | None = None) -> Table:
    """Every row of a CSV/TSV/JSONL file. Ragged rows and bad JSON lines become problems."""
    path = Path(path)
    text, notes = read_text(path)
    if not text.strip():
        raise DataError("is empty; a data file needs at least one row", path)
    fmt = fmt or guess_format(path, text)
    table = _read_jsonl(path, text) if fmt == "jsonl" else _read_delimited(path, text, fmt, has_header)
    if fmt != "jsonl" and len(table.header) == 1:
        table = _label_first(table) or table
    table.problems[:0] = notes
    return table


FASTTEXT_PREFIX = "__label__"
COARSE_FINE = re.compile(r"[A-Za-z]+:[A-Za-z]+")


def _label_first(table: Table) -> Table | None:
    """A one-column table whose lines start with a label, read as (label, text): the first word of
    every line is one of few values (five, or one in twenty lines; or fastText's `__label__` prefix)
    and a text follows it. None when the lines do not look like that."""
    words = [row[0].strip().split(None, 1) for row in table.rows]
    if not words or any(len(w) < 2 for w in words):
        return None
    firsts = [w[0] for w in words]
    fasttext = all(f.startswith(FASTTEXT_PREFIX) for f in firsts)
    if len(words) < 10 and not fasttext:  # too few lines to tell labels from first words (fastText's say so)
        return None
    few = max(5, len(firsts) // 20)
    # TREC's COARSE:fine labels: many fine ones (50 in a test file of 500 lines), few coarse ones
    # (the pattern says labels by itself: a slice of 100 lines holds all six of TREC's coarse labels)
    leveled = all(COARSE_FINE.fullmatch(f) for f in firsts) and len({f.split(":")[0] for f in firsts}) <= max(few, 12)
    if not fasttext and not leveled and len(set(firsts)) > few:
        return None
    rows = [[f.removeprefix(FASTTEXT_PREFIX) if fasttext else f, rest] for f, rest in words]
    return Table(table.path, "label-first", ["label", "text"], False, rows, list(table.lines), table.problems)


SEP_LINE = re.compile(r"sep=(.)\s*$", re.IGNORECASE)  # Excel's first line naming the separator: sep=;


def _first_line(text: str) -> tuple[int, str]:
    """Where the text begins after any blank lines, and its first line from there."""
    start = len(text) - len(text.lstrip())
    return start, text[start:].split("\n", 1)[0]


def csv_delimiter(text: str) -> str:
    """A CSV file's separator: the one a first line `sep=X` names (Excel writes it); a tab for a
    file whose first line has tabs and no comma (tab-separated data saved as .csv); ';' for one with
    semicolons and no comma (as spreadsheets write CSV where the comma is the decimal mark); else ','."""
    first = _first_line(text)[1]
    sep = SEP_LINE.match(first)
    if sep:
        return sep.group(1)
    if "\t" in first and "," not in first:
        return "\t"
    return ";" if ";" in first and "," not in first else ","


def _parse_rows(path: Path, text: str, delim: str, quoting: int) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Each row with its first line. A quote that opens a field and is never closed would make the rest
    of the file one text (or pair with the next stray quote): its line is read with the quote as an
    ordinary character (and said), and the rows after it as they are."""
    lines = text.split("\n")
    raw: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    start = 0  # lines before the part being read
    while start < len(lines):
        feed = (lines[i] + "\n" for i in range(start, len(lines)))  # from `start` at once, no copy of the rest
        reader = csv.reader(feed, delimiter=delim, quoting=quoting, strict=False)
        prev_end, resume = 0, None
        try:
            for row in reader:
                first = start + prev_end + 1
                prev_end = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue  # blank lines are layout, not data
                last = start + prev_end
                if quoting != csv.QUOTE_NONE and _quote_left_open(lines[first - 1 : last], delim):
                    row = next(csv.reader([lines[first - 1]], delimiter=delim, quoting=csv.QUOTE_NONE))
                    problems.append(
                        Problem(
                            str(path),
                            first,
                            "has a quote that is never closed; read as an ordinary character, so the lines after "
                            "it are rows of their own (put the whole text in quotes, and double a quote inside it)",
                            severity="warning",
                        )
                    )
                    raw.append((first, row))
                    resume = first
                    break
                raw.append((first, row))
        except csv.Error as e:
            problems.append(Problem(str(path), start + reader.line_num, f"cannot be parsed ({e})"))
        if resume is None:
            break
        start = resume
    return raw, problems


def _quote_left_open(chunk: list[str], delim: str) -> bool:
    """Whether a row's lines hold a quoted field that is never closed: read strictly, they end inside
    the quotes, or (over several lines) a quote "closes" the field where a text goes on after it.
    A quote inside an unquoted field ('6" tall') is a character, and a closed field may span lines."""
    if '"' not in chunk[0]:
        return False
    try:
        for _ in csv.reader([line + "\n" for line in chunk], delimiter=delim, strict=True):
            pass
    except csv.Error as e:
        return len(chunk) > 1 or "end of data" in str(e)
    return False


def _read_delimited(path: Path, text: str, fmt: str, has_header: bool | None) -> Table:
    delim = "\t" if fmt == "tsv" else csv_delimiter(text)
    quoting = csv.QUOTE_NONE if fmt == "tsv" else csv.QUOTE_MINIMAL
    # Excel's sep=; line names the separator: it is no row (its line stays, blank: lines keep their numbers)
    if fmt != "tsv":
        start, head = _first_line(text)  # as csv_delimiter reads it
        if SEP_LINE.match(head.strip()):
            text = text[:start] + text[start + len(head) :]
    raw, problems = _parse_rows(path, text, delim, quoting)
    if not raw:
        raise DataError(problems or "has no rows", path)
    first = raw[0][1]
    if has_header is None:
        has_header = _looks_like_header(first, [r for _, r in raw[1:]])
    if has_header:
        header = _unique_names([c.strip() for c in first], path, raw[0][0], problems)
        body = raw[1:]
    else:
        header = [f"column_{i + 1}" for i in range(len(first))]
        body = raw
    width = len(header)
    rows, lines = [], []
    for line, row in body:
        if len(row) != width:
            problems.append(
                Problem(
                    str(path),
                    line,
                    f"has {len(row)} fields, expected {width} ({', '.join(header)})"
                    + ("; a text with a comma needs quotes" if fmt == "csv" and len(row) > width else ""),
                )
            )
            continue
        rows.append(row)
        lines.append(line)
    return Table(str(path), fmt, header, has_header, rows, lines, problems, delimiter=delim)


def _unique_names(names: list[str], path: Path, line: int, problems: list[Problem]) -> list[str]:
    """Column names, a name that comes again numbered ("text (2)") so that each names one column,
    with a warning: a column chosen by name is the first of that name, never another one silently."""
    out: list[str] = []
    for i, name in enumerate(names):
        if name not in out:
            out.append(name)
            continue
        n = 2
        while f"{name} ({n})" in out or f"{name} ({n})" in names:
            n += 1
        out.append(f"{name} ({n})")
        problems.append(
            Problem(
                str(path),
                line,
                f"names two columns {name!r} (columns {names.index(name) + 1} and {i + 1}); the second is called "
                f"{out[-1]!r}, so choose it by that name if it is the one meant",
                severity="warning",
            )
        )
    return out


def _read_jsonl(path: Path, text: str) -> Table:
    problems: list[Problem] = []
    if text.lstrip().startswith("["):  # a JSON array of objects is accepted too
        try:
            items = parse_json(text)
        except json.JSONDecodeError as e:
            raise DataError([Problem(str(path), e.lineno, f"is not valid JSON ({e.msg})")]) from None
        numbered = [(0, it) for it in items]
    else:
        numbered = []
        for i, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                numbered.append((i, parse_json(line)))
            except json.JSONDecodeError as e:
                problems.append(Problem(str(path), i, f"is not valid JSON ({e.msg}); each line must be one object"))
    refuse_squad(path, text, numbered[0][1] if len(numbered) == 1 else None)
    header: list[str] = []
    for _, obj in numbered:
        if isinstance(obj, dict):
            for k in obj:
                if k not in header:
                    header.append(k)
    rows, lines, records = [], [], []
    for line, obj in numbered:
        if not isinstance(obj, dict):
            problems.append(Problem(str(path), line, 'is not a JSON object; expected {"text": …, "label": …}'))
            continue
        rows.append([_cell(obj.get(k)) for k in header])
        lines.append(line)
        records.append(obj)
    if not rows and problems:
        raise DataError(problems)
    return Table(str(path), "jsonl", header, True, rows, lines, problems, records)


def is_squad(obj) -> bool:
    """Whether a parsed JSON document is SQuAD's: a "data" list of titles with paragraphs."""
    data = obj.get("data") if isinstance(obj, dict) else None
    return isinstance(data, list) and any(isinstance(d, dict) and "paragraphs" in d for d in data)


def refuse_squad(path: str | Path, text: str, doc=None) -> None:
    """A DataError when the file is SQuAD JSON (on one line, `doc`, or over many): it is question
    answering data, given as something else."""
    if doc is None and text.lstrip().startswith("{") and '"paragraphs"' in text:
        try:
            doc = parse_json(text)
        except ValueError:
            return
    if is_squad(doc):
        raise DataError(
            'is SQuAD question answering data (a "data" list of paragraphs and their questions): train a question '
            "answering model on it (--task qa; on the Data page, the task Question answering)",
            path,
        )


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)
