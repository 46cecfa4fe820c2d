"""Parallel runs through the study runner: worker processes, shared storages, no secrets kept."""

import json
import os

import pytest
import services
from helpers import PLUMBING

from workbench import cli, storage
from workbench import study as wstudy

TINY = {
    "data.max_train_samples": 8,
    "data.max_dev_samples": 4,
    "hparams.num_epochs": 1,
    "hparams.num_beams": 1,
    "hparams.max_new_tokens": 50,
    "search.params": ["learning_rate", "weight_decay"],
    **PLUMBING,
}


def test_local_worker_processes_share_one_budget(tmp_path):
    url = f"journal://{tmp_path}/study.log"
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=4, workers=2, storage=url,
                           study_name="w", overrides=dict(TINY), run_dir=str(tmp_path / "rec"))
    study = run.optimize()
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert [w["exitcode"] for w in rec["workers"]] == [0, 0]
    assert sorted(t.number for t in study.trials) == [0, 1, 2, 3]
    assert [t["state"] for t in rec["trials"]] == ["COMPLETE"] * 4
    assert rec["trials"][0]["origin"] == "preset"
    assert (tmp_path / "rec" / "best-model" / "trial.json").is_file()


def test_joining_adds_no_trials(tmp_path):
    url = f"journal://{tmp_path}/study.log"
    wstudy.start_run("run-study", preset="tiny-bart", n_trials=1, storage=url, study_name="j",
                     overrides=dict(TINY), run_dir=str(tmp_path / "a")).optimize()
    joined = wstudy.start_run("worker", preset="tiny-bart", storage=url, study_name="j",
                              overrides=dict(TINY), run_dir=str(tmp_path / "b"))
    study = joined.join()
    assert len(study.trials) == 1
    missing = wstudy.start_run("worker", preset="tiny-bart", storage=url, study_name="nope",
                               overrides=dict(TINY), run_dir=str(tmp_path / "c"))
    with pytest.raises(ValueError, match="study 'nope' not found"):
        missing.join()
    rec = json.loads((tmp_path / "c" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "failed"


@pytest.mark.slow
def test_a_password_never_reaches_the_record(tmp_path):
    base = services.require("postgresql")
    secret = "Sup3rSecretPw"
    with services.fresh_database("postgresql") as url:
        # PostgreSQL here trusts local connections, so any password opens the database.
        with_pw = services.with_password(url, secret)
        folder = cli.run_notebook("run-study", {
            "preset": "tiny-bart", "n_trials": 1, "storage": with_pw,
            "overrides": {**TINY, "study.study_name": "secret"}}, out_dir=tmp_path / "a")
        folder2 = cli.run_notebook("run-study", {
            "preset": "tiny-bart", "n_trials": 1,
            "overrides": {**TINY, "study.storage": with_pw}}, out_dir=tmp_path / "b")
        os.environ.pop(storage.ENV_PASSWORD, None)
    assert base
    for rec in (folder, folder2):
        data = json.loads((rec / "results.json").read_text(encoding="utf-8"))
        assert data["status"] == "completed", data.get("error")
        for path in rec.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def test_bad_storage_is_one_clear_error_before_any_trial(tmp_path):
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage="postgresql://u:hunter2@127.0.0.1:1/nodb",
                           overrides=dict(TINY), run_dir=str(tmp_path / "rec"))
    with pytest.raises(storage.StorageError) as err:
        run.optimize()
    assert "hunter2" not in str(err.value) and "127.0.0.1:1" in str(err.value)
    text = (tmp_path / "rec" / "results.json").read_text(encoding="utf-8")
    assert "hunter2" not in text and '"status": "failed"' in text
