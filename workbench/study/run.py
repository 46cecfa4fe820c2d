"""One run of the run-study notebook: open or resume the study, queue its budget, run the
trials (here, in worker processes, or in adaptive blocks) and keep the record up to date. What
the notebook shows of the run (tables and charts) is `view.RunView`, which `StudyRun` extends."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import optuna

import workbench.study.execution as execution
import workbench.study.lifecycle as lifecycle
import workbench.study.tables as tables
from workbench import data as wdata
from workbench import display, paths, records, spaces, storage
from workbench.records import Record
from workbench.strategies import adaptive, confirm
from workbench.strategies import targets as wtargets
from workbench.study.baselines import constant_baseline, lead_baseline
from workbench.study.objective import BestModel, build_objective
from workbench.study.opening import create_study, open_study
from workbench.study.samplers import run_seed
from workbench.study.task import base_study_name, storage_url
from workbench.study.view import RunView
from workbench.validate import Resolved

WAITING = (optuna.trial.TrialState.WAITING,)


class StudyRun(RunView):
    """A run's resolved config, its record, and the study (or adaptive chain of studies) it
    drives."""

    def __init__(self, resolved: Resolved, record: Record,
                 warm_starts: list[dict[str, Any]] | None = None):
        self.resolved = resolved
        self.config = resolved.config
        self.record = record
        self.study: optuna.Study | None = None
        self.warm_starts = warm_starts or []
        self.targets = wtargets.Targets.of(self.config)
        self._chain: adaptive.AdaptiveSearch | None = None

    @property
    def folder(self):
        return self.record.folder

    def searched(self) -> list[spaces.Param]:
        """The parameters this run searches (the rest are fixed by the config)."""
        return self.resolved.searched

    def optimize(self) -> optuna.Study:
        """Run the study; the record is updated after every trial and marked done or failed."""
        with self.record.failing(before=self._record_trials), lifecycle.alive(self):
            return self._optimize(join=False)

    def join(self) -> optuna.Study:
        """Work through a study's queued trials started elsewhere, adding none (other machines)."""
        with self.record.failing(before=self._record_trials), lifecycle.alive(self):
            return self._optimize(join=True)

    # ------------------------------------------------------------ running

    def _optimize(self, join: bool) -> optuna.Study:
        cfg, sc = self.config, self.config["study"]
        display.progress("loading the data; scoring the lead-2 and constant-output baselines ...")
        splits = wdata.load_splits(cfg)
        self.record.update(baselines={
            "lead2": lead_baseline(cfg, splits["dev"]),
            "constant": constant_baseline(cfg, splits["train"], splits["dev"])},
            data={**{k: len(v) for k, v in splits.items()},
                  "fingerprint": wdata.fingerprint(splits)})
        url = storage_url(cfg)
        name = base_study_name(cfg)
        study, before, budget = open_study(
            cfg, self.targets, url, name, join, self.searched(), self.warm_starts, self.record,
            self.record.data["data"]["fingerprint"])
        self.study = study
        self.record.update(study=tables.study_fields(
            cfg, self.targets, name, storage.shown(url), self.resolved.names,
            join, before, budget))
        for note in tables.notes(self.record.data["study"]):  # asked for, not available
            print(f"note: {note}")
        run_id = self.record.data["run_id"]
        started = time.perf_counter()
        adaptive_run = cfg["adaptive"]["enabled"] and not join
        queued = budget["n_trials"] if budget else len(
            study.get_trials(deepcopy=False, states=WAITING))
        in_process = not adaptive_run and not (sc["workers"] or sc["gpus"])
        # Built before the progress bar: the backend may first build a base, and says so.
        objective = (build_objective(self.resolved, self.folder, run_id, splits) if in_process
                     else None)
        bar = display.Progress(name, queued, sc["timeout"])  # also on papermill's terminal
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        seeded = seeded_config(cfg, study, run_id, join)
        if adaptive_run:
            self._run_adaptive(url, run_id, splits, bar)
        else:
            work = partial(run_queue, self, url, name, run_id, bar, seeded, objective)
            work()
            confirm_top(self, work, bar, started, join)
        self._record_trials()
        self.record.data.setdefault("timings", {}).update(
            study_seconds=round(time.perf_counter() - started, 2), finished=records.now())
        left = left_queued(self._studies(), run_id, sc["timeout"])
        if left:
            self.record.data["left_queued"] = left
            display.say(left["message"])
        self.record.update(status="completed")
        if self.record.data.get("notebook") == "run-study":
            point_latest(self.folder)
        return study

    def _progress(self, bar: display.Progress, trial: optuna.trial.FrozenTrial) -> None:
        bar.trial(trial.number, trial.state.name, trial.values[0] if trial.values else None,
                  tables.best_value(self._studies()))
        self._record_trials()

    def _run_processes(self, url: str, name: str, run_id: str, bar: Any,
                       config: dict[str, Any] | None = None,
                       timeout: float | None = None) -> None:
        seen = {(self.study.study_name, t.number) for t in self.study.get_trials(deepcopy=False)
                if t.state.is_finished()}  # reported already (the budget's, before confirmation)

        def poll() -> None:  # advance the bar for trials the workers finished
            for t in self.study.get_trials(deepcopy=False):
                key = (self.study.study_name, t.number)
                if t.state.is_finished() and key not in seen and \
                        t.user_attrs.get("run_id") == run_id:
                    seen.add(key)
                    self._progress(bar, t)

        # The run's Resolved, its config the one given (this run's sampler seed, a block's).
        resolved = replace(self.resolved, config=config or self.config)
        workers = execution.run_processes(
            resolved, url, name, self.folder, run_id, poll,
            lambda started: self.record.update(workers=started), timeout,
            lifecycle.owner(self.record))
        self.record.update(workers=workers)

    def _run_adaptive(self, url: str, run_id: str, splits: Any, bar: Any) -> None:
        """Run the budget in blocks through a chain of narrowed / widened studies."""
        cfg, sc = self.config, self.config["study"]
        opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"])
        where = storage.mask(url)
        in_process = not (sc["workers"] or sc["gpus"])
        objective = (build_objective(self.resolved, self.folder, run_id, splits) if in_process
                     else None)
        deadline = None if sc["timeout"] is None else time.monotonic() + sc["timeout"]

        def run_block(study: optuna.Study, n: int, phase: int) -> int:
            if deadline is not None and deadline - time.monotonic() <= 0:
                return 0
            left = None if deadline is None else deadline - time.monotonic()
            lifecycle.claim(study, self.record, n)
            self.study = study
            before = finished(study)
            if in_process:
                execution.run_threads(self.config, url, study.study_name, objective,
                                      lambda _, trial: self._progress(bar, trial),
                                      seed_offset=phase, timeout=left,
                                      owner=lifecycle.owner(self.record))
            else:
                config = {**self.config, "study": {**sc, "seed": sc["seed"] + phase}}
                self._run_processes(url, study.study_name, run_id, bar, config, timeout=left)
            return finished(study) - before

        self._chain = adaptive.AdaptiveSearch(
            self.study, self.searched(), adaptive.Settings.of(self.config),
            lambda name: create_study(cfg, self.targets, opened, name, where,
                                      self.record.data["data"]["fingerprint"]))
        self._chain.run(sc["n_trials"], run_block)

    # ------------------------------------------------------------ the record

    def _studies(self) -> list[optuna.Study]:
        """The run's studies: one, or the chain of an adaptive run."""
        if self._chain is not None:
            return self._chain.studies()
        return [self.study] if self.study is not None else []

    def _record_trials(self) -> None:
        """Write every trial of the study, the counts and the best so far into the record."""
        studies = self._studies()
        if not studies:
            return
        trials = [(s.study_name, t) for s in studies for t in s.get_trials(deepcopy=False)
                  if t.user_attrs.get("origin") != adaptive.CARRIED]
        model = self.folder / "best-model"
        fields = tables.trial_fields(studies, trials, self.targets,
                                     paths.shown(model) if model.exists() else None,
                                     self.config["runtime"]["seed"])
        if self._chain is not None:
            fields["adaptive"] = {"settings": dict(self.config["adaptive"]),
                                  "steps": self._chain.log,
                                  "studies": [s.study_name for s in studies]}
        self.record.update(**fields)


def finished(study: optuna.Study) -> int:
    """How many of the study's trials are over."""
    return len([t for t in study.get_trials(deepcopy=False) if t.state.is_finished()])


def seeded_config(config: dict[str, Any], study: optuna.Study, run_id: str,
                  join: bool) -> dict[str, Any]:
    """The config with this run's sampler seed. A resumed study must not replay its earlier
    runs' samples, nor two runs started together each other's: the seed moves on by the first
    trial this run queued (a fresh study keeps study.seed: reproducible)."""
    sc = config["study"]
    mine = [] if join else [t.number for t in study.get_trials(deepcopy=False)
                            if t.user_attrs.get(storage.QUEUED_BY) == run_id]
    return {**config, "study": {**sc, "seed": run_seed(sc["seed"], min(mine, default=None),
                                                       run_id)}}


def run_queue(run: StudyRun, url: str, name: str, run_id: str, bar: display.Progress,
              config: dict[str, Any], objective: Any, timeout: float | None = None) -> None:
    """Run the run's queued trials: in worker processes, or here in `study.n_jobs` threads."""
    if config["study"]["workers"] or config["study"]["gpus"]:
        run._run_processes(url, name, run_id, bar, config, timeout)
    else:
        execution.run_threads(config, url, name, objective,
                              lambda _, trial: run._progress(bar, trial), timeout=timeout,
                              owner=lifecycle.owner(run.record))


def confirm_top(run: StudyRun, work: Callable[[float | None], None], bar: display.Progress,
                started: float, join: bool) -> None:
    """After the budget: queue the confirmation trials of the study's top configs for this run
    (`study.confirm_top_k`, workbench/strategies/confirm.py) and run them within what is left
    of study.timeout; then best-model/ takes the returned config's model (`BestModel.settle`,
    also after a join or a run that ran a killed run's left-over confirmation trials)."""
    sc, study, run_id = run.config["study"], run.study, run.record.data["run_id"]
    if run.targets.multi:
        return
    left = None if sc["timeout"] is None else sc["timeout"] - (time.perf_counter() - started)
    late = (left is not None and left <= 0) or left_queued([study], run_id, None) is not None
    if sc["confirm_top_k"] and (join or late):
        run.record.data["study"]["confirmation"]["skipped"] = (
            "a join adds no trials: it runs the queued ones (confirmation trials too)" if join
            else "the budget's trials were not all done (study.timeout came first)")
    elif sc["confirm_top_k"]:
        planned = confirm.plan(study.get_trials(deepcopy=False), sc["confirm_top_k"],
                               sc["confirm_seeds"], run.config["runtime"]["seed"])
        confirm.enqueue(study, planned, {storage.QUEUED_BY: run_id})
        run.record.data["study"]["confirmation"]["queued"] = len(planned)
        bar.total += len(planned)
        display.progress(f"confirmation: {len(planned)} trial(s), the top "
                         f"{sc['confirm_top_k']} config(s) with {sc['confirm_seeds']} fresh "
                         "seed(s) each")
        work(left)
    chosen = confirm.chosen(confirm.runs_of(study.get_trials(deepcopy=False)))
    BestModel(run.folder).settle(None if chosen is None else chosen.original.number)


def left_queued(studies: list[optuna.Study], run_id: str,
                timeout: float | None) -> dict[str, Any] | None:
    """The trials run `run_id` queued and left waiting (its timeout came first), with the
    sentence that says so; None when it finished them all."""
    count = sum(t.user_attrs.get(storage.QUEUED_BY) == run_id
                for s in studies for t in s.get_trials(deepcopy=False, states=WAITING))
    if not count:
        return None
    why = f"study.timeout ({timeout:g} s) came first" if timeout else "the run stopped early"
    return {"count": count, "message": (
        f"{count} trial(s) of this run are still queued ({why}): run the same command again "
        "and it finishes them first (they count towards its budget)")}


def point_latest(folder: Any) -> None:
    """outputs/<preset>/latest names the run in `folder` now (predict, analyze and generation
    tuning take `latest` for it); a folder in its way is said, not fatal."""
    try:
        link = records.point_latest(folder)
    except OSError as exc:
        print(f"note: could not point {folder.parent.name}/{records.LATEST} at this run: {exc}")
        return
    if link is not None:
        display.say(f"{paths.shown(link)} -> {folder.name} (the newest completed study of this "
                    f"preset: pass `latest` where a record is asked for)")
