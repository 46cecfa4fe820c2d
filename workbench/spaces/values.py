"""Small helpers on a space's values: how they compare (True is not 1) and how they read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _is_scalar(value: Any) -> bool:
    """Whether Optuna accepts this as a categorical choice (None/bool/int/float/str)."""
    return value is None or isinstance(value, (bool, int, float, str))


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps bools apart from ints (True != 1 here)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _text(value: Any) -> str:
    """YAML-ish text for a value: true/false/null, floats compact."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _choices_text(choices: Iterable[Any]) -> str:
    """E.g. '{4, 8, 16, 32}'."""
    return "{" + ", ".join(_text(c) for c in choices) + "}"


def _value_type(value: Any) -> str:
    """A describe() type for a fixed value with no Param to go on."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "categorical"
    return "int" if isinstance(value, int) else "float"
