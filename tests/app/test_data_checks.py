"""The Data page says when what it shows cannot be trained on — the training file or the
validation file — and the project then refuses to start rather than train on something else."""

from __future__ import annotations

from conftest import write_sentiment_csv
from task_data import write_conll, write_qa_jsonl


def open_and_wait(page, qtbot, path, columns=None):
    with qtbot.waitSignal(page.preview_ready, timeout=20_000) as blocker:
        page.open_file(str(path), columns)
    return blocker.args[0]


def choose_eval_file(page, qtbot, path):
    page.eval_edit.setText(str(path))
    page.file_radio.setChecked(True)
    page._on_split_edited()
    qtbot.waitUntil(lambda: "Reading" not in page.eval_note.text(), timeout=20_000)


def test_an_unusable_training_file_is_a_problem_of_the_project(window, qtbot, tmp_path):
    page = window.data_page
    good = write_sentiment_csv(tmp_path / "good.csv")
    open_and_wait(page, qtbot, good)
    assert window.project.data_problem == "" and window.project.state.train_file == str(good)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert open_and_wait(page, qtbot, empty).fatal
    assert window.project.data_problem.startswith("empty.csv cannot be used")
    assert window.project.problem()[0] == "Data"
    one = tmp_path / "one.csv"  # a single label: nothing to tell apart
    one.write_text("text,label\n" + "".join(f"row {i},pos\n" for i in range(30)), encoding="utf-8")
    assert open_and_wait(page, qtbot, one).fatal
    assert "one.csv cannot be used: it has the label 'pos' in every row" in window.project.data_problem
    single = tmp_path / "single.csv"  # one row: said, not "cannot be used" beside "No problems found."
    single.write_text("text,label\ngreat film,positive\n", encoding="utf-8")
    assert open_and_wait(page, qtbot, single).fatal
    assert "has one row (label 'positive')" in window.project.data_problem
    assert page.problem_note.text() != "No problems found."
    assert open_and_wait(page, qtbot, tmp_path / "gone.csv").fatal  # said as a sentence, not "it no such file"
    assert window.project.data_problem == "gone.csv cannot be used: no such file; check the path"
    open_and_wait(page, qtbot, good)
    assert window.project.data_problem == ""


def test_a_second_text_that_is_the_label_and_a_label_column_of_text_are_said(window, qtbot, tmp_path):
    page = window.data_page
    good = write_sentiment_csv(tmp_path / "good.csv")
    open_and_wait(page, qtbot, good)
    preview = open_and_wait(page, qtbot, good, {"text": "text", "text_pair": "label", "label": "label"})
    assert preview.fatal and "second text and as the label" in window.project.data_problem
    swapped = open_and_wait(page, qtbot, good, {"text": "label", "label": "text"})
    assert any("looks like text, not labels" in p.message for p in swapped.problems)


def test_the_validation_file_is_read_as_a_run_will_and_dropped_with_the_task(window, qtbot, tmp_path):
    page = window.data_page
    open_and_wait(page, qtbot, write_sentiment_csv(tmp_path / "train.csv"))
    choose_eval_file(page, qtbot, tmp_path / "missing.csv")
    assert "no such file" in page.eval_note.text() and "does not exist" in window.project.data_problem
    dev = tmp_path / "dev.csv"
    dev.write_text("text,label\na fine film,pos\na dull film,neg\nan odd one,meh\n", encoding="utf-8")
    choose_eval_file(page, qtbot, dev)
    assert window.project.data_problem == ""
    assert "dev.csv: 3 usable" in page.eval_note.text() and "does not have: meh" in page.eval_note.text()
    strange = tmp_path / "strange.csv"  # another data set's labels altogether: a run would refuse it
    strange.write_text("text,label\nwho is he,HUM\nwhere is it,LOC\n", encoding="utf-8")
    choose_eval_file(page, qtbot, strange)
    assert page.eval_note.text() == (
        "strange.csv cannot be used: none of its 2 rows has a label of the training file "
        "(it has 'HUM', 'LOC'; the training file 'neg', 'pos')"
    )
    assert "strange.csv" in window.project.data_problem
    other = write_conll(tmp_path / "ner.txt", 20)  # a file of another kind: it says why
    choose_eval_file(page, qtbot, other)
    assert "cannot be used" in page.eval_note.text() and window.project.data_problem
    # another task: a validation file of this one is no validation file of that one
    window.data_page.choose_task("ner")
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert window.project.state.eval_file == "" and page.eval_edit.text() == "" and page.fraction_radio.isChecked()
    assert page.eval_note.isHidden()
    # back on the first task, with the same training file: its validation file is there again
    choose_eval_file(page, qtbot, other)  # (ner.txt is a fine validation file for NER)
    window.data_page.choose_task("classification")
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert window.project.state.eval_file == str(other) and page.file_radio.isChecked()
    window.data_page.choose_task("ner")
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert window.project.state.eval_file == str(other) and page.eval_edit.text() == str(other)


def test_each_task_keeps_its_own_training_file(window, qtbot, tmp_path):
    page, state = window.data_page, window.project.state

    def switch(task):
        page.choose_task(task)
        qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)

    spam = write_sentiment_csv(tmp_path / "spam.csv")
    open_and_wait(page, qtbot, spam)
    switch("ner")  # a task with no file of its own yet starts with none, and says what it takes
    assert page.path_edit.text() == "" and state.train_file == "" and not window.project.data_problem
    assert "CoNLL" in page.status.text()
    conll = write_conll(tmp_path / "ner.txt", 20)
    open_and_wait(page, qtbot, conll)
    switch("qa")
    qa = write_qa_jsonl(tmp_path / "qa.jsonl")
    open_and_wait(page, qtbot, qa)
    switch("classification")  # back: the file it read well, not the QA file
    assert page.path_edit.text() == str(spam) and state.train_file == str(spam)
    assert window.project.data_problem == ""
    switch("ner")
    assert page.path_edit.text() == str(conll) and state.train_file == str(conll) and state.task == "ner"
    # a file this task cannot use goes with the switch: a CoNLL file opened for classification is NER data
    switch("classification")
    other = write_conll(tmp_path / "other.txt", 20)
    assert open_and_wait(page, qtbot, other).fatal
    switch("ner")
    assert page.path_edit.text() == str(other) and window.project.data_problem == ""


def test_charts_count_in_their_own_unit_and_a_corpus_of_tags_is_flagged(window, qtbot, tmp_path):
    page = window.data_page
    page.choose_task("ner", clear_file=True)
    preview = open_and_wait(page, qtbot, write_conll(tmp_path / "ner.txt", 40))
    assert not preview.fatal and page.label_chart.unit == "entities"
    page.choose_task("qa", clear_file=True)
    open_and_wait(page, qtbot, write_qa_jsonl(tmp_path / "qa.jsonl", 20))
    assert page.label_chart.unit == "questions"
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [', encoding="utf-8")
    assert open_and_wait(page, qtbot, broken).fatal
    assert page.labels_box.isHidden()  # no empty chart for a file that cannot be read
    page.choose_task("pretrain", clear_file=True)
    preview = open_and_wait(page, qtbot, tmp_path / "ner.txt")
    assert any("looks like an NER file" in p.message for p in preview.problems)
    window.project.set_spec(window.project.spec, init=str(tmp_path))  # a start from a model: its tokenizer
    assert not page.tokenizer_edit.isEnabled() and not page.vocab_spin.isEnabled()
    window.project.set_spec(window.project.spec, init="")
    assert page.tokenizer_edit.isEnabled()


def test_coarse_labels_are_offered_for_labels_with_a_fine_part(window, qtbot, tmp_path):
    page = window.data_page
    trec = tmp_path / "TREC.train"
    fine = {"DESC": ["manner", "def"], "HUM": ["ind", "gr"], "LOC": ["city", "other"]}
    trec.write_text("".join(f"{c}:{fine[c][i % 2]} question {i} about {c.lower()} ?\n"
                            for i in range(120) for c in [sorted(fine)[i % 3]]), encoding="utf-8")  # fmt: skip
    preview = open_and_wait(page, qtbot, trec)
    assert len(preview.label_counts) == 6 and not page.coarse_check.isHidden()
    assert page.coarse_check.text() == "Only the part before ':' (3 labels, not 6)"
    with qtbot.waitSignal(page.preview_ready, timeout=20_000) as blocker:
        page.coarse_check.setChecked(True)
    assert set(blocker.args[0].label_counts) == {"DESC", "HUM", "LOC"}
    assert window.project.run_config().label_before == ":" and page.coarse_check.isChecked()
    other = open_and_wait(page, qtbot, write_sentiment_csv(tmp_path / "plain.csv"))  # another file: as it is
    assert window.project.state.label_before == "" and page.coarse_check.isHidden()
    assert set(other.label_counts) == {"pos", "neg"}
    open_and_wait(page, qtbot, trec)
    assert not page.coarse_check.isHidden()
    empty = tmp_path / "empty.csv"  # a file that cannot be used: the choice about TREC's labels goes
    empty.write_text("", encoding="utf-8")
    assert open_and_wait(page, qtbot, empty).fatal and page.coarse_check.isHidden()
    open_and_wait(page, qtbot, trec)
    assert not page.labels_box.isHidden()
    page.choose_task("ner")  # no NER file yet: no chart of the last task's labels either
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert page.path_edit.text() == "" and page.labels_box.isHidden()
