"""Optuna hyperparameter studies for Korean dialogue summarization."""

__version__ = "0.1.0"
