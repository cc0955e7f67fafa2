"""Does pre-training on unlabelled text help SST-2? A fixed-budget benchmark.

1. Unlabelled corpus: WikiText-2 valid+test, three Gutenberg books, and the SST-2 training
   sentences without their labels.
   Its rows are parse-tree phrases, most of them pieces of longer rows: only the rows that are
   not part of a longer one are kept, ten to a document. With `--more-text`, also the shared
   data's other plain text: Shakespeare, the SQuAD dev paragraphs, the CoNLL-2003 training
   sentences and the Wikipedia sample (about 0.8M more pieces; none of it is SST-2's). With
   `--sst2-weight K`, the SST-2 sentences are there K times, grouped into other documents each
   time.
2. Pre-train an ALBERT (MLM + SOP) on it for a fixed number of steps. With `--adapt-steps N`,
   go on pre-training from that run for N steps on the SST-2 sentences alone (task-adaptive
   pre-training: the same unlabelled text, now on its own); arm (b) starts from there.
3. Fine-tune on SST-2 train (optionally a subset, the same for both arms) (a) from scratch
   (new weights, a tokenizer trained on SST-2) and (b) from the pre-training run
   (`--init PRETRAIN_RUN`), and report SST-2 dev accuracy of both next to TF-IDF + logistic
   regression (the README's 82.2% on the full training set; recomputed here). With
   `--ft-seeds N`, each arm is fine-tuned with N seeds and the accuracies are their means (each
   seed is listed too): one SST-2 dev run moves by about a point from seed to seed.

Every step runs the real command line (`python -m albert_core train ...`). It prints one JSON
object. It needs the shared data folder (`--data`); without it, it says so and exits 0.

The defaults (tiny preset, 1,500 steps) fit about a quarter of an hour on a 2-core CPU. On a GPU, the same
script with a bigger budget, e.g.:
    python bench/pretrain_sst2.py --device cuda --precision bf16 --preset base \
        --pretrain-steps 20000 --batch-size 128 --ft-epochs 3 --ft-subset 0 --threads 0
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "albert-bench-pretrain-sst2")
    p.add_argument("--out", type=Path, help="also write the JSON result here")
    p.add_argument("--preset", default="tiny")
    p.add_argument("--vocab-size", type=int, default=8000)
    p.add_argument("--pretrain-steps", type=int, default=1500)
    p.add_argument(
        "--parallel",
        action="store_true",
        help="fine-tune arm (a) while pre-training runs (use with --threads 1 on 2 cores)",
    )
    p.add_argument("--pretrain-lr", type=float, default=1e-3)
    p.add_argument("--max-length", type=int, default=128, help="pre-training example length")
    p.add_argument("--batch-size", type=int, default=32, help="fine-tuning batch size (and pre-training's, unless set)")
    p.add_argument("--pretrain-batch-size", type=int, help="pre-training batch size (default: --batch-size)")
    p.add_argument("--pretrain-warmup", type=float, default=0.05, help="pre-training warm-up, share of steps")
    p.add_argument("--ft-epochs", type=float, default=1.0)
    p.add_argument("--ft-lr", type=float, default=1e-3, help="fine-tuning learning rate, both arms")
    p.add_argument("--ft-lr-pretrained", type=float, help="another rate for arm (b) only (reported as such)")
    p.add_argument(
        "--ft-seeds", type=int, default=1, help="fine-tune each arm with this many seeds (--seed, --seed+1, ...)"
    )
    p.add_argument("--ft-subset", type=int, default=0, help="fine-tune on this many SST-2 training rows (0: all)")
    p.add_argument(
        "--adapt-steps",
        type=int,
        default=0,
        help="then pre-train this many more steps on the SST-2 sentences alone (arm b starts from there)",
    )
    p.add_argument("--adapt-lr", type=float, default=1e-3, help="learning rate of that second stage")
    p.add_argument(
        "--more-text",
        action="store_true",
        help="add the shared data's other unlabelled text to the corpus: Shakespeare, the SQuAD dev paragraphs, "
        "the CoNLL-2003 training sentences (without tags), the Wikipedia sample (about 0.8M more pieces)",
    )
    p.add_argument(
        "--sst2-weight",
        type=int,
        default=1,
        help="the SST-2 sentences this many times in the corpus, each copy in other documents (in-domain text "
        "weighs more)",
    )
    p.add_argument("--dupe-factor", type=int, default=1, help="pre-training: cut the text this many times")
    p.add_argument(
        "--dropout", type=float, help="hidden and attention dropout of both arms' model (default: the preset's)"
    )
    p.add_argument(
        "--ft-checkpoints",
        default="",
        help="also fine-tune arm (b) from these pre-training steps' checkpoints, e.g. 2000,4000 (is "
        "an earlier stop a better start?)",
    )
    p.add_argument(
        "--ft-variants",
        default="",
        help="also fine-tune both arms with these other LR:EPOCHS settings, e.g. 1e-4:2,1e-4:3 (a pre-trained "
        "start often wants a gentler rate than new weights; each arm is reported at each setting)",
    )
    p.add_argument(
        "--cuda-graphs",
        action="store_true",
        help="train with CUDA graphs (GPU, bf16/fp32), pre-training and fine-tuning",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="fine-tuning runs at a time, side by side (a GPU with many cores: e.g. 4 with --threads 3)",
    )
    p.add_argument("--data-workers", type=int, default=-1, help="pre-training's batch worker processes (-1: automatic)")
    p.add_argument("--device", default="auto")
    p.add_argument("--precision", default="auto")
    p.add_argument("--threads", type=int, default=2, help="CPU threads for torch (0: torch's choice)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--keep", action="store_true", help="reuse runs already in --work instead of starting over")
    return p.parse_args(argv)


def build_corpus(data: Path, folder: Path, more_text: bool = False, sst2_weight: int = 1) -> dict:
    """The unlabelled corpus as a folder of text files (blank lines between documents). With
    sst2_weight K > 1, the SST-2 sentences are there K times, each copy grouped into documents
    in another order (the task's own text weighs K times as much)."""
    folder.mkdir(parents=True, exist_ok=True)
    extra = {p.name for p in folder.glob("more_*.txt")} | {p.name for p in folder.glob("sst2_train_sentences_*.txt")}
    if more_text:
        for name, text in more_text_files(data).items():
            _write(folder / name, text.encode("utf-8"))
            extra.discard(name)
    sources = {
        "wikitext2_valid.txt": data / "lm" / "wikitext-2" / "valid.txt",
        "wikitext2_test.txt": data / "lm" / "wikitext-2" / "test.txt",
    }
    sources.update({f"gutenberg_{p.name}": p for p in sorted((data / "lm" / "gutenberg").glob("*-0.txt"))})
    for name, src in sources.items():
        _write(folder / name, src.read_bytes())
    phrases = [line.split("\t")[0].strip() for line in _rows(data / "sst2" / "train.tsv")]
    sentences = maximal_phrases(phrases)

    def ten_to_a_document(rows: list[str]) -> bytes:  # blank lines between, so examples carry context
        return ("\n\n".join("\n".join(rows[i : i + 10]) for i in range(0, len(rows), 10)) + "\n").encode("utf-8")

    _write(folder / "sst2_train_sentences.txt", ten_to_a_document(sentences))
    for k in range(2, sst2_weight + 1):
        shuffled = random.Random(k).sample(sentences, len(sentences))
        _write(folder / f"sst2_train_sentences_{k}.txt", ten_to_a_document(shuffled))
    for name in extra - {f"sst2_train_sentences_{k}.txt" for k in range(2, sst2_weight + 1)}:
        (folder / name).unlink()  # a corpus folder reused with other settings: only what they ask for
    return {
        "files": sorted(p.name for p in folder.iterdir()),
        "sst2_phrases": len(phrases),
        "sst2_sentences": len(sentences),
    }


def more_text_files(data: Path) -> dict[str, str]:
    """The shared data's other plain text, one file per source, blank lines between documents:
    Shakespeare, the SQuAD dev paragraphs (each once), the CoNLL-2003 training sentences (words
    joined, tags dropped; a document per -DOCSTART-), and the Wikipedia sample. Missing ones are
    left out."""
    out: dict[str, str] = {}
    shakespeare = data / "lm" / "tinyshakespeare" / "input.txt"
    if shakespeare.exists():
        out["more_shakespeare.txt"] = shakespeare.read_text(encoding="utf-8")
    squad = data / "squad" / "dev-v1.1.json"
    if squad.exists():
        paragraphs = dict.fromkeys(
            p["context"].strip() for a in json.loads(squad.read_text(encoding="utf-8"))["data"] for p in a["paragraphs"]
        )
        out["more_squad_paragraphs.txt"] = "\n\n".join(paragraphs) + "\n"
    conll = data / "conll2003" / "train.txt"
    if conll.exists():
        docs: list[list[str]] = [[]]
        words: list[str] = []
        for line in conll.read_text(encoding="utf-8").splitlines() + [""]:
            if line.startswith("-DOCSTART-"):
                docs.append([])
            elif line.strip():
                words.append(line.split()[0])
            elif words:
                docs[-1].append(" ".join(words))
                words = []
        out["more_conll_sentences.txt"] = "\n\n".join("\n".join(d) for d in docs if d) + "\n"
    wiki = data / "samples" / "wiki_00.txt"
    if wiki.exists():
        lines = wiki.read_text(encoding="utf-8").splitlines()  # without its <doc ...> markup
        out["more_wiki_sample.txt"] = "\n".join(x for x in lines if not x.startswith(("<doc", "</doc"))) + "\n"
    return out


def _write(path: Path, data: bytes) -> None:
    """Write only what changed: an unchanged file keeps its time, so the tokenized corpus
    cache (keyed on the files' sizes and times) still serves a later run in the same folder."""
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def maximal_phrases(phrases: list[str]) -> list[str]:
    """SST-2's training rows are phrases of parse trees, most of them pieces of a longer row;
    the unlabelled text keeps each sentence once: the rows that are not part of a longer row."""
    kept: list[str] = []
    joined = ""
    for p in sorted({p for p in phrases if p}, key=lambda p: (-len(p), p)):  # the same order in every run
        if p not in joined:
            kept.append(p)
            joined += "\n" + p
    return kept


def _rows(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[1:]


def sst2_subset(data: Path, n: int, seed: int, out: Path) -> Path:
    rows = _rows(data / "sst2" / "train.tsv")
    if n and n < len(rows):
        rows = random.Random(seed).sample(rows, n)
    out.write_text("sentence\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return out


class Launch:
    """`python -m albert_core train ... --out RUN_DIR`, started now; `result()` waits for it."""

    def __init__(self, args: list[str], run_dir: Path, keep: bool):
        self.run_dir, self.proc = run_dir, None
        if keep and (run_dir / "model" / "config.json").exists():
            return
        shutil.rmtree(run_dir, ignore_errors=True)
        self.cmd = [sys.executable, "-m", "albert_core", "train", *args, "--out", str(run_dir), "--json"]
        print("$ python " + " ".join(self.cmd[1:]), file=sys.stderr, flush=True)
        self.log = open(run_dir.with_suffix(".stderr.log"), "w")
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log)

    def result(self) -> dict:
        if getattr(self, "_result", None) is not None:  # asked again: the child is reaped already
            return self._result
        cpu = None
        if self.proc is not None:
            # wait4 gives this child's own CPU time (user + system), even when runs overlap
            _, status, usage = os.wait4(self.proc.pid, 0)
            code = self.proc.returncode = os.waitstatus_to_exitcode(status)
            cpu = round(usage.ru_utime + usage.ru_stime, 1)
            self.log.close()
            if code != 0:
                tail = self.run_dir.with_suffix(".stderr.log").read_text()[-3000:]
                raise SystemExit(f"command failed ({code}): {' '.join(self.cmd)}\n{tail}")
        self._result = {**read_run(self.run_dir), "cpu_s": cpu}
        # a line as each run ends: if the whole benchmark is cut short, its log still has these
        m = self._result["finished"].get("metrics", {})
        shown = {k: round(m[k], 4) for k in ("accuracy", "mlm_accuracy", "sop_loss") if k in m}
        print(f"# {self.run_dir.name}: {shown} in {self._result['wall_s']:.1f}s", file=sys.stderr, flush=True)
        return self._result


def read_run(run_dir: Path) -> dict:
    """A finished run's events, summarised."""
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines() if line.strip()]
    started = next(e for e in events if e["event"] == "started")
    finished = next(e for e in events if e["event"] == "finished")
    steps = [e for e in events if e["event"] == "step"]
    return {
        "started": started,
        "finished": finished,
        "evals": [e for e in events if e["event"] == "eval"],
        "samples_per_s": sum(e["samples_per_s"] for e in steps[1:]) / max(1, len(steps) - 1) if steps else 0.0,
        "tokens_per_s": sum(e["tokens_per_s"] for e in steps[1:]) / max(1, len(steps) - 1) if steps else 0.0,
        "wall_s": finished["time"] - started["time"],
        "events": events,
    }


def tfidf(train: Path, dev: Path) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def read(p):
        rows = [r.rsplit("\t", 1) for r in _rows(p)]
        return [r[0] for r in rows], [int(r[1]) for r in rows]

    xt, yt = read(train)
    xd, yd = read(dev)
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    clf = LogisticRegression(max_iter=2000, C=4.0).fit(vec.fit_transform(xt), yt)
    return float((clf.predict(vec.transform(xd)) == yd).mean())


def main(argv=None) -> int:
    a = parse_args(argv)
    if not (a.data / "sst2" / "train.tsv").exists() or not (a.data / "lm").is_dir():
        print(json.dumps({"skipped": f"no shared data at {a.data} (needs sst2/ and lm/); pass --data"}))
        return 0
    if a.ft_seeds < 1:
        raise SystemExit("--ft-seeds must be at least 1")
    t0 = time.time()
    a.work.mkdir(parents=True, exist_ok=True)
    corpus_info = build_corpus(a.data, a.work / "corpus", a.more_text, a.sst2_weight)
    ft_train = sst2_subset(a.data, a.ft_subset, a.seed, a.work / "sst2_train.tsv")
    dev = a.data / "sst2" / "dev.tsv"
    common = [
        "--device",
        a.device,
        "--precision",
        a.precision,
        "--seed",
        str(a.seed),
    ]
    if a.threads:
        common += ["--threads", str(a.threads)]

    size = ["--preset", a.preset]
    if a.dropout is not None:  # a spec file: the preset with another dropout, for both arms
        from albert_core.spec import preset

        spec = preset(a.preset).to_dict()
        spec.update(hidden_dropout_prob=a.dropout, attention_probs_dropout_prob=a.dropout)
        (a.work / "spec.json").write_text(json.dumps(spec, indent=2), encoding="utf-8")
        size = ["--spec", str(a.work / "spec.json")]

    def pretraining(train: Path, start: list[str], steps: int, lr: float, evals: int) -> list[str]:
        return (
            ["--task", "pretrain", "--train", str(train), *start, "--max-steps", str(steps), "--lr", str(lr)]
            + ["--max-length", str(a.max_length), "--warmup-ratio", str(a.pretrain_warmup), "--log-every", "50"]
            + ["--batch-size", str(a.pretrain_batch_size or a.batch_size)]
            + (["--cuda-graphs"] if a.cuda_graphs else [])
            + ["--eval-every", str(max(1, steps // evals)), "--option", f"cache_dir={a.work / 'cache'}"]
            + ["--option", f"dupe_factor={a.dupe_factor}", "--data-workers", str(a.data_workers), *common]
        )

    ckpt_steps = [int(x) for x in a.ft_checkpoints.split(",") if x.strip()]
    if any(not 0 < s < a.pretrain_steps for s in ckpt_steps):
        raise SystemExit(f"--ft-checkpoints: steps between 1 and {a.pretrain_steps - 1} (the end is arm b itself)")
    keep = ["--checkpoint-every", str(math.gcd(*ckpt_steps)), "--keep-checkpoints", "0"] if ckpt_steps else []
    pre_run = Launch(
        pretraining(
            a.work / "corpus", [*size, "--vocab-size", str(a.vocab_size), *keep], a.pretrain_steps, a.pretrain_lr, 4
        ),
        a.work / "pretrain",
        a.keep,
    )
    if not a.parallel or a.adapt_steps:
        pre_run.result()
    start_b, adapt = a.work / "pretrain", None
    if a.adapt_steps:  # a second stage on the task's own unlabelled text (task-adaptive pre-training)
        sst2_text = a.work / "corpus" / "sst2_train_sentences.txt"
        adapt_args = pretraining(sst2_text, ["--init", str(start_b)], a.adapt_steps, a.adapt_lr, 2)
        adapt = Launch(adapt_args, a.work / "adapt", a.keep).result()
        start_b = a.work / "adapt"
    ft_base = ["--task", "classification", "--train", str(ft_train), "--eval", str(dev)]
    ft_base += ["--max-length", "128", "--log-every", "100", *common]
    ft_base += ["--batch-size", str(a.batch_size)] + (["--cuda-graphs"] if a.cuda_graphs else [])
    ft_common = ft_base + ["--epochs", str(a.ft_epochs)]
    variants = parse_variants(a.ft_variants)
    lr_b = a.ft_lr_pretrained or a.ft_lr
    names = ("a_from_scratch", "b_after_pretraining")
    # every fine-tuning run: (arm, seed index, command, run folder, starts from pre-training)
    planned: list[tuple[str, int, list[str], Path, bool]] = []
    for i in range(a.ft_seeds):
        tag, seed = ("", []) if i == 0 else (f"_seed{a.seed + i}", ["--seed", str(a.seed + i)])
        scratch = ft_common + [*size, "--vocab-size", str(a.vocab_size), "--lr", str(a.ft_lr), *seed]
        planned.append((names[0], i, scratch, a.work / f"ft_scratch{tag}", False))
        b_args = ft_common + ["--init", str(start_b), "--lr", str(lr_b), *seed]
        planned.append((names[1], i, b_args, a.work / f"ft_{'adapted' if adapt else 'pretrained'}{tag}", True))
        for step in ckpt_steps:  # arm (b) again, from an earlier point of the same pre-training
            start = a.work / "pretrain" / "checkpoints" / f"step-{step}"
            name = f"b_from_step_{step}"
            b_args = ft_common + ["--init", str(start), "--lr", str(lr_b), *seed]
            planned.append((name, i, b_args, a.work / f"ft_{name}{tag}", True))
        for lr, epochs in variants:  # both arms again, at another rate and length of fine-tuning
            v = f"lr{lr:g}_ep{epochs:g}"
            ft_v = ft_base + ["--epochs", str(epochs), "--lr", str(lr), *seed]
            scratch_v = ft_v + [*size, "--vocab-size", str(a.vocab_size)]
            planned.append((f"a_{v}", i, scratch_v, a.work / f"ft_scratch_{v}{tag}", False))
            planned.append((f"b_{v}", i, ft_v + ["--init", str(start_b)], a.work / f"ft_b_{v}{tag}", True))
    planned.sort(key=lambda p: p[4])  # the runs from new weights first: they need no pre-training
    done: dict[tuple[str, int], dict] = {}
    running: list[tuple[str, int, Launch]] = []
    for name, i, args, run_dir, needs_pretraining in planned:
        if needs_pretraining:
            pre_run.result()
        while len(running) >= a.jobs:  # --jobs runs at a time (side by side on the one device)
            n, k, launch = running.pop(0)
            done[(n, k)] = launch.result()
        running.append((name, i, Launch(args, run_dir, a.keep)))
    for n, k, launch in running:
        done[(n, k)] = launch.result()
    pre = pre_run.result()
    runs: dict[str, list[dict]] = {}
    for name, i, *_ in sorted(planned, key=lambda p: p[1]):
        runs.setdefault(name, []).append(done[(name, i)])
    accuracy = {name: [r["finished"]["metrics"]["accuracy"] for r in arm] for name, arm in runs.items()}
    arms = {name: arm[0] for name, arm in runs.items()}
    ref_full = tfidf(a.data / "sst2" / "train.tsv", dev)
    ref_subset = tfidf(ft_train, dev) if a.ft_subset else ref_full

    pm = pre["finished"]["metrics"]
    pinfo = pre["started"]["config"]
    result = {
        "benchmark": "pretrain_sst2",
        "machine": {
            "python": platform.python_version(),
            "device": pre["started"]["device"],
            "cpu": platform.processor(),
        },
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()},
        "corpus": {**corpus_info, **pinfo.get("corpus", {}), "cache": pinfo.get("cache")},
        "pretraining": {
            "steps": pre["finished"]["step"],
            "examples": pinfo.get("examples"),
            "params": pre["started"]["params"],
            "wall_s": round(pre["wall_s"], 1),
            "cpu_s": pre["cpu_s"],
            "samples_per_s": round(pre["samples_per_s"], 1),
            "tokens_per_s": round(pre["tokens_per_s"], 1),
            "final": {k: pm[k] for k in ("mlm_loss", "mlm_accuracy", "sop_loss", "sop_accuracy", "perplexity")},
            "evals": [{"step": e["step"], **{k: round(v, 4) for k, v in e["metrics"].items()}} for e in pre["evals"]],
        },
        "adaptation": None
        if adapt is None
        else {
            "steps": adapt["finished"]["step"],
            "wall_s": round(adapt["wall_s"], 1),
            "cpu_s": adapt["cpu_s"],
            "final": {k: adapt["finished"]["metrics"][k] for k in ("mlm_loss", "mlm_accuracy", "sop_accuracy")},
        },
        "sst2_dev_accuracy": {name: sum(acc) / len(acc) for name, acc in accuracy.items()},
        "sst2_dev_accuracy_per_seed": {
            "seeds": [a.seed + i for i in range(a.ft_seeds)],
            **{name: {"each": acc, "min": min(acc), "max": max(acc)} for name, acc in accuracy.items()},
        },
        "fine_tuning": {
            name: {
                **variant_setting(name, a.ft_lr if name.startswith("a_") else lr_b, a.ft_epochs, variants),
                "train_rows": arm["started"]["train_examples"],
                "steps": arm["finished"]["step"],
                "wall_s": round(arm["wall_s"], 1),
                "cpu_s": arm["cpu_s"],
                "samples_per_s": round(arm["samples_per_s"], 1),
            }
            for name, arm in arms.items()
        },
        "reference": {"tfidf_lr_readme": 0.822, "tfidf_lr_full_train": ref_full, "tfidf_lr_same_rows": ref_subset},
        # each arm at its best fine-tuning setting (with --ft-variants there is more than one)
        "best_setting": {
            arm: max(
                ((sum(acc) / len(acc), name) for name, acc in accuracy.items() if name.startswith(arm + "_")),
                default=None,
            )
            for arm in ("a", "b")
        },
        "gain_from_pretraining": (sum(accuracy[names[1]]) - sum(accuracy[names[0]])) / a.ft_seeds,
        "total_wall_s": round(time.time() - t0, 1),
    }
    return report(result, a.out)


def parse_variants(text: str) -> list[tuple[float, float]]:
    """`--ft-variants 1e-4:2,3e-4:1` as [(1e-4, 2.0), (3e-4, 1.0)]."""
    out = []
    for item in filter(None, (x.strip() for x in text.split(","))):
        try:
            lr, epochs = item.split(":")
            out.append((float(lr), float(epochs)))
        except ValueError:
            raise SystemExit(f"--ft-variants: {item!r} is not LR:EPOCHS (e.g. 1e-4:2)") from None
    return out


def variant_setting(name: str, lr: float, epochs: float, variants: list[tuple[float, float]]) -> dict:
    """The rate and epochs an arm's name stands for: a variant's own, else the given ones."""
    for v_lr, v_epochs in variants:
        if name.endswith(f"_lr{v_lr:g}_ep{v_epochs:g}"):
            return {"lr": v_lr, "epochs": v_epochs}
    return {"lr": lr, "epochs": epochs}


def report(result: dict, out: Path | None) -> int:
    """Print the result as JSON, and write it to `out` too when given."""
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
