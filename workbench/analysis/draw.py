"""The charts of a study, for the analyze and run-study notebooks: Optuna's plotly figures
(history, per-evaluation curves, parallel coordinates, slices, contour, Pareto front) and the
importance table as bars. Drawing only: what a chart ranks or counts comes from `tables`.
"""

from __future__ import annotations

import math
from typing import Any

import optuna
import pandas as pd

from workbench.analysis.tables import (
    completed,
    importance_table,
    is_multi_objective,
    target_names,
    too_few_trials,
)


def _target(study: optuna.Study) -> tuple[Any, str]:
    names = target_names(study)
    if is_multi_objective(study):
        return (lambda t: t.values[0]), names[0]
    return None, names[0]


def draw_history(study: optuna.Study) -> Any:
    """Objective of every trial and the best so far (first objective when several)."""
    target, name = _target(study)
    fig = optuna.visualization.plot_optimization_history(study, target=target, target_name=name)
    return fig.update_layout(height=380)


def draw_curves(study: optuna.Study) -> Any:
    """Each dev evaluation's ROUGE of every trial (one per epoch unless
    runtime.evals_per_epoch says more): where pruned trials stopped. The legend names each
    line's trial and how it ended (Optuna's own figure has none)."""
    fig = optuna.visualization.plot_intermediate_values(study)
    names = {f"Trial{t.number}": f"trial {t.number} ({t.state.name.lower()})"
             for t in study.get_trials(deepcopy=False)}
    fig.for_each_trace(lambda line: line.update(name=names.get(line.name, line.name)))
    per_epoch = max((t.user_attrs.get("evals_per_epoch", 1) for t in study.get_trials(
        deepcopy=False)), default=1)  # runtime.evals_per_epoch: the steps are evaluations
    axis = "epoch" if per_epoch == 1 else f"evaluation ({per_epoch} per epoch)"
    return fig.update_layout(height=380, xaxis_title=axis, yaxis_title="dev ROUGE",
                             showlegend=True, legend_title_text="trial")


def draw_importances(table: pd.DataFrame) -> Any | None:
    """The importance table as bars, most important on top; None when it is empty (the
    table's own cell says why)."""
    import plotly.graph_objects as go

    if table.empty:
        return None
    ordered = table.sort_values("importance")
    fig = go.Figure(go.Bar(x=ordered["importance"], y=list(ordered.index), orientation="h",
                           text=[f"{v:.2f}" for v in ordered["importance"]],
                           textposition="outside"))
    return fig.update_layout(title="Hyperparameter Importances", xaxis_title="importance",
                             height=max(260, 80 + 28 * len(table)))


def draw_parallel(study: optuna.Study, params: list[str] | None = None) -> Any | None:
    """Parallel coordinates of the completed trials over `params` (all when None)."""
    if not completed(study):
        print("No completed trials yet.")
        return None
    target, name = _target(study)
    fig = optuna.visualization.plot_parallel_coordinate(study, params=params, target=target,
                                                         target_name=name)
    return fig.update_layout(height=420)


def draw_slices(study: optuna.Study, params: list[str]) -> Any | None:
    """Objective against each of `params` (`top_params`: the most important ones, else every
    searched one), in that order, `SLICE_COLUMNS` to a row (Optuna puts every one in a single
    row, sorted by name: ten searched parameters made a chart 3000 px wide)."""
    if not completed(study) or not params:
        print("No completed trials with parameters yet.")
        return None
    target, name = _target(study)
    fig = optuna.visualization.plot_slice(study, params=params, target=target, target_name=name)
    ranked = not too_few_trials(study) and not importance_table(study).empty
    which = (f"the {len(params)} most important parameter{'s' if len(params) > 1 else ''}"
             if ranked else "every searched parameter (too few complete trials to rank them)")
    rows = _slice_grid(fig, params, name)
    return fig.update_layout(height=80 + 300 * rows, title=f"Slice Plot of {which}")


SLICE_COLUMNS = 4  # slice subplots per row


def _slice_grid(fig: Any, params: list[str], target_name: str) -> int:
    """Move Optuna's slice subplots (one row, by name) to rows of `SLICE_COLUMNS` in the order
    of `params`, the first of each row with the objective's axis; returns the rows."""
    if len(params) < 2:
        return 1
    rows = math.ceil(len(params) / SLICE_COLUMNS)
    columns = min(len(params), SLICE_COLUMNS)
    for k in range(1, len(params) + 1):
        x_axis = fig.layout["xaxis" if k == 1 else f"xaxis{k}"]
        y_axis = fig.layout["yaxis" if k == 1 else f"yaxis{k}"]
        row, col = divmod(params.index(x_axis.title.text), columns)
        x_axis.domain = [col / columns + 0.02, (col + 1) / columns - 0.02]
        below = 0.18 / rows if row < rows - 1 else 0.0  # room for the x axis' title
        y_axis.domain = [1 - (row + 1) / rows + below, 1 - row / rows]
        y_axis.update(showticklabels=col == 0, title_text=target_name if col == 0 else None)
    fig.update_layout(width=None)
    return rows


def draw_contour(study: optuna.Study, params: list[str]) -> Any | None:
    """Contour of the objective over the two most important of `params`: one chart large
    enough to read (a grid of every pair is not), from `MIN_COMPLETE` complete trials."""
    reason = too_few_trials(study, "A contour plot")
    if reason or len(params) < 2:
        print(reason or "A contour plot needs two searched parameters.")
        return None
    target, name = _target(study)
    fig = optuna.visualization.plot_contour(study, params=list(params[:2]), target=target,
                                            target_name=name)
    return fig.update_layout(height=520, title=f"Contour Plot of {name} over {params[0]} and "
                             f"{params[1]} (dots: trials)")


def draw_pareto(study: optuna.Study) -> Any | None:
    """The Pareto front of a multi-objective study; None, silently, for one objective (the
    notebooks' Pareto sections say they are for several)."""
    if not is_multi_objective(study):
        return None
    if not completed(study):
        print("No completed trials yet.")
        return None
    fig = optuna.visualization.plot_pareto_front(study, target_names=target_names(study))
    return fig.update_layout(height=420)
