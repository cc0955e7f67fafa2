"""The runs list: when a run was made (a rename does not change it), runs whose run.json cannot
be read (listed as damaged, so they can be deleted), and what a model folder without its weights
says."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from albert_core.events import EventWriter, Finished, Log, Started
from albert_core.model_setup import resolve_init
from albert_core.runs import (
    ConfigError,
    RunConfig,
    atomic_write_json,
    create_run,
    list_runs,
    summarize,
)


def _run(root: Path, folder: str, name: str, started_at: float) -> Path:
    """A finished run whose first event is at `started_at`."""
    run_dir = create_run(RunConfig(train_file="x.csv", name=name), root / folder)
    w = EventWriter(run_dir / "events.jsonl", echo=None)
    w(Log("training a tokenizer", time=started_at))
    w(Started("classification", "cpu", "fp32", 1000, 4, 10, 2, time=started_at + 1))
    w(Finished(4, {"loss": 0.3, "accuracy": 0.9}, str(run_dir / "model"), 1.0, time=started_at + 60))
    w.close()
    return run_dir


def _rename(run_dir: Path, name: str) -> None:
    """What the Runs page's Rename does: run.json rewritten with the new name (a new file, a new
    modification time; here a later one, as a rename days after the run gives)."""
    config = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    config["name"] = name
    atomic_write_json(run_dir / "run.json", config)
    later = time.time() + 3600
    os.utime(run_dir / "run.json", (later, later))


def test_renaming_a_run_keeps_its_start_time_and_its_place(tmp_path):
    root = tmp_path / "runs"
    old = _run(root, "older", "first try", started_at=1_700_000_000.0)
    new = _run(root, "newer", "second try", started_at=1_700_086_400.0)  # a day later
    assert summarize(old).created == 1_700_000_000.0  # the first event's time
    _rename(old, "first try, renamed")
    got = summarize(old)
    assert got.name == "first try, renamed" and got.created == 1_700_000_000.0
    newest = max(list_runs(root), key=lambda r: r.created)  # as "the newest run" is found
    assert newest.path == new


def test_a_run_never_started_takes_its_time_from_its_folder_name(tmp_path):
    root = tmp_path / "runs"
    run_dir = create_run(RunConfig(train_file="x.csv"), root / "2026-01-02T03-04-05-x-tiny")
    _rename(run_dir, "renamed")
    assert summarize(run_dir).created == time.mktime((2026, 1, 2, 3, 4, 5, 0, 0, -1))
    # a folder named by hand, with no event yet: run.json's time is all there is
    plain = create_run(RunConfig(train_file="x.csv"), root / "mine")
    assert summarize(plain).created == (plain / "run.json").stat().st_mtime


def test_runs_whose_run_json_cannot_be_read_are_listed_as_damaged(tmp_path, capsys):
    root = tmp_path / "runs"
    good = _run(root, "good", "good", started_at=1_700_000_000.0)
    broken = {
        "not-json": "{this is not json",
        "unknown": json.dumps({**RunConfig(train_file="x.csv").to_dict(), "colour": "red"}),
        "a-list": "[1, 2]",
        "null": "null",
    }
    for folder, text in broken.items():
        (root / folder).mkdir()
        (root / folder / "run.json").write_text(text, encoding="utf-8")
    (root / "not-a-run").mkdir()  # no run.json: not a run at all

    assert [r.path for r in list_runs(root)] == [good]  # by default, as before: readable runs only
    runs = {r.path.name: r for r in list_runs(root, damaged=True)}
    assert set(runs) == {"good", *broken}
    assert runs["good"].status == "finished"
    for folder in broken:
        r = runs[folder]
        assert (r.status, r.name, r.task, r.metric) == ("damaged", folder, "", None)
        assert r.message and str(root) not in r.message  # the reason, without the long path
    assert "run.json is damaged" in runs["not-json"].message
    assert "unknown setting(s) colour" in runs["unknown"].message
    assert "does not hold the settings of a run" in runs["a-list"].message
    assert runs["null"].created == (root / "null" / "run.json").stat().st_mtime

    from albert_core.cli import main

    assert main(["runs", "--dir", str(root)]) == 0  # the CLI names them too, with why
    printed = capsys.readouterr().out
    assert "damaged" in printed and "unknown setting(s) colour" in printed and str(root / "a-list") in printed


def _model_folder(path: Path) -> Path:
    """A model folder as the app writes it, less its weights."""
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"model_type": "albert"}))
    (path / "tokenizer.json").write_text("{}")
    (path / "spiece.model").write_bytes(b"")
    return path


def test_a_model_folder_whose_weights_were_deleted_says_they_are_missing(tmp_path):
    folder = _model_folder(tmp_path / "model")
    with pytest.raises(ConfigError) as e:
        resolve_init(str(folder))
    message = str(e.value)
    assert "model.safetensors" in message and "missing" in message
    assert "Convert" not in message  # nothing to convert: the weights are gone

    # a run folder whose model/ lost its weights says the same of its model/
    run_dir = create_run(RunConfig(train_file="x.csv"), tmp_path / "run")
    _model_folder(run_dir / "model")
    (run_dir / "model" / "model.onnx").write_bytes(b"the Playground's cache")  # not an export for that
    with pytest.raises(ConfigError, match="missing its weights file"):
        resolve_init(str(run_dir))

    # an ONNX export (config.json, the tokenizer and model.onnx): named for what it is
    onnx = _model_folder(tmp_path / "onnx")
    (onnx / "model.onnx").write_bytes(b"onnx")
    with pytest.raises(ConfigError, match=r"is an ONNX export \(model.onnx\), which onnxruntime reads"):
        resolve_init(str(onnx))

    # a folder with only pickled weights: converting them is still the advice
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ConfigError, match="Convert the model to safetensors first"):
        resolve_init(str(folder))
