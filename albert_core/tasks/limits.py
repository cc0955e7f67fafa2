"""How long an input the run's model accepts, known before the model is built."""

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
