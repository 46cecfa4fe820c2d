"""What the run-study notebook shows of a run, one call per cell: its tables, read from the
record (`tables`), and its charts, drawn from the study by `workbench.analysis` as the analyze
notebook draws them. `StudyRun` takes these from `RunView`; running the study and keeping the
record stay in `run`.
"""

from __future__ import annotations

from typing import Any

import optuna
import pandas as pd

import workbench.study.tables as tables
from workbench import display, paths
from workbench.analysis.draw import draw_curves, draw_history, draw_importances, draw_pareto
from workbench.analysis.tables import importance_table, too_few_trials


class RunView:
    """The run-study notebook's tables and charts of a run. A mixin of `StudyRun`, whose
    `config`, `record`, `targets`, `warm_starts`, `folder`, `searched()` and `_studies()` it
    reads."""

    # ------------------------------------------------------------ tables, from the record

    def overview(self) -> pd.DataFrame:
        """What this run will do: preset, model, study settings and the searched parameters."""
        cfg = self.config
        lines = tables.overview_lines(cfg, self.targets, paths.shown(self.folder))
        for line in lines + self.strategy_lines():
            print(line)
        rows = tables.searched_rows(self.searched(), cfg["hparams"])
        frame = pd.DataFrame(rows).rename(columns={"value": "trial 0 (preset)"})
        return frame.set_index("name") if rows else frame

    def strategy_lines(self) -> list[str]:
        """One line per strategy this run uses beyond a plain study."""
        return tables.strategy_lines(self.config, self.record.data, len(self.warm_starts))

    def summary(self) -> pd.DataFrame:
        """Best trial against the preset's own config (trial 0) and the lead-2 baseline."""
        for line in tables.summary_lines(self.record.data, paths.shown(self.record.path)):
            display.say(line)  # plain papermill's terminal too: where the record is
        return pd.DataFrame(tables.summary_rows(self.record.data)).set_index("what")

    def pareto(self) -> pd.DataFrame | None:
        """The Pareto front of a multi-objective run as a table; None, silently, for a
        single-objective run (the notebook's heading says the section is for several)."""
        if not self.targets.multi:
            return None
        rows = tables.pareto_rows(self.record.data, self.targets.labels)
        if not rows:
            print("No completed, feasible trial yet.")
            return pd.DataFrame()
        return tables.table_of(rows).set_index("number")

    def trials_frame(self) -> pd.DataFrame:
        """The record's trials as a table (one row per trial)."""
        rows = tables.trial_rows(self.record.data, self.targets.labels)
        if not rows:
            return pd.DataFrame()
        frame = tables.table_of(rows)  # best_epoch 2, not 2.0, beside a pruned trial's none
        return frame.set_index(["study", "number"] if "study" in frame else "number")

    def versions(self) -> pd.DataFrame:
        """Package versions, git commit, machine and the trials' devices, from the record."""
        return pd.DataFrame(tables.version_rows(self.record.data)).set_index("what")

    # ------------------------------------------------------------ charts, from the study

    def _charted(self) -> optuna.Study:
        """The study the charts draw: the run's, or the first of an adaptive chain."""
        studies = self._studies()
        if not studies:
            raise RuntimeError("the run has no study yet: run.optimize() first")
        return studies[0]

    def history(self) -> Any:
        """Objective of every trial and the best so far (`analysis.draw_history`)."""
        return draw_history(self._charted())

    def curves(self) -> Any:
        """Each trial's dev ROUGE per evaluation: where pruned trials stopped."""
        return draw_curves(self._charted())

    def importances(self) -> Any | None:
        """Parameter importances as bars (`analysis.importance_table`); None, saying why, when
        nothing is ranked (below `analysis.MIN_COMPLETE` complete trials, or nothing varied)."""
        study = self._charted()
        table = importance_table(study)
        if table.empty:
            print(too_few_trials(study) or "No parameter varied: nothing to rank.")
        return draw_importances(table)

    def pareto_chart(self) -> Any | None:
        """The Pareto front of a multi-objective run; None, silently, for one objective."""
        return draw_pareto(self._charted())
