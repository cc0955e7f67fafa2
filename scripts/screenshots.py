"""Render every page of the window to PNG (offscreen) into docs/screenshots/.

python scripts/screenshots.py            # static pages, with the sample project
python scripts/screenshots.py --train    # also train the sample and show curves, playground, runs
python scripts/screenshots.py --tasks    # also tiny QA, NER and pre-training runs: the QA and NER
                                         # playground views, the pre-training plots, runs compared
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait(app, condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


WORDS = "the a on was and then it is very good day we saw some of more time".split()
CITIES = ["paris", "london", "rome", "berlin", "madrid", "oslo"]
PEOPLE = ["John", "Mary", "Peter", "Anna", "Tom", "Lucy"]
PLACES = ["Paris", "London", "Rome", "Berlin"]
SPEC = {"vocab_size": 120, "embedding_size": 16, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 64, "max_position_embeddings": 64}  # fmt: skip


def write_task_data(root: Path) -> dict[str, Path]:
    """Small synthetic QA (JSON Lines), NER (CoNLL) and corpus (a folder of text) files."""
    import json
    import random

    rng = random.Random(0)
    root.mkdir(parents=True, exist_ok=True)
    qa = []
    for i in range(96):
        words = [rng.choice(WORDS) for _ in range(rng.randint(5, 10))]
        city = rng.choice(CITIES)
        words.insert(rng.randint(0, len(words)), city)
        context = " ".join(words) + "."
        start = (" " + context).index(" " + city + " ") if f" {city} " in f" {context}" else context.index(city)
        qa.append(json.dumps({"id": f"q{i}", "question": "which city?", "context": context,
                              "answers": {"text": [city], "answer_start": [start]}}))  # fmt: skip
    (root / "qa.jsonl").write_text("\n".join(qa) + "\n", encoding="utf-8")
    lines = []
    for _ in range(120):
        for part in rng.choice(["P visited C", "P and P met in C", "in C P left", "P saw the C day"]).split():
            tag = {"P": "B-PER", "C": "B-LOC"}.get(part, "O")
            word = rng.choice(PEOPLE) if part == "P" else rng.choice(PLACES) if part == "C" else part
            lines.append(f"{word} X {tag}")
        lines.append("")
    (root / "ner.txt").write_text("\n".join(lines), encoding="utf-8")
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    for f in range(3):
        docs = [
            " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize() + "."
                     for _ in range(rng.randint(2, 6)))
            for _ in range(60)
        ]  # fmt: skip
        (corpus / f"part{f}.txt").write_text("\n\n".join(docs) + "\n", encoding="utf-8")
    return {"qa": root / "qa.jsonl", "ner": root / "ner.txt", "pretrain": corpus}


def train_task_runs(data: dict[str, Path]) -> dict[str, Path]:
    """Tiny finished runs of each task, trained in this process, in the app's runs folder."""
    from albert_core.engine import train
    from albert_core.runs import RunConfig, create_run, default_runs_dir, new_run_dir

    steps = {"qa": (60, 8e-3), "ner": (60, 8e-3), "pretrain": (120, 2e-3)}
    runs = {}
    for task, path in data.items():
        n, lr = steps[task]
        config = RunConfig(task=task, train_file=str(path), preset="", spec=SPEC, batch_size=16, max_length=64,
                           max_steps=n, lr=lr, log_every=2, eval_every=n // 6, num_threads=1, name=f"tiny {task}")  # fmt: skip
        run = create_run(config, new_run_dir(config, default_runs_dir()))
        last = train(run)
        print(f"{task}: {last['event']} {last.get('metrics', last.get('message', ''))}", file=sys.stderr)
        runs[task] = run
    return runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", action="store_true", help="train the sample project first (about a minute)")
    ap.add_argument("--tasks", action="store_true", help="also train tiny QA, NER and pre-training runs")
    ap.add_argument(
        "--pretrained",
        help="a pre-training run (or model folder) for the fill-in-the-blank playground shot; "
        "with --tasks the tiny pre-training run serves when this is not given",
    )
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--dark", action="store_true", help="force the dark colour scheme")
    args = ap.parse_args()
    os.environ.setdefault("ALBERT_STUDIO_HOME", tempfile.mkdtemp(prefix="albert-studio-shots-"))

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    if args.dark:
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        if app.styleHints().colorScheme() != Qt.ColorScheme.Dark:  # the platform ignores it (offscreen)
            from PySide6.QtGui import QColor, QPalette

            app.setStyle("Fusion")
            pal = QPalette()
            for role, color in (
                (QPalette.ColorRole.Window, "#2b2d30"),
                (QPalette.ColorRole.WindowText, "#dfe1e5"),
                (QPalette.ColorRole.Base, "#1e1f22"),
                (QPalette.ColorRole.AlternateBase, "#2b2d30"),
                (QPalette.ColorRole.Text, "#dfe1e5"),
                (QPalette.ColorRole.Button, "#3c3f41"),
                (QPalette.ColorRole.ButtonText, "#dfe1e5"),
                (QPalette.ColorRole.Highlight, "#2f65ca"),
                (QPalette.ColorRole.HighlightedText, "#ffffff"),
                (QPalette.ColorRole.PlaceholderText, "#8c8f94"),
            ):
                pal.setColor(role, QColor(color))
            app.setPalette(pal)
    from app.main_window import MainWindow
    from app.workers import DeviceInfo

    win = MainWindow(probe_devices=False)
    win.devices.set_info(DeviceInfo([], torch="2.x"))
    win.resize(1280, 800)
    win.show()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wait(app, lambda: win.data_page.preview is not None, 20)

    def shot(page: str, name: str) -> None:
        win.show_page(page)
        for _ in range(5):
            app.processEvents()
            time.sleep(0.05)
        if win.height() > 800:  # a page wants more than a 1280 x 800 screen gives: say which
            tall = {win.stack.widget(i).objectName() or str(i): win.stack.widget(i).minimumSizeHint().height()
                    for i in range(win.stack.count())}  # fmt: skip
            print(f"warning: the window grew to {win.width()} x {win.height()} for {name}: {tall}", file=sys.stderr)
        path = out / f"{name}.png"
        win.grab().save(str(path), "PNG")
        print(f"{path} ({path.stat().st_size // 1024} KB)")

    shot("Model", "model")
    shot("Data", "data")
    if args.train:
        win.show_page("Train")
        win.train_page.start()
        ok = wait(app, lambda: win.train_page.status in ("finished", "stopped", "failed"), 600)
        print("training:", win.train_page.status if ok else "timed out", file=sys.stderr)
        shot("Train", "train")
        win.runs_page.refresh_now()
        if win.train_page.status == "finished":
            win.playground_page.load_model_path(str(win.train_page.run_dir))
            wait(app, lambda: win.playground_page.predictor is not None, 120)
            win.show_page("Playground")
            win.playground_page.set_text("the acting was wonderful and the story moving")
            wait(app, lambda: win.playground_page.result is not None, 60)
        shot("Playground", "playground")
        if win.train_page.status == "finished":  # the sample's own file, predicted row by row
            play = win.playground_page
            play.predict_file(str(win.project.state.train_file), str(Path(tempfile.mkdtemp()) / "predictions.csv"))
            wait(app, lambda: not play.is_predicting_file(), 120)
            shot("Playground", "playground_file")
        win.runs_page.select_run(str(win.train_page.run_dir))
        wait(app, lambda: win.runs_page.plots.loss.n > 0, 10)
        shot("Runs", "runs")
    else:
        shot("Train", "train")
        shot("Playground", "playground")
        shot("Runs", "runs")
    if args.tasks:
        task_shots(app, win, shot, args.pretrained)
    elif args.pretrained:
        fill_mask_shot(app, win, shot, args.pretrained)
    win.close()
    from app.workers import wait_for_workers

    wait_for_workers()
    return 0


def fill_mask_shot(app, win, shot, model: str) -> None:
    play = win.playground_page
    play.load_model_path(model)
    wait(app, lambda: play.predictor is not None and not play.is_loading() and play.predictor.task == "pretrain", 120)
    play.result = None
    play.set_text("the story is [MASK] and the acting is [MASK] .")
    wait(app, lambda: play.result is not None, 60)
    shot("Playground", "playground_pretrain")


def task_shots(app, win, shot, pretrained: str | None = None) -> None:
    """The QA and NER data previews and playground views, pre-training plots, and runs compared."""
    data = write_task_data(Path(os.environ["ALBERT_STUDIO_HOME"]) / "task-data")
    page = win.data_page
    for task in ("qa", "ner", "pretrain"):
        page.choose_task(task, clear_file=True)
        page.open_file(str(data[task]))
        wait(app, lambda: not page.is_busy(), 30)
        shot("Data", f"data_{task}")
    runs = train_task_runs(data)
    play = win.playground_page
    for task, (text, context) in {
        "qa": ("which city?", "then we saw some of the paris day and it was very good ."),
        "ner": ("John visited Paris and Mary met Peter in Rome", None),
    }.items():
        play.load_model_path(str(runs[task]))
        wait(app, lambda t=task: play.predictor is not None and not play.is_loading() and play.predictor.task == t, 120)
        play.result = None
        play.set_text(text, context)
        wait(app, lambda: play.result is not None, 60)
        shot("Playground", f"playground_{task}")
    fill_mask_shot(app, win, shot, pretrained or str(runs["pretrain"]))
    win.train_page.attach(runs["pretrain"])
    wait(app, lambda: win.train_page.status == "finished", 10)
    shot("Train", "train_pretrain")
    shot("Data", "data_pretrain")  # again: the run's tokenizer has counted the pieces and unknown ones
    # the tokenizer of a model chosen instead: the page counts the corpus with it at once
    page = win.data_page
    page.tokenizer_edit.setText(str(runs["pretrain"]))
    page.tokenizer_edit.editingFinished.emit()
    wait(app, lambda: page.stat_labels["tokens"].text() not in ("counting…", "–"), 60)
    shot("Data", "data_pretrain_tokenizer")
    page.tokenizer_edit.setText("")
    page.tokenizer_edit.editingFinished.emit()
    win.runs_page.refresh_now()
    win.runs_page.select_runs([str(runs["qa"]), str(runs["ner"])])
    win.runs_page.compare()
    wait(app, lambda: win.runs_page.views.currentWidget() is win.runs_page.compare_view, 20)
    shot("Runs", "runs_compare")
    # "Fine-tune from this model": a labelled task from the pre-trained model, at the rate suggested for it
    win.train_page.finetune_button.click()
    from app.settings import SAMPLE_DATA

    win.project.update_data(train_file=str(SAMPLE_DATA))
    shot("Train", "train_finetune")
    multi_label_shots(app, win, shot)


TOPICS = {
    "sport": "the team won the match; a late goal; the coach and the league; the players scored".split("; "),
    "money": "the bank raised its rates; prices fell on the market; a tax on trade; the shares rose".split("; "),
    "food": "a recipe for bread; cheese and soup for dinner; the oven was hot; sugar and butter".split("; "),
}


def multi_label_shots(app, win, shot) -> None:
    """A file with several labels per text on the Data page, and a tiny multi-label model in the
    playground answering a text of two topics."""
    import json
    import random

    from albert_core.engine import train
    from albert_core.runs import RunConfig, create_run, default_runs_dir, new_run_dir

    rng = random.Random(1)
    path = Path(os.environ["ALBERT_STUDIO_HOME"]) / "task-data" / "topics.jsonl"
    rows = []
    for i in range(800):
        labels = [t for k, t in enumerate(sorted(TOPICS)) if (i >> k) & 1] if i % 8 else []
        parts = [rng.choice(TOPICS[t]) for t in labels] or [rng.choice(["it rained all day", "we met at noon"])]
        rng.shuffle(parts)
        rows.append(json.dumps({"text": " and ".join(parts), "labels": labels}))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page = win.data_page
    page.choose_task("classification", clear_file=True)
    page.open_file(str(path))
    wait(app, lambda: not page.is_busy(), 30)
    shot("Data", "data_multilabel")
    flags = path.with_name("topics-flags.csv")  # the same texts, a 0/1 column per label
    with open(flags, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["comment", *sorted(TOPICS)])
        for line in rows:
            rec = json.loads(line)
            w.writerow([rec["text"], *(int(t in rec["labels"]) for t in sorted(TOPICS))])
    page.open_file(str(flags))
    wait(app, lambda: not page.is_busy(), 30)
    shot("Data", "data_label_columns")
    config = RunConfig(train_file=str(path), multi_label=True, preset="", spec=SPEC, batch_size=16, max_length=64,
                       epochs=20, lr=3e-3, log_every=5, num_threads=1, name="tiny topics")  # fmt: skip
    run = create_run(config, new_run_dir(config, default_runs_dir()))
    last = train(run)
    print(f"topics: {last['event']} {last.get('metrics', last.get('message', ''))}", file=sys.stderr)
    play = win.playground_page
    play.load_model_path(str(run))
    wait(app, lambda: play.predictor is not None and not play.is_loading() and play.predictor.multi_label, 120)
    play.result = None
    play.set_text("the bank raised its rates and the team won the match")
    wait(app, lambda: play.result is not None, 60)
    shot("Playground", "playground_multilabel")


if __name__ == "__main__":
    raise SystemExit(main())
