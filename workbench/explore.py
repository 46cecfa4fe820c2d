"""Exploring a preset's search space before spending any training on it.

Tables first (each a function tested on its own): every searched parameter with its type,
range, step, log scale and condition, and every fixed one with its value (`param_table`); the
size of the space (`size_table`); a random sample of configs with their estimated peak GPU
memory from `workbench.memory` and whether they fit a memory limit (`sample_configs`,
`memory_table`, `feasibility`); which parameters drive that memory (`memory_drivers`). The
`draw_*` functions turn those tables into charts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
import pandas as pd

from workbench import config as wconfig
from workbench import paths, records, spaces, validate
from workbench.records import Record

EXPLORE_PARAMETERS: dict[str, tuple[type, ...]] = {
    "preset": (str,),
    "searched": (list, type(None)),
    "overrides": (dict,),
    "memory_limit_gib": (int, float),
    "n_samples": (int,),
    "seed": (int,),
    "run_dir": (str, type(None)),
}
TABLE_COLUMNS = ("group", "type", "range", "step", "log", "condition", "searched", "value")


# --------------------------------------------------------------------------- tables


def searched_params(resolved: validate.Resolved, names: Sequence[str] | None = None,
                    ) -> list[spaces.Param]:
    """The params to explore: the run's searched ones, or those `names` select (groups or
    parameters of the run's space) in their place."""
    return spaces.select(resolved.space, list(names)) if names else list(resolved.searched)


def param_table(searched: list[spaces.Param], hparams: Mapping[str, Any],
                space: spaces.Space) -> pd.DataFrame:
    """Every searched param (type, range, step, log, condition), then every fixed hparam.

    Fixed rows show the value each trial uses; searched rows show the preset's own value,
    which is trial 0 of a new study.
    """
    rows = spaces.describe(searched, dict(hparams), space)
    frame = pd.DataFrame(rows, dtype=object).set_index("name")
    return frame[list(TABLE_COLUMNS)].sort_values("searched", ascending=False, kind="stable")


def size_table(searched: list[spaces.Param], hparams: Mapping[str, Any]) -> pd.DataFrame:
    """How big the space is: params, discrete combinations, continuous dimensions."""
    size = spaces.space_size(searched, dict(hparams))
    combos = f"{size['combinations']:,}" + ("" if size["exact"] else " (upper bound)")
    rows = [("searched parameters", size["params"]), ("discrete", size["discrete"]),
            ("continuous (infinite values)", size["continuous"]),
            ("conditional", size["conditional"]),
            ("discrete combinations", combos)]
    return pd.DataFrame(rows, columns=["what", "count"]).set_index("what")


def grid_sizes(searched: list[spaces.Param]) -> pd.DataFrame:
    """Values each searched param can take (None for continuous), for the size chart."""
    return pd.DataFrame([{"param": p.name, "group": p.group, "values": p.grid_size,
                          "continuous": p.grid_size is None} for p in searched], dtype=object)


def sample_configs(searched: list[spaces.Param], hparams: Mapping[str, Any], n: int,
                   seed: int) -> list[dict[str, Any]]:
    """`n` configs drawn uniformly from the space (Optuna's RandomSampler, seeded).

    Conditions and bounds apply as in a study: inactive params are absent from a config.
    """
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out = []
    for _ in range(n):
        trial = study.ask()
        out.append(spaces.suggest(trial, searched, dict(hparams)))
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    return out


def memory_table(config: Mapping[str, Any], samples: list[dict[str, Any]],
                 limit_gib: float) -> pd.DataFrame:
    """Each sampled config with its estimated peak GPU memory and whether it fits `limit_gib`.

    Estimates come from `workbench.memory` (no weights are loaded). A model whose config
    cannot be read offline gets no estimate (NaN, `feasible` None); the reason is in
    `frame.attrs["errors"]`, looked up once per model.
    """
    from workbench import memory

    model_configs: dict[str, Any] = {}
    rows = []
    for sample in samples:
        hp = {**config["hparams"], **sample}
        cfg = {**config, "hparams": hp}
        name = wconfig.model_id(cfg) or "model.architecture"
        if name not in model_configs:
            try:
                model_configs[name] = memory.model_config_of(cfg)
            except (OSError, ValueError, RuntimeError) as exc:  # ModelUnavailable: RuntimeError
                model_configs[name] = exc
        row = dict(sample)
        found = model_configs[name]
        if isinstance(found, Exception):
            row.update(peak_gib=math.nan, model_gib=math.nan, inference_gflops=math.nan,
                       feasible=None)
        else:
            est = memory.estimate(cfg, hp, model_config=found)
            # The larger of training's peak and the per-epoch evaluation's, as the constraint
            row.update(peak_gib=est.overall_peak_gib, model_gib=est.saved_bytes / 2**30,
                       inference_gflops=est.inference_gflops,
                       feasible=bool(est.overall_peak_gib <= limit_gib))
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["errors"] = {k: str(v).splitlines()[0] for k, v in model_configs.items()
                             if isinstance(v, Exception)}
    return frame


def feasibility(frame: pd.DataFrame, limit_gib: float) -> dict[str, Any]:
    """The share of sampled configs that fit the limit, and the memory range they span."""
    known = frame[frame["feasible"].notna()]
    share = float(known["feasible"].astype(bool).mean()) if len(known) else None
    peak = known["peak_gib"]
    return {"limit_gib": limit_gib, "samples": len(frame), "estimated": len(known),
            "feasible": int(known["feasible"].astype(bool).sum()) if len(known) else 0,
            "feasible_share": share,
            "peak_gib_min": float(peak.min()) if len(known) else None,
            "peak_gib_median": float(peak.median()) if len(known) else None,
            "peak_gib_max": float(peak.max()) if len(known) else None,
            "unavailable": dict(frame.attrs.get("errors", {}))}


def memory_drivers(frame: pd.DataFrame, params: Sequence[str]) -> pd.DataFrame:
    """How much of the spread in peak memory each param explains, 0..1.

    Epsilon squared (eta squared corrected for the number of groups, clipped at 0), so a param
    that does not touch memory scores about 0 on a finite sample. Discrete params are grouped
    by value, continuous ones by quintile; a conditional param's absence is a value of its own.
    """
    known = frame[frame["peak_gib"].notna()]
    mean = known["peak_gib"].mean()
    total = float(((known["peak_gib"] - mean) ** 2).sum())
    rows = []
    for name in params:
        if name not in known or not total:
            continue
        col = known[name]
        numeric = pd.api.types.is_float_dtype(col) and col.nunique() > 10
        keys = pd.qcut(col, 5, duplicates="drop") if numeric else col.astype(str)
        groups = known.groupby(keys, observed=True)["peak_gib"]
        between = float(((groups.transform("mean") - mean) ** 2).sum())
        k, n = groups.ngroups, len(known)
        within = (total - between) / max(n - k, 1)
        rows.append({"param": name, "explains": max(0.0, (between - (k - 1) * within) / total)})
    out = pd.DataFrame(rows, columns=["param", "explains"])
    return out.sort_values("explains", ascending=False).set_index("param")


# --------------------------------------------------------------------------- drawing


def draw_sizes(sizes: pd.DataFrame) -> Any:
    """Values per searched param (log scale); continuous params drawn as a hatched bar."""
    import plotly.graph_objects as go

    counts = [None if c else int(v) for v, c in zip(sizes["values"], sizes["continuous"],
                                                    strict=True)]
    top = max([v for v in counts if v] or [1]) * 4
    fig = go.Figure(go.Bar(
        x=sizes["param"], y=[v or top for v in counts],
        text=[str(v) if v else "continuous" for v in counts], textposition="outside",
        marker={"color": ["#9ab" if c else "#36c" for c in sizes["continuous"]],
                "pattern": {"shape": ["/" if c else "" for c in sizes["continuous"]]}},
        hovertext=sizes["group"],
    ))
    return fig.update_layout(title="Values each searched parameter can take",
                             yaxis_type="log", yaxis_title="values", height=380)


def draw_memory(frame: pd.DataFrame, limit_gib: float) -> Any | None:
    """Histogram of the sampled configs' estimated peak memory, with the limit."""
    import plotly.graph_objects as go

    known = frame[frame["peak_gib"].notna()]
    if known.empty:
        print("No memory estimates (see the note above).")
        return None
    fig = go.Figure()
    for fits, color, label in ((True, "#2a7", "fits"), (False, "#d43", "over the limit")):
        part = known[known["feasible"].astype(bool) == fits]
        fig.add_trace(go.Histogram(x=part["peak_gib"], name=label, marker_color=color,
                                   nbinsx=40))
    fig.add_vline(x=limit_gib, line_dash="dash", annotation_text=f"limit {limit_gib:g} GiB")
    return fig.update_layout(barmode="stack", title="Estimated peak GPU memory of sampled "
                             "configs", xaxis_title="GiB", yaxis_title="configs", height=380)


def draw_drivers(frame: pd.DataFrame, drivers: pd.DataFrame, limit_gib: float,
                 n: int = 3) -> Any | None:
    """Peak memory against the `n` params that drive it most, each config a dot."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = list(drivers[drivers["explains"] >= 0.05].index[:n])
    known = frame[frame["peak_gib"].notna()]
    if not names or known.empty:
        return None
    fig = make_subplots(rows=1, cols=len(names), shared_yaxes=True, subplot_titles=[
        f"{p} ({drivers.loc[p, 'explains']:.0%})" for p in names])
    for i, name in enumerate(names, start=1):
        part = known[known[name].notna()]
        order = [str(v) for v in sorted(part[name].unique(), key=_sort_key)]
        fig.update_xaxes(categoryorder="array", categoryarray=order, row=1, col=i)
        for fits, color, label in ((True, "#2a7", "fits"), (False, "#d43", "over the limit")):
            sub = part[part["feasible"].astype(bool) == fits]
            fig.add_trace(go.Box(
                x=sub[name].astype(str), y=sub["peak_gib"], boxpoints="all", jitter=0.5,
                pointpos=0, name=label, legendgroup=label, showlegend=i == 1,
                marker={"color": color, "size": 4}, line={"color": color},
                fillcolor="rgba(0,0,0,0)"), row=1, col=i)
    fig.add_hline(y=limit_gib, line_dash="dash", annotation_text=f"limit {limit_gib:g} GiB")
    return fig.update_layout(title="What drives memory (share of its spread explained)",
                             yaxis_title="peak GiB", height=400, boxmode="group")


# --------------------------------------------------------------------------- the notebook


class Exploration:
    """One run of the explore-space notebook."""

    def __init__(self, config: dict[str, Any], record: Record, space: spaces.Space,
                 searched: list[spaces.Param], limit_gib: float, n_samples: int, seed: int):
        self.config = config
        self.record = record
        self.space = space
        self.searched = searched
        self.limit_gib = float(limit_gib)
        self.n_samples = n_samples
        self.seed = seed
        self._samples: pd.DataFrame | None = None

    def parameters(self) -> pd.DataFrame:
        """Searched params first, then every fixed hparam with its value."""
        hp = self.config["hparams"]
        print(f"preset {self.config['preset']} | space {paths.shown(self.space.path)} | "
              f"model {wconfig.model_id(self.config) or 'built from model.architecture'}")
        table = param_table(self.searched, hp, self.space)
        self.record.update(parameters=[
            {"name": n, **{k: records.plain(v) for k, v in row.items()}}
            for n, row in table.iterrows()])
        return table

    def size(self) -> pd.DataFrame:
        table = size_table(self.searched, self.config["hparams"])
        self.record.update(space_size=spaces.space_size(self.searched,
                                                         dict(self.config["hparams"])))
        return table

    def size_chart(self) -> Any:
        return draw_sizes(grid_sizes(self.searched))

    @property
    def samples(self) -> pd.DataFrame:
        if self._samples is None:
            drawn = sample_configs(self.searched, self.config["hparams"], self.n_samples,
                                   self.seed)
            self._samples = memory_table(self.config, drawn, self.limit_gib)
        return self._samples

    def feasibility(self) -> pd.DataFrame:
        """The share of the space that fits the memory limit, from the sample."""
        found = feasibility(self.samples, self.limit_gib)
        for name, reason in found["unavailable"].items():
            print(f"no memory estimate for {name}: {reason}")
        share = found["feasible_share"]
        if share is not None:
            print(f"{found['feasible']} of {found['estimated']} sampled configs fit "
                  f"{self.limit_gib:g} GiB: {share:.0%} of the space is feasible")
        self.record.update(feasibility=found)
        shown = {k: v for k, v in found.items() if k != "unavailable"}
        return pd.DataFrame({"value": pd.Series(shown, dtype=object)})

    def sample_table(self, n: int = 20) -> pd.DataFrame:
        """The first `n` sampled configs, with their memory and feasibility."""
        frame = self.samples
        self.record.update(samples=[{k: records.plain(v) for k, v in row.items()}
                                    for row in frame.to_dict(orient="records")])
        return frame.head(n)

    def memory_chart(self) -> Any | None:
        return draw_memory(self.samples, self.limit_gib)

    def drivers(self) -> pd.DataFrame:
        table = memory_drivers(self.samples, [p.name for p in self.searched])
        self.record.update(memory_drivers={k: float(v) for k, v in table["explains"].items()})
        return table

    def drivers_chart(self) -> Any | None:
        return draw_drivers(self.samples, memory_drivers(
            self.samples, [p.name for p in self.searched]), self.limit_gib)

    def finish(self) -> None:
        self.record.data.setdefault("timings", {})["finished"] = records.now()
        self.record.update(status="completed")


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers in numeric order, then everything else by its text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def start_exploration(notebook: str, **params: Any) -> Exploration:
    """Validate, open the record, resolve the preset and select the searched params."""
    record = records.open_record(notebook, params, EXPLORE_PARAMETERS)
    with record.failing():
        resolved = validate.resolve(params["preset"], params.get("overrides") or {})
        config, space = resolved.config, resolved.space
        searched = searched_params(resolved, params.get("searched"))
        if params["n_samples"] < 1:
            raise ValueError(f"parameter 'n_samples' must be >= 1, got {params['n_samples']}")
        if params["memory_limit_gib"] <= 0:
            raise ValueError("parameter 'memory_limit_gib' must be > 0")
    record.update(config=records.shown_config(config), space=paths.shown(space.path),
                  searched=[p.name for p in searched], memory_limit_gib=params["memory_limit_gib"])
    return Exploration(config, record, space, searched, params["memory_limit_gib"],
                       params["n_samples"], params["seed"])
