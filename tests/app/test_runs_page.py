"""The Runs page: history from disk, sorting and filters, compare, rename, delete, open folder,
export and "copy code"."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from albert_core.events import read_events
from albert_core.runs import default_runs_dir, load_config


@pytest.fixture
def runs(window, trained_runs) -> dict[str, Path]:
    """The tiny qa, ner and pretrain runs copied into the window's runs folder."""
    root = default_runs_dir()
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for task, run in trained_runs.items():
        out[task] = Path(shutil.copytree(run, root / f"2026-01-0{len(out) + 1}-{task}"))
    window.runs_page.refresh_now()
    return out


def test_history_sorts_and_filters(window, runs):
    page = window.runs_page
    assert {r.task for r in page.visible_runs()} == {"qa", "ner", "pretrain"}
    assert all(r.status == "finished" for r in page.visible_runs())
    page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [r.name for r in page.visible_runs()] == ["tiny ner", "tiny pretrain", "tiny qa"]
    page.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert [r.name for r in page.visible_runs()] == ["tiny qa", "tiny pretrain", "tiny ner"]
    page.task_filter.setCurrentIndex(page.task_filter.findData("ner"))
    assert [r.task for r in page.visible_runs()] == ["ner"] and page.count_label.text() == "1 of 3 runs"
    page.task_filter.setCurrentIndex(0)
    page.status_filter.setCurrentIndex(page.status_filter.findData("failed"))
    assert page.visible_runs() == []
    page.status_filter.setCurrentIndex(page.status_filter.findData("finished"))
    assert len(page.visible_runs()) == 3


def test_metric_column_shows_every_task_in_percent(window, runs):
    # QA's F1 comes in percent, NER's F1 and the MLM accuracy as fractions: the column reads alike
    def final(task, key):
        return next(e for e in read_events(runs[task] / "events.jsonl") if e["event"] == "finished")["metrics"][key]

    table = window.runs_page.table.model()
    shown = {table.index(row, 2).data(): table.index(row, 5).data() for row in range(table.rowCount())}
    assert shown["QA"] == f"F1 {final('qa', 'f1'):.2f}%"
    assert shown["NER"] == f"F1 {100 * final('ner', 'f1'):.2f}%"
    assert shown["pre-training"] == f"MLM accuracy {100 * final('pretrain', 'mlm_accuracy'):.2f}%"


def test_compare_overlays_curves_and_lists_differing_settings(window, qtbot, runs):
    page = window.runs_page
    assert page.select_runs([str(runs["qa"]), str(runs["ner"])])
    assert page.compare_button.isEnabled() and not page.rename_button.isEnabled()
    with qtbot.waitSignal(page.compared, timeout=10_000) as got:
        page.compare_button.click()
    curves = got.args[0]
    assert page.views.currentWidget() is page.compare_view
    assert page.title.text() == "2 runs selected, compared below."  # no longer "press Compare"
    assert page.compare_view.curve_counts() == [len(c.steps) for c in curves] and all(c.steps for c in curves)
    assert sorted(c.metric_name for c in curves) == ["f1", "f1"]
    diff = page.compare_view.differences()
    by_task = {c.task: i for i, c in enumerate(curves)}
    assert diff["task"][by_task["qa"]] == "qa" and diff["task"][by_task["ner"]] == "ner"
    assert "train_file" in diff and "name" not in diff and "lr" not in diff and "spec.hidden_size" not in diff
    # nothing set, empty or None say the same; the vocabulary is the one each model has
    from app.widgets.compare_view import differing_settings, read_run_curves

    assert differing_settings([{"options": {}, "eval_file": ""}, {"options": None}]) == {}
    assert differing_settings([{"options": {"a": 1}}, {}]) == {"options.a": [1, None]}
    model_config = json.loads((runs["pretrain"] / "model" / "config.json").read_text())
    assert read_run_curves(str(runs["pretrain"])).config["spec"]["vocab_size"] == model_config["vocab_size"]


def test_rename_writes_run_json_atomically(window, runs, monkeypatch, qtbot):
    page, play = window.runs_page, window.playground_page
    play.load_model_path(str(runs["ner"]))  # tried in the Playground: its status names it as the lists do
    qtbot.waitUntil(lambda: play.predictor is not None and not play.is_loading(), timeout=60_000)
    assert page.select_run(str(runs["ner"]))
    monkeypatch.setattr(page, "ask_name", lambda current: "people and places")
    page.rename_button.click()
    assert play.status.text().startswith("people and places: NER model loaded")
    assert load_config(runs["ner"]).name == "people and places"
    assert json.loads((runs["ner"] / "run.json").read_text())["task"] == "ner"
    assert "people and places" in [r.name for r in page.visible_runs()]
    assert not list(runs["ner"].glob(".run.json.*"))  # no temporary file left behind


def test_delete_asks_first(window, runs, monkeypatch):
    page = window.runs_page
    asked = []

    def answer(*args, **kwargs):
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel if len(asked) == 1 else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    assert page.select_run(str(runs["pretrain"]))
    page.delete_button.click()
    assert runs["pretrain"].exists() and "tiny pretrain" in asked[0]
    page.delete_button.click()
    assert not runs["pretrain"].exists()
    assert {r.task for r in page.visible_runs()} == {"qa", "ner"}


def test_open_folder_uses_the_desktop(window, runs, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    window.runs_page.select_run(str(runs["qa"]))
    window.runs_page.folder_button.click()
    assert opened == [str(runs["qa"])]


def test_export_and_copy_code(window, qtbot, runs, tmp_path):
    page = window.runs_page
    assert page.select_run(str(runs["ner"]))
    code = page.copy_code()
    assert 'pipeline("token-classification"' in code and QGuiApplication.clipboard().text() == code

    with qtbot.waitSignal(page.exported, timeout=60_000) as got:
        assert page.export_selected("hf", str(tmp_path / "hf"))
    assert (tmp_path / "hf" / "config.json").exists() and (tmp_path / "hf" / "model.safetensors").exists()
    assert got.args[0].path == str(tmp_path / "hf") and "Exported to" in page.note.text()

    with qtbot.waitSignal(page.exported, timeout=120_000) as got:
        assert page.export_selected("onnx", str(tmp_path / "onnx"))
    result = got.args[0]
    assert not isinstance(result, BaseException), result
    assert (tmp_path / "onnx" / "model.onnx").exists() and result.max_abs_diff is not None
    assert "Largest difference" in page.note.text()
    assert result.metric_change is not None, page.note.text()  # NER's F1 is a fraction: in percent, as everywhere
    assert f"F1 {100 * result.metric_pytorch:.2f}% on the validation set in PyTorch" in page.note.text()

    with qtbot.waitSignal(page.exported, timeout=30_000) as got:  # a folder that is already there
        page.export_selected("hf", str(tmp_path / "hf"))
    assert isinstance(got.args[0], Exception)
    assert page.note.text().startswith("Export failed") and "already exists" in page.note.text()

    page.select_run(str(runs["pretrain"]))
    assert page.export_actions["hf"].isEnabled() and not page.export_actions["onnx"].isEnabled()
    assert page.play_button.isEnabled()  # a pre-trained model fills in [MASK] in the playground


def test_a_classifiers_scores_by_label_and_confusion_show_beside_its_curves(window, qtbot, tmp_path):
    from albert_core.events import Eval, EventWriter, Finished, Started, Step
    from albert_core.runs import RunConfig, create_run

    def run(name, labels, confusion, task="classification"):
        run_dir = create_run(RunConfig(train_file="x.csv", name=name), default_runs_dir() / name)
        w = EventWriter(run_dir / "events.jsonl", echo=None)
        w(Started(task, "cpu", "fp32", 1000, 4, 10, 2, config={"labels": labels}))
        w(Step(4, 1.0, 0.5, 1e-3, 1.0, 10.0, 100.0, 4.0, 1000))
        metrics = {"loss": 0.4, "accuracy": 0.8, **confusion}
        w(Eval(4, metrics))
        w(Finished(4, metrics, str(run_dir / "model"), 1.0))
        w.close()
        return run_dir

    three = run("three", ["cat", "dog", "eel"], {"confusion": [[8, 2, 0], [1, 9, 0], [5, 0, 0]]})
    many = run(
        "many", [f"l{i}" for i in range(25)], {"confusion": [[int(i == j) for j in range(25)] for i in range(25)]}
    )
    ner = run("ner", None, {"f1_PER": 0.9, "f1_LOC": 0.25}, task="ner")
    page = window.runs_page
    page.refresh_now()
    panel = page.label_scores

    assert page.select_run(str(three))
    qtbot.waitUntil(lambda: bool(panel.rows) and panel.rows[0]["label"] == "cat", timeout=10_000)
    assert not panel.isHidden()
    cells = [[panel.scores.item(r, c).text() for c in range(4)] for r in range(3)]
    assert cells[0] == ["57.1%", "80.0%", "66.7%", "10"]  # cat: 8 of 14 predicted, 8 of 10 true
    assert cells[2] == ["0.0%", "0.0%", "0.0%", "5"]
    assert "Weakest: <b>eel</b>" in panel.title.text()
    assert panel.matrix.item(2, 0).text() == "5" and "true eel, predicted cat: 5 (100.0% of eel)" in (
        panel.matrix.item(2, 0).toolTip()
    )

    assert page.select_run(str(many))
    qtbot.waitUntil(lambda: len(panel.rows) == 25, timeout=10_000)
    assert panel.matrix.isHidden() and "save it as a CSV file" in panel.matrix_title.text()
    saved = panel.save_matrix(str(tmp_path / "confusion.csv"))  # what the title's link does, once a path is chosen
    with open(saved, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert len(table) == 26 and len(table[0]) == 26 and table[0][0] == "true \\ predicted"
    assert [row[0] for row in table[1:]] == [f"l{i}" for i in range(25)] and table[3][3] == "1" and table[3][4] == "0"

    # several labels per text: each label's scores from its outcomes, and no confusion matrix
    topics = run("topics", ["food", "sport"], {"micro_f1": 0.8, "outcomes": [[8, 2, 0], [3, 0, 3]]})
    page.refresh_now()
    assert page.select_run(str(topics))
    qtbot.waitUntil(lambda: [d["label"] for d in panel.rows] == ["food", "sport"], timeout=10_000)
    assert [panel.scores.item(0, c).text() for c in range(4)] == ["80.0%", "100.0%", "88.9%", "8"]
    assert [panel.scores.item(1, c).text() for c in range(4)] == ["100.0%", "50.0%", "66.7%", "6"]
    assert panel.matrix.isHidden() and "no confusion matrix" in panel.matrix_title.text()
    assert panel.scores.columnCount() == 4  # no thresholds in the metrics: none shown
    # each label's tuned threshold, in a column of its own
    tuned = run(
        "tuned", ["food", "sport"], {"micro_f1": 0.8, "outcomes": [[8, 2, 0], [3, 0, 3]], "thresholds": [0.31, 0.5]}
    )
    page.refresh_now()
    assert page.select_run(str(tuned))
    qtbot.waitUntil(lambda: panel.scores.columnCount() == 5, timeout=10_000)
    assert [panel.scores.item(r, 4).text() for r in range(2)] == ["0.31", "0.50"]
    assert "its own threshold, tuned for F1" in panel.matrix_title.text()

    assert page.select_run(str(ner))
    qtbot.waitUntil(lambda: [d["label"] for d in panel.rows] == ["LOC", "PER"], timeout=10_000)
    assert panel.scores.item(0, 0).text() == "25.0%" and "Weakest: <b>LOC</b>" in panel.title.text()

    # keep_best: the panel shows the kept model's scores (the finished event's), not the last evaluation's
    kept_dir = create_run(RunConfig(train_file="x.csv", name="kept"), default_runs_dir() / "kept")
    w = EventWriter(kept_dir / "events.jsonl", echo=None)
    w(Started("classification", "cpu", "fp32", 1000, 4, 10, 2, config={"labels": ["a", "b"]}))
    w(Eval(2, {"loss": 0.3, "accuracy": 0.9, "confusion": [[9, 1], [1, 9]]}))
    w(Eval(4, {"loss": 0.5, "accuracy": 0.6, "confusion": [[6, 4], [4, 6]]}))
    w(Finished(4, {"loss": 0.3, "accuracy": 0.9, "confusion": [[9, 1], [1, 9]]}, str(kept_dir / "model"), 1.0,
               best_step=2))  # fmt: skip
    w.close()
    page.refresh_now()
    assert page.select_run(str(kept_dir))
    qtbot.waitUntil(lambda: [d["label"] for d in panel.rows] == ["a", "b"], timeout=10_000)
    assert panel.scores.item(0, 1).text() == "90.0%" and "at step 2" in panel.title.text()
    qtbot.waitUntil(lambda: page.plots.kept_step == 2, timeout=10_000)  # a dashed line marks the kept step
    assert [line.value() for _, line in page.plots._kept_lines] == [2, 2]

    qa = run("qa", None, {"exact": 50.0, "f1": 60.0}, task="qa")  # nothing by label: no panel
    page.refresh_now()
    assert page.select_run(str(qa))
    qtbot.waitUntil(lambda: page.plots.loss.n == 1 and not panel.rows, timeout=10_000)
    assert panel.isHidden() and page.plots.kept_step == 0 and not page.plots._kept_lines


def _quick_run(name: str, started_at: float, folder: str = "", steps: int = 30) -> Path:
    """A finished classification run made in a moment, its first event at `started_at`."""
    from albert_core.events import Eval, EventWriter, Finished, Log, Started, Step
    from albert_core.runs import RunConfig, create_run

    run_dir = create_run(RunConfig(train_file="x.csv", name=name), default_runs_dir() / (folder or name))
    w = EventWriter(run_dir / "events.jsonl", echo=None)
    w(Log("training a tokenizer", time=started_at))
    w(Started("classification", "cpu", "fp32", 1000, steps, 10, 2, time=started_at + 1))
    for s in range(1, steps + 1):
        w(Step(s, 1.0, 1.0 / s, 1e-3, 1.0, 10.0, 100.0, 4.0, 1000))
    w(Eval(steps // 2, {"loss": 0.5, "accuracy": 0.7}))
    w(Eval(steps, {"loss": 0.3, "accuracy": 0.8}))
    w(Finished(steps, {"loss": 0.3, "accuracy": 0.8}, str(run_dir / "model"), 1.0))
    w.close()
    return run_dir


def test_renaming_a_run_keeps_its_start_time_and_its_place(window, monkeypatch):
    page = window.runs_page
    old = _quick_run("older", 1_700_000_000.0)
    new = _quick_run("newer", 1_700_086_400.0)
    page.refresh_now()

    def shown():
        return [(r.name, page.model.data(page.model.index(page.model.runs.index(r), 3))) for r in page.visible_runs()]

    before = shown()
    assert [name for name, _ in before] == ["newer", "older"]  # the newest first
    assert page.select_run(str(old))
    monkeypatch.setattr(page, "ask_name", lambda current: "older, renamed")
    page.rename_button.click()
    assert shown() == [("newer", before[0][1]), ("older, renamed", before[1][1])]  # same "Started", same place
    # what other pages take for "the newest run" (the shared cache, read again from the start)
    from app.run_summaries import SummaryCache

    assert max(SummaryCache().list_runs(default_runs_dir()), key=lambda r: r.created).path == new


def test_a_damaged_run_is_shown_with_its_reason_and_can_only_be_deleted(window, monkeypatch):
    page = window.runs_page
    good = _quick_run("good", 1_700_000_000.0)
    damaged = default_runs_dir() / "2026-01-05T10-00-00-broken"
    (damaged / "model").mkdir(parents=True)
    (damaged / "model" / "config.json").write_text("{}")  # a model/ folder: still not offered to try
    (damaged / "run.json").write_text("{not json", encoding="utf-8")
    emitted = []
    page.runs_changed.connect(emitted.append)
    page.refresh_now()

    listed = {r.path: r for r in page.visible_runs()}
    assert set(listed) == {good, damaged} and listed[damaged].status == "damaged"
    assert emitted and all(r.path != damaged for r in emitted[-1])  # the Playground never lists it
    page.status_filter.setCurrentIndex(page.status_filter.findData("damaged"))
    assert [r.path for r in page.visible_runs()] == [damaged]
    page.status_filter.setCurrentIndex(0)

    assert page.select_run(str(damaged))
    assert "damaged" in page.title.text() and "run.json is damaged" in page.title.text()
    assert page.delete_button.isEnabled() and page.folder_button.isEnabled()
    for button in (page.play_button, page.resume_button, page.rename_button, page.export_button, page.code_button):
        assert not button.isEnabled(), button.text()
    assert page.select_runs([str(good), str(damaged)]) and not page.compare_button.isEnabled()

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert page.select_run(str(damaged))
    page.delete_button.click()
    assert not damaged.exists() and [r.path for r in page.visible_runs()] == [good]
    assert page.note.text() == "Deleted 1 run."  # the note of what was just done stays


def test_the_note_clears_when_another_run_is_selected(window, monkeypatch):
    page = window.runs_page
    a, b = _quick_run("a", 1_700_000_000.0), _quick_run("b", 1_700_000_100.0)
    page.refresh_now()
    assert page.select_run(str(a))
    monkeypatch.setattr(page, "ask_name", lambda current: "a2")
    page.rename_button.click()
    assert page.note.text() == "Renamed to a2."
    assert "<b>a2</b>" in page.title.text()  # the title above the curves follows
    monkeypatch.setattr(page, "ask_name", lambda current: "x <b>y</b> & z")
    page.rename_button.click()
    assert page.note.text() == "Renamed to x <b>y</b> & z." and page.note.textFormat() == Qt.TextFormat.PlainText
    assert "x &lt;b&gt;y&lt;/b&gt; &amp; z" in page.title.text()
    monkeypatch.setattr(page, "ask_name", lambda current: "")
    page.rename_button.click()
    assert page.note.text() == f"Name cleared: the run is shown as its folder, {a.name}."
    page._show_note("Export failed: a pretrain model has no ONNX export", error=True)
    assert page.select_run(str(b))
    assert page.note.text() == ""
    assert page.note.styleSheet() == ""


def test_comparing_long_named_runs_keeps_the_window_on_the_screen(window, qtbot):
    from app.widgets.compare_view import HEADER_CHARS, short_name

    page = window.runs_page
    names = [f"2026-11-27T07-0{i}-59-train-sentiment-reviews-from-pretrained-base-model-{i}" for i in range(4)]
    paths = [str(_quick_run(n, 1_700_000_000.0 + i)) for i, n in enumerate(names)]
    page.refresh_now()
    window.show_page("Runs")
    assert page.select_runs(paths)
    with qtbot.waitSignal(page.compared, timeout=10_000):
        page.compare_button.click()
    view = page.compare_view
    assert page.minimumSizeHint().width() < 1000 and view.minimumSizeHint().width() < 600
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() <= 1280, timeout=2000)
    # each name whole where it is shortened: in the tooltips
    assert all(n in view.title.toolTip() for n in names)
    heads = [view.table.horizontalHeaderItem(c) for c in range(4)]
    assert [h.text() for h in heads] == [short_name(view.runs[c].name, HEADER_CHARS) for c in range(4)]
    assert all(h.toolTip().startswith(view.runs[c].name) for c, h in enumerate(heads))
    _assert_legends_off_the_data(view.loss_panel, view.eval_panel, view.metric_panel)


def _assert_legends_off_the_data(*panels) -> None:
    """Each panel's legend lies outside its data area, and within the panel (none cut off)."""
    for panel in panels:
        legend, view = panel.legend, panel.getPlotItem().getViewBox()
        if not legend.items or not panel.isVisible():
            continue
        box, data = legend.sceneBoundingRect(), view.sceneBoundingRect()
        assert not box.intersects(data), (panel, box, data)
        assert box.left() >= 0 and box.right() <= panel.viewport().width() + 2, (panel, box, panel.viewport().width())
        assert data.right() <= panel.viewport().width() + 2  # the plot is not wider than its widget


def _assert_edge_points_show(panel, last_step: float) -> None:
    """The last point lies inside the x range with room for its marker (a few pixels)."""
    view = panel.getPlotItem().getViewBox()
    lo, hi = view.viewRange()[0]
    pixels_per_step = view.width() / (hi - lo)
    assert (hi - last_step) * pixels_per_step >= 4, (panel, hi, last_step)


def test_plot_legends_sit_above_the_data_and_edge_points_show(window, qtbot):
    page = window.runs_page
    run = _quick_run("legends", 1_700_000_000.0)
    page.refresh_now()
    window.show_page("Runs")
    assert page.select_run(str(run))
    qtbot.waitUntil(lambda: page.plots.loss.n == 30 and "accuracy" in page.plots.metrics, timeout=10_000)
    qtbot.wait(50)
    plots = page.plots
    assert [label.text for _, label in plots.metric_panel.legend.items] == ["accuracy"]
    _assert_legends_off_the_data(*plots.panels())
    for panel in (plots.loss_panel, plots.metric_panel):
        _assert_edge_points_show(panel, 30)

    # the Train page's plots: the x axis fixed to the run's steps, as while it trains
    from app.widgets.loss_plot import LivePlots

    live = LivePlots()
    qtbot.addWidget(live)
    live.resize(700, 500)
    live.show()
    live.set_step_range(1, 30)
    live.add_events(list(read_events(run / "events.jsonl")))
    qtbot.wait(50)
    _assert_legends_off_the_data(*live.panels())
    for panel in (live.loss_panel, live.metric_panel, live.speed_panel):
        _assert_edge_points_show(panel, 30)
    live.stop_timer()


def test_a_resumed_or_restarted_run_draws_only_the_steps_it_kept(window, qtbot):
    """A log keeps the steps a resume trains again (and all of them after a start from step 0):
    the curves show each step once, as the last attempt trained it."""
    from albert_core.events import Eval, EventWriter, Started, Step
    from albert_core.runs import RunConfig, create_run

    def step(s, loss):
        return Step(s, s / 10, loss, 1e-3, 1.0, 10.0, 100.0, float(s), 20)

    run_dir = create_run(RunConfig(train_file="x.csv", name="twice"), default_runs_dir() / "twice")
    w = EventWriter(run_dir / "events.jsonl", echo=None)
    w(Started("classification", "cpu", "fp32", 1000, 20, 10, 2))
    for s in range(1, 10):
        w(step(s, 9.0))  # the first attempt, stopped at step 9 with a checkpoint at step 5
    w(Eval(5, {"loss": 9.0, "accuracy": 0.1}))
    w(Eval(8, {"loss": 9.0, "accuracy": 0.1}))
    w(Started("classification", "cpu", "fp32", 1000, 20, 10, 2, start_step=5))
    for s in range(6, 13):
        w(step(s, 1.0))
    w(Eval(10, {"loss": 1.0, "accuracy": 0.9}))
    w.close()
    page = window.runs_page
    page.refresh_now()
    assert page.select_run(str(run_dir))
    plots = page.plots
    qtbot.waitUntil(lambda: plots.loss.n > 0, timeout=10_000)
    assert list(plots.loss.x) == list(range(1, 13))
    assert list(plots.loss.y) == [9.0] * 5 + [1.0] * 7
    assert list(plots.eval_loss.x) == [5.0, 10.0] and list(plots.metrics["accuracy"].x) == [5.0, 10.0]
    assert plots.loss.y_max == 9.0 and plots.eval_loss.y_min == 1.0
    assert len(plots.smooth.x) == 12 and list(plots.smooth.x) == sorted(plots.smooth.x)
    # the score listed is the last attempt's; one at the resumed step (5) would have stood until step 10
    from albert_core.runs import LogFold

    fold = LogFold("accuracy")
    for ev in read_events(run_dir / "events.jsonl"):
        fold.apply(ev)
        if ev["event"] == "started" and ev["start_step"] == 5:
            assert fold.metric == 0.1 and fold.scores == [(5, 0.1)]  # step 8's was trained again; step 5's stands
    assert fold.metric == 0.9

    # started again from step 0 (no checkpoint): nothing of the earlier attempts is drawn
    w = EventWriter(run_dir / "events.jsonl", echo=None)
    w(Started("classification", "cpu", "fp32", 1000, 20, 10, 2))
    w(step(1, 0.5))
    w(step(2, 0.4))
    w.close()
    from app.pages.runs_page import _read_curves

    page._on_curves_read(_read_curves(str(run_dir)))  # what selecting the run again shows
    assert list(plots.loss.x) == [1.0, 2.0] and list(plots.loss.y) == [0.5, 0.4] and plots.eval_loss.n == 0
    # nor is the score of an evaluation it trained again, in the list or by label
    from albert_core.runs import summarize
    from app.run_summaries import SummaryCache

    assert summarize(run_dir).metric is None and SummaryCache().summarize(run_dir).metric is None
    page.refresh_now()
    assert next(r for r in page.visible_runs() if r.path == run_dir).metric is None
    assert page.label_scores.isHidden()
    assert plots.smooth.y[0] == 0.5  # the smoothing starts again at the first loss

    from app.widgets.compare_view import read_run_curves

    curves = read_run_curves(str(run_dir))
    assert curves.steps == [1.0, 2.0] and curves.eval_steps == []


def test_a_long_runs_curve_is_thinned_to_what_a_plot_shows():
    from app.widgets.loss_plot import MOST_STEPS_READ, thin_steps

    events = [{"event": "started", "start_step": 0}]
    events += [{"event": "step", "step": s, "loss": 1.0} for s in range(1, 50_001)]
    events += [{"event": "eval", "step": s, "metrics": {"loss": 1.0}} for s in range(1000, 50_001, 1000)]
    thin = thin_steps(events)
    steps = [e["step"] for e in thin if e["event"] == "step"]
    assert len(steps) <= MOST_STEPS_READ + 1 and steps[-1] == 50_000 and steps == sorted(steps)
    assert sum(e["event"] == "eval" for e in thin) == 50 and thin[0]["event"] == "started"
    assert thin_steps(events[:100]) == events[:100]  # a short run is drawn whole


def test_a_first_launch_says_how_to_make_a_run(window):
    from app.pages.runs_page import NO_RUNS_YET

    page = window.runs_page
    page.refresh_now()
    assert not page.visible_runs() and page.title.text() == NO_RUNS_YET  # a window with no runs yet
    _quick_run("first", 1_700_000_000.0)
    page.refresh_now()
    assert page.title.text() != NO_RUNS_YET and "Select a run" in page.title.text()


def test_the_list_keeps_the_height_it_was_dragged_to(window, qtbot):
    from app.pages.runs_page import RunsPage

    page = window.runs_page
    window.show_page("Runs")
    sizes = page.split.sizes()
    page.split.setSizes([sizes[0] + 120, sizes[1] - 120])
    page.split.splitterMoved.emit(sizes[0] + 120, 1)  # as a drag says it
    again = RunsPage()
    qtbot.addWidget(again)
    again._timer.stop()
    assert again.split.saveState() == page.split.saveState()


def test_labels_tied_for_weakest_are_all_named_and_none_when_all_alike(qtbot):
    from app.widgets.label_scores import LabelScores

    panel = LabelScores()
    qtbot.addWidget(panel)
    panel.show_confusion(["cat", "dog", "eel"], [[5, 0, 0], [5, 0, 0], [5, 0, 0]], "on a file")
    assert "Weakest: <b>dog</b> and <b>eel</b> (F1 0.0%)" in panel.title.text()
    panel.show_confusion(["cat", "dog"], [[5, 0], [0, 5]], "on a file")  # both perfect: none is weakest
    assert "Weakest" not in panel.title.text()
