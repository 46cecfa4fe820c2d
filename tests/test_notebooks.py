"""A notebook executed as a record (`workbench.notebooks`): run-study executes through
papermill and leaves a record whether it succeeds or fails, the record is filed under the
preset it is about, and it names project files from the root."""

import json

import nbformat
import papermill as pm
import pytest
from helpers import QUICK

from workbench import notebooks, paths


def outputs_of(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    return nb, "\n".join(
        o.get("text", "") if o["output_type"] == "stream" else json.dumps(o.get("data", {}))
        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.mark.slow
def test_workbench_run_keeps_notebook_and_results(tmp_path):
    folder = notebooks.run_notebook("run-study", {
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
        notebooks.run_notebook("run-study", {"preset": "tiny-bart", "n_trials": "two"},
                               out_dir=tmp_path / "rec")
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "failed"
    assert "n_trials" in rec["error"]["message"]
    assert (tmp_path / "rec" / "run-study.ipynb").is_file()


@pytest.mark.slow
def test_unknown_parameter_refused_before_running(tmp_path):
    with pytest.raises(ValueError, match="unknown parameter.*n_trail"):
        notebooks.run_notebook("run-study", {"preset": "tiny-bart", "n_trail": 2},
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


def test_a_record_is_filed_under_the_preset_it_is_about(tmp_path):
    """`workbench run` files a notebook's record under outputs/<preset>/: its preset parameter,
    else the preset of the record it reads (predict, analyze), else the notebook's default."""
    source = tmp_path / "qwen-run"
    source.mkdir()
    (source / "results.json").write_text(json.dumps({"preset": "tiny-qwen"}), encoding="utf-8")
    predict = pm.inspect_notebook(str(paths.NOTEBOOKS / "predict.ipynb"))
    analyze = pm.inspect_notebook(str(paths.NOTEBOOKS / "analyze.ipynb"))
    assert notebooks.filed_under({"record": str(source)}, predict) == "tiny-qwen"
    assert notebooks.filed_under({"record": str(source)}, analyze) == "tiny-qwen"
    assert notebooks.filed_under({"record": str(source), "preset": "kobart"}, analyze) == "kobart"
    assert notebooks.filed_under({"storage": "sqlite:///x.db"}, analyze) == "tiny-bart"
    assert notebooks.filed_under({"record": str(tmp_path / "none")}, predict) == "tiny-bart"
    # `latest` is the preset's: --preset names it, else the notebook's default preset
    assert notebooks.filed_under({"record": "latest", "preset": "kobart"}, predict) == "kobart"
    (source / "results.json").write_text("[]", encoding="utf-8")  # not a record
    assert notebooks.filed_under({"record": str(source)}, analyze) == "tiny-bart"


def test_an_executed_notebook_names_project_files_from_the_root(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"input_path": str(paths.NOTEBOOKS / "run-study.ipynb"),
                                "output_path": str(tmp_path / "run-study.ipynb")}
    nbformat.write(nb, tmp_path / "run-study.ipynb")
    notebooks.relative_metadata(tmp_path / "run-study.ipynb")
    meta = nbformat.read(tmp_path / "run-study.ipynb", as_version=4).metadata["papermill"]
    assert meta["input_path"] == "notebooks/run-study.ipynb"
    assert meta["output_path"] == str(tmp_path / "run-study.ipynb")  # outside: kept as it is
