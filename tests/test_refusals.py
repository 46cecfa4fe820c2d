"""Every refusal of config, data, storage or model comes from the
`workbench` command itself, before any kernel, without importing torch, transformers or peft,
and leaves no folder; a run stopped by SIGTERM or SIGHUP says so in its record; read-only
storages and outputs are named; `workbench presets` lists what `--preset` accepts; a run on
the user's own data gets its own study."""

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import PLUMBING, outcome, read_record, sqlite_url

from workbench import cli, config, paths, records

HEAVY = ("torch", "transformers", "peft", "papermill", "jupyter_client")
# Runs `workbench ARGS` as the command does, with outputs/ at argv[1], and prints what it
# returned and which heavy modules it had imported by then (the refusal path's imports).
PROBE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from workbench import cli, paths
    paths.OUTPUTS = Path(sys.argv[1])
    try:
        code = cli.main(sys.argv[2:])
    except SystemExit as exc:
        code = exc.code
    heavy = sorted(m for m in HEAVY if m in sys.modules)
    print("PROBE " + json.dumps({"code": code, "heavy": heavy}))
""").replace("HEAVY", repr(HEAVY))


def probe(outputs, *argv, cwd, **kw):
    """`workbench *argv` in a fresh process (offline, outputs/ at `outputs`): its exit code,
    the heavy modules it imported, and its stderr."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(paths.ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(outputs), *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, **kw)
    line = next((x for x in done.stdout.splitlines() if x.startswith("PROBE ")), None)
    assert line is not None, done.stderr[-3000:]
    return {**json.loads(line[6:]), "err": done.stderr}


# ------------------------------------------------------------------ 8. refusals are cheap


@pytest.mark.parametrize(("argv", "needle"), [
    (["study", "--set", "hparams.nope=1"], "unknown key 'hparams.nope'"),
    (["study", "--set", "data.dir={tmp}/no-such-data"], "no-such-data/train.csv: file not found"),
    (["study", "--storage", "postgersql://me@localhost/optuna"], "postgersql://me@localhost/"
     "optuna: unknown URL scheme; use one of: sqlite:///PATH"),
    (["study", "--preset", "kobart"], "run `hf download digit82/kobart-summarization`"),
    (["study", "--preset", "kobart", "--set", "hparams.max_input_length=1536"],
     "hparams.max_input_length: 1536 > the 1026 positions of digit82/kobart-summarization"),
    (["run", "run-study", "--preset", "kobart", "-p", "storage", "postgersql://x@h/db"],
     "unknown URL scheme"),
    (["worker", "--study", "w", "--join", "--storage", "postgersql://me@localhost/optuna"],
     "unknown URL scheme"),
], ids=["config-key", "data-path", "storage-scheme", "missing-model", "positions", "run",
        "worker-join"])
def test_a_refusal_comes_before_any_kernel_and_imports_no_trainer(tmp_path, argv, needle):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    outputs = tmp_path / "outputs"
    got = probe(outputs, *argv, cwd=tmp_path)
    assert got["code"] == 2, got["err"][-2000:]
    assert needle in got["err"]
    assert got["heavy"] == [], f"a refusal imported {got['heavy']}"
    assert not outputs.exists(), "a refused run left a folder"
    assert "Traceback" not in got["err"]


@pytest.mark.skipif(importlib.util.find_spec("psycopg") is not None,
                    reason="checks a driver that is not installed")
def test_a_storage_whose_driver_is_missing_is_refused_naming_the_extra(tmp_path):
    got = probe(tmp_path / "outputs", "study", "--storage", "postgresql+psycopg://me@localhost/o",
                cwd=tmp_path)
    assert got["code"] == 2 and got["heavy"] == []
    assert "its driver psycopg is not installed" in got["err"] and "[db]" in got["err"]
    assert not (tmp_path / "outputs").exists()


# ------------------------------------------------------------------ 9. SIGTERM, read-only, presets

RUN = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from helpers import FakeBackend, outcome
    from workbench import backends, study

    tmp = Path({tmp!r})

    def train(self, hp, report, outdir, save_to=None):
        (tmp / "training").touch()  # the test signals the run once a trial is training
        time.sleep(600)
        return outcome(1.0)

    backends.register("fake", lambda config, splits: FakeBackend(config, splits, train))
    study.start_run("run-study", preset="tiny-bart", n_trials=3, storage={url!r},
                    overrides={over!r}, run_dir=str(tmp / "rec")).optimize()
""")


def _wait_for(path, process, seconds=240):
    deadline = time.monotonic() + seconds
    while not path.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert path.exists(), "the run never started training"


def test_a_run_stopped_by_sigterm_records_it_naming_the_trial(tmp_path):
    signum = signal.SIGTERM
    over = {**PLUMBING, "model.backend": "fake", "data.max_train_samples": 8,
            "data.max_dev_samples": 4, "hparams.num_epochs": 1, "search.params": ["learning_rate"]}
    script = tmp_path / "run.py"
    script.write_text(RUN.format(tests=str(Path(__file__).parent), tmp=str(tmp_path),
                                 url=sqlite_url(tmp_path), over=over), encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(script)], cwd=paths.ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(tmp_path / "training", run)
        run.send_signal(signum)
        _, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    name = signal.Signals(signum).name
    assert run.returncode == 128 + signum, err[-2000:]
    rec = read_record(tmp_path / "rec")
    assert rec["status"] == "terminated"
    assert rec["error"]["type"] == "Terminated"
    assert rec["error"]["message"].startswith(f"{name} received while trial 0 ran")
    assert f"run terminated: {name} received while trial 0 ran" in err
    # Optuna's heartbeat and retry are left as they are: the trial stays RUNNING, to be failed
    # and retried by the next run as a killed run's would be; the rest stay queued.
    assert [(t["number"], t["state"]) for t in rec["trials"]] == [
        (0, "RUNNING"), (1, "WAITING"), (2, "WAITING")]


def test_sighup_stops_a_run_as_sigterm_does(tmp_path):
    """A closed terminal sends SIGHUP: the same end as SIGTERM, and the handlers before the
    run are back after it."""
    before = signal.getsignal(signal.SIGHUP)
    record = records.Record(tmp_path, {"run_id": "r", "status": "running", "trials": [
        {"number": 3, "state": "COMPLETE", "run_id": "r"},
        {"number": 4, "state": "RUNNING", "run_id": "r"},
        {"number": 5, "state": "RUNNING", "run_id": "another run"}]})
    with pytest.raises(records.Terminated) as stopped, record.failing():
        os.kill(os.getpid(), signal.SIGHUP)
        pytest.fail("SIGHUP did not stop the run")
    assert stopped.value.code == 128 + signal.SIGHUP
    rec = read_record(tmp_path)
    assert rec["status"] == "terminated"
    assert rec["error"]["message"].startswith("SIGHUP received while trial 4 ran")
    assert signal.getsignal(signal.SIGHUP) == before


SLEEPER = {
    "cells": [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": None,
         "outputs": [], "source": "run_dir = None\nmarker = None\n"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": textwrap.dedent("""
            import time
            from pathlib import Path
            from workbench import records

            record = records.Record(Path(run_dir), {"run_id": "r", "status": "running"})
            with record.failing():
                record.flush()
                Path(marker).touch()
                time.sleep(600)
         """)},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


@pytest.mark.slow
def test_workbench_run_passes_sigterm_to_its_kernel_and_exits_with_it(tmp_path):
    """`timeout` and systemd signal the `workbench` process; its kernel, in a session of its
    own, heard nothing and was left to die with its record still 'running'."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "sleeper.ipynb").write_text(json.dumps(SLEEPER), encoding="utf-8")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from workbench import cli, paths
        paths.NOTEBOOKS = Path({str(notebooks)!r})
        sys.exit(cli.main(["run", "sleeper", "-p", "marker", {str(tmp_path / "m")!r},
                           "--out", {str(tmp_path / "rec")!r}]))
    """)
    run = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(tmp_path / "m", run)
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 128 + signal.SIGTERM, err[-2000:]
    rec = read_record(tmp_path / "rec")
    assert rec["status"] == "terminated" and rec["error"]["message"].startswith("SIGTERM")
    assert "run stopped by SIGTERM: terminated" in err


@pytest.fixture
def read_only():
    """`read_only(*paths)` makes files and folders unwritable for this user: their write bits
    removed, and as root (who ignores them) the immutable attribute set (`chattr +i`; the test
    is skipped where it cannot be). Undone after the test."""
    made: list[Path] = []

    def make(*targets):
        for p in targets:
            p.chmod(0o555 if p.is_dir() else 0o444)
            made.append(p)
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", *map(str, targets)], capture_output=True)
            if done.returncode != 0:
                pytest.skip("root writes whatever the mode, and chattr +i is not available")

    yield make
    if made and os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, made)], capture_output=True)
    for p in made:
        p.chmod(0o755 if p.is_dir() else 0o644)


def test_a_read_only_study_database_is_refused_naming_it(tmp_path, read_only):
    import optuna

    db = tmp_path / "db" / "optuna.db"
    db.parent.mkdir()
    optuna.create_study(storage=f"sqlite:///{db}", study_name="tiny-bart")
    before = db.read_bytes()
    read_only(db, db.parent)
    outputs = tmp_path / "outputs"
    got = probe(outputs, "study", "--storage", f"sqlite:///{db}", cwd=tmp_path)
    assert got["code"] == 2, got["err"][-2000:]
    assert f"storage sqlite:///{db}: {db} is read-only" in got["err"]
    assert "exceeding max length" not in got["err"] and "Traceback" not in got["err"]
    assert got["heavy"] == [] and not outputs.exists()
    assert db.read_bytes() == before


def test_a_read_only_outputs_folder_is_refused_naming_it(tmp_path, read_only):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    read_only(outputs)
    got = probe(outputs, "study", cwd=tmp_path)
    assert got["code"] == 2, got["err"][-2000:]
    assert f"{outputs}/ is read-only, and a run writes its record" in got["err"]
    assert "PermissionError" not in got["err"] and "Traceback" not in got["err"]
    assert got["heavy"] == [] and list(outputs.iterdir()) == []


def test_presets_lists_what_preset_accepts_and_says_why_not_the_rest(tmp_path, monkeypatch,
                                                                      capsys):
    for name in ("tiny-bart", "요약", "_draft"):
        (tmp_path / f"{name}.yaml").write_text("study:\n  n_trials: 1\n", encoding="utf-8")
    monkeypatch.setattr(paths, "PRESETS", tmp_path)
    assert cli.main(["presets"]) == 0
    out, err = capsys.readouterr()
    listed = out.split()
    assert listed == ["tiny-bart"]
    for name in listed:
        config.preset_file(name)  # every preset listed is accepted
    assert "요약.yaml: a preset name is ASCII letters" in err and "_draft.yaml" in err
    with pytest.raises(config.ConfigError, match="요약.yaml exists, but a preset name is ASCII"):
        config.preset_file("요약")


# ------------------------------------------------------------------ 13. the user's own data


def _scored(self, hp, report, outdir, save_to=None):
    report(1, 10.0)
    return outcome(10.0)


def test_own_data_gets_its_own_study_named_by_its_fingerprint(fake_backend, tmp_path):
    from workbench import study as wstudy
    from workbench.study.start import preflight

    own = tmp_path / "dialogsum-ko"
    own.mkdir()
    for name in ("train", "dev"):
        text = (paths.DATA / "sample" / f"{name}.csv").read_text(encoding="utf-8")
        (own / f"{name}.csv").write_text(text.replace("자기소개", "자기 소개"), encoding="utf-8")
    over = {**PLUMBING, **fake_backend(_scored), "data.max_train_samples": 8,
            "data.max_dev_samples": 4, "hparams.num_epochs": 1,
            "search.params": ["learning_rate"]}
    url = sqlite_url(tmp_path)
    kw = dict(preset="tiny-bart", n_trials=1, storage=url)
    wstudy.start_run("run-study", overrides=over, run_dir=str(tmp_path / "sample"),
                     **kw).optimize()  # the preset's own study, on the sample
    mine = {**over, "data.dir": str(own)}
    # Decided before any kernel: the CLI's preflight resolves the study this run will use.
    name = preflight({**kw, "overrides": mine})["study"]["study_name"]
    assert re.fullmatch(r"tiny-bart-dialogsum-ko-[0-9a-f]{8}", name), name
    for run_dir in ("own-1", "own-2"):  # its own study: no refusal for another data.dir
        run = wstudy.start_run("run-study", overrides=mine, run_dir=str(tmp_path / run_dir), **kw)
        run.optimize()
        assert read_record(run.folder)["study"]["name"] == name
    import optuna

    assert len(optuna.load_study(study_name=name, storage=url).trials) == 2  # resumed
    assert len(optuna.load_study(study_name="tiny-bart", storage=url).trials) == 1
    assert preflight({**kw, "overrides": over})["study"]["study_name"] is None  # the sample
