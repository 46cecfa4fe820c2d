"""Loading a space: a bare name or a file, YAML that refuses duplicate keys, `extends:`, the
catalogue (seed) space other spaces refer to, and selecting groups or parameters to search."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from workbench.spaces.schema import (
    CATALOGUE,
    EXTENDS_KEY,
    FIXED_KEY,
    PROJECT_ROOT,
    SPACES_DIR,
    Param,
    Space,
    SpaceError,
    _check_acyclic,
    _check_refs,
    _parse_fixed,
    _parse_param,
)


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
        hint = f" (the design document's is {CATALOGUE!r})" if text == "seed" else ""
        raise SpaceError(f"unknown space {text!r}{hint}; available spaces: {available}")
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
    """Whether this file is the catalogue (reference) space itself."""
    return path.resolve().parent == SPACES_DIR.resolve() and path.stem == CATALOGUE


def _load_catalogue() -> dict[str, Param]:
    """The reference space's parameters: the names other spaces may pin or condition on."""
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
