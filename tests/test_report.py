"""Shared reports: a real (tiny) study's analysis rendered to HTML and opened in headless
Chromium with the network off, as a reader with no connection would; then "analyze -> re-run
with the best" in one command.

Chromium is Debian's `chromium` (`make browser` installs it). Without it the browser test is
skipped with a message, unless WORKBENCH_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

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
def test_analyze_record_of_a_real_study(analyzed, real_study):
    rec = json.loads((analyzed / "results.json").read_text(encoding="utf-8"))
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
    assert "div:has(> table.dataframe) { max-height: 36em; overflow: auto; }" in text
