import json

import pytest

from albert_core.data.classification import read_classification, stratified_split
from albert_core.data.problems import DataError


def write(tmp_path, name, text, mode="w"):
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8", newline="")
    return p


def test_csv_with_header_quotes_bom_crlf_and_blank_lines(tmp_path):
    p = write(tmp_path, "d.csv", '\ufefftext,label\r\n"hello, world",pos\r\n\r\nbad day,neg\r\n"multi\nline",pos\r\n')
    d = read_classification(p)
    assert d.texts == ["hello, world", "bad day", "multi\nline"]
    assert d.labels == ["pos", "neg", "pos"]
    assert d.lines == [2, 4, 5]
    assert d.problems == []


def test_csv_with_semicolons_as_a_spreadsheet_writes_it(tmp_path):
    p = write(tmp_path, "d.csv", "text;label\n" + "nice, really;pos\nbad;neg\n" * 3)
    d = read_classification(p)
    assert d.texts[:2] == ["nice, really", "bad"] and d.labels == ["pos", "neg"] * 3 and d.problems == []


def test_tsv_without_header_detects_columns(tmp_path):
    rows = "".join(f"{'spam' if i % 3 == 0 else 'ham'}\tmessage number {i} with some words\n" for i in range(30))
    d = read_classification(write(tmp_path, "SMS", rows))
    assert d.columns["label"] == "column_1" and d.columns["text"] == "column_2"
    assert set(d.labels) == {"spam", "ham"}


def test_jsonl_pairs_and_numeric_labels(tmp_path):
    lines = [json.dumps({"premise": f"p{i}", "hypothesis": f"h{i}", "label": i % 3}) for i in range(9)]
    p = write(tmp_path, "d.jsonl", "\n".join(lines) + "\n")
    d = read_classification(p, columns={"text": "premise", "text_pair": "hypothesis", "label": "label"})
    assert d.pairs[0] == "h0" and d.labels[:3] == ["0", "1", "2"]


def test_every_problem_is_collected_with_file_and_line(tmp_path):
    p = write(tmp_path, "bad.csv", "text,label\nfine,pos\n,neg\nno label,\ntoo,many,fields\nok,neg\n")
    d = read_classification(p)
    assert d.texts == ["fine", "ok"]
    msgs = [str(x) for x in d.problems]
    assert any(m.startswith(f"{p}:3:") and "empty text" in m for m in msgs)
    assert any(m.startswith(f"{p}:4:") and "no label" in m for m in msgs)
    assert any(m.startswith(f"{p}:5:") and "3 fields, expected 2" in m for m in msgs)
    assert len(d) + len(d.problems) == 5  # nothing dropped silently


def test_lines_that_start_with_their_label(tmp_path):
    # TREC's layout ("LABEL question") and fastText's ("__label__X text"): the label is the first word
    kinds = ["DESC:manner", "HUM:ind", "LOC:city"]
    trec = "".join(f"{kinds[i % 3]} What is question {i}{' , asked here' if i % 4 == 0 else ''} ?\n" for i in range(40))
    d = read_classification(write(tmp_path, "TREC.train", trec))
    assert d.table.format == "label-first" and d.lines[:2] == [1, 2]
    assert d.labels[:3] == kinds and d.texts[:2] == ["What is question 0 , asked here ?", "What is question 1 ?"]
    fasttext = "".join(f"__label__{'pos' if i % 2 else 'neg'} review {i} of a film\n" for i in range(12))
    d = read_classification(write(tmp_path, "reviews.txt", fasttext))
    assert set(d.labels) == {"pos", "neg"} and d.texts[1] == "review 1 of a film"
    # a CSV without the extension stays a CSV, its quoted texts spanning lines without commas
    quoted = "text,label\n" + "".join(f'"review {i}\ngoes on\nand on",{i % 2}\n' for i in range(12))
    d = read_classification(write(tmp_path, "reviews.data", quoted))
    assert d.table.format == "csv" and d.texts[0] == "review 0\ngoes on\nand on" and d.labels[:2] == ["0", "1"]
    # one column of ordinary sentences has no label to find: the reader says so
    plain = "".join(f"sentence {i} starts with a different word each time\n".replace("sentence", w) for i, w in
                    enumerate(f"w{i}" for i in range(30)))  # fmt: skip
    with pytest.raises(DataError, match="no label column found"):
        read_classification(write(tmp_path, "plain.txt", plain))


def test_non_utf8_names_the_line(tmp_path):
    p = write(tmp_path, "latin.csv", "text,label\ngood,pos\ncaf\xe9,neg\n".encode("latin-1"))
    d = read_classification(p)  # read as Windows-1252; the first line that is not UTF-8 is named
    assert d.texts == ["good", "caf\u00e9"]
    assert [str(x).split(": ")[0] for x in d.problems] == [f"{p}:3"] and "UTF-8" in str(d.problems[0])


def test_bad_jsonl_line_and_missing_column(tmp_path):
    p = write(tmp_path, "d.jsonl", '{"text": "a", "label": "x"}\n{oops\n{"text": "b", "label": "y"}\n')
    d = read_classification(p)
    assert [str(x).split(": ")[0] for x in d.problems] == [f"{p}:2"]
    with pytest.raises(DataError) as e:
        read_classification(p, columns={"text": "sentence"})
    assert "no column 'sentence'" in str(e.value) and "text, label" in str(e.value)


def test_empty_and_binary_files(tmp_path):
    for name, data in (("empty.csv", b""), ("bin.csv", b"\x00\x01\x02binary")):
        with pytest.raises(DataError) as e:
            read_classification(write(tmp_path, name, data))
        assert name in str(e.value)


def test_stratified_split_is_seeded_and_keeps_shares():
    labels = ["a"] * 80 + ["b"] * 20
    tr, va = stratified_split(labels, 0.2, seed=1)
    assert sorted(tr + va) == list(range(100))
    assert sum(labels[i] == "b" for i in va) == 4 and len(va) == 20
    assert stratified_split(labels, 0.2, seed=1) == (tr, va)
    assert stratified_split(labels, 0.2, seed=2) != (tr, va)


def test_many_rare_labels_do_not_change_the_validation_share():
    import random
    from collections import Counter

    rng = random.Random(0)
    labels = [f"y{rng.randint(0, 2000)}" for _ in range(5000)]  # most labels on one to four rows
    tr, va = stratified_split(labels, 0.1, seed=3)
    assert len(va) == 500 and sorted(tr + va) == list(range(5000))
    kept = Counter(labels[i] for i in tr)
    assert all(kept[y] >= 1 for y in set(labels))  # every label keeps a row to learn from
    tr, va = stratified_split(["a"] * 9 + ["b"] * 3 + ["c"] * 2 + ["d"], 0.2, seed=1)
    assert len(va) == 3 and 14 not in va  # d's only row stays in training


def test_columns_that_cannot_be_what_they_are_chosen_as(tmp_path):
    rows = "".join(f"{'good' if i % 2 else 'bad'} film {i}\t{'pos' if i % 2 else 'neg'}\n" for i in range(40))
    p = write(tmp_path, "two.tsv", "text\tlabel\n" + rows)
    with pytest.raises(DataError, match="second text and as the label"):
        read_classification(p, columns={"text": "text", "label": "label", "text_pair": "label"})
    with pytest.raises(DataError, match="second text and as the text"):
        read_classification(p, columns={"text": "text", "label": "label", "text_pair": "text"})
    # the columns swapped: the "labels" are texts, each on one row
    swapped = read_classification(p, columns={"text": "label", "label": "text"})
    (warning,) = [x for x in swapped.problems if x.severity == "warning"]
    assert "holds 40 different labels in 40 rows" in warning.message and "looks like text" in warning.message
    assert not [x for x in read_classification(p).problems if x.severity == "warning"]


def test_labels_that_differ_only_in_case_are_pointed_out(tmp_path):
    rows = "".join(f"text {i},{['pos', 'neg', 'POS'][i % 3]}\n" for i in range(30))
    data = read_classification(write(tmp_path, "c.csv", "text,label\n" + rows))
    assert sorted(data.all_labels()) == ["POS", "neg", "pos"]  # kept apart, as written
    (warning,) = data.problems
    assert warning.severity == "warning" and "'POS' and 'pos'" in warning.message


def test_labels_written_two_ways_or_coded_two_ways_are_pointed_out(tmp_path):
    rows = "".join(f"text {i},{['0', '1', '1.0', 'negative', 'positive'][i % 5]}\n" for i in range(40))
    data = read_classification(write(tmp_path, "c.csv", "text,label\n" + rows))
    messages = [p.message for p in data.problems if p.severity == "warning"]
    assert any("'1' and '1.0'" in m for m in messages), messages
    assert any("mixes numbers (0, 1, 1.0) and words (negative, positive)" in m for m in messages), messages
    rows = "".join(f'{{"text": "t {i}", "label": {["0", "false", "1", "true"][i % 4]}}}\n' for i in range(40))
    data = read_classification(write(tmp_path, "b.jsonl", rows))
    (m,) = [p.message for p in data.problems if p.severity == "warning"]
    assert "'0' and 'false'" in m and "'1' and 'true'" in m
    # codes that only look alike, and words that parse as numbers, are left alone
    for i, labels in enumerate((["1.1", "1.10", "2.3"], ["positive", "negative", "nan"])):
        rows = "".join(f"text {n},{labels[n % 3]}\n" for n in range(30))
        data = read_classification(write(tmp_path, f"codes{i}.csv", "text,label\n" + rows))
        assert not [p for p in data.problems if p.severity == "warning"], labels


def test_a_slice_of_a_coarse_fine_labelled_file_is_read_as_labels_and_texts(tmp_path):
    coarse = ["NUM", "DESC", "HUM", "LOC", "ENTY", "ABBR"]
    rows = "".join(f"{coarse[i % 6]}:other what is thing number {i} ?\n" for i in range(60))
    data = read_classification(write(tmp_path, "trec_dev.txt", rows))
    assert len(data.all_labels()) == 6 and data.texts[0] == "what is thing number 0 ?"


def test_a_squad_file_given_to_classification_says_it_is_question_answering_data(tmp_path):
    doc = {"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": "c", "qas": []}]}]}
    p = write(tmp_path, "train.json", json.dumps(doc))
    with pytest.raises(DataError, match="is SQuAD question answering data.*--task qa"):
        read_classification(p)


def test_a_squad_file_over_many_lines_is_named_as_such_for_classification_and_ner(tmp_path):
    from albert_core.data.conll import read_ner

    doc = {"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": "c", "qas": []}]}]}
    p = write(tmp_path, "dev.json", json.dumps(doc, indent=2))
    for read in (read_classification, read_ner):
        with pytest.raises(DataError, match="is SQuAD question answering data"):
            read(p)


def test_a_table_given_as_question_answering_data_says_what_a_qa_file_is(tmp_path):
    from albert_core.data.squad import read_squad

    p = write(tmp_path, "p.csv", "question,context\nwho?,Ada wrote it\n")
    with pytest.raises(DataError, match="is not valid JSON: a question answering file"):
        read_squad(p)


def test_a_conll_file_given_as_classification_data_says_to_choose_named_entities(tmp_path):
    lines = "".join(f"word{i} NNP B-NP {['B-ORG', 'O', 'B-MISC'][i % 3]}\n" for i in range(30))
    p = write(tmp_path, "train.txt", lines)
    with pytest.raises(DataError, match="looks like a named-entity file.*--task ner"):
        read_classification(p)
