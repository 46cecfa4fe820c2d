"""Training curves per trial (`runtime.report_to`): HF's TensorBoard, MLflow and Weights & Biases
integrations, one tracker run per trial, grouped by study and named `trial-<n>`.

The study's objective trains each trial inside `trial_run`, which opens the trial's runs, points
the trial's record at them (user attribute `tracking`) and closes them however the trial ends;
`trial_arguments` (backends/base.py) reads the open trial's `report_to` and `run_name`. Outside
a trial (a base build, a refit) nothing is reported. Where things go, under
outputs/<preset>/tracking/:

- TensorBoard: `<study>/trial-<n>/` (event files; `tensorboard --logdir outputs/<preset>/tracking`);
- MLflow: `mlflow.db` (SQLite; MLflow 3 refuses plain file stores), experiment = study, run =
  `trial-<n>`; a tracking URI the user set in MLFLOW_TRACKING_URI wins;
- W&B: `<study>/trial-<n>/wandb/`, project and group = study, name = `trial-<n>`, offline
  unless the user set WANDB_MODE (`wandb sync` uploads it later).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.config import ConfigError

# Tracker -> the package that must be importable for it (HF's integrations import these).
PACKAGES = {"tensorboard": "tensorboard", "mlflow": "mlflow", "wandb": "wandb"}
EXTRA = "pip install -e '.[tracking]'"  # installs all three (`make install` does: EXTRAS all)
# Trackers whose HF callback is configured per process (TENSORBOARD_LOGGING_DIR, wandb.run):
# two trials training at once in one process's threads would write into each other's run.
ONE_RUN_PER_PROCESS = ("tensorboard", "wandb")


def check(config: Mapping[str, Any]) -> None:
    """Refuse `runtime.report_to` naming an unknown tracker, one whose package is missing (with
    the extra to install), or one that cannot tell `study.n_jobs` threads apart; before any
    work, without importing the trackers."""
    wanted = config["runtime"]["report_to"]
    for name in wanted:
        if name not in PACKAGES:
            raise ConfigError(f"runtime.report_to: {name!r} is not one of "
                              f"{', '.join(PACKAGES)} (an empty list: no tracking)")
    missing = [name for name in wanted if importlib.util.find_spec(PACKAGES[name]) is None]
    if missing:
        raise ConfigError(f"runtime.report_to: {', '.join(missing)} asked for but not installed: "
                          f"run `{EXTRA}` (or drop it from runtime.report_to)")
    shared = [name for name in wanted if name in ONE_RUN_PER_PROCESS]
    if shared and config["study"]["n_jobs"] > 1:
        raise ConfigError(f"runtime.report_to: {', '.join(shared)} keeps one run per process, "
                          f"and study.n_jobs {config['study']['n_jobs']} would train trials "
                          "at once in its threads: use study.workers (processes) instead")


@dataclass(frozen=True)
class TrialTracking:
    """The open trial's trackers and names, as `trial_arguments` hands them to the Trainer."""

    report_to: list[str]
    run_name: str


_CURRENT: contextvars.ContextVar[TrialTracking | None] = contextvars.ContextVar(
    "trial_tracking", default=None)


def current() -> TrialTracking | None:
    """The trial this thread is training inside `trial_run`, or None (nothing reported)."""
    return _CURRENT.get()


def folder_of(preset: str, study_name: str, number: int) -> Path:
    """outputs/<preset>/tracking/<study>/trial-<n>: the trial's event files and W&B run."""
    safe = re.sub(r"[^\w.-]+", "-", study_name)
    return paths.OUTPUTS / preset / "tracking" / safe / f"trial-{number}"


@contextlib.contextmanager
def trial_run(config: Mapping[str, Any], trial: Any) -> Iterator[None]:
    """Train Optuna trial `trial` inside its tracker runs (none when runtime.report_to is
    empty); its record's `tracking` says where the curves are. A pruned trial's runs end as
    killed, a failed one's as failed."""
    wanted = list(config["runtime"]["report_to"])
    if not wanted:
        yield
        return
    study, number = trial.study.study_name, trial.number
    name = f"trial-{number}"
    folder = folder_of(config["preset"], study, number)
    folder.mkdir(parents=True, exist_ok=True)
    where: dict[str, Any] = {"report_to": wanted, "run_name": name, "study": study}
    with contextlib.ExitStack() as stack:
        if "tensorboard" in wanted:
            stack.enter_context(_environ("TENSORBOARD_LOGGING_DIR", str(folder)))
            where["tensorboard"] = {"logging_dir": paths.shown(folder)}
        if "mlflow" in wanted:
            where["mlflow"] = stack.enter_context(_mlflow_run(config["preset"], study, name))
        if "wandb" in wanted:
            where["wandb"] = stack.enter_context(_wandb_run(folder, study, name))
        trial.set_user_attr("tracking", where)
        token = _CURRENT.set(TrialTracking(wanted, name))
        try:
            yield
        finally:
            _CURRENT.reset(token)


def _ending(exc: BaseException) -> str:
    """How the tracker run of a trial that raised `exc` ends: killed (pruned) or failed."""
    import optuna  # not at import: the config check that imports this module stays light

    return "KILLED" if isinstance(exc, optuna.TrialPruned) else "FAILED"


@contextlib.contextmanager
def _environ(key: str, value: str) -> Iterator[None]:
    """`key` set to `value` for the trial (HF's TensorBoard callback reads it), then restored."""
    before = os.environ.get(key)
    os.environ[key] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def mlflow_uri(preset: str) -> str:
    """The MLflow tracking URI: MLFLOW_TRACKING_URI when set, else outputs/<preset>/tracking's
    SQLite store (`mlflow ui --backend-store-uri` it, from the project root)."""
    return os.environ.get("MLFLOW_TRACKING_URI") or \
        f"sqlite:///{paths.OUTPUTS / preset / 'tracking' / 'mlflow.db'}"


@contextlib.contextmanager
def _mlflow_run(preset: str, study: str, name: str) -> Iterator[dict[str, Any]]:
    """An MLflow run `name` in experiment `study`, active in this thread while the trial trains
    (HF's MLflowCallback logs into an active run and leaves ending it to us)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from workbench import storage

    uri = mlflow_uri(preset)
    mlflow.set_tracking_uri(uri)
    client = mlflow.MlflowClient(uri)
    found = client.get_experiment_by_name(study)
    if found is None:
        local = None if "MLFLOW_TRACKING_URI" in os.environ else \
            (paths.OUTPUTS / preset / "tracking" / "mlartifacts").as_uri()
        try:
            experiment = client.create_experiment(study, artifact_location=local)
        except MlflowException:  # another process created it just now
            experiment = client.get_experiment_by_name(study).experiment_id
    else:
        experiment = found.experiment_id
    run = mlflow.start_run(experiment_id=experiment, run_name=name)
    shown = f"sqlite:///{paths.shown(uri[len('sqlite:///'):])}" \
        if uri.startswith("sqlite:///") else storage.mask(uri)
    try:
        yield {"tracking_uri": shown, "experiment": study, "run_name": name,
               "run_id": run.info.run_id}
    except BaseException as exc:
        mlflow.end_run(status=_ending(exc))
        raise
    mlflow.end_run(status="FINISHED")


@contextlib.contextmanager
def _wandb_run(folder: Path, study: str, name: str) -> Iterator[dict[str, Any]]:
    """A W&B run `name` in project and group `study`, written under `folder` (offline unless
    WANDB_MODE says otherwise); HF's WandbCallback logs into it as the process's run."""
    import wandb

    mode = os.environ.get("WANDB_MODE") or "offline"
    run = wandb.init(project=study, group=study, name=name, dir=str(folder), mode=mode,
                     settings=wandb.Settings(silent=True, console="off"))
    try:
        yield {"project": study, "group": study, "name": name, "mode": mode,
               "dir": paths.shown(Path(run.dir).parent)}
    except BaseException as exc:  # a pruned trial's curve is whole: only a failure is marked
        run.finish(exit_code=1 if _ending(exc) == "FAILED" else 0)
        raise
    run.finish(exit_code=0)
