"""Analysis of a finished (or running) study: the tables behind each chart, the charts, and the
export of the best parameters as a preset override file.

- `tables`: plain tables and dicts computed from a study (`state_counts`, `importance_table`,
  `common_params`, `pareto_table`, `best_trial`, ...), tested on their own;
- `draw`: the `draw_*` functions, which only turn a study or a table into a plotly figure
  (the run-study notebook's charts too, through `StudyRun`);
- `export`: the `{preset, overrides}` parameters file that `workbench rerun FILE` runs;
- `notebook`: the analyze notebook's `start_analysis` and `Analysis`, and the study it reads.

Every public name is importable from `workbench.analysis`.
"""

from workbench.analysis.draw import (
    SLICE_COLUMNS,
    draw_contour,
    draw_curves,
    draw_history,
    draw_importances,
    draw_parallel,
    draw_pareto,
    draw_slices,
)
from workbench.analysis.export import (
    EXPORT_FILE,
    best_overrides,
    flat_overrides,
    read_overrides,
    write_overrides,
)
from workbench.analysis.notebook import (
    ANALYZE_PARAMETERS,
    Analysis,
    StudyNotFound,
    load_study,
    start_analysis,
    study_source,
)
from workbench.analysis.tables import (
    COMMON_MAX_CV,
    COMMON_SHARE,
    DEFAULT_TARGET,
    MIN_COMPLETE,
    best_trial,
    common_params,
    common_table,
    completed,
    importance_table,
    infeasible,
    is_multi_objective,
    pareto_table,
    state_counts,
    table_records,
    target_names,
    too_few_trials,
    top_params,
    top_trials,
    trial_table,
)

__all__ = [
    "ANALYZE_PARAMETERS", "COMMON_MAX_CV", "COMMON_SHARE", "DEFAULT_TARGET", "EXPORT_FILE",
    "MIN_COMPLETE", "SLICE_COLUMNS", "Analysis", "StudyNotFound", "best_overrides",
    "best_trial", "common_params", "common_table", "completed", "draw_contour", "draw_curves",
    "draw_history", "draw_importances", "draw_parallel", "draw_pareto", "draw_slices",
    "flat_overrides", "importance_table", "infeasible", "is_multi_objective", "load_study",
    "pareto_table", "read_overrides", "start_analysis", "state_counts", "study_source",
    "table_records", "target_names", "too_few_trials", "top_params", "top_trials",
    "trial_table", "write_overrides",
]
