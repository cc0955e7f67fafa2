"""How the Data page reads a file for each task. A task plugs in by registering a reader.

A reader turns a file into a `DataPreview`: the rows to show, which column plays which role,
the problems found (file:line: message) and the label counts. Readers run in a worker thread,
so they may take their time and may raise DataError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from albert_core.data.problems import DataError, Problem


@dataclass
class DataPreview:
    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # source line of each row
    roles: dict[str, str | None] = field(default_factory=dict)  # role → column name
    problems: list[Problem] = field(default_factory=list)
    label_counts: dict[str, int] = field(default_factory=dict)
    usable: int = 0  # examples the task will train on
    fatal: bool = False  # nothing in the file can be used
    chart_title: str = "Labels"  # what label_counts count ("" hides the chart)
    summary: str = ""  # one line about the file (format, scheme, sizes)
    info: dict = field(default_factory=dict)  # task-specific facts (tag scheme, corpus statistics)


@dataclass
class TaskReader:
    task: str  # RunConfig.task
    title: str  # shown in the task selector
    roles: tuple[str, ...]  # column roles the user can map ("" roles hidden)
    optional_roles: tuple[str, ...]
    file_filter: str
    read: Callable[[str, dict | None, dict | None], DataPreview]  # (path, columns, options)
    hint: str = ""


READERS: dict[str, TaskReader] = {}


def register_reader(reader: TaskReader) -> None:
    READERS[reader.task] = reader


def _table_preview(path: str) -> tuple[list[str], list[list[str]], list[int]]:
    from albert_core.data.table import read_table

    try:
        t = read_table(path)
    except DataError:
        return [], [], []
    return t.header, t.rows, t.lines


def read_classification_preview(path: str, columns: dict | None = None, options: dict | None = None) -> DataPreview:
    """Rows, column roles, problems and label counts of a classification file. `options`:
    multi_label (None: judged from the label column) and label_separator; the preview's
    info says which reading was used."""
    from albert_core.data.classification import read_classification

    options = options or {}
    separator = options.get("label_separator") or ","
    before = options.get("label_before") or ""
    try:
        data = read_classification(
            path, columns or None, multi_label=options.get("multi_label"), separator=separator, before=before
        )
    except DataError as e:
        header, rows, lines = _table_preview(path)
        return DataPreview(str(path), header, rows, lines, dict(columns or {}), list(e.problems), fatal=True)
    t = data.table
    counts = dict(data.label_counts())
    return DataPreview(
        str(path),
        list(t.header),
        t.rows,
        t.lines,
        dict(data.columns),
        list(data.problems),
        counts,
        len(data),
        fatal=not data.multi_label and len(counts) < 2,  # one label: nothing to tell apart
        chart_title="Labels (texts that have each)" if data.multi_label else "Labels",
        info={
            **_label_info(data),
            **_coarse_info(counts, before),
            # each row's labels: a validation file is checked against the training file's (unscored_reason)
            "row_labels": data.row_labels(),
        },
    )


def _coarse_info(counts: dict[str, int], before: str) -> dict:
    """Labels with a coarse and a fine part (TREC's DESC:manner): the mark, and how many labels
    keeping the part before it leaves, for the page to offer; or the mark the labels were cut at."""
    from albert_core.data.classification import coarse_labels

    if before:
        return {"label_before": before}
    found = coarse_labels(counts)
    return {"coarse": {"mark": found[0], "labels": found[1], "of": len(counts)}} if found else {}


def _label_info(data) -> dict:
    """Whether the file was read with several labels per text, and for such a file the texts
    with none and the labels per text on average."""
    from albert_core.data.classification import indicator_columns, is_json_list

    # 0/1 columns (one per label) the label box offers as one choice; one-hot when each row has one 1
    # (read as one label per text, or, read as several, each row's set is one label: the file is not read again)
    flags = indicator_columns(data.table, {data.columns.get("text"), data.columns.get("text_pair")})
    chosen = data.columns.get("label")
    is_one_hot = isinstance(chosen, list) and (not data.multi_label or all(len(s) == 1 for s in data.label_sets))
    if not data.multi_label:
        return {"multi_label": False, "flag_columns": flags, "one_hot": is_one_hot}
    sizes = [len(s) for s in data.label_sets]
    if isinstance(chosen, str):  # labels as JSON lists need no separator
        i = data.table.header.index(chosen)
        cells = [c for c in (r[i].strip() for r in data.table.rows[:200]) if c]
        lists = bool(cells) and all(is_json_list(c) for c in cells)
    else:
        lists = False
    return {
        "json_lists": lists,
        "flag_columns": flags,
        "one_hot": is_one_hot,
        "multi_label": True,
        "no_label": sum(1 for n in sizes if n == 0),
        "per_text": sum(sizes) / max(1, len(sizes)),
    }


register_reader(
    TaskReader(
        "classification",
        "Text classification",
        ("text", "text_pair", "label"),
        ("text_pair",),
        "Tables (*.csv *.tsv *.txt *.jsonl *.json);;All files (*)",
        read_classification_preview,
        "CSV, TSV or JSON Lines with a text column (optionally a second text) and a label column.",
    )
)


from . import task_readers  # noqa: E402,F401  (registers the QA, NER and pre-training readers)


def reader_for(task: str) -> TaskReader:
    return READERS.get(task) or READERS["classification"]


def is_data_file(path: str) -> bool:
    return Path(path).is_file()
