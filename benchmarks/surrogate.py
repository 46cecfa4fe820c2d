"""A surrogate of the search table: what a sampled config's per-epoch dev curve and cost would
be, predicted from the table's real runs, so a replayed study sees the sampler's actual choice
(not the nearest of a few rows) and its figures stay honest about the surrogate's error.

- Inputs: a config's searched values as coordinates in [0, 1] (log scale where the space is log,
  one-hot categories).
- Curve and cost: one regression model (chosen by held-out error among a few scikit-learn
  models) predicts the guarded objective of every epoch and the log seconds per epoch at once;
  optimizer steps per epoch are exact (train rows / batch size).
- Noise: the real objective moves with the trial seed (model init, data order). The table
  trains a few configs again with other seeds; a replayed trial adds one draw of that noise
  (the pooled seed-to-seed standard deviation, per epoch) to its whole curve, so strategies are
  compared on what a study would observe, not on a noiseless function.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench import spaces

FOLDS = 5


def encode(p: spaces.Param, value: Any) -> list[float]:
    """A config value as coordinates in [0, 1] (one-hot for categories, missing = 0.5)."""
    if p.type == "categorical":
        return [1.0 if spaces._same(value, c) else 0.0 for c in p.choices or ()]
    if value is None:
        return [0.5]
    lo, hi, v = float(p.low), float(p.high), float(value)
    if p.log:
        lo, hi, v = math.log(lo), math.log(hi), math.log(max(v, 1e-12))
    return [0.0 if hi == lo else (v - lo) / (hi - lo)]


def coordinates(params: Mapping[str, Any], searched: Sequence[spaces.Param]) -> list[float]:
    return [x for p in searched for x in encode(p, params.get(p.name))]


def candidates() -> dict[str, Any]:
    """The regression models tried, by name (fixed seeds: the choice is reproducible)."""
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import Matern, WhiteKernel
    from sklearn.neighbors import KNeighborsRegressor

    return {
        "random_forest": RandomForestRegressor(n_estimators=50, min_samples_leaf=2,
                                               random_state=0),
        "extra_trees": ExtraTreesRegressor(n_estimators=50, min_samples_leaf=2,
                                           random_state=0),
        "knn5": KNeighborsRegressor(n_neighbors=5, weights="distance"),
        "gp_matern": GaussianProcessRegressor(Matern(nu=2.5) + WhiteKernel(), normalize_y=True,
                                              random_state=0),
    }


def _arrays(rows: Sequence[Mapping[str, Any]], searched: Sequence[spaces.Param]
            ) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([coordinates(r["params"], searched) for r in rows])
    y = np.array([r["curve"] for r in rows])
    return x, y


def _targets(rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """What the fitted model predicts: every epoch's objective, then log seconds per epoch."""
    seconds = np.log([max(r["seconds_per_epoch"], 1e-3) for r in rows])
    return np.column_stack([np.array([r["curve"] for r in rows]), seconds])


def cross_validate(rows: Sequence[Mapping[str, Any]], searched: Sequence[spaces.Param],
                   folds: int = FOLDS, names: Sequence[str] | None = None
                   ) -> dict[str, dict[str, float]]:
    """Each candidate's error on held-out rows (k-fold): RMSE of every epoch's value and of the
    curve's best, and the rank correlation of predicted and real bests."""
    from scipy.stats import spearmanr
    from sklearn.base import clone
    from sklearn.model_selection import KFold

    x, y = _arrays(rows, searched)
    both = _targets(rows)  # fitted as the surrogate is (seconds too), scored on the curve
    out: dict[str, dict[str, float]] = {}
    for name, model in candidates().items():
        if names is not None and name not in names:
            continue
        pred = np.zeros_like(y)
        for train, test in KFold(folds, shuffle=True, random_state=0).split(x):
            pred[test] = clone(model).fit(x[train], both[train]).predict(x[test])[:, :-1]
        best_true, best_pred = y.max(axis=1), pred.max(axis=1)
        # The top decile of real bests: where the samplers go and where a squashed top would
        # shrink the differences between strategies.
        top = best_true >= np.quantile(best_true, 0.9)
        out[name] = {
            "rmse_epochs": float(np.sqrt(((pred - y) ** 2).mean())),
            "rmse_best": float(np.sqrt(((best_pred - best_true) ** 2).mean())),
            "mae_best": float(np.abs(best_pred - best_true).mean()),
            "spearman_best": float(spearmanr(best_pred, best_true).statistic),
            "top_decile_rows": int(top.sum()),
            "top_decile_bias": float((best_pred[top] - best_true[top]).mean()),
            "top_decile_rmse": float(np.sqrt(((best_pred[top] - best_true[top]) ** 2).mean())),
            "top_decile_real_mean": float(best_true[top].mean()),
            "top_decile_predicted_mean": float(best_pred[top].mean())}
    return out


def seed_groups(table: Mapping[str, Any]) -> list[list[list[float]]]:
    """The curves of each config the table trained with several seeds (its row first)."""
    originals = {r["id"]: r for r in table["rows"]}
    by_id: dict[int, list[list[float]]] = {}
    for run in table["noise"]:
        if run["id"] in originals:
            by_id.setdefault(run["id"], [originals[run["id"]]["curve"]]).append(run["curve"])
    return [curves for curves in by_id.values() if len(curves) > 1]


def pooled_std(groups: Sequence[Sequence[float]]) -> float:
    """The square root of the mean within-group variance (0 with no group)."""
    variances = [statistics.variance(g) for g in groups if len(g) > 1]
    return math.sqrt(statistics.fmean(variances)) if variances else 0.0


def seed_noise(table: Mapping[str, Any]) -> list[float]:
    """Pooled seed-to-seed standard deviation of each epoch's objective."""
    groups = seed_groups(table)
    epochs = max((len(r["curve"]) for r in table["rows"]), default=0)
    return [pooled_std([[c[e] for c in curves] for curves in groups]) for e in range(epochs)]


@dataclass
class Surrogate:
    """Predicts a config's per-epoch curve, steps and seconds per epoch; `noise` is the
    per-epoch seed standard deviation a replayed trial draws from."""

    model_name: str
    model: Any  # predicts [objective of each epoch..., log seconds per epoch]
    searched: list[spaces.Param]
    train_rows: int
    noise: list[float]
    held_out: dict[str, dict[str, float]]
    highest_prediction: float = math.nan  # over the table's own configs (fitted, in sample)

    def predict(self, params: Mapping[str, Any]) -> tuple[list[float], int, float]:
        x = np.array([coordinates(params, self.searched)])
        *curve, log_seconds = (float(v) for v in self.model.predict(x)[0])
        seconds = math.exp(log_seconds)
        batch = int(params.get("batch_size", 8))
        return curve, math.ceil(self.train_rows / batch), seconds


def fit(table: Mapping[str, Any], searched: list[spaces.Param],
        model_name: str | None = None) -> Surrogate:
    """The surrogate with the lowest held-out RMSE of the curve's best (or `model_name`)."""
    from sklearn.base import clone

    rows = table["rows"]
    held_out = cross_validate(rows, searched, folds=min(FOLDS, len(rows)),
                              names=[model_name] if model_name else None)
    name = model_name or min(held_out, key=lambda k: held_out[k]["rmse_best"])
    x, _ = _arrays(rows, searched)
    model = clone(candidates()[name]).fit(x, _targets(rows))
    return Surrogate(
        model_name=name, model=model,
        searched=searched, train_rows=int(statistics.median(r["train_rows"] for r in rows)),
        noise=seed_noise(table), held_out=held_out,
        highest_prediction=float(model.predict(x)[:, :-1].max(axis=1).max()))


@dataclass
class TableWorld:
    """The surrogate-free check: a sampled config is answered by the table's nearest row (in
    the surrogate's coordinates), with that row's real curve (the mean over its seeds where it
    was trained with several), steps and seconds. Coarse (a few hundred points stand for the
    whole space) but free of any model's smoothing: a conclusion that holds in both worlds does
    not come from the surrogate."""

    searched: list[spaces.Param]
    noise: list[float]
    coords: np.ndarray
    curves: list[list[float]]
    steps: list[int]
    seconds: list[float]

    @classmethod
    def of(cls, table: Mapping[str, Any], searched: list[spaces.Param],
           noise: list[float]) -> TableWorld:
        rows = table["rows"]
        repeats: dict[int, list[list[float]]] = {}
        for run in table["noise"]:
            repeats.setdefault(run["id"], []).append(run["curve"])
        curves = [np.mean([r["curve"], *repeats.get(r["id"], [])], axis=0).tolist()
                  for r in rows]
        return cls(searched=searched, noise=noise,
                   coords=np.array([coordinates(r["params"], searched) for r in rows]),
                   curves=curves, steps=[r["steps_per_epoch"] for r in rows],
                   seconds=[r["seconds_per_epoch"] for r in rows])

    def predict(self, params: Mapping[str, Any]) -> tuple[list[float], int, float]:
        x = np.array(coordinates(params, self.searched))
        i = int(((self.coords - x) ** 2).sum(axis=1).argmin())
        return self.curves[i], self.steps[i], self.seconds[i]
