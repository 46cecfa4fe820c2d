"""The study runner: trial 0 is the preset, trials are recorded, failures don't stop a study."""

import json

import helpers
import optuna
import pytest
from helpers import outcome, read_record, run_at_once, sqlite_url

from workbench import paths, records, validate
from workbench import study as wstudy
from workbench.study import execution
from workbench.study.start import RUN_STUDY_PARAMETERS

# The shared quick settings; tiny-bart keeps its learning rate fixed, these runner tests
# search it.
QUICK = {**helpers.QUICK,
         "search.params": ["learning_rate", "batch_size", "weight_decay", "num_beams"]}


def test_study_records_trials_and_trial0_is_the_preset(tmp_path):
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=3,
                           storage=sqlite_url(tmp_path), study_name="t", pruner="none",
                           overrides=dict(QUICK),
                           run_dir=str(tmp_path / "rec"))
    study = run.optimize()
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "completed"
    assert len(rec["trials"]) == 3 == len(study.trials)
    first = rec["trials"][0]
    assert first["origin"] == "preset"
    for name, value in first["params"].items():
        assert value == pytest.approx(run.config["hparams"][name]), name
    for t in rec["trials"]:
        assert t["state"] == "COMPLETE"
        assert set(t["epoch_scores"]) == {"1", "2"}
        assert t["value"] == pytest.approx(max(t["epoch_scores"].values()))
        assert t["duration_s"] > 0 and t["trainable_params"] > 0
    assert rec["best"]["value"] == pytest.approx(max(t["value"] for t in rec["trials"]))
    assert rec["baselines"]["lead2"]["final"] > 0
    assert rec["config"]["hparams"]["num_epochs"] == 2
    assert rec["versions"]["optuna"] == optuna.__version__
    assert rec["study"]["searched"] == [p.name for p in run.searched()]
    assert (tmp_path / "rec" / "best-model" / "config.json").is_file()
    assert (tmp_path / "rec" / "dev_predictions.csv").is_file()


def test_a_run_loads_its_space_when_it_resolves_and_never_again(fake_backend, tmp_path,
                                                                monkeypatch):
    """The objective, the sampler's trial 0 and the record take the `Resolved`'s space: a whole
    run loads spaces only while resolving (tests/test_config.py says which two loads)."""
    from workbench import spaces

    real, loads = spaces.load_space, []

    def counted(name, model_candidates=None):
        loads.append(str(name))
        return real(name, model_candidates)

    def fake(self, hp, report, outdir, save_to=None):
        report(1, hp["learning_rate"] * 1000)
        return outcome(hp["learning_rate"] * 1000)

    monkeypatch.setattr(spaces, "load_space", counted)
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=sqlite_url(tmp_path), run_dir=str(tmp_path / "rec"),
                           overrides={**QUICK, **fake_backend(fake)})
    assert run.searched() == run.resolved.searched
    resolving = list(loads)
    run.optimize()
    assert resolving == ["tiny", spaces.CATALOGUE] and loads == resolving


def test_resuming_a_study_does_not_enqueue_trial0_again(fake_backend, tmp_path):
    def fake(self, hp, report, outdir, save_to=None):
        report(1, hp["learning_rate"] * 1000)
        return outcome(hp["learning_rate"] * 1000)

    selected = fake_backend(fake)
    kw = dict(preset="tiny-bart", n_trials=2, storage=sqlite_url(tmp_path), study_name="resume",
              overrides={**QUICK, **selected})
    wstudy.start_run("run-study", run_dir=str(tmp_path / "a"), **kw).optimize()
    study = wstudy.start_run("run-study", run_dir=str(tmp_path / "b"), **kw).optimize()
    assert len(study.trials) == 4
    assert [t.user_attrs.get("origin") for t in study.trials].count("preset") == 1
    rec = json.loads((tmp_path / "b" / "results.json").read_text(encoding="utf-8"))
    assert rec["study"]["trials_before_run"] == 2
    assert [t["run_id"] for t in rec["trials"]] == ["a", "a", "b", "b"]


def test_failed_trial_is_recorded_and_the_study_goes_on(fake_backend, tmp_path):
    calls = []

    def flaky(self, hp, report, outdir, save_to=None):
        calls.append(hp)
        if len(calls) == 2:
            raise FloatingPointError("loss is nan")  # out of memory is pruned (test_gpu_contact)
        report(1, 10.0 + len(calls))
        return outcome(10.0 + len(calls))

    selected = fake_backend(flaky)
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=3,
                           storage=sqlite_url(tmp_path), overrides={**QUICK, **selected},
                           run_dir=str(tmp_path / "rec"))
    run.optimize()
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    states = [t["state"] for t in rec["trials"]]
    assert states == ["COMPLETE", "FAIL", "COMPLETE"]
    assert rec["trials"][1]["fail_reason"] == "numerical failure: FloatingPointError: loss is nan"
    assert rec["counts"] == {"COMPLETE": 2, "FAIL": 1}
    assert rec["status"] == "completed"


def test_pruned_trial_is_recorded_with_its_reason(fake_backend, tmp_path):
    def curve(self, hp, report, outdir, save_to=None):
        good = hp["learning_rate"] > 1e-4
        for epoch in (1, 2, 3):
            report(epoch, (20.0 if good else 5.0) + epoch)
        return outcome(23.0)

    over = {**QUICK, "study.pruner.name": "median", "study.pruner.n_startup_trials": 1,
            "study.pruner.n_warmup_steps": 0, "study.warm_start": [{"learning_rate": 1e-6}]}
    selected = fake_backend(curve)
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=sqlite_url(tmp_path), overrides={**over, **selected},
                           run_dir=str(tmp_path / "rec"))
    run.optimize()
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert [t["origin"] for t in rec["trials"]] == ["preset", "warm_start"]
    pruned = rec["trials"][1]
    assert pruned["state"] == "PRUNED"
    assert pruned["epoch_scores"] == {"1": 6.0}
    assert "pruned after epoch 1" in pruned["prune_reason"]


def test_the_last_epoch_is_never_pruned(fake_backend, tmp_path):
    """Pruning after the last epoch saves nothing and would throw the trial's result away."""
    def curve(self, hp, report, outdir, save_to=None):
        good = hp["learning_rate"] > 1e-4
        report(1, 20.0)
        report(2, 21.0 if good else 5.0)  # below the median only at the last epoch (2)
        return outcome(21.0 if good else 20.0)

    over = {**QUICK, "study.pruner.name": "median", "study.pruner.n_startup_trials": 1,
            "study.pruner.n_warmup_steps": 0, "study.warm_start": [{"learning_rate": 1e-6}]}
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=sqlite_url(tmp_path), overrides={**over, **fake_backend(curve)},
                           run_dir=str(tmp_path / "rec"))
    run.optimize()
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert [t["state"] for t in rec["trials"]] == ["COMPLETE", "COMPLETE"]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"n_trials": "two"}, "parameter 'n_trials': expected int or None"),
        ({"n_trials": True}, "parameter 'n_trials'"),
        ({"overrides": {"hparams.nope": 1}}, "unknown key 'hparams.nope'"),
        ({"sampler": "grid"}, "study.sampler.name: 'grid' is not one of"),
        ({"preset": "nope"}, "unknown preset 'nope'"),
    ],
)
def test_bad_parameters_fail_before_work_and_leave_a_record(tmp_path, params, needle):
    args = {"preset": "tiny-bart", "overrides": {}, "run_dir": str(tmp_path / "rec"), **params}
    with pytest.raises(ValueError) as err:
        wstudy.start_run("run-study", **args)
    assert needle in str(err.value)
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "failed"
    assert needle in rec["error"]["message"]


def test_unknown_parameter_refused():
    with pytest.raises(records.ParameterError, match="unknown parameter 'n_trail'"):
        records.check_parameters({"preset": "tiny-bart", "n_trail": 3},
                                 RUN_STUDY_PARAMETERS)


def test_storage_password_masked():
    masked = records.mask_url("postgresql+psycopg2://user:s3cret@db.example/optuna")
    assert "s3cret" not in masked and "user" in masked


@pytest.mark.parametrize("sampler", ["gp", "random", "tpe"])
def test_each_sampler_runs(fake_backend, tmp_path, sampler):
    def fake(self, hp, report, outdir, save_to=None):
        value = -abs(hp["learning_rate"] - 3e-4) * 1e4 + hp["num_beams"]
        report(1, value)
        return outcome(value)

    selected = fake_backend(fake)
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=4, sampler=sampler,
                           pruner="none", storage=sqlite_url(tmp_path),
                           overrides={**QUICK, **selected},
                           run_dir=str(tmp_path / "rec"))
    study = run.optimize()
    assert type(study.sampler).__name__.lower().startswith(sampler)
    assert type(study.pruner).__name__ == "NopPruner"
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 4
    assert len({t.params["learning_rate"] for t in study.trials}) == 4


def test_a_named_strategy_drives_the_study_and_the_record_says_so(fake_backend, tmp_path):
    def fake(self, hp, report, outdir, save_to=None):
        report(1, hp["learning_rate"] * 1000)
        return outcome(hp["learning_rate"] * 1000)

    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2, strategy="reference",
                           storage=sqlite_url(tmp_path), run_dir=str(tmp_path / "rec"),
                           overrides={**QUICK, **fake_backend(fake)})
    study = run.optimize()
    assert type(study.sampler).__name__ == "TPESampler" and not study.sampler._multivariate
    assert type(study.pruner).__name__ == "MedianPruner"
    rec = read_record(tmp_path / "rec")["study"]
    assert rec["strategy"] == "reference" and rec["sampler"] == "tpe" and rec["pruner"] == "median"
    assert rec["search_settings"]["sampler"]["multivariate"] is False
    assert rec["search_settings"]["pruner"]["n_warmup_steps"] == 3


@pytest.mark.parametrize("pruner, cls, why", [
    ("median", "MedianPruner", "below the median of earlier trials"),
    ("percentile", "PercentilePruner", "below the 25th percentile"),
    ("successive_halving", "SuccessiveHalvingPruner", "top 1/3 of its rung"),
    ("hyperband", "HyperbandPruner", "Hyperband bracket"),
    ("wilcoxon", "WilcoxonPruner", "Wilcoxon test, p < 0.1"),
])
def test_each_pruner_is_built_from_the_config_and_says_why_it_pruned(pruner, cls, why):
    from workbench.study.samplers import make_pruner, prune_reason

    sc = validate.resolve("tiny-bart", {"study.pruner.name": pruner}).config["study"]
    assert type(make_pruner(sc)).__name__ == cls
    assert type(make_pruner(sc, multi=True)).__name__ == "NopPruner"
    assert why in prune_reason(sc, 1, 12.5) and "after epoch 1: objective 12.5000" in (
        prune_reason(sc, 1, 12.5))


def test_resuming_with_another_config_is_refused(fake_backend, tmp_path):
    def fake(self, hp, report, outdir, save_to=None):
        report(1, 1.0)
        return outcome(1.0)

    kw = dict(preset="tiny-bart", n_trials=1, storage=sqlite_url(tmp_path), study_name="same")
    selected = fake_backend(fake)
    wstudy.start_run("run-study", run_dir=str(tmp_path / "a"), overrides={**QUICK, **selected},
                     **kw).optimize()
    # Budget and sampler may change between runs; the task may not.
    wstudy.start_run("run-study", run_dir=str(tmp_path / "b"), sampler="random",
                     overrides={**QUICK, **selected}, **kw).optimize()
    other = {**QUICK, "hparams.num_epochs": 3, "data.max_dev_samples": 10}
    run = wstudy.start_run("run-study", run_dir=str(tmp_path / "c"),
                           overrides={**other, **selected}, **kw)
    with pytest.raises(ValueError) as err:
        run.optimize()
    msg = str(err.value)
    assert "hparams.num_epochs" in msg and "data.max_dev_samples" in msg and "'same'" in msg


def test_nothing_of_a_pruned_or_failed_trial_survives_into_the_next(fake_backend, tmp_path):
    """A trial's model lives in reference cycles and in its exception's traceback; the runner
    frees it after the trial has ended, before the next one starts."""
    import gc
    import logging
    import weakref

    class Model:  # stands in for a torch module: it refers to itself through its hooks
        def __init__(self):
            self.hooks = [self]

    models, alive_at_start = [], []

    def train(model, report, value, epochs):
        if value < 0:
            raise RuntimeError("numbers went wrong")
        for epoch in range(1, epochs + 1):
            report(epoch, value)

    def fake(self, hp, report, outdir, save_to=None):
        alive_at_start.append(sum(ref() is not None for ref in models))
        model = Model()
        models.append(weakref.ref(model))
        value = [20.0, 5.0, -1.0, 20.0][len(models) - 1]  # complete, pruned, failed, complete
        train(model, report, value, 3)
        return outcome(value)

    over = {**QUICK, "study.pruner.name": "median", "study.pruner.n_startup_trials": 1,
            "study.pruner.n_warmup_steps": 0}
    with pytest.MonkeyPatch.context() as mp:
        selected = fake_backend(fake)
        # pytest's log capture keeps each record, and with it the failed trial's traceback
        mp.setattr(logging.getLogger("optuna"), "handlers", [])
        gc.disable()  # only the runner's own collections count
        try:
            run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=4,
                                   storage=sqlite_url(tmp_path), overrides={**over, **selected},
                                   run_dir=str(tmp_path / "rec"))
            study = run.optimize()
        finally:
            gc.enable()
    assert [t.state.name for t in study.trials] == ["COMPLETE", "PRUNED", "FAIL", "COMPLETE"]
    assert alive_at_start == [0, 0, 0, 0]
    assert all(ref() is None for ref in models)


def test_free_memory_hands_the_c_heap_back():
    if execution._LIBC is None:
        pytest.skip("not glibc: no malloc_trim")
    execution.free_memory()  # callable with no arguments, and as a callback
    execution.free_memory(None, None)


def test_tables_are_computed_from_the_record_alone():
    """The notebook's tables are pure functions of results.json: no study, no storage."""
    from workbench.study import tables

    data = {
        "baselines": {"lead2": {"final": 20.0, "distinct_share": 1.0},
                      "constant": {"final": 25.0, "distinct_share": 0.025}},
        "preset_trial": {"number": 0, "value": 70.0, "state": "COMPLETE"},
        "best": {"number": 1, "value": 74.5},
        "counts": {"COMPLETE": 2, "PRUNED": 1}, "degenerate": {"count": 1, "trials": [2]},
        "trials": [
            {"number": n, "state": s, "value": v, "origin": "sampler", "duration_s": 1.0,
             "best_epoch": 3, "params": {"num_beams": b}, "trainable_params": 10,
             "fail_reason": None, "prune_reason": None,
             "extra": {"diversity": {"distinct_share": d, "top_share": 0.1},
                       **({"degenerate": "no healthy epoch"} if d < 0.5 else {})}}
            for n, s, v, b, d in ((0, "COMPLETE", 70.0, 1, 1.0), (1, "COMPLETE", 74.5, 3, 0.95),
                                  (2, "COMPLETE", 0.0, 4, 0.1))],
    }
    rows = {r["what"].split(" (")[0]: r for r in tables.summary_rows(data)}
    assert rows["best"] == {"what": "best (trial 1)", "dev ROUGE": 74.5, "distinct": 0.95}
    assert (rows["constant output"]["dev ROUGE"], rows["constant output"]["distinct"]) == (
        25.0, 0.025)
    lines = tables.summary_lines(data, "outputs/x/results.json")
    assert "+54.5000 over lead-2, +49.5000 over the best constant output" in lines[2]
    assert lines[1].startswith("degenerate (no healthy epoch, never the best): 1")
    trial_rows = tables.trial_rows(data, ["dev ROUGE"])
    assert [r["distinct"] for r in trial_rows] == [1.0, 0.95, 0.1]
    assert trial_rows[2]["reason"] == "no healthy epoch" and trial_rows[0]["num_beams"] == 1


def test_resumed_and_concurrent_runs_never_train_a_config_twice(fake_backend, tmp_path):
    """A resumed study (or a second process) must not draw its earlier run's configs again:
    samplers move on by the trials a study holds, and a config already trained is not trained
    again."""

    trained: list[tuple] = []

    def fake(self, hp, report, outdir, save_to=None):
        trained.append((hp["learning_rate"], hp["batch_size"], hp["weight_decay"],
                        hp["num_beams"]))
        report(1, hp["learning_rate"] * 1000)
        return outcome(hp["learning_rate"] * 1000)

    kw = dict(preset="tiny-bart", n_trials=3, sampler="random", pruner="none",
              storage=sqlite_url(tmp_path), study_name="again",
              overrides={**QUICK, **fake_backend(fake)})
    for run in ("a", "b", "c"):  # a fresh study, then resumed twice
        wstudy.start_run("run-study", run_dir=str(tmp_path / run), **kw).optimize()
    runs = [wstudy.start_run("run-study", run_dir=str(tmp_path / f"p{i}"), **kw)
            for i in (1, 2)]  # two processes on the same study at once
    run_at_once(runs)
    study = runs[0].study
    params = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(study.trials) == 15  # two runs started at once each finish their own budget
    copies = [t for t in study.trials if "duplicate_of" in t.user_attrs]
    # A config that another run was training at that moment is pruned, naming that trial.
    waited = [t for t in study.trials
              if (t.user_attrs.get("prune_reason") or "").startswith("duplicate of trial")]
    assert len(set(trained)) == len(trained), "no config was trained twice"
    assert len(set(params)) + len(copies) + len(waited) == len(params)
    for t in copies:  # a copy says whose values it took, and they are that trial's
        assert t.values == study.trials[t.user_attrs["duplicate_of"]].values


def test_runs_whose_record_folders_share_a_name_train_in_folders_of_their_own(fake_backend,
                                                                               tmp_path):
    """Two runs recorded in a/rec and b/rec (each study's trial 0): the trial's working folder
    under outputs/cache/trials/ is its run's own, so neither cleans up the other's checkpoints
    (two such runs at once once lost a checkpoint to the other's Trainer)."""
    used = []

    def fake(self, hp, report, outdir, save_to=None):
        used.append(outdir)
        report(1, 1.0)
        return outcome(1.0)

    selected = fake_backend(fake)
    for where in ("a", "b"):
        wstudy.start_run("run-study", preset="tiny-bart", n_trials=1, storage=sqlite_url(tmp_path),
                         study_name=where, overrides={**QUICK, **selected},
                         run_dir=str(tmp_path / where / "rec")).optimize()
    assert len(used) == 2 and used[0] != used[1]
    assert all(u.parent == paths.CACHE / "trials" and u.name.startswith("rec-0-") for u in used)


def _sampled_configs(fake_backend, tmp_path):
    """A fake training that scores by learning rate, with the kwargs of random-sampler runs of
    it on one study."""

    def fake(self, hp, report, outdir, save_to=None):
        report(1, hp["learning_rate"] * 1000)
        return outcome(hp["learning_rate"] * 1000)

    return dict(preset="tiny-bart", n_trials=3, sampler="random", pruner="none",
                storage=sqlite_url(tmp_path), study_name="together",
                overrides={**QUICK, **fake_backend(fake)})


def test_two_runs_started_together_draw_different_configs(fake_backend, tmp_path, monkeypatch):
    """Two runs of a resumed study started together read the same trial count before either
    queues a trial; seeded alike they would draw the same configs (half of them then pruned as
    'training the same config now'). Each run's seed moves on by the first trial it queued, so
    the runs queue different trials."""
    import threading

    from workbench.study import lifecycle

    kw = _sampled_configs(fake_backend, tmp_path)
    wstudy.start_run("run-study", run_dir=str(tmp_path / "first"), **kw).optimize()
    both_counted = threading.Barrier(2, timeout=120)
    claim = lifecycle.claim

    def claim_together(study, record, n):  # both runs have counted the study's trials here
        both_counted.wait()
        return claim(study, record, n)

    monkeypatch.setattr(lifecycle, "claim", claim_together)
    runs = [wstudy.start_run("run-study", run_dir=str(tmp_path / name), **kw)
            for name in ("p1", "p2")]
    run_at_once(runs)
    trials = runs[0].study.trials
    drawn = {name: [tuple(sorted(t.params.items())) for t in trials
                    if t.user_attrs.get("run_id") == name] for name in ("p1", "p2")}
    assert len(drawn["p1"]) == len(drawn["p2"]) == 3
    assert not set(drawn["p1"]) & set(drawn["p2"]), "the two runs drew the same configs"
    duplicates = [t.number for t in trials if "duplicate_of" in t.user_attrs
                  or (t.user_attrs.get("prune_reason") or "").startswith("duplicate of trial")]
    assert not duplicates


def test_a_fresh_study_draws_what_its_seed_says(fake_backend, tmp_path):
    """A fresh study's single run keeps study.seed: the same config on a new study draws the
    same configs again (reproducible), whatever run id and folder it gets."""
    kw = _sampled_configs(fake_backend, tmp_path)
    drawn = []
    for name in ("one", "two"):
        study = wstudy.start_run("run-study", run_dir=str(tmp_path / name),
                                 **{**kw, "study_name": name}).optimize()
        drawn.append([t.params for t in study.trials if t.user_attrs.get("origin") != "preset"])
    assert drawn[0] == drawn[1] and len(drawn[0]) == 2
