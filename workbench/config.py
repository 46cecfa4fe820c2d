"""Presets: defaults plus small overrides, composed into one typed config (`compose`).

Composition order: `params/defaults.yaml` < the search space's `fixed` values < the preset
(`params/presets/<name>.yaml`, after the preset it `extends`) < run overrides. Every key must
exist in the defaults and keep its type, so a typo fails loudly before any work (papermill only
warns on unknown parameters). A chat template named in `llm.chat_template` is read from
`params/chat_templates/<name>.jinja`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from workbench import paths, spaces
from workbench.study.samplers import PRUNERS, SAMPLERS

# The rules of `objective.guard` (workbench/diversity.py); each may be null (off).
GUARD_RULES = ("min_distinct_share", "max_top_share", "max_repetition", "min_length_ratio",
               "max_length_ratio")
# Overrides that turn the guard off, for runs that test machinery rather than a model's outputs.
GUARD_OFF = {f"objective.guard.{rule}": None for rule in GUARD_RULES}

# Keys that may be null (most are null by default), with the types they accept when set.
NULLABLE: dict[str, tuple[type, ...]] = {
    "model.name": (str,),
    "model.architecture": (dict,),
    "data.max_train_samples": (int,),
    "data.max_dev_samples": (int,),
    "data.select_dev_samples": (int,),
    "hparams.model_name": (str,),
    "study.timeout": (int, float),
    "study.storage": (str,),
    "study.study_name": (str,),
    "study.gpus": (str,),
    "study.warm_start_file": (str,),
    "study.warm_start_record": (str,),
    "study.stage": (str,),
    "study.strategy": (str,),
    "constraints.memory_limit_gib": (int, float),
    "constraints.slow_num_beams": (int,),
    "constraints.slow_max_new_tokens": (int,),
    "llm.chat_template": (str,),
    "llm.model_config": (dict,),
    "augment.to_pivot_model": (str,),
    "augment.from_pivot_model": (str,),
    "augment.source_lang": (str,),
    "augment.pivot_lang": (str,),
    "augment.paraphrase_model": (str,),
    **{f"objective.guard.{rule}": (int, float) for rule in GUARD_RULES},
}

CHOICES: dict[str, tuple[str, ...]] = {
    "study.sampler.name": tuple(SAMPLERS),
    "study.pruner.name": tuple(PRUNERS),
    "objective.metric": ("morpheme", "baseline"),
    "objective.tokenizer": ("mecab", "kiwi"),
    "objective.tags": ("whole", "split"),
    "llm.compute_dtype": ("float32", "bfloat16", "float16"),
    "llm.quant_type": ("nf4", "fp4"),
}

# Sampler and pruner settings sit under study.sampler / study.pruner with Optuna's argument
# names; a flat key of the same setting is refused with the key to write instead.
MOVED: dict[str, str] = {
    "study.tpe_n_startup_trials": "study.sampler.n_startup_trials",
    "study.tpe_n_ei_candidates": "study.sampler.n_ei_candidates",
    "study.tpe_multivariate": "study.sampler.multivariate",
    "study.nsga2_population_size": "study.sampler.population_size",
    "study.median_n_startup_trials": "study.pruner.n_startup_trials",
    "study.median_n_warmup_steps": "study.pruner.n_warmup_steps",
    "study.median_interval_steps": "study.pruner.interval_steps",
    "study.percentile": "study.pruner.percentile",
    "study.halving_min_resource": "study.pruner.min_resource",
    "study.halving_reduction_factor": "study.pruner.reduction_factor",
    "study.wilcoxon_p_threshold": "study.pruner.p_threshold",
}

# The user's design document is `reference` (docs/configuration.md): its space, strategy and
# stage plan. "seed" names only random seeds; these keys refuse it, naming `reference`.
REFERENCE_KEYS = {"search.space": "space", "study.strategy": "strategy",
                  "study.stage_plan": "stage plan"}

# What a preset name may be: a file name in params/presets/ without its .yaml, never a path.
PRESET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class ConfigError(ValueError):
    """A preset, override or parameter that cannot be used; the message names file and key."""


def load_yaml(path: Path) -> Any:
    """The YAML document in `path` (None when empty), or a ConfigError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{paths.shown(path)}: file not found") from None
    try:  # a key written twice would silently drop the first block
        data = yaml.load(text, Loader=spaces.UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{paths.shown(path)}: not valid YAML{at}: "
                          f"{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{paths.shown(path)}: not valid YAML: {exc}") from None
    return data


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from `path`, or a ConfigError naming the file."""
    data = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{paths.shown(path)}: must be a mapping, got {type(data).__name__}")
    return data


def list_presets() -> list[str]:
    """Names of the presets under params/presets/ (those `preset_file` accepts)."""
    return sorted(p.stem for p in paths.PRESETS.glob("*.yaml") if PRESET_NAME.fullmatch(p.stem))


# Why a YAML file under params/presets/ is no preset: `workbench presets` says it.
UNUSABLE_NAME = ("a preset name is ASCII letters, digits, '-', '_' and '.', starting with a "
                 "letter or digit (it names outputs/<preset>/ and the preset's study): rename "
                 "the file")


def unusable_presets() -> dict[str, str]:
    """YAML files under params/presets/ whose name is not a preset name, and why."""
    return {p.name: UNUSABLE_NAME for p in sorted(paths.PRESETS.glob("*.yaml"))
            if not PRESET_NAME.fullmatch(p.stem)}


def preset_file(name: str) -> Path:
    """The YAML file of preset `name`, or a ConfigError listing the available ones.

    A preset is a name, never a path: its study and records go under outputs/<name>/.
    """
    if isinstance(name, str) and f"{name}.yaml" in unusable_presets():
        raise ConfigError(f"preset {name!r}: {paths.shown(paths.PRESETS / f'{name}.yaml')} "
                          f"exists, but {UNUSABLE_NAME} (e.g. to my-preset.yaml)")
    if not isinstance(name, str) or not PRESET_NAME.fullmatch(name):
        raise ConfigError(
            f"preset {name!r}: a preset is a name (letters, digits, '-', '_', '.'), not a path; "
            f"available presets: {', '.join(list_presets())} (files in "
            f"{paths.shown(paths.PRESETS)}; copy your own YAML there to use it)"
        )
    path = paths.PRESETS / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"unknown preset {name!r}; available presets: {', '.join(list_presets())} "
            f"(files in {paths.shown(paths.PRESETS)})"
        )
    return path


def _type_name(types: tuple[type, ...]) -> str:
    return " or ".join("mapping" if t is dict else t.__name__ for t in types)


def _check_value(key: str, value: Any, default: Any, source: str) -> None:
    """Refuse a value whose type differs from the default's (ints are fine where floats are)."""
    if value is None:
        if default is None or key in NULLABLE:
            return
        raise ConfigError(f"{source}: {key}: may not be null (default {default!r})")
    if value == "seed" and key in REFERENCE_KEYS:
        raise ConfigError(f"{source}: {key}: 'seed' names no {REFERENCE_KEYS[key]}; the design "
                          f"document's is 'reference' ({key}: reference)")
    if default is None or key in NULLABLE:
        allowed = NULLABLE.get(key)
        if allowed is None or (isinstance(value, bool) and bool not in allowed):
            raise ConfigError(f"{source}: {key}: unexpected value {value!r}")
        if not isinstance(value, allowed):
            raise ConfigError(
                f"{source}: {key}: expected {_type_name(allowed)}, got {type(value).__name__} "
                f"{value!r}"
            )
        return
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ConfigError(
            f"{source}: {key}: expected {type(default).__name__}, got {type(value).__name__} "
            f"{value!r}"
        )
    if key in CHOICES and value not in CHOICES[key]:
        raise ConfigError(
            f"{source}: {key}: {value!r} is not one of {', '.join(CHOICES[key])}"
        )


def merge(base: dict[str, Any], override: Mapping[str, Any], source: str,
          schema: Mapping[str, Any] | None = None, prefix: str = "") -> dict[str, Any]:
    """`base` updated by `override`, refusing keys and types that `schema` (the defaults) lacks."""
    schema = base if schema is None else schema
    out = copy.deepcopy(base)
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if key not in schema:
            if dotted in MOVED:
                raise ConfigError(f"{source}: unknown key {dotted!r}: write {MOVED[dotted]!r} "
                                  "(sampler and pruner settings sit under study.sampler and "
                                  "study.pruner, by Optuna's argument names)")
            allowed = ", ".join(schema) or "(none)"
            raise ConfigError(f"{source}: unknown key {dotted!r}; allowed here: {allowed}")
        default = schema[key]
        if isinstance(default, dict) and dotted not in NULLABLE:
            if not isinstance(value, Mapping):
                named = (f"; a name goes in {dotted}.name ({dotted}.name: {value})"
                         if isinstance(value, str) and "name" in default else "")
                raise ConfigError(f"{source}: {dotted}: expected a mapping, got {value!r}{named}")
            out[key] = merge(base[key], value, source, default, f"{dotted}.")
        else:
            _check_value(dotted, value, default, source)
            out[key] = copy.deepcopy(value)
    return out


def unflatten(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """{'hparams.learning_rate': 1e-4} -> {'hparams': {'learning_rate': 1e-4}}."""
    nested: dict[str, Any] = {}
    for dotted, value in overrides.items():
        node = nested
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {dotted!r} conflicts with another override")
        node[leaf] = value
    return nested


def preset_layers(name: str, seen: tuple[str, ...] = ()) -> list[tuple[Path, dict[str, Any]]]:
    """A preset's file and values, after those of the preset it `extends` (if any)."""
    pfile = preset_file(name)
    data = read_yaml(pfile)
    base = data.pop("extends", None)
    if base is None:
        return [(pfile, data)]
    if not isinstance(base, str):
        raise ConfigError(f"{paths.shown(pfile)}: extends: expected a preset name, got {base!r}")
    if base in (*seen, name):
        chain = " -> ".join((*seen, name, base))
        raise ConfigError(f"{paths.shown(pfile)}: extends: presets extend each other ({chain})")
    return [*preset_layers(base, (*seen, name)), (pfile, data)]


def compose(preset: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The full config of `preset` with `overrides` (nested or dotted keys) applied over the
    defaults, the space's fixed values, the preset chain and the named strategy: every key
    known and of its type. `workbench.validate.resolve` composes it with its space and checks
    how the keys fit together."""
    return compose_with_space(preset, overrides)[0]


def compose_with_space(preset: str, overrides: Mapping[str, Any] | None = None,
                       ) -> tuple[dict[str, Any], spaces.Space]:
    """`compose`, with the search space it read the fixed values from: the config's own
    (`search.space`, `model.candidates` as model_name's choices; the strategy sets only study
    keys, so the composed config names the same space)."""
    defaults = read_yaml(paths.DEFAULTS)
    layers = preset_layers(preset)
    over = unflatten(overrides or {})

    def with_presets(base: dict[str, Any]) -> dict[str, Any]:
        for pfile, data in layers:
            base = merge(base, data, paths.shown(pfile), defaults)
        return base

    # The space is chosen by the preset or the overrides; its `fixed` values sit under them.
    # A named strategy (study.strategy) sets study keys over the preset's, under the overrides.
    probe = merge(with_presets(defaults), over, "overrides", defaults)
    strategy = strategy_settings(probe["study"]["strategy"])
    candidates = probe["model"]["candidates"] or None
    space = spaces.load_space(probe["search"]["space"], model_candidates=candidates)
    config = merge(defaults, {"hparams": dict(space.fixed)}, paths.shown(space.path))
    config = merge(with_presets(config), {"study": strategy}, paths.shown(paths.STRATEGIES),
                   defaults)
    config = merge(config, over, "overrides", defaults)
    config["llm"]["chat_template"] = chat_template(config["llm"]["chat_template"])
    config["preset"] = preset
    return config, space


# A chat template's name: a file name in params/chat_templates/ without its .jinja.
TEMPLATE_NAME = PRESET_NAME


def list_chat_templates() -> list[str]:
    """Names of the chat templates under params/chat_templates/."""
    return sorted(p.stem for p in paths.CHAT_TEMPLATES.glob("*.jinja")
                  if TEMPLATE_NAME.fullmatch(p.stem))


def chat_template(value: str | None) -> str | None:
    """The Jinja text of `llm.chat_template`: a name is read from
    params/chat_templates/<name>.jinja (without the file's final newline), anything else is
    the template itself, and null stays null (the tokenizer's own)."""
    if value is None or not TEMPLATE_NAME.fullmatch(value):
        return value
    path = paths.CHAT_TEMPLATES / f"{value}.jinja"
    if not path.is_file():
        raise ConfigError(f"llm.chat_template: unknown chat template {value!r}; available: "
                          f"{', '.join(list_chat_templates())} (files in "
                          f"{paths.shown(paths.CHAT_TEMPLATES)}), or write the Jinja template "
                          "itself")
    return path.read_text(encoding="utf-8").removesuffix("\n")




def strategy_settings(name: str | None) -> dict[str, Any]:
    """The study settings of a named strategy in params/strategies.yaml ({} for null)."""
    if name is None:
        return {}
    named = read_yaml(paths.STRATEGIES) or {}
    if name not in named:
        raise ConfigError(f"study.strategy: unknown strategy {name!r} "
                          f"({paths.shown(paths.STRATEGIES)}); allowed are "
                          f"{', '.join(named)}")
    settings = named[name]
    if "strategy" in settings:
        raise ConfigError(f"{paths.shown(paths.STRATEGIES)}: {name}: a strategy cannot name "
                          "another strategy")
    return settings


def check_prompt_template(template: str, where: str = "llm.prompt_template") -> None:
    """Refuse a user-message template without exactly one {dialogue} slot (or with others)."""
    import string

    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ConfigError(f"{where}: not a valid template ({exc}); write {{{{ and }}}} for "
                          "literal braces") from None
    others = sorted(set(fields) - {"dialogue"})
    if fields.count("dialogue") != 1 or others:
        extra = f" and other slot(s) {', '.join(others)}" if others else ""
        raise ConfigError(
            f"{where}: must hold exactly one {{dialogue}} slot and nothing else in braces; found "
            f"{fields.count('dialogue')} {{dialogue}} slot(s){extra} in {template!r}"
        )


def model_id(config: Mapping[str, Any]) -> str | None:
    """The pretrained model a trial uses: hparams.model_name when set, else model.name."""
    return config["hparams"]["model_name"] or config["model"]["name"]
