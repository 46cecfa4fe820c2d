"""The study runner: samplers, pruner, storage, the objective, and a run's record.

`start_run` validates a notebook's parameters and opens the record; `StudyRun.optimize` runs
the Optuna study with trial 0 set to the preset's own config, recording every trial.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import optuna
from tqdm import tqdm

from workbench import config as wconfig
from workbench import data as wdata
from workbench import metrics, paths, records, spaces
from workbench.records import Record, mask_url

# The run-study notebook's parameters and the types each accepts (None = use the preset's).
RUN_STUDY_PARAMETERS: dict[str, tuple[type, ...]] = {
    "preset": (str,),
    "n_trials": (int, type(None)),
    "timeout": (int, float, type(None)),
    "sampler": (str, type(None)),
    "pruner": (str, type(None)),
    "n_jobs": (int, type(None)),
    "storage": (str, type(None)),
    "study_name": (str, type(None)),
    "overrides": (dict,),
    "run_dir": (str, type(None)),
}
# Notebook parameters that are config keys of the `study` section.
STUDY_KEYS = ("n_trials", "timeout", "sampler", "pruner", "n_jobs", "storage", "study_name")


def storage_url(config: Mapping[str, Any]) -> str:
    """The study storage: the configured URL, or SQLite under outputs/<preset>/."""
    url = config["study"]["storage"]
    if url:
        return url
    folder = paths.OUTPUTS / config["preset"]
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'optuna.db'}"


def make_sampler(study_cfg: Mapping[str, Any]) -> optuna.samplers.BaseSampler:
    """TPE with the seed's settings, GP, or Random, all seeded."""
    name, seed = study_cfg["sampler"], study_cfg["seed"]
    if name == "tpe":
        # group=True: our space is conditional (sampling-only params, min <= max tokens).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                n_startup_trials=study_cfg["tpe_n_startup_trials"],
                n_ei_candidates=study_cfg["tpe_n_ei_candidates"], seed=seed, multivariate=True,
                group=True,
            )
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(study_cfg: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    """The Median pruner with the seed's settings, or none."""
    if study_cfg["pruner"] == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=study_cfg["median_n_startup_trials"],
        n_warmup_steps=study_cfg["median_n_warmup_steps"],
        interval_steps=study_cfg["median_interval_steps"],
    )


def load_splits(config: Mapping[str, Any]) -> dict[str, Any]:
    """The train and dev splits named by the config, capped for quick runs."""
    d = config["data"]
    folder = paths.project_path(d["dir"])
    train = wdata.read_split(folder / d["train"], "train")
    dev = wdata.read_split(folder / d["dev"], "dev")
    if d["max_train_samples"]:
        train = train.head(d["max_train_samples"]).reset_index(drop=True)
    if d["max_dev_samples"]:
        dev = dev.head(d["max_dev_samples"]).reset_index(drop=True)
    return {"train": train, "dev": dev}


def lead_baseline(config: Mapping[str, Any], dev: Any) -> dict[str, float]:
    """The score of the lead-2 summary (the first two turns) on dev: the floor to beat."""
    obj = config["objective"]
    preds = [wdata.lead_summary(d, 2) for d in dev["dialogue"]]
    return metrics.score(preds, list(dev["references"]), mode=obj["metric"],
                         tokenizer=obj["tokenizer"]).as_dict()


def make_backend(config: Mapping[str, Any], splits: Mapping[str, Any]) -> Any:
    """The training backend the preset names (model.backend)."""
    if config["model"]["backend"] == "causal":
        from workbench.causal import CausalBackend

        return CausalBackend(config, splits)
    from workbench.seq2seq import Seq2SeqBackend

    return Seq2SeqBackend(config, splits)


def free_memory() -> None:
    """Release what a trial left behind (Python objects, then the CUDA cache)."""
    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


def describe_failure(exc: BaseException) -> str:
    """A one-line reason for a failed trial, naming out-of-memory and NaN losses plainly."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if "out of memory" in text.lower() or type(exc).__name__ == "OutOfMemoryError":
        return f"out of memory: {text}"
    if isinstance(exc, FloatingPointError):
        return f"numerical failure: {text}"
    return text


TRIAL_ATTRS = ("origin", "run_id", "best_epoch", "trainable_params", "fail_reason",
               "prune_reason")


def trial_entry(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    """One trial as the record lists it."""
    attrs = trial.user_attrs
    return {
        "number": trial.number,
        "state": trial.state.name,
        "value": trial.value,
        "params": trial.params,
        "origin": attrs.get("origin", "sampler"),
        "run_id": attrs.get("run_id"),
        "duration_s": trial.duration.total_seconds() if trial.duration else None,
        "epoch_scores": {str(k): v for k, v in sorted(trial.intermediate_values.items())},
        "best_epoch": attrs.get("best_epoch"),
        "trainable_params": attrs.get("trainable_params"),
        "fail_reason": attrs.get("fail_reason"),
        "prune_reason": attrs.get("prune_reason"),
        "extra": {k: v for k, v in attrs.items() if k not in TRIAL_ATTRS},
    }


class StudyRun:
    """One run of the run-study notebook: its config, its record, and the study it drives."""

    def __init__(self, config: dict[str, Any], record: Record):
        self.config = config
        self.record = record
        self.study: optuna.Study | None = None
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        return self.record.folder

    def searched(self) -> list[spaces.Param]:
        """The parameters this run searches (the rest are fixed by the config)."""
        space = spaces.load_space(self.config["search"]["space"],
                                  model_candidates=self.config["model"]["candidates"] or None)
        return spaces.select(space, list(self.config["search"]["params"]))

    def optimize(self) -> optuna.Study:
        """Run the study; the record is updated after every trial and marked done or failed."""
        try:
            return self._optimize()
        except BaseException as exc:
            self._record_trials()
            self.record.fail(exc)
            raise

    def _optimize(self) -> optuna.Study:
        cfg, sc = self.config, self.config["study"]
        searched = self.searched()
        splits = load_splits(cfg)
        self.record.update(baselines={"lead2": lead_baseline(cfg, splits["dev"])},
                           data={k: len(v) for k, v in splits.items()})
        backend = make_backend(cfg, splits)
        url = storage_url(cfg)
        name = sc["study_name"] or cfg["preset"]
        study = optuna.create_study(
            study_name=name, storage=url, direction="maximize", sampler=make_sampler(sc),
            pruner=make_pruner(sc), load_if_exists=True,
        )
        self.study = study
        self.record.update(study={
            "name": name, "storage": mask_url(url), "direction": "maximize",
            "objective": f"dev ROUGE, {cfg['objective']['metric']} mode, 100 x mean(R1,R2,RL F1)",
            "sampler": sc["sampler"], "pruner": sc["pruner"],
            "searched": [p.name for p in searched], "trials_before_run": len(study.trials),
        })
        if not study.trials:
            values, warnings = spaces.enqueue_params(searched, cfg["hparams"])
            study.enqueue_trial(values, user_attrs={"origin": "preset"}, skip_if_exists=True)
            for extra in sc["warm_start"]:
                study.enqueue_trial(dict(extra), user_attrs={"origin": "warm_start"})
            if warnings:
                self.record.update(enqueue_warnings=warnings)

        run_id = self.record.data["run_id"]
        best_model = self.folder / "best-model"

        best_saved = {"value": float("-inf"), "trial": None}

        def saver(number: int):
            def save_to(value: float) -> Path | None:
                """The best-model folder when this trial beats this run's best so far."""
                with self._lock:
                    if value <= best_saved["value"]:
                        return None
                    best_saved.update(value=value, trial=number)
                    return best_model
            return save_to

        def objective(trial: optuna.Trial) -> float:
            trial.set_user_attr("run_id", run_id)
            sampled = spaces.suggest(trial, searched, cfg["hparams"])
            hp = {**cfg["hparams"], **sampled}

            def report(epoch: int, value: float) -> None:
                trial.report(value, epoch)
                if trial.should_prune():
                    reason = (f"pruned after epoch {epoch}: {value:.4f} below the median of "
                          "earlier trials")
                    trial.set_user_attr("prune_reason", reason)
                    raise optuna.TrialPruned(reason)

            try:
                outcome = backend.train_and_evaluate(
                    hp, report, paths.CACHE / "trials" / f"{run_id}-{trial.number}",
                    saver(trial.number))
            except optuna.TrialPruned:
                raise
            except Exception as exc:
                trial.set_user_attr("fail_reason", describe_failure(exc))
                raise
            finally:
                free_memory()
            trial.set_user_attr("best_epoch", outcome.best_epoch)
            trial.set_user_attr("trainable_params", outcome.trainable_params)
            for key, value in outcome.extra.items():  # backend-specific figures, e.g. truncation
                trial.set_user_attr(key, value)
            if best_saved["trial"] == trial.number:
                wdata.write_submission(self.folder / "dev_predictions.csv",
                                       list(splits["dev"]["fname"]), outcome.predictions)
            return outcome.value

        started = time.perf_counter()
        bar = tqdm(total=sc["n_trials"], desc=f"study {name}", unit="trial", file=sys.stdout,
                   ascii=True, dynamic_ncols=False, ncols=100)

        def on_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
            bar.update(1)
            value = "-" if trial.value is None else f"{trial.value:.4f}"
            best = self._best_value(study)
            bar.set_postfix_str(f"last {trial.state.name.lower()} {value}, best {best}")
            self._record_trials()

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        try:
            study.optimize(objective, n_trials=sc["n_trials"], timeout=sc["timeout"],
                           n_jobs=sc["n_jobs"], catch=(Exception,), callbacks=[on_trial],
                           gc_after_trial=True)
        finally:
            bar.close()
        self._record_trials()
        self.record.data.setdefault("timings", {}).update(
            study_seconds=round(time.perf_counter() - started, 2), finished=records.now())
        self.record.update(status="completed")
        return study

    @staticmethod
    def _best_value(study: optuna.Study) -> str:
        try:
            return f"{study.best_value:.4f}"
        except ValueError:
            return "-"

    def _record_trials(self) -> None:
        """Write every trial of the study, the counts and the best so far into the record."""
        study = self.study
        if study is None:
            return
        trials = study.get_trials(deepcopy=False)
        counts: dict[str, int] = {}
        for t in trials:
            counts[t.state.name] = counts.get(t.state.name, 0) + 1
        best = None
        try:
            bt = study.best_trial
            best = {"number": bt.number, "value": bt.value, "params": bt.params,
                    "model": paths.shown(self.folder / "best-model")
                    if (self.folder / "best-model").exists() else None}
        except ValueError:
            pass
        preset_trial = next((t for t in trials if t.user_attrs.get("origin") == "preset"), None)
        self.record.update(
            trials=[trial_entry(t) for t in trials], counts=counts, best=best,
            preset_trial={"number": preset_trial.number, "value": preset_trial.value,
                          "state": preset_trial.state.name} if preset_trial else None,
        )

    def overview(self) -> Any:
        """What this run will do: preset, model, study settings and the searched parameters."""
        import pandas as pd

        cfg, sc = self.config, self.config["study"]
        model = wconfig.model_id(cfg) or "BART built from model.architecture"
        print(f"preset {cfg['preset']} | model {model} | record {paths.shown(self.folder)}")
        print(f"study {sc['study_name'] or cfg['preset']}: {sc['n_trials']} trials, "
              f"timeout {sc['timeout']} s, sampler {sc['sampler']}, pruner {sc['pruner']}, "
              f"objective dev ROUGE ({cfg['objective']['metric']} mode)")
        rows = [{k: r.get(k) for k in ("name", "group", "type", "range", "step", "log",
                                       "condition", "value")}
                for r in spaces.describe(self.searched(), cfg["hparams"]) if r["searched"]]
        frame = pd.DataFrame(rows).rename(columns={"value": "trial 0 (preset)"})
        return frame.set_index("name") if rows else frame

    def summary(self) -> Any:
        """Best trial against the preset's own config (trial 0) and the lead-2 baseline."""
        import pandas as pd

        data = self.record.data
        rows = [{"what": "lead-2 baseline (first two turns)",
                 "dev ROUGE": data.get("baselines", {}).get("lead2", {}).get("final")}]
        if data.get("preset_trial"):
            rows.append({"what": f"preset config (trial {data['preset_trial']['number']})",
                         "dev ROUGE": data["preset_trial"]["value"]})
        if data.get("best"):
            rows.append({"what": f"best (trial {data['best']['number']})",
                         "dev ROUGE": data["best"]["value"]})
        print(f"record: {paths.shown(self.record.path)}; trials by state: {data.get('counts')}")
        return pd.DataFrame(rows).set_index("what")

    def trials_frame(self) -> Any:
        """The record's trials as a table (one row per trial)."""
        import pandas as pd

        rows = []
        for t in self.record.data.get("trials", []):
            row = {k: t[k] for k in ("number", "state", "value", "origin", "duration_s",
                                     "best_epoch")}
            row.update(t["params"])
            row["reason"] = t["fail_reason"] or t["prune_reason"]
            rows.append(row)
        return pd.DataFrame(rows).set_index("number") if rows else pd.DataFrame()


def start_run(notebook: str, **params: Any) -> StudyRun:
    """Validate the notebook's parameters, resolve the config and open the run's record.

    A run that fails here still leaves a record with status 'failed' and the reason.
    """
    record = records.open_record(notebook, params, RUN_STUDY_PARAMETERS)
    try:
        overrides = dict(params.get("overrides") or {})
        for key in STUDY_KEYS:
            if params.get(key) is not None:
                overrides[f"study.{key}"] = params[key]
        config = wconfig.resolve(params["preset"], overrides)
    except BaseException as exc:
        record.fail(exc)
        raise
    record.update(config=records.shown_config(config))
    return StudyRun(config, record)
