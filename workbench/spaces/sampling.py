"""Sampling a space: the searched params suggested in dependency order (conditions and
`at_most` bounds applied), and a config's values as trial 0 (`enqueue_params`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workbench.spaces.schema import _REL_TOL, Param, SpaceError, _range_text
from workbench.spaces.values import _choices_text, _same, _text

if TYPE_CHECKING:
    import optuna

_INACTIVE = object()  # a searched parameter whose condition did not hold
_UNKNOWN = object()  # a value nobody can tell yet (only for enqueue/describe)


def _ordered(params: list[Param]) -> list[Param]:
    """Params reordered so each comes after those its condition/bound refers to (stable)."""
    remaining = list(params)
    names = {p.name for p in remaining}
    placed: set[str] = set()
    out: list[Param] = []
    while remaining:
        for i, p in enumerate(remaining):
            if all(ref in placed or ref not in names for ref in p.depends_on):
                out.append(remaining.pop(i))
                placed.add(p.name)
                break
        else:
            loop = ", ".join(p.name for p in remaining)
            raise SpaceError(f"circular when/at_most dependency among: {loop}")
    return out


def _lookup(p: Param, ref: str, values: dict, searched: set[str], fixed: Mapping) -> Any:
    """The value `ref` has for this trial: sampled, inactive, or pinned in fixed."""
    if ref in values:
        return values[ref]
    if ref in searched:
        return _INACTIVE
    if ref in fixed:
        return fixed[ref]
    raise SpaceError(
        f"{p.group}.{p.name}: depends on {ref!r}, which is neither searched nor fixed; "
        f"search {ref} too or give it a value"
    )


def _active(p: Param, values: dict, searched: set[str], fixed: Mapping) -> bool:
    """Whether every `when` condition of p holds for this trial."""
    for ref, wanted in p.when.items():
        got = _lookup(p, ref, values, searched, fixed)
        if got is _INACTIVE or not _same(got, wanted):
            return False
    return True


def _upper(p: Param, values: dict, searched: set[str], fixed: Mapping) -> int | float:
    """p's effective high: its own high, lowered to `at_most`'s value on p's step grid."""
    if p.at_most is None:
        return p.high
    bound = _lookup(p, p.at_most, values, searched, fixed)
    if bound is _INACTIVE:
        return p.high
    if isinstance(bound, bool) or not isinstance(bound, (int, float)):
        raise SpaceError(f"{p.group}.{p.name}: at_most {p.at_most} is {bound!r}, not a number")
    if bound < p.low:
        raise SpaceError(
            f"{p.group}.{p.name}: cannot satisfy {p.name} <= {p.at_most}: {p.at_most} is "
            f"{_text(bound)}, below {p.name}'s low {_text(p.low)}"
        )
    return _snap_down(p, min(p.high, bound))


def _snap_down(p: Param, upper: float) -> int | float:
    """Round an upper bound down onto p's grid (low + k*step), never below low."""
    if p.type == "int":
        step = p.step or 1
        return p.low + (math.floor(upper) - p.low) // step * step
    if p.step is None:
        return float(upper)
    k = math.floor((upper - p.low) / p.step + 1e-9)
    return round(p.low + k * p.step, 12)


def _suggest_one(trial: optuna.trial.BaseTrial, p: Param, high: int | float) -> Any:
    """Call the trial's suggest_* for one param with the given (possibly lowered) high."""
    if p.type == "categorical":
        return trial.suggest_categorical(p.name, list(p.choices))
    if p.type == "int":
        return trial.suggest_int(p.name, int(p.low), int(high), step=int(p.step or 1), log=p.log)
    return trial.suggest_float(p.name, p.low, high, step=p.step, log=p.log)


def suggest(trial: optuna.trial.BaseTrial, params: list[Param], fixed: Mapping[str, Any]) -> dict:
    """Sample the searched params in dependency order; inactive ones are never suggested."""
    fixed = fixed or {}
    searched = {p.name for p in params}
    values: dict[str, Any] = {}
    for p in _ordered(params):
        if not _active(p, values, searched, fixed):
            continue
        values[p.name] = _suggest_one(trial, p, _upper(p, values, searched, fixed))
    return {p.name: values[p.name] for p in params if p.name in values}


# --------------------------------------------------------------------------- enqueueing


def enqueue_params(
    params: list[Param], config_values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The config's values for the searched, active params (for study.enqueue_trial), + warnings."""
    searched = {p.name for p in params}
    values: dict[str, Any] = {}
    dropped: set[str] = set()
    warnings: list[str] = []

    def lookup(ref: str) -> Any:
        if ref in values:
            return values[ref]
        if ref in searched:
            return _UNKNOWN if ref in dropped else _INACTIVE
        return config_values.get(ref, _UNKNOWN)

    for p in _ordered(params):
        conditions = [(lookup(ref), wanted) for ref, wanted in p.when.items()]
        if any(
            got is _INACTIVE or (got is not _UNKNOWN and not _same(got, wanted))
            for got, wanted in conditions
        ):
            continue  # inactive for this config: Optuna would never ask for it
        if p.name not in config_values:
            dropped.add(p.name)
            warnings.append(f"{p.name}: the config has no value; the sampler picks it in trial 0")
            continue
        value, problem, keep = _normalize(p, config_values[p.name])
        if not keep:
            dropped.add(p.name)
            warnings.append(problem)
            continue
        if problem:
            warnings.append(problem)
        if p.at_most is not None:
            bound = lookup(p.at_most)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool) and value > bound:
                warnings.append(
                    f"{p.name}={_text(value)} is above {p.at_most}={_text(bound)} in the config; "
                    f"trial 0 keeps it"
                )
        values[p.name] = value
    return {p.name: values[p.name] for p in params if p.name in values}, warnings


_DROPPED = "; dropped, the sampler picks it in trial 0"
_KEPT = "; trial 0 keeps it (Optuna warns and uses it)"


def _normalize(p: Param, value: Any) -> tuple[Any, str, bool]:
    """(value as Optuna expects it, warning or '', keep?) for one config value."""
    shown = f"{p.name}={_text(value)}"
    if p.type == "categorical":
        for choice in p.choices:
            if _same(value, choice):
                return choice, "", True
        choices = _choices_text(p.choices)
        return value, f"{shown} is not one of the space's choices {choices}{_DROPPED}", False
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value, f"{p.name}={value!r} is not a number{_DROPPED}", False
    if p.type == "int":
        if isinstance(value, float) and not value.is_integer():
            return value, f"{shown} is not an integer{_DROPPED}", False
        value = int(value)
    else:
        value = float(value)
    if not p.low <= value <= p.high:
        return value, f"{shown} is outside the space's {_range_text(p)}{_KEPT}", True
    if p.step is not None:
        ratio = (value - p.low) / p.step
        if abs(ratio - round(ratio)) > _REL_TOL * max(1.0, abs(ratio)):
            grid = f"{_range_text(p)} step {_text(p.step)}"
            return value, f"{shown} is off the space's step grid ({grid}){_KEPT}", True
    return value, "", True
