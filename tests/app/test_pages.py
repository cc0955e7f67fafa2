"""Every page builds; the Model page's numbers equal albert_core's; the Data page shows problems."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from albert_core.param_count import count, count_bert, savings
from albert_core.spec import PRESETS
from app.main_window import PAGES
from app.platform_check import PACKAGES, platform_problem


def test_every_page_builds_and_opens_on_the_sample(window, qtbot):
    for name in PAGES:
        window.show_page(name)
        assert window.stack.currentWidget() is window.pages[name]
    assert window.project.state.preset == "tiny"
    assert Path(window.project.state.train_file).name == "sentiment.csv"
    preview = window.data_page.preview
    assert preview is not None and preview.usable > 100 and not preview.fatal
    assert set(preview.label_counts) == {"positive", "negative"}


def test_spec_edit_updates_breakdown_with_albert_core_numbers(window, qtbot):
    page = window.model_page
    page.set_field("hidden_size", 256)
    page.set_field("num_hidden_layers", 6)
    spec = window.project.spec
    assert spec.hidden_size == 256 and spec.num_hidden_layers == 6
    assert window.project.state.preset == ""  # no longer the preset
    a, b = count(spec, "classification", 2), count_bert(spec, "classification", 2)
    albert, bert = page.chart.values()
    assert albert == [a.embedding, a.encoder, a.head, a.total]
    assert bert == [b.embedding, b.encoder, b.head, b.total]
    s = savings(spec, "classification", 2)
    text = page.summary.text()
    assert f"{a.total:,}" in text
    assert "factorized embedding" in text and "sharing" in text
    assert s.layer_sharing > 0
    # a vocabulary trained on the data has at most V pieces: the count is the most, and it says so
    assert f"V = {spec.vocab_size:,} is the most pieces the vocabulary trained on the data may have" in text


def test_preset_choice_fills_every_field(window):
    page = window.model_page
    page.preset_box.setCurrentText("base")
    assert window.project.spec == PRESETS["base"].spec
    assert page.fields["hidden_size"].value() == 768
    assert "GiB" in page.memory_label.text() or "MiB" in page.memory_label.text()


def test_the_memory_estimate_is_for_the_batch_the_next_run_trains_with(window):
    from albert_core.param_count import human, memory_estimate
    from app.workers import DeviceInfo

    model, train = window.model_page, window.train_page
    assert (model.batch_spin.value(), model.length_spin.value()) == (16, 64)  # the sample project's settings
    assert model.precision_box.currentText() == "auto" and "auto: fp32 on this machine" in model.memory_label.text()
    train.batch_spin.setValue(48)
    assert model.batch_spin.value() == 48
    model.length_spin.setValue(128)  # set here: the Train page and the next run take it
    assert train.length_spin.value() == 128 == window.project.run_config().max_length
    model.precision_box.setCurrentText("bf16")
    assert train.precision_box.currentText() == "bf16" == window.project.run_config().precision
    model.precision_box.setCurrentText("auto")
    # a project opened: its settings shown here too, and one changed here leaves the others as loaded
    saved = window.project.to_dict()
    saved["training"] = {**saved["training"], "batch_size": 100, "max_length": 32, "precision": "fp16"}
    window.project.restore(saved)
    assert (model.batch_spin.value(), model.length_spin.value(), model.precision_box.currentText()) == (100, 32, "fp16")
    model.batch_spin.setValue(48)
    assert window.project.run_config().max_length == 32 and window.project.run_config().precision == "fp16"
    model.length_spin.setValue(128)
    model.precision_box.setCurrentText("auto")
    model.set_devices(DeviceInfo([{"index": 0, "name": "GPU", "memory": 80 << 30, "bf16": True}]))
    spec = window.project.spec
    m = memory_estimate(spec, 48, 128, "bf16", "classification", 2)
    assert f"About <b>{human(m.total, 'B')}</b> (auto: bf16 on this machine)" in model.memory_label.text()


def test_learning_rate_follows_the_model_and_the_user(window):
    train = window.train_page
    assert train.lr_spin.value() == 2e-3  # the sample project's own rate stays as saved
    assert train.lr_hint.text() == "Use the suggested 0.001" and train.lr_hint.isEnabled()
    window.model_page.preset_box.setCurrentText("medium")  # a wider model: a smaller rate
    assert train.lr_spin.value() == 1e-4 == window.project.run_config().lr
    assert "Learning rate set to 0.0001, suggested for new weights of width 512" in train.summary.text()
    assert not train.lr_hint.isEnabled() and train.lr_hint.text() == "0.0001 is the suggested rate"
    train.lr_spin.setValue(3e-4)  # the user's choice wins, and the note goes
    assert window.project.run_config().lr == 3e-4 and "Learning rate set" not in train.summary.text()
    train.lr_hint.click()
    assert train.lr_spin.value() == 1e-4


def test_batch_workers_reach_the_run(window):
    train = window.train_page
    assert train.workers_spin.text() == "automatic" and window.project.run_config().data_workers == -1
    train.workers_spin.setValue(2)
    assert window.project.run_config().data_workers == 2


def test_invalid_spec_is_flagged_at_the_field(window):
    page = window.model_page
    before = window.project.spec
    page.set_field("num_attention_heads", 5)  # 128 does not divide into 5 heads
    err = page.errors["num_attention_heads"]
    assert not err.isHidden() and "divide" in err.text()
    assert "d62728" in page.fields["num_attention_heads"].styleSheet()
    assert window.project.spec == before  # the project keeps the last valid spec
    page.set_field("num_attention_heads", 4)
    assert err.isHidden() and page.fields["num_attention_heads"].styleSheet() == ""


def test_open_albert_folder_reads_its_config(window, tmp_path):
    import json

    folder = tmp_path / "albert"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps(
            {
                "model_type": "albert",
                "hidden_size": 64,
                "num_attention_heads": 4,
                "intermediate_size": 128,
                "vocab_size": 500,
            }
        )
    )
    assert window.model_page.open_folder(str(folder))
    assert window.project.state.init == str(folder)
    assert window.project.spec.hidden_size == 64
    assert not window.model_page.open_folder(str(tmp_path))  # no config.json
    assert "config.json" in window.model_page.load_error.text()


def test_data_problems_show_file_and_line_and_select_the_row(window, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "text,label\n"
        "a fine film,pos\n"
        "a dull film,neg\n"
        "no label here,\n"
        "too,many,fields,here\n"
        "a lovely film,pos\n"
        "another dull one,neg\n",
        encoding="utf-8",
    )
    page = window.data_page
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.open_file(str(bad))
    texts = page.problems.texts()
    assert any(t.startswith("bad.csv:4:") and "label" in t for t in texts), texts
    assert any(t.startswith("bad.csv:5:") and "fields" in t for t in texts), texts
    row = next(i for i, p in enumerate(page.problems.problems()) if p.line == 4)
    page.problems.select_row(row)
    selected = page.table.selectionModel().selectedRows()
    assert [page.table_model.headerData(i.row(), 2) for i in selected] == ["4"]
    assert page.label_chart.counts == {"neg": 2, "pos": 2}
    assert window.project.state.train_file == str(bad)


def test_many_labels_are_counted_without_overlapping_names(window, qtbot, tmp_path):
    # TREC's layout: each line starts with its label, 50 of them; the file is Windows-1252
    labels = [f"KIND:{i:02d}" for i in range(50)]
    lines = [f"{labels[i % 50]} What is question {i} about caf\xe9s ?" for i in range(1000)]
    trec = tmp_path / "TREC.train"
    trec.write_bytes("\n".join(lines).encode("cp1252"))
    page = window.data_page
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.open_file(str(trec))
    chart = page.label_chart
    assert len(chart.counts) == chart.MAX_BARS and chart.getPlotItem().titleLabel.text.startswith(
        "the 30 most frequent of 50"
    )
    named = chart.getPlotItem().getAxis("bottom")._tickLevels[0]
    for line in (0, 1):  # names on two lines, those of one line their width apart
        assert len([t for t in named if t[1].startswith("\n") == bool(line)]) <= max(
            1, chart.width() // chart.name_width
        )
    assert named
    assert not chart._labels  # no count written over thirty thin bars
    assert page.table_model.data(page.table_model.index(0, 1)) == "What is question 0 about caf\u00e9s ?"
    assert [t.split(": ", 1)[0] for t in page.problems.texts()] == ["TREC.train:1"]  # the encoding, named


def test_six_labels_in_a_narrow_chart_are_all_named_on_two_lines(qtbot):
    from app.widgets.label_chart import LabelChart

    chart = LabelChart()
    qtbot.addWidget(chart)
    chart.resize(285, 160)  # the Data page's side panel at 1024 pixels
    chart.show()
    counts = {"ABBR": 86, "DESC": 1162, "ENTY": 1250, "HUM": 1223, "LOC": 835, "NUM": 896}
    chart.set_counts(counts)
    named = chart.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert [t[1].strip() for t in named] == sorted(counts)  # every bar named, none left out
    assert [t[1].startswith("\n") for t in named] == [False, True] * 3  # every other one a line down
    chart.resize(700, 160)  # room for them side by side: one line
    qtbot.waitUntil(
        lambda: not any(t[1].startswith("\n") for t in chart.getPlotItem().getAxis("bottom")._tickLevels[0])
    )


def test_unreadable_file_is_reported_not_raised(window, qtbot, tmp_path):
    page = window.data_page
    missing = tmp_path / "nope.csv"
    with qtbot.waitSignal(page.preview_ready, timeout=10_000) as blocker:
        page.open_file(str(missing))
    assert blocker.args[0].fatal
    assert "nope.csv" in page.problems.texts()[0]


def test_preview_handles_100k_rows(window, qtbot, tmp_path):
    big = tmp_path / "big.tsv"
    big.write_text("sentence\tlabel\n" + "".join(f"row number {i} is fine\t{i % 3}\n" for i in range(100_000)))
    page = window.data_page
    with qtbot.waitSignal(page.preview_ready, timeout=60_000):
        page.open_file(str(big))
    assert page.table_model.rowCount() == 100_000
    page.table.scrollToBottom()
    assert page.table_model.data(page.table_model.index(99_999, 0)) == "row number 99999 is fine"
    assert page.label_chart.counts == {"0": 33_334, "1": 33_333, "2": 33_333}


def test_settings_remember_page_and_project(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from app.main_window import MainWindow

    # a name typed without its extension is saved with it, so the Open dialog lists it
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "myproj"), ""))
    window._on_save_project()
    assert (tmp_path / "myproj.albert.json").is_file() and not (tmp_path / "myproj").exists()
    project_file = tmp_path / "p.albert.json"
    window.project.save(project_file)
    window.open_project(str(project_file))
    window.show_page("Runs")
    qtbot.keyClicks(window.train_page.name_edit, "my ner")  # typed: kept with the project, as the rest
    window.close()
    again = MainWindow(probe_devices=False)
    qtbot.addWidget(again)
    assert again.current_page() == "Runs"
    assert again.project.path == str(project_file)
    qtbot.waitUntil(lambda: not again.data_page.is_busy(), timeout=20_000)
    assert again.train_page.name_edit.text() == "my ner" and again.project.run_config("my ner").name == "my ner"


def test_the_title_marks_unsaved_changes_and_save_writes_the_projects_own_file(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    assert window.windowTitle() == "Sample project[*] — ALBERT Studio" and not window.isWindowModified()
    window.train_page.max_steps_spin.setValue(7)
    assert window.isWindowModified()
    # the sample has no file: Save asks where
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "mine.albert.json"), ""))
    assert window._on_save_project()
    assert window.windowTitle().startswith("mine.albert.json") and not window.isWindowModified()
    window.train_page.max_steps_spin.setValue(9)
    assert window.isWindowModified()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("Save asked for a name"))
    assert window._on_save_project()  # a project with a file is saved there, without a dialog
    assert json.loads((tmp_path / "mine.albert.json").read_text())["training"]["max_steps"] == 9
    assert not window.isWindowModified()
    assert window.recent_projects() == [str((tmp_path / "mine.albert.json").resolve())]


def test_a_project_opened_is_unchanged_by_what_the_pages_fill_in(window, qtbot, tmp_path):
    from app.project import sample_state

    state = sample_state()
    state.columns = {}  # written by hand: the Data page finds the columns itself
    path = tmp_path / "hand.albert.json"
    path.write_text(json.dumps(dataclasses.asdict(state)))
    assert window.open_project(str(path))
    qtbot.waitUntil(lambda: not window.data_page.is_busy() and not window.project.settling, timeout=20_000)
    assert window.project.state.columns == {"text": "text", "label": "label"} and not window.isWindowModified()
    window.train_page.max_steps_spin.setValue(3)  # a change of the user's still counts
    assert window.isWindowModified()


def test_opening_another_project_asks_about_unsaved_changes(window, tmp_path, monkeypatch):
    other = tmp_path / "other.albert.json"
    window.project.save(other)  # the sample, as a file
    window.project.reset_to_sample()
    window.train_page.max_steps_spin.setValue(5)
    monkeypatch.setattr(window, "ask_about_changes", lambda: "cancel")
    assert not window.open_recent(str(other))
    assert window.project.path == "" and window.project.state.training["max_steps"] == 5
    monkeypatch.setattr(window, "ask_about_changes", lambda: "discard")
    assert window.open_recent(str(other))
    assert window.project.path == str(other) and not window.isWindowModified()
    window.train_page.max_steps_spin.setValue(11)
    monkeypatch.setattr(window, "ask_about_changes", lambda: "save")
    window._on_open_sample()
    assert json.loads(other.read_text())["training"]["max_steps"] == 11  # saved before the sample replaced it
    assert window.project.path == "" and not window.isWindowModified()


def test_a_project_that_cannot_be_written_says_so_and_keeps_its_file(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append(text))
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    target = tmp_path / "notes.txt" / "p.albert.json"
    assert not window.save_project(str(target))
    assert said and str(target) in said[0] and "cannot be written" in said[0]
    assert (tmp_path / "notes.txt").read_text() == "a file, not a folder"
    assert window.project.path == "" and window.recent_projects() == [] and window.isWindowModified() is False


def test_platform_check_names_the_debian_packages():
    msg = platform_problem({"DISPLAY": ":0"}, "linux", find=lambda name: None, confirm=None)
    assert PACKAGES in msg and "QT_QPA_PLATFORM=offscreen" in msg
    assert platform_problem({"DISPLAY": ":0"}, "linux", find=lambda name: None, confirm=lambda: True) == ""
    assert platform_problem({"DISPLAY": ":0"}, "linux", find=lambda name: "lib.so") == ""
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", find=lambda name: None) == ""
    assert "DISPLAY" in platform_problem({}, "linux")


def test_playground_shows_the_ten_likeliest_of_many_labels(qtbot):
    from app.widgets.prediction_views import ClassificationView

    view = ClassificationView()
    qtbot.addWidget(view)
    scores = {f"KIND:{i:02d}": (i + 1) / 1275 for i in range(50)}  # sums to 1; KIND:49 likeliest
    view.show_result({"label": "KIND:49", "scores": scores})
    shown = view.shown()
    assert [name for name, _ in shown] == [f"KIND:{i:02d}" for i in range(49, 39, -1)]
    assert shown[0][1] == f"{50 / 1275:.1%}"
    assert view.rest_label.isVisibleTo(view) and view.rest_label.text() == f"40 more labels, {820 / 1275:.1%} together"
    eleven = {f"K{i:02d}": (i + 1) / 66 for i in range(11)}  # one label under the bars
    view.show_result({"label": "K10", "scores": eleven})
    assert view.rest_label.text() == f"1 more label, {1 / 66:.1%}"
    view.show_result({"label": "pos", "scores": {"neg": 0.3, "pos": 0.7}})  # few labels: all, in their order
    assert view.shown() == [("neg", "30.0%"), ("pos", "70.0%")] and not view.rest_label.isVisibleTo(view)


def test_keep_the_best_and_early_stop_reach_the_run_and_a_saved_project(window, tmp_path):
    page = window.train_page
    assert not page.best_check.isChecked() and page.early_spin.text() == "never"
    page.best_check.setChecked(True)
    page.early_spin.setValue(3)
    config = window.project.run_config()
    assert config.keep_best is True and config.early_stop == 3
    path = tmp_path / "p.albert.json"
    window.project.save(str(path))
    page.best_check.setChecked(False)
    page.early_spin.setValue(0)
    window.project.load(str(path))
    assert page.best_check.isChecked() and page.early_spin.value() == 3


def test_the_menus_predict_a_file_opens_the_playground_and_says_what_it_needs(window):
    window.predict_file_action.trigger()
    assert window.current_page() == "Playground"
    assert "Load a model first" in window.playground_page.status.text()
    assert window.predict_file_action.shortcut().toString() == "Ctrl+P"


def test_a_file_with_several_labels_per_text_is_read_so_and_the_run_trains_them(window, qtbot, tmp_path):
    from tests.core.helpers import write_csv, write_topics_jsonl

    page = window.data_page
    with qtbot.waitSignal(page.preview_ready, timeout=10_000) as blocker:
        page.open_file(str(write_topics_jsonl(tmp_path / "topics.jsonl", 80)))
    preview = blocker.args[0]
    assert not preview.fatal and preview.info["multi_label"] and page.multi_check.isChecked()
    # each label counts the texts that have it; one text in eight has none
    assert page.label_chart.counts == {"food": 40, "money": 40, "sport": 40}
    assert "several per text" in page.status.text() and "10 texts with none" in page.status.text()
    assert not page.separator_edit.isEnabled()  # JSON lists are joined by nothing
    config = window.project.run_config()
    assert config.multi_label is True and config.task == "classification"

    # untick: lists cannot be one label each, and the problem says what to do
    with qtbot.waitSignal(page.preview_ready, timeout=10_000) as blocker:
        page.multi_check.setChecked(False)
    assert blocker.args[0].fatal and "Several labels per text" in page.problems.texts()[0]
    assert window.project.run_config().multi_label is False

    # a file of one label per text is read so, and the box follows it
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.multi_check.setChecked(True)
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.open_file(str(write_csv(tmp_path / "one.csv", [("good film", "pos"), ("bad film", "neg")] * 5)))
    assert not page.multi_check.isChecked() and window.project.run_config().multi_label is False

    # labels joined by another separator: ticked by hand, the separator chosen
    rows = [("goal and bank", "sport;money"), ("bread", "food"), ("a plain text", ""), ("tax", "money")] * 5
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.open_file(str(write_csv(tmp_path / "joined.csv", rows)))
    page.separator_edit.setText(";")
    page.separator_edit.editingFinished.emit()  # not multi-label yet: nothing read again
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.multi_check.setChecked(True)
    assert page.label_chart.counts == {"food": 5, "money": 10, "sport": 5}
    assert window.project.run_config().label_separator == ";" and page.separator_edit.isEnabled()


def test_a_0_1_column_per_label_is_one_choice_of_the_label_box(window, qtbot, tmp_path):
    from tests.core.helpers import write_topic_flags

    page = window.data_page
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.open_file(str(write_topic_flags(tmp_path / "flags.csv", 80)))
    box = page.role_boxes["label"]
    assert box.currentText() == "0/1 columns: food, money, sport" and page.multi_check.isChecked()
    assert page.label_chart.counts == {"food": 40, "money": 40, "sport": 40}
    config = window.project.run_config()
    assert config.multi_label is True and config.columns["label"] == ["food", "money", "sport"]

    # one of them as the label: one label per text (its 0 and 1); the 0/1 choice stays offered
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        box.setCurrentText("sport")
    assert window.project.run_config().columns["label"] == "sport"
    assert page.label_chart.counts == {"0": 40, "1": 40} and not page.multi_check.isChecked()
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        box.setCurrentIndex(box.count() - 1)
    assert window.project.run_config().columns["label"] == ["food", "money", "sport"] and page.multi_check.isChecked()

    # unticked: one label per text, from a column guessed again, never a list of columns left behind
    with qtbot.waitSignal(page.preview_ready, timeout=10_000) as blocker:
        page.multi_check.setChecked(False)
    assert not blocker.args[0].fatal and isinstance(window.project.run_config().columns["label"], str)
    assert box.findText("0/1 columns: food, money, sport") >= 0  # still offered
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.multi_check.setChecked(True)  # ticked on one 0/1 column: all of them
    assert window.project.run_config().columns["label"] == ["food", "money", "sport"]


def test_one_hot_0_1_columns_are_one_label_per_text_on_the_data_page(window, qtbot, tmp_path):
    from tests.core.helpers import write_one_hot

    page = window.data_page
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.open_file(str(write_one_hot(tmp_path / "onehot.csv", 30)))
    box = page.role_boxes["label"]
    assert box.currentText() == "0/1 columns: food, money, sport" and not page.multi_check.isChecked()
    assert page.label_chart.counts == {"food": 10, "money": 10, "sport": 10}
    config = window.project.run_config()
    assert config.multi_label is False and config.columns["label"] == ["food", "money", "sport"]
    config.validate()
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.multi_check.setChecked(True)  # the same columns, several labels per text
    assert window.project.run_config().multi_label is True
    with qtbot.waitSignal(page.preview_ready, timeout=10_000):
        page.multi_check.setChecked(False)  # back to one label per text: the one-hot columns stay
    config = window.project.run_config()
    assert not config.multi_label and config.columns["label"] == ["food", "money", "sport"]


def test_the_playground_shows_each_of_several_labels_on_its_own(qtbot):
    from app.widgets.prediction_views import ClassificationView

    view = ClassificationView()
    qtbot.addWidget(view)
    view.show_result(
        {"label": "sport, money", "labels": ["sport", "money"], "scores": {"food": 0.02, "money": 0.81, "sport": 0.97}}
    )
    assert view.label.text() == "sport, money" and view.shown() == [
        ("food", "2.0%"),
        ("money", "81.0%"),
        ("sport", "97.0%"),
    ]
    view.show_result({"label": "", "labels": [], "scores": {"food": 0.2, "money": 0.1, "sport": 0.3}})
    assert view.label.text() == "no label"
    many = {f"T{i:02d}": i / 100 for i in range(30)}  # independent: the rest line gives their largest, not a sum
    view.show_result({"label": "", "labels": [], "scores": many})
    assert view.rest_label.text() == "20 more labels, each 19.0% or less"
    # tuned thresholds: each bar says from where its label is given, and the labels given are in bold
    scores = {"food": 0.02, "money": 0.41, "sport": 0.97}
    thresholds = {"food": 0.5, "money": 0.35, "sport": 0.62}
    view.show_result(
        {"label": "sport, money", "labels": ["sport", "money"], "scores": scores, "thresholds": thresholds}
    )
    assert view.shown() == [
        ("food", "2.0%  (given from 50.0%)"),
        ("money", "41.0%  (given from 35.0%)"),
        ("sport", "97.0%  (given from 62.0%)"),
    ]
    assert [name.font().bold() for name, _ in view._rows] == [False, True, True]
    assert "own threshold" in view.label.toolTip()
    # a probability just under its threshold is written so that it shows
    view.show_result({"label": "", "labels": [], "scores": {"food": 0.50381, "money": 0.1, "sport": 0.1},
                      "thresholds": {"food": 0.50412, "money": 0.35, "sport": 0.62}})  # fmt: skip
    assert view.shown()[0] == ("food", "50.38%  (given from 50.41%)")


def test_every_page_fits_a_small_laptop_screen(window, qtbot):
    """A 1366 x 768 laptop leaves about 1024 x 700 to a window: no page may need more (the Data
    page's side panels scroll instead of stretching the window past the screen's bottom edge)."""
    for name in ("Model", "Data", "Train", "Playground", "Runs"):
        window.show_page(name)
        qtbot.wait(10)
        need = window.minimumSizeHint()
        assert need.width() <= 1024 and need.height() <= 700, (name, need)
    train = window.train_page  # a finished pre-training run shown: every button of the row
    window.show_page("Train")
    train.finetune_button.show()
    train.playground_button.show()
    train.eta_label.setText("Finished in 2 min 5 s")
    assert train.resume_button.isVisibleTo(train) and not train.stop_button.isVisibleTo(train)
    qtbot.wait(10)
    assert window.minimumSizeHint().width() <= 1024, window.minimumSizeHint()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.height() == 700)
    side = window.data_page.labels_box.parentWidget()
    assert window.data_page.problems.isVisibleTo(window.data_page) and side.height() >= side.minimumSizeHint().height()
    # a long note in the side column is shown whole (the column scrolls), not cut to a line
    data = window.data_page
    data.choose_task("pretrain", clear_file=True)
    data._show_tokenizer_note("This tokenizer cannot be used: " + "the reason, said at some length, " * 6)
    window.show_page("Data")
    qtbot.waitUntil(
        lambda: data.tokenizer_note.height() >= data.tokenizer_note.heightForWidth(data.tokenizer_note.width())
    )


def test_the_preview_gives_the_text_column_the_room(window):
    from PySide6.QtWidgets import QHeaderView

    page = window.data_page  # the sample: text, label
    window.show_page("Data")
    header = page.table.horizontalHeader()
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch
    assert header.sectionResizeMode(1) == QHeaderView.ResizeMode.Interactive
    assert page.table.columnWidth(0) > 2 * page.table.columnWidth(1)
