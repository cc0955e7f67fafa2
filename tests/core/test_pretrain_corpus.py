"""Reading a plain-text corpus, its statistics, and the tokenized cache."""

from __future__ import annotations

import os

import numpy as np
import pytest

from albert_core.data.corpus import CorpusOptions, corpus_stats, describe_stats, iter_documents, split_sentences
from albert_core.data.corpus_cache import cached_corpus, cached_stats, tokenize_corpus
from albert_core.data.problems import DataError
from albert_core.tokenizer import train_tokenizer

WORDS = "the cat dog sat ran on a mat under big red tree house quickly slowly happy sad river".split()


def make_text(n_docs: int = 40, seed: int = 0) -> str:
    import random

    rng = random.Random(seed)
    docs = []
    for _ in range(n_docs):
        sents = [" ".join(rng.choices(WORDS, k=rng.randint(3, 9))).capitalize() + "." for _ in range(rng.randint(1, 6))]
        docs.append(" ".join(sents))
    return "\n\n".join(docs) + "\n"


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return train_tokenizer(make_text(200, seed=9).splitlines(), tmp_path_factory.mktemp("tok"), vocab_size=120)


def test_split_sentences_keeps_abbreviations_and_initials():
    text = 'Mr. Darcy came in. "Who is he?" she asked! H. gammarus is a lobster. e.g. this stays'
    assert split_sentences(text) == [
        "Mr. Darcy came in.",
        '"Who is he?"',
        "she asked!",
        "H. gammarus is a lobster.",
        "e.g. this stays",
    ]
    assert split_sentences("我们去公园。「好吗？」他问！今天很好") == [
        "我们去公园。",
        "「好吗？」",
        "他问！",
        "今天很好",
    ]


def test_documents_split_at_blank_lines_or_per_file(tmp_path):
    (tmp_path / "a.txt").write_text("One. Two.\nThree\n\n\nFour.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Five. Six.", encoding="utf-8")
    (tmp_path / ".hidden").write_text("never read", encoding="utf-8")
    docs = list(iter_documents(tmp_path))
    assert [d.sentences for d in docs] == [["One.", "Two.", "Three"], ["Four."], ["Five.", "Six."]]
    assert docs[1].line == 5
    per_file = list(iter_documents(tmp_path, CorpusOptions(documents="file")))
    assert [d.sentences for d in per_file] == [["One.", "Two.", "Three Four."], ["Five.", "Six."]]
    lines = list(iter_documents(tmp_path / "a.txt", CorpusOptions(sentences="line")))
    assert [d.sentences for d in lines] == [["One. Two.", "Three"], ["Four."]]


def test_a_heading_opens_the_document_after_it_and_a_folders_readme_is_left_out(tmp_path):
    from albert_core.data.corpus import CorpusReport

    folder = tmp_path / "wiki"
    folder.mkdir()
    (folder / "wiki.txt").write_text(
        " = Robert Boulter = \n\n Robert Boulter is an actor . He acted .\n\n = = Career = = \n\n"
        " In 2000 he had a role .\n\n The end came .\n",
        encoding="utf-8",
    )
    (folder / "README").write_text("This is raw data from a data set.\n", encoding="utf-8")
    report = CorpusReport()
    docs = list(iter_documents(folder, report=report))
    assert [d.sentences for d in docs] == [
        ["= Robert Boulter =", "Robert Boulter is an actor .", "He acted ."],
        ["= = Career = =", "In 2000 he had a role ."],
        ["The end came ."],
    ]
    assert [d.line for d in docs] == [1, 5, 9]
    assert [f.name for f in report.files] == ["wiki.txt"] and "README left out" in str(report.problems[0])
    assert [len(d.sentences) for d in iter_documents(folder / "README")] == [1]  # named by itself: read
    # short lines one after another are texts of their own, not one long document
    chat = tmp_path / "chat.txt"
    chat.write_text("hello there\n\nhow are you\n\nfine thanks\n\nso am i\n\nA longer line. With two.\n")
    assert [d.sentences for d in iter_documents(chat)] == [
        ["hello there"],
        ["how are you"],
        ["fine thanks", "so am i", "A longer line.", "With two."],
    ]
    (chat.parent / "short.txt").write_text("one\n\ntwo\n")
    assert [d.sentences for d in iter_documents(chat.parent / "short.txt")] == [["one"], ["two"]]


def test_several_paths_joined_with_pathsep(tmp_path):
    (tmp_path / "a.txt").write_text("A one.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("B one.", encoding="utf-8")
    joined = os.pathsep.join([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert [d.sentences for d in iter_documents(joined)] == [["A one."], ["B one."]]


def test_a_table_in_a_corpus_gives_its_texts_without_their_labels(tmp_path):
    """The training file of the task to come, put in the corpus: its text column, ten rows to a
    document; the labels are no text to learn."""
    from albert_core.data.corpus import CorpusReport

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "book.txt").write_text("A first sentence. A second one.\n", encoding="utf-8")
    rows = [(f"Review {i} was fine. It ended well.", "pos" if i % 2 else "neg") for i in range(23)]
    (folder / "reviews.csv").write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in rows), encoding="utf-8")
    (folder / "ids.tsv").write_text("id\tscore\n1\t2\n3\t4\n", encoding="utf-8")  # nothing to read
    report = CorpusReport()
    docs = list(iter_documents(str(folder), report=report))
    book, tables = docs[0], [d for d in docs if d.file.endswith("reviews.csv")]
    assert book.sentences == ["A first sentence.", "A second one."]
    assert [len(d.sentences) for d in tables] == [20, 20, 6] and [d.line for d in tables] == [2, 12, 22]
    assert tables[0].sentences[:2] == ["Review 0 was fine.", "It ended well."]
    assert not any(s in ("pos", "neg") or "pos" in s.split() for d in tables for s in d.sentences)
    notes = {p.file.rsplit("/", 1)[-1]: p for p in report.problems}
    assert "read as a table: the texts of its column 'text' (23 rows, 10 to a document)" in notes["reviews.csv"].message
    assert notes["reviews.csv"].severity == "warning"
    assert "ids.tsv" in notes and "left out" in notes["ids.tsv"].message
    assert not any(d.file.endswith("ids.tsv") for d in docs)


def test_stats_count_documents_sentences_characters_and_tokens(tmp_path, tokenizer):
    (tmp_path / "c.txt").write_text("The cat sat. The dog ran.\n\nA big tree.\n", encoding="utf-8")
    s = corpus_stats(tmp_path / "c.txt")
    assert (s["files"], s["documents"], s["sentences"]) == (1, 2, 3)
    assert s["characters"] == len("The cat sat.") + len("The dog ran.") + len("A big tree.")
    assert "tokens" not in s
    t = corpus_stats(tmp_path / "c.txt", tokenizer=tokenizer)
    expected = sum(
        len(tokenizer(x, add_special_tokens=False)["input_ids"])
        for x in ["The cat sat.", "The dog ran.", "A big tree."]
    )
    assert t["tokens"] == expected
    assert t["unk_rate"] == 0.0
    u = corpus_stats_with(tmp_path, "Zebra ünïcödé ñ.", tokenizer)
    assert u["unknown_tokens"] > 0 and 0 < u["unk_rate"] < 1


def test_the_texts_own_unk_marks_are_told_apart_from_pieces_the_vocabulary_lacks(tmp_path, tokenizer):
    """WikiText writes <unk> for the words it dropped. The tokenizer reads each as its unknown
    token, so they count as unknown pieces; the statistics say how many came from the text
    itself, so the share left is what the vocabulary really lacks (here the z of "Zürich")."""
    (tmp_path / "w.txt").write_text("The <unk> sat. The dog ran.\n\nA <UNK> tree in Zürich.\n", encoding="utf-8")
    counted = corpus_stats(tmp_path / "w.txt", tokenizer=tokenizer)
    cached = tokenize_corpus(tmp_path / "w.txt", tokenizer, tmp_path / "cache").stats
    for s in (counted, cached):
        assert s["unk_marks"] == 2
        assert s["unknown_tokens"] > 2  # the marks, and z (unseen by the tokenizer)
        missing = (s["unknown_tokens"] - 2) / s["tokens"]
        assert f"({missing:.2%} unknown, besides the text's 2 <unk> marks)" in describe_stats(s)
    plain = corpus_stats_with(tmp_path, "The dog sat.", tokenizer)
    assert plain["unk_marks"] == 0 and describe_stats(plain).endswith(f"pieces ({plain['unk_rate']:.2%} unknown)")


def corpus_stats_with(folder, text, tokenizer):
    p = folder / "u.txt"
    p.write_text(text, encoding="utf-8")
    return corpus_stats(p, tokenizer=tokenizer)


def test_problems_name_the_file_and_line(tmp_path):
    (tmp_path / "good.txt").write_text("Fine text.\n", encoding="utf-8")
    (tmp_path / "bin.dat").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin.txt").write_bytes(b"ok line\ncaf\xe9 au lait\n")
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    (tmp_path / "notepad.txt").write_text("Saved as Unicode. On Windows.\r\n", encoding="utf-16")  # read, not refused
    s = corpus_stats(tmp_path)
    problems = "\n".join(s["problems"])
    assert "bin.dat: looks like a binary file" in problems
    assert "latin.txt:2: is not UTF-8, so such lines were read as Windows-1252" in problems
    assert "empty.txt: holds no text" in problems
    assert "notepad.txt" not in problems
    # good.txt, latin.txt (kept, its accents read as Windows-1252) and notepad.txt
    assert s["documents"] == 3 and s["sentences"] == 4
    assert [d.sentences for d in iter_documents(tmp_path / "notepad.txt")] == [["Saved as Unicode.", "On Windows."]]
    with pytest.raises(DataError, match="no such file or folder"):
        corpus_stats(tmp_path / "missing.txt")


def test_cache_is_written_once_reused_and_renewed_when_a_file_changes(tmp_path, tokenizer):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(make_text(), encoding="utf-8")
    cache = tmp_path / "cache"
    first = tokenize_corpus(corpus, tokenizer, cache)
    assert not first.hit
    second = tokenize_corpus(corpus, tokenizer, cache)
    assert second.hit and second.path == first.path
    assert isinstance(second.tokens, np.memmap)
    assert np.array_equal(np.asarray(first.tokens), np.asarray(second.tokens))
    assert cached_stats(corpus, tokenizer, cache)["tokens"] == len(first.tokens)

    # offsets describe the text: sentence k of document 0 decodes back to its words
    doc0 = next(iter_documents(corpus))
    s0, s1 = first.sentences[0], first.sentences[1]
    assert tokenizer.decode(first.tokens[s0:s1].tolist()) == doc0.sentences[0].lower()
    assert first.documents[-1] == len(first.sentences) - 1
    assert first.stats["documents"] == 40

    corpus.write_text(make_text(seed=1), encoding="utf-8")  # new content (and size/mtime)
    os.utime(corpus, ns=(1, 1))
    third = tokenize_corpus(corpus, tokenizer, cache)
    assert not third.hit and third.path != first.path


def test_a_corpus_without_text_is_refused(tmp_path, tokenizer):
    (tmp_path / "blank.txt").write_text("\n   \n", encoding="utf-8")
    with pytest.raises(DataError, match="holds no text"):
        tokenize_corpus(tmp_path / "blank.txt", tokenizer, tmp_path / "cache")


def test_the_cache_keeps_within_its_limit_dropping_what_was_used_longest_ago(tmp_path, tokenizer, monkeypatch):
    """Every corpus and every tokenizer makes a cache entry; edited files make new ones. Without
    a limit the cache grows for ever: a new entry removes the entries read longest ago (and
    half-written ones a dead process left) until the cache is within its limit again."""
    cache, text = tmp_path / "cache", make_text(30, seed=3)
    files = [tmp_path / f"c{i}.txt" for i in range(3)]
    for f in files:
        f.write_text(text, encoding="utf-8")  # the same size, each its own entry
    first, second = (tokenize_corpus(f, tokenizer, cache) for f in files[:2])
    os.utime(first.path / "meta.json", (1, 1))  # both made long ago, the first before the second
    os.utime(second.path / "meta.json", (2, 2))
    assert cached_corpus(files[0], tokenizer, cache).hit  # a read is a use: now the second is the oldest
    stale = cache / ".0123.999999.tmp"
    stale.mkdir()
    os.utime(stale, (1, 1))
    size = sum(f.stat().st_size for f in first.path.iterdir())
    monkeypatch.setenv("ALBERT_STUDIO_CACHE_GB", str(2.5 * size / 2**30))  # room for two entries
    said = []
    third = tokenize_corpus(files[2], tokenizer, cache, report=said.append)
    assert first.path.exists() and third.path.exists()
    assert not second.path.exists() and not stale.exists()
    assert cached_corpus(files[1], tokenizer, cache) is None
    assert len(said) == 1 and said[0].startswith("removed 1 tokenized text(s) used longest ago from the cache")
    monkeypatch.setenv("ALBERT_STUDIO_CACHE_GB", "0")  # smaller than any entry: the new one stays all the same
    assert tokenize_corpus(files[1], tokenizer, cache).path.exists()
