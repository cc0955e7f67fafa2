"""Question answering, NER and pre-training through the window: the Train page launches real tiny
runs and plots each task's metrics; the playground highlights answers and entities of models
trained in the test; a finished pre-training run offers "Fine-tune from this model"."""

from __future__ import annotations

from pathlib import Path

from task_data import write_conll, write_qa_jsonl

from albert_core.runs import load_config, summarize
from app.widgets.prediction_views import ENTITY_COLORS, highlighted

RUN_TIMEOUT = 120_000


def _tiny_task_project(window, task: str, data: Path) -> None:
    from conftest import TINY

    window.project.set_spec(TINY)
    window.data_page.choose_task(task, clear_file=True)
    window.project.update_data(train_file=str(data), val_fraction=0.2)
    window.project.update_training(log_every=1, max_length=48, batch_size=8, lr=5e-3, num_threads=1)


def _train(window, qtbot, steps: int) -> Path:
    page = window.train_page
    page.max_steps_spin.setValue(steps)
    page.eval_spin.setValue(steps // 2)
    with qtbot.waitSignal(page.run_ended, timeout=RUN_TIMEOUT) as ended:
        run_dir = page.start()
        assert run_dir is not None, page.banner.text()
    assert ended.args == [str(run_dir), "finished"], page.log.toPlainText()[-2000:]
    assert summarize(run_dir).status == "finished"
    return Path(run_dir)


def test_train_page_runs_question_answering_and_plots_em_f1(window, qtbot, tmp_path):
    _tiny_task_project(window, "qa", write_qa_jsonl(tmp_path / "qa.jsonl", 24))
    window.train_page.task_options.widgets["qa"]["doc_stride"].setValue(16)
    run_dir = _train(window, qtbot, 4)
    config = load_config(run_dir)
    assert config.task == "qa" and config.options["doc_stride"] == 16 and config.options["max_answer_length"] == 30
    plots = window.train_page.plots
    assert plots.task == "qa" and plots.shown_metrics() == ["exact", "f1"]
    assert plots.metrics["f1"].n == 2 and sorted(plots._metric_curves) == ["exact", "f1"]
    assert plots.loss.n == 4


def test_train_page_runs_named_entities_and_plots_entity_f1(window, qtbot, tmp_path):
    _tiny_task_project(window, "ner", write_conll(tmp_path / "ner.txt", 30))
    run_dir = _train(window, qtbot, 4)
    assert load_config(run_dir).task == "ner"
    plots = window.train_page.plots
    assert plots.shown_metrics() == ["f1", "precision", "recall"] and plots.metrics["precision"].n == 2
    assert "f1_PER" not in plots._metric_curves  # per-type scores stay out of the panel


def _load(window, qtbot, run: Path):
    play = window.playground_page
    play.load_model_path(str(run))
    qtbot.waitUntil(lambda: play.predictor is not None and not play.is_loading(), timeout=60_000)
    return play


def test_playground_highlights_the_answer_in_the_context(window, qtbot, trained_runs):
    play = _load(window, qtbot, trained_runs["qa"])
    view = play.view
    assert view is play.views["qa"]
    context = "then we saw some of the paris day and it was very good ."
    with qtbot.waitSignal(play.predicted, timeout=30_000) as got:
        play.set_text("which city?", context)
    result = got.args[0]
    best = result["answers"][0]
    assert not result["no_answer"] and best["text"] == context[best["start"] : best["end"]]
    city = context.index("paris")
    assert city <= best["start"] < best["end"] <= city + 5  # the tiny model learnt to point at the city
    assert highlighted(view.context_edit) == [(best["start"], best["end"], ENTITY_COLORS[0])]
    assert "paris" in view.answer.text() and f"confidence {best['score']:.1%}" in view.answer.text()
    for other in result["answers"][1:4]:
        assert f"({other['score']:.1%})" in view.alternatives.text()

    # a passage loaded from a file
    passage = trained_runs["qa"].parent / "passage.txt"
    passage.write_text("it is the rome day .", encoding="utf-8")
    with qtbot.waitSignal(play.predicted, timeout=30_000) as got:
        assert view.load_context(str(passage))
    assert view.context_edit.toPlainText() == "it is the rome day ."
    best = got.args[0]["answers"][0]
    assert highlighted(view.context_edit) == [(best["start"], best["end"], ENTITY_COLORS[0])]

    # no passage: no verdict, but what to give
    view.context_edit.setPlainText("   ")
    qtbot.waitUntil(lambda: "Paste a passage" in view.answer.text(), timeout=10_000)
    assert "No answer" not in view.answer.text() and highlighted(view.context_edit) == []

    # when "no answer" wins, nothing is highlighted and the view says so
    view.show_result({"answers": [{"text": "rome", "start": 10, "end": 14, "score": 0.1}], "no_answer": True})
    assert highlighted(view.context_edit) == [] and "No answer" in view.answer.text()


def test_playground_highlights_entities_by_type(window, qtbot, trained_runs):
    play = _load(window, qtbot, trained_runs["ner"])
    view = play.view
    assert view is play.views["ner"]
    text = "John visited Paris and Mary met in Rome"
    with qtbot.waitSignal(play.predicted, timeout=30_000) as got:
        play.set_text(text)
    ents = got.args[0]["entities"]
    found = {(e["text"], e["type"]) for e in ents}
    assert {("Paris", "LOC"), ("Rome", "LOC"), ("John", "PER")} <= found, ents
    spans = highlighted(view.text_edit)
    assert [(s, e) for s, e, _ in spans] == [(x["start"], x["end"]) for x in ents]
    color = {x["type"]: c for x, (_, _, c) in zip(ents, spans, strict=True)}
    assert color["PER"] != color["LOC"]
    assert all(c == color[x["type"]] for x, (_, _, c) in zip(ents, spans, strict=True))
    label = view.entities_label.text()
    assert "Paris" in label and f"{ents[0]['score']:.0%}" in label


def test_finished_pretraining_plots_mlm_and_sop_and_offers_fine_tuning(window, qtbot, trained_runs, tmp_path):
    run = trained_runs["pretrain"]
    page = window.train_page
    with qtbot.waitSignal(page.run_ended, timeout=10_000) as ended:
        assert page.attach(run)  # its process has ended: the page reads the run and reports it
    assert ended.args == [str(run), "finished"]
    plots = page.plots
    assert plots.task == "pretrain" and plots.metric_panel.isHidden()
    assert plots.extra["mlm_loss"].n == plots.loss.n == 3 and plots.extra["sop_accuracy"].n == 3
    assert plots.metrics["mlm_accuracy"].n >= 1 and plots.metrics["sop_loss"].n >= 1
    assert not page.finetune_button.isHidden()
    from albert_core.tasks.pretrain import pretraining_advice

    # six steps learn little: the banner says when the model knows hardly more than word frequencies
    advice = pretraining_advice(page.terminal["metrics"])
    assert ("word frequencies" in page.banner.text()) == ("word frequencies" in advice)
    # what the run warned of before training stays in sight, not only in the log: a tiny text
    assert "Note: The corpus is" in page.banner.text() and "small for pre-training" in page.banner.text()

    page.name_edit.setText("my corpus")
    page._on_name_edited("my corpus")  # as typed before the pre-training run
    page.finetune_button.click()
    assert window.project.state.init == str(run)
    assert window.project.run_config().init == str(run)
    assert page.name_edit.text() == "" and window.project.run_config().name == ""  # not the pre-training's name
    assert window.current_page() == "Data"
    assert window.project.state.task == "classification" and window.project.state.train_file == ""
    assert window.project.spec.hidden_size == 32  # the pre-trained model's size
    # fine-tuning wants a gentler rate than new weights: the Train page takes the suggested one
    from albert_core.spec import suggested_lr

    train = window.train_page
    assert train.lr_spin.value() == suggested_lr(32, True) == window.project.run_config().lr
    assert "suggested for fine-tuning a pre-trained model of width 32" in train.summary.text()
    # the right side leaves the pre-training run behind: no MLM curves, no "finished" banner
    assert train.plots.task == "classification" and train.plots.loss.n == 0 and not train.plots.extra
    assert train.status == "idle" and train.finetune_button.isHidden() and train.log.toPlainText() == ""
    assert "Finished" not in train.banner.text() and f"pre-trained model {run.name}" in train.banner.text()
    assert (
        "choose a labelled file" in train.banner.text() and "choose a labelled" in window.statusBar().currentMessage()
    )
    # once a labelled file is chosen the request to choose one is done
    from conftest import write_sentiment_csv

    data = write_sentiment_csv(tmp_path / "reviews.csv")
    with qtbot.waitSignal(window.data_page.preview_ready, timeout=20_000):
        window.data_page.open_file(str(data))
    assert (
        train.banner.text() == f"The next run fine-tunes the pre-trained model {run.name} on reviews.csv: press Start."
    )
    assert window.statusBar().currentMessage() == ""


def test_a_stopped_pretraining_run_offers_fine_tuning_from_its_checkpoint(window, qtbot, trained_runs, tmp_path):
    import dataclasses

    from albert_core.engine import train
    from albert_core.runs import create_run, default_runs_dir

    cfg = dataclasses.replace(load_config(trained_runs["pretrain"]), max_steps=40, log_every=1, name="half way")
    run = create_run(cfg, default_runs_dir() / "stopped")
    seen: list = []
    assert (
        train(run, sink=seen.append, stop=lambda: any(e.kind == "step" and e.step >= 2 for e in seen))["event"]
        == "stopped"
    )
    page = window.train_page
    with qtbot.waitSignal(page.run_ended, timeout=10_000) as ended:
        assert page.attach(run)
    assert ended.args == [str(run), "stopped"]
    assert not page.finetune_button.isHidden() and "fine-tune from it now" in page.banner.text()
    play = window.playground_page
    play.refresh_models()  # the playground lists it too, answering from the checkpoint
    names = [play.model_box.itemText(i) for i in range(play.model_box.count())]
    assert any(n.startswith("half way (pre-training") and "stopped, step-2" in n for n in names), names
    page.finetune_button.click()
    assert window.project.run_config().init == str(run)  # the run, served by its newest checkpoint


def test_playground_fills_in_masks_with_a_pretrained_model(window, qtbot, trained_runs):
    from PySide6.QtWidgets import QLabel, QProgressBar

    play = _load(window, qtbot, trained_runs["pretrain"])
    view = play.view
    assert view is play.views["pretrain"]
    assert "[MASK]" in play.status.text()
    with qtbot.waitSignal(play.predicted, timeout=30_000) as got:
        play.set_text("the movie was")
    assert got.args[0]["masks"] == [] and "put [MASK]" in view.filled.text()

    view.text_edit.moveCursor(view.text_edit.textCursor().MoveOperation.End)
    with qtbot.waitSignal(play.predicted, timeout=30_000) as got:
        view.insert_button.click()  # "the movie was [MASK]"
    assert view.text_edit.toPlainText() == "the movie was [MASK]"
    result = got.args[0]
    (mask,) = result["masks"]
    best = mask["candidates"][0]
    assert result["filled"] == "the movie was " + best["text"]
    shown = view.filled.text()
    assert shown.startswith("the movie was ") and f"{best['text'] or best['token']}" in shown
    bars = view.guesses_widget.findChildren(QProgressBar)
    assert [b.format() for b in bars] == [f"{c['score']:.1%}" for c in mask["candidates"]]
    labels = [w.text() for w in view.guesses_widget.findChildren(QLabel)]
    assert all((c["text"] or c["token"]) in labels for c in mask["candidates"])
    with qtbot.waitSignal(play.predicted, timeout=30_000):
        play.set_text("[MASK] the movie was [MASK] and [MASK]")  # guesses for three masks: a tall view
    tall = view.minimumSizeHint().height()
    play.load_model_path(str(trained_runs["ner"]))  # another model: the hidden guesses take no room
    qtbot.waitUntil(lambda: play.model_path == str(trained_runs["ner"]) and not play.is_loading(), timeout=60_000)
    assert play.stack.minimumSizeHint().height() < tall


def test_the_model_box_names_the_model_that_answers(window, qtbot, trained_runs):
    """Loaded from the Runs page or a folder, the model shows in the box; a run that ends while
    the user tries another model is listed but does not take its place."""
    import shutil

    from albert_core.runs import default_runs_dir

    runs = {t: default_runs_dir() / t for t in ("ner", "pretrain")}
    for task, run in runs.items():
        shutil.copytree(trained_runs[task], run)
    play = window.playground_page
    play.refresh_models()
    assert play.model_box.count() == 2 and play.model_box.currentIndex() == -1  # nothing loaded yet
    _load(window, qtbot, runs["ner"] / "model")  # a run's model folder, as "Try in Playground"
    assert Path(play.model_box.currentData()) == runs["ner"]
    assert play.model_box.currentText().startswith("tiny ner (NER")

    _load(window, qtbot, trained_runs["qa"])  # a folder outside the runs
    qa = trained_runs["qa"].resolve()
    assert play.model_box.currentIndex() == 0 and play.model_box.count() == 3
    assert play.model_box.currentText() == f"qa (QA · folder {qa.parent})"
    play.refresh_models()  # listed again: the folder stays shown, once
    assert play.model_box.count() == 3 and Path(play.model_box.currentData()) == qa

    _load(window, qtbot, runs["pretrain"])
    assert play.model_box.count() == 2 and Path(play.model_box.currentData()) == runs["pretrain"]
    play.refresh_models(select=str(runs["ner"]))  # a run ended: listed, but the loaded model stays
    assert play.model_path == str(runs["pretrain"]) and not play.is_loading()
    assert Path(play.model_box.currentData()) == runs["pretrain"]


def test_playground_predicts_a_whole_file_and_lists_the_surest_mistakes_first(window, qtbot, trained_runs, tmp_path):
    import csv

    play = _load(window, qtbot, trained_runs["qa"])
    assert play.file_button.isEnabled()
    src = write_qa_jsonl(tmp_path / "questions.jsonl", 30, seed=7)
    out = tmp_path / "answers.csv"
    asked = []
    play.ask_input_file = lambda: str(src)
    play.ask_output_file = lambda default: asked.append(default) or str(out)
    play.file_button.click()
    assert asked == [str(tmp_path / "questions.predictions.jsonl")]  # offered beside the input, in its format
    assert play.is_predicting_file() and not play.file_button.isEnabled()
    qtbot.waitUntil(lambda: not play.is_predicting_file(), timeout=60_000)
    result = play.file_result
    assert result is not None, play.file_status.text()
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == [f"q{i}" for i in range(30)]
    assert result.compared == 30 and f"exact match {result.score:.1%}" in play.file_status.text()
    table = play.file_table
    assert table.rowCount() == 30 and table.columnCount() == 4
    wrong = [r for r in rows if r["exact"] == "no"]
    shown = [table.item(r, 0).data(0x0100) for r in range(table.rowCount())]  # UserRole: the file's row
    assert shown[: len(wrong)] == result.mistakes  # the mistakes first, surest first
    assert sorted(result.mistakes) == [i for i, r in enumerate(rows) if r["exact"] == "no"]
    assert play.file_button.isEnabled() and not play.file_open.isHidden()
    assert play.file_scores.isHidden()  # scores by label are a classifier's (QA has exact match)

    # a double-click puts the row's question and context above, and the model answers it live
    row = shown[0]
    with qtbot.waitSignal(play.predicted, timeout=30_000):
        play._on_file_row_activated(table.model().index(0, 0))
    assert play.view.inputs() == (rows[row]["question"], rows[row]["context"])

    # a file dropped on the page is predicted the same way; a model folder dropped on it is loaded
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    def drop(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        play.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier))  # fmt: skip

    window.predict_file_action.trigger()  # the File menu's Predict a file… (Ctrl+P) is the same button
    assert len(asked) == 2 and play.is_predicting_file()
    qtbot.waitUntil(lambda: not play.is_predicting_file(), timeout=60_000)
    drop(src)
    assert asked[-1] == str(tmp_path / "questions.predictions.jsonl") and play.is_predicting_file()
    qtbot.waitUntil(lambda: not play.is_predicting_file(), timeout=60_000)
    assert play.file_result is not None and play.file_result.out == str(out)

    # Stop writes nothing; a bad file is named in red, and the page goes on
    play.predict_file(str(src), str(tmp_path / "stopped.csv"))
    play.stop_file()
    qtbot.waitUntil(lambda: not play.is_predicting_file(), timeout=60_000)
    assert "Stopped: nothing was written" in play.file_status.text()
    assert not (tmp_path / "stopped.csv").exists()
    (tmp_path / "bad.csv").write_text("title,body\na,b\n", encoding="utf-8")
    play.predict_file(str(tmp_path / "bad.csv"), str(tmp_path / "bad.predictions.csv"))
    qtbot.waitUntil(lambda: not play.is_predicting_file(), timeout=60_000)
    assert "bad.csv" in play.file_status.text() and "question and a context column" in play.file_status.text()

    drop(trained_runs["pretrain"])  # a run folder dropped on the page: its model is loaded
    qtbot.waitUntil(lambda: play.model_path == str(trained_runs["pretrain"]) and not play.is_loading(), timeout=60_000)
    pre = play
    assert not pre.file_button.isEnabled() and "[MASK]" in pre.file_button.toolTip()
    drop(src)  # a pre-trained model cannot predict a file: it says what to do
    assert not pre.is_predicting_file() and "fine-tune it on a task to predict a file" in pre.status.text()
    assert pre.file_panel.isHidden() and pre.file_result is None  # another model: the QA rows are gone
