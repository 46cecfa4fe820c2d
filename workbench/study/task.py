"""Which study a config belongs to: its storage, its name, and the task it was created for.

A study's trials are only comparable when they were run for the same task (model, data,
hyperparameters, searched space, objective): the task is stored with the study when it is
created and compared when it is resumed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import optuna

from workbench import paths, storage
from workbench.strategies import targets as wtargets


def storage_url(config: Mapping[str, Any]) -> str:
    """The study storage: the configured URL, $WORKBENCH_STORAGE, or SQLite under outputs/."""
    return storage.resolve_url(config["study"]["storage"],
                               paths.OUTPUTS / config["preset"] / "optuna.db")


def base_study_name(config: Mapping[str, Any]) -> str:
    """The study a run uses: study.study_name, else the preset's name."""
    return config["study"]["study_name"] or config["preset"]


# Config sections that define what a trial's value means; a study never mixes two of them.
TASK_SECTIONS = ("model", "data", "hparams", "search", "objective")


def task_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a config that defines what a trial's values mean (stored with the study).

    The inference-timing settings belong to it only when inference time is an objective.
    """
    task = json.loads(json.dumps({k: config[k] for k in TASK_SECTIONS}, default=str))
    if task["objective"].get("tags") == "whole":  # what every study scored before the key
        task["objective"].pop("tags")
    # all of dev: the same task as a study stored without the key
    if task["data"].get("select_dev_samples", 0) is None:
        task["data"].pop("select_dev_samples")
    if "inference_time" not in task["objective"]["targets"]:
        for key in ("timing_samples", "timing_warmup", "timing_repeats"):
            task["objective"].pop(key, None)
    return task


def check_same_task(study: optuna.Study, config: Mapping[str, Any], where: str,
                    fingerprint: str | None = None) -> None:
    """Refuse to add trials to a study created for another model, data, space or objective.

    A resumed study's values must stay comparable: the task part of the config is stored with
    the study when it is created and compared when it is resumed, and so are its directions
    (Optuna itself loads an existing study whatever directions are asked for).
    """
    targets = wtargets.Targets.of(config)
    have = wtargets.directions_of(study)
    if have != targets.directions:
        raise ValueError(
            f"study {study.study_name!r} in {where} was created to "
            f"{' / '.join(have)} {len(have)} objective(s); this run asks to "
            f"{' / '.join(targets.directions)} {', '.join(targets.names)}, so its trials are "
            "not comparable: choose another study_name, or the same objectives to resume it"
        )
    task = task_of(config)
    stored = study.user_attrs.get("task")
    if stored is None:
        if not study.trials:
            study.set_user_attr("task", task)
        _check_same_data(study, config, where, fingerprint)
        return
    # Studies created before objective.targets existed optimized dev ROUGE alone.
    stored = {**stored, "objective": {"targets": ["rouge"], **stored.get("objective", {})}}
    # Studies stored the design document's space as "seed" before it was named "reference".
    if stored.get("search", {}).get("space") == "seed":
        stored = {**stored, "search": {**stored["search"], "space": "reference"}}
    if stored == task:  # the same config: then the same data rows
        _check_same_data(study, config, where, fingerprint)
        return
    diffs = sorted(_differences(stored, task))
    shown = ", ".join(diffs[:8]) + (f" and {len(diffs) - 8} more" if len(diffs) > 8 else "")
    raise ValueError(
        f"study {study.study_name!r} in {where} was created with another config ({shown} "
        "differ), so its trials are not comparable with this run's; choose another "
        "study_name, or the same settings to resume it"
    )


def _check_same_data(study: optuna.Study, config: Mapping[str, Any], where: str,
                     fingerprint: str | None) -> None:
    """Refuse a study whose trials ran on other data rows (the files at the same path may have
    been replaced): `data.fingerprint` is stored with the study (studies from before it get
    this run's)."""
    if fingerprint is None:
        return
    stored = study.user_attrs.get(DATA_FINGERPRINT)
    if stored is None:
        study.set_user_attr(DATA_FINGERPRINT, fingerprint)
    elif stored != fingerprint:
        d = config["data"]
        raise ValueError(
            f"study {study.study_name!r} in {where} was created on other data: data.fingerprint "
            f"{stored[:12]}... there, {fingerprint[:12]}... now (rows of {d['dir']}/{d['train']} "
            f"and {d['dev']} after caps), so its trials are not comparable with this run's; "
            "choose another study_name, or restore the data it was run on"
        )


DATA_FINGERPRINT = "data_fingerprint"  # the study attribute holding it


def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += _differences(a.get(key), b.get(key), f"{prefix}{key}.")
        return out
    return [] if a == b else [prefix.rstrip(".")]
