"""How long an input the run's model accepts, known before the model is built; how long an input
a saved model reads."""

from __future__ import annotations

import json
from pathlib import Path

from ..runs import RunConfig


def model_max_positions(config: RunConfig) -> int:
    """max_position_embeddings of the model the run starts from (a local folder's config.json,
    or the preset/spec); 512 when it cannot be known (a hub id)."""
    if config.init:
        from ..model_setup import resolve_init

        path = Path(resolve_init(config.init)) / "config.json"
        try:
            return int(json.loads(path.read_text(encoding="utf-8")).get("max_position_embeddings", 512))
        except (OSError, ValueError):
            return 512
    from ..model_setup import spec_for

    return spec_for(config).max_position_embeddings


READ_AT_MOST = 512  # pieces: a saved model with more positions still reads no more at once


def reading_length(model, tokenizer=None) -> int:
    """How many pieces a saved model reads at once: the maximum length it was trained at, which a
    run keeps as its tokenizer's `model_max_length` (positions past it were never trained: a model
    made from new weights has random ones there), within its positions and READ_AT_MOST."""
    positions = getattr(model.config, "max_position_embeddings", None) or READ_AT_MOST
    longest = min(READ_AT_MOST, int(positions))
    trained = getattr(tokenizer, "model_max_length", None)
    return trained if isinstance(trained, int) and 0 < trained < longest else longest


def trained_length(run_dir: str | Path, positions: int | None = None) -> int:
    """The maximum length a run trained at (its run.json's, cut to the model's `positions` as the run
    cut it), 0 when its run.json cannot be read."""
    from ..runs import ConfigError, load_config

    try:
        length = int(load_config(run_dir).max_length)
    except (ConfigError, OSError, TypeError, ValueError):
        return 0
    return min(length, int(positions)) if positions else length
