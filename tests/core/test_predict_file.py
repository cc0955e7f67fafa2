"""Predictions for a whole file: every row kept in order with its own columns, the same answer
`predict` gives for each text alone, a label column compared, and nothing half-written."""

from __future__ import annotations

import csv
import json

import pytest

from albert_core.cli import main as cli_main
from albert_core.data.problems import DataError
from albert_core.engine import train
from albert_core.evaluate import evaluate_model
from albert_core.predict import load_predictor
from albert_core.predict_file import Stopped, predict_file
from albert_core.runs import ConfigError, RunConfig, create_run
from tests.core.helpers import TINY, save_tiny_model, sentiment_rows, write_csv


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    root = tmp_path_factory.mktemp("pf")
    data = write_csv(root / "train.csv", sentiment_rows(400))
    config = RunConfig(task="classification", train_file=str(data), spec=TINY.to_dict(), preset="", batch_size=16,
                       lr=3e-3, epochs=4, val_fraction=0.2, log_every=20, seed=3, num_threads=1)  # fmt: skip
    run = create_run(config, root / "run")
    assert train(run)["event"] == "finished"
    return run


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_every_row_is_predicted_in_order_as_predict_answers_it(classifier, tmp_path):
    rows = [(t, y, f"id{i}") for i, (t, y) in enumerate(sentiment_rows(150, seed=11))]
    rows[7] = ('a film, "quoted"\nover two lines, and good', "pos", "id7")  # quotes and a newline survive
    data = write_csv(tmp_path / "held_out.csv", rows, header=("review", "sentiment", "id"))
    result = predict_file(classifier, data, tmp_path / "out.csv")
    out = read_rows(tmp_path / "out.csv")
    assert out[0] == ["review", "sentiment", "id", "predicted", "confidence", "p(neg)", "p(pos)", "correct"]
    assert [r[:3] for r in out[1:]] == [list(r) for r in rows]  # the input's own columns, every row, in order
    predictor = load_predictor(classifier)
    for (text, *_), line in zip(rows[:40], out[1:41], strict=True):
        alone = predictor.predict(text)
        assert line[3] == alone["label"]
        assert float(line[5]) == pytest.approx(alone["scores"]["neg"], abs=2e-4)
    # the comparison is the one `evaluate` makes on the same file
    assert result.compared == 150
    metrics = evaluate_model(str(classifier), str(data))
    assert result.score == pytest.approx(metrics["accuracy"])
    assert result.confusion == metrics["confusion"] and result.labels == metrics["labels"]
    assert result.score > 0.85
    wrong = [i for i, r in enumerate(out[1:]) if r[-1] == "no"]
    assert sorted(result.mistakes) == wrong
    sure = [result.confidence[i] for i in result.mistakes]
    assert sure == sorted(sure, reverse=True)  # the surest mistakes first


def test_a_spreadsheets_semicolon_csv_is_read_and_written_with_semicolons(classifier, tmp_path):
    rows = sentiment_rows(30, seed=5)
    path = tmp_path / "excel.csv"
    path.write_text("review;sentiment\n" + "".join(f"{t};{y}\n" for t, y in rows), encoding="utf-8")
    result = predict_file(classifier, path, tmp_path / "out.csv")
    assert result.compared == 30 and result.texts == [t for t, _ in rows]
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        out = list(csv.reader(f, delimiter=";"))
    assert out[0][:4] == ["review", "sentiment", "predicted", "confidence"] and len(out) == 31


def test_rows_that_cannot_be_read_are_counted_and_named_first(classifier, tmp_path):
    path = tmp_path / "mixed.csv"
    lines = ["text,label"] + [f"{t},{y}" if i % 5 else f"{t}\t{y}" for i, (t, y) in enumerate(sentiment_rows(20))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = predict_file(classifier, path, tmp_path / "out.csv")
    assert len(result.rows) == 16
    assert result.notes[0] == (
        "4 rows of the file could not be read, so the predictions leave them out: "
        "mixed.csv:2, mixed.csv:7, mixed.csv:12, mixed.csv:17"
    )


def test_a_text_file_with_a_semicolon_in_its_first_line_still_gets_a_comma_csv(classifier, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Loved it; would watch again\nterrible film\n", encoding="utf-8")
    predict_file(classifier, path, tmp_path / "out.csv")
    out = read_rows(tmp_path / "out.csv")
    assert out[1][0] == "Loved it; would watch again" and len(out) == 3


def test_a_text_file_has_one_text_per_line_and_output_follows_the_extension(classifier, tmp_path):
    src = tmp_path / "inbox.txt"
    src.write_text("a good film\n\n  an awful play  \nthe show was grim\n", encoding="utf-8")
    result = predict_file(classifier, src, tmp_path / "inbox.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "inbox.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["text"] for d in lines] == ["a good film", "an awful play", "the show was grim"]
    predictor = load_predictor(classifier)
    assert [d["predicted"] for d in lines] == [predictor.predict(d["text"])["label"] for d in lines]
    assert result.compared == 0 and "correct" not in lines[0]
    assert isinstance(lines[0]["confidence"], float) and isinstance(lines[0]["p(pos)"], float)
    scored = write_csv(tmp_path / "scored.csv", [("a good film", "4 stars")], header=("text", "score"))
    (row,) = [json.loads(x) for x in open(predict_file(classifier, scored, tmp_path / "s.jsonl").out, encoding="utf-8")]
    assert row["score"] == "4 stars"  # the input's own columns stay as they were
    with pytest.raises(DataError, match="has no rows to predict for"):
        predict_file(classifier, write_csv(tmp_path / "header_only.csv", []), tmp_path / "none.csv")
    assert not (tmp_path / "none.csv").exists()
    fasttext = tmp_path / "labelled.txt"  # fastText's layout: the label first, in a .txt file
    fasttext.write_text("".join(f"__label__{y} {t}\n" for t, y in sentiment_rows(30, seed=8)), encoding="utf-8")
    labelled = predict_file(classifier, fasttext, tmp_path / "labelled.csv")
    assert labelled.compared == 30 and labelled.texts[0] == sentiment_rows(30, seed=8)[0][0]
    default = predict_file(classifier, src)  # beside the input
    assert default.out == str(tmp_path / "inbox.predictions.csv")
    again = predict_file(classifier, src)  # a file there already is replaced, and said to be
    assert any("inbox.predictions.csv was there already and is replaced" in n for n in again.notes)
    from albert_core.predict_file import default_out

    # in the input's own format when it is a table, else CSV: p.tsv and p.csv do not write the same file
    assert [default_out(f"/d/p.{x}").name for x in ("tsv", "jsonl", "csv", "txt", "json")] == [
        "p.predictions.tsv",
        "p.predictions.jsonl",
        "p.predictions.csv",
        "p.predictions.csv",
        "p.predictions.csv",
    ]
    tsv = predict_file(classifier, write_csv(tmp_path / "q.csv", [("good\tand\nfine", "pos")]), tmp_path / "q.tsv")
    assert (tmp_path / "q.tsv").read_text(encoding="utf-8").splitlines()[1].split("\t")[:2] == ["good and fine", "pos"]
    assert tsv.correct == 1


def test_a_column_with_labels_the_model_does_not_know_is_compared_only_where_it_can(classifier, tmp_path):
    rows = [("a good film", "pos"), ("an awful play", "neutral"), ("the show was grim", "neg")]
    result = predict_file(classifier, write_csv(tmp_path / "d.csv", rows), tmp_path / "o.csv")
    assert result.compared == 2
    assert any("labels the model does not know (neutral)" in n for n in result.notes)
    out = read_rows(tmp_path / "o.csv")[1:]
    assert out[1][-1] == "" and {out[0][-1], out[2][-1]} <= {"yes", "no"}
    assert result.correct == sum(r[-1] == "yes" for r in out)


def test_a_label_column_of_other_labels_is_said_not_compared(classifier, tmp_path):
    rows = [(t, "1" if y == "pos" else "0") for t, y in sentiment_rows(20, seed=4)]
    result = predict_file(classifier, write_csv(tmp_path / "digits.csv", rows), tmp_path / "out.csv")
    assert result.compared == 0
    assert any(
        "column 'label' holds labels the model does not know (0, 1; it knows neg, pos)" in n for n in result.notes
    )


def test_bad_requests_say_what_to_change_and_write_nothing(classifier, tmp_path):
    data = write_csv(tmp_path / "d.csv", sentiment_rows(300, seed=5))
    with pytest.raises(ConfigError, match=r"\.csv, \.tsv or \.jsonl"):
        predict_file(classifier, data, tmp_path / "o.xlsx")
    with pytest.raises(ConfigError, match="input file"):
        predict_file(classifier, data, data)
    with pytest.raises(DataError, match="no column 'body'"):
        predict_file(classifier, data, tmp_path / "o.csv", columns={"text": "body"})
    with pytest.raises(DataError, match="no such file"):
        predict_file(classifier, tmp_path / "missing.csv", tmp_path / "o.csv")
    conll = tmp_path / "ner.txt"  # a word and its tags a line: not 40 texts to label
    conll.write_text("".join(f"{w} NNP B-NP {t}\n" for w, t in [("EU", "B-ORG"), ("rejects", "O")] * 20), "utf-8")
    with pytest.raises(DataError, match="named-entity file .* named-entity model"):
        predict_file(classifier, conll, tmp_path / "o.csv")
    calls = []

    def stop_after_two() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Stopped):
        predict_file(classifier, data, tmp_path / "o.csv", batch_size=16, stop=stop_after_two)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "ner.txt"]  # no output, no temporary file
    (tmp_path / "o.csv").write_text("kept\n", encoding="utf-8")
    with pytest.raises(Stopped):
        predict_file(classifier, data, tmp_path / "o.csv", stop=lambda: True)
    assert (tmp_path / "o.csv").read_text(encoding="utf-8") == "kept\n"  # an older file stays whole
    with pytest.raises(ConfigError, match="cannot write there"):  # a folder that is a file
        predict_file(classifier, data, tmp_path / "o.csv" / "p.csv")


def test_a_json_lines_file_keeps_its_values_and_gets_predictions_as_json(classifier, tmp_path):
    src = tmp_path / "in.jsonl"
    recs = [{"id": i, "text": t, "label": y, "tags": ["x", i], "meta": {"n": 1.5}, "ok": True}
            for i, (t, y) in enumerate(sentiment_rows(20, seed=5))]  # fmt: skip
    recs[3] = {"text": "a good film"}  # keys a row lacks stay absent, not ""
    src.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    result = predict_file(classifier, src)
    out = [json.loads(x) for x in open(result.out, encoding="utf-8")]
    assert result.out.endswith("in.predictions.jsonl")
    for rec, row in zip(recs, out, strict=True):
        assert {k: row[k] for k in rec} == rec  # numbers, lists, objects and true as the input had them
    assert out[0]["predicted"] in ("neg", "pos") and out[0]["correct"] in (True, False)
    assert out[3]["correct"] is None and "label" not in out[3]
    assert [r["correct"] for r in out if "label" in r].count(True) == result.correct

    ner = save_tiny_model(tmp_path / "ner", "AlbertForTokenClassification", num_labels=3)
    texts = tmp_path / "notes.jsonl"
    texts.write_text(json.dumps({"text": "ada lived in london", "page": 4}) + "\n", encoding="utf-8")
    (row,) = [json.loads(x) for x in open(predict_file(ner, texts).out, encoding="utf-8")]
    from albert_core.ner_align import predict_ner

    predictor = load_predictor(ner)
    alone = predict_ner(predictor.model, predictor.tokenizer, "ada lived in london")["entities"]
    assert row["page"] == 4 and alone  # entities as objects, as predict gives them
    assert [{**e, "score": 0} for e in row["entities"]] == [{**e, "score": 0} for e in alone]
    assert [e["score"] for e in row["entities"]] == pytest.approx([e["score"] for e in alone], abs=1e-4)


def test_question_answering_and_entities_from_a_file(tmp_path):
    from albert_core.ner_align import predict_ner
    from albert_core.qa_decode import predict_qa

    qa = save_tiny_model(tmp_path / "qa", "AlbertForQuestionAnswering")
    records = [
        {"id": "a", "question": "who wrote the book", "context": "ada wrote the book in london",
         "answers": {"text": ["ada", "ada"], "answer_start": [0, 0]}},
        {"id": "b", "question": "where did ada live", "context": "ada lived in london",
         "answers": {"text": ["london"], "answer_start": [13]}},
    ]  # fmt: skip
    src = tmp_path / "q.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = predict_file(qa, src, tmp_path / "answers.csv")
    out = read_rows(tmp_path / "answers.csv")
    assert out[0] == ["id", "question", "context", "answer", "score", "gold answers", "exact"]
    predictor = load_predictor(qa)
    for rec, row in zip(records, out[1:], strict=True):
        alone = predict_qa(predictor.model, predictor.tokenizer, rec["question"], rec["context"])
        assert row[3] == (alone["answers"][0]["text"] if alone["answers"] and not alone["no_answer"] else "")
    assert out[1][5] == "ada"  # the same answer given twice is named once
    assert result.compared == 2 and result.metric == "exact match"
    from albert_core.metrics_qa import score_one

    f1 = sum(score_one(row[3], [row[5]])[1] for row in out[1:]) / 2  # word overlap, beside exact match
    assert f"F1 {f1:.1%} (the words an answer shares" in result.summary()
    # SQuAD JSON with a fault: its own message says where, not that it is QA data
    squad = {"data": [{"title": "t", "paragraphs": [{"context": "", "qas": [{"id": "1", "question": "who",
             "answers": [{"text": "x", "answer_start": 0}]}]}]}]}  # fmt: skip
    (tmp_path / "bad.json").write_text(json.dumps(squad), encoding="utf-8")
    with pytest.raises(DataError) as e:
        predict_file(qa, tmp_path / "bad.json", tmp_path / "bad.csv")
    assert "context" in str(e.value) and "train a question answering model" not in str(e.value)

    ner = save_tiny_model(tmp_path / "ner", "AlbertForTokenClassification", num_labels=3)
    src = tmp_path / "notes.txt"
    lines = ["ada lived in london", "who wrote the book", "…", "ada " * 40 + "wrote it", "a", "london calling"]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = predict_file(ner, src, tmp_path / "ents.csv", batch_size=4)
    out = read_rows(tmp_path / "ents.csv")
    assert out[0] == ["text", "entities", "tagged"] and len(out) == len(lines) + 1
    predictor = load_predictor(ner)
    # sentences tagged together, padded to the longest of their batch, are tagged as they are alone
    for line, row, found in zip(lines, out[1:], got.predicted, strict=True):
        alone = predict_ner(predictor.model, predictor.tokenizer, line)
        assert row[2] == " ".join(f"{t['text']}/{t['tag']}" for t in alone["tokens"])
        assert found == "; ".join(f"{e['text']} ({e['type']})" for e in alone["entities"])


def test_the_cli_predicts_a_file_and_names_the_surest_mistakes(classifier, tmp_path, capsys):
    rows = sentiment_rows(60, seed=21)
    rows[0] = ("good good great lovely superb", "neg")  # a mislabelled row the model is sure about
    data = write_csv(tmp_path / "d.csv", rows)
    assert cli_main(["predict", "--model", str(classifier), "--file", str(data), "--out", str(tmp_path / "o.csv")]) == 0
    out = capsys.readouterr().out
    assert "60 predictions written to" in out and "against the file's own answers" in out
    assert "the surest mistakes:" in out and "'good good great lovely superb': 'pos'" in out
    assert cli_main(["predict", "--model", str(classifier), "--file", str(data), "--out", "x.xlsx"]) == 2
    assert ".csv, .tsv or .jsonl" in capsys.readouterr().err


def test_label_scores_agree_with_sklearn_and_evaluate_prints_them(classifier, tmp_path, capsys):
    import random

    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    from albert_core.metrics import label_scores

    rng = random.Random(0)
    labels = ["a", "b", "c", "never predicted"]
    y_true = [rng.randrange(4) for _ in range(300)]
    y_pred = [t if rng.random() < 0.6 else rng.randrange(3) for t in y_true]
    scores = label_scores(confusion_matrix(y_true, y_pred, labels=range(4)).tolist(), labels)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=range(4), zero_division=0)
    for d, *want in zip(scores, p, r, f, s, strict=True):
        assert [d["precision"], d["recall"], d["f1"], d["support"]] == pytest.approx(want)

    data = write_csv(tmp_path / "d.csv", sentiment_rows(80, seed=4))
    assert cli_main(["evaluate", "--model", str(classifier), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    metrics = evaluate_model(str(classifier), str(data))
    (neg,) = [d for d in metrics["per_label"] if d["label"] == "neg"]
    assert f"neg  {neg['precision']:9.4f}  {neg['recall']:6.4f}  {neg['f1']:6.4f}  {neg['support']:7,}" in out
    (row,) = [ln for ln in out.splitlines() if ln.strip().startswith("pos ") and len(ln.split()) == 3]
    assert [int(x) for x in row.split()[1:]] == metrics["confusion"][1]  # true pos: predicted neg, pos


def test_questions_answered_together_get_the_answers_they_get_alone(tmp_path):
    from albert_core.qa_decode import predict_qa, predict_qa_batch

    predictor = load_predictor(save_tiny_model(tmp_path / "qa", "AlbertForQuestionAnswering"))
    long = " ".join(["ada wrote the book in london and lived there"] * 30)  # several windows
    pairs = [("who wrote the book", "ada wrote the book"), ("", "no question"), ("where", long), ("who", "ada lived")]
    together = predict_qa_batch(predictor.model, predictor.tokenizer, pairs, max_length=64, doc_stride=16)
    for (q, c), got in zip(pairs, together, strict=True):
        alone = predict_qa(predictor.model, predictor.tokenizer, q, c, max_length=64, doc_stride=16)
        assert [a["text"] for a in got["answers"]] == [a["text"] for a in alone["answers"]]
        assert [a["score"] for a in got["answers"]] == pytest.approx([a["score"] for a in alone["answers"]], abs=1e-5)
        assert got["no_answer"] == alone["no_answer"]
    assert together[1]["answers"] == [] and together[1]["no_answer"]


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_a_file_is_predicted_on_the_gpu_as_on_the_cpu(classifier, tmp_path):
    data = write_csv(tmp_path / "d.csv", sentiment_rows(200, seed=6))
    on_gpu = predict_file(classifier, data, tmp_path / "gpu.csv")  # loads its own model: on the GPU
    on_cpu = predict_file(load_predictor(classifier), data, tmp_path / "cpu.csv")
    assert on_gpu.predicted == on_cpu.predicted
    assert on_gpu.confidence == pytest.approx(on_cpu.confidence, abs=1e-3)


def test_a_second_text_column_is_read_only_for_a_model_trained_on_pairs(classifier, tmp_path):
    predictor = load_predictor(classifier)
    assert predictor.text_pairs is False  # written into its config.json when it was trained
    rows = [(t, "an unrelated passage of awful grim words", y) for t, y in sentiment_rows(20, seed=3)]
    data = write_csv(tmp_path / "with_context.csv", rows, header=("text", "context", "label"))
    result = predict_file(predictor, data, tmp_path / "o.csv")
    assert result.pairs is None
    assert result.predicted == [predictor.predict(t)["label"] for t, _, _ in rows]

    pairs = write_csv(tmp_path / "pairs.csv", [(a, b, y) for (a, y), (b, _) in
                      zip(sentiment_rows(200), sentiment_rows(200, seed=1), strict=True)],
                      header=("sentence1", "sentence2", "label"))  # fmt: skip
    config = RunConfig(task="classification", train_file=str(pairs), spec=TINY.to_dict(), preset="", batch_size=16,
                       max_steps=4, log_every=2, num_threads=1)  # fmt: skip
    run = create_run(config, tmp_path / "pair-run")
    assert train(run)["event"] == "finished"
    pair_model = load_predictor(run)
    assert pair_model.text_pairs is True
    result = predict_file(pair_model, data, tmp_path / "p.csv")
    assert result.pairs == [r[1] for r in rows]
    assert result.predicted == [pair_model.predict(t, c)["label"] for t, c, _ in rows]
    alone = predict_file(pair_model, write_csv(tmp_path / "single.csv", [("a good film", "pos")]), tmp_path / "s.csv")
    assert any("trained on text pairs" in n for n in alone.notes)
    # an empty second text reads the same in the Playground as in a file (and as in training)
    assert alone.confidence[0] == pytest.approx(max(pair_model.predict("a good film")["scores"].values()))
