"""Search: a tabular benchmark of real tiny-bart per-epoch dev curves (cached, extended across
runs), replayed with (a) the workbench default, (b) random search and (c) TPE without pruning;
what the pruner saves."""

from __future__ import annotations

import hashlib
import json
import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna

from benchmarks.common import CACHE_DIR, GOALS, PRESET, bench_config, spread
from workbench import augment, backends, paths, spaces
from workbench import data as wdata
from workbench.study.execution import free_memory
from workbench.study.samplers import make_pruner, make_sampler
from workbench.study.task import task_of

TABLE_VERSION = 2  # 2: guarded objective curves, diversity, seed repeats of the preset config


def _table_key(cfg: Mapping[str, Any]) -> str:
    """The table belongs to one task (model and its base, data, hyperparameters, space,
    objective and its guard): a changed default starts a new table."""
    text = json.dumps({"task": task_of(cfg), "version": TABLE_VERSION}, sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def sample_configs(config: Mapping[str, Any], searched: list[spaces.Param], k: int,
                   seed: int = 0) -> list[dict[str, Any]]:
    """Config 0 is the preset's; the rest are drawn at random from the real search space."""
    enq, _ = spaces.enqueue_params(searched, config["hparams"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    study.enqueue_trial(enq)
    out = []
    for _ in range(k):
        trial = study.ask()
        out.append(spaces.suggest(trial, searched, config["hparams"]))
        study.tell(trial, 0.0)
    return out


def build_table(size: Mapping[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """Real per-epoch dev curves of tiny-bart configs, cached and extended across runs."""
    caps = size["table_caps"]
    cfg = bench_config(caps)
    searched = spaces.select(spaces.load_space(cfg["search"]["space"]),
                             list(cfg["search"]["params"]))
    path = Path(size.get("cache_dir") or CACHE_DIR) / f"table-{_table_key(cfg)}.json"
    table = (json.loads(path.read_text()) if path.exists()
             else {"preset": PRESET, "caps": caps, "rows": [], "noise": []})
    wanted = sample_configs(cfg, searched, size["table_configs"])
    # The preset's config again with other trial seeds: the objective's seed-to-seed noise.
    repeats = [(wanted[0], seed) for seed in size["noise_seeds"]]
    configs = [("rows", i, sampled, None) for i, sampled in enumerate(wanted)]
    # The repeats come right after config 0, so a run that hits its time budget has them.
    jobs = configs[:1] + [("noise", i, sampled, seed)
                          for i, (sampled, seed) in enumerate(repeats)] + configs[1:]
    built_now, start = 0, time.perf_counter()
    runs: dict[int | None, tuple[Any, Any]] = {}
    for kind, i, sampled, seed in jobs:
        if i < len(table[kind]):
            continue
        if built_now >= 3 and time.perf_counter() - start > size["table_budget_s"]:
            break
        run_cfg = cfg if seed is None else {**cfg, "runtime": {**cfg["runtime"], "seed": seed}}
        if seed not in runs:  # a backend per trial seed (its model init and data order)
            splits = wdata.load_splits(run_cfg)
            runs[seed] = (splits, backends.make_backend(run_cfg, splits))
        splits, backend = runs[seed]
        hp = {**cfg["hparams"], **sampled}
        # The train split as the study's objective prepares it (augmented when hp says so).
        train, _ = augment.apply(splits["train"], hp, cfg)
        outcome = backend.train_and_evaluate(hp, train, None,
                                             paths.CACHE / "trials" / f"bench-{kind}-{i}")
        epochs = sorted(outcome.epoch_scores)
        steps = math.ceil(len(train) / (hp["batch_size"] * hp["gradient_accumulation_steps"]))
        figures = [outcome.epoch_scores[e] for e in epochs]
        table[kind].append({
            "id": i, "params": sampled, "seed": seed,
            "curve": [f["objective"] for f in figures],  # what the study optimizes (guarded)
            "rouge": [f["final"] for f in figures],
            "distinct": [f["distinct_share"] for f in figures],
            "steps_per_epoch": steps, "seconds_per_epoch": outcome.train_seconds / len(epochs)})
        built_now += 1
        which = f"config {i}" if seed is None else f"config 0 with trial seed {seed}"
        log(f"  table: {which} trained, best {max(table[kind][-1]['curve']):.3f}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(table, indent=1))
        free_memory()
    table["real_runs_now"] = built_now
    table["path"] = paths.shown(path)
    return table


def _std(values: Sequence[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def _encode(p: spaces.Param, value: Any) -> list[float]:
    """A config value as coordinates in [0, 1] (one-hot for categories, missing = 0.5)."""
    if p.type == "categorical":
        return [1.0 if spaces._same(value, c) else 0.0 for c in p.choices or ()]
    if value is None:
        return [0.5]
    lo, hi, v = float(p.low), float(p.high), float(value)
    if p.log:
        lo, hi, v = math.log(lo), math.log(hi), math.log(max(v, 1e-12))
    return [0.0 if hi == lo else (v - lo) / (hi - lo)]


def nearest(params: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
            searched: Sequence[spaces.Param]) -> Mapping[str, Any]:
    """The table row closest to a sampled config (Euclidean, on normalised coordinates)."""
    def coords(values: Mapping[str, Any]) -> list[float]:
        return [x for p in searched for x in _encode(p, values.get(p.name))]

    target = coords(params)
    return min(rows, key=lambda r: sum((a - b) ** 2 for a, b in
                                       zip(coords(r["params"]), target, strict=True)))


def replay(table: Mapping[str, Any], searched: list[spaces.Param], hparams: Mapping[str, Any],
           sampler: optuna.samplers.BaseSampler, pruner: optuna.pruners.BasePruner,
           n_trials: int, preset_first: bool) -> dict[str, Any]:
    """One study on the table: every sampled config is looked up, its curve reported epoch by
    epoch; returns best-so-far against cumulative epochs, steps and seconds."""
    rows = table["rows"]
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    if preset_first:
        study.enqueue_trial(spaces.enqueue_params(searched, hparams)[0])
    trace: list[dict[str, float]] = []
    used = {"epochs": 0, "steps": 0, "seconds": 0.0, "saved_epochs": 0, "pruned": 0}
    best = -math.inf

    def objective(trial: optuna.Trial) -> float:
        nonlocal best
        row = nearest(spaces.suggest(trial, searched, hparams), rows, searched)
        trial.set_user_attr("row", row["id"])
        seen = -math.inf
        for epoch, value in enumerate(row["curve"], start=1):
            used["epochs"] += 1
            used["steps"] += row["steps_per_epoch"]
            used["seconds"] += row["seconds_per_epoch"]
            seen = max(seen, value)
            best = max(best, value)
            trace.append({"epochs": used["epochs"], "steps": used["steps"],
                          "seconds": used["seconds"], "best": best})
            trial.report(value, epoch)
            if trial.should_prune():
                used["saved_epochs"] += len(row["curve"]) - epoch
                used["pruned"] += 1
                raise optuna.TrialPruned()
        return seen

    study.optimize(objective, n_trials=n_trials)
    return {"trace": trace, "final_best": best, **used,
            "distinct_rows": len({t.user_attrs["row"] for t in study.trials})}


def _cost_to_reach(trace: Sequence[Mapping[str, float]], target: float, unit: str) -> float:
    for point in trace:
        if point["best"] >= target - 1e-12:
            return point[unit]
    return math.inf


def bench_search(size: Mapping[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """Replay (a) default, (b) random, (c) TPE without pruning on the tabular benchmark."""
    table = build_table(size, log)
    cfg = bench_config(size["table_caps"])
    sc = cfg["study"]
    searched = spaces.select(spaces.load_space(cfg["search"]["space"]),
                             list(cfg["search"]["params"]))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    strategies = {
        "a_default": lambda s: (make_sampler({**sc, "seed": s}), make_pruner(sc), True),
        "b_random": lambda s: (optuna.samplers.RandomSampler(seed=s),
                               optuna.pruners.NopPruner(), False),
        "c_tpe_no_pruning": lambda s: (make_sampler({**sc, "seed": s}),
                                       optuna.pruners.NopPruner(), True),
    }
    seeds = list(range(size["replay_seeds"]))
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in strategies}
    for name, make in strategies.items():
        for s in seeds:
            sampler, pruner, first = make(s)
            runs[name].append(replay(table, searched, cfg["hparams"], sampler, pruner,
                                     size["replay_trials"], first))
    def fraction_of_random(name: str) -> dict[str, list[float]]:
        """Per seed: the compute `name` needed to reach (b)'s final best, over (b)'s."""
        out: dict[str, list[float]] = {"epochs": [], "steps": [], "seconds": []}
        for x, b in zip(runs[name], runs["b_random"], strict=True):
            for unit, vals in out.items():
                vals.append(_cost_to_reach(x["trace"], b["final_best"], unit) / b[unit])
        return out

    fractions = fraction_of_random("a_default")
    bests = [max(r["curve"]) for r in table["rows"]]
    same = [max(r["curve"]) for r in table["rows"][:1] + table["noise"]]
    c_fractions = fraction_of_random("c_tpe_no_pruning")
    a_runs, c_runs = runs["a_default"], runs["c_tpe_no_pruning"]
    saved = [r["saved_epochs"] / (r["epochs"] + r["saved_epochs"]) for r in a_runs]
    return {
        "lookup": ("nearest neighbour: each sampled config (from the real search space) is "
                   "mapped to the closest table row on normalised coordinates (log scale where "
                   "the space is log, one-hot categories)"),
        "c_definition": "(a) without the pruner: same TPE settings and trial 0 = preset",
        "sampler_settings": {k: sc[k] for k in ("sampler", "tpe_n_startup_trials",
                                                "tpe_n_ei_candidates", "median_n_startup_trials",
                                                "median_n_warmup_steps",
                                                "median_interval_steps")},
        "table": {"configs": len(table["rows"]), "real_runs_this_time": table["real_runs_now"],
                  "real_runs_total": len(table["rows"]), "caps": table["caps"],
                  "epochs_per_config": max((len(r["curve"]) for r in table["rows"]), default=0),
                  "best_in_table": max((max(r["curve"]) for r in table["rows"]), default=None),
                  "cache": table["path"]},
        "signal": {"configs": spread(bests), "config_std": _std(bests),
                   "preset_config_seeds": same, "seed_std": _std(same),
                   "std_ratio": _std(bests) / _std(same) if _std(same) else None,
                   "range_over_seed_std": ((max(bests) - min(bests)) / _std(same)
                                           if _std(same) and bests else None),
                   "healthy_configs": sum(b > 0 for b in bests),
                   "best_distinct": [max(r["distinct"]) for r in table["rows"]]},
        "seeds": seeds, "trials_per_study": size["replay_trials"],
        "final_best": {k: spread([r["final_best"] for r in v]) for k, v in runs.items()},
        "compute": {k: {u: spread([r[u] for r in v]) for u in ("epochs", "steps", "seconds")}
                    for k, v in runs.items()},
        "headline_fraction_of_random": {u: spread(v) for u, v in fractions.items()},
        "headline_reached": sum(math.isfinite(f) for f in fractions["steps"]),
        "c_fraction_of_random": {u: spread(v) for u, v in c_fractions.items()},
        "c_reached": sum(math.isfinite(f) for f in c_fractions["steps"]),
        "goal": GOALS["search_fraction_of_random"],
        "pruning": {"share_of_epochs_saved": spread(saved),
                    "pruned_trials": spread([r["pruned"] for r in a_runs]),
                    "final_best_changed_seeds": sum(
                        abs(a["final_best"] - c["final_best"]) > 1e-12
                        for a, c in zip(a_runs, c_runs, strict=True)),
                    "final_best_with_pruning": [a["final_best"] for a in a_runs],
                    "final_best_without_pruning": [c["final_best"] for c in c_runs]},
        "curves": {k: [[(p["steps"], p["best"]) for p in r["trace"]] for r in v]
                   for k, v in runs.items()},
    }
