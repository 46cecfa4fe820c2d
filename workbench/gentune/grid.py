"""The precomputed decoding grid: every runnable combination scored in one batched pass each,
drawn with plotly sliders, for headless (papermill) runs and the shared HTML."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench import records
from workbench.gentune.generator import (
    DECODING_KEYS,
    SAMPLING_KEYS,
    Generator,
    decoding,
    decoding_errors,
)

MAX_GRID_KEYS = 3


def grid_configs(base: Mapping[str, Any], grid: Mapping[str, Sequence[Any]],
                 ) -> tuple[list[dict[str, Any]], list[str]]:
    """Every combination of `grid` over `base` that can run, and why the others were skipped.

    Sampling knobs in a grid need sampling: a grid that varies temperature, top_p or top_k
    while do_sample is off in every combination is refused rather than run with no effect.
    """
    if not grid:
        raise ValueError("grid: give at least one decoding parameter with a list of values")
    unknown = [k for k in grid if k not in DECODING_KEYS]
    if unknown:
        raise ValueError(f"grid: unknown decoding parameter(s) {', '.join(unknown)}; "
                         f"allowed: {', '.join(DECODING_KEYS)}")
    if len(grid) > MAX_GRID_KEYS:
        raise ValueError(f"grid: at most {MAX_GRID_KEYS} parameters (x axis, lines, slider); "
                         f"got {len(grid)}")
    for key, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ValueError(f"grid: {key}: expected a non-empty list of values, got {values!r}")
    sampling = set(grid) & set(SAMPLING_KEYS)
    if sampling and not base["do_sample"] and True not in grid.get("do_sample", []):
        raise ValueError(f"grid: {', '.join(sorted(sampling))} only matter when sampling; add "
                         "do_sample: [true] to the grid or set hparams.do_sample: true")
    keep, skipped = [], []
    for combo in itertools.product(*grid.values()):
        d = {**decoding(base), **dict(zip(grid, combo, strict=True))}
        errors = decoding_errors(d)
        if errors:
            skipped.append(f"{_combo_text(grid, combo)}: {'; '.join(errors)}")
        else:
            keep.append(d)
    if not keep:
        raise ValueError("grid: no combination can run: " + " | ".join(skipped))
    return keep, skipped


def _combo_text(grid: Mapping[str, Any], combo: Sequence[Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(grid, combo, strict=True))



# --------------------------------------------------------------------------- the grid


@dataclass
class GridResult:
    """Scores of every grid config on the eval dialogues, and summaries of the shown ones."""

    grid: dict[str, list[Any]]
    frame: pd.DataFrame
    summaries: dict[int, list[str]]  # row of `frame` -> summaries of the shown dialogues
    shown: list[int]
    skipped: list[str] = field(default_factory=list)


OWN = "checkpoint's own"  # the grid's first row: the decoding the checkpoint was trained with


def run_grid(generator: Generator, base: Mapping[str, Any], grid: Mapping[str, Sequence[Any]],
             shown: Sequence[int]) -> GridResult:
    """Score the checkpoint's own decoding (first row), then each runnable combination of
    `grid` (one batched pass each): the grid's best is read against what training reached."""
    configs, skipped = grid_configs(base, grid)
    own = decoding(base)
    configs = [own] + [d for d in configs if d != own]
    rows, summaries = [], {}
    for i, d in enumerate(configs):
        ev = generator.evaluate(d)
        rows.append({"decoding": OWN if i == 0 else "grid", **{k: d[k] for k in grid}, **ev.scores,
                     "distinct": ev.figures["distinct_share"],
                     "degenerate": "; ".join(ev.degenerate) or None, "seconds": ev.seconds})
        summaries[i] = [ev.predictions[j] for j in shown]
    return GridResult({k: list(v) for k, v in grid.items()}, pd.DataFrame(rows), summaries,
                      list(shown), skipped)


def draw_grid(result: GridResult, target: str = "final") -> Any:
    """ROUGE over the grid: first key on the x axis, second as lines, last as a slider."""
    import plotly.graph_objects as go

    keys = list(result.grid)
    x, rest = keys[0], keys[1:]
    slider = rest[-1] if rest else None
    line = rest[0] if len(rest) == 2 else None
    frame = result.frame
    fig = go.Figure()
    groups = list(result.grid[slider]) if slider else [None]
    traces_of: dict[Any, list[int]] = {}
    for g in groups:
        part = frame if slider is None else frame[frame[slider] == g]
        for v in (list(result.grid[line]) if line else [None]):
            sub = part if line is None else part[part[line] == v]
            if sub.empty:
                continue
            sub = sub.sort_values(x)
            traces_of.setdefault(g, []).append(len(fig.data))
            fig.add_trace(go.Scatter(
                x=sub[x], y=sub[target], mode="lines+markers",
                name=f"{line}={v}" if line else target, visible=g == groups[0],
                customdata=sub[["seconds"]], hovertemplate=(
                    f"{x}=%{{x}}<br>ROUGE %{{y:.2f}}<br>%{{customdata[0]:.2f}} s<extra></extra>"),
            ))
    if slider:
        steps = [{"label": str(g), "method": "update",
                  "args": [{"visible": [i in traces_of.get(g, []) for i in range(len(fig.data))]},
                           {"title.text": f"dev ROUGE by {x} ({slider}={g})"}]}
                 for g in groups]
        fig.update_layout(sliders=[{"active": 0, "currentvalue": {"prefix": f"{slider}: "},
                                    "steps": steps, "pad": {"t": 50}}])
    own = frame[frame["decoding"] == OWN]
    if not own.empty:  # the grid's best reads against it (a grid may not hold these values)
        fig.add_hline(y=float(own[target].iloc[0]), line_dash="dash", annotation_text=(
            f"{OWN} decoding: {own[target].iloc[0]:.2f}"), annotation_position="bottom right")
    title = f"dev ROUGE by {x}" + (f" ({slider}={groups[0]})" if slider else "")
    return fig.update_layout(title=title, xaxis_title=x, yaxis_title="dev ROUGE", height=460)


def draw_grid_summaries(result: GridResult, generator: Generator) -> Any:
    """The shown dialogues' summaries for each grid config, chosen with a slider."""
    import plotly.graph_objects as go

    refs = [generator.references[i][0] for i in result.shown]
    names = [generator.dev["fname"][i] for i in result.shown]
    fig = go.Figure()
    labels = []
    for row, preds in result.summaries.items():
        combo = {k: result.frame[k].iloc[row] for k in [*result.grid, "final"]}
        labels.append(" / ".join(str(records.plain(combo[k])) for k in result.grid)
                      + (f" ({OWN})" if row == 0 else ""))
        fig.add_trace(go.Table(
            columnwidth=[1, 4, 4],
            header={"values": ["dialogue", "reference", f"summary (ROUGE {combo['final']:.1f})"],
                    "align": "left"},
            cells={"values": [names, refs, preds], "align": "left", "height": 28},
            visible=row == 0,
        ))
    n = len(fig.data)
    steps = [{"label": label, "method": "update",
              "args": [{"visible": [j == i for j in range(n)]}]}
             for i, label in enumerate(labels)]
    prefix = " / ".join(result.grid) + ": "
    fig.update_layout(sliders=[{"active": 0, "steps": steps, "currentvalue": {"prefix": prefix},
                                "pad": {"t": 20}}],
                      height=140 + 90 * len(result.shown), margin={"t": 30})
    return fig
