"""Describing a space: one row per searched or fixed parameter, and its size (discrete
combinations with conditions and bounds applied, continuous dimensions)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from workbench.spaces.sampling import _active, _ordered, _upper
from workbench.spaces.schema import Param, Space, _grid_size, _range_text
from workbench.spaces.values import _same, _text, _value_type

_EXACT_COUNT_LIMIT = 1_000_000  # enumerate at most this many controller assignments


def describe(
    params: list[Param], fixed: Mapping[str, Any], space: Space | None = None
) -> list[dict[str, Any]]:
    """One row per searched param, then per fixed value; `space` fills in fixed rows' details."""
    fixed = fixed or {}
    searched = {p.name for p in params}
    rows: list[dict[str, Any]] = []
    for p in params:
        row = _row(p, searched=True)
        row["value"] = fixed.get(p.name)
        row["active"] = _static_active(p, searched, fixed)
        rows.append(row)
    for name, value in fixed.items():
        if name in searched:
            continue
        known = space.params.get(name) if space is not None else None
        row = (
            _row(known, searched=False)
            if known
            else {
                "name": name,
                "group": "",
                "type": _value_type(value),
                "range": "",
                "low": None,
                "high": None,
                "choices": None,
                "step": None,
                "log": False,
                "condition": "",
                "searched": False,
            }
        )
        row["name"] = name
        row["value"] = value
        row["active"] = True
        rows.append(row)
    return rows


def _row(p: Param, searched: bool) -> dict[str, Any]:
    """The describe() row for one Param."""
    return {
        "name": p.name,
        "group": p.group,
        "type": p.type,
        "range": _range_text(p),
        "low": p.low,
        "high": p.high,
        "choices": list(p.choices) if p.choices is not None else None,
        "step": p.step,
        "log": p.log,
        "condition": _condition_text(p),
        "searched": searched,
    }


def _static_active(p: Param, searched: set[str], fixed: Mapping) -> bool | None:
    """True/False when fixed values decide p's condition; None when a sampled value does."""
    for ref, wanted in p.when.items():
        if ref in searched:
            return None
        if ref in fixed and not _same(fixed[ref], wanted):
            return False
        if ref not in fixed:
            return None
    return True


def _condition_text(p: Param) -> str:
    """E.g. 'do_sample = true', '≤ max_new_tokens', joined with '; '."""
    parts = []
    if p.when:
        parts.append(" and ".join(f"{ref} = {_text(v)}" for ref, v in p.when.items()))
    if p.at_most is not None:
        parts.append(f"≤ {p.at_most}")
    return "; ".join(parts)


def space_size(params: list[Param], fixed: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Discrete combinations (conditions and bounds applied) and the count of continuous dims."""
    fixed = fixed or {}
    ordered = _ordered(params)
    searched = {p.name for p in ordered}
    discrete = [p for p in ordered if p.grid_size is not None]
    continuous = [p for p in ordered if p.grid_size is None]
    upper_bound = math.prod(p.grid_size for p in discrete)

    controllers = {ref for p in ordered for ref in p.depends_on if ref in searched}
    unresolved = any(
        ref not in searched and ref not in fixed for p in ordered for ref in p.depends_on
    )
    ctrl = [p for p in ordered if p.name in controllers]
    exact = (
        not unresolved
        and all(p.grid_size is not None for p in ctrl)
        and math.prod(p.grid_size for p in ctrl) <= _EXACT_COUNT_LIMIT
    )
    combinations = upper_bound
    if exact:
        rest = [p for p in discrete if p.name not in controllers]
        combinations = _count(ctrl, rest, {}, searched, fixed)
    return {
        "params": len(ordered),
        "discrete": len(discrete),
        "continuous": len(continuous),
        "conditional": sum(1 for p in ordered if p.depends_on),
        "combinations": combinations,
        "exact": exact,
        "upper_bound": upper_bound,
    }


def _count(
    ctrl: list[Param], rest: list[Param], values: dict, searched: set[str], fixed: Mapping
) -> int:
    """Discrete combinations: branch over controller values, multiply the rest's grid sizes."""
    if ctrl:
        p, more = ctrl[0], ctrl[1:]
        if not _active(p, values, searched, fixed):
            return _count(more, rest, {**values}, searched, fixed)
        return sum(
            _count(more, rest, {**values, p.name: v}, searched, fixed)
            for v in _grid_values(p, _upper(p, values, searched, fixed))
        )
    total = 1
    for p in rest:
        if _active(p, values, searched, fixed):
            total *= _grid_size(p, _upper(p, values, searched, fixed))
    return total


def _grid_values(p: Param, high: int | float) -> list[Any]:
    """Every value on p's grid up to `high` (discrete params only)."""
    if p.type == "categorical":
        return list(p.choices)
    n = _grid_size(p, high)
    if p.type == "int":
        return [int(p.low) + i * int(p.step or 1) for i in range(n)]
    return [round(p.low + i * p.step, 12) for i in range(n)]
