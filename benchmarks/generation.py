"""Generation: a decoding-only trial (generation tuning) against a training trial on the same
preset and dev rows."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.common import bench_resolve, spread
from workbench import augment, backends
from workbench import data as wdata
from workbench.config import GUARD_OFF


def bench_generation(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """One training trial vs one decoding-only trial (same preset, same dev rows)."""
    from workbench import gentune

    # The guard is off: this times decoding, and at small caps a degenerate trial keeps no model.
    cfg = bench_resolve({**size["gen_caps"], **GUARD_OFF}).config
    splits = wdata.load_splits(cfg)
    backend = backends.make_backend(cfg, splits)
    train, _ = augment.apply(splits["train"], cfg["hparams"], cfg)
    train_s, gen_s = [], []
    model_dir = work / "gen-model"
    for rep in range(size["repeats"]):
        t = time.perf_counter()
        backend.train_and_evaluate(cfg["hparams"], train, None, work / f"gen-train-{rep}",
                                   (lambda _v: model_dir) if rep == 0 else None)
        train_s.append(time.perf_counter() - t)
    generator = gentune.Generator(cfg, cfg["hparams"], model_dir, splits["dev"])
    for _ in range(size["repeats"]):
        t = time.perf_counter()
        generator.evaluate(gentune.decoding(cfg["hparams"]))
        gen_s.append(time.perf_counter() - t)
    return {"caps": size["gen_caps"], "dev_dialogues": len(splits["dev"]),
            "epochs": cfg["hparams"]["num_epochs"], "training_trial_s": spread(train_s),
            "generation_trial_s": spread(gen_s),
            "ratio_training_over_generation": spread(
                [a / b for a, b in zip(train_s, gen_s, strict=True)])}
