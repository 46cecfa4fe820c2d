"""Training backends, by the name a preset gives in `model.backend`.

Each backend is a `workbench.backends.base.Backend`; `make_backend` builds the one a config
names. The built-in ones are imported only when used (torch, transformers, peft are heavy);
`register` adds another (tests register a fake one).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.backends.base import Backend

Factory = Callable[[Mapping[str, Any], Mapping[str, Any]], "Backend"]
# Beside a LoRA adapter the causal backend saved: how to rebuild its base. Named here, where
# reading it costs no import of torch (predict and generation tuning check for it up front).
ADAPTER_META = "workbench-adapter.json"

# name -> a factory, or "module:attribute" of one, imported on first use
_REGISTRY: dict[str, Factory | str] = {
    "seq2seq": "workbench.backends.seq2seq:Seq2SeqBackend",
    "causal": "workbench.backends.causal:CausalBackend",
}


def register(name: str, factory: Factory | str) -> None:
    """Make `factory(config, splits)` the backend that `model.backend: name` builds."""
    _REGISTRY[name] = factory


def unregister(name: str) -> None:
    """Forget a registered backend (tests clean up after themselves)."""
    _REGISTRY.pop(name, None)


def names() -> list[str]:
    """The backend names a config may use."""
    return sorted(_REGISTRY)


def factory(name: str) -> Factory:
    """The factory registered as `name`, imported if it was registered by its dotted path."""
    try:
        found = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"model.backend: unknown backend {name!r}; "
                         f"known: {', '.join(names())}") from None
    if isinstance(found, str):
        module, _, attr = found.partition(":")
        found = getattr(importlib.import_module(module), attr)
    return found


def make_backend(config: Mapping[str, Any], splits: Mapping[str, Any]) -> Backend:
    """The training backend the config names (model.backend), built for these splits."""
    return factory(config["model"]["backend"])(config, splits)
