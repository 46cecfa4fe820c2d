"""The search benchmark's table: real training runs of the embedded default (tiny-bart) on
configs drawn from its real search space, each with its per-epoch dev curve, its cost and its
diversity figures, plus a few configs trained again with other trial seeds (the noise).

Built once, resumably, and committed (`benchmarks/data/search-table.jsonl`), so `make bench`
replays strategies on it in minutes on any machine:

    .venv/bin/python -m benchmarks.table --configs 240 --workers 2

It grows where the samplers go: `grow` appends planned configs (a `plan` line each: the params,
the trial seeds to train them with, and why: e.g. the config a replayed study returned), and a
build trains every plan's runs as it trains the drawn configs (`python -m benchmarks.search
--grow` plans the replays' incumbents).

Each line is one JSON object: a header (what the table was built from), then one per run. A run
is appended as soon as it is done, under a file lock, so several worker processes share one
file and an interrupted build goes on where it stopped. The runs left when a build starts are
dealt round-robin to its workers, each training in its own folder; every job's config is fixed
by the build's seed, whatever the number of workers.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import multiprocessing as mp
import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna

from benchmarks.common import PRESET, bench_resolve, machine
from workbench import augment, backends, paths, spaces, validate
from workbench import data as wdata
from workbench.study.execution import free_memory
from workbench.study.task import task_of

TABLE = Path(__file__).parent / "data" / "search-table.jsonl"
SAMPLE_SEED = 0  # the configs drawn from the space
NOISE_CONFIGS = (0, 10, 20, 30, 40,  # trained again with each of NOISE_SEEDS as trial seed
                 145, 111, 2, 147)  # (added 2026-12-07: the median, the top decile and the top)
NOISE_SEEDS = (1, 2, 3)
DIVERSITY = ("distinct_share", "top_share", "length_ratio", "repetition")


def sample_configs(resolved: validate.Resolved, k: int, seed: int = SAMPLE_SEED) -> list[dict]:
    """Config 0 is the preset's; the rest are drawn at random from the real search space."""
    searched, hparams = resolved.searched, resolved.config["hparams"]
    enq, _ = spaces.enqueue_params(searched, hparams)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    study.enqueue_trial(enq)
    out = []
    for _ in range(k):
        trial = study.ask()
        out.append(spaces.suggest(trial, searched, hparams))
        study.tell(trial, 0.0)
    return out


def jobs(n_configs: int, plans: Sequence[Mapping[str, Any]] = ()
         ) -> list[tuple[str, int, int | None]]:
    """(kind, config id, trial seed): the first 50 configs, the noise repeats, the rest, then
    each planned config (its row, then its other seeds)."""
    rows = [("row", i, None) for i in range(n_configs)]
    noise = [("noise", i, s) for i in NOISE_CONFIGS if i < n_configs for s in NOISE_SEEDS]
    planned = [job for p in plans for job in
               [("row", p["id"], None)] + [("noise", p["id"], s) for s in p["seeds"]]]
    return rows[:50] + noise + rows[50:] + planned


def header(resolved: validate.Resolved, n_configs: int) -> dict[str, Any]:
    return {"kind": "header", "preset": PRESET, "task": task_of(resolved.config),
            "space": resolved.names, "sample_seed": SAMPLE_SEED,
            "configs_planned": n_configs, "noise_configs": list(NOISE_CONFIGS),
            "noise_seeds": list(NOISE_SEEDS), "machine": machine(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S")}


def read(path: Path = TABLE) -> dict[str, Any]:
    """The table: its header, its config rows (by id), its noise runs and its plans (configs
    added where the samplers went, by id)."""
    head: dict[str, Any] = {}
    rows: dict[int, dict[str, Any]] = {}
    noise: list[dict[str, Any]] = []
    plans: dict[int, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item["kind"] == "header":
                head = head or item
            elif item["kind"] == "row":
                rows[item["id"]] = item
            elif item["kind"] == "plan":
                plans[item["id"]] = item
            else:
                noise.append(item)
    return {"header": head, "rows": [rows[i] for i in sorted(rows)], "noise": noise,
            "plans": [plans[i] for i in sorted(plans)]}


def grow(configs: Sequence[Mapping[str, Any]], seeds: Sequence[int], why: Sequence[str],
         path: Path = TABLE) -> list[int]:
    """Plan `configs` into the table (new ids after the last; a config already there, drawn or
    planned, is not planned again) to be trained with the default seed and each of `seeds`.
    Returns the new plans' ids; `build` trains them."""
    table = read(path)
    if not table["header"]:
        raise RuntimeError(f"{paths.shown(path)} has no header: build the table first")
    known = [r["params"] for r in table["rows"]] + [p["params"] for p in table["plans"]]
    next_id = 1 + max([table["header"]["configs_planned"] - 1]
                      + [r["id"] for r in table["rows"]] + [p["id"] for p in table["plans"]])
    added = []
    for params, reason in zip(configs, why, strict=True):
        if dict(params) in known:
            continue
        known.append(dict(params))
        _append(path, {"kind": "plan", "id": next_id, "params": dict(params),
                       "seeds": list(seeds), "why": reason})
        added.append(next_id)
        next_id += 1
    return added


def _done(path: Path) -> set[tuple[str, int, int | None]]:
    t = read(path)
    return ({("row", r["id"], None) for r in t["rows"]}
            | {("noise", r["id"], r["seed"]) for r in t["noise"]})


def _append(path: Path, item: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(json.dumps(item, separators=(",", ":")) + "\n")
        f.flush()
        fcntl.flock(f, fcntl.LOCK_UN)


def run_one(cfg: Mapping[str, Any], sampled: Mapping[str, Any], seed: int | None,
            cache: dict[int | None, Any]) -> dict[str, Any]:
    """Train one config as a study trial would (augmented train split, guarded objective)."""
    run_cfg = cfg if seed is None else {**cfg, "runtime": {**cfg["runtime"], "seed": seed}}
    if seed not in cache:  # a backend per trial seed (its model init and data order)
        splits = wdata.load_splits(run_cfg)
        cache[seed] = (splits, backends.make_backend(run_cfg, splits))
    splits, backend = cache[seed]
    hp = {**cfg["hparams"], **sampled}
    train, _ = augment.apply(splits["train"], hp, cfg)
    started = time.perf_counter()
    # Each process its own folder: the Trainer's checkpoints of two runs must never mix (nor
    # those of two builds at once).
    outdir = paths.CACHE / "trials" / f"table-{os.getpid()}"
    try:
        outcome = backend.train_and_evaluate(hp, train, None, outdir)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    wall = time.perf_counter() - started
    epochs = sorted(outcome.epoch_scores)
    figures = [outcome.epoch_scores[e] for e in epochs]
    steps = math.ceil(len(train) / (hp["batch_size"] * hp["gradient_accumulation_steps"]))
    return {
        "params": dict(sampled), "seed": seed,
        "curve": [round(f["objective"], 5) for f in figures],  # what the study maximises
        "rouge": [round(f["final"], 5) for f in figures],
        **{k: [round(f[k], 4) for f in figures] for k in DIVERSITY},
        "train_rows": len(train), "steps_per_epoch": steps,
        "train_seconds": round(outcome.train_seconds, 2), "wall_seconds": round(wall, 2),
        "seconds_per_epoch": round(wall / len(epochs), 2)}


def _worker(index: int, workers: int, n_configs: int, path: str,
            caps: Mapping[str, Any]) -> None:
    table = Path(path)
    resolved = bench_resolve(caps)
    cfg = resolved.config
    plans = read(table)["plans"]
    configs = dict(enumerate(sample_configs(resolved, n_configs)))
    configs.update({p["id"]: p["params"] for p in plans})
    # What is left when the build starts, dealt round-robin: a resumed build keeps every
    # worker busy whichever runs are done.
    done = _done(table)
    todo = [j for j in jobs(n_configs, plans) if j not in done][index::workers]
    cache: dict[int | None, Any] = {}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for kind, i, seed in todo:
        row = {"kind": kind, "id": i, **run_one(cfg, configs[i], seed, cache)}
        _append(table, row)
        print(f"[worker {index}] {kind} {i}" + ("" if seed is None else f" seed {seed}")
              + f": best {max(row['curve']):.3f}, distinct {max(row['distinct_share']):.2f}, "
              f"{row['wall_seconds']:.0f} s", flush=True)
        free_memory()


def build(n_configs: int, workers: int, path: Path = TABLE,
          caps: Mapping[str, Any] | None = None) -> None:
    """Train what the table lacks, in `workers` processes (each on one CPU thread). `caps`
    (config overrides) are for tests: the committed table is the default as it is."""
    caps = dict(caps or {})
    resolved = bench_resolve(caps)
    cfg = resolved.config
    existing = read(path)["header"]
    if existing and existing["task"] != json.loads(json.dumps(task_of(cfg), default=str)):
        sys.exit(f"{paths.shown(path)} was built for another task (the default preset, data or "
                 "space changed): move it away to build a new table")
    if not existing:
        _append(path, json.loads(json.dumps(header(resolved, n_configs), default=str)))
    left = len(set(jobs(n_configs, read(path)["plans"])) - _done(path))
    print(f"{paths.shown(path)}: {left} runs to go on {workers} worker(s) "
          f"(about {left * 30 / workers / 60:.0f} min on an idle 2-core machine)", flush=True)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(k, workers, n_configs, str(path), caps))
             for k in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    built = read(path)
    print(f"{paths.shown(path)}: {len(built['rows'])} configs, {len(built['noise'])} noise runs",
          flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.table", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", type=int, default=240, help="configs in the table")
    parser.add_argument("--workers", type=int, default=2, help="training processes")
    parser.add_argument("--out", type=Path, default=TABLE, help="the table file (JSON lines)")
    args = parser.parse_args(argv)
    build(args.configs, args.workers, args.out)


if __name__ == "__main__":
    main()
