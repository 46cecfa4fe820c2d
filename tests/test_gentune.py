"""Generation tuning on a fixed checkpoint: decoding rules, the widgets, the one-load study,
the headless grid, and the notebook's record (including bad checkpoints)."""

import json

import nbformat
import pandas as pd
import pytest
from helpers import PLUMBING, study_record
from transformers import AutoModelForSeq2SeqLM, BartConfig, GPT2Config

from workbench import analysis, cli, gentune, paths, validate
from workbench import study as wstudy

TINY = {
    **PLUMBING,
    "data.max_train_samples": 24,
    "data.max_dev_samples": 6,
    "hparams.num_epochs": 1,
    "hparams.num_beams": 1,
    "hparams.max_new_tokens": 24,
    "hparams.min_new_tokens": 8,
    "hparams.max_input_length": 192,
    "hparams.max_target_length": 48,
}
# Decoding params cheap enough to search on a CPU (output length stays the record's).
CHEAP_SEARCH = ["num_beams", "length_penalty", "repetition_penalty"]
GREEDY = {"do_sample": False, "temperature": 1.0, "top_p": 1.0, "top_k": 50, "num_beams": 1,
          "repetition_penalty": 1.0, "length_penalty": 1.0, "no_repeat_ngram_size": 0,
          "max_new_tokens": 60, "min_new_tokens": 20}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, one_thread):
    """A run record with a best-model/ from a real 2-trial tiny-bart study."""
    base = tmp_path_factory.mktemp("trained")
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=f"sqlite:///{base / 'study.db'}", study_name="t",
                           overrides=dict(TINY), run_dir=str(base / "run"))
    run.optimize()
    assert (base / "run" / "best-model" / "config.json").is_file()
    return base / "run"


# --------------------------------------------------------------------------- decoding rules


@pytest.mark.parametrize(("change", "error"), [
    ({}, None),
    ({"min_new_tokens": 80, "max_new_tokens": 60}, "min_new_tokens (80) must be <= max"),
    ({"num_beams": 0}, "num_beams must be >= 1"),
    ({"do_sample": True, "temperature": 0.0}, "temperature must be > 0"),
    ({"do_sample": True, "top_p": 1.5}, "top_p must be in (0, 1]"),
    ({"do_sample": False, "temperature": 0.0}, None),  # ignored without sampling
    ({"no_repeat_ngram_size": -1}, "no_repeat_ngram_size must be >= 0"),
])
def test_decoding_errors(change, error):
    errors = gentune.decoding_errors({**GREEDY, **change})
    if error is None:
        assert errors == []
    else:
        assert any(error in e for e in errors), errors


def test_decoding_notes_explain_ignored_knobs():
    notes = " ".join(gentune.decoding_notes(GREEDY))
    assert "temperature, top_p and top_k apply only when do_sample" in notes
    assert "length_penalty applies only to beam search" in notes
    assert gentune.decoding_notes({**GREEDY, "do_sample": True, "num_beams": 4}) == []


def test_grid_skips_impossible_combinations_and_refuses_useless_ones():
    configs, skipped = gentune.grid_configs(GREEDY, {"max_new_tokens": [10, 60],
                                                     "num_beams": [1, 2]})
    assert [(c["max_new_tokens"], c["num_beams"]) for c in configs] == [(60, 1), (60, 2)]
    assert len(skipped) == 2 and "min_new_tokens (20) must be <= max_new_tokens (10)" in \
        skipped[0]
    with pytest.raises(ValueError, match="only matter when sampling"):
        gentune.grid_configs(GREEDY, {"temperature": [0.5, 1.0]})
    assert len(gentune.grid_configs(GREEDY, {"do_sample": [True], "top_p": [0.8, 0.9]})[0]) == 2
    with pytest.raises(ValueError, match="unknown decoding parameter.*beams"):
        gentune.grid_configs(GREEDY, {"beams": [1]})
    with pytest.raises(ValueError, match="at most 3"):
        gentune.grid_configs(GREEDY, {k: [GREEDY[k]] for k in list(GREEDY)[4:8]})


# --------------------------------------------------------------------------- checkpoints


def test_checkpoint_of_another_architecture_is_refused(tmp_path):
    cfg = validate.resolve("tiny-bart").config
    wider = tmp_path / "wider"
    BartConfig(vocab_size=100, d_model=64, encoder_layers=2, decoder_layers=2).save_pretrained(
        wider)
    with pytest.raises(gentune.CheckpointError,
                       match=r"another architecture .*d_model: 64 in the checkpoint, 128"):
        gentune.check_architecture(wider, cfg)
    causal = tmp_path / "gpt2"
    GPT2Config(n_layer=1, n_embd=32, n_head=2).save_pretrained(causal)
    with pytest.raises(gentune.CheckpointError, match="gpt2 model .decoder-only."):
        gentune.check_architecture(causal, cfg)


def test_locate_names_what_is_missing(tmp_path, trained):
    with pytest.raises(FileNotFoundError, match="no such record or model folder"):
        gentune.locate(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(gentune.CheckpointError, match="not a run record"):
        gentune.locate(str(tmp_path / "empty"))
    model, run = gentune.locate(str(trained))
    assert model == trained / "best-model" and run["notebook"] == "run-study"
    model, run = gentune.locate(str(trained / "best-model"))
    assert run is None


# --------------------------------------------------------------------------- one load


@pytest.fixture
def tuning(trained, tmp_path, monkeypatch, one_thread):
    """start_tuning in this process, counting every weight load."""
    loads = []
    real = AutoModelForSeq2SeqLM.from_pretrained.__func__

    def counting(cls, *args, **kwargs):
        loads.append(args[0] if args else kwargs)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(AutoModelForSeq2SeqLM, "from_pretrained", classmethod(counting))
    tuner = gentune.start_tuning(
        "generation-tuning", preset="tiny-bart", checkpoint=str(trained), overrides={},
        n_dialogues=3, grid={"num_beams": [1, 2]}, n_trials=4, search=CHEAP_SEARCH,
        interactive=False, storage=None, study_name=None, run_dir=str(tmp_path / "rec"))
    return tuner, loads


def test_generation_study_of_n_trials_costs_one_model_load(tuning):
    tuner, loads = tuning
    calls = []
    generate = tuner.generator.model.generate

    def counting_generate(*args, **kwargs):
        calls.append(kwargs["input_ids"].shape[0])
        return generate(*args, **kwargs)

    tuner.generator.model.generate = counting_generate
    frame = tuner.optimize()
    assert len(frame) == 4
    assert len(loads) == 1, f"weights loaded {len(loads)} times"
    assert calls == [6] * 4  # one batched pass over the 6 dev dialogues per trial
    rec = tuner.record.data
    assert rec["study"]["model_loads_during_study"] == 0
    assert rec["study"]["trials"][0]["params"] == {
        k: v for k, v in tuner.base.items() if k in CHEAP_SEARCH}  # trial 0: the checkpoint's
    assert set(rec["study"]["searched"]) == set(CHEAP_SEARCH)


def test_checkpoint_decodes_with_its_training_config(tuning, trained):
    tuner, _ = tuning
    run = json.loads((trained / "results.json").read_text(encoding="utf-8"))
    for key, value in run["best"]["params"].items():
        assert tuner.base[key] == value, key
    assert tuner.config["data"]["max_dev_samples"] == 6  # the run's own data caps
    assert len(tuner.generator.dev) == 6


def test_panel_makes_invalid_settings_impossible_or_explains_them(tuning):
    tuner, _ = tuning
    panel = gentune.DecodingPanel(tuner.generator, tuner.base, [0, 1])
    c = panel.controls
    c["do_sample"].value = False
    assert c["temperature"].disabled and c["top_p"].disabled and c["top_k"].disabled
    c["do_sample"].value = True
    assert not c["temperature"].disabled
    c["num_beams"].value = 1
    assert c["length_penalty"].disabled
    assert "length_penalty applies only to beam search" in panel.notes.value
    c["min_new_tokens"].value = c["min_new_tokens"].max
    c["max_new_tokens"].value = 50
    assert c["min_new_tokens"].max == 50
    c["min_new_tokens"].value = 80  # ipywidgets clamps to the max
    assert c["min_new_tokens"].value <= c["max_new_tokens"].value
    c["do_sample"].value = False
    panel.button.click()
    table = panel.last
    assert list(table.columns) == ["reference", "summary", "ROUGE"]
    assert len(table) == 2
    assert list(table["reference"]) == [r[0] for r in tuner.generator.references[:2]]
    assert panel.widget() is not None


def test_headless_grid_has_sliders(tuning):
    tuner, _ = tuning
    frame = tuner.grid()
    # First row: the checkpoint's own decoding, scored like the grid (the grid's best reads
    # against it); a grid config equal to it is not scored twice.
    own = frame.iloc[0]
    assert own["decoding"] == gentune.OWN and own["num_beams"] == tuner.base["num_beams"]
    grid = frame[frame["decoding"] == "grid"]
    assert sorted({*grid["num_beams"], own["num_beams"]}) == sorted({1, 2, own["num_beams"]})
    assert len(frame) == len({1, 2, own["num_beams"]})
    assert list(grid["final"]) == sorted(grid["final"], reverse=True)
    chart = tuner.grid_chart()
    assert chart.data and chart.layout.title.text.startswith("dev ROUGE by num_beams")
    line = chart.layout.shapes[0]  # the checkpoint's own score as a dashed reference line
    assert line.y0 == line.y1 == pytest.approx(own["final"]) and line.line.dash == "dash"
    summaries = tuner.grid_summaries()
    assert len(summaries.layout.sliders[0].steps) == len(frame)
    assert summaries.layout.sliders[0].steps[0].label.endswith(f"({gentune.OWN})")
    assert list(summaries.data[0].cells.values[1]) == [
        r[0] for r in tuner.generator.references[:3]]


# --------------------------------------------------------------------------- the notebook


def record_of(folder):
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_generation_tuning_notebook_record(trained, tmp_path, one_thread):
    folder = cli.run_notebook("generation-tuning", {
        "checkpoint": str(trained), "n_trials": 3, "n_dialogues": 2, "search": CHEAP_SEARCH,
        "grid": {"num_beams": [1, 2], "no_repeat_ngram_size": [0, 2]}}, out_dir=tmp_path / "rec")
    rec = record_of(folder)
    assert rec["status"] == "completed"
    assert rec["model_loads"] == 1
    assert rec["checkpoint"]["path"].endswith("best-model") and rec["checkpoint"]["trained"]
    assert rec["study"]["n_trials"] == 3 and rec["study"]["model_loads_during_study"] == 0
    assert rec["study"]["storage"].endswith("generation.db")
    own = rec["grid"]["results"][0]
    assert own["decoding"] == gentune.OWN
    in_grid = own["num_beams"] in (1, 2) and own["no_repeat_ngram_size"] in (0, 2)
    assert len(rec["grid"]["results"]) == 4 + (not in_grid)
    timing = rec["timing"]
    assert timing["generation_trial_s"] > 0 and timing["training_trial_s"] > 0
    assert timing["training_run"] == "run"
    best_file = folder / gentune.EXPORT_FILE
    read = analysis.read_overrides(best_file)
    cfg = validate.resolve(read["preset"], read["overrides"]).config
    for key, value in rec["study"]["best"]["params"].items():
        assert cfg["hparams"][key] == pytest.approx(value), key
    nb = nbformat.read(folder / "generation-tuning.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "sliders" in text and "Headless run" in text
    # The generation study is a study analyze can read from this record.
    storage, name, _, _ = analysis.study_source(record=str(folder))
    assert len(analysis.load_study(storage, name).trials) == 3


@pytest.mark.parametrize(("make", "message"), [
    ("wider", "another architecture than preset 'tiny-bart'"),
    ("missing", "no such record or model folder"),
])
@pytest.mark.slow
def test_bad_checkpoint_fails_on_first_cell_and_keeps_the_record(tmp_path, make, message):
    target = tmp_path / make
    if make == "wider":
        BartConfig(vocab_size=100, d_model=64).save_pretrained(target)
    with pytest.raises(SystemExit):
        cli.run_notebook("generation-tuning", {"checkpoint": str(target)},
                         out_dir=tmp_path / "rec")
    rec = record_of(tmp_path / "rec")
    assert rec["status"] == "failed"
    assert message in rec["error"]["message"]
    nb = nbformat.read(tmp_path / "rec" / "generation-tuning.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and not {
        "parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    errors = [o for o in code[0].outputs if o["output_type"] == "error"]
    assert errors and message in errors[0]["evalue"]
    assert all(not c.get("outputs") for c in code[1:])


# --------------------------------------------------------------------------- causal records

LLM = {**PLUMBING, "data.max_train_samples": 16, "data.max_dev_samples": 4,
       "hparams.num_epochs": 1, "llm.base_pretrain_epochs": 1, "hparams.max_new_tokens": 12,
       "hparams.min_new_tokens": 2}


@pytest.fixture(scope="module")
def llama_run(tmp_path_factory, one_thread):
    """A tiny-llama study record (base + LoRA adapter saved), its base built in a temp cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "CACHE", tmp_path_factory.mktemp("cache"))
        return study_record(tmp_path_factory.mktemp("llama"), "tiny-llama", LLM)


def test_causal_record_tunes_its_decoding_on_one_adapter_load(llama_run, tmp_path, monkeypatch):
    from workbench.backends import causal

    loads = []
    real = causal.load_base

    def counting(*args, **kwargs):
        loads.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(causal, "load_base", counting)
    tuner = gentune.start_tuning(
        "generation-tuning", preset="tiny-llama", checkpoint=str(llama_run), overrides={},
        n_dialogues=2, grid={"no_repeat_ngram_size": [0, 3]}, n_trials=3,
        search=["repetition_penalty"], interactive=False, storage=None, study_name=None,
        run_dir=str(tmp_path / "rec"))
    gen = tuner.generator
    assert isinstance(gen.predictor, causal.CausalPredictor)
    assert gen.tokenizer.padding_side == "left"
    assert tuner.base["quantization"] == "4bit"  # the run's own config, re-quantized as trained
    frame = tuner.optimize()
    assert len(frame) == 3 and len(loads) == 1, f"base loaded {len(loads)} times"
    rec = tuner.record.data
    assert rec["study"]["model_loads_during_study"] == 0
    assert rec["study"]["trials"][0]["params"] == {
        "repetition_penalty": tuner.base["repetition_penalty"]}  # trial 0: the checkpoint's
    frame = tuner.grid()
    assert frame.iloc[0]["decoding"] == gentune.OWN
    assert sorted(set(frame["no_repeat_ngram_size"])) == sorted(
        {0, 3, tuner.base["no_repeat_ngram_size"]})
    # The same prompts and cleaning as the trial's evaluation: its dev predictions again.
    preds = gen.generate(gentune.decoding(tuner.base))
    study = pd.read_csv(llama_run / "dev_predictions.csv", dtype=str, keep_default_na=False)
    assert preds == list(study["summary"])
    panel = gentune.DecodingPanel(gen, tuner.base, [0, 1])
    panel.button.click()
    assert len(panel.last) == 2
    assert tuner.export_best().is_file()


def test_causal_checkpoint_must_be_an_adapter_of_the_presets_shape(llama_run, trained):
    cfg = validate.resolve("tiny-llama").config
    gentune.check_architecture(llama_run / "best-model", cfg)
    with pytest.raises(gentune.CheckpointError, match="not an adapter saved by the causal"):
        gentune.check_architecture(trained / "best-model", cfg)
    wider = validate.resolve("tiny-llama", {"model.architecture": {
        **cfg["model"]["architecture"], "hidden_size": 128}}).config
    with pytest.raises(gentune.CheckpointError, match="hidden_size: 64 in the checkpoint, 128"):
        gentune.check_architecture(llama_run / "best-model", wider)


@pytest.mark.slow
def test_generation_tuning_notebook_on_a_tiny_llama_record(llama_run, tmp_path):
    with pytest.raises(SystemExit):  # the record names its preset: another one is refused
        cli.run_notebook("generation-tuning", {"checkpoint": str(llama_run)},
                         out_dir=tmp_path / "wrong")
    assert "made with preset 'tiny-llama'" in record_of(tmp_path / "wrong")["error"]["message"]
    folder = cli.run_notebook("generation-tuning", {
        "preset": "tiny-llama", "checkpoint": str(llama_run), "n_trials": 2, "n_dialogues": 2,
        "search": ["repetition_penalty"], "grid": {"no_repeat_ngram_size": [0, 3]}},
        out_dir=tmp_path / "rec")
    rec = record_of(folder)
    assert rec["status"] == "completed" and rec["model_loads"] == 1
    assert rec["study"]["n_trials"] == 2 and len(rec["grid"]["results"]) == 2
    assert (folder / gentune.EXPORT_FILE).is_file()
