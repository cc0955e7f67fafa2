"""A multi-label classifier: several labels per text, each a yes/no of its own."""

import csv
import json

import pytest

from albert_core.data.classification import looks_multi_label, read_classification, split_labels
from albert_core.data.problems import DataError
from albert_core.engine import train
from albert_core.events import read_events
from albert_core.metrics import multilabel_metrics, multilabel_scores, side_by_side
from albert_core.predict import load_predictor
from albert_core.runs import ConfigError, RunConfig, create_run, summarize
from tests.core.helpers import TINY, topic_rows, write_csv, write_one_hot, write_topic_flags, write_topics_jsonl


def test_label_cells_are_read_as_lists_or_joined_and_an_empty_one_is_no_label(tmp_path):
    data = read_classification(write_topics_jsonl(tmp_path / "t.jsonl", 16), multi_label=True)
    assert data.multi_label and len(data) == 16
    assert data.label_sets[0] == () and data.label_sets[7] == ("food", "money", "sport")
    assert data.labels[3] == "food, money"  # shown joined
    counts = data.label_counts()
    assert counts["food"] == sum("food" in s for s in data.label_sets)

    rows = [("bread and cheese", "food;money"), ("a plain text", ""), ("goal", " sport ; sport ")]
    joined = read_classification(write_csv(tmp_path / "t.csv", rows), multi_label=True, separator=";")
    assert joined.label_sets == [("food", "money"), (), ("sport",)]

    assert split_labels('["b", "a", "b"]') == ("a", "b")
    assert split_labels("[[1], 2]") is None  # a list of lists holds no labels


def test_a_0_1_column_per_label_is_read_as_each_row_s_labels(tmp_path):
    path = write_topic_flags(tmp_path / "flags.csv", 16)
    data = read_classification(path, multi_label=None)  # as the Data page first reads a file
    assert data.multi_label and data.columns["label"] == ["food", "money", "sport"]
    assert data.label_sets == [tuple(y) for _, y in topic_rows(16)] and data.texts[1] == topic_rows(16)[1][0]
    assert data.labels[7] == "food, money, sport"
    two = read_classification(path, {"label": ["food", "sport"]}, multi_label=True)
    assert two.label_sets[7] == ("food", "sport")

    # a cell that is not 0 or 1 is named by line and column; a column no row has is said
    rows = [("bread", "1", "0", "0"), ("goal", "0", "0", "2"), ("plain", "0", "0", "0"), ("cheese", "1", "0", "0")]
    odd_path = write_csv(tmp_path / "odd.csv", rows, ("text", "food", "money", "sport"))
    odd = read_classification(odd_path, {"label": ["food", "money", "sport"]}, multi_label=True)
    assert odd.label_sets == [("food",), (), ("food",)]
    assert any(p.line == 3 and "'2' in column 'sport'" in p.message for p in odd.problems)
    assert any("'money'" in p.message and p.severity == "warning" for p in odd.problems)

    # two 0/1 columns beside a column called label: one label per text, as before
    rows = [("a fine film", "1", "0"), ("a dull film", "0", "1")] * 4
    plain = read_classification(write_csv(tmp_path / "b.csv", rows, ("sentence", "label", "short")), multi_label=None)
    assert not plain.multi_label and plain.columns["label"] == "label"


def test_one_hot_0_1_columns_are_one_label_per_text(tmp_path):
    path = write_one_hot(tmp_path / "onehot.csv")
    for wanted in (None, False):  # as the Data page first reads it, and as `train` does by default
        data = read_classification(path, multi_label=wanted)
        assert not data.multi_label and data.columns["label"] == ["food", "money", "sport"]
        assert data.labels[:4] == ["food", "money", "sport", "food"] and data.texts[0].startswith("the bread")
    # several labels per text asked for: the same columns are a set per row
    assert read_classification(path, multi_label=True).label_sets[1] == ("money",)

    # a row with two 1s, or none, is named and left out when the columns are given one label per text
    bad = write_one_hot(tmp_path / "bad.csv", 6, [("bread and a goal", "1", "0", "1"), ("nothing", "0", "0", "0")])
    data = read_classification(bad, {"label": ["food", "money", "sport"]}, multi_label=False)
    assert len(data) == 6
    assert any(p.line == 8 and "several label columns (food, sport)" in p.message for p in data.problems)
    assert any(p.line == 9 and "none of the label columns" in p.message for p in data.problems)
    # read for itself, such a file is several labels per text: not one-hot
    assert read_classification(bad, multi_label=None).multi_label
    # not looked for as a label when one label per text is wanted and the file is not one-hot; said so
    fallback = read_classification(bad, multi_label=False)
    assert fallback.columns["label"] == "food"
    assert any("label is column 'food' alone" in p.message and p.severity == "warning" for p in fallback.problems)
    # two odd rows in 300 do not make a one-hot file something else: they are named and left out
    big = write_one_hot(tmp_path / "big.csv", 300, [("bread and a goal", "1", "0", "1"), ("nothing", "0", "0", "0")])
    for wanted in (None, False):
        data = read_classification(big, multi_label=wanted)
        assert not data.multi_label and data.columns["label"] == ["food", "money", "sport"] and len(data) == 300
        assert sum("label columns" in p.message for p in data.problems) == 2
    # but a small file with one row of two labels is several labels per text, as before
    two = write_one_hot(tmp_path / "two.csv", 3, [("bread and a goal", "1", "0", "1")])
    assert read_classification(two, multi_label=None).multi_label


def test_the_cli_trains_one_hot_columns_as_one_label_per_text_and_compares_them(tmp_path, capsys):
    from albert_core.cli import main
    from albert_core.evaluate import evaluate_model
    from albert_core.predict_file import predict_file

    path = write_one_hot(tmp_path / "onehot.csv", 30)
    spec = _spec(tmp_path)
    assert main(["train", "--train", str(path), "--label-columns", "food,money,sport", "--spec", spec,
                 "--max-steps", "2", "--out", str(tmp_path / "named")]) == 0  # fmt: skip
    saved = json.loads((tmp_path / "named" / "run.json").read_text())
    assert saved["multi_label"] is False and saved["columns"]["label"] == ["food", "money", "sport"]
    assert (
        main(["train", "--train", str(path), "--spec", spec, "--max-steps", "2", "--out", str(tmp_path / "found")]) == 0
    )
    pred = load_predictor(tmp_path / "found")
    assert not pred.multi_label and pred.labels == ["food", "money", "sport"]
    done = predict_file(str(tmp_path / "found"), str(path), str(tmp_path / "p.csv"))
    assert done.compared == 30 and done.truth[:3] == ["food", "money", "sport"] and done.confusion is not None
    assert evaluate_model(str(tmp_path / "found" / "model"), str(path))["examples"] == 30
    # the columns named with a label the file lacks: named as the file and column
    capsys.readouterr()
    assert main(["train", "--train", str(path), "--label-columns", "food,drink", "--spec", spec, "--max-steps", "1",
                 "--out", str(tmp_path / "none")]) != 0  # fmt: skip
    assert "onehot.csv: has no column 'drink' for the label" in capsys.readouterr().err


def test_a_single_label_reading_of_lists_says_how_to_train_on_them(tmp_path):
    path = write_topics_jsonl(tmp_path / "t.jsonl", 16)
    with pytest.raises(DataError) as e:
        read_classification(path)
    assert "t.jsonl:1" in str(e.value) and "--multi-label" in str(e.value)


def test_a_label_column_is_judged_multi_label_only_when_its_parts_recur():
    assert looks_multi_label(['["a", "b"]', '["a"]'])
    assert looks_multi_label(["a,b", "a", "b,c", "c", "a,c", "b"] * 3)
    # every label a name with a comma in it, none recurring on its own: one label each
    assert not looks_multi_label([f"Smith{i}, John{i}" for i in range(20)])
    assert not looks_multi_label(["pos", "neg"] * 10)


def test_metrics_agree_with_sklearn():
    from sklearn.metrics import f1_score, precision_score, recall_score

    y_true = [[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0]]
    y_pred = [[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 0], [0, 1, 0]]
    m = multilabel_metrics(y_true, y_pred)
    assert m["micro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="micro"))
    assert m["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert m["exact_match"] == pytest.approx(2 / 5)
    scores = multilabel_scores(m["outcomes"], ["a", "b", "c"])
    p = precision_score(y_true, y_pred, average=None, zero_division=0)
    r = recall_score(y_true, y_pred, average=None, zero_division=0)
    assert [d["precision"] for d in scores] == pytest.approx(list(p))
    assert [d["recall"] for d in scores] == pytest.approx(list(r))
    assert [d["support"] for d in scores] == [3, 2, 1]


def test_macro_f1_averages_the_labels_the_rows_have_or_were_given():
    """A label no row has and none was given (a small validation set without it) is not a label
    the model got wrong: macro F1 leaves it out, as sklearn's average does by default."""
    from albert_core.metrics import classification_metrics

    m = classification_metrics([0, 0, 1, 1], [0, 0, 1, 1], num_labels=3)
    assert m["accuracy"] == 1.0 and m["macro_f1"] == 1.0 and len(m["confusion"]) == 3
    assert classification_metrics([0, 0, 1, 1], [0, 2, 1, 1], num_labels=3)["macro_f1"] == pytest.approx(
        (2 / 3 + 1 + 0) / 3
    )  # a label given but never true counts (F1 0)
    assert multilabel_metrics([[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]])["macro_f1"] == 1.0


def test_multi_label_is_only_for_classification():
    with pytest.raises(ConfigError, match="multi_label"):
        RunConfig(task="ner", train_file="x.txt", multi_label=True).validate()


@pytest.fixture(scope="module")
def topics_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("topics")
    config = RunConfig(
        task="classification",
        train_file=str(write_topics_jsonl(tmp / "topics.jsonl", 800)),
        multi_label=True,
        spec=TINY.to_dict(),
        preset="",
        batch_size=16,
        lr=3e-3,
        epochs=20,
        val_fraction=0.2,
        log_every=5,
        seed=1,
    )
    run = create_run(config, tmp / "run")
    result = train(run)
    assert result["event"] == "finished", result
    return run, result


def test_it_learns_every_label_and_saves_a_model_plain_transformers_reads_as_multi_label(topics_run):
    run, result = topics_run
    m = result["metrics"]
    assert m["micro_f1"] >= 0.9 and m["exact_match"] >= 0.7  # chance: 0.5 and 1/8
    losses = [e["loss"] for e in read_events(run / "events.jsonl") if e["event"] == "step"]
    assert losses[-1] < losses[0] * 0.5
    s = summarize(run)
    assert s.metric_name == "micro_f1" and s.metric == pytest.approx(m["micro_f1"])

    from transformers import AutoConfig, pipeline

    assert AutoConfig.from_pretrained(run / "model").problem_type == "multi_label_classification"
    pipe = pipeline("text-classification", model=str(run / "model"), device="cpu")
    predictor = load_predictor(run)
    texts = [t for t, _ in topic_rows(24, seed=7)]
    for text, theirs in zip(texts, pipe(texts, top_k=None), strict=True):
        ours = predictor.predict(text)
        # the pipeline applies each label's own sigmoid, as ours does: they need not sum to 1
        assert {d["label"]: d["score"] for d in theirs} == pytest.approx(ours["scores"], abs=1e-5)
        assert ours["labels"] == [d["label"] for d in theirs if d["score"] >= 0.5]
        assert ours["label"] == ", ".join(ours["labels"])
    fresh = topic_rows(40, seed=8)  # texts it never saw: most get exactly their topics, two or three included
    assert sum(set(predictor.predict(t)["labels"]) == set(y) for t, y in fresh) >= 32
    assert any(len(y) >= 2 and set(predictor.predict(t)["labels"]) == set(y) for t, y in fresh)
    fast = load_predictor(run, fast=True)
    assert fast.predict(texts[3])["scores"] == pytest.approx(predictor.predict(texts[3])["scores"], abs=1e-4)
    assert fast.classify_batch(texts) == predictor.classify_batch(texts)
    card = (run / "model" / "README.md").read_text()
    assert "several per text" in card and "| sport |" in card and "top_k=None" in card


def test_evaluate_and_a_file_of_predictions_score_each_label(topics_run, tmp_path):
    from albert_core.evaluate import evaluate_model
    from albert_core.predict_file import predict_file

    run, result = topics_run
    again = evaluate_model(str(run))
    assert again["outcomes"] == result["metrics"]["outcomes"]
    assert [d["label"] for d in again["per_label"]] == ["food", "money", "sport"]

    rows = topic_rows(40, seed=11)
    src = write_csv(tmp_path / "check.csv", [(t, ",".join(y)) for t, y in rows])
    got = predict_file(str(run), str(src), str(tmp_path / "out.csv"))
    assert got.compared == 40 and got.metric == "exact match"
    predictor = load_predictor(run)
    expected = [predictor.predict(t)["labels"] for t, _ in rows]
    right = sum(set(e) == set(y) for e, y in zip(expected, [y for _, y in rows], strict=True))
    assert got.correct == right
    assert (
        got.outcomes
        == multilabel_metrics(
            [[int(k in y) for k in predictor.labels] for _, y in rows],
            [[int(k in e) for k in predictor.labels] for e in expected],
        )["outcomes"]
    )
    with open(tmp_path / "out.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["predicted"] for r in table] == [", ".join(e) for e in expected]
    assert {"p(food)", "p(money)", "p(sport)", "correct"} <= set(table[0])
    assert "micro F1" in got.summary()

    # a row with a label the model does not know is predicted, said, and not compared
    src.write_text(src.read_text() + '"bread and rain","food,weather"\n')
    more = predict_file(str(run), str(src), str(tmp_path / "out2.csv"))
    assert more.compared == 40 and len(more.rows) == 41 and more.correct == got.correct
    assert any("weather" in n for n in more.notes) and more.truth[-1] == "(labels it does not know)"

    # a cell holding lists within a list is not a label set: named by its line, and not compared
    src.write_text(src.read_text() + '"bread","[[""food""]]"\n')
    odd = predict_file(str(run), str(src), str(tmp_path / "out3.csv"))
    assert odd.compared == 40 and len(odd.rows) == 42 and odd.truth[-1] == "(not a list of labels)"
    assert any("check.csv:43" in n and "lists within a list" in n for n in odd.notes)


def test_the_cli_trains_with_multi_label_and_the_onnx_export_keeps_its_scores(topics_run, tmp_path, capsys):
    from albert_core.cli import main

    run, result = topics_run
    data = write_topics_jsonl(tmp_path / "t.jsonl", 40)
    assert main(["train", "--train", str(data), "--multi-label", "--spec", _spec(tmp_path), "--max-steps", "2",
                 "--out", str(tmp_path / "cli-run")]) == 0  # fmt: skip
    assert json.loads((tmp_path / "cli-run" / "run.json").read_text())["multi_label"] is True
    # labels joined by ";": the saved model keeps the separator, so its own file is read back alike
    joined = write_csv(tmp_path / "joined.csv", [(t, ";".join(y)) for t, y in topic_rows(40)])
    assert main(["train", "--train", str(joined), "--multi-label", "--label-separator", ";", "--spec", _spec(tmp_path),
                 "--max-steps", "2", "--out", str(tmp_path / "semi")]) == 0  # fmt: skip
    from albert_core.evaluate import evaluate_model
    from albert_core.predict_file import predict_file

    assert predict_file(str(tmp_path / "semi"), str(joined), str(tmp_path / "semi.csv")).compared == 40
    # a 0/1 column per label: --label-columns names them (a multi-label run), and a file of the model's
    # own label columns is compared as the joined file is
    flags = write_topic_flags(tmp_path / "flags.csv", 40)
    assert main(["train", "--train", str(flags), "--label-columns", "food,money,sport", "--spec", _spec(tmp_path),
                 "--max-steps", "2", "--out", str(tmp_path / "flagged")]) == 0  # fmt: skip
    saved = json.loads((tmp_path / "flagged" / "run.json").read_text())
    assert saved["multi_label"] is True and saved["columns"]["label"] == ["food", "money", "sport"]
    by_flags = predict_file(str(tmp_path / "semi"), str(flags), str(tmp_path / "by-flags.csv"))
    by_joined = predict_file(str(tmp_path / "semi"), str(joined), str(tmp_path / "semi.csv"))
    assert (by_flags.compared, by_flags.correct, by_flags.truth) == (40, by_joined.correct, by_joined.truth)
    capsys.readouterr()
    assert main(["predict", "--model", str(tmp_path / "semi"), "--file", str(flags), "--label-columns", "food,money",
                 "--out", str(tmp_path / "two.csv"), "--json"]) == 0  # fmt: skip
    two = json.loads(capsys.readouterr().out)  # sport, with no column here, is left out of the comparison
    assert two["labels"] == ["food", "money"] and len(two["outcomes"]) == 2
    assert any("sport: those labels are not compared" in n for n in two["notes"])
    assert evaluate_model(str(tmp_path / "semi" / "model"), str(flags))["examples"] == 40
    assert evaluate_model(str(tmp_path / "semi" / "model"), str(joined))["examples"] == 40
    capsys.readouterr()
    assert main(["evaluate", "--model", str(run)]) == 0
    out = capsys.readouterr().out
    assert "micro_f1" in out and "precision" in out and "true / predicted" not in out  # no confusion matrix

    from albert_core.export import export

    exported = export(run, "onnx", tmp_path / "onnx")
    assert exported.metric == "micro_f1"
    assert exported.metric_export == pytest.approx(exported.metric_pytorch, abs=1e-6)
    assert "np.exp(-logits)" in (tmp_path / "onnx" / "README.md").read_text()  # a sigmoid, not a softmax


def _spec(tmp_path) -> str:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(TINY.to_dict()))
    return str(path)


def test_labels_the_model_never_gives_are_named_with_what_to_do():
    from albert_core.tasks.classification import no_label_advice

    config = RunConfig(task="classification", train_file="t.jsonl", multi_label=True, lr=1e-3)
    # food learnt; money and sport never given, though 30 and 28 texts have them
    advice = no_label_advice([[20, 1, 2], [0, 0, 30], [0, 0, 28]], ["food", "money", "sport"], config)
    assert "'money' (30 texts), 'sport' (28 texts)" in advice and "Train it longer" in advice
    nothing = no_label_advice([[0, 0, 20], [0, 0, 30]], ["a", "b"], config)
    assert "no label to any validation text" in nothing
    assert no_label_advice([[20, 1, 2], [5, 0, 25]], ["a", "b"], config) == ""  # every label given


def test_each_label_s_threshold_is_tuned_for_f1_and_scored_on_rows_it_was_not_tuned_on():
    from albert_core.metrics import tune_thresholds, tuned_metrics

    truth = [[1, 0, 0], [1, 0, 0], [0, 0, 0], [0, 1, 0]]
    probs = [[0.3, 0.1, 0.2], [0.25, 0.2, 0.9], [0.1, 0.3, 0.1], [0.05, 0.6, 0.3]]
    # halfway between the probabilities either side of the best cut; 0.5 for a label no row has
    assert tune_thresholds(truth, probs) == pytest.approx([0.175, 0.45, 0.5])
    assert tune_thresholds([[1], [0]], [[0.99], [0.01]]) == pytest.approx([0.5])  # one best cut, its middle
    assert tune_thresholds([[1], [0]], [[0.02], [0.01]]) == pytest.approx([0.05])  # kept within 0.05-0.95
    assert tune_thresholds([[1], [0], [1]], [[0.0]] * 3) == [0.5]  # one probability for all: no cut to choose
    # thresholds that fit only the rows they were tuned on: the even rows' positives sit at 0.3, the odd
    # rows' at 0.1 under negatives at 0.2, so each half's threshold misses the other half's positives
    truth = [[1], [1], [0], [0]] * 10
    probs = [[0.3], [0.1], [0.2], [0.2]] * 10
    fitted = tuned_metrics(truth, probs)
    in_sample = tune_thresholds(truth, probs)
    from albert_core.metrics import multilabel_metrics

    seen = multilabel_metrics(truth, [[int(p[0] >= in_sample[0])] for p in probs])["micro_f1"]
    assert fitted["micro_f1"] < seen and fitted["thresholds"] == pytest.approx(in_sample)


def test_a_run_keeps_tuned_thresholds_that_beat_0_5_and_predictions_use_them(tmp_path, capsys):
    from albert_core.cli import main
    from albert_core.evaluate import evaluate_model

    def run(name, **options):
        config = RunConfig(
            task="classification", train_file=str(write_topics_jsonl(tmp_path / "t.jsonl", 400)), multi_label=True,
            spec=TINY.to_dict(), preset="", batch_size=16, lr=3e-3, max_steps=20, epochs=0, eval_every=10,
            keep_best=True, val_fraction=0.25, seed=1, options=options,
        )  # fmt: skip
        folder = create_run(config, tmp_path / name)
        return folder, train(folder)["metrics"]

    # 20 steps: no label reaches 0.5 yet, though the likeliest already are the right ones
    folder, metrics = run("tuned")
    assert metrics["micro_f1_untuned"] == 0.0 and metrics["micro_f1"] > 0.5
    saved = json.loads((folder / "model" / "config.json").read_text())["label_thresholds"]
    assert list(saved) == ["food", "money", "sport"] and list(saved.values()) == pytest.approx(metrics["thresholds"])
    assert all(t < 0.5 for t in saved.values())
    pred = load_predictor(folder)
    assert pred.thresholds == pytest.approx(metrics["thresholds"])
    text = "bread cheese and a goal for the team"
    out = pred.predict(text)
    assert out["labels"] and all(out["scores"][y] < 0.5 for y in out["labels"])
    assert out["labels"] == [y for y in sorted(out["scores"], key=out["scores"].get, reverse=True)
                             if out["scores"][y] >= saved[y]]  # fmt: skip
    assert load_predictor(folder, fast=True).predict(text)["labels"] == out["labels"]  # onnxruntime alike
    assert out["thresholds"] == pytest.approx(saved)  # the answer says where each label is given from
    assert main(["predict", "--model", str(folder), "--text", text]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == out["label"]
    for y in ("food", "money", "sport"):  # each probability beside its threshold, as many digits as tell them apart
        shown, given_from = side_by_side(out["scores"][y], saved[y])
        assert f"  {y}: {shown}  (given from {given_from})" in printed and shown != given_from
    scored = evaluate_model(str(folder))
    assert [d["threshold"] for d in scored["per_label"]] == pytest.approx(metrics["thresholds"])
    assert "thresholds were tuned" in scored["data"] and scored["micro_f1"] > 0.5
    assert "label_thresholds: food 0." in (folder / "model" / "README.md").read_text()

    # tuning turned off: every label at 0.5, and nothing given yet
    folder, metrics = run("plain", tune_thresholds=False)
    assert metrics["micro_f1"] == 0.0 and "thresholds" not in metrics
    assert json.loads((folder / "model" / "config.json").read_text())["label_thresholds"] is None
    assert load_predictor(folder).predict(text)["labels"] == []
