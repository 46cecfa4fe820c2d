"""Creating or resuming a run's study, and queueing its trials: trial 0 (the preset's own
config) and warm starts in a new study, then the run's budget (left-over queued trials count
towards it)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import optuna

import workbench.study.lifecycle as lifecycle
from workbench import spaces, storage
from workbench.records import Record
from workbench.strategies import stages
from workbench.strategies import targets as wtargets
from workbench.study.samplers import make_pruner, make_sampler
from workbench.study.task import check_same_task


def create_study(config: Mapping[str, Any], targets: wtargets.Targets, opened: Any, name: str,
                 where: str, fingerprint: str | None = None) -> optuna.Study:
    """Create or load study `name` with the run's objectives, checked to be the same task (on
    the same data rows when `fingerprint` is given)."""
    sc = config["study"]
    study = optuna.create_study(study_name=name, storage=opened, directions=targets.directions,
                                sampler=make_sampler(sc), pruner=make_pruner(sc, targets.multi),
                                load_if_exists=True)
    check_same_task(study, config, where, fingerprint)
    if not study.metric_names:  # optuna-dashboard's label ("dev ROUGE", not "Objective 0")
        with warnings.catch_warnings():  # "experimental" since Optuna 3.2
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names(targets.labels)
    return study


def open_study(config: Mapping[str, Any], targets: wtargets.Targets, url: str, name: str,
               join: bool, searched: Sequence[spaces.Param], warm_starts: Sequence[Any],
               record: Record, fingerprint: str | None = None
               ) -> tuple[optuna.Study, int, dict[str, Any] | None]:
    """Create or resume the study; queue trial 0, warm starts and this run's budget. Returns
    the study, how many trials it had before and the run's budget (`lifecycle`). A join only
    loads it, adding nothing (and has no budget: it helps the runs whose trials it takes)."""
    sc = config["study"]
    opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"])
    if join:
        try:
            study = optuna.load_study(study_name=name, storage=opened)
        except KeyError:
            raise ValueError(f"study {name!r} not found in {storage.mask(url)}: start it "
                             "without --join first") from None
        # A join runs the study's queued trials with its own config: the same task only.
        check_same_task(study, config, storage.mask(url), fingerprint)
        return study, len(study.trials), None
    study = create_study(config, targets, opened, name, storage.mask(url), fingerprint)
    before = len(study.trials)
    if not study.trials:  # queued for no run: the first run takes them first, in its budget
        values, notes = spaces.enqueue_params(list(searched), config["hparams"])
        study.enqueue_trial(values, user_attrs={"origin": "preset"})
        for entry in warm_starts:
            study.enqueue_trial(dict(entry["params"]), user_attrs={
                "origin": "warm_start", "warm_start_source": entry["source"]})
        if notes:
            record.update(enqueue_warnings=notes)
        if sc["stage"]:
            study.set_user_attr(stages.STAGE_ATTR, record.data["stage"])
    n, rule = sc["n_trials"], lifecycle.BUDGET_RULE
    if sc["stage"]:  # the stage's budget is its study's total: a re-run tops it up
        left = lifecycle.leftovers(study, record.data["run_id"])
        n = max(0, n - storage.counted(study)) + len(left)
        rule = (f"stage {sc['stage']!r}: {sc['n_trials']} trials in all; a re-run adds only "
                "the missing ones (and takes left-over queued trials first)")
    # Adaptive runs queue one block at a time (their budget is claimed block by block).
    claimed = lifecycle.claim(study, record, 0 if config["adaptive"]["enabled"] else n)
    return study, before, {"n_trials": n, **claimed, "rule": rule}
