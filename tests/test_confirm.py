"""Confirmation (study.confirm_top_k): the top configs are trained again with fresh seeds after
the budget, and the study returns the config with the highest mean over its seeds.

One real tiny-bart study (module fixture) checks what the fakes cannot: the seed reaches the
training, and best-model/ and predict agree with the record. The rest replace the training with
a known function of the seed (the pattern of test_study.py).
"""

import json
import re
import statistics

import helpers
import optuna
import pandas as pd
import pytest
from helpers import PLUMBING, outcome, read_record, sqlite_url

from workbench import cli, paths, predict, validate
from workbench import study as wstudy
from workbench.backends import base
from workbench.config import ConfigError
from workbench.strategies import confirm, stages, warmstart
from workbench.study import tables

# Small enough for seconds a trial, trained enough (4 epochs at 3e-3 from random weights) that
# dev ROUGE is not 0 for every seed, so seeds show in the values.
REAL = {**PLUMBING, "model.base.corpus_rows": 0, "data.max_train_samples": 48,
        "data.max_dev_samples": 12, "hparams.num_epochs": 4, "hparams.learning_rate": 3e-3,
        "hparams.warmup_ratio": 0.0, "hparams.num_beams": 1, "hparams.max_new_tokens": 20,
        "hparams.min_new_tokens": 4, "search.params": ["weight_decay", "label_smoothing"],
        "study.confirm_top_k": 2, "study.confirm_seeds": 2}
QUICK = {**helpers.QUICK,
         "search.params": ["learning_rate", "batch_size", "weight_decay", "num_beams"]}


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """A 3-trial tiny-bart study confirming its top 2 configs with 2 seeds each."""
    tmp = tmp_path_factory.mktemp("confirm")
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=3, storage=sqlite_url(tmp),
                           study_name="c", pruner="none", overrides=dict(REAL),
                           run_dir=str(tmp / "rec"))
    study = run.optimize()
    return run, study, read_record(tmp / "rec"), tmp / "rec"


def test_the_top_configs_are_trained_again_with_fresh_seeds(real):
    run, study, rec, _ = real
    trials = rec["trials"]
    assert len(trials) == 3 + 2 * 2 and {t["state"] for t in trials} == {"COMPLETE"}
    confirming = [t for t in trials if t["origin"] == "confirm"]
    originals = sorted(trials[:3], key=lambda t: -t["value"])[:2]
    assert {t["extra"]["confirms"] for t in confirming} == {t["number"] for t in originals}
    for original in originals:
        runs = [t for t in confirming if t["extra"]["confirms"] == original["number"]]
        assert [t["extra"]["trial_seed"] for t in runs] == [43, 44]  # runtime.seed 42 + 1, + 2
        assert all(t["params"] == original["params"] for t in runs)
        assert all(t["extra"]["queued_by"] == rec["run_id"] for t in runs)
        # The seed reaches the training: the same config scores otherwise.
        assert len({original["value"], *(t["value"] for t in runs)}) > 1
        assert all("trial_seed" not in t["extra"] for t in trials[:3])
    assert rec["study"]["confirmation"] == {"top_k": 2, "seeds": 2, "queued": 4}
    rows = tables.trial_rows(rec, run.targets.labels)
    assert [r.get("confirms") for r in rows[3:]] == [t["extra"]["confirms"] for t in confirming]


def test_the_best_is_the_highest_mean_with_its_runs_and_spread(real):
    _, study, rec, _ = real
    best = rec["best"]
    by_number = {t["number"]: t for t in rec["trials"]}
    means = {}
    for config in best["confirmed_configs"]:
        runs = [config["number"]] + [t["number"] for t in rec["trials"]
                                      if t["extra"].get("confirms") == config["number"]]
        means[config["number"]] = statistics.fmean(by_number[n]["value"] for n in runs)
        assert config["mean"] == pytest.approx(means[config["number"]])
        assert config["runs"] == 3
    original = max(means, key=means.get)
    assert best["value"] == pytest.approx(means[original])
    assert [r["number"] for r in best["runs"]][0] == original
    assert [r["seed"] for r in best["runs"]] == [42, 43, 44]
    assert best["seed_std"] == pytest.approx(statistics.stdev(r["value"] for r in best["runs"]))
    assert best["params"] == by_number[original]["params"]
    confirmation_runs = best["runs"][1:]
    assert best["number"] == max(confirmation_runs, key=lambda r: r["value"])["number"]
    assert best["best_single"]["value"] == max(t["value"] for t in rec["trials"])
    assert best["chosen"].startswith("highest mean over 3 seeds of the top-2 configs")
    # Every "best trial" of the study is the same one.
    assert stages.best_of(study).number == best["number"]
    assert tables.best_value([study]) == pytest.approx(best["value"])
    lines = tables.summary_lines(rec, "rec")
    assert any(line.startswith(f"best (trial {best['number']}): mean {best['value']:.4f} ± "
                               f"{best['seed_std']:.4f} over 3 seeds") for line in lines)


def test_the_command_line_says_the_best_is_a_mean(real, capsys):
    _, _, rec, folder = real
    cli._print_record(folder)
    best = rec["best"]
    assert (f"best dev ROUGE {best['value']:.4f} ± {best['seed_std']:.4f}, the mean over 3 "
            f"seeds (trial {best['number']}") in capsys.readouterr().out


def test_best_model_is_the_records_best_and_predict_uses_it(real, tmp_path):
    _, _, rec, folder = real
    saved = json.loads((folder / "best-model" / "trial.json").read_text(encoding="utf-8"))
    assert saved["trial"] == rec["best"]["number"]
    assert not list(folder.glob(".confirmed-*")) and not list(folder.glob(".candidate-*"))
    source = predict.source_of(str(folder))
    assert source.trial["number"] == rec["best"]["number"]
    # The model predicts what the record's dev predictions say (the same trial's).
    dev = pd.read_csv(paths.ROOT / "data" / "sample" / "dev.csv", dtype=str).head(12)
    rows = tmp_path / "rows.csv"
    dev.to_csv(rows, index=False)
    done = predict.predict(str(folder), split=str(rows), decoding="trial",
                           run_dir=str(tmp_path / "p"), progress=False)
    study = pd.read_csv(folder / "dev_predictions.csv", dtype=str, keep_default_na=False)
    assert list(done.frame["summary"]) == list(study["summary"])


# --------------------------------------------------------------------------- fake training


def seeded(calls, low_seeds=False):
    """Training whose value is a known function of the seed, the preset's config (trial 0) the
    best; with `low_seeds`, every confirmation run scores low from its first epoch (a pruner
    would stop it)."""
    preset = validate.resolve("tiny-bart").config["hparams"]["learning_rate"]

    def train(self, hp, report, outdir, save_to=None):
        calls.append(dict(hp))
        seed = hp.get("trial_seed")
        value = (40.0 if hp["learning_rate"] == preset else 10.0) + (seed or 44) - 44
        if low_seeds and seed is not None:
            value = 1.0
        for epoch in (1, 2, 3):
            report(epoch, value - 3 + epoch)
        folder = save_to(value) if save_to else None
        if folder is not None:  # the best model's folder, as a backend saves it
            folder.mkdir(parents=True)
        return outcome(value)

    return train


def test_a_confirmation_run_is_never_pruned(fake_backend, tmp_path):
    calls = []
    over = {**QUICK, **fake_backend(seeded(calls, low_seeds=True)),
            "study.pruner.n_startup_trials": 1, "study.pruner.n_warmup_steps": 0,
            "study.warm_start": [{"learning_rate": 1e-4}], "study.confirm_top_k": 1,
            "study.confirm_seeds": 2}
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=sqlite_url(tmp_path), overrides=over,
                           run_dir=str(tmp_path / "rec"))
    run.optimize()
    rec = read_record(tmp_path / "rec")
    confirming = [t for t in rec["trials"] if t["origin"] == "confirm"]
    assert len(confirming) == 2
    for t in confirming:  # far below the median at every epoch, and trained to the end
        assert t["state"] == "COMPLETE" and set(t["epoch_scores"]) == {"1", "2", "3"}
    assert [c.get("trial_seed") for c in calls] == [None, None, 43, 44]


def test_a_second_run_confirms_with_seeds_not_used_before(fake_backend, tmp_path):
    calls = []
    kw = dict(preset="tiny-bart", n_trials=2, storage=sqlite_url(tmp_path), study_name="again",
              overrides={**QUICK, **fake_backend(seeded(calls)), "study.confirm_top_k": 1,
                         "study.confirm_seeds": 2, "study.warm_start": [{"learning_rate": 1e-4}]})
    wstudy.start_run("run-study", run_dir=str(tmp_path / "a"), **kw).optimize()
    study = wstudy.start_run("run-study", run_dir=str(tmp_path / "b"), **kw).optimize()
    confirming = [t for t in study.trials if confirm.is_confirmation(t)]
    assert [t.user_attrs["trial_seed"] for t in confirming] == [43, 44, 45, 46]
    rec = read_record(tmp_path / "b")
    best = rec["best"]
    config = confirm.chosen(confirm.runs_of(study.trials))
    assert best["value"] == pytest.approx(config.mean) and len(best["runs"]) == len(config.runs)
    saved = json.loads((tmp_path / "b" / "best-model" / "trial.json").read_text())
    assert saved["trial"] == best["number"] == config.kept.number


def test_several_objectives_say_confirmation_is_not_done(fake_backend, tmp_path, capsys):
    def train(self, hp, report, outdir, save_to=None):
        report(1, 10.0)
        return outcome(10.0, {"inference_s_per_dialogue": 0.01 * hp["num_beams"]})

    over = {**QUICK, **fake_backend(train), "study.confirm_top_k": 2}
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=sqlite_url(tmp_path), objective="rouge,inference_time",
                           overrides=over, run_dir=str(tmp_path / "rec"))
    run.optimize()
    rec = read_record(tmp_path / "rec")
    assert not [t for t in rec["trials"] if t["origin"] == "confirm"]
    why = rec["study"]["confirmation"]["not_done"]
    assert why.startswith("not done: study.confirm_top_k 2 was asked for") and "Pareto" in why
    assert f"note: confirmation {why}" in capsys.readouterr().out
    assert f"confirmation {why}" in run.strategy_lines()


def test_adaptive_search_says_confirmation_is_not_done():
    config = validate.resolve("tiny-bart", {"study.confirm_top_k": 1,
                                            "adaptive.enabled": True}).config
    assert "adaptive run" in confirm.not_done(config, multi=False)
    assert confirm.not_done({**config, "adaptive": {"enabled": False}}, multi=False) is None


@pytest.mark.parametrize(("key", "value", "says"), [
    ("study.confirm_top_k", -1, "study.confirm_top_k: must be >= 0 (0: no confirmation"),
    ("study.confirm_seeds", 0, "study.confirm_seeds: must be >= 1 (fresh seeds per confirmed"),
    ("study.confirm_seeds", 1.5, "study.confirm_seeds: expected int"),
])
def test_bad_settings_are_refused_naming_the_key(key, value, says):
    with pytest.raises(ConfigError, match=re.escape(says)):
        validate.resolve("tiny-bart", {key: value})


# --------------------------------------------------------------------------- ranking


def test_ranking_confirmed_configs_by_mean_and_planning_fresh_seeds():
    runs = [confirm.Run(0, 30.0, {"a": 1}), confirm.Run(1, 31.0, {"a": 2}),
            confirm.Run(2, 20.0, {"a": 3}), confirm.Run(3, 31.0, {"a": 2}),  # same seed again
            confirm.Run(4, 29.0, {"a": 1}, confirms=0, seed=43),
            confirm.Run(5, 25.0, {"a": 2}, confirms=1, seed=43)]
    ranked = confirm.ranked(runs)
    assert [c.original.number for c in ranked] == [0, 1, 2]  # 29.5 > 28.0 > unconfirmed
    assert [r.number for r in ranked[1].runs] == [1, 5]
    assert confirm.chosen(runs).kept.number == 4
    assert confirm.chosen(runs[:4]) is None  # no confirmation run: today's best trial


def test_without_confirmation_the_best_trial_is_optunas(tmp_path):
    study = optuna.create_study(direction="maximize")
    for x in (1.0, 3.0, 2.0):
        study.enqueue_trial({"x": x})
    study.optimize(lambda t: t.suggest_float("x", 0, 5), n_trials=3)
    assert confirm.best_trial(study).number == study.best_trial.number == 1
    planned = confirm.plan(study.trials, top_k=2, seeds=2, base_seed=42)
    assert [(p["confirms"], p["seed"]) for p in planned] == [(1, 43), (1, 44), (2, 43), (2, 44)]
    confirm.enqueue(study, planned[:1], {"queued_by": "r"})
    assert [p["seed"] for p in confirm.plan(study.trials, 1, 2, 42)] == [44, 45]


def test_the_trial_seed_is_runtime_seed_unless_a_confirmation_run_sets_one(tmp_path):
    runtime = validate.resolve("tiny-bart").config["runtime"]
    hp = validate.resolve("tiny-bart").config["hparams"]
    assert base.trial_seed(hp, runtime) == runtime["seed"]
    args = base.trial_arguments({**hp, "trial_seed": 7}, runtime, tmp_path, use_cpu=True)
    assert (args["seed"], args["data_seed"]) == (7, 7)
    assert base.trial_arguments(hp, runtime, tmp_path, use_cpu=True)["seed"] == runtime["seed"]


def test_warm_start_from_a_confirmed_record_takes_configs_by_mean(tmp_path):
    def entry(number, value, params, **extra):
        return {"number": number, "state": "COMPLETE", "value": value, "params": params,
                "origin": "confirm" if "confirms" in extra else "sampler", "extra": extra}

    trials = [entry(0, 30.0, {"x": 1}), entry(1, 31.0, {"x": 2}), entry(2, 20.0, {"x": 3}),
              entry(3, 29.0, {"x": 1}, confirms=0, trial_seed=43),
              entry(4, 25.0, {"x": 2}, confirms=1, trial_seed=43)]
    (tmp_path / "results.json").write_text(json.dumps({"trials": trials}), encoding="utf-8")
    top = warmstart.top_trials(str(tmp_path), 3)
    assert [(t["number"], t["value"]) for t in top] == [(0, 29.5), (1, 28.0), (2, 20.0)]
