"""Extractive question answering data: SQuAD v1.1/v2.0 JSON, flat JSON and JSON Lines.

Accepted layouts:

- the official nested SQuAD JSON: {"version", "data": [{"title", "paragraphs": [{"context",
  "qas": [{"id", "question", "answers": [{"text", "answer_start"}], "is_impossible"?}]}]}]};
- flat JSON as Hugging Face datasets save it: {"data": [{"id", "title"?, "context", "question",
  "answers": {"text": [...], "answer_start": [...]}}]} (or a bare list of such objects);
- JSON Lines with one such flat object a line.

Every problem names the file, the line and the question id. An answer that is not at its
answer_start but occurs in the context is moved to the nearest occurrence (a warning); one that
does not occur at all is left out (an error), and so is a question left with no answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .problems import DataError, Problem, parse_json, read_text


@dataclass
class QAExample:
    id: str
    question: str
    context: str
    answers: list[tuple[str, int]]  # (text, character start in context); [] when unanswerable
    title: str = ""
    line: int = 0  # where the question is in the file (0 when unknown)

    @property
    def answer_texts(self) -> list[str]:
        return [t for t, _ in self.answers]


@dataclass
class QAData:
    path: str
    format: str  # squad | flat-json | jsonl
    examples: list[QAExample]
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.examples)

    @property
    def has_unanswerable(self) -> bool:
        """True for SQuAD v2.0-style data (some questions have no answer)."""
        return any(not e.answers for e in self.examples)

    @property
    def titles(self) -> list[str]:
        return list(dict.fromkeys(e.title for e in self.examples))


_KEY = re.compile(r'"(id|context|question)"\s*:\s*("(?:[^"\\]|\\.)*")?')


class _Lines:
    """Source lines of the ids and contexts of a JSON file, found by scanning its text."""

    def __init__(self, text: str):
        self.by_id: dict[str, int] = {}
        self.contexts: list[int] = []
        self.questions: list[int] = []
        line, pos = 1, 0
        for m in _KEY.finditer(text):
            line += text.count("\n", pos, m.start())
            pos = m.start()
            key, value = m.group(1), m.group(2)
            if key == "id" and value:
                try:
                    self.by_id.setdefault(str(json.loads(value)), line)
                except json.JSONDecodeError:
                    pass
            elif key == "context":
                self.contexts.append(line)
            elif key == "question":
                self.questions.append(line)


def read_squad(path: str | Path) -> QAData:
    """Read a QA file in any accepted layout. Raises DataError when nothing usable remains."""
    path = Path(path)
    text, notes = read_text(path)
    if not text.strip():
        raise DataError("is empty; a question answering file needs at least one question", path)
    p = str(path)
    if not text.lstrip().startswith(("{", "[")):  # a table or plain text, not JSON at all
        first = text[: len(text) - len(text.lstrip())].count("\n") + 1  # the line of its first character
        raise DataError(
            [
                Problem(
                    str(path),
                    first,
                    "is not valid JSON: a question answering file to train or evaluate on is SQuAD JSON, or JSON "
                    'Lines of {"id", "question", "context", "answers"} (a table of questions and contexts can be '
                    "predicted for: the Playground's Predict a file…, or predict --file)",
                )
            ]
        )
    problems: list[Problem] = list(notes)
    raws: list[tuple[dict, str, int, int]] = []  # (flat record, title, line, paragraph line)
    doc = _json_document(text, p)
    if doc is not None:
        lines = _Lines(text)
        items = doc.get("data") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise DataError(
                'has no "data" list; expected SQuAD JSON ({"data": [...]}) or JSON Lines',
                path,
            )
        nested = any(isinstance(it, dict) and "paragraphs" in it for it in items)
        fmt = "squad" if nested else "flat-json"
        if nested:
            raws = _flatten_nested(items, lines, p, problems)
        else:
            for i, it in enumerate(items):
                line = _line_of(it, lines, i)
                if not isinstance(it, dict):
                    problems.append(
                        Problem(
                            p,
                            line,
                            "is not a JSON object with id, question, context and answers",
                        )
                    )
                    continue
                raws.append((it, str(it.get("title", "")), line, line))
    else:
        fmt = "jsonl"
        for i, ln in enumerate(text.split("\n"), 1):
            if not ln.strip():
                continue
            try:
                obj = parse_json(ln)
            except json.JSONDecodeError as e:
                problems.append(
                    Problem(
                        p,
                        i,
                        f"is not valid JSON ({e.msg}); each line must be one object",
                    )
                )
                continue
            if not isinstance(obj, dict):
                problems.append(
                    Problem(
                        p,
                        i,
                        "is not a JSON object with id, question, context and answers",
                    )
                )
                continue
            raws.append((obj, str(obj.get("title", "")), i, i))
    examples: list[QAExample] = []
    seen: set[str] = set()
    for rec, title, line, _ in raws:
        ex = _example(rec, title, line, p, problems, len(examples))
        if ex is None:
            continue
        if ex.id in seen:
            problems.append(
                Problem(
                    p,
                    line,
                    f"question id {ex.id!r} appears twice; ids must be unique (left out)",
                )
            )
            continue
        seen.add(ex.id)
        examples.append(ex)
    if not examples:
        raise DataError(problems or [Problem(p, 0, "has no questions")])
    # beside questions with answers, one with no "answers" at all is more likely a slip than SQuAD 2.0's
    # unanswerable question (written "answers": [] with "is_impossible": true): read as one, and said
    keyless = [line for rec, _, line, _ in raws if isinstance(rec, dict) and "answers" not in rec
               and not rec.get("is_impossible")]  # fmt: skip
    if keyless and any(ex.answers for ex in examples):
        n = len(keyless)
        problems.append(
            Problem(
                p,
                keyless[0],
                f'{n:,} question{"s have" if n > 1 else " has"} no "answers" and {"are" if n > 1 else "is"} read '
                'as unanswerable; SQuAD 2.0 writes such a question with "answers": [] and "is_impossible": true',
                "warning",
            )
        )
    return QAData(p, fmt, examples, problems)


def _json_document(text: str, p: str):
    """The parsed document when the file is one JSON document, None when it is JSON Lines."""
    try:
        doc = parse_json(text)
    except json.JSONDecodeError as e:
        first = text.lstrip().split("\n", 1)[0]
        try:
            parse_json(first)
            return None  # the first line is a whole object: JSON Lines
        except json.JSONDecodeError:
            raise DataError([Problem(p, e.lineno, f"is not valid JSON ({e.msg})")]) from None
    if isinstance(doc, list) or (isinstance(doc, dict) and "data" in doc):
        return doc
    if isinstance(doc, dict) and not {"question", "context"} & set(doc):  # JSON, but of something else
        keys = ", ".join(list(doc)[:6]) + (" …" if len(doc) > 6 else "")
        raise DataError(
            f'is JSON but not a question answering file: it has no "data" list (its keys: {keys}); expected '
            'SQuAD JSON ({"data": [...]}), or JSON Lines with "question", "context" and "answers" on each line',
            p,
        )
    return None  # a single JSON Lines record


def _line_of(item, lines: _Lines, index: int) -> int:
    if isinstance(item, dict) and "id" in item and str(item["id"]) in lines.by_id:
        return lines.by_id[str(item["id"])]
    return lines.questions[index] if index < len(lines.questions) else 0


def _flatten_nested(items: list, lines: _Lines, p: str, problems: list[Problem]) -> list[tuple[dict, str, int, int]]:
    out = []
    para_no = 0
    q_no = 0
    for a, article in enumerate(items):
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            problems.append(Problem(p, 0, f'article {a + 1} has no "paragraphs" list (left out)'))
            continue
        title = str(article.get("title", f"article {a + 1}"))
        for para in article["paragraphs"]:
            pline = lines.contexts[para_no] if para_no < len(lines.contexts) else 0
            para_no += 1
            if not isinstance(para, dict):
                problems.append(
                    Problem(
                        p,
                        pline,
                        f"a paragraph of {title!r} is not an object (left out)",
                    )
                )
                continue
            context = para.get("context")
            qas = para.get("qas") if isinstance(para.get("qas"), list) else []
            for qa in qas:
                q_no += 1
                if not isinstance(qa, dict):
                    problems.append(Problem(p, pline, "a question is not an object (left out)"))
                    continue
                line = lines.by_id.get(str(qa.get("id", "")), pline)
                out.append(({**qa, "context": context}, title, line, pline))
            if not qas:
                problems.append(
                    Problem(
                        p,
                        pline,
                        f'a paragraph of {title!r} has no "qas" questions',
                        "warning",
                    )
                )
    return out


def _example(rec: dict, title: str, line: int, p: str, problems: list[Problem], n: int) -> QAExample | None:
    qid = rec.get("id")
    qid = str(qid) if qid not in (None, "") else (f"line-{line}" if line else f"q{n + 1}")
    where = f"question {qid!r}"
    context, question = rec.get("context"), rec.get("question")
    if not isinstance(context, str) or not context.strip():
        problems.append(
            Problem(
                p,
                line,
                f"{where} has an empty context; give the passage the answer comes from",
            )
        )
        return None
    if not isinstance(question, str) or not question.strip():
        problems.append(Problem(p, line, f"{where} has an empty question"))
        return None
    near = [k for k in rec if k != "answers" and "answer" in k.lower() and k != "answer_start"]
    if "answers" not in rec and near:  # "answer": "..." is not read as no answer
        problems.append(
            Problem(
                p,
                line,
                f'{where} has {near[0]!r} but no "answers"; write its answers as "answers": {{"text": [...], '
                '"answer_start": [...]}} (left out)',
            )  # fmt: skip
        )
        return None
    pairs, err = _answer_pairs(rec.get("answers"))
    if err:
        problems.append(Problem(p, line, f"{where}: {err} (left out)"))
        return None
    impossible = bool(rec.get("is_impossible", False))
    if impossible and pairs:
        problems.append(
            Problem(
                p,
                line,
                f"{where} is marked is_impossible but lists answers; it is read as unanswerable",
                "warning",
            )
        )
        pairs = []
    answers: list[tuple[str, int]] = []
    missing: list[str] = []
    for text, start in pairs:
        found = _locate(context, text, start)
        if found is None:
            missing.append(f"the answer {_short(text)} does not occur in the context")
            continue
        if found != start:
            problems.append(
                Problem(
                    p,
                    line,
                    f"{where}: the answer {_short(text)} is not at answer_start {start}; "
                    f"it was found at {found} and that position is used",
                    "warning",
                )
            )
        answers.append((text, found))
    if missing and not answers:
        problems.append(Problem(p, line, f"{where}: {missing[0]}; the question is left out"))
        return None
    for m in missing:
        problems.append(Problem(p, line, f"{where}: {m}; that answer is left out", "warning"))
    return QAExample(qid, question.strip(), context, answers, title, line)


def _answer_pairs(answers) -> tuple[list[tuple[str, int]], str]:
    """(text, start) pairs from either answer layout, or an error message."""
    if answers is None:
        return [], ""
    if isinstance(answers, dict):  # {"text": [...], "answer_start": [...]}
        texts, starts = answers.get("text", []), answers.get("answer_start", [])
        if not isinstance(texts, list) or not isinstance(starts, list) or len(texts) != len(starts):
            return (
                [],
                'answers must hold lists "text" and "answer_start" of the same length',
            )
        items = list(zip(texts, starts, strict=True))
    elif isinstance(answers, list):
        items = []
        for a in answers:
            if not isinstance(a, dict):
                return (
                    [],
                    'each answer must be an object {"text": ..., "answer_start": ...}',
                )
            items.append((a.get("text"), a.get("answer_start")))
    else:
        return (
            [],
            'answers must be a list of {"text", "answer_start"} or {"text": [...], "answer_start": [...]}',
        )
    out = []
    for text, start in items:
        if not isinstance(text, str) or not text.strip():
            return [], "an answer text is empty; give the answer's words"
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            return (
                [],
                f"answer_start {start!r} is not a character position (a whole number, 0 or more)",
            )
        out.append((text, start))
    return out, ""


def _locate(context: str, text: str, start: int) -> int | None:
    """Where `text` is in `context`: at `start` when it is there, else its nearest occurrence."""
    if context[start : start + len(text)] == text:
        return start
    hits = [m.start() for m in re.finditer(re.escape(text), context)]
    if not hits:
        return None
    return min(hits, key=lambda h: abs(h - start))


def _short(text: str, n: int = 40) -> str:
    return repr(text if len(text) <= n else text[: n - 1] + "…")
