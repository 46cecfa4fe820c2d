"""The study's sampler and pruner, built from the config's `study` section."""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Mapping
from typing import Any

import optuna


def run_seed(seed: int, first_trial: int | None, run_id: str) -> int:
    """The samplers' seed of a run: `study.seed` moved on by the number of the first trial the
    run queued. A fresh study's first run keeps `study.seed` (it reproduces), a resumed run
    starts past its predecessors', and two runs started together queue different trials, so
    they never draw the same configs. A run that queued none (a join) mixes in its run id."""
    if first_trial is None:
        return zlib.crc32(f"{seed}:{run_id}".encode())
    return seed + first_trial


def worker_seed(seed: int, index: int) -> int:
    """The seed of worker process `index` of a run seeded with `seed`: distinct across the
    workers of one run and of runs started together, whose seeds may be neighbours."""
    return zlib.crc32(f"{seed}:worker-{index}".encode())


def make_sampler(study_cfg: Mapping[str, Any]) -> optuna.samplers.BaseSampler:
    """TPE (multivariate or the seed's univariate), GP, Random or NSGA-II, all seeded."""
    name, seed = study_cfg["sampler"], study_cfg["seed"]
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(
            population_size=study_cfg["nsga2_population_size"], seed=seed)
    if name == "tpe":
        # group=True: our space is conditional (sampling-only params, min <= max tokens).
        joint = study_cfg["tpe_multivariate"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                n_startup_trials=study_cfg["tpe_n_startup_trials"],
                n_ei_candidates=study_cfg["tpe_n_ei_candidates"], seed=seed, multivariate=joint,
                group=joint,
            )
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(study_cfg: Mapping[str, Any], multi: bool = False) -> optuna.pruners.BasePruner:
    """The configured pruner on per-epoch dev scores, or none (always none for several
    objectives: Optuna cannot prune them; the record says so). The study never prunes a
    trial's last epoch, whatever the pruner says: that training is already spent."""
    name = study_cfg["pruner"]
    if name == "none" or multi:
        return optuna.pruners.NopPruner()
    if name in ("median", "percentile"):
        warmup = {"n_startup_trials": study_cfg["median_n_startup_trials"],
                  "n_warmup_steps": study_cfg["median_n_warmup_steps"],
                  "interval_steps": study_cfg["median_interval_steps"]}
        if name == "median":
            return optuna.pruners.MedianPruner(**warmup)
        return optuna.pruners.PercentilePruner(study_cfg["percentile"], **warmup)
    if name == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=study_cfg["halving_min_resource"],
            reduction_factor=study_cfg["halving_reduction_factor"])
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=study_cfg["halving_min_resource"],
            reduction_factor=study_cfg["halving_reduction_factor"])
    with warnings.catch_warnings():  # "experimental" since Optuna 3.6
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.pruners.WilcoxonPruner(p_threshold=study_cfg["wilcoxon_p_threshold"],
                                             n_startup_steps=study_cfg["median_n_warmup_steps"])


def prune_reason(study_cfg: Mapping[str, Any], step: int, value: float,
                 per_epoch: int = 1) -> str:
    """Why the configured pruner stopped a trial after evaluation `step` (its epoch when there
    is one evaluation per epoch, else epoch step / per_epoch), for the trial's record."""
    name = study_cfg["pruner"]
    why = {
        "median": "below the median of earlier trials at this epoch",
        "percentile": f"below the {study_cfg['percentile']:g}th percentile of earlier trials "
                      "at this epoch",
        "successive_halving": f"not in the top 1/{study_cfg['halving_reduction_factor']} of "
                              "its rung (successive halving)",
        "hyperband": f"not in the top 1/{study_cfg['halving_reduction_factor']} of its "
                     "Hyperband bracket's rung",
        "wilcoxon": f"worse than the best trial (Wilcoxon test, p < "
                    f"{study_cfg['wilcoxon_p_threshold']:g})",
    }.get(name, f"stopped by the {name} pruner")
    where = (f"epoch {step}" if per_epoch == 1
             else f"evaluation {step} (epoch {step / per_epoch:g} of {per_epoch} per epoch)")
    return f"pruned after {where}: objective {value:.4f} {why}"
