"""Search: sampler x pruner strategies replayed, 20 seeds each, on a surrogate of the committed
table of real tiny-bart training runs (`benchmarks/table.py`, `benchmarks/surrogate.py`).

Every strategy runs studies of twice the default's trial budget; the figures at the default
budget are those studies' first half (samplers and pruners never look at `n_trials`, so a study
of N trials is exactly the first N trials of a longer one). Each strategy is measured against
plain random search with the same seed: the compute (epochs, optimizer steps, seconds) it needs
to reach random's final best, as a fraction of what random spent, and how often it gets there.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import optuna

from benchmarks import surrogate as wsurrogate
from benchmarks import table as wtable
from benchmarks.common import GOALS, bench_config, spread
from workbench import paths, spaces
from workbench.study.samplers import make_pruner, make_sampler

# Samplers and pruners as the workbench builds them (`make_sampler`, `make_pruner`) from these
# study settings over the default preset's. Samplers: (settings, whether trial 0 is the
# preset's config, as the workbench queues it). Constant liar only changes what parallel
# workers sample; these replays are sequential.
SAMPLERS: dict[str, tuple[dict[str, Any], bool]] = {
    "random": ({"sampler": "random"}, False),
    "random+preset": ({"sampler": "random"}, True),
    # The design document's TPE: 10 random startup trials, independent params.
    "tpe-seed": ({"sampler": "tpe", "tpe_n_startup_trials": 10, "tpe_multivariate": False,
                  "tpe_n_ei_candidates": 24}, True),
    "tpe-mv10": ({"sampler": "tpe", "tpe_n_startup_trials": 10, "tpe_multivariate": True,
                  "tpe_n_ei_candidates": 24}, True),
    "tpe-mv5": ({"sampler": "tpe", "tpe_n_startup_trials": 5, "tpe_multivariate": True,
                 "tpe_n_ei_candidates": 24}, True),
    # ... with 64 expected-improvement candidates per trial instead of 24 (the embedded
    # default's since 2026-11-30, chosen by this benchmark: docs/search-strategy.md).
    "tpe-tuned": ({"sampler": "tpe", "tpe_n_startup_trials": 5, "tpe_multivariate": True,
                   "tpe_n_ei_candidates": 64}, True),
    "gp": ({"sampler": "gp"}, True),
}
PRUNERS: dict[str, dict[str, Any]] = {
    "none": {"pruner": "none"},
    # The design document's: from epoch 3 on, which with 3 epochs never prunes (the study
    # never prunes a last epoch).
    "median-seed": {"pruner": "median", "median_n_startup_trials": 5,
                    "median_n_warmup_steps": 3},
    "median-w2": {"pruner": "median", "median_n_startup_trials": 3,
                  "median_n_warmup_steps": 2},
    "median-w1": {"pruner": "median", "median_n_startup_trials": 3,
                  "median_n_warmup_steps": 1},
    "median-patient": {"pruner": "median", "median_n_startup_trials": 6,
                       "median_n_warmup_steps": 1},
    "percentile25": {"pruner": "percentile", "percentile": 25.0, "median_n_startup_trials": 3,
                     "median_n_warmup_steps": 1},
    "wilcoxon": {"pruner": "wilcoxon", "median_n_warmup_steps": 1},
    "successive-halving": {"pruner": "successive_halving", "halving_min_resource": 1,
                           "halving_reduction_factor": 3},
    "hyperband": {"pruner": "hyperband", "halving_min_resource": 1,
                  "halving_reduction_factor": 3},
}
# GP's acquisition search costs seconds per trial from the 10th on (a 24-trial GP study: ~12 s
# against ~0.3 s for TPE on 2 cores): at twice the budget only GP without pruning is replayed.
LONG_GP_PRUNERS = ("none",)
SEED_STRATEGY = "tpe-seed/median-seed"  # what the design document runs


def default_strategy(cfg: Mapping[str, Any]) -> str:
    """The grid's name ("sampler/pruner") for the default preset's own study settings."""
    sc = cfg["study"]

    def same(settings: Mapping[str, Any]) -> bool:
        return all(sc[k] == v for k, v in settings.items())

    sampler = next((n for n, (st, first) in SAMPLERS.items() if first and same(st)), None)
    pruner = next((n for n, st in PRUNERS.items() if same(st)), None)
    if sampler is None or pruner is None:
        raise RuntimeError("the default preset's sampler or pruner settings are not in the "
                           "benchmark's grid (benchmarks/search.py SAMPLERS, PRUNERS): add them")
    return f"{sampler}/{pruner}"


def replay(sur: wsurrogate.Surrogate, cfg: Mapping[str, Any], sampler_name: str,
           pruner_name: str, seed: int, n_trials: int) -> dict[str, Any]:
    """One study on the surrogate: each trial's curve (plus one draw of seed noise) is reported
    epoch by epoch; the last epoch is never pruned (as in the workbench). Returns, per trial,
    the cumulative compute when it ended and the study's best so far."""
    settings, preset_first = SAMPLERS[sampler_name]
    # Random search draws from one seed stream, the model-based samplers from another: their
    # random startup trials would otherwise repeat random search's first configs and share its
    # luck. The model-based samplers share theirs (common random numbers), so TPE variants
    # differ by their settings, not by their startup draws.
    stream = seed if settings["sampler"] == "random" else 1000 + seed
    sc = {**cfg["study"], **settings, **PRUNERS[pruner_name], "seed": stream}
    hparams = cfg["hparams"]
    # A fixed name: Hyperband assigns trials to brackets by a hash of the study's name.
    study = optuna.create_study(direction="maximize", sampler=make_sampler(sc),
                                pruner=make_pruner(sc), study_name=f"replay-{seed}")
    if preset_first:
        study.enqueue_trial(spaces.enqueue_params(sur.searched, hparams)[0])
    rng = random.Random(f"{seed}-noise")  # the same noise draws for every strategy
    used = {"epochs": 0, "steps": 0, "seconds": 0.0}
    trace: list[dict[str, Any]] = []
    best = -math.inf

    def objective(trial: optuna.Trial) -> float:
        curve, steps, seconds = sur.predict(spaces.suggest(trial, sur.searched, hparams))
        z = rng.gauss(0.0, 1.0)
        curve = [max(0.0, v + z * s) for v, s in zip(curve, sur.noise, strict=False)]
        trial.set_user_attr("full_best", max(curve))
        for epoch, value in enumerate(curve, start=1):
            used["epochs"] += 1
            used["steps"] += steps
            used["seconds"] += seconds
            trial.report(value, epoch)
            if epoch < len(curve) and trial.should_prune():
                trial.set_user_attr("saved", len(curve) - epoch)
                raise optuna.TrialPruned()
        return max(curve)

    def after(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        nonlocal best
        if trial.state == optuna.trial.TrialState.COMPLETE:
            best = max(best, trial.value)
        trace.append({**used, "best": best, "pruned": trial.state.name == "PRUNED",
                      "saved": trial.user_attrs.get("saved", 0),
                      "full_best": trial.user_attrs["full_best"]})

    study.optimize(objective, n_trials=n_trials, callbacks=[after])
    return {"sampler": sampler_name, "pruner": pruner_name, "seed": seed, "trace": trace}


def at_budget(run: Mapping[str, Any], n_trials: int) -> dict[str, Any]:
    """The figures of a replay's first `n_trials` trials."""
    trace = run["trace"][:n_trials]
    last = trace[-1]
    pruned = [t for t in trace if t["pruned"]]
    return {"trace": trace, "final_best": last["best"], "epochs": last["epochs"],
            "steps": last["steps"], "seconds": last["seconds"], "pruned": len(pruned),
            "saved_epochs": sum(t["saved"] for t in trace),
            # A pruned trial whose full curve would have beaten the study's final best.
            "killed_winner": any(t["full_best"] > last["best"] + 1e-12 for t in pruned)}


def cost_to_reach(trace: Sequence[Mapping[str, Any]], target: float, unit: str) -> float:
    for point in trace:
        if point["best"] >= target - 1e-12:
            return point[unit]
    return math.inf


_SUR: wsurrogate.Surrogate | None = None
_CFG: Mapping[str, Any] = {}


def _init(sur: wsurrogate.Surrogate, cfg: Mapping[str, Any]) -> None:
    global _SUR, _CFG
    _SUR, _CFG = sur, cfg
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    import torch  # GP's; one thread per replaying process

    torch.set_num_threads(1)


def _job(args: tuple[str, str, int, int]) -> dict[str, Any]:
    assert _SUR is not None
    return replay(_SUR, _CFG, *args)


def summarise(runs: Sequence[Mapping[str, Any]], budget: int,
              strategies: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per strategy ("sampler/pruner") at `budget` trials, against random with the same seed."""
    by = {(r["sampler"], r["pruner"], r["seed"]): r for r in runs}
    seeds = sorted({r["seed"] for r in runs})
    base = {s: at_budget(by[("random", "none", s)], budget) for s in seeds}
    out: dict[str, dict[str, Any]] = {}
    for name in strategies:
        sampler, pruner = name.split("/")
        mine = {s: at_budget(by[(sampler, pruner, s)], budget) for s in seeds}
        unpruned = {s: at_budget(by[(sampler, "none", s)], budget) for s in seeds}
        fractions = {u: [cost_to_reach(mine[s]["trace"], base[s]["final_best"], u) / base[s][u]
                         for s in seeds] for u in ("epochs", "steps", "seconds")}
        full = [m["epochs"] + m["saved_epochs"] for m in mine.values()]
        out[name] = {
            "final_best": spread([m["final_best"] for m in mine.values()]),
            "final_best_vs_random": spread([mine[s]["final_best"] - base[s]["final_best"]
                                            for s in seeds]),
            "fraction_of_random": {u: spread(v) for u, v in fractions.items()},
            "reached": sum(math.isfinite(f) for f in fractions["steps"]),
            "compute": {u: spread([m[u] for m in mine.values()])
                        for u in ("epochs", "steps", "seconds")},
            "epochs_saved": spread([m["saved_epochs"] / f for m, f in
                                    zip(mine.values(), full, strict=True)]),
            "pruned_trials": spread([m["pruned"] for m in mine.values()]),
            "final_best_changed_by_pruning": sum(
                abs(mine[s]["final_best"] - unpruned[s]["final_best"]) > 1e-12 for s in seeds),
            "killed_winner_seeds": sum(m["killed_winner"] for m in mine.values()),
        }
    return out


MAX_CHANGED_BY_PRUNING = 2  # seeds of 20 where a pruner may change the final best


def recommend(summary: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The rule the default is chosen by: among strategies other than random search whose
    pruner changed the final best in at most MAX_CHANGED_BY_PRUNING seeds, the one reaching
    random's final best in the most seeds, then with the least median fraction of random's
    steps, then with the most epochs saved."""
    def key(name: str) -> tuple[float, float, float]:
        s = summary[name]
        frac = s["fraction_of_random"]["steps"]["median"]
        return (-s["reached"], math.inf if frac is None else frac,
                -(s["epochs_saved"]["median"] or 0.0))

    allowed = [n for n, s in summary.items() if not n.startswith("random")
               and s["final_best_changed_by_pruning"] <= MAX_CHANGED_BY_PRUNING]
    return min(allowed, key=key) if allowed else None


def bench_search(size: Mapping[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """Fit the surrogate on the committed table, replay every strategy, summarise at the
    default budget and at twice it."""
    path = size.get("search_table") or wtable.TABLE
    table = wtable.read(path)
    if len(table["rows"]) < 10:
        raise RuntimeError(f"the search table {paths.shown(path)} has {len(table['rows'])} "
                           "configs; build it with `python -m benchmarks.table` (its docstring)")
    cfg = bench_config({})
    searched = wtable.searched_params(cfg)
    sur = wsurrogate.fit(table, searched)
    log(f"  surrogate: {sur.model_name} on {len(table['rows'])} configs, held-out RMSE of the "
        f"best {sur.held_out[sur.model_name]['rmse_best']:.2f}; seed noise "
        + ", ".join(f"{s:.2f}" for s in sur.noise))
    budget = size.get("search_budget") or cfg["study"]["n_trials"]
    seeds = list(range(size["replay_seeds"]))
    samplers = size.get("search_samplers") or list(SAMPLERS)
    pruners = size.get("search_pruners") or list(PRUNERS)
    pairs = [(s, p) for s in samplers for p in pruners]
    for must in (("random", "none"), tuple(default_strategy(cfg).split("/"))):
        if must not in pairs:
            pairs.insert(0, must)
    def length(sampler: str, pruner: str) -> int:
        return budget if sampler == "gp" and pruner not in LONG_GP_PRUNERS else 2 * budget

    jobs = [(s, p, seed, length(s, p)) for s, p in pairs for seed in seeds]
    jobs.sort(key=lambda j: j[0] != "gp")  # the slow ones first, so both processes end together
    procs = max(1, min(os.cpu_count() or 1, size.get("search_processes") or 64))
    with mp.get_context("fork").Pool(procs, _init, (sur, cfg)) as pool:
        runs = pool.map(_job, jobs, chunksize=1)
    names = [f"{s}/{p}" for s, p in pairs]
    default = default_strategy(cfg)
    rows = table["rows"]
    bests = [max(r["curve"]) for r in rows]
    return {
        "table": {"configs": len(rows), "noise_runs": len(table["noise"]),
                  "file": paths.shown(path),
                  "built": table["header"].get("started"),
                  "machine": table["header"].get("machine", {}).get("cpu_model"),
                  "epochs": max(len(r["curve"]) for r in rows),
                  "best_in_table": max(bests), "healthy_configs": sum(b > 0 for b in bests),
                  "train_seconds_total": round(sum(r["wall_seconds"] for r in rows)
                                               + sum(r["wall_seconds"] for r in table["noise"]))},
        "surrogate": {"model": sur.model_name, "held_out": sur.held_out, "folds":
                      wsurrogate.FOLDS, "seed_noise_per_epoch": sur.noise},
        "signal": {"configs": spread(bests),
                   "config_std": _std(bests),
                   "seed_std_best": wsurrogate.pooled_std(
                       [[max(c) for c in curves] for curves in wsurrogate.seed_groups(table)])},
        "seeds": seeds, "budget": budget, "default_strategy": default,
        "seed_strategy": SEED_STRATEGY,
        "at_budget": (at_default := summarise(runs, budget, names)),
        "recommended": recommend(at_default),
        "at_2x_budget": summarise(runs, 2 * budget,
                                  [n for n in names if length(*n.split("/")) == 2 * budget]),
        "not_at_2x_budget": [n for n in names if length(*n.split("/")) < 2 * budget],
        "goal": GOALS["search_fraction_of_random"],
        "curves": {n: [[(p["steps"], p["best"]) for p in r["trace"][:budget]]
                       for r in runs if f"{r['sampler']}/{r['pruner']}" == n]
                   for n in names},
    }


def _std(values: Sequence[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0
