"""The study runner: the objective, how trials are executed, the sampler and pruner, which
study a config belongs to, and the run's record and tables.

- `start`: the run-study notebook's entry point (`start_run`), parameters and stages;
- `run`: `StudyRun`, opening or resuming a study, running it, keeping the record;
- `objective`: one trial, from sampled config to dev ROUGE (augmentation, backend, best model);
- `execution`: threads, worker processes, freeing memory after each trial;
- `samplers`, `task`, `baselines`: sampler and pruner; study name, storage and task identity;
  the lead-2 floor;
- `tables`: the record's and the notebook's tables as pure functions of the record.
"""

from workbench.study.run import StudyRun
from workbench.study.start import start_run

__all__ = ["StudyRun", "start_run"]
