"""What a run shows: one line per trial with a time left bounded by the timeout, a short error
naming the record, and both on plain papermill's terminal (no --log-output needed)."""

import io
import json
import os
import subprocess

import nbformat
import pytest
from helpers import PLUMBING
from test_notebooks import QUICK

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
    # what it does before the first trial is said too (it used to be silent for minutes)
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
    done = subprocess.run([str(paths.ROOT / ".venv" / "bin" / "workbench"), "run", "run-study",
                           "--preset", "kobart", "-p", "storage", f"sqlite:///{tmp_path / 's.db'}",
                           "--out", str(tmp_path / "rec")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert "without encryption" not in done.stderr
    last = done.stderr.strip().splitlines()
    assert last[-2].startswith("run failed: ModelUnavailable:") and "hf download" in last[-2]
    assert last[-1] == f"record: {paths.shown(tmp_path / 'rec')}"
    assert not (tmp_path / "s.db").exists()
