"""From a study to a submission: `workbench predict` on a record of a real tiny study (seq2seq
and causal): every fname once in input order, the objective's cleaning, scores on the test
format's three references, decodings from the trial, a file or generation tuning, refit; and
its refusals, all before a record is opened or a model loaded."""

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from helpers import PLUMBING, read_record, study_record

from workbench import cli, gentune, metrics, paths, predict, records
from workbench import data as wdata

SEQ2SEQ = {**PLUMBING, "data.max_train_samples": 24, "data.max_dev_samples": 6,
           "hparams.num_epochs": 1, "hparams.num_beams": 1, "hparams.max_new_tokens": 16,
           "hparams.min_new_tokens": 4, "hparams.max_input_length": 192,
           "hparams.max_target_length": 48}
CAUSAL = {**PLUMBING, "data.max_train_samples": 16, "data.max_dev_samples": 4,
          "hparams.num_epochs": 1, "llm.base_pretrain_epochs": 1, "hparams.max_new_tokens": 12,
          "hparams.min_new_tokens": 2}
TEST = paths.ROOT / "data" / "sample" / "test.csv"


# Tokenizers and bases built here go to a temporary cache, not outputs/.
pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture(scope="module")
def bart_run(tmp_path_factory, one_thread):
    return study_record(tmp_path_factory.mktemp("bart"), "tiny-bart", SEQ2SEQ)


def test_test_split_becomes_a_submission_scored_on_its_three_references(bart_run, tmp_path):
    out = tmp_path / "sub" / "submission.csv"
    done = predict.predict(str(bart_run), split="test", out=str(out), run_dir=str(tmp_path / "r"),
                           progress=False)
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    test = wdata.read_split(TEST, "test")
    assert list(written.columns) == ["fname", "summary"]
    assert list(written["fname"]) == list(test["fname"])  # every fname once, input order
    assert {len(r) for r in test["references"]} == {3}
    assert done.scores == metrics.score_csv(out, TEST).as_dict()
    rec = read_record(tmp_path / "r")
    assert rec["status"] == "completed" and rec["notebook"] == "predict"
    saved = json.loads((bart_run / "best-model" / "trial.json").read_text(encoding="utf-8"))
    assert rec["source"]["trial"] == saved["trial"]
    assert rec["input"]["rows"] == len(test) and rec["input"]["references_per_row"] == [3]
    assert len(rec["input"]["sha256"]) == 64
    assert rec["scores"]["scale"] == {"mode": "morpheme", "tokenizer": "mecab", "tags": "whole"}
    assert rec["decoding"]["values"] == gentune.decoding(
        {**rec["config"]["hparams"], **read_record(bart_run)["trials"][saved["trial"]]["params"]})
    assert "no generation-tuning record" in rec["decoding"]["source"]
    assert rec["timings"]["generate_s"] > 0 and rec["model"]["refit"] is None


def test_predictions_are_the_objectives_on_the_same_rows(bart_run, tmp_path):
    """The study's dev predictions, regenerated from a file of the same rows (same batch)."""
    dev = pd.read_csv(paths.ROOT / "data" / "sample" / "dev.csv", dtype=str).head(6)
    rows = tmp_path / "rows.csv"
    dev.to_csv(rows, index=False)
    done = predict.predict(str(bart_run), split=str(rows), decoding="trial",
                           run_dir=str(tmp_path / "r"), progress=False)
    study = pd.read_csv(bart_run / "dev_predictions.csv", dtype=str, keep_default_na=False)
    assert list(done.frame["summary"]) == list(study["summary"])
    assert done.out == tmp_path / "r" / "predictions.csv"
    assert done.scores["final"] == pytest.approx(
        metrics.score(list(study["summary"]), [[s] for s in dev["summary"]]).final)


def test_tags_split_scores_on_the_split_scale_and_says_so(bart_run, tmp_path):
    done = predict.predict(str(bart_run), split="test", tags="split",
                           run_dir=str(tmp_path / "r"), progress=False)
    assert done.scores == metrics.score_csv(done.out, TEST, tags="split").as_dict()
    rec = read_record(tmp_path / "r")
    assert rec["scores"]["scale"]["tags"] == "split" and rec["config"]["objective"]["tags"] == (
        "split")
    assert "tags split" in rec["scores"]["described"]


def test_decoding_from_a_file_and_from_generation_tuning(bart_run, tmp_path):
    source = predict.source_of(str(bart_run))
    good = tmp_path / "dec.yaml"
    good.write_text("num_beams: 2\nmax_new_tokens: 12\nmin_new_tokens: 2\n", encoding="utf-8")
    d, where = predict.decoding_of(source, str(good))
    assert (d["num_beams"], d["max_new_tokens"]) == (2, 12) and where.endswith("dec.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("beams: 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.yaml: beams: not decoding keys; allowed: do_sample"):
        predict.decoding_of(source, str(bad))
    with pytest.raises(ValueError, match="expected best, trial or a YAML file"):
        predict.decoding_of(source, "greedy")
    # A generation study on this checkpoint: `best` takes its best decoding.
    tuner = gentune.start_tuning(
        "generation-tuning", preset="tiny-bart", checkpoint=str(bart_run), overrides={},
        n_dialogues=2, grid={"num_beams": [1]}, n_trials=2, search=["repetition_penalty"],
        interactive=False, storage=None, study_name=None,
        run_dir=str(bart_run.parent / "tuning"))
    tuner.optimize()
    tuner.finish()
    d, where = predict.decoding_of(source, "best")
    best = tuner.study.best_trial
    assert d["repetition_penalty"] == best.params["repetition_penalty"]
    assert "generation-tuning record" in where and f"trial {best.number}" in where
    exported = tuner.export_best()  # a {preset, overrides} file reads the same
    d, where = predict.decoding_of(source, str(exported))
    assert d["repetition_penalty"] == pytest.approx(best.params["repetition_penalty"])
    assert where.endswith(gentune.EXPORT_FILE)


def test_refit_on_train_and_dev_trains_the_best_epochs_again(bart_run, tmp_path):
    done = predict.predict(str(bart_run), split="dev", refit_on="train+dev",
                           run_dir=str(tmp_path / "r"), progress=False)
    refit = read_record(tmp_path / "r")["model"]["refit"]
    dev = wdata.read_split(paths.ROOT / "data" / "sample" / "dev.csv", "dev")
    assert refit["data"] == "train+dev" and refit["train_rows"] == 24 + len(dev)
    saved = json.loads((bart_run / "best-model" / "trial.json").read_text(encoding="utf-8"))
    assert refit["epochs"] == read_record(bart_run)["trials"][saved["trial"]]["best_epoch"]
    assert (tmp_path / "r" / "refit-model" / "config.json").is_file()
    assert read_record(tmp_path / "r")["model"]["path"].endswith("refit-model")
    assert list(done.frame["fname"]) == list(dev["fname"]) and done.scores is not None


def test_cli_predict_prints_the_file_the_score_and_its_scale(bart_run, tmp_path, capsys,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths typed on the command line are from where it runs
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")  # its records, not the user's
    out = tmp_path / "s.csv"
    assert cli.main(["predict", str(bart_run), "--out", "s.csv", "--batch-size", "16"]) == 0
    text = capsys.readouterr().out
    assert out.is_file() and f"submission: {out}" in text
    assert "morpheme scale (mecab, tags whole)" in text
    assert "3 reference(s) per dialogue" in text and "record: " in text
    assert cli.main(["predict", str(bart_run), "--split", "nope.txt"]) == 2
    assert "expected test, dev or a CSV file" in capsys.readouterr().err
    assert cli.main(["predict", str(tmp_path)]) == 2  # not a record
    assert len(list((tmp_path / "outputs" / "tiny-bart").iterdir())) == 1  # refusals leave none


def copied(run, folder, **changes):
    """A copy of the record `run` in `folder`, its results.json updated with `changes`."""
    shutil.copytree(run, folder)
    data = {**read_record(folder), **changes}
    (folder / "results.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def files_of(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def no_outputs(tmp_path, monkeypatch):
    """Records go under tmp_path/outputs (absent until one is made); model loads are counted."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    return gentune.Generator.model_loads


def test_out_in_a_record_or_a_folder_is_refused_before_any_work(bart_run, tmp_path, capsys,
                                                                no_outputs):
    before = files_of(bart_run)
    (tmp_path / "folder").mkdir()
    for out, says in [(bart_run / "results.json", "is inside the run record"),
                      (bart_run / "best-model" / "config.json", "is inside the run record"),
                      (bart_run / "mine.csv", "is inside the run record"),
                      (bart_run / "best-model", "is a folder"), ("folder", "is a folder")]:
        assert cli.main(["predict", str(bart_run), "--out", str(out)]) == 2, out
        assert says in capsys.readouterr().err
    assert files_of(bart_run) == before  # the record is byte for byte what it was
    assert gentune.Generator.model_loads == no_outputs and not paths.OUTPUTS.exists()


def test_refusals_leave_no_record_and_load_no_model(bart_run, tmp_path, capsys, no_outputs):
    (tmp_path / "four.yaml").write_text("num_beams: four\n", encoding="utf-8")
    broken = copied(bart_run, tmp_path / "broken")
    weights = broken / "best-model" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    for args, says in [
        ([str(tmp_path)], "not a run record"),
        ([str(bart_run), "--split", "nope.txt"], "expected test, dev or a CSV file"),
        ([str(bart_run), "--split", "missing.csv"], "missing.csv: file not found"),
        ([str(bart_run), "--decoding", "greedy"], "expected best, trial or a YAML file"),
        ([str(bart_run), "--decoding", "four.yaml"], "four.yaml: hparams.num_beams: expected int"),
        ([str(bart_run), "--out", "."], "is a folder"),
        ([str(broken)], "broken/best-model/model.safetensors: unreadable weights"),
    ]:
        assert cli.main(["predict", *args]) == 2, args
        assert says in capsys.readouterr().err, args
    assert gentune.Generator.model_loads == no_outputs and not paths.OUTPUTS.exists()


def test_a_predict_refusal_imports_no_torch_nor_transformers(bart_run, tmp_path):
    """What a refusal costs: the record, input, out and decoding checks come before anything
    that needs torch or transformers (the architecture check reads the model's config last)."""
    probe = ("import sys\nfrom workbench import cli\n"
             f"code = cli.main(['predict', {str(bart_run)!r}, '--split', 'missing.csv'])\n"
             "heavy = [m for m in ('torch', 'transformers', 'peft') if m in sys.modules]\n"
             "print(code, heavy)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "HF_HUB_OFFLINE": "1"}, check=True)
    assert done.stdout.strip().splitlines()[-1] == "2 []", done.stdout + done.stderr
    assert "missing.csv: file not found" in done.stderr


def test_run_predict_refuses_as_predict_does_before_any_kernel(bart_run, tmp_path, capsys,
                                                               no_outputs):
    failed = copied(bart_run, tmp_path / "failed-run", status="failed")
    for params, says in [
        (["-p", "record", str(failed)], "the run is failed, not completed"),
        (["-p", "record", str(bart_run), "-p", "split", "missing.csv"], "file not found"),
    ]:
        assert cli.main(["run", "predict", *params]) == 2, params
        assert says in capsys.readouterr().err, params
    assert gentune.Generator.model_loads == no_outputs
    assert not paths.OUTPUTS.exists()  # no record left


@pytest.mark.parametrize("text, says", [
    ("num_beams: four\n", "num_beams: expected int, got str 'four'"),
    ("num_beams: 2.5\n", "num_beams: expected int, got float 2.5"),
    ('do_sample: "no"\n', "do_sample: expected bool, got str 'no'"),
    ("overrides: {hparams.top_k: [5]}\npreset: tiny-bart\n", "top_k: expected int, got list"),
])
def test_decoding_files_are_typed_as_the_config_is(bart_run, tmp_path, text, says):
    path = tmp_path / "decoding.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"decoding.yaml: hparams.{says}"):
        predict.decoding_of(predict.source_of(str(bart_run)), str(path))


def test_incomplete_runs_are_refused_unless_allowed_and_then_the_record_says_so(
        bart_run, tmp_path, capsys, no_outputs):
    stale = {"pid": 1, "host": records.HOST, "heartbeat": "2000-01-01T00:00:00+00:00",
             "interval_s": 10}
    alive = records.process_entry()
    for status, process, shown in [("failed", None, "failed"), ("running", stale, "killed"),
                                   ("running", alive, "running")]:
        run = copied(bart_run, tmp_path / f"{shown}-run", status=status, process=process)
        assert cli.main(["predict", str(run)]) == 2
        err = capsys.readouterr().err
        assert f"the run is {shown}, not completed" in err and "--allow-incomplete" in err
    assert gentune.Generator.model_loads == no_outputs and not paths.OUTPUTS.exists()
    rows = tmp_path / "rows.csv"
    pd.read_csv(TEST, dtype=str).head(2).to_csv(rows, index=False)
    assert cli.main(["predict", str(tmp_path / "killed-run"), "--split", "rows.csv",
                     "--allow-incomplete"]) == 0
    assert "note: predicted from a killed run" in capsys.readouterr().out
    (folder,) = (tmp_path / "outputs" / "tiny-bart").iterdir()
    source = read_record(folder)["source"]
    assert source["status"] == "killed" and source["allow_incomplete"] is True


def test_best_decoding_is_the_best_generation_tuning_not_the_newest(bart_run, tmp_path,
                                                                     no_outputs):
    run = copied(bart_run, tmp_path / "run")
    for run_id, value, n_trials, penalty in [("20261201-000000-aaaa", 76.87, 20, 1.2),
                                             ("20261202-000000-bbbb", 76.08, 6, 1.5)]:
        (tmp_path / run_id).mkdir()
        (tmp_path / run_id / "results.json").write_text(json.dumps({
            "run_id": run_id, "notebook": "generation-tuning", "status": "completed",
            "checkpoint": {"run": read_record(run)["run_id"]}, "eval_samples": 6,
            "study": {"n_trials": n_trials, "best": {
                "number": 3, "value": value, "params": {"repetition_penalty": penalty}}}}),
            encoding="utf-8")
    rows = tmp_path / "rows.csv"
    pd.read_csv(TEST, dtype=str).head(2).to_csv(rows, index=False)
    done = predict.predict(str(run), split=str(rows), run_dir=str(tmp_path / "r"),
                           progress=False)
    decoding = read_record(tmp_path / "r")["decoding"]
    assert decoding["values"]["repetition_penalty"] == 1.2  # the 20-trial tuning's, 76.87
    assert "20261201-000000-aaaa, trial 3 of its 20 (dev ROUGE 76.8700 on 6 dialogues)" in (
        decoding["source"])
    assert "the best dev score of the 2 generation tunings on this run" in decoding["source"]
    assert [(t["run_id"], t["n_trials"]) for t in decoding["tunings"]] == [
        ("20261201-000000-aaaa", 20), ("20261202-000000-bbbb", 6)]
    assert "trial 3 of its 20" in predict.summary_lines(done)[0]


def test_records_name_paths_from_the_project_root(bart_run, tmp_path, monkeypatch):
    run = copied(bart_run, tmp_path / "runs" / "run")
    rows = tmp_path / "rows.csv"
    pd.read_csv(TEST, dtype=str).head(2).to_csv(rows, index=False)
    monkeypatch.setattr(paths, "ROOT", tmp_path)  # the project, as far as paths.shown goes
    predict.predict(str(run), split=str(rows), out=str(tmp_path / "sub.csv"),
                    run_dir=str(tmp_path / "r"), progress=False)
    params = read_record(tmp_path / "r")["parameters"]
    assert (params["record"], params["split"], params["out"], params["run_dir"]) == (
        "runs/run", "rows.csv", "sub.csv", "r")
    assert str(tmp_path) not in json.dumps(read_record(tmp_path / "r"))


@pytest.fixture(scope="module")
def llm_runs(tmp_path_factory, one_thread):
    """`get(preset)`: a tiny LLM study record of that preset, made once."""
    made = {}

    def get(preset):
        if preset not in made:
            made[preset] = study_record(tmp_path_factory.mktemp(preset), preset, CAUSAL)
        return made[preset]

    return get


@pytest.fixture(scope="module")
def llama_run(llm_runs):
    return llm_runs("tiny-llama")


@pytest.mark.parametrize("preset", ["tiny-llama", "tiny-qwen"])
def test_causal_record_predicts_with_its_adapter(llm_runs, preset, tmp_path):
    done = predict.predict(str(llm_runs(preset)), split="test", run_dir=str(tmp_path / "r"),
                           progress=False)
    test = wdata.read_split(TEST, "test")
    assert list(done.frame["fname"]) == list(test["fname"])
    assert all(isinstance(s, str) for s in done.frame["summary"])
    rec = read_record(tmp_path / "r")
    assert rec["model"]["backend"] == "causal" and rec["model"]["path"].endswith("best-model")
    assert done.scores == metrics.score_csv(done.out, TEST).as_dict()


def test_causal_refit_saves_and_predicts_with_a_new_adapter(llama_run, tmp_path):
    rows = tmp_path / "rows.csv"
    pd.read_csv(TEST, dtype=str).head(5).to_csv(rows, index=False)
    done = predict.predict(str(llama_run), split=str(rows), refit_on="train+dev",
                           run_dir=str(tmp_path / "r"), progress=False)
    refit = read_record(tmp_path / "r")["model"]["refit"]
    assert refit["epochs"] == 1 and refit["train_rows"] == 16 + len(
        wdata.read_split(paths.ROOT / "data" / "sample" / "dev.csv", "dev"))
    adapter = tmp_path / "r" / "refit-model"
    assert (adapter / "adapter_config.json").is_file() and (adapter / "base").is_dir()
    assert len(done.frame) == 5 and done.scores is not None


def test_saved_adapter_names_its_base_wherever_the_record_moves(llama_run, tmp_path,
                                                                monkeypatch):
    settings = json.loads((llama_run / "best-model" / "adapter_config.json").read_text())
    assert settings["base_model_name_or_path"] == "base"  # not .candidate-N/base, gone now
    moved = copied(llama_run, tmp_path / "moved")
    monkeypatch.chdir(tmp_path)  # peft is handed the base; nothing resolves "base" from here
    rows = tmp_path / "rows.csv"
    pd.read_csv(TEST, dtype=str).head(2).to_csv(rows, index=False)
    done = predict.predict(str(moved), split=str(rows), run_dir=str(tmp_path / "r"),
                           progress=False)
    assert len(done.frame) == 2 and read_record(tmp_path / "r")["model"]["path"] == str(
        moved / "best-model")


@pytest.mark.slow
def test_predict_notebook_leaves_the_submission_and_its_record(bart_run, tmp_path):
    folder = cli.run_notebook("predict", {"record": str(bart_run)}, out_dir=tmp_path / "nb")
    rec = read_record(folder)
    assert rec["status"] == "completed" and rec["notebook"] == "predict"
    assert rec["output"]["path"].endswith("submission.csv")
    written = pd.read_csv(folder / "submission.csv", dtype=str, keep_default_na=False)
    assert list(written["fname"]) == list(wdata.read_split(TEST, "test")["fname"])
    assert rec["scores"] == {**metrics.score_csv(folder / "submission.csv", TEST).as_dict(),
                             **{k: rec["scores"][k] for k in ("scale", "described",
                                                              "references_per_row")}}
    text = (folder / "predict.ipynb").read_text(encoding="utf-8")
    assert "morpheme scale (mecab, tags whole)" in text and "reference" in text
