"""Labels with a coarse and a fine part (TREC's DESC:manner): a run may keep the part before the
mark, and the model then compares a file of fine labels with its own coarse ones."""

from __future__ import annotations

import json
import random

import pytest

from albert_core.cli import main
from albert_core.data.classification import coarse_labels, label_part, read_classification
from albert_core.runs import ConfigError, RunConfig

FINE = {"DESC": ["manner", "def", "reason"], "HUM": ["ind", "gr"], "LOC": ["city", "country", "other"]}
WORDS = {"DESC": "how why what does mean", "HUM": "who person name leader", "LOC": "where city country place"}


def write_trec(path, n=240, seed=0):
    """TREC's layout: each line starts with its label, COARSE:fine."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        coarse = rng.choice(sorted(FINE))
        words = " ".join(rng.choice(WORDS[coarse].split()) for _ in range(5))
        lines.append(f"{coarse}:{rng.choice(FINE[coarse])} {words} ?")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_part_before_a_mark_is_the_label(tmp_path):
    path = write_trec(tmp_path / "TREC.train")
    fine = read_classification(path)
    assert len(fine.all_labels()) == 8 and coarse_labels(fine.all_labels()) == (":", 3)
    coarse = read_classification(path, before=":")
    assert coarse.all_labels() == {"DESC", "HUM", "LOC"} and coarse.texts == fine.texts
    assert coarse_labels(["pos", "neg", "neutral"]) is None and coarse_labels(["a:x", "a:y"]) is None
    assert label_part("DESC:manner", ":") == "DESC" and label_part(":odd", ":") == ":odd"
    multi = tmp_path / "tags.jsonl"  # several labels per text: each label is cut
    multi.write_text(
        json.dumps({"text": "a b", "label": ["LOC:city", "HUM:ind", "LOC:other"]}) + "\n", encoding="utf-8"
    )
    assert read_classification(multi, multi_label=True, before=":").label_sets == [("HUM", "LOC")]
    with pytest.raises(ConfigError, match="label_before"):
        RunConfig(task="ner", label_before=":").validate()


def test_a_run_on_coarse_labels_compares_a_file_of_fine_ones(tmp_path, capsys):
    train = write_trec(tmp_path / "TREC.train")
    run = tmp_path / "run"
    assert main(["train", "--task", "classification", "--train", str(train), "--label-before", ":",
                 "--preset", "tiny", "--max-steps", "30", "--lr", "3e-3", "--threads", "1", "--out", str(run)]) == 0  # fmt: skip
    config = json.loads((run / "model" / "config.json").read_text())
    assert sorted(config["id2label"].values()) == ["DESC", "HUM", "LOC"] and config["label_before"] == ":"
    capsys.readouterr()
    # fine labels, as the data set gives them: 60 lines of 8 labels, found to start with their label by
    # the COARSE:fine shape (as TREC's test file: 500 lines, 50 labels)
    test = write_trec(tmp_path / "TREC.test", n=60, seed=1)
    assert main(["evaluate", "--model", str(run / "model"), "--data", str(test), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["examples"] == 60 and scored["accuracy"] > 0.6
    assert main(["predict", "--model", str(run / "model"), "--file", str(test), "--out", str(tmp_path / "p.csv")]) == 0
    printed = capsys.readouterr().out
    assert "against the file's own answers" in printed and "does not know" not in printed
