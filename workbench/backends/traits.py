"""What a backend's model is, readable without importing the backend (torch): validation,
memory estimates and the tables need it before any model load. A backend class states its own
(`Backend.traits`); the registry (`workbench.backends`) holds the built-in backends' until they
are imported."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Traits:
    """A backend's model, in the facts other modules act on."""

    # A decoder-only LLM (prompt + answer, a LoRA adapter saved; model.architecture names its
    # model_type) rather than an encoder-decoder (a BART unless model.architecture says).
    decoder_only: bool = False
    # A model built from a config starts from the cached base of `model.base`.
    uses_base: bool = False


SEQ2SEQ = Traits(decoder_only=False, uses_base=True)
CAUSAL = Traits(decoder_only=True, uses_base=False)
