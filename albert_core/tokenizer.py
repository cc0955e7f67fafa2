"""Tokenizers: train a SentencePiece unigram vocabulary the ALBERT way, load any ALBERT's."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

SPECIALS = ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]  # ids 0..4, as in ALBERT's own vocabularies


class TokenizerError(ValueError):
    pass


def _lines(sources: Iterable[str | Path]) -> Iterator[str]:
    for src in sources:
        p = Path(src)
        files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
        for f in files:
            with open(f, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    line = line.strip()
                    if line:
                        yield line


def train_tokenizer(
    texts: Iterable[str] | None = None,
    out_dir: str | Path = "",
    vocab_size: int = 8000,
    files: Iterable[str | Path] = (),
    max_sentences: int = 2_000_000,
    seed: int = 42,
    shrink_if_needed: bool = True,
):
    """Train a lower-cased unigram SentencePiece model on `texts` and/or `files` and return it
    as a transformers AlbertTokenizer, saved to `out_dir` when one is given. With
    `shrink_if_needed`, a text too small for `vocab_size` gets the largest vocabulary it allows."""
    sentences = []
    for t in _chain(texts or (), _lines(files)):
        if t.strip():
            sentences.append(t.lower())
            if len(sentences) >= max_sentences:
                break
    if not sentences:
        raise TokenizerError("there is no text to train a tokenizer on; check the data file")
    try:
        return _train(sentences, out_dir, vocab_size, max_sentences, seed)
    except TokenizerError as e:
        m = re.search(r"value <= (\d+)", str(e))
        if not (shrink_if_needed and m):
            raise
        # A small data set cannot fill a large vocabulary: take the largest it can.
        return _train(sentences, out_dir, int(m.group(1)), max_sentences, seed)


def _train(sentences: list[str], out_dir, vocab_size: int, max_sentences: int, seed: int):
    import sentencepiece as spm

    if hasattr(spm, "set_random_generator_seed"):
        spm.set_random_generator_seed(seed)
    stream = iter(sentences)
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "spiece")
        try:
            spm.SentencePieceTrainer.train(
                sentence_iterator=stream,
                model_prefix=prefix,
                vocab_size=vocab_size,
                model_type="unigram",
                pad_id=0,
                unk_id=1,
                bos_id=-1,
                eos_id=-1,
                pad_piece="<pad>",
                unk_piece="<unk>",
                control_symbols=["[CLS]", "[SEP]", "[MASK]"],
                character_coverage=0.9995,
                input_sentence_size=max_sentences,
                shuffle_input_sentence=True,
                num_threads=2,
                minloglevel=2,
                hard_vocab_limit=True,
            )
        except RuntimeError as e:
            msg = str(e)
            if "Vocabulary size" in msg or "vocab_size" in msg:
                raise TokenizerError(
                    f"the text is too small for a vocabulary of {vocab_size} pieces ({msg.strip().splitlines()[-1]}); "
                    "choose a smaller vocabulary size or give more text"
                ) from None
            raise TokenizerError(f"tokenizer training failed: {msg}") from None
        tok = tokenizer_from_spm(prefix + ".model")
        if out_dir:
            save_tokenizer(tok, out_dir, prefix + ".model")
    return tok


def _chain(*its):
    for it in its:
        yield from it


def tokenizer_from_spm(model_file: str | Path):
    """An AlbertTokenizer built from a SentencePiece .model file."""
    from transformers import AlbertTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(model_file, Path(tmp) / "spiece.model")
        # token_type_ids are asked for by default so that pairs reach the model with their
        # segment ids both here and in plain transformers pipelines
        return AlbertTokenizer.from_pretrained(
            tmp,
            do_lower_case=True,
            model_max_length=512,
            model_input_names=["input_ids", "token_type_ids", "attention_mask"],
        )


def save_tokenizer(tok, out_dir: str | Path, spm_file: str | Path | None = None) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(out)
    if spm_file:  # kept so older transformers (slow tokenizer) can read the folder too
        shutil.copy(spm_file, out / "spiece.model")


def load_tokenizer(model_dir: str | Path):
    """The tokenizer of an ALBERT folder (or hub id)."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(model_dir))
    except (OSError, ValueError) as e:
        raise TokenizerError(f"{model_dir}: no usable tokenizer ({str(e).splitlines()[0]})") from None
