"""Degenerate outputs can never win: the diversity figures, the guard, the per-epoch tracker and
a study whose predictors are controlled (a constant, a copy of the first turn, a healthy one)."""

import csv

import pytest
from helpers import read_record, sqlite_url

from workbench import diversity, gentune, validate
from workbench.backends.base import EpochTracker, TrialOutcome
from workbench.config import ConfigError
from workbench.study import start_run, tables
from workbench.study.baselines import constant_baseline, lead_baseline

ITEMS = ["사과", "우유", "커피", "빵", "치즈", "녹차", "김밥", "라면", "만두", "쿠키", "주스", "떡"]


def dialogue(item: str) -> str:
    return f"#Person1#: {item} 하나 주문할게요.\n#Person2#: 네, {item} 바로 준비해 드릴게요."


def summary(item: str) -> str:
    return f"#Person1#은 가게에서 {item} 하나를 주문하고 #Person2#는 바로 준비해 주겠다고 한다."


# A constant that differs from every reference only in the item: high ROUGE, no information.
CONSTANT = "#Person1#은 가게에서 하나를 주문하고 #Person2#는 바로 준비해 주겠다고 한다."
PREDICTORS = {
    1: lambda item, d: CONSTANT,  # num_beams 1: the same string for every dialogue
    2: lambda item, d: d.split("\n")[0],  # num_beams 2: a copy of the first turn
    3: lambda item, d: f"#Person1#은 {item}을 산다.",  # num_beams 3: short, input-dependent
}


@pytest.fixture
def shop_data(tmp_path):
    """A train and a dev split where one fixed summary scores high on every dialogue."""
    folder = tmp_path / "shop"
    folder.mkdir()
    for split, items in (("train", ITEMS), ("dev", ITEMS)):
        with open(folder / f"{split}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["fname", "dialogue", "summary", "topic"])
            for i, item in enumerate(items):
                w.writerow([f"{split}_{i}", dialogue(item), summary(item), "shop"])
    return folder


def test_figures_of_constant_copied_and_varied_predictions():
    refs = [summary(i) for i in ITEMS]
    constant = diversity.measure([CONSTANT] * 12, refs)
    assert (constant.distinct_share, constant.top_share, constant.top_count) == (1 / 12, 1.0, 12)
    varied = diversity.measure([summary(i) for i in ITEMS], refs)
    assert (varied.distinct_share, varied.top_share, varied.length_ratio) == (1.0, 1 / 12, 1.0)
    assert diversity.measure(["가 나 가 나 가 나"], refs[:1]).repetition == pytest.approx(0.6)
    assert diversity.repeated_bigram_share("하나") == 0.0


def test_the_default_guard_rejects_a_constant_and_keeps_input_dependent_outputs():
    guard = diversity.Guard.of(validate.resolve("tiny-bart").config)
    refs = [summary(i) for i in ITEMS]
    for n, predict in PREDICTORS.items():
        reasons = guard.reasons(diversity.measure([predict(i, dialogue(i)) for i in ITEMS], refs))
        assert bool(reasons) == (n == 1), (n, reasons)
    looping = ["#Person1#은 " + "주문을 한다 " * 8 for _ in ITEMS]
    looping = [f"{p}{i}" for p, i in zip(looping, ITEMS, strict=True)]
    assert any("repeated word bigrams" in r
               for r in guard.reasons(diversity.measure(looping, refs)))
    twice = [refs[0], refs[0], refs[2], refs[3]]
    assert guard.reasons(diversity.measure(twice, refs[:4])) == [
        "one prediction written for 50% of the dialogues (guard: <= 20%)"]


def test_guard_settings_are_checked():
    with pytest.raises(ConfigError, match="objective.guard.max_top_share: a share between 0"):
        validate.resolve("tiny-bart", {"objective.guard.max_top_share": 1.5})
    off = validate.resolve("tiny-bart", {"objective.guard.min_distinct_share": None}).config
    assert diversity.Guard.of(off).min_distinct_share is None


def test_a_degenerate_epoch_is_never_the_best_epoch():
    config = validate.resolve("tiny-bart").config
    refs = [[summary(i)] for i in ITEMS]
    reported = []
    track = EpochTracker(lambda e, v: reported.append((e, v)), refs, config)
    for epoch, n in ((1, 3), (2, 1), (3, 2)):  # healthy, constant (highest ROUGE), healthy
        scores = track.evaluate([PREDICTORS[n](i, dialogue(i)) for i in ITEMS])
        track.on_epoch(epoch, scores["objective"])
    raw = {e: f["final"] for e, f in track.outcome_extra()["epoch_figures"].items()}
    assert raw["2"] > max(raw["1"], raw["3"])  # the constant has the best ROUGE
    assert reported[1] == (2, 0.0)  # its objective is 0
    assert track.epoch in (1, 3) and track.value == pytest.approx(max(raw["1"], raw["3"]), 1e-3)
    assert track.outcome_extra()["degenerate"] is None


def test_a_trial_with_no_healthy_epoch_is_degenerate():
    config = validate.resolve("tiny-bart").config
    track = EpochTracker(None, [[summary(i)] for i in ITEMS], config)
    for epoch in (1, 2):
        track.on_epoch(epoch, track.evaluate([CONSTANT] * 12)["objective"])
    extra = track.outcome_extra()
    assert not track.healthy and track.value == 0.0 and track.predictions == []
    assert extra["degenerate"].startswith("no healthy epoch (best raw dev ROUGE")
    assert "8% distinct predictions" in extra["degenerate"]
    assert extra["diversity"]["top_share"] == 1.0


def test_the_constant_baseline_is_in_the_same_scale_as_lead2(shop_data):
    config = validate.resolve("tiny-bart", {"data.dir": str(shop_data)}).config
    from workbench import data as wdata

    splits = wdata.load_splits(config)
    constant = constant_baseline(config, splits["train"], splits["dev"])
    lead = lead_baseline(config, splits["dev"])
    assert constant["candidates"] == 12 and constant["text"] in {summary(i) for i in ITEMS}
    assert 0 < lead["final"] < constant["final"] < 100


def test_the_constant_never_wins_whatever_its_rouge(shop_data, tmp_path, fake_backend):
    def predictor_training(self, hp, report, outdir, save_to=None):
        dev = self.splits["dev"]
        items = [d.split(" ")[1] for d in dev["dialogue"]]
        track = EpochTracker(report, list(dev["references"]), self.config)
        for epoch in (1, 2):
            preds = [PREDICTORS[hp["num_beams"]](i, d) for i, d in zip(items, dev["dialogue"],
                                                                         strict=True)]
            track.on_epoch(epoch, track.evaluate(preds)["objective"])
        return TrialOutcome(track.value, track.epoch, track.history, track.predictions, 0.0, 1,
                            track.outcome_extra())

    over = {**fake_backend(predictor_training), "data.dir": str(shop_data),
            "search.params": ["num_beams"], "hparams.num_beams": 1,
            "study.warm_start": [{"num_beams": 2}, {"num_beams": 3}]}
    run = start_run("run-study", preset="tiny-bart", n_trials=3, pruner="none",
                    storage=sqlite_url(tmp_path), overrides=over, run_dir=str(tmp_path / "rec"))
    study = run.optimize()
    rec = read_record(tmp_path / "rec")
    constant, copy, short = rec["trials"]
    raw = {t["number"]: max(f["final"] for f in t["extra"]["epoch_figures"].values())
           for t in rec["trials"]}
    assert raw[0] > max(raw[1], raw[2]), "the constant has the highest ROUGE of the three"
    assert constant["value"] == 0.0 and constant["constraints"]["degenerate"] == 1.0
    assert constant["extra"]["degenerate"].startswith("no healthy epoch")
    assert copy["constraints"]["degenerate"] == short["constraints"]["degenerate"] == 0.0
    assert rec["best"]["number"] != 0 and study.best_trial.number != 0
    assert rec["degenerate"] == {"count": 1, "trials": [0]}
    assert rec["baselines"]["constant"]["final"] > rec["baselines"]["lead2"]["final"]
    rows = {r["what"].split(" (")[0]: r for r in tables.summary_rows(rec)}
    assert rows["constant output"]["distinct"] == 1 / 12  # one string for 12 dialogues
    assert rows["lead-2 baseline"]["distinct"] == 1.0
    assert rows["best"]["distinct"] == 1.0


class ControlledDecoder:
    """Generation tuning's Generator with its model replaced by the predictors above (4 beams
    write as 3): the real evaluate (scores, diversity figures, guard) on outputs we choose."""

    evaluate = gentune.Generator.evaluate
    score = gentune.Generator.score

    def __init__(self, config, dev):
        self.config, self.dev = config, dev
        self.references = list(dev["references"])

    def generate(self, d, rows=None):
        rows = range(len(self.dev)) if rows is None else rows
        return [PREDICTORS[min(d["num_beams"], 3)](self.dev["dialogue"][i].split(" ")[1],
                                           self.dev["dialogue"][i]) for i in rows]


def test_a_decoding_only_study_never_picks_a_constant_output(shop_data):
    from workbench import data as wdata

    resolved = validate.resolve("tiny-bart", {"data.dir": str(shop_data), "hparams.num_beams": 1})
    config = resolved.config
    decoder = ControlledDecoder(config, wdata.load_splits(config)["dev"])
    constant = decoder.evaluate({"num_beams": 1})
    assert constant.degenerate and constant.objective == 0.0
    assert constant.final > max(decoder.evaluate({"num_beams": b}).final for b in (2, 3))
    base = gentune.decoding(config["hparams"])  # the checkpoint's decoding: greedy
    params = gentune.generation_params(resolved.space, ["num_beams"])
    study = gentune.optimize_decoding(decoder, base, params, n_trials=6,
                                      storage=None, study_name="controlled")
    first = study.trials[0]  # the checkpoint's own decoding, the constant
    assert first.params["num_beams"] == 1 and first.value == 0.0
    assert first.system_attrs["constraints:degenerate"] == 1.0  # infeasible for the sampler
    assert "distinct" in first.user_attrs["degenerate"]
    assert study.best_trial.params["num_beams"] != 1
    assert study.best_trial.user_attrs["diversity"]["distinct_share"] == 1.0
