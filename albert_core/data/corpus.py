"""Plain-text corpora for pre-training: which files, documents, sentences, and their statistics.

A corpus is one or more files or folders of UTF-8 text. Documents are separated by blank
lines (so a file without blank lines is one document), or, with `documents="file"`, each file
is one document. Sentences are found by punctuation (`.`, `!`, `?` followed by a space, with
common abbreviations kept whole) or, with `sentences="line"`, each line is one sentence, as in
BERT's and ALBERT's own pre-training text format.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .problems import UTF16_BOMS, DataError, Problem, binary_kind, legacy_decode, not_text, utf16_without_bom

DOCUMENT_MODES = ("blank_lines", "file")
SENTENCE_MODES = ("punctuation", "line")


@dataclass
class CorpusOptions:
    """How text becomes documents and sentences."""

    documents: str = "blank_lines"  # blank_lines: a blank line ends a document | file: one per file
    sentences: str = "punctuation"  # punctuation: split after . ! ? 。！？ | line: one sentence per line

    def validate(self) -> None:
        if self.documents not in DOCUMENT_MODES:
            raise DataError(f"documents must be one of {', '.join(DOCUMENT_MODES)} (got {self.documents!r})")
        if self.sentences not in SENTENCE_MODES:
            raise DataError(f"sentences must be one of {', '.join(SENTENCE_MODES)} (got {self.sentences!r})")


@dataclass
class Document:
    file: str
    line: int  # 1-based line where the document starts
    sentences: list[str]


@dataclass
class CorpusReport:
    """Problems met while reading (files left out, undecodable lines); filled as documents are read."""

    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bytes_total: int = 0
    bytes_read: int = 0


def tagged_files(paths: str | Path | Iterable[str | Path], most: int = 5) -> list[Problem]:
    """Warnings for corpus files that look like an NER file (a word and its tags on each line, as
    CoNLL's): pre-training would read the tags as text. The first `most` files are looked at, by
    their first 64 KB."""
    from .conll import TAG

    out = []
    for f in corpus_files(paths)[:most]:
        try:
            with open(f, "rb") as fh:
                head = fh.read(1 << 16).decode("utf-8", errors="replace")
        except OSError:
            continue
        rows = [s.split() for s in head.split("\n")[:-1] if s.strip()][:2000]
        tagged = sum(1 for cols in rows if 2 <= len(cols) <= 6 and TAG.match(cols[-1]))
        if len(rows) >= 20 and tagged >= 0.8 * len(rows):
            out.append(
                Problem(
                    str(f),
                    0,
                    "looks like an NER file (a word and its tags on each line): pre-training would learn the tags "
                    "as text; for pre-training give plain text, or choose the named-entities task for this file",
                    severity="warning",
                )  # fmt: skip
            )
    return out


def split_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """`paths` as a list: one path, a list of paths, or several joined by os.pathsep (':' or ';')."""
    if isinstance(paths, (str, Path)):
        parts = [p for p in str(paths).split(os.pathsep) if p.strip()]
    else:
        parts = [str(p) for p in paths]
    return [Path(p.strip()).expanduser() for p in parts]


# files that describe a folder's text rather than hold it (a data set's README, its licence)
ABOUT_FILES = {"README", "LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS", "CHANGELOG", "CHANGES", "CONTRIBUTING"}


def about_file(path: Path) -> bool:
    return path.name.split(".")[0].upper() in ABOUT_FILES


def corpus_files(paths: str | Path | Iterable[str | Path], left_out: list[Path] | None = None) -> list[Path]:
    """Every file named, or found (recursively) in the folders named: hidden files are skipped, and
    so are a folder's README, LICENSE and the like (added to `left_out`); a file named is taken."""
    out: list[Path] = []
    missing = []
    for p in split_paths(paths):
        if p.is_dir():
            found = [
                q
                for q in sorted(p.rglob("*"))
                if q.is_file() and not any(part.startswith(".") for part in q.relative_to(p).parts)
            ]
            about = [q for q in found if about_file(q)]
            if about and len(about) < len(found):  # a folder of nothing else: its files are the text
                found = [q for q in found if q not in about]
                if left_out is not None:
                    left_out.extend(about)
            if not found:
                missing.append(Problem(str(p), 0, "is an empty folder; put text files in it"))
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            missing.append(Problem(str(p), 0, "no such file or folder; check the path"))
    if missing:
        raise DataError(missing)
    if not out:
        raise DataError("no text files given; choose a file or a folder of text files")
    return out


_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "vs", "etc", "e.g", "i.e", "no", "vol",
    "fig", "inc", "ltd", "co", "mt", "gen", "col", "lt", "sgt", "capt", "rev", "cf", "al", "approx",
}  # fmt: skip
# . ! ? … and closing quotes before a space; Chinese and Japanese 。！？ need no space after them
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+\S)|[。！？｡]+[」』”’）)\]]*(?=\s*\S)")


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph: a cut after . ! ? (and closing quotes) followed by a space,
    except after a known abbreviation or a single letter ("Mr. Darcy", "H. gammarus"), and
    after the full stops of Chinese and Japanese (。！？), which no space follows."""
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if text[m.start()] == ".":
            word = text[start : m.start()].rsplit(None, 1)
            last = word[-1].lower().lstrip("(\"'“‘") if word else ""
            if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
        s = text[start : m.end()].strip()
        if s:
            out.append(s)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _file_lines(path: Path, report: CorpusReport) -> Iterator[tuple[int, str]]:
    """(line number, text) of a file, read as a stream; a binary or unreadable file is reported
    and skipped, an undecodable line is kept with replacement characters and reported."""
    try:
        f = open(path, "rb")
    except OSError as e:
        report.problems.append(Problem(str(path), 0, f"cannot be read ({e.strerror}); it was left out"))
        return
    with f:
        head = f.read(8192)
        if head[:2] in UTF16_BOMS:  # Notepad's "Unicode"
            f.seek(0)
            text = io.TextIOWrapper(f, encoding="utf-16", errors="replace", newline=None)
            for n, line in enumerate(text, 1):
                report.bytes_read += 2 * len(line)
                yield n, line.rstrip("\r\n")
            return
        if not_text(head):
            encoding = utf16_without_bom(head)
            if encoding:  # UTF-16 saved without its byte-order mark
                f.seek(0)
                text = io.TextIOWrapper(f, encoding=encoding, errors="replace", newline=None)
                for n, line in enumerate(text, 1):
                    report.bytes_read += 2 * len(line)
                    yield n, line.rstrip("\r\n")
                return
            report.problems.append(Problem(str(path), 0, f"{binary_kind(head)}; it was left out"))
            report.bytes_read += path.stat().st_size
            return
        f.seek(0)
        bad = []
        for n, raw in enumerate(f, 1):
            report.bytes_read += len(raw)
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line, name = legacy_decode(raw)
                bad.append(n)
            yield n, line.rstrip("\r\n")
        if bad:
            more = f" (and {len(bad) - 1} more lines)" if len(bad) > 1 else ""
            report.problems.append(
                Problem(
                    str(path),
                    bad[0],
                    f"is not UTF-8{more}, so such lines were read as {name}; save the file as UTF-8 "
                    "if letters look wrong",
                    severity="warning",
                )
            )


def _sentences(lines: list[str], options: CorpusOptions) -> list[str]:
    if options.sentences == "line":
        return [ln.strip() for ln in lines if ln.strip()]
    return split_sentences(" ".join(ln.strip() for ln in lines if ln.strip()))


def iter_documents(
    paths: str | Path | Iterable[str | Path],
    options: CorpusOptions | None = None,
    report: CorpusReport | None = None,
) -> Iterator[Document]:
    """The documents of a corpus, in file order, read as a stream (any corpus size)."""
    options = options or CorpusOptions()
    options.validate()
    report = report if report is not None else CorpusReport()
    left_out: list[Path] = []
    files = corpus_files(paths, left_out)
    by_folder: dict[Path, list[str]] = {}
    for f in left_out:
        by_folder.setdefault(f.parent, []).append(f.name)
    for folder, names in by_folder.items():
        more = f" and {len(names) - 4} more" if len(names) > 4 else ""
        report.problems.append(
            Problem(
                str(folder),
                0,
                f"{', '.join(names[:4])}{more} left out: such files describe the text; choose one by itself to "
                "train on it",
                severity="warning",
            )
        )
    report.files = files
    report.bytes_total = sum(f.stat().st_size for f in files)
    for path in files:
        if path.suffix.lower() in TABLE_SUFFIXES:  # labelled data: the texts, without their labels
            yield from _table_documents(path, options, report)
            continue
        found = False
        block: list[str] = []
        start = 0
        held: list[tuple[int, str]] = []  # headings (line, text), held for the block after them
        for n, line in _file_lines(path, report):
            if line.strip():
                if not block:
                    start = n
                block.append(line)
            elif block and options.documents == "blank_lines":
                if _is_heading(block):  # "= = Career = =" alone: it opens the next block's document
                    if len(held) == HELD_HEADINGS:  # short lines one after another: texts of their own
                        found = True
                        yield Document(str(path), held[0][0], [held.pop(0)[1]])
                    held.append((start, block[0].strip()))
                    block = []
                    continue
                sents = _sentences(block, options)
                block = []
                if held:
                    start, sents = held[0][0], [h for _, h in held] + sents
                    held = []
                if sents:
                    found = True
                    yield Document(str(path), start, sents)
        if block and options.documents == "blank_lines" and _is_heading(block):  # a short last line heads nothing
            held.append((start, block[0].strip()))
            block = []
        sents = _sentences(block, options) if block else []
        if held and sents:
            start, sents = held[0][0], [h for _, h in held] + sents
        elif held:  # headings with nothing after them: each a text of its own, as any block
            for line_no, text in held:
                found = True
                yield Document(str(path), line_no, [text])
        if sents:
            found = True
            yield Document(str(path), start, sents)
        if not found and not any(p.file == str(path) and p.line == 0 for p in report.problems):
            report.problems.append(Problem(str(path), 0, "holds no text; it was left out", severity="warning"))


TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl")
TABLE_ROWS_PER_DOCUMENT = 10  # rows of a table grouped into one document, so examples hold several texts


def _table_documents(path: Path, options: CorpusOptions, report: CorpusReport) -> Iterator[Document]:
    """A table in a corpus (the training file of a classifier, say): the texts of its text column,
    and of its second text column where it has one, ten rows to a document; its labels are left
    out. Pre-training on the text of the task to come helps that task most (in the SST-2
    benchmark, the task's sentences in the corpus made the difference). The table is read whole."""
    from .classification import detect_columns
    from .table import read_table

    report.bytes_read += path.stat().st_size
    try:
        table = read_table(path)
    except DataError as e:
        report.problems.append(Problem(str(path), 0, f"{e.problems[0].message}; it was left out"))
        return
    cols = detect_columns(table)
    if cols.get("text"):  # a column of numbers or ids is no text to learn from
        i = table.header.index(cols["text"])
        cells = [row[i] for row in table.rows[:500] if row[i].strip()]
        if sum(any(ch.isalpha() for ch in c) for c in cells) * 2 < len(cells):
            cols["text"] = None
    if not cols.get("text"):
        report.problems.append(
            Problem(str(path), 0, f"has no column of text among {', '.join(table.header)}; it was left out")
        )
        return
    columns = [table.header.index(c) for c in (cols["text"], cols.get("text_pair")) if c]
    found = 0
    for k in range(0, len(table.rows), TABLE_ROWS_PER_DOCUMENT):
        rows = table.rows[k : k + TABLE_ROWS_PER_DOCUMENT]
        texts = [row[c].strip() for row in rows for c in columns if row[c].strip()]
        sents = texts if options.sentences == "line" else [s for t in texts for s in split_sentences(t)]
        if sents:
            found += 1
            yield Document(str(path), table.lines[k], sents)
    names = " and ".join(repr(c) for c in (cols["text"], cols.get("text_pair")) if c)
    report.problems.append(
        Problem(
            str(path),
            0,
            f"read as a table: the texts of its column {names} ({len(table.rows):,} rows, "
            f"{TABLE_ROWS_PER_DOCUMENT} to a document); its other columns (labels) are left out"
            if found
            else f"has no text in its column {names}; it was left out",
            severity="warning",
        )
    )


HEADING_CHARS = 100  # a line alone between blank lines, this short and with no end of sentence, heads what follows
HELD_HEADINGS = 2  # a heading and a sub-heading open one document; a third short line in a row is a text of its own


def _is_heading(block: list[str]) -> bool:
    """A block of one short line that does not end a sentence: a title or a section heading
    (WikiText's "= = Career = =")."""
    if len(block) != 1:
        return False
    line = block[0].strip()
    return len(line) <= HEADING_CHARS and not re.search(r"[.!?…。！？:;,\"'”’»)]$", line)


NO_TEXT = "the corpus holds no text; give files with some text in them"


def require_text(paths: str | Path | Iterable[str | Path], options: CorpusOptions | None = None) -> None:
    """Nothing when the corpus has a document; else a DataError with why each file gave none
    (a binary file, an empty one, one that cannot be read), before any time goes into a tokenizer.
    Reads only up to the first document."""
    report = CorpusReport()
    for _ in iter_documents(paths, options, report):
        return
    raise DataError(report.problems or NO_TEXT, str(paths))


def describe_stats(stats: dict) -> str:
    """The corpus counts in words, with the pieces and the unknown-piece rate once a tokenizer
    has counted them: "7,292 documents, 37,408 sentences, 4,326,840 characters, 1,003,566
    pieces (2.85% unknown)"."""
    text = ", ".join(
        f"{stats[key]:,} {key if stats[key] != 1 else key[:-1]}" for key in ("documents", "sentences", "characters")
    )
    if "tokens" in stats:
        text += f", {describe_pieces(stats)}"
    return text


def describe_pieces(stats: dict) -> str:
    """The pieces counted, as "1,003,566 pieces (2.85% unknown)". When the text itself marks
    unknown words with the tokenizer's `<unk>` (WikiText does), those marks are told apart from
    what the vocabulary lacks: "(0.12% unknown, besides the text's 27,134 <unk> marks)"."""
    marks = stats.get("unk_marks", 0)
    text = f"{stats['tokens']:,} pieces ({vocabulary_miss_rate(stats):.2%} unknown"
    return text + (f", besides the text's {marks:,} <unk> marks)" if marks else ")")


def vocabulary_miss_rate(stats: dict) -> float:
    """The share of pieces unknown because the vocabulary lacks them: the unknown rate less the
    text's own `<unk>` marks."""
    return (stats["unknown_tokens"] - stats.get("unk_marks", 0)) / max(1, stats["tokens"])


def count_unk_marks(tokenizer, sentences: list[str]) -> int:
    """How many times the sentences write the tokenizer's unknown token (`<unk>`) themselves:
    each is read as that token, so it counts as unknown without the vocabulary being at fault."""
    mark = tokenizer.unk_token
    if not mark:
        return 0
    if getattr(tokenizer, "do_lower_case", False):
        mark = mark.lower()
        return sum(s.lower().count(mark) for s in sentences if "<" in s)
    return sum(s.count(mark) for s in sentences if "<" in s)


def piece_stats(tokens: int, unknown: int, marks: int) -> dict:
    """The piece counts of a corpus as its stats hold them: pieces, unknown pieces, the text's own
    `<unk>` marks among those (never more than the unknown pieces) and the unknown share."""
    return {
        "tokens": tokens,
        "unknown_tokens": unknown,
        "unk_marks": min(marks, unknown),
        "unk_rate": unknown / max(1, tokens),
    }


def corpus_stats(
    paths: str | Path | Iterable[str | Path],
    tokenizer=None,
    options: CorpusOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Counts for a corpus: files, documents, sentences, characters, and the problems found.
    With a tokenizer, also tokens (pieces) and the share of pieces that are unknown (`unk_rate`).
    `progress(bytes_read, bytes_total)` is called now and then (for a progress bar).
    Reads the files as a stream; for a corpus already tokenized, `cached_stats` is instant."""
    report = CorpusReport()
    stats = {"files": 0, "documents": 0, "sentences": 0, "characters": 0, "bytes": 0}
    counter = _TokenCounter(tokenizer) if tokenizer is not None else None
    for i, doc in enumerate(iter_documents(paths, options, report)):
        stats["documents"] += 1
        stats["sentences"] += len(doc.sentences)
        stats["characters"] += sum(len(s) for s in doc.sentences)
        if counter:
            counter.add(doc.sentences)
        if progress and i % 256 == 0:
            progress(report.bytes_read, report.bytes_total)
    if counter:
        counter.flush()
        stats.update(piece_stats(counter.tokens, counter.unknown, counter.marks))
    if progress:
        progress(report.bytes_read, report.bytes_total)
    stats["files"] = len(report.files)
    stats["bytes"] = report.bytes_total
    stats["problems"] = [str(p) for p in report.problems]
    return stats


class _TokenCounter:
    """Counts pieces and unknown pieces, tokenizing sentences in batches (fast tokenizers
    are much quicker on a list than one text at a time)."""

    def __init__(self, tokenizer, batch: int = 2048):
        self.tok, self.batch = tokenizer, batch
        self.pending: list[str] = []
        self.tokens = self.unknown = self.marks = 0

    def add(self, sentences: list[str]) -> None:
        self.pending.extend(sentences)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        unk = self.tok.unk_token_id
        for ids in encode(self.tok, self.pending):
            self.tokens += len(ids)
            self.unknown += sum(1 for t in ids if t == unk)
        self.marks += count_unk_marks(self.tok, self.pending)
        self.pending = []


def encode(tokenizer, texts: list[str]) -> list[list[int]]:
    """Piece ids of each text, without [CLS]/[SEP]."""
    return tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
