"""Reading SQuAD-style files: every layout, and every problem named by file, line and id."""

import json

import pytest

from albert_core.data.problems import DataError
from albert_core.data.squad import read_squad

CTX = "The Normans gave their name to Normandy, a region in France."


def _nested(version="1.1", qas=None, context=CTX):
    qas = qas or [{"id": "q1", "question": "Where is Normandy?", "answers": [{"text": "France", "answer_start": 53}]}]
    return {"version": version, "data": [{"title": "Normans", "paragraphs": [{"context": context, "qas": qas}]}]}


def test_official_nested_v1(tmp_path):
    p = tmp_path / "train.json"
    p.write_text(json.dumps(_nested(), indent=2))
    d = read_squad(p)
    assert d.format == "squad" and len(d) == 1 and not d.problems
    ex = d.examples[0]
    assert (ex.id, ex.title, ex.answers) == ("q1", "Normans", [("France", 53)])
    assert CTX[53:59] == "France"
    id_line = next(i for i, ln in enumerate(p.read_text().split("\n"), 1) if '"id": "q1"' in ln)
    assert ex.line == id_line  # the line of its "id" in the indented file
    assert not d.has_unanswerable


def test_nested_v2_unanswerable(tmp_path):
    qas = [
        {"id": "a", "question": "Where?", "answers": [{"text": "France", "answer_start": 53}], "is_impossible": False},
        {"id": "b", "question": "Who?", "answers": [], "is_impossible": True, "plausible_answers": []},
    ]
    p = tmp_path / "v2.json"
    p.write_text(json.dumps(_nested("v2.0", qas)))
    d = read_squad(p)
    assert [e.answers for e in d.examples] == [[("France", 53)], []]
    assert d.has_unanswerable


def test_flat_json_and_jsonl(tmp_path):
    rec = {"id": "x", "question": "Where?", "context": CTX, "answers": {"text": ["France"], "answer_start": [53]}}
    flat = tmp_path / "flat.json"
    flat.write_text(
        json.dumps({"version": 2.0, "data": [rec, {**rec, "id": "y", "answers": {"text": [], "answer_start": []}}]})
    )
    d = read_squad(flat)
    assert d.format == "flat-json" and [e.answers for e in d.examples] == [[("France", 53)], []]
    lines = tmp_path / "q.jsonl"
    lines.write_text(json.dumps(rec) + "\n\n" + json.dumps({**rec, "id": "z"}) + "\n")
    d = read_squad(lines)
    assert d.format == "jsonl" and [e.id for e in d.examples] == ["x", "z"] and [e.line for e in d.examples] == [1, 3]


def test_problems_are_collected_with_lines_and_ids(tmp_path):
    good = {"id": "ok", "question": "Where?", "context": CTX, "answers": {"text": ["France"], "answer_start": [53]}}
    rows = [
        good,
        {**good, "id": "moved", "answers": {"text": ["France"], "answer_start": [50]}},  # wrong start
        {**good, "id": "absent", "answers": {"text": ["Spain"], "answer_start": [53]}},  # not in context
        {**good, "id": "empty", "context": "   "},
        {**good, "id": "noq", "question": ""},
        {**good, "id": "ok"},  # duplicate id
        {**good, "id": "badstart", "answers": {"text": ["France"], "answer_start": ["x"]}},
    ]
    p = tmp_path / "bad.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n")
    d = read_squad(p)
    assert [e.id for e in d.examples] == ["ok", "moved"]
    assert d.examples[1].answers == [("France", 53)]  # moved to where the text really is
    msgs = {p.line: (p.severity, p.message) for p in d.problems}
    assert msgs[2][0] == "warning" and "not at answer_start 50" in msgs[2][1] and "'moved'" in msgs[2][1]
    assert msgs[3][0] == "error" and "does not occur in the context" in msgs[3][1]
    assert "empty context" in msgs[4][1] and "'empty'" in msgs[4][1]
    assert "empty question" in msgs[5][1]
    assert "appears twice" in msgs[6][1]
    assert "answer_start" in msgs[7][1]
    assert "not valid JSON" in msgs[8][1]
    assert all(str(p).startswith(f"{tmp_path / 'bad.jsonl'}:") for p in d.problems)


def test_nothing_usable_raises_with_every_problem(tmp_path):
    p = tmp_path / "none.json"
    p.write_text(json.dumps(_nested(context="")))
    with pytest.raises(DataError) as e:
        read_squad(p)
    assert "empty context" in str(e.value) and "'q1'" in str(e.value)
    bad = tmp_path / "broken.json"
    bad.write_text('{"data": [\n  {"title": "x",\n  }\n]}')
    with pytest.raises(DataError) as e:
        read_squad(bad)
    assert f"{bad}:3" in str(e.value)


def test_json_of_another_kind_and_a_misnamed_answer_are_said_so(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_type": "albert", "hidden_size": 64}, indent=2), encoding="utf-8")
    with pytest.raises(DataError, match='not a question answering file: it has no "data" list') as e:
        read_squad(config)
    assert "its keys: model_type, hidden_size" in str(e.value) and "each line must be one object" not in str(e.value)
    flat = tmp_path / "flat.json"
    rows = [{"id": "a", "question": "who?", "context": "ada wrote it", "answer": "ada"},
            {"id": "b", "question": "who?", "context": "tom wrote it", "answers": {"text": ["tom"], "answer_start": [0]}}]  # fmt: skip
    flat.write_text(json.dumps(rows), encoding="utf-8")
    data = read_squad(flat)
    assert [e.id for e in data.examples] == ["b"]  # not read as a question with no answer
    assert any("has 'answer' but no \"answers\"" in p.message for p in data.problems)


def test_a_question_without_answers_beside_answered_ones_is_said(tmp_path):
    rows = [{"id": "1", "question": "who?", "context": "Ada wrote it.", "answers": {"text": ["Ada"], "answer_start": [0]}},
            {"id": "2", "question": "what?", "context": "Ada wrote it."}]  # fmt: skip
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    data = read_squad(path)
    assert len(data.examples) == 2 and not data.examples[1].answers
    assert [(p.line, p.severity) for p in data.problems] == [(2, "warning")]
    assert 'no "answers" and is read as unanswerable' in data.problems[0].message
    alone = tmp_path / "to_predict.jsonl"  # questions to answer, none with answers: nothing to say
    alone.write_text(json.dumps(rows[1]) + "\n")
    assert read_squad(alone).problems == []
