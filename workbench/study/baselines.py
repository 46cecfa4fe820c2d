"""The floors a study's best must clear on dev, scored like the trials: lead-2 (the first two
turns of each dialogue) and the best constant output (one fixed string written for every
dialogue), so that "beats lead-2" can never hide "no better than a constant"."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from workbench import data as wdata
from workbench import diversity, metrics

CONSTANT_CANDIDATES = 50  # training summaries tried as the constant output


def _score(config: Mapping[str, Any], preds: list[str], dev: Any) -> dict[str, float]:
    """ROUGE on the objective's scale, and the share of distinct predictions."""
    obj = config["objective"]
    refs = list(dev["references"])
    return {**metrics.score(preds, refs, **metrics.scale(obj)).as_dict(),
            "distinct_share": diversity.measure(preds, refs).distinct_share}


def lead_baseline(config: Mapping[str, Any], dev: Any) -> dict[str, float]:
    """The score of the lead-2 summary (the first two turns) on dev: the floor to beat."""
    return _score(config, [wdata.lead_summary(d, 2) for d in dev["dialogue"]], dev)


def constant_baseline(config: Mapping[str, Any], train: Any, dev: Any,
                      candidates: int = CONSTANT_CANDIDATES) -> dict[str, Any]:
    """The best score one fixed string reaches on dev when written for every dialogue: the
    best of `candidates` training summaries (drawn with the run's seed). A degenerate model
    lands about here; a real summarizer must beat it clearly."""
    summaries = sorted({r[0] for r in train["references"] if r and r[0].strip()})
    rng = random.Random(config["runtime"]["seed"])
    picked = rng.sample(summaries, min(candidates, len(summaries)))
    best: dict[str, Any] = {"final": 0.0, "text": None}
    for text in picked:
        scores = _score(config, [text] * len(dev), dev)
        if best["text"] is None or scores["final"] > best["final"]:
            best = {**scores, "text": text}
    return {**best, "candidates": len(picked)}
