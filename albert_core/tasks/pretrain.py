"""ALBERT pre-training on a user's own text: masked language modelling + sentence order.

The corpus is tokenized once into a memory-mapped cache (see data/corpus_cache.py) and cut
into sentence-order pairs (masking.build_segments). Masking is dynamic: each training batch is
masked afresh in `train_collate`, with a generator seeded from the run's seed and the batch's
place in the run, so a run is reproducible, a resumed run continues exactly, and batches can be
made ahead in worker processes (heavy_collate: masking is Python work, and on a GPU it, not the
model, would set the pace).
Validation examples are masked once, with a fixed seed, so every evaluation scores the same
predictions.

Options (`--option KEY=VALUE`): documents (blank_lines | file), sentences (punctuation | line),
cache_dir, mask_probability (0.15), max_ngram (3), whole_word (true), short_seq_prob (0.1),
dupe_factor (1), max_eval_examples (2000).

dupe_factor K cuts the training text into examples K times, each time with other A/B cut
points, sentence-order swaps and short-example lengths (BERT's and ALBERT's dupe_factor): on a
small corpus trained for many epochs, the model then cannot learn the sentence-order labels by
heart. One epoch is K passes over the text. Text held out for validation stays out of every cut.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..data.corpus import CorpusOptions, corpus_files, iter_documents, require_text, tagged_files
from ..data.corpus_cache import TokenizedCorpus, cached_corpus, default_cache_dir, tokenize_corpus
from ..data.problems import DataError
from ..masking import MaskingOptions, build_segments, mask_batch
from ..param_count import human
from ..runs import ConfigError
from .base import Prepared, Task, pad_to

IGNORE = -100
PROGRESS_EVERY_S = 5.0  # how often a long tokenization says how far it is
SOP_CHANCE_LOSS = math.log(2)  # cross-entropy of a 50/50 guess between the two orders
# below this many pieces a corpus is told it is small (the SST-2 benchmark's 1.0M gained 0.7 points)
SMALL_CORPUS_PIECES = 1_000_000


class PretrainExamples(Sequence):
    """Sentence-order examples read on demand from the memory-mapped token array, so the
    examples of a corpus larger than memory never all live in memory at once."""

    def __init__(self, tokens: np.ndarray, rows: np.ndarray, cls_id: int, sep_id: int):
        self.tokens, self.rows, self.cls, self.sep = tokens, rows, cls_id, sep_id
        self.lengths = ((rows[:, 1] - rows[:, 0]) + (rows[:, 3] - rows[:, 2]) + 3).tolist()

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        a0, a1, b0, b1, swapped = (int(x) for x in self.rows[i])
        first, second = self.tokens[a0:a1].tolist(), self.tokens[b0:b1].tolist()
        if swapped:
            first, second = second, first
        ids = [self.cls, *first, self.sep, *second, self.sep]
        types = [0] * (len(first) + 2) + [1] * (len(second) + 1)
        return {"input_ids": ids, "token_type_ids": types, "sentence_order_label": swapped}


def _option(options: dict, key: str, default, kind):
    v = options.get(key, default)
    try:
        if kind is bool and isinstance(v, str):
            if v.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(v)
            return v.lower() in ("true", "1", "yes")
        return kind(v)
    except (TypeError, ValueError):
        raise ConfigError(f"option {key}={v!r} must be a {kind.__name__}") from None


class PretrainTask(Task):
    name = "pretrain"
    metric = "mlm_accuracy"
    model_class_name = "AlbertForPreTraining"

    def __init__(self, config):
        super().__init__(config)
        o = config.options or {}
        self.corpus_options = CorpusOptions(
            documents=str(o.get("documents", "blank_lines")), sentences=str(o.get("sentences", "punctuation"))
        )
        self.masking = MaskingOptions(
            probability=_option(o, "mask_probability", 0.15, float),
            max_ngram=_option(o, "max_ngram", 3, int),
            whole_word=_option(o, "whole_word", True, bool),
        )
        self.short_seq_prob = _option(o, "short_seq_prob", 0.1, float)
        self.max_eval = _option(o, "max_eval_examples", 2000, int)
        self.dupe_factor = _option(o, "dupe_factor", 1, int)
        self.eval_history: list[dict] = []  # the metrics of each evaluation in this process
        self.cache_dir = o.get("cache_dir") or str(default_cache_dir())
        try:
            self.masking.validate()
        except ValueError as e:
            raise ConfigError(str(e)) from None
        if not 0 <= self.short_seq_prob <= 1:
            raise ConfigError(f"option short_seq_prob must be between 0 and 1 (got {self.short_seq_prob})")
        if not 1 <= self.dupe_factor <= 100:
            raise ConfigError(f"option dupe_factor must be a whole number from 1 to 100 (got {self.dupe_factor})")
        if self.max_eval < 1:
            raise ConfigError(f"option max_eval_examples must be at least 1 (got {self.max_eval})")

    # -- data ---------------------------------------------------------------------------------
    def load_data(self) -> None:
        self.corpus_options.validate()
        # a clear error now for a missing file or folder, or one with no text in it
        require_text(self.config.train_file, self.corpus_options)
        if self.config.eval_file:
            require_text(self.config.eval_file, self.corpus_options)

    def tokenizer_texts(self) -> Iterator[str]:
        for i, doc in enumerate(iter_documents(self.config.train_file, self.corpus_options)):
            if i % 1000 == 0:
                self.check_stop()
            yield from doc.sentences

    def _corpus(self, paths: str) -> TokenizedCorpus:
        """The corpus tokenized, from the cache or now, telling the user which and how far."""
        found = cached_corpus(paths, self.tokenizer, self.cache_dir, self.corpus_options)
        if found is not None:
            self.report(f"read {paths} from the cache of tokenized text, {found.path}")
            return found
        size = human(sum(f.stat().st_size for f in corpus_files(paths)), "B")
        self.report(f"tokenizing {size} of text in {paths} into the cache, {self.cache_dir}")
        start = last = time.perf_counter()

        def progress(done: int, total: int) -> None:
            nonlocal last
            self.check_stop()  # the half-made cache entry is removed as the error passes
            now = time.perf_counter()
            if total and done < total and now - last >= PROGRESS_EVERY_S:
                last = now
                self.report(f"tokenizing: {done / total:.0%} of {size}, {now - start:.0f} s so far")

        corpus = tokenize_corpus(
            paths, self.tokenizer, self.cache_dir, self.corpus_options, progress, report=self.report
        )
        self.report(f"tokenized in {time.perf_counter() - start:.1f} s; a later run on this text starts at once")
        return corpus

    def _vocab_tables(self) -> None:
        tok = self.tokenizer
        n = len(tok)
        pieces = tok.convert_ids_to_tokens(list(range(n)))
        special = set(tok.all_special_ids)
        self.word_start = np.array([p.startswith("▁") or i in special for i, p in enumerate(pieces)], dtype=bool)
        self.never_mask = np.zeros(n, dtype=bool)
        self.never_mask[[tok.cls_token_id, tok.sep_token_id, tok.pad_token_id, tok.mask_token_id]] = True
        self.random_ids = np.array([i for i in range(n) if i not in special], dtype=np.int64)

    def prepare(self) -> Prepared:
        c = self.config
        tok = self.tokenizer
        if tok.mask_token_id is None or tok.cls_token_id is None or tok.sep_token_id is None:
            raise ConfigError("the tokenizer has no [MASK], [CLS] or [SEP] piece; pre-training needs all three")
        self._vocab_tables()
        max_tokens = c.max_length - 3
        if max_tokens < 2:
            raise ConfigError(f"maximum length {c.max_length} is too short for sentence pairs; use at least 8")
        train_corpus = self._corpus(c.train_file)
        rows = self._segments(train_corpus, max_tokens, c.seed)
        warnings = [*train_corpus.problems, *(str(p) for p in tagged_files(c.train_file))]
        hit = train_corpus.hit
        if c.eval_file:
            eval_corpus = self._corpus(c.eval_file)
            warnings += eval_corpus.problems
            hit = hit and eval_corpus.hit
            eval_rows = self._segments(eval_corpus, max_tokens, c.seed + 1)
            eval_tokens = eval_corpus.tokens
            split = "file"
        else:
            n_eval = min(self.max_eval, max(1, round(len(rows) * c.val_fraction))) if len(rows) > 1 else 0
            order = np.random.default_rng(c.seed).permutation(len(rows))
            eval_rows, rows = rows[np.sort(order[:n_eval])], rows[np.sort(order[n_eval:])]
            eval_tokens = train_corpus.tokens
            split = f"{n_eval} examples held out of the training text, seed {c.seed}"
        self.split = split  # what `evaluate` of the model names as its validation set
        if len(eval_rows) > self.max_eval:
            pick = np.random.default_rng(c.seed).permutation(len(eval_rows))[: self.max_eval]
            eval_rows = eval_rows[np.sort(pick)]
        if self.dupe_factor > 1:
            rows = np.concatenate(
                [rows, *self._more_cuts(train_corpus, max_tokens, eval_rows if not c.eval_file else None)]
            )
        if len(rows) == 0:
            raise DataError("the text is too short to make a single training example; give more text", c.train_file)
        train = PretrainExamples(train_corpus.tokens, rows, tok.cls_token_id, tok.sep_token_id)
        evaluation = self._masked_eval(PretrainExamples(eval_tokens, eval_rows, tok.cls_token_id, tok.sep_token_id))
        self.stats = train_corpus.stats
        warnings += corpus_size_notes(int(train_corpus.stats.get("tokens", 0)), len(evaluation))
        info = {
            "corpus": train_corpus.stats,
            "cache": "hit" if hit else "miss",
            "cache_path": str(train_corpus.path),
            "examples": {"train": len(train), "eval": len(evaluation)},
            "sop_swapped": float(rows[:, 4].mean()),
            "dupe_factor": self.dupe_factor,
            "split": split,
            "masking": (
                f"dynamic, {self.masking.probability:.0%} of pieces in n-grams of up to {self.masking.max_ngram} "
                f"{'words' if self.masking.whole_word else 'pieces'} (p(n) ∝ 1/n), 80% [MASK] / 10% random / 10% kept"
            ),
            "train_file": c.train_file,
            "eval_file": c.eval_file,
        }
        return Prepared(train, evaluation, info, warnings)

    def _segments(self, corpus: TokenizedCorpus, max_tokens: int, seed: int | str) -> np.ndarray:
        return build_segments(
            corpus.sentences,
            corpus.documents,
            max_tokens,
            seed,
            self.short_seq_prob,
            0.5,
            corpus.tokens,
            self.word_start,
        )

    def _more_cuts(self, corpus: TokenizedCorpus, max_tokens: int, held_out: np.ndarray | None) -> list[np.ndarray]:
        """The text cut again dupe_factor - 1 times, with other seeds; rows that overlap text held
        out for validation are left out."""
        out = []
        if held_out is not None and len(held_out):
            spans = held_out[np.argsort(held_out[:, 0])]
            starts, ends = spans[:, 0], spans[:, 3]
        for k in range(1, self.dupe_factor):
            rows = self._segments(corpus, max_tokens, f"{self.config.seed}/cut {k}")
            if held_out is not None and len(held_out):
                # the held-out spans are disjoint and sorted: the last one starting before a row's
                # end is the only one that can reach into it
                last = np.searchsorted(starts, rows[:, 3], side="left") - 1
                overlaps = (last >= 0) & (ends[np.maximum(last, 0)] > rows[:, 0])
                rows = rows[~overlaps]
            out.append(rows)
        return out

    def _masked_eval(self, examples: PretrainExamples) -> list[dict]:
        """Validation examples masked once with a fixed seed, so evaluations compare alike."""
        rng = random.Random(self.config.seed + 7919)
        out = []
        for f in examples:
            ids = np.asarray([f["input_ids"]], dtype=np.int64)
            masked, labels = self._mask(ids, np.ones_like(ids, dtype=bool), rng)
            out.append({**f, "input_ids": masked[0].tolist(), "labels": labels[0].tolist()})
        return out

    def _mask(self, ids: np.ndarray, real: np.ndarray, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
        maskable = real & ~self.never_mask[ids]
        return mask_batch(
            ids, maskable, self.word_start[ids], rng, self.tokenizer.mask_token_id, self.random_ids, self.masking
        )

    heavy_collate = True

    def train_collate(self, features: list[dict], seed: int) -> dict[str, Any]:
        return self.collate(features, mask_seed=seed)

    def collate(self, features: list[dict], pad_multiple: int = 8, mask_seed: int | None = None) -> dict[str, Any]:
        """A padded batch. Validation features carry their labels (masked once); training
        features are masked here with `mask_seed` (train_collate gives it)."""
        import torch

        n = pad_to(max(len(f["input_ids"]) for f in features), pad_multiple)
        b = len(features)
        ids = np.full((b, n), self.tokenizer.pad_token_id, dtype=np.int64)
        types = np.zeros((b, n), dtype=np.int64)
        real = np.zeros((b, n), dtype=bool)
        for i, f in enumerate(features):
            k = len(f["input_ids"])
            ids[i, :k] = f["input_ids"]
            types[i, :k] = f["token_type_ids"]
            real[i, :k] = True
        if "labels" in features[0]:  # validation: masked once already
            labels = np.full((b, n), IGNORE, dtype=np.int64)
            for i, f in enumerate(features):
                labels[i, : len(f["labels"])] = f["labels"]
        else:  # training: masked afresh each time
            if mask_seed is None:
                raise ValueError("training features are masked with a seed: use train_collate")
            ids, labels = self._mask(ids, real, random.Random(mask_seed))
        positions, picked = self._masked_positions(labels)
        return {
            "input_ids": torch.from_numpy(ids),
            "token_type_ids": torch.from_numpy(types),
            "attention_mask": torch.from_numpy(real.astype(np.int64)),
            "mlm_positions": torch.from_numpy(positions),
            "mlm_labels": torch.from_numpy(picked),
            "sentence_order_label": torch.tensor([int(f["sentence_order_label"]) for f in features], dtype=torch.long),
        }

    def _masked_positions(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The masked positions of each row and their labels, padded (position 0, label -100)
        to a width that depends only on the batch's length bucket: a row's masking budget is
        at most round(length × probability), so that width always suffices, and batches of
        one bucket share one shape (which CUDA graphs replay)."""
        from ..cuda_graphs import bucket_length

        sel = labels != IGNORE
        counts = sel.sum(1)
        budget = max(1, round(bucket_length(labels.shape[1]) * self.masking.probability))
        width = pad_to(max(budget, int(counts.max(initial=1))), 8)
        rows, cols = np.nonzero(sel)
        slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        positions = np.zeros((labels.shape[0], width), dtype=np.int64)
        picked = np.full((labels.shape[0], width), IGNORE, dtype=np.int64)
        positions[rows, slot] = cols
        picked[rows, slot] = labels[rows, cols]
        return positions, picked

    def training_module(self, model):
        from .pretrain_model import MaskedPositionsPretraining

        return MaskedPositionsPretraining(model)

    # -- losses and metrics -------------------------------------------------------------------
    def step_extra(self, outputs, batch: dict) -> dict[str, Any]:
        """MLM and SOP loss and accuracy of a training batch, as the training step computed
        them (MaskedPositionsPretraining): device tensors, read without a device sync."""
        return {k: getattr(outputs, k) for k in ("mlm_loss", "mlm_accuracy", "sop_loss", "sop_accuracy")}

    def evaluate(self, model, batches, features: list[dict]) -> dict:
        totals = {"mlm_sum": 0.0, "mlm_correct": 0.0, "mlm_n": 0, "sop_sum": 0.0, "sop_correct": 0.0, "sop_n": 0}
        scorer = self.training_module(model)  # the vocabulary projection at masked positions only
        for _, batch in batches(features):
            out = scorer(**batch)  # its losses and accuracies are means over the batch's masked pieces
            mlm_n = int((batch["mlm_labels"] != IGNORE).sum())
            sop_n = batch["sentence_order_label"].numel()
            for part, n in (("mlm", mlm_n), ("sop", sop_n)):
                if n == 0:  # a mean over nothing is NaN
                    continue
                totals[f"{part}_sum"] += float(getattr(out, f"{part}_loss")) * n
                totals[f"{part}_correct"] += float(getattr(out, f"{part}_accuracy")) * n
                totals[f"{part}_n"] += n
        m, s = max(1, totals["mlm_n"]), max(1, totals["sop_n"])
        mlm_loss, sop_loss = totals["mlm_sum"] / m, totals["sop_sum"] / s
        metrics = {
            "loss": mlm_loss + sop_loss,
            "mlm_loss": mlm_loss,
            "mlm_accuracy": totals["mlm_correct"] / m,
            "mlm_accuracy_most_frequent": most_frequent_share(features),
            "sop_loss": sop_loss,
            "sop_accuracy": totals["sop_correct"] / s,
            "perplexity": math.exp(min(mlm_loss, 50.0)),
            "masked_tokens": int(totals["mlm_n"]),
        }
        self.eval_history.append(metrics)
        return metrics

    def final_advice(self, metrics: dict) -> list[str]:
        previous = self.eval_history[-2] if len(self.eval_history) >= 2 else None
        advice = pretraining_advice(metrics, previous, self.dupe_factor)
        return [advice] if advice else []

    def card_lines(self) -> list[str]:
        s = getattr(self, "stats", None)
        if not s:
            return []
        from ..data.corpus import describe_stats

        return [
            f"Corpus: {describe_stats(s)}",
            "Objectives: masked language modelling (n-gram masking, up to 3) + sentence-order prediction",
        ]


def most_frequent_share(features: list[dict]) -> float:
    """The MLM accuracy of always guessing the most frequent masked piece (validation features,
    masked once): what a model that learnt only word frequencies reaches."""
    labels = np.concatenate([np.asarray(f["labels"]) for f in features]) if features else np.zeros(0)
    labels = labels[labels != IGNORE]
    if labels.size == 0:
        return 0.0
    return float(np.bincount(labels).max() / labels.size)


def corpus_size_notes(pieces: int, eval_examples: int) -> list[str]:
    """Warnings, before training, about a corpus too small to gain much from, or to leave any
    text for validation."""
    notes = []
    if pieces < SMALL_CORPUS_PIECES:
        notes.append(
            f"the corpus is {pieces:,} pieces, small for pre-training (ALBERT's own had 3.3 billion words); more text "
            "helps, the task's own text most: on SST-2, 1.35 million pieces holding its sentences lifted "
            "fine-tuning by 3.5 points"
        )
    if eval_examples == 0:
        notes.append(
            "no example is left to hold out for validation, so masked-word accuracy cannot be measured; "
            "give more text or a validation file"
        )
    return notes


def pretraining_advice(metrics: dict, previous: dict | None = None, dupe_factor: int = 1) -> str:
    """A warning about a finished pre-training run that fine-tuning would suffer from:
    - it has learnt little beyond word frequencies: a model still on that plateau is a worse
      start for fine-tuning than new weights;
    - its masked-word accuracy was still rising at the end (by a point or more since the
      evaluation before, `previous`): on the SST-2 benchmark, fine-tuning gained with every
      doubling of the steps while that accuracy rose (bench/pretrain_sst2.py);
    - its sentence-order loss on held-out text is above chance (ln 2): it learnt the training
      pairs by heart (a small text cut into the same pairs for many epochs) and its pooler and
      top layers fit those pairs, not sentence order. Cut 10 times or more already
      (`dupe_factor`), more cuts are no remedy: on the SST-2 benchmark's 1.0M pieces, 20 cuts
      still ended at 1.21, while masked-word accuracy kept rising and fine-tuning gained."""
    notes = []
    acc, base = metrics.get("mlm_accuracy"), metrics.get("mlm_accuracy_most_frequent")
    if acc is not None and base and acc < 2 * base:
        notes.append(
            f"masked-word accuracy is {acc:.1%}, against {base:.1%} for always guessing the most frequent piece: "
            "the model has learnt little beyond word frequencies, and fine-tuning from it can end below "
            "fine-tuning from new weights; pre-train for more steps, on more text, or both"
        )
    elif acc is not None and previous and acc - previous.get("mlm_accuracy", acc) >= 0.01:
        notes.append(
            f"masked-word accuracy was still rising at the end ({previous['mlm_accuracy']:.1%} at the evaluation "
            f"before, {acc:.1%} now): pre-training for more steps is likely to make a better start for fine-tuning"
        )
    sop = metrics.get("sop_loss")
    if sop is not None and sop > SOP_CHANCE_LOSS + 0.05:
        head = (
            f"the sentence-order loss on held-out text is {sop:.2f}, worse than guessing ({SOP_CHANCE_LOSS:.2f}): "
            "the model learnt the training pairs by heart"
        )
        if dupe_factor >= 10:
            notes.append(
                f"{head}, even with the text cut {dupe_factor} times: more text is the remedy (the masked-word "
                "part, which fine-tuning gains most from, learns regardless)"
            )
        else:
            notes.append(
                f"{head}; cut the text into examples more times (option dupe_factor, 'Cuts of the text'), "
                "or give more text"
            )
    return "; ".join(notes)


def predict_fill_mask(model, tokenizer, text: str, top_k: int = 5) -> dict:
    """What a pre-trained model guesses for each [MASK] in `text`: the `top_k` pieces with
    their probabilities (the same numbers as transformers' fill-mask pipeline, less the pieces left out
    below), and the text
    with every [MASK] replaced by its best guess. [mask] in any case is a [MASK]; a piece that is
    only a word boundary (SentencePiece's ▁) is no guess of a word and is left out."""
    import re

    import torch

    mask = tokenizer.mask_token
    text = re.sub(re.escape(mask), mask, text, flags=re.IGNORECASE)
    if mask not in text:
        return {"text": text, "masks": [], "filled": text, "hint": f"put {mask} where the model should guess a word"}
    from .limits import reading_length

    max_length = reading_length(model, tokenizer)
    enc = tokenizer(text, truncation=True, max_length=max_length, return_tensors="pt")
    positions = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero().flatten()
    if len(positions) == 0:  # every [MASK] was cut off by the maximum length
        return {
            "text": text,
            "masks": [],
            "filled": text,
            "hint": f"the text is longer than {max_length} pieces; shorten it",
        }
    with torch.inference_mode():
        out = model(**enc)
    logits = (out.prediction_logits if hasattr(out, "prediction_logits") else out.logits)[0, positions]
    probs = torch.softmax(logits.float(), -1)
    top = probs.topk(min(top_k + 8, probs.shape[-1]), dim=-1)  # room for pieces left out
    special = set(tokenizer.all_special_ids)
    masks = []
    for scores, ids in zip(top.values.tolist(), top.indices.tolist(), strict=True):
        pieces = tokenizer.convert_ids_to_tokens(ids)
        candidates = [
            {"token": p, "text": tokenizer.convert_tokens_to_string([p]).strip(), "score": s, "id": i}
            for p, s, i in zip(pieces, scores, ids, strict=True)
        ]
        kept = [c for c in candidates if c["text"] and c["id"] not in special]
        masks.append({"candidates": (kept or candidates)[:top_k]})
    parts = text.split(mask)
    filled = parts[0]
    for k, rest in enumerate(parts[1:]):
        filled += (masks[k]["candidates"][0]["text"] if k < len(masks) else mask) + rest
    return {"text": text, "masks": masks, "filled": filled}
