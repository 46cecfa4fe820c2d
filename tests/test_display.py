"""What a run shows: one line per trial with a time left bounded by the timeout, a short error
naming the record, and both on plain papermill's terminal (no --log-output needed)."""

import io
import json
import os
import subprocess

import nbformat
import pytest
from helpers import PLUMBING, QUICK

from workbench import display, paths, records


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_time_left_is_bounded_by_the_timeout():
    assert display.time_left(2, 12, 60.0, None) == "about 5 min 0 s left"
    # 10 trials at 30 s would take 5 minutes, but the timeout leaves 40 s
    assert display.time_left(2, 12, 60.0, 100) == (
        "about 40 s left (timeout; 10 trials may stay queued)")
    assert display.time_left(0, 12, 0.0, 900) == "at most about 15 min 0 s left (timeout)"
    assert display.time_left(12, 12, 60.0, 900) is None


def test_progress_says_one_line_per_trial():
    out, clock = io.StringIO(), Clock()
    bar = display.Progress("tiny-bart", 3, 900, out=out, clock=clock)
    clock.now = 20.0
    bar.trial(0, "COMPLETE", 73.41, 73.41)
    clock.now = 30.0
    bar.trial(1, "PRUNED", None, 73.41)
    lines = out.getvalue().splitlines()
    assert lines == [
        "study tiny-bart: 3 trial(s) to run; at most about 15 min 0 s left (timeout)",
        "trial 0 complete 73.4100 (1/3 done, best 73.4100); 20 s elapsed, about 40 s left",
        "trial 1 pruned (2/3 done, best 73.4100); 30 s elapsed, about 15 s left",
    ]


def test_a_failed_record_gives_a_short_error(tmp_path):
    record = records.Record(tmp_path, {})
    with pytest.raises(RuntimeError) as err, record.failing():
        raise RuntimeError("model 'x' could not be loaded; run `hf download x`")
    lines = display.short_error(err.value)
    assert lines[0] == ("run failed: RuntimeError: model 'x' could not be loaded; "
                        "run `hf download x`")
    assert lines[1].startswith(f"record: {paths.shown(tmp_path / 'results.json')}")
    assert display.short_error(ValueError("no record")) is None  # keeps its traceback


def papermill_cli(tmp_path, *args):
    """Plain `papermill` as a user types it (no --log-output), from another folder."""
    env = {k: v for k, v in os.environ.items() if k != display.FORWARDED}
    return subprocess.run(
        [str(paths.ROOT / ".venv" / "bin" / "papermill"),
         str(paths.NOTEBOOKS / "run-study.ipynb"), str(tmp_path / "out.ipynb"), *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_plain_papermill_ends_a_failed_run_with_a_short_error(tmp_path):
    done = papermill_cli(tmp_path, "-p", "preset", "kobart", "-p", "run_dir",
                         str(tmp_path / "rec"))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-2:]
    assert last[0].startswith("run failed: ModelUnavailable: model 'digit82/kobart-summarization'")
    assert "hf download digit82/kobart-summarization" in last[0]
    assert last[1].startswith(f"record: {paths.shown(tmp_path / 'rec' / 'results.json')}")
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "failed"


@pytest.mark.slow
def test_plain_papermill_shows_trial_progress_and_the_record(tmp_path, one_thread):
    overrides = json.dumps({**QUICK, **PLUMBING, "hparams.num_epochs": 1})
    done = papermill_cli(tmp_path, "-p", "preset", "tiny-bart", "-p", "n_trials", "2",
                         "-p", "storage", f"sqlite:///{tmp_path / 's.db'}",
                         "-p", "run_dir", str(tmp_path / "rec"), "-y", f"overrides: {overrides}")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert any(line.startswith("study tiny-bart: 2 trial(s) to run") for line in lines), \
        done.stderr[-3000:]
    # what it does before the first trial is said too (minutes may pass before it)
    said = [line.split(" ...")[0] for line in lines if line.endswith(" ...")]
    assert said[:2] == ["loading the data; scoring the lead-2 and constant-output baselines",
                        "loading the tokenizer and the model's base for the trials"]
    assert sum(line.startswith("trial ") and "/2 done" in line for line in lines) == 2
    assert any(line.startswith(f"record: {paths.shown(tmp_path / 'rec' / 'results.json')}")
               for line in lines)
    # the notebook ends, like a paper, with what produced its numbers
    last = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[-1]
    shown = json.dumps(last.outputs)
    assert last.source == "run.versions()" and "git commit" in shown and "optuna" in shown
    assert "trials trained on" in shown and "cpu" in shown


@pytest.mark.slow
def test_workbench_run_fails_fast_and_quietly(tmp_path):
    """No kernel warning the user cannot act on (IPC, not TCP), and the record last."""
    import optuna

    # A failure only the kernel finds (a missing model is refused before any kernel): the
    # study exists for other objectives.
    optuna.create_study(storage=f"sqlite:///{tmp_path / 's.db'}", study_name="tiny-bart",
                        directions=["minimize", "minimize"])
    done = subprocess.run([str(paths.ROOT / ".venv" / "bin" / "workbench"), "run", "run-study",
                           "--preset", "tiny-bart", "-p", "storage",
                           f"sqlite:///{tmp_path / 's.db'}", "--out", str(tmp_path / "rec")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert "without encryption" not in done.stderr
    last = done.stderr.strip().splitlines()
    assert last[-2].startswith("run failed: ValueError: study 'tiny-bart'") and \
        "choose another study_name" in last[-2]
    assert last[-1] == f"record: {paths.shown(tmp_path / 'rec')}"


# --------------------------------------------------------------------------- tables whole
# What a run says as it goes is progress, on stderr (where progress bars go, and what the shared
# report leaves out); what it found is on stdout and in its tables.


@pytest.fixture
def fake_run(tmp_path, fake_backend, capsys):
    """A 2-trial study on a fake backend (trial 1 pruned before any epoch) and what its
    optimize() said on stdout and stderr."""
    import optuna
    from helpers import outcome, sqlite_url

    from workbench import study as wstudy
    from workbench.config import GUARD_OFF

    def train(self, hp, report, outdir, save_to=None):
        if hp["learning_rate"] != trial0["learning_rate"]:
            raise optuna.TrialPruned("stopped early")
        return outcome(73.4)

    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=sqlite_url(tmp_path), study_name="s",
                           overrides={**GUARD_OFF, "data.max_train_samples": 24,
                                      "data.max_dev_samples": 12, **fake_backend(train)},
                           run_dir=str(tmp_path / "rec"))
    trial0 = run.config["hparams"]
    capsys.readouterr()
    run.optimize()
    said = capsys.readouterr()
    return run, said.out, said.err


def test_a_runs_progress_goes_to_stderr_and_its_results_to_stdout(fake_run, capsys):
    run, out, err = fake_run
    for line in ("loading the data; scoring the lead-2", "loading the tokenizer and the model's",
                 "study s: 2 trial(s) to run", "trial 0 complete 73.4000", "trial 1 pruned"):
        assert line in err, (line, err)
        assert line not in out, (line, out)
    run.summary()
    said = capsys.readouterr()
    assert said.out.startswith("record: ") and "record: " not in said.err


def test_the_base_build_says_its_progress_on_stderr(tmp_path, monkeypatch, capsys):
    from helpers import SMALL_BASE

    from workbench import validate
    from workbench.backends import pretraining

    monkeypatch.setattr(pretraining.paths, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(pretraining, "_build", lambda config, folder, tmp, log: log(
        "building the base checkpoint once (cached in x): a BART"))
    pretraining.cached_base(validate.resolve("tiny-bart", SMALL_BASE).config)
    said = capsys.readouterr()
    assert "building the base checkpoint once" in said.err
    assert "building the base" not in said.out


def test_the_trial_table_prints_epochs_and_counts_as_integers(fake_run):
    run, _, _ = fake_run
    frame = run.trials_frame()
    assert frame.index.tolist() == [0, 1]
    for column in ("best_epoch", "trainable params"):  # the pruned trial has none
        assert str(frame[column].dtype) == "Int64", column
        assert frame[column].iloc[0] == 1
    shown = frame[["best_epoch", "trainable params"]]._repr_html_()
    assert "<td>1</td>" in shown and "1.0" not in shown and "nan" not in shown.lower()


def test_run_study_draws_its_charts_from_the_run_as_analyze_does(fake_run, capsys):
    """run-study.ipynb reads `run.*` only: the history, per-evaluation curves, importances and
    Pareto front of the run's study, drawn by `workbench.analysis`."""
    from workbench import analysis

    run, _, _ = fake_run
    assert run.history().layout.title.text == analysis.draw_history(run.study).layout.title.text
    assert run.curves().layout.yaxis.title.text == "dev ROUGE"
    assert run.importances() is None  # 2 trials: it says why instead
    assert f"at least {analysis.MIN_COMPLETE} complete trials" in capsys.readouterr().out
    assert run.pareto_chart() is None  # one objective


def test_the_dashboard_names_the_objective(fake_run):
    """optuna-dashboard labels an unnamed objective "Objective 0"; it reads the study's names."""
    import optuna

    run, _, _ = fake_run
    assert optuna.load_study(study_name="s", storage=run.record.data["study"]["storage"]
                             ).metric_names == ["dev ROUGE"]


def test_every_notebook_shows_tables_and_summaries_whole():
    """Each notebook sets up its display before its first call, and that setting keeps a
    summary whole (a Korean summary is not cut at pandas' 50 characters)."""
    import pandas as pd
    import plotly.io as pio

    for path in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        code = [c.source for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
        assert "display.setup_notebook()" in code[0], path.name
    summary = "#Person1#은 " + "다음 주 화요일 오후 세 시에 회의실에서 만나기로 하고 " * 6
    renderer = pio.renderers.default
    try:
        with pd.option_context("display.max_colwidth", 50):
            display.setup_notebook()
            shown = pd.DataFrame({"summary": [summary]})._repr_html_()
    finally:
        pio.renderers.default = renderer
    assert summary.strip() in shown and "..." not in shown


@pytest.mark.slow
def test_workbench_run_forwards_each_line_of_a_cell_once(tmp_path):
    """`workbench run` shows each stderr line of a cell once (papermill's log_output would log
    it again as a warning beside stderr_file, and with no logging handler Python prints that
    too). In a process of its own: pytest's log capture would hide the second."""
    import sys

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3",
                                                           "display_name": "Python 3",
                                                           "language": "python"}})
    params = nbformat.v4.new_code_cell("run_dir = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import sys\nprint('a progress line', file=sys.stderr)\nprint('a result line')")]
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "tiny.ipynb")
    script = ("import pathlib, sys\nfrom workbench import notebooks, paths\n"
              "paths.NOTEBOOKS = pathlib.Path(sys.argv[1])\n"
              "notebooks.run_notebook('tiny', {}, out_dir=pathlib.Path(sys.argv[2]))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "notebooks"),
                           str(tmp_path / "rec")], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={k: v for k, v in os.environ.items()
                                             if k != display.FORWARDED})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.count("a progress line") == 1, done.stderr
    assert done.stdout.count("a result line") == 1, done.stdout
