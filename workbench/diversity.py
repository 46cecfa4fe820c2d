"""How much an evaluation's predictions depend on their inputs, and the guard that calls an
evaluation degenerate.

ROUGE alone cannot tell a summarizer from a model that writes one fixed string for every
dialogue: a constant made of frequent tags and particles can beat lead-2 on the morpheme scale.
Every evaluation (each epoch of a training trial, each decoding-only trial) is therefore
measured here too, and an evaluation the guard (`objective.guard` in params/defaults.yaml)
calls degenerate is worth nothing to the study: its objective is 0, it is never a trial's best
epoch, and a trial with no healthy epoch is told to the sampler as infeasible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from workbench.config import ConfigError


@dataclass(frozen=True)
class Diversity:
    """Figures of one set of predictions (words are whitespace tokens)."""

    distinct_share: float  # distinct predictions / predictions
    top_share: float  # share of the predictions equal to the most common one
    top_count: int  # how many predictions equal the most common one
    length_ratio: float  # mean words per prediction / mean words per (first) reference
    repetition: float  # mean share of a prediction's word bigrams that repeat an earlier one

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def repeated_bigram_share(text: str) -> float:
    """Share of a text's word bigrams that already occurred earlier in it (0 for < 2 words)."""
    words = text.split()
    bigrams = list(zip(words, words[1:], strict=False))
    if not bigrams:
        return 0.0
    return 1.0 - len(set(bigrams)) / len(bigrams)


def measure(predictions: Sequence[str], references: Sequence[Any]) -> Diversity:
    """The diversity figures of `predictions` against their references (a string, or a list of
    strings of which the first counts for length)."""
    n = len(predictions)
    if n == 0:
        return Diversity(0.0, 0.0, 0, 0.0, 0.0)
    normalized = [" ".join(p.split()) for p in predictions]
    top_count = Counter(normalized).most_common(1)[0][1]
    firsts = [r if isinstance(r, str) else (r[0] if r else "") for r in references]
    ref_words = sum(len(r.split()) for r in firsts) / max(len(firsts), 1)
    pred_words = sum(len(p.split()) for p in normalized) / n
    return Diversity(
        distinct_share=len(set(normalized)) / n,
        top_share=top_count / n,
        top_count=top_count,
        length_ratio=pred_words / ref_words if ref_words else 0.0,
        repetition=sum(repeated_bigram_share(p) for p in normalized) / n,
    )


@dataclass(frozen=True)
class Guard:
    """When an evaluation is degenerate (`objective.guard`; a rule set to null is off)."""

    min_distinct_share: float | None
    max_top_share: float | None
    max_repetition: float | None
    min_length_ratio: float | None
    max_length_ratio: float | None

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Guard:
        g = config["objective"]["guard"]
        return cls(g["min_distinct_share"], g["max_top_share"], g["max_repetition"],
                   g["min_length_ratio"], g["max_length_ratio"])

    def reasons(self, d: Diversity) -> list[str]:
        """Why `d` is degenerate; empty when it is healthy."""
        out = []
        if self.min_distinct_share is not None and d.distinct_share < self.min_distinct_share:
            out.append(f"{d.distinct_share:.0%} distinct predictions "
                       f"(guard: >= {self.min_distinct_share:.0%})")
        # One repeat is not a pattern: the most common prediction must occur more than once.
        if self.max_top_share is not None and d.top_count > 1 and d.top_share > self.max_top_share:
            out.append(f"one prediction written for {d.top_share:.0%} of the dialogues "
                       f"(guard: <= {self.max_top_share:.0%})")
        if self.max_repetition is not None and d.repetition > self.max_repetition:
            out.append(f"{d.repetition:.0%} repeated word bigrams per prediction "
                       f"(guard: <= {self.max_repetition:.0%})")
        if self.min_length_ratio is not None and d.length_ratio < self.min_length_ratio:
            out.append(f"predictions {d.length_ratio:.2f}x the references' length "
                       f"(guard: >= {self.min_length_ratio:g}x)")
        if self.max_length_ratio is not None and d.length_ratio > self.max_length_ratio:
            out.append(f"predictions {d.length_ratio:.2f}x the references' length "
                       f"(guard: <= {self.max_length_ratio:g}x)")
        return out


def check(config: Mapping[str, Any]) -> None:
    """Refuse guard settings outside their ranges (`objective.guard.*`)."""
    g = config["objective"]["guard"]
    for key in ("min_distinct_share", "max_top_share", "max_repetition"):
        if g[key] is not None and not 0 <= g[key] <= 1:
            raise ConfigError(f"objective.guard.{key}: a share between 0 and 1 (or null for no "
                              f"rule), got {g[key]}")
    for key in ("min_length_ratio", "max_length_ratio"):
        if g[key] is not None and g[key] < 0:
            raise ConfigError(f"objective.guard.{key}: must be >= 0 (or null), got {g[key]}")
