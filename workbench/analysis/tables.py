"""The tables behind the analyze notebook's charts, each a pure function of the study: trials by
state, every trial, parameter importances, the common parameters of the top-k trials (the
seed's rule), the Pareto front and the best trial. They are tested on their own; `draw` only
turns a study or one of these tables into a figure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from workbench import records
from workbench.strategies import confirm
from workbench.study.tables import DIVERSITY_COLUMNS, table_of

# The reference's "common parameters of the top-k trials" thresholds.
COMMON_SHARE = 0.7  # a categorical value shared by more than 70% of the top k

COMMON_MAX_CV = 0.2  # a numeric parameter whose coefficient of variation is below 20%

# Importance and contour plots need this many complete trials. From fewer, a ranking such as
# "weight_decay 0.41" is noise that reads like a finding; 10 is also the reference's TPE startup
# (the first 10 trials are random samples, before the sampler has searched anything).
MIN_COMPLETE = 10

DEFAULT_TARGET = "dev ROUGE"


def is_multi_objective(study: optuna.Study) -> bool:
    return len(study.directions) > 1


def target_names(study: optuna.Study) -> list[str]:
    """The objectives' names: the study's metric names, else 'dev ROUGE' / 'objective N'."""
    if study.metric_names:
        return list(study.metric_names)
    if not is_multi_objective(study):
        return [DEFAULT_TARGET]
    return [DEFAULT_TARGET] + [f"objective {i}" for i in range(1, len(study.directions))]


def infeasible(trial: FrozenTrial) -> bool:
    """Whether a trial broke a constraint (`trial.set_constraint` > 0, or marked infeasible)."""
    return any(v > 0 for v in trial.constraints.values()) or bool(
        trial.user_attrs.get("infeasible"))


def state_counts(study: optuna.Study) -> pd.DataFrame:
    """Trials by state (complete, pruned, failed, running, waiting) plus the infeasible ones."""
    trials = study.get_trials(deepcopy=False)
    counts = Counter(t.state.name for t in trials)
    rows = [{"state": s.name, "trials": counts.get(s.name, 0)} for s in TrialState]
    rows.append({"state": "INFEASIBLE", "trials": sum(1 for t in trials if infeasible(t))})
    rows.append({"state": "total", "trials": len(trials)})
    return pd.DataFrame(rows).set_index("state")


def trial_table(study: optuna.Study) -> pd.DataFrame:
    """One row per trial: state, value, how input-dependent its predictions were (the best
    epoch's diversity figures, workbench.diversity), why it stopped or is degenerate, params."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        figures = t.user_attrs.get("diversity") or {}
        row: dict[str, Any] = {"number": t.number, "state": t.state.name,
                               "value": t.values[0] if t.values else None}
        row.update({label: figures.get(key) for key, label in DIVERSITY_COLUMNS.items()})
        row["why"] = (t.user_attrs.get("degenerate") or t.user_attrs.get("fail_reason")
                      or t.user_attrs.get("prune_reason"))
        row.update(t.params)
        rows.append(row)
    return table_of(rows).set_index("number") if rows else pd.DataFrame()


def completed(study: optuna.Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def too_few_trials(study: optuna.Study, what: str = "Parameter importance") -> str | None:
    """Why importances (or contours) are not shown for this study; None when they are."""
    n = len(completed(study))
    if n >= MIN_COMPLETE:
        return None
    return (f"{what} needs at least {MIN_COMPLETE} complete trials; this study has {n}. "
            "From fewer, it would rank noise as if it were a finding.")


def importance_table(study: optuna.Study) -> pd.DataFrame:
    """Parameter importances by Optuna's default evaluator (PED-ANOVA in optuna 5).

    It follows the study's directions; for several objectives, importance for reaching the
    Pareto front. Empty below `MIN_COMPLETE` complete trials or when nothing varied.
    """
    done = completed(study)
    if too_few_trials(study) or not any(t.params for t in done):
        return pd.DataFrame(columns=["importance"]).rename_axis("param")
    try:
        found = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError):  # e.g. every completed trial has the same parameters
        return pd.DataFrame(columns=["importance"]).rename_axis("param")
    frame = pd.DataFrame({"param": list(found), "importance": list(found.values())})
    return frame.set_index("param")


def top_params(study: optuna.Study, n: int) -> list[str]:
    """The `n` most important parameters; when importances cannot rank them (too few complete
    trials, `too_few_trials`), every searched one in study order: the first n would read as a
    ranking the study has not made."""
    ranked = list(importance_table(study).index)
    if ranked:
        return ranked[:n]
    seen: dict[str, None] = {}
    for t in study.get_trials(deepcopy=False):
        seen.update(dict.fromkeys(t.distributions))
    return list(seen)


def top_trials(study: optuna.Study, k: int) -> list[FrozenTrial]:
    """The k best completed trials on the (first) objective, best first; a confirmation run
    (a config trained again with another seed) is no trial of its own here."""
    sign = -1.0 if study.directions[0] == optuna.study.StudyDirection.MAXIMIZE else 1.0
    return sorted([t for t in completed(study) if not confirm.is_confirmation(t)],
                  key=lambda t: sign * t.values[0])[:k]


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def common_table(trials: Sequence[FrozenTrial], share: float = COMMON_SHARE,
                 max_cv: float = COMMON_MAX_CV) -> pd.DataFrame:
    """The reference's "common parameters of the top-k trials", one row per parameter.

    Categorical (strings, booleans, mixed): the most frequent value, common when it is shared by
    more than `share` of the trials that have the parameter. Numeric: the mean, common when the
    coefficient of variation std/mean (population std, as the reference) is below `max_cv`.
    Conditional parameters are judged on the trials where they exist (`trials` column).
    """
    names: dict[str, None] = {}
    for t in trials:
        names.update(dict.fromkeys(t.params))
    rows = []
    for name in names:
        values = [t.params[name] for t in trials if name in t.params]
        if all(_numeric(v) for v in values):
            mean = sum(values) / len(values)
            std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
            cv = 0.0 if std == 0 else (std / abs(mean) if mean else math.inf)
            rows.append({"param": name, "kind": "numeric", "value": mean, "share": None,
                         "cv": cv, "min": min(values), "max": max(values),
                         "trials": len(values), "common": cv < max_cv})
        else:
            counts = Counter(map(_hashable, values))
            top, n = counts.most_common(1)[0]
            rows.append({"param": name, "kind": "categorical", "value": top,
                         "share": n / len(values), "cv": None, "min": None, "max": None,
                         "trials": len(values), "common": n / len(values) > share})
    columns = ["kind", "value", "share", "cv", "min", "max", "trials", "common"]
    if not rows:
        return pd.DataFrame(columns=columns).rename_axis("param")
    return table_of(rows).set_index("param")[columns]


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def common_params(study: optuna.Study, top_k: int) -> pd.DataFrame:
    """`common_table` of the study's top-k completed trials."""
    return common_table(top_trials(study, top_k))


def pareto_table(study: optuna.Study) -> pd.DataFrame:
    """The Pareto-optimal trials of a multi-objective study (empty for a single objective)."""
    if not is_multi_objective(study):
        return pd.DataFrame()
    names = target_names(study)
    rows = []
    for t in study.best_trials:
        row: dict[str, Any] = {"number": t.number}
        row.update(dict(zip(names, t.values, strict=True)))
        row.update(t.params)
        rows.append(row)
    return table_of(rows).set_index("number").sort_values(names[0], ascending=False)


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    """The best trial (with confirmation runs, the kept run of the config with the highest
    mean: `confirm.best_trial`); for several objectives the Pareto trial best on the first one."""
    if not completed(study):
        return None
    if not is_multi_objective(study):
        return confirm.best_trial(study)
    maximize = study.directions[0] == optuna.study.StudyDirection.MAXIMIZE
    return sorted(study.best_trials, key=lambda t: t.values[0], reverse=maximize)[0]


def table_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows (index included) as JSON-ready dicts."""
    return [{k: records.plain(v) for k, v in row.items()}
            for row in table.reset_index().to_dict(orient="records")]
