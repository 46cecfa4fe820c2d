"""Figures for the notebooks, drawn with Optuna's plotly visualizations.

`setup_notebook` picks a plotly renderer that embeds plotly.js, so executed records and the
HTML rendered from them show their charts offline (plotly 7's default emits only its
mimetype, which nbconvert drops).
"""

from __future__ import annotations

from typing import Any

import optuna

OFFLINE_RENDERER = "plotly_mimetype+notebook"


def setup_notebook() -> None:
    """Embed plotly.js in notebook outputs, keep library logs quiet, show tables whole (every
    row, column and cell: a reason or a Korean summary is not cut at 50 characters; the HTML
    report scrolls wide tables) and end a failed run with a short error (`display`)."""
    import pandas as pd
    import plotly.io as pio

    from workbench import display

    pio.renderers.default = OFFLINE_RENDERER
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pd.set_option("display.max_rows", None)
    pd.set_option("display.max_columns", None)
    pd.set_option("display.max_colwidth", None)
    display.setup_kernel()


def _complete(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def curves(study: optuna.Study) -> Any:
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


def importances(study: optuna.Study) -> Any | None:
    """Parameter importances (Optuna's default evaluator); None, saying why, below
    `analysis.MIN_COMPLETE` complete trials."""
    from workbench.analysis import too_few_trials

    reason = too_few_trials(study)
    if reason:
        print(reason)
        return None
    fig = optuna.visualization.plot_param_importances(study, target_name="dev ROUGE")
    return fig.update_layout(height=380)
