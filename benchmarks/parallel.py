"""Parallel: trials per minute with 1, 2, 4 worker processes on a journal file, PostgreSQL,
MariaDB/MySQL and Redis (each server that answers); each study is deleted afterwards."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna

from benchmarks.common import spread
from workbench import storage


def _sleep_objective(sleep_s: float) -> Callable[[optuna.Trial], float]:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        time.sleep(sleep_s)
        return x * x
    return objective


def _parallel_worker(url: str, name: str, sleep_s: float, seed: int) -> tuple[int, float]:
    """Run queued trials; how many, and when (wall clock) the last one was told."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    opened = storage.open_storage(url, queue_only=True)
    told = [0.0]
    ran = storage.run_worker(opened, name, _sleep_objective(sleep_s),
                             sampler=optuna.samplers.RandomSampler(seed=seed),
                             callbacks=[lambda _s, _t: told.__setitem__(0, time.time())])
    return len(ran), told[0]


# Where the parallel section runs: the journal file always, the servers when they answer. A
# server URL can be replaced with WORKBENCH_BENCH_<NAME>; its database is created if missing,
# and the benchmark deletes the studies it made there.
BENCH_STORAGES = {
    "postgresql": ("WORKBENCH_BENCH_POSTGRESQL",
                   "postgresql://postgres@127.0.0.1:5432/workbench_bench"),
    "mysql": ("WORKBENCH_BENCH_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/workbench_bench"),
    "redis": ("WORKBENCH_BENCH_REDIS", "redis://127.0.0.1:6379/0?prefix=workbench-bench"),
}


def parallel_storages(names: Sequence[str], work: Path) -> dict[str, str]:
    """URL of each named storage ("journal" is a file under `work`)."""
    urls = {}
    for name in names:
        if name == "journal":
            urls[name] = f"journal:///{work / 'par.log'}"
        elif name in BENCH_STORAGES:
            variable, default = BENCH_STORAGES[name]
            urls[name] = os.environ.get(variable) or default
        else:
            raise ValueError(f"parallel storage {name!r}: allowed are journal, "
                             f"{', '.join(BENCH_STORAGES)}")
    return urls


def _started(_: int) -> int:
    """Runs once in each pool process before timing: imports done, process ready."""
    time.sleep(0.2)
    return os.getpid()


def _parallel_once(pool: Any, workers: int, url: str, name: str, n: int,
                   sleep_s: float) -> float:
    """Seconds per trial of one study run by the pool's `workers` processes: from handing out
    the work to the last trial's tell, so each worker's connection and study loading count but
    not its wait for others' retries at the end (MySQL keeps trial times to the second: too
    coarse to time from them)."""
    opened = storage.open_storage(url)
    study = optuna.create_study(study_name=name, storage=opened)
    try:
        storage.top_up(study, n)
        start = time.time()
        done = pool.starmap(_parallel_worker, [(url, name, sleep_s, i) for i in range(workers)],
                            chunksize=1)
        ran = sum(count for count, _ in done)
        if ran != n:
            raise RuntimeError(f"{workers} workers ran {ran} of {n} trials")
        return (max(last for _, last in done) - start) / n
    finally:
        optuna.delete_study(study_name=name, storage=opened)


def bench_parallel(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """Trials per minute with 1, 2, 4 worker processes on each storage that answers."""
    sleep_s, n = size["parallel_sleep_s"], size["parallel_trials"]
    urls, unreachable = {}, {}
    for kind, url in parallel_storages(size["parallel_storages"], work).items():
        try:
            storage.ensure_database(url)
            storage.open_storage(url)
            urls[kind] = url
        except storage.StorageError as exc:
            unreachable[kind] = str(exc)
    rows = []
    ctx = multiprocessing.get_context("spawn")
    for workers in size["parallel_workers"]:
        with ctx.Pool(workers) as pool:  # started once, used for every storage and repeat
            if len(set(pool.map(_started, range(workers), chunksize=1))) != workers:
                raise RuntimeError(f"the pool did not start {workers} processes")
            for kind, url in urls.items():
                periods = [_parallel_once(pool, workers, url,
                                          f"bench-par-{os.getpid()}-{workers}-{rep}", n, sleep_s)
                           for rep in range(size["repeats"])]
                rows.append({"storage": kind, "url": storage.mask(url), "workers": workers,
                             "trials_per_min": spread([60 / p for p in periods]),
                             "storage_and_sampling_ms_per_trial": spread(
                                 [1000 * (p * workers - sleep_s) for p in periods]),
                             "speedup_over_one_worker": None})
    rows.sort(key=lambda r: (list(urls).index(r["storage"]), r["workers"]))
    for row in rows:
        one = next((r for r in rows if r["storage"] == row["storage"] and r["workers"] == 1),
                   None)
        if one and one["trials_per_min"]["median"]:
            row["speedup_over_one_worker"] = round(
                row["trials_per_min"]["median"] / one["trials_per_min"]["median"], 2)
    return {"sleep_s": sleep_s, "trials": n, "repeats": size["repeats"], "runs": rows,
            "unreachable": unreachable, "ideal_trials_per_min_one_worker": 60 / sleep_s,
            "note": "from handing out the queue to the last trial's tell, divided by the "
                    "trials; worker processes started before (their connection and study "
                    "loading count); overhead = period x workers - sleep; each study is "
                    "deleted from its storage afterwards"}
