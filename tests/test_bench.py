"""The benchmark suite runs end to end at tiny sizes and writes a complete report.

Only the report's structure is checked, never a timing: the figures belong to `make bench`.
"""

import json
import math

import pytest

from benchmarks import common, parallel, search
from benchmarks.__main__ import run
from workbench import report as report_module

TINY = {
    "repeats": 1, "scorer_pairs": 40, "overhead_sleep_s": 0.01, "overhead_trials": 2,
    "papermill_runs": 1, "memory_trials": 2, "replay_seeds": 2,
    "parallel_workers": (1, 2), "parallel_trials": 4,
    "parallel_sleep_s": 0.01,
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    out = run("quick", out=folder, sizes={**TINY, "cache_dir": str(folder / "cache")})
    return out, folder


def test_report_files_and_machine(report):
    out, folder = report
    saved = json.loads((folder / "report.json").read_text())
    assert saved["mode"] == "quick" and saved["repeats"] == 1
    assert saved["machine"]["cores"] >= 1 and saved["machine"]["cpu_model"]
    assert "optuna" in saved["machine"]["versions"]
    assert (folder / "report.md").read_text().startswith("# Benchmark")
    assert saved["charts"] == ["search", "memory", "parallel"]
    page = (folder / "report.html").read_text()
    assert report_module.count_charts(page) == 3 and report_module.offline_html(page) == page


def test_every_section_ran_or_says_why_not(report):
    out, _ = report
    for name in common.SECTIONS:
        assert name in out or name in out["skipped"], name
    assert not any(why.startswith("failed") for why in out["skipped"].values()), out["skipped"]


@pytest.mark.slow
def test_section_structure(report):
    out, _ = report
    assert out["scorer"]["identical"] and out["scorer"]["max_abs_score_difference"] <= 1e-9
    assert set(out["scorer"]["speedup"]) >= {"median", "min", "max", "n"}
    assert {"bare_sqlite", "bare_memory", "workbench"} == set(out["overhead"]["seconds_per_trial"])
    assert out["overhead"]["papermill"]["runs"] == 1
    assert out["memory"]["trials"] == 2 and "peak_growth_mb" in out["memory"]
    assert len(out["memory"]["same_config"]["rss_per_trial_mb"]) == 2
    se = out["search"]  # a small live block on the committed table: 3 strategies, 2 seeds
    assert se["live"] and se["world"]["table"]["configs"] >= 200
    assert se["world"]["table"]["noise_runs"] >= 10
    check = se["world"]["surrogate"]["incumbents_check"]  # the planned configs, trained for real
    assert check["configs"] >= 10 and check["seeds_each"] >= 3 and math.isfinite(check["bias"])
    assert se["evaluation"]["seeds"] == [0, 1] and set(se["evaluation"]["budgets"]) == {"12",
                                                                                       "24"}
    at24 = se["evaluation"]["budgets"]["24"]
    assert {n.rsplit("/", 1)[0] for n in at24} == {"random/none", "tpe-tuned/none",
                                                   "tpe-tuned/median-w2"}
    assert se["default_strategy"] == "random+preset/none/best"
    assert at24["random/none/best"]["true_vs_random"]["ties"] == 2
    assert at24["random/none/best"]["reach"]["reached"] == 2
    pruned = at24["tpe-tuned/median-w2/best"]["pruning"]["steps_saved"]
    assert 0 <= pruned["mean"] <= 1
    assert se["selection"]["choice"]["24"]["chosen"] in at24
    assert set(se["evaluation"]["curves"]) == {"random/none/best", "tpe-tuned/none/best",
                                               "tpe-tuned/median-w2/best"}
    text = (report[1] / "report.md").read_text()
    assert "| strategy (sampler/pruner/returned) |" in text and "Surrogate:" in text
    assert [r["workers"] for r in out["parallel"]["runs"]] == [1, 2]
    assert out["generation"]["training_trial_s"]["n"] == 1


def test_spread_counts_targets_never_reached():
    s = common.spread([1.0, 3.0, math.inf])
    assert s == {"median": 3.0, "min": 1.0, "max": 3.0, "n": 3, "n_infinite": 1}
    assert common.spread([math.inf])["median"] is None


def synthetic_table(n: int = 60, seed: int = 0) -> dict:
    """A table whose objective is a known function of the learning rate and batch size
    (peak at lr 1e-3, batch 8) plus seed noise, for the surrogate and the replays."""
    import random

    from benchmarks import table

    rng = random.Random(seed)
    rows, noise = [], []
    for i, params in enumerate(table.sample_configs(common.bench_resolve({}), n)):
        top = 70 - 40 * (math.log10(params["learning_rate"]) + 3) ** 2 \
            - 3 * abs(math.log2(params["batch_size"]) - 3)
        curve = [top - 6, top - 2, top]
        row = {"kind": "row", "id": i, "params": params, "seed": None, "train_rows": 432,
               "steps_per_epoch": 54, "seconds_per_epoch": 5.0 + params["num_beams"],
               "wall_seconds": 20.0}
        rows.append({**row, "curve": [v + rng.gauss(0, 0.5) for v in curve]})
        if i < 3:
            noise += [{**row, "kind": "noise", "seed": s,
                       "curve": [v + rng.gauss(0, 0.5) for v in curve]} for s in (1, 2)]
    return {"header": {"started": "synthetic"}, "rows": rows, "noise": noise}


def test_surrogate_learns_the_table_and_reports_its_held_out_error():
    from benchmarks import surrogate

    tab = synthetic_table()
    searched = common.bench_resolve({}).searched
    sur = surrogate.fit(tab, searched)
    assert set(sur.held_out) == set(surrogate.candidates())
    chosen = sur.held_out[sur.model_name]
    assert chosen["rmse_best"] == min(v["rmse_best"] for v in sur.held_out.values())
    assert chosen["spearman_best"] > 0.8, sur.held_out  # the function is learnable
    good, steps, seconds = sur.predict({**tab["rows"][0]["params"], "learning_rate": 1e-3,
                                        "batch_size": 8})
    bad, *_ = sur.predict({**tab["rows"][0]["params"], "learning_rate": 1e-4, "batch_size": 32})
    assert max(good) > max(bad) + 10 and steps == 54 and seconds > 0
    assert len(sur.noise) == 3 and all(0.1 < s < 2 for s in sur.noise)
    top = sur.held_out[sur.model_name]
    assert top["top_decile_rows"] == 6 and math.isfinite(top["top_decile_bias"])
    assert sur.highest_prediction <= max(max(r["curve"]) for r in tab["rows"]) + 5


def test_a_replay_of_n_trials_is_the_first_n_of_a_longer_one():
    """The default budget's figures are the first half of studies twice as long: that holds
    only if samplers and pruners never look at the budget."""
    from benchmarks import surrogate

    resolved = common.bench_resolve({})
    sur = surrogate.fit(synthetic_table(), resolved.searched, model_name="knn5")
    cfg = resolved.config
    for sampler, pruner in (("tpe-mv5", "median-w1"), ("random", "successive-halving")):
        short = search.replay(sur, cfg, sampler, pruner, seed=3, n_trials=6)["trace"]
        long = search.replay(sur, cfg, sampler, pruner, seed=3, n_trials=12)["trace"]
        assert long[:6] == short
        assert [t["epochs"] for t in long] == sorted(t["epochs"] for t in long)
        # A pruned trial (no value) saves what it did not train; a complete one saves nothing.
        assert all(t["saved"] == 0 for t in long if t["value"] is not None)
        assert all(t["saved"] > 0 for t in long if t["value"] is None)


def test_strategies_are_measured_against_random_with_the_same_seed():
    from benchmarks import surrogate

    resolved = common.bench_resolve({})
    sur = surrogate.fit(synthetic_table(), resolved.searched, model_name="knn5")
    cfg = resolved.config
    runs = [search.replay(sur, cfg, s, p, seed, 12) for s, p in
            (("random", "none"), ("tpe-mv5", "none"), ("tpe-mv5", "median-w1"))
            for seed in range(3)]
    out = search.summarise(runs, 8, sur.noise)
    rnd = out["random/none/best"]
    assert rnd["true_vs_random"] == {"mean": 0.0, "low": 0.0, "high": 0.0, "n": 3, "wins": 0,
                                     "ties": 3, "losses": 0}
    assert rnd["reach"]["reached"] == 3 and rnd["steps_vs_random"]["mean"] == 1.0
    # A confirmation stage's runs count in the budget: top2x2 searches 4 trials, then trains
    # the top 2 configs twice more each.
    assert out["tpe-mv5/none/top2x2"]["steps"]["mean"] > 0
    assert "pruning" in out["tpe-mv5/median-w1/best"] and "pruning" not in rnd
    picked = search.choose(out)
    assert picked["leader"] in picked["tied"] and picked["chosen"] in picked["tied"]
    assert min(picked["tied"], key=search.complexity) == picked["chosen"]


def test_a_confirmation_stage_returns_the_best_mean_and_pays_for_its_runs():
    """Trial 1 observed the best value by luck; its config's fresh-seed runs fall back, and the
    config with the best mean (trial 0) is returned, its true value and the runs' compute."""
    trace = [
        {"value": 70.0, "true": 70.0, "curve": [60.0, 70.0], "spe": 10, "sec": 1.0, "key": 1,
         "steps": 20, "epochs": 2, "seconds": 2.0, "saved": 0},
        {"value": 74.0, "true": 66.0, "curve": [60.0, 66.0], "spe": 10, "sec": 1.0, "key": 2,
         "steps": 40, "epochs": 4, "seconds": 4.0, "saved": 0},
        {"value": None, "true": 50.0, "curve": [40.0, 50.0], "spe": 10, "sec": 1.0, "key": 3,
         "steps": 50, "epochs": 5, "seconds": 5.0, "saved": 1},
    ]
    plain = search.returned(trace, 3, "best", 0, [0.01, 0.01])
    assert (plain["index"], plain["true"], plain["reported"], plain["steps"]) == (1, 66.0, 74.0,
                                                                                  50)
    confirmed = search.returned(trace, 5, "top2x1", 0, [0.01, 0.01])
    assert confirmed["index"] == 0 and confirmed["true"] == 70.0
    assert confirmed["steps"] == 50 + 2 * 20 and confirmed["best_observed"] == 74.0
    assert abs(confirmed["reported"] - 70.0) < 0.1
    assert search.returned(trace, 6, "top2x1", 0, [0.01, 0.01]) is None  # not replayed so long


def test_the_table_world_answers_with_the_nearest_rows_mean_over_seeds():
    from benchmarks import surrogate

    tab = synthetic_table()
    searched = common.bench_resolve({}).searched
    world = surrogate.TableWorld.of(tab, searched, [1.0, 1.0, 1.0])
    row = tab["rows"][1]  # trained with seeds 1 and 2 again
    runs = [row["curve"]] + [r["curve"] for r in tab["noise"] if r["id"] == 1]
    curve, steps, _ = world.predict(row["params"])
    assert len(runs) == 3
    assert curve == pytest.approx([sum(c) / 3 for c in zip(*runs, strict=True)])
    assert steps == row["steps_per_epoch"]
    assert world.predict(tab["rows"][7]["params"])[0] == tab["rows"][7]["curve"]


def test_the_evaluation_block_waits_for_the_selection_blocks_choice(tmp_path):
    with pytest.raises(SystemExit, match="selection first"):
        search.run_block("evaluation", tmp_path / "study.json")


def test_the_table_builds_resumably_in_worker_processes(tmp_path):
    """Two configs (and config 0 again with the noise seeds) of a small default, in two worker
    processes at once (each in its own folder: a shared one killed a worker); then a planned
    config, and building again trains only that."""
    from benchmarks import table

    caps = {"data.max_train_samples": 16, "data.max_dev_samples": 4, "hparams.num_epochs": 2,
            "hparams.max_new_tokens": 12, "hparams.min_new_tokens": 1, **common.QUICK_BASE}
    out = tmp_path / "table.jsonl"
    table.build(2, 2, out, caps=caps)
    built = table.read(out)
    assert [r["id"] for r in built["rows"]] == [0, 1]
    assert sorted(r["seed"] for r in built["noise"]) == list(table.NOISE_SEEDS)
    row = built["rows"][1]
    assert len(row["curve"]) == 2 and len(row["distinct_share"]) == 2
    assert row["params"] == table.sample_configs(common.bench_resolve(caps), 2)[1]
    assert row["steps_per_epoch"] == math.ceil(16 / row["params"]["batch_size"])
    lines = out.read_text().count("\n")
    # Grown where a replay went: a planned config (once, however often it is named) is trained
    # with the default seed and the plan's; building again trains only that.
    extra = {**row["params"], "learning_rate": 1e-3}
    assert table.grow([extra, extra], (5,), ["a replay's incumbent", "again"], out) == [2]
    table.build(2, 1, out, caps=caps)
    built = table.read(out)
    assert [r["id"] for r in built["rows"]] == [0, 1, 2] and built["rows"][2]["params"] == extra
    assert (2, 5) in {(r["id"], r["seed"]) for r in built["noise"]}
    assert out.read_text().count("\n") == lines + 3


PARALLEL = {"repeats": 1, "parallel_workers": (1, 2), "parallel_trials": 4,
            "parallel_sleep_s": 0.01}


def test_parallel_on_a_server_deletes_its_studies(monkeypatch, tmp_path):
    import optuna
    import services

    from workbench import storage

    with services.fresh_database("postgresql") as url:
        monkeypatch.setenv("WORKBENCH_BENCH_POSTGRESQL", url)
        out = parallel.bench_parallel({**PARALLEL, "parallel_storages": ("postgresql",)}, tmp_path)
        assert [(r["storage"], r["workers"]) for r in out["runs"]] == [("postgresql", 1),
                                                                      ("postgresql", 2)]
        assert out["runs"][0]["speedup_over_one_worker"] == 1.0
        assert optuna.get_all_study_names(storage.open_storage(url)) == []


def test_parallel_reports_an_unreachable_server_masked(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_BENCH_MYSQL", "mysql+pymysql://root:hunter2@127.0.0.1:9/x")
    out = parallel.bench_parallel({**PARALLEL, "parallel_storages": ("mysql",)}, tmp_path)
    assert out["runs"] == [] and "mysql" in out["unreachable"]
    assert "hunter2" not in out["unreachable"]["mysql"]


def test_parallel_storage_names_are_checked(tmp_path):
    with pytest.raises(ValueError, match="allowed are journal, postgresql, mysql, redis"):
        parallel.parallel_storages(["sqlite"], tmp_path)


def test_html_report_draws_offline_in_a_browser(report):
    from test_report import require_browser

    browser = require_browser()
    _, folder = report
    seen = report_module.check_in_browser(folder / "report.html", browser=browser)
    assert seen.drawn == seen.charts == 3 and not seen.console_errors


def test_sleep_backend_is_registered_only_while_used(tmp_path):
    from workbench import backends

    with common.sleep_backend(0.0) as override:
        assert override == {"model.backend": common.SLEEP_BACKEND}
        cfg = common.bench_resolve(override).config
        backend = backends.make_backend(cfg, {})
        seen = []
        outcome = backend.train_and_evaluate({"warmup_ratio": 0.25}, None,
                                             lambda e, v: seen.append((e, v)), tmp_path)
        assert outcome.value == 0.25 and seen == [(1, 0.25)]
    assert common.SLEEP_BACKEND not in backends.names()


def test_cold_scorer_restores_the_profile_cache():
    from benchmarks import scorer
    from workbench import metrics

    before = metrics._PROFILES
    with scorer._cold_scorer():
        assert metrics._PROFILES is not before and len(metrics._PROFILES) == 0
    assert metrics._PROFILES is before
