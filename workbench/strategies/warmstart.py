"""Warm start: known-good configs enqueued right after trial 0 (the preset's own config).

Three sources, in this order: `study.warm_start` (an inline list), `study.warm_start_file` (a
YAML list of `{param: value}` mappings) and `study.warm_start_record` (an earlier run's record:
its top `warm_start_top_k` completed, feasible trials by dev ROUGE). Entries name searched
parameters only; the sampler picks the ones an entry leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench import paths, records
from workbench.config import ConfigError, load_yaml
from workbench.strategies import confirm


def _checked(entry: Any, names: set[str], where: str) -> dict[str, Any]:
    if not isinstance(entry, dict) or not entry:
        raise ConfigError(f"{where}: expected a mapping of searched parameters, got {entry!r}")
    extra = sorted(set(entry) - names)
    if extra:
        raise ConfigError(f"{where}: not searched by this run: {', '.join(map(str, extra))}; "
                          f"searched: {', '.join(sorted(names))}")
    return dict(entry)


def read_file(path: str) -> list[Any]:
    """The YAML list in `path` (from the project root), or a ConfigError naming the file."""
    file = paths.project_path(path)
    try:
        data = load_yaml(file)
    except ConfigError as exc:
        raise ConfigError(f"study.warm_start_file: {exc}") from None
    if not isinstance(data, list):
        # A mapping with a `warm_start:` list (like a preset's study section) is accepted too.
        if isinstance(data, dict) and isinstance(data.get("warm_start"), list):
            return data["warm_start"]
        raise ConfigError(f"{paths.shown(file)}: expected a YAML list of {{param: value}} "
                          "mappings (or a mapping with a warm_start: list)")
    return data


def top_trials(record: str, top_k: int) -> list[dict[str, Any]]:
    """The params of a record's `top_k` best completed, feasible trials (first objective); a
    record with confirmation runs gives its top configs as `confirm.ranked` orders them (by
    their mean over seeds first), each config once, its value the mean."""
    data = records.read_results(paths.project_path(record))
    done = [t for t in data.get("trials", []) if t.get("state") == "COMPLETE"
            and t.get("value") is not None and not t.get("infeasible")]
    if any(t.get("origin") == confirm.ORIGIN for t in done):
        return [{"params": c.original.params, "number": c.original.number, "value": c.mean}
                for c in confirm.ranked(confirm.runs_of_record(done))[:top_k]]
    done.sort(key=lambda t: t["value"], reverse=True)
    return [{"params": t["params"], "number": t["number"], "value": t["value"]}
            for t in done[:top_k]]


def entries(study_cfg: Mapping[str, Any], searched: list[str]) -> list[dict[str, Any]]:
    """Every warm-start config of a run: {"params", "source"}, checked, duplicates dropped."""
    names = set(searched)
    out: list[dict[str, Any]] = []
    for i, entry in enumerate(study_cfg["warm_start"]):
        out.append({"params": _checked(entry, names, f"study.warm_start[{i}]"),
                    "source": "study.warm_start"})
    if study_cfg["warm_start_file"]:
        file = paths.shown(paths.project_path(study_cfg["warm_start_file"]))
        for i, entry in enumerate(read_file(study_cfg["warm_start_file"])):
            out.append({"params": _checked(entry, names, f"{file}[{i}]"), "source": file})
    if study_cfg["warm_start_record"]:
        if study_cfg["warm_start_top_k"] < 1:
            raise ConfigError(f"study.warm_start_top_k: must be >= 1, got "
                              f"{study_cfg['warm_start_top_k']}")
        shown = paths.shown(paths.project_path(study_cfg["warm_start_record"]))
        try:
            best = top_trials(study_cfg["warm_start_record"], study_cfg["warm_start_top_k"])
        except (FileNotFoundError, ValueError) as exc:  # missing, or not a record
            raise ConfigError(f"study.warm_start_record: {exc}") from None
        if not best:
            raise ConfigError(f"study.warm_start_record: {shown} has no completed, feasible "
                              "trial to start from")
        for t in best:
            kept = {k: v for k, v in t["params"].items() if k in names}
            if kept:
                out.append({"params": kept, "source": f"{shown} trial {t['number']} "
                                                      f"(value {t['value']:.4f})"})
    unique: list[dict[str, Any]] = []
    for e in out:
        if all(e["params"] != u["params"] for u in unique):
            unique.append(e)
    return unique
