"""A run's config resolved once: composed, its space loaded, its searched params selected,
and how its keys fit together checked, all before any work.

`workbench.config.compose` turns a preset into a typed config (every key known, of its type).
`resolve` here composes it, builds the `Resolved` (the config with its space and the params it
searches, the one place a run's space is loaded) and checks what spans sections and modules:
searched and fixed hyperparameters, the backend, the LLM settings, augmentation, objectives,
constraints and adaptive search. Every entry point (run-study, explore-space,
generation-tuning, analyze, the CLI and the benchmarks) resolves its config through `resolve`
here and hands the `Resolved` down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench import augment, backends, diversity, paths, spaces, tracking
from workbench import config as wconfig
from workbench.config import ConfigError, check_prompt_template
from workbench.strategies import adaptive, confirm, constraints, targets


@dataclass(frozen=True)
class Resolved:
    """A composed config, its search space and the params the run searches (the rest are
    fixed by the config's hparams)."""

    config: dict[str, Any]
    space: spaces.Space
    searched: list[spaces.Param]

    @classmethod
    def of(cls, config: dict[str, Any], space: spaces.Space | None = None) -> Resolved:
        """`config` with its space (`search.space`, with `model.candidates` as model_name's
        choices; loaded unless given) and the params `search.params` selects, groups expanded,
        in file order."""
        if space is None:
            space = spaces.load_space(config["search"]["space"],
                                      model_candidates=config["model"]["candidates"] or None)
        return cls(config, space, spaces.select(space, list(config["search"]["params"])))

    @property
    def names(self) -> list[str]:
        """The searched params' names, in the space's order."""
        return [p.name for p in self.searched]


def resolve(preset: str, overrides: Mapping[str, Any] | None = None) -> Resolved:
    """The full config of `preset` with `overrides`, with its space and searched params,
    checked as a whole (`check`)."""
    resolved = Resolved.of(*wconfig.compose_with_space(preset, overrides))
    check(resolved)
    return resolved


def check(resolved: Resolved) -> None:
    """Raise ConfigError (naming the key) for a config whose parts do not fit together."""
    config = resolved.config
    if config["model"]["backend"] not in backends.names():
        raise ConfigError(f"model.backend: {config['model']['backend']!r} is not one of "
                          f"{', '.join(backends.names())}")
    _check_counts(config)
    _check_search(resolved)
    _check_base(config)
    _check_llm(config)
    _check_positions(resolved)
    targets.check(config)
    diversity.check(config)
    constraints.check_limits(config)
    adaptive.check(config)
    confirm.check(config)
    tracking.check(config)


# Settings that must be a positive count (or a positive number) for a run to do any work.
_AT_LEAST_ONE = ("study.n_trials", "study.n_jobs", "hparams.num_epochs", "hparams.batch_size",
                 "hparams.gradient_accumulation_steps", "hparams.num_beams",
                 "hparams.max_new_tokens", "runtime.evals_per_epoch", "runtime.logging_steps")
_POSITIVE = ("hparams.learning_rate",)
# Optional limits: null means none, a value must be usable.
_OPTIONAL_AT_LEAST_ONE = {"data.max_train_samples": "all rows", "data.max_dev_samples": "all rows",
                          "data.select_dev_samples": "all dev rows"}
_OPTIONAL_POSITIVE = {"study.timeout": "no limit"}


def _get(config: Mapping[str, Any], dotted: str) -> Any:
    section, key = dotted.split(".")
    return config[section][key]


def _check_counts(config: Mapping[str, Any]) -> None:
    """Budgets, epochs, batches and caps that would run nothing (or fail every trial)."""
    for key in _AT_LEAST_ONE:
        if _get(config, key) < 1:
            raise ConfigError(f"{key}: must be >= 1, got {_get(config, key)}")
    for key in _POSITIVE:
        if _get(config, key) <= 0:
            raise ConfigError(f"{key}: must be > 0, got {_get(config, key)}")
    if config["study"]["workers"] < 0:
        raise ConfigError(f"study.workers: must be >= 0 (0: no worker processes), got "
                          f"{config['study']['workers']}")
    for key, none in _OPTIONAL_AT_LEAST_ONE.items():
        value = _get(config, key)
        if value is not None and value < 1:
            raise ConfigError(f"{key}: must be >= 1 (or null: {none}), got {value}")
    for key, none in _OPTIONAL_POSITIVE.items():
        value = _get(config, key)
        if value is not None and value <= 0:
            raise ConfigError(f"{key}: must be > 0 (or null: {none}), got {value}")


def _check_search(resolved: Resolved) -> None:
    """Searched and fixed hyperparameters must be usable before any work starts."""
    config, searched = resolved.config, resolved.searched
    hp = config["hparams"]
    augment.check_config(config, searched)  # its strategies extend the reference's choices
    catalogue = spaces.load_space(spaces.CATALOGUE,
                                  model_candidates=config["model"]["candidates"] or None)
    for name, value in hp.items():
        param = catalogue.params.get(name)
        if param is None or param.type != "categorical" or not isinstance(value, str):
            continue
        if name not in ("model_name", "augmentation_strategy") and value not in param.choices:
            raise ConfigError(
                f"hparams.{name}: {value!r} is not one of {', '.join(map(str, param.choices))}"
            )
    if hp["min_new_tokens"] > hp["max_new_tokens"]:
        raise ConfigError(
            f"hparams.min_new_tokens ({hp['min_new_tokens']}) must be <= max_new_tokens "
            f"({hp['max_new_tokens']})"
        )
    names = set(resolved.names)
    for i, entry in enumerate(config["study"]["warm_start"]):
        if not isinstance(entry, dict) or not set(entry) <= names:
            extra = sorted(set(entry) - names) if isinstance(entry, dict) else entry
            raise ConfigError(
                f"study.warm_start[{i}]: expected a mapping of searched parameters; "
                f"not searched: {extra}"
            )
    if config["model"]["name"] is None and config["model"]["architecture"] is None:
        raise ConfigError("model: set either model.name (a pretrained model) or model.architecture")
    if any(p.name == "model_name" for p in searched) and not config["model"]["candidates"]:
        raise ConfigError("search.params: model_name is searched but model.candidates is empty")


def _check_llm(config: Mapping[str, Any]) -> None:
    """The llm section: a usable prompt template, lists of names, a buildable causal model."""
    llm = config["llm"]
    check_prompt_template(llm["prompt_template"])
    for key in ("target_modules", "chat_special_tokens"):
        if not all(isinstance(x, str) and x for x in llm[key]):
            raise ConfigError(f"llm.{key}: expected a list of names, got {llm[key]!r}")
    if not llm["target_modules"]:
        raise ConfigError("llm.target_modules: name at least one linear layer (e.g. q_proj)")
    if llm["base_pretrain_epochs"] < 0:
        raise ConfigError(
            f"llm.base_pretrain_epochs: must be >= 0, got {llm['base_pretrain_epochs']}")
    arch = config["model"]["architecture"]
    backend = config["model"]["backend"]
    if backends.traits(backend).decoder_only and arch is not None and "model_type" not in arch:
        raise ConfigError(f"model.architecture: the {backend} backend needs model_type (e.g. "
                          "llama, qwen3) to build a model from a config")


def _check_positions(resolved: Resolved) -> None:
    """Fixed lengths the model's positions cannot hold (KoBART: 1026 tokens) are refused here;
    searched ones make a trial infeasible (`constraints.POSITIONS`). A model whose config
    cannot be read without the network is not checked: its availability is checked later."""
    config = resolved.config
    positions = constraints.positions_for(config, config["hparams"])
    if positions is None:
        return
    searched = set(resolved.names)
    if "model_name" in searched:
        return  # each trial's model has its own positions
    hp = config["hparams"]
    for keys in positions.overruns(hp):
        if searched.isdisjoint(keys):
            preset = paths.shown(paths.PRESETS / f"{config.get('preset')}.yaml")
            raise ConfigError(f"{preset}: hparams.{' + '.join(keys)}: "
                              f"{positions.why(keys, hp, named=False)}; lower "
                              f"{' or '.join(keys)} to fit {positions.limit} tokens")


def _check_base(config: Mapping[str, Any]) -> None:
    """`model.base`: a corpus size, and training settings that can train (when it is used)."""
    base = config["model"]["base"]
    if base["corpus_rows"] < 0:
        raise ConfigError(f"model.base.corpus_rows: must be >= 0 (0: no base), got "
                          f"{base['corpus_rows']}")
    if not base["corpus_rows"]:
        return
    for key, low in (("epochs", 0), ("learning_rate", 0)):
        if base[key] <= low:
            raise ConfigError(f"model.base.{key}: must be > {low}, got {base[key]}")
    for key in ("batch_size", "max_input_length", "max_target_length"):
        if base[key] < 1:
            raise ConfigError(f"model.base.{key}: must be >= 1, got {base[key]}")
    if not 0 <= base["warmup_ratio"] < 1:
        raise ConfigError(f"model.base.warmup_ratio: must be in [0, 1), got "
                          f"{base['warmup_ratio']}")
