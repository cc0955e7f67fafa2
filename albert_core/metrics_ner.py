"""Entity-level NER metrics, computed by seqeval (the conlleval rules: an entity counts when
its type and its exact word span both match)."""

from __future__ import annotations


def entity_scores(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Precision, recall and F1 over entities (micro-averaged, in 0..1), token accuracy, and the
    same per entity type: {"precision", "recall", "f1", "accuracy", "per_type": {TYPE: {...}}}."""
    from seqeval.metrics import accuracy_score, classification_report, f1_score, precision_score, recall_score

    if len(gold) != len(pred) or any(len(g) != len(p) for g, p in zip(gold, pred, strict=True)):
        raise ValueError("gold and predicted tag sequences differ in shape")
    out = {
        "precision": float(precision_score(gold, pred, zero_division=0)),
        "recall": float(recall_score(gold, pred, zero_division=0)),
        "f1": float(f1_score(gold, pred, zero_division=0)),
        "accuracy": float(accuracy_score(gold, pred)),
    }
    report = classification_report(gold, pred, output_dict=True, zero_division=0)
    out["per_type"] = {
        k: {
            "precision": float(v["precision"]),
            "recall": float(v["recall"]),
            "f1": float(v["f1-score"]),
            "support": int(v["support"]),
        }
        for k, v in report.items()
        if k not in ("micro avg", "macro avg", "weighted avg")
    }
    return out


def entities(tags: list[str]) -> list[tuple[str, int, int]]:
    """The (type, first word, last word) entities of one IOB2 sequence, as seqeval reads them."""
    from seqeval.metrics.sequence_labeling import get_entities

    return [(t, s, e) for t, s, e in get_entities(list(tags))]
