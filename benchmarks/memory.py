"""Memory: resident memory after every trial of the embedded default's study (real training at
small caps), and of the runner's objective on the preset's config every trial; each in a fresh
process."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import optuna

from benchmarks.common import GOALS, PRESET, bench_resolve, in_child, quiet, rss_mb
from workbench import spaces
from workbench.study import start_run
from workbench.study.execution import free_memory, freeze_long_lived
from workbench.study.objective import build_objective


def _memory_same_child(n_trials: int, caps: dict[str, Any], folder: str) -> dict[str, Any]:
    """In a fresh process: the runner's objective on the preset's config N times."""
    import warnings

    warnings.filterwarnings("ignore")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    resolved = bench_resolve(caps)
    cfg, searched = resolved.config, resolved.searched
    marks: list[dict[str, Any]] = []
    with quiet():
        objective = build_objective(resolved, Path(folder), "mem-same")
        study = optuna.create_study(direction="maximize")
        preset = spaces.enqueue_params(searched, cfg["hparams"])[0]
        for _ in range(n_trials):
            study.enqueue_trial(preset)
        freeze_long_lived()
        study.optimize(objective, n_trials=n_trials, callbacks=[
            free_memory, lambda _s, t: marks.append({**rss_mb(), "state": t.state.name})])
    return {"marks": marks}


def _memory_child(n_trials: int, caps: dict[str, Any], folder: str) -> dict[str, Any]:
    """In a fresh process: the embedded default's study, RSS noted after every trial."""
    import warnings

    warnings.filterwarnings("ignore")
    marks: list[dict[str, float]] = []
    with quiet():
        run = start_run("run-study", preset=PRESET, n_trials=n_trials,
                        storage=f"sqlite:///{folder}/mem.db", study_name="bench-memory",
                        overrides=dict(caps), run_dir=f"{folder}/rec")
        progress = run._progress

        def noted(bar: Any, trial: optuna.trial.FrozenTrial) -> None:
            progress(bar, trial)
            marks.append({**rss_mb(), "state": trial.state.name,
                          "batch_size": trial.params.get("batch_size"),
                          "num_beams": trial.params.get("num_beams")})

        run._progress = noted  # type: ignore[method-assign]
        study = run.optimize()
    states = [t.state.name for t in study.trials]
    return {"marks": marks, "states": {s: states.count(s) for s in set(states)}}


def bench_memory(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """Peak RSS after trial 1 and trial N of the embedded default (real training, small caps)."""
    n, caps = size["memory_trials"], size["memory_caps"]
    got = in_child(_memory_child, n, caps, str(work / "memory"))
    same = in_child(_memory_same_child, n, caps, str(work / "memory-same"))
    marks = got["marks"]
    first, last = marks[0], marks[-1]
    same_marks = same["marks"]
    return {"trials": len(marks), "caps": caps, "trial_states": got["states"],
            "same_config": {
                "what": "the runner's objective on the preset's config in every trial: a leak "
                        "shows as growth here, whatever the configs",
                "peak_growth_mb": round(same_marks[-1]["peak_rss_mb"]
                                        - same_marks[0]["peak_rss_mb"], 1),
                "rss_growth_mb": round(same_marks[-1]["rss_mb"] - same_marks[0]["rss_mb"], 1),
                "rss_per_trial_mb": [m["rss_mb"] for m in same_marks]},
            "after_trial_1": first, f"after_trial_{len(marks)}": last,
            "peak_growth_mb": round(last["peak_rss_mb"] - first["peak_rss_mb"], 1),
            "rss_growth_mb": round(last["rss_mb"] - first["rss_mb"], 1),
            "rss_per_trial_mb": [m["rss_mb"] for m in marks],
            "per_trial": marks, "goal": GOALS["memory_growth_mb"],
            "note": "RSS is read after the runner's end-of-trial release (gc, CUDA cache, "
                    "glibc malloc_trim); peak RSS is a high-water mark, so it rises with the "
                    "largest batch a study has run, leak or not"}
