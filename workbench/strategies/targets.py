"""What a study optimizes: dev ROUGE alone, or ROUGE against inference time and model size.

`objective.targets` names the objectives; more than one makes a multi-objective study whose
result is a Pareto front (`study.best_trials`). Optuna cannot prune such a study. Inference
time is measured on the dev split (one dialogue at a time, warm-up passes first, then the
median of repeated passes); model size is the model's total parameter count, exact from its
module tree (`workbench.memory`), with LoRA adapters left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna

from workbench import metrics
from workbench.config import ConfigError

# name -> (direction, label shown in records and charts)
TARGETS: dict[str, tuple[str, str]] = {
    "rouge": ("maximize", "dev ROUGE"),
    "inference_time": ("minimize", "inference s/dialogue"),
    "model_size": ("minimize", "model size (M params)"),
}
MULTI = "multi"  # shorthand for all three
PRUNING_NOTE = ("not available: Optuna does not prune multi-objective studies (Trial.report is "
                "single-objective only); every trial trains for all its epochs")


def parse(text: str | Sequence[str]) -> list[str]:
    """Objective names from a notebook/CLI value: 'rouge', 'multi' or 'rouge,inference_time'."""
    if isinstance(text, str):
        names = [n.strip() for n in text.split(",") if n.strip()]
        if names == [MULTI]:
            return list(TARGETS)
    else:
        names = list(text)
    return names


def check(config: Mapping[str, Any]) -> None:
    """`objective.targets`: known names, each once, ROUGE first; timing settings usable."""
    names = config["objective"]["targets"]
    where = "objective.targets"
    unknown = [n for n in names if n not in TARGETS]
    if unknown or not names:
        raise ConfigError(f"{where}: {unknown or names!r}: choose from {', '.join(TARGETS)} "
                          f"(or '{MULTI}' for all three), ROUGE first")
    if names[0] != "rouge" or len(set(names)) != len(names):
        raise ConfigError(f"{where}: {names!r}: ROUGE comes first and each objective once, "
                          "e.g. [rouge, inference_time, model_size]")
    obj = config["objective"]
    for key, low in (("timing_samples", 1), ("timing_warmup", 0), ("timing_repeats", 1)):
        if obj[key] < low:
            raise ConfigError(f"objective.{key}: must be >= {low}, got {obj[key]}")


@dataclass(frozen=True)
class Targets:
    """The objectives of one study, in order."""

    names: tuple[str, ...]

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Targets:
        return cls(tuple(config["objective"]["targets"]))

    @property
    def multi(self) -> bool:
        return len(self.names) > 1

    @property
    def directions(self) -> list[str]:
        return [TARGETS[n][0] for n in self.names]

    @property
    def labels(self) -> list[str]:
        return [TARGETS[n][1] for n in self.names]

    def describe(self, config: Mapping[str, Any]) -> list[dict[str, Any]]:
        """One entry per objective for the record: name, direction and what exactly it measures."""
        obj = config["objective"]
        what = {
            "rouge": (f"dev ROUGE, {metrics.describe_scale(obj)}, 100 x mean(R1,R2,RL F1), "
                      "best epoch"),
            "inference_time": (
                f"seconds per dialogue to generate a summary with the trial's decoding settings: "
                f"the first {obj['timing_samples']} dev dialogues one at a time (batch 1), "
                f"{obj['timing_warmup']} untimed warm-up pass(es), then the median of "
                f"{obj['timing_repeats']} timed passes"),
            "model_size": ("total parameters of the model, in millions, counted exactly from "
                           "its module tree (LoRA adapters not counted)"),
        }
        return [{"name": n, "direction": TARGETS[n][0], "label": TARGETS[n][1],
                 "measures": what[n]} for n in self.names]


def values_of(targets: Targets, rouge: float, extra: Mapping[str, Any],
              total_params: int | None) -> list[float]:
    """The trial's objective values in the study's order."""
    out = []
    for name in targets.names:
        if name == "rouge":
            out.append(rouge)
        elif name == "inference_time":
            if "inference_s_per_dialogue" not in extra:
                raise RuntimeError("the training backend did not measure inference time (its "
                                   "train_and_evaluate has no timing hook)")
            out.append(float(extra["inference_s_per_dialogue"]))
        else:
            out.append(round(total_params / 1e6, 6))
    return out


def dominates(a: Sequence[float], b: Sequence[float], directions: Sequence[str]) -> bool:
    """Whether values `a` are at least as good as `b` everywhere and better somewhere."""
    sign = [1.0 if d == "maximize" else -1.0 for d in directions]
    better_or_equal = all(s * x >= s * y for s, x, y in zip(sign, a, b, strict=True))
    return better_or_equal and any(s * x > s * y for s, x, y in zip(sign, a, b, strict=True))


def directions_of(study: optuna.Study) -> list[str]:
    return [d.name.lower() for d in study.directions]
