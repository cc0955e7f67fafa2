"""The command line: `python -m albert_core params|train|evaluate|predict|serve|tokenizer|corpus|runs|export`."""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import time
from pathlib import Path

from .data.corpus import DOCUMENT_MODES, SENTENCE_MODES, split_paths
from .data.problems import DataError
from .runs import ConfigError, RunConfig, a_model_of, unknown_option
from .spec import PRESETS, SpecError
from .tokenizer import TokenizerError

USER_ERRORS = (ConfigError, DataError, SpecError, TokenizerError)

EPILOG = """examples:
  python -m albert_core params --preset base
  python -m albert_core train --task classification --train data.csv --preset tiny --epochs 3 --out runs/first
  python -m albert_core train runs/first            # resume it after a stop or a crash
  python -m albert_core predict --model runs/first --text "what a lovely film"
  torchrun --nproc_per_node=4 -m albert_core train runs/first   # every GPU of the machine
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m albert_core",
        description="ALBERT Studio's engine: size, train, evaluate and use ALBERT models from the command line.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sp = sub.add_parser("params", help="parameter count and memory estimate of a model size")
    g = sp.add_mutually_exclusive_group(required=True)
    g.add_argument("--preset", choices=list(PRESETS), help="a named size")
    g.add_argument("--spec", help="a JSON file of ModelSpec fields")
    sp.add_argument("--task", default="classification", choices=["classification", "qa", "ner", "pretrain", "encoder"])
    sp.add_argument("--num-labels", type=int, default=2)
    sp.add_argument("--vocab-size", type=int, help="override the vocabulary size")
    sp.add_argument("--batch-size", type=int, default=32, help="for the memory estimate")
    sp.add_argument("--max-length", type=int, default=128, help="for the memory estimate")
    sp.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    sp.add_argument("--json", action="store_true", help="machine-readable output")

    tp = sub.add_parser(
        "train",
        help="train a model (or run/resume a prepared run folder)",
        description="Train a model. `train RUN_DIR` runs the run prepared in RUN_DIR, or resumes it from its last checkpoint.",
    )
    tp.add_argument("run_dir", nargs="?", help="a prepared run folder to run or resume")
    tp.add_argument("--task", default="classification", choices=["classification", "qa", "ner", "pretrain"])
    tp.add_argument("--train", help="training data file (or folder of text, for pretrain)")
    tp.add_argument("--eval", default="", help="validation data file (default: split off the training data)")
    g = tp.add_mutually_exclusive_group()
    g.add_argument("--preset", choices=list(PRESETS), help="start from a named size with new weights")
    g.add_argument("--spec", help="start from a JSON spec with new weights")
    g.add_argument(
        "--init",
        help="start from a model folder, a run folder (a stopped run: its newest checkpoint), or a hub id",
    )
    tp.add_argument("--epochs", type=float, help="passes over the training data (default 3)")
    tp.add_argument("--max-steps", type=int, help="optimizer steps; overrides --epochs")
    tp.add_argument("--batch-size", type=int, help="examples per step on each device (default 32)")
    tp.add_argument("--grad-accum", type=int, help="micro-batches per optimizer step (default 1)")
    tp.add_argument(
        "--lr",
        type=float,
        help="peak learning rate (default: suggested for the model's width and start, e.g. 1e-3 for tiny, "
        "3e-4 for small, 2e-5 to fine-tune ALBERT-base)",
    )
    tp.add_argument(
        "--weight-decay", type=float, help="AdamW weight decay, not applied to biases and norms (default 0.01)"
    )
    tp.add_argument("--warmup-ratio", type=float, help="share of steps for the linear warm-up (default 0.1)")
    tp.add_argument("--max-length", type=int, help="longest input in pieces; longer inputs are cut (default 128)")
    tp.add_argument("--vocab-size", type=int, help="vocabulary of the tokenizer trained for a new model")
    tp.add_argument(
        "--tokenizer-from",
        metavar="MODEL",
        help="new weights with the tokenizer of this model folder, run or hub id, instead of one trained on the data",
    )
    tp.add_argument("--eval-every", type=int, help="steps between evaluations (default: each epoch)")
    tp.add_argument("--checkpoint-every", type=int, help="steps between checkpoints")
    tp.add_argument(
        "--keep-checkpoints", type=int, help="how many of the newest checkpoints to keep (default 2; 0 keeps all)"
    )
    tp.add_argument(
        "--keep-best",
        action="store_true",
        default=None,
        help="the final model is the evaluation with the best validation metric, not the last step",
    )
    tp.add_argument(
        "--early-stop",
        type=int,
        metavar="N",
        help="stop when N evaluations in a row bring no better validation metric (default 0: never)",
    )
    tp.add_argument("--log-every", type=int, help="steps between step events (default 10)")
    tp.add_argument("--val-fraction", type=float, help="share held out for validation when no --eval (default 0.1)")
    tp.add_argument("--text-column", help="column with the text (default: detected)")
    tp.add_argument("--pair-column", help="column with a second text, for pairs")
    tp.add_argument("--label-column", help="column with the label (default: detected)")
    tp.add_argument(
        "--multi-label",
        action="store_true",
        default=None,
        help="several labels per text (classification): a JSON list, or labels joined by --label-separator; "
        "each label is a yes/no of its own",
    )
    tp.add_argument("--label-separator", help="with --multi-label: what joins the labels in a cell (default ,)")
    tp.add_argument(
        "--label-before",
        help="keep the part of each label before this mark: --label-before : trains TREC's 6 coarse labels "
        "(DESC:manner is DESC)",
    )
    tp.add_argument(
        "--label-columns",
        help="a 0/1 column per label, e.g. toxic,obscene,insult: one label per text when every row has a 1 in "
        "exactly one of them (one-hot), else several (--multi-label); with no label column named, such "
        "columns are found by themselves",
    )
    tp.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    tp.add_argument(
        "--precision",
        choices=["auto", "fp32", "bf16", "fp16"],
        help="auto: bf16 on GPUs that have it, fp16 on older GPUs, fp32 on the CPU",
    )
    tp.add_argument("--seed", type=int, help="random seed: same seed, same run on the CPU (default 42)")
    tp.add_argument("--threads", type=int, help="CPU threads (default: torch's choice)")
    tp.add_argument(
        "--data-workers",
        type=int,
        help="processes that make training batches ahead (default -1: 4 for pre-training on a GPU, else 0)",
    )
    tp.add_argument("--no-bucket", action="store_true", help="do not group examples of similar length")
    tp.add_argument("--compile", action="store_true", help="torch.compile the model")
    tp.add_argument("--cuda-graphs", action="store_true", help="capture CUDA graphs per length bucket")
    tp.add_argument("--name", help="a name for the run")
    tp.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="a task-specific setting")
    tp.add_argument("--config", help="a JSON file of run settings (flags override it)")
    tp.add_argument("--out", help="the run folder to create (default: a new folder in the runs folder the app lists)")
    tp.add_argument("--json", action="store_true", help="print events as JSON lines")

    ep = sub.add_parser("evaluate", help="evaluate a saved model on a data file, or a run on its validation set")
    ep.add_argument("--model", required=True, help="a model folder or run folder")
    ep.add_argument("--data", default="", help="a data file (default, for a run folder: the run's own validation set)")
    ep.add_argument("--batch-size", type=int, default=64)
    ep.add_argument("--text-column", help="with --data, classification: the text column (default: detected)")
    ep.add_argument("--pair-column", help="with --data, classification: the second text column")
    ep.add_argument("--label-column", help="with --data, classification: the column of true labels")
    ep.add_argument("--label-columns", help="with --data: the 0/1 columns of true labels, a,b,c")
    ep.add_argument("--json", action="store_true", help="the metrics as one JSON object")

    pp = sub.add_parser(
        "predict",
        help="predict for a text, or for every row of a file",
        epilog="examples:\n"
        '  python -m albert_core predict --model runs/spam --text "WIN a prize, call now"\n'
        "  python -m albert_core predict --model runs/spam --file inbox.csv --out inbox.predictions.csv\n"
        "  python -m albert_core predict --model runs/ner --file reports.txt   # one text per line",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pp.add_argument("--model", required=True, help="a model folder or run folder")
    what = pp.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="the text (qa: the question; a pre-trained model: a sentence with [MASK] in it)")
    what.add_argument(
        "--file",
        help="predict for every row of a CSV/TSV/JSON Lines file (SQuAD JSON for qa), or every line of a .txt file; "
        "a column of the model's labels is compared with the predictions",
    )
    pp.add_argument("--context", help="qa: the passage to find the answer in; classification: a second text")
    pp.add_argument("--out", help="with --file: where to write the rows and predictions (.csv, .tsv or .jsonl; "
                    "default NAME.predictions.csv, or .tsv/.jsonl for such an input, beside it)")  # fmt: skip
    pp.add_argument("--text-column", help="with --file: the text column (qa: the question)")
    pp.add_argument("--pair-column", help="with --file: the second text column (qa: the context)")
    pp.add_argument("--label-column", help="with --file: a column of true labels to compare with")
    pp.add_argument("--label-columns", help="with --file: the 0/1 columns of true labels (one-hot for one label per text), a,b,c "
                    "(default: the file's columns named as the model's labels)")  # fmt: skip
    pp.add_argument("--batch-size", type=int, default=64, help="with --file (classification)")
    pp.add_argument("--fast", action="store_true", help="through onnxruntime (exported once into the model folder)")
    pp.add_argument("--json", action="store_true", help="the prediction (with --file: the summary) as JSON")

    sp = sub.add_parser(
        "serve",
        help="answer predictions over HTTP (JSON) for other programs",
        epilog="example:\n  python -m albert_core serve --model runs/spam --port 8000\n"
        '  curl -s localhost:8000/predict -d \'{"text": "WIN a prize, call now"}\'',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sp.add_argument("--model", required=True, help="a model folder or run folder")
    sp.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: this machine only)")
    sp.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000; 0: any free one)")
    sp.add_argument("--fast", action="store_true", help="through onnxruntime (exported once into the model folder)")

    kp = sub.add_parser("tokenizer", help="train a SentencePiece tokenizer on text files")
    kp.add_argument("files", nargs="+", help="text files (or a classification file's texts) to learn the pieces from")
    kp.add_argument("--vocab-size", type=int, default=8000, help="pieces in the vocabulary (default 8000)")
    kp.add_argument("--out", required=True, help="the folder to save the tokenizer in (--tokenizer-from takes it)")
    kp.add_argument("--json", action="store_true", help="what was made, as JSON")

    cp = sub.add_parser(
        "corpus",
        help="count a pre-training corpus: documents, sentences, characters, and pieces with a tokenizer",
    )
    cp.add_argument("paths", nargs="+", help="text files or folders of them")
    cp.add_argument(
        "--tokenizer",
        metavar="MODEL",
        help="also count pieces and the unknown share with the tokenizer of this model folder, run, hub id, "
        "or folder saved by `tokenizer`: how well its vocabulary fits the text",
    )
    cp.add_argument("--documents", default="blank_lines", choices=DOCUMENT_MODES, help="what ends a document")
    cp.add_argument("--sentences", default="punctuation", choices=SENTENCE_MODES, help="what ends a sentence")
    cp.add_argument("--json", action="store_true", help="the counts as JSON")

    xp = sub.add_parser("export", help="export a model as a Hugging Face folder, ONNX or int8 ONNX")
    xp.add_argument("--model", required=True, help="a model folder or run folder")
    xp.add_argument("--format", default="hf", choices=["hf", "onnx", "onnx-int8"])
    xp.add_argument("--out", required=True, help="the folder to write (or a .onnx file for the ONNX formats)")
    xp.add_argument("--json", action="store_true", help="what was written and how it scores, as JSON")

    rp = sub.add_parser("runs", help="list runs")
    rp.add_argument("--dir", help="runs folder (default: the app's data folder)")
    rp.add_argument("--json", action="store_true", help="the runs as a JSON list")
    # "--lr -1e-3" is a value (refused as such, with what to change), not an unknown option: argparse
    # takes -1 and -0.5 for numbers but not -1e-3 (a private matcher, where this Python has it)
    for parser in (p, *sub.choices.values()):
        if hasattr(parser, "_negative_number_matcher"):
            parser._negative_number_matcher = NEGATIVE_NUMBER
    return p


NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\d*\.?\d+[eE][-+]?\d+$")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # here, so a reader that went away is met below, not at exit
        return code
    except USER_ERRORS as e:
        return _say_error(args, str(e))
    except KeyboardInterrupt:
        print("interrupted; nothing more was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as e:  # a file that cannot be read or written, a full disk: said, not a traceback
        return _say_error(args, os_error_text(e))


def os_error_text(e: OSError) -> str:
    """An OSError as a user reads it: the file, then what the system said of it."""
    what = e.strerror or str(e)
    if e.filename is None:
        return what
    return f"{e.filename}: {what}" + (f" (to {e.filename2})" if e.filename2 else "")


def _say_error(args, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": message}))
    else:
        print(f"error: {message}", file=sys.stderr)
    return 2


def cmd_params(args) -> int:
    from . import param_count as pc
    from .spec import ModelSpec, preset

    spec = preset(args.preset) if args.preset else ModelSpec.from_file(args.spec)
    if args.vocab_size:
        spec.vocab_size = args.vocab_size
    spec.validate()
    a = pc.count(spec, args.task, args.num_labels)
    b = pc.count_bert(spec, args.task, args.num_labels)
    s = pc.savings(spec, args.task, args.num_labels)
    mem = pc.memory_estimate(spec, args.batch_size, args.max_length, args.precision, args.task, args.num_labels)
    if args.json:
        out = {
            "spec": spec.to_dict(),
            "albert": a.to_dict(),
            "bert": b.to_dict(),
            "savings": {
                "factorized_embedding": s.factorized_embedding,
                "layer_sharing": s.layer_sharing,
                "ratio": s.ratio,
            },
            "memory": mem.to_dict(),
        }
        print(json.dumps(out, indent=2))
        return 0
    h = pc.human
    print(f"{'':12}{'ALBERT':>14}{'BERT':>14}")
    for k in ("embedding", "encoder", "head", "total"):
        print(f"{k:12}{getattr(a, k):>14,}{getattr(b, k):>14,}")
    print(
        f"\nThe factorized embedding saves {h(s.factorized_embedding)} parameters; "
        f"sharing layers saves {h(s.layer_sharing)}. BERT of this shape is {s.ratio:.1f}× larger."
    )
    print(
        f"Training memory at batch {args.batch_size}, length {args.max_length}, {args.precision}: "
        f"{h(mem.total, 'B')} (weights {h(mem.weights, 'B')}, gradients {h(mem.gradients, 'B')}, "
        f"optimizer {h(mem.optimizer, 'B')}, activations {h(mem.activations, 'B')})"
    )
    return 0


def _config_from_args(args) -> RunConfig:
    base = {}
    if args.config:
        try:
            base = json.loads(Path(args.config).read_text(encoding="utf-8-sig"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(
                f"{args.config}: cannot read the settings file ({getattr(e, 'strerror', '') or e})"
            ) from None
        if not isinstance(base, dict):
            raise ConfigError(f"{args.config}: expected a JSON object of run settings")
    c = RunConfig.from_dict(base, source=args.config) if base else RunConfig()
    if args.config:  # data paths of a settings file are read from its folder, as its writer meant them
        here = Path(args.config).resolve().parent
        for key in ("train_file", "eval_file"):
            if getattr(c, key):
                setattr(c, key, os.pathsep.join(str(here / p) for p in split_paths(getattr(c, key))))
    c.task = args.task if args.task else c.task
    if args.train:  # a corpus may be several paths joined by os.pathsep: each made whole
        c.train_file = os.pathsep.join(str(p.resolve()) for p in split_paths(args.train))
    if args.eval:
        c.eval_file = str(Path(args.eval).resolve())
    if args.preset:
        c.preset, c.spec, c.init = args.preset, None, ""
    elif args.spec:
        from .spec import ModelSpec

        c.spec, c.preset, c.init = ModelSpec.from_file(args.spec).to_dict(), "", ""
    elif args.init:
        init = Path(args.init)
        c.init, c.preset, c.spec = (str(init.resolve()) if init.exists() else args.init), "", None
    simple = {
        "epochs": "epochs",
        "max_steps": "max_steps",
        "batch_size": "batch_size",
        "grad_accum": "grad_accum",
        "lr": "lr",
        "weight_decay": "weight_decay",
        "warmup_ratio": "warmup_ratio",
        "max_length": "max_length",
        "eval_every": "eval_every",
        "checkpoint_every": "checkpoint_every",
        "keep_checkpoints": "keep_checkpoints",
        "keep_best": "keep_best",
        "early_stop": "early_stop",
        "log_every": "log_every",
        "val_fraction": "val_fraction",
        "device": "device",
        "precision": "precision",
        "seed": "seed",
        "threads": "num_threads",
        "data_workers": "data_workers",
        "name": "name",
        "vocab_size": "tokenizer_vocab_size",
        "tokenizer_from": "tokenizer_from",
        "multi_label": "multi_label",
        "label_separator": "label_separator",
        "label_before": "label_before",
    }
    for arg, field in simple.items():
        v = getattr(args, arg)
        if v is not None:
            setattr(c, field, v)
    if args.max_steps:
        c.epochs = 0
    from .model_setup import check_sources, lr_for

    check_sources(c)  # first: a model or tokenizer that cannot be used is named before anything is made of it
    args.lr_note = ""
    if args.lr is None and "lr" not in (base or {}):  # the rate that suits this model and start
        c.lr, why = lr_for(c)
        args.lr_note = f"learning rate {c.lr:g}, suggested for {why} (--lr to choose another)"  # said once it starts
    cols = columns_from_args(args)
    decide = args.multi_label is None and "multi_label" not in (base or {}) and c.task == "classification"
    if isinstance(cols["label"], list) and decide and c.train_file:
        # 0/1 label columns: one label per text when the file is one-hot, else several
        from .data.classification import one_hot
        from .data.table import read_table

        table = read_table(c.train_file)
        missing = [n for n in cols["label"] if n not in table.header]
        if missing:
            raise DataError(
                f"has no column {missing[0]!r} for the label; its columns are {', '.join(table.header)}", c.train_file
            )
        c.multi_label = not one_hot(table, cols["label"])
    if any(cols.values()):
        c.columns = {k: v for k, v in cols.items() if v}
    c.bucket_by_length = not args.no_bucket if args.no_bucket else c.bucket_by_length
    c.compile = c.compile or args.compile
    c.cuda_graphs = c.cuda_graphs or args.cuda_graphs
    for item in args.option:
        if "=" not in item:
            raise ConfigError(f"--option {item!r} must look like KEY=VALUE")
        k, v = item.split("=", 1)
        k = k.strip()
        wrong = unknown_option(c.task, k)
        if wrong:  # a typo would be a setting silently not used
            raise ConfigError(wrong)
        try:
            c.options[k] = json.loads(v)
        except json.JSONDecodeError:
            c.options[k] = v
    return c


def cmd_train(args) -> int:
    from .engine import train
    from .runs import failed_before_start, load_config, new_run_dir, summarize

    if args.run_dir:
        run_dir = Path(args.run_dir)
        if run_dir.is_file():  # `train data.csv`: the data file where a run folder goes
            raise ConfigError(
                f"{run_dir} is a file; train RUN_DIR continues a run folder. To train on it: train --train {run_dir}"
            )
        load_config(run_dir)  # a clear error for a folder that is not a run
        if summarize(run_dir).status == "finished":
            raise ConfigError(
                f"{run_dir} has finished; its model is in {run_dir / 'model'}. To train it further, start a new run "
                f"from it: train --train FILE --init {run_dir} --out NEW_FOLDER"
            )
        given = _flags_given(args, "train", {"run_dir", "json"})
        if given:
            raise ConfigError(
                f"train {run_dir} runs the run as its run.json says; {', '.join(given)} would not change it. "
                f"Start a new run with these settings (--out NEW_FOLDER){_retry_hint(run_dir)}"
            )
    else:
        if not args.train and not args.config:  # said before any model is looked for
            raise ConfigError("give --train FILE with the training data")
        config = _config_from_args(args)  # a model or tokenizer that cannot be used leaves no run folder
        if not config.train_file:
            raise ConfigError("give --train FILE with the training data (or train_file in the --config file)")
        config.validate()
        for path in [*config.train_file.split(os.pathsep), config.eval_file]:  # nor a missing data file
            if path and not Path(path).exists():
                raise DataError("no such file; check the path", path)
        if args.lr_note and int(os.environ.get("RANK", "0")) == 0:
            print(args.lr_note, file=sys.stderr)
        if args.out:
            out = Path(args.out)
        elif int(os.environ.get("WORLD_SIZE", "1")) > 1:  # each rank would stamp its own folder
            raise ConfigError("under torchrun, give --out RUN_DIR so that every process writes the same run")
        else:  # beside the window's runs, where `runs` and the Runs page list it
            out = new_run_dir(config)
        replaced = failed_before_start(out) if (out / "run.json").exists() else None
        if config.name and int(os.environ.get("RANK", "0")) == 0:  # runs told apart by their names, as in the window
            from .runs import run_names, unused_name

            free = unused_name(config.name, run_names(out.parent))  # run.json alone: no run's log is read
            if free != config.name:
                print(f"another run is named {config.name!r}: this one is {free!r}", file=sys.stderr)
                config.name = free
        run_dir = _create_once(config, out)
        if int(os.environ.get("RANK", "0")) == 0:
            if replaced is not None:
                print(f"the run in {run_dir} had failed before its first step ({replaced}); made anew", file=sys.stderr)
            elif not args.out:
                print(f"run folder: {run_dir}", file=sys.stderr)
    if args.json:
        result = train(run_dir, echo=sys.stdout)
    else:
        result = train(run_dir, sink=_human_printer(run_dir))
    if result["event"] == "stopped" and not (run_dir / "STOP").exists():
        return 130  # interrupted (Ctrl+C, SIGTERM): `train … && export …` must not go on to export
    return 0 if result["event"] in ("finished", "stopped") else 1  # stopped on request (the window's Stop)


def _flags_given(args, command: str, ignore: set[str]) -> list[str]:
    """The options of `command` given on the command line (values other than their defaults), as
    flags: --text-column and so on."""
    defaults = vars(build_parser().parse_args([command]))
    return [
        "--" + k.replace("_", "-")
        for k, v in vars(args).items()
        if k not in ignore and k in defaults and v != defaults[k]
    ]


def _retry_hint(run_dir: Path) -> str:
    """For a run that failed before its first step: that the same folder may be used again."""
    from .runs import failed_before_start

    why = failed_before_start(run_dir)
    if why is None:
        return "."
    return f"; this run failed before its first step ({why}), so --out {run_dir} may be used again and replaces it."


def _create_once(config: RunConfig, run_dir: Path) -> Path:
    """Create the run folder; under torchrun only rank 0 does, the other ranks wait for it."""
    import os
    import time

    from .runs import create_run

    if int(os.environ.get("RANK", "0")) == 0:
        return create_run(config, run_dir)
    from .runs import failed_before_start

    for _ in range(600):  # a failed run's folder counts once rank 0 has made it anew
        if (run_dir / "run.json").exists() and failed_before_start(run_dir) is None:
            return run_dir
        time.sleep(0.1)
    raise ConfigError(f"rank 0 did not create the run folder {run_dir} within a minute")


def _metric_text(qa: bool, name: str, value: float, named: bool = True) -> str:
    """One metric as printed: QA's exact match and F1 (0-100, as the official SQuAD script gives
    them) with a percent sign, so they are not read as fractions beside other tasks' 0-1 scores."""
    percent = qa and name.endswith(("exact", "f1"))
    shown = f"{value:.2f}%" if percent else f"{value:.4f}"
    return f"{name} {shown}" if named else shown


def _human_printer(run_dir: Path):
    from .runs import examples_note

    def show(e):
        d = e.to_dict()
        k = d["event"]
        if k == "started":
            print(
                f"training {d['task']} on {d['device']} ({d['precision']}): {d['params']:,} parameters, "
                f"{examples_note(d)}, {d['total_steps']} steps"
            )
            columns = d.get("config", {}).get("columns")
            if columns:  # the columns read, found by themselves unless named
                named = {"text": "text", "text_pair": "second text", "label": "label"}
                print("columns: " + ", ".join(
                    f"{named.get(k, k)} {', '.join(v) if isinstance(v, list) else repr(v)}" for k, v in columns.items()
                ))  # fmt: skip
            corpus = d.get("config", {}).get("corpus")
            if corpus:  # pre-training: the text as the tokenizer cut it
                from .data.corpus import describe_stats

                cache = d["config"].get("cache")
                print(
                    f"corpus: {describe_stats(corpus)}" + ("; tokenized text from the cache" if cache == "hit" else "")
                )
        elif k == "step":
            print(
                f"step {d['step']}/{d['total_steps']}  loss {d['loss']:.4f}  lr {d['lr']:.2e}  "
                f"{d['samples_per_s']:.0f} samples/s"
            )
        elif k == "eval":
            qa = "exact" in d["metrics"]  # only QA scores exact match
            print("eval  " + "  ".join(_metric_text(qa, m, v) for m, v in d["metrics"].items() if isinstance(v, float)))
        elif k == "checkpoint":
            print(f"checkpoint saved: {d['path']}")
        elif k == "log":
            print(("warning: " if d["level"] == "warning" else "") + d["message"])
        elif k == "finished":
            print(f"finished in {d['elapsed']:.1f}s; model saved to {d['model_dir']}")
        elif k == "stopped":
            world = int(os.environ.get("WORLD_SIZE", "1"))
            per_node = os.environ.get("LOCAL_WORLD_SIZE", str(world))  # processes on this machine
            how = f"torchrun --nproc_per_node={per_node} -m albert_core" if world > 1 else "python -m albert_core"
            print(f"stopped at step {d['step']}; resume with: {how} train {run_dir}")
        elif k == "failed":
            print(f"error: {d['message']}", file=sys.stderr)
        sys.stdout.flush()

    return show


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate_model

    cols = {k: v for k, v in columns_from_args(args).items() if v}
    if cols and not args.data:
        raise ConfigError("columns are for a data file: give --data FILE with them")
    metrics = evaluate_model(args.model, args.data, args.batch_size, cols)
    problems = metrics.get("problems") or []
    for line in problems[:10]:  # rows left out are said, never dropped without a word
        print(f"note: {line}", file=sys.stderr)
    if len(problems) > 10:
        print(f"note: … and {len(problems) - 10} more", file=sys.stderr)
    if args.json:
        print(json.dumps(metrics))
        return 0
    for k, v in metrics.items():
        if not isinstance(v, (list, dict)):
            qa = "exact" in metrics  # only QA scores exact match
            print(f"{k:>16}: {_metric_text(qa, k, v, False)}" if isinstance(v, float) else f"{k:>16}: {v}")
    if metrics.get("per_label"):
        print()
        print(confusion_report(metrics["per_label"], metrics.get("confusion")))
    return 0


def confusion_report(per_label: list[dict], confusion: list[list[int]] | None, most: int = 20) -> str:
    """Each label's precision, recall, F1 and support, then the confusion matrix (true labels in
    rows, predictions in columns) when there are at most `most` labels (a multi-label classifier
    has none: each label is a yes/no of its own)."""
    names = [d["label"] for d in per_label]
    w = max(8, *(len(n) for n in names))
    at = any("threshold" in d for d in per_label)  # a multi-label classifier's own thresholds
    lines = [f"{'label':>{w}}  precision  recall      f1  support" + ("  threshold" if at else "")]
    for d in per_label:
        lines.append(
            f"{d['label']:>{w}}  {d['precision']:9.4f}  {d['recall']:6.4f}  {d['f1']:6.4f}  {d['support']:7,}"
            + (f"  {d['threshold']:9.3f}" if at else "")
        )
    if confusion is None:
        return "\n".join(lines)
    if len(names) > most:
        lines.append(f"(the confusion matrix of {len(names)} labels is in --json)")
        return "\n".join(lines)
    cw = max(6, *(len(n) for n in names), *(len(f"{c:,}") for row in confusion for c in row))
    corner = "true / predicted"
    mw = max(w, len(corner))
    lines += ["", f"{corner:>{mw}}  " + " ".join(f"{n:>{cw}}" for n in names)]
    for name, row in zip(names, confusion, strict=True):
        lines.append(f"{name:>{mw}}  " + " ".join(f"{c:>{cw},}" for c in row))
    return "\n".join(lines)


def cmd_predict(args) -> int:
    from .metrics import side_by_side
    from .predict import load_predictor

    if args.file:
        return predict_a_file(args)
    predictor = load_predictor(args.model, fast=args.fast)
    if predictor.task == "qa" and args.context is None:
        raise ConfigError("a question-answering model needs the passage to answer from: give --context TEXT")
    if not (args.text or "").strip():
        raise ConfigError("--text is empty; give the text to predict for")
    if args.context is not None and (predictor.text_pairs is False or predictor.task in ("ner", "pretrain")):
        raise ConfigError(  # read as a second text, it would change the answer without a word
            "--context is for question answering, or a classifier trained on text pairs; "
            f"{a_model_of(predictor.task)} like this one reads one text: give it all in --text"
        )
    out = predictor.predict(args.text, args.context)
    if args.json:
        print(json.dumps(out))
    elif "label" in out:
        print(out["label"] or "(no label: every probability is under its label's threshold)")
        thresholds = out.get("thresholds") or {}
        tuned = any(t != 0.5 for t in thresholds.values())  # multi-label: where each label is given from
        for k, v in sorted(out["scores"].items(), key=lambda kv: -kv[1]):
            shown, given_from = side_by_side(v, thresholds.get(k, 0.5))
            print(f"  {k}: {shown}" + (f"  (given from {given_from})" if tuned else ""))
        if out.get("read"):
            print(f"note: the text is {out['pieces']:,} pieces long; the model read the first {out['read']:,}",
                  file=sys.stderr)  # fmt: skip
    elif "answers" in out:
        print("(no answer)" if out.get("no_answer") or not out["answers"] else out["answers"][0]["text"])
    elif "entities" in out:
        for e in out["entities"]:
            print(f"{e['type']}\t{e['text']}\t{e['score']:.3f}")
    elif "masks" in out:
        if not out["masks"]:  # no [MASK] to fill: what to write instead
            raise ConfigError(out["hint"])
        print(out["filled"])
        for k, m in enumerate(out["masks"], 1):
            print(f"  [MASK] {k}: " + ", ".join(f"{c['text'] or c['token']} {c['score']:.3f}" for c in m["candidates"]))
    return 0


def columns_from_args(args) -> dict:
    """The columns `train` and `predict --file` were told: text, second text, and the label column or
    (--label-columns a,b,c) the list of 0/1 label columns."""
    cols = {"text": args.text_column, "text_pair": args.pair_column, "label": args.label_column}
    if args.label_columns:
        if args.label_column:
            raise ConfigError(
                "name the label column (--label-column) or the 0/1 label columns (--label-columns), not both"
            )
        cols["label"] = [n.strip() for n in args.label_columns.split(",") if n.strip()]
    return cols


def predict_a_file(args) -> int:
    from .metrics import scores_by_label
    from .predict_file import predict_file

    columns = columns_from_args(args)
    shown = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if not args.json and (now - shown[0] > 2 or done == total) and sys.stderr.isatty():
            print(f"\r{done:,} / {total:,}", end="\n" if done == total else "", file=sys.stderr, flush=True)
            shown[0] = now

    model = args.model
    if args.fast:  # onnxruntime for every row (the model is exported once into its folder)
        from .predict import load_predictor

        model = load_predictor(args.model, fast=True)
    result = predict_file(model, args.file, args.out, columns, args.batch_size, progress)
    if args.json:
        print(json.dumps({"out": result.out, "task": result.task, "rows": len(result.rows), "compared": result.compared,
                          "correct": result.correct, "score": result.score, "metric": result.metric,
                          "labels": result.labels, "confusion": result.confusion, "outcomes": result.outcomes,
                          "thresholds": result.thresholds, "notes": result.notes}))  # fmt: skip
        return 0
    for note in result.notes[:20]:
        print(f"note: {note}")
    if len(result.notes) > 20:
        print(f"note: … and {len(result.notes) - 20} more")
    print(result.summary())
    by_label = scores_by_label({"confusion": result.confusion, "outcomes": result.outcomes}, result.labels)
    for row, t in zip(by_label, result.thresholds or [], strict=False):
        row["threshold"] = t
    if by_label:
        print("\n" + confusion_report(by_label, result.confusion))
    if result.mistakes:
        print("\nthe surest mistakes:")
        for r in result.mistakes[:10]:
            text = result.texts[r] if len(result.texts[r]) <= 70 else result.texts[r][:69] + "…"
            guess = repr(result.predicted[r]) if result.predicted[r] else NOTHING.get(result.task, "nothing")
            # a multi-label text may have no label; a SQuAD 2 question no answer; a sentence no entity
            truth = repr(result.truth[r]) if result.truth[r] else NOTHING.get(result.task, "no label")
            print(f"  {text!r}: {guess} at {result.confidence[r]:.3f} (truth: {truth})")
    return 0


NOTHING = {"qa": "no answer", "ner": "no entity"}  # an empty prediction or truth, as a task says it


def cmd_serve(args) -> int:
    from .predict import load_predictor
    from .serve import make_server

    predictor = load_predictor(args.model, fast=args.fast)  # its own errors say what is wrong with the model
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a port; give one from 1 to 65535 (or 0 for any free one)")
    try:
        server = make_server(args.model, args.host, args.port, predictor=predictor)
    except socket.gaierror as e:  # a name that does not resolve
        raise ConfigError(
            f"cannot listen on {args.host} ({e.strerror or e}); give --host an address of this machine "
            "(127.0.0.1 for it alone, 0.0.0.0 for every network)"
        ) from None
    except OSError as e:
        raise ConfigError(
            f"cannot listen on {args.host}:{args.port} ({e.strerror or e}); choose another --port"
        ) from None
    host, port = server.server_address[:2]
    print(f"serving {args.model} ({server.service.predictor.task}) at http://{host}:{port}: GET / says what it "
          'is, POST /predict {"text": "..."} answers; Ctrl+C ends it', flush=True)  # fmt: skip
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_tokenizer(args) -> int:
    from .data.corpus import CorpusReport, iter_documents
    from .tokenizer import train_tokenizer

    # the text as pre-training reads it: a binary file, a README beside the text, are left out (and said)
    report = CorpusReport()
    sentences = (s for doc in iter_documents(args.files, None, report) for s in doc.sentences)
    try:
        tok = train_tokenizer(sentences, out_dir=args.out, vocab_size=args.vocab_size)
    finally:
        for problem in report.problems[:20]:
            print(f"problem: {problem}", file=sys.stderr)
    print(
        json.dumps({"vocab_size": len(tok), "out": args.out}) if args.json else f"{len(tok)} pieces saved to {args.out}"
    )
    return 0


def cmd_corpus(args) -> int:
    from .data.corpus import CorpusOptions, corpus_stats, describe_stats, require_text

    tokenizer = None
    if args.tokenizer:
        from .model_setup import tokenizer_of

        tokenizer = tokenizer_of(args.tokenizer)
    options = CorpusOptions(args.documents, args.sentences)
    stats = corpus_stats(args.paths, tokenizer, options)
    if not stats["documents"]:  # every file left out (binary, unreadable) or empty: said as pre-training says it
        require_text(args.paths, options)
    if args.json:
        print(json.dumps(stats))
        return 0
    print(f"{stats['files']:,} file{'s' if stats['files'] != 1 else ''}: {describe_stats(stats)}")
    if tokenizer is not None:
        print(f"pieces as the tokenizer of {args.tokenizer} ({len(tokenizer):,} pieces) cuts them")
    for problem in stats["problems"][:20]:
        print(f"problem: {problem}")
    if len(stats["problems"]) > 20:
        print(f"… {len(stats['problems']) - 20} more problems")
    return 0


def cmd_runs(args) -> int:
    from .runs import default_runs_dir, list_runs, metric_percent

    root = Path(args.dir) if args.dir else default_runs_dir()
    if args.dir and not root.is_dir():
        raise ConfigError(f"{root} is not a folder; give the folder that holds the runs")
    runs = list_runs(root, damaged=True)  # a folder whose run.json cannot be read: named, with why
    if args.json:
        print(json.dumps([{**r.__dict__, "path": str(r.path)} for r in runs]))
    elif not runs:
        print(f"no runs in {root}")
    else:
        for r in runs:
            m = f"{r.metric_name} {metric_percent(r.task, r.metric):.2f}%" if r.metric is not None else ""
            why = f"  {r.message}" if r.status in ("failed", "damaged") and r.message else ""
            print(f"{r.status:12} {r.task:15} {r.name:40} {m}{why}  {r.path}")
    return 0


def cmd_export(args) -> int:
    from .export import code_snippet, export

    result = export(args.model, args.format, args.out)
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(f"exported {args.format} to {result.path}: {', '.join(result.files)}")
    if result.max_abs_diff is not None:
        print(f"largest difference from PyTorch: {result.max_abs_diff:.2e} (batch, length: {result.checked_shapes})")
    if result.metric_change is not None:
        from .runs import metric_percent, metric_word

        def pct(v: float) -> float:
            return metric_percent(result.task, v)

        print(
            f"validation {metric_word(result.metric)}: PyTorch {pct(result.metric_pytorch):.2f}%, export "
            f"{pct(result.metric_export):.2f}% (change {pct(result.metric_change):+.2f} points)"
        )
    for note in result.notes:
        print(f"note: {note}")
    if Path(result.path).is_dir():
        print("\nto use it:\n\n" + code_snippet(result.path))
    return 0


COMMANDS = {
    "params": cmd_params,
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "tokenizer": cmd_tokenizer,
    "corpus": cmd_corpus,
    "runs": cmd_runs,
    "export": cmd_export,
    "serve": cmd_serve,
}
