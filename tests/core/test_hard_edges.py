"""Malformed inputs across every reader and setting: each ends in a message that names the file
(and line) and what to change, never a traceback, and no data is lost on the way."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from albert_core import model_card, runs
from albert_core.data.classification import check_eval_labels, read_classification
from albert_core.data.conll import read_ner
from albert_core.data.corpus import iter_documents
from albert_core.data.problems import DataError
from albert_core.data.squad import read_squad
from albert_core.engine import _end_torn_line, train
from albert_core.events import read_events
from albert_core.model_setup import resolve_init
from albert_core.predict import load_predictor
from albert_core.runs import ConfigError, RunConfig, checkpoints, create_run, load_config
from albert_core.spec import ModelSpec, SpecError
from tests.core.helpers import TINY, save_tiny_model, sentiment_rows, write_csv

SQUAD_OK = {"title": "t", "paragraphs": [{"context": "abc def", "qas": []}]}


def squad(answer: dict) -> str:
    doc = {"data": [{**SQUAD_OK, "paragraphs": [{"context": "abc def", "qas": [answer]}]}]}
    return json.dumps(doc, indent=1)


@dataclass
class Case:
    name: str
    file: str
    content: str | bytes
    read: Callable
    message: str  # a fragment the message must hold
    line: int | None = None  # the line the message must name ("file:line:")
    kept: int | None = None  # rows kept when the reader reports and goes on


C, Q, N = read_classification, read_squad, read_ner
CASES = [
    Case("empty file", "a.csv", "", C, "is empty; a data file needs at least one row"),
    Case("blank lines only", "a.csv", "  \n\n \n", C, "is empty"),
    Case("binary file", "a.csv", b"\x7fELF\x00\x00" * 50, C, "looks like a binary file"),
    Case("zip archive", "a.csv", b"PK\x03\x04\x00\x00" * 50, C, "is a ZIP archive; extract the data file from it"),
    Case(
        "windows-1252 text",
        "a.csv",
        b"text,label\ncaf\xe9,pos\n",
        C,
        "not UTF-8 (byte 0xe9), so the file was read as Windows-1252",
        2,
        1,
    ),
    Case(
        "utf-16 that does not decode", "a.csv", b"\xff\xfet\x00e\x00\x00\xd8", C, "is UTF-16 text that does not decode"
    ),
    Case("ragged rows", "a.csv", "text,label\na b,pos\nc,d,neg\ne\ng h,neg\n", C, "has 3 fields, expected 2", 3, 2),
    Case("header only", "a.csv", "text,label\n", C, "has no usable rows"),
    Case("one column", "a.csv", "text\nhello\nworld\n", C, "no label column found among text; choose one"),
    Case("empty texts", "a.csv", "text,label\n,pos\n  ,neg\n", C, "has an empty text (column 'text')", 2),
    Case("empty labels", "a.csv", "text,label\na,\nb,\n", C, "has no label (column 'label' is empty)", 2),
    Case(  # the rest of the file is not one long text: the quote is a character, and every row is kept
        "unclosed quote",
        "a.csv",
        'text,label\n"quoted, fine",pos\n"oops,pos\nb,neg\n"a ""quote"" in it",neg\nc,pos\n',
        C,
        "has a quote that is never closed; read as an ordinary character",
        3,
        5,
    ),
    Case(
        "bad json lines",
        "a.jsonl",
        '{"text":"a","label":"x"}\n{bad\n[1]\n{"text":"b","label":"y"}\n',
        C,
        "is not valid JSON",
        2,
        2,
    ),
    Case("json array cut short", "a.json", '[{"text": "a", "label": "p"},', C, "is not valid JSON", 1),
    Case("json nested too deeply", "a.jsonl", "[" * 50_000 + "]" * 50_000, C, "nested too deeply", 1),
    Case("tsv extra field", "a.tsv", "text\tlabel\na\tpos\nb\tneg\tz\nc\tneg\n", C, "has 3 fields, expected 2", 3, 2),
    Case("one label only", "a.csv", "text,label\na,pos\nb,pos\n", C, "a classifier needs at least two labels", None, 2),
    Case("squad empty", "q.json", "", Q, "is empty; a question answering file needs at least one question"),
    Case("squad not json", "q.json", "hello there", Q, "is not valid JSON", 1),
    Case(
        "squad cut short", "q.json", '{"data": [{"title": "t", "paragraphs": [{"context": "ab', Q, "is not valid JSON"
    ),
    Case("squad data not a list", "q.json", '{"data": 3}', Q, 'has no "data" list'),
    Case(
        "squad answer not in context",
        "q.json",
        squad({"id": "1", "question": "q?", "answers": [{"text": "xyz", "answer_start": 0}]}),
        Q,
        "the answer 'xyz' does not occur in the context",
        10,
    ),
    Case(
        "squad answer_start not a number",
        "q.json",
        squad({"id": "1", "question": "q?", "answers": [{"text": "def", "answer_start": "x"}]}),
        Q,
        "is not a character position",
        10,
    ),
    Case("squad nested too deeply", "q.json", "[" * 50_000 + "]" * 50_000, Q, "nested too deeply"),
    Case("conll empty", "n.txt", "", N, "is empty; an NER file needs at least one sentence"),
    Case(
        "conll column mismatch",
        "n.txt",
        "EU B-ORG\nrejects O\nGerman B-MISC x\n\nPeter B-PER\n",
        N,
        "has 3 columns, expected 2",
        3,
        1,
    ),
    Case("conll unknown tag", "n.txt", "EU B-ORG\nx Q-FOO\n\nA O\n", N, "has the unknown tag 'Q-FOO'", 2, 1),
    Case(
        "ner json tokens and tags differ",
        "n.jsonl",
        '{"tokens":["a","b"],"tags":["O"]}\n{"tokens":["c"],"tags":["O"]}\n',
        N,
        "has 2 tokens but 1 tags",
        1,
        1,
    ),
    Case(
        "ner json numeric tags", "n.jsonl", '{"tokens": ["a"], "tags": [3]}\n', N, "tags must be names such as B-PER", 1
    ),
    Case(
        "ner json nested too deeply",
        "n.jsonl",
        '{"tokens": ' + "[" * 50_000 + "]" * 50_000 + "}\n",
        N,
        "nested too deeply",
        1,
    ),
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_data_files(case: Case, tmp_path):
    path = tmp_path / case.file
    path.write_bytes(case.content if isinstance(case.content, bytes) else case.content.encode("utf-8"))
    before = _digest(path)
    if case.kept is None:
        with pytest.raises(DataError) as info:
            case.read(path)
        message, problems = str(info.value), info.value.problems
    else:
        data = case.read(path)
        assert len(data) == case.kept  # the good rows stay
        message, problems = "\n".join(str(p) for p in data.problems), data.problems
    assert case.message in message
    assert str(path) in message
    if case.line is not None:
        assert any(p.line == case.line and case.message in p.message for p in problems), message
    assert _digest(path) == before  # reading never changes the file


def test_a_stray_quote_keeps_every_row_and_excel_separators_are_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('text,label\n"oops, it opens,pos\nb,neg\n' + "".join(f"row {i},pos\n" for i in range(40)))
    data = read_classification(path)
    assert len(data) == 41 and data.texts[0] == "b"  # not one text to the end of the file
    assert [p.line for p in data.problems if p.severity == "error"] == [2]  # its 3 fields ("oops / it opens / pos")
    # Excel's first line naming the separator is no row; tab-separated data saved as .csv is read as such
    excel = tmp_path / "excel.csv"
    excel.write_text("sep=;\ntext;label\nfine, really;pos\ndull;neg\n")
    data = read_classification(excel)
    assert data.texts == ["fine, really", "dull"] and data.labels == ["pos", "neg"] and not data.problems
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("sentence\tlabel\na fine film , really\t1\ndull\t0\n")
    data = read_classification(tabs)
    assert data.texts == ["a fine film , really", "dull"] and data.labels == ["1", "0"]


def test_files_that_are_not_text_are_named_for_what_they_are(tmp_path):
    import gzip

    cases = {
        "a.csv.gz": (gzip.compress(b"text,label\nfine,pos\n"), "is gzip-compressed; decompress it first"),
        "a.xlsx": (b"PK\x03\x04" + b"\x00" * 20 + b"[Content_Types].xml xl/workbook.xml", "is an Excel workbook"),
        "a.csv": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "is an image, not text"),
        "b.csv": (b"text,label\nfine,pos\nsome\x00thing,neg\n", "a NUL byte on line 3"),
    }
    for name, (content, said) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(DataError, match=said):
            read_classification(path)
    for name, text in (
        ("gif.csv", "GIF89a files loop forever,tech\nfine,pos\n"),
        ("pdf.csv", "%PDF-1.7 est une norme ISO,fr\nok,en\n"),
    ):
        (tmp_path / name).write_text(text)  # text that begins like a format's mark is text
        assert len(read_classification(tmp_path / name)) == 2
    plain = tmp_path / "utf16.csv"  # UTF-16 saved without its byte-order mark
    plain.write_bytes("text,label\nun café,pos\ndull,neg\n".encode("utf-16-le"))
    assert read_classification(plain).texts == ["un café", "dull"]


def test_quotes_closed_or_not_are_told_apart(tmp_path):
    from albert_core.data.table import read_table

    cases = {  # a closed field over lines with a quote later on its row; two stray quotes; one on the last line
        'text,label\n"multi\nline",He is 6" tall\nfine,neg\n': (
            [["multi\nline", 'He is 6" tall'], ["fine", "neg"]],
            [],
        ),
        'text,label\n"unclosed one,pos\n"unclosed two,neg\nfine,pos\n': (
            [['"unclosed one', "pos"], ['"unclosed two', "neg"], ["fine", "pos"]],
            [2, 3],
        ),
        'text,label\n"unclosed,pos\n"a\nb",neg\nok,pos\n': (
            [['"unclosed', "pos"], ["a\nb", "neg"], ["ok", "pos"]],
            [2],
        ),
        'text,label\nfine,neg\n"last unclosed,pos': ([["fine", "neg"], ['"last unclosed', "pos"]], [3]),
        'text,label\n"say ""hi""\nthere",pos\n': ([['say "hi"\nthere', "pos"]], []),
    }
    for i, (content, (rows, warned)) in enumerate(cases.items()):
        path = tmp_path / f"q{i}.csv"
        path.write_text(content)
        table = read_table(path)
        assert table.rows == rows, content
        assert [p.line for p in table.problems] == warned and all(p.severity == "warning" for p in table.problems)


def test_a_short_fasttext_file_is_read_by_its_labels(tmp_path):
    path = tmp_path / "ft.txt"
    path.write_text("__label__pos great film\n__label__neg dull plot\n__label__pos lovely cast\n__label__neg flat\n")
    data = read_classification(path)
    assert data.labels == ["pos", "neg", "pos", "neg"] and data.texts[0] == "great film"


def test_two_columns_of_one_name_are_told_apart(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("text,text,label\na good one,x,pos\na bad one,y,neg\n")
    data = read_classification(path)
    assert data.texts == ["a good one", "a bad one"]  # the first column of the name, as a reader expects
    assert data.table.header == ["text", "text (2)", "label"]
    assert any(p.line == 1 and "names two columns 'text' (columns 1 and 2)" in p.message for p in data.problems)


def test_a_missing_value_mark_is_no_label(tmp_path):
    path = tmp_path / "nan.csv"
    path.write_text("text,label\na good one,pos\na bad one,neg\nwho knows,NaN\nnor this,#N/A\n")
    data = read_classification(path)
    assert data.labels == ["pos", "neg"] and data.all_labels() == {"pos", "neg"}
    assert [p.line for p in data.problems] == [4, 5] and "'NaN' in column 'label' marks a missing value" in str(
        data.problems[0]
    )


def test_utf16_files_are_read(tmp_path):
    """Excel's "Unicode Text" and Notepad's "Unicode" save UTF-16 with a byte-order mark."""
    path = tmp_path / "excel.txt"
    path.write_bytes("text\tlabel\r\nun café\tpos\r\ndull\tneg\r\n".encode("utf-16"))
    data = read_classification(path)
    assert data.texts == ["un café", "dull"] and data.labels == ["pos", "neg"] and not data.problems
    path = tmp_path / "tags.txt"
    path.write_bytes(b"\xfe\xff" + "EU B-ORG\nrejects O\n\nParis B-LOC\n".encode("utf-16-be"))  # big-endian
    assert read_ner(path).tags == [["B-ORG", "O"], ["B-LOC"]]


def test_text_that_is_not_utf8_is_read_in_the_legacy_encoding_and_said_so(tmp_path):
    # Excel's plain "CSV" on Windows writes Windows-1252: the 0x92 apostrophe and 0xe9 accent
    # come out as the letters the author typed, not as replacement characters
    path = tmp_path / "reviews.csv"
    path.write_bytes(b"text,label\nit\x92s a caf\xe9 film,pos\ndull,neg\n")
    data = read_classification(path)
    assert data.texts == ["it\u2019s a caf\u00e9 film", "dull"] and data.labels == ["pos", "neg"]
    assert [(p.line, p.severity) for p in data.problems] == [(2, "warning")]
    ner = tmp_path / "ner.txt"
    ner.write_bytes(b"Jos\xe9 B-PER\nwon O\n")
    assert read_ner(ner).sentences == [["Jos\u00e9", "won"]]
    # 0x81 is undefined in Windows-1252: such a file is read as Latin-1
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"text,label\na\x81b,pos\n")
    data = read_classification(odd)
    assert data.texts == ["a\x81b"] and "read as Latin-1" in data.problems[0].message


def test_a_10_mb_single_line_is_read_whole(tmp_path):
    text = "word " * 2_000_000
    path = tmp_path / "big.csv"
    path.write_text(f"text,label\n{text},pos\nshort,neg\n", encoding="utf-8")
    data = read_classification(path)
    assert len(data) == 2 and len(data.texts[0]) == len(text.strip()) and data.lines == [2, 3]


def test_missing_files_folders_and_columns(tmp_path):
    for read in (read_classification, read_squad, read_ner):
        with pytest.raises(DataError, match="no such file; check the path"):
            read(tmp_path / "nope.txt")
        with pytest.raises(DataError, match="is a folder, not a file"):
            read(tmp_path)
    data = write_csv(tmp_path / "d.csv", sentiment_rows(4))
    with pytest.raises(DataError, match="has no column 'sentence' for the text; its columns are text, label"):
        read_classification(data, columns={"text": "sentence"})
    with pytest.raises(DataError, match="no such file or folder"):
        list(iter_documents(tmp_path / "no-corpus"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="is an empty folder; put text files in it"):
        list(iter_documents(tmp_path / "empty"))
    with pytest.raises(DataError, match="tag column 5 does not exist"):
        read_ner(_write(tmp_path / "n.txt", "EU B-ORG\n"), tag_column=5)


def test_validation_labels_the_training_data_lacks(tmp_path):
    train_data = read_classification(write_csv(tmp_path / "t.csv", sentiment_rows(10)))
    evaluation = read_classification(write_csv(tmp_path / "e.csv", [("x", "pos"), ("y", "maybe")]))
    (p,) = check_eval_labels(train_data, evaluation)
    assert p.line == 3 and "'maybe' never appears in the training data" in p.message


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"hidden_size": 30, "num_attention_heads": 4}, "does not divide into 4 heads"),
        ({"vocab_size": 0}, "vocab_size: must be a whole number of at least 1"),
        ({"num_hidden_groups": 3}, "3 hidden groups is more than the 2 layers"),
        ({"hidden_dropout_prob": 1.5}, "must be a probability"),
    ],
)
def test_impossible_sizes(fields, message):
    spec = ModelSpec(**{**TINY.to_dict(), **fields})
    with pytest.raises(SpecError, match=message):
        spec.validate()


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"lr": float("nan")}, "learning rate must be a number above 0 (got nan)"),
        ({"lr": -1e-3}, "learning rate must be a number above 0"),
        ({"lr": math.inf}, "learning rate must be a number above 0 (got inf)"),
        ({"epochs": math.inf}, "epochs must be a number above 0"),
        ({"batch_size": 0}, "batch size must be a whole number above 0"),
        ({"log_every": 0}, "log every must be a whole number above 0"),
        ({"max_steps": "x"}, "max steps must be a whole number (got 'x')"),
        ({"columns": "text"}, "columns must be a JSON object"),
    ],
)
def test_impossible_settings_are_refused_before_anything_runs(settings, message, tmp_path):
    config = RunConfig(train_file="x.csv", **settings)
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_run(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_a_hand_edited_run_json_fails_as_an_event_not_a_traceback(tmp_path):
    run = _tiny_run(tmp_path, "edited")
    cfg = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**cfg, "seed": "x"}))
    assert train(run)["message"] == "seed must be a whole number (got 'x')"
    (run / "run.json").write_text("{torn")
    with pytest.raises(ConfigError, match="run.json is damaged"):
        load_config(run)


def test_a_new_run_never_writes_into_a_folder_with_other_files(tmp_path):
    mine = tmp_path / "project"
    (mine / "model").mkdir(parents=True)
    (mine / "model" / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="already exists and holds other files"):
        create_run(RunConfig(train_file="x.csv"), mine)
    assert (mine / "model" / "notes.txt").read_text() == "keep me" and not (mine / "run.json").exists()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("model") / "m")


def _damaged(model_dir: Path, tmp_path: Path, change: Callable[[Path], object]) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(model_dir, copy)
    change(copy)
    return copy


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: shutil.rmtree(d), "no such model folder"),
        (lambda d: (d / "config.json").unlink(), "is not a model folder (no config.json)"),
        (lambda d: (d / "config.json").write_text("{torn"), "config.json is damaged"),
        (lambda d: (d / "config.json").write_text('{"model_type": "bert"}'), "holds a bert"),
        (lambda d: (d / "config.json").write_text('{"model_type": "albert", "hidden_size": "big"}'), "hidden_size"),
        (lambda d: _cut(d / "model.safetensors", 0.9), "model.safetensors is damaged"),
        (lambda d: (d / "model.safetensors").write_bytes(b""), "model.safetensors is damaged"),
        (lambda d: (d / "tokenizer.json").unlink(), "has no tokenizer"),
    ],
    ids=[
        "missing",
        "no config",
        "torn config",
        "not albert",
        "bad setting",
        "cut weights",
        "empty weights",
        "no tokenizer",
    ],
)
def test_missing_or_damaged_model_folders(model_dir, tmp_path, change, message):
    folder = _damaged(model_dir, tmp_path, change)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_predictor(folder)
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve_init(str(folder))


def test_weights_that_do_not_fit_their_config(model_dir, tmp_path):
    def bigger(d: Path):
        cfg = json.loads((d / "config.json").read_text())
        (d / "config.json").write_text(json.dumps({**cfg, "hidden_size": 64, "intermediate_size": 128}))

    folder = _damaged(model_dir, tmp_path, bigger)
    with pytest.raises(ConfigError, match="do not have the shapes its config.json gives"):
        load_predictor(folder)
    data = write_csv(tmp_path / "d.csv", sentiment_rows(20))
    run = create_run(
        RunConfig(train_file=str(data), init=str(folder), preset="", max_steps=1, epochs=0), tmp_path / "r"
    )
    result = train(run)  # starting from it would silently replace the encoder with random weights
    assert result["event"] == "failed" and "do not belong together" in result["message"]


def test_a_torn_last_event_line_is_ended_before_new_events(tmp_path):
    log = tmp_path / "events.jsonl"
    log.write_text('{"event": "log", "message": "a", "level": "info", "time": 1}\n{"event": "st')
    _end_torn_line(log)
    with open(log, "a") as f:
        f.write('{"event": "log", "message": "b", "level": "info", "time": 2}\n')
    assert [e["message"] for e in read_events(log)] == ["a", "b"]
    _end_torn_line(log)  # a whole last line is left as it is
    assert log.read_text().endswith('"time": 2}\n') and not log.read_text().endswith("\n\n")


# -- training runs ------------------------------------------------------------------------------
def _tiny_run(tmp_path: Path, name: str, n: int = 40, **kw) -> Path:
    data = tmp_path / f"{name}.csv"
    write_csv(data, sentiment_rows(n))
    settings = dict(train_file=str(data), spec=TINY.to_dict(), preset="", max_steps=6, epochs=0, batch_size=8)
    return create_run(RunConfig(**{**settings, **kw}), tmp_path / name)


def test_a_batch_larger_than_the_data_trains_on_one_partial_batch(tmp_path):
    run = _tiny_run(tmp_path, "big-batch", n=20, batch_size=512, max_steps=0, epochs=2)
    result = train(run)
    assert result["event"] == "finished" and result["step"] == 2  # one (partial) batch an epoch


def test_two_rows_train_and_say_that_nothing_could_be_held_out(tmp_path):
    run = _tiny_run(tmp_path, "two-rows", n=2, max_steps=1)
    events: list = []
    result = train(run, sink=events.append)
    assert result["event"] == "finished", result
    assert any(e.kind == "log" and "no validation example: 2 training rows" in e.message for e in events)


def test_inputs_longer_than_the_models_positions(tmp_path):
    rows = [(" ".join(["good film"] * 100), "pos"), (" ".join(["bad film"] * 100), "neg")] * 6
    data = write_csv(tmp_path / "long.csv", rows)
    spec = {**TINY.to_dict(), "max_position_embeddings": 32}
    run = create_run(
        RunConfig(train_file=str(data), spec=spec, preset="", max_length=128, max_steps=1, epochs=0), tmp_path / "r"
    )
    events: list = []
    result = train(run, sink=events.append)
    assert result["event"] == "finished"  # capped at what the model can read, and said so
    warnings = [e.message for e in events if e.kind == "log" and e.level == "warning"]
    assert "maximum length 128 is more than this model's 32 positions; using 32" in warnings


def test_a_full_disk_fails_readably_keeps_every_checkpoint_and_resumes(tmp_path, monkeypatch):
    run = _tiny_run(tmp_path, "full", checkpoint_every=2, keep_checkpoints=5)
    real_write = runs.atomic_write_text

    def disk_full_in(part: str):
        def write(path, text):
            if part in str(path):
                raise OSError(errno.ENOSPC, "No space left on device")
            real_write(path, text)

        return write

    def fill_disk(part: str) -> None:
        for module in (runs, model_card):
            monkeypatch.setattr(module, "atomic_write_text", disk_full_in(part))

    # 1. the disk fills up while the step-4 checkpoint is written
    fill_disk(".step-4")
    result = train(run)
    assert result["event"] == "failed" and result["step"] == 4
    assert f"the disk is full while writing {run / 'checkpoints' / 'step-4'}" in result["message"]
    assert "free space" in result["message"] and "resume" in result["message"]
    assert [p.name for p in checkpoints(run)] == ["step-2"]
    assert not list((run / "checkpoints").glob(".*"))  # nothing half-written is left
    assert not (run / "error.log").exists()
    assert [e["event"] for e in read_events(run / "events.jsonl")][-1] == "failed"

    # 2. resumed, it now fills up while the final model is written
    fill_disk("README.md")
    result = train(run)
    assert result["event"] == "failed" and f"while writing {run / 'model'}" in result["message"]
    assert not (run / "model").exists() and not (run / ".model.tmp").exists()
    assert [p.name for p in checkpoints(run)] == ["step-2", "step-4"]

    # 3. a damaged checkpoint is named, with what to do about it
    monkeypatch.undo()
    _cut(run / "checkpoints" / "step-4" / "model.safetensors", 0.5)
    result = train(run)
    assert result["event"] == "failed" and "the checkpoint" in result["message"]
    assert "step-4 cannot be read" in result["message"] and "delete that folder" in result["message"]

    # 4. with it deleted, the run resumes from step 2 and finishes
    shutil.rmtree(run / "checkpoints" / "step-4")
    events: list = []
    result = train(run, sink=events.append)
    assert result["event"] == "finished" and result["step"] == 6
    assert any(e.kind == "log" and e.message.startswith("resumed from step-2") for e in events)
    assert (run / "model" / "model.safetensors").exists()


def test_a_full_disk_under_the_event_log_is_still_reported(tmp_path, monkeypatch):
    from albert_core.events import EventWriter

    run = _tiny_run(tmp_path, "log-full", max_steps=2)
    real_call = EventWriter.__call__

    def call(self, event):
        if event.kind == "started":
            monkeypatch.setattr(EventWriter, "__call__", lambda *a: _raise(OSError(errno.ENOSPC, "No space left")))
            raise OSError(errno.ENOSPC, "No space left on device")
        real_call(self, event)

    monkeypatch.setattr(EventWriter, "__call__", call)
    echo = io.StringIO()
    result = train(run, echo=echo)
    assert result["event"] == "failed" and f"the disk is full while writing {run}" in result["message"]
    last = json.loads(echo.getvalue().splitlines()[-1])  # the caller still hears why it ended
    assert last["event"] == "failed" and "disk is full" in last["message"]
    assert not (run / "pid").exists()


def _raise(e: BaseException):
    raise e


def _cut(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
