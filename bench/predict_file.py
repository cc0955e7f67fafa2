"""Predictions for a whole file: `predict_file` against transformers' `pipeline` given the same
texts (batch 64, its own batching) and against a loop of one `Predictor.predict` per text (what
typing them into the playground one by one costs), in the same run, on the same model.

Classification: a randomly initialised ALBERT of `--preset` (speed does not depend on what it
learnt) with a SentencePiece tokenizer trained on the texts, over the SST-2 training sentences
(`--rows` of them), also through onnxruntime (`predict --file --fast`). Question answering: the
first articles of SQuAD dev, questions batched 16 at a time against one at a time (the choice
`predict_file` makes per device). Named entities: CoNLL-2003 dev sentences as plain text, one per
line (`--ner-rows`), tagged in length-sorted batches against one sentence at a time and against
transformers' token-classification pipeline.

  python bench/predict_file.py --data ../shared/data --rows 5000 --out bench-out/predict_file.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def sst2_texts(data: Path, rows: int) -> list[str]:
    lines = (data / "sst2" / "train.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [ln.split("\t")[0] for ln in lines if ln.strip()][:rows]


def make_classifier(folder: Path, texts: list[str], preset: str) -> Path:
    import torch
    import transformers

    from albert_core.spec import preset as get_preset
    from albert_core.tokenizer import train_tokenizer

    tok = train_tokenizer(texts, vocab_size=8000)
    spec = get_preset(preset)
    spec.vocab_size = len(tok)
    config = spec.to_albert_config(pad_token_id=tok.pad_token_id, num_labels=2, text_pairs=False)
    config.id2label, config.label2id = {0: "negative", 1: "positive"}, {"negative": 0, "positive": 1}
    torch.manual_seed(0)
    transformers.AlbertForSequenceClassification(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--loop-rows", type=int, default=500, help="rows for the one-by-one loop (it is slow)")
    ap.add_argument("--preset", default="small")
    ap.add_argument("--qa-articles", type=int, default=3)
    ap.add_argument("--ner-rows", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--out")
    args = ap.parse_args()

    import torch
    import transformers

    from albert_core.predict import load_predictor
    from albert_core.predict_file import predict_file

    transformers.utils.logging.set_verbosity_error()
    if args.threads:
        torch.set_num_threads(args.threads)
    data = Path(args.data)
    work = Path(tempfile.mkdtemp(prefix="bench-predict-file-"))
    texts = sst2_texts(data, args.rows)
    src = work / "texts.txt"
    src.write_text("\n".join(texts) + "\n", encoding="utf-8")
    model = make_classifier(work / "model", texts, args.preset)
    predictor = load_predictor(model)

    ours_s, result = timed(lambda: predict_file(predictor, src, work / "out.csv"))
    pipe = transformers.pipeline("text-classification", model=str(model), device="cpu")
    pipe_s, piped = timed(lambda: pipe(texts, batch_size=64, truncation=True))
    agree = sum(p["label"] == q for p, q in zip(piped, result.predicted, strict=True)) / len(texts)
    loop = texts[: args.loop_rows]
    loop_s, _ = timed(lambda: [predictor.predict(t) for t in loop])
    loop_s *= len(texts) / len(loop)  # per text, scaled to the file

    fast = load_predictor(model, fast=True)  # exported to ONNX here, before the clock starts
    fast_s, fasted = timed(lambda: predict_file(fast, src, work / "out-fast.csv"))

    out = {
        "what": f"predict a file of {len(texts):,} SST-2 sentences, ALBERT {args.preset} (random weights), CPU",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "threads": torch.get_num_threads(),
        "rows": len(texts),
        "seconds": {
            "predict_file": round(ours_s, 2),
            "pipeline_batch64": round(pipe_s, 2),
            f"one_by_one_scaled_from_{len(loop)}": round(loop_s, 2),
        },
        "rows_per_s": {
            "predict_file": round(len(texts) / ours_s, 1),
            "pipeline_batch64": round(len(texts) / pipe_s, 1),
        },
        "speedup_vs_pipeline": round(pipe_s / ours_s, 2),
        "speedup_vs_one_by_one": round(loop_s / ours_s, 2),
        "labels_agree_with_pipeline": agree,
        "onnxruntime": {
            "seconds": round(fast_s, 2),
            "speedup_vs_pytorch": round(ours_s / fast_s, 2),
            "labels_agree": sum(a == b for a, b in zip(fasted.predicted, result.predicted, strict=True)) / len(texts),
        },
    }

    squad = data / "squad" / "dev-v1.1.json"
    if squad.exists() and args.qa_articles:
        import albert_core.predict_file as pf
        from tests.core.helpers import save_tiny_model

        doc = json.loads(squad.read_text(encoding="utf-8"))
        doc["data"] = doc["data"][: args.qa_articles]
        qa_src = work / "squad.json"
        qa_src.write_text(json.dumps(doc), encoding="utf-8")
        qa = load_predictor(save_tiny_model(work / "qa", "AlbertForQuestionAnswering"))
        keep = pf.QA_BATCH  # what predict_file uses on a GPU (one at a time on a CPU)
        seconds, answers = {}, {}
        for batch in (1, keep):
            s, r = timed(lambda b=batch: _answers(qa, qa_src, b))
            seconds[f"batch_{batch}"], answers[batch] = round(s, 2), r
        out["qa"] = {
            "questions": len(answers[1]),
            "seconds": seconds,
            "batch_1_speedup_on_cpu": round(seconds[f"batch_{keep}"] / seconds["batch_1"], 2),
            "same_answers": answers[1] == answers[keep],
        }

    conll = data / "conll2003" / "dev.txt"
    if conll.exists() and args.ner_rows:
        out["ner"] = _entities(conll, work, args.ner_rows, args.preset, args.loop_rows)

    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


def _entities(conll: Path, work: Path, rows: int, preset: str, loop_rows: int) -> dict:
    """Plain sentences tagged by predict_file (batches of 64) against one at a time and the pipeline."""
    import torch
    import transformers

    from albert_core.data.conll import read_ner
    from albert_core.ner_align import predict_ner
    from albert_core.predict import load_predictor
    from albert_core.predict_file import predict_file
    from albert_core.spec import preset as get_preset
    from albert_core.tokenizer import train_tokenizer

    data = read_ner(conll)
    lines = [" ".join(words) for words in data.sentences[:rows]]
    src = work / "sentences.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tok = train_tokenizer(lines, vocab_size=4000)
    spec = get_preset(preset)
    spec.vocab_size = len(tok)
    labels = sorted({t for tags in data.tags for t in tags})
    config = spec.to_albert_config(pad_token_id=tok.pad_token_id, num_labels=len(labels))
    config.id2label, config.label2id = dict(enumerate(labels)), {y: i for i, y in enumerate(labels)}
    torch.manual_seed(0)
    transformers.AlbertForTokenClassification(config).save_pretrained(work / "ner")
    tok.save_pretrained(work / "ner")
    predictor = load_predictor(work / "ner")
    ours_s, result = timed(lambda: predict_file(predictor, src, work / "ents.csv"))
    loop = lines[:loop_rows]
    loop_s, alone = timed(lambda: [predict_ner(predictor.model, predictor.tokenizer, t) for t in loop])
    loop_s *= len(lines) / len(loop)
    same = all(
        a == "; ".join(f"{e['text']} ({e['type']})" for e in b["entities"])
        for a, b in zip(result.predicted, alone, strict=False)
    )
    pipe = transformers.pipeline("token-classification", model=str(work / "ner"), device="cpu")
    pipe_s, _ = timed(lambda: pipe(lines, batch_size=64))
    return {
        "sentences": len(lines),
        "seconds": {
            "predict_file": round(ours_s, 2),
            f"one_by_one_scaled_from_{len(loop)}": round(loop_s, 2),
            "pipeline_batch64": round(pipe_s, 2),
        },
        "speedup_vs_one_by_one": round(loop_s / ours_s, 2),
        "speedup_vs_pipeline": round(pipe_s / ours_s, 2),
        "same_entities_as_one_by_one": same,
    }


def _answers(predictor, path: Path, batch: int) -> list[str]:
    """Every question of `path` answered `batch` at a time (length-sorted, as predict_file does)."""
    from albert_core.batching import eval_batches
    from albert_core.data.squad import read_squad
    from albert_core.qa_decode import predict_qa_batch

    ex = read_squad(path).examples
    out = [""] * len(ex)
    for idx in eval_batches([len(e.question) + len(e.context) for e in ex], batch):
        pairs = [(ex[i].question, ex[i].context) for i in idx]
        for i, res in zip(idx, predict_qa_batch(predictor.model, predictor.tokenizer, pairs), strict=True):
            out[i] = res["answers"][0]["text"] if res["answers"] else ""
    return out


if __name__ == "__main__":
    sys.exit(main())
