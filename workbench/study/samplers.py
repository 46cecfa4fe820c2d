"""The study's sampler and pruner, built from the config's `study` section."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import optuna


def make_sampler(study_cfg: Mapping[str, Any]) -> optuna.samplers.BaseSampler:
    """TPE with the seed's settings, GP, Random or NSGA-II, all seeded."""
    name, seed = study_cfg["sampler"], study_cfg["seed"]
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(
            population_size=study_cfg["nsga2_population_size"], seed=seed)
    if name == "tpe":
        # group=True: our space is conditional (sampling-only params, min <= max tokens).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                n_startup_trials=study_cfg["tpe_n_startup_trials"],
                n_ei_candidates=study_cfg["tpe_n_ei_candidates"], seed=seed, multivariate=True,
                group=True,
            )
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(study_cfg: Mapping[str, Any], multi: bool = False) -> optuna.pruners.BasePruner:
    """The Median pruner with the seed's settings, or none (always none for several objectives:
    Optuna cannot prune them; the record says so)."""
    if study_cfg["pruner"] == "none" or multi:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=study_cfg["median_n_startup_trials"],
        n_warmup_steps=study_cfg["median_n_warmup_steps"],
        interval_steps=study_cfg["median_interval_steps"],
    )
