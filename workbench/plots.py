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
    """Embed plotly.js in notebook outputs, keep library logs quiet, show tables whole (the
    HTML report scrolls them) and end a failed run with a short error (`display`)."""
    import pandas as pd
    import plotly.io as pio

    from workbench import display

    pio.renderers.default = OFFLINE_RENDERER
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pd.set_option("display.max_rows", None)
    pd.set_option("display.max_columns", None)
    display.install_short_errors()


def _complete(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def curves(study: optuna.Study) -> Any:
    """Per-epoch dev ROUGE of every trial: where pruned trials stopped."""
    fig = optuna.visualization.plot_intermediate_values(study)
    return fig.update_layout(height=380, xaxis_title="epoch", yaxis_title="dev ROUGE")


def importances(study: optuna.Study) -> Any | None:
    """Parameter importances (Optuna's default evaluator); None with fewer than 3 results."""
    if len(_complete(study)) < 3:
        print("Parameter importance needs at least 3 completed trials.")
        return None
    fig = optuna.visualization.plot_param_importances(study, target_name="dev ROUGE")
    return fig.update_layout(height=380)
