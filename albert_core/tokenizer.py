"""Tokenizers: train a SentencePiece unigram vocabulary the ALBERT way, load any ALBERT's."""

from __future__ import annotations

import functools
import random
import re
import shutil
import string
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

SPECIALS = ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]  # ids 0..4, as in ALBERT's own vocabularies
# what a lower-cased tokenizer may meet of ASCII (letters, digits, punctuation, no spaces)
PRINTABLE_ASCII = {c for c in string.printable if not c.isspace() and not c.isupper()}
CHARACTER_COVERAGE = 0.9995  # SentencePiece's share of the text's characters that get pieces
# longest text SentencePiece is given to train on: at most 4 bytes a character, within its 4,192-byte limit
MAX_TRAIN_CHARS = 1000


class TokenizerError(ValueError):
    pass


def train_tokenizer(
    texts: Iterable[str] | None = None,
    out_dir: str | Path = "",
    vocab_size: int = 8000,
    max_sentences: int = 2_000_000,
    seed: int = 42,
    shrink_if_needed: bool = True,
):
    """Train a lower-cased unigram SentencePiece model on `texts` and return it
    as a transformers AlbertTokenizer, saved to `out_dir` when one is given. The text is first
    put in the form the tokenizer will see it in (`normal_form`), so no piece is spent on what
    the tokenizer can never meet (an accented letter, a capital, the quotes ``like this''). With
    `shrink_if_needed`, a text too small for `vocab_size` gets the largest vocabulary it allows.

    A text of more than `max_sentences` sentences is sampled evenly from end to end (a seeded
    reservoir sample), so a large corpus's later files count as much as its first ones while
    memory stays bounded. Every printable ASCII character that occurs in the text gets a piece
    of its own when the vocabulary has room, however rare: `%`, `$` or `/` should never become
    `<unk>`."""
    sentences = sample_sentences(texts or (), max_sentences, seed)
    if not sentences:
        raise TokenizerError("there is no text to train a tokenizer on; check the data file")
    required = chars_to_keep(sentences, vocab_size)
    try:
        return _train(sentences, out_dir, vocab_size, max_sentences, seed, required)
    except TokenizerError as e:
        m = re.search(r"value <= (\d+)", str(e))
        if not (shrink_if_needed and m):
            raise
        # A small data set cannot fill a large vocabulary: take the largest it can.
        return _train(sentences, out_dir, int(m.group(1)), max_sentences, seed, required)


@functools.cache
def _albert_normalizer():
    """The steps transformers' AlbertTokenizer puts before SentencePiece's own normalization."""
    from tokenizers import normalizers

    return normalizers.Sequence(
        [
            normalizers.Replace("``", '"'),
            normalizers.Replace("''", '"'),
            normalizers.NFKD(),
            normalizers.StripAccents(),
            normalizers.Lowercase(),
        ]
    )


def normal_form(text: str) -> str:
    """`text` as an ALBERT tokenizer reads it before cutting it into pieces: `` and '' become ",
    accents are stripped and letters lower-cased (the tokenizers library's own steps).
    SentencePiece's own NFKC normalization comes after, in training and in use alike."""
    return _albert_normalizer().normalize_str(text)


def sample_sentences(texts: Iterable[str], k: int, seed: int = 42) -> list[str]:
    """The non-empty texts in their `normal_form`, a text longer than `MAX_TRAIN_CHARS` cut into
    parts at spaces: all of them in order when there are at most `k`, else `k` drawn uniformly
    from the whole stream (reservoir sampling, reproducible)."""
    rng = random.Random(seed)
    kept: list[str] = []
    n = 0
    for t in texts:
        if not t.strip():
            continue
        for part in short_parts(normal_form(t)):
            n += 1
            if len(kept) < k:
                kept.append(part)
            else:
                j = rng.randrange(n)
                if j < k:
                    kept[j] = part
    return kept


def short_parts(text: str, limit: int = MAX_TRAIN_CHARS) -> Iterator[str]:
    """`text` in parts of at most `limit` characters, cut at the last space before the limit
    (or at the limit, in a run without spaces). SentencePiece leaves out of its training every
    sentence over 4,192 bytes, without a word: a corpus of long lines with no full stops (a list,
    a language written without them, a document on one line) would train on nothing of them."""
    text = text.strip()
    while len(text) > limit:
        cut = text.rfind(" ", limit // 2, limit + 1)
        cut = cut if cut > 0 else limit
        yield text[:cut]
        text = text[cut:].lstrip()
    if text:
        yield text


def chars_to_keep(sentences: list[str], vocab_size: int, coverage: float = CHARACTER_COVERAGE) -> str:
    """The characters the vocabulary must have: those SentencePiece keeps by itself (the most
    frequent, covering `coverage` of the text) and every printable ASCII character that occurs,
    however rare. All of them, since SentencePiece counts the characters it is told to keep
    into its coverage first, and would then drop others (the em dash of the Gutenberg books).
    Empty (SentencePiece's own choice) when the vocabulary cannot hold them with room to spare."""
    counts: Counter[str] = Counter()
    for s in sentences:
        counts.update(s)
    for c in [c for c in counts if c.isspace()]:
        del counts[c]
    total, covered, kept = sum(counts.values()), 0, set()
    for c, n in counts.most_common():
        if covered >= coverage * total:
            break
        kept.add(c)
        covered += n
    kept |= counts.keys() & PRINTABLE_ASCII
    if vocab_size < 2 * (len(kept) + len(SPECIALS)):
        return ""
    return "".join(sorted(kept))


def _train(sentences: list[str], out_dir, vocab_size: int, max_sentences: int, seed: int, required: str = ""):
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
                character_coverage=CHARACTER_COVERAGE,
                input_sentence_size=max_sentences,
                shuffle_input_sentence=True,
                num_threads=2,
                minloglevel=2,
                hard_vocab_limit=True,
                **({"required_chars": required} if required else {}),
            )
        except RuntimeError as e:
            msg = str(e)
            fewer = re.search(r"smaller than required_chars\. *(\d+) vs (\d+)", msg)
            if fewer:  # fewer pieces than the text has characters (and special pieces)
                raise TokenizerError(
                    f"a vocabulary of {vocab_size} pieces cannot hold the {fewer.group(2)} characters and special "
                    f"pieces the text needs; choose a vocabulary of more than {fewer.group(2)} pieces"
                ) from None
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
