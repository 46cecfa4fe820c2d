"""The analyze notebook: the study it reads (from a record, a preset, or a storage URL and
study name), `start_analysis`, and `Analysis`, one call per cell, each keeping what it showed
in the notebook's record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
import pandas as pd

import workbench.study.lifecycle as lifecycle
from workbench import config as wconfig
from workbench import paths, records, validate
from workbench import storage as wstorage
from workbench.analysis.draw import (
    draw_contour,
    draw_history,
    draw_importances,
    draw_parallel,
    draw_pareto,
    draw_slices,
)
from workbench.analysis.export import EXPORT_FILE, best_overrides, write_overrides
from workbench.analysis.tables import (
    COMMON_MAX_CV,
    COMMON_SHARE,
    best_trial,
    common_params,
    completed,
    importance_table,
    is_multi_objective,
    pareto_table,
    state_counts,
    table_records,
    target_names,
    too_few_trials,
    top_params,
    trial_table,
)
from workbench.records import Record, mask_url

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


class StudyNotFound(LookupError):
    """A study name that is not in the storage, or a storage that does not exist."""


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
    cfg = validate.resolve(preset).config
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
        """The reference's table of parameters the top-k trials share."""
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
        best={"number": best.number, "values": list(best.values), "params": best.params,
              "diversity": best.user_attrs.get("diversity")} if best else None,
        baselines=(data or {}).get("baselines"),  # the source run's floors, on the same task
        completed_trials=len(done),
    )
    return Analysis(study, record, preset, params["top_k"], params["n_top_params"], data,
                    storage)
