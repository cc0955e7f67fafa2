"""What the playground shows for each task: inputs to type into and the prediction.

Every view has the same small interface, so a task adds a view without touching the page:
`inputs()` → (text, context), `inputs_edited` signal, `show_result(dict)`, `clear_result()`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from albert_core.metrics import side_by_side

ENTITY_COLORS = ["#ffd54f", "#81d4fa", "#a5d6a7", "#f48fb1", "#ce93d8", "#ffab91", "#b0bec5"]


def probability_bar() -> QProgressBar:
    """A bar for one probability, in steps of 0.1%, with the percentage written on it."""
    bar = QProgressBar()
    bar.setRange(0, 1000)
    bar.setTextVisible(True)
    return bar


def clear_layout(layout) -> None:
    """Remove every widget from a layout (they are deleted once control returns to Qt)."""
    while layout.count():
        item = layout.takeAt(0)
        if item.widget():
            item.widget().deleteLater()


def show_probability(bar: QProgressBar, p: float) -> None:
    bar.setValue(int(round(p * 1000)))
    bar.setFormat(f"{p:.1%}")


class PredictionView(QWidget):
    inputs_edited = Signal()
    task = ""

    def inputs(self) -> tuple[str, str | None]:
        raise NotImplementedError

    def show_result(self, result: dict) -> None:
        raise NotImplementedError

    def clear_result(self) -> None:
        pass

    def missing_input(self) -> str:
        """What to type before a prediction means anything ("" when the inputs are enough); the
        view shows it in place of a result (`show_missing`)."""
        return ""

    def show_missing(self, text: str) -> None:
        pass

    def set_text(self, text: str, context: str | None = None) -> None:
        raise NotImplementedError


class ClassificationView(PredictionView):
    """A text box (and an optional second text) and one probability bar per label; past ten
    labels, bars for the ten most likely, in that order, and the rest summed in one line."""

    task = "classification"
    MAX_BARS = 10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setTabChangesFocus(True)  # Tab moves on, as in a form
        self.text_edit.setPlaceholderText("Type a sentence…")
        self.text_edit.setMaximumHeight(110)
        self.pair_edit = QLineEdit()
        self.pair_edit.setPlaceholderText("Second text (only for models trained on text pairs)")
        self.text_edit.textChanged.connect(self.inputs_edited)
        self.pair_edit.textChanged.connect(self.inputs_edited)
        self.label = QLabel()
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.label.setFont(font)
        self.bars_widget = QWidget()
        self.bars = QGridLayout(self.bars_widget)
        self.bars.setColumnStretch(1, 1)
        self._rows: list[tuple[QLabel, QProgressBar]] = []  # (label name, its probability)
        self.rest_label = QLabel()  # "40 more labels, 2.1% together"
        self.rest_label.hide()
        self.cut_note = QLabel()  # a text longer than the model reads
        self.cut_note.setWordWrap(True)
        self.cut_note.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.text_edit)
        layout.addWidget(self.pair_edit)
        layout.addWidget(self.label)
        layout.addWidget(self.bars_widget)
        layout.addWidget(self.rest_label)
        layout.addWidget(self.cut_note)
        layout.addStretch(1)
        self.scores: dict[str, float] = {}

    def inputs(self) -> tuple[str, str | None]:
        return self.text_edit.toPlainText(), (self.pair_edit.text() or None)

    def show_pair(self, reads_pairs: bool | None) -> None:
        """The second text box only for a model that reads text pairs (None: not known, shown)."""
        self.pair_edit.setVisible(reads_pairs is not False)
        if reads_pairs is False and self.pair_edit.text():
            self.pair_edit.clear()
        self.pair_edit.setPlaceholderText(
            "Second text: this model reads text pairs"
            if reads_pairs
            else "Second text (only for models trained on text pairs)"
        )

    def set_text(self, text: str, context: str | None = None) -> None:
        self.text_edit.setPlainText(text)
        self.pair_edit.setText(context or "")

    def show_result(self, result: dict) -> None:
        scores = dict(result.get("scores") or {})
        self.scores = scores
        multi = "labels" in result  # a multi-label classifier: each bar is a yes/no of its own
        thresholds = dict(result.get("thresholds") or {}) if multi else {}
        tuned = any(t != 0.5 for t in thresholds.values())
        if multi:
            self.label.setText(", ".join(result["labels"]) or "no label")
            self.label.setToolTip(
                ("Each label at its own threshold or above, tuned for F1 on the validation set (written on its bar)"
                 if tuned else "Every label at 50% or more")
                + "; each label's probability is its own, they need not add up to 100%"
            )  # fmt: skip
        else:
            self.label.setText(str(result.get("label", "")))
            self.label.setToolTip("")
        names = list(scores)
        if len(names) > self.MAX_BARS:
            names = sorted(names, key=scores.get, reverse=True)[: self.MAX_BARS]
        self._set_row_count(len(names))
        given = set(result.get("labels") or ())
        for (name_label, bar), name in zip(self._rows, names, strict=True):
            name_label.setText(str(name))
            font = name_label.font()
            font.setBold(name in given)  # the labels given, in bold
            name_label.setFont(font)
            show_probability(bar, scores[name])
            if tuned and name in thresholds:
                shown, given_from = side_by_side(scores[name], thresholds[name], percent=True)
                bar.setFormat(f"{shown}  (given from {given_from})")
                bar.setToolTip(f"{name} is given when its probability is {thresholds[name]:.1%} or more")
            else:
                bar.setToolTip("")
        rest = len(scores) - len(names)
        if rest:
            drawn = set(names)
            others = [p for name, p in scores.items() if name not in drawn]
            if multi:  # independent probabilities: their sum means nothing, their largest does
                self.rest_label.setText(
                    f"1 more label, {others[0]:.1%}"
                    if rest == 1
                    else f"{rest} more labels, each {max(others):.1%} or less"
                )
            else:
                self.rest_label.setText(
                    f"1 more label, {sum(others):.1%}"
                    if rest == 1
                    else f"{rest} more labels, {sum(others):.1%} together"
                )
        self.rest_label.setVisible(bool(rest))
        if result.get("read"):
            self.cut_note.setText(
                f"<i>The text is {result['pieces']:,} pieces long; the model reads the first {result['read']:,} "
                "(its max length), so the rest has no say in this answer.</i>"
            )
        self.cut_note.setVisible(bool(result.get("read")))

    def shown(self) -> list[tuple[str, str]]:
        """The bars as drawn: (label, percentage text)."""
        return [(name.text(), bar.format()) for name, bar in self._rows]

    def _set_row_count(self, n: int) -> None:
        while len(self._rows) > n:
            for w in self._rows.pop():
                self.bars.removeWidget(w)
                w.deleteLater()
        while len(self._rows) < n:
            row = (QLabel(), probability_bar())
            self.bars.addWidget(row[0], len(self._rows), 0)
            self.bars.addWidget(row[1], len(self._rows), 1)
            self._rows.append(row)

    def clear_result(self) -> None:
        self.label.setText("")
        self.rest_label.hide()
        self.cut_note.hide()
        self._set_row_count(0)  # no bars named for a text not predicted (or a model that is gone)


def _highlight(edit: QTextEdit, spans: list[tuple[int, int, str, str]]) -> None:
    """Colour character spans (start, end, colour, tooltip) of a text edit without editing its text."""
    selections = []
    n = len(edit.toPlainText())
    for start, end, color, tooltip in spans:
        if not (0 <= start < end <= n):
            continue
        sel = QTextEdit.ExtraSelection()
        cursor = QTextCursor(edit.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(color))
        fmt.setForeground(QColor("#000000"))
        fmt.setToolTip(tooltip)
        sel.cursor = cursor
        sel.format = fmt
        selections.append(sel)
    edit.setExtraSelections(selections)


def highlighted(edit: QTextEdit) -> list[tuple[int, int, str]]:
    """The spans highlighted in a text edit: (start, end, background colour)."""
    return [
        (sel.cursor.selectionStart(), sel.cursor.selectionEnd(), sel.format.background().color().name())
        for sel in edit.extraSelections()
    ]


class QAView(PredictionView):
    """A question and a context (typed, pasted or loaded from a file); the best answer is
    highlighted in the context with its score, the next best are listed, and "no answer" is
    said when the model finds none (SQuAD v2.0-style models)."""

    task = "qa"
    MAX_CONTEXT_CHARS = 200_000

    def __init__(self, parent=None):
        super().__init__(parent)
        self.question_edit = QLineEdit()
        self.question_edit.setPlaceholderText("Question")
        self.context_edit = QTextEdit()
        self.context_edit.setTabChangesFocus(True)  # Tab moves on, as in a form
        self.context_edit.setAcceptRichText(False)
        self.context_edit.setPlaceholderText("Paste the passage that holds the answer, or load it from a file…")
        self.load_button = QPushButton("Load context…")
        self.load_button.setToolTip("Read the passage from a text file")
        self.load_button.clicked.connect(self._on_load_clicked)
        self.question_edit.textChanged.connect(self.inputs_edited)
        self.context_edit.textChanged.connect(self._on_context_changed)
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self.answer.setTextFormat(Qt.TextFormat.RichText)
        self.alternatives = QLabel()
        self.alternatives.setWordWrap(True)
        self.alternatives.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        row.addWidget(self.question_edit, 1)
        row.addWidget(self.load_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.context_edit, 1)
        layout.addWidget(self.answer)
        layout.addWidget(self.alternatives)
        self.result: dict = {}

    def _on_context_changed(self) -> None:
        self.context_edit.setExtraSelections([])
        self.inputs_edited.emit()

    def _on_load_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a context", "", "Text (*.txt *.md);;All files (*)")
        if path:
            self.load_context(path)

    def load_context(self, path: str) -> bool:
        """Put the text of a file in the context box; False (and a message) when it cannot be read."""
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read(self.MAX_CONTEXT_CHARS)
        except OSError as e:
            self.answer.setText(f"<i>Could not read {html.escape(path)}: {html.escape(e.strerror or str(e))}</i>")
            return False
        self.context_edit.setPlainText(text)
        return True

    def inputs(self) -> tuple[str, str | None]:
        return self.question_edit.text(), self.context_edit.toPlainText()

    def missing_input(self) -> str:
        if not self.context_edit.toPlainText().strip():  # no passage: no answer can be in it, or not
            return "Paste a passage (or load one) to find the answer in."
        return ""

    def set_text(self, text: str, context: str | None = None) -> None:
        self.question_edit.setText(text)
        self.context_edit.setPlainText(context or "")

    def show_result(self, result: dict) -> None:
        self.result = result
        answers = result.get("answers") or []
        if result.get("no_answer") or not answers:
            self.answer.setText("<b>No answer</b> <i>in this passage: the model's no-answer score wins.</i>")
            self.alternatives.setText(self._others(answers, "best span anyway"))
            _highlight(self.context_edit, [])
            return
        best = answers[0]
        self.answer.setText(
            f"Answer: <span style='background:{ENTITY_COLORS[0]};color:#000'>&nbsp;{html.escape(best['text'])}"
            f"&nbsp;</span> &nbsp;confidence {best.get('score', 0):.1%}"
        )
        self.alternatives.setText(self._others(answers[1:], "next best"))
        _highlight(
            self.context_edit, [(best["start"], best["end"], ENTITY_COLORS[0], f"answer ({best.get('score', 0):.1%})")]
        )

    @staticmethod
    def _others(answers: list[dict], title: str) -> str:
        if not answers:
            return ""
        items = "".join(
            f"<li>{html.escape(a['text'])} &nbsp;<small>({a.get('score', 0):.1%})</small></li>" for a in answers[:4]
        )
        return f"<small>{title}:</small><ol style='margin-top:0'>{items}</ol>"

    def clear_result(self) -> None:
        self.answer.setText("")
        self.alternatives.setText("")
        _highlight(self.context_edit, [])

    def show_missing(self, text: str) -> None:
        self.answer.setText(f"<i>{html.escape(text)}</i>")


class NERView(PredictionView):
    """A text box whose entities are highlighted, one colour per type, with a legend."""

    task = "ner"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text_edit = QTextEdit()
        self.text_edit.setTabChangesFocus(True)  # Tab moves on, as in a form
        self.text_edit.setAcceptRichText(False)
        self.text_edit.setPlaceholderText("Type a sentence with names, places, organisations…")
        self.text_edit.textChanged.connect(self._on_text_changed)
        self.entities_label = QLabel()
        self.entities_label.setWordWrap(True)
        self.entities_label.setTextFormat(Qt.TextFormat.RichText)
        self.text_edit.setMaximumHeight(160)  # the entities found sit right under the text, not a page below
        layout = QVBoxLayout(self)
        layout.addWidget(self.text_edit)
        layout.addWidget(self.entities_label)
        layout.addStretch(1)
        self._colors: dict[str, str] = {}
        self.result: dict = {}

    def _on_text_changed(self) -> None:
        self.text_edit.setExtraSelections([])
        self.inputs_edited.emit()

    def inputs(self) -> tuple[str, str | None]:
        return self.text_edit.toPlainText(), None

    def set_text(self, text: str, context: str | None = None) -> None:
        self.text_edit.setPlainText(text)

    def _color(self, kind: str) -> str:
        if kind not in self._colors:
            self._colors[kind] = ENTITY_COLORS[len(self._colors) % len(ENTITY_COLORS)]
        return self._colors[kind]

    def show_result(self, result: dict) -> None:
        self.result = result
        ents = result.get("entities") or []
        spans = [(e["start"], e["end"], self._color(e["type"]), f"{e['type']} ({e.get('score', 0):.2f})") for e in ents]
        _highlight(self.text_edit, spans)
        if not ents:
            self.entities_label.setText("<i>No entities found.</i>")
            return
        parts = [
            f"<span style='background:{self._color(e['type'])};color:#000'>&nbsp;{html.escape(e['text'])}&nbsp;</span> "
            f"{html.escape(e['type'])} <small>{e.get('score', 0):.0%}</small>"
            for e in ents
        ]
        legend = " ".join(
            f"<span style='background:{self._color(t)};color:#000'>&nbsp;{html.escape(t)}&nbsp;</span>"
            for t in dict.fromkeys(e["type"] for e in ents)
        )
        self.entities_label.setText(" · ".join(parts) + f"<br><small>types:</small> {legend}")

    def clear_result(self) -> None:
        self.entities_label.setText("")
        _highlight(self.text_edit, [])


class FillMaskView(PredictionView):
    """For a pre-trained model: a sentence with [MASK] in it, the sentence with the best guesses
    filled in, and for each [MASK] its five likeliest pieces with their probabilities."""

    task = "pretrain"
    TOP = 5

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setTabChangesFocus(True)  # Tab moves on, as in a form
        self.text_edit.setPlaceholderText("Type a sentence and put [MASK] where the model should guess a word…")
        self.text_edit.setMaximumHeight(110)
        self.text_edit.textChanged.connect(self.inputs_edited)
        self.insert_button = QPushButton("Insert [MASK]")
        self.insert_button.setToolTip("Put [MASK] at the cursor (Ctrl+M)")
        self.insert_button.setShortcut("Ctrl+M")
        self.insert_button.clicked.connect(self._insert_mask)
        self.filled = QLabel()
        self.filled.setWordWrap(True)
        self.filled.setTextFormat(Qt.TextFormat.RichText)
        font = self.filled.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.filled.setFont(font)
        self.guesses_widget = QWidget()
        self.guesses = QGridLayout(self.guesses_widget)
        self.guesses.setColumnStretch(2, 1)
        row = QHBoxLayout()
        row.addWidget(self.insert_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text_edit)
        layout.addLayout(row)
        layout.addWidget(self.filled)
        layout.addWidget(self.guesses_widget)
        layout.addStretch(1)
        self.result: dict = {}

    def _insert_mask(self) -> None:
        cursor = self.text_edit.textCursor()
        before = self.text_edit.toPlainText()[: cursor.position()]
        cursor.insertText(("" if not before or before.endswith(" ") else " ") + "[MASK]")
        self.text_edit.setFocus()

    def inputs(self) -> tuple[str, str | None]:
        return self.text_edit.toPlainText(), None

    def set_text(self, text: str, context: str | None = None) -> None:
        self.text_edit.setPlainText(text)

    def _clear_guesses(self) -> None:
        clear_layout(self.guesses)

    def show_result(self, result: dict) -> None:
        self.result = result
        self._clear_guesses()
        masks = result.get("masks") or []
        if not masks:
            self.filled.setText(f"<i>{html.escape(result.get('hint', ''))}</i>")
            return
        # the filled-in sentence, each guess highlighted
        parts = result.get("text", "").split("[MASK]")
        if len(parts) == len(masks) + 1:
            shown = html.escape(parts[0])
            for m, rest in zip(masks, parts[1:], strict=True):
                best = m["candidates"][0]
                shown += f"<b style='background:{ENTITY_COLORS[1]};color:#000'>&nbsp;{html.escape(best['text'] or best['token'])}&nbsp;</b>"
                shown += html.escape(rest)
        else:
            shown = html.escape(result.get("filled", ""))
        self.filled.setText(shown)
        row = 0
        for k, m in enumerate(masks, 1):
            self.guesses.addWidget(QLabel(f"<b>[MASK] {k}</b>" if len(masks) > 1 else "<b>Guesses</b>"), row, 0, 1, 3)
            row += 1
            for c in m["candidates"][: self.TOP]:
                bar = probability_bar()
                show_probability(bar, c["score"])
                label = QLabel(c["text"] or c["token"])
                label.setTextFormat(Qt.TextFormat.PlainText)
                label.setToolTip(f"piece {c['token']!r} (id {c['id']})")
                self.guesses.addWidget(label, row, 1)
                self.guesses.addWidget(bar, row, 2)
                row += 1

    def clear_result(self) -> None:
        self.filled.setText("")
        self._clear_guesses()


VIEWS: dict[str, type[PredictionView]] = {
    "classification": ClassificationView,
    "qa": QAView,
    "ner": NERView,
    "pretrain": FillMaskView,
}
