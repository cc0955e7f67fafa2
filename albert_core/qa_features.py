"""Question + context → model windows.

A context longer than the model's window is cut into overlapping windows: each window holds
the question, then a stretch of the context, and consecutive stretches share `doc_stride`
tokens (the overlap, as in Hugging Face's `run_qa.py`). The tokenizer's offset mapping ties
every context token to its characters, so a predicted token span maps back to exact text.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_DOC_STRIDE = 128
DEFAULT_MAX_QUERY_LENGTH = 64
# the run options a QA model keeps in its config.json, so that predictions cut passages as training did
SAVED_WINDOWING = {
    "doc_stride": "qa_doc_stride",
    "max_query_length": "qa_max_query_length",
    "max_answer_length": "qa_max_answer_length",
}


def saved_windowing(config) -> dict:
    """The windowing options a QA model's config keeps (those it has), by option name."""
    return {k: getattr(config, a) for k, a in SAVED_WINDOWING.items() if getattr(config, a, None) is not None}


DEFAULT_MAX_ANSWER_LENGTH = 30


@dataclass
class QAWindowing:
    max_length: int = 384
    doc_stride: int = DEFAULT_DOC_STRIDE  # tokens shared by consecutive windows
    max_query_length: int = DEFAULT_MAX_QUERY_LENGTH  # longer questions are cut to this


def _truncate_question(tokenizer, question: str, max_tokens: int) -> tuple[str, int]:
    """The question, cut at a token boundary so it takes at most `max_tokens` pieces, and its
    length in pieces."""
    enc = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    n = len(enc["input_ids"])
    if n <= max_tokens:
        return question, n
    cut = enc["offset_mapping"][max_tokens - 1][1]
    return question[:cut], max_tokens


def encode_windows(tokenizer, question: str, context: str, settings: QAWindowing) -> list[dict]:
    """The windows of one question. Each is a dict with input_ids (token_type_ids when the
    tokenizer gives them) and `offsets`: per token, the (start, end) characters in `context`,
    or None outside it."""
    overhead = tokenizer.num_special_tokens_to_add(pair=True)
    max_q = max(1, min(settings.max_query_length, settings.max_length - overhead - 8))
    question, q_len = _truncate_question(tokenizer, question, max_q)
    room = settings.max_length - q_len - overhead  # context tokens per window
    if room < 2:
        raise ValueError(f"maximum length {settings.max_length} leaves no room for the context; raise it")
    # the overlap must be below the context room, or windows would not advance
    stride = max(0, min(settings.doc_stride, room // 2))
    enc = tokenizer(
        question,
        context,
        truncation="only_second",
        max_length=settings.max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    windows = []
    for i in range(len(enc["input_ids"])):
        seq = enc.sequence_ids(i)
        offsets = [tuple(o) if s == 1 else None for o, s in zip(enc["offset_mapping"][i], seq, strict=True)]
        w = {"input_ids": enc["input_ids"][i], "offsets": offsets}
        if "token_type_ids" in enc:  # only when the tokenizer gives them by default, as plain use does
            w["token_type_ids"] = enc["token_type_ids"][i]
        windows.append(w)
    return windows


def answer_positions(offsets: list, start_char: int, end_char: int) -> tuple[int, int]:
    """Token positions of the characters [start_char, end_char) in a window, or (0, 0) (the
    [CLS] token: "no answer in this window") when the answer is not wholly inside it."""
    ctx = [i for i, o in enumerate(offsets) if o is not None]
    if not ctx:
        return 0, 0
    first, last = ctx[0], ctx[-1]
    if offsets[first][0] > start_char or offsets[last][1] < end_char:
        return 0, 0
    # the first piece that ends after the answer starts, the last that starts before it ends
    start = next(i for i in ctx if offsets[i][1] > start_char)
    end = next(i for i in reversed(ctx) if offsets[i][0] < end_char)
    if end < start:
        return 0, 0
    return start, end


def qa_features(tokenizer, examples, settings: QAWindowing, with_labels: bool = True) -> list[dict]:
    """Windows for a list of QAExample; each gets `example` (its index in `examples`) and,
    with labels, start/end positions of the example's first answer."""
    feats = []
    for n, ex in enumerate(examples):
        for w in encode_windows(tokenizer, ex.question, ex.context, settings):
            w["example"] = n
            if with_labels:
                if ex.answers:
                    text, start = ex.answers[0]
                    w["start_positions"], w["end_positions"] = answer_positions(w["offsets"], start, start + len(text))
                else:
                    w["start_positions"], w["end_positions"] = 0, 0
            feats.append(w)
    return feats
