"""Adaptive search: narrow the space around the best trials when the study stalls, widen it again
when it improves (the reference's `AdaptiveSearch`), built from Optuna studies.

A run proceeds in blocks of `window` trials. After each block it compares the best value with
the best before the block: an improvement below `threshold` narrows the space (one level
deeper), a larger one widens it (one level back) when it is narrowed. Each new space gets its
own follow-up study (`<name>-adaptive<k>`) whose distributions are the narrowed ones, warm
started with every earlier completed trial that lies inside it (`study.add_trials`), so the
sampler (TPE by default) starts from what is known instead of from scratch. At level L a
numeric range is `shrink**L` of the full one (on the log scale for log parameters), centred on
the best trial and stretched to hold the top `keep_top` trials; a categorical keeps the choices
those top trials use. Every check, and the space each phase used, is logged in the first
study's user attrs (so a re-run continues in the last phase) and in the run's record.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import FrozenTrial, TrialState

from workbench.config import ConfigError
from workbench.spaces import Param

PHASE_ATTR = "adaptive"  # a phase study's user attr: {"phase", "level", "space"}
LOG_ATTR = "adaptive_log"  # the first study's user attr: every check and the space it chose
CARRIED = "carried"  # origin of a trial copied into a follow-up study
_MISSING = object()


@dataclass(frozen=True)
class Settings:
    """When to narrow or widen, and by how much (the `adaptive` config section)."""

    window: int
    threshold: float
    shrink: float
    keep_top: int

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Settings:
        a = config["adaptive"]
        return cls(a["window"], float(a["threshold"]), float(a["shrink"]), a["keep_top"])


def check(config: Mapping[str, Any]) -> None:
    """Refuse adaptive settings that cannot work, before any work starts."""
    a = config["adaptive"]
    if not a["enabled"]:
        return
    if a["window"] < 1:
        raise ConfigError(f"adaptive.window: must be >= 1 trial, got {a['window']}")
    if a["threshold"] < 0:
        raise ConfigError(f"adaptive.threshold: must be >= 0, got {a['threshold']}")
    if not 0 < a["shrink"] < 1:
        raise ConfigError(f"adaptive.shrink: must be between 0 and 1, got {a['shrink']}")
    if a["keep_top"] < 1:
        raise ConfigError(f"adaptive.keep_top: must be >= 1, got {a['keep_top']}")
    if len(config["objective"]["targets"]) > 1:
        raise ConfigError("adaptive.enabled: adaptive search follows one best value; it cannot "
                          f"run a multi-objective study (objective.targets "
                          f"{config['objective']['targets']})")
    if config["study"]["stage"]:
        raise ConfigError("adaptive.enabled: a stage keeps its best in one study, which the next "
                          "stage reads; run stages without adaptive search")


# --------------------------------------------------------------------------- spaces


def space_of(params: Sequence[Param]) -> dict[str, dict[str, Any]]:
    """The ranges and choices of `params`, as JSON (what the record and the study store)."""
    out: dict[str, dict[str, Any]] = {}
    for p in params:
        out[p.name] = ({"choices": list(p.choices)} if p.type == "categorical"
                       else {"low": p.low, "high": p.high})
    return out


def apply(full: Sequence[Param], space: Mapping[str, Mapping[str, Any]]) -> list[Param]:
    """`full` with the ranges and choices of a stored space."""
    out = []
    for p in full:
        s = space.get(p.name)
        if s is None:
            out.append(p)
        elif p.type == "categorical":
            out.append(dataclasses.replace(p, choices=tuple(s["choices"])))
        else:
            out.append(dataclasses.replace(p, low=s["low"], high=s["high"]))
    return out


def phase_params(study: optuna.Study, full: Sequence[Param]) -> list[Param]:
    """The parameters a trial of `study` samples: the phase's narrowed space, else `full`."""
    stored = study.user_attrs.get(PHASE_ATTR)
    return apply(full, stored["space"]) if stored else list(full)


def _inner(p: Param, value: float) -> float:
    return math.log10(value) if p.log else float(value)


def _outer(p: Param, x: float) -> float:
    return 10**x if p.log else x


def _snap(p: Param, low: float, high: float) -> tuple[Any, Any]:
    """A range inside `p`'s (full) range, on its grid: ints stay ints, steps stay steps."""
    low, high = max(low, p.low), min(high, p.high)
    step = p.step or (1 if p.type == "int" else None)
    if step is not None:
        low = p.low + math.floor((low - p.low) / step + 1e-9) * step
        high = p.low + math.ceil((high - p.low) / step - 1e-9) * step
        low, high = max(low, p.low), min(high, p.high)
    if p.type == "int":
        return int(round(low)), int(round(high))
    if step is not None:
        return round(low, 12), round(high, 12)
    return float(low), float(high)


def top_trials(trials: Sequence[FrozenTrial], k: int, maximize: bool) -> list[FrozenTrial]:
    """The best `k` completed, feasible trials."""
    done = [t for t in trials if t.state == TrialState.COMPLETE and t.value is not None
            and all(v <= 0 for v in t.constraints.values())]
    return sorted(done, key=lambda t: t.value, reverse=maximize)[:k]


def reshape(full: Sequence[Param], current: Sequence[Param], trials: Sequence[FrozenTrial],
            level: int, settings: Settings, maximize: bool, narrowing: bool) -> list[Param]:
    """The space of level `level` around the best trials (see the module docstring).

    Narrowing never leaves the current space; widening may reach anywhere in the full one.
    A parameter the top trials never used (inactive) keeps its current range.
    """
    top = top_trials(trials, settings.keep_top, maximize)
    cur = {p.name: p for p in current}
    out = []
    for p in full:
        now = cur[p.name]
        seen = [t.params[p.name] for t in top if p.name in t.params]
        if not seen:
            out.append(now)
            continue
        if p.type == "categorical":
            out.append(dataclasses.replace(p, choices=_choices(p, now, trials, level, settings,
                                                               maximize, narrowing)))
            continue
        half = (_inner(p, p.high) - _inner(p, p.low)) * settings.shrink**level / 2
        centre = _inner(p, seen[0])
        lo = min(centre - half, *(_inner(p, v) for v in seen))
        hi = max(centre + half, *(_inner(p, v) for v in seen))
        bounds = now if narrowing else p
        lo, hi = max(_outer(p, lo), bounds.low), min(_outer(p, hi), bounds.high)
        if p.at_most is not None:  # its upper bound follows another parameter: keep its low
            lo = p.low
        low, high = _snap(p, lo, hi)
        out.append(dataclasses.replace(p, low=low, high=high))
    return out


def _choices(p: Param, now: Param, trials: Sequence[FrozenTrial], level: int,
             settings: Settings, maximize: bool, narrowing: bool) -> tuple[Any, ...]:
    """The top `shrink**level` share of `p`'s choices (at least one), ranked by the best value
    each reached; choices no trial tried rank last. Kept in the space's order."""
    keep = max(1, math.ceil(len(p.choices) * settings.shrink**level))
    pool = list(now.choices if narrowing else p.choices)
    ranked: list[Any] = []
    for t in top_trials(trials, len(trials), maximize):  # best first
        value = t.params.get(p.name, _MISSING)
        for c in pool:
            if value == c and type(value) is type(c) and c not in ranked:
                ranked.append(c)
    ranked += [c for c in pool if c not in ranked]
    return tuple(c for c in pool if c in ranked[:keep])


def distribution(p: Param) -> BaseDistribution:
    """The Optuna distribution `spaces.suggest` uses for `p` (without an at_most bound)."""
    if p.type == "categorical":
        return CategoricalDistribution(list(p.choices))
    if p.type == "int":
        return IntDistribution(int(p.low), int(p.high), log=p.log, step=int(p.step or 1))
    return FloatDistribution(p.low, p.high, log=p.log, step=p.step)


def _inside(dist: BaseDistribution, value: Any) -> bool:
    if isinstance(dist, CategoricalDistribution):
        return any(value == c and type(value) is type(c) for c in dist.choices)
    return dist._contains(dist.to_internal_repr(value))


def carry(trials: Sequence[FrozenTrial], params: Sequence[Param],
          source: Callable[[FrozenTrial], str]) -> list[FrozenTrial]:
    """Copies of the completed, feasible trials that lie inside `params`, for a follow-up study."""
    dists = {p.name: distribution(p) for p in params}
    out: list[FrozenTrial] = []
    seen: list[dict[str, Any]] = []
    for t in top_trials(trials, len(trials), maximize=True):
        if t.params in seen or not set(t.params) <= set(dists):
            continue
        if not all(_inside(dists[k], v) for k, v in t.params.items()):
            continue
        seen.append(t.params)
        out.append(optuna.trial.create_trial(
            params=dict(t.params), distributions={k: dists[k] for k in t.params},
            value=t.value, user_attrs={**t.user_attrs, "origin": CARRIED,
                                       "carried_from": source(t)}))
    return out


# --------------------------------------------------------------------------- the decision


def improvement(values: Sequence[float | None], window: int, maximize: bool) -> float | None:
    """How much the best value improved over the last `window` trials (None: nothing before).

    `values` are the finished trials in order, None for one without a value (pruned, failed,
    infeasible); those count as trials that did not improve anything.
    """
    sign = 1.0 if maximize else -1.0
    before = [sign * v for v in values[:-window] if v is not None]
    recent = [sign * v for v in values[-window:] if v is not None]
    if not before:
        return None
    return max(0.0, max(recent, default=-math.inf) - max(before))


def decide(gain: float | None, threshold: float, level: int) -> str:
    """narrow, widen or keep, from the last window's improvement."""
    if gain is None:
        return "keep"
    if gain < threshold:
        return "narrow"
    return "widen" if level > 0 else "keep"


# --------------------------------------------------------------------------- the run


class AdaptiveSearch:
    """Runs blocks of trials through a chain of studies, narrowing and widening between them.

    `open_study(name)` creates or loads one study of the chain (same storage, direction and
    task); `run_block(study, n, phase)` runs `n` trials in it and returns how many finished
    (fewer stops the run: a timeout or a stop).
    """

    def __init__(self, base: optuna.Study, full: Sequence[Param], settings: Settings,
                 open_study: Callable[[str], optuna.Study]):
        self.base = base
        self.full = list(full)
        self.settings = settings
        self.open_study = open_study
        self.maximize = base.direction == optuna.study.StudyDirection.MAXIMIZE
        self._opened: dict[str, optuna.Study] = {base.study_name: base}
        if not base.user_attrs.get(LOG_ATTR):
            self._log({"action": "start", "after_trials": 0, "level": 0, "phase": 0,
                       "study": base.study_name, "space": space_of(self.full)})

    @property
    def log(self) -> list[dict[str, Any]]:
        return list(self.base.user_attrs.get(LOG_ATTR, []))

    def _log(self, step: dict[str, Any]) -> None:
        self.base.set_user_attr(LOG_ATTR, [*self.log, step])

    def studies(self) -> list[optuna.Study]:
        """The chain's studies, in phase order."""
        names = []
        for step in self.log:
            if step["study"] not in names:
                names.append(step["study"])
        return [self._study(n) for n in names]

    def _study(self, name: str) -> optuna.Study:
        if name not in self._opened:
            self._opened[name] = self.open_study(name)
        return self._opened[name]

    def evaluated(self) -> list[tuple[str, FrozenTrial]]:
        """Every finished trial the chain ran, with its study (carried copies left out)."""
        out = []
        for s in self.studies():
            out += [(s.study_name, t) for t in s.get_trials(deepcopy=False)
                    if t.state.is_finished() and t.user_attrs.get("origin") != CARRIED]
        return sorted(out, key=lambda x: (x[1].datetime_complete or x[1].datetime_start,
                                          x[1].number))

    def run(self, n_trials: int, run_block: Callable[[optuna.Study, int, int], int]) -> None:
        """Run `n_trials` more trials in blocks of `window`, checking after each block."""
        last = self.log[-1]
        study = self._study(last["study"])
        level, phase = last["level"], last["phase"]
        left = n_trials
        while left > 0:
            n = min(self.settings.window, left)
            done = run_block(study, n, phase)
            left -= n
            if done < n or left <= 0:
                return
            pairs = self.evaluated()
            where = {id(t): name for name, t in pairs}
            trials = [t for _, t in pairs]
            values = [t.value if t.state == TrialState.COMPLETE
                      and all(v <= 0 for v in t.constraints.values()) else None for t in trials]
            gain = improvement(values, self.settings.window, self.maximize)
            action = decide(gain, self.settings.threshold, level)
            best = top_trials(trials, 1, self.maximize)
            step = {"action": action, "after_trials": len(trials), "improvement": gain,
                    "best": best[0].value if best else None, "level": level, "phase": phase,
                    "study": study.study_name}
            if action == "keep":
                self._log(step)
                continue
            level += 1 if action == "narrow" else -1
            current = phase_params(study, self.full)
            params = reshape(self.full, current, trials, level, self.settings, self.maximize,
                             narrowing=action == "narrow")
            phase += 1
            study = self._study(f"{self.base.study_name}-adaptive{phase}")
            study.set_user_attr(PHASE_ATTR, {"phase": phase, "level": level,
                                             "space": space_of(params)})
            carried = carry(trials, params, lambda t, at=where: f"{at[id(t)]}#{t.number}")
            study.add_trials(carried)
            self._log({**step, "level": level, "phase": phase, "study": study.study_name,
                       "space": space_of(params), "carried": len(carried)})
