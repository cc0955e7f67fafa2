"""Data page readers for question answering, named entities and pre-training corpora.

Each turns a file (or, for pre-training, files and folders) into a `DataPreview`: rows to show,
problems with file:line, a distribution to chart, and a one-line summary. They run in worker
threads and may take their time.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from albert_core.data.problems import DataError

from .data_readers import DataPreview, TaskReader, register_reader

SNIPPET = 90  # characters of context shown around the answer
MAX_PREVIEW_DOCUMENTS = 2000


def _snippet(context: str, start: int, length: int) -> str:
    """The part of `context` around [start, start+length), at most SNIPPET characters."""
    context = " ".join(context.split()) if start < 0 else context
    if len(context) <= SNIPPET:
        return context.replace("\n", " ")
    if start < 0:
        return context[: SNIPPET - 1] + "…"
    lo = max(0, start + length // 2 - SNIPPET // 2)
    hi = min(len(context), lo + SNIPPET)
    lo = max(0, hi - SNIPPET)
    text = context[lo:hi].replace("\n", " ")
    return ("…" if lo else "") + text + ("…" if hi < len(context) else "")


# -- question answering -------------------------------------------------------------------------
def read_qa_preview(path: str, columns: dict | None = None, options: dict | None = None) -> DataPreview:
    """Question, a snippet of its context around the answer, and the answers of each question."""
    from albert_core.data.squad import read_squad

    header = ["Question", "Context", "Answer(s)", "Id"]
    try:
        data = read_squad(path)
    except DataError as e:
        return DataPreview(str(path), header, [], [], problems=list(e.problems), fatal=True, chart_title="Questions")
    rows, lines = [], []
    for ex in data.examples:
        first = ex.answers[0] if ex.answers else ("", -1)
        answers = " | ".join(dict.fromkeys(ex.answer_texts)) or "(no answer)"
        rows.append([ex.question, _snippet(ex.context, first[1], len(first[0])), answers, ex.id])
        lines.append(ex.line)
    unanswerable = sum(not e.answers for e in data.examples)
    version = "2.0 (some questions have no answer)" if unanswerable else "1.1"
    fmt = {"squad": "SQuAD JSON", "flat-json": "flat JSON", "jsonl": "JSON Lines"}.get(data.format, data.format)
    counts = {"answerable": len(data) - unanswerable}
    if unanswerable:
        counts["no answer"] = unanswerable
    contexts = len({e.context for e in data.examples})
    return DataPreview(
        str(path),
        header,
        rows,
        lines,
        problems=list(data.problems),
        label_counts=counts,
        usable=len(data),
        chart_title="Questions",
        summary=f"{fmt}, SQuAD v{version}; {len(data):,} questions on {contexts:,} passages",
    )


# -- named entities -----------------------------------------------------------------------------
def read_ner_preview(path: str, columns: dict | None = None, options: dict | None = None) -> DataPreview:
    """Each sentence as token/TAG pairs (IOB2), the scheme the file used, and the tag counts."""
    from albert_core.data.conll import read_ner

    header = ["Sentence (token/TAG)", "Tokens"]
    try:
        data = read_ner(path)
    except DataError as e:
        return DataPreview(
            str(path), header, [], [], problems=list(e.problems), fatal=True, chart_title="Entities by type"
        )
    rows = [
        [" ".join(f"{w}/{t}" for w, t in zip(words, tags, strict=True)), str(len(words))]
        for words, tags in zip(data.sentences, data.tags, strict=True)
    ]
    counts = Counter(t for tags in data.tags for t in tags)
    outside = counts.pop("O", 0)
    # the chart counts entities by type (PER, LOC…): the tags are IOB2, each entity begins with B-
    by_type = {k[2:]: v for k, v in sorted(counts.items()) if k.startswith("B-")}
    entities = sum(by_type.values())
    scheme = data.scheme if data.scheme == "IOB2" else f"{data.scheme} (converted to IOB2)"
    fmt = "CoNLL columns" if data.format == "conll" else "JSON Lines"
    types = ", ".join(data.types) or "none"
    return DataPreview(
        str(path),
        header,
        rows,
        list(data.lines),
        problems=list(data.problems),
        label_counts=by_type,
        usable=len(data),
        chart_title="Entities by type",
        summary=(f"{fmt}, tag scheme {scheme}; {entities:,} entities of types {types}; {outside:,} tokens tagged O"),
        info={"scheme": data.scheme, "types": data.types, "format": data.format},
    )


# -- pre-training corpus -------------------------------------------------------------------------
def read_corpus_preview(path: str, columns: dict | None = None, options: dict | None = None) -> DataPreview:
    """The first documents of a corpus (files and folders joined by os.pathsep) and its
    statistics (counted as `albert_core.data.corpus.corpus_stats` counts them), in one pass."""
    from albert_core.data.corpus import CorpusReport, iter_documents

    header = ["File", "Sentences", "Beginning of the document"]
    report = CorpusReport()
    stats = {"files": 0, "documents": 0, "sentences": 0, "characters": 0, "bytes": 0}
    rows, lines = [], []
    try:
        for doc in iter_documents(path, report=report):
            stats["documents"] += 1
            stats["sentences"] += len(doc.sentences)
            stats["characters"] += sum(len(s) for s in doc.sentences)
            if len(rows) < MAX_PREVIEW_DOCUMENTS:
                text = " ".join(doc.sentences)
                rows.append(
                    [Path(doc.file).name, str(len(doc.sentences)), text[:160] + ("…" if len(text) > 160 else "")]
                )
                lines.append(doc.line)
    except DataError as e:
        return DataPreview(str(path), header, [], [], problems=list(e.problems), fatal=True, chart_title="")
    from albert_core.data.corpus import tagged_files

    report.problems[:0] = tagged_files(report.files)
    stats["files"] = len(report.files)
    stats["bytes"] = report.bytes_total
    n_files = stats["files"]
    return DataPreview(
        str(path),
        header,
        rows,
        lines,
        problems=list(report.problems),
        usable=stats["documents"],
        fatal=stats["documents"] == 0,
        chart_title="",
        summary=(
            f"{n_files:,} file{'s' if n_files != 1 else ''}: {stats['documents']:,} documents, "
            f"{stats['sentences']:,} sentences, {stats['characters']:,} characters"
        ),
        info={"stats": stats},
    )


def join_paths(paths: list[str]) -> str:
    """Several corpus files or folders as one training_file value."""
    return os.pathsep.join(paths)


register_reader(
    TaskReader(
        "qa",
        "Question answering",
        (),
        (),
        "Question answering (*.json *.jsonl);;All files (*)",
        read_qa_preview,
        "SQuAD v1.1/v2.0 JSON, or JSON Lines of {id, question, context, answers}.",
    )
)
register_reader(
    TaskReader(
        "ner",
        "Named entities",
        (),
        (),
        "Named entities (*.txt *.conll *.bio *.iob *.tsv *.jsonl);;All files (*)",
        read_ner_preview,
        "CoNLL column files (token … tag, a blank line between sentences) or JSON Lines of tokens and tags.",
    )
)
register_reader(
    TaskReader(
        "pretrain",
        "Pre-training (plain text)",
        (),
        (),
        "Text (*.txt *.text *.md);;Tables of texts, read without their labels (*.csv *.tsv *.jsonl);;All files (*)",
        read_corpus_preview,
        "Plain UTF-8 text files or a folder of them; a blank line separates documents. A table (your "
        "classifier's training file) gives the texts of its text column, without the labels.",
    )
)
