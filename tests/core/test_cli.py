import json
import subprocess
import sys

import pytest

from tests.core.helpers import TINY, sentiment_rows, write_csv


def cli(*args, check=True):
    return subprocess.run([sys.executable, "-m", "albert_core", *args], capture_output=True, text=True, check=check)


def _training(data, spec, run, max_steps: int, text: bool = False) -> subprocess.Popen:
    """`train` in a process of its own, logging every step, its output to read as it comes."""
    return subprocess.Popen(
        [sys.executable, "-m", "albert_core", "train", "--train", str(data), "--spec", str(spec), "--max-steps",
         str(max_steps), "--log-every", "1", "--batch-size", "8", "--out", str(run)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=text,
    )  # fmt: skip


def test_params_json_has_the_papers_count():
    out = json.loads(cli("params", "--preset", "base", "--task", "encoder", "--json").stdout)
    assert out["albert"]["total"] == 11_683_584
    assert out["bert"]["total"] > 8 * out["albert"]["total"]


def test_train_predict_evaluate_round_trip(tmp_path):
    data = write_csv(tmp_path / "d.csv", sentiment_rows(120))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(TINY.to_dict()))
    run = tmp_path / "run"
    r = cli(
        "train",
        "--train",
        str(data),
        "--spec",
        str(spec),
        "--max-steps",
        "6",
        "--batch-size",
        "8",
        "--out",
        str(run),
        "--json",
    )
    events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    kinds = [e["event"] for e in events]
    assert "started" in kinds and kinds[-1] == "finished"
    pred = json.loads(cli("predict", "--model", str(run), "--text", "the film was great", "--json").stdout)
    assert pred["label"] in ("neg", "pos") and abs(sum(pred["scores"].values()) - 1) < 1e-5 and "read" not in pred
    # a setting this machine cannot honour is said, not silently ignored
    r = cli("train", "--train", str(data), "--spec", str(spec), "--max-steps", "1", "--cuda-graphs",
            "--out", str(tmp_path / "graphs"))  # fmt: skip
    assert "CUDA graphs need a CUDA GPU; this run trains on cpu without them" in r.stdout
    # a text longer than the model reads: said, with how much of it decided
    long = cli("predict", "--model", str(run), "--text", "the film was great " * 400)
    assert long.stdout.split("\n")[0] in ("neg", "pos") and "the model read the first 64" in long.stderr
    assert "Token indices sequence length" not in long.stderr
    metrics = json.loads(cli("evaluate", "--model", str(run / "model"), "--data", str(data), "--json").stdout)
    assert 0 <= metrics["accuracy"] <= 1 and metrics["examples"] == 120


def test_without_lr_a_run_takes_the_rate_suggested_for_its_model_and_start(tmp_path):
    from albert_core.spec import suggested_lr

    # wider models and pre-trained starts want smaller steps: a pre-trained start gets half
    widths = [64, 128, 256, 512, 768, 1024, 4096]
    for pretrained in (False, True):
        rates = [suggested_lr(w, pretrained) for w in widths]
        assert rates == sorted(rates, reverse=True) and all(1e-5 <= r <= 1e-3 for r in rates)
    assert all(suggested_lr(w, True) < suggested_lr(w, False) for w in (128, 256, 512, 768))
    assert (suggested_lr(128, False), suggested_lr(256, False), suggested_lr(512, False)) == (1e-3, 3e-4, 1e-4)
    assert suggested_lr(768, True) == 2e-5  # the usual rate for fine-tuning ALBERT-base

    data = write_csv(tmp_path / "d.csv", sentiment_rows(40))
    first = tmp_path / "first"
    r = cli("train", "--train", str(data), "--preset", "small", "--max-steps", "1", "--batch-size", "8",
            "--max-length", "32", "--out", str(first), "--json")  # fmt: skip
    assert "learning rate 0.0003, suggested for new weights of width 256" in r.stderr
    assert json.loads((first / "run.json").read_text())["lr"] == 3e-4
    then = tmp_path / "then"
    r = cli("train", "--train", str(data), "--init", str(first), "--max-steps", "1", "--batch-size", "8",
            "--out", str(then), "--json")  # fmt: skip
    assert "learning rate 0.0002, suggested for fine-tuning a pre-trained model of width 256" in r.stderr
    assert json.loads((then / "run.json").read_text())["lr"] == 2e-4
    # a run started from another is named after it in the runs folder
    from albert_core.runs import RunConfig, new_run_dir

    named = new_run_dir(RunConfig(train_file=str(data), init=str(tmp_path / "2026-01-02T03-04-05-corpus-small")))
    assert named.name.endswith("-d-from-corpus-small")
    # a file named train, dev… is named with its folder, so runs on several data sets stay apart
    conll = new_run_dir(RunConfig(train_file=str(tmp_path / "conll2003" / "train.txt"), preset="tiny"), tmp_path)
    assert conll.name.endswith("-conll2003-train-tiny")
    reviews = new_run_dir(RunConfig(train_file=str(tmp_path / "sst2" / "reviews.tsv"), preset="tiny"), tmp_path)
    assert reviews.name.endswith("-reviews-tiny")
    # a rate given is the rate used
    cli("train", "--train", str(data), "--init", str(first), "--max-steps", "1", "--lr", "0.01",
        "--out", str(tmp_path / "own"), "--json")  # fmt: skip
    assert json.loads((tmp_path / "own" / "run.json").read_text())["lr"] == 0.01


def test_a_negative_rate_in_e_notation_is_refused_as_a_value(tmp_path):
    r = cli("train", "--train", str(tmp_path / "x.csv"), "--lr", "-1e-3", "--out", str(tmp_path / "r"), check=False)
    assert r.returncode != 0 and "learning rate must be a number above 0 (got -0.001)" in r.stderr
    assert "usage:" not in r.stderr


def test_bad_input_gives_a_message_not_a_traceback(tmp_path):
    r = cli(
        "train", "--train", str(tmp_path / "nope.csv"), "--preset", "tiny", "--out", str(tmp_path / "r"), check=False
    )
    assert r.returncode != 0
    assert "nope.csv" in r.stderr and "Traceback" not in r.stderr
    r = cli("params", "--spec", str(tmp_path / "missing.json"), check=False)
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_a_model_that_gives_one_answer_to_everything_is_flagged(tmp_path):
    from albert_core.runs import RunConfig
    from albert_core.tasks.classification import one_answer_advice

    # the run's rate far above the suggested one: the advice names the suggested rate
    data = write_csv(tmp_path / "d.csv", sentiment_rows(200))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(TINY.to_dict()))
    r = cli("train", "--train", str(data), "--spec", str(spec), "--epochs", "2", "--batch-size", "16", "--lr", "3",
            "--out", str(tmp_path / "run"), "--json")  # fmt: skip
    finished = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")][-1]
    confusion = finished["metrics"]["confusion"]
    assert sum(1 for col in zip(*confusion) if sum(col)) == 1  # one answer for every example
    (advice,) = finished["advice"]
    assert "learnt nothing usable" in advice and "learning rate, 3, is likely too high: 0.001 is suggested" in advice

    tiny = RunConfig(spec=TINY.to_dict(), preset="", lr=1e-3)
    assert "Train it longer" in one_answer_advice([[0, 12], [0, 9]], ["neg", "pos"], tiny)
    assert one_answer_advice([[10, 2], [3, 6]], ["neg", "pos"], tiny) == ""  # both answers given
    assert one_answer_advice([[0, 12], [0, 0]], ["neg", "pos"], tiny) == ""  # one label in the data: no sign
    # a loss that never left a coin's 0.69 in a whole epoch (SST-2, one seed of three): another seed,
    # not more of the same; a loss that fell, or too few logs to tell, still says train longer
    stuck = [0.691, 0.689, 0.687, 0.685, 0.682, 0.686, 0.688, 0.687, 0.688, 0.684, 0.682]
    advice = one_answer_advice([[0, 12], [0, 9]], ["neg", "pos"], tiny, stuck)
    assert "Its training loss never fell (0.691 at the first log, 0.683 at the end)" in advice
    assert "another seed (or a learning rate below 0.001)" in advice
    falling = [0.69, 0.6, 0.52, 0.45, 0.41, 0.38, 0.35, 0.33, 0.31, 0.3, 0.29]
    assert "never fell" not in one_answer_advice([[0, 12], [0, 9]], ["neg", "pos"], tiny, falling)
    assert "never fell" not in one_answer_advice([[0, 12], [0, 9]], ["neg", "pos"], tiny, stuck[:5])


def test_output_piped_into_a_reader_that_stops_early_ends_quietly():
    """`python -m albert_core ... | head -1`: no traceback when head goes away."""
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "r, w = os.pipe(); os.close(r); os.dup2(w, 1)\n"  # stdout: a pipe nobody reads
        "from albert_core.cli import main\n"
        "sys.exit(main(['params', '--preset', 'base']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 141, out.stderr
    assert "Traceback" not in out.stderr and "Exception ignored" not in out.stderr


def test_a_run_that_failed_before_training_can_be_made_again_and_resuming_takes_no_new_settings(
    tmp_path, capsys, monkeypatch
):
    from albert_core.cli import main

    data = write_csv(tmp_path / "d.csv", sentiment_rows(40))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(TINY.to_dict()))
    run = tmp_path / "run"
    common = ["--spec", str(spec), "--max-steps", "1", "--batch-size", "8"]
    assert main(["train", "--train", str(data), "--text-column", "review", *common, "--out", str(run)]) != 0
    assert "has no column 'review'" in capsys.readouterr().err and (run / "run.json").exists()
    # its own settings only: a flag given with the folder is refused, and the way on is said
    assert main(["train", str(run), "--text-column", "text"]) == 2
    err = capsys.readouterr().err
    assert "--text-column would not change it" in err and f"--out {run} may be used again" in err
    # the same folder again, fixed: made anew
    assert main(["train", "--train", str(data), *common, "--out", str(run)]) == 0
    said = capsys.readouterr()
    assert "had failed before its first step" in said.err and (run / "model").is_dir()
    assert "columns: text 'text', label 'label'" in said.out  # the columns found, to be checked
    assert main(["predict", "--model", str(data), "--text", "a film"]) == 2
    assert "d.csv is a file; give the model folder" in capsys.readouterr().err
    # a run that trained is never replaced
    assert main(["train", "--train", str(data), *common, "--out", str(run)]) == 2
    assert "already holds a run" in capsys.readouterr().err

    # a data file that is not there leaves no folder behind, and the rate is not said before the error
    assert main(["train", "--train", str(tmp_path / "nope.csv"), *common, "--out", str(tmp_path / "n")]) == 2
    err = capsys.readouterr().err
    assert "nope.csv: no such file" in err and "learning rate" not in err and not (tmp_path / "n").exists()
    # a negative step count is said as such, not as epochs of 0
    assert (
        main(["train", "--train", str(data), "--spec", str(spec), "--max-steps", "-5", "--out", str(tmp_path / "m")])
        == 2
    )
    err = capsys.readouterr().err
    assert "max steps must be 0 or more (got -5)" in err and "epochs" not in err

    # without --out: a new folder in the runs folder, which `runs` lists with its path
    monkeypatch.setenv("ALBERT_STUDIO_HOME", str(tmp_path / "home"))
    assert main(["runs"]) == 0 and "no runs in" in capsys.readouterr().out
    assert main(["train", "--train", str(data), *common]) == 0
    made = capsys.readouterr().err.split("run folder: ")[1].split("\n")[0]
    assert made.startswith(str(tmp_path / "home" / "runs")) and (tmp_path / "home" / "runs").is_dir()
    assert main(["runs"]) == 0 and made in capsys.readouterr().out
    assert main(["runs", "--dir", str(tmp_path / "elsewhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_a_classifier_needs_two_labels_and_evaluate_takes_the_columns_named(tmp_path, capsys):
    from albert_core.cli import main

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(TINY.to_dict()))
    one = write_csv(tmp_path / "one.csv", [("good", "pos"), ("nice", "pos"), ("fine", "pos"), ("great", "pos")])
    assert (
        main(["train", "--train", str(one), "--spec", str(spec), "--max-steps", "1", "--out", str(tmp_path / "r1")])
        == 1  # the run failed
    )
    assert "every row has the label 'pos'; a classifier learns to tell at least two labels apart" in (
        capsys.readouterr().err
    )
    data = write_csv(tmp_path / "d.csv", sentiment_rows(40))
    run = tmp_path / "run"
    assert main(["train", "--train", str(data), "--spec", str(spec), "--max-steps", "2", "--out", str(run)]) == 0
    # a file whose columns are not guessed: named
    rows = [(y, t, "x") for t, y in sentiment_rows(12)]
    odd = write_csv(tmp_path / "odd.csv", rows, header=("gold", "review", "note"))
    capsys.readouterr()
    assert main(["evaluate", "--model", str(run), "--data", str(odd), "--text-column", "review",
                 "--label-column", "gold", "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["examples"] == 12
    # one label in a file to score is fine: scoring is not training
    only = write_csv(tmp_path / "pos.csv", [(t, y) for t, y in sentiment_rows(12) if y == "pos"])
    assert main(["evaluate", "--model", str(run), "--data", str(only), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["examples"] == 6
    # rows left out of the file scored are named, not dropped without a word
    holes = write_csv(tmp_path / "holes.csv", sentiment_rows(10) + [("", "pos"), ("a text", "")])
    assert main(["evaluate", "--model", str(run), "--data", str(holes)]) == 0
    out = capsys.readouterr()
    assert "examples: 10" in out.out and f"note: {holes}:12:" in out.err and f"{holes}:13:" in out.err
    conll = tmp_path / "ner.txt"  # another task's data: said for evaluate, which has no --task
    sentences = [f"Firm{i} NNP B-NP B-ORG\nrejects VBZ B-VP O\nplan{i} NN B-NP O\n. . O O\n\n" for i in range(12)]
    conll.write_text("-DOCSTART- -X- -X- O\n\n" + "".join(sentences), "utf-8")
    assert main(["evaluate", "--model", str(run), "--data", str(conll)]) != 0
    err = capsys.readouterr().err
    assert "looks like a named-entity file" in err and "a classification model is not scored on it" in err
    assert "--task" not in err
    assert main(["evaluate", "--model", str(run), "--label-column", "gold"]) == 2  # columns need a file
    assert "give --data FILE" in capsys.readouterr().err
    assert main(["predict", "--model", str(run), "--text", "  "]) == 2
    assert "--text is empty" in capsys.readouterr().err
    assert main(["predict", "--model", str(run), "--text", "a fine film", "--context", "dull"]) == 2  # one text only
    assert "a classification model like this one reads one text: give it all in --text" in capsys.readouterr().err


def test_a_question_needs_its_passage_and_no_answer_is_valid_json(tmp_path, capsys):
    from albert_core.cli import main
    from albert_core.predict import load_predictor
    from tests.core.helpers import save_tiny_model

    folder = save_tiny_model(tmp_path / "qa", "AlbertForQuestionAnswering")
    assert main(["predict", "--model", str(folder), "--text", "who wrote it?"]) == 2
    assert "needs the passage to answer from: give --context" in capsys.readouterr().err
    out = load_predictor(folder).predict("who wrote it?", "")  # nothing to answer from
    assert out["no_answer"] and out["null_score_diff"] is None
    json.loads(json.dumps(out, allow_nan=False))  # no Infinity, which JSON readers refuse


def test_qa_scores_are_printed_as_the_percentages_they_are(tmp_path, capsys, monkeypatch):
    from albert_core.cli import _metric_text, main

    # SQuAD's exact match and F1 are 0-100; a classifier's accuracy 0-1: printed so they cannot be mixed up
    assert _metric_text(True, "f1", 9.3582) == "f1 9.36%" and _metric_text(True, "loss", 2.9255) == "loss 2.9255"
    assert _metric_text(True, "HasAns_exact", 50.0, named=False) == "50.00%"
    assert _metric_text(False, "f1", 0.2847) == "f1 0.2847"
    # the runs list gives every run's score as a percentage
    monkeypatch.setenv("ALBERT_STUDIO_HOME", str(tmp_path / "home"))
    data = write_csv(tmp_path / "d.csv", sentiment_rows(40))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(TINY.to_dict()))
    assert main(["train", "--train", str(data), "--spec", str(spec), "--max-steps", "2", "--eval-every", "2"]) == 0
    capsys.readouterr()
    assert main(["runs"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("finished") and "accuracy " in line and "%" in line


def test_a_hub_model_that_cannot_be_had_is_said_at_once(monkeypatch):
    import huggingface_hub
    import pytest

    from albert_core.model_setup import check_sources
    from albert_core.runs import ConfigError, RunConfig

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # the tests run with it; a user is online
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda *a, **k: None)  # nothing cached

    def offline(name, timeout=None):
        raise ConnectionError("[Errno -2] Name or service not known")

    monkeypatch.setattr(huggingface_hub, "model_info", offline)
    with pytest.raises(ConfigError, match="cannot reach the Hugging Face hub to download 'someone/albert-x'"):
        check_sources(RunConfig(train_file="x.csv", init="someone/albert-x", preset=""))

    class RepositoryNotFoundError(Exception):  # as huggingface_hub names it
        pass

    def missing(name, timeout=None):
        raise RepositoryNotFoundError("404")

    monkeypatch.setattr(huggingface_hub, "model_info", missing)
    with pytest.raises(ConfigError, match="neither a local folder nor a model on the Hugging Face hub"):
        check_sources(RunConfig(train_file="x.csv", tokenizer_from="someone/albert-x"))
    # a model the hub answers for (or in the cache) goes on to the run
    monkeypatch.setattr(huggingface_hub, "model_info", lambda name, timeout=None: object())
    check_sources(RunConfig(train_file="x.csv", init="someone/albert-x", preset=""))


def test_a_console_that_goes_away_does_not_stop_the_run_and_a_finished_run_is_not_trained_again(tmp_path):
    data = write_csv(tmp_path / "d.csv", sentiment_rows(80))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(TINY.to_dict()))
    run = tmp_path / "run"
    # `train … | head -1`: the reader leaves after the first line
    p = _training(data, spec, run, 30)
    p.stdout.readline()
    p.stdout.close()
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err.decode()
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    assert events[-1]["event"] == "finished" and (run / "model" / "config.json").exists()
    assert b"Broken pipe" not in err and b"Traceback" not in err
    again = cli("train", str(run), check=False)
    assert again.returncode != 0 and "has finished" in again.stderr and f"--init {run}" in again.stderr
    assert (run / "events.jsonl").read_text().count('"started"') == 1  # nothing was trained again


def test_an_option_a_task_does_not_read_is_refused_with_the_ones_it_has(tmp_path):
    data = write_csv(tmp_path / "d.csv", sentiment_rows(20))
    r = cli("train", "--task", "qa", "--train", str(data), "--option", "doc_strid=64", "--out", str(tmp_path / "r"),
            check=False)  # fmt: skip
    assert r.returncode != 0 and "did you mean doc_stride?" in r.stderr and "max_answer_length" in r.stderr
    assert not (tmp_path / "r").exists()
    r = cli("train", "--train", str(data), "--option", "doc_stride=10", "--out", str(tmp_path / "r"), check=False)
    assert r.returncode != 0 and "not a setting of classification runs" in r.stderr


def test_an_interrupted_run_exits_130_and_a_data_file_given_as_the_run_is_explained(tmp_path):
    import signal
    import time

    data = write_csv(tmp_path / "d.csv", sentiment_rows(80))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(TINY.to_dict()))
    run = tmp_path / "run"
    p = _training(data, spec, run, 100000, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and "step 2/" not in p.stdout.readline():
        pass
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err  # `train … && export …` does not go on to export a half-trained model
    assert "stopped at step" in out and (run / "checkpoints").is_dir()
    said = cli("train", str(data), check=False)
    assert said.returncode == 2 and f"To train on it: train --train {data}" in said.stderr
    short = cli("train", "--train", str(data), "--spec", str(spec), "--max-length", "3", check=False)
    assert short.returncode == 2 and "maximum length must be at least 8 pieces" in short.stderr


def test_spec_and_settings_files_say_what_to_change(tmp_path):
    from albert_core.runs import ConfigError, RunConfig
    from albert_core.spec import ModelSpec, SpecError

    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(TINY.to_dict()).encode())  # Notepad's UTF-8
    assert ModelSpec.from_file(bom) == TINY
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({**TINY.to_dict(), "hiden_size": 32}))
    with pytest.raises(SpecError, match="hiden_size: is not a field of a model spec; did you mean hidden_size"):
        ModelSpec.from_file(typo)
    with pytest.raises(SpecError, match="is a folder; give the spec's JSON file"):
        ModelSpec.from_file(tmp_path)
    with pytest.raises(ConfigError, match=r"batchsize \(did you mean batch_size\?\) in settings.json"):
        RunConfig.from_dict({"batchsize": 8}, source="settings.json")


def test_a_settings_file_can_name_the_data_beside_it_and_flags_override_it(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    write_csv(folder / "d.csv", sentiment_rows(60))
    settings = folder / "settings.json"  # data named from the settings file's own folder
    settings.write_text(json.dumps({"train_file": "d.csv", "spec": TINY.to_dict(), "max_steps": 5, "batch_size": 8}))
    run = tmp_path / "run"
    r = cli("train", "--config", str(settings), "--max-steps", "2", "--out", str(run), "--json", check=False)
    assert r.returncode == 0, r.stderr
    config = json.loads((run / "run.json").read_text())
    assert config["train_file"] == str(folder / "d.csv") and config["max_steps"] == 2 and config["batch_size"] == 8
    settings.write_text(json.dumps({"train_file": " d.csv :", "spec": TINY.to_dict(), "max_steps": 1}))
    r = cli("train", "--config", str(settings), "--out", str(tmp_path / "spaced"), check=False)
    assert r.returncode == 0 and json.loads((tmp_path / "spaced" / "run.json").read_text())["train_file"] == str(
        folder / "d.csv"
    )  # a stray separator or space is no second path (that would be the whole folder)
    assert cli("train", "--init", "albert/albert-base-v2", check=False).stderr.startswith(
        "error: give --train FILE with the training data"
    )  # said before any model is looked for
    settings.write_text(json.dumps({"max_steps": 2}))  # no data named anywhere: said
    r = cli("train", "--config", str(settings), "--out", str(tmp_path / "none"), check=False)
    assert (
        r.returncode == 2
        and "give --train FILE with the training data (or train_file in the --config file)" in r.stderr
    )


def test_tokenizer_and_corpus_leave_out_what_is_not_text(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    only_binary = cli("corpus", str(folder), check=False)
    assert only_binary.returncode == 2 and "image.txt: is an image, not text" in only_binary.stderr
    refused = cli("tokenizer", str(folder), "--out", str(tmp_path / "none"), check=False)
    assert refused.returncode == 2 and "no text to train a tokenizer on" in refused.stderr
    assert "image.txt: is an image, not text; it was left out" in refused.stderr
    (folder / "words.txt").write_text("\n".join(t for t, _ in sentiment_rows(200)) + "\n")
    made = cli("tokenizer", str(folder), "--out", str(tmp_path / "tok"), "--vocab-size", "60")
    assert "pieces saved" in made.stdout and "image.txt" in made.stderr
    one = tmp_path / "one.txt"
    one.write_text("A single sentence.\n")
    assert "1 file: 1 document, 1 sentence, 18 characters" in cli("corpus", str(one)).stdout


def test_a_task_option_that_is_no_count_is_refused_before_a_run_folder_is_made(tmp_path):
    from albert_core.runs import ConfigError, RunConfig

    with pytest.raises(ConfigError, match=r"max_answer_length must be a whole number of 1 or more \(got 'abc'\)"):
        RunConfig(task="qa", train_file="q.json", options={"max_answer_length": "abc"}).validate()
    with pytest.raises(ConfigError, match=r"doc_stride must be a whole number of 0 or more \(got -1\)"):
        RunConfig(task="qa", train_file="q.json", options={"doc_stride": -1}).validate()
    data = write_csv(tmp_path / "d.csv", sentiment_rows(20))
    said = cli("train", "--task", "qa", "--train", str(data), "--option", "n_best=1.5", "--out", str(tmp_path / "r"),
               check=False)  # fmt: skip
    assert said.returncode == 2 and "n_best must be a whole number" in said.stderr and not (tmp_path / "r").exists()


def test_a_run_named_as_another_is_numbered(tmp_path):
    data = write_csv(tmp_path / "d.csv", sentiment_rows(40))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(TINY.to_dict()))
    for out in ("one", "two"):
        cli("train", "--train", str(data), "--spec", str(spec), "--max-steps", "1", "--name", "twin",
            "--out", str(tmp_path / "runs" / out))  # fmt: skip
    assert json.loads((tmp_path / "runs" / "one" / "run.json").read_text())["name"] == "twin"
    assert json.loads((tmp_path / "runs" / "two" / "run.json").read_text())["name"] == "twin 2"
