"""Search strategies: several objectives, constraints, stages, adaptive search and warm starts.

Runner-level tests replace the training with a known function of the hyperparameters (the
pattern of test_study.py); two small real runs check what the fakes cannot: the measured
inference time with the notebook, and that an infeasible config never builds a model.
"""

import json
import math
import statistics

import optuna
import pytest
import yaml
from helpers import QUICK, sqlite_url

from workbench import backends, cli, paths, spaces
from workbench import study as wstudy
from workbench.backends.base import TrialOutcome
from workbench.config import ConfigError
from workbench.spaces import Param
from workbench.strategies import adaptive, constraints, stages
from workbench.strategies import targets as objectives
from workbench.study.samplers import make_sampler

FAKE = {"model.backend": "fake"}  # the backend the `calls` fixture registers
# Estimated peak memory of tiny-bart (input 512): batch 4 ~0.07 GiB, 8 ~0.12, 16 ~0.23, 32 ~0.43.
SMALL_GIB = 0.15


def read(folder):
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def known(hp):
    """A known function of the hyperparameters standing in for dev ROUGE."""
    return (30.0 - abs(hp["batch_size"] - 8) - 10 * hp["weight_decay"] - 2 * hp["label_smoothing"]
            - abs(hp["repetition_penalty"] - 1.2) + 0.5 * (hp["noise_removal_level"] == "moderate"))


def known_training(calls):
    def train_and_evaluate(self, hp, report, outdir, save_to=None):
        calls.append(dict(hp))
        value = known(hp)
        report(1, value - 1.0)
        report(2, value)
        extra = {"inference_s_per_dialogue": 0.01 * hp["num_beams"]} if self.timing else {}
        return TrialOutcome(value=value, best_epoch=2, epoch_scores={}, predictions=["x"] * 12,
                            train_seconds=0.0, trainable_params=1, extra=extra)

    return train_and_evaluate


@pytest.fixture
def calls(fake_backend):
    """The hyperparameters of every trial trained with `known` (backend "fake": FAKE)."""
    made: list[dict] = []
    fake_backend(known_training(made))
    return made


# --------------------------------------------------------------------------- several objectives


@pytest.mark.slow
def test_multi_objective_notebook_run_records_a_pareto_front(tmp_path):
    over = {**QUICK, "hparams.num_epochs": 1, "objective.timing_samples": 2,
            "objective.timing_repeats": 2, "study.sampler.n_startup_trials": 2}
    folder = cli.run_notebook("run-study", {
        "preset": "tiny-bart", "n_trials": 3, "objective": "multi", "pruner": "median",
        "storage": sqlite_url(tmp_path), "overrides": over}, out_dir=tmp_path / "rec")
    rec = read(folder)
    assert rec["status"] == "completed", rec.get("error")
    study = rec["study"]
    assert study["directions"] == ["maximize", "minimize", "minimize"]
    assert [o["name"] for o in study["objectives"]] == ["rouge", "inference_time", "model_size"]
    assert "total parameters" in study["objectives"][2]["measures"]
    assert "median of 2 timed passes" in study["objectives"][1]["measures"]
    assert "'median' was asked for" in study["pruning"] and study["pruner"] == "none"
    done = [t for t in rec["trials"] if t["state"] == "COMPLETE"]
    assert len(done) == 3
    for t in done:
        rouge, seconds, size = t["values"]
        assert t["value"] == rouge and seconds > 0 and size == pytest.approx(1.440768)
        assert len(t["extra"]["inference_timing"]["passes_s_per_dialogue"]) == 2
        assert set(t["epoch_scores"]) == {"1"}  # kept although Optuna cannot report them
    front = rec["pareto_front"]
    assert front
    directions = study["directions"]
    for a in front:
        assert not any(objectives.dominates(b["values"], a["values"], directions)
                       for b in done if b["number"] != a["number"])
    assert rec["best"]["values"] in [p["values"] for p in front]
    assert rec["best"]["value"] == max(p["values"][0] for p in front)


def test_nsga2_is_selectable_and_directions_are_part_of_the_task(tmp_path, calls):
    kw = dict(preset="tiny-bart", storage=sqlite_url(tmp_path), study_name="mo",
              overrides={**QUICK, **FAKE})
    run = wstudy.start_run("run-study", n_trials=3, sampler="nsga2",
                           objective="rouge,inference_time", run_dir=str(tmp_path / "a"), **kw)
    study = run.optimize()
    assert type(study.sampler).__name__ == "NSGAIISampler"
    assert study.metric_names == ["dev ROUGE", "inference s/dialogue"]
    assert read(tmp_path / "a")["pareto_front"]
    single = wstudy.start_run("run-study", n_trials=1, run_dir=str(tmp_path / "b"), **kw)
    with pytest.raises(ValueError, match="maximize / minimize 2 objective"):
        single.optimize()


# --------------------------------------------------------------------------- constraints


@pytest.mark.parametrize(
    ("hp", "limits", "rules"),
    [
        ({"batch_size": 4}, constraints.Limits(SMALL_GIB, None, None), []),
        ({"batch_size": 32}, constraints.Limits(SMALL_GIB, None, None), ["memory"]),
        ({"num_beams": 6, "max_new_tokens": 160}, constraints.Limits(None, 5, 150), ["too_slow"]),
        ({"num_beams": 6, "max_new_tokens": 150}, constraints.Limits(None, 5, 150), []),
        ({"num_beams": 5, "max_new_tokens": 200}, constraints.Limits(None, 5, 150), []),
        ({"num_beams": 8, "max_new_tokens": 200}, constraints.Limits(None, None, 150), []),
        ({"batch_size": 32, "num_beams": 8, "max_new_tokens": 200},
         constraints.Limits(SMALL_GIB, 5, 150), ["memory", "too_slow"]),
    ],
)
def test_constraint_rules(hp, limits, rules):
    from workbench import config as wconfig

    config = wconfig.compose("tiny-bart")
    verdict = constraints.evaluate(config, {**config["hparams"], **hp}, limits)
    assert sorted(verdict.reasons) == rules
    for key, value in verdict.values.items():
        assert (value > 0) == (key in rules)  # positive = violated, as set_constraint wants


def test_infeasible_trials_are_skipped_before_any_model_is_built(tmp_path, monkeypatch):
    from workbench.backends import seq2seq

    built, trained = [], []
    real_build = seq2seq.build_model

    def counting_build(*args):
        built.append(1)
        return real_build(*args)

    class Spying(seq2seq.Seq2SeqBackend):
        def train_and_evaluate(self, hp, *args, **kwargs):
            trained.append(dict(hp))
            return super().train_and_evaluate(hp, *args, **kwargs)

    monkeypatch.setattr(seq2seq, "build_model", counting_build)
    backends.register("spying", Spying)
    over = {**QUICK, "model.backend": "spying", "hparams.num_epochs": 1,
            "constraints.slow_num_beams": 2,
            "constraints.slow_max_new_tokens": 40,  # max_new_tokens is 50: beams > 2 are slow
            "runtime.eval_batch_size": 8,  # 40 x 4 beams would make trial 3's evaluation too big
            "study.warm_start": [{"batch_size": 32, "num_beams": 1},
                                 {"batch_size": 16, "num_beams": 1},
                                 {"batch_size": 4, "num_beams": 4}]}
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=4, memory_limit=SMALL_GIB,
                           storage=sqlite_url(tmp_path), overrides=over,
                           run_dir=str(tmp_path / "rec"))
    try:
        study = run.optimize()
    finally:
        backends.unregister("spying")
    rec = read(tmp_path / "rec")
    assert [t["state"] for t in rec["trials"]] == ["COMPLETE", "PRUNED", "PRUNED", "PRUNED"]
    assert len(built) == len(trained) == 1
    assert trained[0]["batch_size"] == run.config["hparams"]["batch_size"]  # trial 0, the preset
    assert rec["infeasible"] == {"count": 3, "by_rule": {"memory": 2, "too_slow": 1},
                                 "trials": [1, 2, 3]}
    for t in rec["trials"][1:]:
        assert t["prune_reason"].startswith("infeasible, not trained")
        assert max(t["constraints"].values()) > 0
        assert "constraint_check_s" in t["extra"]  # not trained: `built` and `trained` say so
    assert "estimated peak memory" in rec["trials"][1]["infeasible"]
    assert "num_beams 4 > 2" in rec["trials"][3]["infeasible"]
    assert max(rec["trials"][0]["constraints"].values()) <= 0
    assert study.best_trial.number == 0 and rec["best"]["number"] == 0


# --------------------------------------------------------------------------- stages


STAGE_ORDER = ["model_selection", "learning_rate", "generation", "fine_tuning"]


def test_the_four_stages_run_in_sequence_fixing_the_best_so_far(tmp_path, calls):
    kw = dict(preset="tiny-bart", storage=sqlite_url(tmp_path), pruner="none",
              overrides={**QUICK, **FAKE})
    before: dict = {}  # the best config so far: every earlier stage's best params
    for stage in STAGE_ORDER:
        first = len(calls)
        run = wstudy.start_run("run-study", stage=stage, n_trials=3,
                               run_dir=str(tmp_path / stage), **kw)
        study = run.optimize()
        rec = read(tmp_path / stage)
        info = rec["stage"]
        assert study.study_name == f"tiny-bart-{stage}" == rec["study"]["name"]
        assert info["order"] == STAGE_ORDER and rec["study"]["searched"] == info["searched"]
        # Stage N fixes (or, for what it searches again, starts from) stage N-1's best.
        assert {**info["fixed"], **info["start"]} == before
        for hp in calls[first:]:
            assert {k: hp[k] for k in info["fixed"]} == info["fixed"]
        trial0 = study.trials[0]
        assert trial0.user_attrs["origin"] == "preset"
        assert {k: v for k, v in trial0.params.items() if k in before} == info["start"]
        best = study.best_trial
        before = {**info["fixed"], **best.params}
        assert len(study.trials) == 3
    assert set(read(tmp_path / "fine_tuning")["stage"]["searched"]) == {
        p for s in STAGE_ORDER[:3] for p in read(tmp_path / s)["stage"]["searched"]}
    # Re-running a finished stage adds nothing: its budget is its study's total.
    again = wstudy.start_run("run-study", stage="generation", run_dir=str(tmp_path / "again"),
                             n_trials=3, **kw).optimize()
    assert len(again.trials) == 3


def test_a_stage_whose_predecessor_has_no_completed_trial_stops_clearly(fake_backend, tmp_path):
    def broken(self, hp, report, outdir, save_to=None):
        raise RuntimeError("no GPU today")

    fake_backend(broken)
    kw = dict(preset="tiny-bart", storage=sqlite_url(tmp_path), overrides={**QUICK, **FAKE})
    with pytest.raises(stages.StageError, match="study 'tiny-bart-model_selection' is not in"):
        wstudy.start_run("run-study", stage="learning_rate", run_dir=str(tmp_path / "a"), **kw)
    assert read(tmp_path / "a")["status"] == "failed"

    wstudy.start_run("run-study", stage="model_selection", n_trials=1,
                     run_dir=str(tmp_path / "b"), **kw).optimize()
    with pytest.raises(stages.StageError, match="has no completed .* trial yet: run it first"):
        wstudy.start_run("run-study", stage="learning_rate", run_dir=str(tmp_path / "c"), **kw)


def _plan_file(tmp_path, monkeypatch, plan):
    path = tmp_path / "stages.yaml"
    path.write_text(yaml.safe_dump({"p": plan}), encoding="utf-8")
    monkeypatch.setattr(paths, "STAGES", path)


@pytest.mark.parametrize(
    ("params", "plan", "needle"),
    [
        ({"stage": "nope"}, None, "unknown stage 'nope' in plan 'tiny'"),
        ({"stage": "a"}, {"a": {"trials": 2, "params": ["batch_size"], "after": ["b"]},
                          "b": {"trials": 2, "params": ["num_beams"], "after": ["a"]}},
         "the stage order has a cycle: a -> b -> a"),
        ({"stage": "a"}, {"a": {"trials": 2, "params": ["decoding"]}},
         "p.a.params: space 'tiny': unknown group or parameter 'decoding'"),
        ({"stage": "a"}, {"a": {"trials": 2, "params": ["batch_size"], "after": ["zero"]}},
         "p.a.after: no stage 'zero' in plan 'p'"),
        ({"stage": "a"}, {"a": {"trials": 0, "params": ["batch_size"]}}, "p.a.trials"),
        ({"stage": "a"}, {"a": {"trials": 2, "params": "all"}}, "comes after none"),
        ({"memory_limit": -1.0}, None, "constraints.memory_limit_gib: must be > 0 GiB"),
        ({"overrides": {"constraints.slow_num_beams": -2}}, None, "constraints.slow_num_beams"),
        ({"objective": "rouge,latency"}, None, "objective.targets: ['latency']: choose from"),
        ({"objective": "inference_time,rouge"}, None, "ROUGE comes first"),
        ({"objective": "multi", "adaptive": True}, None, "cannot run a multi-objective study"),
        ({"adaptive": True, "overrides": {"adaptive.shrink": 1.5}}, None, "adaptive.shrink"),
        ({"overrides": {"study.stage_plan": "nope", "study.stage": "a"}}, None,
         "unknown stage plan 'nope'"),
    ],
)
def test_bad_strategy_input_fails_before_any_work(tmp_path, monkeypatch, params, plan, needle):
    if plan is not None:
        _plan_file(tmp_path, monkeypatch, plan)
        params = {**params, "overrides": {"study.stage_plan": "p"}}
    args = {"preset": "tiny-bart", "storage": sqlite_url(tmp_path), "overrides": {},
            "run_dir": str(tmp_path / "rec"), **params}
    with pytest.raises(ValueError) as err:
        wstudy.start_run("run-study", **args)
    assert needle in str(err.value)
    assert read(tmp_path / "rec")["status"] == "failed"
    assert not (tmp_path / "study.db").exists()  # no study was created


def test_stage_plans_shipped_are_valid_for_their_presets():
    from workbench import config as wconfig
    from workbench import validate

    # The reference plan's first stage chooses among the preset's model candidates.
    two = {"model.candidates": ["Bllossom/llama-3.2-Korean-Bllossom-3B", "Qwen/Qwen3-4B"]}
    for preset, over in (("tiny-bart", {}), ("llama", two)):
        resolved = validate.Resolved.of(wconfig.compose(preset, over))
        plan = stages.load_plan(resolved.config["study"]["stage_plan"], resolved.space)
        assert plan.order == STAGE_ORDER
        assert [plan.stages[s].trials for s in plan.order] == (
            [20, 30, 30, 20] if plan.name == "reference" else [6, 8, 8, 6])


# --------------------------------------------------------------------------- adaptive search

SYNTHETIC = [
    Param("x", "g", "float", -10.0, 10.0),
    Param("lr", "g", "float", 1e-6, 1e-2, log=True),
    Param("n", "g", "int", 1, 64),
    Param("w", "g", "float", 0.0, 0.3, step=0.01),
    Param("kind", "g", "categorical", choices=("a", "b", "c", "d")),
]
KIND_PENALTY = {"a": 1.0, "b": 2.0, "c": 0.0, "d": 0.5}
SETTINGS = adaptive.Settings(window=10, threshold=1.0, shrink=0.5, keep_top=3)
BUDGET, SEEDS = 60, range(20)


def synthetic(v):
    """A known function with its maximum 0 at x=2.71, lr=5e-4, n=23, w=0.17, kind=c."""
    return -((v["x"] - 2.71) ** 2 / 4 + (math.log10(v["lr"]) + 3.3) ** 2
             + ((v["n"] - 23) / 8) ** 2 + ((v["w"] - 0.17) / 0.05) ** 2 + KIND_PENALTY[v["kind"]])


def _sampler(seed):
    return make_sampler({"seed": seed, "sampler": {"name": "tpe", "n_startup_trials": 10,
                                                   "n_ei_candidates": 24, "multivariate": True}})


def _objective(trial):
    return synthetic(spaces.suggest(trial, adaptive.phase_params(trial.study, SYNTHETIC), {}))


def plain_best(seed):
    study = optuna.create_study(direction="maximize", sampler=_sampler(seed))
    study.optimize(_objective, n_trials=BUDGET)
    return study.best_value


def adaptive_run(seed):
    store = optuna.storages.InMemoryStorage()

    def open_study(name):
        return optuna.create_study(study_name=name, storage=store, direction="maximize",
                                   load_if_exists=True)

    chain = adaptive.AdaptiveSearch(open_study("s"), SYNTHETIC, SETTINGS, open_study)

    def run_block(study, n, phase):
        optuna.load_study(study_name=study.study_name, storage=store,
                          sampler=_sampler(seed + phase)).optimize(_objective, n_trials=n)
        return n

    chain.run(BUDGET, run_block)
    return chain


def test_adaptive_search_beats_the_same_budget_without_narrowing():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    plain, adapt, narrowed = [], [], 0
    for seed in SEEDS:
        plain.append(plain_best(seed))
        chain = adaptive_run(seed)
        evaluated = [t for _, t in chain.evaluated()]
        assert len(evaluated) == BUDGET  # carried copies are not counted
        adapt.append(max(t.value for t in evaluated))
        narrowed += any(s["action"] == "narrow" for s in chain.log)
    wins = sum(a > p for a, p in zip(adapt, plain, strict=True))
    print(f"\nbest of {BUDGET} trials over {len(SEEDS)} seeds: median plain "
          f"{statistics.median(plain):.3f}, adaptive {statistics.median(adapt):.3f}; "
          f"mean {statistics.mean(plain):.3f} vs {statistics.mean(adapt):.3f}; "
          f"adaptive better in {wins}")
    assert narrowed == len(SEEDS)
    assert statistics.median(adapt) > statistics.median(plain)
    assert statistics.mean(adapt) > statistics.mean(plain)
    assert wins > len(SEEDS) / 2


def test_narrowing_and_widening_spaces():
    study = optuna.create_study(direction="maximize", sampler=_sampler(0))
    study.optimize(_objective, n_trials=30)
    trials = study.trials
    full = {p.name: p for p in SYNTHETIC}
    one = {p.name: p for p in adaptive.reshape(SYNTHETIC, SYNTHETIC, trials, 1, SETTINGS,
                                               True, narrowing=True)}
    two = {p.name: p for p in adaptive.reshape(SYNTHETIC, list(one.values()), trials, 2,
                                               SETTINGS, True, narrowing=True)}
    best = study.best_trial.params
    for name in ("x", "lr", "n", "w"):
        assert full[name].low <= one[name].low <= best[name] <= one[name].high <= full[name].high
        assert one[name].low <= two[name].low <= best[name] <= two[name].high <= one[name].high
    assert isinstance(one["n"].low, int) and round(one["w"].low / 0.01, 9).is_integer()
    assert best["kind"] in two["kind"].choices and len(two["kind"].choices) == 1
    assert len(one["kind"].choices) == 2
    wide = {p.name: p for p in adaptive.reshape(SYNTHETIC, list(two.values()), trials, 0,
                                                SETTINGS, True, narrowing=False)}
    assert wide["kind"].choices == full["kind"].choices
    assert wide["x"].high - wide["x"].low > one["x"].high - one["x"].low
    carried = adaptive.carry(trials, list(two.values()), lambda t: str(t.number))
    assert carried and all(two["x"].low <= t.params["x"] <= two["x"].high for t in carried)


@pytest.mark.parametrize(
    ("values", "level", "action"),
    [
        ([1.0] * 10, 0, "keep"),  # one window: nothing to compare with
        ([1.0] * 10 + [1.5] * 10, 0, "narrow"),  # improved by 0.5 < 1.0
        ([1.0] * 10 + [3.0] * 10, 0, "keep"),  # improved, but the space is already full
        ([1.0] * 10 + [3.0] * 10, 2, "widen"),
        ([1.0] * 10 + [None] * 10, 1, "narrow"),  # pruned / failed trials improve nothing
    ],
)
def test_adaptive_decision(values, level, action):
    gain = adaptive.improvement(values, 10, maximize=True)
    assert adaptive.decide(gain, 1.0, level) == action


def test_adaptive_runner_records_every_step_and_its_space(tmp_path, calls):
    over = {**QUICK, **FAKE, "adaptive.window": 3, "adaptive.threshold": 5.0}
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=9, adaptive=True,
                           pruner="none", storage=sqlite_url(tmp_path), study_name="ad",
                           overrides=over, run_dir=str(tmp_path / "rec"))
    run.optimize()
    rec = read(tmp_path / "rec")
    steps = rec["adaptive"]["steps"]
    assert [s["action"] for s in steps] == ["start", "keep", "narrow"]
    assert rec["adaptive"]["studies"] == ["ad", "ad-adaptive1"]
    narrowed = steps[-1]["space"]
    full = steps[0]["space"]
    assert narrowed["weight_decay"]["high"] - narrowed["weight_decay"]["low"] < \
        full["weight_decay"]["high"] - full["weight_decay"]["low"]
    # Carried copies are not trials; a config the chain already trained is not trained again.
    reused = [t for t in rec["trials"] if "duplicate_of" in t["extra"]]
    assert len(rec["trials"]) == 9 and len(calls) + len(reused) == 9
    for t in rec["trials"]:
        if t["study"] == "ad-adaptive1":
            for name, rng in narrowed.items():
                if name in t["params"] and "low" in rng:
                    assert rng["low"] <= t["params"][name] <= rng["high"] + 1e-12
    assert rec["best"]["value"] == max(t["value"] for t in rec["trials"])
    # A re-run continues in the last phase of the chain.
    again = wstudy.start_run("run-study", preset="tiny-bart", n_trials=3, adaptive=True,
                             pruner="none", storage=sqlite_url(tmp_path), study_name="ad",
                             overrides=over, run_dir=str(tmp_path / "again"))
    again.optimize()
    later = read(tmp_path / "again")
    assert later["adaptive"]["studies"][-1].startswith("ad-adaptive")
    reused_later = [t for t in later["trials"]
                    if t["run_id"] == "again" and "duplicate_of" in t["extra"]]
    assert len(calls) + len(reused) + len(reused_later) == 12


# --------------------------------------------------------------------------- warm start


def test_warm_start_from_a_yaml_file_and_from_an_earlier_record(tmp_path, calls):
    good = tmp_path / "good.yaml"
    good.write_text("- {batch_size: 8, weight_decay: 0.0}\n- {repetition_penalty: 1.2}\n",
                    encoding="utf-8")
    kw = dict(preset="tiny-bart", storage=sqlite_url(tmp_path), pruner="none")
    wstudy.start_run("run-study", n_trials=4, study_name="a", warm_start_file=str(good),
                     overrides={**QUICK, **FAKE}, run_dir=str(tmp_path / "a"), **kw).optimize()
    first = read(tmp_path / "a")
    assert [t["origin"] for t in first["trials"]] == ["preset", "warm_start", "warm_start",
                                                      "sampler"]
    assert first["trials"][1]["params"]["batch_size"] == 8
    assert first["trials"][2]["params"]["repetition_penalty"] == pytest.approx(1.2)
    assert first["trials"][1]["extra"]["warm_start_source"].endswith("good.yaml")
    study = wstudy.start_run("run-study", n_trials=3, study_name="b",
                             warm_start_record=str(tmp_path / "a"),
                             overrides={**QUICK, "study.warm_start_top_k": 2},
                             run_dir=str(tmp_path / "b"), **kw).optimize()
    top = sorted((t for t in first["trials"] if t["state"] == "COMPLETE"),
                 key=lambda t: t["value"], reverse=True)[:2]
    warm = [t for t in study.trials if t.user_attrs["origin"] == "warm_start"]
    assert [t.params for t in warm] == [t["params"] for t in top]
    source = read(tmp_path / "b")["warm_start"][0]["source"]
    assert source.endswith(f"trial {top[0]['number']} (value {top[0]['value']:.4f})")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("- {nope: 1}\n", "not searched by this run: nope"),
        ("batch_size: 8\n", "expected a YAML list"),
        ("- [1, 2]\n", "expected a mapping of searched parameters"),
    ],
)
def test_bad_warm_start_file_is_refused(tmp_path, text, needle):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=needle):
        wstudy.start_run("run-study", preset="tiny-bart", warm_start_file=str(bad),
                         run_dir=str(tmp_path / "rec"))


# --------------------------------------------------------------------------- the command line


def test_study_command_options_reach_the_notebook_parameters():
    args = cli.parser().parse_args([
        "study", "--preset", "tiny-bart", "--optuna_stage", "generation", "--objective", "multi",
        "--memory-limit", "0.5", "--adaptive", "--sampler", "nsga2", "--warm-start-file", "w.yaml",
        "--warm-start-record", "outputs/tiny-bart/x", "--trials", "5"])
    assert cli.study_params(args) == {
        "preset": "tiny-bart", "n_trials": 5, "sampler": "nsga2", "objective": "multi",
        "stage": "generation", "memory_limit": 0.5, "adaptive": True,
        "warm_start_file": "w.yaml", "warm_start_record": "outputs/tiny-bart/x"}
    plain = cli.study_params(cli.parser().parse_args(["study"]))
    assert plain == {"preset": "tiny-bart"}


def test_a_retried_trial_reports_its_constraints_without_a_warning(recwarn):
    """A trial retried after its worker died carries its first attempt's constraints (Optuna's
    retry callback copies them); reporting them again must not warn the user."""
    from optuna.distributions import FloatDistribution
    from optuna.trial import TrialState, create_trial

    from workbench.study.objective import constrain

    study = optuna.create_study()
    study.add_trial(create_trial(  # what RetryHeartbeatStaleTrialCallback enqueues
        state=TrialState.WAITING, params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)},
        system_attrs={"constraints:memory": 2.0, "failed_trial": 0}))
    retried = study.ask()
    constrain(retried, {"memory": 2.0, "too_slow": 0.0})
    assert not [w for w in recwarn if "constraint" in str(w.message)]
    assert retried.constraints == {"memory": 2.0, "too_slow": 0.0}
    fresh = study.ask()
    constrain(fresh, {"memory": 0.0})
    assert fresh.constraints == {"memory": 0.0}
