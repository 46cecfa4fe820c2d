"""The study runner: the objective, how trials are executed, the sampler and pruner, which
study a config belongs to, and the run's record and tables.

- `start`: the run-study notebook's entry point (`start_run`), parameters and stages;
- `run`: `StudyRun`, opening or resuming a study, running it, keeping the record;
- `view`: what the run-study notebook shows of a run (`StudyRun`'s tables and charts);
- `objective`: one trial, from sampled config to dev ROUGE (augmentation, backend, best model);
- `execution`: threads, worker processes, freeing memory after each trial;
- `samplers`, `task`, `baselines`: sampler and pruner; study name, storage and task identity;
  the lead-2 floor;
- `tables`: the record's and the notebook's tables as pure functions of the record.
"""

from __future__ import annotations

from typing import Any

__all__ = ["StudyRun", "start_run"]


def __getattr__(name: str) -> Any:
    """`StudyRun` and `start_run`, imported on first use: the CLI's checks before a run import
    `workbench.study.start` without the runner's trainer (torch, transformers, peft)."""
    if name == "StudyRun":
        from workbench.study.run import StudyRun

        return StudyRun
    if name == "start_run":
        from workbench.study.start import start_run

        return start_run
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
