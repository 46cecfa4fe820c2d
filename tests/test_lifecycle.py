"""A run's life from start to end (issue 15): workers die with their run, records are never
overwritten, a killed run is shown as killed, budgets mean trials this run finishes, and bad
input is refused before any work (in the CLI before a kernel starts)."""

import json
import os
import time

import pytest
from helpers import PLUMBING, outcome, read_record

from workbench import cli, config, data, paths
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


# ------------------------------------------------------------------ 3. records never overwritten


def _completed_record(folder):
    folder.mkdir(parents=True)
    text = json.dumps({"run_id": folder.name, "status": "completed", "notebook": "run-study"})
    (folder / "results.json").write_text(text, encoding="utf-8")
    (folder / "run-study.ipynb").write_text("{}", encoding="utf-8")
    return text


def test_run_refuses_to_write_into_an_existing_record(tmp_path):
    folder = tmp_path / "done"
    before = _completed_record(folder)
    with pytest.raises(ValueError, match="already holds a record"):
        cli.run_notebook("run-study", {"preset": "tiny-bart", "n_trials": 1}, out_dir=folder)
    with pytest.raises(ValueError, match="already holds a record"):
        wstudy.start_run("run-study", preset="tiny-bart", overrides={}, run_dir=str(folder))
    assert (folder / "results.json").read_text(encoding="utf-8") == before
    assert (folder / "run-study.ipynb").read_text(encoding="utf-8") == "{}"


def test_report_refuses_to_write_over_a_record_file(tmp_path, capsys):
    folder = tmp_path / "done"
    before = _completed_record(folder)
    assert cli.main(["report", str(folder), "--out", str(folder / "results.json")]) == 2
    assert "results.json" in capsys.readouterr().err
    assert (folder / "results.json").read_text(encoding="utf-8") == before


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
        config.resolve("twice")


# ------------------------------------------------------------------ 7. CLI checks first


def _header_only(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("train", "dev"):
        text = (paths.DATA / "sample" / f"{name}.csv").read_text(encoding="utf-8")
        (folder / f"{name}.csv").write_text(
            text if name == "dev" else text.splitlines()[0] + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(("argv", "needle"), [
    (["study", "--trials", "-3"], "study.n_trials: must be >= 1"),
    (["study", "--set", "hparams.nope=1"], "unknown key 'hparams.nope'"),
    (["study", "--preset", "nope"], "unknown preset 'nope'"),
    (["study", "--set", "data.dir={data}"], "train.csv: no rows after the header"),
    (["run", "run-study", "--preset", "tiny-bart", "-p", "n_trials", "0"],
     "study.n_trials: must be >= 1"),
    (["worker", "--study", "w", "--trials", "0"], "study.n_trials: must be >= 1"),
])
def test_the_cli_refuses_bad_input_before_a_kernel_starts(tmp_path, monkeypatch, capsys, argv,
                                                          needle):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    if any("{data}" in a for a in argv):
        folder = str(_header_only(tmp_path))
        argv = [a.replace("{data}", folder) for a in argv]
    started = time.monotonic()
    assert cli.main(argv) == 2
    assert needle in capsys.readouterr().err
    assert not (tmp_path / "outputs").exists(), "a record folder was made for a refused run"
    assert time.monotonic() - started < 10


# ------------------------------------------------------------------ 8. preset names


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


