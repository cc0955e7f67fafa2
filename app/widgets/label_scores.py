"""A run's validation scores label by label, from its newest eval event: each label's precision,
recall, F1 and support and the confusion matrix for a classifier (which labels it mixes up; a
multi-label classifier has none, each label being a yes/no of its own), each entity type's F1 for
NER. An accuracy of 90% can hide a label the model never gets right; this
panel shows it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from albert_core.metrics import label_scores, multilabel_scores

from .. import theme

MATRIX_UP_TO = 20  # labels; a larger confusion matrix is unreadable here: it is offered as a CSV file


def _table(columns: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setTabKeyNavigation(False)  # Tab leaves the table (the arrows move within it)
    t.setHorizontalHeaderLabels(columns)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 6)
    return t


def _fit_height(t: QTableWidget) -> None:
    """As tall as its rows (a few labels leave no empty box below them); scrolls beyond 14 rows."""
    rows = min(t.rowCount(), 14)
    height = t.horizontalHeader().sizeHint().height() + rows * t.verticalHeader().defaultSectionSize()
    scroll = t.horizontalScrollBar().sizeHint().height() if t.rowCount() > 14 else 0
    t.setMaximumHeight(height + scroll + 2 * t.frameWidth() + 2)


def _item(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


class LabelScores(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.scores = _table(["Precision", "Recall", "F1", "Support"])
        self.matrix_title = QLabel()
        self.matrix_title.setWordWrap(True)
        self.matrix_title.linkActivated.connect(lambda _: self.save_matrix())
        self._matrix: tuple[list[str], list[list[int]]] | None = None  # the labels and matrix shown or offered
        self.matrix = _table([])
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.scores, 1)
        layout.addWidget(self.matrix_title)
        layout.addWidget(self.matrix, 1)
        layout.addStretch(0)
        self.rows: list[dict] = []  # what the scores table shows, one dict per label or type
        self.setMinimumWidth(340)

    def show_events(self, events: list[dict]) -> bool:
        """Fill the panel from a run's events; False (and nothing shown) when they hold no
        per-label scores (a pre-training or QA run, or no evaluation yet)."""
        labels = next((e.get("config", {}).get("labels") for e in events if e.get("event") == "started"), None)
        # the saved model's scores (the best evaluation's with keep_best), else the newest evaluation's
        last = next((e for e in reversed(events) if e.get("event") in ("finished", "eval")), None) or {}
        metrics = last.get("metrics") or {}
        step = last.get("best_step") or last.get("step", 0)
        if self.show_metrics(metrics, labels or [], f"on the validation set at step {step:,}"):
            return True
        types = {k[3:]: v for k, v in metrics.items() if k.startswith("f1_") and isinstance(v, (int, float))}
        if types:
            self._show_types(types, step)
            return True
        self.rows = []
        return False

    def show_metrics(self, metrics: dict, labels: list[str], where: str) -> bool:
        """A classifier's scores by label from its metrics: its confusion matrix, or a multi-label
        classifier's outcomes, whichever fits these labels (as `scores_by_label` chooses); False, and
        nothing shown, when the metrics hold neither for these labels."""
        confusion, outcomes = metrics.get("confusion"), metrics.get("outcomes")
        if labels and confusion and len(confusion) == len(labels):
            self.show_confusion(labels, confusion, where)
        elif labels and outcomes and len(outcomes) == len(labels):
            self.show_outcomes(labels, outcomes, where, metrics.get("thresholds"))
        else:
            return False
        return True

    def _start(self, rows: list[dict], what: str, where: str, columns: list[str]) -> tuple[QTableWidget, dict]:
        """Show `rows` (one per label) in the title and an emptied scores table; returns the
        table and the row of the weakest F1."""
        self.rows = rows
        weakest = min(rows, key=lambda d: d["f1"])
        tied = [d["label"] for d in rows if d["f1"] == weakest["f1"]]  # two at F1 0: both named
        names = " and ".join(f"<b>{y}</b>" for y in tied[:3]) + (f" and {len(tied) - 3} more" if len(tied) > 3 else "")
        if len(tied) == len(rows) > 1:  # all alike: none is weakest
            weakest = None
        said = f" Weakest: {names} (F1 {weakest['f1']:.1%})." if weakest else ""
        self.title.setText(f"<b>By {what}</b>, {where}.{said}")
        t = self.scores
        t.setColumnCount(len(columns))
        t.setHorizontalHeaderLabels(columns)
        t.setRowCount(len(rows))
        t.setVerticalHeaderLabels([d["label"] for d in rows])
        return t, weakest

    def show_confusion(self, labels: list[str], confusion: list[list[int]], where: str) -> None:
        """Each label's scores and the confusion matrix (true labels in rows); `where` says on
        what data, e.g. "on the validation set at step 1,200"."""
        self._fill_scores(
            label_scores(confusion, labels), [sum(row[r] for row in confusion) for r in range(len(labels))], where
        )
        self._show_matrix(labels, confusion)

    def show_outcomes(
        self, labels: list[str], outcomes: list[list[int]], where: str, thresholds: list[float] | None = None
    ) -> None:
        """A multi-label classifier's scores, from each label's [true positives, false positives,
        false negatives], and each label's threshold when given; no confusion matrix: a text may have
        several labels, or none."""
        if thresholds is not None and len(thresholds) != len(labels):
            thresholds = None
        self._fill_scores(multilabel_scores(outcomes, labels), [tp + fp for tp, fp, _ in outcomes], where, thresholds)
        tuned = thresholds is not None and any(t != 0.5 for t in thresholds)
        self._matrix = None
        self.matrix_title.setText(
            "Several labels per text: each label is a yes/no of its own, so no confusion matrix. "
            + (
                "Each is given at its own threshold, tuned for F1 on the validation set."
                if tuned
                else "Each is given at probability 0.5."
            )
        )
        self.matrix.hide()

    def _fill_scores(
        self, rows: list[dict], predicted: list[int], where: str, thresholds: list[float] | None = None
    ) -> None:
        columns = ["Precision", "Recall", "F1", "Support"] + (["Threshold"] if thresholds else [])
        t, weakest = self._start(rows, "label", where, columns)
        for r, d in enumerate(self.rows):
            t.setItem(
                r, 0, _item(f"{d['precision']:.1%}", f"of the {predicted[r]:,} predicted {d['label']}, how many are")
            )
            t.setItem(
                r, 1, _item(f"{d['recall']:.1%}", f"of the {d['support']:,} true {d['label']}, how many were found")
            )
            t.setItem(r, 2, _item(f"{d['f1']:.1%}"))
            t.setItem(r, 3, _item(f"{d['support']:,}"))
            if thresholds:
                t.setItem(r, 4, _item(f"{thresholds[r]:.2f}", f"{d['label']} is given at this probability or above"))
            if weakest and d["f1"] == weakest["f1"] and len(self.rows) > 1:
                t.item(r, 2).setForeground(QColor(theme.COLORS["wrong"]))
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # every column at least as wide as its name ("Threshold" was cut to "Thresholc" in a narrow panel)
        header.setMinimumSectionSize(max(header.fontMetrics().horizontalAdvance(c) for c in columns) + 12)
        _fit_height(t)

    def save_matrix(self, path: str | None = None) -> str:
        """Write the confusion matrix to a CSV file (true labels in rows, predictions in columns),
        asking where unless `path` is given; the path written, "" when none."""
        import csv
        import io

        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from albert_core.runs import atomic_write_text

        if self._matrix is None:
            return ""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save the confusion matrix", "confusion.csv", "CSV (*.csv)")
            if not path:
                return ""
        labels, confusion = self._matrix
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["true \\ predicted", *labels])
        writer.writerows([label, *row] for label, row in zip(labels, confusion, strict=True))
        try:
            atomic_write_text(path, buf.getvalue())
        except OSError as e:
            QMessageBox.warning(self, "Not saved", f"Could not write {path}: {e.strerror or e}")
            return ""
        return path

    def _show_matrix(self, labels: list[str], confusion: list[list[int]]) -> None:
        m = self.matrix
        self._matrix = (list(labels), [list(row) for row in confusion])
        if len(labels) > MATRIX_UP_TO:
            self.matrix_title.setText(
                f"The confusion matrix of {len(labels)} labels is too large to show here: "
                "<a href='save'>save it as a CSV file</a> to read in a spreadsheet."
            )
            m.hide()
            return
        self.matrix_title.setText("<b>Confusion</b>: true labels in rows, predictions in columns.")
        m.show()
        m.setRowCount(len(labels))
        m.setColumnCount(len(labels))
        m.setHorizontalHeaderLabels(labels)
        m.setVerticalHeaderLabels(labels)
        hit, miss = QColor(theme.COLORS["smooth"]), QColor(theme.COLORS["wrong"])
        for i, row in enumerate(confusion):
            total = sum(row) or 1
            for j, n in enumerate(row):
                item = _item(
                    f"{n:,}", f"true {labels[i]}, predicted {labels[j]}: {n:,} ({n / total:.1%} of {labels[i]})"
                )
                if n:
                    shade = QColor(hit if i == j else miss)
                    shade.setAlpha(int(30 + 150 * n / total))
                    item.setBackground(shade)
                m.setItem(i, j, item)
        _fit_height(m)

    def _show_types(self, types: dict[str, float], step: int) -> None:
        rows = [{"label": k, "f1": float(v)} for k, v in sorted(types.items())]
        t, _ = self._start(rows, "entity type", f"on the validation set at step {step:,}", ["Entity F1"])
        for r, d in enumerate(self.rows):
            t.setItem(r, 0, _item(f"{d['f1']:.1%}"))
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        _fit_height(t)
        self.matrix_title.setText("")
        self.matrix.hide()
        self._matrix = None
