"""Confirmation: after a run's budget, its top configs are trained again with fresh trial seeds,
and a study returns the config with the highest mean over its runs.

A trial's dev score moves with its seed (model init, data order: about 1.4 ROUGE points on
tiny-bart's 40 dev rows), so a study's best single trial is often the luckiest draw among
near-equal configs, and its value overstates what the config is worth. With
`study.confirm_top_k` > 0, the run takes the top k distinct configs (completed, feasible, by
their original trial's value) and queues `study.confirm_seeds` trials of each in the same
study: origin `confirm`, `confirms` the original trial, `trial_seed` the seed the backend
trains with (`backends.base.trial_seed`). `ranked` orders a study's configs, confirmed ones by
their mean first; `best_trial` is what every "best trial" of a single-objective study reads.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from workbench.config import ConfigError

ORIGIN = "confirm"  # the `origin` of a confirmation trial
CONFIRMS = "confirms"  # trial attribute: the number of the original trial it trains again
TRIAL_SEED = "trial_seed"  # trial attribute (and hparam): a seed other than runtime.seed
DUPLICATE_OF = "duplicate_of"  # a trial that took an identical earlier config's values


def check(config: Mapping[str, Any]) -> None:
    """Refuse confirmation settings that cannot run (naming the key and what is allowed)."""
    sc = config["study"]
    if sc["confirm_top_k"] < 0:
        raise ConfigError(f"study.confirm_top_k: must be >= 0 (0: no confirmation; k: train the "
                          f"top k configs again), got {sc['confirm_top_k']}")
    if sc["confirm_seeds"] < 1:
        raise ConfigError(f"study.confirm_seeds: must be >= 1 (fresh seeds per confirmed "
                          f"config), got {sc['confirm_seeds']}")


def not_done(config: Mapping[str, Any], multi: bool) -> str | None:
    """Why a run asked for confirmation does none (several objectives, adaptive search); None
    when it does, or when it was not asked for."""
    k = config["study"]["confirm_top_k"]
    if not k:
        return None
    asked = f"not done: study.confirm_top_k {k} was asked for, but "
    if multi:
        return asked + ("a multi-objective study returns a Pareto front, not one config ranked "
                        "on a mean, so no config is trained again")
    if config["adaptive"]["enabled"]:
        return asked + ("an adaptive run spreads its trials over a chain of narrowed studies, "
                        "so no config is trained again and its best single trial is returned")
    return None


def is_confirmation(trial: FrozenTrial | optuna.Trial) -> bool:
    """Whether a trial is a confirmation run (never pruned, never a duplicate's values)."""
    return trial.user_attrs.get("origin") == ORIGIN


def seed_of(trial: optuna.Trial) -> dict[str, int]:
    """What a trial adds to the hparams its backend trains with: a confirmation run's seed
    (`backends.base.trial_seed` reads it), nothing for any other trial (runtime.seed)."""
    return {TRIAL_SEED: trial.user_attrs[TRIAL_SEED]} if is_confirmation(trial) else {}


# ---------------------------------------------------------------- ranking


@dataclass(frozen=True)
class Run:
    """One completed, feasible training of a config."""

    number: int
    value: float
    params: dict[str, Any]
    confirms: int | None = None  # the original's number, for a confirmation run
    seed: int | None = None  # None: runtime.seed


@dataclass(frozen=True)
class Config:
    """A config's runs: its original trial first, then its confirmation runs by number."""

    runs: tuple[Run, ...]

    @property
    def original(self) -> Run:
        return self.runs[0]

    @property
    def confirmed(self) -> bool:
        return len(self.runs) > 1

    @property
    def mean(self) -> float:
        return statistics.fmean(r.value for r in self.runs)

    @property
    def std(self) -> float | None:
        """The sample standard deviation over its runs (None for one run)."""
        return statistics.stdev(r.value for r in self.runs) if self.confirmed else None

    @property
    def kept(self) -> Run:
        """The run that stands for the config (its model is best-model/): the best of its
        confirmation runs (each saves its model, `BestModel`), else the original."""
        if not self.confirmed:
            return self.original
        return max(self.runs[1:], key=lambda r: (r.value, -r.number))


def _feasible(constraints: Mapping[str, float] | None) -> bool:
    return all(v <= 0 for v in (constraints or {}).values())


def runs_of(trials: Iterable[FrozenTrial]) -> list[Run]:
    """A study's completed, feasible trials as runs (first objective). A trial that took an
    identical config's values (`duplicate_of`) is no run of its own."""
    return [Run(t.number, t.values[0], t.params, t.user_attrs.get(CONFIRMS),
                t.user_attrs.get(TRIAL_SEED))
            for t in trials if t.state == TrialState.COMPLETE and t.values
            and _feasible(t.constraints) and DUPLICATE_OF not in t.user_attrs]


def runs_of_record(entries: Iterable[Mapping[str, Any]]) -> list[Run]:
    """`runs_of` for a record's trial entries (`tables.trial_entry`)."""
    return [Run(t["number"], t["value"], t["params"], t.get("extra", {}).get(CONFIRMS),
                t.get("extra", {}).get(TRIAL_SEED))
            for t in entries if t.get("state") == "COMPLETE" and t.get("value") is not None
            and not t.get("infeasible") and _feasible(t.get("constraints"))
            and DUPLICATE_OF not in t.get("extra", {})]


def configs(runs: Iterable[Run]) -> list[Config]:
    """The distinct configs among `runs`, each with its confirmation runs, by original number.
    A config's original is its first run that is no confirmation (a later one with the same
    params trained with the same seed: no new draw); confirmations of no listed original are
    left out."""
    originals: dict[int, Run] = {}
    confirming: dict[int, list[Run]] = {}
    for run in sorted(runs, key=lambda r: r.number):
        if run.confirms is not None:
            confirming.setdefault(run.confirms, []).append(run)
        elif all(o.params != run.params for o in originals.values()):
            originals[run.number] = run
    return [Config((o, *confirming.get(n, []))) for n, o in originals.items()]


def ranked(runs: Iterable[Run]) -> list[Config]:
    """A study's configs, best first: confirmed ones by their mean over runs (original and
    confirmations), then the others by their one value (below the confirmed by construction:
    the top configs are the ones confirmed). Ties: the earlier original first."""
    return sorted(configs(runs), key=lambda c: (
        not c.confirmed, -(c.mean if c.confirmed else c.original.value), c.original.number))


def chosen(runs: Iterable[Run]) -> Config | None:
    """The config a study returns when it has confirmation runs; None without any."""
    best = ranked(runs)[:1]
    return best[0] if best and best[0].confirmed else None


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    """The best trial of a single-objective study: with confirmation runs, the kept run of the
    config with the highest mean (`chosen`); without, Optuna's best feasible trial (as every
    study before confirmation). None when no trial is complete and feasible."""
    trials = study.get_trials(deepcopy=False)
    found = chosen(runs_of(trials))
    if found is None:
        try:
            return study.best_trial
        except ValueError:
            return None
    return next(t for t in trials if t.number == found.kept.number)


# ---------------------------------------------------------------- queueing


def plan(trials: Sequence[FrozenTrial], top_k: int, seeds: int, base_seed: int
         ) -> list[dict[str, Any]]:
    """The confirmation trials of a study's top `top_k` configs (by their original's value):
    `seeds` each, with seeds base_seed + 1, + 2, ... that none of the config's earlier
    confirmation trials (any state) used."""
    done = sorted(configs(runs_of(trials)), key=lambda c: (-c.original.value, c.original.number))
    planned = []
    for config in done[:top_k]:
        number = config.original.number
        used = {base_seed} | {t.user_attrs.get(TRIAL_SEED) for t in trials
                              if t.user_attrs.get(CONFIRMS) == number}
        fresh = (base_seed + i for i in range(1, seeds + len(used) + 1))
        for seed in [s for s in fresh if s not in used][:seeds]:
            planned.append({"params": dict(config.original.params), "confirms": number,
                            "seed": seed})
    return planned


def enqueue(study: optuna.Study, planned: Sequence[Mapping[str, Any]],
            attrs: Mapping[str, Any]) -> None:
    """Queue the planned confirmation trials, each with `attrs` (the run's `queued_by`)."""
    for entry in planned:
        study.enqueue_trial(dict(entry["params"]), user_attrs={
            **attrs, "origin": ORIGIN, CONFIRMS: entry["confirms"], TRIAL_SEED: entry["seed"]})
