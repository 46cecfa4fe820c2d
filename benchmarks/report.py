"""The report: plotly figures (search curves, memory per trial, parallel throughput), the
Markdown summary (one line per headline figure) and one self-contained HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def figures(report: Mapping[str, Any]) -> dict[str, Any]:
    """plotly figures of the search curves, memory per trial and parallel throughput."""
    import plotly.graph_objects as go

    out: dict[str, Any] = {}
    if search := report.get("search"):
        fig = go.Figure()
        for name, curves in search["curves"].items():
            for i, curve in enumerate(curves):
                fig.add_trace(go.Scatter(x=[c[0] for c in curve], y=[c[1] for c in curve],
                                         mode="lines", name=f"{name} seed {i}",
                                         legendgroup=name))
        fig.update_layout(title="best dev ROUGE so far vs optimizer steps (tabular replay)",
                          xaxis_title="cumulative optimizer steps", yaxis_title="best so far")
        out["search"] = fig
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


def write_html(report: Mapping[str, Any], figs: Mapping[str, Any], path: Path) -> None:
    """One self-contained page: the markdown report's lines, then every chart (plotly.js
    inlined once, so it opens offline)."""
    import html

    lines = markdown(report).splitlines()
    body = [f"<h1>{html.escape(lines[0].lstrip('# '))}</h1>"]
    items = [line[2:] for line in lines[1:] if line.startswith("- ")]
    body += [f"<p>{html.escape(line)}</p>" for line in lines[1:] if line and
             not line.startswith("- ")]
    body.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
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
        lines.append(f"- Search ({se['table']['configs']} configs, "
                     f"{se['table']['real_runs_total']} real runs, {len(se['seeds'])} seeds): "
                     f"(a) needs {_fmt(se['headline_fraction_of_random']['steps'])} of (b)'s "
                     f"steps to reach (b)'s final best (reached in {se['headline_reached']}/"
                     f"{len(se['seeds'])} seeds); goal {se['goal']}")
        lines.append(f"- Search without the pruner, (c): needs "
                     f"{_fmt(se['c_fraction_of_random']['steps'])} of (b)'s steps (reached in "
                     f"{se['c_reached']}/{len(se['seeds'])} seeds); final best, median: (a) "
                     f"{se['final_best']['a_default']['median']:.2f}, (b) "
                     f"{se['final_best']['b_random']['median']:.2f}, (c) "
                     f"{se['final_best']['c_tpe_no_pruning']['median']:.2f}")
        sig = se["signal"]
        ratio = f"{sig['std_ratio']:.1f}x" if sig["std_ratio"] else "n/a"
        lines.append(f"- Signal: best dev objective over the table's configs "
                     f"{_fmt(sig['configs'])}, std {sig['config_std']:.2f}; the preset's config "
                     f"over {len(sig['preset_config_seeds'])} trial seeds: std "
                     f"{sig['seed_std']:.2f}; ratio {ratio}; healthy configs "
                     f"{sig['healthy_configs']}/{se['table']['configs']}")
        lines.append(f"- Pruning: {_fmt(se['pruning']['share_of_epochs_saved'])} of epochs "
                     f"saved; final best changed in {se['pruning']['final_best_changed_seeds']}"
                     f"/{len(se['seeds'])} seeds")
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
