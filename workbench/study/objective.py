"""The objective of a study: sample a config, skip it if infeasible, prepare its train split
(augmentation), train it with the backend, report every epoch (which may prune), keep the
run's best model, and return dev ROUGE (plus the other objectives when there are several).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import optuna

from workbench import augment, backends, display, paths, spaces, tracking
from workbench import data as wdata
from workbench.backends.base import Timing, device_label, precision, trains_on_cpu
from workbench.strategies import adaptive, confirm, constraints
from workbench.strategies import targets as wtargets
from workbench.study.samplers import prune_reason
from workbench.validate import Resolved


def build_objective(resolved: Resolved, folder: Path, run_id: str,
                    splits: Mapping[str, Any] | None = None) -> Callable[[optuna.Trial], Any]:
    """The Optuna objective of a run (its config and searched params), for the notebook's
    process and worker processes alike.

    Run it with `execution.free_memory` as a study callback, so nothing of a trial outlives it.
    """
    display.progress("loading the tokenizer and the model's base for the trials ...")
    config, searched = resolved.config, resolved.searched
    splits = splits if splits is not None else wdata.load_splits(config)
    backend = backends.make_backend(config, splits)
    targets = wtargets.Targets.of(config)
    backend.timing = Timing.of(config)
    limits = constraints.Limits.of(config)
    need_estimate = "model_size" in targets.names
    if limits.memory_gib is not None or need_estimate:
        constraints.estimate_for(config, config["hparams"])  # builds the cached model shape once
    narrowing = config["adaptive"]["enabled"]
    best = BestModel(folder)
    fnames = list(splits["dev"]["fname"])
    prepare_lock = threading.Lock()  # augmentation may load a model: one trial at a time
    device = device_label()  # this process's, until training names its model's (extra "device")

    def objective(trial: optuna.Trial) -> float | list[float]:
        trial.set_user_attr("run_id", run_id)
        trial.set_user_attr("device", device)
        params = adaptive.phase_params(trial.study, searched) if narrowing else searched
        sampled = spaces.suggest(trial, params, config["hparams"])
        confirming = confirm.is_confirmation(trial)  # trains a config again with its own seed
        earlier = None if confirming else reuse_duplicate(trial)
        if earlier is not None:  # an identical config already trained: its values, no training
            return earlier if targets.multi else earlier[0]
        hp = {**config["hparams"], **sampled}
        verdict = (reject_if_infeasible(trial, config, hp, limits, need_estimate)
                   if limits.active or need_estimate else None)
        held = held_back(verdict)
        trial.set_user_attr("precision", precision(hp, trains_on_cpu(config["runtime"])))
        report = _reporter(trial, targets.multi, hp["num_epochs"], config["study"],
                           config["runtime"]["evals_per_epoch"], prunable=not confirming)
        saved: dict[str, Path] = {}
        keep = best.confirmed(trial.user_attrs[confirm.CONFIRMS]) if confirming else best

        def save_to(value: float) -> Path | None:
            path = keep.candidate(trial.number, value)
            if path is not None:
                saved["path"] = path
            return path

        out_of_memory = None
        try:
            with prepare_lock:  # train only: dev and test are never augmented
                train, augmented = augment.apply(splits["train"], hp, config)
            for key, value in augmented.items():
                trial.set_user_attr(key, value)
            with tracking.trial_run(config, trial):  # runtime.report_to's curves, if any
                outcome = backend.train_and_evaluate(  # a confirmation run: with its own seed
                    {**hp, **confirm.seed_of(trial)}, train, report,
                    paths.scratch(f"{run_id}-{trial.number}", folder), save_to)
        except optuna.TrialPruned:
            constrain(trial, held)
            raise
        except Exception as exc:
            if not is_out_of_memory(exc):
                trial.set_user_attr("fail_reason", describe_failure(exc))
                raise
            out_of_memory = describe_failure(exc)  # the error, its frames and model end here
        if out_of_memory is not None:
            prune_out_of_memory(trial, out_of_memory, held)
        trial.set_user_attr("best_epoch", outcome.best_epoch)
        trial.set_user_attr("trainable_params", outcome.trainable_params)
        for key, value in outcome.extra.items():  # diversity, backend figures (truncation, ...)
            trial.set_user_attr(key, value)
        # A trial with no healthy epoch is infeasible: never the best, and TPE learns to avoid it.
        constrain(trial, {**held, DEGENERATE: 1.0 if outcome.extra.get("degenerate") else 0.0})
        if "path" in saved and saved["path"].exists():
            keep.commit(saved["path"], trial.number, outcome.value, lambda: wdata.write_submission(
                keep.predictions, fnames, outcome.predictions))
        if not targets.multi:
            return outcome.value
        total = verdict.estimate.total_params if verdict and verdict.estimate else None
        if total is not None:
            trial.set_user_attr("total_params", total)
        return wtargets.values_of(targets, outcome.value, outcome.extra, total)

    return objective


DEGENERATE = "degenerate"  # the constraint a trial with no healthy epoch violates


def constrain(trial: optuna.Trial, values: Mapping[str, float]) -> None:
    """Report constraint values, except those the trial already holds: a trial retried after
    its worker died carries its first attempt's (same params, same values), and Optuna would
    warn about each one it ignores."""
    held = trial.constraints
    for key, value in values.items():
        if key not in held:
            trial.set_constraint(key, value)


def reuse_duplicate(trial: optuna.Trial) -> list[float] | None:
    """The values of an earlier trial of the study with exactly these params, if there is one.

    Another run of the same study (resumed, or a second process at once) may sample a config
    that is already done: it is not trained again; the trial takes the earlier trial's values
    and constraints and says whose they are. A config that another trial is training right now
    is pruned with that trial's number (its value is not known yet).
    """
    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.RUNNING)
    for other in trial.study.get_trials(deepcopy=False, states=states):
        if other.number == trial.number or other.params != trial.params:
            continue
        if other.state == optuna.trial.TrialState.RUNNING:
            reason = f"duplicate of trial {other.number}, which is training the same config now"
            trial.set_user_attr("prune_reason", reason)
            raise optuna.TrialPruned(reason)
        trial.set_user_attr("duplicate_of", other.number)
        for key in ("best_epoch", "degenerate", "diversity"):
            if key in other.user_attrs:
                trial.set_user_attr(key, other.user_attrs[key])
        constrain(trial, other.constraints)
        return list(other.values)
    return None


def _reporter(trial: optuna.Trial, multi: bool, num_epochs: int, study_cfg: Mapping[str, Any],
              per_epoch: int = 1, prunable: bool = True) -> Callable[[int, float], None]:
    """Hands each evaluation's objective to Optuna at step = its index (the epoch when there is
    one evaluation per epoch), which may prune (one objective), or keeps it in the trial's
    attributes (several objectives: Optuna has no intermediate values for them). With
    `per_epoch` > 1 the trial also records each evaluation's epoch (j / per_epoch). The last
    evaluation is never pruned: the training it would save is already spent; nor is any
    evaluation of a trial that is not `prunable` (a confirmation run: its value is a sample of
    its config's seed spread, which a pruner would cut at its low end)."""
    scores: dict[str, float] = {}
    epochs: dict[str, float] = {}
    if per_epoch > 1:
        trial.set_user_attr("evals_per_epoch", per_epoch)

    def report(step: int, value: float) -> None:
        if per_epoch > 1:
            epochs[str(step)] = round(step / per_epoch, 4)
            trial.set_user_attr("eval_epochs", dict(epochs))
        if multi:
            scores[str(step)] = value
            trial.set_user_attr("epoch_scores", dict(scores))
            return
        trial.report(value, step)
        if prunable and step < num_epochs * per_epoch and trial.should_prune():
            reason = prune_reason(study_cfg, step, value, per_epoch)
            trial.set_user_attr("prune_reason", reason)
            raise optuna.TrialPruned(reason)

    return report


def held_back(verdict: constraints.Verdict | None) -> dict[str, float]:
    """The constraint values a feasible trial reports once training is over rather than before:
    its memory estimate, which running out of memory overrides (a constraint is set once)."""
    if verdict is None or constraints.MEMORY not in verdict.values:
        return {}
    return {constraints.MEMORY: verdict.values[constraints.MEMORY]}


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether training ran out of GPU memory: torch's OutOfMemoryError, or a RuntimeError
    saying so ("CUDA error: out of memory": what some kernels and libraries raise)."""
    import torch

    return isinstance(exc, torch.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower())


# The memory constraint of a trial that ran out of memory: violated, by an amount unknown.
OUT_OF_MEMORY_GIB = 1.0


def prune_out_of_memory(trial: optuna.Trial, reason: str, held: Mapping[str, float]) -> None:
    """Prune a trial that ran out of GPU memory, its memory constraint violated: TPE ignores a
    failed trial and would propose the config again, while it learns from an infeasible one.

    Called outside the `except` block that caught the error, so the TrialPruned carries no
    link to it: Optuna holds the exception it gets until the study's callbacks have run, and
    the out-of-memory error's frames hold the model, which `free_memory` must release.
    """
    constrain(trial, {**held, constraints.MEMORY: OUT_OF_MEMORY_GIB})
    trial.set_user_attr("prune_reason", reason)
    raise optuna.TrialPruned(reason)


def describe_failure(exc: BaseException) -> str:
    """A one-line reason for a failed trial, naming out-of-memory and NaN losses plainly."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if "out of memory" in text.lower() or type(exc).__name__ == "OutOfMemoryError":
        return f"out of memory: {text}"
    if isinstance(exc, FloatingPointError):
        return f"numerical failure: {text}"
    return text


class BestModel:
    """The run's best model on disk, shared by threads and worker processes.

    A trial that beats the best so far saves a candidate folder; `commit` swaps it in under a
    file lock only if it is still the best, so concurrent workers never leave a worse model.

    Confirmation runs (workbench/strategies/confirm.py) keep one model per confirmed config
    instead (`confirmed`: the best of its confirmation runs so far, in .confirmed-<original>/),
    and `settle` swaps the returned config's into best-model/ once they are over, so best-model/
    holds a model of the config the record returns, and its trial.json names the record's
    `best.number`. Disk: while they run, one model per confirmed config (k) besides
    best-model/ and the running trials' candidates; afterwards best-model/ alone.
    """

    def __init__(self, folder: Path, name: str = "best-model",
                 predictions: str = "dev_predictions.csv"):
        self.folder = folder
        self.dir = folder / name
        self.predictions = folder / predictions  # its trial's dev predictions
        self._lockfile = folder / ".best-model.lock"

    def confirmed(self, original: int) -> BestModel:
        """Where the confirmation runs of trial `original`'s config keep their best model."""
        return BestModel(self.folder, f"{CONFIRMED}{original}",
                         f"{CONFIRMED}{original}-dev_predictions.csv")

    def _current(self) -> float:
        info = self.dir / "trial.json"
        if not info.is_file():
            return float("-inf")
        return float(json.loads(info.read_text(encoding="utf-8"))["value"])

    def candidate(self, number: int, value: float) -> Path | None:
        """Where trial `number` should save its model, or None when it is not the best."""
        return self.folder / f".candidate-{number}" if value > self._current() else None

    def commit(self, candidate: Path, number: int, value: float,
               on_best: Callable[[], None] | None = None) -> bool:
        """Make `candidate` the best model if it still beats the current one."""
        with open(self._lockfile, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if value <= self._current():
                shutil.rmtree(candidate, ignore_errors=True)
                return False
            (candidate / "trial.json").write_text(
                json.dumps({"trial": number, "value": value}), encoding="utf-8")
            self._replace_with(candidate)
            if on_best is not None:
                on_best()
            return True

    def settle(self, original: int | None) -> bool:
        """Make the model the confirmation runs of trial `original`'s config kept (the returned
        config's, `confirm.chosen`) the best model, with its dev predictions; drop every other
        confirmed config's. Returns whether best-model/ changed (False when this run holds no
        model of that config: its confirmation runs were an earlier run's)."""
        if not any(self.folder.glob(f"{CONFIRMED}*")):
            return False  # no confirmation run saved a model here
        with open(self._lockfile, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            chosen = None if original is None else self.confirmed(original)
            moved = chosen is not None and chosen.dir.is_dir()
            if moved:
                self._replace_with(chosen.dir)
                if chosen.predictions.is_file():
                    chosen.predictions.replace(self.predictions)
            for path in self.folder.glob(f"{CONFIRMED}*"):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
            return moved

    def _replace_with(self, source: Path) -> None:
        """Put the model folder `source` where this one is (under the lock)."""
        old = self.folder / ".best-model.old"
        shutil.rmtree(old, ignore_errors=True)
        if self.dir.exists():
            self.dir.rename(old)
        source.rename(self.dir)
        shutil.rmtree(old, ignore_errors=True)


CONFIRMED = ".confirmed-"  # a confirmed config's kept model: .confirmed-<original trial>/


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
    later = held_back(verdict) if verdict.feasible else {}  # reported when training is over
    constrain(trial, {k: v for k, v in verdict.values.items() if k not in later})
    if verdict.estimate is not None:
        trial.set_user_attr("estimated_peak_gib", round(verdict.estimate.peak_gib, 4))
        trial.set_user_attr("estimated_eval_peak_gib", round(verdict.estimate.eval_peak_gib, 4))
    if not verdict.feasible:
        trial.set_user_attr("infeasible", verdict.reason)
        trial.set_user_attr("infeasible_rules", sorted(verdict.reasons))
        trial.set_user_attr("constraint_check_s", round(verdict.seconds, 6))
        reason = f"infeasible, not trained: {verdict.reason}"
        trial.set_user_attr("prune_reason", reason)
        raise optuna.TrialPruned(reason)
    return verdict
