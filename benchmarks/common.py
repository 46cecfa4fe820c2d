"""What every section shares: sizes, goals, repeated-measurement statistics, the machine, memory
readings, a fresh child process, the benchmark's config, and a backend that sleeps instead of
training (registered under `workbench.backends`, selected by the `model.backend` override).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import resource
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench import backends, paths, records, validate

BENCH_DIR = paths.OUTPUTS / "bench"
CACHE_DIR = BENCH_DIR / "cache"
PRESET = "tiny-bart"
# The packages the figures depend on, as machine() reports them.
BENCH_PACKAGES = ("optuna", "torch", "transformers", "papermill", "rouge-score", "plotly",
                  "python-mecab-ko", "mecab-python3")
GOALS = {
    "search": ("true value of the returned config above random search's from 24 trials (95 % "
               "CI above 0), not worse at 12; compute to reach random's true value <= 1/3 of "
               "random's at 48 trials in >= 75 % of seeds; optimism of the reported best <= 1 "
               "seed-noise std"),
    "overhead_per_trial_pct": "<= 5 % on a 1 s trial",
    "papermill_fixed_s": "<= 3 s per notebook",
    "memory_growth_mb": "<= 50 MB",
    "scorer_speedup": ">= 3x",
}
SECTIONS = ("scorer", "overhead", "memory", "search", "generation", "parallel")

# Quick runs train on a small base (96 generated dialogues, seconds to build) instead of the
# default's two-minute one: they prove the code works, they measure nothing.
QUICK_BASE = {"model.base.corpus_rows": 96, "model.base.epochs": 0.5,
              "model.base.batch_size": 16, "model.base.max_input_length": 256}

# Sizes: quick proves the code works in the test suite; full is what benchmarks/README.md quotes.
SIZES: dict[str, dict[str, Any]] = {
    "quick": {
        "repeats": 2, "scorer_pairs": 300, "overhead_sleep_s": 0.2, "overhead_trials": 4,
        "papermill_runs": 1, "memory_trials": 3,
        "memory_caps": {"data.max_train_samples": 16, "data.max_dev_samples": 4,
                        "hparams.num_epochs": 1, "hparams.max_new_tokens": 20,
                        "hparams.min_new_tokens": 1, **QUICK_BASE},
        # A small live block on the committed table (the full run reads the committed study).
        "search_live": True, "replay_seeds": 3, "search_trials": 24,
        "search_pairs": (("random", "none"), ("tpe-tuned", "none"), ("tpe-tuned", "median-w2")),
        "gen_caps": {"data.max_train_samples": 16, "data.max_dev_samples": 4,
                     "hparams.num_epochs": 1, "hparams.max_new_tokens": 20,
                     "hparams.min_new_tokens": 1, **QUICK_BASE},
        "parallel_workers": (1, 2), "parallel_trials": 6, "parallel_sleep_s": 0.1,
        "parallel_storages": ("journal",),
    },
    "full": {
        "repeats": 3, "scorer_pairs": 10_000, "overhead_sleep_s": 1.0, "overhead_trials": 12,
        "papermill_runs": 10, "memory_trials": 30,
        "memory_caps": {"data.max_train_samples": 64, "data.max_dev_samples": 8,
                        "hparams.num_epochs": 2, "hparams.max_new_tokens": 30,
                        "hparams.min_new_tokens": 5},
        # The committed study (`python -m benchmarks.search`), a few of its studies replayed.
        "search_live": False,
        "gen_caps": {"hparams.num_epochs": 1},
        "parallel_workers": (1, 2, 4), "parallel_trials": 24, "parallel_sleep_s": 0.5,
        "parallel_storages": ("journal", "postgresql", "mysql", "redis"),
    },
}



# --------------------------------------------------------------------------- measurements


def spread(values: Sequence[float]) -> dict[str, Any]:
    """Median, min, max and count of repeated measurements. Infinite values (a target never
    reached) count towards the median and `n_infinite`; the median is None when it is one."""
    vals = [float(v) for v in values if v is not None and not math.isnan(v)]
    finite = [v for v in vals if math.isfinite(v)]
    if not finite:
        return {"median": None, "min": None, "max": None, "n": len(vals),
                "n_infinite": len(vals)}
    median = statistics.median(vals)
    return {"median": median if math.isfinite(median) else None, "min": min(finite),
            "max": max(finite), "n": len(vals), "n_infinite": len(vals) - len(finite)}


def machine() -> dict[str, Any]:
    """Cores, CPU model, OS and the versions of what the figures depend on."""
    where = records.machine(cuda=False)
    found = records.versions(BENCH_PACKAGES)
    return {"cores": where["cpu_count"], "cpu_model": where["cpu"] or "unknown",
            "platform": where["platform"], "python": found.pop("python"),
            "versions": {name: v for name, v in found.items() if v is not None}}


def rss_mb() -> dict[str, float]:
    """Current and peak resident memory of this process, MB."""
    current = 0.0
    with contextlib.suppress(OSError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        current = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rss_mb": round(current, 1), "peak_rss_mb": round(peak, 1)}


def in_child(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run fn(*args) in a fresh spawned process (clean memory, no state shared)."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the study runner's progress bar (it writes to stdout)."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        yield


def bench_resolve(overrides: Mapping[str, Any]) -> validate.Resolved:
    """The benchmark preset with `overrides`, resolved and checked as every entry point does
    (its config, space and searched params)."""
    return validate.resolve(PRESET, dict(overrides))


# --------------------------------------------------------------------------- a sleep backend

# The name the sleep backend is registered under while a section uses it. The run's config,
# `model.backend` included, is stored with its study as the study's task: benchmark studies
# live in their own temporary storages under names of their own, never beside a real study.
SLEEP_BACKEND = "bench-sleep"


class SleepBackend:
    """A training backend (the `workbench.backends.base.Backend` interface) that sleeps instead
    of training: one epoch, its value read from hp. It imports nothing heavy until a trial."""

    timing = None  # set by the study's objective; never measured here

    def __init__(self, config: Mapping[str, Any], splits: Mapping[str, Any], sleep_s: float):
        self.config = config
        self.splits = splits
        self.sleep_s = sleep_s

    def train_and_evaluate(self, hp: Mapping[str, Any], train: Any, report: Any, outdir: Path,
                           save_to: Any = None) -> Any:
        from workbench.backends.base import TrialOutcome

        time.sleep(self.sleep_s)
        value = float(hp.get("warmup_ratio", 0.0)) + float(hp.get("weight_decay", 0.0))
        if report is not None:
            report(1, value)
        return TrialOutcome(value=value, best_epoch=1, epoch_scores={1: {"final": value}},
                            predictions=[], train_seconds=self.sleep_s, trainable_params=1)


@contextlib.contextmanager
def sleep_backend(sleep_s: float) -> Iterator[dict[str, Any]]:
    """Register the sleep backend (`sleep_s` per trial) for the duration; yields the override
    that selects it. Registration is per process: a section that runs the study's trials in
    spawned worker processes must register it there too (the overhead section runs them here).
    """
    # Its trial imports the backends' base (transformers): once, here, so that the import's
    # seconds never fall inside a timed study (it would add ~80 ms to each of 12 sleep trials).
    import workbench.backends.base  # noqa: F401

    backends.register(SLEEP_BACKEND,
                      lambda config, splits: SleepBackend(config, splits, sleep_s))
    try:
        yield {"model.backend": SLEEP_BACKEND}
    finally:
        backends.unregister(SLEEP_BACKEND)
