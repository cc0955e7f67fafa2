"""What the Train page and the Playground promise a user: Start trains what the pages show, the
progress and the log tell the run as it went, metrics read on one scale, the Playground follows
runs that finish or disappear, and the project is there again when the window reopens."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import TINY, write_sentiment_csv

from albert_core.events import Started, Step, Stopped
from albert_core.runs import RunConfig, create_run, default_runs_dir
from app.pages.train_page import START_TIP
from app.run_summaries import metrics_text

RUN_TIMEOUT = 180_000


def _hand_written_run(folder: Path, data: Path, events: list, **settings) -> Path:
    """A run folder whose events.jsonl says what `events` say (no process, no checkpoint)."""
    config = RunConfig(task="classification", train_file=str(data), preset="", spec=TINY.to_dict(),
                       columns={"text": "text", "label": "label"}, batch_size=8, log_every=1, num_threads=1,
                       device="cpu", eval_every=0, **settings)  # fmt: skip
    run = create_run(config, folder)
    with open(run / "events.jsonl", "a", encoding="utf-8") as f:
        for ev in events:
            f.write(json.dumps(ev.to_dict()) + "\n")
    return run


def _steps(first: int, last: int, total: int) -> list:
    return [Step(step=i, epoch=i / total, loss=0.7, lr=1e-3, grad_norm=1.0, samples_per_s=200.0, tokens_per_s=2e3,
                 elapsed=i / 28, total_steps=total) for i in range(first, last + 1)]  # fmt: skip


def _started(total: int) -> Started:
    return Started(task="classification", device="cpu", precision="fp32", params=10_000, total_steps=total,
                   train_examples=48, eval_examples=16)  # fmt: skip


# -- 1. Start trains what the pages show -----------------------------------------------------------
def test_start_refuses_a_spec_the_model_page_shows_in_red(window, tiny_project):
    model, train = window.model_page, window.train_page
    model.set_field("num_attention_heads", 3)  # hidden size 32 does not divide into 3 heads
    assert window.project.spec == TINY  # the project keeps the last good spec...
    assert "Attention heads" in window.project.spec_problem
    assert train.start() is None and not train.is_running()  # ...and Start does not train it
    banner = train.banner.text()
    assert banner.startswith("Cannot start: fix the model on the Model page first: Attention heads"), banner
    assert train.start_button.toolTip().startswith("Cannot start: fix the model on the Model page")
    assert "Cannot start: fix the model on the Model page" in train.summary.text()
    window.project.update_data(val_fraction=0.3)  # another page's change leaves the form's problem in place
    assert window.project.spec_problem and "Fix the fields marked in red" in model.summary.text()
    model.set_field("num_attention_heads", 2)
    assert window.project.spec_problem == "" and train.start_problem() == ""
    assert train.start_button.toolTip() == START_TIP and "Cannot start" not in train.summary.text()


def test_start_refuses_data_the_data_page_cannot_use(window, tiny_project, tmp_path):
    train = window.train_page
    window.project.set_data_problem("empty.csv is empty.")  # as the Data page says it
    assert train.start() is None and not train.is_running()
    assert train.banner.text() == "Cannot start: fix the data on the Data page first: empty.csv is empty"
    assert "Data page" in train.start_button.toolTip() and "empty.csv is empty" in train.summary.text()
    project_file = tmp_path / "p.albert.json"
    window.project.save(project_file)
    window.project.load(project_file)  # a whole project: the pages say afresh what is wrong with it
    assert window.project.data_problem == "" and train.start_problem() == ""


def test_a_validation_file_that_does_not_exist_is_refused(window, tiny_project, tmp_path):
    runs_before = list(default_runs_dir().glob("*")) if default_runs_dir().exists() else []
    window.project.update_data(eval_file=str(tmp_path / "dev.csv"))
    assert window.train_page.start() is None
    banner = window.train_page.banner.text()
    assert (
        banner
        == f"Cannot start: the validation file {tmp_path / 'dev.csv'} does not exist; choose one on the Data page"
    )
    assert (list(default_runs_dir().glob("*")) if default_runs_dir().exists() else []) == runs_before


def test_a_name_another_run_has_is_numbered(window, tiny_project, qtbot):
    from albert_core.runs import load_config, unused_name

    assert unused_name("twin", {"twin", "twin 2", "other"}) == "twin 3" and unused_name("new", {"twin"}) == "new"
    create_run(RunConfig(train_file=str(tiny_project), name="twin"), default_runs_dir() / "earlier")
    train = window.train_page
    train.name_edit.setText("twin")
    run = train.start()
    assert run is not None and load_config(run).name == "twin 2"
    assert "Another run is named 'twin': this one is 'twin 2'" in train.log.toPlainText()
    assert train.name_edit.text() == "twin"  # what was typed stays, for the next run
    train.stop_and_wait()


# -- 2. the progress bar and the line beside it when a run ends --------------------------------------
def test_a_stopped_run_shows_the_step_it_stopped_at_and_no_time_left(window, tiny_project, qtbot, tmp_path):
    events = [_started(240), *_steps(1, 105, 240), Stopped(step=109, checkpoint="checkpoints/step-109")]
    run = _hand_written_run(tmp_path / "run", tiny_project, events, max_steps=240)
    page = window.train_page
    with qtbot.waitSignal(page.run_ended, timeout=20_000) as ended:
        assert page.attach(run)
    assert ended.args == [str(run), "stopped"]
    assert page.banner.text().startswith("Stopped at step 109.")
    assert page.progress.value() == 109 and page.progress.maximum() == 240  # not the last logged step, 105
    assert page.eta_label.text() == "Stopped at step 109"  # not "28.0 steps/s · 4 s left"


# -- 3, 4, 5. resume keeps the log; no checkpoint: asked, then from step 0; the run shown, named -------
def test_resume_without_a_checkpoint_asks_then_starts_again_from_step_0(window, tiny_project, qtbot, tmp_path,
                                                                        monkeypatch):  # fmt: skip
    data = write_sentiment_csv(tmp_path / "other.csv", n=48)
    events = [_started(4), *_steps(1, 3, 4), Stopped(step=3, checkpoint="")]
    run = _hand_written_run(default_runs_dir() / "no-checkpoint", data, events, max_steps=4, max_length=48, lr=3e-3)
    page = window.train_page
    with qtbot.waitSignal(page.run_ended, timeout=20_000):
        assert page.attach(run)
    assert page.plots.loss.n == 3
    # the right side names the run shown with its own settings; the left side is the next run's
    assert "Shown: no-checkpoint" in page.run_line.text() and "max length 48" in page.run_line.text()
    assert not page.run_line.isHidden() and page.summary.text().startswith("<b>Next run:</b>")
    assert page.length_spin.value() == 32 and "sentiment.csv" in page.summary.text()
    first_part = page.log.toPlainText()

    asked = []
    monkeypatch.setattr(page, "ask_restart", lambda run_dir, step: asked.append(step) or False)
    assert not page.resume() and not page.is_running() and asked == [3]  # cancelled: nothing changes
    assert page.plots.loss.n == 3

    monkeypatch.setattr(page, "ask_restart", lambda run_dir, step: asked.append(step) or True)
    with qtbot.waitSignal(page.run_ended, timeout=RUN_TIMEOUT) as ended:
        assert page.resume()
        assert page.plots.loss.n == 0  # the old curves are gone: the run starts again
        log = page.log.toPlainText()
        assert log.startswith(first_part)  # the first part's messages stay, then a separator
        assert "──── started again" in log and "again from step 0: it has no checkpoint" in log
    assert ended.args == [str(run), "finished"], page.log.toPlainText()[-2000:]
    assert page.plots.loss.n == 4 and list(page.plots.loss.x) == [1.0, 2.0, 3.0, 4.0]
    assert page.started_event["start_step"] == 0


# -- 6. one scale for metrics ------------------------------------------------------------------------
def test_metrics_read_as_percentages_and_counts_as_counts():
    qa = {"loss": 2.5, "exact": 0.6536, "f1": 4.958, "total": 153, "HasAns_total": 100}
    assert metrics_text("qa", qa) == "loss 2.5, exact match 0.65%, F1 4.96% (153 questions, 100 answerable)"
    cls = {"loss": 0.1397, "accuracy": 0.975, "macro_f1": 0.975, "mcc": 0.9512, "confusion": [[1]]}
    assert metrics_text("classification", cls) == "loss 0.1397, accuracy 97.50%, macro F1 97.50%, MCC 0.9512"
    mlm = {"mlm_accuracy": 0.1, "sop_loss": 0.69, "perplexity": 120.3, "masked_tokens": 25340}
    assert (
        metrics_text("pretrain", mlm) == "MLM accuracy 10.00%, SOP loss 0.69, perplexity 120.3 (25,340 masked tokens)"
    )
    assert metrics_text("qa", {"best_f1": 50.0, "best_f1_threshold": -1.5}) == "best F1 50.00%, best F1 threshold -1.5"


def test_the_banner_and_the_log_write_qa_scores_in_percent(window, qtbot, trained_runs):
    page = window.train_page
    with qtbot.waitSignal(page.run_ended, timeout=20_000):
        assert page.attach(trained_runs["qa"])
    final = page.terminal["metrics"]
    assert f"{final['f1']:.2f}%" in page.banner.text() and metrics_text("qa", final) in page.banner.text()
    assert "total" not in page.banner.text() and f"({final['total']} questions)" in page.banner.text()
    evals = [line for line in page.log.toPlainText().splitlines() if ": validation " in line]
    assert evals and all("%" in line and "total" not in line for line in evals)


def test_the_qa_playground_gives_the_answers_confidence_in_percent(qtbot):
    from app.widgets.prediction_views import QAView

    view = QAView()
    qtbot.addWidget(view)
    view.show_result({"answers": [{"text": "Paris", "start": 0, "end": 5, "score": 0.072},
                                  {"text": "Rome", "start": 9, "end": 13, "score": 0.05}], "no_answer": False})  # fmt: skip
    assert "confidence 7.2%" in view.answer.text() and "score" not in view.answer.text()
    assert "(5.0%)" in view.alternatives.text()


# -- 7, 8. the Playground follows runs that disappear or finish ---------------------------------------
def test_the_playground_unloads_a_model_whose_run_is_deleted(window, qtbot, trained_runs, monkeypatch):
    run = Path(shutil.copytree(trained_runs["ner"], default_runs_dir() / "to-delete"))
    play, runs = window.playground_page, window.runs_page
    play.load_model_path(str(run))
    qtbot.waitUntil(lambda: play.predictor is not None and not play.is_loading(), timeout=120_000)
    assert play.file_button.isEnabled()
    runs.refresh_now()
    assert runs.select_run(str(run))
    monkeypatch.setattr(runs, "confirm_delete", lambda chosen: True)
    runs.delete_button.click()
    assert not run.exists()
    assert play.predictor is None and play.model_path == "" and not play.file_button.isEnabled()
    assert "to-delete is gone" in play.status.text() and play.model_box.currentIndex() == -1


def test_the_train_page_forgets_a_run_deleted_on_the_runs_page(window, qtbot, trained_runs, monkeypatch):
    run = Path(shutil.copytree(trained_runs["ner"], default_runs_dir() / "shown-then-deleted"))
    train, runs = window.train_page, window.runs_page
    with qtbot.waitSignal(train.run_ended, timeout=20_000):
        assert train.attach(run)
    assert not train.playground_button.isHidden() and "shown-then-deleted" in train.run_line.text()
    runs.refresh_now()
    assert runs.select_run(str(run))
    monkeypatch.setattr(runs, "confirm_delete", lambda chosen: True)
    runs.delete_button.click()
    assert train.run_dir is None and train.playground_button.isHidden() and not train.resume_button.isEnabled()
    assert train.run_line.isHidden() and "shown-then-deleted was deleted" in train.banner.text()


def test_the_playground_shown_first_answers_with_the_newest_run_from_before(window, qtbot, trained_runs):
    play = window.playground_page
    run = Path(shutil.copytree(trained_runs["ner"], default_runs_dir() / "from-yesterday"))
    assert play.model_path == "" and play.predictor is None
    window.show_page("Playground")
    qtbot.waitUntil(lambda: play.predictor is not None and not play.is_loading(), timeout=120_000)
    assert Path(play.model_path).resolve() in (run.resolve(), *run.resolve().glob("*"))
    assert play.model_box.currentText().startswith("tiny ner (")  # the run as named in its run.json
    with qtbot.waitSignal(play.predicted, timeout=30_000):
        play.set_text("John visited Paris")


def test_a_run_that_finishes_is_loaded_when_the_playground_is_next_shown(window, qtbot, trained_runs):
    play, train = window.playground_page, window.train_page
    first = Path(shutil.copytree(trained_runs["ner"], default_runs_dir() / "first"))
    play.load_model_path(str(first))
    qtbot.waitUntil(lambda: play.predictor is not None and not play.is_loading(), timeout=120_000)
    second = Path(shutil.copytree(first, default_runs_dir() / "second"))
    window.show_page("Playground")
    with qtbot.waitSignal(play.predicted, timeout=30_000):
        play.set_text("John visited Paris")
    window.show_page("Train")
    with qtbot.waitSignal(train.run_ended, timeout=20_000) as ended:
        assert train.attach(second)  # a run of this window finishes
    assert ended.args == [str(second), "finished"]
    assert not train.playground_button.isHidden() and "try it on the Playground" in train.banner.text()
    assert play.model_path == str(first)  # not swapped while the user is elsewhere...
    with qtbot.waitSignal(play.predicted, timeout=120_000):
        window.show_page("Playground")  # ...but loaded when they come to try it, and it answers what they typed
    assert play.model_path == str(second) and play.view.inputs()[0] == "John visited Paris"
    window.show_page("Train")
    with qtbot.waitSignal(train.playground_requested) as asked:
        train.playground_button.click()  # the button beside Start goes there too
    assert asked.args == [str(second)] and window.current_page() == "Playground"


# -- 9. the project is there again when the window reopens ------------------------------------------
def _reopen(qtbot):
    from app.main_window import MainWindow

    again = MainWindow(probe_devices=False)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: not again.data_page.is_busy(), timeout=20_000)
    again.runs_page._timer.stop()
    return again


def test_the_project_is_kept_between_sessions(window, tiny_project, qtbot):
    from app.settings import SAMPLE_DATA

    window.train_page.max_steps_spin.setValue(7)
    window.close()
    again = _reopen(qtbot)
    assert again.project.state.train_file == str(tiny_project) and again.project.spec == TINY
    assert again.project.state.val_fraction == 0.25 and again.train_page.max_steps_spin.value() == 7
    assert again.model_page.fields["hidden_size"].value() == TINY.hidden_size
    assert again.project.state.train_file != str(SAMPLE_DATA)


def test_an_unreadable_saved_project_opens_the_sample_with_a_note(window, qtbot):
    from app.main_window import AUTOSAVE_KEY
    from app.settings import SAMPLE_DATA, settings

    assert window.project.state.train_file == str(SAMPLE_DATA)  # a first start (each test has its own home)
    window.close()
    settings().setValue(AUTOSAVE_KEY, '{"state": {"spec": "not a spec"}}')
    again = _reopen(qtbot)
    assert again.project.state.train_file == str(SAMPLE_DATA)
    assert again.statusBar().currentMessage().startswith("The sample project is open: the project saved when")


# -- 10. max length within the model's positions ----------------------------------------------------
def test_max_length_stops_at_the_models_positions(window, tmp_path):
    train = window.train_page
    window.project.set_spec(TINY)  # 64 positions, new weights
    assert train.length_spin.maximum() == 64 and train.length_note.isHidden()
    train.length_spin.setValue(192)
    assert train.length_spin.value() == 64 == window.project.run_config().max_length
    window.project.update_training(max_length=192)  # e.g. settings kept from a bigger model
    assert train.length_spin.value() == 64 and window.project.state.training["max_length"] == 64
    assert train.length_note.text().startswith("Lowered to 64: the model has 64 positions")
    assert not train.length_note.isHidden()
    train.length_spin.setValue(48)
    assert train.length_note.isHidden()
    window.project.set_spec(TINY, init=str(tmp_path))  # a model to start from: the box stays, the note says
    train.length_spin.setValue(192)
    assert train.length_note.text() == "The model has 64 positions: the run will use 64."


def test_a_run_takes_only_its_own_tasks_settings(window):
    window.data_page.choose_task("pretrain", clear_file=True)
    window.train_page.task_options.widgets["pretrain"]["max_ngram"].setValue(2)
    assert window.project.run_config().options.get("max_ngram") == 2
    window.data_page.choose_task("qa", clear_file=True)  # the pre-training settings stay behind
    assert "max_ngram" not in window.project.run_config().options


def test_a_resumes_curve_is_drawn_from_the_latest_read_only(window):
    page = window.train_page
    step = {"event": "step", "step": 3, "loss": 0.5, "epoch": 0.1, "lr": 1e-3, "samples_per_s": 10.0}
    page._history_pending, page._history_request = [], 2
    page._on_history_read(((1, "run"), [step]))  # the read of an earlier resume: not this one's
    assert page.plots.loss.n == 0 and page._history_pending == []
    page._on_history_read(((2, "run"), [step]))
    assert page.plots.loss.n == 1 and page._history_pending is None
