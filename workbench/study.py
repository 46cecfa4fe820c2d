"""The study runner: samplers, pruner, storage, the objective, and a run's record.

`start_run` validates a notebook's parameters and opens the record; `StudyRun.optimize` runs
the Optuna study with trial 0 set to the preset's own config, recording every trial.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
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
from workbench import metrics, paths, records, spaces, storage
from workbench.records import Record

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
    "workers": (int, type(None)),
    "gpus": (str, type(None)),
    "overrides": (dict,),
    "run_dir": (str, type(None)),
}
# Notebook parameters that are config keys of the `study` section.
STUDY_KEYS = ("n_trials", "timeout", "sampler", "pruner", "n_jobs", "storage", "study_name",
              "workers", "gpus")


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


# Config sections that define what a trial's value means; a study never mixes two of them.
TASK_SECTIONS = ("model", "data", "hparams", "search", "objective")


def check_same_task(study: optuna.Study, config: Mapping[str, Any], where: str) -> None:
    """Refuse to add trials to a study created for another model, data, space or objective.

    A resumed study's values must stay comparable: the task part of the config is stored with
    the study when it is created and compared when it is resumed.
    """
    task = json.loads(json.dumps({k: config[k] for k in TASK_SECTIONS}, default=str))
    stored = study.user_attrs.get("task")
    if stored is None:
        if not study.trials:
            study.set_user_attr("task", task)
        return
    if stored == task:
        return
    diffs = sorted(_differences(stored, task))
    shown = ", ".join(diffs[:8]) + (f" and {len(diffs) - 8} more" if len(diffs) > 8 else "")
    raise ValueError(
        f"study {study.study_name!r} in {where} was created with another config ({shown} "
        "differ), so its trials are not comparable with this run's; choose another "
        "study_name, or the same settings to resume it"
    )


def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += _differences(a.get(key), b.get(key), f"{prefix}{key}.")
        return out
    return [] if a == b else [prefix.rstrip(".")]


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


class BestModel:
    """The run's best model on disk, shared by threads and worker processes.

    A trial that beats the best so far saves a candidate folder; `commit` swaps it in under a
    file lock only if it is still the best, so concurrent workers never leave a worse model.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.dir = folder / "best-model"
        self._lockfile = folder / ".best-model.lock"

    def _current(self) -> float:
        info = self.dir / "trial.json"
        if not info.is_file():
            return float("-inf")
        return float(json.loads(info.read_text(encoding="utf-8"))["value"])

    def candidate(self, number: int, value: float) -> Path | None:
        """Where trial `number` should save its model, or None when it is not the best."""
        return self.folder / f".candidate-{number}" if value > self._current() else None

    def commit(self, candidate: Path, number: int, value: float,
               on_best: Any = None) -> bool:
        """Make `candidate` the best model if it still beats the current one."""
        import fcntl

        with open(self._lockfile, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if value <= self._current():
                shutil.rmtree(candidate, ignore_errors=True)
                return False
            (candidate / "trial.json").write_text(
                json.dumps({"trial": number, "value": value}), encoding="utf-8")
            old = self.folder / ".best-model.old"
            shutil.rmtree(old, ignore_errors=True)
            if self.dir.exists():
                self.dir.rename(old)
            candidate.rename(self.dir)
            shutil.rmtree(old, ignore_errors=True)
            if on_best is not None:
                on_best()
            return True


def build_objective(config: Mapping[str, Any], folder: Path, run_id: str,
                    splits: Mapping[str, Any] | None = None) -> Any:
    """The Optuna objective of a run: sample, train, report each epoch, keep the best model.

    Used in the notebook's process and in worker processes alike.
    """
    space = spaces.load_space(config["search"]["space"],
                              model_candidates=config["model"]["candidates"] or None)
    searched = spaces.select(space, list(config["search"]["params"]))
    splits = splits if splits is not None else load_splits(config)
    backend = make_backend(config, splits)
    best = BestModel(folder)
    fnames = list(splits["dev"]["fname"])

    def objective(trial: optuna.Trial) -> float:
        trial.set_user_attr("run_id", run_id)
        sampled = spaces.suggest(trial, searched, config["hparams"])
        hp = {**config["hparams"], **sampled}

        def report(epoch: int, value: float) -> None:
            trial.report(value, epoch)
            if trial.should_prune():
                reason = (f"pruned after epoch {epoch}: {value:.4f} below the median of "
                          "earlier trials")
                trial.set_user_attr("prune_reason", reason)
                raise optuna.TrialPruned(reason)

        saved: dict[str, Path] = {}

        def save_to(value: float) -> Path | None:
            path = best.candidate(trial.number, value)
            if path is not None:
                saved["path"] = path
            return path

        try:
            outcome = backend.train_and_evaluate(
                hp, report, paths.CACHE / "trials" / f"{run_id}-{trial.number}", save_to)
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
        if "path" in saved and saved["path"].exists():
            best.commit(saved["path"], trial.number, outcome.value, lambda: wdata.write_submission(
                folder / "dev_predictions.csv", fnames, outcome.predictions))
        return outcome.value

    return objective


def worker_main(config: dict[str, Any], url: str, study_name: str, folder: str, run_id: str,
                index: int, gpu: str | None, timeout: float | None) -> None:
    """One worker process: run the study's queued trials until none is left."""
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sc = config["study"]
    objective = build_objective(config, Path(folder), run_id)
    opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"],
                                  queue_only=True)
    storage.run_worker(opened, study_name, objective,
                       sampler=make_sampler({**sc, "seed": sc["seed"] + 1 + index}),
                       pruner=make_pruner(sc), catch=(Exception,), gc_after_trial=True,
                       timeout=timeout)


class StudyRun:
    """One run of the run-study notebook: its config, its record, and the study it drives."""

    def __init__(self, config: dict[str, Any], record: Record):
        self.config = config
        self.record = record
        self.study: optuna.Study | None = None

    @property
    def folder(self) -> Path:
        return self.record.folder

    def searched(self) -> list[spaces.Param]:
        """The parameters this run searches (the rest are fixed by the config)."""
        space = spaces.load_space(self.config["search"]["space"],
                                  model_candidates=self.config["model"]["candidates"] or None)
        return spaces.select(space, list(self.config["search"]["params"]))

    def storage_url(self) -> str:
        """The study storage: the configured URL, $WORKBENCH_STORAGE, or SQLite under outputs/."""
        return storage.resolve_url(self.config["study"]["storage"],
                                   paths.OUTPUTS / self.config["preset"] / "optuna.db")

    def optimize(self) -> optuna.Study:
        """Run the study; the record is updated after every trial and marked done or failed."""
        try:
            return self._optimize(join=False)
        except BaseException as exc:
            self._record_trials()
            self.record.fail(exc)
            raise

    def join(self) -> optuna.Study:
        """Work through a study's queued trials started elsewhere, adding none (other machines)."""
        try:
            return self._optimize(join=True)
        except BaseException as exc:
            self._record_trials()
            self.record.fail(exc)
            raise

    def _open(self, url: str, name: str, join: bool) -> tuple[optuna.Study, int]:
        """Create or resume the study; queue trial 0, warm starts and this run's budget."""
        cfg, sc = self.config, self.config["study"]
        opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"])
        if join:
            try:
                study = optuna.load_study(study_name=name, storage=opened)
            except KeyError:
                raise ValueError(f"study {name!r} not found in {storage.mask(url)}: start it "
                                 "without --join first") from None
            return study, len(study.trials)
        study = optuna.create_study(study_name=name, storage=opened, direction="maximize",
                                    sampler=make_sampler(sc), pruner=make_pruner(sc),
                                    load_if_exists=True)
        check_same_task(study, cfg, storage.mask(url))
        before = len(study.trials)
        # Trials still queued from an interrupted run are run by this one, within its budget.
        used = storage.counted(study) - len(
            study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,)))
        if not study.trials:
            values, warnings = spaces.enqueue_params(self.searched(), cfg["hparams"])
            study.enqueue_trial(values, user_attrs={"origin": "preset"})
            for extra in sc["warm_start"]:
                study.enqueue_trial(dict(extra), user_attrs={"origin": "warm_start"})
            if warnings:
                self.record.update(enqueue_warnings=warnings)
        storage.top_up(study, used + sc["n_trials"])
        return study, before

    def _optimize(self, join: bool) -> optuna.Study:
        cfg, sc = self.config, self.config["study"]
        searched = self.searched()
        splits = load_splits(cfg)
        self.record.update(baselines={"lead2": lead_baseline(cfg, splits["dev"])},
                           data={k: len(v) for k, v in splits.items()})
        url = self.storage_url()
        name = sc["study_name"] or cfg["preset"]
        study, before = self._open(url, name, join)
        self.study = study
        self.record.update(study={
            "name": name, "storage": storage.mask(url), "direction": "maximize",
            "objective": f"dev ROUGE, {cfg['objective']['metric']} mode, 100 x mean(R1,R2,RL F1)",
            "sampler": sc["sampler"], "pruner": sc["pruner"],
            "searched": [p.name for p in searched], "trials_before_run": before,
            "n_trials": 0 if join else sc["n_trials"], "joined": join,
        })
        run_id = self.record.data["run_id"]
        started = time.perf_counter()
        queued = len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,)))
        bar = tqdm(total=queued, desc=f"study {name}", unit="trial", file=sys.stdout,
                   ascii=True, dynamic_ncols=False, ncols=100)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        try:
            if sc["workers"] or sc["gpus"]:
                self._run_processes(url, name, run_id, bar)
            else:
                self._run_in_process(url, name, run_id, splits, bar)
        finally:
            bar.close()
        self._record_trials()
        self.record.data.setdefault("timings", {}).update(
            study_seconds=round(time.perf_counter() - started, 2), finished=records.now())
        self.record.update(status="completed")
        return study

    def _progress(self, bar: Any, trial: optuna.trial.FrozenTrial) -> None:
        bar.update(1)
        value = "-" if trial.value is None else f"{trial.value:.4f}"
        bar.set_postfix_str(f"last {trial.state.name.lower()} {value}, "
                            f"best {self._best_value(self.study)}")
        self._record_trials()

    def _run_in_process(self, url: str, name: str, run_id: str, splits: Any, bar: Any) -> None:
        """Run the queued trials here, in `n_jobs` threads."""
        sc = self.config["study"]
        objective = build_objective(self.config, self.folder, run_id, splits)
        queue = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"],
                                     queue_only=True)
        sampler, pruner = make_sampler(sc), make_pruner(sc)
        lock = threading.Lock()

        def on_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
            with lock:
                self._progress(bar, trial)

        def work() -> None:
            storage.run_worker(queue, name, objective, sampler=sampler, pruner=pruner,
                               callbacks=[on_trial], catch=(Exception,), gc_after_trial=True,
                               timeout=sc["timeout"])

        if sc["n_jobs"] <= 1:
            work()
            return
        threads = [threading.Thread(target=work, daemon=True) for _ in range(sc["n_jobs"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def _run_processes(self, url: str, name: str, run_id: str, bar: Any) -> None:
        """Run the queued trials in worker processes: one per GPU, or `workers` on the CPU."""
        import multiprocessing as mp

        sc = self.config["study"]
        gpus = [g.strip() for g in str(sc["gpus"]).split(",") if g.strip()] if sc["gpus"] else []
        slots = gpus or [None] * sc["workers"]
        ctx = mp.get_context("spawn")
        procs = [ctx.Process(target=worker_main, name=f"worker-{i}", args=(
            self.config, url, name, str(self.folder), run_id, i, gpu, sc["timeout"]))
            for i, gpu in enumerate(slots)]
        for p in procs:
            p.start()
        self.record.update(workers=[{"name": p.name, "pid": p.pid, "gpu": gpu}
                                    for p, gpu in zip(procs, slots, strict=True)])
        seen: set[int] = set()
        while any(p.is_alive() for p in procs):
            time.sleep(2)
            self._poll(bar, seen)
        self._poll(bar, seen)
        self.record.update(workers=[{"name": p.name, "pid": p.pid, "gpu": gpu,
                                     "exitcode": p.exitcode}
                                    for p, gpu in zip(procs, slots, strict=True)])

    def _poll(self, bar: Any, seen: set[int]) -> None:
        """Advance the progress bar for trials that worker processes finished."""
        for t in self.study.get_trials(deepcopy=False):
            if t.state.is_finished() and t.number not in seen and \
                    t.user_attrs.get("run_id") == self.record.data["run_id"]:
                seen.add(t.number)
                self._progress(bar, t)

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
