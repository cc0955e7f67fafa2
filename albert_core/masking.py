"""ALBERT's pre-training examples: sentence-order pairs and n-gram masking.

Segments (`build_segments`): consecutive sentences of one document are gathered up to the
maximum length (10% of the time up to a shorter, random length, as in BERT and ALBERT), then
cut into part A and part B at a sentence boundary. Half the pairs are swapped: label 1 means
"B came first" (transformers' `sentence_order_label`). Unlike ALBERT's script, a segment ends
*before* a sentence that would overflow it instead of truncating text away, so no text is
lost; a sentence longer than the maximum is cut into pieces, and a segment of one sentence is
cut inside it.

Masking (`choose_spans`, `mask_batch`): 15% of the real pieces are predicted, chosen as
n-grams of up to 3 whole words with p(n) ∝ 1/n (ALBERT's n-gram masking); of the chosen
pieces 80% become [MASK], 10% a random piece and 10% stay as they are. Special pieces and
padding are never chosen. A "word" of more than 8 pieces (text written without spaces, such as
Chinese) is masked piece by piece.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

LONGEST_WORD = 8  # pieces; a longer "word" is masked piece by piece (see _units_batch)


@dataclass
class MaskingOptions:
    probability: float = 0.15  # share of real pieces to predict
    max_ngram: int = 3  # longest span, in words (or pieces without whole_word)
    mask_share: float = 0.8  # chosen pieces that become [MASK]
    random_share: float = 0.1  # chosen pieces that become a random piece (the rest stay)
    whole_word: bool = True  # spans cover whole words (pieces after a "▁" piece belong to it)

    def validate(self) -> None:
        if not 0 < self.probability < 1:
            raise ValueError(f"mask probability must be between 0 and 1 (got {self.probability})")
        if self.max_ngram < 1:
            raise ValueError(f"max n-gram must be at least 1 (got {self.max_ngram})")
        if self.mask_share < 0 or self.random_share < 0 or self.mask_share + self.random_share > 1:
            raise ValueError("mask and random shares must be 0 or more and add up to at most 1")


def ngram_probabilities(max_ngram: int) -> list[float]:
    """p(n) ∝ 1/n for n = 1..max_ngram (ALBERT: 6/11, 3/11, 2/11 for max 3)."""
    w = [1.0 / n for n in range(1, max_ngram + 1)]
    return [x / sum(w) for x in w]


def _units_batch(
    maskable: np.ndarray, word_start: np.ndarray | None, budget: np.ndarray | None = None
) -> list[tuple[list[int], list[int]]]:
    """For each row, the start and end (exclusive) positions of its maskable units: whole words,
    or single pieces. A unit starts at a maskable piece that follows an unmaskable one (or the
    row's start) or begins a word, and ends at the next unit's start or unmaskable piece.

    A "word" longer than `LONGEST_WORD` pieces, or than its row's `budget` (the pieces to
    predict), is taken piece by piece: text written without spaces (Chinese, Japanese, Thai; a
    long number or address) is one word to SentencePiece, and whole, it could never be chosen."""
    m = np.asarray(maskable, dtype=bool)
    n_rows, width = m.shape
    prev = np.zeros_like(m)
    prev[:, 1:] = m[:, :-1]
    begin = m & (~prev | np.asarray(word_start, dtype=bool)) if word_start is not None else m
    starts = np.flatnonzero(begin)
    # a unit ends at the first unmaskable piece or row end after its start, or at the next start
    stops = np.union1d(np.flatnonzero(~m), np.arange(1, n_rows + 1) * width)
    first_stop = stops[np.searchsorted(stops, starts, side="right")]
    ends = np.minimum(first_stop, np.append(starts[1:], n_rows * width))
    if word_start is not None:
        longest = np.full(n_rows, LONGEST_WORD) if budget is None else np.minimum(budget, LONGEST_WORD)
        long = ends - starts > longest[starts // width]
        if long.any():
            pieces = np.concatenate([np.arange(a, b) for a, b in zip(starts[long], ends[long])])
            starts = np.concatenate([starts[~long], pieces])
            ends = np.concatenate([ends[~long], pieces + 1])
            order = np.argsort(starts, kind="stable")
            starts, ends = starts[order], ends[order]
    bounds = np.searchsorted(starts, np.arange(n_rows + 1) * width)
    out = []
    for b in range(n_rows):
        lo, hi = bounds[b], bounds[b + 1]
        out.append(((starts[lo:hi] - b * width).tolist(), (ends[lo:hi] - b * width).tolist()))
    return out


def _budgets(n_real, probability: float) -> np.ndarray:
    """The pieces to predict in each row: `probability` of its real pieces, at least one."""
    return np.maximum(1, np.rint(np.asarray(n_real) * probability)).astype(np.int64)


def _spans(
    starts: list[int],
    ends: list[int],
    budget: int,
    rng: random.Random,
    opts: MaskingOptions,
    cum: list[float] | None = None,
) -> list[tuple[int, int]]:
    """The spans chosen in one row, as (start, end) positions, end exclusive, covering at most
    `budget` pieces. `cum` is the cumulative n-gram distribution (computed here when not given:
    once per batch is enough)."""
    n_units = len(starts)
    if n_units == 0:
        return []
    if cum is None:
        cum = np.cumsum(ngram_probabilities(opts.max_ngram)).tolist()
    max_ngram = opts.max_ngram
    randrange, random_ = rng.randrange, rng.random
    order = list(range(n_units))
    covered = bytearray(ends[-1])
    spans: list[tuple[int, int]] = []
    chosen = 0
    for k in range(n_units):
        if chosen >= budget:
            break
        j = randrange(k, n_units)  # a lazy shuffle: only as many draws as units visited
        order[k], order[j] = order[j], order[k]
        u = order[k]
        # how many units from u onwards are adjacent (no special piece between them)
        avail = 1
        while avail < max_ngram and u + avail < n_units and starts[u + avail] == ends[u + avail - 1]:
            avail += 1
        r = random_() * cum[avail - 1]
        n = 1
        while n < avail and r >= cum[n - 1]:
            n += 1
        a = starts[u]
        while n > 1 and chosen + ends[u + n - 1] - a > budget:
            n -= 1
        b = ends[u + n - 1]
        if chosen + b - a > budget or (b - a == 1 and covered[a]) or (b - a > 1 and any(covered[a:b])):
            continue
        covered[a:b] = b"\x01" * (b - a)
        spans.append((a, b))
        chosen += b - a
    return spans


def choose_spans(
    maskable: np.ndarray | list[bool],
    word_start: np.ndarray | list[bool] | None,
    rng: random.Random,
    opts: MaskingOptions,
) -> list[list[int]]:
    """The spans (lists of contiguous positions) to predict in one sequence, ALBERT's way:
    visit unit starts in random order, draw n with p(n) ∝ 1/n, shorten n while the span would
    exceed the budget, and skip spans that overlap ones already chosen."""
    m = np.asarray(maskable, dtype=bool)[None]
    ws = np.asarray(word_start, dtype=bool)[None] if (word_start is not None and opts.whole_word) else None
    budget = _budgets([m.sum()], opts.probability)
    starts, ends = _units_batch(m, ws, budget)[0]
    return [list(range(a, b)) for a, b in _spans(starts, ends, int(budget[0]), rng, opts)]


def mask_batch(
    input_ids: np.ndarray,
    maskable: np.ndarray,
    word_start: np.ndarray | None,
    rng: random.Random,
    mask_id: int,
    random_ids: np.ndarray,
    opts: MaskingOptions | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Masked copies of `input_ids` (batch × length) and the MLM labels (-100 where nothing
    is predicted). `maskable` is False on special pieces and padding; `random_ids` are the
    pieces a random replacement is drawn from."""
    opts = opts or MaskingOptions()
    rows, cols = [], []
    budgets = _budgets(np.count_nonzero(maskable, axis=1), opts.probability)
    units = _units_batch(maskable, word_start if opts.whole_word else None, budgets)
    budgets = budgets.tolist()
    cum = np.cumsum(ngram_probabilities(opts.max_ngram)).tolist()
    for row, (starts, ends) in enumerate(units):
        for a, b in _spans(starts, ends, budgets[row], rng, opts, cum):
            rows += [row] * (b - a)
            cols += range(a, b)
    ids = input_ids.copy()
    labels = np.full_like(input_ids, -100)
    if not rows:
        return ids, labels
    r_idx, c_idx = np.asarray(rows), np.asarray(cols)
    labels[r_idx, c_idx] = input_ids[r_idx, c_idx]
    gen = np.random.default_rng(rng.getrandbits(64))  # the 80/10/10 draws, vectorised
    r = gen.random(len(rows))
    to_mask = r < opts.mask_share
    to_random = ~to_mask & (r < opts.mask_share + opts.random_share)
    ids[r_idx[to_mask], c_idx[to_mask]] = mask_id
    ids[r_idx[to_random], c_idx[to_random]] = random_ids[gen.integers(0, len(random_ids), int(to_random.sum()))]
    return ids, labels


# -- sentence-order pairs ------------------------------------------------------------------------


def build_segments(
    sentence_offsets: np.ndarray,
    document_offsets: np.ndarray,
    max_tokens: int,
    seed: int | str,
    short_seq_prob: float = 0.1,
    swap_prob: float = 0.5,
    tokens: np.ndarray | None = None,
    word_start: np.ndarray | None = None,
) -> np.ndarray:
    """Sentence-order examples as an int64 array of rows (a_start, a_end, b_start, b_end, swapped):
    token offsets of parts A and B in the original order, which are adjacent
    (a_end == b_start), and 1 where the example shows B before A. `max_tokens` counts A and B
    together (the maximum length less [CLS] and two [SEP]). With `tokens` and a per-piece
    `word_start` table, a segment of one sentence is cut between words, not inside one."""
    if max_tokens < 2:
        raise ValueError(f"the maximum length leaves {max_tokens} pieces for text; it needs at least 2")
    rng = random.Random(seed)
    rows: list[tuple[int, int, int, int, int]] = []
    sent = np.asarray(sentence_offsets).tolist()
    docs = np.asarray(document_offsets).tolist()

    def emit(chunk: list[tuple[int, int]]) -> None:
        start, end = chunk[0][0], chunk[-1][1]
        if end - start < 2:
            return
        if len(chunk) >= 2:
            cut = chunk[rng.randint(1, len(chunk) - 1)][0]
        else:  # one sentence: cut inside it, away from its ends
            n = end - start
            lo, hi = start + max(1, n // 4), start + max(1, (3 * n) // 4)
            cuts = list(range(lo, hi + 1))
            if tokens is not None and word_start is not None:
                cuts = [p for p in cuts if word_start[tokens[p]]] or cuts
            cut = rng.choice(cuts)
        rows.append((start, cut, cut, end, 1 if rng.random() < swap_prob else 0))

    def new_target() -> int:
        return rng.randint(2, max_tokens) if rng.random() < short_seq_prob else max_tokens

    for d in range(len(docs) - 1):
        chunk: list[tuple[int, int]] = []
        length = 0
        target = new_target()
        for s in range(docs[d], docs[d + 1]):
            a, b = sent[s], sent[s + 1]
            # a sentence longer than a whole example is cut into example-sized pieces
            pieces = [(x, min(x + max_tokens, b)) for x in range(a, b, max_tokens)]
            for x, y in pieces:
                if chunk and length + (y - x) > max_tokens:
                    emit(chunk)
                    chunk, length, target = [], 0, new_target()
                chunk.append((x, y))
                length += y - x
                if length >= target:
                    emit(chunk)
                    chunk, length, target = [], 0, new_target()
        if chunk:
            emit(chunk)
    return np.asarray(rows, dtype=np.int64).reshape(-1, 5)
