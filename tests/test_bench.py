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
    "papermill_runs": 1, "memory_trials": 2, "table_configs": 3, "replay_seeds": 2,
    "replay_trials": 4, "parallel_workers": (1, 2), "parallel_trials": 4,
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
    se = out["search"]
    assert se["table"]["configs"] == 3 and se["seeds"] == [0, 1]
    assert set(se["final_best"]) == {"a_default", "b_random", "c_tpe_no_pruning"}
    assert 0 <= se["pruning"]["share_of_epochs_saved"]["median"] <= 1
    sig = se["signal"]  # the preset's config again with trial seed 1 (quick: one repeat)
    assert len(sig["preset_config_seeds"]) == 2 and len(sig["best_distinct"]) == 3
    assert sig["healthy_configs"] <= 3 and "Signal:" in (report[1] / "report.md").read_text()
    assert [r["workers"] for r in out["parallel"]["runs"]] == [1, 2]
    assert out["generation"]["training_trial_s"]["n"] == 1


def test_spread_counts_targets_never_reached():
    s = common.spread([1.0, 3.0, math.inf])
    assert s == {"median": 3.0, "min": 1.0, "max": 3.0, "n": 3, "n_infinite": 1}
    assert common.spread([math.inf])["median"] is None


def test_nearest_maps_a_sampled_config_to_the_closest_row():
    from workbench import spaces

    params = [spaces.Param(name="w", group="g", type="float", low=0.0, high=1.0),
              spaces.Param(name="c", group="g", type="categorical", choices=("a", "b"))]
    rows = [{"id": 0, "params": {"w": 0.1, "c": "a"}}, {"id": 1, "params": {"w": 0.9, "c": "b"}}]
    assert search.nearest({"w": 0.8, "c": "b"}, rows, params)["id"] == 1
    assert search.nearest({"w": 0.2, "c": "a"}, rows, params)["id"] == 0


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
        cfg = common.bench_config(override)
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
