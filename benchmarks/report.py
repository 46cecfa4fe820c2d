"""The report: plotly figures (search curves, memory per trial, parallel throughput), the
Markdown summary (one line per headline figure) and one self-contained HTML page."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def figures(report: Mapping[str, Any]) -> dict[str, Any]:
    """plotly figures of the search curves, memory per trial and parallel throughput."""
    import plotly.graph_objects as go

    out: dict[str, Any] = {}
    if search := report.get("search"):
        out["search"] = search_figure(search)
    if mem := report.get("memory"):
        fig = go.Figure()
        for name, marks in (("searched configs: RSS", [m["rss_mb"] for m in mem["per_trial"]]),
                            ("searched configs: peak RSS",
                             [m["peak_rss_mb"] for m in mem["per_trial"]]),
                            ("preset's config every trial: RSS",
                             mem["same_config"]["rss_per_trial_mb"])):
            fig.add_trace(go.Scatter(x=list(range(1, len(marks) + 1)), y=marks, name=name,
                                     mode="lines+markers"))
        fig.update_layout(title="resident memory after each trial (tiny-bart)",
                          xaxis_title="trial", yaxis_title="MB")
        out["memory"] = fig
    if (par := report.get("parallel")) and par["runs"]:
        fig = go.Figure()
        for kind in dict.fromkeys(r["storage"] for r in par["runs"]):
            mine = [r for r in par["runs"] if r["storage"] == kind]
            fig.add_trace(go.Bar(x=[str(r["workers"]) for r in mine], name=kind,
                                 y=[r["trials_per_min"]["median"] for r in mine]))
        fig.update_layout(title=f"trials per minute ({par['sleep_s']} s trials)",
                          xaxis_title="worker processes", yaxis_title="trials per minute",
                          barmode="group")
        out["parallel"] = fig
    return out


SHOWN_IN_CHART = 6  # strategies drawn in the search chart: random, the default, the seed's, ...


def _strategies_shown(se: Mapping[str, Any]) -> list[str]:
    """Random, the default, the design document's, then the best by median fraction."""
    ranked = sorted(se["at_budget"], key=lambda n: _rank_key(se["at_budget"][n]))
    first = ["random/none", se.get("default_strategy"), se["seed_strategy"]]
    names = [n for n in dict.fromkeys([*first, *ranked]) if n in se["curves"]]
    return names[:SHOWN_IN_CHART]


def _rank_key(s: Mapping[str, Any]) -> tuple[float, float]:
    """Strategies in order of merit: most seeds reaching random's best, then least compute."""
    frac = s["fraction_of_random"]["steps"]["median"]
    return (-s["reached"], frac if frac is not None else math.inf)


def search_figure(se: Mapping[str, Any]) -> Any:
    """Best so far against cumulative optimizer steps: median over seeds, with a band from
    the lower to the upper quartile, for a few strategies."""
    import plotly.graph_objects as go

    fig = go.Figure()
    ends = [c[-1][0] for curves in se["curves"].values() for c in curves if c]
    grid = [max(ends) * i / 60 for i in range(1, 61)] if ends else []
    for name in _strategies_shown(se):
        rows = []
        for x in grid:
            seen = [max((b for s, b in c if s <= x and math.isfinite(b)), default=math.nan)
                    for c in se["curves"][name]]
            seen = sorted(v for v in seen if not math.isnan(v))
            rows.append([seen[int(q * (len(seen) - 1))] for q in (0.25, 0.5, 0.75)]
                        if len(seen) >= len(se["curves"][name]) / 2 else [None] * 3)
        low, mid, high = ([r[i] for r in rows] for i in range(3))
        fig.add_trace(go.Scatter(x=grid + grid[::-1], y=high + low[::-1], fill="toself",
                                 opacity=0.15, line={"width": 0}, showlegend=False,
                                 legendgroup=name, hoverinfo="skip", name=name))
        fig.add_trace(go.Scatter(x=grid, y=mid, mode="lines", name=name, legendgroup=name))
    fig.update_layout(
        title=f"best dev objective so far vs optimizer steps ({len(se['seeds'])} seeds: median, "
              "quartile band; surrogate of the search table)",
        xaxis_title="cumulative optimizer steps", yaxis_title="best so far")
    return fig


def search_lines(se: Mapping[str, Any]) -> list[str]:
    """The search section: the table and its surrogate, then one table per budget."""
    t, su = se["table"], se["surrogate"]
    held = su["held_out"][su["model"]]
    n = len(se["seeds"])
    lines = [
        f"- Search table: {t['configs']} configs of the default's search space, "
        f"{t['noise_runs']} seed repeats, {t['epochs']} epochs each ({t['file']}, built "
        f"{t['built']}, {t['train_seconds_total'] / 3600:.1f} h of training); best "
        f"{t['best_in_table']:.2f}, healthy {t['healthy_configs']}/{t['configs']}",
        f"- Surrogate: {su['model']} (lowest held-out error of "
        + ", ".join(f"{k} {v['rmse_best']:.2f}" for k, v in su["held_out"].items())
        + f"; RMSE of a config's best epoch, {su['folds']}-fold); its rank correlation "
        f"{held['spearman_best']:.2f}, mean error {held['mae_best']:.2f}; seed noise per epoch "
        + ", ".join(f"{v:.2f}" for v in su["seed_noise_per_epoch"]),
        f"- Signal: best epoch over the table's configs {_fmt(se['signal']['configs'])}, std "
        f"{se['signal']['config_std']:.2f}; one config over trial seeds: std "
        f"{se['signal']['seed_std_best']:.2f}",
        f"- Default strategy: {se.get('default_strategy')}; recommended by the benchmark's rule "
        f"(most seeds reaching random's best, then least compute, among strategies whose pruner "
        f"changed the best in <= 2 seeds): {se.get('recommended')}"
        + ("" if se.get("recommended") == se.get("default_strategy") else " (they differ)")
        + f"; the design document's: {se['seed_strategy']}; goal for the default {se['goal']} "
        "of random's steps (median), reaching random's final best in >= 90 % of seeds (18/20)",
        ""]
    for key, trials in (("at_budget", se["budget"]), ("at_2x_budget", 2 * se["budget"])):
        lines += [f"Strategies at {trials} trials ({n} seeds; medians; fraction = the steps "
                  "needed to reach random's final best of the same seed, over random's):", "",
                  "| sampler/pruner | final best | vs random | fraction of random's steps | "
                  f"reached /{n} | epochs saved | best changed by pruning | pruned a winner |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, s in sorted(se[key].items(), key=lambda kv: _rank_key(kv[1])):
            frac = s["fraction_of_random"]["steps"]["median"]
            lines.append(
                f"| {name} | {s['final_best']['median']:.2f} | "
                f"{s['final_best_vs_random']['median']:+.2f} | "
                f"{'never' if frac is None else f'{frac:.2f}'} | {s['reached']} | "
                f"{s['epochs_saved']['median']:.0%} | {s['final_best_changed_by_pruning']} | "
                f"{s['killed_winner_seeds']} |")
        lines.append("")
    if se.get("not_at_2x_budget"):
        lines += [f"Not replayed at {2 * se['budget']} trials (GP's acquisition search costs "
                  "seconds per trial): " + ", ".join(se["not_at_2x_budget"]), ""]
    return lines


def _html_lines(lines: list[str]) -> list[str]:
    """The markdown report's lines as HTML: items, paragraphs and pipe tables."""
    import html

    out: list[str] = []
    items: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if items:
            out.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
            items.clear()
        if table:
            head, *body = table
            out.append("<table border='1' cellspacing='0' cellpadding='3'><tr>"
                       + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row)
                                 + "</tr>" for row in body) + "</table>")
            table.clear()

    for line in lines:
        if line.startswith("- "):
            items.append(line[2:])
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(set(c) <= {"-"} for c in cells):
                table.append(cells)
            continue
        flush()
        if line:
            out.append(f"<p>{html.escape(line)}</p>")
    flush()
    return out


def write_html(report: Mapping[str, Any], figs: Mapping[str, Any], path: Path) -> None:
    """One self-contained page: the markdown report's lines, then every chart (plotly.js
    inlined once, so it opens offline)."""
    import html

    lines = markdown(report).splitlines()
    body = [f"<h1>{html.escape(lines[0].lstrip('# '))}</h1>", *_html_lines(lines[1:])]
    for i, fig in enumerate(figs.values()):
        body.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    path.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
                    f"{html.escape(lines[0].lstrip('# '))}</title></head><body>"
                    + "\n".join(body) + "</body></html>", encoding="utf-8")


def _fmt(s: Mapping[str, Any] | None, unit: str = "", digits: int = 2) -> str:
    if not s or not s.get("n"):
        return "n/a"
    never = f", never in {s['n_infinite']}" if s.get("n_infinite") else ""
    if s["median"] is None:  # most repeats never reached the target
        best = "" if s["min"] is None else f"; min {s['min']:.{digits}f}{unit}"
        return f"never in the median repeat (n={s['n']}{never}{best})"
    return (f"{s['median']:.{digits}f}{unit} (min {s['min']:.{digits}f}, "
            f"max {s['max']:.{digits}f}, n={s['n']}{never})")


def markdown(report: Mapping[str, Any]) -> str:
    """A short report: the machine, then one line per headline figure."""
    m = report["machine"]
    lines = [f"# Benchmark {report['date']} ({report['mode']})", "",
             f"Machine: {m['cores']} cores, {m['cpu_model']}; Python {m['python']}; "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
             f"Wall time: {report['wall_s']:.0f} s. Medians (min, max, n).", ""]
    if s := report.get("scorer"):
        lines.append(f"- Scorer ({s['pairs']} pairs): {_fmt(s['workbench_pairs_per_s'], '', 0)} "
                     f"pairs/s vs naive {_fmt(s['naive_pairs_per_s'], '', 0)}; speedup "
                     f"{_fmt(s['speedup'], 'x')} cold, {_fmt(s['speedup_refs_cached'], 'x')} with "
                     f"references cached; goal {s['goal']}")
    if o := report.get("overhead"):
        lines.append(f"- Overhead ({o['sleep_s']} s trial): "
                     f"{_fmt(o['overhead_vs_bare_sqlite']['ms_per_trial'], ' ms', 1)} = "
                     f"{_fmt(o['overhead_vs_bare_sqlite']['pct_of_bare_trial'], ' %')} over a "
                     "bare loop on SQLite; "
                     f"{_fmt(o['overhead_vs_bare_memory']['ms_per_trial'], ' ms', 1)} over an "
                     f"in-memory loop; goal {o['goal']}")
        lines.append(f"- papermill fixed cost: {_fmt(o['papermill']['fixed_cost_s'], ' s')}; "
                     f"goal {o['papermill']['goal']}")
    if mem := report.get("memory"):
        lines.append(f"- Memory over {mem['trials']} trials: peak RSS growth "
                     f"{mem['peak_growth_mb']} MB, RSS growth {mem['rss_growth_mb']} MB; the "
                     f"preset's config {mem['trials']} times: peak "
                     f"{mem['same_config']['peak_growth_mb']} MB, RSS "
                     f"{mem['same_config']['rss_growth_mb']} MB; goal {mem['goal']}")
    if se := report.get("search"):
        lines += search_lines(se)
    if g := report.get("generation"):
        lines.append(f"- Generation trial {_fmt(g['generation_trial_s'], ' s')} vs training "
                     f"trial {_fmt(g['training_trial_s'], ' s')}")
    if p := report.get("parallel"):
        for r in p["runs"]:
            lines.append(f"- Parallel, {r['storage']}, {r['workers']} workers: "
                         f"{_fmt(r['trials_per_min'], '/min', 1)}, "
                         f"{r['speedup_over_one_worker']}x one worker")
    for name, why in report["skipped"].items():
        lines.append(f"- Skipped {name}: {why}")
    return "\n".join(lines) + "\n"
