"""The fast training paths: the ready-made attention mask, length buckets, CUDA graphs.

The CUDA tests train the same tiny run twice, eagerly and with CUDA graphs, and compare the
loss of every step; they are skipped on machines without a CUDA GPU.
"""

import pytest
import torch
import transformers

from albert_core.cuda_graphs import _trim, bucket_length
from albert_core.engine import train
from albert_core.events import read_events
from albert_core.fast_step import model_inputs
from albert_core.runs import RunConfig, create_run
from tests.core.helpers import TINY, sentiment_rows, write_csv

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_bucket_lengths_are_a_small_fixed_set():
    assert [bucket_length(n) for n in (1, 16, 17, 40, 66, 72, 128)] == [16, 16, 32, 48, 80, 80, 128]
    assert bucket_length(129) == 192 and bucket_length(384) == 384 and bucket_length(385) == 448
    assert bucket_length(60, cap=64) == 64 and bucket_length(70, cap=72) == 72
    assert len({bucket_length(n) for n in range(1, 513)}) == 8 + 6


def test_ready_made_mask_gives_the_same_logits_as_the_padding_mask():
    cfg = TINY.to_albert_config(attn_implementation="sdpa", num_labels=2)
    torch.manual_seed(0)
    model = transformers.AlbertForSequenceClassification(cfg).eval()
    ids = torch.randint(5, 300, (3, 12))
    mask = torch.ones_like(ids)
    mask[0, 7:] = 0
    mask[2, 3:] = 0
    batch = {"input_ids": ids, "attention_mask": mask}
    assert model_inputs(batch, torch.device("cpu")) is batch  # the CPU keeps transformers' own path
    ready = model_inputs(batch, torch.device("cuda"))
    assert ready["attention_mask"].shape == (3, 1, 1, 12) and ready["attention_mask"].dtype == torch.bool
    with torch.no_grad():
        a = model(**batch).logits
        b = model(**ready).logits
    assert torch.allclose(a, b, atol=1e-6)


def test_trim_cuts_sequence_outputs_back_to_the_batch_length():
    from transformers.modeling_outputs import QuestionAnsweringModelOutput, TokenClassifierOutput

    out = TokenClassifierOutput(loss=torch.tensor(1.0), logits=torch.zeros(2, 32, 5))
    assert _trim(out, 32, 24).logits.shape == (2, 24, 5)
    qa = QuestionAnsweringModelOutput(start_logits=torch.zeros(2, 32), end_logits=torch.zeros(2, 32))
    assert _trim(qa, 32, 20).start_logits.shape == (2, 20)
    cls = TokenClassifierOutput(logits=torch.zeros(2, 32))  # 32 labels, not a sequence: kept
    assert _trim(cls, 32, 24).logits.shape == (2, 32)


def _run(tmp_path, name, n=200, **kw):
    data = tmp_path / "train.csv"
    if not data.exists():
        write_csv(data, sentiment_rows(n))
    spec = {**TINY.to_dict(), "classifier_dropout_prob": 0.0}
    settings = dict(
        train_file=str(data),
        spec=spec,
        preset="",
        batch_size=16,
        lr=3e-3,
        max_steps=30,
        epochs=0,
        log_every=1,
        eval_every=10**6,
        val_fraction=0.2,
        seed=1,
    )
    settings.update(kw)
    run = create_run(RunConfig(**settings), tmp_path / name)
    result = train(run)
    assert result["event"] == "finished", result
    events = list(read_events(run / "events.jsonl"))
    return [e["loss"] for e in events if e["event"] == "step"], [e["message"] for e in events if e["event"] == "log"]


def test_cuda_graphs_setting_on_a_cpu_trains_eagerly(tmp_path):
    losses, _ = _run(tmp_path, "cpu", device="cpu", cuda_graphs=True, max_steps=4)
    assert len(losses) == 4


def test_compiled_training_gives_the_eager_losses(tmp_path):
    # torch.compile (inductor, dynamic shapes) on the CPU: batches of several lengths go through
    # one compiled graph, and every step's loss equals eager mode's (fp32: to rounding)
    eager, _ = _run(tmp_path, "eager", device="cpu", max_steps=12, num_threads=1)
    compiled, _ = _run(tmp_path, "compiled", device="cpu", max_steps=12, num_threads=1, compile=True)
    assert len(compiled) == len(eager) == 12
    worst = max(abs(a - b) / abs(a) for a, b in zip(eager, compiled, strict=True))
    assert worst < 1e-5, (eager, compiled)


@cuda
@pytest.mark.parametrize("precision,tol", [("fp32", 1e-4), ("bf16", 3e-2)])
def test_cuda_graph_losses_match_eager(tmp_path, precision, tol):
    # 160 training rows at batch 16 leave no partial batch; 170 would: both are covered below
    eager, _ = _run(tmp_path, "eager", device="cuda", precision=precision)
    graphs, logs = _run(tmp_path, "graphs", device="cuda", precision=precision, cuda_graphs=True)
    assert any("captured" in m for m in logs) and not any("turned off" in m for m in logs), logs
    assert len(eager) == len(graphs) == 30
    worst = max(abs(a - b) / abs(a) for a, b in zip(eager, graphs, strict=True))
    assert worst < tol, (eager, graphs)
    assert graphs[-1] < graphs[0]  # it learns


@cuda
def test_cuda_graphs_with_accumulation_and_a_partial_batch(tmp_path):
    kw = dict(device="cuda", precision="fp32", grad_accum=2, n=190, max_steps=20)
    eager, _ = _run(tmp_path, "eager", **kw)
    graphs, logs = _run(tmp_path, "graphs", cuda_graphs=True, **kw)
    assert any("captured" in m for m in logs) and not any("turned off" in m for m in logs), logs
    worst = max(abs(a - b) / abs(a) for a, b in zip(eager, graphs, strict=True))
    assert worst < 1e-4, (eager, graphs)


@cuda
def test_fp16_falls_back_to_eager_and_says_so(tmp_path):
    losses, logs = _run(tmp_path, "fp16", device="cuda", precision="fp16", cuda_graphs=True, max_steps=5)
    assert len(losses) == 5
    assert any("CUDA graphs are off" in m for m in logs), logs
