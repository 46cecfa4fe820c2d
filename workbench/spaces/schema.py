"""What a space is and what a space file may say: the constants, `Param` and `Space`, and the
per-parameter and cross-parameter checks (`when`, `at_most`, `fixed`) a file must pass."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.spaces.values import _choices_text, _is_scalar, _same, _text

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
SPACES_DIR = PROJECT_ROOT / "params" / "spaces"
CATALOGUE = "reference"  # the space whose parameter names every other space may pin or refer to
FROM_PRESET = "from_preset"  # `choices: from_preset` = the preset's model candidates
TYPES = ("float", "int", "categorical")
PARAM_KEYS = ("type", "low", "high", "step", "log", "choices", "when", "at_most")
FIXED_KEY = "fixed"
EXTENDS_KEY = "extends"  # a space that is another one with some parameters redefined
_REL_TOL = 1e-6  # tolerance for "(high - low) is a multiple of step"


class SpaceError(ValueError):
    """A space file or a space operation is invalid; the message names the file and parameter."""


@dataclass(frozen=True)
class Param:
    """One searchable parameter: its Optuna distribution plus its condition and bound."""

    name: str
    group: str
    type: str  # "float" | "int" | "categorical"
    low: int | float | None = None
    high: int | float | None = None
    step: int | float | None = None
    log: bool = False
    choices: tuple[Any, ...] | None = None
    when: dict[str, Any] = field(default_factory=dict, hash=False)
    at_most: str | None = None

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Names this parameter's condition or bound refers to (sampled before it)."""
        refs = list(self.when)
        if self.at_most is not None and self.at_most not in refs:
            refs.append(self.at_most)
        return tuple(refs)

    @property
    def grid_size(self) -> int | None:
        """Number of distinct values on the full range, or None for a continuous float."""
        return _grid_size(self, self.high)


@dataclass(frozen=True)
class Space:
    """A loaded, validated space: its parameters in file order and the values it pins."""

    name: str
    path: Path
    params: dict[str, Param] = field(hash=False)
    fixed: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def groups(self) -> dict[str, list[str]]:
        """Group name -> parameter names, both in file order."""
        out: dict[str, list[str]] = {}
        for p in self.params.values():
            out.setdefault(p.group, []).append(p.name)
        return out



def _grid_size(p: Param, high: int | float) -> int | None:
    """Number of values between low and `high` on p's grid; None if continuous."""
    if p.type == "categorical":
        return len(p.choices) if p.choices is not None else None
    if p.type == "int":
        return (int(high) - int(p.low)) // int(p.step or 1) + 1
    if p.step is None:
        return None
    return int(math.floor((high - p.low) / p.step + 1e-9)) + 1



def _range_text(p: Param) -> str:
    """E.g. '1e-06–0.001', '{4, 8, 16, 32}'."""
    if p.type == "categorical":
        return _choices_text(p.choices) if p.choices is not None else f"({FROM_PRESET})"
    return f"{_text(p.low)}–{_text(p.high)}"



def _fail(where: str, group: str, name: str, reason: str) -> SpaceError:
    """A SpaceError in the house format: `file: group.name: reason`."""
    return SpaceError(f"{where}: {group}.{name}: {reason}")


def _parse_param(
    where: str,
    group: str,
    name: str,
    raw: Any,
    candidates: tuple[str, ...] | None,
    need_candidates: bool,
) -> Param:
    """Validate one parameter definition and build its Param."""

    def fail(reason: str) -> SpaceError:
        return _fail(where, group, name, reason)

    if not isinstance(raw, dict):
        raise fail(f"must be a mapping with a type, got {raw!r}")
    unknown = [k for k in raw if k not in PARAM_KEYS]
    if unknown:
        raise fail(f"unknown key {unknown[0]!r}; allowed keys: {', '.join(PARAM_KEYS)}")
    kind = raw.get("type")
    if kind is None:
        raise fail(f"type is required (one of {', '.join(TYPES)})")
    if kind not in TYPES:
        raise fail(f"unknown type {kind!r}; use one of {', '.join(TYPES)}")

    when = _parse_when(fail, raw.get("when"))
    at_most = raw.get("at_most")
    if at_most is not None:
        if not isinstance(at_most, str) or not at_most:
            raise fail(f"at_most must name another parameter, got {at_most!r}")
        if kind == "categorical":
            raise fail("at_most applies only to type: float or int")
        if at_most == name:
            raise fail("at_most cannot name the parameter itself")

    if kind == "categorical":
        for key in ("low", "high", "step", "log"):
            if key in raw:
                raise fail(f"{key} does not apply to type: categorical (use choices)")
        choices = _parse_choices(fail, raw.get("choices"), candidates, need_candidates)
        return Param(name, group, kind, choices=choices, when=when, at_most=None)

    if "choices" in raw:
        raise fail(f"choices applies only to type: categorical, not {kind}")
    low = _number(fail, raw, "low", kind, required=True)
    high = _number(fail, raw, "high", kind, required=True)
    step = _number(fail, raw, "step", kind, required=False)
    log = raw.get("log", False)
    if not isinstance(log, bool):
        raise fail(f"log must be true or false, got {log!r}")
    if low > high:
        raise fail(f"low ({_text(low)}) must be <= high ({_text(high)})")
    if log and step is not None:
        raise fail("step and log cannot be combined (Optuna refuses both)")
    if log and low <= 0:
        raise fail("low must be > 0 when log: true")
    if step is not None:
        if step <= 0:
            raise fail(f"step must be > 0, got {_text(step)}")
        ratio = (high - low) / step
        if abs(ratio - round(ratio)) > _REL_TOL * max(1.0, abs(ratio)):
            raise fail(
                f"high - low ({_text(high - low)}) is not a multiple of step ({_text(step)})"
            )
    if kind == "float":
        low, high = float(low), float(high)
        step = float(step) if step is not None else None
    return Param(name, group, kind, low, high, step, log, None, when, at_most)


def _parse_when(fail, raw: Any) -> dict[str, Any]:
    """Validate `when: {other_param: value, ...}` (all must hold)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        raise fail(
            f"when must map another parameter to a value, e.g. {{do_sample: true}}; got {raw!r}"
        )
    for ref, value in raw.items():
        if not isinstance(ref, str):
            raise fail(f"when must name parameters by string, got {ref!r}")
        if not _is_scalar(value):
            raise fail(f"when {ref}: value must be a single null/bool/int/float/str, got {value!r}")
    return dict(raw)


def _parse_choices(
    fail, raw: Any, candidates: tuple[str, ...] | None, need_candidates: bool
) -> tuple[Any, ...] | None:
    """Validate a categorical's choices, resolving `from_preset` to the model candidates."""
    if raw == FROM_PRESET:
        if candidates is None:
            if need_candidates:
                raise fail(
                    "choices come from the preset (choices: from_preset), but no model "
                    "candidates were given: the preset must list model candidates"
                )
            return None
        return candidates
    if not isinstance(raw, list) or not raw:
        raise fail(
            f"type: categorical needs a non-empty choices list (or choices: {FROM_PRESET}), "
            f"got {raw!r}"
        )
    for i, choice in enumerate(raw):
        if not _is_scalar(choice):
            raise fail(f"choice {choice!r} is not null, bool, int, float or str")
        for earlier in raw[:i]:
            if choice == earlier:  # also catches 1 vs 1.0 and 1 vs true, which Optuna confuses
                raise fail(f"duplicate choice {choice!r}")
    return tuple(raw)


def _number(fail, raw: dict, key: str, kind: str, required: bool) -> int | float | None:
    """Read low/high/step as a finite number (an integer for type: int)."""
    if key not in raw or raw[key] is None:
        if required:
            raise fail(f"{key} is required for type: {kind}")
        return None
    value = raw[key]
    if isinstance(value, str):
        hint = ""
        try:
            float(value)
            hint = f" (YAML reads {value} as text; write it with a dot, e.g. 1.0e-6)"
        except ValueError:
            pass
        raise fail(f"{key} must be a number, got the string {value!r}{hint}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"{key} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise fail(f"{key} must be finite, got {value!r}")
    if kind == "int" and not isinstance(value, int):
        raise fail(f"{key} must be an integer for type: int, got {value!r}")
    return value


def _check_refs(where: str, p: Param, known: dict[str, Param]) -> None:
    """`when` and `at_most` must name known parameters, with values/bounds that can hold."""
    for ref, value in p.when.items():
        if ref == p.name:
            raise _fail(where, p.group, p.name, "when cannot refer to the parameter itself")
        if ref not in known:
            raise _fail(
                where,
                p.group,
                p.name,
                f"when names unknown parameter {ref!r}{_did_you_mean(ref, known)}",
            )
        other = known[ref]
        if other.choices is not None and not any(_same(value, c) for c in other.choices):
            raise _fail(
                where,
                p.group,
                p.name,
                f"when {ref} = {_text(value)} can never hold: {ref}'s choices are "
                f"{_choices_text(other.choices)}",
            )
    if p.at_most is not None:
        if p.at_most not in known:
            raise _fail(
                where,
                p.group,
                p.name,
                f"at_most names unknown parameter {p.at_most!r}{_did_you_mean(p.at_most, known)}",
            )
        other = known[p.at_most]
        lows = _numeric_values(other)
        if lows is None:
            raise _fail(
                where,
                p.group,
                p.name,
                f"at_most {p.at_most}: {p.at_most} must be numeric (float, int or numeric choices)",
            )
        if lows and min(lows) < p.low:
            raise _fail(
                where,
                p.group,
                p.name,
                f"at_most {p.at_most} conflicts with low: {p.at_most} can be "
                f"{_text(min(lows))}, below {p.name}'s low {_text(p.low)}",
            )


def _numeric_values(p: Param) -> list[float] | None:
    """The smallest possible value(s) of a numeric parameter, or None if not numeric."""
    if p.type in ("float", "int"):
        return [p.low]
    if p.choices is None:
        return []
    if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in p.choices):
        return list(p.choices)
    return None


def _check_acyclic(where: str, params: dict[str, Param]) -> None:
    """Refuse `when`/`at_most` chains that loop back on themselves."""
    state: dict[str, int] = {}

    def visit(name: str, chain: list[str]) -> None:
        if state.get(name) == 2 or name not in params:
            return
        if state.get(name) == 1:
            loop = " -> ".join(chain[chain.index(name) :] + [name])
            p = params[name]
            raise _fail(where, p.group, p.name, f"circular when/at_most dependency: {loop}")
        state[name] = 1
        for ref in params[name].depends_on:
            visit(ref, chain + [name])
        state[name] = 2

    for name in params:
        visit(name, [])


def _parse_fixed(
    where: str, raw: Any, params: dict[str, Param], known: dict[str, Param]
) -> dict[str, Any]:
    """Validate the top-level `fixed:` mapping (known names, scalar values, not also searched)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SpaceError(f"{where}: {FIXED_KEY}: must be a mapping of parameter -> value")
    for key, value in raw.items():
        if key not in known:
            raise SpaceError(
                f"{where}: {FIXED_KEY}.{key}: not a known parameter{_did_you_mean(key, known)}"
            )
        if key in params:
            raise SpaceError(
                f"{where}: {FIXED_KEY}.{key}: also searched as {params[key].group}.{key}; "
                f"pin it or search it, not both"
            )
        if not _is_scalar(value):
            raise SpaceError(
                f"{where}: {FIXED_KEY}.{key}: value must be null/bool/int/float/str, got {value!r}"
            )
    return dict(raw)


def _did_you_mean(name: Any, known: Mapping[str, Any]) -> str:
    """A ' (did you mean ...?)' hint, or the list of known names when nothing is close."""
    close = difflib.get_close_matches(str(name), list(known), n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f"; known parameters: {', '.join(known)}"
