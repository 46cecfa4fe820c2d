"""What a person finds in outputs/<preset>/: folders that say their kind (and data other than
the sample), a `latest` pointer to the newest completed study that predict, analyze and
generation tuning take, and runs that say what they left undone or how far they are."""

import re
from types import SimpleNamespace

import pytest
from helpers import PLUMBING, outcome, read_record

from workbench import analysis, cli, gentune, paths, predict, records, validate
from workbench import study as wstudy
from workbench.backends import pretraining
from workbench.study.start import RUN_STUDY_PARAMETERS

QUICK = {**PLUMBING, "data.max_train_samples": 24, "data.max_dev_samples": 8}


@pytest.fixture
def outputs(tmp_path, monkeypatch):
    """An empty outputs/ of the project's for this test."""
    folder = tmp_path / "outputs"
    monkeypatch.setattr(paths, "OUTPUTS", folder)
    return folder


def study_in(folder, fake_backend, n_trials=1, **kw):
    """Run a study of tiny-bart on a fake backend, recorded in `folder`; its record's data."""
    selected = fake_backend(kw.pop("train", lambda self, hp, report, outdir, save_to=None:
                                   outcome(1.0)))
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=n_trials,
                           storage=f"sqlite:///{folder.parent / 'study.db'}", study_name="s",
                           overrides={**QUICK, **selected}, run_dir=str(folder), **kw)
    run.optimize()
    return read_record(folder)


# --------------------------------------------------------------------------- item 10: names


@pytest.mark.parametrize(("notebook", "kind"), [
    ("run-study", "study"), ("predict", "predict"), ("generation-tuning", "tuning"),
    ("analyze", "analyze"), ("explore-space", "explore")])
def test_a_run_folder_names_its_kind(outputs, notebook, kind):
    folder = records.new_run_dir("tiny-bart", kind=notebook, data="data/sample")
    assert folder.parent == outputs / "tiny-bart"
    assert re.fullmatch(rf"\d{{8}}-\d{{6}}-{kind}-[0-9a-f]{{4}}", folder.name), folder.name


def test_runs_on_other_data_than_the_sample_are_tagged_with_it(outputs, tmp_path):
    own = tmp_path / "my dialogues"
    rec = records.open_record("run-study", {"preset": "tiny-bart",
                                            "overrides": {"data.dir": str(own)}},
                              RUN_STUDY_PARAMETERS)
    assert re.fullmatch(r"\d{8}-\d{6}-study-my_dialogues-[0-9a-f]{4}", rec.folder.name)
    assert rec.data["run_id"] == rec.folder.name
    sample = records.open_record("run-study", {"preset": "tiny-bart"}, RUN_STUDY_PARAMETERS)
    assert re.fullmatch(r"\d{8}-\d{6}-study-[0-9a-f]{4}", sample.folder.name)


# --------------------------------------------------------------------------- item 10: latest


def test_a_completed_study_becomes_latest_and_latest_names_it(outputs, tmp_path, fake_backend,
                                                              capsys):
    home = outputs / "tiny-bart"
    first = home / "20260101-000000-study-aaaa"
    study_in(first, fake_backend)
    link = home / records.LATEST
    assert link.is_symlink() and str(link.readlink()) == first.name  # relative: folder moves
    assert "tiny-bart/latest -> 20260101-000000-study-aaaa" in capsys.readouterr().out
    assert records.resolve_record("latest", "tiny-bart") == str(first)
    assert records.resolve_record(str(link)) == str(first)
    old_style = str(home / "20251130-192849-5cc0")  # records from before keep their names
    assert records.resolve_record(old_style, "tiny-bart") == old_style
    storage, name, preset, data = analysis.study_source("latest", preset="tiny-bart")
    assert (name, preset, data["run_id"]) == ("s", "tiny-bart", first.name)
    # storage and study name given: they name the study, `latest` is no record then
    assert analysis.study_source("latest", storage, "s", "tiny-bart")[3] is None

    second = home / "20260102-000000-study-bbbb"
    study_in(second, fake_backend)
    assert records.resolve_record("latest", "tiny-bart") == str(second)
    study_in(tmp_path / "elsewhere" / "run", fake_backend)  # --out: not the preset's latest
    assert records.resolve_record("latest", "tiny-bart") == str(second)


def test_latest_before_any_study_says_what_to_do(outputs, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"tiny-bart/latest: no completed study run of "
                       r"preset 'tiny-bart' yet .*workbench study --preset tiny-bart"):
        records.resolve_record("latest", "tiny-bart")
    with pytest.raises(ValueError, match="of which preset"):
        records.resolve_record("latest")
    with pytest.raises(FileNotFoundError, match="no completed study run of preset 'tiny-bart'"):
        predict.predict("latest", preset="tiny-bart")
    assert not outputs.exists()  # refused before any record
    with pytest.raises(FileNotFoundError, match="no completed study run of preset 'tiny-bart'"):
        gentune.start_tuning(
            "generation-tuning", preset="tiny-bart", checkpoint="latest", overrides={},
            n_dialogues=1, grid={"num_beams": [1]}, n_trials=1, search=None, interactive=False,
            storage=None, study_name=None, run_dir=str(tmp_path / "rec"))
    assert "no completed study run" in read_record(tmp_path / "rec")["error"]["message"]
    # analyze: without a latest run, the preset's study (as without a record)
    storage, name, preset, data = analysis.study_source("latest", preset="tiny-bart")
    assert (name, preset, data) == ("tiny-bart", "tiny-bart", None)
    assert storage.endswith("tiny-bart/optuna.db")


# --------------------------------------------------------------------------- item 12: progress


def test_a_timeout_says_which_trials_are_still_queued(outputs, tmp_path, fake_backend, capsys):
    """Each trial takes longer than the timeout, so at most one of three finishes."""
    def slow(self, hp, report, outdir, save_to=None):
        import time

        time.sleep(0.6)
        return outcome(1.0)

    rec = study_in(tmp_path / "run", fake_backend, n_trials=3, timeout=0.5, train=slow)
    finished = rec["study"]["budget"]["finished"]
    left = rec["left_queued"]
    assert left["count"] == 3 - finished >= 2
    assert rec["counts"]["WAITING"] == left["count"]
    message = left["message"]
    assert message.startswith(f"{left['count']} trial(s) of this run are still queued")
    assert "study.timeout (0.5 s)" in message and "run the same command again" in message
    assert message in capsys.readouterr().out
    cli._print_record(tmp_path / "run")
    assert capsys.readouterr().out.rstrip().endswith(message)  # the last thing it says


def test_the_base_build_says_how_far_it_is_every_15_seconds():
    now = [0.0]
    lines: list[str] = []
    progress = pretraining._Progress(lines.append, every=50, clock=lambda: now[0])
    for step in range(1, 11):  # 4 s a step, 10 steps
        now[0] += 4.0
        state = SimpleNamespace(global_step=step, max_steps=10)
        progress.on_log(None, state, None, logs={"loss": 5.0 - step / 10})
        progress.on_step_end(None, state, None)
    assert lines == ["  base: step 4/10, loss 4.600, 16 s, about 24 s left",
                     "  base: step 8/10, loss 4.200, 32 s, about 8 s left"]


def test_a_refit_says_each_epoch(tmp_path, fake_backend, capsys):
    def two_epochs(self, hp, report, outdir, save_to=None):
        for epoch in (1, 2):
            if report is not None:
                report(epoch, 0.5 + epoch / 10)
        save_to(0.7).mkdir(parents=True)
        return outcome(0.7)

    config = validate.resolve("tiny-bart", {**QUICK, **fake_backend(two_epochs)}).config
    source = predict.Source(tmp_path, {}, tmp_path / "best-model",
                            {"number": 3, "best_epoch": 2}, config, dict(config["hparams"]))
    predict.refit(source, tmp_path / "r")
    said = [line for line in capsys.readouterr().out.splitlines() if line.startswith("refit:")]
    assert [line.split(",")[0] for line in said] == ["refit: epoch 1/2 done",
                                                     "refit: epoch 2/2 done"]
