"""Where a run's model and tokenizer come from: a preset or spec (new weights and a new
tokenizer trained on the run's data), or an existing ALBERT (a folder, a run, a hub id)."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

from .events import Log
from .runs import ConfigError, RunConfig, run_model
from .spec import ModelSpec, lr_suggestion, preset, suggested_lr
from .tokenizer import TokenizerError, load_tokenizer, save_tokenizer, train_tokenizer


def resolve_init(init: str) -> str:
    """A model folder for `init`: a run folder's model/, a model folder, or a hub id."""
    p = Path(init).expanduser()
    if (p / "run.json").exists():
        model = run_model(p)  # stopped or still running: its newest checkpoint
        if model is None:
            raise ConfigError(
                f"the run {p} has no finished model and no checkpoint yet; let it run to its first "
                "checkpoint or to the end"
            )
        p = model  # checked as any model folder below
    if p.is_dir():
        if not (p / "config.json").exists():
            raise ConfigError(
                f"{p} is not a model folder (no config.json); choose a folder saved by ALBERT Studio or transformers"
            )
        weights = list(p.glob("*.safetensors"))
        if not weights:
            pickled = [q.name for q in p.glob("*.bin")] + [q.name for q in p.glob("*.pt")]
            if pickled:  # a folder saved the old way: converting is the way out
                raise ConfigError(
                    f"{p} has no model.safetensors weights. It has {', '.join(pickled)}: pickle files are refused "
                    "because loading them can run code. Convert the model to safetensors first."
                )
            onnx = sorted(q.name for q in p.glob("*.onnx"))
            if onnx and not (p.parent / "run.json").exists():  # an ONNX export (a run's model/ keeps a cache)
                raise ConfigError(
                    f"{p} is an ONNX export ({', '.join(onnx)}), which onnxruntime reads (its README.md shows how); "
                    "here, give the run folder it was exported from, or a Hugging Face export of it"
                )
            # a folder the app wrote (config.json, the tokenizer) whose weights were deleted or not copied
            raise ConfigError(
                f"{p} is missing its weights file, model.safetensors (deleted, or not copied with the folder). "
                "Put model.safetensors back into the folder, or train the model again."
            )
        check_model_folder(p, weights)
        return str(p)
    if p.is_file():
        raise ConfigError(f"{init} is a file; give the model folder (or run folder) that holds it")
    if _hub_id(init, "it"):
        return init  # a hub id: transformers downloads it
    raise ConfigError(f"{init}: no such model folder")


def _hub_id(name: str, what: str) -> bool:
    """Whether `name`, not a local path, reads as a hub id ("owner/model" or "model"); offline,
    a ConfigError says that `what` cannot be downloaded."""
    if name.count("/") > 1 or name.startswith((".", "/", "~")) or Path(name).expanduser().exists():
        return False
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ConfigError(
            f"{name!r} is not a local folder, and the machine is offline (HF_HUB_OFFLINE=1), so {what} cannot be "
            "downloaded"
        )
    return True


TOKENIZER_FILES = ("tokenizer.json", "spiece.model")


def resolve_tokenizer(source: str) -> str:
    """Where to read the tokenizer of `source` from: a run folder (its model, else its tokenizer/),
    a folder holding a tokenizer (a model folder, or one `python -m albert_core tokenizer` saved),
    or a hub id."""
    p = Path(source).expanduser()
    if (p / "run.json").exists():
        model = run_model(p)
        p = model if model is not None else p / "tokenizer"
    if p.is_dir():
        if not any((p / name).exists() for name in TOKENIZER_FILES):
            raise ConfigError(
                f"{p} holds no tokenizer ({' or '.join(TOKENIZER_FILES)}); choose a model folder or a run"
            )
        return str(p)
    if _hub_id(source, "its tokenizer"):
        return source  # a hub id: transformers downloads its tokenizer
    raise ConfigError(f"{source}: no such folder to take a tokenizer from")


def tokenizer_of(source: str):
    """The tokenizer of `source` (see resolve_tokenizer), loaded."""
    return load_tokenizer(resolve_tokenizer(source))


def tokenizer_size(source: str) -> int | None:
    """How many pieces the tokenizer of `source` (see resolve_tokenizer) has, read from its files
    without loading transformers; None for a hub id or a folder that cannot be read."""
    try:
        where = Path(resolve_tokenizer(source))
    except ConfigError:
        return None
    try:
        if (where / "tokenizer.json").exists():
            return len(json.loads((where / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
        if (where / "spiece.model").exists():
            import sentencepiece as spm

            return spm.SentencePieceProcessor(model_file=str(where / "spiece.model")).get_piece_size()
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        return None
    return None


def check_sources(config: RunConfig) -> None:
    """Raise ConfigError now, before a run folder is made, when the model to start from or the
    model to take a tokenizer from cannot be used (a hub id is only looked up when the run starts)."""
    if config.init:
        check_hub(resolve_init(config.init))
    if config.tokenizer_from:
        check_hub(resolve_tokenizer(config.tokenizer_from))


def check_hub(name: str) -> None:
    """For a hub id (not a local folder): nothing when its files are in the local cache or the hub
    answers for it; a ConfigError at once when the hub cannot be reached (offline) or has no such
    model, rather than a minute of download retries and a message about some file."""
    if Path(name).expanduser().is_dir():
        return
    try:
        from huggingface_hub import try_to_load_from_cache

        if any(isinstance(try_to_load_from_cache(name, f), str) for f in ("config.json", "tokenizer_config.json")):
            return
    except Exception:  # a name the cache cannot hold: the hub says what is wrong with it
        pass
    from huggingface_hub import model_info

    try:
        model_info(name, timeout=10)
    except Exception as e:
        kind = type(e).__name__
        first = (str(e).splitlines() or [kind])[0]
        if kind == "GatedRepoError":
            raise ConfigError(f"{name!r} is gated on the Hugging Face hub: accept its terms there and log in "
                              "(hf auth login)") from None  # fmt: skip
        if kind in ("RepositoryNotFoundError", "HFValidationError"):
            raise ConfigError(f"{name!r} is neither a local folder nor a model on the Hugging Face hub (or it is "
                              "private: log in with hf auth login); check the name or the path") from None  # fmt: skip
        if hasattr(e, "response") and getattr(e, "response", None) is not None:
            raise ConfigError(f"the Hugging Face hub did not answer for {name!r} ({first}); try again later, "
                              "or give a local model folder") from None  # fmt: skip
        raise ConfigError(f"cannot reach the Hugging Face hub to download {name!r} (is this machine offline? "
                          f"{first}); give a local model folder, or try again when online") from None  # fmt: skip


def copy_tokenizer(source: str, out_dir: Path):
    """The tokenizer of `source` (see resolve_tokenizer), saved into the run's own folder so the
    run and its model stand alone."""
    where = resolve_tokenizer(source)
    tok = load_tokenizer(where)
    spm = Path(where) / "spiece.model"
    save_tokenizer(tok, out_dir, spm if spm.exists() else None)
    return tok


def check_model_folder(p: Path, weights: list[Path]) -> None:
    """Refuse a folder that would load wrongly or half: a config.json that is not an ALBERT's, no
    tokenizer (transformers would make an empty one), weights whose file is damaged or cut short."""
    import json

    try:
        cfg = json.loads((p / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{p / 'config.json'} is damaged ({e}); copy the model folder again") from None
    kind = cfg.get("model_type") if isinstance(cfg, dict) else None
    if kind != "albert":
        raise ConfigError(
            f"{p} holds a {kind or 'model of unknown kind'} (config.json's model_type), not an ALBERT; choose an ALBERT model"
        )
    try:
        from transformers import AlbertConfig

        AlbertConfig.from_dict(cfg)
    except Exception as e:  # noqa: BLE001 - transformers' validation errors have no common base
        detail = " ".join(str(e).split())
        raise ConfigError(f"{p / 'config.json'} has a setting ALBERT cannot use ({detail})") from None
    if not any((p / f).is_file() for f in TOKENIZER_FILES):
        raise ConfigError(
            f"{p} has no tokenizer ({' or '.join(TOKENIZER_FILES)}); copy it from where the model came from"
        )
    from safetensors import SafetensorError, safe_open

    for w in weights:
        try:
            with safe_open(str(w), "pt") as f:
                f.keys()
        except (SafetensorError, OSError) as e:
            raise ConfigError(f"{w} is damaged ({str(e).splitlines()[0]}); copy the model folder again") from None


def check_weights_fit(model, path: str) -> None:
    """Weights whose shapes differ from the model's config.json would be silently replaced by new
    random ones when loading; only a task head (new labels) may differ."""
    from safetensors import safe_open

    heads = ("classifier.", "qa_outputs.", "predictions.", "sop_classifier.")
    own = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    for w in sorted(Path(path).glob("*.safetensors")):
        with safe_open(str(w), "pt") as f:
            for k in f.keys():
                name = k if k in own else f"albert.{k}"
                if name in own and not name.startswith(heads):
                    shape = tuple(f.get_slice(k).get_shape())
                    if shape != own[name]:
                        raise ConfigError(
                            f"{w}: {k} has the shape {list(shape)} but config.json makes it {list(own[name])}; "
                            "the folder's weights and config.json do not belong together"
                        )


def spec_for(config: RunConfig) -> ModelSpec:
    if config.spec:
        spec = ModelSpec.from_dict(dict(config.spec))
    else:
        spec = preset(config.preset or "tiny")
    spec.validate()
    return spec


def lr_for(config: RunConfig) -> tuple[float, str]:
    """The suggested learning rate for this run's model and start (`spec.suggested_lr`), and the
    reason in words. A model to start from is read for its width: a folder's or run's
    config.json, or the hub's (a hub id that cannot be reached counts as ALBERT-base)."""
    if not config.init:
        return lr_suggestion(spec_for(config).hidden_size, False)
    try:
        path = resolve_init(config.init)
        if Path(path).is_dir():
            width = int(json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))["hidden_size"])
        else:
            from transformers import AutoConfig

            width = int(AutoConfig.from_pretrained(path).hidden_size)
    except Exception:  # the run itself says what is wrong with the model; here only its width is wanted
        return suggested_lr(768, True), "fine-tuning a pre-trained model (its width unread: taken as 768)"
    return lr_suggestion(width, True)


def build_model_and_tokenizer(task, config: RunConfig, run_dir: Path, dist, emit=None):
    import torch

    task.load_data()
    if config.init:
        path = resolve_init(config.init)
        check_hub(path)  # a hub id that cannot be had is said now, not after a minute of retries
        if emit is not None and Path(path).parent.name == "checkpoints":
            emit(Log(f"{config.init} did not finish: this run starts from its newest checkpoint, {path}"))
        try:
            tok = load_tokenizer(path)
            task.tokenizer = tok
            model = task.load_model(path)
            if Path(path).is_dir():
                check_weights_fit(model, path)
        except OSError as e:
            msg = str(e).splitlines()[0]
            raise ConfigError(f"cannot load the model {config.init!r}: {msg}") from None
        return model, tok
    spec = spec_for(config)
    tok_dir = run_dir / "tokenizer"
    if dist.rank == 0 and not (tok_dir / "tokenizer.json").exists():
        if config.tokenizer_from:
            tok = copy_tokenizer(config.tokenizer_from, tok_dir)
            if emit is not None:
                emit(Log(f"the tokenizer of {config.tokenizer_from} ({len(tok):,} pieces), with new weights"))
        else:
            vocab = config.tokenizer_vocab_size or spec.vocab_size
            say = emit or (lambda event: None)
            say(Log(f"training a tokenizer of {vocab:,} pieces on the training text"))
            t0 = time.perf_counter()
            tok = train_tokenizer(task.tokenizer_texts(), tok_dir, vocab_size=vocab, seed=config.seed)
            took = time.perf_counter() - t0
            too_small = f" (the text is too small for {vocab:,})" if len(tok) < vocab else ""
            say(Log(f"tokenizer trained in {took:.1f} s: {len(tok):,} pieces{too_small}"))
    dist.barrier()
    try:
        tok = load_tokenizer(tok_dir)
    except TokenizerError as e:
        raise TokenizerError(f"{e}; delete {tok_dir} to train it again") from None
    spec = dataclasses.replace(spec, vocab_size=len(tok))
    task.tokenizer = tok
    albert_config = spec.to_albert_config(
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.cls_token_id,
        eos_token_id=tok.sep_token_id,
        attn_implementation="sdpa",
        **task.model_kwargs(),
    )
    torch.manual_seed(config.seed)
    return task.build_model(albert_config), tok
