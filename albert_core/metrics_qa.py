"""SQuAD metrics: exact match and F1, as the official v1.1 and v2.0 evaluation scripts compute them.

Answers are normalised (lower case, punctuation removed, the articles a/an/the removed, white
space collapsed) before comparing; a prediction scores the best over its gold answers. In v2.0 a
question without gold answers counts as answered correctly only by the empty string, and the
no-answer threshold (the "null score difference") can be tuned on the evaluation data.
"""

from __future__ import annotations

import collections
import re
import string

_PUNCT = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def normalize_answer(s: str) -> str:
    """Lower text and remove punctuation, articles and extra white space (the official rules)."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction: str, gold: str) -> float:
    """Token overlap F1 between two answers (both empty: 1; one empty: 0, as in v2.0)."""
    pred_toks = normalize_answer(prediction).split()
    gold_toks = normalize_answer(gold).split()
    if not pred_toks or not gold_toks:
        return float(pred_toks == gold_toks)
    common = collections.Counter(pred_toks) & collections.Counter(gold_toks)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_toks)
    recall = same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def score_one(prediction: str, golds: list[str]) -> tuple[float, float]:
    """(exact match, F1) of one prediction: the best over the gold answers. A question with no
    gold answer (SQuAD v2.0) expects the empty prediction."""
    golds = [g for g in golds if normalize_answer(g)] or [""]
    return max(exact_match(prediction, g) for g in golds), max(f1(prediction, g) for g in golds)


def squad_scores(
    predictions: dict[str, str],
    references: dict[str, list[str]],
    no_answer_diff: dict[str, float] | None = None,
    threshold: float | None = None,
) -> dict[str, float]:
    """Exact match and F1 in percent over `references` (id → gold answer texts; [] for none).

    `predictions` maps id → best non-empty span ("" for no answer). With `no_answer_diff`
    (id → null score minus best span score) the prediction becomes "" where the difference is
    above `threshold` (0 when not given), and the best threshold is searched as in the official
    v2.0 script: `best_exact`, `best_f1`, `best_f1_threshold` are added. A question missing from
    `predictions` scores 0. With unanswerable questions, HasAns_/NoAns_ splits are added.
    """
    ems: dict[str, float] = {}
    f1s: dict[str, float] = {}
    final: dict[str, str] = {}
    for qid, golds in references.items():
        pred = predictions.get(qid, "")
        if no_answer_diff is not None and no_answer_diff.get(qid, float("-inf")) > (threshold or 0.0):
            pred = ""
        final[qid] = pred
        ems[qid], f1s[qid] = score_one(pred, golds)
    out = _totals(ems, f1s, list(references), "")
    has = [q for q, g in references.items() if g]
    no = [q for q in references if q not in set(has)]
    if no:
        out.update(_totals(ems, f1s, has, "HasAns_"))
        out.update(_totals(ems, f1s, no, "NoAns_"))
    if no_answer_diff is not None:
        raw = {q: score_one(predictions.get(q, ""), references[q]) for q in references}
        answered = {q for q in references if predictions.get(q, "")}
        best_em, th_em = _best_threshold({q: s[0] for q, s in raw.items()}, no_answer_diff, has, answered)
        best_f1, th_f1 = _best_threshold({q: s[1] for q, s in raw.items()}, no_answer_diff, has, answered)
        out.update(
            best_exact=best_em,
            best_exact_threshold=th_em,
            best_f1=best_f1,
            best_f1_threshold=th_f1,
        )
    return out


def _totals(ems: dict[str, float], f1s: dict[str, float], ids: list[str], prefix: str) -> dict[str, float]:
    n = len(ids)
    if n == 0:
        return {f"{prefix}exact": 0.0, f"{prefix}f1": 0.0, f"{prefix}total": 0}
    return {
        f"{prefix}exact": 100.0 * sum(ems[q] for q in ids) / n,
        f"{prefix}f1": 100.0 * sum(f1s[q] for q in ids) / n,
        f"{prefix}total": n,
    }


def _best_threshold(
    raw: dict[str, float], diff: dict[str, float], has: list[str], answered: set[str]
) -> tuple[float, float]:
    """The official `find_best_thresh`: start from "no answer" everywhere and sweep the threshold
    up through the sorted null-score differences. Answering an answerable question earns its span's
    score; answering an unanswerable one with a span loses its point. Returns (best score in
    percent, threshold)."""
    has_set = set(has)
    score = current = float(len(raw) - len(has_set))
    best_thresh = 0.0
    for q in sorted((q for q in raw if q in diff), key=lambda q: diff[q]):
        if q in has_set:
            current += raw[q]
        elif q in answered:
            current -= 1.0
        if current > score:
            score, best_thresh = current, diff[q]
    return 100.0 * score / max(1, len(raw)), best_thresh
