"""Data page: choose the task, open a file, map its columns, preview it, and see its problems
and its labels (classification), answers (question answering), tags (named entities) or corpus
statistics and tokenizer size (pre-training)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from albert_core.data.classification import unscored_reason
from albert_core.data.corpus import vocabulary_miss_rate
from albert_core.data.problems import DataError, Problem

from .. import theme
from ..data_readers import READERS, DataPreview, reader_for
from ..glossary import tip
from ..project import Project
from ..widgets.column_scroll import ColumnScroll
from ..widgets.label_chart import LabelChart
from ..widgets.problems_list import ProblemsList
from ..widgets.table_model import RowsTableModel
from ..workers import run_in_thread


def _tagged_read(
    request: int, read, path: str, columns: dict | None, options: dict | None = None
) -> tuple[int, DataPreview | Exception]:
    """Run a reader and tag its outcome with the request number (errors become values so a
    stale request's error never reaches the window)."""
    try:
        return request, read(path, columns, options)
    except (OSError, ValueError) as e:
        return request, e


def _count_with_tokenizer(request: int, source: str, path: str) -> tuple[int, dict | Exception]:
    """The corpus's counts with the tokenizer of `source` (errors become values, as in
    _tagged_read)."""
    from albert_core.data.corpus import corpus_stats
    from albert_core.model_setup import tokenizer_of
    from albert_core.runs import ConfigError
    from albert_core.tokenizer import TokenizerError

    try:
        tokenizer = tokenizer_of(source)
    except (ConfigError, TokenizerError, OSError) as e:
        return request, TokenizerProblem(str(e))
    try:
        return request, corpus_stats(path, tokenizer)
    except (DataError, OSError) as e:
        return request, e


class TokenizerProblem(Exception):
    """Why the tokenizer chosen cannot be had (said under it), as opposed to why the text cannot be read."""


MARKS_TIP = (
    "Places where the text itself writes <unk> (WikiText marks the words it dropped so). The tokenizer "
    "reads each as its unknown piece; the unknown share of the pieces above leaves them out, so it "
    "counts only what the vocabulary lacks"
)
PIECES_NOW_MAX_BYTES = 20_000_000  # about 20 s to count; larger corpora are counted when a run starts
PIECES_TIP = (
    "Pieces, and the share of them unknown to the tokenizer: with a model's tokenizer chosen, counted "
    "now; with one trained on this corpus, counted when a pre-training run starts"
)
ROLE_TITLES = {"text": "Text", "text_pair": "Second text", "label": "Label"}
COLUMN_CAP = 320  # pixels at most for a column of the preview other than the text's
CHART_UNITS = {"Entities": "entities", "Questions": "questions"}  # what a chart's bars count, by its title's first word
TOKENIZER_TIP = (
    "Empty: a SentencePiece tokenizer is trained on the corpus. Or the tokenizer of a model: its folder, "
    "a run folder, or a Hugging Face hub id (e.g. albert/albert-base-v2); the weights are new either way"
)


def flag_choice(names: list[str]) -> str:
    """The label box's choice for a 0/1 column per label."""
    shown = ", ".join(names[:4]) + (f" … ({len(names)})" if len(names) > 4 else "")
    return f"0/1 columns: {shown}"


NONE = "(none)"


class DataPage(QWidget):
    """Reads in a worker thread; the latest request wins."""

    preview_ready = Signal(object)  # DataPreview
    read_failed = Signal(str)

    def __init__(self, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = project
        self.preview: DataPreview | None = None
        self._request = 0
        self._worker = None
        self._pieces_request = 0  # the newest count of pieces with a chosen tokenizer
        self._eval_request = 0  # the newest reading of the validation file
        self._eval_by_task: dict[str, tuple[str, str]] = {}  # task → (training file, validation file) it had
        self._train_problem = ""  # what makes the training file shown unusable ("" when fine)
        self._eval_problem = ""  # the same for the validation file
        self._tokenizer_problem = ""  # the same for the tokenizer chosen for pre-training
        self._updating = False
        self.setAcceptDrops(True)

        top = QHBoxLayout()
        self.task_box = QComboBox()
        for name, reader in READERS.items():
            self.task_box.addItem(reader.title, name)
        self.task_box.currentIndexChanged.connect(self._on_task_chosen)
        top.addWidget(QLabel("Task"))
        top.addWidget(self.task_box)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Open or drop a training file here")
        self.path_edit.returnPressed.connect(self._on_path_entered)
        top.addWidget(self.path_edit, 1)
        self.open_button = QPushButton("Open…")
        self.open_button.clicked.connect(self._on_open_clicked)
        top.addWidget(self.open_button)
        self.folder_button = QPushButton("Folder…")
        self.folder_button.setToolTip("Use every text file in a folder (and its sub-folders) as the corpus")
        self.folder_button.clicked.connect(self._on_folder_clicked)
        top.addWidget(self.folder_button)

        self.status = QLabel()
        self.status.setWordWrap(True)

        self.table_model = RowsTableModel(self)
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (the arrows move within it)
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setStretchLastSection(False)  # the text column stretches (_fit_columns)
        self.table.setToolTip("Row headers are line numbers in the file")

        side = QVBoxLayout()
        self.map_box = QGroupBox("Columns")
        self.map_form = QFormLayout(self.map_box)
        self.role_boxes: dict[str, QComboBox] = {}
        side.addWidget(self.map_box)
        self.label_chart = LabelChart()
        self.labels_box = QGroupBox("Labels")
        QVBoxLayout(self.labels_box).addWidget(self.label_chart)
        side.addWidget(self.labels_box, 2)
        side.addWidget(self._build_corpus_box())  # a form: as tall as its rows (and wrapped notes) need
        problems_box = QGroupBox("Problems")
        pl = QVBoxLayout(problems_box)
        self.problems = ProblemsList()
        self.problems.problem_selected.connect(self._on_problem_selected)
        pl.addWidget(self.problems)
        self.problem_note = QLabel()
        self.problem_note.setWordWrap(True)
        pl.addWidget(self.problem_note)
        side.addWidget(problems_box, 2)
        side.addWidget(self._build_split_box())
        side_w = QWidget()
        side_w.setLayout(side)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(ColumnScroll(side_w, min_width=340))  # scrolls on a short screen
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 420])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)

        project.loaded.connect(self._on_project_loaded)
        project.spec_changed.connect(self._sync_tokenizer_enabled)
        self._on_project_loaded()

    def _build_corpus_box(self) -> QWidget:
        """Pre-training: the corpus statistics and the tokenizer's vocabulary size."""
        self.corpus_box = QGroupBox("Corpus")
        form = QFormLayout(self.corpus_box)
        self.stat_labels: dict[str, QLabel] = {}
        form.setVerticalSpacing(3)  # a compact box: the page fits a 800-pixel-high screen
        for key, title in (("files", "Files"), ("documents", "Documents"), ("sentences", "Sentences"),
                           ("characters", "Characters"), ("tokens", "Pieces"),
                           ("unk_marks", "<unk> in the text")):  # fmt: skip
            lab = QLabel("–")
            lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.stat_labels[key] = lab
            row_title = QLabel(title)
            row_title.setTextFormat(Qt.TextFormat.PlainText)
            if key in ("tokens", "unk_marks"):
                tip_text = PIECES_TIP if key == "tokens" else MARKS_TIP
                lab.setToolTip(tip_text)
                row_title.setToolTip(tip_text)
            form.addRow(row_title, lab)
        self.corpus_form = form
        form.setRowVisible(self.stat_labels["unk_marks"], False)  # shown for a text that has such marks
        self.vocab_spin = QSpinBox(minimum=0, maximum=1_000_000, singleStep=1000, specialValueText="model's size")
        self.vocab_spin.setToolTip(
            "Pieces in the SentencePiece vocabulary trained on this corpus (0: the model's vocabulary size)"
        )
        self.vocab_spin.valueChanged.connect(self._on_vocab_edited)
        # or the tokenizer of a model the user has (new weights all the same)
        self.tokenizer_edit = QLineEdit()
        self.tokenizer_edit.setPlaceholderText("trained on this corpus")
        self.tokenizer_edit.setClearButtonEnabled(True)
        self.tokenizer_edit.setToolTip(TOKENIZER_TIP)
        self.tokenizer_edit.editingFinished.connect(self._on_tokenizer_edited)
        self.tokenizer_button = QToolButton(text="…")
        self.tokenizer_button.setToolTip("Take the tokenizer of a model folder or a run folder")
        self.tokenizer_button.clicked.connect(self._on_tokenizer_clicked)
        row = QHBoxLayout()
        row.addWidget(self.tokenizer_edit, 1)
        row.addWidget(self.tokenizer_button)
        form.addRow("Tokenizer", row)
        self.tokenizer_note = QLabel()  # why the tokenizer chosen cannot be used (offline, no such model)
        self.tokenizer_note.setWordWrap(True)
        self.tokenizer_note.setTextFormat(Qt.TextFormat.PlainText)
        self.tokenizer_note.setStyleSheet(theme.ERROR_TEXT)
        form.addRow(self.tokenizer_note)
        form.setRowVisible(self.tokenizer_note, False)
        form.addRow("Vocabulary", self.vocab_spin)
        return self.corpus_box

    def _show_tokenizer_note(self, text: str) -> None:
        """Why the tokenizer chosen cannot be used ("" when it can): under it, and for the project (a run
        does not start with it)."""
        self.tokenizer_note.setText(text)
        self.corpus_form.setRowVisible(self.tokenizer_note, bool(text))
        self._set_problem(tokenizer=text.replace("This tokenizer", "the tokenizer chosen", 1))
        if self.preview is not None and not self.preview.problems:  # not "No problems found." beside it
            self.problem_note.setText(
                "No problems in the files; the tokenizer chosen cannot be used (see Tokenizer)."
                if text
                else "No problems found."
            )

    def _show_stats(self, stats: dict) -> None:
        for key, lab in self.stat_labels.items():
            if key != "unk_marks":
                lab.setText(f"{stats[key]:,}" if key in stats else "–")
        self._show_pieces(stats if "unk_rate" in stats else None)

    def _show_pieces(self, stats: dict | None) -> None:
        """The pieces and the share the vocabulary lacks; the text's own <unk> marks on a row of
        their own, shown only when there are some."""
        marks = (stats or {}).get("unk_marks", 0)
        if stats is not None:
            self.stat_labels["tokens"].setText(f"{stats['tokens']:,} ({vocabulary_miss_rate(stats):.2%} unknown)")
        self.stat_labels["unk_marks"].setText(f"{marks:,}")
        self.corpus_form.setRowVisible(self.stat_labels["unk_marks"], bool(marks))

    def show_corpus_counts(self, config: dict) -> None:
        """A pre-training run on this page's corpus has started: its counts, pieces and the
        unknown-piece rate now included (its tokenizer has cut the text)."""
        stats = config.get("corpus") or {}
        if self.project.state.task == "pretrain" and "tokens" in stats:
            if config.get("train_file") == self.project.state.train_file:
                self._show_stats(stats)

    def _count_pieces(self) -> None:
        """With a model's tokenizer chosen, count the corpus's pieces and the unknown share now, in
        the background: before any run, how well that vocabulary fits this text. (A tokenizer
        trained on the corpus exists only once a run starts; its counts come then.)"""
        self._pieces_request += 1
        label = self.stat_labels["tokens"]
        source = (self.project.state.training.get("tokenizer_from") or "").strip()
        stats = self.preview.info.get("stats") if self.preview is not None else None
        label.setToolTip(PIECES_TIP)
        self._show_tokenizer_note("")
        self._show_pieces(None)  # no marks shown until this count says there are some
        if self.project.state.task != "pretrain" or not stats:
            return
        if not source:
            label.setText("–")
            return
        if stats.get("bytes", 0) > PIECES_NOW_MAX_BYTES:
            label.setText("–")
            label.setToolTip(f"Counted when a run starts: the corpus is over {PIECES_NOW_MAX_BYTES // 10**6} MB")
            return
        label.setText("counting…")
        request = self._pieces_request
        run_in_thread(
            _count_with_tokenizer,
            request,
            source,
            self.preview.path,
            on_returned=self._on_pieces_counted,
            on_errored=lambda err: self._on_pieces_counted((request, err)),
        )

    def _on_pieces_counted(self, result: tuple[int, dict | Exception]) -> None:
        request, outcome = result
        if request != self._pieces_request:  # the corpus or the tokenizer changed since
            return
        label = self.stat_labels["tokens"]
        source = self.project.state.training.get("tokenizer_from") or ""
        if isinstance(outcome, BaseException):
            label.setText("–")
            label.setToolTip(f"Not counted: {outcome}")
            if isinstance(outcome, TokenizerProblem):
                self._show_tokenizer_note(f"This tokenizer cannot be used: {outcome}")
            return
        self._show_pieces(outcome)
        label.setToolTip(f"Counted with the tokenizer of {source}")

    def _build_split_box(self) -> QWidget:
        box = QGroupBox("Validation")
        form = QFormLayout(box)
        self.fraction_radio = QRadioButton("Hold out a share of the training file")
        self.file_radio = QRadioButton("Use a separate file")
        group = QButtonGroup(box)
        group.addButton(self.fraction_radio)
        group.addButton(self.file_radio)
        self.fraction_spin = QDoubleSpinBox(minimum=0.01, maximum=0.9, singleStep=0.05, decimals=2)
        self.fraction_spin.setToolTip(tip("val_fraction"))
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed_spin.setToolTip("Seed for the split (and for training): the same seed gives the same split")
        self.eval_edit = QLineEdit()
        self.eval_edit.setPlaceholderText("validation file")
        self.eval_button = QPushButton("Open…")
        self.eval_button.clicked.connect(self._on_open_eval_clicked)
        row = QHBoxLayout()
        row.addWidget(QLabel("share"))
        row.addWidget(self.fraction_spin)
        row.addWidget(QLabel("seed"))
        row.addWidget(self.seed_spin)
        form.addRow(self.fraction_radio)
        form.addRow(row)
        form.addRow(self.file_radio)
        erow = QHBoxLayout()
        erow.addWidget(self.eval_edit, 1)
        erow.addWidget(self.eval_button)
        form.addRow(erow)
        self.eval_note = QLabel()  # what the validation file holds, or why it cannot be used
        self.eval_note.setWordWrap(True)
        self.eval_note.hide()
        form.addRow(self.eval_note)
        for w in (self.fraction_radio, self.file_radio):
            w.toggled.connect(self._on_split_edited)
        self.fraction_spin.valueChanged.connect(self._on_split_edited)
        self.seed_spin.valueChanged.connect(self._on_split_edited)
        self.eval_edit.editingFinished.connect(self._on_split_edited)
        return box

    # -- project ------------------------------------------------------------------------------
    def _on_project_loaded(self) -> None:
        s = self.project.state
        self._eval_by_task = {}  # the files another project had for each task are not this one's
        self._updating = True
        i = self.task_box.findData(s.task)
        self.task_box.setCurrentIndex(max(i, 0))
        self._build_role_boxes()
        self.fraction_spin.setValue(s.val_fraction)
        self.seed_spin.setValue(s.seed)
        self.eval_edit.setText(s.eval_file)
        (self.file_radio if s.eval_file else self.fraction_radio).setChecked(True)
        self.vocab_spin.setValue(int(s.training.get("tokenizer_vocab_size", 0) or 0))
        self.tokenizer_edit.setText(s.training.get("tokenizer_from", "") or "")
        self._sync_tokenizer_enabled()
        self._updating = False
        self._sync_split_enabled()
        self.preview = None  # the old project's file: opening this one's keeps its label_before
        if s.train_file:
            self.open_file(
                s.train_file, s.columns or None, multi_label=s.multi_label if s.task == "classification" else None
            )
        else:
            self.path_edit.clear()
            self.status.setText(reader_for(s.task).hint)
            self._check_eval_file()  # with a training file, checked once it is read

    def _build_role_boxes(self) -> None:
        while self.map_form.rowCount():
            self.map_form.removeRow(0)
        self.role_boxes = {}
        reader = reader_for(self.project.state.task)
        for role in reader.roles:
            box = QComboBox()
            box.currentTextChanged.connect(self._on_role_chosen)
            self.role_boxes[role] = box
            self.map_form.addRow(ROLE_TITLES.get(role, role), box)
        self.multi_check = self.separator_edit = None
        if reader.task == "classification":
            self._add_multi_label_row()
        self.map_box.setVisible(bool(reader.roles))
        pretrain = reader.task == "pretrain"
        self.corpus_box.setVisible(pretrain)
        if pretrain:  # plain text has no labels to chart
            self.labels_box.hide()
        self.folder_button.setVisible(pretrain)
        # boxes made anew go last in the focus chain: put them back after the table, where they are shown
        chain = [self.table, *self.role_boxes.values(), *(w for w in (self.multi_check, self.separator_edit) if w)]
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)
        self.open_button.setText("Files…" if pretrain else "Open…")
        self.path_edit.setPlaceholderText(
            "Open text files or a folder (several joined by " + os.pathsep + ")"
            if pretrain
            else "Open or drop a training file here"
        )

    def _add_multi_label_row(self) -> None:
        """Several labels per text (a JSON list, or labels joined by a separator): ticked by the
        reader when the label column looks so, and the user's to change."""
        s = self.project.state
        self.multi_check = QCheckBox("Several labels per text")
        self.multi_check.setToolTip(
            "Each text may have any number of the labels (topics, tags), or none: the label column holds "
            "a JSON list, or labels joined by the separator. Each label becomes a yes/no of its own."
        )
        self.multi_check.setChecked(s.multi_label)
        self.separator_edit = QLineEdit(s.label_separator)
        self.separator_edit.setMaxLength(3)
        self.separator_edit.setFixedWidth(self.fontMetrics().horizontalAdvance("M") * 4)
        self.separator_edit.setToolTip("What joins the labels in a cell, as in sports,politics")
        self.separator_edit.setEnabled(s.multi_label)
        row = QHBoxLayout()
        row.addWidget(self.multi_check)
        row.addStretch(1)
        row.addWidget(QLabel("joined by"))
        row.addWidget(self.separator_edit)
        self.map_form.addRow(row)
        self.multi_check.toggled.connect(self._on_multi_label_toggled)
        self.separator_edit.editingFinished.connect(self._on_separator_edited)
        # labels with a coarse and a fine part (TREC's DESC:manner): offered when the file has them
        self.coarse_check = QCheckBox()
        self.coarse_check.setToolTip(
            "Train on the coarse labels: the part of each label before the mark (DESC:manner is DESC). "
            "The model keeps the mark, so files of fine labels are compared with its coarse ones"
        )
        self.coarse_check.toggled.connect(self._on_coarse_toggled)
        self.map_form.addRow(self.coarse_check)
        self.map_form.setRowVisible(self.coarse_check, False)
        self._coarse_mark = ""

    def _show_coarse_choice(self, info: dict) -> None:
        """Offer the coarse labels when the file's labels have a coarse and a fine part; keep the box
        (ticked) while they are read so."""
        if self.multi_check is None:
            return
        offer, cut = info.get("coarse"), info.get("label_before")
        if offer:
            self._coarse_mark = offer["mark"]
            self.coarse_check.setText(
                f"Only the part before '{offer['mark']}' ({offer['labels']} labels, not {offer['of']})"
            )
        elif cut:
            self._coarse_mark = cut
            if not self.coarse_check.text():
                self.coarse_check.setText(f"Only the part before '{cut}'")
        self._updating = True
        self.coarse_check.setChecked(bool(cut))
        self._updating = False
        self.map_form.setRowVisible(self.coarse_check, bool(offer or cut))

    def _on_coarse_toggled(self, checked: bool) -> None:
        if self._updating:
            return
        self.project.update_data(label_before=self._coarse_mark if checked else "")
        if self.preview:
            self.open_file(self.preview.path, self._chosen_columns(), multi_label=self.project.state.multi_label)

    def _on_multi_label_toggled(self, checked: bool) -> None:
        self.separator_edit.setEnabled(checked)
        if self._updating:
            return
        self.project.update_data(multi_label=checked)
        if self.preview:
            columns = self._chosen_columns()
            flags = self.preview.info.get("flag_columns") or []
            if not checked and isinstance(columns.get("label"), list) and not self.preview.info.get("one_hot"):
                columns.pop("label")  # one label per text from 0/1 columns that are not one-hot: a column guessed
            elif checked and flags and columns.get("label") in flags:  # one 0/1 column ticked: all of them
                columns["label"] = flags
            self.open_file(self.preview.path, columns, multi_label=checked)

    def _on_separator_edited(self) -> None:
        separator = self.separator_edit.text()
        if not separator.strip():  # a label separator must be something: back to the one in use
            self.separator_edit.setText(self.project.state.label_separator)
            return
        if separator != self.project.state.label_separator:
            self.project.update_data(label_separator=separator)
            if self.preview:
                self.open_file(self.preview.path, self._chosen_columns(), multi_label=True)

    def _chosen_columns(self) -> dict:
        """Each role's column as chosen in its box; the label may be a list of 0/1 columns."""
        chosen: dict = {}
        for role, box in self.role_boxes.items():
            names = box.currentData()
            chosen[role] = (
                names if isinstance(names, list) else box.currentText() if box.currentText() != NONE else None
            )
        return chosen

    # -- reading ------------------------------------------------------------------------------
    def open_file(self, path: str, columns: dict | None = None, multi_label: bool | None = None) -> None:
        """Read `path` in the background with the current task's reader. `multi_label` (a
        classification file): several labels per text or one; None: as the label column looks."""
        self.path_edit.setText(path)
        self._request += 1
        request = self._request
        self.status.setText(f"Reading {Path(path).name}…")
        reader = reader_for(self.project.state.task)
        if self.preview is not None and path != self.preview.path and self.project.state.label_before:
            self.project.update_data(label_before="")  # another file: its labels as they are, unless chosen
        s = self.project.state
        options = {"multi_label": multi_label, "label_separator": s.label_separator, "label_before": s.label_before}
        self._worker = run_in_thread(
            _tagged_read,
            request,
            reader.read,
            path,
            columns,
            options,
            on_returned=self._on_read_returned,
            on_errored=self._on_read_errored,
        )

    def is_busy(self) -> bool:
        return self._worker is not None

    def _on_read_returned(self, result: tuple[int, DataPreview | Exception]) -> None:
        request, outcome = result
        if request != self._request:
            return
        self._worker = None
        if isinstance(outcome, Exception):
            self._show_read_error(outcome)
        else:
            self.show_preview(outcome)

    def _on_read_errored(self, err: BaseException) -> None:
        self._worker = None
        self._show_read_error(err)

    def _show_read_error(self, err: BaseException) -> None:
        msg = f"Could not read the file: {err}"
        self.status.setText(msg)
        self.status.setStyleSheet(theme.ERROR_TEXT)
        self._set_problem(train=f"could not read {Path(self.path_edit.text()).name}: {err}")
        self.read_failed.emit(msg)

    def _fit_columns(self) -> None:
        """The column with the longest content (the text) takes the width the others leave; the
        others are as wide as their content, up to COLUMN_CAP pixels (a label, a count, a second text),
        and half the view together. A QA preview's text is its question (the context shown is a
        snippet around the answer)."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.resizeColumnsToContents()
        n = self.table_model.columnCount()
        if not n:
            return
        widths = [self.table.columnWidth(c) for c in range(n)]
        text = max(range(n), key=widths.__getitem__)
        if self.preview is not None:  # the text by its role where known (a QA preview: the question)
            roles = self.preview.roles
            for name in (roles.get("text"), roles.get("question"), "Question"):
                if name and name in self.preview.header:
                    text = self.preview.header.index(name)
                    break
        others = {c: min(widths[c], COLUMN_CAP) for c in range(n) if c != text}
        # the others share half the view at most, so that the text and every column after it show
        # (a QA preview: question, context, answer)
        room = self.table.viewport().width() // 2
        scale = min(1.0, room / max(1, sum(others.values())))
        for c, width in others.items():
            self.table.setColumnWidth(c, max(self.table.horizontalHeader().minimumSectionSize(), int(width * scale)))
        header.setSectionResizeMode(text, QHeaderView.ResizeMode.Stretch)

    def show_preview(self, preview: DataPreview) -> None:
        self.preview = preview
        bad = {p.line for p in preview.problems if p.line}
        self.table_model.set_rows(preview.header, preview.rows, preview.lines, bad)
        self._fit_columns()
        if not self.table_model.numbered():  # lines that start again (several files): rows are counted
            tip = "Row headers count the rows (their lines start again in each file)"
        elif self.project.state.task == "pretrain":
            tip = "Row headers are the line where each document starts, in its file"
        else:
            tip = "Row headers are line numbers in the file"
        self.table.setToolTip(tip)
        self._updating = True
        for role, box in self.role_boxes.items():
            box.clear()
            if role in reader_for(self.project.state.task).optional_roles:
                box.addItem(NONE)
            box.addItems(preview.header)
            chosen = preview.roles.get(role)
            flags = preview.info.get("flag_columns") if role == "label" else None
            if flags or isinstance(chosen, list):  # a 0/1 column per label: one choice for them all
                names = chosen if isinstance(chosen, list) else flags
                box.addItem(flag_choice(names), names)
            if isinstance(chosen, list):
                box.setCurrentIndex(box.count() - 1)
            else:
                box.setCurrentText(chosen or NONE)
        self._updating = False
        self.problems.set_problems(sorted(preview.problems, key=lambda p: (p.file != preview.path, p.file, p.line)))
        self.problem_note.setText(
            "No problems found."
            if not preview.problems
            else "Select a problem to see its row in the preview."
            if any(p.line for p in preview.problems)
            else ""
        )
        self.label_chart.set_counts(preview.label_counts)
        self.label_chart.set_unit(CHART_UNITS.get(preview.chart_title.split(" ")[0], "rows"))
        self.labels_box.setTitle(preview.chart_title or "Labels")
        self.labels_box.setVisible(bool(preview.chart_title) and bool(preview.label_counts))
        self._show_stats(preview.info.get("stats", {}))
        self._count_pieces()
        name = Path(preview.path.split(os.pathsep)[0]).name + (" …" if os.pathsep in preview.path else "")
        task = self.project.state.task
        if preview.fatal:
            self.status.setText(f"{name} cannot be used yet: see the problems on the right.")
            self.status.setStyleSheet(theme.ERROR_TEXT)
            self._show_coarse_choice({})  # the last file's labels are not this file's
            first = next((p.message for p in preview.problems if p.severity == "error"), "")
            self._set_problem(train=f"{name} cannot be used" + (f": {_said_of_it(first)}" if first else ""))
        elif task != "classification":
            n = len(preview.problems)
            self.status.setText(
                f"{name}: {preview.summary}; {preview.usable:,} usable, {n} problem{'s' if n != 1 else ''}."
            )
            self.status.setStyleSheet("")
            self.project.update_data(train_file=preview.path, columns={})
            self._set_problem(train="")
        else:
            n_labels = len(preview.label_counts)
            multi = bool(preview.info.get("multi_label"))
            several = ""
            if multi:
                none = preview.info.get("no_label", 0)
                several = (
                    f" (several per text: {preview.info.get('per_text', 0):.1f} on average, {none:,} texts with none)"
                )
            self.status.setText(
                f"{name}: {len(preview.rows):,} rows, {preview.usable:,} usable, "
                f"{n_labels} label{'s' if n_labels != 1 else ''}{several}, {len(preview.problems)} problem"
                f"{'s' if len(preview.problems) != 1 else ''}."
            )
            self.status.setStyleSheet("")
            if self.multi_check is not None:
                self._updating = True
                self.multi_check.setChecked(multi)
                self._updating = False
                # 0/1 columns and JSON lists are not joined by anything
                joined = not isinstance(preview.roles.get("label"), list) and not preview.info.get("json_lists")
                self.separator_edit.setEnabled(multi and joined)
                self._show_coarse_choice(preview.info)
            roles = {k: v for k, v in preview.roles.items() if v}
            self.project.update_data(
                train_file=preview.path,
                columns=roles,
                num_labels=max(2, n_labels) if n_labels else 2,
                multi_label=multi,
            )
            self._set_problem(train="")
        self._check_eval_file()
        self.preview_ready.emit(preview)

    def _set_problem(
        self, train: str | None = None, evaluation: str | None = None, tokenizer: str | None = None
    ) -> None:
        """What makes the training or the validation file (or the tokenizer chosen) unusable, for the
        project (a run does not start while there is such a problem)."""
        if train is not None:
            self._train_problem = train
        if evaluation is not None:
            self._eval_problem = evaluation
        if tokenizer is not None:
            self._tokenizer_problem = tokenizer
        self.project.set_data_problem(self._train_problem or self._eval_problem or self._tokenizer_problem)

    def choose_task(self, task: str, clear_file: bool = False) -> None:
        """Switch to `task`; with `clear_file`, forget the training file (a new one is needed)."""
        if clear_file:
            self._show_no_file(task)
        i = self.task_box.findData(task)
        if i >= 0 and i != self.task_box.currentIndex():
            self.task_box.setCurrentIndex(i)  # reads the file again with that task's reader
        elif clear_file:
            self._build_role_boxes()

    def _show_no_file(self, task: str, keep_eval: bool = False) -> None:
        """No training file: what `task` takes, in its place; the validation file too, unless kept."""
        self._request += 1  # a read in flight is now stale
        self.path_edit.clear()
        self.preview = None
        self.table_model.set_rows([], [], [], set())
        self.problems.set_problems([])
        self.problem_note.setText("")
        self.label_chart.set_counts({})
        self.labels_box.hide()
        self.project.update_data(train_file="", columns={}, **({} if keep_eval else {"eval_file": ""}))
        if not keep_eval:
            self._forget_eval_file()
        self._set_problem(train="")
        self.status.setText(reader_for(task).hint)
        self.status.setStyleSheet("")

    # -- slots --------------------------------------------------------------------------------
    def _on_task_chosen(self, _index: int) -> None:
        if self._updating:
            return
        # Each task keeps its own files: back on a task, the training file it last read well, with its
        # validation file; a task with none starts with none (a labelled CSV is no corpus). A file the
        # task shown cannot use goes to the new task instead: a CoNLL file opened for classification by
        # mistake is read as NER data.
        s = self.project.state
        self._eval_by_task[s.task] = (s.train_file, s.eval_file)  # "" too: a file let go stays let go
        task = self.task_box.currentData()
        train, kept = self._eval_by_task.get(task, ("", ""))
        shown = self.path_edit.text()
        unusable = bool(shown) and (shown != s.train_file or bool(self._train_problem))
        if unusable:
            path = shown
        else:
            path = train if train and Path(train.split(os.pathsep)[0]).exists() else ""
        kept = kept if train == path else ""
        self.project.update_data(task=task, columns={}, eval_file=kept)
        self._show_eval_file(kept)
        self._build_role_boxes()
        self._sync_tokenizer_enabled()
        if path:
            self.open_file(path)
        else:  # nothing read for this task yet: what it takes, and no file
            self._show_no_file(task, keep_eval=True)

    def _on_role_chosen(self, _text: str) -> None:
        if self._updating or not self.preview:
            return
        columns = self._chosen_columns()
        # 0/1 columns are one label per text when one-hot, else several; a single label column is read as
        # the box says, or, right after 0/1 columns, as the column looks
        if isinstance(columns.get("label"), list):
            multi = None
        elif isinstance(self.preview.roles.get("label"), list):
            multi = None
        else:
            multi = self.project.state.multi_label
        self.open_file(self.preview.path, columns, multi_label=multi)

    def _on_open_clicked(self) -> None:
        reader = reader_for(self.project.state.task)
        if reader.task == "pretrain":
            paths, _ = QFileDialog.getOpenFileNames(self, "Choose the corpus files", "", reader.file_filter)
            if paths:
                self.open_file(os.pathsep.join(paths))
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open training data", "", reader.file_filter)
        if path:
            self.open_file(path)

    def _on_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of text files")
        if folder:
            self.open_file(folder)

    def _on_vocab_edited(self, value: int) -> None:
        if not self._updating:
            self.project.update_training(tokenizer_vocab_size=value)

    def _on_tokenizer_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model or run folder to take the tokenizer from")
        if folder:
            self.tokenizer_edit.setText(folder)
            self._on_tokenizer_edited()

    def _on_tokenizer_edited(self) -> None:
        """A tokenizer taken from a model keeps its vocabulary: the size to train is then moot."""
        if self._updating:
            return
        source = self.tokenizer_edit.text().strip()
        if source == (self.project.state.training.get("tokenizer_from") or ""):
            return
        self.vocab_spin.setEnabled(not source)
        changes = {"tokenizer_from": source}
        if source:
            changes["tokenizer_vocab_size"] = 0
            self._updating = True
            self.vocab_spin.setValue(0)
            self._updating = False
        self.project.update_training(**changes)
        self._count_pieces()

    def _on_path_entered(self) -> None:
        if self.path_edit.text().strip():
            self.open_file(self.path_edit.text().strip())

    def _on_open_eval_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open validation data", "", reader_for(self.project.state.task).file_filter
        )
        if path:
            self.eval_edit.setText(path)
            self.file_radio.setChecked(True)
            self._on_split_edited()

    def _sync_split_enabled(self) -> None:
        use_file = self.file_radio.isChecked()
        self.fraction_spin.setEnabled(not use_file)
        self.eval_edit.setEnabled(use_file)
        self.eval_button.setEnabled(use_file)

    def _on_split_edited(self, *_) -> None:
        self._sync_split_enabled()
        if self._updating:
            return
        use_file = self.file_radio.isChecked()
        before = self.project.state.eval_file
        self.project.update_data(
            val_fraction=self.fraction_spin.value(),
            seed=self.seed_spin.value(),
            eval_file=self.eval_edit.text().strip() if use_file else "",
        )
        if self.project.state.eval_file != before:
            self._check_eval_file()

    def _forget_eval_file(self) -> None:
        self._show_eval_file("")

    def _show_eval_file(self, path: str) -> None:
        """Show the project's validation file (or, for "", the share held out of the training
        file) and read it as a run will."""
        self._updating = True
        self.eval_edit.setText(path)
        (self.file_radio if path else self.fraction_radio).setChecked(True)
        self._updating = False
        self._sync_split_enabled()
        self._check_eval_file()

    def _check_eval_file(self) -> None:
        """Read the validation file in the background as a run will (the training file's columns):
        say what it holds, or why it cannot be used, before a run fails on it."""
        self._eval_request += 1
        path = self.project.state.eval_file
        if not path:
            self.eval_note.hide()
            self._set_problem(evaluation="")
            return
        name = Path(path.split(os.pathsep)[0]).name
        if not all(Path(p).exists() for p in path.split(os.pathsep) if p.strip()):
            self._show_eval_note(f"{name}: no such file", f"the validation file {path} does not exist")
            return
        self.eval_note.setText(f"Reading {name}…")
        self.eval_note.setStyleSheet("")
        self.eval_note.show()
        s = self.project.state
        columns = s.columns or None if s.task == "classification" else None
        options = {"multi_label": s.multi_label, "label_separator": s.label_separator, "label_before": s.label_before}
        request = self._eval_request
        run_in_thread(
            _tagged_read,
            request,
            reader_for(s.task).read,
            path,
            columns,
            options,
            on_returned=self._on_eval_read,
            on_errored=lambda err: self._on_eval_read((request, err)),
        )

    def _on_eval_read(self, result: tuple[int, DataPreview | BaseException]) -> None:
        request, outcome = result
        if request != self._eval_request:
            return
        name = Path(self.project.state.eval_file.split(os.pathsep)[0]).name
        if isinstance(outcome, BaseException):
            self._show_eval_note(f"{name} cannot be read: {outcome}", f"the validation file {name}: {outcome}")
            return
        errors = [p for p in outcome.problems if p.severity == "error"]
        if not outcome.usable:
            first = str(errors[0]) if errors else "it has no usable rows"
            self._show_eval_note(f"{name} cannot be used: {first}", f"the validation file cannot be used: {first}")
            return
        note = f"{name}: {outcome.usable:,} usable"
        if errors:
            note += f", {len(errors):,} left out (first: {errors[0]})"
        known = set(self.preview.label_counts) if self.preview is not None else set()
        if self.project.state.task == "classification" and known and outcome.label_counts:
            unknown = sorted(set(outcome.label_counts) - known)
            said = unscored_reason(known, outcome.info.get("row_labels") or [])  # as a run would refuse it
            if said:
                self._show_eval_note(f"{name} cannot be used: {said}", f"the validation file {name}: {said}")
                return
            if unknown:
                note += (
                    f"; labels the training file does not have: {', '.join(unknown[:5])}"
                    + (" …" if len(unknown) > 5 else "") + " (their rows are not scored)"
                )  # fmt: skip
        self.eval_note.setText(note + ".")
        self.eval_note.setStyleSheet("")
        self.eval_note.show()
        self._set_problem(evaluation="")

    def _show_eval_note(self, note: str, problem: str) -> None:
        self.eval_note.setText(note)
        self.eval_note.setStyleSheet(theme.ERROR_TEXT)
        self.eval_note.show()
        self._set_problem(evaluation=problem)

    def _sync_tokenizer_enabled(self) -> None:
        """The tokenizer choices hold for pre-training with new weights only: a start from a model
        brings its own tokenizer."""
        applies = self.project.tokenizer_choices_apply()
        self.tokenizer_edit.setEnabled(applies)
        self.tokenizer_button.setEnabled(applies)
        self.vocab_spin.setEnabled(applies and not self.tokenizer_edit.text())
        why = "" if applies else " (not used now: the run starts from a model, which brings its own tokenizer)"
        self.tokenizer_edit.setToolTip(TOKENIZER_TIP + why)

    def _on_problem_selected(self, problem: Problem) -> None:
        row = self.table_model.row_of_line(problem.line) if problem.line else -1
        if row < 0:
            self.problem_note.setText(
                f"Line {problem.line} is not in the preview: the row could not be read as a row of the table."
                if problem.line
                else "This problem concerns the whole file."
            )
            return
        index = self.table_model.index(row, 0)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.table.selectRow(row)
        self.problem_note.setText(f"Line {problem.line} is selected in the preview.")

    # -- drag and drop ------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        if self.project.state.task == "pretrain":
            paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
            if paths:
                self.open_file(os.pathsep.join(paths))
                event.acceptProposedAction()
            return
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_file(url.toLocalFile())
                event.acceptProposedAction()
                return


def _said_of_it(message: str) -> str:
    """A file's problem as the end of "x.csv cannot be used: …": "it has no usable rows" where the
    message says what the file does, "no such file; check the path" as it is."""
    verb = message.split(" ", 1)[0]
    return f"it {message}" if verb in SAYS_WHAT_IT_DOES else message


# verbs a reader's message about a file starts with ("has no usable rows", "does not look like …")
SAYS_WHAT_IT_DOES = {
    "has",
    "is",
    "holds",
    "looks",
    "reads",
    "cannot",
    "seems",
    "was",
    "does",
    "needs",
    "names",
    "lacks",
}
