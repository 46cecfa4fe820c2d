"""The sample generator's machinery shared by the scenarios: the split sizes and rates, the
slot-value loader (`slots/*.json`, read once), the shared name and day banks, the dialogue
builder `Dlg` and the scenario registry (`@scenario(topic)` fills `SCENARIOS`)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

SEED = 20240917
N_TRAIN, N_DEV, N_TEST = 432, 80, 80
NOISE_RATE = 0.07  # share of *train* dialogues that get realistic noise
TAGLESS_RATE = 0.16  # chance that a summary names speakers by role instead of #PersonN#
MAX_CHARS = 700  # hard cap on dialogue length (most are far shorter)


@cache
def load_slots(name: str) -> dict[str, Any]:
    """The slot values in `slots/<name>.json` (package data), read once per process. An array
    inside an array is a tuple (the banks' pairs and triples, `a, b = d.c(*PAIRS)`); any other
    array is a list."""
    text = resources.files("workbench.sample").joinpath("slots", f"{name}.json").read_text(
        encoding="utf-8")
    return {key: _values(value) for key, value in json.loads(text).items()}


def _values(value: Any, in_array: bool = False) -> Any:
    if isinstance(value, list):
        items = [_values(v, True) for v in value]
        return tuple(items) if in_array else items
    if isinstance(value, dict):
        return {k: _values(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------------
# Shared slot banks (slots/common.json)
# --------------------------------------------------------------------------------------------
_COMMON = load_slots("common")
GIVEN = _COMMON["GIVEN"]
SURNAMES = _COMMON["SURNAMES"]
DAYS = _COMMON["DAYS"]
WEEKDAYS = _COMMON["WEEKDAYS"]
DAY_TIMES = _COMMON["DAY_TIMES"]


# --------------------------------------------------------------------------------------------
# Dialogue builder
# --------------------------------------------------------------------------------------------
class Dlg:
    """Collects turns by role; roles become #Person1#, #Person2#, ... by order of appearance."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.turns: list[tuple[str, str]] = []
        self.labels: dict[str, str] = {}

    # random helpers
    def c(self, *options):
        return self.rng.choice(options)

    def p(self, prob: float) -> bool:
        return self.rng.random() < prob

    def k(self, seq, n: int) -> list:
        return self.rng.sample(list(seq), n)

    def n(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def given(self, n: int = 1):
        names = self.rng.sample(GIVEN, n)
        return names[0] if n == 1 else names

    def full(self) -> str:
        return self.c(*SURNAMES) + self.c(*GIVEN)

    def sur(self) -> str:
        return self.c(*SURNAMES)

    # building
    def roles(self, **labels: str) -> None:
        """Role labels used when a summary names speakers without #PersonN# tags."""
        self.labels.update(labels)

    def say(self, role: str, text: str) -> None:
        """Add a turn; a second consecutive turn by the same speaker is merged into the first."""
        if self.turns and self.turns[-1][0] == role:
            self.turns[-1] = (role, f"{self.turns[-1][1]} {text}")
        else:
            self.turns.append((role, text))

    def said(self, text: str) -> bool:
        """Whether ``text`` occurs in some turn (lets summaries mention only what was said)."""
        return any(text in t for _, t in self.turns)

    def order(self) -> list[str]:
        seen: list[str] = []
        for role, _ in self.turns:
            if role not in seen:
                seen.append(role)
        return seen


Summaries = Callable[[Callable[[str], str]], list[str]]
SCENARIOS: dict[str, list[Callable[[Dlg], Summaries]]] = {}


def scenario(topic: str):
    def deco(fn):
        SCENARIOS.setdefault(topic, []).append(fn)
        return fn

    return deco

