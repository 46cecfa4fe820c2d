"""Overhead: a sleep objective through the study runner (`start_run`, `optimize`) against bare
Optuna loops on SQLite and in memory, per trial; and papermill's fixed cost per notebook."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna

from benchmarks.common import GOALS, PRESET, bench_resolve, quiet, sleep_backend, spread
from workbench import spaces
from workbench.study import start_run
from workbench.study.samplers import make_pruner, make_sampler


def _period(study: optuna.Study) -> float:
    """Seconds per trial from the first trial's start to the last one's end."""
    trials = [t for t in study.trials if t.datetime_start and t.datetime_complete]
    span = max(t.datetime_complete for t in trials) - min(t.datetime_start for t in trials)
    return span.total_seconds() / len(trials)


def _bare_suggest(trial: optuna.Trial, params: Sequence[spaces.Param]) -> dict[str, Any]:
    """What a hand-written loop does: one suggest call per parameter, no conditions."""
    out = {}
    for p in params:
        if p.type == "categorical":
            out[p.name] = trial.suggest_categorical(p.name, list(p.choices or ()))
        elif p.type == "int":
            out[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
        else:
            out[p.name] = trial.suggest_float(p.name, float(p.low), float(p.high), log=p.log)
    return out


def bench_overhead(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """Per-trial time of a sleep objective through start_run/optimize vs bare Optuna loops."""
    sleep_s, n = size["overhead_sleep_s"], size["overhead_trials"]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    overrides = {"data.max_train_samples": 16, "data.max_dev_samples": 4}
    periods: dict[str, list[float]] = {"workbench": [], "bare_sqlite": [], "bare_memory": []}
    resolved = bench_resolve(overrides)
    cfg, searched = resolved.config, resolved.searched
    for rep in range(size["repeats"]):
        folder = work / f"overhead-{rep}"
        with sleep_backend(sleep_s) as backend, quiet():
            run = start_run("run-study", preset=PRESET, n_trials=n,
                            storage=f"sqlite:///{folder / 'wb.db'}",
                            study_name="bench-overhead", overrides={**overrides, **backend},
                            run_dir=str(folder / "rec"))
            periods["workbench"].append(_period(run.optimize()))
        sc = cfg["study"]
        for kind, url in (("bare_sqlite", f"sqlite:///{folder / 'bare.db'}"),
                          ("bare_memory", None)):
            study = optuna.create_study(storage=url, direction="maximize",
                                        sampler=make_sampler(sc), pruner=make_pruner(sc))

            def objective(trial: optuna.Trial) -> float:
                hp = _bare_suggest(trial, searched)
                time.sleep(sleep_s)
                value = float(hp.get("warmup_ratio", 0.0))
                trial.report(value, 1)
                return value

            study.optimize(objective, n_trials=n)
            periods[kind].append(_period(study))
    out: dict[str, Any] = {"sleep_s": sleep_s, "trials": n, "repeats": size["repeats"],
                           "seconds_per_trial": {k: spread(v) for k, v in periods.items()}}
    for base in ("bare_sqlite", "bare_memory"):
        extra = [(w - b) for w, b in zip(periods["workbench"], periods[base], strict=True)]
        out[f"overhead_vs_{base}"] = {
            "ms_per_trial": spread([e * 1000 for e in extra]),
            "pct_of_bare_trial": spread([100 * e / b for e, b in
                                         zip(extra, periods[base], strict=True)])}
    out["goal"] = GOALS["overhead_per_trial_pct"]
    out["papermill"] = bench_papermill(size, work)
    return out


def bench_papermill(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """papermill's fixed cost: a one-cell notebook executed vs the same statement called."""
    import nbformat
    import papermill

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("y = x + 1")]
    src = work / "trivial.ipynb"
    nbformat.write(nb, src)
    walls = []
    for i in range(size["papermill_runs"]):
        t = time.perf_counter()
        papermill.execute_notebook(str(src), str(work / f"trivial-out-{i}.ipynb"),
                                   parameters={"x": 2}, kernel_name="python3",
                                   progress_bar=False, cwd=str(work))
        walls.append(time.perf_counter() - t)
    t = time.perf_counter()
    x = 2
    _ = x + 1
    direct = time.perf_counter() - t
    return {"runs": len(walls), "notebook_s": spread(walls), "direct_call_s": direct,
            "fixed_cost_s": spread([w - direct for w in walls]),
            "goal": GOALS["papermill_fixed_s"]}
