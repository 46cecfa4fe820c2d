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


def search_figure(se: Mapping[str, Any]) -> Any:
    """The anytime curves of the evaluation block: the true value of the config a study would
    return after each trial (left) and against cumulative optimizer steps (right), median over
    seeds with the quartile band."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ev = se["evaluation"]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True,
                        subplot_titles=("by trials", "by optimizer steps"))
    for i, (name, c) in enumerate(ev["curves"].items()):
        color = COLORS[i % len(COLORS)]
        for col, xs, rows in ((1, list(range(1, len(c["by_trial"]) + 1)), c["by_trial"]),
                              (2, c["steps"], c["by_steps"])):
            low, mid, high = ([None if r is None else r[k] for r in rows] for k in range(3))
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=high + low[::-1], fill="toself",
                                     opacity=0.15, line={"width": 0, "color": color},
                                     showlegend=False, legendgroup=name, hoverinfo="skip",
                                     name=name), row=1, col=col)
            fig.add_trace(go.Scatter(x=xs, y=mid, mode="lines", name=name, legendgroup=name,
                                     line={"color": color}, showlegend=col == 1),
                          row=1, col=col)
    fig.update_layout(
        title=f"true value of the config the study returns ({len(ev['seeds'])} evaluation "
              "seeds: median, quartile band)", yaxis_title="true dev objective")
    fig.update_xaxes(title_text="trials", row=1, col=1)
    fig.update_xaxes(title_text="cumulative optimizer steps", row=1, col=2)
    return fig


COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")


def _ci(s: Mapping[str, Any], signed: bool = False) -> str:
    if not s or s.get("mean") is None:
        return "n/a"
    sign = "+" if signed else ""
    return f"{s['mean']:{sign}.2f} [{s['low']:{sign}.2f}, {s['high']:{sign}.2f}]"


def _strategy_row(name: str, s: Mapping[str, Any], n: int, mark: str = "") -> str:
    vs = s["true_vs_random"]
    reach = s.get("reach")
    third = "-" if not reach else f"{reach['within_third']}/{n}"
    return (f"| {name}{mark} | {_ci(s['true'])} | {_ci(vs, True)} | "
            f"{vs['wins']}/{vs['ties']}/{vs['losses']} | {s['reported']['mean']:.2f} | "
            f"{s['optimism']['mean']:+.2f} | {s['steps_vs_random']['mean']:.2f} | {third} |")


def _span(seeds: list[int]) -> str:
    return f"{seeds[0]}-{seeds[-1]} ({len(seeds)} seeds)" if seeds else "none"


def search_lines(se: Mapping[str, Any]) -> list[str]:
    """The search section: the world the studies were replayed in, the rule and what it chose
    on the selection block, then the evaluation block's tables, one per budget."""
    w = se["world"]
    t, su = w["table"], w["surrogate"]
    held = su["held_out"][su["model"]]
    sel, ev = se["selection"], se["evaluation"]
    n = len(ev["seeds"])
    lines = [
        f"- Search table: {t['configs']} configs ({t['drawn']} drawn at random from the "
        f"default's space, {t['planned']} where the replayed studies went), {t['noise_runs']} "
        f"seed repeats ({t['configs_with_3_seeds']} configs with 3 or more seeds), "
        f"{t['epochs']} epochs each, {t['train_hours']:.1f} h of training; drawn configs' best "
        f"{t['drawn_spread']['min']:.1f} to {t['drawn_spread']['max']:.1f} (median "
        f"{t['drawn_spread']['median']:.1f}, std {t['drawn_spread']['std']:.1f}); one config "
        f"over trial seeds: std {su['seed_std_best']:.2f}",
        f"- Surrogate: {su['model']} (held-out RMSE of a config's best: "
        + ", ".join(f"{k} {v['rmse_best']:.2f}" for k, v in su["held_out"].items())
        + f"); rank correlation {held['spearman_best']:.2f}; top decile of real bests "
        f"({held['top_decile_rows']} rows): predicted {held['top_decile_predicted_mean']:.2f} "
        f"vs real {held['top_decile_real_mean']:.2f} (bias {held['top_decile_bias']:+.2f}); "
        f"highest prediction {su['highest_prediction']:.2f} vs best in table "
        f"{t['best_in_table']:.2f}"
        + ("" if not (ic := su.get("incumbents_check")) else
           f"; on {ic['configs']} configs the replayed studies returned, trained for real with "
           f"{ic['seeds_each']} seeds: predicted {ic['predicted_mean']:.2f} (fitted without "
           f"them) vs real {ic['real_mean']:.2f}, bias {ic['bias']:+.2f}, RMSE "
           f"{ic['rmse']:.2f}"),
        f"- Seeds: selection block {_span(sel['seeds'])}, evaluation block "
        f"{_span(ev['seeds'])}; the default strategy is {se['default_strategy']}, the "
        f"reference's {se['reference_strategy']}"
        + ("" if se.get("reproduced") is None else
           f"; {se['reproduced']['same']}/{se['reproduced']['checked']} committed studies "
           "replay to the same trace here"),
        "- Rule (stated before the evaluation block ran): the highest mean true value of the "
        "returned config on the selection block; within 2 paired standard errors of it counts "
        "as tied, and the simplest of the tied wins",
        f"- Goals: {se['goal']}",
        ""]
    choice = sel.get("choice", {})
    for b in ev["budgets"]:
        summary = ev["budgets"][b]
        chosen = (ev.get("chosen") or {}).get(b) or choice.get(b, {}).get("chosen")
        shown = [x for x in dict.fromkeys(["random/none/best", se["reference_strategy"],
                                           se["default_strategy"], chosen,
                                           choice.get(b, {}).get("leader")])
                 if x in summary]
        top = sorted(summary, key=lambda k: -summary[k]["true"]["mean"])[:3]
        shown += [x for x in top if x not in shown]
        lines += [f"{b} trainings, evaluation block ({n} seeds): true value of the returned "
                  "config (mean [95 % CI]), paired difference from random search, and what the "
                  "study reports" + (f"; chosen on the selection block: {chosen}"
                                     if chosen else ""), "",
                  "| strategy (sampler/pruner/returned) | true value | vs random | "
                  "wins/ties/losses | reported | optimism | steps vs random | "
                  "reached random's value in <= 1/3 of its steps |",
                  "|---|---|---|---|---|---|---|---|"]
        for name in shown:
            mark = " (chosen)" if name == chosen else " (default)" if (
                name == se["default_strategy"]) else ""
            lines.append(_strategy_row(name, summary[name], n, mark))
        rows_check = (ev.get("table_rows") or {}).get(b, {})
        if chosen in rows_check:
            lines += ["", f"On the table's own rows (no surrogate): {chosen} vs random "
                      f"{_ci(rows_check[chosen]['true_vs_random'], True)}"]
        lines.append("")
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
