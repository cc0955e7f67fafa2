"""NER end to end: a tiny ALBERT learns a synthetic tagging set well above a trivial baseline, and
the saved folder works in transformers' token-classification pipeline, agreeing with predict_ner."""

import csv
import json
import random

import pytest

from albert_core.engine import train
from albert_core.metrics_ner import entity_scores
from albert_core.ner_align import predict_ner
from albert_core.runs import RunConfig, create_run

PEOPLE = ["John", "Mary", "Peter", "Anna", "Tom", "Lucy", "Paul", "Emma"]
SURNAMES = ["Smith", "Jones", "Brown"]
CITIES = ["Paris", "London", "Rome", "Berlin", "Madrid", "Oslo"]
ORGS = ["Acme", "Globex", "Initech", "Hooli"]
AMBIGUOUS = ["Jordan", "Florence", "Victoria", "Chelsea"]  # people or places: only the context tells
FILLER = "the on was and then it is very good day we saw some of more time".split()
PATTERNS = ["P visited C", "O hired P in C", "P and P met at O", "in C , O opened", "P left C"]
TINY = {
    "vocab_size": 200,
    "embedding_size": 16,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 128,
}


def make_sentence(rng: random.Random) -> tuple[list[str], list[str]]:
    toks, tags = [], []

    def add(words, typ):
        for i, w in enumerate(words):
            toks.append(w)
            tags.append("O" if typ is None else ("B-" if i == 0 else "I-") + typ)

    for part in rng.choice(PATTERNS).split():
        if part == "P":
            first = rng.choice(AMBIGUOUS if rng.random() < 0.6 else PEOPLE)
            add([first] + ([rng.choice(SURNAMES)] if rng.random() < 0.4 else []), "PER")
        elif part == "C":
            add([rng.choice(AMBIGUOUS if rng.random() < 0.6 else CITIES)], "LOC")
        elif part == "O":
            add([rng.choice(ORGS)] + (["Inc"] if rng.random() < 0.3 else []), "ORG")
        else:
            add([part], None)
        if rng.random() < 0.3:
            add([rng.choice(FILLER)], None)
    return toks, tags


def _to_bioes(tags):
    """The same entities written in BIOES, so training also goes through scheme conversion."""
    out = []
    for i, t in enumerate(tags):
        nxt = tags[i + 1] if i + 1 < len(tags) else "O"
        ends = not nxt.startswith("I-")
        if t.startswith("B-"):
            out.append(("S-" if ends else "B-") + t[2:])
        elif t.startswith("I-"):
            out.append(("E-" if ends else "I-") + t[2:])
        else:
            out.append(t)
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("ner")
    rng = random.Random(0)
    train_rows = [make_sentence(rng) for _ in range(300)]
    dev_rows = [make_sentence(rng) for _ in range(80)]
    # training data as a CoNLL column file in BIOES, with a document separator
    lines = ["-DOCSTART- -X- O", ""]
    for toks, tags in train_rows:
        lines += [f"{w} X {t}" for w, t in zip(toks, _to_bioes(tags), strict=True)] + [""]
    (root / "train.txt").write_text("\n".join(lines))
    (root / "dev.jsonl").write_text("".join(json.dumps({"words": t, "ner": g}) + "\n" for t, g in dev_rows))
    config = RunConfig(
        task="ner",
        train_file=str(root / "train.txt"),
        eval_file=str(root / "dev.jsonl"),
        preset="",
        spec=TINY,
        max_steps=100,
        batch_size=16,
        lr=5e-3,
        log_every=20,
        eval_every=50,
    )
    run = create_run(config, root / "run")
    events = []
    last = train(run, sink=events.append)
    return root, run, last, events, train_rows, dev_rows


def test_learns_well_above_a_trivial_baseline(trained):
    root, run, last, events, train_rows, dev_rows = trained
    assert last["event"] == "finished", last
    started = next(e for e in events if e.kind == "started")
    assert started.config["scheme"] == "BIOES"
    # baseline: each word's most frequent training tag (unknown words: O)
    counts: dict[str, dict[str, int]] = {}
    for toks, tags in train_rows:
        for w, t in zip(toks, tags, strict=True):
            counts.setdefault(w, {}).setdefault(t, 0)
            counts[w][t] += 1
    base = [[max(counts.get(w, {"O": 1}).items(), key=lambda kv: kv[1])[0] for w in toks] for toks, _ in dev_rows]
    baseline = entity_scores([t for _, t in dev_rows], base)["f1"]
    m = last["metrics"]
    assert m["f1"] > 0.9 and m["f1"] > baseline + 0.05, (m, baseline)
    assert {"f1_PER", "f1_LOC", "f1_ORG", "precision", "recall"} <= set(m)


def test_pipeline_agrees_with_predict_ner(trained):
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    root, run, *_, dev_rows = trained
    folder = run / "model"
    model = AutoModelForTokenClassification.from_pretrained(folder)
    tok = AutoTokenizer.from_pretrained(folder)
    assert model.config.id2label[0] == "O" and set(model.config.label2id) >= {"B-PER", "I-PER", "B-LOC", "B-ORG"}
    pipe = pipeline("token-classification", model=model, tokenizer=tok, aggregation_strategy="first")
    compared = 0
    for toks, _ in dev_rows[:30]:
        text = " ".join(toks)
        if "▁" in tok.convert_ids_to_tokens(tok(text)["input_ids"]):
            continue  # a lone "▁" piece defeats the pipeline's word-grouping heuristic
        ours = predict_ner(model, tok, text)
        theirs = pipe(text)
        assert [(e["type"], e["start"], e["end"]) for e in ours["entities"]] == [
            (e["entity_group"], e["start"], e["end"]) for e in theirs
        ]
        for a, b in zip(ours["entities"], theirs, strict=True):
            assert a["score"] == pytest.approx(float(b["score"]), abs=1e-4)
            assert a["text"] == text[a["start"] : a["end"]]
        compared += 1
    assert compared >= 10


def test_predict_on_raw_text(trained):
    from albert_core.predict import load_predictor

    root, run, *_ = trained
    pred = load_predictor(run / "model")
    text = "Acme Inc hired Mary Smith in Berlin"
    out = pred.predict(text)
    got = [(e["text"], e["type"], e["start"]) for e in out["entities"]]
    assert got == [("Acme Inc", "ORG", 0), ("Mary Smith", "PER", 15), ("Berlin", "LOC", 29)]
    assert [t["text"] for t in out["tokens"]] == text.split()
    assert [t["tag"] for t in out["tokens"]] == ["B-ORG", "I-ORG", "O", "B-PER", "I-PER", "O", "B-LOC"]
    assert all(0 < e["score"] <= 1 for e in out["entities"])
    assert predict_ner(pred.model, pred.tokenizer, "   ")["entities"] == []


def test_evaluate_a_saved_model(trained):
    from albert_core.evaluate import evaluate_model

    root, run, last, *_ = trained
    m = evaluate_model(str(run / "model"), str(root / "dev.jsonl"))
    assert m["f1"] == pytest.approx(last["metrics"]["f1"], abs=1e-6)
    # the run itself, given its validation file: read at the run's max length, so the run's score
    assert evaluate_model(str(run), str(root / "dev.jsonl"))["f1"] == pytest.approx(last["metrics"]["f1"], abs=1e-6)


def test_onnx_fast_path_gives_the_same_entities(trained):
    from albert_core.fast_predict import OnnxModel
    from albert_core.predict import load_predictor

    root, run, *_, dev_rows = trained
    slow, fast = load_predictor(run / "model"), load_predictor(run / "model", fast=True)
    assert isinstance(fast.model, OnnxModel) and (run / "model" / "model.onnx").exists()
    texts = [" ".join(toks) for toks, _ in dev_rows[:20]] + ["Acme Inc hired Mary Smith in Berlin"]
    for text in texts:
        a, b = slow.predict(text), fast.predict(text)
        assert [(e["type"], e["start"], e["end"]) for e in a["entities"]] == [
            (e["type"], e["start"], e["end"]) for e in b["entities"]
        ]
        assert [t["score"] for t in a["tokens"]] == pytest.approx([t["score"] for t in b["tokens"]], abs=1e-4)


def test_a_model_that_finds_no_entity_is_flagged(trained, tmp_path):
    root, run, last, *_ = trained
    assert last["advice"] == []  # a model that learnt its entities gets no warning
    # ten steps: every word still tagged O
    for lr, rate_named in ((1e-3, False), (3e-3, True)):
        config = RunConfig(task="ner", train_file=str(root / "train.txt"), eval_file=str(root / "dev.jsonl"),
                           preset="", spec=TINY, max_steps=10, batch_size=16, lr=lr, log_every=5)  # fmt: skip
        end = train(create_run(config, tmp_path / f"run{lr}"), sink=lambda e: None)
        assert end["metrics"]["recall"] == 0
        (advice,) = end["advice"]
        assert "finds no entity in the 80 validation sentences, which hold" in advice and "Train it longer" in advice
        assert ("0.001 is suggested for new weights of width 32" in advice) == rate_named


def test_a_tagged_file_is_predicted_word_for_word_and_compared(trained, tmp_path):
    from albert_core.evaluate import evaluate_model
    from albert_core.predict_file import predict_file

    root, run, *_ = trained
    dev = root / "dev.jsonl"
    result = predict_file(run, dev, tmp_path / "tagged.csv")
    assert result.task == "ner" and result.compared == 80
    f1 = evaluate_model(str(run), str(dev))["f1"]
    assert f"entity F1 {f1:.1%}" in result.summary()  # the figure evaluate gives on the same file
    with open(tmp_path / "tagged.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["text", "entities", "entities in the file", "correct", "tagged"]
    assert sum(r[3] == "yes" for r in rows[1:]) == result.correct > 40
    assert all((r[1] == r[2]) == (r[3] == "yes") for r in rows[1:])
    # JSON Lines back for JSON Lines: each object as it was, the entities as objects, correct as true/false
    predict_file(run, dev, tmp_path / "tagged.jsonl")
    given = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    back = [json.loads(line) for line in (tmp_path / "tagged.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(back) == len(given) and all(b[k] == g[k] for b, g in zip(back, given, strict=True) for k in g)
    first = back[0]
    assert isinstance(first["correct"], bool) and isinstance(first["entities"], list)
    words = given[0][next(k for k in given[0] if isinstance(given[0][k], list))]
    for e in first["entities in the file"]:
        assert e["text"] == " ".join(words[e["start_word"] : e["end_word"]]) and e["type"]
    # plain text, one sentence per line, is not mistaken for a tagged file
    (tmp_path / "notes.txt").write_text("Anna met Tom in Paris\nthe day was good\n", encoding="utf-8")
    plain = predict_file(run, tmp_path / "notes.txt", tmp_path / "notes.csv")
    assert plain.compared == 0 and plain.texts == ["Anna met Tom in Paris", "the day was good"]
