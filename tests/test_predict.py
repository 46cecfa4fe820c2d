"""From a study to a submission: `workbench predict` on a record of a real tiny study (seq2seq
and causal): every fname once in input order, the objective's cleaning, scores on the test
format's three references, decodings from the trial, a file or generation tuning, refit."""

import json

import pandas as pd
import pytest
from helpers import PLUMBING, read_record, study_record

from workbench import cli, gentune, metrics, paths, predict
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
    assert len(list((tmp_path / "outputs" / "tiny-bart").iterdir())) == 2  # done and failed


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
