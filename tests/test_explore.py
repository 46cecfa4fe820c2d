"""Exploring a space before training: the tables on their own, then the notebook's record."""

import json
import math

import pytest

from workbench import cli, explore, spaces, validate


@pytest.fixture(scope="module")
def resolved():
    return validate.resolve("tiny-bart")


@pytest.fixture(scope="module")
def tiny(resolved):
    return resolved.config, resolved.space, explore.searched_params(resolved)


def test_the_explored_params_are_the_runs_unless_named(resolved):
    assert explore.searched_params(resolved) == resolved.searched
    assert explore.searched_params(resolved, []) == resolved.searched
    assert [p.name for p in explore.searched_params(resolved, ["num_beams"])] == ["num_beams"]


def test_param_table_lists_searched_then_every_fixed_value(tiny):
    cfg, space, searched = tiny
    table = explore.param_table(searched, cfg["hparams"], space)
    names = [p.name for p in searched]
    assert list(table.index[: len(names)]) == names
    assert set(table.index) == set(cfg["hparams"])
    assert list(table.columns) == list(explore.TABLE_COLUMNS)
    lr = table.loc["learning_rate"]  # searched in tiny-bart's own range (params/spaces/tiny.yaml)
    assert (lr["type"], lr["log"], lr["searched"]) == ("float", True, True)
    epochs = table.loc["num_epochs"]  # fixed by tiny-bart, still described from the space
    assert (epochs["type"], epochs["searched"]) == ("int", False)
    assert epochs["value"] == cfg["hparams"]["num_epochs"]
    assert lr["range"] == "0.0001–0.003"
    assert table.loc["warmup_ratio", "step"] == 0.05
    assert table.loc["temperature", "condition"] == "do_sample = true"
    assert table.loc["min_new_tokens", "condition"] == "≤ max_new_tokens"
    assert not table.loc["max_new_tokens", "searched"]
    assert table.loc["max_new_tokens", "value"] == cfg["hparams"]["max_new_tokens"]


def test_a_stage_selection_replaces_the_presets_search(resolved):
    searched = explore.searched_params(resolved, ["generation"])
    assert {p.name for p in searched} == {
        "do_sample", "temperature", "top_p", "top_k", "repetition_penalty", "length_penalty",
        "num_beams", "max_new_tokens", "min_new_tokens"}
    with pytest.raises(spaces.SpaceError, match="unknown group or parameter 'genration'"):
        explore.searched_params(resolved, ["genration"])


def test_size_table_counts_conditions_and_bounds(resolved):
    cfg = resolved.config
    searched = explore.searched_params(resolved, ["max_new_tokens", "min_new_tokens"])
    size = explore.size_table(searched, cfg["hparams"])["count"]
    # min_new_tokens in 20..min(80, max) step 10 for max in 50..200 step 10
    expected = sum(len(range(20, min(80, m) + 1, 10)) for m in range(50, 201, 10))
    assert size["discrete combinations"] == f"{expected:,}"
    assert size["continuous (infinite values)"] == 0


def test_samples_respect_the_space(resolved):
    cfg = resolved.config
    searched = explore.searched_params(resolved, ["generation"])
    samples = explore.sample_configs(searched, cfg["hparams"], 60, seed=1)
    assert len(samples) == 60
    for s in samples:
        assert s["min_new_tokens"] <= s["max_new_tokens"]
        assert ("temperature" in s) == s["do_sample"]
    assert samples == explore.sample_configs(searched, cfg["hparams"], 60, seed=1)


def test_memory_feasibility_and_drivers(resolved):
    cfg = resolved.config
    searched = explore.searched_params(resolved, ["batch_size", "max_input_length",
                                                  "weight_decay"])
    samples = explore.sample_configs(searched, cfg["hparams"], 80, seed=0)
    frame = explore.memory_table(cfg, samples, limit_gib=0.3)
    assert (frame["peak_gib"] > 0).all()
    assert (frame["feasible"] == (frame["peak_gib"] <= 0.3)).all()
    # a bigger batch or longer input never needs less memory
    for key in ("batch_size", "max_input_length"):
        means = frame.groupby(key)["peak_gib"].mean()
        assert list(means) == sorted(means)
    found = explore.feasibility(frame, 0.3)
    assert found["feasible_share"] == pytest.approx(frame["feasible"].mean())
    assert 0 < found["feasible_share"] < 1
    drivers = explore.memory_drivers(frame, [p.name for p in searched])
    assert list(drivers.index[:2]) == ["batch_size", "max_input_length"] or list(
        drivers.index[:2]) == ["max_input_length", "batch_size"]
    assert drivers.loc["weight_decay", "explains"] < 0.05  # does not touch memory (noise)
    assert explore.draw_memory(frame, 0.3) is not None
    assert explore.draw_drivers(frame, drivers, 0.3) is not None


def test_a_model_without_an_offline_config_gets_no_estimate(tiny, monkeypatch):
    from workbench import memory
    from workbench.hub import ModelUnavailable

    def unavailable(cfg):
        raise ModelUnavailable("model 'x/y' could not be loaded: not in the local cache")

    monkeypatch.setattr(memory, "model_config_of", unavailable)
    cfg, _, searched = tiny
    frame = explore.memory_table(cfg, [{}, {}], 24.0)
    assert frame["peak_gib"].isna().all() and frame["feasible"].isna().all()
    found = explore.feasibility(frame, 24.0)
    assert found["feasible_share"] is None
    assert "not in the local cache" in next(iter(found["unavailable"].values()))


@pytest.mark.slow
def test_explore_notebook_record(tmp_path):
    folder = cli.run_notebook("explore-space", {
        "searched": ["training", "max_input_length"], "memory_limit_gib": 0.3,
        "n_samples": 40}, out_dir=tmp_path / "rec")
    rec = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "completed"
    assert rec["searched"][:2] == ["learning_rate", "batch_size"]
    rows = {r["name"]: r for r in rec["parameters"]}
    assert rows["learning_rate"]["searched"] and rows["learning_rate"]["log"]
    beams = validate.resolve("tiny-bart").config["hparams"]["num_beams"]
    assert rows["num_beams"]["value"] == beams and not rows["num_beams"]["searched"]
    assert rec["space_size"]["continuous"] == 1
    f = rec["feasibility"]
    assert f["samples"] == 40 and f["limit_gib"] == 0.3
    assert 0 < f["feasible_share"] < 1
    assert len(rec["samples"]) == 40
    assert all(math.isfinite(s["peak_gib"]) for s in rec["samples"])
    assert max(rec["memory_drivers"], key=rec["memory_drivers"].get) in {
        "batch_size", "max_input_length"}
    nb = (folder / "explore-space.ipynb").read_text(encoding="utf-8")
    assert nb.count("application/vnd.plotly.v1+json") >= 3


@pytest.mark.slow
def test_explore_bad_input_keeps_a_failed_record(tmp_path):
    with pytest.raises(SystemExit):
        cli.run_notebook("explore-space", {"searched": ["genration"]}, out_dir=tmp_path / "r")
    rec = json.loads((tmp_path / "r" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "failed"
    assert "unknown group or parameter 'genration'" in rec["error"]["message"]
