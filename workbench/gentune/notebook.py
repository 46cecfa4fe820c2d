"""One run of the generation-tuning notebook: parameters, record, the checkpoint loaded once,
then the panel or the grid, the decoding study, its timing and the exported best decoding."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

from workbench import backends, metrics, paths, records, validate
from workbench import config as wconfig
from workbench import data as wdata
from workbench import storage as wstorage
from workbench.gentune.generator import (
    Generator,
    check_architecture,
    checkpoint_hparams,
    decoding,
    decoding_errors,
    decoding_notes,
    locate,
)
from workbench.gentune.grid import (
    GridResult,
    draw_grid,
    draw_grid_summaries,
    grid_configs,
    run_grid,
)
from workbench.gentune.panel import DecodingPanel
from workbench.gentune.study import (
    generation_params,
    latest_training_record,
    optimize_decoding,
    timing_table,
)
from workbench.records import Record

GENERATION_PARAMETERS: dict[str, tuple[type, ...]] = {
    "preset": (str,),
    "checkpoint": (str, type(None)),
    "overrides": (dict,),
    "n_dialogues": (int,),
    "grid": (dict,),
    "n_trials": (int,),
    "search": (list, type(None)),
    "interactive": (bool, type(None)),
    "storage": (str, type(None)),
    "study_name": (str, type(None)),
    "run_dir": (str, type(None)),
}
EXPORT_FILE = "best-decoding.yaml"


# --------------------------------------------------------------------------- the notebook


def under_papermill() -> bool:
    """Whether papermill injected parameters into this kernel (so nobody can click)."""
    return bool(records.injected_parameters())


class Tuning:
    """One run of the generation-tuning notebook: the loaded checkpoint and its record."""

    def __init__(self, resolved: validate.Resolved, record: Record, generator: Generator,
                 base: dict[str, Any], params: Mapping[str, Any], run: dict[str, Any] | None):
        self.resolved = resolved
        self.config = resolved.config
        self.record = record
        self.generator = generator
        self.base = base
        self.params = dict(params)
        self.run = run
        n = min(params["n_dialogues"], len(generator.dev))
        self.shown = list(range(n))
        interactive = params.get("interactive")
        self.interactive = (not under_papermill()) if interactive is None else interactive
        self.grid_result: GridResult | None = None
        self.study: optuna.Study | None = None

    def overview(self) -> pd.DataFrame:
        """What is loaded and the decoding config everything starts from."""
        g = self.generator
        where = paths.shown(g.model_dir) if g.model_dir else f"preset {self.config['preset']}"
        print(f"checkpoint {where} | {len(g.dev)} dev dialogues, {len(self.shown)} shown | "
              f"model loads so far: {Generator.model_loads} | "
              f"{'interactive' if self.interactive else 'headless'}")
        if not g.trained:
            print("note: no checkpoint given and the preset builds its model from a config: "
                  "these are untrained weights, useful only to check the pipeline")
        for note in decoding_notes(self.base):
            print(f"note: {note}")
        return pd.DataFrame({"value": decoding(self.base)})

    def panel(self) -> Any | None:
        """The interactive controls (JupyterLab); None in a headless run."""
        if not self.interactive:
            print("Headless run: the controls cannot respond here; the grid below was "
                  "precomputed instead (interactive=True shows the controls in JupyterLab).")
            return None
        panel = DecodingPanel(self.generator, self.base, self.shown)
        panel.regenerate()
        return panel.widget()

    def grid(self) -> pd.DataFrame | None:
        """Scores of the precomputed grid (headless runs): the checkpoint's own decoding
        first, then the grid's configs, best first."""
        if self.interactive:
            print("Interactive session: use the controls above (interactive=False precomputes "
                  "the grid instead).")
            return None
        self.grid_result = run_grid(self.generator, self.base, self.params["grid"], self.shown)
        for line in self.grid_result.skipped:
            print(f"skipped: {line}")
        frame = self.grid_result.frame
        self.record.update(grid={
            "params": self.grid_result.grid, "skipped": self.grid_result.skipped,
            "results": [{k: records.plain(v) for k, v in r.items()}
                        for r in frame.to_dict(orient="records")]})
        return pd.concat([frame.iloc[:1], frame.iloc[1:].sort_values("final", ascending=False)])

    def grid_chart(self) -> Any | None:
        return draw_grid(self.grid_result) if self.grid_result else None

    def grid_summaries(self) -> Any | None:
        if self.grid_result is None:
            return None
        return draw_grid_summaries(self.grid_result, self.generator)

    def optimize(self) -> pd.DataFrame:
        """The generation-only study: n_trials on the loaded model, no retraining."""
        params = generation_params(self.resolved.space, self.params.get("search"))
        storage = self.params.get("storage") or \
            f"sqlite:///{self.record.folder / 'generation.db'}"
        name = self.params.get("study_name") or f"{self.config['preset']}-generation"
        loads_before = Generator.model_loads
        self.record.update(study={"name": name, "storage": wstorage.shown(storage),
                                  "direction": "maximize", "searched": [p.name for p in params],
                                  "objective": "dev ROUGE, " + metrics.describe_scale(
                                      self.config["objective"]) + ", generation only"})
        self.study = optimize_decoding(self.generator, self.base, params,
                                       self.params["n_trials"], storage, name,
                                       callbacks=[lambda s, t: self._record_study()])
        self._record_study(loads_during=Generator.model_loads - loads_before)
        try:
            best = self.study.best_trial
            print(f"best trial {best.number}: dev ROUGE {best.value:.2f} (trial 0, the "
                  f"checkpoint's own decoding: {self.study.trials[0].value:.2f}); model loads: "
                  f"{Generator.model_loads}")
        except ValueError:
            print("no healthy decoding: every trial's predictions were degenerate (see the "
                  f"diversity column); model loads: {Generator.model_loads}")
        frame = self.study.trials_dataframe(attrs=("number", "value", "params", "duration",
                                                   "state"))
        frame["duration"] = frame["duration"].dt.total_seconds()
        return frame.rename(columns=lambda c: c.removeprefix("params_").removeprefix(
            "value_")).set_index("number")

    def _record_study(self, loads_during: int | None = None) -> None:
        """Write the study's trials, its best and the weight loads so far into the record."""
        study = self.study
        if study is None:
            return
        trials = study.get_trials(deepcopy=False)
        entry = dict(self.record.data.get("study", {}))
        entry.update(n_trials=len(trials), trials=[
            {"number": t.number, "state": t.state.name, "value": t.value, "params": t.params,
             "duration_s": t.duration.total_seconds() if t.duration else None,
             "diversity": t.user_attrs.get("diversity"),
             "degenerate": t.user_attrs.get("degenerate")}
            for t in trials])
        if loads_during is not None:
            entry["model_loads_during_study"] = loads_during
        try:
            b = study.best_trial
            entry["best"] = {"number": b.number, "value": b.value, "params": b.params}
        except ValueError:
            pass
        self.record.update(study=entry, model_loads=Generator.model_loads)

    def history(self) -> Any | None:
        if self.study is None:
            return None
        return optuna.visualization.plot_optimization_history(
            self.study, target_name="dev ROUGE").update_layout(height=360)

    def timing(self) -> pd.DataFrame:
        """Per-trial seconds here against a training trial's on the same preset."""
        run = self.run or latest_training_record(self.config["preset"])
        table = timing_table(self.study, len(self.generator.dev), run)
        gen = table["mean seconds"].iloc[0]
        entry = {"generation_trial_s": gen}
        if len(table) > 1 and gen:
            train = table["mean seconds"].iloc[1]
            entry.update(training_trial_s=train, training_run=run.get("run_id"),
                         ratio=train / gen)
            verdict = (f"{train / gen:.1f}x cheaper" if train >= gen
                       else f"{gen / train:.1f}x dearer: decoding dominates on this preset")
            print(f"a generation trial costs {gen:.2f} s, a training trial on preset "
                  f"{self.config['preset']} {train:.2f} s: {verdict}")
        else:
            print(f"a generation trial costs {gen:.2f} s; no training record of preset "
                  f"{self.config['preset']} with completed trials to compare with")
        self.record.update(timing=entry)
        return table

    def export_best(self, path: str | Path | None = None) -> Path:
        """The best decoding config as a `{preset, overrides}` file, like analyze's.

        It keeps the checkpoint's run overrides and best trial params and this notebook's
        overrides, so run-study trains the checkpoint's config again with the best decoding
        (trial 0 of a fresh study), and generation-tuning starts from it.
        """
        from workbench.analysis import best_overrides, flat_overrides, write_overrides

        try:
            best = self.study.best_trial
        except ValueError:
            raise ValueError("no healthy decoding to export: every trial of the decoding study "
                             "wrote degenerate predictions (see the record's study trials)"
                             ) from None
        run = self.run or {}
        base = {**flat_overrides((run.get("parameters") or {}).get("overrides") or {}),
                **flat_overrides(self.params.get("overrides") or {})}
        trained = (run.get("best") or {}).get("params") or {}
        fresh = {"study.study_name":
                 f"{self.config['preset']}-decoding-{self.record.data['run_id']}"}
        overrides = best_overrides({**trained, **best.params}, self.config["preset"], fresh,
                                   base)
        target = Path(path) if path else self.record.folder / EXPORT_FILE
        write_overrides(target, self.config["preset"], overrides, (
            f"Best decoding of generation study {self.study.study_name!r}: trial {best.number}, "
            f"dev ROUGE {best.value:.4f}.\nExported by generation-tuning, record "
            f"{paths.shown(self.record.folder)}.\nUse it: workbench rerun {paths.shown(target)}"
            f" (a study starting from it), or pass it to generation-tuning with checkpoint."))
        self.record.update(export={"path": paths.shown(target), "trial": best.number,
                                   "value": best.value, "overrides": overrides})
        print(f"best decoding (trial {best.number}, dev ROUGE {best.value:.2f}) -> "
              f"{paths.shown(target)}")
        return target

    def finish(self) -> None:
        self.record.data.setdefault("timings", {})["finished"] = records.now()
        self.record.update(status="completed", model_loads=Generator.model_loads)


def start_tuning(notebook: str, **params: Any) -> Tuning:
    """Validate, open the record, resolve the config and load the checkpoint once.

    A missing record or checkpoint, or one of another architecture than the preset's, fails
    here with the reason in the (kept) record.
    """
    from workbench.analysis import flat_overrides

    record = records.open_record(notebook, params, GENERATION_PARAMETERS)
    with record.failing():
        for key in ("n_dialogues", "n_trials"):
            if params[key] < 1:
                raise ValueError(f"parameter {key!r} must be >= 1, got {params[key]}")
        model_dir, run = locate(records.resolve_record(params.get("checkpoint"),
                                                       params["preset"]))
        made_with = (run or {}).get("preset")
        if made_with and made_with != params["preset"]:
            raise wconfig.ConfigError(
                f"checkpoint {params['checkpoint']}: the run was made with preset {made_with!r}, "
                f"not {params['preset']!r}; pass preset={made_with!r} (workbench run "
                f"generation-tuning --preset {made_with} -p checkpoint ...)")
        # A run's own overrides (its data, caps) first, this notebook's on top.
        earlier = ((run or {}).get("parameters") or {}).get("overrides") or {}
        overrides = {**flat_overrides(earlier), **flat_overrides(params.get("overrides") or {})}
        resolved = validate.resolve(params["preset"], overrides)
        config = resolved.config
        if not backends.predicts(config["model"]["backend"]):
            raise wconfig.ConfigError(
                f"preset {params['preset']!r}: generation tuning needs a backend that loads a "
                f"trained model for inference; {config['model']['backend']!r} only trains")
        if model_dir is not None:
            check_architecture(model_dir, config)
        hp = checkpoint_hparams(config, run, params.get("overrides") or {})
        errors = decoding_errors(hp)
        if errors:
            raise wconfig.ConfigError("; ".join(errors))
        grid_configs(hp, params["grid"])  # a bad grid fails now, not after the study
        generation_params(resolved.space, params.get("search"))
        splits = wdata.load_splits(config)
        generator = Generator(config, hp, model_dir, splits["dev"], splits["train"])
    record.update(
        config=records.shown_config(config),
        checkpoint={"path": paths.shown(model_dir) if model_dir else None,
                    "run": run.get("run_id") if run else None,
                    "trained": generator.trained},
        eval_samples=len(generator.dev), shown=min(params["n_dialogues"], len(generator.dev)),
        base_decoding=decoding(hp), model_loads=Generator.model_loads,
    )
    return Tuning(resolved, record, generator, hp, params, run)
