"""The study's sampler and pruner: the one registry of their names (`SAMPLERS`, `PRUNERS`),
each built from the config's `study.sampler` / `study.pruner` settings, which use Optuna's own
argument names, and the seeds a run's samplers draw with.

The config's choices (`config.CHOICES`) are this registry's names. Optuna is imported only
when a sampler or pruner is built: the config and the command line read the names without it.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


# ------------------------------------------------------------------------------- samplers
# Each builder takes the `study.sampler` settings and the seed.


def _tpe(s: Mapping[str, Any], seed: int) -> optuna.samplers.BaseSampler:
    """TPE, multivariate or univariate. group=True with multivariate: the space is conditional
    (sampling-only params, min <= max tokens)."""
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(
            n_startup_trials=s["n_startup_trials"], n_ei_candidates=s["n_ei_candidates"],
            seed=seed, multivariate=s["multivariate"], group=s["multivariate"])


def _gp(s: Mapping[str, Any], seed: int) -> optuna.samplers.BaseSampler:
    import optuna

    return optuna.samplers.GPSampler(seed=seed)


def _random(s: Mapping[str, Any], seed: int) -> optuna.samplers.BaseSampler:
    import optuna

    return optuna.samplers.RandomSampler(seed=seed)


def _nsga2(s: Mapping[str, Any], seed: int) -> optuna.samplers.BaseSampler:
    import optuna

    return optuna.samplers.NSGAIISampler(population_size=s["population_size"], seed=seed)


# study.sampler.name -> its builder.
SAMPLERS: dict[str, Callable[[Mapping[str, Any], int], optuna.samplers.BaseSampler]] = {
    "tpe": _tpe,
    "gp": _gp,
    "random": _random,
    "nsga2": _nsga2,
}

# -------------------------------------------------------------------------------- pruners
# Each builder takes the `study.pruner` settings. Pruners count steps in dev evaluations.


def _warmup(p: Mapping[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in ("n_startup_trials", "n_warmup_steps", "interval_steps")}


def _median(p: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    import optuna

    return optuna.pruners.MedianPruner(**_warmup(p))


def _percentile(p: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    import optuna

    return optuna.pruners.PercentilePruner(p["percentile"], **_warmup(p))


def _successive_halving(p: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    import optuna

    return optuna.pruners.SuccessiveHalvingPruner(min_resource=p["min_resource"],
                                                  reduction_factor=p["reduction_factor"])


def _hyperband(p: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    import optuna

    return optuna.pruners.HyperbandPruner(min_resource=p["min_resource"],
                                          reduction_factor=p["reduction_factor"])


def _wilcoxon(p: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    """Optuna's `n_startup_steps` of this pruner is what the others call `n_warmup_steps`:
    evaluations before a trial can be pruned."""
    import optuna

    with warnings.catch_warnings():  # "experimental" since Optuna 3.6
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.pruners.WilcoxonPruner(p_threshold=p["p_threshold"],
                                             n_startup_steps=p["n_warmup_steps"])


def _none(p: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    import optuna

    return optuna.pruners.NopPruner()


@dataclass(frozen=True)
class Pruner:
    """How a pruner is built from `study.pruner`, and why it stops a trial, in words."""

    build: Callable[[Mapping[str, Any]], optuna.pruners.BasePruner]
    why: Callable[[Mapping[str, Any]], str]


# study.pruner.name -> its builder and its reason.
PRUNERS: dict[str, Pruner] = {
    "median": Pruner(_median, lambda p: "below the median of earlier trials at this epoch"),
    "percentile": Pruner(_percentile, lambda p: f"below the {p['percentile']:g}th percentile "
                                                "of earlier trials at this epoch"),
    "successive_halving": Pruner(_successive_halving, lambda p: (
        f"not in the top 1/{p['reduction_factor']} of its rung (successive halving)")),
    "hyperband": Pruner(_hyperband, lambda p: (
        f"not in the top 1/{p['reduction_factor']} of its Hyperband bracket's rung")),
    "wilcoxon": Pruner(_wilcoxon, lambda p: (
        f"worse than the best trial (Wilcoxon test, p < {p['p_threshold']:g})")),
    "none": Pruner(_none, lambda p: "stopped by the none pruner"),
}


def make_sampler(study_cfg: Mapping[str, Any]) -> optuna.samplers.BaseSampler:
    """The sampler `study.sampler.name` names, with its settings, seeded with `study.seed`."""
    settings = study_cfg["sampler"]
    return SAMPLERS[settings["name"]](settings, study_cfg["seed"])


def make_pruner(study_cfg: Mapping[str, Any], multi: bool = False) -> optuna.pruners.BasePruner:
    """The configured pruner on per-epoch dev scores, or none (always none for several
    objectives: Optuna cannot prune them; the record says so). The study never prunes a
    trial's last epoch, whatever the pruner says: that training is already spent."""
    settings = study_cfg["pruner"]
    return PRUNERS["none" if multi else settings["name"]].build(settings)


def prune_reason(study_cfg: Mapping[str, Any], step: int, value: float,
                 per_epoch: int = 1) -> str:
    """Why the configured pruner stopped a trial after evaluation `step` (its epoch when there
    is one evaluation per epoch, else epoch step / per_epoch), for the trial's record."""
    settings = study_cfg["pruner"]
    why = PRUNERS[settings["name"]].why(settings)
    where = (f"epoch {step}" if per_epoch == 1
             else f"evaluation {step} (epoch {step / per_epoch:g} of {per_epoch} per epoch)")
    return f"pruned after {where}: objective {value:.4f} {why}"
