"""The best parameters as a papermill parameters file, `{preset, overrides}`, that every
notebook taking `preset` and `overrides` accepts: `workbench rerun FILE` (or `papermill
notebooks/run-study.ipynb OUT.ipynb -f FILE`) re-runs the preset with them. Generation tuning
and predict read and write the same overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from workbench import config as wconfig
from workbench import paths, records, validate

EXPORT_FILE = "best-params.yaml"


def best_overrides(params: Mapping[str, Any], preset: str | None,
                   extra: Mapping[str, Any] | None = None,
                   base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Config overrides: `base` (nested or dotted), then `hparams.<name>` for each of `params`,
    then `extra` (e.g. a fresh `study.study_name`), validated against the preset.

    Raises the config's own error when a parameter is not a hyperparameter the preset accepts.
    """
    overrides = flat_overrides(base or {})
    overrides.update({f"hparams.{k}": records.plain(v) for k, v in params.items()})
    overrides.update(extra or {})
    if preset is not None:
        validate.resolve(preset, overrides)
    return overrides


def flat_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides as `section.key` entries (the config has two levels; a mapping-valued key
    such as model.architecture stays whole)."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        if isinstance(value, Mapping) and "." not in key:
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def write_overrides(path: Path, preset: str, overrides: Mapping[str, Any],
                    comment: str) -> Path:
    """Write a `{preset, overrides}` papermill parameters file with a comment header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    body = yaml.safe_dump({"preset": preset, "overrides": dict(overrides)}, sort_keys=False,
                          allow_unicode=True)
    path.write_text(header + body, encoding="utf-8")
    return path


def read_overrides(path: str | Path) -> dict[str, Any]:
    """A parameters file written by `write_overrides`: {'preset': ..., 'overrides': {...}}."""
    file = paths.project_path(path)
    data = wconfig.read_yaml(file)
    unknown = sorted(set(data) - {"preset", "overrides"})
    if unknown or not isinstance(data.get("overrides", {}), dict):
        raise wconfig.ConfigError(f"{paths.shown(file)}: expected keys preset and overrides "
                                  f"(a mapping); found {', '.join(map(str, data))}")
    return data
