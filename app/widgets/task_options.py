"""The settings one task adds to a run (RunConfig.options), as a small form per task.

Question answering: doc_stride, max_answer_length. Named entities: tag_column. Pre-training:
mask_probability, max_ngram, dupe_factor, how documents and sentences are found. Classification has none.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox, QStackedWidget, QWidget

TITLES = {
    "classification": "Text classification",
    "qa": "Question answering",
    "ner": "Named entities",
    "pretrain": "Pre-training",
}


class TaskOptions(QGroupBox):
    """`values()` gives the current task's options; `changed` fires on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Task settings", parent)
        self.task = "classification"
        self.stack = QStackedWidget()
        self.widgets: dict[str, dict[str, QWidget]] = {}
        self._pages: dict[str, QWidget] = {}
        self._add("classification", [])
        self._add(
            "qa",
            [
                ("doc_stride", "Window overlap", QSpinBox(minimum=0, maximum=4096, value=128),
                 "Tokens shared by consecutive windows of a context longer than the maximum length"),
                ("max_answer_length", "Longest answer", QSpinBox(minimum=1, maximum=512, value=30),
                 "The longest answer (in pieces) the model may give"),
            ],
        )  # fmt: skip
        self._add(
            "ner",
            [
                ("tag_column", "Tag column", QSpinBox(minimum=-1, maximum=20, value=-1, specialValueText="last"),
                 "Which column of a CoNLL file holds the tags: the last (as in CoNLL-2003), or one counted "
                 "from 0 for the first"),
            ],
        )  # fmt: skip
        documents = QComboBox()
        documents.addItem("blank line between", "blank_lines")
        documents.addItem("one per file", "file")
        sentences = QComboBox()
        sentences.addItem("split after . ! ?", "punctuation")
        sentences.addItem("one per line", "line")
        self._add(
            "pretrain",
            [
                ("mask_probability", "Masked share",
                 QDoubleSpinBox(minimum=0.01, maximum=0.5, singleStep=0.01, decimals=2, value=0.15),
                 "Share of the pieces hidden for masked language modelling"),
                ("max_ngram", "Longest masked n-gram", QSpinBox(minimum=1, maximum=5, value=3),
                 "ALBERT masks spans of up to this many words"),
                ("dupe_factor", "Cuts of the text", QSpinBox(minimum=1, maximum=100, value=1),
                 "How many times the text is cut into examples, each time at other points with other "
                 "sentence-order swaps; more than 1 helps a small corpus trained for many epochs"),
                ("documents", "Documents", documents, "How the corpus is cut into documents: at blank lines, or one document per file"),
                ("sentences", "Sentences", sentences, "How documents are cut into sentences: after . ! ? (not after abbreviations) and the Chinese and Japanese full stops, or one per line"),
            ],
        )  # fmt: skip
        form = QFormLayout(self)
        form.addRow(self.stack)
        self.set_task("classification")

    def _add(self, task: str, rows: list) -> None:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self.widgets[task] = {}
        for key, label, widget, tip in rows:
            widget.setToolTip(tip)
            form.addRow(label, widget)
            self.widgets[task][key] = widget
            if isinstance(widget, QComboBox):
                # as narrow as the settings column needs; the full text shows in the open list
                widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                widget.setMinimumContentsLength(12)
                widget.currentIndexChanged.connect(self.changed)
            else:
                widget.valueChanged.connect(self.changed)
        self._pages[task] = page
        self.stack.addWidget(page)

    def set_task(self, task: str) -> None:
        self.task = task if task in self._pages else "classification"
        self.stack.setCurrentWidget(self._pages[self.task])
        self.setVisible(bool(self.widgets[self.task]))
        self.setTitle(f"{TITLES[self.task]} settings")

    def values(self) -> dict:
        out = {}
        for key, w in self.widgets[self.task].items():
            out[key] = w.currentData() if isinstance(w, QComboBox) else w.value()
        return out

    def set_values(self, options: dict) -> None:
        """Show `options` (keys of other tasks are ignored); signals are not emitted."""
        for key, value in (options or {}).items():
            w = self.widgets[self.task].get(key)
            if w is None:
                continue
            w.blockSignals(True)
            try:
                if isinstance(w, QComboBox):
                    i = w.findData(value)
                    if i >= 0:
                        w.setCurrentIndex(i)
                else:
                    w.setValue(type(w.value())(value))
            except (TypeError, ValueError):
                pass
            finally:
                w.blockSignals(False)
