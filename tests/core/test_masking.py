"""N-gram masking and sentence-order segments (albert_core.masking), on synthetic sequences."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from albert_core.masking import (
    LONGEST_WORD,
    MaskingOptions,
    build_segments,
    choose_spans,
    mask_batch,
    ngram_probabilities,
)

MASK, PAD, CLS, SEP = 4, 0, 2, 3


def _batch(rng: random.Random, n_seq: int = 400, width: int = 64):
    """Random [CLS] A [SEP] B [SEP] <pad>… rows; returns ids, maskable, word starts."""
    ids = np.full((n_seq, width), PAD, dtype=np.int64)
    maskable = np.zeros((n_seq, width), dtype=bool)
    for b in range(n_seq):
        n = rng.randint(12, width)
        cut = rng.randint(2, n - 3)
        row = [CLS] + [rng.randint(5, 999) for _ in range(n - 1)]
        row[cut] = SEP
        row[n - 1] = SEP
        ids[b, :n] = row
        maskable[b, :n] = [t not in (CLS, SEP) for t in row]
    word_start = np.asarray(rng.choices([True, False], weights=[0.6, 0.4], k=ids.size)).reshape(ids.shape)
    return ids, maskable, word_start


def test_ngram_probabilities_follow_one_over_n():
    assert ngram_probabilities(3) == pytest.approx([6 / 11, 3 / 11, 2 / 11])
    assert ngram_probabilities(1) == [1.0]


@pytest.mark.parametrize("whole_word", [False, True])
def test_masking_rate_is_fifteen_percent_of_real_pieces(whole_word):
    rng = random.Random(0)
    ids, maskable, word_start = _batch(rng)
    _, labels = mask_batch(
        ids, maskable, word_start, rng, MASK, np.arange(5, 1000), MaskingOptions(whole_word=whole_word)
    )
    chosen = (labels != -100).sum(1)
    real = maskable.sum(1)
    budget = np.maximum(1, np.round(real * 0.15))
    assert (chosen <= budget).all()  # never more than the budget
    assert (chosen >= 1).all()
    assert chosen.sum() / real.sum() == pytest.approx(0.15, abs=0.01)


def test_special_pieces_and_padding_are_never_masked():
    rng = random.Random(1)
    ids, maskable, word_start = _batch(rng)
    out, labels = mask_batch(ids, maskable, word_start, rng, MASK, np.arange(5, 1000))
    assert (labels[~maskable] == -100).all()
    assert (out[~maskable] == ids[~maskable]).all()  # [CLS], [SEP] and <pad> untouched
    assert (out[ids == PAD] == PAD).all()


def test_spans_are_contiguous_ngrams_of_at_most_three_and_favour_short_ones():
    rng = random.Random(2)
    lengths = Counter()
    for _ in range(2000):
        n = rng.randint(20, 128)
        maskable = [True] * n
        maskable[0] = maskable[n // 2] = maskable[-1] = False
        spans = choose_spans(maskable, None, rng, MaskingOptions(whole_word=False))
        seen = set()
        for s in spans:
            assert 1 <= len(s) <= 3
            assert s == list(range(s[0], s[0] + len(s)))  # contiguous
            assert all(maskable[p] for p in s)  # never across a special piece
            assert not seen & set(s)  # no overlap
            seen |= set(s)
            lengths[len(s)] += 1
    total = sum(lengths.values())
    share = {n: lengths[n] / total for n in (1, 2, 3)}
    # p(n) ∝ 1/n (6/11, 3/11, 2/11), pulled towards 1 by the budget, as in ALBERT's own code
    assert share[1] > share[2] > share[3] > 0.1
    assert share[2] == pytest.approx(3 / 11, abs=0.05)


def test_whole_word_spans_cover_whole_words():
    rng = random.Random(3)
    for _ in range(500):
        n = rng.randint(20, 100)
        maskable = [True] * n
        maskable[0] = maskable[-1] = False
        word_start = [rng.random() < 0.5 for _ in range(n)]
        # a word longer than the row's budget (or LONGEST_WORD) is masked piece by piece
        longest = min(LONGEST_WORD, max(1, round((n - 2) * 0.15)))
        starts = [i for i in range(1, n - 1) if word_start[i] or i == 1]
        in_long_word = set()
        for a, b in zip(starts, [*starts[1:], n - 1]):
            if b - a > longest:
                in_long_word |= set(range(a, b + 1))
        for s in choose_spans(maskable, word_start, rng, MaskingOptions()):
            # starts a word (or follows a special piece) and does not end mid-word
            assert word_start[s[0]] or not maskable[s[0] - 1] or s[0] in in_long_word
            end = s[-1] + 1
            assert end >= n or word_start[end] or not maskable[end] or end in in_long_word


def test_text_without_spaces_is_masked_piece_by_piece():
    """Chinese or Japanese, a long number or an address: SentencePiece sees one word of many
    pieces. Whole, it would exceed every row's budget and nothing would be predicted (a loss of
    NaN); it is masked piece by piece at the same 15%."""
    rng = random.Random(5)
    n_seq, width = 200, 64
    ids = np.asarray([[CLS] + [rng.randint(5, 999) for _ in range(width - 2)] + [SEP] for _ in range(n_seq)])
    maskable = np.ones_like(ids, dtype=bool)
    maskable[:, 0] = maskable[:, -1] = False
    word_start = np.zeros_like(maskable)
    word_start[:, 1] = True  # one "word" from end to end of every row
    _, labels = mask_batch(ids, maskable, word_start, rng, MASK, np.arange(5, 1000))
    per_row = (labels != -100).sum(axis=1)
    assert per_row.min() >= 1
    assert per_row.mean() == pytest.approx(0.15 * (width - 2), abs=0.5)


def test_replacements_split_80_10_10():
    rng = random.Random(4)
    ids, maskable, word_start = _batch(rng, n_seq=2000)
    vocab = np.arange(5, 1000)
    out, labels = mask_batch(ids, maskable, word_start, rng, MASK, vocab)
    sel = labels != -100
    original, now = ids[sel], out[sel]
    n = sel.sum()
    assert n > 10_000
    masked = (now == MASK).mean()
    kept = (now == original).mean()
    randomised = ((now != MASK) & (now != original)).mean()
    assert masked == pytest.approx(0.8, abs=0.015)
    assert kept == pytest.approx(0.1, abs=0.01)
    assert randomised == pytest.approx(0.1, abs=0.01)
    assert np.isin(now[(now != MASK) & (now != original)], vocab).all()  # random pieces are never special


def test_masking_is_reproducible_from_the_seed():
    ids, maskable, word_start = _batch(random.Random(5), n_seq=20)
    a = mask_batch(ids, maskable, word_start, random.Random(9), MASK, np.arange(5, 1000))
    b = mask_batch(ids, maskable, word_start, random.Random(9), MASK, np.arange(5, 1000))
    assert (a[0] == b[0]).all() and (a[1] == b[1]).all()


def _synthetic_corpus(seed: int = 0, n_docs: int = 300):
    rng = random.Random(seed)
    sent, docs = [0], [0]
    for _ in range(n_docs):
        for _ in range(rng.randint(1, 12)):
            sent.append(sent[-1] + rng.randint(2, 40))
        docs.append(len(sent) - 1)
    return np.asarray(sent), np.asarray(docs)


def test_segments_stay_in_documents_cut_at_sentences_and_lose_no_text():
    sent, docs = _synthetic_corpus()
    rows = build_segments(sent, docs, max_tokens=61, seed=0)
    boundaries = set(sent.tolist())
    doc_spans = [(sent[docs[d]], sent[docs[d + 1]]) for d in range(len(docs) - 1)]
    covered = 0
    for a0, a1, b0, b1, swapped in rows.tolist():
        assert a1 == b0 and a0 < a1 < b1 and swapped in (0, 1)
        assert b1 - a0 <= 61
        assert any(s <= a0 and b1 <= e for s, e in doc_spans)  # never crosses a document end
        covered += b1 - a0
        if a0 in boundaries and b1 in boundaries and sum(a0 < x < b1 for x in boundaries) >= 1:
            assert a1 in boundaries  # two or more sentences: cut at a sentence boundary
    assert covered == sent[-1]  # every piece is in exactly one example


def test_sentence_order_labels_are_balanced_and_seeded():
    sent, docs = _synthetic_corpus(1, n_docs=2000)
    rows = build_segments(sent, docs, max_tokens=61, seed=3)
    assert rows[:, 4].mean() == pytest.approx(0.5, abs=0.03)
    assert (build_segments(sent, docs, 61, seed=3) == rows).all()
    assert not np.array_equal(build_segments(sent, docs, 61, seed=4), rows)


def test_long_sentences_are_cut_to_fit():
    sent, docs = np.asarray([0, 500, 503]), np.asarray([0, 2])
    rows = build_segments(sent, docs, max_tokens=125, seed=0)
    assert (rows[:, 3] - rows[:, 0] <= 125).all()
    assert (rows[:, 3] - rows[:, 0]).sum() == 503


def test_units_are_whole_words_within_each_row():
    from albert_core.masking import _units_batch

    maskable = np.array([[False, True, True, True, False, True], [True, True, False, True, True, True]])
    word_start = np.array([[True, True, False, True, True, False], [False, False, True, True, False, True]])
    rows = _units_batch(maskable, word_start)
    # row 0: word [1, 2] then word [3]; the piece at 5 continues no word (4 is special), so it starts one
    assert rows[0] == ([1, 3, 5], [3, 4, 6])
    # row 1: [0, 1] is one unit although its first piece is no word start (the row starts there)
    assert rows[1] == ([0, 3, 5], [2, 5, 6])
    assert _units_batch(maskable, None)[1] == ([0, 1, 3, 4, 5], [1, 2, 4, 5, 6])
