"""Question answering end to end: a tiny ALBERT learns a synthetic SQuAD v2.0-style set well above
a trivial baseline, and the saved folder loads in plain transformers and agrees with predict_qa."""

import json
import random
from pathlib import Path

import pytest

from albert_core.engine import train
from albert_core.metrics_qa import squad_scores
from albert_core.qa_decode import predict_qa
from albert_core.runs import RunConfig, create_run

FILLER = "the a on was and then it is very good day we saw some of more time john mary peter anna tom lucy".split()
CITIES = ["paris", "london", "rome", "berlin", "madrid", "vienna", "oslo", "dublin", "new york", "san diego"]
QUESTIONS = ["which city?", "where is it?", "what place is named?"]
TINY = {
    "vocab_size": 200,
    "embedding_size": 16,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 128,
}


def make_example(rng: random.Random, i: int) -> dict:
    """A context of filler words with one city (70%) or none (an unanswerable question)."""
    words = [rng.choice(FILLER) for _ in range(rng.randint(6, 14))]
    answer = rng.choice(CITIES) if rng.random() < 0.7 else None
    if answer:
        words.insert(rng.randint(0, len(words)), answer)
    context = " ".join(words) + "."
    rec = {"id": f"q{i}", "question": rng.choice(QUESTIONS), "context": context}
    if answer:
        start = (" " + context).index(" " + answer + " ") if f" {answer} " in f" {context}" else context.index(answer)
        rec["answers"] = {"text": [answer], "answer_start": [start]}
    else:
        rec["answers"] = {"text": [], "answer_start": []}
    return rec


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("qa")
    rng = random.Random(0)
    for name, n in (("train.jsonl", 400), ("dev.jsonl", 100)):
        rows = [make_example(rng, i) for i in range(n)]
        (root / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = RunConfig(
        task="qa",
        train_file=str(root / "train.jsonl"),
        eval_file=str(root / "dev.jsonl"),
        preset="",
        spec=TINY,
        epochs=4,
        batch_size=16,
        lr=3e-3,
        log_every=25,
        options={"doc_stride": 16},
    )
    run = create_run(config, root / "run")
    events = []
    last = train(run, sink=events.append)
    return root, run, last, events


def test_learns_well_above_a_trivial_baseline(trained):
    root, run, last, events = trained
    assert last["event"] == "finished", last
    dev = [json.loads(line) for line in (root / "dev.jsonl").read_text().splitlines()]
    refs = {r["id"]: r["answers"]["text"] for r in dev}
    # baseline: the context's first word, always
    baseline = squad_scores({r["id"]: r["context"].split()[0] for r in dev}, refs)
    m = last["metrics"]
    assert baseline["f1"] < 20
    assert m["f1"] > 80 and m["exact"] > 75, m
    assert m["NoAns_total"] > 0 and m["HasAns_total"] > 0 and "best_f1_threshold" in m
    evals = [e for e in events if e.kind == "eval"]
    assert evals[0].metrics["loss"] > evals[-1].metrics["loss"]


def test_saved_folder_loads_in_plain_transformers_and_agrees(trained):
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    root, run, last, _ = trained
    folder = run / "model"
    model = AutoModelForQuestionAnswering.from_pretrained(folder)
    tok = AutoTokenizer.from_pretrained(folder)
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["architectures"] == ["AlbertForQuestionAnswering"]
    assert isinstance(cfg["qa_null_threshold"], float)  # tuned on the evaluation data, kept for predictions
    dev = [json.loads(line) for line in (root / "dev.jsonl").read_text().splitlines()][:20]
    for ex in dev:
        ours = predict_qa(model, tok, ex["question"], ex["context"], top_k=2)
        assert len(ours["answers"]) == 2
        for a in ours["answers"]:
            assert ex["context"][a["start"] : a["end"]] == a["text"] and 0 < a["score"] < 1
        # plain transformers: the tokenizer's own encoding, every span scored start + end logit
        enc = tok(ex["question"], ex["context"], return_offsets_mapping=True, return_tensors="pt")
        offsets = enc.pop("offset_mapping")[0].tolist()
        seq = enc.sequence_ids(0)
        out = model(**enc)
        s, e = out.start_logits[0].tolist(), out.end_logits[0].tolist()
        ctx = [i for i, k in enumerate(seq) if k == 1]
        best = max(((s[i] + e[j], i, j) for i in ctx for j in ctx if i <= j < i + 30), key=lambda t: t[0])
        assert ours["answers"][0]["start"] == offsets[best[1]][0]
        assert ours["answers"][0]["end"] == offsets[best[2]][1]
        null_diff = s[0] + e[0] - best[0]
        assert ours["no_answer"] == (null_diff > cfg["qa_null_threshold"])
    try:
        from transformers import pipeline

        pipe = pipeline("question-answering", model=str(folder))
    except (KeyError, ValueError):
        return  # transformers 5 has no question-answering pipeline; older versions do
    for ex in dev:
        if not ex["answers"]["text"]:
            continue
        got = pipe(question=ex["question"], context=ex["context"], max_answer_len=30)
        ours = predict_qa(model, tok, ex["question"], ex["context"])
        assert (got["start"], got["end"]) == (ours["answers"][0]["start"], ours["answers"][0]["end"])


def test_predictions_of_the_trained_model(trained):
    from albert_core.predict import load_predictor

    root, run, _, _ = trained
    pred = load_predictor(run / "model")
    out = pred.predict("which city?", "we saw some good day in new york then.")
    assert out["answers"][0]["text"] == "new york" and out["no_answer"] is False
    assert out["answers"][0]["start"] == 24 and out["latency_ms"] > 0  # "new york" starts at character 24
    # an unanswerable context made of the training set's own words (no city in it)
    none = pred.predict("which city?", "we saw some good day then and john was very good.")
    assert none["no_answer"] is True
    # a context far longer than the model's window: the answer lies in a later window
    words = ("the day was good and " * 40).split()
    words.insert(170, "dublin")
    long = pred.predict("which city?", " ".join(words) + ".")
    assert long["answers"][0]["text"] == "dublin"


def test_predictions_cut_a_passage_into_the_windows_the_model_was_trained_on(trained, monkeypatch):
    from albert_core import qa_decode
    from albert_core.predict import load_predictor
    from albert_core.qa_features import QAWindowing

    root, run, _, events = trained
    started = next(e.to_dict() for e in events if e.to_dict()["event"] == "started")
    pred = load_predictor(run / "model")
    assert pred.model.config.qa_doc_stride == 16
    cuts = []
    encode = qa_decode.encode_windows
    monkeypatch.setattr(qa_decode, "encode_windows", lambda tok, q, c, w: cuts.append(w) or encode(tok, q, c, w))
    pred.predict("which city?", "we saw some good day in new york then.")
    assert cuts == [QAWindowing(started["config"]["max_length"], 16, 64)]


def test_evaluate_a_saved_model(trained):
    from albert_core.evaluate import evaluate_model

    root, run, last, _ = trained
    m = evaluate_model(str(run / "model"), str(root / "dev.jsonl"))
    # scored as the saved model answers: at the no-answer threshold the run tuned on this set
    assert m["f1"] == pytest.approx(last["metrics"]["best_f1"], abs=1.0)
    assert m["f1"] == pytest.approx(m["best_f1"], abs=1.0)


def test_evaluate_scores_a_model_at_the_no_answer_threshold_it_answers_with(trained, tmp_path):
    import shutil

    from albert_core.evaluate import evaluate_model

    root, run, _, _ = trained
    model = Path(shutil.copytree(run / "model", tmp_path / "model"))
    config = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps({**config, "qa_null_threshold": -1e9}))  # "no answer" to all
    m = evaluate_model(str(model), str(root / "dev.jsonl"))
    assert m["f1"] == pytest.approx(m["NoAns_total"] / m["total"] * 100)  # right only where there is none
    assert m["best_f1"] > m["f1"]


def test_questions_are_counted_not_the_windows_they_are_cut_into(trained, tmp_path):
    from albert_core.evaluate import evaluate_model
    from albert_core.runs import examples_note

    root, run, _, events = trained
    started = next(e.to_dict() for e in events if e.to_dict()["event"] == "started")
    assert examples_note(started).startswith("400 training and 100 validation questions")
    words = ("the day was good and " * 60).split()
    words.insert(250, "dublin")
    context = " ".join(words) + "."
    rows = [{"id": "long", "question": "which city?", "context": context,
             "answers": {"text": ["dublin"], "answer_start": [context.index("dublin")]}},
            {"id": "short", "question": "which city?", "context": "we saw rome.",
             "answers": {"text": ["rome"], "answer_start": [7]}}]  # fmt: skip
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert evaluate_model(str(run / "model"), str(path))["examples"] == 2  # the long context is several windows
    cut = {**started, "train_examples": 412, "config": {**started["config"], "max_length": 64}}
    assert examples_note(cut) == (
        "400 training and 100 validation questions (cut into 412 and 100 windows of at most 64 tokens)"
    )


def test_onnx_fast_path_gives_the_same_answers(trained):
    from albert_core.fast_predict import OnnxModel
    from albert_core.predict import load_predictor

    root, run, _, _ = trained
    slow, fast = load_predictor(run / "model"), load_predictor(run / "model", fast=True)
    assert isinstance(fast.model, OnnxModel) and (run / "model" / "model.onnx").exists()
    words = ("the day was good and " * 40).split()
    words.insert(170, "dublin")
    contexts = [
        "we saw some good day in new york then.",
        "we saw some good day then and john was very good.",
        " ".join(words) + ".",  # several windows, padded into one batch
    ]
    for context in contexts:
        a, b = slow.predict("which city?", context), fast.predict("which city?", context)
        assert a["no_answer"] == b["no_answer"]
        assert [(x["start"], x["end"]) for x in a["answers"]] == [(x["start"], x["end"]) for x in b["answers"]]
        assert [x["score"] for x in a["answers"]] == pytest.approx([x["score"] for x in b["answers"]], abs=1e-4)
