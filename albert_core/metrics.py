"""Classification metrics: accuracy, macro F1 (over the labels the rows have or were given), MCC (two classes) and the confusion matrix; for a
multi-label classifier, micro and macro F1, exact match and each label's outcomes."""

from __future__ import annotations


def classification_metrics(y_true: list[int], y_pred: list[int], num_labels: int) -> dict:
    import warnings

    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, matthews_corrcoef

    labels = list(range(num_labels))
    # macro F1 over the labels these rows have or were given (as sklearn averages by default): a label
    # that a small validation set lacks and no row was given is not a label the model got wrong
    seen = sorted(set(y_true) | set(y_pred))
    out = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=seen, average="macro", zero_division=0)) if seen else 0.0,
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    if num_labels == 2:
        with warnings.catch_warnings():  # a small validation set of one label: MCC is 0, said without a warning
            warnings.simplefilter("ignore", UserWarning)
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


MULTI_LABEL_THRESHOLD = 0.5  # a multi-label classifier gives each label whose probability reaches this


def multilabel_metrics(y_true: list[list[int]], y_pred: list[list[int]]) -> dict:
    """A multi-label classifier's scores from 0/1 rows (one column per label): micro F1 (the main
    metric: every label decision counts once), macro F1, exact match (the share of texts whose
    whole set is right) and each label's outcomes [true positives, false positives, false
    negatives] (`multilabel_scores` reads precision, recall and F1 from them)."""
    import numpy as np
    from sklearn.metrics import f1_score

    t = np.asarray(y_true, dtype=bool).reshape(len(y_true), -1)
    p = np.asarray(y_pred, dtype=bool).reshape(t.shape)
    outcomes = np.stack([(t & p).sum(0), (~t & p).sum(0), (t & ~p).sum(0)], axis=1)
    seen = t.any(0) | p.any(0)
    return {
        "micro_f1": float(f1_score(t, p, average="micro", zero_division=0)),
        # over the labels some row has or was given, as for one label per text
        "macro_f1": float(f1_score(t[:, seen], p[:, seen], average="macro", zero_division=0)) if seen.any() else 0.0,
        "exact_match": float((t == p).all(1).mean()) if len(t) else 0.0,
        "outcomes": outcomes.tolist(),
    }


def tune_thresholds(y_true, probs) -> list[float]:
    """Each label's probability threshold that gives it the best F1 on these rows (0/1 truth and
    probabilities, a column per label): halfway between the probabilities on either side of the best
    cut, kept within 0.05–0.95; 0.5 for a label no row has. Ties go to the cut nearest 0.5."""
    import numpy as np

    t = np.asarray(y_true, dtype=bool).reshape(len(y_true), -1)
    p = np.asarray(probs, dtype=float).reshape(t.shape)
    out = []
    for j in range(t.shape[1]):
        positives = int(t[:, j].sum())
        if not positives:
            out.append(MULTI_LABEL_THRESHOLD)
            continue
        order = np.argsort(-p[:, j], kind="stable")
        ranked, hits = p[order, j], np.cumsum(t[order, j])
        given = np.arange(1, len(ranked) + 1)  # the top k given the label
        f1 = 2 * hits / (given + positives)
        # a cut only between two different probabilities; the one nearest 0.5 among the best
        below = np.append(ranked[1:], 0.0)
        cuts = np.clip((ranked + below) / 2, 0.05, 0.95)
        usable = ranked > below
        if not usable.any():  # every probability the same (or not a number): no cut to choose
            out.append(MULTI_LABEL_THRESHOLD)
            continue
        best = f1[usable].max()
        choice = np.flatnonzero(usable & (f1 >= best - 1e-12))
        out.append(float(cuts[choice[np.argmin(np.abs(cuts[choice] - MULTI_LABEL_THRESHOLD))]]))
    return out


def tuned_metrics(y_true, probs) -> dict:
    """A multi-label classifier's scores with each label's threshold tuned, said honestly: the rows
    are cut in two halves, each half is scored with the thresholds tuned on the other, and the
    halves' decisions are scored together (`multilabel_metrics`'s keys). `thresholds` are then tuned
    on every row, for predictions to use."""
    import numpy as np

    t = np.asarray(y_true, dtype=bool).reshape(len(y_true), -1)
    p = np.asarray(probs, dtype=float).reshape(t.shape)
    decided = np.zeros_like(t)
    halves = [np.arange(len(t)) % 2 == k for k in (0, 1)]
    for fit, apply in (halves, halves[::-1]):
        decided[apply] = p[apply] >= np.asarray(tune_thresholds(t[fit], p[fit]))
    return {**multilabel_metrics(t.tolist(), decided.tolist()), "thresholds": tune_thresholds(t, p)}


def multilabel_scores(outcomes: list[list[int]], labels: list[str]) -> list[dict]:
    """Precision, recall, F1 and support of each label of a multi-label classifier, from its
    [true positives, false positives, false negatives]: the same rows `label_scores` gives."""
    out = []
    for (tp, fp, fn), label in zip(outcomes, labels, strict=True):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        out.append({"label": label, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                    "support": tp + fn})  # fmt: skip
    return out


def saved_thresholds(config, labels: list[str]) -> list[float]:
    """Each label's threshold from a model's config (label_thresholds, tuned in training), 0.5
    for a label it does not name."""
    tuned = getattr(config, "label_thresholds", None) or {}
    return [float(tuned.get(y, MULTI_LABEL_THRESHOLD)) for y in labels]


def scores_by_label(metrics: dict, labels: list[str]) -> list[dict]:
    """Each label's scores from a classifier's metrics: its confusion matrix, or a multi-label
    classifier's outcomes; [] when the metrics hold neither for these labels."""
    confusion, outcomes = metrics.get("confusion"), metrics.get("outcomes")
    if labels and confusion and len(confusion) == len(labels):
        return label_scores(confusion, labels)
    if labels and outcomes and len(outcomes) == len(labels):
        return multilabel_scores(outcomes, labels)
    return []


def side_by_side(p: float, threshold: float, percent: bool = False) -> tuple[str, str]:
    """A probability and its threshold, written with as many digits as it takes to tell which is
    larger: 0.504 beside 0.504 would hide that 0.5038 is under 0.5041 (the label is not given)."""
    scale, suffix, first = (100.0, "%", 1) if percent else (1.0, "", 3)
    for digits in range(first, first + 5):
        a, b = f"{p * scale:.{digits}f}", f"{threshold * scale:.{digits}f}"
        if a != b or p == threshold:
            break
    return a + suffix, b + suffix
