import json

import pytest

from albert_core.engine import train
from albert_core.events import read_events
from albert_core.predict import load_predictor
from albert_core.runs import ConfigError, RunConfig, create_run, summarize
from tests.core.helpers import TINY, sentiment_rows, write_csv


def make_run(tmp_path, name="run", n=400, **kw):
    data = write_csv(tmp_path / "train.csv", sentiment_rows(n))
    settings = dict(
        task="classification",
        train_file=str(data),
        spec=TINY.to_dict(),
        preset="",
        batch_size=16,
        lr=3e-3,
        epochs=6,
        warmup_ratio=0.1,
        val_fraction=0.2,
        log_every=5,
        seed=3,
    )
    settings.update(kw)
    return create_run(RunConfig(**settings), tmp_path / name)


def final_eval_loss(run_dir):
    evs = [e for e in read_events(run_dir / "events.jsonl") if e["event"] == "eval"]
    return evs[-1]["metrics"]["loss"]


def test_learns_and_saves_a_folder_plain_transformers_loads(tmp_path):
    run = make_run(tmp_path)
    result = train(run)
    assert result["event"] == "finished", result
    assert result["metrics"]["accuracy"] >= 0.9  # chance is 0.5
    events = list(read_events(run / "events.jsonl"))
    steps = [e["loss"] for e in events if e["event"] == "step"]
    assert steps[-1] < steps[0] * 0.5
    started = next(e for e in events if e["event"] == "started")
    assert started["params"] > 0 and started["config"]["max_length"] == TINY.max_position_embeddings
    assert summarize(run).status == "finished"

    from transformers import pipeline

    pipe = pipeline("text-classification", model=str(run / "model"), device="cpu")
    predictor = load_predictor(run)
    texts = [t for t, _ in sentiment_rows(40, seed=9)]
    ours = [predictor.predict(t)["label"] for t in texts]
    assert [p["label"] for p in pipe(texts)] == ours
    # evaluate without a file: the run's own validation split, scored as the run scored it
    from albert_core.evaluate import evaluate_model

    again = evaluate_model(str(run))
    assert again["confusion"] == result["metrics"]["confusion"]
    assert again["loss"] == pytest.approx(result["metrics"]["loss"], rel=1e-5)
    with pytest.raises(ConfigError, match="name a data file"):
        evaluate_model(str(run / "model"))
    card = (run / "model" / "README.md").read_text()
    assert "accuracy" in card and "Labels: neg, pos" in card
    confusion = result["metrics"]["confusion"]
    recall_pos = confusion[1][1] / sum(confusion[1])
    assert "| label | precision | recall | F1 | support |" in card
    assert any(ln.startswith("| pos |") and f"| {recall_pos:.4f} |" in ln for ln in card.splitlines())


def test_resume_after_stop_matches_an_uninterrupted_run(tmp_path):
    full = make_run(tmp_path, "full", n=200, epochs=0, max_steps=24, checkpoint_every=8, log_every=1)
    assert train(full)["event"] == "finished"

    part = make_run(tmp_path, "part", n=200, epochs=0, max_steps=24, checkpoint_every=8, log_every=1)
    seen: list = []
    stop_after_10_steps = lambda: any(e.kind == "step" and e.step >= 10 for e in seen)  # noqa: E731

    first = train(part, sink=seen.append, stop=stop_after_10_steps)
    assert first["event"] == "stopped" and first["step"] == 10
    # stopped on a checkpoint's step: that checkpoint is saved once
    again = make_run(tmp_path, "again", n=200, epochs=0, max_steps=24, checkpoint_every=8, log_every=1)
    seen8: list = []
    stopped = train(again, sink=seen8.append, stop=lambda: any(e.kind == "step" and e.step >= 8 for e in seen8))
    assert stopped["step"] == 8 and stopped["checkpoint"].endswith("step-8")
    assert [e.step for e in seen8 if e.kind == "checkpoint"] == [8]
    assert summarize(part).status == "stopped"
    second = train(part)
    assert second["event"] == "finished" and second["step"] == 24
    assert final_eval_loss(part) == pytest.approx(final_eval_loss(full), rel=1e-5, abs=1e-6)
    step_losses = lambda r: [e["loss"] for e in read_events(r / "events.jsonl") if e["event"] == "step"]  # noqa: E731
    assert step_losses(part)[-1] == pytest.approx(step_losses(full)[-1], rel=1e-5)


def test_user_errors_end_in_a_readable_failed_event(tmp_path):
    run = make_run(tmp_path, batch_size=16)
    cfg = json.loads((run / "run.json").read_text())
    cfg["train_file"] = str(tmp_path / "missing.csv")
    (run / "run.json").write_text(json.dumps(cfg))
    result = train(run)
    assert result["event"] == "failed"
    assert "missing.csv" in result["message"] and "no such file" in result["message"]
    assert summarize(run).status == "failed"


def test_invalid_settings_are_refused_with_what_to_change(tmp_path):
    with pytest.raises(ConfigError, match="learning rate must be a number above 0"):
        make_run(tmp_path, "nan", lr=float("nan"))
    with pytest.raises(ConfigError, match="batch size must be a whole number above 0"):
        make_run(tmp_path, "neg", batch_size=-4)


def test_validation_labels_unseen_in_training_are_reported(tmp_path):
    train_file = write_csv(tmp_path / "t.csv", sentiment_rows(60))
    eval_file = write_csv(tmp_path / "e.csv", sentiment_rows(10) + [("something new", "maybe")])
    run = create_run(
        RunConfig(
            train_file=str(train_file), eval_file=str(eval_file), spec=TINY.to_dict(), preset="", max_steps=2, epochs=0
        ),
        tmp_path / "r",
    )
    assert train(run)["event"] == "finished"
    logs = [e["message"] for e in read_events(run / "events.jsonl") if e["event"] == "log"]
    assert any(f"{eval_file}:12:" in m and "'maybe' never appears" in m for m in logs)
    # a validation file of other labels altogether (another data set's): refused, not scored on nothing
    other = write_csv(tmp_path / "o.csv", [(f"question {i}", f"HUM:{i}") for i in range(12)])
    run = create_run(
        RunConfig(train_file=str(train_file), eval_file=str(other), spec=TINY.to_dict(), preset="", max_steps=2),
        tmp_path / "o",
    )
    failed = train(run)
    assert failed["event"] == "failed" and str(other) in failed["message"]
    assert "none of its 12 rows has a label of the training file" in failed["message"]
    assert "'HUM:0', 'HUM:1'" in failed["message"] and "and 7 more" in failed["message"]
    # several labels per text: rows that each have one label the training file lacks score nothing either
    from tests.core.helpers import write_topics_jsonl

    topics = write_topics_jsonl(tmp_path / "topics.jsonl", 60)
    dev = tmp_path / "dev.jsonl"
    dev.write_text(
        "".join(json.dumps({"text": f"match {i}", "labels": ["sport", "weather"]}) + "\n" for i in range(6)), "utf-8"
    )
    run = create_run(
        RunConfig(train_file=str(topics), eval_file=str(dev), multi_label=True, spec=TINY.to_dict(), preset="",
                  max_steps=2),
        tmp_path / "m",
    )  # fmt: skip
    failed = train(run)
    assert failed["event"] == "failed"
    assert "each of its 6 rows has a label the training file does not have ('weather')" in failed["message"]
    dev.write_text(dev.read_text() + '{"text": "a match", "labels": ["sport"]}\n', "utf-8")  # one row to score
    assert train(create_run(RunConfig.from_dict({**json.loads((tmp_path / "m" / "run.json").read_text())}),
                            tmp_path / "m2"))["event"] == "finished"  # fmt: skip


def test_keep_best_saves_the_best_evaluation_and_early_stop_ends_a_run_past_its_best(tmp_path):
    import random

    from albert_core.evaluate import evaluate_model

    rng = random.Random(1)  # a quarter of the labels flipped: validation accuracy peaks, then wanders
    rows = [(t, y if rng.random() > 0.25 else {"neg": "pos", "pos": "neg"}[y]) for t, y in sentiment_rows(300)]
    dev = write_csv(tmp_path / "dev.csv", sentiment_rows(120, seed=9))
    settings = dict(eval_file=str(dev), lr=3e-3, epochs=8, eval_every=6, log_every=6, num_threads=1, keep_best=True)
    write_csv(tmp_path / "train.csv", rows)

    def evals(run):
        return [(e["step"], e["metrics"]) for e in read_events(run / "events.jsonl") if e["event"] == "eval"]

    full = make_run(tmp_path, "full", **settings)
    write_csv(tmp_path / "train.csv", rows)  # make_run wrote its own rows; train on the noisy ones
    last = train(full)
    assert last["event"] == "finished"
    scores = evals(full)
    best_step, best = max(scores, key=lambda s: (s[1]["accuracy"], -s[1]["loss"]))
    assert best_step < scores[-1][0] and best["accuracy"] > scores[-1][1]["accuracy"]  # the run went past its best
    assert last["metrics"]["accuracy"] == best["accuracy"] and last["best_step"] == best_step and not last["early"]
    # the saved model is that evaluation's: it scores the same on the same file
    assert evaluate_model(str(full), str(dev))["accuracy"] == pytest.approx(best["accuracy"])
    logs = [e["message"] for e in read_events(full / "events.jsonl") if e["event"] == "log"]
    assert f"the final model is the one of step {best_step:,}" in " ".join(logs)

    early = make_run(tmp_path, "early", early_stop=3, **settings)
    write_csv(tmp_path / "train.csv", rows)
    stopped = train(early)
    assert stopped["event"] == "finished" and stopped["metrics"]["accuracy"] == best["accuracy"]
    assert stopped["early"] and stopped["best_step"] == best_step
    steps = [s for s, _ in evals(early)]
    assert steps[-1] == best_step + 3 * 6 and stopped["step"] == steps[-1]  # three evaluations past the best
    assert any("stopping early" in e.get("message", "") for e in read_events(early / "events.jsonl"))


def test_the_best_so_far_survives_a_stop_and_resume(tmp_path):
    import torch

    from albert_core.best import BestKeeper

    model = torch.nn.Linear(2, 1)
    keeper = BestKeeper(tmp_path, "accuracy", keep=True, patience=2)
    assert keeper.update(10, {"accuracy": 0.5, "loss": 0.7}, model)
    assert not keeper.update(20, {"accuracy": 0.5, "loss": 0.71}, model)  # a tie with a higher loss
    assert keeper.update(30, {"accuracy": 0.5, "loss": 0.6}, model)  # a tie with a lower loss: progress
    saved = model.weight.detach().clone()
    with torch.no_grad():
        model.weight.add_(1.0)
    assert not keeper.update(40, {"accuracy": 0.4, "loss": 0.8}, model)
    again = BestKeeper(tmp_path, "accuracy", keep=True, patience=2)  # a resumed run reads its best so far
    assert (again.step, again.stale, again.first) == (30, 1, 10)
    assert not again.should_stop()
    assert not again.update(50, {"accuracy": 0.45, "loss": 0.9}, model) and again.should_stop()
    # the run's closing evaluation at the step where it stopped early is not counted a second time
    assert not again.update(50, {"accuracy": 0.45, "loss": 0.9}, model) and again.stale == 2
    assert again.restore(model) == {"accuracy": 0.5, "loss": 0.6}
    assert torch.equal(model.weight, saved)
    by_loss = BestKeeper(tmp_path / "loss", "loss", keep=False, patience=1)
    assert by_loss.update(1, {"loss": 2.0}, model) and by_loss.update(2, {"loss": 1.0}, model)
    assert not by_loss.update(3, {"loss": 1.5}, model) and by_loss.should_stop()
    assert not (tmp_path / "loss" / "best" / "model.safetensors").exists()  # keep=False saves no weights


def test_a_tie_is_broken_by_a_lower_loss_not_by_noise_and_a_best_last_step_is_said(tmp_path):
    import torch

    from albert_core.best import BestKeeper

    model = torch.nn.Linear(2, 1)
    keeper = BestKeeper(tmp_path / "k", "accuracy", keep=False, patience=2)
    assert keeper.update(10, {"accuracy": 0.55, "loss": 0.69}, model)
    assert keeper.update(20, {"accuracy": 0.6, "loss": 0.68}, model)  # past the first: may stop from here
    assert not keeper.update(30, {"accuracy": 0.6, "loss": 0.68 - 2e-8}, model)  # the same model, to the eye
    assert not keeper.update(40, {"accuracy": 0.6, "loss": 0.68 - 3e-8}, model) and keeper.should_stop()
    assert keeper.step == 20
    # a run whose last step is its best says so too (the finished banner names only an earlier one)
    run = make_run(tmp_path, "last", keep_best=True, max_steps=4, eval_every=0, num_threads=1)
    last = train(run)
    assert last["event"] == "finished" and last["best_step"] == 0
    logs = [e["message"] for e in read_events(run / "events.jsonl") if e["event"] == "log"]
    assert any(
        m.startswith("the final model is the last step's, the best on validation (") and "step 4" in m for m in logs
    )


def test_epochs_with_gradient_accumulation_cover_the_data_and_the_log_shows_the_rate_each_step_used(tmp_path):
    # 80 training rows, batches of 8: 10 micro-batches an epoch, 4 to a step: 2.5 steps
    run = make_run(tmp_path, n=100, batch_size=8, grad_accum=4, epochs=1, log_every=1, warmup_ratio=0.34, lr=1e-3)
    assert train(run)["event"] == "finished"
    events = list(read_events(run / "events.jsonl"))
    started = next(e for e in events if e["event"] == "started")
    steps = [e for e in events if e["event"] == "step"]
    assert started["total_steps"] == 3 and steps[-1]["epoch"] >= 1.0  # every row trained on once at least
    # warm-up of one step, then down to 0 after the last step: each step logs the rate it trained at
    assert [round(e["lr"], 6) for e in steps] == [1e-3, 1e-3, 0.0005]


def test_a_model_reads_as_many_pieces_as_it_was_trained_on(tmp_path):
    """Positions past the run's maximum length were never trained (random, in a new model): the
    Playground, a predicted file and `evaluate` all read the first `max_length` pieces."""
    import random

    from albert_core.evaluate import evaluate_model
    from albert_core.predict_file import predict_file
    from tests.core.helpers import BAD, FILL, GOOD

    rng = random.Random(0)

    def row(y):  # the label's word first; after the cut, words of the other label
        head = [rng.choice(GOOD if y else BAD)] + rng.sample(FILL, 6)
        return " ".join(head + [rng.choice(BAD if y else GOOD) for _ in range(20)]), "pos" if y else "neg"

    data = write_csv(tmp_path / "train.csv", [row(i % 2) for i in range(240)])
    test = write_csv(tmp_path / "test.csv", [row(i % 2) for i in range(60)])
    run = create_run(
        RunConfig(task="classification", train_file=str(data), spec=TINY.to_dict(), preset="", max_length=12,
                  batch_size=16, lr=3e-3, epochs=6, val_fraction=0.2, log_every=50, seed=3, num_threads=1),
        tmp_path / "run",
    )  # fmt: skip
    assert train(run)["event"] == "finished"
    assert json.loads((run / "model" / "tokenizer_config.json").read_text())["model_max_length"] == 12
    predictor = load_predictor(run)
    assert predictor.max_length == 12
    answer = predictor.predict(row(0)[0])
    assert answer["read"] == 12 and answer["pieces"] > 12
    scored = evaluate_model(str(run), str(test))["accuracy"]
    predicted = predict_file(predictor, test, tmp_path / "out.csv")
    assert scored > 0.9 and predicted.score == pytest.approx(scored)
    # a run saved before its tokenizer kept the length: its run.json says it
    config = run / "model" / "tokenizer_config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "model_max_length": 64}))
    assert load_predictor(run).max_length == 12


def test_a_run_resumed_after_a_crash_weighs_the_steps_it_trains_again_once(tmp_path):
    """Evaluations made after the checkpoint a crashed run resumes from are made again: counting
    them twice would stop it early, at a best it has not reached yet."""
    import random

    rng = random.Random(1)
    noisy = [(t, y if rng.random() > 0.3 else {"neg": "pos", "pos": "neg"}[y]) for t, y in sentiment_rows(200)]
    data = write_csv(tmp_path / "noisy.csv", noisy)

    def make(name):
        return create_run(
            RunConfig(train_file=str(data), spec=TINY.to_dict(), preset="", batch_size=16, lr=3e-3, epochs=0,
                      max_steps=30, eval_every=2, checkpoint_every=10, keep_best=True, early_stop=3,
                      val_fraction=0.2, log_every=1, seed=3, num_threads=1),
            tmp_path / name,
        )  # fmt: skip

    full = train(make("full"))
    crashed, seen = make("crashed"), []

    def crash():
        if any(e.kind == "step" and e.step >= 18 for e in seen):
            raise RuntimeError("killed")
        return False

    assert train(crashed, sink=seen.append, stop=crash)["event"] == "failed"
    assert json.loads((crashed / "best" / "best.json").read_text())["last"] == 18
    resumed = train(crashed)
    assert resumed["event"] == "finished" and resumed["step"] == full["step"]
    logs = [e["message"] for e in read_events(crashed / "events.jsonl") if e["event"] == "log"]
    assert any("the evaluations after step 10 are weighed again" in m for m in logs)
    assert not any("stopping early" in m for m in logs)


def test_rewinding_to_a_checkpoint_that_is_the_best_keeps_its_weights(tmp_path):
    import torch
    from safetensors.torch import load_file

    from albert_core.best import BestKeeper

    model = torch.nn.Linear(2, 1)
    keeper = BestKeeper(tmp_path, "accuracy", keep=True, patience=0)
    evals = [(100, {"accuracy": 0.5}), (200, {"accuracy": 0.6}), (300, {"accuracy": 0.7})]
    for step, metrics in evals:
        with torch.no_grad():
            model.weight.fill_(step)  # each step's own weights
        keeper.update(step, metrics, model)
    with torch.no_grad():
        model.weight.fill_(200)  # a crash; the checkpoint of step 200 is put back
    again = BestKeeper(tmp_path, "accuracy", keep=True, patience=0)
    assert again.rewind(200, evals, model) and again.step == 200 and again.value == 0.6
    assert load_file(str(tmp_path / "best" / "model.safetensors"))["weight"].flatten().tolist() == [200.0, 200.0]
    assert not again.rewind(200, evals, model)  # nothing past it is weighed any more
