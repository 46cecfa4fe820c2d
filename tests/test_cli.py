"""The `workbench` command (`workbench.cli`): what each command refuses before a kernel starts
(and before any record folder is made), what it prints, and the records it never overwrites.
Running a notebook as a record is tested in test_notebooks.py."""

import pytest
import torch
from helpers import QUICK, completed_record, outcome, sqlite_url

from workbench import cli, paths
from workbench import study as wstudy

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")


@pytest.fixture
def kernels(monkeypatch):
    """The papermill kernels a command started: papermill's execute_notebook only counts."""
    import papermill

    started: list = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: started.append(a))
    return started


# ------------------------------------------------------------------ refused before a kernel


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
def test_the_cli_refuses_bad_input_before_a_kernel_starts(tmp_path, monkeypatch, capsys, kernels,
                                                          argv, needle):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    if any("{data}" in a for a in argv):
        folder = str(_header_only(tmp_path))
        argv = [a.replace("{data}", folder) for a in argv]
    assert cli.main(argv) == 2
    assert needle in capsys.readouterr().err
    assert not (tmp_path / "outputs").exists(), "a record folder was made for a refused run"
    assert kernels == [], "a kernel was started for a refused run"


@NO_CUDA
def test_cli_refuses_gpus_before_starting_a_kernel(capsys, kernels):
    assert cli.main(["study", "--preset", "tiny-bart", "--gpus", "0,1"]) == 2
    assert kernels == []  # no papermill kernel was started
    assert "CPU-only build" in capsys.readouterr().err


# ------------------------------------------------------------------ records never overwritten


def test_report_refuses_to_write_over_a_record_file(tmp_path, capsys):
    folder = tmp_path / "done"
    before = completed_record(folder)
    assert cli.main(["report", str(folder), "--out", str(folder / "results.json")]) == 2
    assert "results.json" in capsys.readouterr().err
    assert (folder / "results.json").read_text(encoding="utf-8") == before


# ------------------------------------------------------------------ what a command prints


def test_score_command(tmp_path, capsys):
    pred = tmp_path / "pred.csv"
    ref = tmp_path / "ref.csv"
    pred.write_text("fname,summary\nd_0,#Person1#은 내일 7시에 식당을 예약한다.\nd_1,\n",
                    encoding="utf-8")
    ref.write_text("fname,summary\nd_0,#Person1#은 내일 7시에 식당을 예약한다.\n"
                   "d_1,#Person2#는 택배를 받는다.\n", encoding="utf-8")
    assert cli.main(["score", str(pred), str(ref), "--mode", "morpheme"]) == 0
    lines = dict(line.split() for line in capsys.readouterr().out.strip().splitlines())
    assert lines["rouge1"] == "0.500000"  # one perfect pair, one empty prediction
    assert float(lines["final"]) == pytest.approx(50.0)
    assert cli.main(["score", str(pred), str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err


def _scored(self, hp, report, outdir, save_to=None):
    return outcome(20.0)


def test_a_join_names_no_notebook_it_did_not_write(fake_backend, tmp_path, capsys):
    over = {**QUICK, **fake_backend(_scored)}
    url = sqlite_url(tmp_path)
    wstudy.start_run("run-study", preset="tiny-bart", n_trials=1, storage=url, study_name="n",
                     overrides=over, run_dir=str(tmp_path / "a")).optimize()
    joined = wstudy.start_run("worker", preset="tiny-bart", storage=url, study_name="n",
                              overrides=over, run_dir=str(tmp_path / "b"))
    joined.join()
    cli._print_record(joined.folder)
    out = capsys.readouterr().out
    assert "worker.ipynb" not in out and "results.json" in out
