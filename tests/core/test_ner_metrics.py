"""Entity-level NER metrics: the numbers seqeval gives, checked by hand on fixed cases."""

import pytest

from albert_core.metrics_ner import entities, entity_scores


def test_entity_scores_by_hand():
    gold = [
        ["B-PER", "I-PER", "O", "B-LOC"],
        ["B-ORG", "O", "B-PER", "O"],
    ]
    pred = [
        ["B-PER", "I-PER", "O", "B-ORG"],  # PER right, LOC missed, ORG spurious
        ["B-ORG", "O", "B-PER", "I-PER"],  # ORG right, PER span too long: wrong
    ]
    m = entity_scores(gold, pred)
    # gold entities 4, predicted 4, correct 2
    assert m["precision"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(0.5)
    assert m["accuracy"] == pytest.approx(6 / 8)
    per = m["per_type"]
    assert per["PER"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert per["LOC"]["recall"] == 0.0 and per["LOC"]["support"] == 1
    assert per["ORG"]["precision"] == pytest.approx(0.5) and per["ORG"]["recall"] == 1.0


def test_agrees_with_seqeval_directly():
    from seqeval.metrics import f1_score, precision_score, recall_score

    gold = [["O", "B-MISC", "I-MISC", "O", "B-PER"], ["B-LOC", "I-LOC", "I-LOC"]]
    pred = [["O", "B-MISC", "O", "O", "B-PER"], ["B-LOC", "I-LOC", "I-LOC"]]
    m = entity_scores(gold, pred)
    assert m["f1"] == pytest.approx(f1_score(gold, pred))
    assert m["precision"] == pytest.approx(precision_score(gold, pred))
    assert m["recall"] == pytest.approx(recall_score(gold, pred))
    assert m["f1"] == pytest.approx(2 / 3)  # 3 gold, 3 predicted, 2 right


def test_perfect_and_empty():
    tags = [["B-PER", "O"], ["O", "O"]]
    assert entity_scores(tags, tags)["f1"] == 1.0
    m = entity_scores(tags, [["O", "O"], ["O", "O"]])
    assert m["f1"] == 0.0 and m["recall"] == 0.0
    with pytest.raises(ValueError):
        entity_scores(tags, [["O"], ["O", "O"]])


def test_entities_spans():
    assert entities(["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "B-LOC"]) == [("PER", 0, 1), ("LOC", 3, 4), ("LOC", 5, 5)]
    assert entities(["O", "I-ORG", "I-ORG"]) == [("ORG", 1, 2)]  # a chunk may start with I-
