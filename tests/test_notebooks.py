"""run-study executes through papermill and leaves a record, whether it succeeds or fails."""

import json

import nbformat
import papermill as pm
import pytest
from helpers import PLUMBING

from workbench import cli, paths

QUICK = {
    **PLUMBING,
    "data.max_train_samples": 48,
    "data.max_dev_samples": 12,
    "hparams.num_epochs": 2,
    "hparams.num_beams": 1,
    "hparams.max_new_tokens": 50,
}


def outputs_of(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    return nb, "\n".join(
        o.get("text", "") if o["output_type"] == "stream" else json.dumps(o.get("data", {}))
        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.mark.slow
def test_workbench_run_keeps_notebook_and_results(tmp_path):
    folder = cli.run_notebook("run-study", {
        "preset": "tiny-bart", "n_trials": 2, "storage": f"sqlite:///{tmp_path / 's.db'}",
        "overrides": QUICK}, out_dir=tmp_path / "rec")
    rec = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "completed"
    assert rec["notebook"] == "run-study"
    assert rec["parameters"]["n_trials"] == 2
    assert [t["origin"] for t in rec["trials"]] == ["preset", "sampler"]
    assert all(t["value"] is not None for t in rec["trials"])
    nb, text = outputs_of(folder / "run-study.ipynb")
    assert nb.metadata["papermill"]["parameters"]["run_dir"] == str(folder)
    assert "lead-2 baseline" in text
    # Charts are embedded with plotly.js so the record renders offline.
    assert "application/vnd.plotly.v1+json" in text and "text/html" in text


@pytest.mark.slow
def test_failed_run_keeps_its_record(tmp_path):
    with pytest.raises(SystemExit):
        cli.run_notebook("run-study", {"preset": "tiny-bart", "n_trials": "two"},
                         out_dir=tmp_path / "rec")
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "failed"
    assert "n_trials" in rec["error"]["message"]
    assert (tmp_path / "rec" / "run-study.ipynb").is_file()


@pytest.mark.slow
def test_unknown_parameter_refused_before_running(tmp_path):
    with pytest.raises(ValueError, match="unknown parameter.*n_trail"):
        cli.run_notebook("run-study", {"preset": "tiny-bart", "n_trail": 2},
                         out_dir=tmp_path / "rec")


@pytest.mark.slow
def test_plain_papermill_refuses_undeclared_parameters(tmp_path):
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError, match="unknown parameter 'n_trail'"):
        pm.execute_notebook(str(paths.NOTEBOOKS / "run-study.ipynb"), str(out),
                            parameters={"n_trail": 2, "run_dir": str(tmp_path / "rec")},
                            kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "failed"


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


def test_a_record_is_filed_under_the_preset_it_is_about(tmp_path):
    """`workbench run` files a notebook's record under outputs/<preset>/: its preset parameter,
    else the preset of the record it reads (predict, analyze), else the notebook's default."""
    source = tmp_path / "qwen-run"
    source.mkdir()
    (source / "results.json").write_text(json.dumps({"preset": "tiny-qwen"}), encoding="utf-8")
    predict = pm.inspect_notebook(str(paths.NOTEBOOKS / "predict.ipynb"))
    analyze = pm.inspect_notebook(str(paths.NOTEBOOKS / "analyze.ipynb"))
    assert cli._filed_under({"record": str(source)}, predict) == "tiny-qwen"
    assert cli._filed_under({"record": str(source)}, analyze) == "tiny-qwen"
    assert cli._filed_under({"record": str(source), "preset": "kobart"}, analyze) == "kobart"
    assert cli._filed_under({"storage": "sqlite:///x.db"}, analyze) == "tiny-bart"
    assert cli._filed_under({"record": str(tmp_path / "none")}, predict) == "tiny-bart"
    # `latest` is the preset's: --preset names it, else the notebook's default preset
    assert cli._filed_under({"record": "latest", "preset": "kobart"}, predict) == "kobart"
    (source / "results.json").write_text("[]", encoding="utf-8")  # not a record
    assert cli._filed_under({"record": str(source)}, analyze) == "tiny-bart"
