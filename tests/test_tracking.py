"""Training curves (runtime.report_to): one tracker run per trial, named trial-<n> and grouped by
study, written locally by the real libraries (no network: W&B offline, MLflow on SQLite), and
the trial's record pointing at it; trackers that cannot work are refused before any work."""

import sys
from pathlib import Path

import pytest
from helpers import GUARD_OFF, read_record, sqlite_url

from workbench import paths, tracking, validate
from workbench import study as wstudy
from workbench.backends.base import trial_arguments
from workbench.config import ConfigError

pytestmark = pytest.mark.usefixtures("private_cache")

# One tiny trial: tiny-bart without its base (corpus_rows 0), a few rows, one epoch.
TINY = {**GUARD_OFF, "model.base.corpus_rows": 0, "data.max_train_samples": 16,
        "data.max_dev_samples": 4, "hparams.num_epochs": 1, "hparams.num_beams": 1,
        "hparams.max_new_tokens": 20, "runtime.logging_steps": 1}


def one_trial(tmp_path, monkeypatch, trackers):
    """Run a one-trial study (trial 0) of TINY reporting to `trackers`, with outputs/ in
    tmp_path and no tracker settings from the environment; its record and tracking folder."""
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    for key in ("MLFLOW_TRACKING_URI", "WANDB_MODE", "TENSORBOARD_LOGGING_DIR"):
        monkeypatch.delenv(key, raising=False)
    for key in ("WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(key, str(tmp_path / key.lower()))
    wstudy.start_run("run-study", preset="tiny-bart", n_trials=1, storage=sqlite_url(tmp_path),
                     study_name="curves", overrides={**TINY, "runtime.report_to": trackers},
                     run_dir=str(tmp_path / "rec")).optimize()
    rec = read_record(tmp_path / "rec")
    assert rec["status"] == "completed" and rec["trials"][0]["state"] == "COMPLETE"
    return rec["trials"][0]["extra"]["tracking"], tracking.folder_of("tiny-bart", "curves", 0)


def tensorboard_curves(where, folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    assert Path(where["tensorboard"]["logging_dir"]) == folder
    events = list(folder.glob("events.out.tfevents.*"))
    assert len(events) == 1, "one run (event file) for the trial"
    acc = EventAccumulator(str(folder))
    acc.Reload()
    assert "train/loss" in acc.Tags()["scalars"]
    assert len(acc.Scalars("train/loss")) >= 2  # logged every step, not once per epoch


def mlflow_curves(where, folder):
    import mlflow

    uri = tracking.mlflow_uri("tiny-bart")
    assert uri == f"sqlite:///{paths.OUTPUTS / 'tiny-bart' / 'tracking' / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name("curves")  # experiment = the study
    runs = client.search_runs([experiment.experiment_id])
    assert [r.info.run_name for r in runs] == ["trial-0"]
    assert runs[0].info.run_id == where["mlflow"]["run_id"]
    assert runs[0].info.status == "FINISHED"
    assert len(client.get_metric_history(runs[0].info.run_id, "loss")) >= 2


def wandb_curves(where, folder):
    run = Path(where["wandb"]["dir"])
    assert run.parent == folder / "wandb" and run.name.startswith("offline-run-")
    assert (where["wandb"]["project"], where["wandb"]["group"], where["wandb"]["name"],
            where["wandb"]["mode"]) == ("curves", "curves", "trial-0", "offline")
    (log,) = run.glob("run-*.wandb")  # the offline run's records, for `wandb sync`
    data = log.read_bytes()
    assert b"train/loss" in data and b"trial-0" in data


def test_a_trial_writes_its_curves_to_every_tracker(tmp_path, monkeypatch):
    """One trial reporting to all three at once (one training, not three): each tracker holds
    its own run of it."""
    trackers = ["tensorboard", "mlflow", "wandb"]
    where, folder = one_trial(tmp_path, monkeypatch, trackers)
    assert where["report_to"] == trackers and where["run_name"] == "trial-0"
    assert where["study"] == "curves"
    for curves in (tensorboard_curves, mlflow_curves, wandb_curves):
        curves(where, folder)


def test_the_trainer_reports_only_inside_a_trial(tmp_path):
    """trial_arguments hands the open trial's trackers and name to the Trainer; a base build or
    a refit (no trial) reports nowhere, whatever runtime.report_to says."""
    cfg = validate.resolve("tiny-bart", {"runtime.report_to": ["tensorboard"]}).config
    outside = trial_arguments(cfg["hparams"], cfg["runtime"], tmp_path, use_cpu=True)
    assert (outside["report_to"], outside["run_name"]) == ("none", None)
    token = tracking._CURRENT.set(tracking.TrialTracking(["tensorboard"], "trial-7"))
    try:
        inside = trial_arguments(cfg["hparams"], cfg["runtime"], tmp_path, use_cpu=True)
    finally:
        tracking._CURRENT.reset(token)
    assert (inside["report_to"], inside["run_name"]) == (["tensorboard"], "trial-7")


@pytest.mark.parametrize(("overrides", "needle"), [
    ({"runtime.report_to": ["tensorbord"]},
     "runtime.report_to: 'tensorbord' is not one of tensorboard, mlflow, wandb"),
    ({"runtime.report_to": ["wandb"], "study.n_jobs": 2},
     "runtime.report_to: wandb keeps one run per process, and study.n_jobs 2"),
])
def test_trackers_that_cannot_work_are_refused(overrides, needle):
    with pytest.raises(ConfigError, match=needle):
        validate.resolve("tiny-bart", overrides)


def test_a_tracker_not_installed_is_refused_with_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # what find_spec sees of a missing package
    with pytest.raises(ConfigError, match=r"mlflow asked for but not installed: run "
                                          r"`pip install -e '\.\[tracking\]'`"):
        validate.resolve("tiny-bart", {"runtime.report_to": ["tensorboard", "mlflow"]})
