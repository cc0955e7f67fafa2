"""Classification metrics: accuracy, macro F1, MCC (two classes) and the confusion matrix."""

from __future__ import annotations


def classification_metrics(y_true: list[int], y_pred: list[int], num_labels: int) -> dict:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, matthews_corrcoef

    labels = list(range(num_labels))
    out = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    if num_labels == 2:
        out["mcc"] = float(matthews_corrcoef(y_true, y_pred))
    return out


def label_scores(confusion: list[list[int]], labels: list[str]) -> list[dict]:
    """Precision, recall, F1 and support of each label, read from a confusion matrix whose rows
    are the true labels and columns the predicted ones (sklearn's layout)."""
    out = []
    for j, label in enumerate(labels):
        hit = confusion[j][j]
        predicted = sum(row[j] for row in confusion)
        support = sum(confusion[j])
        p = hit / predicted if predicted else 0.0
        r = hit / support if support else 0.0
        out.append({"label": label, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                    "support": support})  # fmt: skip
    return out
