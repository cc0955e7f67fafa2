"""The Data page for question answering, named entities and pre-training: previews, problems,
the tag chart, the corpus statistics and the tokenizer size; plus the task-specific plots."""

from __future__ import annotations

import json
import os

import pytest
from conftest import write_sentiment_csv
from PySide6.QtCore import Qt
from task_data import write_corpus, write_qa_jsonl

from albert_core.data.corpus import corpus_stats


def _open(page, qtbot, path: str):
    with qtbot.waitSignal(page.preview_ready, timeout=20_000) as got:
        page.open_file(path)
    return got.args[0]


def test_task_selector_covers_every_task(window):
    box = window.data_page.task_box
    assert [box.itemData(i) for i in range(box.count())] == ["classification", "qa", "ner", "pretrain"]


def test_qa_preview_shows_question_context_answers_and_problems(window, qtbot, tmp_path):
    page = window.data_page
    page.choose_task("qa", clear_file=True)
    assert window.project.state.task == "qa" and page.map_box.isHidden()
    good = write_qa_jsonl(tmp_path / "qa.jsonl", n=6)
    with open(good, "a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "bad1", "question": "who?", "context": "nobody here.",
                            "answers": {"text": ["ada"], "answer_start": [0]}}) + "\n")  # fmt: skip
        f.write("{not json\n")
        f.write(json.dumps({"id": "none", "question": "where?", "context": "no city.",
                            "answers": {"text": [], "answer_start": []}}) + "\n")  # fmt: skip
    preview = _open(page, qtbot, str(good))
    assert not preview.fatal and preview.usable == 7
    assert page.table_model.headerData(0, Qt.Orientation.Horizontal) == "Question"
    first = json.loads(good.read_text().splitlines()[0])
    assert page.table_model.data(page.table_model.index(0, 0)) == "which city?"
    assert first["context"][:20] in page.table_model.data(page.table_model.index(0, 1))
    assert page.table_model.data(page.table_model.index(0, 2)) == first["answers"]["text"][0]
    assert page.table_model.data(page.table_model.index(6, 2)) == "(no answer)"
    texts = page.problems.texts()
    assert any(t.startswith("qa.jsonl:7:") and "bad1" in t for t in texts), texts
    assert any(t.startswith("qa.jsonl:8:") and "JSON" in t for t in texts), texts
    assert page.label_chart.counts == {"answerable": 6, "no answer": 1}
    assert "v2.0" in page.status.text()
    assert window.project.state.train_file == str(good)


def test_one_line_squad_json_numbers_its_rows(window, qtbot, tmp_path):
    # SQuAD's own files are one line of JSON: every question is on line 1, so the rows are numbered
    page = window.data_page
    page.choose_task("qa", clear_file=True)
    qas = [{"id": f"q{i}", "question": f"who {i}?", "answers": [{"text": "Ada", "answer_start": 0}]} for i in range(3)]
    doc = {"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": "Ada wrote it.", "qas": qas}]}]}
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _open(page, qtbot, str(path))
    assert [page.table_model.headerData(r, Qt.Orientation.Vertical) for r in range(3)] == ["1", "2", "3"]
    assert page.table_model.data(page.table_model.index(2, 0)) == "who 2?"


def test_ner_preview_shows_tags_scheme_and_tag_chart(window, qtbot, tmp_path):
    page = window.data_page
    page.choose_task("ner", clear_file=True)
    path = tmp_path / "ner.txt"
    path.write_text(
        "EU X S-ORG\nrejects X O\nGerman X S-MISC\ncall X O\n\n"
        "Peter X B-PER\nBlackburn X E-PER\nspoke X O\n\n"
        "bad line with too many columns here X O\nword X O\n\n"
        "Rome X B-LOC\nfell X WRONG\n",
        encoding="utf-8",
    )
    preview = _open(page, qtbot, str(path))
    assert not preview.fatal and preview.usable == 2
    assert page.table_model.data(page.table_model.index(0, 0)) == "EU/B-ORG rejects/O German/B-MISC call/O"
    assert page.table_model.data(page.table_model.index(1, 0)) == "Peter/B-PER Blackburn/I-PER spoke/O"
    assert preview.info["scheme"] == "BIOES" and "BIOES (converted to IOB2)" in page.status.text()
    assert page.labels_box.title() == "Entities by type" and page.label_chart.unit == "entities"
    assert page.label_chart.counts == {"MISC": 1, "ORG": 1, "PER": 1}  # Peter Blackburn is one entity
    lines = {p.line for p in page.problems.problems()}
    assert 10 in lines and 14 in lines, page.problems.texts()
    assert any("WRONG" in t for t in page.problems.texts())


def test_corpus_folder_shows_statistics_and_sets_the_vocabulary(window, qtbot, tmp_path):
    page = window.data_page
    page.choose_task("pretrain", clear_file=True)
    assert not page.corpus_box.isHidden() and not page.folder_button.isHidden()
    folder = write_corpus(tmp_path / "corpus")
    (folder / "empty.txt").write_text("\n\n", encoding="utf-8")
    preview = _open(page, qtbot, str(folder))
    expected = corpus_stats(str(folder))
    for key in ("files", "documents", "sentences", "characters"):
        assert preview.info["stats"][key] == expected[key]
        assert page.stat_labels[key].text() == f"{expected[key]:,}"
    assert page.table_model.rowCount() == expected["documents"] == 24
    assert any("empty.txt" in t and "no text" in t for t in page.problems.texts())
    assert page.labels_box.isHidden()
    assert window.project.state.train_file == str(folder)
    page.vocab_spin.setValue(3000)
    assert window.project.run_config().tokenizer_vocab_size == 3000
    # the Model page counts the embedding the run will have: a row per piece of that vocabulary
    import dataclasses

    from albert_core.param_count import count

    model_page = window.model_page
    planned = dataclasses.replace(window.project.spec, vocab_size=3000)
    assert f"{count(planned, 'pretrain', 2).total:,}" in model_page.summary.text()
    assert "V is 3,000, from the vocabulary size chosen on the Data page" in model_page.summary.text()
    cuts = window.train_page.task_options.widgets["pretrain"]["dupe_factor"]
    cuts.setValue(4)
    assert window.project.run_config().options["dupe_factor"] == 4
    # the settings column fits its widest task settings without a horizontal scroll bar
    window.show_page("Train")
    scroll = window.train_page._settings_scroll
    assert scroll.width() >= scroll.widget().minimumSizeHint().width()

    # several files joined by the path separator
    files = os.pathsep.join(str(folder / f"part{i}.txt") for i in range(2))
    preview = _open(page, qtbot, files)
    assert preview.info["stats"]["files"] == 2 and window.project.state.train_file == files


def test_the_texts_own_unk_marks_get_a_row_of_their_own(window, qtbot, tmp_path):
    """A text that writes <unk> itself (WikiText) has those marks counted on a row of their own,
    shown only then, and the Pieces row's unknown share is what the vocabulary lacks."""
    from albert_core.tokenizer import train_tokenizer

    source = tmp_path / "tok"
    train_tokenizer([f"the {w} cat sat on a mat." for w in ("red", "big", "sad")] * 30, source, vocab_size=40)
    marked, plain = tmp_path / "marked", tmp_path / "plain"
    for folder, text in ((marked, "The <unk> cat sat. The big <unk> sat on a mat.\n"), (plain, "The cat sat.\n")):
        folder.mkdir()
        (folder / "a.txt").write_text(text, encoding="utf-8")
    page = window.data_page
    page.choose_task("pretrain", clear_file=True)
    page.tokenizer_edit.setText(str(source))
    page.tokenizer_edit.editingFinished.emit()
    pieces, marks = page.stat_labels["tokens"], page.stat_labels["unk_marks"]
    _open(page, qtbot, str(marked))
    qtbot.waitUntil(lambda: page.corpus_form.isRowVisible(marks), timeout=20_000)
    assert marks.text() == "2"
    # every unknown piece here is one of the two marks: the vocabulary lacks nothing
    assert pieces.text().endswith("(0.00% unknown)"), pieces.text()
    _open(page, qtbot, str(plain))
    qtbot.waitUntil(lambda: pieces.text().endswith("(0.00% unknown)") and not page.corpus_form.isRowVisible(marks))


def test_a_classifiers_training_file_in_the_corpus_gives_its_texts(window, qtbot, tmp_path):
    page = window.data_page
    page.choose_task("pretrain", clear_file=True)
    labelled = write_sentiment_csv(tmp_path / "reviews.csv")
    preview = _open(page, qtbot, str(labelled))
    assert not preview.fatal and preview.rows
    assert any("read as a table: the texts of its column 'text'" in t for t in page.problems.texts())
    shown = " ".join(" ".join(map(str, row)) for row in preview.rows)
    assert "the" in shown.split() and "pos" not in shown.split() and "neg" not in shown.split()  # labels are no text


def test_missing_corpus_is_a_problem_not_a_crash(window, qtbot, tmp_path):
    page = window.data_page
    page.choose_task("pretrain", clear_file=True)
    preview = _open(page, qtbot, str(tmp_path / "nowhere"))
    assert preview.fatal and "no such file or folder" in page.problems.texts()[0]


def test_plots_follow_the_task(qtbot):
    from app.widgets.loss_plot import LivePlots

    plots = LivePlots(live=False)
    qtbot.addWidget(plots)
    plots.set_task("pretrain")
    assert plots.metric_panel.isHidden() and all(not p.isHidden() for p in plots.pretrain_panels.values())
    for step in (1, 2, 3):
        extra = {"mlm_loss": 5.0 - step, "mlm_accuracy": 0.1 * step, "sop_loss": 0.7, "sop_accuracy": 0.5}
        plots.add_event({"event": "step", "step": step, "loss": 6.0 - step, "lr": 1e-3, "samples_per_s": 10.0,
                         "extra": extra})  # fmt: skip
    plots.add_event({"event": "eval", "step": 3, "metrics": {"loss": 2.5, "mlm_loss": 1.8, "mlm_accuracy": 0.3,
                                                             "sop_loss": 0.69, "sop_accuracy": 0.55}})  # fmt: skip
    plots.redraw()
    train, val = plots._pretrain_curves["mlm_accuracy"]
    assert list(train.getData()[1]) == pytest.approx([10.0, 20.0, 30.0])  # in percent, as the log writes them
    assert list(val.getData()[1]) == pytest.approx([30.0])
    assert "(%)" in plots.pretrain_panels["mlm_accuracy"].getPlotItem().titleLabel.text
    assert list(plots._pretrain_curves["sop_loss"][1].getData()[1]) == [0.69]

    plots.clear()  # empty panels keep no trace of the last run's scale
    assert all(p.getPlotItem().getViewBox().viewRange()[1] == [0, 1] for p in plots.panels()), [
        p.getPlotItem().getViewBox().viewRange() for p in plots.panels()
    ]
    plots.set_task("qa")
    assert not plots.metric_panel.isHidden() and all(p.isHidden() for p in plots.pretrain_panels.values())
    plots.add_event({"event": "eval", "step": 5, "metrics": {"loss": 1.0, "exact": 40.0, "f1": 55.0,
                                                             "HasAns_f1": 60.0, "best_f1_threshold": 0.3}})  # fmt: skip
    plots.redraw()
    assert plots.shown_metrics() == ["exact", "f1"] and sorted(plots._metric_curves) == ["exact", "f1"]
    plots.set_task("ner")
    plots.add_event({"event": "eval", "step": 5, "metrics": {"loss": 1.0, "f1": 0.5, "precision": 0.4,
                                                             "recall": 0.6, "accuracy": 0.9, "f1_PER": 0.7}})  # fmt: skip
    plots.redraw()
    assert plots.shown_metrics() == ["f1", "precision", "recall"]

    # a classifier after a pre-training run (its "Fine-tune from this model"): the legend names
    # the classifier's metrics only, none of the pre-training run's
    plots.clear()
    plots.set_task("pretrain")
    plots.add_event({"event": "eval", "step": 3, "metrics": {"loss": 2.5, "mlm_accuracy": 0.3, "perplexity": 9.0}})
    plots.redraw()
    plots.clear()
    plots.set_task("classification")
    plots.add_event(
        {"event": "eval", "step": 4, "metrics": {"loss": 0.6, "accuracy": 0.7, "macro_f1": 0.6, "mcc": 0.4}}
    )
    plots.redraw()
    legend = [label.text for _, label in plots.metric_panel.legend.items]
    assert plots.shown_metrics() == ["accuracy", "macro_f1"] and sorted(legend) == [
        "accuracy",
        "macro F1",
    ]  # named as a person writes it
    # in percent, as the log and the Runs list write them (MCC, not a score, stays in the log)
    assert (
        list(plots._metric_curves["accuracy"].getData()[1]) == [70.0]
        and "(%)" in plots.metric_panel.getPlotItem().titleLabel.text
    )
    # scores that do not move (an F1 of 0 throughout) get an axis of a few points, none below 0%
    plots.clear()
    plots.add_event({"event": "eval", "step": 4, "metrics": {"loss": 0.6, "accuracy": 0.0}})
    plots.redraw()
    low, high = plots.metric_panel.getPlotItem().getViewBox().viewRange()[1]
    assert low == 0.0 and 1.5 < high < 5


def test_a_qa_preview_of_long_questions_shows_every_column(window, qtbot, tmp_path):
    """Long questions take no more than their share: the context (the text) and the answers show
    beside them, without scrolling sideways."""
    page = window.data_page
    page.choose_task("qa", clear_file=True)
    path = tmp_path / "long.jsonl"
    context = "The committee met in Geneva in the spring of that year to settle the matter. " * 6
    rows = [{"id": f"q{i}", "question": f"In which city did the committee meet to settle the long-running matter {i}?",
             "context": context, "answers": {"text": ["Geneva"], "answer_start": [context.index("Geneva")]}}
            for i in range(12)]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert not _open(page, qtbot, str(path)).fatal
    n, view = page.table_model.columnCount(), page.table.viewport()

    def every_column_shows() -> bool:
        return all(page.table.columnViewportPosition(c) < view.width() for c in range(n))

    qtbot.waitUntil(every_column_shows, timeout=5_000)
    widths = [page.table.columnWidth(c) for c in range(n)]
    assert widths[0] == max(widths)  # the question is what a person reads first
