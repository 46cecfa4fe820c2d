"""Infeasible configs: rejected before any model is built, and reported to the sampler.

Two rules (the seed's `objective_with_constraints`): the estimated peak GPU memory of a trial
(`workbench.memory.estimate`, no weights loaded) above `constraints.memory_limit_gib`, and the
"too slow" decoding rule, `num_beams > slow_num_beams` together with
`max_new_tokens > slow_max_new_tokens`. Each rule becomes one `trial.set_constraint(key, value)`
(positive = violated, by how much), so TPE and NSGA-II keep infeasible trials in their
infeasible group; the runner then prunes the trial with the reason in its user attrs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.config import ConfigError

MEMORY, TOO_SLOW = "memory", "too_slow"


@dataclass(frozen=True)
class Limits:
    """The constraint settings of a run (None = that rule is off)."""

    memory_gib: float | None
    slow_num_beams: int | None
    slow_max_new_tokens: int | None

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Limits:
        c = config["constraints"]
        return cls(c["memory_limit_gib"], c["slow_num_beams"], c["slow_max_new_tokens"])

    @property
    def slow_rule(self) -> bool:
        return self.slow_num_beams is not None and self.slow_max_new_tokens is not None

    @property
    def active(self) -> bool:
        return self.memory_gib is not None or self.slow_rule

    def as_dict(self) -> dict[str, Any]:
        return {"memory_limit_gib": self.memory_gib,
                "too_slow": {"num_beams_above": self.slow_num_beams,
                             "max_new_tokens_above": self.slow_max_new_tokens}
                if self.slow_rule else None}


def check_limits(config: Mapping[str, Any]) -> None:
    """Refuse limits that cannot mean anything (before any work starts)."""
    c = config["constraints"]
    if c["memory_limit_gib"] is not None and c["memory_limit_gib"] <= 0:
        raise ConfigError(f"constraints.memory_limit_gib: must be > 0 GiB (or null for no limit),"
                          f" got {c['memory_limit_gib']}")
    for key in ("slow_num_beams", "slow_max_new_tokens"):
        if c[key] is not None and c[key] < 0:
            raise ConfigError(f"constraints.{key}: must be >= 0 (or null to turn the too-slow "
                              f"rule off), got {c[key]}")


@dataclass
class Verdict:
    """One trial's constraint values (positive = violated) and why it is infeasible, if it is."""

    values: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    estimate: Any = None  # the MemoryEstimate, when one was computed
    seconds: float = 0.0

    @property
    def feasible(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.reasons.items())


def estimate_for(config: Mapping[str, Any], hp: Mapping[str, Any]) -> Any:
    """The memory model for a trial's hyperparameters (a sampled model_name included)."""
    from workbench import memory

    return memory.estimate({**config, "hparams": dict(hp)}, hp)


def evaluate(config: Mapping[str, Any], hp: Mapping[str, Any], limits: Limits,
             need_estimate: bool = False) -> Verdict:
    """Check a trial's hyperparameters against the limits; no model is built."""
    start = time.perf_counter()
    verdict = Verdict()
    if limits.memory_gib is not None or need_estimate:
        verdict.estimate = estimate_for(config, hp)
    if limits.memory_gib is not None:
        peak = verdict.estimate.peak_gib
        verdict.values[MEMORY] = peak - limits.memory_gib
        if peak > limits.memory_gib:
            verdict.reasons[MEMORY] = (f"estimated peak memory {peak:.3f} GiB > limit "
                                       f"{limits.memory_gib:g} GiB")
    if limits.slow_rule:
        beams_over = hp["num_beams"] - limits.slow_num_beams
        tokens_over = hp["max_new_tokens"] - limits.slow_max_new_tokens
        verdict.values[TOO_SLOW] = float(min(beams_over, tokens_over))
        if beams_over > 0 and tokens_over > 0:
            verdict.reasons[TOO_SLOW] = (
                f"num_beams {hp['num_beams']} > {limits.slow_num_beams} with max_new_tokens "
                f"{hp['max_new_tokens']} > {limits.slow_max_new_tokens}")
    verdict.seconds = time.perf_counter() - start
    return verdict


def summary(trials: list[Any]) -> dict[str, Any]:
    """How many trials were infeasible and why (by rule), from the trials' user attrs."""
    by_rule: dict[str, int] = {}
    numbers = []
    for t in trials:
        rules = t.user_attrs.get("infeasible_rules")
        if not rules:
            continue
        numbers.append(t.number)
        for rule in rules:
            by_rule[rule] = by_rule.get(rule, 0) + 1
    return {"count": len(numbers), "by_rule": by_rule, "trials": numbers}
