"""Infeasible configs: rejected before any model is built, and reported to the sampler.

The reference's two rules (`objective_with_constraints`): the estimated peak GPU memory of a trial
(`workbench.memory.estimate`, no weights loaded) above `constraints.memory_limit_gib` (on CUDA a
null limit is 90 % of the GPU's memory), and the "too slow" decoding rule, `num_beams >
slow_num_beams` together with `max_new_tokens > slow_max_new_tokens`. And one of ours: lengths
the model's position embeddings cannot hold (an input longer than KoBART's 1026 positions is
an IndexError on the CPU and a device-side assert on CUDA that fails every later trial of the
process); a fixed length is refused by `workbench.validate`, a searched one is this rule. Each
rule becomes one `trial.set_constraint(key, value)` (positive = violated, by how much), so TPE
and NSGA-II keep infeasible trials in their infeasible group; the runner then prunes the trial
with the reason in its user attrs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.config import ConfigError, model_id

MEMORY, TOO_SLOW, POSITIONS = "memory", "too_slow", "positions"
DEVICE_SHARE = 0.9  # on CUDA, a null memory_limit_gib is this share of the GPU's memory
GIB = 2**30

# The lengths whose sum must fit a model's positions, each sequence it runs: an encoder-decoder's
# input, its labels and its output apart; a causal model's prompt with its answer (the labels
# in training, the generated tokens in evaluation).
SEQ2SEQ_SEQUENCES = (("max_input_length",), ("max_target_length",), ("max_new_tokens",))
CAUSAL_SEQUENCES = (("max_input_length", "max_target_length"),
                    ("max_input_length", "max_new_tokens"))


@dataclass(frozen=True)
class Positions:
    """How many tokens a model's position embeddings hold, and what must fit in them."""

    limit: int
    sequences: tuple[tuple[str, ...], ...]
    model: str  # the model and where the limit is read, for messages

    def overruns(self, hp: Mapping[str, Any]) -> list[tuple[str, ...]]:
        """The hparams of each sequence that `hp` makes longer than the model's positions."""
        return [keys for keys in self.sequences if sum(hp[k] for k in keys) > self.limit]

    def why(self, keys: tuple[str, ...], hp: Mapping[str, Any], named: bool = True) -> str:
        """'max_input_length 1536 > the 1026 positions of <model>' (`named`: with the keys)."""
        sizes = " + ".join(f"{k} {hp[k]}" if named else str(hp[k]) for k in keys)
        total = f" = {sum(hp[k] for k in keys)}" if len(keys) > 1 else ""
        return f"{sizes}{total} > the {self.limit} positions of {self.model}"

    def margin(self, hp: Mapping[str, Any]) -> float:
        """The constraint value: tokens over the limit of the longest sequence (<= 0 fits)."""
        return float(max(sum(hp[k] for k in keys) for keys in self.sequences) - self.limit)


def positions_of(model_config: Any, name: str) -> Positions | None:
    """The positions of a HF model config (None when it declares no limit, e.g. T5's relative
    positions). BART's learned positions hold max_position_embeddings tokens (transformers adds
    its offset of 2 to the embedding, so KoBART's 1026 hold 1026); rotary ones (Llama, Qwen)
    are trained up to max_position_embeddings."""
    limit = getattr(model_config, "max_position_embeddings", None)
    if not isinstance(limit, int) or limit <= 0:
        return None
    seq2seq = bool(getattr(model_config, "is_encoder_decoder", False))
    return Positions(limit, SEQ2SEQ_SEQUENCES if seq2seq else CAUSAL_SEQUENCES,
                     f"{name} ({model_config.model_type}: max_position_embeddings {limit})")


def positions_for(config: Mapping[str, Any], hp: Mapping[str, Any]) -> Positions | None:
    """The positions of a trial's model, from its config alone (model.architecture,
    llm.model_config or the local HF cache; never the network, never the weights). None when
    the config cannot be read here: a model that is not available is refused elsewhere.
    A config that states max_position_embeddings is read as it is written (`declared_config`);
    transformers builds the config only for one that leaves it to the model type's default."""
    cfg = {**config, "hparams": dict(hp)}
    declared = declared_config(cfg)
    if declared is None:
        return None
    limit = declared.get("max_position_embeddings")
    from workbench import backends

    # an encoder-decoder built from a config is a BART, as memory.model_config_of builds it
    seq2seq = not backends.traits(config["model"]["backend"]).decoder_only
    kind = declared.get("model_type", "bart" if seq2seq and model_id(cfg) is None else None)
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 and kind:
        seq2seq = bool(declared.get("is_encoder_decoder", seq2seq))
        return Positions(limit, SEQ2SEQ_SEQUENCES if seq2seq else CAUSAL_SEQUENCES,
                         f"{model_id(cfg) or 'the model built from model.architecture'} "
                         f"({kind}: max_position_embeddings {limit})")
    from workbench import memory

    try:
        model_config = memory.model_config_of(cfg, local_only=True)
    except ConfigError:
        raise
    except (OSError, ValueError, RuntimeError):  # not cached (ModelUnavailable), not a Hub id
        return None
    return positions_of(model_config, model_id(cfg) or "the model built from model.architecture")


def declared_config(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The model config's keys as the workbench config or the model's config.json states them
    (the sources `memory.model_config_of` reads, in its order), without transformers; None for
    a named model that is neither a local folder nor in the local HF cache."""
    import json
    from pathlib import Path

    name = model_id(config)
    if name is None:
        return dict(config["model"]["architecture"] or {})
    given = config["llm"]["model_config"]
    if given and not config["hparams"]["model_name"]:
        return dict(given)
    file: Any = Path(name) / "config.json"
    if not Path(name).is_dir():
        import huggingface_hub

        try:
            file = huggingface_hub.try_to_load_from_cache(name, "config.json")
        except ValueError:  # not a Hub id: a folder that does not exist
            return None
        if not isinstance(file, str):
            return None
    try:
        read = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return read if isinstance(read, dict) else None


def device_memory_limit(config: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """A null memory_limit_gib on CUDA: 90 % of the GPU's total memory (the first this process
    sees: a worker's own GPU), and what it was derived from. Off on the CPU."""
    import torch

    if config["runtime"]["use_cpu"] or not torch.cuda.is_available():
        return None, None
    props = torch.cuda.get_device_properties(0)
    total = props.total_memory / GIB
    return (round(DEVICE_SHARE * total, 2),
            f"{DEVICE_SHARE:.0%} of {props.name}'s {total:.2f} GiB (memory_limit_gib is null)")


@dataclass(frozen=True)
class Limits:
    """The constraint settings of a run (None = that rule is off)."""

    memory_gib: float | None
    slow_num_beams: int | None
    slow_max_new_tokens: int | None
    memory_derived: str | None = None  # how a memory limit the config left null was derived
    positions: Positions | None = None  # the model's; None when its config cannot be read

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Limits:
        c = config["constraints"]
        memory, derived = c["memory_limit_gib"], None
        if memory is None:
            memory, derived = device_memory_limit(config)
        return cls(memory, c["slow_num_beams"], c["slow_max_new_tokens"], derived,
                   positions_for(config, config["hparams"]))

    @property
    def slow_rule(self) -> bool:
        return self.slow_num_beams is not None and self.slow_max_new_tokens is not None

    @property
    def active(self) -> bool:
        return self.memory_gib is not None or self.slow_rule or self.positions is not None

    def as_dict(self) -> dict[str, Any]:
        return {"memory_limit_gib": self.memory_gib,
                "memory_limit_derived": self.memory_derived,
                "too_slow": {"num_beams_above": self.slow_num_beams,
                             "max_new_tokens_above": self.slow_max_new_tokens}
                if self.slow_rule else None,
                "positions": {"limit": self.positions.limit, "model": self.positions.model}
                if self.positions is not None else None}


def check_limits(config: Mapping[str, Any]) -> None:
    """Refuse limits that cannot mean anything (before any work starts)."""
    c = config["constraints"]
    if c["memory_limit_gib"] is not None and c["memory_limit_gib"] <= 0:
        raise ConfigError(f"constraints.memory_limit_gib: must be > 0 GiB (or null for no limit),"
                          f" got {c['memory_limit_gib']}")
    for key in ("slow_num_beams", "slow_max_new_tokens"):
        if c[key] is not None and c[key] < 0:
            raise ConfigError(f"constraints.{key}: must be >= 0 (or null to turn the too-slow "
                              f"rule off), got {c[key]}")


@dataclass
class Verdict:
    """One trial's constraint values (positive = violated) and why it is infeasible, if it is."""

    values: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    estimate: Any = None  # the MemoryEstimate, when one was computed
    seconds: float = 0.0

    @property
    def feasible(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.reasons.items())


def estimate_for(config: Mapping[str, Any], hp: Mapping[str, Any]) -> Any:
    """The memory model for a trial's hyperparameters (a sampled model_name included)."""
    from workbench import memory

    return memory.estimate({**config, "hparams": dict(hp)}, hp)


def evaluate(config: Mapping[str, Any], hp: Mapping[str, Any], limits: Limits,
             need_estimate: bool = False) -> Verdict:
    """Check a trial's hyperparameters against the limits; no model is built."""
    start = time.perf_counter()
    verdict = Verdict()
    if limits.memory_gib is not None or need_estimate:
        verdict.estimate = estimate_for(config, hp)
    if limits.memory_gib is not None:  # the larger of the training and the evaluation peak
        est = verdict.estimate
        peak = est.overall_peak_gib
        verdict.values[MEMORY] = peak - limits.memory_gib
        if peak > limits.memory_gib:
            where = "evaluation" if est.eval_peak_bytes > est.peak_bytes else "training"
            verdict.reasons[MEMORY] = (
                f"estimated peak memory {peak:.3f} GiB in {where} (training {est.peak_gib:.3f}, "
                f"evaluation {est.eval_peak_gib:.3f} GiB at runtime.eval_batch_size "
                f"{config['runtime']['eval_batch_size']} x {hp['num_beams']} beams) > limit "
                f"{limits.memory_gib:g} GiB")
    positions = limits.positions
    if positions is not None and hp.get("model_name") != config["hparams"]["model_name"]:
        positions = positions_for(config, hp)  # a searched model: its own positions
    if positions is not None:
        verdict.values[POSITIONS] = positions.margin(hp)
        overruns = positions.overruns(hp)
        if overruns:
            verdict.reasons[POSITIONS] = "; ".join(positions.why(k, hp) for k in overruns)
    if limits.slow_rule:
        beams_over = hp["num_beams"] - limits.slow_num_beams
        tokens_over = hp["max_new_tokens"] - limits.slow_max_new_tokens
        verdict.values[TOO_SLOW] = float(min(beams_over, tokens_over))
        if beams_over > 0 and tokens_over > 0:
            verdict.reasons[TOO_SLOW] = (
                f"num_beams {hp['num_beams']} > {limits.slow_num_beams} with max_new_tokens "
                f"{hp['max_new_tokens']} > {limits.slow_max_new_tokens}")
    verdict.seconds = time.perf_counter() - start
    return verdict


def summary(trials: list[Any]) -> dict[str, Any]:
    """How many trials were infeasible and why (by rule), from the trials' user attrs."""
    by_rule: dict[str, int] = {}
    numbers = []
    for t in trials:
        rules = t.user_attrs.get("infeasible_rules")
        if not rules:
            continue
        numbers.append(t.number)
        for rule in rules:
            by_rule[rule] = by_rule.get(rule, 0) + 1
    return {"count": len(numbers), "by_rule": by_rule, "trials": numbers}
