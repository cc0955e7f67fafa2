"""Reading NER files: CoNLL columns and JSON Lines, tagging schemes, problems with file:line,
and labels aligned to sub-word pieces."""

import json
import random

import pytest

from albert_core.data.conll import detect_scheme, read_ner, to_iob2
from albert_core.data.problems import DataError
from albert_core.ner_align import IGNORE, ner_features, split_words

CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O
BRUSSELS NNP B-NP B-LOC
1996-08-22 CD I-NP O
"""


def test_conll_columns_docstart_and_lines(tmp_path):
    p = tmp_path / "train.txt"
    p.write_text(CONLL)
    d = read_ner(p)
    assert d.format == "conll" and d.scheme == "IOB2" and not d.problems
    assert d.sentences == [["EU", "rejects", "German", "call", "."], ["Peter", "Blackburn"], ["BRUSSELS", "1996-08-22"]]
    assert d.tags[1] == ["B-PER", "I-PER"]
    assert d.lines == [3, 9, 13]
    assert d.labels() == ["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    # another column as the tags: the chunk column
    chunks = read_ner(p, tag_column=2)
    assert chunks.tags[0] == ["B-NP", "B-VP", "B-NP", "I-NP", "O"]


def test_jsonl_with_either_key_names(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text(
        json.dumps({"tokens": ["John", "lives", "here"], "tags": ["B-PER", "O", "O"]})
        + "\n"
        + json.dumps({"words": ["CHICAGO", "AT", "ATLANTA"], "ner": ["B-ORG", "O", "B-LOC"]})
        + "\n"
    )
    d = read_ner(p)
    assert d.format == "jsonl" and d.tags == [["B-PER", "O", "O"], ["B-ORG", "O", "B-LOC"]] and d.lines == [1, 2]


def test_schemes_are_detected_and_converted():
    iob1 = [["I-PER", "I-PER", "B-PER", "O", "I-LOC"]]
    assert detect_scheme(iob1) == "IOB1"
    assert to_iob2(iob1[0], "IOB1") == ["B-PER", "I-PER", "B-PER", "O", "B-LOC"]
    bioes = [["B-PER", "E-PER", "S-LOC", "O", "B-ORG", "I-ORG", "E-ORG"]]
    assert detect_scheme(bioes) == "BIOES"
    assert to_iob2(bioes[0], "BIOES") == ["B-PER", "I-PER", "B-LOC", "O", "B-ORG", "I-ORG", "I-ORG"]
    assert to_iob2(["U-PER", "B-LOC", "L-LOC"], "BIOES") == ["B-PER", "B-LOC", "I-LOC"]
    iob2 = [["B-PER", "I-PER", "B-PER", "O"]]
    assert detect_scheme(iob2) == "IOB2" and to_iob2(iob2[0], "IOB2") == iob2[0]


def test_a_bioes_file_is_read_as_iob2(tmp_path):
    p = tmp_path / "bioes.txt"
    p.write_text("New S-LOC\n\nNew B-LOC\nYork E-LOC\nis O\nbig O\n")
    d = read_ner(p)
    assert d.scheme == "BIOES" and d.tags == [["B-LOC"], ["B-LOC", "I-LOC", "O", "O"]]


def test_io_tags_without_prefixes_are_read_as_runs_of_one_type(tmp_path):
    path = tmp_path / "io.txt"
    path.write_text("EU ORG\nrejects O\nPeter PER\nBlackburn PER\n\nLondon LOC\nand O\nParis LOC\n")
    data = read_ner(path)
    assert data.scheme == "IO" and not data.problems
    assert data.tags == [["B-ORG", "O", "B-PER", "I-PER"], ["B-LOC", "O", "B-LOC"]]
    mixed = tmp_path / "mixed.txt"  # bare and prefixed tags in one file: not IO, each bare one is named
    mixed.write_text("EU B-ORG\nrejects O\n\nPeter PER\n")
    data = read_ner(mixed)
    assert data.tags == [["B-ORG", "O"]] and "unknown tag 'PER'" in str(data.problems[0])
    pos = tmp_path / "upos.txt"  # a column of parts of speech is no IO tags: few words are O
    pos.write_text("The DET\ncat NOUN\nsat VERB\non ADP\nthe DET\nmat NOUN\n. PUNCT\n")
    with pytest.raises(DataError, match="unknown tag 'DET'"):
        read_ner(pos)


def test_problems_name_file_and_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text("EU NNP B-ORG\nrejects O\n\nPeter NNP B-PER\nBlackburn NNP X-PER\n\nfine NN O\n")
    d = read_ner(p)
    assert d.sentences == [["fine"]]
    msgs = {q.line: q.message for q in d.problems}
    assert "has 2 columns, expected 3" in msgs[2] and "lines 1-2" in msgs[2]
    assert "unknown tag 'X-PER'" in msgs[5]
    assert all(str(q).startswith(f"{p}:") for q in d.problems)
    j = tmp_path / "bad.jsonl"
    j.write_text('{"tokens": ["a", "b"], "tags": ["O"]}\n{"tokens": ["a"], "tags": [3]}\n{"tokens": ["a"]}\nnope\n')
    with pytest.raises(DataError) as e:
        read_ner(j)
    text = str(e.value)
    assert f"{j}:1: has 2 tokens but 1 tags" in text
    assert f"{j}:2: tags must be names" in text
    assert f"{j}:3: needs" in text
    assert f"{j}:4: is not valid JSON" in text


def test_first_piece_carries_the_label(tmp_path):
    from albert_core.tokenizer import train_tokenizer

    rng = random.Random(0)
    words = "alpha bravo charlie delta echo foxtrot golf hotel".split()
    tok = train_tokenizer([" ".join(rng.choice(words) for _ in range(8)) for _ in range(200)], tmp_path, vocab_size=40)
    sent = ["alpha", "Zyxwv", "bravo", "charliedelta", "."]
    labels = [1, 2, 0, 3, 0]
    (f,) = ner_features(tok, [sent], [labels], max_length=64)
    enc = tok(sent, is_split_into_words=True)
    word_ids = enc.word_ids()
    assert len(f["labels"]) == len(f["input_ids"]) == len(word_ids)
    for pos, w in enumerate(word_ids):
        first = w is not None and (pos == 0 or word_ids[pos - 1] != w)
        assert f["labels"][pos] == (labels[w] if first else IGNORE)
    assert sorted(x for x in f["labels"] if x != IGNORE) == sorted(labels)
    # a sentence longer than the window continues in more windows; every word keeps one label
    long = sent * 20
    feats = ner_features(tok, [long], [labels * 20], max_length=24)
    assert len(feats) > 1 and all(len(x["input_ids"]) <= 24 for x in feats)
    carried = [w for x in feats for w in x["word_at"] if w >= 0]
    assert carried == list(range(len(long)))


def test_split_words_keeps_character_spans():
    text = "Mr. O'Neil visited New-York, (again) in 2024."
    words = split_words(text)
    assert all(text[s:e] == w for w, s, e in words)
    assert [w for w, _, _ in words] == [
        "Mr",
        ".",
        "O'Neil",
        "visited",
        "New-York",
        ",",
        "(",
        "again",
        ")",
        "in",
        "2024",
        ".",
    ]


def test_each_word_takes_the_likeliest_tag_of_its_first_piece_and_its_probability():
    import torch

    from albert_core.ner_align import top_labels, word_predictions

    torch.manual_seed(0)
    logits = torch.randn(2, 5, 4)
    tops = top_labels(logits, [5, 3])  # the second window has 3 pieces, the rest padding
    assert [len(k) for k, _ in tops] == [5, 3]
    probs = logits.softmax(-1)
    for w, (ks, ps) in enumerate(tops):
        assert ks == probs[w, : len(ks)].argmax(-1).tolist()
        assert ps == pytest.approx(probs[w, : len(ks)].max(-1).values.tolist())
    # window 0: sentence 0, pieces 1-2 are word 0 (its first piece counts), 3 is word 1; window 1: sentence 1
    feats = [{"sentence": 0, "word_at": [-1, 0, -1, 1, -1]}, {"sentence": 1, "word_at": [-1, 0, -1]}]
    preds = word_predictions(feats, tops, [2, 2])
    assert preds[0] == [(tops[0][0][1], tops[0][1][1]), (tops[0][0][3], tops[0][1][3])]
    assert preds[1] == [(tops[1][0][1], tops[1][1][1]), (0, 0.0)]  # a word with no piece in any window


def test_a_file_of_sentences_and_labels_is_said_not_to_be_an_ner_file(tmp_path):
    rows = ["sentence\tlabel"] + [f"a film number {i} that was quite good or bad\t{i % 2}" for i in range(40)]
    path = tmp_path / "sst.tsv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError) as e:
        read_ner(path)
    assert "sst.tsv:1: does not look like an NER file" in str(e.value) and "one word per line" in str(e.value)
    # tags of another form are not taken for sentences: IO tags (the type alone) are read as such
    bare = tmp_path / "bare.txt"
    bare.write_text("EU ORG\nrejects O\n\nPeter PER\nruns O\n" * 30)
    assert read_ner(bare).scheme == "IO"
