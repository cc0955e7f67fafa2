"""Exports round-trip: the Hugging Face folder loads in transformers, ONNX matches PyTorch at any
batch size and length, int8 ONNX is scored on the run's validation set, and the code snippets run."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

from albert_core.cli import main
from albert_core.engine import train
from albert_core.export import code_snippet, export
from albert_core.predict import load_predictor
from albert_core.runs import ConfigError, RunConfig, create_run
from tests.core.helpers import TINY, save_tiny_model, sentiment_rows, write_csv


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("export")
    data = write_csv(tmp / "train.csv", sentiment_rows(160))
    config = RunConfig(
        train_file=str(data), spec=TINY.to_dict(), preset="", max_steps=8, epochs=0, batch_size=16, lr=3e-3, seed=1
    )
    run_dir = create_run(config, tmp / "run")
    assert train(run_dir)["event"] == "finished"
    return run_dir


def _run_snippet(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), {})  # our own generated code, not data
    return out.getvalue()


def test_hf_folder_is_a_clean_copy_that_transformers_loads(run, tmp_path):
    model = run / "model"
    (model / "notes.bin").write_bytes(b"pickled")  # never carried along
    os.symlink("/etc/hostname", model / "link.txt")  # a link could pull in any file of the disk
    (model / "model.onnx").write_bytes(b"the Playground's fast path")  # a cache of the app's, not the model's
    (model / "state.json").write_text('{"step": 3}')  # as a stopped run's checkpoint holds its training state
    run_json = run / "run.json"
    before = run_json.read_text()
    run_json.write_text(json.dumps({**json.loads(before), "name": "renamed since"}))  # as the Runs page renames
    tok_json = model / "tokenizer_config.json"
    tok_before = tok_json.read_text()  # as a run saved before its tokenizer kept the length it trained at
    tok_json.write_text(json.dumps({**json.loads(tok_before), "model_max_length": 512}))
    try:
        result = export(run, "hf", tmp_path / "hf")
    finally:
        (model / "notes.bin").unlink()
        (model / "link.txt").unlink()
        (model / "model.onnx").unlink()
        (model / "state.json").unlink()
        run_json.write_text(before)
        tok_json.write_text(tok_before)
    out = Path(result.path)
    trained = min(json.loads(before).get("max_length", 128), TINY.max_position_embeddings)  # as the run cut it
    assert json.loads((out / "tokenizer_config.json").read_text())["model_max_length"] == trained
    assert {"config.json", "model.safetensors", "README.md", "tokenizer.json"} <= set(result.files)
    assert not (out / "notes.bin").exists() and not (out / "link.txt").exists() and not (out / "model.onnx").exists()
    assert not (out / "state.json").exists()
    card = (out / "README.md").read_text()
    assert "accuracy" in card and "\n# renamed since (classification)\n" in card
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left

    from transformers import pipeline

    pipe = pipeline("text-classification", model=str(out), device="cpu")
    texts = [t for t, _ in sentiment_rows(12, seed=5)]
    ours = load_predictor(run)
    assert [p["label"] for p in pipe(texts)] == [ours.predict(t)["label"] for t in texts]
    printed = _run_snippet(code_snippet(out))
    assert "'label'" in printed and ("pos" in printed or "neg" in printed)


def test_a_run_and_its_exports_are_readable_as_plain_new_files_are(run, tmp_path):
    """Temporary files (and safetensors' writer) are owner-only; what the run and its exports
    leave has the modes the umask gives a new file, so another user or a server can read a model."""
    mask = os.umask(0o022)
    os.umask(mask)
    (tmp_path / "plain").write_text("")
    want = (tmp_path / "plain").stat().st_mode & 0o777
    result = export(run, "onnx", tmp_path / "onnx")
    files = [p for p in [*run.rglob("*"), *Path(result.path).rglob("*")] if p.is_file()]
    assert {"run.json", "model.safetensors", "README.md", "model.onnx"} <= {p.name for p in files}
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == {p.name: oct(want) for p in files}
    assert oct(Path(result.path).stat().st_mode & 0o777) == oct(0o777 & ~mask)


def test_onnx_matches_pytorch_at_any_batch_and_length(run, tmp_path):
    result = export(run, "onnx", tmp_path / "onnx")
    assert result.max_abs_diff is not None and result.max_abs_diff < 1e-4
    batches = {b for b, _ in result.checked_shapes}
    lengths = {n for _, n in result.checked_shapes}
    assert len(batches) >= 3 and len(lengths) >= 3
    assert result.metric == "accuracy" and result.metric_change == pytest.approx(0.0, abs=1e-9)
    assert "model.onnx" in result.files and "model.safetensors" not in result.files

    # the export on real text gives the PyTorch model's probabilities
    import onnxruntime as ort

    predictor = load_predictor(run)
    sess = ort.InferenceSession(str(Path(result.path) / "model.onnx"), providers=["CPUExecutionProvider"])
    texts = [t for t, _ in sentiment_rows(6, seed=8)]
    enc = predictor.tokenizer(texts, padding=True, return_tensors="np", return_token_type_ids=True)
    (logits,) = sess.run(None, {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")})
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    for text, p in zip(texts, probs, strict=True):
        expected = predictor.predict(text)["scores"]
        assert [expected[y] for y in predictor.labels] == pytest.approx(p.tolist(), abs=1e-5)
    snippet = code_snippet(result.path)
    assert "onnxruntime" in snippet and "model.onnx" in snippet
    card = (Path(result.path) / "README.md").read_text()
    assert snippet in card and ".tmp" not in card
    printed = _run_snippet(snippet)
    assert "pos" in printed and "neg" in printed


def test_int8_export_reports_its_accuracy_change_on_the_validation_set(run, tmp_path):
    rc, out = _cli("export", "--model", str(run), "--format", "onnx-int8", "--out", str(tmp_path / "q"), "--json")
    assert rc == 0, out
    result = json.loads(out)
    assert result["files"] and "model.int8.onnx" in result["files"]
    assert result["metric"] == "accuracy"
    assert result["metric_pytorch"] is not None and result["metric_export"] is not None
    assert result["metric_change"] == pytest.approx(result["metric_export"] - result["metric_pytorch"])
    assert result["max_abs_diff"] < 0.5  # int8 weights: close, not equal
    rc, text = _cli("export", "--model", str(run), "--format", "onnx-int8", "--out", str(tmp_path / "q2"))
    pct = 100 * result["metric_pytorch"]  # as every other score is said: in percent
    assert rc == 0 and f"validation accuracy: PyTorch {pct:.2f}%, export " in text and " points)" in text
    import onnx

    ops = {n.op_type for n in onnx.load(str(tmp_path / "q" / "model.int8.onnx")).graph.node}
    assert "DynamicQuantizeLinear" in ops or "MatMulInteger" in ops


@pytest.mark.parametrize("arch", ["AlbertForQuestionAnswering", "AlbertForTokenClassification"])
def test_onnx_of_qa_and_ner_models_and_their_snippets(arch, tmp_path):
    folder = save_tiny_model(tmp_path / "m", arch, num_labels=2 if arch.endswith("Answering") else 3)
    if arch.endswith("Answering"):  # just the .onnx file
        result = export(folder, "onnx", tmp_path / "x.onnx")
        assert result.files == ["x.onnx"] and (tmp_path / "x.onnx").is_file()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    else:
        result = export(folder, "onnx", tmp_path / "folder")
        printed = _run_snippet(code_snippet(result.path))
        rows = [line.split() for line in printed.splitlines()]  # a piece of the text and its tag
        assert rows and all(len(r) == 2 and r[0] in "Ada Lovelace lived in London" for r in rows)
        assert {r[1] for r in rows} <= {"LABEL_0", "LABEL_1", "LABEL_2"}
    assert result.max_abs_diff < 1e-4
    assert any("no validation set" in n for n in result.notes)


@pytest.mark.parametrize("arch", ["AlbertForQuestionAnswering", "AlbertForTokenClassification"])
def test_the_code_for_a_qa_or_ner_folder_runs_with_the_transformers_installed(arch, tmp_path):
    folder = save_tiny_model(tmp_path / "m", arch, num_labels=2 if arch.endswith("Answering") else 3)
    code = code_snippet(folder)
    printed = _run_snippet(code).strip()
    if arch.endswith("Answering"):  # a span of the context, whatever an untrained model picks
        assert "pipeline" not in code and printed and printed in "The book was written by Ada."
    else:  # whole words: the first piece of each word tags it
        assert 'aggregation_strategy="first"' in code
        words = [e.split("'word': ")[1].split("'")[1] for e in printed.split("{")[1:]]
        whole = "ada lovelace lived in london".split()
        runs = {"".join(whole[i:j]) for i in range(len(whole)) for j in range(i + 1, len(whole) + 1)}
        assert any(words) and all(x.lower().replace(" ", "") in runs for x in words if x), words  # no "fl", "ew"


def test_exports_refuse_what_they_should(run, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="already exists"):
        export(run, "hf", taken)
    assert (taken / "keep.txt").read_text() == "mine"
    with pytest.raises(ConfigError, match="choose a folder you can write to"):
        export(run, "hf", "/proc/no-such-place/out")
    with pytest.raises(ConfigError, match="unknown export format"):
        export(run, "tflite", tmp_path / "t")
    pretrain = save_tiny_model(tmp_path / "pre", "AlbertForPreTraining")
    with pytest.raises(ConfigError, match="fine-tune it on a task first, or export it as hf"):
        export(pretrain, "onnx", tmp_path / "pre.onnx")
    assert "fill-mask" in code_snippet(pretrain)
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text(json.dumps({"architectures": ["AlbertForSequenceClassification"]}))
    (pickled / "pytorch_model.bin").write_bytes(b"\x80\x04")
    rc, out = _cli("export", "--model", str(pickled), "--format", "onnx", "--out", str(tmp_path / "p"), "--json")
    assert rc == 2 and "pickle files are refused" in json.loads(out)["error"]
    assert not (tmp_path / "p").exists()


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(list(argv))
    return rc, out.getvalue()
