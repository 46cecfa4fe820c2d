"""Search: what a study returns, measured as an HPO researcher would.

Strategies (sampler x pruner x how the returned config is chosen) are replayed on a world made
from the committed table of real tiny-bart training runs (`benchmarks/table.py`): the surrogate
(`benchmarks/surrogate.py`, a regression model of the table) or, as a surrogate-free check, the
table's own rows (`surrogate.TableWorld`). A replayed trial observes its config's noise-free
curve plus one draw of the measured seed noise, as a real trial does; the study returns the
config a user would get. Every figure is about that config's **true value** (its noise-free
best epoch), beside the best observation the study reports and the optimism between them.

- Blocks of seeds: the default is chosen by a stated rule (`choose`) on the selection block;
  every headline figure comes from the disjoint evaluation block, run after the choice.
- Budgets: 12, 24, 48 and 96 trainings in all (a confirmation stage's runs included), against
  random search with the same seed: paired differences with bootstrap 95 % CIs and sign counts.
- The heavy run writes `benchmarks/data/search-study.json` (committed):

      .venv/bin/python -m benchmarks.search --block selection   # then --block evaluation

  `make bench` reports that file and replays a few of its studies again to show they reproduce.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import random
import statistics
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import optuna

from benchmarks import surrogate as wsurrogate
from benchmarks import table as wtable
from benchmarks.common import GOALS, bench_resolve
from workbench import paths, spaces
from workbench.study.samplers import make_pruner, make_sampler

STUDY = Path(__file__).parent / "data" / "search-study.json"
BUDGETS = (12, 24, 48, 96)
SELECTION_SEEDS = tuple(range(0, 30))
EVALUATION_SEEDS = tuple(range(200, 260))  # never looked at before the choice is made

# Samplers as the workbench builds them (`make_sampler`) from these `study.sampler` settings
# over the default preset's: (settings, whether trial 0 is the preset's config, as the workbench
# queues it). Constant liar only changes what parallel workers sample; these replays are
# sequential.
SAMPLERS: dict[str, tuple[dict[str, Any], bool]] = {
    "random": ({"name": "random"}, False),
    "random+preset": ({"name": "random"}, True),
    # The reference's TPE: 10 random startup trials, independent params.
    "tpe-reference": ({"name": "tpe", "n_startup_trials": 10, "multivariate": False,
                  "n_ei_candidates": 24}, True),
    "tpe-mv5": ({"name": "tpe", "n_startup_trials": 5, "multivariate": True,
                 "n_ei_candidates": 24}, True),
    "tpe-tuned": ({"name": "tpe", "n_startup_trials": 5, "multivariate": True,
                   "n_ei_candidates": 64}, True),
    "gp": ({"name": "gp"}, True),
}
# Pruners from these `study.pruner` settings over the default preset's.
PRUNERS: dict[str, dict[str, Any]] = {
    "none": {"name": "none"},
    # The reference's: from epoch 3 on, which with 3 epochs never prunes (the study
    # never prunes a last epoch).
    "median-reference": {"name": "median", "n_startup_trials": 5, "n_warmup_steps": 3},
    "median-w2": {"name": "median", "n_startup_trials": 3, "n_warmup_steps": 2},
    "median-w1": {"name": "median", "n_startup_trials": 3, "n_warmup_steps": 1},
    "successive-halving": {"name": "successive_halving", "min_resource": 1,
                           "reduction_factor": 3},
}
# How the returned config is chosen: the best observation (what a study does without
# `study.confirm_top_k`), or the top-k configs trained again with s fresh seeds each and the
# best mean returned. The confirmation runs count in the budget.
CONFIRMS: dict[str, tuple[int, int] | None] = {
    "best": None, "top2x1": (2, 1), "top3x1": (3, 1), "top2x2": (2, 2), "top3x2": (3, 2)}
# GP's acquisition search costs seconds per trial from the 10th on: replayed to 24 trials.
GP_TRIALS = 24
REFERENCE_STRATEGY = "tpe-reference/median-reference/best"  # what the reference runs
BASELINE = "random/none/best"  # what every strategy is measured against


def pairs() -> list[tuple[str, str]]:
    """The (sampler, pruner) studies replayed."""
    out = [(s, p) for s in SAMPLERS if s != "gp"
           for p in ("none", "median-w2", "median-w1", "successive-halving")]
    return [*out, ("tpe-reference", "median-reference"), ("gp", "none")]


def trials_for(sampler: str) -> int:
    return GP_TRIALS if sampler == "gp" else max(BUDGETS)


def default_strategy(cfg: Mapping[str, Any]) -> str:
    """The grid's name ("sampler/pruner/returned") for the default preset's own settings."""
    sc = cfg["study"]

    def same(settings: Mapping[str, Any], part: str) -> bool:
        return all(sc[part][k] == v for k, v in settings.items())

    sampler = next((n for n, (st, first) in SAMPLERS.items()
                    if first and same(st, "sampler")), None)
    pruner = next((n for n, st in PRUNERS.items() if same(st, "pruner")), None)
    top_k, seeds = sc.get("confirm_top_k", 0), sc.get("confirm_seeds", 0)
    confirm = next((n for n, c in CONFIRMS.items()
                    if (c is None and top_k == 0) or c == (top_k, seeds)), None)
    if None in (sampler, pruner, confirm):
        raise RuntimeError("the default preset's sampler, pruner or confirmation settings are "
                           "not in the benchmark's grid (benchmarks/search.py SAMPLERS, PRUNERS, "
                           "CONFIRMS): add them")
    return f"{sampler}/{pruner}/{confirm}"


# --------------------------------------------------------------------------- one study


def params_key(params: Mapping[str, Any]) -> int:
    return zlib.crc32(json.dumps(params, sort_keys=True, default=str).encode())


def replay(world: Any, cfg: Mapping[str, Any], sampler_name: str, pruner_name: str, seed: int,
           n_trials: int, keep_params: bool = False) -> dict[str, Any]:
    """One study in `world`: each trial's true curve plus one draw of seed noise is reported
    epoch by epoch; the last epoch is never pruned (as in the workbench). Returns per trial
    the cumulative compute when it ended, what it observed and its config's true curve."""
    settings, preset_first = SAMPLERS[sampler_name]
    # Random search draws from one seed stream, the model-based samplers from another: their
    # random startup trials would otherwise repeat random search's first configs and share its
    # luck. The model-based samplers share theirs (common random numbers).
    stream = seed if settings["name"] == "random" else 1000 + seed
    sc = {**cfg["study"], "sampler": {**cfg["study"]["sampler"], **settings},
          "pruner": {**cfg["study"]["pruner"], **PRUNERS[pruner_name]}, "seed": stream}
    hparams = cfg["hparams"]
    # A fixed name: Hyperband assigns trials to brackets by a hash of the study's name.
    study = optuna.create_study(direction="maximize", sampler=make_sampler(sc),
                                pruner=make_pruner(sc), study_name=f"replay-{seed}")
    if preset_first:
        study.enqueue_trial(spaces.enqueue_params(world.searched, hparams)[0])
    rng = random.Random(f"{seed}-noise")  # the same noise draws for every strategy
    used = {"epochs": 0, "steps": 0, "seconds": 0.0}
    trace: list[dict[str, Any]] = []

    def objective(trial: optuna.Trial) -> float:
        params = spaces.suggest(trial, world.searched, hparams)
        truth, steps, seconds = world.predict(params)
        z = rng.gauss(0.0, 1.0)
        curve = [max(0.0, v + z * s) for v, s in zip(truth, world.noise, strict=False)]
        entry = {"true": max(truth), "curve": [round(v, 4) for v in truth],
                 "spe": steps, "sec": seconds, "key": params_key(params), "saved": 0}
        if keep_params:
            entry["params"] = params
        trial.set_user_attr("entry", entry)
        for epoch, value in enumerate(curve, start=1):
            used["epochs"] += 1
            used["steps"] += steps
            used["seconds"] += seconds
            trial.report(value, epoch)
            if epoch < len(curve) and trial.should_prune():
                entry["saved"] = len(curve) - epoch
                raise optuna.TrialPruned()
        return max(curve)

    def after(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        done = trial.state == optuna.trial.TrialState.COMPLETE
        trace.append({**trial.user_attrs["entry"], **used,
                      "value": trial.value if done else None})

    study.optimize(objective, n_trials=n_trials, callbacks=[after])
    return {"sampler": sampler_name, "pruner": pruner_name, "seed": seed, "trace": trace}


def returned(trace: Sequence[Mapping[str, Any]], budget: int, confirm: str, seed: int,
             noise: Sequence[float]) -> dict[str, Any] | None:
    """The config a study of `budget` trainings returns, its true value, the score it reports
    and the compute it spent. `confirm` "best": the best observation of `budget` trials;
    "topKxS": `budget - K*S` trials, then the top K configs trained again with S fresh seeds
    each and the best mean returned (`study.confirm_top_k`). None when too few trials."""
    rule = CONFIRMS[confirm]
    k, s = rule or (0, 0)
    search = trace[:budget - k * s]
    if len(search) < budget - k * s or not search:
        return None
    last = search[-1]
    spent = {u: last[u] for u in ("steps", "epochs", "seconds")}
    done = [(i, t) for i, t in enumerate(search) if t["value"] is not None]
    if not done:
        return None
    best_i, best = max(done, key=lambda it: it[1]["value"])  # the first of equal values
    if rule is None:
        return {"index": best_i, "true": best["true"], "reported": best["value"],
                "best_observed": best["value"], **spent}
    firsts: dict[int, tuple[int, Mapping[str, Any]]] = {}
    for i, t in sorted(done, key=lambda it: -it[1]["value"]):
        firsts.setdefault(t["key"], (i, t))
    means = []
    for i, t in list(firsts.values())[:k]:
        runs = [t["value"]]
        for j in range(s):  # a fresh trial seed: a new draw of the seed noise
            z = random.Random(f"{seed}-confirm-{i}-{j}").gauss(0.0, 1.0)
            runs.append(max(max(0.0, v + z * n) for v, n in zip(t["curve"], noise,
                                                                 strict=False)))
            epochs = len(t["curve"])
            spent["epochs"] += epochs
            spent["steps"] += epochs * t["spe"]
            spent["seconds"] += epochs * t["sec"]
        means.append((statistics.fmean(runs), i, t))
    mean, chosen_i, chosen = max(means, key=lambda m: m[0])
    return {"index": chosen_i, "true": chosen["true"], "reported": mean,
            "best_observed": best["value"], **spent}


def anytime(trace: Sequence[Mapping[str, Any]]) -> list[tuple[int, float]]:
    """(cumulative steps, true value of the returned config) after each trial."""
    out, best_value, best_true = [], -math.inf, math.nan
    for t in trace:
        if t["value"] is not None and t["value"] > best_value:
            best_value, best_true = t["value"], t["true"]
        out.append((t["steps"], best_true))
    return out


# --------------------------------------------------------------------------- statistics


def mean_ci(values: Sequence[float], resamples: int = 2000) -> dict[str, Any]:
    """Mean with a percentile-bootstrap 95 % CI (fixed resampling seed), and the count."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if len(v) == 0:
        return {"mean": None, "low": None, "high": None, "n": 0}
    idx = np.random.default_rng(0).integers(0, len(v), size=(resamples, len(v)))
    means = v[idx].mean(axis=1)
    return {"mean": round(float(v.mean()), 4), "low": round(float(np.quantile(means, 0.025)), 4),
            "high": round(float(np.quantile(means, 0.975)), 4), "n": int(len(v))}


def signs(diffs: Sequence[float], tol: float = 1e-9) -> dict[str, int]:
    return {"wins": sum(d > tol for d in diffs), "ties": sum(abs(d) <= tol for d in diffs),
            "losses": sum(d < -tol for d in diffs)}


def names(sampler_pruners: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{s}/{p}/{c}" for s, p in sampler_pruners for c in CONFIRMS]


def summarise(runs: Sequence[Mapping[str, Any]], budget: int, noise: Sequence[float],
              strategies: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per strategy at `budget` trainings, over the runs' seeds, against random search with
    the same seed: true value, the score it reports, optimism, compute, pruning's effect."""
    by = {(r["sampler"], r["pruner"], r["seed"]): r["trace"] for r in runs}
    seeds = sorted({r["seed"] for r in runs})
    ref = {s: returned(by[("random", "none", s)], budget, "best", s, noise) for s in seeds}
    base = {s: anytime(by[("random", "none", s)][:budget]) for s in seeds}
    out: dict[str, dict[str, Any]] = {}
    for name in strategies or names({(k[0], k[1]) for k in by}):
        sampler, pruner, confirm = name.split("/")
        if (sampler, pruner, seeds[0]) not in by:
            continue
        got = {s: returned(by[(sampler, pruner, s)], budget, confirm, s, noise) for s in seeds}
        if any(g is None for g in got.values()):
            continue  # not replayed that long
        diffs = [got[s]["true"] - ref[s]["true"] for s in seeds]
        entry: dict[str, Any] = {
            "_true": [got[s]["true"] for s in seeds],  # per seed, for `choose` (not written)
            "true": mean_ci([g["true"] for g in got.values()]),
            "true_vs_random": {**mean_ci(diffs), **signs(diffs)},
            "reported": mean_ci([g["reported"] for g in got.values()]),
            "optimism": mean_ci([g["reported"] - g["true"] for g in got.values()]),
            "steps": mean_ci([g["steps"] for g in got.values()]),
            "steps_vs_random": mean_ci([g["steps"] / ref[s]["steps"] for s, g in got.items()]),
        }
        if confirm == "best":  # compute to reach random's final true value
            fractions = []
            for s in seeds:
                reach = next((st for st, tv in anytime(by[(sampler, pruner, s)][:budget])
                              if tv >= ref[s]["true"] - 1e-9), math.inf)
                fractions.append(reach / base[s][-1][0])
            finite = [f for f in fractions if math.isfinite(f)]
            entry["reach"] = {"reached": len(finite), "n": len(seeds),
                              "median_fraction": (round(statistics.median(fractions), 4)
                                                  if len(finite) * 2 > len(seeds) else None),
                              "within_third": sum(f <= 1 / 3 + 1e-9 for f in fractions)}
        if pruner != "none" and (sampler, "none", seeds[0]) in by:
            plain = {s: returned(by[(sampler, "none", s)], budget, confirm, s, noise)
                     for s in seeds}
            lost = [got[s]["true"] - plain[s]["true"] for s in seeds]
            entry["pruning"] = {"true_vs_unpruned": {**mean_ci(lost), **signs(lost)},
                                "steps_saved": mean_ci([1 - got[s]["steps"] / plain[s]["steps"]
                                                        for s in seeds])}
        out[name] = entry
    return out


def complexity(name: str) -> tuple[int, int, int]:
    """Simpler strategies first: random < random+preset < TPE < GP; no pruner < a pruner;
    the best observation < a confirmation stage (then fewer confirmation runs)."""
    sampler, pruner, confirm = name.split("/")
    order = ["random", "random+preset", "tpe-tuned", "tpe-mv5", "tpe-reference", "gp"]
    k, s = CONFIRMS[confirm] or (0, 0)
    return (order.index(sampler), pruner != "none", k * s)


def choose(summary: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The rule the default is chosen by, at one budget, stated before the evaluation block
    was run: the leader is the strategy with the highest mean true value of the returned
    config; a strategy is tied with it when the mean of their difference over the block's
    seeds is within 2 standard errors of 0 (paired); among the tied, the simplest
    (`complexity`) wins. Random search is a candidate like any other."""
    leader = max(summary, key=lambda n: summary[n]["true"]["mean"])
    tied = [leader]
    for name in summary:
        if name == leader:
            continue
        d = np.asarray(summary[leader]["_true"]) - np.asarray(summary[name]["_true"])
        se = d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else math.inf
        if d.mean() <= 2 * se:
            tied.append(name)
    chosen = min(tied, key=lambda n: (complexity(n), -summary[n]["true"]["mean"]))
    return {"leader": leader, "tied": sorted(tied, key=complexity), "chosen": chosen}


def curves(runs: Sequence[Mapping[str, Any]], strategies: Sequence[str],
           trials: int) -> dict[str, dict[str, Any]]:
    """Anytime curves over the runs' seeds: the true value of the returned config after each
    trial (quartiles), and against cumulative optimizer steps on a common grid."""
    out: dict[str, dict[str, Any]] = {}
    by: dict[str, list[list[tuple[int, float]]]] = {}
    for r in runs:
        name = f"{r['sampler']}/{r['pruner']}/best"
        if name in strategies:
            by.setdefault(name, []).append(anytime(r["trace"][:trials]))
    ends = [c[-1][0] for cs in by.values() for c in cs if c]
    grid = [round(max(ends) * i / 60) for i in range(1, 61)] if ends else []

    def quartiles(values: Sequence[float]) -> list[float] | None:
        v = [x for x in values if not math.isnan(x)]
        if len(v) * 2 < len(values):
            return None
        return [round(float(np.quantile(v, q)), 3) for q in (0.25, 0.5, 0.75)]

    for name, cs in by.items():
        out[name] = {
            "by_trial": [quartiles([c[i][1] for c in cs if len(c) > i])
                         for i in range(max(len(c) for c in cs))],
            "steps": grid,
            "by_steps": [quartiles([next((tv for st, tv in reversed(c) if st <= x), math.nan)
                                    for c in cs]) for x in grid]}
    return out


# --------------------------------------------------------------------------- the heavy run

_WORLD: Any = None
_CFG: Mapping[str, Any] = {}


def _init(world: Any, cfg: Mapping[str, Any]) -> None:
    global _WORLD, _CFG
    _WORLD, _CFG = world, cfg
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    import torch  # GP's; one thread per replaying process

    torch.set_num_threads(1)


def _job(args: tuple[str, str, int, int, bool]) -> dict[str, Any]:
    return replay(_WORLD, _CFG, *args)


def replay_all(world: Any, cfg: Mapping[str, Any], jobs: Sequence[tuple[str, str, int, int]],
               processes: int | None = None, keep_params: bool = False,
               log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run replays (sampler, pruner, seed, n_trials) in worker processes, slow ones first."""
    ordered = sorted(jobs, key=lambda j: (j[0] != "gp", -j[3]))
    procs = max(1, min(os.cpu_count() or 1, processes or 64, len(ordered)))
    out = []
    started = time.perf_counter()
    with mp.get_context("fork").Pool(procs, _init, (world, cfg)) as pool:
        for i, run in enumerate(pool.imap_unordered(
                _job, [(*j, keep_params) for j in ordered], chunksize=1), start=1):
            out.append(run)
            if i % max(1, len(ordered) // 10) == 0 or i == len(ordered):
                log(f"  replays: {i}/{len(ordered)} ({time.perf_counter() - started:.0f} s)")
    return out


def fit_world(path: Path | None = None) -> tuple[dict[str, Any], wsurrogate.Surrogate]:
    table = wtable.read(path or wtable.TABLE)
    if len(table["rows"]) < 10:
        raise RuntimeError(f"the search table {paths.shown(path or wtable.TABLE)} has "
                           f"{len(table['rows'])} configs; build it with `python -m "
                           "benchmarks.table` (its docstring)")
    return table, wsurrogate.fit(table, bench_resolve({}).searched)


def block(world: Any, cfg: Mapping[str, Any], seeds: Sequence[int],
          processes: int | None = None, log: Callable[[str], None] = print
          ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Replay every (sampler, pruner) on `seeds`; summarise each budget."""
    jobs = [(s, p, seed, trials_for(s)) for s, p in pairs() for seed in seeds]
    runs = replay_all(world, cfg, jobs, processes, log=log)
    budgets = {}
    for b in BUDGETS:
        budgets[str(b)] = summarise(runs, b, world.noise)
    return runs, budgets


def public(budgets: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The summaries without their per-seed lists."""
    return {b: {n: {k: v for k, v in e.items() if not k.startswith("_")} for n, e in s.items()}
            for b, s in budgets.items()}


def grow(world: Any, cfg: Mapping[str, Any], limit: int, seeds: Sequence[int] = (1, 2),
         processes: int | None = None) -> list[int]:
    """Plan into the table the configs that studies on the selection block return (TPE at 48
    and 24 trials, then random search), most often returned first: where the samplers go is
    where the surrogate must be right. `python -m benchmarks.table` then trains them."""
    strategies = [("tpe-tuned", "none", 48), ("tpe-mv5", "median-w2", 48),
                  ("tpe-tuned", "none", 24), ("random", "none", 48)]
    jobs = [(s, p, seed, n) for s, p, n in strategies for seed in SELECTION_SEEDS]
    runs = replay_all(world, cfg, jobs, processes, keep_params=True)
    found: dict[int, dict[str, Any]] = {}
    for s, p, n in strategies:
        for r in runs:
            if (r["sampler"], r["pruner"], len(r["trace"])) != (s, p, n):
                continue
            got = returned(r["trace"], n, "best", r["seed"], world.noise)
            t = r["trace"][got["index"]]
            entry = found.setdefault(t["key"], {"params": t["params"], "why": [], "count": 0})
            entry["count"] += 1
            entry["why"].append(f"{s}/{p} seed {r['seed']} at {n}")
    ranked = sorted(found.values(), key=lambda e: -e["count"])[:limit]
    return wtable.grow([e["params"] for e in ranked], seeds,
                       ["returned by " + "; ".join(e["why"][:3]) for e in ranked])


def run_block(name: str, path: Path = STUDY, processes: int | None = None,
              log: Callable[[str], None] = print) -> dict[str, Any]:
    """Replay the selection or the evaluation block and write it into `path`. The evaluation
    block reports the strategy the selection block chose at each budget, and refuses to run
    before the selection block's choice is written."""
    cfg = bench_resolve({}).config
    table, sur = fit_world()
    study = json.loads(path.read_text()) if path.exists() else {}
    seeds = SELECTION_SEEDS if name == "selection" else EVALUATION_SEEDS
    if name == "evaluation" and "selection" not in study:
        raise SystemExit("run --block selection first: the evaluation block reports what the "
                         "selection block chose")
    started = time.perf_counter()
    runs, budgets = block(sur, cfg, seeds, processes, log)
    out: dict[str, Any] = {"seeds": list(seeds), "budgets": public(budgets),
                           "minutes": round((time.perf_counter() - started) / 60, 1)}
    if name == "selection":
        out["choice"] = {b: choose(budgets[b]) for b in budgets}
    else:
        chosen = {b: c["chosen"] for b, c in study["selection"]["choice"].items()}
        shown = sorted({BASELINE, REFERENCE_STRATEGY, default_strategy(cfg), *chosen.values()})
        out["curves"] = curves(runs, [n for n in shown if n.endswith("/best")], max(BUDGETS))
        # The surrogate-free check: the same strategies on the table's own rows.
        tw = wsurrogate.TableWorld.of(table, sur.searched, sur.noise)
        keep = {tuple(n.split("/")[:2]) for n in shown} | {("random", "none")}
        jobs = [(s, p, seed, trials_for(s)) for s, p in sorted(keep) for seed in seeds]
        log("  the same strategies on the table's rows (nearest row, no surrogate) ...")
        tw_runs = replay_all(tw, cfg, jobs, processes, log=log)
        out["table_rows"] = public({str(b): summarise(tw_runs, b, tw.noise, shown)
                                    for b in BUDGETS})
        out["chosen"] = chosen
        # Two studies kept whole, so `make bench` can show that they replay to the same trace.
        out["spot_check"] = [r for r in runs if r["seed"] == seeds[0]
                             and (r["sampler"], r["pruner"]) in {("random", "none"),
                                                                 ("tpe-tuned", "median-w2")}]
    study[name] = out
    study["world"] = world_fields(table, sur)
    study["written"] = time.strftime("%Y-%m-%d %H:%M:%S")
    path.write_text(json.dumps(study, indent=None, separators=(",", ":")) + "\n")
    log(f"wrote {paths.shown(path)} ({name} block, {out['minutes']} min)")
    return out


def incumbents_check(table: Mapping[str, Any], searched: list[spaces.Param]
                     ) -> dict[str, Any] | None:
    """The true value the benchmark gives a returned config, checked against real training: a
    surrogate fitted on the drawn configs alone predicts the planned ones (the configs the
    replayed studies returned), whose real value is their mean over the seeds they were
    trained with."""
    planned = {p["id"] for p in table["plans"]}
    if not planned:
        return None
    drawn = {**table, "rows": [r for r in table["rows"] if r["id"] not in planned]}
    sur = wsurrogate.fit(drawn, searched, model_name="random_forest")
    runs: dict[int, list[float]] = {}
    for r in [*table["rows"], *table["noise"]]:
        if r["id"] in planned:
            runs.setdefault(r["id"], []).append(max(r["curve"]))
    ids = sorted(runs)
    real = [statistics.fmean(runs[i]) for i in ids]
    params = {p["id"]: p["params"] for p in table["plans"]}
    pred = [max(sur.predict(params[i])[0]) for i in ids]
    diff = [p - r for p, r in zip(pred, real, strict=True)]
    return {"configs": len(ids), "seeds_each": min(len(v) for v in runs.values()),
            "predicted_mean": round(statistics.fmean(pred), 3),
            "real_mean": round(statistics.fmean(real), 3),
            "bias": round(statistics.fmean(diff), 3),
            "rmse": round(math.sqrt(statistics.fmean([d * d for d in diff])), 3)}


def world_fields(table: Mapping[str, Any], sur: wsurrogate.Surrogate) -> dict[str, Any]:
    """What the replays' world was made from: the table, the surrogate and its calibration."""
    planned = {p["id"] for p in table["plans"]}
    drawn = [r for r in table["rows"] if r["id"] not in planned]
    bests = [max(r["curve"]) for r in drawn]
    groups = wsurrogate.seed_groups(table)
    return {
        "table": {"configs": len(table["rows"]), "drawn": len(drawn),
                  "planned": len(table["rows"]) - len(drawn), "noise_runs": len(table["noise"]),
                  "configs_with_3_seeds": sum(len(g) >= 3 for g in groups),
                  "built": table["header"].get("started"),
                  "machine": table["header"].get("machine", {}).get("cpu_model"),
                  "epochs": max(len(r["curve"]) for r in table["rows"]),
                  "best_drawn": max(bests), "healthy_drawn": sum(b > 0 for b in bests),
                  "drawn_spread": {"min": min(bests), "median": statistics.median(bests),
                                   "max": max(bests), "std": statistics.stdev(bests)},
                  "best_in_table": max(max(r["curve"]) for r in table["rows"]),
                  "train_hours": round((sum(r["wall_seconds"] for r in table["rows"])
                                        + sum(r["wall_seconds"] for r in table["noise"]))
                                       / 3600, 2)},
        "surrogate": {"model": sur.model_name, "held_out": sur.held_out,
                      "folds": wsurrogate.FOLDS, "seed_noise_per_epoch": sur.noise,
                      "seed_std_best": wsurrogate.pooled_std([[max(c) for c in g]
                                                              for g in groups]),
                      "highest_prediction": sur.highest_prediction,
                      "incumbents_check": incumbents_check(table, sur.searched)},
    }


# --------------------------------------------------------------------------- make bench


def bench_search(size: Mapping[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """The committed study (selection and evaluation blocks), and a few of its studies replayed
    again here to show that they reproduce. Quick mode replays a small live block instead of
    reading the committed file (it proves the code runs, it measures nothing)."""
    cfg = bench_resolve({}).config
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # replays here: no line per trial
    if size.get("search_live"):
        table, sur = fit_world(size.get("search_table"))
        seeds = list(range(size["replay_seeds"]))
        jobs = [(s, p, seed, size["search_trials"]) for s, p in size["search_pairs"]
                for seed in seeds]
        runs = replay_all(sur, cfg, jobs, size.get("search_processes"), log=log)
        budgets = {}
        for b in (size["search_trials"] // 2, size["search_trials"]):
            budgets[str(b)] = summarise(runs, b, sur.noise)
        shown = [n for n in names(size["search_pairs"]) if n.endswith("/best")]
        evaluation = {"seeds": seeds, "budgets": public(budgets),
                      "curves": curves(runs, shown, size["search_trials"])}
        return {"live": True, "world": world_fields(table, sur),
                "selection": {"seeds": seeds, "budgets": public(budgets),
                              "choice": {b: choose(budgets[b]) for b in budgets}},
                "evaluation": evaluation, "default_strategy": default_strategy(cfg),
                "reference_strategy": REFERENCE_STRATEGY, "reproduced": None,
                "goal": GOALS["search"]}
    path = Path(size.get("search_study") or STUDY)
    if not path.exists():
        raise RuntimeError(f"{paths.shown(path)} is missing: run `python -m benchmarks.search "
                           "--block selection` and `--block evaluation` (its docstring)")
    study = json.loads(path.read_text())
    _, sur = fit_world()
    same = []
    for kept in study["evaluation"]["spot_check"]:
        again = replay(sur, cfg, kept["sampler"], kept["pruner"], kept["seed"],
                       len(kept["trace"]))
        same.append(all(abs(a["true"] - b["true"]) < 1e-6 and a["steps"] == b["steps"]
                        for a, b in zip(again["trace"], kept["trace"], strict=True)))
    log(f"  committed study {paths.shown(path)} (written {study['written']}); "
        f"{sum(same)}/{len(same)} spot-checked studies replay to the same trace")
    return {"live": False, "file": paths.shown(path), **study,
            "default_strategy": default_strategy(cfg), "reference_strategy": REFERENCE_STRATEGY,
            "reproduced": {"checked": len(same), "same": sum(same)}, "goal": GOALS["search"]}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--block", choices=("selection", "evaluation"))
    parser.add_argument("--grow", type=int, metavar="N",
                        help="plan the N configs the selection block's studies return most "
                             "often into the table (then build it: python -m benchmarks.table)")
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--out", type=Path, default=STUDY)
    args = parser.parse_args(argv)
    if args.grow:
        _, sur = fit_world()
        added = grow(sur, bench_resolve({}).config, args.grow, processes=args.processes)
        print(f"planned {len(added)} configs into {paths.shown(wtable.TABLE)}: ids {added}")
    if args.block:
        run_block(args.block, args.out, args.processes)


if __name__ == "__main__":
    main()
