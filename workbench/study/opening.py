"""Creating or resuming a run's study, and queueing its trials: trial 0 (the preset's own
config) and warm starts in a new study, then the run's budget (left-over queued trials count
towards it)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import optuna

from workbench import spaces, storage
from workbench.records import Record
from workbench.strategies import stages
from workbench.strategies import targets as wtargets
from workbench.study.samplers import make_pruner, make_sampler
from workbench.study.task import check_same_task

WAITING = (optuna.trial.TrialState.WAITING,)


def create_study(config: Mapping[str, Any], targets: wtargets.Targets, opened: Any, name: str,
                 where: str) -> optuna.Study:
    """Create or load study `name` with the run's objectives, checked to be the same task."""
    sc = config["study"]
    study = optuna.create_study(study_name=name, storage=opened, directions=targets.directions,
                                sampler=make_sampler(sc), pruner=make_pruner(sc, targets.multi),
                                load_if_exists=True)
    check_same_task(study, config, where)
    if targets.multi and not study.trials:
        with warnings.catch_warnings():  # "experimental" since Optuna 3.2
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names(targets.labels)
    return study


def open_study(config: Mapping[str, Any], targets: wtargets.Targets, url: str, name: str,
               join: bool, searched: Sequence[spaces.Param], warm_starts: Sequence[Any],
               record: Record) -> tuple[optuna.Study, int]:
    """Create or resume the study; queue trial 0, warm starts and this run's budget. Returns
    the study and how many trials it had before. A join only loads it, adding nothing."""
    sc = config["study"]
    opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"])
    if join:
        try:
            study = optuna.load_study(study_name=name, storage=opened)
        except KeyError:
            raise ValueError(f"study {name!r} not found in {storage.mask(url)}: start it "
                             "without --join first") from None
        return study, len(study.trials)
    study = create_study(config, targets, opened, name, storage.mask(url))
    before = len(study.trials)
    # Trials still queued from an interrupted run are run by this one, within its budget.
    used = storage.counted(study) - len(study.get_trials(deepcopy=False, states=WAITING))
    if not study.trials:
        values, notes = spaces.enqueue_params(list(searched), config["hparams"])
        study.enqueue_trial(values, user_attrs={"origin": "preset"})
        for entry in warm_starts:
            study.enqueue_trial(dict(entry["params"]), user_attrs={
                "origin": "warm_start", "warm_start_source": entry["source"]})
        if notes:
            record.update(enqueue_warnings=notes)
        if sc["stage"]:
            study.set_user_attr(stages.STAGE_ATTR, record.data["stage"])
    if sc["stage"]:  # the stage's budget is its study's total: a re-run tops it up
        storage.top_up(study, sc["n_trials"])
    elif not config["adaptive"]["enabled"]:  # adaptive runs queue one block at a time
        storage.top_up(study, used + sc["n_trials"])
    return study, before
