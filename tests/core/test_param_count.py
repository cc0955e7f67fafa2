import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st

from albert_core import param_count as pc
from albert_core.spec import PRESETS, ModelSpec, SpecError, preset

CLASSES = {
    "classification": "AlbertForSequenceClassification",
    "qa": "AlbertForQuestionAnswering",
    "ner": "AlbertForTokenClassification",
    "pretrain": "AlbertForPreTraining",
    "encoder": "AlbertModel",
}


def built(spec: ModelSpec, task: str, num_labels: int = 2) -> int:
    config = spec.to_albert_config(num_labels=num_labels)
    with torch.device("meta"):  # shapes only: no memory, no time
        model = getattr(transformers, CLASSES[task])(config)
    return sum(p.numel() for p in model.parameters())


def test_base_encoder_is_the_papers_12m():
    spec = preset("base")
    assert spec.vocab_size == 30000
    assert pc.count(spec, "encoder").total == 11_683_584


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("task", list(CLASSES))
def test_presets_match_built_model(name, task):
    spec = preset(name)
    n = 2 if task in ("qa", "pretrain") else 3  # start/end logits; sentence order
    assert pc.count(spec, task, n).total == built(spec, task, n)


@settings(max_examples=25, deadline=None)
@given(
    vocab=st.integers(8, 2000),
    e=st.integers(1, 64),
    heads=st.integers(1, 4),
    head_dim=st.integers(1, 16),
    groups=st.integers(1, 3),
    per_group=st.integers(1, 3),
    inner=st.integers(1, 2),
    ff=st.integers(1, 128),
    pos=st.integers(8, 128),
    task=st.sampled_from(list(CLASSES)),
    labels=st.integers(1, 9),
)
def test_random_specs_match_built_model(vocab, e, heads, head_dim, groups, per_group, inner, ff, pos, task, labels):
    spec = ModelSpec(
        vocab_size=vocab,
        embedding_size=e,
        hidden_size=heads * head_dim,
        num_attention_heads=heads,
        num_hidden_layers=groups * per_group,
        num_hidden_groups=groups,
        inner_group_num=inner,
        intermediate_size=ff,
        max_position_embeddings=pos,
    )
    spec.validate()
    labels = 2 if task in ("qa", "pretrain") else labels
    assert pc.count(spec, task, labels).total == built(spec, task, labels)


def test_bert_of_same_shape_is_bigger_and_savings_add_up():
    spec = preset("base")
    a, b = pc.count(spec), pc.count_bert(spec)
    s = pc.savings(spec)
    assert b.total - a.total == s.factorized_embedding + s.layer_sharing
    assert 100e6 < b.total < 115e6  # BERT-base's 108M without MLM head


def test_validation_names_the_field():
    with pytest.raises(SpecError) as e:
        ModelSpec(hidden_size=100, num_attention_heads=12).validate()
    assert "num_attention_heads" in e.value.problems
    assert "does not divide" in e.value.problems["num_attention_heads"]
    with pytest.raises(SpecError) as e:
        ModelSpec(num_hidden_layers=12, num_hidden_groups=5).validate()
    assert "num_hidden_groups" in e.value.problems
    with pytest.raises(SpecError) as e:
        ModelSpec(vocab_size=0, hidden_dropout_prob=1.5).validate()
    assert set(e.value.problems) == {"vocab_size", "hidden_dropout_prob"}
    # fewer positions than the shortest input, or a width no machine holds: said at the field
    with pytest.raises(SpecError) as e:
        ModelSpec(max_position_embeddings=4, hidden_size=10_000_000, num_attention_heads=1).validate()
    assert "at least 8" in e.value.problems["max_position_embeddings"]
    assert "at most 65,536" in e.value.problems["hidden_size"]
    assert pc.human(500_011_000_000_000) == "500.0T" and pc.human(3 << 40, "B") == "3.0 TiB"
    with pytest.raises(SpecError) as e:  # not a number at all: named, not a TypeError
        ModelSpec(max_position_embeddings="512", vocab_size=None).validate()
    assert set(e.value.problems) == {"max_position_embeddings", "vocab_size"}


def test_memory_estimate_grows_with_batch_and_shrinks_with_bf16():
    spec = preset("base")
    small = pc.memory_estimate(spec, 8, 128, "fp32")
    big = pc.memory_estimate(spec, 32, 128, "fp32")
    half = pc.memory_estimate(spec, 32, 128, "bf16")
    assert big.activations > 3 * small.activations
    assert half.activations < big.activations
    assert big.weights == 4 * pc.count(spec, "classification").total
    assert big.optimizer == 2 * big.weights
