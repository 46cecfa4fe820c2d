"""Staged optimization: the stage plans of params/stages.yaml, their order, and what a stage fixes.

A stage searches its own parameters in its own study (`<base>-<stage>`) with the rest fixed at
the best values of the stages it comes after, read from their studies in the shared storage.
Plans are validated as a whole (unknown stage, a cycle in `after`, a parameter or group the
space lacks) before any work starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import optuna

from workbench import paths, spaces
from workbench.config import ConfigError, read_yaml
from workbench.strategies import confirm

STAGE_KEYS = ("trials", "params", "after")
ALL = "all"
STAGE_ATTR = "stage"  # study user attr: {"name", "plan", "fixed"}


class StageError(ValueError):
    """A stage that cannot run yet, e.g. because an earlier stage has no completed trial."""


@dataclass(frozen=True)
class Stage:
    """One stage of a plan: its budget, the parameters it searches, the stages it follows."""

    name: str
    trials: int
    params: tuple[str, ...]  # parameter names (groups and `all` expanded), in space order
    after: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """A validated stage plan, stages in run order."""

    name: str
    stages: dict[str, Stage]

    @property
    def order(self) -> list[str]:
        return list(self.stages)

    def ancestors(self, name: str) -> list[str]:
        """Every stage `name` comes after, directly or not, in run order."""
        seen: set[str] = set()
        todo = list(self.stages[name].after)
        while todo:
            s = todo.pop()
            if s not in seen:
                seen.add(s)
                todo.extend(self.stages[s].after)
        return [s for s in self.order if s in seen]


def load_plan(name: str, space: spaces.Space, file: Any = None) -> Plan:
    """Plan `name` of params/stages.yaml, checked against `space`, in a valid run order."""
    file = file or paths.STAGES
    where = paths.shown(file)
    data = read_yaml(file)
    if name not in data:
        raise ConfigError(f"{where}: unknown stage plan {name!r} (study.stage_plan); plans: "
                          f"{', '.join(map(str, data)) or '(none)'}")
    raw = data[name]
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{where}: {name}: a plan must be a non-empty mapping of stages")
    parsed: dict[str, dict[str, Any]] = {}
    for stage, body in raw.items():
        at = f"{where}: {name}.{stage}"
        if not isinstance(stage, str) or not stage.isidentifier():
            raise ConfigError(f"{at}: a stage name must be an identifier")
        if not isinstance(body, dict):
            raise ConfigError(f"{at}: expected a mapping with {', '.join(STAGE_KEYS)}")
        unknown = sorted(set(body) - set(STAGE_KEYS))
        if unknown:
            raise ConfigError(f"{at}: unknown key {unknown[0]!r}; allowed: {', '.join(STAGE_KEYS)}")
        trials = body.get("trials")
        if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
            raise ConfigError(f"{at}.trials: expected an integer >= 1, got {trials!r}")
        after = body.get("after", [])
        after = [after] if isinstance(after, str) else after
        if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
            raise ConfigError(f"{at}.after: expected a list of stage names, got {after!r}")
        for a in after:
            if a not in raw:
                raise ConfigError(f"{at}.after: no stage {a!r} in plan {name!r}; stages: "
                                  f"{', '.join(raw)}")
        params = body.get("params")
        if params != ALL and (not isinstance(params, list) or not params
                              or not all(isinstance(p, str) for p in params)):
            raise ConfigError(f"{at}.params: expected a list of groups or parameters, or "
                              f"'{ALL}', got {params!r}")
        if params == ALL and not after:
            raise ConfigError(f"{at}.params: '{ALL}' means the parameters of the stages before "
                              "it, but this stage comes after none (set after:)")
        parsed[stage] = {"trials": trials, "after": tuple(after), "params": params}
    order = _run_order(parsed, f"{where}: {name}")
    stages: dict[str, Stage] = {}
    for stage in order:
        body = parsed[stage]
        if body["params"] == ALL:
            names = {p for s in _ancestors(parsed, stage) for p in stages[s].params}
            chosen = [p for p in space.params if p in names]
        else:
            try:
                chosen = [p.name for p in spaces.select(space, body["params"])]
            except spaces.SpaceError as exc:
                raise ConfigError(f"{where}: {name}.{stage}.params: {exc}") from None
        stages[stage] = Stage(stage, body["trials"], tuple(chosen), body["after"])
    return Plan(name, stages)


def _ancestors(parsed: Mapping[str, Mapping[str, Any]], name: str) -> set[str]:
    seen: set[str] = set()
    todo = list(parsed[name]["after"])
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo.extend(parsed[s]["after"])
    return seen


def _run_order(parsed: Mapping[str, Mapping[str, Any]], where: str) -> list[str]:
    """Stages with each after the ones it names (file order among equals); refuses a cycle."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, chain: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            loop = " -> ".join([*chain[chain.index(name):], name])
            raise ConfigError(f"{where}: the stage order has a cycle: {loop} (each stage's "
                              "`after` must name stages that run before it)")
        state[name] = 1
        for a in parsed[name]["after"]:
            visit(a, [*chain, name])
        state[name] = 2
        order.append(name)

    for name in parsed:
        visit(name, [])
    return order


def stage_study_name(base: str, stage: str) -> str:
    return f"{base}-{stage}"


def best_of(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    """The best feasible completed trial (with confirmation runs, the kept run of the config
    with the highest mean: `confirm.best_trial`); for several objectives, the Pareto trial best
    on ROUGE."""
    if len(study.directions) == 1:
        return confirm.best_trial(study)
    front = study.best_trials
    return max(front, key=lambda t: t.values[0]) if front else None


def fixed_values(plan: Plan, stage: str, storage: optuna.storages.BaseStorage, base: str,
                 where: str, preset: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The values stage `stage` fixes: each earlier stage's best trial over the values it fixed.

    Returns the values and, per predecessor, where they came from (study, trial, value).
    Raises StageError when a predecessor's study is missing or has no completed trial.
    """
    fixed: dict[str, Any] = {}
    sources: list[dict[str, Any]] = []
    names = set(optuna.get_all_study_names(storage=storage))
    for pred in [s for s in plan.ancestors(stage) if s in plan.stages[stage].after]:
        name = stage_study_name(base, pred)
        hint = (f"run it first: workbench study --preset {preset} --stage {pred} (or run-study "
                f"with stage={pred!r})")
        if name not in names:
            raise StageError(f"stage {stage!r} fixes the best of stage {pred!r}, but its study "
                             f"{name!r} is not in {where}: {hint}")
        study = optuna.load_study(study_name=name, storage=storage)
        best = best_of(study)
        if best is None:
            raise StageError(f"stage {stage!r} fixes the best of stage {pred!r}, but study "
                             f"{name!r} in {where} has no completed (feasible) trial yet: {hint}")
        earlier = dict(study.user_attrs.get(STAGE_ATTR, {}).get("fixed", {}))
        fixed.update({**earlier, **best.params})
        sources.append({"stage": pred, "study": name, "trial": best.number,
                        "values": list(best.values), "params": dict(best.params)})
    return fixed, sources
