"""Fast inference: the ONNX export answers like PyTorch, is cached, and falls back when it cannot."""

import dataclasses

import pytest
import torch
import transformers

from albert_core import fast_predict, onnx_export
from albert_core.fast_predict import OnnxPredictor
from albert_core.predict import load_predictor
from albert_core.tokenizer import train_tokenizer
from tests.core.helpers import TINY, sentiment_rows

pytest.importorskip("onnxruntime")

TEXTS = [t for t, _ in sentiment_rows(40, seed=7)] + ["a", "the film " * 30]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    tok = train_tokenizer((t for t, _ in sentiment_rows(300)), folder, vocab_size=120, seed=1)
    cfg = dataclasses.replace(TINY, vocab_size=len(tok)).to_albert_config(
        pad_token_id=tok.pad_token_id,
        num_labels=3,
        id2label={0: "neg", 1: "neu", 2: "pos"},
        label2id={"neg": 0, "neu": 1, "pos": 2},
        architectures=["AlbertForSequenceClassification"],
        attn_implementation="sdpa",
    )
    torch.manual_seed(0)
    transformers.AlbertForSequenceClassification(cfg).save_pretrained(folder)
    return folder


def test_onnx_logits_match_torch(model_dir):
    plain = load_predictor(model_dir)
    fast = load_predictor(model_dir, fast=True)
    assert isinstance(fast, OnnxPredictor)
    assert (model_dir / "model.onnx").exists()
    worst = 0.0
    for text in TEXTS:
        enc = plain.tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            a = plain.model(**enc).logits[0].numpy()
        b = fast.logits(fast._encode(text))[0]
        worst = max(worst, float(abs(a - b).max()))
        assert fast.predict(text)["label"] == plain.predict(text)["label"]
    assert worst < 1e-4
    assert fast.classify_batch(TEXTS, batch_size=8) == plain.classify_batch(TEXTS, batch_size=8)


def test_export_is_cached_and_redone_for_newer_weights(model_dir):
    load_predictor(model_dir, fast=True)
    onnx = model_dir / "model.onnx"
    before = onnx.stat().st_mtime_ns
    load_predictor(model_dir, fast=True)
    assert onnx.stat().st_mtime_ns == before  # reused
    (model_dir / "model.safetensors").touch()
    load_predictor(model_dir, fast=True)
    assert onnx.stat().st_mtime_ns > before
    assert not [p for p in model_dir.iterdir() if p.name.endswith(".tmp")]


def test_int8_agrees_on_most_labels(model_dir):
    plain = load_predictor(model_dir)
    q = load_predictor(model_dir, int8=True)
    assert q.onnx_file.name == "model.int8.onnx"
    same = sum(a == b for a, b in zip(q.classify_batch(TEXTS), plain.classify_batch(TEXTS), strict=True))
    assert same >= 0.8 * len(TEXTS)


def test_failed_export_falls_back_to_torch(model_dir, monkeypatch):
    (model_dir / "model.onnx").unlink(missing_ok=True)

    def broken(*a, **k):
        raise RuntimeError("exporter broke")

    monkeypatch.setattr(fast_predict, "export", broken)
    p = load_predictor(model_dir, fast=True)
    assert not isinstance(p, OnnxPredictor)
    assert p.predict("good film")["label"] in ("neg", "neu", "pos")
    assert not (model_dir / "model.onnx").exists()
    assert onnx_export.onnx_path(model_dir).name == "model.onnx"


def test_file_predictions_run_in_onnxruntime(model_dir, tmp_path, monkeypatch):
    from albert_core.predict_file import predict_file

    src = tmp_path / "reviews.csv"
    src.write_text("text\n" + "".join(f'"{t}"\n' for t in TEXTS[:20]), encoding="utf-8")
    plain = predict_file(load_predictor(model_dir), src, tmp_path / "plain.csv")
    fast = load_predictor(model_dir, fast=True)

    def no_torch(*a, **k):
        raise AssertionError("the PyTorch model was called")

    monkeypatch.setattr(fast.model, "forward", no_torch)
    quick = predict_file(fast, src, tmp_path / "fast.csv")
    assert quick.predicted == plain.predicted
    assert quick.confidence == pytest.approx(plain.confidence, abs=1e-4)
    assert fast.predict(TEXTS[0])["label"] == plain.predicted[0]
