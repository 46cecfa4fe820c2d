"""The floors a study's best must clear on dev, scored like the trials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench import data as wdata
from workbench import metrics


def lead_baseline(config: Mapping[str, Any], dev: Any) -> dict[str, float]:
    """The score of the lead-2 summary (the first two turns) on dev: the floor to beat."""
    obj = config["objective"]
    preds = [wdata.lead_summary(d, 2) for d in dev["dialogue"]]
    return metrics.score(preds, list(dev["references"]), mode=obj["metric"],
                         tokenizer=obj["tokenizer"]).as_dict()
