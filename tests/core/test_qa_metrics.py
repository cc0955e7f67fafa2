"""SQuAD exact match / F1, worked by hand with the official evaluation script's rules."""

import pytest

from albert_core.metrics_qa import exact_match, f1, normalize_answer, score_one, squad_scores


def test_normalisation_follows_the_official_rules():
    assert normalize_answer("The  Denver Broncos!") == "denver broncos"
    assert normalize_answer("an apple, a pear") == "apple pear"
    assert normalize_answer("Theatre") == "theatre"  # "the" only as a whole word
    assert normalize_answer("  A  ") == ""
    assert normalize_answer("U.S.-based") == "usbased"  # punctuation removed, not replaced


def test_exact_match_and_f1_by_hand():
    assert exact_match("the Eiffel Tower", "Eiffel tower.") == 1.0
    assert exact_match("Eiffel", "Eiffel Tower") == 0.0
    # prediction "eiffel tower paris" vs gold "eiffel tower": 2 common, P = 2/3, R = 1, F1 = 0.8
    assert f1("Eiffel Tower, Paris", "the Eiffel Tower") == pytest.approx(0.8)
    # "in" is not an article: 4 predicted tokens, P = 1/2, R = 1, F1 = 2/3
    assert f1("Eiffel Tower in Paris", "the Eiffel Tower") == pytest.approx(2 / 3)
    # repeated tokens count with multiplicity: pred "a b b" → "b b" (a removed), gold "b c"
    assert f1("b b", "b c") == pytest.approx(0.5)  # common 1, P 1/2, R 1/2
    assert f1("nothing", "something else") == 0.0
    assert f1("", "") == 1.0 and f1("x", "") == 0.0 and f1("", "x") == 0.0


def test_best_over_gold_answers_and_empty_golds():
    em, f = score_one("Denver", ["Denver Broncos", "the Denver Broncos", "Denver"])
    assert em == 1.0 and f == 1.0
    em, f = score_one("Broncos of Denver", ["Denver Broncos", "Carolina"])
    assert em == 0.0 and f == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))
    # a gold answer that normalises to nothing is dropped; none left → the empty answer is expected
    assert score_one("", ["the"]) == (1.0, 1.0)
    assert score_one("x", []) == (0.0, 0.0)


def test_v1_totals_in_percent():
    refs = {"1": ["Paris"], "2": ["blue whale"], "3": ["1066"]}
    preds = {"1": "paris", "2": "the whale", "3": "1067"}
    m = squad_scores(preds, refs)
    assert m["exact"] == pytest.approx(100 / 3)
    # F1: 1, then "whale" vs "blue whale" = 2·1·0.5/1.5 = 2/3, then 0
    assert m["f1"] == pytest.approx(100 * (1 + 2 / 3) / 3)
    assert m["total"] == 3 and "HasAns_exact" not in m


def test_v2_splits_and_threshold_search():
    refs = {"a": ["Paris"], "b": ["Rome"], "c": [], "d": []}
    spans = {"a": "Paris", "b": "Milan", "c": "London", "d": "Oslo"}
    # null score − best span score: high means "probably no answer"
    diff = {"a": -5.0, "b": 1.0, "c": 2.0, "d": -1.0}
    m = squad_scores(spans, refs, diff, threshold=0.0)
    # threshold 0: a → Paris (1), b → "" (0), c → "" (1), d → Oslo (0)
    assert m["exact"] == 50.0 and m["f1"] == 50.0
    assert m["HasAns_exact"] == 50.0 and m["HasAns_total"] == 2
    assert m["NoAns_exact"] == 50.0 and m["NoAns_total"] == 2
    # the official sweep: start at 2 (both unanswerable right); a (+1) at -5 → 3; d (-1) → 2;
    # b (+0) → 2; c (-1) → 1. Best 3/4 at threshold -5: answer only a.
    assert m["best_exact"] == 75.0 and m["best_exact_threshold"] == -5.0
    assert m["best_f1"] == 75.0 and m["best_f1_threshold"] == -5.0
    tuned = squad_scores(spans, refs, diff, threshold=m["best_f1_threshold"])
    assert tuned["exact"] == 75.0


def test_missing_prediction_scores_zero():
    m = squad_scores({}, {"x": ["yes"]})
    assert m["exact"] == 0.0 and m["f1"] == 0.0
