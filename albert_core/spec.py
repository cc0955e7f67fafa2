"""Model sizes: the ALBERT spec dataclass, its presets and its validation."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SpecError(ValueError):
    """A model spec that cannot be built. `problems` maps a field name to a message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


LARGEST = {  # far past any ALBERT trained (xxlarge: hidden 4096, 12 layers), short of sizes no machine holds
    "vocab_size": 2_000_000,
    "embedding_size": 65_536,
    "hidden_size": 65_536,
    "num_hidden_layers": 1024,
    "num_attention_heads": 1024,
    "intermediate_size": 262_144,
    "num_hidden_groups": 1024,
    "inner_group_num": 64,
    "max_position_embeddings": 1_048_576,
    "type_vocab_size": 1024,
}


def nearest(key: str, names) -> str:
    """The name of `names` closest to a misspelt `key`, "" when none is close."""
    import difflib

    close = difflib.get_close_matches(key, sorted(names), n=1)
    return close[0] if close else ""


def _nearest(key: str, names) -> str:
    """ "; did you mean X?" for a misspelt field, "" when none is close."""
    close = nearest(key, names)
    return f"; did you mean {close}?" if close else ""


@dataclass
class ModelSpec:
    """The shape of an ALBERT. Field names follow the paper; comments say what each one is."""

    vocab_size: int = 30000  # V: pieces in the tokenizer's vocabulary
    embedding_size: int = 128  # E: width of the factorized word embedding (V·E + E·H, not V·H)
    hidden_size: int = 768  # H: width of every transformer layer
    num_hidden_layers: int = 12  # L: how many times a layer is applied
    num_attention_heads: int = 12  # heads per attention block; H must divide evenly among them
    intermediate_size: int = 3072  # feed-forward width inside each layer (usually 4·H)
    num_hidden_groups: int = 1  # distinct sets of layer weights; L layers cycle through them
    inner_group_num: int = 1  # layers inside each group, applied one after another
    max_position_embeddings: int = 512  # longest input, in pieces
    type_vocab_size: int = 2  # segment ids (sentence A / sentence B)
    hidden_dropout_prob: float = 0.0  # dropout after attention and feed-forward outputs
    attention_probs_dropout_prob: float = 0.0  # dropout on attention weights
    classifier_dropout_prob: float = 0.1  # dropout before the task head
    hidden_act: str = "gelu_new"  # activation in the feed-forward block

    def validate(self) -> None:
        """Raise SpecError listing every field that makes this spec unbuildable."""
        p: dict[str, str] = {}
        ints = [
            "vocab_size",
            "embedding_size",
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "intermediate_size",
            "num_hidden_groups",
            "inner_group_num",
            "max_position_embeddings",
            "type_vocab_size",
        ]
        for name in ints:
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                p[name] = f"must be a whole number of at least 1 (got {v!r})"
        for name, most in LARGEST.items():
            v = getattr(self, name)
            if name not in p and v > most:
                p[name] = f"must be at most {most:,} (got {v:,}): no machine holds such a model"
        if "vocab_size" not in p and self.vocab_size < 8:
            p["vocab_size"] = "must be at least 8: the special pieces alone need 5"
        if "max_position_embeddings" not in p and self.max_position_embeddings < 8:
            p["max_position_embeddings"] = (
                "must be at least 8: an input is [CLS], its text and [SEP], and the shortest max length is 8"
            )
        if "hidden_size" not in p and "num_attention_heads" not in p:
            if self.hidden_size % self.num_attention_heads:
                p["num_attention_heads"] = (
                    f"hidden size {self.hidden_size} does not divide into "
                    f"{self.num_attention_heads} heads; choose a head count that divides it "
                    f"(e.g. {_divisor_near(self.hidden_size, self.num_attention_heads)})"
                )
        if "num_hidden_layers" not in p and "num_hidden_groups" not in p:
            if self.num_hidden_groups > self.num_hidden_layers:
                p["num_hidden_groups"] = (
                    f"{self.num_hidden_groups} hidden groups is more than the "
                    f"{self.num_hidden_layers} layers; use at most {self.num_hidden_layers}"
                )
            elif self.num_hidden_layers % self.num_hidden_groups:
                p["num_hidden_groups"] = (
                    f"{self.num_hidden_groups} hidden groups do not divide "
                    f"{self.num_hidden_layers} layers evenly; pick a divisor of the layer count"
                )
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout_prob"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not (0.0 <= v < 1.0):
                p[name] = f"must be a probability from 0 up to (not including) 1 (got {v!r})"
        if self.hidden_act not in ("gelu", "gelu_new", "relu", "silu"):
            p["hidden_act"] = "must be one of gelu, gelu_new, relu, silu"
        if p:
            raise SpecError(p)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelSpec:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise SpecError({k: "is not a field of a model spec" + _nearest(k, names) for k in unknown})
        return cls(**d)

    @classmethod
    def from_file(cls, path: str | Path) -> ModelSpec:
        path = Path(path)
        if path.is_dir():
            raise SpecError({"spec": f"{path} is a folder; give the spec's JSON file (or --init for a model folder)"})
        try:
            d = json.loads(path.read_text(encoding="utf-8-sig"))  # Notepad writes a byte-order mark
        except FileNotFoundError:
            raise SpecError({"spec": f"{path}: no such file"}) from None
        except OSError as e:
            raise SpecError({"spec": f"{path}: cannot be read ({e.strerror or e})"}) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise SpecError({"spec": f"{path}: not valid JSON ({e})"}) from None
        if not isinstance(d, dict):
            raise SpecError({"spec": f"{path}: expected a JSON object of spec fields"})
        return cls.from_dict(d)

    def to_albert_config(self, **extra: Any):
        """The transformers AlbertConfig for this spec (imports transformers lazily)."""
        from transformers import AlbertConfig

        self.validate()
        d = self.to_dict()
        return AlbertConfig(**d, **extra)

    @classmethod
    def from_albert_config(cls, config) -> ModelSpec:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{n: getattr(config, n) for n in names if hasattr(config, n)})


def _divisor_near(n: int, target: int) -> int:
    divs = [d for d in range(1, n + 1) if n % d == 0]
    return min(divs, key=lambda d: (abs(d - target), -d))


@dataclass
class Preset:
    name: str
    description: str
    spec: ModelSpec = field(default_factory=ModelSpec)


PRESETS: dict[str, Preset] = {
    "tiny": Preset(
        "tiny",
        "2 shared layers of width 128: trains in about a minute on a laptop CPU",
        ModelSpec(
            vocab_size=8000,
            embedding_size=64,
            hidden_size=128,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=512,
            max_position_embeddings=128,
        ),
    ),
    "small": Preset(
        "small",
        "4 shared layers of width 256: minutes per epoch of SST-2 on a CPU",
        ModelSpec(
            vocab_size=8000,
            embedding_size=128,
            hidden_size=256,
            num_hidden_layers=4,
            num_attention_heads=4,
            intermediate_size=1024,
            max_position_embeddings=512,
        ),
    ),
    "medium": Preset(
        "medium",
        "6 shared layers of width 512: a good size for a single modest GPU",
        ModelSpec(
            vocab_size=16000,
            embedding_size=128,
            hidden_size=512,
            num_hidden_layers=6,
            num_attention_heads=8,
            intermediate_size=2048,
        ),
    ),
    "base": Preset("base", "the paper's ALBERT-base: E128, H768, 12 layers (12M)", ModelSpec()),
    "large": Preset(
        "large",
        "the paper's ALBERT-large: E128, H1024, 24 layers (18M)",
        ModelSpec(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096),
    ),
    "xlarge": Preset(
        "xlarge",
        "the paper's ALBERT-xlarge: E128, H2048, 24 layers (60M)",
        ModelSpec(hidden_size=2048, num_hidden_layers=24, num_attention_heads=16, intermediate_size=8192),
    ),
    "xxlarge": Preset(
        "xxlarge",
        "the paper's ALBERT-xxlarge: E128, H4096, 12 layers, 64 heads (235M)",
        ModelSpec(hidden_size=4096, num_hidden_layers=12, num_attention_heads=64, intermediate_size=16384),
    ),
}


def preset(name: str) -> ModelSpec:
    """A fresh copy of a preset's spec."""
    try:
        return dataclasses.replace(PRESETS[name].spec)
    except KeyError:
        raise SpecError({"preset": f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}"}) from None


def suggested_lr(hidden_size: int, pretrained: bool) -> float:
    """A peak AdamW learning rate for a model of this width, from new weights or fine-tuning a
    pre-trained one, rounded to 1, 2, 3 or 5 × a power of ten.

    Wider models want smaller steps, and a pre-trained start wants half of what new weights
    want, or fine-tuning washes out what pre-training learnt. The rule, 1e-3 × (128/H)^1.75,
    halved for a pre-trained start, gives: tiny (H 128) 1e-3, small (256) 3e-4, medium (512)
    1e-4, ALBERT-base (768) 5e-5; pre-trained, small 2e-4 and ALBERT-base 2e-5 (the usual rate for
    fine-tuning it); never below 1e-5, the rate the ALBERT paper fine-tunes its widest models
    with. Measured on SST-2 (bench/pretrain_sst2.py, H200): `medium` from new weights
    fell apart at 3e-4 on two seeds of three (75.2% and 50.9%) and held at 1e-4 (80.4%); `small`
    trains well at 3e-4 from new weights and pre-trained. `tiny` pre-trained on a CPU (4,000
    steps) and fine-tuned at 5e-4 gave 80.9% (three seeds), against 80.1% at 1e-3."""
    raw = max(1e-5, 1e-3 * min(1.0, 128 / max(1, hidden_size)) ** 1.75 / (2 if pretrained else 1))
    nice = [m * 10.0**e for e in range(-5, 0) for m in (1, 2, 3, 5)]
    return float(f"{min(nice, key=lambda v: abs(math.log(v / raw))):.0e}")


def lr_suggestion(hidden_size: int, pretrained: bool) -> tuple[float, str]:
    """`suggested_lr` and what it is suggested for, in words (for the log and the window)."""
    why = (
        f"fine-tuning a pre-trained model of width {hidden_size}"
        if pretrained
        else f"new weights of width {hidden_size}"
    )
    return suggested_lr(hidden_size, pretrained), why
