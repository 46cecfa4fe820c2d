"""The run-study notebook's entry point: validate its parameters, resolve the config (a
stage's included), open the record, and hand back the `StudyRun` that drives the study."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import workbench.study.lifecycle as lifecycle
from workbench import config as wconfig
from workbench import data as wdata
from workbench import paths, records, storage, validate
from workbench.config import model_id
from workbench.strategies import stages, warmstart
from workbench.strategies import targets as wtargets
from workbench.study.task import base_study_name, storage_url

if TYPE_CHECKING:  # the runner imports the trainer (torch, transformers): only `start_run` needs it
    from workbench.study.run import StudyRun

# The run-study notebook's parameters and the types each accepts (None = use the preset's).
RUN_STUDY_PARAMETERS: dict[str, tuple[type, ...]] = {
    "preset": (str,),
    "n_trials": (int, type(None)),
    "timeout": (int, float, type(None)),
    "strategy": (str, type(None)),
    "sampler": (str, type(None)),
    "pruner": (str, type(None)),
    "n_jobs": (int, type(None)),
    "storage": (str, type(None)),
    "study_name": (str, type(None)),
    "workers": (int, type(None)),
    "gpus": (str, type(None)),
    "objective": (str, list, type(None)),
    "stage": (str, type(None)),
    "memory_limit": (int, float, type(None)),
    "adaptive": (bool, type(None)),
    "warm_start_file": (str, type(None)),
    "warm_start_record": (str, type(None)),
    "overrides": (dict,),
    "run_dir": (str, type(None)),
}
# Notebook parameters that are config keys of the `study` section.
STUDY_KEYS = ("n_trials", "timeout", "strategy", "n_jobs", "storage", "study_name",
              "workers", "gpus", "stage", "warm_start_file", "warm_start_record")
# Other notebook parameters and the config keys they set.
STRATEGY_KEYS = {"objective": "objective.targets", "memory_limit": "constraints.memory_limit_gib",
                 "adaptive": "adaptive.enabled", "sampler": "study.sampler.name",
                 "pruner": "study.pruner.name"}


def _notebook_overrides(params: Mapping[str, Any]) -> dict[str, Any]:
    """The config overrides a notebook's parameters make (explicit overrides first)."""
    overrides = dict(params.get("overrides") or {})
    for key in STUDY_KEYS:
        if params.get(key) is not None:
            overrides[f"study.{key}"] = params[key]
    for key, dotted in STRATEGY_KEYS.items():
        if params.get(key) is not None:
            value = params[key]
            overrides[dotted] = wtargets.parse(value) if key == "objective" else value
    return overrides


def _prepare_stage(resolved: validate.Resolved, overrides: dict[str, Any],
                   explicit_budget: bool) -> tuple[validate.Resolved, dict[str, Any]]:
    """The resolved config of a stage run (its params searched, earlier bests fixed) and its
    record."""
    config = resolved.config
    sc = config["study"]
    plan = stages.load_plan(sc["stage_plan"], resolved.space)
    name = sc["stage"]
    if name not in plan.stages:
        raise wconfig.ConfigError(
            f"study.stage: unknown stage {name!r} in plan {plan.name!r} "
            f"({paths.shown(paths.STAGES)}); stages in run order: {', '.join(plan.order)}")
    stage = plan.stages[name]
    base = base_study_name(config)
    url = storage_url(config)
    fixed, sources = {}, []
    if stage.after:
        opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"])
        fixed, sources = stages.fixed_values(plan, name, opened, base, storage.mask(url),
                                             config["preset"])
    # Every earlier best goes into hparams: fixed where this stage does not search it, and
    # trial 0's value where it does (so trial 0 is the best config so far).
    stage_over = {"search.params": list(stage.params),
                  "study.study_name": stages.stage_study_name(base, name),
                  "study.n_trials": sc["n_trials"] if explicit_budget else stage.trials,
                  **{f"hparams.{k}": v for k, v in fixed.items()}}
    staged = validate.resolve(config["preset"], {**overrides, **stage_over})
    info = {"name": name, "plan": plan.name, "order": plan.order, "after": list(stage.after),
            "searched": list(stage.params),
            "fixed": {k: v for k, v in fixed.items() if k not in stage.params},
            "start": {k: v for k, v in fixed.items() if k in stage.params},
            "from": sources, "budget": staged.config["study"]["n_trials"]}
    return staged, info


def models_needed(config: Mapping[str, Any], searched: list[str]) -> list[str]:
    """The pretrained models a run may load: the config's, and the candidates it searches."""
    names = [model_id(config)]
    if "model_name" in searched:
        names += list(config["model"]["candidates"])
    return list(dict.fromkeys(n for n in names if n))


def check_resources(config: Mapping[str, Any], searched: list[str]) -> None:
    """Before any study exists: the storage can be written, the GPUs asked for are usable,
    and every model the run may load is local or downloadable (seconds to fail offline, not a
    minute of Hub retries). Torch is imported only to check GPUs that were asked for."""
    from workbench.hub import check_available

    storage.check_usable(storage_url(config))
    if config["study"]["gpus"]:
        from workbench.study.execution import check_gpus

        check_gpus(config["study"]["gpus"])
    for name in models_needed(config, searched):
        check_available(name)




def name_by_data(config: dict[str, Any], splits: Mapping[str, Any]) -> str | None:
    """Name the study of a run on other data than the shipped sample, when study.study_name
    is not set: `<preset>-<data folder>-<fingerprint>`, so the preset's own study (created on
    the sample) is never resumed on other rows, and the same data resumes its own. Returns
    the name it set (None: left as it was). `splits`: the run's (`data.load_splits`)."""
    if config["study"]["study_name"] or \
            paths.project_path(config["data"]["dir"]).resolve() == paths.SAMPLE.resolve():
        return None
    folder = paths.project_path(config["data"]["dir"]).resolve().name
    label = re.sub(r"[^A-Za-z0-9._-]+", "_", folder).strip("._") or "data"
    digest = wdata.fingerprint(splits)[:8]
    config["study"]["study_name"] = f"{config['preset']}-{label}-{digest}"
    return config["study"]["study_name"]


def resolve_run(params: Mapping[str, Any], say: bool = False
                ) -> tuple[validate.Resolved, dict[str, Any] | None, list[dict[str, Any]]]:
    """The run's resolved config (a stage's included), its stage record and warm starts;
    `say`: print the study name a run on other data is given."""
    overrides = _notebook_overrides(params)
    resolved = validate.resolve(params["preset"], overrides)
    config = resolved.config
    splits = wdata.load_splits(config)  # a bad data file is refused before any work
    named = name_by_data(config, splits)
    if named and say:
        print(f"note: data.dir is not the shipped sample: this run's study is {named!r}, named "
              "by its data (--study-name picks another)")
    stage_info = None
    if config["study"]["stage"]:
        explicit = params.get("n_trials") is not None or "study.n_trials" in overrides
        resolved, stage_info = _prepare_stage(resolved, overrides, explicit)
    return resolved, stage_info, warmstart.entries(resolved.config["study"], resolved.names)


def preflight(params: Mapping[str, Any]) -> dict[str, Any]:
    """Check a run's parameters, config, space, data files, storage and models as `start_run`
    will, without opening a record or importing the trainer (torch, transformers, peft): the
    CLI calls it before papermill starts a kernel, so a bad preset, key, value, data file,
    storage URL or missing model is refused within a second or two and leaves no folder."""
    records.check_parameters(dict(params), RUN_STUDY_PARAMETERS)
    resolved, _, _ = resolve_run({"overrides": {}, **params})
    check_resources(resolved.config, resolved.names)
    return resolved.config


def start_run(notebook: str, **params: Any) -> StudyRun:
    """Validate the notebook's parameters, resolve the config and open the record.

    Strategy settings (objectives, constraints, stage, adaptive, warm start) are checked here,
    before any work. A run that fails here still leaves a record with status 'failed'.
    """
    from workbench.study.run import StudyRun

    record = records.open_record(notebook, params, RUN_STUDY_PARAMETERS)
    killed = lifecycle.killed_runs(record)
    if killed:  # a killed run never wrote its end: its record still says running
        record.update(killed_runs=killed)
        for run in killed:
            print(f"note: earlier run {run['record']} was killed ({run['why']}); its record "
                  "still says 'running'")
    with record.failing():
        resolved, stage_info, warm = resolve_run(params, say=True)
        check_resources(resolved.config, resolved.names)
    record.update(config=records.shown_config(resolved.config))
    if stage_info is not None:
        record.update(stage=stage_info)
    if warm:
        record.update(warm_start=warm)
    return StudyRun(resolved, record, warm)
