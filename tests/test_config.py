"""Presets resolve defaults + overrides and refuse unknown keys, wrong types and bad values."""

import pytest

from workbench import config as wconfig
from workbench import validate
from workbench.config import ConfigError


def test_presets_listed():
    names = wconfig.list_presets()
    assert {"tiny-bart", "kobart"} <= set(names)


def test_unknown_preset_lists_available():
    with pytest.raises(ConfigError) as err:
        validate.resolve("no-such-preset")
    msg = str(err.value)
    assert "no-such-preset" in msg and "tiny-bart" in msg and "kobart" in msg


def test_kobart_is_the_seed_setting():
    cfg = validate.resolve("kobart")
    hp = cfg["hparams"]
    assert cfg["model"]["name"] == "digit82/kobart-summarization"
    assert (hp["learning_rate"], hp["batch_size"], hp["num_epochs"]) == (5e-5, 8, 20)
    assert (hp["max_input_length"], hp["max_target_length"], hp["num_beams"]) == (512, 100, 4)
    assert wconfig.model_id(cfg) == "digit82/kobart-summarization"


def test_defaults_then_preset_then_overrides():
    cfg = validate.resolve("tiny-bart", {"hparams.num_beams": 3, "study": {"n_trials": 2}})
    assert cfg["hparams"]["num_beams"] == 3
    assert cfg["study"]["n_trials"] == 2
    assert cfg["hparams"]["learning_rate"] == 5e-4  # preset
    assert cfg["hparams"]["weight_decay"] == 0.0  # default
    assert cfg["preset"] == "tiny-bart"


def test_space_fixed_values_sit_under_the_preset():
    cfg = validate.resolve("kobart", {"search.space": "recommended"})
    assert cfg["hparams"]["scheduler_type"] == "cosine"  # recommended.yaml fixed
    assert cfg["hparams"]["warmup_ratio"] == 0.1
    assert cfg["hparams"]["max_input_length"] == 512  # the preset says 512 and wins


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"hparams.learning_rat": 1e-4}, "unknown key 'hparams.learning_rat'"),
        ({"hparams.num_beams": "four"}, "hparams.num_beams: expected int"),
        ({"hparams.do_sample": 1}, "hparams.do_sample: expected bool"),
        ({"hparams.num_beams": True}, "hparams.num_beams: expected int"),
        ({"study.sampler": "cmaes"}, "study.sampler: 'cmaes' is not one of tpe, gp, random"),
        ({"study.timeout": "soon"}, "study.timeout: expected int or float"),
        ({"hparams.scheduler_type": "constant"}, "hparams.scheduler_type: 'constant' is not one"),
        ({"hparams.min_new_tokens": 80, "hparams.max_new_tokens": 60}, "min_new_tokens (80)"),
        ({"search.params": ["learning_rate", "nope"]}, "unknown group or parameter 'nope'"),
        ({"search.params": ["augmentation_strategy"]}, "set hparams.use_augmentation: true"),
        ({"hparams.use_augmentation": True, "hparams.augmentation_strategy": "paraphrase"},
         "set augment.paraphrase_model"),
        ({"search.params": ["model_name"]}, "model.candidates"),
        ({"search.space": "nope"}, "unknown space 'nope'"),
        ({"hparams": 3}, "hparams: expected a mapping"),
    ],
)
def test_bad_overrides_refused(overrides, needle):
    with pytest.raises(ValueError) as err:
        validate.resolve("tiny-bart", overrides)
    assert needle in str(err.value)


def test_ints_accepted_for_floats():
    cfg = validate.resolve("tiny-bart", {"hparams.learning_rate": 1})
    assert cfg["hparams"]["learning_rate"] == 1


def test_bad_preset_file_named(tmp_path, monkeypatch):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "broken.yaml").write_text("hparams:\n  batch_size: [8\n", encoding="utf-8")
    (presets / "typo.yaml").write_text("hparams:\n  batchsize: 8\n", encoding="utf-8")
    monkeypatch.setattr(wconfig.paths, "PRESETS", presets)
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML"):
        validate.resolve("broken")
    with pytest.raises(ConfigError, match=r"typo\.yaml: unknown key 'hparams\.batchsize'"):
        validate.resolve("typo")


def test_a_preset_can_extend_another(tmp_path, monkeypatch):
    cfg = validate.resolve("tiny-bart-augment")
    base = validate.resolve("tiny-bart")
    assert cfg["model"] == base["model"]
    assert cfg["hparams"]["learning_rate"] == base["hparams"]["learning_rate"]
    assert cfg["search"]["space"] == "augment" and cfg["hparams"]["use_augmentation"] is True
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "a.yaml").write_text("extends: b\n", encoding="utf-8")
    (presets / "b.yaml").write_text("extends: a\n", encoding="utf-8")
    monkeypatch.setattr(wconfig.paths, "PRESETS", presets)
    with pytest.raises(ConfigError, match=r"extend each other \(a -> b -> a\)"):
        validate.resolve("a")


def test_a_named_strategy_sets_study_keys_and_explicit_overrides_win():
    seed = validate.resolve("tiny-bart", {"study.strategy": "seed"})["study"]
    assert (seed["sampler"], seed["tpe_n_startup_trials"], seed["tpe_multivariate"]) == (
        "tpe", 10, False)
    assert (seed["pruner"], seed["median_n_startup_trials"], seed["median_n_warmup_steps"]) == (
        "median", 5, 3)
    own = validate.resolve("tiny-bart")["study"]
    assert own["strategy"] is None and (own["sampler"], own["pruner"]) == ("random", "none")
    tuned = validate.resolve("tiny-bart", {"study.strategy": "tuned"})["study"]
    assert (tuned["sampler"], tuned["tpe_n_startup_trials"], tuned["median_n_warmup_steps"]) == (
        "tpe", 5, 2)
    confirmed = validate.resolve("tiny-bart", {"study.strategy": "confirmed"})["study"]
    assert (confirmed["pruner"], confirmed["confirm_top_k"], confirmed["confirm_seeds"]) == (
        "none", 2, 1)
    mixed = validate.resolve("tiny-bart", {"study.strategy": "seed", "study.pruner": "none"})
    assert mixed["study"]["pruner"] == "none" and mixed["study"]["tpe_multivariate"] is False
    with pytest.raises(ConfigError, match=r"study.strategy: unknown strategy 'fast' "
                                          r"\(params/strategies.yaml\); allowed are seed"):
        validate.resolve("tiny-bart", {"study.strategy": "fast"})
