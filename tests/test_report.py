"""Shared reports: a real (tiny) study's analysis rendered to HTML and opened in headless
Chromium with the network off, as a reader with no connection would; then "analyze -> re-run
with the best" in one command.

Chromium is Debian's `chromium` (`make browser` installs it). Without it the browser test is
skipped with a message, unless WORKBENCH_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

import html as html_lib
import json
import os
import re
import shutil

import nbformat
import pytest
from helpers import PLUMBING

from workbench import analysis, cli, paths, report
from workbench import study as wstudy

# A study cheap enough for 2 shared CPU cores: a few short dialogues, short outputs.
TINY = {
    **PLUMBING,
    "data.max_train_samples": 24,
    "data.max_dev_samples": 6,
    "hparams.num_epochs": 2,
    "hparams.num_beams": 1,
    "hparams.max_new_tokens": 24,
    "hparams.min_new_tokens": 8,
    "hparams.max_input_length": 192,
    "hparams.max_target_length": 48,
}
SCREENSHOTS = paths.OUTPUTS / "screenshots"


def require_browser() -> str:
    found = report.find_chromium()
    if found is None:
        if os.environ.get("WORKBENCH_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required here (WORKBENCH_REQUIRE_BROWSER=1) but not "
                        "installed: apt-get install -y chromium fonts-nanum (or `make browser`)")
        pytest.skip("chromium is not installed: the rendered report cannot be opened "
                    "(apt-get install chromium fonts-nanum, or `make browser`)")
    return found


@pytest.fixture(scope="module")
def real_study(tmp_path_factory, one_thread):
    """A real tiny-bart study of 3 trials and its run record."""
    base = tmp_path_factory.mktemp("real-study")
    url = f"sqlite:///{base / 'study.db'}"
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=3, storage=url,
                           study_name="real", overrides=dict(TINY), run_dir=str(base / "run"))
    run.optimize()
    return base, url


@pytest.fixture(scope="module")
def analyzed(real_study, tmp_path_factory):
    base, _ = real_study
    return cli.run_notebook("analyze", {"record": str(base / "run"), "top_k": 3},
                            out_dir=tmp_path_factory.mktemp("analysis") / "rec")


@pytest.mark.slow
def test_analyze_record_of_a_real_study(analyzed, real_study, capsys):
    rec = json.loads((analyzed / "results.json").read_text(encoding="utf-8"))
    capsys.readouterr()
    cli._print_record(analyzed)  # what `workbench run analyze` ends with
    distinct = rec["best"]["diversity"]["distinct_share"]  # the trial's own, from the study
    floors = rec["baselines"]  # the source record's, beside the score as after the study
    assert floors == json.loads((real_study[0] / "run" / "results.json").read_text(
        encoding="utf-8"))["baselines"]
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"analysed study's best: trial {rec['best']['number']} "
        f"(dev ROUGE {rec['best']['values'][0]:.4f}, {distinct:.0%} distinct predictions); "
        f"lead-2 baseline {floors['lead2']['final']:.4f}; "
        f"best constant output {floors['constant']['final']:.4f}; trials {rec['counts']}")
    assert rec["status"] == "completed"
    assert rec["study"]["name"] == "real"
    assert rec["analyzed_preset"] == "tiny-bart"
    assert rec["counts"]["total"] == 3
    assert rec["source_record"].endswith("run")
    assert rec["export"]["overrides"]["data.max_train_samples"] == 24  # the run's own caps


@pytest.mark.slow
def test_report_renders_offline_and_draws_every_chart(analyzed):
    browser = require_browser()
    html = report.render(analyzed)
    text = html.read_text(encoding="utf-8")
    assert html == analyzed / "analyze.html"
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", text), "a script from the web"
    assert "require.min.js" not in text
    assert "an.history()" not in text  # code hidden
    assert "Optimization History Plot" in text
    charts = report.count_charts(text)
    assert charts >= 3  # history, parallel coordinates, slice
    # 3 trials: no importance or contour (analysis.MIN_COMPLETE), and the page says why
    assert f"needs at least {analysis.MIN_COMPLETE} complete trials" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seen = report.check_in_browser(html, screenshot=SCREENSHOTS / "analyze-report.png",
                                   browser=browser, height=3200)
    assert seen.charts == charts
    assert seen.drawn == charts, f"only {seen.drawn} of {charts} charts drew offline"
    assert seen.svg_nodes >= charts
    assert seen.screenshot.stat().st_size > 10_000
    assert not seen.console_errors


@pytest.mark.slow
def test_report_command_checks_in_the_browser(analyzed, tmp_path, capsys):
    require_browser()
    out = tmp_path / "shared.html"
    code = cli.main(["report", str(analyzed), "--out", str(out), "--check",
                     "--screenshot", str(tmp_path / "shot.png")])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert re.search(r"(\d+)/\1 charts drew", printed)
    assert (tmp_path / "shot.png").is_file()


@pytest.mark.slow
def test_rerun_with_the_best_in_one_step(analyzed, tmp_path, one_thread):
    rec = json.loads((analyzed / "results.json").read_text(encoding="utf-8"))
    best_file = analyzed / analysis.EXPORT_FILE
    assert cli.main(["rerun", str(best_file), "--out", str(tmp_path / "again")]) == 0
    again = json.loads((tmp_path / "again" / "results.json").read_text(encoding="utf-8"))
    assert again["status"] == "completed"
    first = again["trials"][0]
    assert first["origin"] == "preset" and len(again["trials"]) == 1
    for name, value in rec["best"]["params"].items():
        assert first["params"][name] == pytest.approx(value), name
    assert again["study"]["name"] == f"real-best-{rec['run_id']}"


def test_offline_html_drops_every_remote_script():
    page = ('<script src="https://cdn.example/require.js"></script><p>x</p>'
            "<script src='//cdn.example/mathjax.js'> </script>"
            '<link rel="stylesheet" href="https://fonts.example/a.css">'
            '<script>var inline = 1;</script><script src="local.js"></script>')
    out = report.offline_html(page)
    assert "example" not in out
    assert "var inline = 1;" in out and 'src="local.js"' in out


def test_render_refuses_what_it_cannot_share(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such record"):
        report.render(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(report.ReportError, match="no executed notebook"):
        report.render(tmp_path / "empty")
    shutil.copy(paths.NOTEBOOKS / "analyze.ipynb", tmp_path / "empty" / "analyze.ipynb")
    with pytest.raises(report.ReportError, match="not executed"):
        report.render(tmp_path / "empty")
    nb = nbformat.read(tmp_path / "empty" / "analyze.ipynb", as_version=4)
    nbformat.write(nb, tmp_path / "empty" / "other.ipynb")
    with pytest.raises(report.ReportError, match="several notebooks"):
        report.render(tmp_path / "empty")


def test_missing_browser_skips_or_fails_as_configured(monkeypatch):
    monkeypatch.setattr(report, "find_chromium", lambda: None)
    monkeypatch.setenv("WORKBENCH_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="WORKBENCH_REQUIRE_BROWSER"):
        require_browser()
    monkeypatch.delenv("WORKBENCH_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        require_browser()


def test_report_reads_like_a_paper_whole_tables_no_progress_bars(tmp_path):
    import pandas as pd

    trials = pd.DataFrame({f"param_{c}": range(80) for c in range(25)})
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("run.optimize(); run.trials_frame()")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="Map: 100%|####| 48/48\n"),
        nbformat.v4.new_output("stream", name="stdout",
                               text="study 0%|  | 0/2\rstudy 50%|# | 1/2\rstudy 100%|##| 2/2\n"
                                    "trial 1 complete 70.1\n"),
        nbformat.v4.new_output("execute_result", data={"text/html": trials.to_html(),
                                                       "text/plain": "..."},
                               execution_count=1)]
    nb.cells = [nbformat.v4.new_markdown_cell("# Run a study"), cell]
    source = tmp_path / "run-study.ipynb"
    nbformat.write(nb, source)
    text = report.render(source).read_text(encoding="utf-8")
    assert "Map: 100%" not in text  # stderr is left out
    assert "study 100%|##| 2/2" in text and "study 50%" not in text  # last state of a bar
    assert "trial 1 complete 70.1" in text
    assert text.count("<tr>") >= 80 and "<td>79</td>" in text and "param_24" in text
    assert "div:has(> table.dataframe) { overflow-x: auto; }" in text


# --------------------------------------------------------------------------- tables whole

REASON = ("the median pruner stopped it at epoch 2: dev ROUGE 61.2 is below the median 70.1 of "
          "the 5 trials that reached epoch 2 (warm-up 1 epoch, 3 startup trials)")
# Measures, once the page has drawn, the first table and its box as a reader would meet them.
MEASURE = """<script>
window.addEventListener('load', function () {
  var table = document.querySelector('table.dataframe'), box = table.parentElement;
  var cell = table.querySelector('tbody tr:last-child td:last-child');
  document.body.setAttribute('data-measured', JSON.stringify({
    box_client_height: box.clientHeight, box_scroll_height: box.scrollHeight,
    box_scroll_width: box.scrollWidth, box_right: box.getBoundingClientRect().right,
    overflow_x: getComputedStyle(box).overflowX, table_width: table.offsetWidth,
    page_width: document.documentElement.clientWidth,
    rows: Array.from(table.querySelectorAll('tbody tr')).map(function (r) {
      return r.offsetHeight; }),
    cell_text: cell.textContent, cell_client: cell.clientWidth, cell_scroll: cell.scrollWidth}));
});
</script>"""


def notebook_of(path, *cells):
    """An executed notebook of (markdown text | (code, outputs)) cells."""
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        if isinstance(cell, str):
            nb.cells.append(nbformat.v4.new_markdown_cell(cell))
        else:
            code = nbformat.v4.new_code_cell(cell[0])
            code.outputs = cell[1]
            nb.cells.append(code)
    nbformat.write(nb, path)
    return path


def shown_table(frame):
    """A table as an executed notebook holds it, with the notebooks' display settings."""
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.max_colwidth", None):
        return nbformat.v4.new_output("execute_result", execution_count=1,
                                      data={"text/html": frame._repr_html_(), "text/plain": ""})


def test_a_wide_long_trial_table_is_whole_in_the_browser(tmp_path):
    """Every row on the page, each on one line, the last column reachable, the reason whole:
    the table is not boxed at 36em, nor the reason squeezed into a column 63 px wide."""
    import pandas as pd

    browser = require_browser()
    rows = [{"number": n, "state": "PRUNED", "value": 70 + n / 7,
             **{f"param_{c}": 0.001 * c for c in range(16)},
             "distinct": 0.975, "top share": 0.05, "reason": REASON} for n in range(40)]
    source = notebook_of(tmp_path / "run-study.ipynb", "# Run a study\n\n## Trials",
                         ("run.trials_frame()", [shown_table(pd.DataFrame(rows))]))
    html = report.render(source)
    measured = tmp_path / "measured.html"
    measured.write_text(html.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"),
                        encoding="utf-8")
    dom = report._chromium(browser, ["--virtual-time-budget=5000", "--window-size=1280,1000",
                                     "--dump-dom", measured.as_uri()], timeout=180).stdout
    found = re.search(r'data-measured="([^"]*)"', dom)
    assert found, dom[-2000:]
    seen = json.loads(html_lib.unescape(found.group(1)))
    assert len(seen["rows"]) == 40
    assert seen["box_scroll_height"] <= seen["box_client_height"] + 1  # no box of its own
    assert max(seen["rows"]) < 1.5 * min(seen["rows"])  # every row one line high
    assert seen["cell_text"] == REASON and seen["cell_scroll"] <= seen["cell_client"] + 1
    assert seen["table_width"] > seen["page_width"]  # wider than the page: it scrolls in place
    assert seen["overflow_x"] in ("auto", "scroll")
    assert seen["box_scroll_width"] >= seen["table_width"]
    assert seen["box_right"] <= seen["page_width"]


def test_the_report_leaves_out_progress_and_sections_that_showed_nothing(tmp_path):
    """A single-objective run's Pareto section (its cells return None) is not in the report,
    nor are a run's progress lines (stderr: `display.progress`); text-only sections stay."""
    progress = nbformat.v4.new_output("stream", name="stderr", text=(
        "building the base checkpoint once (cached in outputs/cache/bases/x)\n"
        "  base: step 50/375, loss 2.310, 20 s, about 130 s left\n"
        "trial 0 complete 73.4100 (1/2 done, best 73.4100); 20 s elapsed\n"))
    said = nbformat.v4.new_output("stream", name="stdout",
                                  text="record: outputs/tiny-bart/x/results.json\n")
    source = notebook_of(
        tmp_path / "run-study.ipynb", "# Run a study\n\nWhat it does.",
        "## Optimize", ("study = run.optimize()", [progress, said]),
        "## Pareto front\n\nWith several objectives, the trials no other trial beats.",
        ("run.pareto()", []), ("analysis.draw_pareto(study)", []),
        "### A note on fronts", ("x = 1", []),
        "## Plots", ("analysis.draw_history(study)", [shown_table(
            __import__("pandas").DataFrame({"trials": [1]}))]),
        "## Reading it\n\nText alone stays.")
    text = report.render(source).read_text(encoding="utf-8")
    assert "Pareto front" not in text and "no other trial beats" not in text
    assert "A note on fronts" not in text  # a subsection of the empty section
    assert "Optimize" in text and "Plots" in text and "Text alone stays." in text
    assert "record: outputs/tiny-bart/x/results.json" in text
    assert "building the base" not in text and "base: step" not in text
    assert "trial 0 complete" not in text


def test_a_submission_written_at_the_project_root_is_ignored_by_git():
    """`workbench predict RUN --out submission.csv` from the root, as the README shows."""
    import subprocess

    for name in ("submission.csv", "kobart.submission.csv", "submission-dev.csv"):
        done = subprocess.run(["git", "-C", str(paths.ROOT), "check-ignore", "-q", name],
                              check=False)
        assert done.returncode == 0, f"{name} is not ignored"
    kept = subprocess.run(["git", "-C", str(paths.ROOT), "check-ignore", "-q",
                           "data/sample/submission.csv"], check=False)
    assert kept.returncode == 1  # only the root's


@pytest.mark.slow
def test_the_analyze_report_of_a_single_objective_study(analyzed):
    text = report.render(analyzed, out=analyzed / "again.html").read_text(encoding="utf-8")
    assert "Pareto front" not in text
    assert "Slice Plot of every searched parameter" in text  # 3 trials: no ranking
