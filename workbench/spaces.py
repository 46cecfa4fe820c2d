"""Search spaces: load, validate, describe and sample the YAML spaces under params/spaces/.

A space file maps group names (model, training, generation, preprocessing, ...) to parameters,
plus an optional top-level ``fixed:`` mapping of values the space pins. The schema is documented
at the top of ``params/spaces/seed.yaml``. Parameter names are flat and globally unique because
the run config uses them as keys.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import optuna

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPACES_DIR = PROJECT_ROOT / "params" / "spaces"
CATALOGUE = "seed"  # the space whose parameter names every other space may pin or refer to
FROM_PRESET = "from_preset"  # `choices: from_preset` = the preset's model candidates
TYPES = ("float", "int", "categorical")
PARAM_KEYS = ("type", "low", "high", "step", "log", "choices", "when", "at_most")
FIXED_KEY = "fixed"
EXTENDS_KEY = "extends"  # a space that is another one with some parameters redefined
_REL_TOL = 1e-6  # tolerance for "(high - low) is a multiple of step"
_EXACT_COUNT_LIMIT = 1_000_000  # enumerate at most this many controller assignments


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


# --------------------------------------------------------------------------- loading


def list_spaces() -> list[str]:
    """Names of the spaces shipped under params/spaces/ (what load_space accepts bare)."""
    if not SPACES_DIR.is_dir():
        return []
    return sorted({p.stem for p in SPACES_DIR.iterdir() if p.suffix in (".yaml", ".yml")})


def load_space(name_or_path: str | Path, model_candidates: list[str] | None = None) -> Space:
    """Load and validate a space by bare name (params/spaces/<name>.yaml) or by file path."""
    path = _resolve_space_path(name_or_path)
    candidates = _check_candidates(model_candidates)
    catalogue = None if _is_catalogue(path) else _load_catalogue()
    # Without candidates, `from_preset` choices stay open; `select` refuses to search them.
    return _parse_space(path, candidates, catalogue, need_candidates=False)


def _resolve_space_path(name_or_path: str | Path) -> Path:
    """A bare name is looked up in SPACES_DIR; anything path-like is a file (CWD, then root)."""
    text = str(name_or_path)
    looks_like_path = (
        isinstance(name_or_path, Path)
        or "/" in text
        or "\\" in text
        or text.endswith((".yaml", ".yml"))
    )
    if not looks_like_path:
        for suffix in (".yaml", ".yml"):
            candidate = SPACES_DIR / f"{text}{suffix}"
            if candidate.is_file():
                return candidate
        available = ", ".join(list_spaces()) or "(none)"
        raise SpaceError(f"unknown space {text!r}; available spaces: {available}")
    path = Path(text).expanduser()
    if not path.is_absolute() and not path.is_file() and (PROJECT_ROOT / path).is_file():
        path = PROJECT_ROOT / path
    if not path.is_file():
        raise SpaceError(f"{text}: space file not found")
    return path.resolve()


def _check_candidates(model_candidates: list[str] | None) -> tuple[str, ...] | None:
    """Validate the preset's model candidates (non-empty, unique strings)."""
    if model_candidates is None:
        return None
    if isinstance(model_candidates, str) or not isinstance(model_candidates, Iterable):
        raise SpaceError(
            f"model_candidates must be a list of model names, got {model_candidates!r}"
        )
    out = tuple(model_candidates)
    if not out:
        raise SpaceError("model_candidates is empty: the preset must list at least one model")
    bad = [c for c in out if not isinstance(c, str) or not c.strip()]
    if bad:
        raise SpaceError(f"model_candidates must be non-empty strings, got {bad[0]!r}")
    dupes = sorted({c for c in out if out.count(c) > 1})
    if dupes:
        raise SpaceError(f"model_candidates lists {dupes[0]!r} more than once")
    return out


def _is_catalogue(path: Path) -> bool:
    """Whether this file is the catalogue (seed) space itself."""
    return path.resolve().parent == SPACES_DIR.resolve() and path.stem == CATALOGUE


def _load_catalogue() -> dict[str, Param]:
    """The seed space's parameters: the names other spaces may pin or condition on."""
    for suffix in (".yaml", ".yml"):
        path = SPACES_DIR / f"{CATALOGUE}{suffix}"
        if path.is_file():
            return _parse_space(path, None, None, need_candidates=False).params
    return {}


def _where(path: Path) -> str:
    """The file as shown in messages: relative to the project root when inside it."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    """Build a mapping, raising on a key seen twice in the same mapping."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # unhashable key; let PyYAML report it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning syntax errors into SpaceError naming the file and line."""
    where = _where(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpaceError(f"{where}: cannot read: {exc}") from exc
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise SpaceError(f"{where}: invalid YAML{at}: {problem}") from exc
    except yaml.YAMLError as exc:
        raise SpaceError(f"{where}: invalid YAML: {exc}") from exc


def _parse_space(
    path: Path,
    candidates: tuple[str, ...] | None,
    catalogue: dict[str, Param] | None,
    need_candidates: bool,
) -> Space:
    """Read one space file and run every per-parameter and cross-parameter check."""
    where = _where(path)
    data = _read_yaml(path)
    if data is None:
        raise SpaceError(f"{where}: the file is empty; expected a mapping of groups")
    if not isinstance(data, dict):
        raise SpaceError(
            f"{where}: expected a mapping of groups at the top level, got {type(data).__name__}"
        )
    data = _extended(path, data)
    params: dict[str, Param] = {}
    for group, body in data.items():
        if group == FIXED_KEY:
            continue
        if not isinstance(group, str) or not group.isidentifier():
            raise SpaceError(f"{where}: group name {group!r} must be an identifier")
        if not isinstance(body, dict) or not body:
            raise SpaceError(f"{where}: {group}: a group must be a non-empty mapping of parameters")
        for name, raw in body.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise SpaceError(f"{where}: {group}.{name}: parameter name must be an identifier")
            if name in params:
                raise SpaceError(
                    f"{where}: {group}.{name}: parameter {name!r} is already defined in group "
                    f"{params[name].group!r}; names must be unique across groups"
                )
            params[name] = _parse_param(where, group, name, raw, candidates, need_candidates)

    known = dict(catalogue or {})
    known.update(params)
    for p in params.values():
        _check_refs(where, p, known)
    _check_acyclic(where, params)
    fixed = _parse_fixed(where, data.get(FIXED_KEY), params, known)
    return Space(name=path.stem, path=path, params=params, fixed=fixed)


def _extended(path: Path, data: dict[str, Any], seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A space's groups with `extends: <space>` applied: the other space's parameters, each
    one this file defines again replaced (and moved to this file's group), and both `fixed`."""
    base_name = data.get(EXTENDS_KEY)
    if base_name is None:
        return data
    where = _where(path)
    if not isinstance(base_name, str):
        raise SpaceError(f"{where}: {EXTENDS_KEY}: expected a space name, got {base_name!r}")
    base_path = _resolve_space_path(base_name)
    if base_path in (*seen, path.resolve()):
        raise SpaceError(f"{where}: {EXTENDS_KEY}: spaces extend each other ({base_name})")
    base = _read_yaml(base_path)
    if not isinstance(base, dict):
        raise SpaceError(f"{_where(base_path)}: expected a mapping of groups at the top level")
    base = _extended(base_path, base, (*seen, path.resolve()))
    merged = {g: dict(b) for g, b in base.items() if g != FIXED_KEY}
    for group, body in data.items():
        if group in (FIXED_KEY, EXTENDS_KEY):
            continue
        if not isinstance(body, dict) or not body:
            raise SpaceError(f"{where}: {group}: a group must be a non-empty mapping of parameters")
        for name, raw in body.items():
            for other, params in merged.items():
                if other != group:  # a param redefined in its own group keeps its place
                    params.pop(name, None)
            merged.setdefault(group, {})[name] = raw
    out: dict[str, Any] = {g: b for g, b in merged.items() if b}
    fixed = {**(base.get(FIXED_KEY) or {}), **(data.get(FIXED_KEY) or {})}
    if fixed:
        out[FIXED_KEY] = fixed
    return out


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


# --------------------------------------------------------------------------- selecting


def select(space: Space, names: list[str]) -> list[Param]:
    """The params named by group or parameter names, each once, in file order."""
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not names:
        raise SpaceError(f"space {space.name!r}: select needs at least one group or parameter")
    groups = space.groups
    wanted: set[str] = set()
    for n in names:
        if n in groups:
            wanted.update(groups[n])
        elif n in space.params:
            wanted.add(n)
        else:
            raise SpaceError(
                f"space {space.name!r}: unknown group or parameter {n!r}; "
                f"groups: {', '.join(groups)}; parameters: {', '.join(space.params)}"
            )
    chosen = [p for p in space.params.values() if p.name in wanted]
    for p in chosen:
        if p.type == "categorical" and p.choices is None:
            raise SpaceError(
                f"{_where(space.path)}: {p.group}.{p.name}: is searched, but its choices come "
                "from the preset (choices: from_preset) and the preset lists no model.candidates"
            )
    return chosen


# --------------------------------------------------------------------------- sampling

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


# --------------------------------------------------------------------------- describing


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


def _range_text(p: Param) -> str:
    """E.g. '1e-06–0.001', '{4, 8, 16, 32}'."""
    if p.type == "categorical":
        return _choices_text(p.choices) if p.choices is not None else f"({FROM_PRESET})"
    return f"{_text(p.low)}–{_text(p.high)}"


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


def _grid_size(p: Param, high: int | float) -> int | None:
    """Number of values between low and `high` on p's grid; None if continuous."""
    if p.type == "categorical":
        return len(p.choices) if p.choices is not None else None
    if p.type == "int":
        return (int(high) - int(p.low)) // int(p.step or 1) + 1
    if p.step is None:
        return None
    return int(math.floor((high - p.low) / p.step + 1e-9)) + 1


def _grid_values(p: Param, high: int | float) -> list[Any]:
    """Every value on p's grid up to `high` (discrete params only)."""
    if p.type == "categorical":
        return list(p.choices)
    n = _grid_size(p, high)
    if p.type == "int":
        return [int(p.low) + i * int(p.step or 1) for i in range(n)]
    return [round(p.low + i * p.step, 12) for i in range(n)]


# --------------------------------------------------------------------------- small helpers


def _is_scalar(value: Any) -> bool:
    """Whether Optuna accepts this as a categorical choice (None/bool/int/float/str)."""
    return value is None or isinstance(value, (bool, int, float, str))


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps bools apart from ints (True != 1 here)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _text(value: Any) -> str:
    """YAML-ish text for a value: true/false/null, floats compact."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _choices_text(choices: Iterable[Any]) -> str:
    """E.g. '{4, 8, 16, 32}'."""
    return "{" + ", ".join(_text(c) for c in choices) + "}"


def _value_type(value: Any) -> str:
    """A describe() type for a fixed value with no Param to go on."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "categorical"
    return "int" if isinstance(value, int) else "float"
