"""A run's life from start to end: workers die with their run, records are never
overwritten, a killed run is shown as killed, budgets mean trials this run finishes, and bad
input is refused before any work (the CLI's own refusals are in test_cli.py)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import optuna
import pytest
from helpers import PLUMBING, completed_record, outcome, read_record, run_at_once, sqlite_url

from workbench import config, data, notebooks, paths, records, storage
from workbench import study as wstudy
from workbench.config import ConfigError

QUICK = {**PLUMBING, "data.max_train_samples": 8, "data.max_dev_samples": 4,
         "hparams.num_epochs": 1, "hparams.num_beams": 1, "hparams.max_new_tokens": 50,
         "search.params": ["learning_rate", "weight_decay"]}


def _scored(self, hp, report, outdir, save_to=None):
    report(1, hp["learning_rate"] * 1000)
    return outcome(hp["learning_rate"] * 1000)


def _gone(pid: int) -> bool:
    """Whether a process has exited (a zombie nobody reaped has exited too)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
    except OSError:  # no /proc (macOS): signal 0 says whether it exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


# ------------------------------------------------------------------ 1. orphaned workers


def test_worker_processes_die_with_the_run_that_started_them(tmp_path):
    """`kill -9` of the process running a study with workers: both workers exit within
    seconds of their parent, never training on as orphans."""
    script = tmp_path / "parent.py"
    # Imports inside the main block: a worker re-imports the parent's main module, and a
    # kernel's (ipykernel_launcher) is light too.
    script.write_text(textwrap.dedent(f"""
        if __name__ == "__main__":
            from workbench import study as wstudy

            wstudy.start_run("run-study", preset="tiny-bart", n_trials=20, workers=2,
                             storage={f"journal:///{tmp_path}/study.log"!r}, study_name="orphans",
                             overrides={QUICK!r}, run_dir={str(tmp_path / "rec")!r}).optimize()
    """), encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], cwd=paths.ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while not pids and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.5)
            try:
                pids = [w["pid"] for w in read_record(tmp_path / "rec").get("workers", [])]
            except (FileNotFoundError, json.JSONDecodeError):
                pass
        assert len(pids) == 2, "the run never started its workers"
        time.sleep(3)  # the workers are importing or training now
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 20
        while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert all(_gone(p) for p in pids), "workers outlived the run that started them"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in pids:  # started by this test
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------ 2. join checks the task


def test_a_join_with_another_config_is_refused(fake_backend, tmp_path):
    over = {**QUICK, **fake_backend(_scored)}
    url = sqlite_url(tmp_path)
    wstudy.start_run("run-study", preset="tiny-bart", n_trials=1, storage=url, study_name="j",
                     overrides=over, run_dir=str(tmp_path / "a")).optimize()
    joined = wstudy.start_run("worker", preset="tiny-bart", storage=url, study_name="j",
                              overrides={**over, "hparams.num_epochs": 2},
                              run_dir=str(tmp_path / "b"))
    with pytest.raises(ValueError, match="hparams.num_epochs"):
        joined.join()


# ------------------------------------------------------------------ 3. records never overwritten


def test_run_refuses_to_write_into_an_existing_record(tmp_path):
    folder = tmp_path / "done"
    before = completed_record(folder)
    with pytest.raises(ValueError, match="already holds a record"):
        notebooks.run_notebook("run-study", {"preset": "tiny-bart", "n_trials": 1},
                               out_dir=folder)
    with pytest.raises(ValueError, match="already holds a record"):
        wstudy.start_run("run-study", preset="tiny-bart", overrides={}, run_dir=str(folder))
    assert (folder / "results.json").read_text(encoding="utf-8") == before
    assert (folder / "run-study.ipynb").read_text(encoding="utf-8") == "{}"


# ------------------------------------------------------------------ 4. pid, host, heartbeat


def test_a_record_names_its_process_and_a_killed_run_shows_as_killed(fake_backend, tmp_path):
    over = {**QUICK, **fake_backend(_scored)}
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = tmp_path / "runs" / "killed"
    killed.mkdir(parents=True)
    records.write_json(killed / "results.json", {
        "run_id": "killed", "status": "running", "notebook": "run-study",
        "process": {"pid": dead.pid, "host": records.HOST, "heartbeat": records.now(),
                    "interval_s": 60}})
    assert records.effective_status(read_record(killed)) == "killed"
    far = {"pid": 1, "host": "elsewhere", "heartbeat": "2026-01-01T00:00:00+00:00",
           "interval_s": 60}
    assert records.effective_status({"status": "running", "process": far}) == "killed"
    assert records.effective_status({"status": "running", "process": {
        **far, "heartbeat": records.now()}}) == "running"
    unbeaten = {k: v for k, v in far.items() if k != "interval_s"}  # keeps no heartbeat
    assert records.effective_status({"status": "running", "process": unbeaten}) == "running"

    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=1,
                           storage=sqlite_url(tmp_path), overrides=over,
                           run_dir=str(tmp_path / "runs" / "next"))
    rec = read_record(run.folder)
    assert rec["process"]["pid"] == os.getpid() and rec["process"]["host"] == records.HOST
    assert rec["process"]["heartbeat"]
    assert [k["run_id"] for k in rec["killed_runs"]] == ["killed"]
    run.optimize()
    done = read_record(run.folder)
    assert done["status"] == "completed" and done["process"]["interval_s"] == 60


def test_the_analyze_notebook_shows_killed_runs_as_killed(tmp_path):
    from workbench.study import lifecycle

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    process = {"pid": dead.pid, "host": records.HOST, "heartbeat": records.now(),
               "interval_s": 60}
    study = optuna.create_study(storage=sqlite_url(tmp_path), study_name="k")
    study.set_user_attr("run:gone", {**process, "state": "running"})
    study.set_user_attr("run:done", {**process, "state": "over"})
    lines = lifecycle.run_states(study, {"run_id": "gone", "status": "running",
                                         "process": process})
    assert len(lines) == 2 and all("killed" in line for line in lines)
    assert lines[0].startswith("record gone: killed (process") and "run gone: killed" in lines[1]


def test_a_trial_failed_by_a_stale_heartbeat_says_why_and_its_retry_names_it(fake_backend,
                                                                           tmp_path):
    over = {**QUICK, **fake_backend(_scored), "study.heartbeat_interval": 1}
    url = sqlite_url(tmp_path)
    kw = dict(preset="tiny-bart", storage=url, study_name="stale", overrides=over)
    wstudy.start_run("run-study", n_trials=1, run_dir=str(tmp_path / "a"), **kw).optimize()
    # A worker that died mid-trial: its trial is RUNNING and its heartbeat stops.
    opened = optuna.storages.RDBStorage(url, heartbeat_interval=1, grace_period=1)
    lost = optuna.load_study(study_name="stale", storage=opened).ask()
    opened.record_heartbeat(lost._trial_id)
    time.sleep(3.5)  # SQLite keeps heartbeats to the second; the grace is 2 s
    run = wstudy.start_run("run-study", n_trials=1, run_dir=str(tmp_path / "b"), **kw)
    run.optimize()
    rec = read_record(run.folder)
    by_number = {t["number"]: t for t in rec["trials"]}
    assert by_number[lost.number]["state"] == "FAIL"
    assert "heartbeat" in by_number[lost.number]["fail_reason"]
    retries = [t for t in rec["trials"] if t.get("retry_of") == lost.number]
    assert len(retries) == 1 and retries[0]["state"] == "COMPLETE"
    assert f"retried as trial {retries[0]['number']}" in by_number[lost.number]["fail_reason"]
    assert [t["number"] for t in rec["trials"] if t["run_id"] == "b"] == [retries[0]["number"]]


# ------------------------------------------------------------------ 5. budgets


def test_a_run_finishes_its_budget_left_over_queued_trials_first(fake_backend, tmp_path):
    """`--trials 1` after an interrupted run runs one trial (a left-over queued one first),
    not every left-over queued trial."""
    over = {**QUICK, **fake_backend(_scored)}
    url = sqlite_url(tmp_path)
    kw = dict(preset="tiny-bart", storage=url, study_name="budget", overrides=over)
    wstudy.start_run("run-study", n_trials=1, run_dir=str(tmp_path / "a"), **kw).optimize()
    study = optuna.load_study(study_name="budget", storage=url)
    for lr in (1e-4, 2e-4, 3e-4):  # queued by a run that was interrupted before running them
        study.enqueue_trial({"learning_rate": lr})
    run = wstudy.start_run("run-study", n_trials=1, run_dir=str(tmp_path / "b"), **kw)
    done = run.optimize()
    rec = read_record(run.folder)
    mine = [t for t in rec["trials"] if t["run_id"] == "b"]
    assert [t["params"]["learning_rate"] for t in mine] == [1e-4]
    assert rec["study"]["budget"]["n_trials"] == 1
    assert rec["study"]["budget"]["left_over"] == 1
    assert rec["study"]["budget"]["finished"] == 1
    waiting = done.get_trials(states=(optuna.trial.TrialState.WAITING,))
    assert [t.system_attrs["fixed_params"]["learning_rate"] for t in waiting] == [2e-4, 3e-4]


def test_left_overs_are_the_queued_trials_of_runs_that_are_over(tmp_path):
    from workbench.storage import QUEUED_BY
    from workbench.study import lifecycle

    study = optuna.create_study(storage=sqlite_url(tmp_path), study_name="left")
    me = records.process_entry()
    study.set_user_attr("run:timed-out", {**me, "interval_s": 60, "state": "over"})
    study.set_user_attr("run:live", {**me, "interval_s": 60, "state": "running"})
    for owner in ("timed-out", "live", None, "unknown"):
        study.enqueue_trial({}, user_attrs={QUEUED_BY: owner} if owner else None)
    taken = [t.user_attrs.get(QUEUED_BY) for t in lifecycle.leftovers(study, "new")]
    assert taken == ["timed-out", None, "unknown"]  # the live run keeps its own


def test_two_runs_started_together_each_finish_their_budget(fake_backend, tmp_path):
    over = {**QUICK, **fake_backend(_scored)}
    kw = dict(preset="tiny-bart", n_trials=3, sampler="random", storage=sqlite_url(tmp_path),
              study_name="together", overrides=over)
    wstudy.start_run("run-study", run_dir=str(tmp_path / "first"), **kw).optimize()
    runs = [wstudy.start_run("run-study", run_dir=str(tmp_path / f"p{i}"), **kw)
            for i in (1, 2)]
    run_at_once(runs)
    study = runs[0].study
    assert len(study.trials) == 9
    for name in ("p1", "p2"):
        assert sum(t.user_attrs.get("run_id") == name for t in study.trials) == 3, name


# ------------------------------------------------------------------ 6. input validation


@pytest.mark.parametrize(("overrides", "needle"), [
    ({"study.n_trials": -3}, "study.n_trials: must be >= 1, got -3"),
    ({"study.n_trials": 0}, "study.n_trials: must be >= 1, got 0"),
    ({"hparams.num_epochs": 0}, "hparams.num_epochs: must be >= 1, got 0"),
    ({"hparams.batch_size": 0}, "hparams.batch_size: must be >= 1"),
    ({"hparams.learning_rate": 0}, "hparams.learning_rate: must be > 0"),
    ({"data.max_dev_samples": 0}, "data.max_dev_samples: must be >= 1 (or null: all rows)"),
    ({"study.timeout": -1}, "study.timeout: must be > 0 (or null: no limit)"),
])
def test_values_that_cannot_run_are_refused(overrides, needle):
    from workbench import validate

    with pytest.raises(ConfigError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        validate.resolve("tiny-bart", overrides)


@pytest.mark.parametrize("split", ["train", "dev"])
def test_a_split_with_a_header_and_no_rows_is_refused_naming_the_file(tmp_path, split):
    path = tmp_path / f"{split}.csv"
    path.write_text("fname,dialogue,summary,topic\n", encoding="utf-8")
    with pytest.raises(data.DataError, match=f"{split}.csv: no rows after the header"):
        data.read_split(path, split)


def test_a_preset_with_a_key_twice_is_refused(tmp_path, monkeypatch):
    (tmp_path / "twice.yaml").write_text(
        "hparams:\n  num_beams: 2\nstudy:\n  n_trials: 3\nhparams:\n  num_epochs: 1\n",
        encoding="utf-8")
    monkeypatch.setattr(paths, "PRESETS", tmp_path)
    with pytest.raises(ConfigError, match=r"twice.yaml: .*line 5.*duplicate key 'hparams'"):
        config.compose("twice")


# ------------------------------------------------------------------ 7. preset names


@pytest.mark.parametrize("name", ["..", "../tiny-bart", "/tmp/x", "sub/tiny-bart"])
def test_a_preset_is_a_name_not_a_path(name):
    with pytest.raises(ConfigError, match="a preset is a name"):
        config.preset_file(name)


def test_a_refused_preset_leaves_its_record_under_outputs(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    with pytest.raises(ConfigError):
        wstudy.start_run("run-study", preset="..", overrides={})
    made = list(tmp_path.rglob("results.json"))
    assert len(made) == 1 and read_record(made[0].parent)["status"] == "failed"
    assert made[0].is_relative_to(tmp_path / "outputs"), made[0]


# ------------------------------------------------------------------ 8. the data's fingerprint


def test_resuming_on_changed_data_is_refused(fake_backend, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("train", "dev"):
        (folder / f"{name}.csv").write_bytes((paths.DATA / "sample" / f"{name}.csv").read_bytes())
    over = {**QUICK, **fake_backend(_scored), "data.dir": str(folder)}
    kw = dict(preset="tiny-bart", n_trials=1, storage=sqlite_url(tmp_path), study_name="d",
              overrides=over)
    first = wstudy.start_run("run-study", run_dir=str(tmp_path / "a"), **kw)
    first.optimize()
    fingerprint = read_record(first.folder)["data"]["fingerprint"]
    assert len(fingerprint) == 64
    wstudy.start_run("run-study", run_dir=str(tmp_path / "b"), **kw).optimize()  # same data
    train = (folder / "train.csv").read_text(encoding="utf-8")
    (folder / "train.csv").write_text(train.replace("자기소개", "자기 소개", 1), encoding="utf-8")
    changed = wstudy.start_run("run-study", run_dir=str(tmp_path / "c"), **kw)
    with pytest.raises(ValueError, match="data.fingerprint"):
        changed.optimize()


# ------------------------------------------------------------------ 9. no machine paths


def test_a_record_holds_no_machine_path(fake_backend, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "ROOT", tmp_path)  # this test's project root
    over = {**QUICK, **fake_backend(_scored), "data.dir": str(paths.DATA / "sample")}
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=1,
                           storage=f"sqlite:///{tmp_path}/outputs/x/optuna.db", overrides=over,
                           run_dir=str(tmp_path / "outputs" / "x" / "run"))
    run.optimize()
    text = (run.folder / "results.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in text
    rec = json.loads(text)
    assert rec["study"]["storage"] == "sqlite:///outputs/x/optuna.db"
    assert rec["parameters"]["run_dir"] == "outputs/x/run"
    # The relative URL opens the same study (from the project root).
    assert len(optuna.load_study(study_name="tiny-bart", storage=storage.open_storage(
        rec["study"]["storage"])).trials) == 1
    assert storage.shown(f"journal:///{tmp_path}/a/study.log") == "journal://a/study.log"
    assert storage.shown("sqlite:////elsewhere/optuna.db") == "sqlite:////elsewhere/optuna.db"


def test_a_recorded_traceback_names_files_from_the_project_root():
    with pytest.raises(ConfigError) as err:
        config.preset_file("..")
    info = records.error_info(err.value)
    assert str(paths.ROOT) not in info["traceback"]
    assert 'File "workbench/config.py"' in info["traceback"]


# ------------------------------------------------------------------ 10. messages that name things


@pytest.mark.parametrize("text", ["not json at all", "[1, 2]"])
def test_a_garbage_results_json_is_named(tmp_path, text):
    (tmp_path / "results.json").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"results.json: not a run record"):
        records.read_results(tmp_path)
    from workbench.strategies import warmstart

    cfg = {"warm_start": [], "warm_start_file": None, "warm_start_record": str(tmp_path),
           "warm_start_top_k": 3}
    with pytest.raises(ValueError, match=r"results.json: not a run record"):
        warmstart.entries(cfg, ["learning_rate"])


def test_a_corrupt_sqlite_file_is_called_corrupt_not_unwritable(tmp_path):
    db = tmp_path / "optuna.db"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(storage.StorageError) as err:
        storage.open_storage(f"sqlite:///{db}")
    assert "not a SQLite database" in str(err.value) and "writable" not in str(err.value)


def test_score_reads_na_and_none_as_the_text_they_are(tmp_path):
    """`workbench score` reads the cells NA and None as the text they are, not as empty cells
    (pandas' NA parsing)."""
    from workbench import metrics

    for name in ("pred", "ref"):
        (tmp_path / f"{name}.csv").write_text("fname,summary\na,NA\nb,None\n", encoding="utf-8")
    scores = metrics.score_csv(tmp_path / "pred.csv", tmp_path / "ref.csv", mode="baseline")
    assert scores.rouge1 == pytest.approx(1.0) and scores.rougeL == pytest.approx(1.0)
