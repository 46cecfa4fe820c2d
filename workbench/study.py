"""The study runner: samplers, pruner, storage, the objective, and a run's record.

`start_run` validates a notebook's parameters and opens the record; `StudyRun.optimize` runs
the Optuna study with trial 0 set to the preset's own config, recording every trial.
The search strategies plug in here: several objectives (`workbench.objectives`), infeasible
configs skipped before training (`workbench.constraints`), stages (`workbench.stages`),
adaptive narrowing (`workbench.adaptive`) and warm starts (`workbench.warmstart`).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import optuna
from tqdm import tqdm

from workbench import (
    adaptive,
    constraints,
    metrics,
    objectives,
    paths,
    records,
    spaces,
    stages,
    storage,
    warmstart,
)
from workbench import config as wconfig
from workbench import data as wdata
from workbench.records import Record

# The run-study notebook's parameters and the types each accepts (None = use the preset's).
RUN_STUDY_PARAMETERS: dict[str, tuple[type, ...]] = {
    "preset": (str,),
    "n_trials": (int, type(None)),
    "timeout": (int, float, type(None)),
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
STUDY_KEYS = ("n_trials", "timeout", "sampler", "pruner", "n_jobs", "storage", "study_name",
              "workers", "gpus", "stage", "warm_start_file", "warm_start_record")
# Other notebook parameters and the config keys they set.
STRATEGY_KEYS = {"objective": "objective.targets", "memory_limit": "constraints.memory_limit_gib",
                 "adaptive": "adaptive.enabled"}


def make_sampler(study_cfg: Mapping[str, Any]) -> optuna.samplers.BaseSampler:
    """TPE with the seed's settings, GP, Random or NSGA-II, all seeded."""
    name, seed = study_cfg["sampler"], study_cfg["seed"]
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(
            population_size=study_cfg["nsga2_population_size"], seed=seed)
    if name == "tpe":
        # group=True: our space is conditional (sampling-only params, min <= max tokens).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                n_startup_trials=study_cfg["tpe_n_startup_trials"],
                n_ei_candidates=study_cfg["tpe_n_ei_candidates"], seed=seed, multivariate=True,
                group=True,
            )
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(study_cfg: Mapping[str, Any], multi: bool = False) -> optuna.pruners.BasePruner:
    """The Median pruner with the seed's settings, or none (always none for several objectives:
    Optuna cannot prune them; the record says so)."""
    if study_cfg["pruner"] == "none" or multi:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=study_cfg["median_n_startup_trials"],
        n_warmup_steps=study_cfg["median_n_warmup_steps"],
        interval_steps=study_cfg["median_interval_steps"],
    )


def load_splits(config: Mapping[str, Any]) -> dict[str, Any]:
    """The train and dev splits named by the config, capped for quick runs."""
    d = config["data"]
    folder = paths.project_path(d["dir"])
    train = wdata.read_split(folder / d["train"], "train")
    dev = wdata.read_split(folder / d["dev"], "dev")
    if d["max_train_samples"]:
        train = train.head(d["max_train_samples"]).reset_index(drop=True)
    if d["max_dev_samples"]:
        dev = dev.head(d["max_dev_samples"]).reset_index(drop=True)
    return {"train": train, "dev": dev}


def lead_baseline(config: Mapping[str, Any], dev: Any) -> dict[str, float]:
    """The score of the lead-2 summary (the first two turns) on dev: the floor to beat."""
    obj = config["objective"]
    preds = [wdata.lead_summary(d, 2) for d in dev["dialogue"]]
    return metrics.score(preds, list(dev["references"]), mode=obj["metric"],
                         tokenizer=obj["tokenizer"]).as_dict()


def make_backend(config: Mapping[str, Any], splits: Mapping[str, Any]) -> Any:
    """The training backend the preset names (model.backend)."""
    if config["model"]["backend"] == "causal":
        from workbench.causal import CausalBackend

        return CausalBackend(config, splits)
    from workbench.seq2seq import Seq2SeqBackend

    return Seq2SeqBackend(config, splits)


# Config sections that define what a trial's value means; a study never mixes two of them.
TASK_SECTIONS = ("model", "data", "hparams", "search", "objective")


def task_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a config that defines what a trial's values mean (stored with the study).

    The inference-timing settings belong to it only when inference time is an objective.
    """
    task = json.loads(json.dumps({k: config[k] for k in TASK_SECTIONS}, default=str))
    if "inference_time" not in task["objective"]["targets"]:
        for key in ("timing_samples", "timing_warmup", "timing_repeats"):
            task["objective"].pop(key, None)
    return task


def check_same_task(study: optuna.Study, config: Mapping[str, Any], where: str) -> None:
    """Refuse to add trials to a study created for another model, data, space or objective.

    A resumed study's values must stay comparable: the task part of the config is stored with
    the study when it is created and compared when it is resumed, and so are its directions
    (Optuna itself loads an existing study whatever directions are asked for).
    """
    targets = objectives.Targets.of(config)
    have = objectives.directions_of(study)
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
        return
    # Studies created before objective.targets existed optimized dev ROUGE alone.
    stored = {**stored, "objective": {"targets": ["rouge"], **stored.get("objective", {})}}
    if stored == task:
        return
    diffs = sorted(_differences(stored, task))
    shown = ", ".join(diffs[:8]) + (f" and {len(diffs) - 8} more" if len(diffs) > 8 else "")
    raise ValueError(
        f"study {study.study_name!r} in {where} was created with another config ({shown} "
        "differ), so its trials are not comparable with this run's; choose another "
        "study_name, or the same settings to resume it"
    )


def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += _differences(a.get(key), b.get(key), f"{prefix}{key}.")
        return out
    return [] if a == b else [prefix.rstrip(".")]


def freeze_long_lived() -> None:
    """Exclude what lives for the whole run (libraries, data, tokenizer) from garbage collection.

    The collection after each trial then only walks what the trial made: with torch and
    transformers loaded, a full collection otherwise costs about 0.3 s per trial.
    """
    gc.collect()
    gc.freeze()


def free_memory(*_: Any) -> None:
    """Release what a trial left behind: Python objects, the CUDA cache, the C heap.

    Run it as a study callback, i.e. after the trial has ended: a pruned or failed trial's
    exception (whose traceback holds the trainer, model and optimizer) is only dropped then.
    Freed C heap is handed back to the system (glibc `malloc_trim`), so a process's RSS follows
    the trial it runs rather than the largest batch it ever ran.
    """
    gc.collect()
    torch = sys.modules.get("torch")  # never imported here: a process without it has no cache
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc() -> Any:
    """glibc, for `malloc_trim`; None on other C libraries and systems."""
    import ctypes
    import ctypes.util

    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None


_LIBC = _glibc()


def describe_failure(exc: BaseException) -> str:
    """A one-line reason for a failed trial, naming out-of-memory and NaN losses plainly."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if "out of memory" in text.lower() or type(exc).__name__ == "OutOfMemoryError":
        return f"out of memory: {text}"
    if isinstance(exc, FloatingPointError):
        return f"numerical failure: {text}"
    return text


TRIAL_ATTRS = ("origin", "run_id", "best_epoch", "trainable_params", "fail_reason",
               "prune_reason", "epoch_scores", "infeasible", "infeasible_rules")


def trial_entry(trial: optuna.trial.FrozenTrial, study_name: str | None = None
                ) -> dict[str, Any]:
    """One trial as the record lists it (`value` is the first objective, dev ROUGE)."""
    attrs = trial.user_attrs
    epochs = trial.intermediate_values or attrs.get("epoch_scores") or {}
    entry = {
        "number": trial.number,
        "state": trial.state.name,
        "value": trial.values[0] if trial.values else None,
        "params": trial.params,
        "origin": attrs.get("origin", "sampler"),
        "run_id": attrs.get("run_id"),
        "duration_s": trial.duration.total_seconds() if trial.duration else None,
        "epoch_scores": {str(k): v for k, v in sorted(epochs.items(), key=lambda kv: int(kv[0]))},
        "best_epoch": attrs.get("best_epoch"),
        "trainable_params": attrs.get("trainable_params"),
        "fail_reason": attrs.get("fail_reason"),
        "prune_reason": attrs.get("prune_reason"),
        "extra": {k: v for k, v in attrs.items() if k not in TRIAL_ATTRS},
    }
    if trial.values is not None and len(trial.values) > 1:
        entry["values"] = list(trial.values)
    if trial.constraints:
        entry["constraints"] = dict(trial.constraints)
    if attrs.get("infeasible"):
        entry["infeasible"] = attrs["infeasible"]
    if study_name is not None:
        entry["study"] = study_name
    return entry


class BestModel:
    """The run's best model on disk, shared by threads and worker processes.

    A trial that beats the best so far saves a candidate folder; `commit` swaps it in under a
    file lock only if it is still the best, so concurrent workers never leave a worse model.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.dir = folder / "best-model"
        self._lockfile = folder / ".best-model.lock"

    def _current(self) -> float:
        info = self.dir / "trial.json"
        if not info.is_file():
            return float("-inf")
        return float(json.loads(info.read_text(encoding="utf-8"))["value"])

    def candidate(self, number: int, value: float) -> Path | None:
        """Where trial `number` should save its model, or None when it is not the best."""
        return self.folder / f".candidate-{number}" if value > self._current() else None

    def commit(self, candidate: Path, number: int, value: float,
               on_best: Any = None) -> bool:
        """Make `candidate` the best model if it still beats the current one."""
        import fcntl

        with open(self._lockfile, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if value <= self._current():
                shutil.rmtree(candidate, ignore_errors=True)
                return False
            (candidate / "trial.json").write_text(
                json.dumps({"trial": number, "value": value}), encoding="utf-8")
            old = self.folder / ".best-model.old"
            shutil.rmtree(old, ignore_errors=True)
            if self.dir.exists():
                self.dir.rename(old)
            candidate.rename(self.dir)
            shutil.rmtree(old, ignore_errors=True)
            if on_best is not None:
                on_best()
            return True


def reject_if_infeasible(trial: optuna.Trial, config: Mapping[str, Any], hp: Mapping[str, Any],
                         limits: constraints.Limits, need_estimate: bool
                         ) -> constraints.Verdict:
    """Report the trial's constraint values to the sampler; prune it if any is violated.

    An infeasible trial is pruned, not completed with a made-up worst value: it then has no
    value, so the best trial, the Pareto front, the median pruner, importances and plots never
    see it, while TPE still reads its positive constraint (its infeasible group, whatever the
    state) and NSGA-II, which breeds from completed trials only, never breeds from it.
    """
    verdict = constraints.evaluate(config, hp, limits, need_estimate)
    for key, value in verdict.values.items():
        trial.set_constraint(key, value)
    if verdict.estimate is not None:
        trial.set_user_attr("estimated_peak_gib", round(verdict.estimate.peak_gib, 4))
    if not verdict.feasible:
        trial.set_user_attr("infeasible", verdict.reason)
        trial.set_user_attr("infeasible_rules", sorted(verdict.reasons))
        trial.set_user_attr("constraint_check_s", round(verdict.seconds, 6))
        reason = f"infeasible, not trained: {verdict.reason}"
        trial.set_user_attr("prune_reason", reason)
        raise optuna.TrialPruned(reason)
    return verdict


def build_objective(config: Mapping[str, Any], folder: Path, run_id: str,
                    splits: Mapping[str, Any] | None = None) -> Any:
    """The Optuna objective of a run: sample, check constraints, train, report each epoch, keep
    the best model, and return dev ROUGE (plus the other objectives when there are several).

    Used in the notebook's process and in worker processes alike; run it with `free_memory` as
    a study callback, so nothing of a trial outlives it.
    """
    space = spaces.load_space(config["search"]["space"],
                              model_candidates=config["model"]["candidates"] or None)
    searched = spaces.select(space, list(config["search"]["params"]))
    splits = splits if splits is not None else load_splits(config)
    backend = make_backend(config, splits)
    targets = objectives.Targets.of(config)
    timing = objectives.Timing.of(config)
    if timing is not None:
        if not hasattr(type(backend), "timing"):
            raise wconfig.ConfigError(
                f"objective.targets: the {config['model']['backend']} backend cannot measure "
                "inference time yet (no timing hook in its train_and_evaluate)")
        backend.timing = timing
    limits = constraints.Limits.of(config)
    need_estimate = "model_size" in targets.names
    if limits.memory_gib is not None or need_estimate:
        constraints.estimate_for(config, config["hparams"])  # builds the cached model shape once
    narrowing = config["adaptive"]["enabled"]
    best = BestModel(folder)
    fnames = list(splits["dev"]["fname"])

    def objective(trial: optuna.Trial) -> float | list[float]:
        trial.set_user_attr("run_id", run_id)
        params = adaptive.phase_params(trial.study, searched) if narrowing else searched
        sampled = spaces.suggest(trial, params, config["hparams"])
        hp = {**config["hparams"], **sampled}
        verdict = (reject_if_infeasible(trial, config, hp, limits, need_estimate)
                   if limits.active or need_estimate else None)
        epochs: dict[str, float] = {}

        def report(epoch: int, value: float) -> None:
            if targets.multi:  # Optuna has no intermediate values for several objectives
                epochs[str(epoch)] = value
                trial.set_user_attr("epoch_scores", dict(epochs))
                return
            trial.report(value, epoch)
            if trial.should_prune():
                reason = (f"pruned after epoch {epoch}: {value:.4f} below the median of "
                          "earlier trials")
                trial.set_user_attr("prune_reason", reason)
                raise optuna.TrialPruned(reason)

        saved: dict[str, Path] = {}

        def save_to(value: float) -> Path | None:
            path = best.candidate(trial.number, value)
            if path is not None:
                saved["path"] = path
            return path

        try:
            outcome = backend.train_and_evaluate(
                hp, report, paths.CACHE / "trials" / f"{run_id}-{trial.number}", save_to)
        except optuna.TrialPruned:
            raise
        except Exception as exc:
            trial.set_user_attr("fail_reason", describe_failure(exc))
            raise
        trial.set_user_attr("best_epoch", outcome.best_epoch)
        trial.set_user_attr("trainable_params", outcome.trainable_params)
        for key, value in outcome.extra.items():  # backend-specific figures, e.g. truncation
            trial.set_user_attr(key, value)
        if "path" in saved and saved["path"].exists():
            best.commit(saved["path"], trial.number, outcome.value, lambda: wdata.write_submission(
                folder / "dev_predictions.csv", fnames, outcome.predictions))
        if not targets.multi:
            return outcome.value
        total = verdict.estimate.total_params if verdict and verdict.estimate else None
        if total is not None:
            trial.set_user_attr("total_params", total)
        return objectives.values_of(targets, outcome.value, outcome.extra, total)

    return objective


def worker_main(config: dict[str, Any], url: str, study_name: str, folder: str, run_id: str,
                index: int, gpu: str | None, timeout: float | None) -> None:
    """One worker process: run the study's queued trials until none is left."""
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sc = config["study"]
    objective = build_objective(config, Path(folder), run_id)
    opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"],
                                  queue_only=True)
    freeze_long_lived()
    storage.run_worker(opened, study_name, objective,
                       sampler=make_sampler({**sc, "seed": sc["seed"] + 1 + index}),
                       pruner=make_pruner(sc, objectives.Targets.of(config).multi),
                       callbacks=[free_memory], catch=(Exception,), timeout=timeout)


def storage_url(config: Mapping[str, Any]) -> str:
    """The study storage: the configured URL, $WORKBENCH_STORAGE, or SQLite under outputs/."""
    return storage.resolve_url(config["study"]["storage"],
                               paths.OUTPUTS / config["preset"] / "optuna.db")


def base_study_name(config: Mapping[str, Any]) -> str:
    """The study a run uses: study.study_name, else the preset's name."""
    return config["study"]["study_name"] or config["preset"]


class StudyRun:
    """One run of the run-study notebook: its config, its record, and the study it drives."""

    def __init__(self, config: dict[str, Any], record: Record,
                 warm_starts: list[dict[str, Any]] | None = None):
        self.config = config
        self.record = record
        self.study: optuna.Study | None = None
        self.warm_starts = warm_starts or []
        self.targets = objectives.Targets.of(config)
        self._chain: adaptive.AdaptiveSearch | None = None

    @property
    def folder(self) -> Path:
        return self.record.folder

    def searched(self) -> list[spaces.Param]:
        """The parameters this run searches (the rest are fixed by the config)."""
        space = spaces.load_space(self.config["search"]["space"],
                                  model_candidates=self.config["model"]["candidates"] or None)
        return spaces.select(space, list(self.config["search"]["params"]))

    def storage_url(self) -> str:
        """The study storage: the configured URL, $WORKBENCH_STORAGE, or SQLite under outputs/."""
        return storage_url(self.config)

    def optimize(self) -> optuna.Study:
        """Run the study; the record is updated after every trial and marked done or failed."""
        try:
            return self._optimize(join=False)
        except BaseException as exc:
            self._record_trials()
            self.record.fail(exc)
            raise

    def join(self) -> optuna.Study:
        """Work through a study's queued trials started elsewhere, adding none (other machines)."""
        try:
            return self._optimize(join=True)
        except BaseException as exc:
            self._record_trials()
            self.record.fail(exc)
            raise

    def _create(self, opened: Any, name: str, where: str) -> optuna.Study:
        """Create or load study `name` with this run's objectives, checked to be the same task."""
        sc = self.config["study"]
        study = optuna.create_study(study_name=name, storage=opened,
                                    directions=self.targets.directions,
                                    sampler=make_sampler(sc),
                                    pruner=make_pruner(sc, self.targets.multi),
                                    load_if_exists=True)
        check_same_task(study, self.config, where)
        if self.targets.multi and not study.trials:
            with warnings.catch_warnings():  # "experimental" since Optuna 3.2
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.set_metric_names(self.targets.labels)
        return study

    def _open(self, url: str, name: str, join: bool) -> tuple[optuna.Study, int]:
        """Create or resume the study; queue trial 0, warm starts and this run's budget."""
        cfg, sc = self.config, self.config["study"]
        opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"])
        if join:
            try:
                study = optuna.load_study(study_name=name, storage=opened)
            except KeyError:
                raise ValueError(f"study {name!r} not found in {storage.mask(url)}: start it "
                                 "without --join first") from None
            return study, len(study.trials)
        study = self._create(opened, name, storage.mask(url))
        before = len(study.trials)
        # Trials still queued from an interrupted run are run by this one, within its budget.
        used = storage.counted(study) - len(
            study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,)))
        if not study.trials:
            values, warnings = spaces.enqueue_params(self.searched(), cfg["hparams"])
            study.enqueue_trial(values, user_attrs={"origin": "preset"})
            for entry in self.warm_starts:
                study.enqueue_trial(dict(entry["params"]), user_attrs={
                    "origin": "warm_start", "warm_start_source": entry["source"]})
            if warnings:
                self.record.update(enqueue_warnings=warnings)
            if sc["stage"]:
                study.set_user_attr(stages.STAGE_ATTR, self.record.data["stage"])
        if sc["stage"]:  # the stage's budget is its study's total: a re-run tops it up
            storage.top_up(study, sc["n_trials"])
        elif not cfg["adaptive"]["enabled"]:  # adaptive runs queue one block at a time
            storage.top_up(study, used + sc["n_trials"])
        return study, before

    def _study_record(self, name: str, url: str, join: bool, before: int) -> dict[str, Any]:
        cfg, sc = self.config, self.config["study"]
        limits = constraints.Limits.of(cfg)
        info = {
            "name": name, "storage": storage.mask(url),
            "direction": self.targets.directions[0] if not self.targets.multi else None,
            "directions": self.targets.directions,
            "objective": f"dev ROUGE, {cfg['objective']['metric']} mode, 100 x mean(R1,R2,RL F1)",
            "objectives": self.targets.describe(cfg),
            "sampler": sc["sampler"], "pruner": sc["pruner"],
            "searched": [p.name for p in self.searched()], "trials_before_run": before,
            "n_trials": 0 if join else sc["n_trials"], "joined": join,
            "constraints": limits.as_dict(),
        }
        if self.targets.multi:
            info["pruner"] = "none"
            info["pruning"] = PRUNING_ASKED.format(sc["pruner"]) if sc["pruner"] != "none" \
                else objectives.PRUNING_NOTE
        if sc["stage"]:
            info["budget"] = (f"stage {sc['stage']!r}: {sc['n_trials']} trials in all; a re-run "
                              "adds only the missing ones")
        return info

    def _optimize(self, join: bool) -> optuna.Study:
        cfg, sc = self.config, self.config["study"]
        splits = load_splits(cfg)
        self.record.update(baselines={"lead2": lead_baseline(cfg, splits["dev"])},
                           data={k: len(v) for k, v in splits.items()})
        url = self.storage_url()
        name = base_study_name(cfg)
        study, before = self._open(url, name, join)
        self.study = study
        self.record.update(study=self._study_record(name, url, join, before))
        if self.targets.multi and sc["pruner"] != "none":
            print(f"note: {self.record.data['study']['pruning']}")
        run_id = self.record.data["run_id"]
        started = time.perf_counter()
        adaptive_run = cfg["adaptive"]["enabled"] and not join
        queued = sc["n_trials"] if adaptive_run else len(
            study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,)))
        bar = tqdm(total=queued, desc=f"study {name}", unit="trial", file=sys.stdout,
                   ascii=True, dynamic_ncols=False, ncols=100)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        try:
            if adaptive_run:
                self._run_adaptive(url, run_id, splits, bar)
            elif sc["workers"] or sc["gpus"]:
                self._run_processes(url, name, run_id, bar)
            else:
                self._run_in_process(url, name, run_id, splits, bar)
        finally:
            bar.close()
        self._record_trials()
        self.record.data.setdefault("timings", {}).update(
            study_seconds=round(time.perf_counter() - started, 2), finished=records.now())
        self.record.update(status="completed")
        return study

    def _progress(self, bar: Any, trial: optuna.trial.FrozenTrial) -> None:
        bar.update(1)
        value = "-" if not trial.values else f"{trial.values[0]:.4f}"
        bar.set_postfix_str(f"last {trial.state.name.lower()} {value}, "
                            f"best {self._best_value()}")
        self._record_trials()

    def _run_in_process(self, url: str, name: str, run_id: str, splits: Any, bar: Any,
                        objective: Any = None, seed_offset: int = 0,
                        timeout: float | None = None) -> None:
        """Run the queued trials here, in `n_jobs` threads."""
        sc = self.config["study"]
        objective = objective or build_objective(self.config, self.folder, run_id, splits)
        queue = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"],
                                     queue_only=True)
        freeze_long_lived()
        sampler = make_sampler({**sc, "seed": sc["seed"] + seed_offset})
        pruner = make_pruner(sc, self.targets.multi)
        lock = threading.Lock()

        def on_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
            with lock:
                self._progress(bar, trial)

        def work() -> None:
            storage.run_worker(queue, name, objective, sampler=sampler, pruner=pruner,
                               callbacks=[free_memory, on_trial], catch=(Exception,),
                               timeout=sc["timeout"] if timeout is None else timeout)

        try:
            if sc["n_jobs"] <= 1:
                work()
                return
            threads = [threading.Thread(target=work, daemon=True) for _ in range(sc["n_jobs"])]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            gc.unfreeze()  # what the run kept alive may be collected again once it is over

    def _run_processes(self, url: str, name: str, run_id: str, bar: Any,
                       config: dict[str, Any] | None = None,
                       timeout: float | None = None) -> None:
        """Run the queued trials in worker processes: one per GPU, or `workers` on the CPU."""
        import multiprocessing as mp

        config = config or self.config
        sc = config["study"]
        timeout = sc["timeout"] if timeout is None else timeout
        gpus = [g.strip() for g in str(sc["gpus"]).split(",") if g.strip()] if sc["gpus"] else []
        slots = gpus or [None] * sc["workers"]
        ctx = mp.get_context("spawn")
        procs = [ctx.Process(target=worker_main, name=f"worker-{i}", args=(
            config, url, name, str(self.folder), run_id, i, gpu, timeout))
            for i, gpu in enumerate(slots)]
        for p in procs:
            p.start()
        self.record.update(workers=[{"name": p.name, "pid": p.pid, "gpu": gpu}
                                    for p, gpu in zip(procs, slots, strict=True)])
        seen: set[tuple[str, int]] = set()
        while any(p.is_alive() for p in procs):
            time.sleep(2)
            self._poll(bar, seen)
        self._poll(bar, seen)
        self.record.update(workers=[{"name": p.name, "pid": p.pid, "gpu": gpu,
                                     "exitcode": p.exitcode}
                                    for p, gpu in zip(procs, slots, strict=True)])

    def _run_adaptive(self, url: str, run_id: str, splits: Any, bar: Any) -> None:
        """Run the budget in blocks through a chain of narrowed / widened studies."""
        sc = self.config["study"]
        opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"])
        where = storage.mask(url)
        in_process = not (sc["workers"] or sc["gpus"])
        objective = build_objective(self.config, self.folder, run_id, splits) \
            if in_process else None
        deadline = None if sc["timeout"] is None else time.monotonic() + sc["timeout"]

        def run_block(study: optuna.Study, n: int, phase: int) -> int:
            if deadline is not None and deadline - time.monotonic() <= 0:
                return 0
            left = None if deadline is None else deadline - time.monotonic()
            waiting = len(study.get_trials(deepcopy=False,
                                           states=(optuna.trial.TrialState.WAITING,)))
            storage.top_up(study, storage.counted(study) - waiting + n)
            self.study = study
            before = len([t for t in study.get_trials(deepcopy=False) if t.state.is_finished()])
            if in_process:
                self._run_in_process(url, study.study_name, run_id, splits, bar, objective,
                                     seed_offset=phase, timeout=left)
            else:
                config = {**self.config, "study": {**sc, "seed": sc["seed"] + phase}}
                self._run_processes(url, study.study_name, run_id, bar, config, timeout=left)
            return len([t for t in study.get_trials(deepcopy=False)
                        if t.state.is_finished()]) - before

        self._chain = adaptive.AdaptiveSearch(
            self.study, self.searched(), adaptive.Settings.of(self.config),
            lambda name: self._create(opened, name, where))
        self._chain.run(sc["n_trials"], run_block)

    def _poll(self, bar: Any, seen: set[tuple[str, int]]) -> None:
        """Advance the progress bar for trials that worker processes finished."""
        for t in self.study.get_trials(deepcopy=False):
            key = (self.study.study_name, t.number)
            if t.state.is_finished() and key not in seen and \
                    t.user_attrs.get("run_id") == self.record.data["run_id"]:
                seen.add(key)
                self._progress(bar, t)

    def _studies(self) -> list[optuna.Study]:
        """The run's studies: one, or the chain of an adaptive run."""
        if self._chain is not None:
            return self._chain.studies()
        return [self.study] if self.study is not None else []

    def _best(self) -> tuple[str | None, optuna.trial.FrozenTrial] | None:
        """The best feasible trial over the run's studies (for several objectives, the Pareto
        trial best on dev ROUGE) and the study it is in."""
        found = [(s.study_name, b) for s in self._studies() if (b := stages.best_of(s))]
        if not found:
            return None
        name, best = max(found, key=lambda x: x[1].values[0])
        return (name if len(self._studies()) > 1 else None), best

    def _best_value(self, study: optuna.Study | None = None) -> str:
        found = self._best()
        return "-" if found is None else f"{found[1].values[0]:.4f}"

    def _record_trials(self) -> None:
        """Write every trial of the study, the counts and the best so far into the record."""
        studies = self._studies()
        if not studies:
            return
        several = len(studies) > 1
        trials = [(s.study_name, t) for s in studies for t in s.get_trials(deepcopy=False)
                  if t.user_attrs.get("origin") != adaptive.CARRIED]
        counts: dict[str, int] = {}
        for _, t in trials:
            counts[t.state.name] = counts.get(t.state.name, 0) + 1
        best = None
        found = self._best()
        if found is not None:
            where, bt = found
            best = {"number": bt.number, "value": bt.values[0], "params": bt.params,
                    "model": paths.shown(self.folder / "best-model")
                    if (self.folder / "best-model").exists() else None}
            if self.targets.multi:
                best["values"] = list(bt.values)
                best["chosen"] = "the Pareto-optimal trial with the best dev ROUGE"
            if where is not None:
                best["study"] = where
        preset_trial = next((t for _, t in trials if t.user_attrs.get("origin") == "preset"),
                            None)
        update: dict[str, Any] = {
            "trials": [trial_entry(t, name if several else None) for name, t in trials],
            "counts": counts, "best": best,
            "preset_trial": {"number": preset_trial.number,
                             "value": preset_trial.values[0] if preset_trial.values else None,
                             "state": preset_trial.state.name} if preset_trial else None,
            "infeasible": constraints.summary([t for _, t in trials]),
        }
        if self.targets.multi:
            update["pareto_front"] = [
                {"number": t.number, "values": list(t.values), "params": t.params}
                for t in sorted(studies[0].best_trials, key=lambda t: t.number)]
        if self._chain is not None:
            update["adaptive"] = {"settings": dict(self.config["adaptive"]),
                                  "steps": self._chain.log,
                                  "studies": [s.study_name for s in studies]}
        self.record.update(**update)

    def overview(self) -> Any:
        """What this run will do: preset, model, study settings and the searched parameters."""
        import pandas as pd

        cfg, sc = self.config, self.config["study"]
        arch = cfg["model"]["architecture"] or {}
        built = arch.get("model_type", "bart") if cfg["model"]["backend"] == "causal" else "bart"
        model = wconfig.model_id(cfg) or f"a tiny {built} built from model.architecture"
        print(f"preset {cfg['preset']} | model {model} | record {paths.shown(self.folder)}")
        goal = ", ".join(f"{label} ({d})" for label, d in
                         zip(self.targets.labels, self.targets.directions, strict=True))
        print(f"study {sc['study_name'] or cfg['preset']}: {sc['n_trials']} trials, "
              f"timeout {sc['timeout']} s, sampler {sc['sampler']}, pruner "
              f"{'none (several objectives)' if self.targets.multi else sc['pruner']}, "
              f"objectives {goal} ({cfg['objective']['metric']} mode)")
        for line in self.strategy_lines():
            print(line)
        rows = [{k: r.get(k) for k in ("name", "group", "type", "range", "step", "log",
                                       "condition", "value")}
                for r in spaces.describe(self.searched(), cfg["hparams"]) if r["searched"]]
        frame = pd.DataFrame(rows).rename(columns={"value": "trial 0 (preset)"})
        return frame.set_index("name") if rows else frame

    def strategy_lines(self) -> list[str]:
        """One line per strategy this run uses beyond a plain study."""
        cfg, data = self.config, self.record.data
        lines = []
        limits = constraints.Limits.of(cfg)
        if limits.active:
            rules = []
            if limits.memory_gib is not None:
                rules.append(f"estimated peak memory > {limits.memory_gib:g} GiB")
            if limits.slow_rule:
                rules.append(f"num_beams > {limits.slow_num_beams} with max_new_tokens > "
                             f"{limits.slow_max_new_tokens}")
            lines.append(f"infeasible (pruned before training): {'; '.join(rules)}")
        if data.get("stage"):
            st = data["stage"]
            lines.append(f"stage {st['name']!r} of plan {st['plan']!r} (order "
                         f"{' -> '.join(st['order'])}); fixed from earlier stages: "
                         f"{st['fixed'] or 'nothing'}")
        if self.warm_starts:
            lines.append(f"warm start: {len(self.warm_starts)} config(s) after trial 0")
        if cfg["adaptive"]["enabled"]:
            a = cfg["adaptive"]
            lines.append(f"adaptive: every {a['window']} trials, narrow when the best improved "
                         f"by < {a['threshold']:g}, widen when it improved more")
        return lines

    def summary(self) -> Any:
        """Best trial against the preset's own config (trial 0) and the lead-2 baseline."""
        import pandas as pd

        data = self.record.data
        rows = [{"what": "lead-2 baseline (first two turns)",
                 "dev ROUGE": data.get("baselines", {}).get("lead2", {}).get("final")}]
        if data.get("preset_trial"):
            rows.append({"what": f"preset config (trial {data['preset_trial']['number']})",
                         "dev ROUGE": data["preset_trial"]["value"]})
        if data.get("best"):
            rows.append({"what": f"best (trial {data['best']['number']})",
                         "dev ROUGE": data["best"]["value"]})
        print(f"record: {paths.shown(self.record.path)}; trials by state: {data.get('counts')}")
        infeasible = data.get("infeasible") or {}
        if infeasible.get("count"):
            print(f"infeasible (pruned before training): {infeasible['count']} trial(s), by rule "
                  f"{infeasible['by_rule']}")
        return pd.DataFrame(rows).set_index("what")

    def pareto(self) -> Any:
        """The Pareto front of a multi-objective run as a table (empty, with a note, for one)."""
        import pandas as pd

        front = self.record.data.get("pareto_front")
        if not front:
            print("Single-objective run: no Pareto front." if not self.targets.multi
                  else "No completed, feasible trial yet.")
            return pd.DataFrame()
        rows = [{"number": t["number"], **dict(zip(self.targets.labels, t["values"],
                                                   strict=True)), **t["params"]}
                for t in front]
        return pd.DataFrame(rows).set_index("number").sort_values(self.targets.labels[0],
                                                                   ascending=False)

    def trials_frame(self) -> Any:
        """The record's trials as a table (one row per trial)."""
        import pandas as pd

        rows = []
        for t in self.record.data.get("trials", []):
            row = {k: t[k] for k in ("number", "state", "value", "origin", "duration_s",
                                     "best_epoch")}
            if "study" in t:
                row["study"] = t["study"]
            for label, v in zip(self.targets.labels[1:], (t.get("values") or [])[1:],
                                strict=False):
                row[label] = v
            row.update(t["params"])
            row["trainable params"] = t.get("trainable_params")
            for key in ("truncated_share", "estimated_peak_gib"):  # the LLM backend's figures
                if key in t.get("extra", {}):
                    row[key] = t["extra"][key]
            row["reason"] = t["fail_reason"] or t["prune_reason"]
            rows.append(row)
        if not rows:
            return pd.DataFrame()
        frame = pd.DataFrame(rows)
        return frame.set_index(["study", "number"] if "study" in frame else "number")


PRUNING_ASKED = ("not available: pruner {!r} was asked for, but Optuna does not prune "
                 "multi-objective studies (Trial.report is single-objective only), so no pruner "
                 "is used and every trial trains for all its epochs")


def _notebook_overrides(params: Mapping[str, Any]) -> dict[str, Any]:
    """The config overrides a notebook's parameters make (explicit overrides first)."""
    overrides = dict(params.get("overrides") or {})
    for key in STUDY_KEYS:
        if params.get(key) is not None:
            overrides[f"study.{key}"] = params[key]
    for key, dotted in STRATEGY_KEYS.items():
        if params.get(key) is not None:
            value = params[key]
            overrides[dotted] = objectives.parse(value) if key == "objective" else value
    return overrides


def _prepare_stage(config: dict[str, Any], overrides: dict[str, Any],
                   explicit_budget: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The config of a stage run (its params searched, earlier bests fixed) and its record."""
    sc = config["study"]
    space = spaces.load_space(config["search"]["space"],
                              model_candidates=config["model"]["candidates"] or None)
    plan = stages.load_plan(sc["stage_plan"], space)
    name = sc["stage"]
    if name not in plan.stages:
        raise wconfig.ConfigError(
            f"study.stage: unknown stage {name!r} in plan {plan.name!r} "
            f"({paths.shown(stages.STAGES_FILE)}); stages in run order: {', '.join(plan.order)}")
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
    staged = wconfig.resolve(config["preset"], {**overrides, **stage_over})
    info = {"name": name, "plan": plan.name, "order": plan.order, "after": list(stage.after),
            "searched": list(stage.params),
            "fixed": {k: v for k, v in fixed.items() if k not in stage.params},
            "start": {k: v for k, v in fixed.items() if k in stage.params},
            "from": sources, "budget": staged["study"]["n_trials"]}
    return staged, info


def start_run(notebook: str, **params: Any) -> StudyRun:
    """Validate the notebook's parameters, resolve the config and open the record.

    Strategy settings (objectives, constraints, stage, adaptive, warm start) are checked here,
    before any work. A run that fails here still leaves a record with status 'failed'.
    """
    record = records.open_record(notebook, params, RUN_STUDY_PARAMETERS)
    try:
        overrides = _notebook_overrides(params)
        config = wconfig.resolve(params["preset"], overrides)
        objectives.check(config)
        constraints.check_limits(config)
        adaptive.check(config)
        stage_info = None
        if config["study"]["stage"]:
            explicit = params.get("n_trials") is not None or "study.n_trials" in overrides
            config, stage_info = _prepare_stage(config, overrides, explicit)
        searched = [p.name for p in spaces.select(
            spaces.load_space(config["search"]["space"],
                              model_candidates=config["model"]["candidates"] or None),
            list(config["search"]["params"]))]
        warm = warmstart.entries(config["study"], searched)
    except BaseException as exc:
        record.fail(exc)
        raise
    record.update(config=records.shown_config(config))
    if stage_info is not None:
        record.update(stage=stage_info)
    if warm:
        record.update(warm_start=warm)
    return StudyRun(config, record, warm)
