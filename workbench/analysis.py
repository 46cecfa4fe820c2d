"""Analysis of a finished (or running) study: the tables behind each chart, the charts, and the
export of the best parameters as a preset override file.

Computing and drawing are separate: `state_counts`, `importance_table`, `common_params`,
`pareto_table` and `best_overrides` return plain tables and dicts (tested on their own); the
`draw_*` functions only turn a study into Optuna's plotly figures.

The exported file is a papermill parameters file, `{preset, overrides}`, that every notebook
taking `preset` and `overrides` accepts: `workbench rerun FILE` (or `papermill
notebooks/run-study.ipynb OUT.ipynb -f FILE`) re-runs the preset with the best parameters.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
import yaml
from optuna.trial import FrozenTrial, TrialState

import workbench.study.lifecycle as lifecycle
from workbench import config as wconfig
from workbench import paths, records, validate
from workbench import storage as wstorage
from workbench.records import Record, mask_url
from workbench.strategies import confirm
from workbench.study.tables import DIVERSITY_COLUMNS, table_of

# The analyze notebook's parameters and the types each accepts.
ANALYZE_PARAMETERS: dict[str, tuple[type, ...]] = {
    "record": (str, type(None)),
    "storage": (str, type(None)),
    "study_name": (str, type(None)),
    "preset": (str, type(None)),
    "top_k": (int,),
    "n_top_params": (int,),
    "run_dir": (str, type(None)),
}
# The seed's "common parameters of the top-k trials" thresholds.
COMMON_SHARE = 0.7  # a categorical value shared by more than 70% of the top k
COMMON_MAX_CV = 0.2  # a numeric parameter whose coefficient of variation is below 20%
EXPORT_FILE = "best-params.yaml"
# Importance and contour plots need this many complete trials. From fewer, a ranking such as
# "weight_decay 0.41" is noise that reads like a finding; 10 is also the seed's TPE startup
# (the first 10 trials are random samples, before the sampler has searched anything).
MIN_COMPLETE = 10
DEFAULT_TARGET = "dev ROUGE"


class StudyNotFound(LookupError):
    """A study name that is not in the storage, or a storage that does not exist."""


# --------------------------------------------------------------------------- loading


def study_source(record: str | None = None, storage: str | None = None,
                 study_name: str | None = None, preset: str | None = None,
                 ) -> tuple[str, str, str | None, dict[str, Any] | None]:
    """(storage URL, study name, preset, the record's data or None) of the study to analyze.

    With a record: its study and preset (explicit `storage` / `study_name` still win, since a
    record masks passwords). Without: the preset's study, as run-study names and stores it
    (`study.storage`, else sqlite under outputs/<preset>/; `study.study_name`, else the preset).
    `latest` is the preset's newest completed study run (`records.resolve_record`); without one,
    or beside both `storage` and `study_name`, it is no record.
    """
    if record == records.LATEST and (storage and study_name or not records.has_latest(preset)):
        record = None
    record = records.resolve_record(record, preset)
    if record is not None:
        folder = paths.project_path(record)
        data = records.read_results(folder)
        study = data.get("study") or {}
        if not study.get("name") or not study.get("storage"):
            raise StudyNotFound(
                f"{paths.shown(folder)}: the record names no study (notebook "
                f"{data.get('notebook')!r}, status {data.get('status')!r}); give storage and "
                "study_name instead"
            )
        storage = storage or study["storage"]
        if "***" in storage:
            raise ValueError(f"storage {storage}: the record masks its password; pass storage= "
                             "with the real URL")
        known = data.get("preset") in wconfig.list_presets()
        return storage, study_name or study["name"], data["preset"] if known else None, data
    if preset is None:
        if storage is None or study_name is None:
            raise ValueError("analyze needs a record, a preset, or both storage and study_name")
        return storage, study_name, None, None
    cfg = validate.resolve(preset)
    url = wstorage.resolve_url(storage or cfg["study"]["storage"],
                               paths.OUTPUTS / preset / "optuna.db")
    return url, study_name or cfg["study"]["study_name"] or preset, preset, None


def load_study(storage: str, study_name: str) -> optuna.Study:
    """The study `study_name` in `storage`; a clear error when either does not exist.

    Any URL `workbench.storage` opens (SQLite, PostgreSQL, MySQL, journal file, Redis, with
    `${VAR}` credentials). A missing SQLite or journal file is refused: opening it would
    create an empty one.
    """
    shown = mask_url(storage)
    for scheme in ("sqlite:///", "journal:///"):
        if storage.startswith(scheme):
            file = storage.removeprefix(scheme)
            if file != ":memory:" and not paths.project_path(file).is_file():
                raise StudyNotFound(f"storage {shown}: no such file (run a study first, e.g. "
                                    "`workbench study`, or pass record= / storage=)")
    opened = wstorage.open_storage(storage)
    names = optuna.get_all_study_names(storage=opened)
    if study_name not in names:
        listed = ", ".join(sorted(names)) or "(none)"
        raise StudyNotFound(f"study {study_name!r} is not in storage {shown}; "
                            f"studies there: {listed}")
    return optuna.load_study(study_name=study_name, storage=opened)


# --------------------------------------------------------------------------- tables


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
    """The seed's "common parameters of the top-k trials", one row per parameter.

    Categorical (strings, booleans, mixed): the most frequent value, common when it is shared by
    more than `share` of the trials that have the parameter. Numeric: the mean, common when the
    coefficient of variation std/mean (population std, as the seed) is below `max_cv`.
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


def best_overrides(params: Mapping[str, Any], preset: str | None,
                   extra: Mapping[str, Any] | None = None,
                   base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Config overrides: `base` (nested or dotted), then `hparams.<name>` for each of `params`,
    then `extra` (e.g. a fresh `study.study_name`), validated against the preset.

    Raises the config's own error when a parameter is not a hyperparameter the preset accepts.
    """
    overrides = flat_overrides(base or {})
    overrides.update({f"hparams.{k}": records.plain(v) for k, v in params.items()})
    overrides.update(extra or {})
    if preset is not None:
        validate.resolve(preset, overrides)
    return overrides


def flat_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides as `section.key` entries (the config has two levels; a mapping-valued key
    such as model.architecture stays whole)."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        if isinstance(value, Mapping) and "." not in key:
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def write_overrides(path: Path, preset: str, overrides: Mapping[str, Any],
                    comment: str) -> Path:
    """Write a `{preset, overrides}` papermill parameters file with a comment header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    body = yaml.safe_dump({"preset": preset, "overrides": dict(overrides)}, sort_keys=False,
                          allow_unicode=True)
    path.write_text(header + body, encoding="utf-8")
    return path


def read_overrides(path: str | Path) -> dict[str, Any]:
    """A parameters file written by `write_overrides`: {'preset': ..., 'overrides': {...}}."""
    file = paths.project_path(path)
    data = wconfig.read_yaml(file)
    unknown = sorted(set(data) - {"preset", "overrides"})
    if unknown or not isinstance(data.get("overrides", {}), dict):
        raise wconfig.ConfigError(f"{paths.shown(file)}: expected keys preset and overrides "
                                  f"(a mapping); found {', '.join(map(str, data))}")
    return data


# --------------------------------------------------------------------------- drawing


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


# --------------------------------------------------------------------------- the notebook


class Analysis:
    """One run of the analyze notebook: the study it reads and the record it writes."""

    def __init__(self, study: optuna.Study, record: Record, preset: str | None,
                 top_k: int, n_top_params: int, source: dict[str, Any] | None, storage: str):
        self.study = study
        self.record = record
        self.preset = preset
        self.top_k = top_k
        self.n_top_params = n_top_params
        self.source = source  # the analyzed run's record, when there is one
        self.storage = storage

    @property
    def important(self) -> list[str]:
        """The params the slice and contour plots show: the most important ones."""
        return top_params(self.study, self.n_top_params)

    def overview(self) -> pd.DataFrame:
        """Where the study comes from, its objectives and its trials by state."""
        s = self.study
        objectives = ", ".join(f"{n} ({d.name.lower()})"
                               for n, d in zip(target_names(s), s.directions, strict=True))
        print(f"study {s.study_name!r} in {self.record.data['study']['storage']} | "
              f"objectives: {objectives} | preset {self.preset or '(unknown)'}")
        for line in lifecycle.run_states(s, self.source):  # killed runs read as killed
            print(line)
        return state_counts(s)

    def history(self) -> Any:
        return draw_history(self.study)

    def trials(self) -> pd.DataFrame:
        """Every trial with its predictions' diversity; degenerate ones say why."""
        table = trial_table(self.study)
        degenerate = [t.number for t in self.study.get_trials(deepcopy=False)
                      if t.user_attrs.get("degenerate")]
        self.record.update(degenerate={"count": len(degenerate), "trials": degenerate})
        if degenerate:
            print(f"degenerate (no healthy epoch: outputs that barely depend on the input; never "
                  f"the best): trials {degenerate}")
        return table

    def importance_chart(self) -> Any | None:
        return draw_importances(importance_table(self.study))

    def parallel(self) -> Any | None:
        return draw_parallel(self.study)

    def slices(self) -> Any | None:
        return draw_slices(self.study, self.important)

    def contour(self) -> Any | None:
        return draw_contour(self.study, self.important)

    def pareto_chart(self) -> Any | None:
        return draw_pareto(self.study)

    def importances(self) -> pd.DataFrame | None:
        """Importance of each parameter (Optuna's default evaluator, PED-ANOVA in optuna 5);
        None, saying why, when nothing is ranked (not an empty table)."""
        table = importance_table(self.study)
        if table.empty:
            print(too_few_trials(self.study) or "No parameter varied: nothing to rank.")
        self.record.update(importances={k: float(v) for k, v in table["importance"].items()})
        return None if table.empty else table

    def common(self) -> pd.DataFrame:
        """The seed's table of parameters the top-k trials share."""
        table = common_params(self.study, self.top_k)
        print(f"top {min(self.top_k, len(completed(self.study)))} completed trials; common = "
              f"categorical value shared by > {COMMON_SHARE:.0%}, numeric CV < {COMMON_MAX_CV:.0%}")
        self.record.update(common_params={
            "top_k": self.top_k,
            "common": {p: records.plain(r["value"]) for p, r in table.iterrows() if r["common"]},
            "table": table_records(table),
        })
        return table

    def pareto(self) -> pd.DataFrame | None:
        """The Pareto-optimal trials; None, silently, for one objective (the shared report then
        leaves the empty section out, `report.without_empty_sections`)."""
        if not is_multi_objective(self.study):
            return None
        table = pareto_table(self.study)
        if not table.empty:
            self.record.update(pareto=[int(n) for n in table.index])
        return table

    def export_best(self, path: str | Path | None = None) -> Path | None:
        """Write the best params as a `{preset, overrides}` file that run-study re-runs with.

        The overrides keep the analyzed run's own overrides (its data, caps, ...), set the
        best trial's params and name a fresh study in the same storage (left out when its URL
        holds a password), so the new study's trial 0 is exactly the best config.
        """
        best = best_trial(self.study)
        if best is None:
            print("No completed trial: nothing to export.")
            return None
        if self.preset is None:
            print("The preset is unknown (no record, and the study is not named after a preset):"
                  " pass preset= to export the best parameters.")
            return None
        run_id = self.record.data["run_id"]
        fresh: dict[str, Any] = {"study.study_name": f"{self.study.study_name}-best-{run_id}"}
        if mask_url(self.storage) == self.storage:  # no password: the same storage, shared
            fresh["study.storage"] = wstorage.shown(self.storage)
        earlier = (self.source or {}).get("parameters", {}).get("overrides") or {}
        overrides = best_overrides(best.params, self.preset, fresh, earlier)
        target = Path(path) if path else self.record.folder / EXPORT_FILE
        value = ", ".join(f"{n} {v:.4f}" for n, v in
                          zip(target_names(self.study), best.values, strict=True))
        write_overrides(target, self.preset, overrides, (
            f"Best parameters of study {self.study.study_name!r}: trial {best.number}, {value}.\n"
            f"Exported by analyze, record {paths.shown(self.record.folder)}.\n"
            f"Re-run the preset with them: workbench rerun {paths.shown(target)}\n"
            f"(or: papermill notebooks/run-study.ipynb OUT.ipynb -f {paths.shown(target)})"))
        self.record.update(export={"path": paths.shown(target), "trial": best.number,
                                   "values": list(best.values), "overrides": overrides})
        print(f"best trial {best.number} ({value}) -> {paths.shown(target)}")
        print(f"re-run with it: workbench rerun {paths.shown(target)}")
        return target

    def finish(self) -> None:
        """Mark the record completed."""
        self.record.data.setdefault("timings", {})["finished"] = records.now()
        self.record.update(status="completed")


def start_analysis(notebook: str, **params: Any) -> Analysis:
    """Validate the parameters, open the record and load the study (errors leave it failed)."""
    record = records.open_record(notebook, params, ANALYZE_PARAMETERS)
    with record.failing():
        storage, name, preset, data = study_source(
            params.get("record"), params.get("storage"), params.get("study_name"),
            params.get("preset"))
        study = load_study(storage, name)
        for key in ("top_k", "n_top_params"):
            if params[key] < 1:
                raise ValueError(f"parameter {key!r} must be >= 1, got {params[key]}")
    done = completed(study)
    best = best_trial(study)
    record.update(
        study={"name": name, "storage": wstorage.shown(storage),
               "directions": [d.name.lower() for d in study.directions],
               "objectives": target_names(study)},
        source_record=paths.shown(paths.project_path(params["record"]))
        if params.get("record") else None,
        analyzed_preset=preset,
        counts={k: int(v) for k, v in state_counts(study)["trials"].items()},
        best={"number": best.number, "values": list(best.values), "params": best.params}
        if best else None,
        completed_trials=len(done),
    )
    return Analysis(study, record, preset, params["top_k"], params["n_top_params"], data,
                    storage)
