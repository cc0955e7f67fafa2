"""Named-entity data: CoNLL column files and JSON Lines of tokens and tags.

CoNLL files hold one token a line with white-space separated columns (the tag column is the
last unless told otherwise), a blank line between sentences, and optional `-DOCSTART-` lines
between documents. JSON Lines hold {"tokens": [...], "tags": [...]} (or {"words", "ner"},
or "ner_tags") a line. The tagging scheme (IOB1, IOB2 or BIOES/BILOU) is detected per file
and every sentence is converted to IOB2. A sentence with a problem (a line with the wrong
number of columns, an unknown tag, tokens and tags of different lengths) is left out and
reported with its file and line.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .problems import DataError, Problem, parse_json, read_text

TAG = re.compile(r"^(?:O|([BIESLU])-(\S+))$")
BARE = re.compile(r"^[A-Za-z][\w.]*$")  # IO tags: the type alone (PER), as some tools write them
TOKEN_KEYS = ("tokens", "words")
TAG_KEYS = ("tags", "ner", "ner_tags", "labels")


@dataclass
class NERData:
    path: str
    format: str  # conll | jsonl
    sentences: list[list[str]]
    tags: list[list[str]]  # IOB2
    lines: list[int]  # the first line of each sentence
    scheme: str = "IOB2"  # what the file used: IOB1 | IOB2 | BIOES
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sentences)

    @property
    def types(self) -> list[str]:
        return sorted({t[2:] for ts in self.tags for t in ts if t != "O"})

    def labels(self) -> list[str]:
        """The label set a model predicts: O, then B-/I- of every entity type."""
        return label_list(self.types)

    def subset(self, idx: list[int]) -> NERData:
        return NERData(
            self.path,
            self.format,
            [self.sentences[i] for i in idx],
            [self.tags[i] for i in idx],
            [self.lines[i] for i in idx],
            self.scheme,
        )


def label_list(types: list[str]) -> list[str]:
    return ["O"] + [f"{p}-{t}" for t in sorted(types) for p in ("B", "I")]


def read_ner(path: str | Path, tag_column: int = -1) -> NERData:
    """Read a CoNLL or JSON Lines NER file (chosen by content: a first line starting with "{"
    is JSON Lines). Raises DataError when no usable sentence remains."""
    path = Path(path)
    text, notes = read_text(path)
    if not text.strip():
        raise DataError("is empty; an NER file needs at least one sentence", path)
    if text.lstrip().startswith("{"):
        from .table import refuse_squad

        refuse_squad(path, text)
        raw, problems = _read_jsonl(str(path), text)
        fmt = "jsonl"
    else:
        _check_looks_tagged(path, text, tag_column)
        raw, problems = _read_columns(str(path), text, tag_column)
        fmt = "conll"
    problems[:0] = notes
    # IO tags (PER, LOC and O, no B-/I-): a run of one type is one entity, as I- tags that start it say.
    # Most words of a text are no entity: a column whose commonest tag is not O is something else (NOUN, DET)
    every = Counter(t for _, _, tgs in raw for t in tgs)
    io = all(t == "O" or (BARE.match(t) and not TAG.match(t)) for t in every)
    if io and len(every) > 1 and every["O"] >= max(every.values()):
        raw = [(line, toks, [t if t == "O" else f"I-{t}" for t in tgs]) for line, toks, tgs in raw]
    else:
        io = False
    sentences, tags, lines = [], [], []
    for line, toks, tgs in raw:
        bad = [(i, t) for i, t in enumerate(tgs) if not TAG.match(t)]
        if bad:
            i, t = bad[0]
            where = line + i if fmt == "conll" else line
            problems.append(
                Problem(
                    str(path),
                    where,
                    f"has the unknown tag {t!r}; tags are O or B-/I-/E-/S- followed by a type, "
                    "e.g. B-PER (sentence left out)",
                )
            )
            continue
        sentences.append(toks)
        tags.append(tgs)
        lines.append(line)
    if not sentences:
        raise DataError(problems or [Problem(str(path), 0, "has no sentences")])
    scheme = "IO" if io else detect_scheme(tags)
    tags = [to_iob2(t, scheme) for t in tags]
    return NERData(str(path), fmt, sentences, tags, lines, scheme, problems)


def _check_looks_tagged(path: Path, text: str, tag_column: int) -> None:
    """Refuse, with what such a file looks like, a file whose lines mostly do not end in a tag, and
    that holds sentences, not a word or two per line, or whose last words are too many to be a tag
    set (a CSV of sentences and labels, plain text): each of its sentences would be named a problem
    instead. Tags of another form (PER, not B-PER) are left to be named as such."""
    lines = [(n, s) for n, s in enumerate(text.split("\n")[:5000], 1) if s.split() and s.split()[0] != "-DOCSTART-"]
    last = [cols[tag_column] if -len(cols) <= tag_column < len(cols) else "" for cols in (s.split() for _, s in lines)]
    tagged = sum(1 for t in last if TAG.match(t))
    distinct = len(set(last))
    widths = sorted(len(s.split()) for _, s in lines)
    sentences = bool(widths) and widths[len(widths) // 2] > 6  # CoNLL has a word and a few tags per line
    words = distinct > 20 and distinct > 0.1 * len(lines)
    if lines and tagged < 0.5 * len(lines) and (sentences or words):
        n, first = lines[0]
        raise DataError(
            [
                Problem(
                    str(path),
                    n,
                    f"does not look like an NER file: it reads {first.strip()[:60]!r}. A CoNLL file has one word "
                    "per line and its tag last (EU B-ORG, rejects O), a blank line between sentences; JSON Lines "
                    'has {"tokens": [...], "tags": [...]} on each line',
                )
            ]
        )


def _read_columns(p: str, text: str, tag_column: int) -> tuple[list, list[Problem]]:
    """Sentences of a column file as (first line, tokens, tags), and the problems found."""
    blocks: list[list[tuple[int, list[str]]]] = []
    cur: list[tuple[int, list[str]]] = []
    for n, line in enumerate(text.split("\n"), 1):
        cols = line.split()
        if not cols or cols[0] == "-DOCSTART-":
            if cur:
                blocks.append(cur)
            cur = []
            continue
        cur.append((n, cols))
    if cur:
        blocks.append(cur)
    widths = Counter(len(cols) for b in blocks for _, cols in b)
    width = widths.most_common(1)[0][0] if widths else 0
    problems: list[Problem] = []
    if width and not -width <= tag_column < width:
        raise DataError(f"has {width} columns; tag column {tag_column} does not exist (choose 1 to {width})", p)
    out = []
    for b in blocks:
        wrong = [(n, cols) for n, cols in b if len(cols) != width]
        if wrong:
            n, cols = wrong[0]
            problems.append(
                Problem(
                    p,
                    n,
                    f"has {len(cols)} columns, expected {width} like the rest of the file "
                    f"(sentence at lines {b[0][0]}-{b[-1][0]} left out)",
                )
            )
            continue
        out.append((b[0][0], [cols[0] for _, cols in b], [cols[tag_column] for _, cols in b]))
    return out, problems


def _read_jsonl(p: str, text: str) -> tuple[list, list[Problem]]:
    out, problems = [], []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = parse_json(line)
        except json.JSONDecodeError as e:
            problems.append(Problem(p, n, f"is not valid JSON ({e.msg}); each line must be one object"))
            continue
        toks = next((obj[k] for k in TOKEN_KEYS if isinstance(obj, dict) and k in obj), None)
        tgs = next((obj[k] for k in TAG_KEYS if isinstance(obj, dict) and k in obj), None)
        if toks is None or tgs is None:
            problems.append(Problem(p, n, 'needs "tokens" and "tags" lists (or "words" and "ner")'))
            continue
        if not isinstance(toks, list) or not isinstance(tgs, list):
            problems.append(Problem(p, n, "tokens and tags must be lists"))
            continue
        if any(not isinstance(t, str) for t in tgs):
            problems.append(Problem(p, n, "tags must be names such as B-PER, not numbers"))
            continue
        if len(toks) != len(tgs):
            problems.append(Problem(p, n, f"has {len(toks)} tokens but {len(tgs)} tags; give one tag per token"))
            continue
        toks = [str(t) for t in toks]
        if not toks or any(not t.strip() for t in toks):
            problems.append(Problem(p, n, "has no tokens or an empty token"))
            continue
        out.append((n, toks, tgs))
    return out, problems


def detect_scheme(tags: list[list[str]]) -> str:
    """BIOES when E-/S- (or BILOU's L-/U-) tags appear; IOB1 when an entity can start with I-
    (after O, another type, or at a sentence start); IOB2 otherwise."""
    prefixes = {t[0] for ts in tags for t in ts if t != "O"}
    if prefixes & {"E", "S", "L", "U"}:
        return "BIOES"
    for ts in tags:
        prev = "O"
        for t in ts:
            if t.startswith("I-") and prev[2:] != t[2:]:
                return "IOB1"
            prev = t
    return "IOB2"


def to_iob2(tags: list[str], scheme: str) -> list[str]:
    """One sentence's tags, converted from `scheme` to IOB2."""
    out = []
    prev = "O"
    for t in tags:
        if t == "O":
            out.append(t)
        else:
            p, typ = t[0], t[2:]
            if scheme == "BIOES":
                p = {"S": "B", "U": "B", "E": "I", "L": "I"}.get(p, p)
                if p == "I" and prev[2:] != typ:  # a broken chunk still starts an entity
                    p = "B"
            elif p == "I" and (prev == "O" or prev[2:] != typ):
                p = "B"  # IOB1 (and stray IOB2 I- tags): I- that starts a chunk
            out.append(f"{p}-{typ}")
        prev = out[-1]
    return out
