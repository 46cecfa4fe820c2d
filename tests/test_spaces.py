"""Tests for workbench.spaces: the shipped YAML spaces, validation, conditions and enqueueing."""

from __future__ import annotations

import math
import textwrap
import warnings
from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution as Cat
from optuna.distributions import FloatDistribution as Float
from optuna.distributions import IntDistribution as Int

from workbench import spaces
from workbench.spaces import Param, SpaceError

optuna.logging.set_verbosity(optuna.logging.WARNING)

MODELS = ["digit82/kobart-summarization", "Bllossom/llama-3.2-Korean-Bllossom-3B"]
SAMPLING = ("temperature", "top_p", "top_k")


@pytest.fixture(scope="module")
def reference() -> spaces.Space:
    return spaces.load_space("reference", model_candidates=MODELS)


@pytest.fixture(scope="module")
def recommended() -> spaces.Space:
    return spaces.load_space("recommended")


def random_study(seed: int = 0) -> optuna.Study:
    return optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))


def run(study: optuna.Study, params: list[Param], fixed: dict, n: int) -> list[dict]:
    """Optimize n trials that only sample; return what suggest() returned per trial."""
    returned: list[dict] = []

    def objective(trial: optuna.Trial) -> float:
        returned.append(spaces.suggest(trial, params, fixed))
        return 0.0

    study.optimize(objective, n_trials=n)
    return returned


# --------------------------------------------------------------------------- the reference's values

# The reference's trial.suggest_* calls (docs/configuration.md, "The reference"), as the
# distributions Optuna records.
REFERENCE_DISTRIBUTIONS = {
    "model_name": Cat(MODELS),
    "lora_r": Int(4, 64, step=4),
    "lora_alpha": Int(8, 128, step=8),
    "lora_dropout": Float(0.0, 0.3, step=0.05),
    "quantization": Cat(["none", "8bit", "4bit"]),
    "learning_rate": Float(1e-6, 1e-3, log=True),
    "batch_size": Cat([4, 8, 16, 32]),
    "num_epochs": Int(1, 10),
    "gradient_accumulation_steps": Cat([1, 2, 4, 8]),
    "scheduler_type": Cat(["linear", "cosine", "cosine_with_restarts", "polynomial"]),
    "warmup_ratio": Float(0.0, 0.2, step=0.05),
    "weight_decay": Float(0.0, 0.3, step=0.01),
    "label_smoothing": Float(0.0, 0.2, step=0.05),
    "do_sample": Cat([True, False]),
    "temperature": Float(0.1, 1.0, step=0.1),
    "top_p": Float(0.7, 0.95, step=0.05),
    "top_k": Int(10, 100, step=10),
    "repetition_penalty": Float(1.0, 1.5, step=0.1),
    "length_penalty": Float(0.5, 2.0, step=0.1),
    "num_beams": Int(1, 8),
    "max_new_tokens": Int(50, 200, step=10),
    "min_new_tokens": Int(20, 80, step=10),
    "max_input_length": Cat([512, 768, 1024, 1536]),
    "use_augmentation": Cat([True, False]),
    "augmentation_strategy": Cat(["none", "paraphrase", "backtranslation", "both"]),
    "noise_removal_level": Cat(["minimal", "moderate", "aggressive"]),
    "person_token_strategy": Cat(["keep_original", "simplify", "abstract"]),
}

REFERENCE_GROUPS = {
    "model": ["model_name", "lora_r", "lora_alpha", "lora_dropout", "quantization"],
    "training": [
        "learning_rate",
        "batch_size",
        "num_epochs",
        "gradient_accumulation_steps",
        "scheduler_type",
        "warmup_ratio",
        "weight_decay",
        "label_smoothing",
    ],
    "generation": [
        "do_sample",
        "temperature",
        "top_p",
        "top_k",
        "repetition_penalty",
        "length_penalty",
        "num_beams",
        "max_new_tokens",
        "min_new_tokens",
    ],
    "preprocessing": [
        "max_input_length",
        "use_augmentation",
        "augmentation_strategy",
        "noise_removal_level",
        "person_token_strategy",
    ],
}


def test_reference_groups_in_file_order(reference):
    assert reference.groups == REFERENCE_GROUPS
    assert list(reference.params) == [n for names in REFERENCE_GROUPS.values() for n in names]
    assert reference.fixed == {}
    assert reference.path == spaces.PROJECT_ROOT / "params" / "spaces" / "reference.yaml"


@pytest.mark.parametrize("name", list(REFERENCE_DISTRIBUTIONS))
def test_reference_distributions_as_written(reference, name):
    # Make every conditional param active and max_new_tokens = 200 so min_new_tokens' full range.
    study = random_study()
    study.enqueue_trial({"do_sample": True, "use_augmentation": True, "max_new_tokens": 200})
    trial = study.ask()
    spaces.suggest(trial, list(reference.params.values()), {})
    assert trial.distributions[name] == REFERENCE_DISTRIBUTIONS[name]


@pytest.mark.parametrize(
    ("name", "when", "at_most"),
    [
        ("temperature", {"do_sample": True}, None),
        ("top_p", {"do_sample": True}, None),
        ("top_k", {"do_sample": True}, None),
        ("augmentation_strategy", {"use_augmentation": True}, None),
        ("min_new_tokens", {}, "max_new_tokens"),
        ("do_sample", {}, None),
        ("max_new_tokens", {}, None),
    ],
)
def test_reference_conditions(reference, name, when, at_most):
    assert reference.params[name].when == when
    assert reference.params[name].at_most == at_most


def test_model_name_searched_needs_candidates():
    space = spaces.load_space("reference")  # loads: model_name is only needed when searched
    assert space.params["model_name"].choices is None
    assert [p.name for p in spaces.select(space, ["lora_r"])] == ["lora_r"]
    with pytest.raises(SpaceError) as err:
        spaces.select(space, ["model"])
    msg = str(err.value)
    assert msg.startswith("params/spaces/reference.yaml: model.model_name: ")
    assert "model.candidates" in msg


@pytest.mark.parametrize("bad", [[], ["a", "a"], ["ok", ""], "single-string"])
def test_bad_model_candidates_refused(bad):
    with pytest.raises(SpaceError, match="model_candidates"):
        spaces.load_space("reference", model_candidates=bad)


def test_space_files_start_with_source_comment():
    for name in ("reference", "recommended"):
        text = (spaces.SPACES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
        assert text.startswith("#")
        header = text.split("\n\n")[0]
        assert "Source: the reference" in header and '"The reference"' in header  # defined in docs


# --------------------------------------------------------------------------- recommended

RECOMMENDED_VALUES = {
    "learning_rate": {1e-5, 3e-5, 5e-5},
    "batch_size": {4, 6, 8},
    "lora_r": {8, 16, 32},
    "lora_alpha": {16, 32, 64},
    "num_beams": {3, 4, 5},
    "repetition_penalty": {1.0, 1.1, 1.2},
    "max_new_tokens": {100, 150, 200},
}


def test_recommended_loads_with_fixed(recommended, reference):
    assert set(recommended.params) == set(RECOMMENDED_VALUES)
    assert recommended.fixed == {
        "max_input_length": 1024,
        "warmup_ratio": 0.1,
        "scheduler_type": "cosine",
    }
    # Same flat names as the reference, in the same groups (the config's keys).
    for p in recommended.params.values():
        assert reference.params[p.name].group == p.group
    assert set(recommended.fixed) <= set(reference.params)


def test_recommended_samples_exactly_its_sets(recommended):
    params = list(recommended.params.values())
    returned = run(random_study(), params, recommended.fixed, 200)
    seen: dict[str, set] = {name: set() for name in RECOMMENDED_VALUES}
    for values in returned:
        for name, value in values.items():
            seen[name].add(round(value, 12) if isinstance(value, float) else value)
    assert seen == RECOMMENDED_VALUES


def test_space_size(reference, recommended):
    assert spaces.space_size(list(recommended.params.values()))["combinations"] == 3**7
    gen = spaces.space_size(spaces.select(reference, ["generation"]))
    # do_sample false (1) or true (10 temperatures x 6 top_p x 10 top_k); min_new_tokens <= max:
    # max 50 -> 4 mins, 60 -> 5, 70 -> 6, 80..200 (13 values) -> 7 each.
    assert gen["combinations"] == (1 + 10 * 6 * 10) * 6 * 16 * 8 * (4 + 5 + 6 + 13 * 7)
    assert gen["exact"] and gen["continuous"] == 0 and gen["conditional"] == 4
    full = spaces.space_size(list(reference.params.values()))
    assert full["continuous"] == 1  # learning_rate (log, no step)
    assert full["discrete"] == len(reference.params) - 1
    # do_sample fixed false: the three sampling params drop out of the count.
    no_sampling = [p for p in spaces.select(reference, ["generation"]) if p.name != "do_sample"]
    size = spaces.space_size(no_sampling, {"do_sample": False})
    assert size["combinations"] == 6 * 16 * 8 * (4 + 5 + 6 + 13 * 7)


def test_list_spaces_and_unknown_name():
    assert {"reference", "recommended"} <= set(spaces.list_spaces())
    with pytest.raises(SpaceError, match=r"unknown space 'nope'; available spaces: .*recommended"):
        spaces.load_space("nope")


def test_the_design_documents_space_strategy_and_plan_are_named_reference():
    from workbench import config, validate
    from workbench.config import ConfigError

    assert spaces.CATALOGUE == "reference" and "seed" not in spaces.list_spaces()
    cfg = validate.resolve("llama").config
    assert (cfg["search"]["space"], cfg["study"]["stage_plan"]) == ("reference", "reference")
    reference = validate.resolve("tiny-bart", {"study.strategy": "reference"}).config
    assert reference["study"]["strategy"] == "reference"
    with pytest.raises(SpaceError, match=r"unknown space 'seed' \(the design document's is "
                                         r"'reference'\)"):
        spaces.load_space("seed")
    for key in config.REFERENCE_KEYS:  # "seed" is a random seed only
        with pytest.raises(ConfigError, match=rf"{key}: 'seed' names no .*; the design "
                                              rf"document's is 'reference' \({key}: reference\)"):
            validate.resolve("tiny-bart", {key: "seed"})


def test_a_study_stored_with_the_space_named_seed_resumes():
    from workbench import validate
    from workbench.study.task import check_same_task, task_of

    cfg = validate.resolve("llama").config
    study = optuna.create_study(direction="maximize")
    study.set_user_attr("task", {**task_of(cfg), "search": {**task_of(cfg)["search"],
                                                            "space": "seed"}})
    check_same_task(study, cfg, "memory")  # the same task: no refusal
    other = validate.resolve("llama", {"search.space": "tiny"}).config
    with pytest.raises(ValueError, match=r"another config \(search.space differ\)"):
        check_same_task(study, other, "memory")


def test_root_found_from_module_not_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert spaces.load_space("recommended").name == "recommended"
    assert spaces.load_space("params/spaces/recommended.yaml").name == "recommended"
    with pytest.raises(SpaceError, match="not found"):
        spaces.load_space("params/spaces/missing.yaml")


# --------------------------------------------------------------------------- malformed spaces

# (YAML text, "group.key" the message must name, reason the message must contain)
MALFORMED = [
    (
        "training:\n  learning_rate: {type: float, low: 1.0e-3, high: 1.0e-6}",
        "training.learning_rate",
        "low (0.001) must be <= high (1e-06)",
    ),
    (
        "training:\n  learning_rate: {type: float, low: 0.0, high: 1.0e-3, log: true}",
        "training.learning_rate",
        "low must be > 0 when log: true",
    ),
    (
        "training:\n  learning_rate: {type: float, low: 1.0e-6, high: 1.0e-3, log: true,"
        " step: 1.0e-6}",
        "training.learning_rate",
        "step and log cannot be combined",
    ),
    (
        "training:\n  learning_rate: {type: double, low: 0.1, high: 1.0}",
        "training.learning_rate",
        "unknown type 'double'; use one of float, int, categorical",
    ),
    (
        "training:\n  learning_rate: {low: 0.1, high: 1.0}",
        "training.learning_rate",
        "type is required",
    ),
    (
        "training:\n  warmup_ratio: {type: float, low: 0.0, high: 0.2, step: 0}",
        "training.warmup_ratio",
        "step must be > 0",
    ),
    (
        "training:\n  warmup_ratio: {type: float, low: 0.0, high: 0.2, step: -0.05}",
        "training.warmup_ratio",
        "step must be > 0",
    ),
    (
        "training:\n  weight_decay: {type: float, low: 0.0, high: 0.3, step: 0.07}",
        "training.weight_decay",
        "high - low (0.3) is not a multiple of step (0.07)",
    ),
    (
        "model:\n  lora_r: {type: int, low: 4, high: 62, step: 4}",
        "model.lora_r",
        "high - low (58) is not a multiple of step (4)",
    ),
    (
        "model:\n  lora_r: {type: int, low: 4.5, high: 64}",
        "model.lora_r",
        "low must be an integer for type: int",
    ),
    (
        "model:\n  lora_r: {type: int, low: 4, high: 64.0}",
        "model.lora_r",
        "high must be an integer for type: int",
    ),
    (
        "model:\n  lora_r: {type: int, low: 4, high: 64, step: 2.0}",
        "model.lora_r",
        "step must be an integer for type: int",
    ),
    (
        "training:\n  learning_rate: {type: float, low: 1e-6, high: 1.0e-3, log: true}",
        "training.learning_rate",
        "low must be a number, got the string '1e-6'",
    ),
    (
        "training:\n  batch_size: {type: categorical}",
        "training.batch_size",
        "needs a non-empty choices list",
    ),
    (
        "training:\n  batch_size: {type: categorical, choices: []}",
        "training.batch_size",
        "needs a non-empty choices list",
    ),
    (
        "training:\n  batch_size: {type: categorical, choices: 8}",
        "training.batch_size",
        "needs a non-empty choices list",
    ),
    (
        "training:\n  batch_size: {type: categorical, choices: [4, 8, 8]}",
        "training.batch_size",
        "duplicate choice 8",
    ),
    (
        "training:\n  batch_size: {type: categorical, choices: [[4], [8]]}",
        "training.batch_size",
        "is not null, bool, int, float or str",
    ),
    (
        "training:\n  batch_size: {type: categorical, choices: [4, 8], low: 4}",
        "training.batch_size",
        "low does not apply to type: categorical",
    ),
    (
        "training:\n  warmup_ratio: {type: float, low: 0.0, high: 0.2, choices: [0.1]}",
        "training.warmup_ratio",
        "choices applies only to type: categorical",
    ),
    (
        "training:\n  warmup_ratio: {type: float, low: 0.0, high: 0.2, stpe: 0.05}",
        "training.warmup_ratio",
        "unknown key 'stpe'; allowed keys: type, low, high, step, log, choices, when, at_most",
    ),
    (
        "generation:\n  temperature: {type: float, low: 0.1, high: 1.0, when: {do_sampel: true}}",
        "generation.temperature",
        "when names unknown parameter 'do_sampel'",
    ),
    (
        "generation:\n  temperature: {type: float, low: 0.1, high: 1.0, when: do_sample}",
        "generation.temperature",
        "when must map another parameter to a value",
    ),
    (
        "generation:\n  temperature: {type: float, low: 0.1, high: 1.0,"
        " when: {do_sample: yes_please}}",
        "generation.temperature",
        "when do_sample = yes_please can never hold",
    ),
    (
        "generation:\n  min_new_tokens: {type: int, low: 20, high: 80, at_most: max_tokens}",
        "generation.min_new_tokens",
        "at_most names unknown parameter 'max_tokens'",
    ),
    (
        "generation:\n  min_new_tokens: {type: int, low: 20, high: 80, at_most: min_new_tokens}",
        "generation.min_new_tokens",
        "at_most cannot name the parameter itself",
    ),
    (
        "generation:\n  min_new_tokens: {type: int, low: 20, high: 80, at_most: do_sample}",
        "generation.min_new_tokens",
        "do_sample must be numeric",
    ),
    (
        "generation:\n  max_new_tokens: {type: int, low: 10, high: 200, step: 10}\n"
        "  min_new_tokens: {type: int, low: 20, high: 80, step: 10, at_most: max_new_tokens}",
        "generation.min_new_tokens",
        "max_new_tokens can be 10, below min_new_tokens's low 20",
    ),
    (
        "generation:\n  a_param: {type: int, low: 1, high: 5, at_most: b_param}\n"
        "  b_param: {type: int, low: 1, high: 5, at_most: a_param}",
        "generation.a_param",
        "circular when/at_most dependency: a_param -> b_param -> a_param",
    ),
    (
        "training:\n  num_epochs: {type: int, low: 1, high: 10}\n"
        "generation:\n  num_epochs: {type: int, low: 1, high: 10}",
        "generation.num_epochs",
        "already defined in group 'training'",
    ),
    (
        "training:\n  num_epochs: {type: int, low: 1, high: 10}\nfixed:\n  encoder_max_len: 1024",
        "fixed.encoder_max_len",
        "not a known parameter",
    ),
    (
        "training:\n  num_epochs: {type: int, low: 1, high: 10}\nfixed:\n  num_epochs: 3",
        "fixed.num_epochs",
        "also searched as training.num_epochs",
    ),
    (
        "training:\n  num_epochs: {type: int, low: 1, high: 10}\nfixed:\n  warmup_ratio: [0.1]",
        "fixed.warmup_ratio",
        "value must be null/bool/int/float/str",
    ),
    ("training:\n  num_epochs: 5", "training.num_epochs", "must be a mapping with a type"),
]


@pytest.mark.parametrize(
    ("text", "where", "reason"), MALFORMED, ids=[f"{w}:{r[:30]}" for _, w, r in MALFORMED]
)
def test_malformed_space_refused(tmp_path, text, where, reason):
    path = tmp_path / "broken.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(SpaceError) as err:
        spaces.load_space(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: {where}: "), msg
    assert reason in msg, msg


# (YAML text, reason) for errors that are about the whole file, not one parameter
MALFORMED_FILE = [
    ("- training\n- model", "expected a mapping of groups at the top level, got list"),
    ("", "the file is empty"),
    ("training:\n  num_epochs: {type: int, low: 1, high: [10\n", "invalid YAML at line"),
    ("training: [1, 2]", "training: a group must be a non-empty mapping of parameters"),
    (
        "training:\n  num_epochs: {type: int, low: 1, high: 10}\nfixed: [max_input_length]",
        "fixed: must be a mapping",
    ),
    (
        "training:\n  num_epochs: {type: int, low: 1, high: 10}\n"
        "  num_epochs: {type: int, low: 1, high: 5}",
        "duplicate key 'num_epochs'",
    ),
]


@pytest.mark.parametrize(("text", "reason"), MALFORMED_FILE)
def test_malformed_file_refused(tmp_path, text, reason):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpaceError) as err:
        spaces.load_space(str(path))
    msg = str(err.value)
    assert msg.startswith(f"{path}: "), msg
    assert reason in msg, msg


def test_valid_custom_space_may_refer_to_catalogue_params(tmp_path):
    path = tmp_path / "narrow.yaml"
    path.write_text(
        textwrap.dedent("""\
        generation:
          temperature: {type: float, low: 0.5, high: 1.0, step: 0.1, when: {do_sample: true}}
          min_new_tokens: {type: int, low: 20, high: 80, step: 10, at_most: max_new_tokens}
        fixed:
          do_sample: true
          max_new_tokens: 60
        """),
        encoding="utf-8",
    )
    space = spaces.load_space(path)
    returned = run(random_study(), list(space.params.values()), space.fixed, 50)
    assert all(0.5 <= v["temperature"] <= 1.0 for v in returned)
    assert {v["min_new_tokens"] for v in returned} <= {20, 30, 40, 50, 60}


def test_a_space_extends_another_redefining_some_params(tmp_path, reference):
    path = tmp_path / "cpu.yaml"
    path.write_text(textwrap.dedent("""\
        extends: reference
        cpu:
          learning_rate: {type: float, low: 1.0e-4, high: 3.0e-3, log: true}
        """), encoding="utf-8")
    space = spaces.load_space(path)
    assert set(space.params) == set(reference.params)
    lr = space.params["learning_rate"]
    assert (lr.group, lr.low, lr.high, lr.log) == ("cpu", 1e-4, 3e-3, True)
    assert space.params["num_beams"] == reference.params["num_beams"]
    assert space.fixed == reference.fixed
    tiny = spaces.load_space("tiny")
    assert (tiny.params["num_beams"].low, tiny.params["num_beams"].high) == (1, 4)


@pytest.mark.parametrize(("text", "reason"), [
    ("extends: [reference]\n", "extends: expected a space name"),
    ("extends: nope\n", "unknown space 'nope'"),
    ("extends: {self}\ng:\n  a: {{type: int, low: 1, high: 2}}\n", "spaces extend each other"),
])
def test_bad_extends_refused(tmp_path, text, reason):
    path = tmp_path / "loop.yaml"
    path.write_text(text.replace("{self}", str(path)).replace("{{", "{").replace("}}", "}"),
                    encoding="utf-8")
    with pytest.raises(spaces.SpaceError, match=reason):
        spaces.load_space(path)


# --------------------------------------------------------------------------- conditions


def test_conditions_hold_over_200_random_trials(reference):
    params = list(reference.params.values())
    study = random_study(seed=1)
    returned = run(study, params, {}, 200)
    for trial, values in zip(study.trials, returned, strict=True):
        assert trial.params == values
        sampling = trial.params["do_sample"]
        for name in SAMPLING:
            assert (name in trial.params) is sampling
        assert ("augmentation_strategy" in trial.params) is trial.params["use_augmentation"]
        assert trial.params["min_new_tokens"] <= trial.params["max_new_tokens"]
        assert trial.params["quantization"] in ("none", "8bit", "4bit")
        assert trial.params["model_name"] in MODELS
    # both branches were actually exercised
    assert {t.params["do_sample"] for t in study.trials} == {True, False}


def test_at_most_is_a_real_bound_not_a_clip(reference):
    params = spaces.select(reference, ["max_new_tokens", "min_new_tokens"])
    study = random_study(seed=2)
    study.enqueue_trial({"max_new_tokens": 50})
    run(study, params, {}, 30)
    first = study.trials[0]
    assert first.distributions["min_new_tokens"] == Int(20, 50, step=10)


@pytest.mark.parametrize(
    ("max_new_tokens", "allowed"),
    [(200, {20, 30, 40, 50, 60, 70, 80}), (55, {20, 30, 40, 50}), (20, {20})],
)
def test_at_most_against_fixed_value(reference, max_new_tokens, allowed):
    params = spaces.select(reference, ["min_new_tokens"])
    returned = run(random_study(), params, {"max_new_tokens": max_new_tokens}, 60)
    assert {v["min_new_tokens"] for v in returned} <= allowed
    if len(allowed) == 1:
        assert {v["min_new_tokens"] for v in returned} == allowed


def test_at_most_conflict_explained(reference):
    params = spaces.select(reference, ["min_new_tokens"])
    with pytest.raises(SpaceError, match="max_new_tokens is 10, below min_new_tokens's low 20"):
        spaces.suggest(random_study().ask(), params, {"max_new_tokens": 10})


@pytest.mark.parametrize("do_sample", [False, True])
def test_when_against_fixed_value(reference, do_sample):
    params = [p for p in spaces.select(reference, ["generation"]) if p.name != "do_sample"]
    study = random_study()
    run(study, params, {"do_sample": do_sample}, 50)
    for trial in study.trials:
        assert "do_sample" not in trial.params
        for name in SAMPLING:
            assert (name in trial.params) is do_sample


def test_when_on_param_neither_searched_nor_fixed(reference):
    params = spaces.select(reference, ["temperature"])
    with pytest.raises(SpaceError, match="'do_sample', which is neither searched nor fixed"):
        spaces.suggest(random_study().ask(), params, {})


def test_searched_value_wins_over_fixed(reference):
    params = spaces.select(reference, ["do_sample", "temperature"])
    study = random_study()
    study.enqueue_trial({"do_sample": True})
    run(study, params, {"do_sample": False}, 1)
    assert "temperature" in study.trials[0].params


def test_tpe_handles_conditions_and_moving_bound(reference):
    params = spaces.select(reference, ["generation"])
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=42, n_startup_trials=10))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(study, params, {}, 40)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


# --------------------------------------------------------------------------- enqueueing

LLAMA_LIKE = {  # the reference's llama_optimal, in this project's names, plus sampled-space values
    "model_name": "Bllossom/llama-3.2-Korean-Bllossom-3B",
    "lora_r": 16,
    "lora_alpha": 32,
    "lora_dropout": 0.05,
    "quantization": "4bit",
    "learning_rate": 2e-5,
    "batch_size": 8,
    "num_epochs": 3,
    "gradient_accumulation_steps": 8,
    "scheduler_type": "cosine",
    "warmup_ratio": 0.1,
    "weight_decay": 0.1,
    "label_smoothing": 0.0,
    "do_sample": False,
    "repetition_penalty": 1.1,
    "length_penalty": 1.0,
    "num_beams": 4,
    "max_new_tokens": 150,
    "min_new_tokens": 30,
    "max_input_length": 1024,
    "use_augmentation": False,
    "noise_removal_level": "moderate",
    "person_token_strategy": "keep_original",
    "temperature": 0.7,  # present in the config but inactive (do_sample false): not enqueued
    "max_grad_norm": 1.2,  # not a space parameter: ignored
}


def test_enqueue_makes_trial_zero_the_config(reference):
    params = list(reference.params.values())
    values, warns = spaces.enqueue_params(params, LLAMA_LIKE)
    assert warns == []
    expected = {
        k: v
        for k, v in LLAMA_LIKE.items()
        if k in reference.params and k not in SAMPLING + ("augmentation_strategy",)
    }
    assert values == expected
    study = random_study()
    study.enqueue_trial(values)
    returned = run(study, params, {}, 3)
    assert study.trials[0].params == expected
    assert returned[0] == expected
    assert study.trials[1].params != expected  # later trials are sampled


def test_enqueue_active_conditional_params(reference):
    config = {
        **LLAMA_LIKE,
        "do_sample": True,
        "top_p": 0.9,
        "top_k": 50,
        "use_augmentation": True,
        "augmentation_strategy": "paraphrase",
    }
    values, warns = spaces.enqueue_params(
        spaces.select(reference, ["generation", "preprocessing"]), config
    )
    assert warns == []
    assert values["temperature"] == 0.7 and values["top_p"] == 0.9 and values["top_k"] == 50
    assert values["augmentation_strategy"] == "paraphrase"


def test_enqueue_warns_and_keeps_or_drops(reference):
    config = {
        **LLAMA_LIKE,
        "num_epochs": 20,
        "batch_size": 6,
        "lora_dropout": 0.07,
        "min_new_tokens": 160,
        "quantization": None,
    }
    del config["label_smoothing"]
    params = spaces.select(reference, ["model", "training", "generation"])
    values, warns = spaces.enqueue_params(params, config)
    text = "\n".join(warns)
    assert values["num_epochs"] == 20 and "num_epochs=20 is outside the space's 1–10" in text
    assert "batch_size" not in values and "batch_size=6 is not one of the space's choices" in text
    assert "quantization" not in values and "quantization=null" in text
    assert values["lora_dropout"] == 0.07 and "off the space's step grid" in text
    assert "label_smoothing" not in values and "label_smoothing: the config has no value" in text
    assert values["min_new_tokens"] == 160 and "above max_new_tokens=150" in text
    study = random_study()
    study.enqueue_trial(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna warns about the out-of-range fixed values
        run(study, params, {}, 1)
    first = study.trials[0].params
    assert first["num_epochs"] == 20  # kept out of range
    assert first["batch_size"] in (4, 8, 16, 32)  # dropped -> sampled
    assert first["min_new_tokens"] == 160


def test_enqueue_normalizes_types(reference):
    params = spaces.select(reference, ["num_beams", "repetition_penalty", "do_sample"])
    values, warns = spaces.enqueue_params(
        params, {"num_beams": 4.0, "repetition_penalty": 1, "do_sample": 0}
    )
    assert values == {"num_beams": 4, "repetition_penalty": 1.0}
    assert type(values["num_beams"]) is int and type(values["repetition_penalty"]) is float
    assert any("do_sample=0 is not one of" in w for w in warns)  # 0 is not false here


# --------------------------------------------------------------------------- select / describe


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["generation"], REFERENCE_GROUPS["generation"]),
        (["model", "lora_r"], REFERENCE_GROUPS["model"]),
        (["model_name", "lora_r", "lora_alpha"], ["model_name", "lora_r", "lora_alpha"]),
        (
            ["learning_rate", "batch_size", "scheduler_type"],
            ["learning_rate", "batch_size", "scheduler_type"],
        ),
        (
            ["min_new_tokens", "learning_rate", "model_name"],  # file order, not call order
            ["model_name", "learning_rate", "min_new_tokens"],
        ),
        (["preprocessing", "do_sample"], ["do_sample"] + REFERENCE_GROUPS["preprocessing"]),
    ],
)
def test_select(reference, names, expected):
    assert [p.name for p in spaces.select(reference, names)] == expected


def test_select_unknown_name(reference):
    with pytest.raises(SpaceError) as err:
        spaces.select(reference, ["generation", "beam_size"])
    msg = str(err.value)
    assert "unknown group or parameter 'beam_size'" in msg
    assert "groups: model, training, generation, preprocessing" in msg
    assert "num_beams" in msg
    with pytest.raises(SpaceError, match="at least one"):
        spaces.select(reference, [])


def test_describe(reference, recommended):
    params = spaces.select(reference, ["generation"])
    rows = {
        r["name"]: r
        for r in spaces.describe(params, {"do_sample": False, **recommended.fixed}, reference)
    }
    assert rows["temperature"]["condition"] == "do_sample = true"
    assert rows["temperature"]["active"] is None  # decided by the sampled do_sample
    assert rows["min_new_tokens"]["condition"] == "≤ max_new_tokens"
    assert rows["min_new_tokens"]["range"] == "20–80" and rows["min_new_tokens"]["step"] == 10
    assert rows["do_sample"]["searched"] and rows["do_sample"]["value"] is False
    assert rows["num_beams"]["type"] == "int" and rows["num_beams"]["step"] is None
    fixed_row = rows["scheduler_type"]
    assert fixed_row["searched"] is False and fixed_row["value"] == "cosine"
    assert fixed_row["group"] == "training" and fixed_row["type"] == "categorical"
    assert list(rows)[: len(params)] == [p.name for p in params]
    lr = spaces.describe(spaces.select(reference, ["learning_rate"]), {})[0]
    assert lr["log"] is True and lr["range"] == "1e-06–0.001"
    # without do_sample searched, a fixed false settles the condition
    rows = spaces.describe(spaces.select(reference, ["temperature"]), {"do_sample": False})
    assert rows[0]["active"] is False and rows[1] == {
        **rows[1],
        "name": "do_sample",
        "searched": False,
        "value": False,
    }


def test_params_are_frozen(reference):
    with pytest.raises(AttributeError):
        reference.params["lora_r"].low = 1  # type: ignore[misc]
    assert math.isclose(reference.params["learning_rate"].low, 1e-6)
    assert Path(reference.path).name == "reference.yaml"
