"""Real training runs started from the Train page (a tiny model, a few steps)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from PySide6.QtCore import Qt

from albert_core.events import read_events
from albert_core.runs import summarize

RUN_TIMEOUT = 180_000  # ms; the child imports torch and trains a tokenizer first


def test_run_streams_into_plots_finishes_and_playground_predicts(window, tiny_project, qtbot):
    page = window.train_page
    page.max_steps_spin.setValue(12)
    page.eval_spin.setValue(6)
    window.show_page("Train")
    with qtbot.waitSignal(page.run_ended, timeout=RUN_TIMEOUT) as ended:
        run_dir = page.start()
        assert run_dir is not None and page.is_running()
        assert not page.start_button.isEnabled()
    assert ended.args == [str(run_dir), "finished"], page.log.toPlainText()[-2000:]
    assert page.status == "finished"
    steps = [e for e in page.events if e["event"] == "step"]
    assert steps and steps[-1]["step"] == 12
    assert page.plots.loss.n == len(steps)  # every step event reached the plot buffers
    assert list(page.plots.loss.x) == [float(e["step"]) for e in steps]
    assert page.plots.eval_loss.n >= 2 and "accuracy" in page.plots.metrics
    assert page.plots.redraws >= 1
    assert page.progress.value() == page.progress.maximum() == 12
    assert page.eta_label.text().startswith("Finished") and "left" not in page.eta_label.text()  # not "0 s left"
    assert not page.playground_button.isHidden()
    assert summarize(run_dir).status == "finished"
    assert page.start_button.isEnabled() and "Finished" in page.banner.text()

    # the Runs page lists it and shows its curves from events.jsonl
    runs = window.runs_page
    runs.refresh_now()
    assert runs.select_run(str(run_dir))
    qtbot.waitUntil(lambda: runs.plots.loss.n == len(steps), timeout=10_000)
    assert runs.play_button.isEnabled()

    # the playground loads the finished run and answers as text is typed
    play = window.playground_page
    runs.play_button.click()
    assert window.current_page() == "Playground"
    qtbot.waitUntil(lambda: play.predictor is not None and not play.is_loading(), timeout=120_000)
    assert play.model_path == str(run_dir)
    assert play.view.pair_edit.isHidden()  # trained on single texts: no second text box
    with qtbot.waitSignal(play.predicted, timeout=30_000) as got:
        play.set_text("the film was wonderful and the cast wonderful")
    result = got.args[0]
    assert set(result["scores"]) == {"neg", "pos"}
    assert abs(sum(result["scores"].values()) - 1) < 1e-4
    assert result["label"] in ("neg", "pos") and result["latency_ms"] > 0
    assert "ms" in play.latency.text() and play.view.cut_note.isHidden()
    with qtbot.waitSignal(play.predicted, timeout=30_000) as got:  # longer than the model reads: said
        play.set_text("the film was wonderful " * 300)
    assert got.args[0]["read"] < got.args[0]["pieces"] and not play.view.cut_note.isHidden()
    assert f"the model reads the first {got.args[0]['read']}" in play.view.cut_note.text()

    # the project's own file, predicted row by row: accuracy, scores by label and its confusion matrix
    play.predict_file(str(tiny_project), str(Path(run_dir).parent / "rows.csv"))
    qtbot.waitUntil(lambda: not play.is_predicting_file(), timeout=60_000)
    result = play.file_result
    assert result is not None and result.compared == 64, play.file_status.text()
    assert not play.file_scores.isHidden() and [d["label"] for d in play.file_scores.rows] == ["neg", "pos"]
    assert sum(map(sum, result.confusion)) == 64 and "sentiment.csv" in play.file_scores.title.text()


def test_stop_ends_the_run_cleanly_and_resume_continues(window, tiny_project, qtbot):
    page = window.train_page
    page.max_steps_spin.setValue(100_000)
    run_dir = page.start()
    qtbot.waitUntil(lambda: any(e["event"] == "step" for e in page.events), timeout=RUN_TIMEOUT)
    assert page.stop_button.isVisibleTo(page) and not page.resume_button.isVisibleTo(page)  # one place for both
    with qtbot.waitSignal(page.run_ended, timeout=60_000) as ended:
        page.stop()
        assert page.status == "stopping"
    assert ended.args[1] == "stopped", page.log.toPlainText()[-2000:]
    assert not (Path(run_dir) / "STOP").exists()
    assert summarize(run_dir).status == "stopped"
    stopped_at = next(e for e in page.events if e["event"] == "stopped")["step"]
    assert page.resume_button.isEnabled()
    # the bar and the banner agree on where it stopped, and no rate or time left stays beside it
    assert page.progress.value() == stopped_at and f"Stopped at step {stopped_at}." in page.banner.text()
    assert page.eta_label.text() == f"Stopped at step {stopped_at:,}"
    first_part = page.log.toPlainText()
    assert "Stop requested" in first_part
    play = window.playground_page  # tried from its checkpoint while stopped...
    play.load_model_path(str(run_dir))
    qtbot.waitUntil(lambda: play.predictor is not None and not play.is_loading(), timeout=60_000)
    assert play.status.text().startswith(f"{Path(run_dir).name}: classification model loaded")

    page.resume_button.click()
    qtbot.waitUntil(lambda: any(e["event"] == "started" for e in page.events), timeout=RUN_TIMEOUT)
    play.refresh_models()  # ...it keeps its place in the list while it trains again, saying what answers
    shown = play.model_box.currentText()
    assert shown.startswith(Path(run_dir).name) and f"training again, answers from step-{stopped_at}" in shown
    started = next(e for e in page.events if e["event"] == "started")
    assert started["start_step"] == stopped_at
    # the curve so far is read back in the background, then the new steps follow it
    qtbot.waitUntil(lambda: page._history_pending is None, timeout=10_000)
    qtbot.waitUntil(lambda: page.plots.loss.n > stopped_at, timeout=RUN_TIMEOUT)
    xs = list(page.plots.loss.x)
    assert xs == sorted(set(xs)) and xs[0] <= stopped_at < xs[-1]
    log = page.log.toPlainText()  # and the log of the first part stays, above a separator
    assert log.startswith(first_part) and "──── resumed" in log and f"resuming at step {stopped_at}" in log
    # Esc in a text box of another page leaves the run alone (and Tab moves on from the box)
    window.show_page("Playground")
    box = window.playground_page.views["classification"].text_edit
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.keyClick(box, Qt.Key.Key_Tab)
    assert page.status == "running" and "\t" not in box.toPlainText()
    window.show_page("Train")
    window.nav.setFocus()  # as after a click on the page list: Esc stops while the Train page is shown
    with qtbot.waitSignal(page.run_ended, timeout=60_000):
        qtbot.keyClick(window.nav, Qt.Key.Key_Escape)
    assert page.status == "stopped"


def test_killed_process_ends_in_a_failed_state_with_a_message(window, tiny_project, qtbot):
    page = window.train_page
    page.max_steps_spin.setValue(100_000)
    run_dir = page.start()
    qtbot.waitUntil(lambda: any(e["event"] == "started" for e in page.events), timeout=RUN_TIMEOUT)
    with qtbot.waitSignal(page.run_ended, timeout=30_000) as ended:
        os.kill(page.process.pid(), signal.SIGKILL)
    assert ended.args[1] == "failed"
    assert page.status == "failed"
    assert "killed" in page.banner.text() and "Traceback" not in page.banner.text()
    assert not page.banner.isHidden()
    assert page.start_button.isEnabled()  # ready for another try
    assert summarize(run_dir).status == "interrupted"
    assert not any(e["event"] in ("finished", "stopped") for e in read_events(Path(run_dir) / "events.jsonl"))


def test_bad_settings_are_reported_before_anything_starts(window, qtbot, tmp_path):
    sample = window.project.state.train_file
    window.project.update_data(train_file=str(tmp_path / "missing.csv"))
    assert window.train_page.start() is None
    assert "does not exist" in window.train_page.banner.text()
    assert not window.train_page.is_running()
    window.project.update_data(train_file=sample, eval_file=str(tmp_path / "dev.csv"))  # a validation file too
    assert window.train_page.start() is None and "the validation file" in window.train_page.banner.text()


def test_pretraining_can_take_the_tokenizer_of_another_model(window, qtbot, tmp_path):
    from task_data import write_corpus
    from transformers import AutoTokenizer

    from albert_core.data.corpus import corpus_stats
    from albert_core.runs import default_runs_dir
    from albert_core.tokenizer import train_tokenizer
    from tests.core.helpers import TINY

    folder = write_corpus(tmp_path / "corpus")
    window.project.set_spec(TINY)
    window.data_page.choose_task("pretrain", clear_file=True)
    window.data_page.open_file(str(folder))
    window.project.update_training(log_every=1, max_length=32, batch_size=8, max_steps=2, eval_every=0)
    data, train = window.data_page, window.train_page

    def choose(source):
        data.tokenizer_edit.setText(str(source))
        data.tokenizer_edit.editingFinished.emit()

    runs_before = sorted(default_runs_dir().glob("*")) if default_runs_dir().exists() else []
    qtbot.waitUntil(lambda: data.preview is not None and not data.is_busy(), timeout=20_000)
    choose(tmp_path)  # a folder without a tokenizer: said at Start, and no failed run is left behind
    qtbot.waitUntil(lambda: "Not counted: " in data.stat_labels["tokens"].toolTip(), timeout=20_000)
    assert "holds no tokenizer" in data.stat_labels["tokens"].toolTip()
    note = data.tokenizer_note  # said on the page, not only in a tool tip
    assert (
        note.isVisibleTo(data)
        and "This tokenizer cannot be used" in note.text()
        and "holds no tokenizer" in note.text()
    )
    assert window.project.state.training["tokenizer_from"] == str(tmp_path) and not data.vocab_spin.isEnabled()
    assert data.problem_note.text() != "No problems found."  # the tokenizer is one, beside the files'
    assert f"the tokenizer of {tmp_path.name}" in train.summary.text()
    # the Train page says it before Start, as for a data file that cannot be used
    assert "Cannot start: fix the data on the Data page first: the tokenizer chosen cannot be used" in (
        train.summary.text()
    )
    assert train.start() is None and "holds no tokenizer" in train.banner.text()
    assert (sorted(default_runs_dir().glob("*")) if default_runs_dir().exists() else []) == runs_before

    source = tmp_path / "tok"
    train_tokenizer(texts=[f"a zebra and a {w} yak" for w in ("red", "blue", "green")] * 40, out_dir=source,
                    vocab_size=40, shrink_if_needed=True)  # fmt: skip
    choose(source)
    assert window.project.run_config().tokenizer_from == str(source)
    pieces = len(AutoTokenizer.from_pretrained(source))
    # before any run, the Data page counts the corpus with that tokenizer: how well it fits the text
    counted = corpus_stats(str(folder), AutoTokenizer.from_pretrained(source))
    assert counted["unk_rate"] > 0  # the corpus has letters that tokenizer never saw
    shown = data.stat_labels["tokens"]
    qtbot.waitUntil(
        lambda: shown.text() == f"{counted['tokens']:,} ({counted['unk_rate']:.2%} unknown)", timeout=20_000
    )
    assert shown.toolTip() == f"Counted with the tokenizer of {source}" and not note.isVisibleTo(data)
    assert f"V is {pieces:,}, from the tokenizer of tok" in window.model_page.summary.text()
    with qtbot.waitSignal(train.run_ended, timeout=RUN_TIMEOUT) as ended:
        run_dir = train.start()
        assert run_dir is not None, train.banner.text()
    assert ended.args == [str(run_dir), "finished"], train.log.toPlainText()[-2000:]
    assert (
        AutoTokenizer.from_pretrained(run_dir / "model").get_vocab()
        == AutoTokenizer.from_pretrained(source).get_vocab()
    )
    assert "with new weights" in train.log.toPlainText()

    choose("")  # empty again: trained on the corpus, at the size chosen
    assert data.vocab_spin.isEnabled() and window.project.run_config().tokenizer_from == ""
    assert shown.text() == "–"  # counted once a run's tokenizer is trained
    choose(source)
    data.vocab_spin.setEnabled(True)
    window.project.update_training(tokenizer_vocab_size=500)
    window.data_page.choose_task("classification")  # the choices belong to pre-training
    config = window.project.run_config()
    assert config.tokenizer_from == "" and config.tokenizer_vocab_size == 0
    assert "V is" not in window.model_page.summary.text()


def test_pretraining_on_a_corpus_folder_starts_from_the_train_page(window, qtbot, tmp_path):
    from task_data import write_corpus

    from tests.core.helpers import TINY

    folder = write_corpus(tmp_path / "corpus")
    window.project.set_spec(TINY)
    window.data_page.choose_task("classification", clear_file=True)
    window.project.update_data(train_file=str(folder))
    assert window.train_page.start() is None  # a labelled task reads one file, not a folder
    assert "is a folder" in window.train_page.banner.text()

    window.data_page.choose_task("pretrain", clear_file=True)
    window.project.update_data(train_file=str(folder))
    window.project.update_training(log_every=1, max_length=32, batch_size=8, max_steps=4, eval_every=0)
    page = window.train_page
    with qtbot.waitSignal(page.run_ended, timeout=RUN_TIMEOUT) as ended:
        run_dir = page.start()
        assert run_dir is not None, page.banner.text()
    assert ended.args == [str(run_dir), "finished"], page.log.toPlainText()[-2000:]
    steps = [e for e in page.events if e["event"] == "step"]
    assert steps[-1]["step"] == 4 and "mlm_loss" in steps[-1]["extra"]
    # once the tokenizer has cut the text, the pieces and the unknown-piece rate are shown too:
    # in the run's log and in the Data page's corpus box
    stats = page.started_event["config"]["corpus"]
    assert stats["tokens"] > 0 and 0 <= stats["unk_rate"] < 1
    assert f"Corpus: {stats['documents']:,} documents" in page.log.toPlainText()
    assert f"{stats['tokens']:,} pieces ({stats['unk_rate']:.2%} unknown)" in page.log.toPlainText()
    labels = window.data_page.stat_labels
    assert labels["tokens"].text() == f"{stats['tokens']:,} ({stats['unk_rate']:.2%} unknown)"
    assert labels["documents"].text() == f"{stats['documents']:,}"
    # before the first step the log says what the preparation does: the tokenizer, then the text
    log = page.log.toPlainText()
    assert log.index("training a tokenizer of") < log.index(f"of text in {folder} into") < log.index("Training on")
    # and while it does, so does the line beside the (busy) progress bar
    page.started_event, page.status = None, "running"
    page._on_events_received([{"event": "log", "message": "tokenizing: 35% of 4.8 MB, 12 s so far", "time": 0}])
    assert page.eta_label.text() == "Tokenizing: 35% of 4.8 MB, 12 s so far"
    long = f"tokenizing 4.8 MB of text in {'/a-long-folder' * 20} into the cache"
    page._on_events_received([{"event": "log", "message": long, "time": 0}])
    shown = page.eta_label.text()  # cut to the label's width, not widening the window
    assert shown.startswith("Tokenizing 4.8 MB of text in /a-long-folder") and shown.endswith("…")
    assert page.eta_label.toolTip() == "T" + long[1:]
    assert page.eta_label.fontMetrics().horizontalAdvance(shown) <= page.eta_label.maximumWidth()


def test_a_run_stopped_while_preparing_offers_to_start_again(window, qtbot, tmp_path):
    """Stop pressed before the first step (a large corpus still being tokenized) ends the run at
    once; the page says it stopped before training and Resume starts it again."""
    from task_data import write_corpus

    from albert_core.engine import train
    from albert_core.runs import RunConfig, create_run
    from tests.core.helpers import TINY

    corpus = write_corpus(tmp_path / "corpus")
    config = RunConfig(task="pretrain", train_file=str(corpus), spec=TINY.to_dict(), preset="", max_steps=2,
                       batch_size=8, max_length=32, device="cpu", num_threads=1,
                       options={"cache_dir": str(tmp_path / "cache")})  # fmt: skip
    run = create_run(config, tmp_path / "run")
    assert train(run, sink=lambda e: None, stop=lambda: True)["event"] == "stopped"
    page = window.train_page
    with qtbot.waitSignal(page.run_ended, timeout=20_000) as ended:
        assert page.attach(run)
    assert ended.args == [str(run), "stopped"]
    assert page.banner.text() == "Stopped before the first step. Press Resume to start the run again."
    assert page.progress.maximum() == 1 and not page.progress.isTextVisible()  # no longer busy, no "0 / 1"
    assert page.eta_label.text() == ""
    assert page.resume_button.isEnabled() and page.finetune_button.isHidden()
    with qtbot.waitSignal(page.run_ended, timeout=RUN_TIMEOUT) as ended:
        page.resume_button.click()
    assert ended.args == [str(run), "finished"], page.log.toPlainText()[-2000:]
