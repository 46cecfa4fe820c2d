"""Optuna hyperparameter studies for Korean dialogue summarization."""

import logging

__version__ = "0.1.0"

# On CPUs with AVX512-BF16, bitsandbytes tries to fetch an optional kernel from the Hub at import
# (transformers imports it) and warns when it can't; its own CPU fallback is used either way.
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
