"""Parameter accounting and memory estimates from a spec alone, without building a model.

The counts mirror transformers' ALBERT classes exactly (tied weights counted once), so
`count(spec, task).total == sum(p.numel() for p in built_model.parameters())`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .spec import ModelSpec

TASKS_WITH_POOLER = {"classification", "pretrain", "encoder"}


@dataclass(frozen=True)
class Breakdown:
    embedding: int  # word, position and segment embeddings and their layer norm
    encoder: int  # projection E→H, the distinct layer weights, and the pooler where the task has one
    head: int  # the task's own layers
    total: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def _linear(i: int, o: int) -> int:
    return i * o + o


def _layer(h: int, ff: int) -> int:
    attention = 4 * _linear(h, h) + 2 * h  # q, k, v, output dense, layer norm
    ffn = _linear(h, ff) + _linear(ff, h)
    return attention + ffn + 2 * h  # + the full-layer layer norm


def _embedding(spec: ModelSpec, width: int) -> int:
    return (spec.vocab_size + spec.max_position_embeddings + spec.type_vocab_size) * width + 2 * width


def head_params(spec: ModelSpec, task: str, num_labels: int = 2) -> int:
    h, e, v = spec.hidden_size, spec.embedding_size, spec.vocab_size
    if task in ("classification", "ner", "qa"):  # qa: num_labels = 2 (start and end)
        return _linear(h, num_labels)
    if task == "pretrain":
        # MLM head: dense H→E, layer norm, bias over the vocabulary (decoder weight tied to
        # the word embeddings), plus the sentence-order classifier.
        return _linear(h, e) + 2 * e + v + _linear(h, 2)
    if task == "encoder":
        return 0
    raise ValueError(f"unknown task {task!r}")


def count(spec: ModelSpec, task: str = "encoder", num_labels: int = 2) -> Breakdown:
    """The ALBERT's parameters for `task` (classification, qa, ner, pretrain, or encoder)."""
    h = spec.hidden_size
    emb = _embedding(spec, spec.embedding_size)
    enc = _linear(spec.embedding_size, h)
    enc += spec.num_hidden_groups * spec.inner_group_num * _layer(h, spec.intermediate_size)
    if task in TASKS_WITH_POOLER:
        enc += _linear(h, h)
    head = head_params(spec, task, num_labels)
    return Breakdown(emb, enc, head, emb + enc + head)


def count_bert(spec: ModelSpec, task: str = "encoder", num_labels: int = 2) -> Breakdown:
    """A BERT of the same shape: embedding width = H, every layer with its own weights."""
    h = spec.hidden_size
    emb = _embedding(spec, h)
    enc = spec.num_hidden_layers * _layer(h, spec.intermediate_size)
    if task in TASKS_WITH_POOLER:
        enc += _linear(h, h)
    if task == "pretrain":
        head = _linear(h, h) + 2 * h + spec.vocab_size + _linear(h, 2)
    else:
        head = head_params(spec, task, num_labels)
    return Breakdown(emb, enc, head, emb + enc + head)


@dataclass(frozen=True)
class Savings:
    factorized_embedding: int  # parameters saved by V·E + E·H instead of V·H
    layer_sharing: int  # parameters saved by reusing layer weights across depth
    ratio: float  # BERT total / ALBERT total


def savings(spec: ModelSpec, task: str = "encoder", num_labels: int = 2) -> Savings:
    a, b = count(spec, task, num_labels), count_bert(spec, task, num_labels)
    h, e = spec.hidden_size, spec.embedding_size
    fact = (_embedding(spec, h) - _embedding(spec, e)) - _linear(e, h)
    distinct = spec.num_hidden_groups * spec.inner_group_num
    share = (spec.num_hidden_layers - distinct) * _layer(h, spec.intermediate_size)
    return Savings(fact, share, b.total / a.total)


BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int  # bytes
    gradients: int
    optimizer: int
    activations: int
    total: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def memory_estimate(
    spec: ModelSpec,
    batch_size: int,
    seq_len: int,
    precision: str = "fp32",
    task: str = "classification",
    num_labels: int = 2,
) -> MemoryEstimate:
    """Bytes needed to train: fp32 master weights and gradients, AdamW's two moments, and
    activations kept for the backward pass (per layer application, since shared weights
    still store activations once per layer)."""
    n = count(spec, task, num_labels).total
    weights = 4 * n
    grads = 4 * n
    optim = 8 * n
    act_bytes = BYTES.get(precision, 4)
    b, s, h, a = batch_size, seq_len, spec.hidden_size, spec.num_attention_heads
    ff = spec.intermediate_size
    # Tensors saved per layer: inputs of q/k/v/out projections and layer norms (~8·H),
    # the feed-forward input and activation (~2·FF + H), attention probabilities (a·s)
    # and dropout masks; SDPA keeps no s×s matrix, so count it only once per layer.
    per_token = 10 * h + 2 * ff + a * s
    per_layer = b * s * per_token * act_bytes
    emb = b * s * (spec.embedding_size + 2 * h) * act_bytes
    logits = b * s * spec.vocab_size * 4 if task == "pretrain" else 0
    activations = spec.num_hidden_layers * per_layer + emb + logits
    total = weights + grads + optim + activations
    return MemoryEstimate(weights, grads, optim, activations, total)


def human(n: float, unit: str = "") -> str:
    """12_000_000 → '12.0M'; bytes with unit='B' → '1.5 GiB'."""
    if unit == "B":
        for suffix, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
            if abs(n) >= size:
                return f"{n / size:.1f} {suffix}"
        return f"{int(n)} B"
    for suffix, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):  # B: billions, as "a 7B model"
        if abs(n) >= size:
            return f"{n / size:.1f}{suffix}"
    return str(int(n))
