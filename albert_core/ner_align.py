"""Words ↔ sub-word pieces for token classification, and NER prediction on raw text.

A word's label sits on its first piece; its other pieces (and [CLS]/[SEP]) carry -100 so
the loss ignores them. A sentence longer than the model's window continues in further
windows, so no word is ever cut off. Predictions come back per word (from its first piece),
then as entities with character spans.
"""

from __future__ import annotations

import re
import time

IGNORE = -100
# words as CoNLL splits them: runs of letters/digits (with inner - ' . joins), or one symbol
WORD = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")


def split_words(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for each word of `text`, punctuation as separate words."""
    return [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


def ner_features(
    tokenizer, sentences: list[list[str]], label_ids: list[list[int]] | None, max_length: int
) -> list[dict]:
    """Model windows for pre-split sentences. Each feature has input_ids, `labels` (when
    `label_ids` is given), `sentence` (its index) and `word_at`: per position, the word whose
    label that position carries, or -1."""
    enc = tokenizer(
        sentences,
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
        return_overflowing_tokens=True,
    )
    feats = []
    seen: dict[int, set[int]] = {}
    for row in range(len(enc["input_ids"])):
        s = enc["overflow_to_sample_mapping"][row]
        done = seen.setdefault(s, set())
        word_at = []
        for w in enc.word_ids(row):
            if w is None or w in done:
                word_at.append(-1)
            else:
                done.add(w)
                word_at.append(w)
        f = {"input_ids": enc["input_ids"][row], "sentence": s, "word_at": word_at}
        if "token_type_ids" in enc:
            f["token_type_ids"] = enc["token_type_ids"][row]
        if label_ids is not None:
            f["labels"] = [label_ids[s][w] if w >= 0 else IGNORE for w in word_at]
        feats.append(f)
    return feats


def top_labels(logits, lengths: list[int]) -> list[tuple[list[int], list[float]]]:
    """Each window's likeliest label per piece and its probability, from a batch of logits
    (windows × pieces × labels), cut to each window's length: what `word_predictions` reads, a
    ninth of the logits' size for CoNLL's nine tags."""
    probs, ks = logits.float().softmax(-1).max(-1)
    ks, probs = ks.cpu().tolist(), probs.cpu().tolist()
    return [(k[:n], p[:n]) for k, p, n in zip(ks, probs, lengths, strict=True)]


def word_predictions(
    features: list[dict], tops: list[tuple[list[int], list[float]]], n_sentences: list[int]
) -> list[list[tuple[int, float]]]:
    """Per sentence, per word: (label id, probability) read from the word's first piece, from each
    window's `top_labels`. `n_sentences[i]` is the word count of sentence i; a word with no piece
    gets (0, 0.0)."""
    out = [[(0, 0.0)] * n for n in n_sentences]
    for f, (ks, ps) in zip(features, tops, strict=True):
        for pos, w in enumerate(f["word_at"]):
            if w >= 0 and pos < len(ks):
                out[f["sentence"]][w] = (ks[pos], ps[pos])
    return out


def tags_to_entities(words: list[tuple[str, int, int]], tags: list[str], scores: list[float], text: str) -> list[dict]:
    """Entities with character spans in `text` from per-word IOB2 tags."""
    from .data.conll import to_iob2
    from .metrics_ner import entities

    out = []
    for typ, s, e in entities(to_iob2(tags, "IOB2")):
        start, end = words[s][1], words[e][2]
        out.append(
            {
                "text": text[start:end],
                "type": typ,
                "start": start,
                "end": end,
                "score": sum(scores[s : e + 1]) / (e - s + 1),
            }
        )
    return out


def ner_tops(
    model, pad_id: int, feats: list[dict], batch_size: int = 64, after=None
) -> list[tuple[list[int], list[float]]]:
    """Each window's `top_labels` (its own length, no padding), run in length-sorted batches so
    little is padded; only the likeliest label of each piece is kept, so a large file's windows
    fit in memory. `after(done, total)` is called after each batch (it may raise to stop)."""
    import torch

    from .batching import eval_batches
    from .tasks.base import pad_sequences

    tops: list = [None] * len(feats)
    device = next(model.parameters()).device
    done = 0
    for idx in eval_batches([len(f["input_ids"]) for f in feats], batch_size):
        batch = pad_sequences([feats[i] for i in idx], {"input_ids": pad_id}, pad_multiple=1)
        with torch.inference_mode():
            logits = model(**{k: v.to(device) for k, v in batch.items()}).logits
        for i, top in zip(idx, top_labels(logits, [len(feats[i]["input_ids"]) for i in idx]), strict=True):
            tops[i] = top
        done += len(idx)
        if after is not None:
            after(done, len(feats))
    return tops


def predict_ner(model, tokenizer, text: str, max_length: int | None = None) -> dict:
    """Entities in `text`: {"entities": [{"text", "type", "start", "end", "score"}], "tokens":
    [{"text", "start", "end", "tag", "score"}] (one per word), "latency_ms"}; start/end are
    character offsets in `text`."""
    t0 = time.perf_counter()
    out = predict_ner_batch(model, tokenizer, [text], max_length)[0]
    out["latency_ms"] = (time.perf_counter() - t0) * 1000.0
    return out


def predict_ner_batch(
    model, tokenizer, texts: list[str], max_length: int | None = None, batch_size: int = 64, after=None
) -> list[dict]:
    """`predict_ner` for many texts at once (without latency_ms), their windows in length-sorted
    batches; `after(done, total)` as for `ner_tops`, counting windows."""
    if max_length is None:
        from .tasks.limits import reading_length

        max_length = reading_length(model, tokenizer)
    words = [split_words(t) for t in texts]
    kept = [i for i, w in enumerate(words) if w]  # a text with no words has no entities
    feats = ner_features(tokenizer, [[w for w, _, _ in words[i]] for i in kept], None, max_length) if kept else []
    was_training = model.training
    model.eval()
    try:
        tops = ner_tops(model, tokenizer.pad_token_id or 0, feats, batch_size, after)
    finally:
        model.train(was_training)
    preds = word_predictions(feats, tops, [len(words[i]) for i in kept])
    id2label = model.config.id2label
    out = [{"entities": [], "tokens": []} for _ in texts]
    for i, pred in zip(kept, preds, strict=True):
        tags = [id2label[k] for k, _ in pred]
        scores = [p for _, p in pred]
        tokens = [
            {"text": w, "start": s, "end": e, "tag": t, "score": p}
            for (w, s, e), t, p in zip(words[i], tags, scores, strict=True)
        ]
        out[i] = {"entities": tags_to_entities(words[i], tags, scores, texts[i]), "tokens": tokens}
    return out
