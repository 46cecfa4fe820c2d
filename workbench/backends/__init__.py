"""Backends, by the name a preset gives in `model.backend`: each trains one model per trial and
loads a trained one for inference.

Each backend is a `workbench.backends.base.Backend`; `make_backend` builds the one a config
names for a study, and its `load` gives the `Predictor` that generation tuning and predict use.
The built-in ones are imported only when used (torch, transformers, peft are heavy); what the
rest of the workbench may know of a backend without importing it is its `Traits`. `register`
adds another (tests register a fake one).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from workbench.backends.traits import CAUSAL, SEQ2SEQ, Traits

if TYPE_CHECKING:
    from workbench.backends.base import Backend

Factory = Callable[[Mapping[str, Any], Mapping[str, Any]], "Backend"]
# Beside a LoRA adapter the causal backend saved: how to rebuild its base. Named here, where
# reading it costs no import of torch (predict and generation tuning check for it up front).
ADAPTER_META = "workbench-adapter.json"


# name -> a factory, or "module:attribute" of one, imported on first use; and its traits
_REGISTRY: dict[str, Factory | str] = {
    "seq2seq": "workbench.backends.seq2seq:Seq2SeqBackend",
    "causal": "workbench.backends.causal:CausalBackend",
}
_TRAITS: dict[str, Traits] = {"seq2seq": SEQ2SEQ, "causal": CAUSAL}


def register(name: str, factory: Factory | str, traits: Traits | None = None) -> None:
    """Make `factory(config, splits)` the backend that `model.backend: name` builds. `traits`:
    what its model is (default: the factory's own `traits`, else those of `Traits()`)."""
    _REGISTRY[name] = factory
    if traits is None and not isinstance(factory, str):
        traits = getattr(factory, "traits", None)
    _TRAITS[name] = traits or Traits()


def unregister(name: str) -> None:
    """Forget a registered backend (tests clean up after themselves)."""
    _REGISTRY.pop(name, None)
    _TRAITS.pop(name, None)


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


def traits(name: str) -> Traits:
    """What the model of backend `name` is, without importing the backend."""
    if name not in _REGISTRY:
        factory(name)  # says which names are known
    return _TRAITS[name]


def predicts(name: str) -> bool:
    """Whether backend `name` loads a trained model for inference (`Backend.load`), so that
    generation tuning and predict can use it; a backend that only trains does not."""
    from workbench.backends.base import Backend

    load = getattr(factory(name), "load", None)
    return load is not None and getattr(load, "__func__", None) is not Backend.load.__func__


def make_backend(config: Mapping[str, Any], splits: Mapping[str, Any]) -> Backend:
    """The training backend the config names (model.backend), built for these splits."""
    return factory(config["model"]["backend"])(config, splits)
