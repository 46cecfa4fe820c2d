"""Analysis tables on their own, the best-params export, and the analyze notebook's record.

Studies here are synthetic (SQLite, a formula for an objective): what is tested is the
analysis, not training. The analyze report of a real study is in test_report.py.
"""

import json
import math

import nbformat
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial

from workbench import analysis, cli, config, notebooks, validate

optuna.logging.set_verbosity(optuna.logging.WARNING)


def trial(value, **params):
    dists = {}
    for k, v in params.items():
        if isinstance(v, (str, bool)):
            dists[k] = CategoricalDistribution([v, "other"] if isinstance(v, str) else [True,
                                                                                      False])
        elif isinstance(v, int):
            dists[k] = IntDistribution(-1000, 1000)
        else:
            dists[k] = FloatDistribution(-1000.0, 1000.0)
    return create_trial(value=value, params=params, distributions=dists)


def synthetic_study(storage, name="synthetic", n=12, multi=False):
    """A study whose objective depends mostly on learning_rate, a little on num_beams."""
    study = optuna.create_study(
        storage=storage, study_name=name, sampler=optuna.samplers.RandomSampler(seed=0),
        directions=["maximize", "minimize"] if multi else ["maximize"])

    def objective(t):
        lr = t.suggest_float("learning_rate", 1e-5, 1e-3, log=True)
        beams = t.suggest_int("num_beams", 1, 8)
        sched = t.suggest_categorical("scheduler_type", ["linear", "cosine"])
        score = 30 - 10 * abs(math.log10(lr) + 4) + 0.2 * beams + (sched == "cosine") * 0.01
        return (score, beams * 0.5) if multi else score

    study.optimize(objective, n_trials=n)
    return study


# --------------------------------------------------------------------------- common params


@pytest.mark.parametrize(("values", "common"), [
    (["a"] * 8 + ["b"] * 2, True),    # 80% share > 70%
    (["a"] * 7 + ["b"] * 3, False),   # exactly 70% is not "more than 70%"
    (["a"] * 6 + ["b"] * 4, False),
    ([True] * 9 + [False], True),     # booleans are categorical
])
def test_common_categorical_needs_more_than_70_percent(values, common):
    table = analysis.common_table([trial(1.0, p=v) for v in values])
    assert table.loc["p", "kind"] == "categorical"
    assert table.loc["p", "value"] == values[0]
    assert table.loc["p", "share"] == pytest.approx(values.count(values[0]) / len(values))
    assert bool(table.loc["p", "common"]) is common


@pytest.mark.parametrize(("values", "common"), [
    ([10, 11, 9, 10], True),          # CV about 0.07
    ([1.0, 2.0, 3.0], False),         # CV 0.41
    ([0, 0, 0], True),                # no spread at all
    ([-1.0, 1.0], False),             # mean 0 with spread: CV infinite
])
def test_common_numeric_needs_cv_below_20_percent(values, common):
    table = analysis.common_table([trial(1.0, p=v) for v in values])
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    assert table.loc["p", "kind"] == "numeric"
    assert table.loc["p", "value"] == pytest.approx(mean)
    if mean:
        assert table.loc["p", "cv"] == pytest.approx(std / abs(mean))
    assert bool(table.loc["p", "common"]) is common


def test_common_conditional_param_counts_trials_that_have_it():
    trials = [trial(1.0, do_sample=True, temperature=0.5)] * 3 + [trial(1.0, do_sample=False)] * 2
    table = analysis.common_table(trials)
    assert table.loc["temperature", "trials"] == 3
    assert bool(table.loc["temperature", "common"])
    assert table.loc["do_sample", "share"] == pytest.approx(0.6)


def test_top_k_takes_the_best_completed_trials(tmp_path):
    study = optuna.create_study(direction="minimize")
    for v, lr in ((3.0, 0.1), (1.0, 0.5), (2.0, 0.5), (0.5, 0.5)):
        study.add_trial(trial(v, lr=lr))
    study.add_trial(create_trial(state=TrialState.FAIL))
    top = analysis.top_trials(study, 3)
    assert [t.value for t in top] == [0.5, 1.0, 2.0]
    assert bool(analysis.common_params(study, 3).loc["lr", "common"])


# --------------------------------------------------------------------------- other tables


def test_state_counts_include_pruned_failed_and_infeasible():
    study = optuna.create_study()
    study.add_trial(trial(1.0, x=1.0))
    study.add_trial(create_trial(state=TrialState.PRUNED, params={"x": 1.0},
                                 distributions={"x": FloatDistribution(0, 2)}))
    study.add_trial(create_trial(state=TrialState.FAIL))
    over = create_trial(state=TrialState.PRUNED, system_attrs={"constraints:memory": 3.5})
    study.add_trial(over)
    study.add_trial(create_trial(state=TrialState.PRUNED, user_attrs={"infeasible": "too slow"}))
    counts = analysis.state_counts(study)["trials"]
    assert counts["COMPLETE"] == 1
    assert counts["PRUNED"] == 3
    assert counts["FAIL"] == 1
    assert counts["INFEASIBLE"] == 2
    assert counts["total"] == 5


def test_importance_ranks_the_parameter_that_matters(tmp_path):
    study = synthetic_study(None, n=30)
    table = analysis.importance_table(study)
    assert list(table.index)[0] == "learning_rate"
    assert table["importance"].sum() == pytest.approx(1.0)
    assert analysis.top_params(study, 2) == list(table.index[:2])


def test_importance_and_contour_need_the_documented_minimum_of_trials(capsys):
    few = synthetic_study(None, n=analysis.MIN_COMPLETE - 1)
    assert analysis.importance_table(few).empty
    assert analysis.draw_importances(analysis.importance_table(few)) is None
    assert analysis.draw_contour(few, ["learning_rate", "num_beams"]) is None
    said = capsys.readouterr().out
    assert f"at least {analysis.MIN_COMPLETE} complete trials; this study has " \
           f"{analysis.MIN_COMPLETE - 1}" in said and "A contour plot needs" in said
    enough = synthetic_study(None, n=analysis.MIN_COMPLETE)
    assert not analysis.importance_table(enough).empty
    assert analysis.draw_importances(analysis.importance_table(enough)) is not None


def test_contour_is_one_legible_chart_of_the_two_most_important_params():
    study = synthetic_study(None, n=analysis.MIN_COMPLETE)
    fig = analysis.draw_contour(study, ["learning_rate", "num_beams", "scheduler_type"])
    contours = [t for t in fig.data if t.type == "contour"]
    assert len(contours) == 1  # not a grid of every pair
    assert fig.layout.xaxis.title.text == "learning_rate"
    assert fig.layout.yaxis.title.text == "num_beams"
    assert fig.layout.height >= 500


def test_per_epoch_curves_have_a_legend_naming_each_trial_and_its_end():
    study = optuna.create_study(direction="maximize")

    def objective(t):
        x = t.suggest_float("x", 0, 1)
        for epoch in (1, 2):
            t.report(x * epoch, epoch)
        if t.number == 1:
            raise optuna.TrialPruned()
        return x

    study.optimize(objective, n_trials=2)
    fig = analysis.draw_curves(study)
    assert fig.layout.showlegend is True
    assert [t.name for t in fig.data] == ["trial 0 (complete)", "trial 1 (pruned)"]
    assert fig.layout.xaxis.title.text == "epoch"
    # a trial evaluated 4 times per epoch (runtime.evals_per_epoch): its steps are evaluations
    study.add_trial(optuna.trial.create_trial(
        params={"x": 0.5}, distributions={"x": optuna.distributions.FloatDistribution(0, 1)},
        value=0.5, intermediate_values={1: 0.1, 2: 0.2}, user_attrs={"evals_per_epoch": 4}))
    assert analysis.draw_curves(study).layout.xaxis.title.text == "evaluation (4 per epoch)"


def test_pareto_table_lists_the_front_of_a_multi_objective_study():
    study = synthetic_study(None, n=15, multi=True)
    table = analysis.pareto_table(study)
    assert set(table.index) == {t.number for t in study.best_trials}
    assert list(table.columns[:2]) == ["dev ROUGE", "objective 1"]
    assert analysis.pareto_table(synthetic_study(None, n=3)).empty
    assert analysis.draw_pareto(study) is not None
    best = analysis.best_trial(study)
    assert best.values[0] == max(t.values[0] for t in study.best_trials)


# --------------------------------------------------------------------------- loading


def test_missing_sqlite_file_is_refused_not_created(tmp_path):
    url = f"sqlite:///{tmp_path / 'nope.db'}"
    with pytest.raises(analysis.StudyNotFound, match="no such file"):
        analysis.load_study(url, "x")
    assert not (tmp_path / "nope.db").exists()


def test_unknown_study_name_lists_the_studies_there(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    synthetic_study(url, name="real", n=2)
    with pytest.raises(analysis.StudyNotFound, match=r"'typo' is not in storage .*real"):
        analysis.load_study(url, "typo")


def test_missing_record_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such record"):
        analysis.study_source(record=str(tmp_path / "missing"))


# --------------------------------------------------------------------------- export


def test_best_overrides_round_trip_through_the_config(tmp_path):
    params = {"learning_rate": 0.00012, "warmup_ratio": 0.15000000000000002, "num_beams": 3,
              "scheduler_type": "cosine"}
    over = analysis.best_overrides(params, "tiny-bart", {"study.study_name": "x-best"},
                                   base={"data": {"max_train_samples": 8}})
    assert over["hparams.warmup_ratio"] == 0.15  # Optuna's float noise rounded away
    assert over["data.max_train_samples"] == 8
    path = analysis.write_overrides(tmp_path / "best.yaml", "tiny-bart", over, "a comment")
    read = analysis.read_overrides(path)
    assert read["preset"] == "tiny-bart"
    cfg = validate.resolve(read["preset"], read["overrides"]).config
    assert cfg["hparams"]["learning_rate"] == 0.00012
    assert cfg["hparams"]["scheduler_type"] == "cosine"
    assert cfg["study"]["study_name"] == "x-best"


def test_best_overrides_refuse_what_the_preset_does_not_know():
    with pytest.raises(config.ConfigError, match="not_a_knob"):
        analysis.best_overrides({"not_a_knob": 1}, "tiny-bart")


# --------------------------------------------------------------------------- the notebook


def record_of(folder):
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def first_code_cell_failed(nb_path, message):
    """The first code cell after the parameters holds the error; nothing after it ran."""
    nb = nbformat.read(nb_path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"
            and "parameters" not in c.metadata.get("tags", [])
            and "injected-parameters" not in c.metadata.get("tags", [])]
    errors = [o for o in code[0].get("outputs", []) if o["output_type"] == "error"]
    assert errors and message in errors[0]["evalue"], code[0].get("outputs")
    assert all(not c.get("outputs") for c in code[1:])


@pytest.mark.slow
def test_analyze_notebook_on_a_multi_objective_study(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = synthetic_study(url, name="mo", n=12, multi=True)
    folder = notebooks.run_notebook("analyze", {"storage": url, "study_name": "mo", "top_k": 5},
                                    out_dir=tmp_path / "rec")
    rec = record_of(folder)
    assert rec["status"] == "completed"
    assert rec["study"]["name"] == "mo" and rec["study"]["directions"] == ["maximize",
                                                                           "minimize"]
    assert rec["counts"]["COMPLETE"] == 12
    assert sorted(rec["pareto"]) == sorted(t.number for t in study.best_trials)
    assert set(rec["importances"]) == {"learning_rate", "num_beams", "scheduler_type"}
    assert rec["common_params"]["top_k"] == 5
    assert {r["param"] for r in rec["common_params"]["table"]} == {
        "learning_rate", "num_beams", "scheduler_type"}
    best_file = folder / analysis.EXPORT_FILE
    assert rec["export"]["path"].endswith(analysis.EXPORT_FILE) and best_file.is_file()
    read = analysis.read_overrides(best_file)
    assert read["overrides"]["hparams.learning_rate"] == pytest.approx(
        rec["best"]["params"]["learning_rate"])
    assert read["overrides"]["study.storage"] == url
    html = (folder / "analyze.ipynb").read_text(encoding="utf-8")
    for title in ("Optimization History Plot", "Parallel Coordinate Plot", "Slice Plot",
                  "Contour Plot", "Pareto-front Plot", "Hyperparameter Importances"):
        assert title in html, title
    # The terminal names the analysed study's best on both objectives (not "no healthy trial").
    capsys.readouterr()
    cli._print_record(folder)
    said = capsys.readouterr().out.splitlines()[-1]
    values = ", ".join(f"{n} {v:.4f}" for n, v in zip(rec["study"]["objectives"],
                                                         rec["best"]["values"], strict=True))
    assert said == (f"analysed study's best: trial {rec['best']['number']} ({values}); "
                    f"trials {rec['counts']}")
    assert len(rec["best"]["values"]) == len(rec["study"]["objectives"]) == 2


@pytest.mark.parametrize(("params", "message"), [
    ({"record": "outputs/no-such-run"}, "no such record"),
    ({"study_name": "typo"}, "'typo' is not in storage"),
])
@pytest.mark.slow
def test_analyze_bad_input_fails_on_first_cell_and_keeps_the_record(tmp_path, params, message):
    url = f"sqlite:///{tmp_path / 's.db'}"
    synthetic_study(url, name="real", n=2)
    params = {"storage": url, **params} if "study_name" in params else params
    with pytest.raises(SystemExit):
        notebooks.run_notebook("analyze", params, out_dir=tmp_path / "rec")
    rec = record_of(tmp_path / "rec")
    assert rec["status"] == "failed"
    assert message in rec["error"]["message"]
    first_code_cell_failed(tmp_path / "rec" / "analyze.ipynb", message)


# --------------------------------------------------------------------------- tables whole


def test_slices_show_the_most_important_params_else_every_searched_one():
    """Below `MIN_COMPLETE` complete trials nothing is ranked: the first n searched params read
    as a ranking, so every searched one is shown, and the title says which it is."""
    few = synthetic_study(None, n=analysis.MIN_COMPLETE - 1)
    assert analysis.top_params(few, 1) == ["learning_rate", "num_beams", "scheduler_type"]
    title = analysis.draw_slices(few, analysis.top_params(few, 1)).layout.title.text
    assert title == "Slice Plot of every searched parameter (too few complete trials to rank them)"
    ranked = synthetic_study(None, n=30)
    assert analysis.top_params(ranked, 1) == ["learning_rate"]
    top = analysis.top_params(ranked, 2)
    assert top == list(analysis.importance_table(ranked).index[:2])
    fig = analysis.draw_slices(ranked, top)
    assert fig.layout.title.text == "Slice Plot of the 2 most important parameters"
    assert [slice_axes(fig)[p][0][0] for p in top] == sorted(slice_axes(fig)[p][0][0]
                                                               for p in top)  # in that order


def slice_axes(fig):
    """{param: (x domain, y domain)} of a slice plot's subplots."""
    names = [k for k in fig.layout.to_plotly_json() if k.startswith("xaxis")]
    return {fig.layout[x].title.text: (fig.layout[x].domain,
                                       fig.layout["y" + x[1:]].domain) for x in names}


def test_many_slices_are_laid_out_in_rows_in_the_order_given():
    """Optuna puts every slice in one row sorted by name (3000 px for ten parameters)."""
    names = ["zeta", "alpha", "mu", "beta", "gamma", "delta"]
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(0))
    study.optimize(lambda t: sum(t.suggest_float(n, 0, 1) for n in names), n_trials=4)
    fig = analysis.draw_slices(study, analysis.top_params(study, 3))
    axes = slice_axes(fig)
    assert fig.layout.width is None and fig.layout.height >= 600
    firsts = [axes[n][0][0] for n in names]
    assert firsts[:analysis.SLICE_COLUMNS] == sorted(firsts[:analysis.SLICE_COLUMNS])
    assert axes["gamma"][0] == axes["zeta"][0]  # the 5th starts the second row
    assert axes["gamma"][1][1] < axes["zeta"][1][0]  # below the first


def test_analyze_shows_no_empty_pareto_or_importance_table(tmp_path):
    from workbench import records

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = analysis.Analysis(synthetic_study(None, n=3), records.Record(tmp_path / "a", {}),
                            None, 3, 3, None, "sqlite://")
    assert one.pareto() is None  # no empty table under the "Pareto front" heading
    assert one.importances() is None  # 3 trials: it says why, with no empty table under it
    several = analysis.Analysis(synthetic_study(None, n=12, multi=True),
                                records.Record(tmp_path / "b", {}), None, 3, 3, None,
                                "sqlite://")
    assert not several.pareto().empty


def test_trial_table_prints_whole_numbers_as_integers():
    """A conditional int param (and epochs, counts) missing in some rows stays integral."""
    study = optuna.create_study(direction="maximize")
    study.add_trial(trial(70.0, lr=0.1, num_beams=2))
    study.add_trial(trial(71.0, lr=0.2))
    table = analysis.trial_table(study)
    assert str(table["num_beams"].dtype) == "Int64" and table["num_beams"].iloc[0] == 2
    shown = table._repr_html_()
    assert "<td>2</td>" in shown and "2.0" not in shown
    assert table.index.tolist() == [0, 1]
