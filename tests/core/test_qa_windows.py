"""Long contexts in overlapping windows: labels and decoding map back to exact characters,
also when the answer crosses a window boundary or lies in the last window."""

import math
import random

import pytest

from albert_core.qa_decode import decode_windows
from albert_core.qa_features import QAWindowing, answer_positions, encode_windows

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    from albert_core.tokenizer import train_tokenizer

    rng = random.Random(0)
    texts = [" ".join(rng.choice(WORDS) for _ in range(12)) + "." for _ in range(300)]
    return train_tokenizer(texts, tmp_path_factory.mktemp("tok"), vocab_size=60)


@pytest.fixture(scope="module")
def context():
    rng = random.Random(1)
    return " ".join(rng.choice(WORDS) for _ in range(70)) + "."


SETTINGS = QAWindowing(max_length=32, doc_stride=8)


def _word_spans(text):
    spans, pos = [], 0
    for w in text.rstrip(".").split():
        s = text.index(w, pos)
        spans.append((s, s + len(w)))
        pos = s + len(w)
    return spans


def test_windows_cover_the_context_and_overlap(tok, context):
    wins = encode_windows(tok, "which word?", context, SETTINGS)
    assert len(wins) > 3
    covered = set()
    for w in wins:
        assert len(w["input_ids"]) <= SETTINGS.max_length
        spans = [o for o in w["offsets"] if o is not None]
        covered.update(range(spans[0][0], spans[-1][1]))
    assert all(i in covered for i, ch in enumerate(context) if not ch.isspace())
    # neighbours share `doc_stride` context pieces
    for a, b in zip(wins[:-1], wins[1:], strict=True):
        ctx_a = [o for o in a["offsets"] if o is not None]
        ctx_b = [o for o in b["offsets"] if o is not None]
        assert ctx_a[-SETTINGS.doc_stride :] == ctx_b[: SETTINGS.doc_stride]


def test_every_answer_maps_back_to_its_exact_text(tok, context):
    wins = encode_windows(tok, "which word?", context, SETTINGS)
    spans = _word_spans(context)
    for i in range(len(spans) - 1):
        start, end = spans[i][0], spans[i + 1][1]  # two-word answers
        hits = 0
        for w in wins:
            s, e = answer_positions(w["offsets"], start, end)
            if (s, e) == (0, 0):
                continue
            hits += 1
            assert context[w["offsets"][s][0] : w["offsets"][e][1]] == context[start:end]
        assert hits >= 1, f"answer at {start}:{end} is in no window"


def _logits(window, start_tok=None, end_tok=None, high=8.0, null=0.0):
    n = len(window["input_ids"])
    s, e = [0.0] * n, [0.0] * n
    s[0] = e[0] = null / 2
    if start_tok is not None:
        s[start_tok] = high
        e[end_tok] = high
    return s, e


def test_answer_across_a_window_boundary(tok, context):
    wins = encode_windows(tok, "which word?", context, SETTINGS)
    first = wins[0]
    ctx_idx = [i for i, o in enumerate(first["offsets"]) if o is not None]
    last_char = first["offsets"][ctx_idx[-1]][1]
    spans = _word_spans(context)
    k = next(i for i, (s, e) in enumerate(spans) if s < last_char <= e)
    start, end = spans[k][0], spans[k + 1][1]  # the word at the end of window 0 and the next one
    assert answer_positions(first["offsets"], start, end) == (0, 0)  # cut off: not labelled here
    s1, e1 = answer_positions(wins[1]["offsets"], start, end)
    assert (s1, e1) != (0, 0)
    # window 0 prefers its partial span a little less than window 1 prefers the whole answer
    p0 = answer_positions(first["offsets"], start, last_char)
    windows = [
        (*_logits(first, *p0, high=3.0), first["offsets"]),
        (*_logits(wins[1], s1, e1, high=4.0), wins[1]["offsets"]),
        *[(*_logits(w), w["offsets"]) for w in wins[2:]],
    ]
    dec = decode_windows(windows, context, max_answer_length=30)
    best = dec.answers[0]
    assert (best["start"], best["end"], best["text"]) == (start, end, context[start:end])
    assert dec.answers[1]["text"] == context[start:last_char]
    assert dec.null_score == 0.0 and dec.null_score_diff == pytest.approx(-8.0)
    assert sum(a["score"] for a in dec.answers) < 1.0 and best["score"] > dec.answers[1]["score"]


def test_answer_in_the_last_window(tok, context):
    wins = encode_windows(tok, "which word?", context, SETTINGS)
    start, end = _word_spans(context)[-1]
    holders = [i for i, w in enumerate(wins) if answer_positions(w["offsets"], start, end) != (0, 0)]
    assert holders[-1] == len(wins) - 1
    last = wins[-1]
    s, e = answer_positions(last["offsets"], start, end)
    windows = [(*_logits(w), w["offsets"]) for w in wins[:-1]] + [(*_logits(last, s, e), last["offsets"])]
    dec = decode_windows(windows, context)
    assert dec.best_text == context[start:end] and dec.answers[0]["start"] == start


def test_the_same_span_from_two_windows_counts_once(tok, context):
    wins = encode_windows(tok, "which word?", context, SETTINGS)
    a, b = wins[0], wins[1]
    shared = [o for o in b["offsets"] if o is not None][: SETTINGS.doc_stride]
    start, end = shared[2][0], shared[2][1]
    pa, pb = answer_positions(a["offsets"], start, end), answer_positions(b["offsets"], start, end)
    dec = decode_windows(
        [(*_logits(a, *pa, high=5.0), a["offsets"]), (*_logits(b, *pb, high=6.0), b["offsets"])], context
    )
    assert [x["text"] for x in dec.answers].count(context[start:end]) == 1
    assert dec.answers[0]["logit"] == pytest.approx(12.0)


def test_length_limit_order_and_no_answer(tok):
    ctx = "alpha bravo charlie delta echo."
    (w,) = encode_windows(tok, "which?", ctx, QAWindowing(64))
    idx = [i for i, o in enumerate(w["offsets"]) if o is not None]
    s, e = [0.0] * len(w["input_ids"]), [0.0] * len(w["input_ids"])
    s[idx[0]], e[idx[-2]] = 9.0, 9.0  # the longest span, "alpha … echo"
    e[idx[0] - 1] = 20.0  # an end before any context: never used
    long = decode_windows([(s, e, w["offsets"])], ctx, max_answer_length=64)
    assert long.best_text == "alpha bravo charlie delta echo"
    short = decode_windows([(s, e, w["offsets"])], ctx, max_answer_length=2)
    assert all(len(a["text"].split()) <= 2 for a in short.answers)
    assert all(a["end"] > a["start"] for a in short.answers)
    # [CLS] far above every span: the difference is large, and it is what v2 thresholds use
    s2, e2 = [0.0] * len(s), [0.0] * len(e)
    s2[0] = e2[0] = 10.0
    dec = decode_windows([(s2, e2, w["offsets"])], ctx)
    assert dec.null_score == 20.0 and dec.null_score_diff == pytest.approx(20.0)
    total = sum(a["score"] for a in dec.answers)
    assert total < 1e-6 and math.isfinite(total)


def test_an_answer_is_whole_words_even_when_the_model_picks_a_piece_inside_one():
    """A model that starts its answer at the second piece of "London" answers "London", not
    "ndon"; in a text without spaces between words (Japanese), the answer stays as picked."""
    context = "The capital is London today."
    offsets = [None, (0, 3), (4, 11), (12, 14), (15, 17), (17, 21), (22, 27), (27, 28)]  # "Lo" "ndon"
    starts, ends = [0.0] * len(offsets), [0.0] * len(offsets)
    starts[5], ends[5] = 9.0, 9.0
    dec = decode_windows([(starts, ends, offsets)], context)
    best = dec.answers[0]
    assert (best["text"], best["start"], best["end"]) == ("London", 15, 21)
    assert all(a["text"] == a["text"].strip() and context[a["start"] : a["end"]] == a["text"] for a in dec.answers)
    assert "London today" in [a["text"] for a in dec.answers]  # "ndon" + "today" widened only at its start
    japanese = "東京は日本の首都です"
    offsets = [None] + [(i, i + 1) for i in range(len(japanese))]
    starts, ends = [0.0] * len(offsets), [0.0] * len(offsets)
    starts[2], ends[2] = 9.0, 9.0
    assert decode_windows([(starts, ends, offsets)], japanese).best_text == "京"
    from albert_core.qa_decode import whole_words

    thai = "Bangkok คือเมืองหลวงของประเทศไทย ok"  # no spaces between Thai words: kept as drawn
    s = thai.index("มืองห")
    assert whole_words(thai, s, s + 5) == (s, s + 5)
    decomposed = "Her re\u0301sume\u0301 is long"  # résumé with combining accents: one word
    assert decomposed[slice(*whole_words(decomposed, 4, 6))] == "re\u0301sume\u0301"
    korean = "서울은 한국의 수도"  # Korean puts spaces between words: widened like English
    assert korean[slice(*whole_words(korean, 4, 5))] == "한국의"
    assert whole_words("ab", 2, 2) == (2, 2) and whole_words("abc", 1, 1) == (1, 1)  # empty spans as they are
