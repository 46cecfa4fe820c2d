"""Presets compose defaults + overrides and refuse unknown keys, wrong types and bad values;
`validate.resolve` hands back the config with its space and searched params, loaded once."""

import pickle

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


def test_kobart_is_the_reference_setting():
    cfg = validate.resolve("kobart").config
    hp = cfg["hparams"]
    assert cfg["model"]["name"] == "digit82/kobart-summarization"
    assert (hp["learning_rate"], hp["batch_size"], hp["num_epochs"]) == (5e-5, 8, 20)
    assert (hp["max_input_length"], hp["max_target_length"], hp["num_beams"]) == (512, 100, 4)
    assert wconfig.model_id(cfg) == "digit82/kobart-summarization"


def test_defaults_then_preset_then_overrides():
    cfg = validate.resolve("tiny-bart", {"hparams.num_beams": 3, "study": {"n_trials": 2}}).config
    assert cfg["hparams"]["num_beams"] == 3
    assert cfg["study"]["n_trials"] == 2
    assert cfg["hparams"]["learning_rate"] == 5e-4  # preset
    assert cfg["hparams"]["weight_decay"] == 0.0  # default
    assert cfg["preset"] == "tiny-bart"


def test_resolve_hands_back_the_config_with_its_space_and_searched_params():
    resolved = validate.resolve("tiny-bart")
    assert resolved.config == wconfig.compose("tiny-bart")  # composed, then only checked
    assert resolved.space.name == resolved.config["search"]["space"] == "tiny"
    assert set(resolved.names) == set(resolved.config["search"]["params"])
    assert resolved.names == [p.name for p in resolved.searched]  # in the space's order
    assert all(resolved.space.params[p.name] == p for p in resolved.searched)
    # A group in search.params is expanded to its parameters, each once.
    grouped = validate.resolve("tiny-bart", {"search.params": ["generation", "num_beams"]})
    assert grouped.names == list(grouped.space.groups["generation"])
    # Frozen, and whole after a trip to a worker process (they receive it pickled).
    with pytest.raises(AttributeError):
        resolved.space = None
    assert pickle.loads(pickle.dumps(resolved)) == resolved


def test_a_run_reads_its_space_once_per_resolve(monkeypatch):
    """`study.start.resolve_run` on tiny-bart, counted where spaces are loaded. Two loads:
    the run's space, once (compose reads its fixed values, which sit under the preset, and the
    `Resolved` hands the same space down: the checks, the objective and the worker processes use
    it), and the reference catalogue for validate's categorical check (a different space)."""
    from workbench import spaces
    from workbench.study import start

    real, loads = spaces.load_space, []

    def counted(name, model_candidates=None):
        loads.append(str(name))
        return real(name, model_candidates)

    monkeypatch.setattr(spaces, "load_space", counted)
    resolved, stage, _ = start.resolve_run({"preset": "tiny-bart", "overrides": {}})
    assert stage is None and resolved.space.name == "tiny"
    assert loads == ["tiny", spaces.CATALOGUE]


@pytest.mark.parametrize("preset", wconfig.list_presets())
def test_composing_reads_the_space_the_composed_config_names(preset):
    """`resolve` hands down the space compose read its fixed values from, without loading it
    again: for every preset, space and named strategy, it is the space the config names."""
    from workbench import paths, spaces

    for strategy in [None, *wconfig.read_yaml(paths.STRATEGIES)]:
        for name in spaces.list_spaces():
            config, space = wconfig.compose_with_space(
                preset, {"search.space": name, "study.strategy": strategy})
            named = spaces.load_space(config["search"]["space"],
                                      model_candidates=config["model"]["candidates"] or None)
            assert space == named, (strategy, name)


def test_space_fixed_values_sit_under_the_preset():
    cfg = validate.resolve("kobart", {"search.space": "recommended"}).config
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
        ({"study.sampler.name": "cmaes"}, "study.sampler.name: 'cmaes' is not one of tpe, gp, "
                                           "random"),
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
    cfg = validate.resolve("tiny-bart", {"hparams.learning_rate": 1}).config
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
    cfg = validate.resolve("tiny-bart-augment").config
    base = validate.resolve("tiny-bart").config
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
    reference = validate.resolve("tiny-bart", {"study.strategy": "reference"}).config["study"]
    assert reference["sampler"] == {"name": "tpe", "n_startup_trials": 10,
                                    "n_ei_candidates": 24, "multivariate": False,
                                    "population_size": 50}
    assert (reference["pruner"]["name"], reference["pruner"]["n_startup_trials"],
            reference["pruner"]["n_warmup_steps"]) == ("median", 5, 3)
    own = validate.resolve("tiny-bart").config["study"]
    assert own["strategy"] is None
    assert (own["sampler"]["name"], own["pruner"]["name"]) == ("random", "none")
    tuned = validate.resolve("tiny-bart", {"study.strategy": "tuned"}).config["study"]
    assert (tuned["sampler"]["name"], tuned["sampler"]["n_startup_trials"],
            tuned["pruner"]["n_warmup_steps"]) == ("tpe", 5, 2)
    confirmed = validate.resolve("tiny-bart", {"study.strategy": "confirmed"}).config["study"]
    assert (confirmed["pruner"]["name"], confirmed["confirm_top_k"],
            confirmed["confirm_seeds"]) == ("none", 2, 1)
    mixed = validate.resolve("tiny-bart", {"study.strategy": "reference",
                                           "study.pruner.name": "none"}).config["study"]
    assert mixed["pruner"]["name"] == "none" and mixed["sampler"]["multivariate"] is False
    with pytest.raises(ConfigError, match=r"study.strategy: unknown strategy 'fast' "
                                          r"\(params/strategies.yaml\); allowed are reference"):
        validate.resolve("tiny-bart", {"study.strategy": "fast"})


def test_sampler_and_pruner_names_come_from_the_one_registry():
    from workbench.study import samplers

    assert wconfig.CHOICES["study.sampler.name"] == tuple(samplers.SAMPLERS)
    assert wconfig.CHOICES["study.pruner.name"] == tuple(samplers.PRUNERS)
    study = validate.resolve("tiny-bart").config["study"]
    for name in samplers.SAMPLERS:  # each builds from the defaults' settings
        samplers.make_sampler({**study, "sampler": {**study["sampler"], "name": name}})
    for name in samplers.PRUNERS:
        pruner = {**study["pruner"], "name": name}
        samplers.make_pruner({**study, "pruner": pruner})
        assert samplers.prune_reason({"pruner": pruner}, 2, 1.0).startswith(
            "pruned after epoch 2: objective 1.0000 ")


@pytest.mark.parametrize(("old", "new"), list(wconfig.MOVED.items()))
def test_a_flat_sampler_or_pruner_key_is_refused_with_its_nested_name(old, new):
    with pytest.raises(ConfigError, match=f"unknown key '{old}': write '{new}'"):
        validate.resolve("tiny-bart", {old: 1})


def test_sampler_and_pruner_settings_are_nested_in_presets_and_strategies(tmp_path,
                                                                          monkeypatch):
    cfg = validate.resolve("tiny-llama", {"study.sampler.name": "nsga2",
                                          "study.pruner.percentile": 10}).config["study"]
    assert (cfg["sampler"]["name"], cfg["sampler"]["n_startup_trials"]) == ("nsga2", 3)
    assert (cfg["pruner"]["name"], cfg["pruner"]["n_warmup_steps"],
            cfg["pruner"]["percentile"]) == ("median", 1, 10)
    with pytest.raises(ConfigError, match=r"study.sampler: expected a mapping, got 'tpe'; a "
                                          r"name goes in study.sampler.name"):
        validate.resolve("tiny-bart", {"study.sampler": "tpe"})
    strategies = tmp_path / "strategies.yaml"
    strategies.write_text("old:\n  sampler: tpe\n  tpe_multivariate: false\n", encoding="utf-8")
    monkeypatch.setattr(wconfig.paths, "STRATEGIES", strategies)
    with pytest.raises(ConfigError, match=r"strategies.yaml: study.sampler: expected a mapping"):
        validate.resolve("tiny-bart", {"study.strategy": "old"})
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "flat.yaml").write_text("study:\n  median_n_warmup_steps: 2\n", encoding="utf-8")
    monkeypatch.setattr(wconfig.paths, "PRESETS", presets)
    with pytest.raises(ConfigError, match=r"flat.yaml: unknown key 'study.median_n_warmup_steps'"
                                          r": write 'study.pruner.n_warmup_steps'"):
        validate.resolve("flat")


def test_qwen_extends_llama_with_its_own_model_and_batch():
    llama, qwen = validate.resolve("llama").config, validate.resolve("qwen").config
    assert qwen["model"]["name"] == "Qwen/Qwen3-4B-Instruct-2507"
    assert qwen["llm"]["model_config"]["model_type"] == "qwen3"  # replaced whole, not merged
    assert qwen["llm"]["model_config"]["max_position_embeddings"] == 262144
    assert set(qwen["llm"]["model_config"]) == set(llama["llm"]["model_config"])
    assert (qwen["hparams"]["batch_size"], llama["hparams"]["batch_size"]) == (6, 8)
    same = {**qwen["hparams"], "batch_size": 8}
    assert same == llama["hparams"] and qwen["study"] == llama["study"]
    assert qwen["runtime"] == llama["runtime"] and qwen["data"] == llama["data"]
    assert (qwen["hparams"]["bf16"], qwen["study"]["pruner"]["n_warmup_steps"]) == (True, 4)
    tiny = validate.resolve("tiny-qwen").config
    assert tiny["model"]["architecture"]["model_type"] == "qwen3"
    assert tiny["hparams"] == validate.resolve("tiny-llama").config["hparams"]


def test_a_chat_template_is_named_and_read_from_its_file():
    llama3 = (wconfig.paths.CHAT_TEMPLATES / "llama3.jinja").read_text(encoding="utf-8")
    chat = validate.resolve("tiny-llama").config["llm"]["chat_template"]
    assert chat == llama3[:-1] and chat.endswith("<|end_header_id|>\n\n{% endif %}")
    assert validate.resolve("tiny-qwen").config["llm"]["chat_template"].startswith(
        "{% for m in messages %}<|im_start|>")
    assert set(wconfig.list_chat_templates()) >= {"llama3", "chatml"}
    inline = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    assert validate.resolve("tiny-llama", {"llm.chat_template": inline}).config["llm"][
        "chat_template"] == inline
    assert validate.resolve("tiny-bart").config["llm"]["chat_template"] is None
    with pytest.raises(ConfigError, match=r"llm.chat_template: unknown chat template 'llama2'; "
                                          r"available: chatml, llama3"):
        validate.resolve("tiny-llama", {"llm.chat_template": "llama2"})
