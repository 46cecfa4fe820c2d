"""Shareable reports: an executed notebook rendered to one self-contained HTML file.

The notebooks draw with a plotly renderer that embeds plotly.js in the first chart's output
(`display.setup_notebook`), so the HTML carries its charts' code. What a rendered page must not
do is reach for the network: nbconvert's lab template loads require.js, MathJax and mermaid
from CDNs, and plotly 7 adds a MathJax CDN tag to every figure. With require.js present,
plotly.js registers as an AMD module instead of `window.Plotly` and no chart draws, so the
report drops all of them. `check_in_browser` opens the file in headless Chromium with the
network off, as a reader with no connection would, and counts the charts that drew.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from workbench import paths

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags for a headless Chromium that never touches the network.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
# A script tag that loads anything from outside the page.
_REMOTE_SCRIPT_RE = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>", re.IGNORECASE)
_REMOTE_LINK_RE = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)
# The template blocks that load require.js, MathJax and mermaid from CDNs, emptied.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}
<style>
/* Tables are shown whole: every row on the page (no scroll box of their own), every cell on one
   line and whole (JupyterLab's fixed layout squeezed a long reason into a tall, narrow column);
   a table wider than the page scrolls sideways in place. */
div:has(> table.dataframe) { overflow-x: auto; }
.jp-RenderedHTMLCommon table.dataframe { table-layout: auto; }
.jp-RenderedHTMLCommon table.dataframe td, .jp-RenderedHTMLCommon table.dataframe th {
  white-space: nowrap; }
</style>
{%- endblock extra_css -%}
"""
PLOTLY_DIV = 'class="plotly-graph-div"'  # as plotly writes it; drawing adds js-plotly-plot


class ReportError(ValueError):
    """A record that cannot be rendered (no notebook, several notebooks, not executed)."""


def find_notebook(record: str | Path) -> Path:
    """The executed notebook of a record: the .ipynb itself, or the one in the run folder."""
    path = paths.project_path(record)
    if path.is_file():
        if path.suffix != ".ipynb":
            raise ReportError(f"{paths.shown(path)}: not a notebook (.ipynb)")
        return path
    if not path.is_dir():
        raise FileNotFoundError(f"{paths.shown(path)}: no such record (a run folder under "
                                "outputs/ or an executed .ipynb)")
    found = sorted(path.glob("*.ipynb"))
    if not found:
        raise ReportError(f"{paths.shown(path)}: no executed notebook in this record")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ReportError(f"{paths.shown(path)}: several notebooks ({names}); name one")
    return found[0]


def offline_html(html: str) -> str:
    """The page without any script or stylesheet loaded from the network."""
    html = _REMOTE_SCRIPT_RE.sub("", html)
    return _REMOTE_LINK_RE.sub("", html)


def for_readers(nb) -> None:
    """Leave out what a reader of the report has no use for: stderr (library warnings,
    progress bars, a run's progress lines: `display.progress`), the redrawn states of a
    progress bar (text before a carriage return) and sections that showed nothing. The
    executed notebook, the record, keeps them."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                if out.get("name") == "stderr":
                    continue
                text = "\n".join(line.rsplit("\r", 1)[-1] for line in out.text.split("\n"))
                out = {**out, "text": text}
            kept.append(out)
        cell.outputs = kept
    without_empty_sections(nb)


_HEADING_RE = re.compile(r"(#{1,6})\s")


def _heading_level(cell) -> int | None:
    """The level of the markdown heading a cell starts with (1 for `#`), else None."""
    found = _HEADING_RE.match(cell.source.lstrip()) if cell.cell_type == "markdown" else None
    return len(found.group(1)) if found else None


def without_empty_sections(nb) -> None:
    """Leave out each section (a heading, and the cells up to the next heading of its level or
    above) whose code cells all showed nothing, e.g. the Pareto front of a single-objective
    study, whose cells return None. A section of text alone stays."""
    cells, dropped = nb.cells, set()
    for i, cell in enumerate(cells):
        level = _heading_level(cell)
        if level is None:
            continue
        end = next((j for j in range(i + 1, len(cells))
                    if (_heading_level(cells[j]) or 7) <= level), len(cells))
        code = [c for c in cells[i + 1:end] if c.cell_type == "code"]
        if code and not any(c.get("outputs") for c in code):
            dropped.update(range(i, end))
    nb.cells = [c for k, c in enumerate(cells) if k not in dropped]


def render(record: str | Path, out: str | Path | None = None, show_code: bool = False) -> Path:
    """Render a record's executed notebook to self-contained HTML (code hidden by default),
    for readers: tables whole and scrollable, no stderr, progress-bar redraws or empty
    sections.

    Writes `<notebook>.html` beside the notebook unless `out` names another file.
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    source = find_notebook(record)
    nb = nbformat.read(source, as_version=4)
    if not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        raise ReportError(f"{paths.shown(source)}: the notebook has no outputs (not executed?)")
    for_readers(nb)
    exporter = HTMLExporter(
        template_name="lab", template_file="report.html.j2",
        extra_loaders=[jinja2.DictLoader({"report.html.j2": _TEMPLATE})],
        exclude_input=not show_code, exclude_input_prompt=not show_code,
        exclude_output_prompt=True, embed_images=True,
    )
    title = nb.metadata.get("title") or _title(nb) or source.stem
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    target = Path(out) if out else source.with_suffix(".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(offline_html(body), encoding="utf-8")
    return target


def _title(nb) -> str | None:
    """The first markdown heading, as the page title."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return None


def count_charts(html: str) -> int:
    """How many plotly charts a page holds."""
    return html.count(PLOTLY_DIV)


# --------------------------------------------------------------------------- the browser


def find_chromium() -> str | None:
    """The Chromium executable, or None when it is not installed."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class BrowserCheck:
    """What headless Chromium saw: charts in the page, charts drawn (with SVG), errors."""

    html: Path
    charts: int
    drawn: int
    svg_nodes: int
    console_errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None

    @property
    def ok(self) -> bool:
        return self.charts > 0 and self.drawn == self.charts


def _chromium(browser: str, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="wb-chromium-") as profile:
        return subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=timeout, check=False,
        )


def check_in_browser(html: str | Path, screenshot: str | Path | None = None,
                     browser: str | None = None, width: int = 1280, height: int = 2400,
                     budget_ms: int = 15000, timeout: float = 180) -> BrowserCheck:
    """Open `html` in headless Chromium, network off; count the plotly charts that drew.

    A chart drew when plotly replaced its empty div by its SVG layers (`main-svg`). A
    screenshot of the top `width` x `height` pixels is saved when `screenshot` names a file.
    """
    page = Path(html).resolve()
    browser = browser or find_chromium()
    if browser is None:
        raise FileNotFoundError("chromium is not installed (Debian: apt-get install chromium "
                                "fonts-nanum)")
    url = page.as_uri()
    common = [f"--virtual-time-budget={budget_ms}", "--run-all-compositor-stages-before-draw",
              "--enable-logging=stderr", "--v=0"]
    dom = _chromium(browser, [*common, "--dump-dom", url], timeout)
    if dom.returncode != 0 or "<html" not in dom.stdout:
        raise RuntimeError(f"chromium failed on {page} (exit {dom.returncode}): "
                           f"{dom.stderr.strip()[-2000:]}")
    shot = None
    if screenshot is not None:
        shot = Path(screenshot).resolve()
        shot.parent.mkdir(parents=True, exist_ok=True)
        run = _chromium(browser, [*common, f"--window-size={width},{height}",
                                  f"--screenshot={shot}", url], timeout)
        if run.returncode != 0 or not shot.is_file():
            raise RuntimeError(f"chromium could not save a screenshot of {page}: "
                               f"{run.stderr.strip()[-2000:]}")
    return BrowserCheck(
        html=page, charts=count_charts(page.read_text(encoding="utf-8")),
        drawn=_drawn_charts(dom.stdout), svg_nodes=dom.stdout.count("<svg"),
        console_errors=_console_errors(dom.stderr), screenshot=shot,
    )


def _drawn_charts(dom: str) -> int:
    """Chart divs in the rendered DOM that plotly drew into (its SVG layer is inside)."""
    parts = re.split(r'class="plotly-graph-div\b', dom)[1:]
    return sum(1 for part in parts if 'class="main-svg"' in part)


def _console_errors(stderr: str) -> list[str]:
    """JavaScript errors Chromium logged for the page (uncaught exceptions, failed loads)."""
    return [line.strip() for line in stderr.splitlines()
            if "CONSOLE" in line and ("Error" in line or "Uncaught" in line)]
