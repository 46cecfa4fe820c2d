"""The decoding-only Optuna study on the fixed model (trial 0: the checkpoint's own decoding),
and how its trials' cost compares with a training trial's on the same preset."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
import pandas as pd

from workbench import paths, records, spaces
from workbench import storage as wstorage
from workbench.gentune.generator import DECODING_KEYS, Generator, decoding

# --------------------------------------------------------------------------- the study


def generation_params(space: spaces.Space, names: Sequence[str] | None) -> list[spaces.Param]:
    """The searched decoding params: `names` (or the generation group) of the run's space."""
    chosen = spaces.select(space, list(names) if names else ["generation"])
    bad = [p.name for p in chosen if p.name not in DECODING_KEYS]
    if bad:
        raise ValueError(f"search: {', '.join(bad)} are not decoding parameters; generation "
                         f"tuning searches only {', '.join(DECODING_KEYS)}")
    return chosen


def optimize_decoding(generator: Generator, base: Mapping[str, Any],
                      params: list[spaces.Param], n_trials: int, storage: str | None,
                      study_name: str, callbacks: Sequence[Any] = ()) -> optuna.Study:
    """An Optuna study over decoding only: trial 0 is `base`, each trial one batched pass."""
    from workbench.study.samplers import make_sampler

    opened = wstorage.open_storage(storage) if storage else None
    study = optuna.create_study(study_name=study_name, storage=opened, direction="maximize",
                                sampler=make_sampler(generator.config["study"]),
                                load_if_exists=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["dev ROUGE"])
    if not study.trials:
        values, _ = spaces.enqueue_params(params, base)
        study.enqueue_trial(values, user_attrs={"origin": "checkpoint"})
    fixed = dict(base)

    def objective(trial: optuna.Trial) -> float:
        d = {**decoding(fixed), **spaces.suggest(trial, params, fixed)}
        ev = generator.evaluate(d)
        trial.set_user_attr("seconds", round(ev.seconds, 4))
        for key in ("rouge1", "rouge2", "rougeL", "final"):
            trial.set_user_attr(key, ev.scores[key])
        trial.set_user_attr("diversity", {k: round(v, 4) for k, v in ev.figures.items()})
        if ev.degenerate:
            trial.set_user_attr("degenerate", "; ".join(ev.degenerate))
        trial.set_constraint("degenerate", 1.0 if ev.degenerate else 0.0)
        return ev.objective

    study.optimize(objective, n_trials=n_trials, callbacks=list(callbacks))
    return study


def training_times(run: Mapping[str, Any]) -> dict[str, Any] | None:
    """Mean duration of a run record's completed training trials, with what they covered."""
    done = [t for t in run.get("trials", [])
            if t.get("state") == "COMPLETE" and t.get("duration_s")]
    if not done:
        return None
    cfg = run.get("config") or {}
    return {"run_id": run.get("run_id"), "trials": len(done),
            "mean_s": sum(t["duration_s"] for t in done) / len(done),
            "dev_samples": (run.get("data") or {}).get("dev"),
            "epochs": (cfg.get("hparams") or {}).get("num_epochs")}


def latest_training_record(preset: str) -> dict[str, Any] | None:
    """The newest run-study record of `preset` under outputs/ with completed trials."""
    folder = paths.OUTPUTS / preset
    for path in sorted(folder.glob(f"*/{records.RESULTS}"), reverse=True):
        try:
            data = records.read_results(path)
        except (OSError, ValueError):
            continue
        if data.get("notebook") == "run-study" and training_times(data):
            return data
    return None


def timing_table(study: optuna.Study, eval_size: int, run: Mapping[str, Any] | None
                 ) -> pd.DataFrame:
    """Seconds per generation trial against seconds per training trial on the same preset."""
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    gen_s = [t.duration.total_seconds() for t in done if t.duration]
    rows = [{"trial kind": "generation only (this study)", "trials": len(gen_s),
             "mean seconds": sum(gen_s) / len(gen_s) if gen_s else None,
             "dev samples": eval_size, "source": "this record"}]
    train = training_times(run) if run else None
    if train:
        rows.append({"trial kind": f"training ({train['epochs']} epochs, eval every epoch)",
                     "trials": train["trials"], "mean seconds": train["mean_s"],
                     "dev samples": train["dev_samples"], "source": f"run {train['run_id']}"})
    return pd.DataFrame(rows).set_index("trial kind")
