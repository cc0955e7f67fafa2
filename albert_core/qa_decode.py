"""From start/end logits to answers: n-best spans over all windows of a question, mapped back
to exact characters of the context, with SQuAD v2.0's no-answer decision.

A span's score is its start logit plus its end logit. The null score is [CLS]'s start plus
end logit (the smallest over the windows, as in Hugging Face's `run_qa.py`); the question is
unanswerable when the null score exceeds the best span's score by more than a threshold that
evaluation tunes (`null_score_diff`).
"""

from __future__ import annotations

import math
import time
import unicodedata
from dataclasses import dataclass, field

from .qa_features import (
    DEFAULT_DOC_STRIDE,
    DEFAULT_MAX_ANSWER_LENGTH,
    DEFAULT_MAX_QUERY_LENGTH,
    QAWindowing,
    encode_windows,
    saved_windowing,
)

DEFAULT_N_BEST = 20


@dataclass
class Decoded:
    answers: list[dict] = field(default_factory=list)  # {"text", "start", "end", "score", "logit"}, best first
    null_score: float = 0.0
    null_score_diff: float = float("inf")  # null score − best span score (inf when no span exists)

    @property
    def best_text(self) -> str:
        return self.answers[0]["text"] if self.answers else ""


def _top(values, allowed: list[int], k: int) -> list[int]:
    return sorted(allowed, key=lambda i: values[i], reverse=True)[:k]


# scripts that put no spaces between words: a span there is kept as the model drew it
NO_SPACES = ("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH KATAKANA", "IDEOGRAPHIC", "THAI", "LAO", "KHMER",
             "MYANMAR", "TIBETAN", "YI ", "JAVANESE", "BALINESE")  # fmt: skip


def _word_char(ch: str) -> bool:
    """A letter, digit or combining mark (the accent of a decomposed é) of a script that puts
    spaces between words."""
    if not (ch.isalnum() or unicodedata.category(ch).startswith("M")):
        return False
    return not unicodedata.name(ch, "").startswith(NO_SPACES)


def whole_words(context: str, start: int, end: int) -> tuple[int, int]:
    """The span [start, end) widened to the whole words it cuts into: a model reads pieces, so its
    best span may start or end inside a word ("ondon" of "London"), and nobody wants that answer."""
    if not 0 <= start < end <= len(context):
        return start, end
    while start > 0 and _word_char(context[start - 1]) and _word_char(context[start]):
        start -= 1
    while end < len(context) and _word_char(context[end]) and _word_char(context[end - 1]):
        end += 1
    return start, end


def decode_windows(
    windows: list[tuple],
    context: str,
    n_best: int = DEFAULT_N_BEST,
    max_answer_length: int = DEFAULT_MAX_ANSWER_LENGTH,
) -> Decoded:
    """`windows` holds (start_logits, end_logits, offsets) per window of one question (logits as
    sequences of floats; offsets as from `encode_windows`). Returns the n best distinct spans, each
    of whole words."""
    best: dict[tuple[int, int], float] = {}
    null = math.inf
    for start_logits, end_logits, offsets in windows:
        null = min(null, float(start_logits[0]) + float(end_logits[0]))
        ctx = [i for i, o in enumerate(offsets) if o is not None and i < len(start_logits)]
        if not ctx:
            continue
        for s in _top(start_logits, ctx, n_best):
            for e in _top(end_logits, ctx, n_best):
                if e < s or e - s + 1 > max_answer_length:
                    continue
                span = whole_words(context, offsets[s][0], offsets[e][1])
                if span[1] <= span[0]:
                    continue
                logit = float(start_logits[s]) + float(end_logits[e])
                if logit > best.get(span, -math.inf):
                    best[span] = logit
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)[:n_best]
    if null == math.inf:
        null = 0.0
    # probabilities over the n best spans and "no answer" together
    top = max([null] + [v for _, v in ranked])
    exps = [math.exp(v - top) for _, v in ranked]
    total = sum(exps) + math.exp(null - top)
    answers = [
        {"text": context[s:e], "start": s, "end": e, "score": x / total, "logit": v}
        for ((s, e), v), x in zip(ranked, exps, strict=True)
    ]
    diff = null - ranked[0][1] if ranked else math.inf
    return Decoded(answers, null, diff)


def predict_qa(
    model,
    tokenizer,
    question: str,
    context: str,
    top_k: int = 3,
    max_length: int | None = None,
    doc_stride: int | None = None,
    max_answer_length: int | None = None,
    null_threshold: float | None = None,
    max_query_length: int | None = None,
) -> dict:
    """Answer `question` from `context` with a question answering model.

    Returns {"answers": [{"text", "start", "end", "score"}], "no_answer": bool,
    "null_score_diff": float or None (no span to weigh), "latency_ms": float}; start/end are character offsets in `context`.
    `no_answer` uses `null_threshold`, or the threshold tuned during training that the model's
    config carries (`qa_null_threshold`); a model trained without unanswerable questions never
    answers "no answer".
    """
    t0 = time.perf_counter()
    (out,) = predict_qa_batch(
        model, tokenizer, [(question, context)], top_k, max_length, doc_stride, max_answer_length, null_threshold,
        max_query_length,
    )  # fmt: skip
    out["latency_ms"] = (time.perf_counter() - t0) * 1000.0
    return out


def predict_qa_batch(
    model,
    tokenizer,
    pairs: list[tuple[str, str]],
    top_k: int = 3,
    max_length: int | None = None,
    doc_stride: int | None = None,
    max_answer_length: int | None = None,
    null_threshold: float | None = None,
    max_query_length: int | None = None,
) -> list[dict]:
    """`predict_qa` for several (question, context) pairs at once: the windows of all of them go
    through the model in one batch (a file of questions is answered several times faster)."""
    import torch

    from .tasks.limits import reading_length

    cfg = model.config
    if max_length is None:  # windows as the model was trained on: its length, stride and question length
        max_length = reading_length(model, tokenizer)
    saved = saved_windowing(cfg)
    if doc_stride is None:
        doc_stride = int(saved.get("doc_stride", DEFAULT_DOC_STRIDE))
    if max_query_length is None:
        max_query_length = int(saved.get("max_query_length", DEFAULT_MAX_QUERY_LENGTH))
    if max_answer_length is None:
        max_answer_length = int(saved.get("max_answer_length", DEFAULT_MAX_ANSWER_LENGTH))
    if null_threshold is None:
        null_threshold = getattr(cfg, "qa_null_threshold", None)
    # null_score_diff None where there is no span to weigh (JSON has no infinity)
    empty = {"answers": [], "no_answer": True, "null_score_diff": None, "latency_ms": 0.0}
    outs: list[dict] = [dict(empty) for _ in pairs]
    windows, owner = [], []  # every window of every answerable pair, and the pair it belongs to
    for i, (question, context) in enumerate(pairs):
        if question.strip() and context.strip():
            ws = encode_windows(tokenizer, question, context, QAWindowing(max_length, doc_stride, max_query_length))
            windows += ws
            owner += [i] * len(ws)
    if not windows:
        return outs
    from .tasks.base import pad_sequences

    device = next(model.parameters()).device
    inputs = pad_sequences(windows, {"input_ids": tokenizer.pad_token_id or 0, "token_type_ids": 0}, pad_multiple=1)
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        out = model(**{k: v.to(device) for k, v in inputs.items()})
    model.train(was_training)
    starts = out.start_logits.float().cpu().tolist()
    ends = out.end_logits.float().cpu().tolist()
    for i in dict.fromkeys(owner):
        rows = [(starts[j], ends[j], windows[j]["offsets"]) for j, o in enumerate(owner) if o == i]
        dec = decode_windows(rows, pairs[i][1], n_best=max(top_k, DEFAULT_N_BEST), max_answer_length=max_answer_length)
        no_answer = not dec.answers or (null_threshold is not None and dec.null_score_diff > null_threshold)
        outs[i] = {
            "answers": [{k: a[k] for k in ("text", "start", "end", "score")} for a in dec.answers[:top_k]],
            "no_answer": bool(no_answer),
            "null_score_diff": dec.null_score_diff if math.isfinite(dec.null_score_diff) else None,
            "latency_ms": 0.0,
        }
    return outs
