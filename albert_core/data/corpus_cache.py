"""A corpus tokenized once and kept on disk as memory-mapped arrays.

```
CACHE_DIR/<key>/tokens.bin      piece ids of every sentence, end to end (uint16, or int32 for big vocabularies)
CACHE_DIR/<key>/sentences.bin   int64 offsets into tokens: sentence i is tokens[s[i]:s[i+1]]
CACHE_DIR/<key>/documents.bin   int64 offsets into sentences: document j is sentences d[j]..d[j+1]
CACHE_DIR/<key>/meta.json       counts, statistics and the problems met while reading (written last)
```

The key hashes the files' paths, sizes and modification times, the tokenizer's vocabulary
and the reading options, so a changed file or another tokenizer gives a new entry and an
unchanged corpus is reused at once. Arrays are read through `np.memmap`, so a corpus larger
than memory works. The maximum length is not part of the key: the token stream does not
depend on it, and the examples cut from it are rebuilt in memory in about a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .corpus import (
    NO_TEXT,
    CorpusOptions,
    CorpusReport,
    corpus_files,
    count_unk_marks,
    encode,
    iter_documents,
    piece_stats,
)
from .problems import DataError

CACHE_VERSION = 3  # 3: a heading alone opens the document after it; a folder's README and LICENSE are left out
CACHE_LIMIT_GB = 20.0  # the cache's size, beyond which the entries used longest ago go
STALE_TMP_S = 24 * 3600  # a half-written entry this old was left by a process that died


@dataclass
class TokenizedCorpus:
    path: Path
    tokens: np.ndarray  # memory-mapped piece ids
    sentences: np.ndarray  # offsets into tokens, n_sentences + 1
    documents: np.ndarray  # offsets into sentences, n_documents + 1
    stats: dict  # files, documents, sentences, characters, tokens, unknown_tokens, unk_marks, unk_rate
    problems: list[str]
    hit: bool  # True when read from the cache, False when tokenized now
    key: str

    @property
    def n_documents(self) -> int:
        return len(self.documents) - 1


def default_cache_dir() -> Path:
    """$ALBERT_STUDIO_HOME/cache/corpus, else the user's cache folder."""
    env = os.environ.get("ALBERT_STUDIO_HOME")
    if env:
        return Path(env) / "cache" / "corpus"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("albert-studio", appauthor=False)) / "corpus"


def vocab_hash(tokenizer) -> str:
    """A fingerprint of what the tokenizer does: its vocabulary and lower-casing."""
    vocab = sorted(tokenizer.get_vocab().items())
    lower = bool(getattr(tokenizer, "do_lower_case", False))
    text = json.dumps([type(tokenizer).__name__, lower, vocab], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def cache_key(paths, tokenizer, options: CorpusOptions | None = None) -> str:
    options = options or CorpusOptions()
    files = []
    for f in corpus_files(paths):
        st = f.stat()
        files.append([str(f.resolve()), st.st_size, st.st_mtime_ns])
    blob = json.dumps([CACHE_VERSION, files, vocab_hash(tokenizer), asdict(options)])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def _open(folder: Path, key: str, hit: bool) -> TokenizedCorpus:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    tokens = np.memmap(folder / "tokens.bin", dtype=np.dtype(meta["dtype"]), mode="r", shape=(meta["n_tokens"],))
    if meta["n_tokens"] == 0:
        tokens = np.zeros(0, dtype=np.dtype(meta["dtype"]))
    sentences = np.memmap(folder / "sentences.bin", dtype=np.int64, mode="r", shape=(meta["n_sentences"] + 1,))
    documents = np.memmap(folder / "documents.bin", dtype=np.int64, mode="r", shape=(meta["n_documents"] + 1,))
    return TokenizedCorpus(folder, tokens, sentences, documents, meta["stats"], meta["problems"], hit, key)


def cached_corpus(paths, tokenizer, cache_dir=None, options: CorpusOptions | None = None) -> TokenizedCorpus | None:
    """The cached tokenization of this corpus with this tokenizer, or None when there is none."""
    key = cache_key(paths, tokenizer, options)
    folder = Path(cache_dir or default_cache_dir()) / key
    if (folder / "meta.json").exists():
        try:
            found = _open(folder, key, True)
        except (OSError, ValueError, KeyError):
            return None
        _mark_used(folder)
        return found
    return None


def cache_limit_bytes() -> int:
    """The most the corpus cache may hold: $ALBERT_STUDIO_CACHE_GB, else CACHE_LIMIT_GB."""
    try:
        gb = float(os.environ.get("ALBERT_STUDIO_CACHE_GB", CACHE_LIMIT_GB))
    except ValueError:
        gb = CACHE_LIMIT_GB
    return int(gb * 2**30)


def _mark_used(folder: Path) -> None:
    try:
        os.utime(folder / "meta.json")
    except OSError:  # a read-only cache is still usable
        pass


def _entry_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


def prune_cache(root: str | Path, keep: Path, limit: int | None = None) -> list[tuple[Path, int]]:
    """Remove the entries used longest ago until the cache holds at most `limit` bytes (never
    `keep`, the entry just made), and half-written entries of processes that died a day ago or
    more. Each entry's last use is its meta.json's time, renewed on every read. Returns the
    removed entries and their sizes."""
    limit = cache_limit_bytes() if limit is None else limit
    entries, removed, now = [], [], time.time()
    for d in Path(root).iterdir():
        try:
            if not d.is_dir():
                continue
            if d.name.startswith("."):
                if d.name.endswith(".tmp") and now - d.stat().st_mtime > STALE_TMP_S:
                    shutil.rmtree(d, ignore_errors=True)
                continue
            entries.append(((d / "meta.json").stat().st_mtime, d, _entry_bytes(d)))
        except OSError:  # removed meanwhile by another process, or not an entry
            continue
    total = sum(size for _, _, size in entries)
    for _, d, size in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if d.resolve() == Path(keep).resolve():
            continue
        shutil.rmtree(d, ignore_errors=True)
        if not d.exists():
            removed.append((d, size))
            total -= size
    return removed


def tokenize_corpus(
    paths: str | Path | Iterable[str | Path],
    tokenizer,
    cache_dir: str | Path | None = None,
    options: CorpusOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_sentences: int = 4096,
    report: Callable[[str], None] | None = None,
) -> TokenizedCorpus:
    """Tokenize a corpus into the cache (or reuse the cached copy) and return it memory-mapped.
    A new entry makes room for itself: the cache keeps within `cache_limit_bytes`, and `report`
    hears of the entries removed for it."""
    options = options or CorpusOptions()
    found = cached_corpus(paths, tokenizer, cache_dir, options)
    if found is not None:
        return found
    key = cache_key(paths, tokenizer, options)
    root = Path(cache_dir or default_cache_dir())
    final = root / key
    tmp = root / f".{key}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        meta = _write(paths, tokenizer, options, tmp, progress, batch_sentences)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        if (final / "meta.json").exists():  # another process (another rank) finished it first: use theirs
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            shutil.rmtree(final, ignore_errors=True)  # an incomplete remnant
            try:
                tmp.rename(final)
            except OSError:  # lost a race for the same entry: use the winner's
                shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    removed = prune_cache(root, keep=final)
    if removed and report:
        freed = sum(size for _, size in removed) / 2**30
        report(
            f"removed {len(removed)} tokenized text(s) used longest ago from the cache ({freed:.1f} GiB) "
            f"to keep it under {cache_limit_bytes() / 2**30:g} GiB (ALBERT_STUDIO_CACHE_GB sets the limit)"
        )
    return _open(final, key, False)


def _write(paths, tokenizer, options, out: Path, progress, batch_sentences: int) -> dict:
    dtype = np.uint16 if len(tokenizer) <= np.iinfo(np.uint16).max + 1 else np.int32
    unk = tokenizer.unk_token_id
    report = CorpusReport()
    n_tokens = n_sents = n_docs = chars = unknown = marks = 0
    pending: list[str] = []  # sentences waiting to be tokenized
    doc_ends: list[int] = []  # for each pending document, how many pending sentences end it

    with (
        open(out / "tokens.bin", "wb") as ft,
        open(out / "sentences.bin", "wb") as fs,
        open(out / "documents.bin", "wb") as fd,
    ):
        fs.write(np.zeros(1, np.int64).tobytes())
        fd.write(np.zeros(1, np.int64).tobytes())

        def flush() -> None:
            nonlocal n_tokens, n_sents, n_docs, unknown, marks
            if not pending:
                return
            marks += count_unk_marks(tokenizer, pending)
            ids = encode(tokenizer, pending)
            ends, doc_sent_ends, k, kept = [], [], 0, 0
            for d_end in doc_ends:
                before = kept
                for seq in ids[k:d_end]:
                    if seq:  # a sentence of nothing but dropped characters is left out
                        arr = np.asarray(seq, dtype=dtype)
                        ft.write(arr.tobytes())
                        n_tokens += len(seq)
                        unknown += int(np.count_nonzero(arr == unk))
                        kept += 1
                        ends.append(n_tokens)
                k = d_end
                if kept > before:
                    doc_sent_ends.append(n_sents + kept)
            fs.write(np.asarray(ends, np.int64).tobytes())
            fd.write(np.asarray(doc_sent_ends, np.int64).tobytes())
            n_sents += kept
            n_docs += len(doc_sent_ends)
            pending.clear()
            doc_ends.clear()

        for doc in iter_documents(paths, options, report):
            pending.extend(doc.sentences)
            doc_ends.append(len(pending))
            chars += sum(len(s) for s in doc.sentences)
            if len(pending) >= batch_sentences:
                flush()
                if progress:
                    progress(report.bytes_read, report.bytes_total)
        flush()
    if progress:
        progress(report.bytes_read, report.bytes_total)
    if n_tokens == 0:
        raise DataError(report.problems or NO_TEXT)
    stats = {
        "files": len(report.files),
        "documents": n_docs,
        "sentences": n_sents,
        "characters": chars,
        **piece_stats(n_tokens, unknown, marks),
    }
    return {
        "version": CACHE_VERSION,
        "dtype": np.dtype(dtype).name,
        "n_tokens": n_tokens,
        "n_sentences": n_sents,
        "n_documents": n_docs,
        "stats": stats,
        "problems": [str(p) for p in report.problems],
        "files": [str(f) for f in report.files],
    }


def cached_stats(paths, tokenizer, cache_dir=None, options: CorpusOptions | None = None) -> dict | None:
    """Statistics of a corpus already tokenized with this tokenizer (instant), or None."""
    found = cached_corpus(paths, tokenizer, cache_dir, options)
    return None if found is None else {**found.stats, "problems": found.problems}
