"""One-sentence explanations of ALBERT terms, used as tooltips throughout the window."""

from __future__ import annotations

TERMS: dict[str, str] = {
    "vocab_size": "Vocabulary size V: how many word pieces the tokenizer knows; each gets one embedding row.",
    "embedding_size": (
        "Embedding size E: ALBERT stores each word piece in a small E-wide vector and projects it up "
        "to the hidden size, so the table costs V·E + E·H parameters instead of BERT's V·H."
    ),
    "hidden_size": "Hidden size H: the width of every transformer layer; compute grows with its square.",
    "num_hidden_layers": "Layers L: how many times a transformer layer is applied to the text.",
    "num_attention_heads": "Attention heads: parallel attention patterns per layer; the hidden size must divide evenly among them.",
    "intermediate_size": "Feed-forward size: the width inside each layer's feed-forward block, usually 4 × hidden size.",
    "num_hidden_groups": (
        "Hidden groups: how many distinct sets of layer weights exist; the L layers cycle through them "
        "(1 = every layer shares one set, ALBERT's default)."
    ),
    "inner_group_num": "Inner groups: how many different layers each hidden group holds, applied one after another.",
    "max_position_embeddings": "Maximum positions: the longest input, in word pieces, that the model can read.",
    "type_vocab_size": "Segment types: how many segment ids exist (2: sentence A and sentence B of a pair).",
    "hidden_dropout_prob": "Hidden dropout: the chance each hidden value is zeroed during training, to regularise.",
    "attention_probs_dropout_prob": "Attention dropout: the chance each attention weight is zeroed during training.",
    "classifier_dropout_prob": "Classifier dropout: dropout applied just before the task head.",
    "hidden_act": "Activation: the non-linearity inside each feed-forward block.",
    "sop": (
        "Sentence-order prediction (SOP): ALBERT's second pre-training loss, which asks whether two "
        "consecutive segments are in their original order or swapped."
    ),
    "mlm": "Masked language modelling (MLM): hide some word pieces and train the model to recover them.",
    "factorized": (
        "Factorized embedding: V·E + E·H parameters instead of V·H, because word pieces need far fewer "
        "dimensions than the layers that read them."
    ),
    "sharing": "Cross-layer sharing: layers reuse the same weights, so depth adds compute but almost no parameters.",
    "warmup_ratio": "Warm-up ratio: the share of steps over which the learning rate climbs from 0 to its peak.",
    "weight_decay": "Weight decay: AdamW's pull of every weight toward zero, to regularise.",
    "precision": "Precision: bf16/fp16 halve activation memory and run faster on recent GPUs; fp32 is exact everywhere.",
    "eval_every": "Evaluate every N steps (0: at the end of each epoch).",
    "data_workers": (
        "Batch workers: processes that make the training batches ahead of the training loop (pre-training's "
        "masking is the costly part). Automatic: 4 when pre-training on a GPU, none otherwise."
    ),
    "checkpoint_every": "Save a resumable checkpoint every N steps (0: only when stopping and at the end).",
    "keep_best": (
        "Keep the best: the final model is the evaluation with the best validation score (a tie goes to the lower "
        "loss), not the last step. A run often scores best before its end."
    ),
    "early_stop": (
        "Stop early: end the run when this many evaluations in a row bring no better validation score, once the "
        "model has beaten its first evaluation. Evaluate often enough (Evaluate every) for it to act."
    ),
    "max_length": "Maximum length: longer texts are cut to this many word pieces.",
    "val_fraction": "Share of the training file held out (per label) to measure the model on data it has not seen.",
}


def tip(name: str) -> str:
    return TERMS.get(name, "")
