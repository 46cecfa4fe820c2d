"""The benchmark suite (issue 7): what the workbench's search buys, and what it costs.

`python -m workbench.bench [--quick]` measures, each side by side in one run, and writes
`outputs/bench/<date>/report.json`, `report.md` and `report.html` (the charts,
viewable offline):

- scorer: morpheme ROUGE via `metrics.score` vs a naive rouge-score loop, same tokenizer;
- overhead: a sleep objective through the study runner vs a bare Optuna loop, and
  papermill's fixed cost per notebook;
- memory: peak RSS after the first and the last trial of the embedded default;
- search: a tabular benchmark of real tiny-bart per-epoch dev curves, replayed with
  (a) the workbench default, (b) random, (c) TPE without pruning; pruning savings;
- generation: a decoding-only trial vs a training trial on the same preset;
- parallel: trials per minute with 1, 2, 4 worker processes on a journal file,
  PostgreSQL, MariaDB/MySQL and Redis (each server that answers).

Figures are reported as measured; goals are printed beside them, never used to tune anything.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import math
import multiprocessing
import os
import platform
import resource
import statistics
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from unittest import mock

import optuna

from workbench import config as wconfig
from workbench import metrics, paths, spaces, storage
from workbench import study as wstudy

BENCH_DIR = paths.OUTPUTS / "bench"
CACHE_DIR = BENCH_DIR / "cache"
PRESET = "tiny-bart"
GOALS = {
    "search_fraction_of_random": "<= 1/3",
    "overhead_per_trial_pct": "<= 5 % on a 1 s trial",
    "papermill_fixed_s": "<= 3 s per notebook",
    "memory_growth_mb": "<= 50 MB",
    "scorer_speedup": ">= 3x",
}
SECTIONS = ("scorer", "overhead", "memory", "search", "generation", "parallel")

# Sizes: quick proves the code works in the test suite; full is what the README quotes.
SIZES: dict[str, dict[str, Any]] = {
    "quick": {
        "repeats": 2, "scorer_pairs": 300, "overhead_sleep_s": 0.2, "overhead_trials": 4,
        "papermill_runs": 1, "memory_trials": 3,
        "memory_caps": {"data.max_train_samples": 16, "data.max_dev_samples": 4,
                        "hparams.num_epochs": 1, "hparams.max_new_tokens": 20,
                        "hparams.min_new_tokens": 1},
        "table_caps": {"data.max_train_samples": 16, "data.max_dev_samples": 4,
                       "hparams.num_epochs": 2, "hparams.max_new_tokens": 20,
                       "hparams.min_new_tokens": 1},
        "table_configs": 3, "table_budget_s": 60, "replay_seeds": 5, "replay_trials": 6,
        "gen_caps": {"data.max_train_samples": 16, "data.max_dev_samples": 4,
                     "hparams.num_epochs": 1, "hparams.max_new_tokens": 20,
                     "hparams.min_new_tokens": 1},
        "parallel_workers": (1, 2), "parallel_trials": 6, "parallel_sleep_s": 0.1,
        "parallel_storages": ("journal",),
    },
    "full": {
        "repeats": 3, "scorer_pairs": 10_000, "overhead_sleep_s": 1.0, "overhead_trials": 12,
        "papermill_runs": 10, "memory_trials": 30,
        "memory_caps": {"data.max_train_samples": 64, "data.max_dev_samples": 8,
                        "hparams.num_epochs": 2, "hparams.max_new_tokens": 30,
                        "hparams.min_new_tokens": 5},
        "table_caps": {"data.max_dev_samples": 40, "hparams.num_epochs": 6},
        "table_configs": 60, "table_budget_s": 720, "replay_seeds": 20, "replay_trials": 20,
        "gen_caps": {"data.max_dev_samples": 40, "hparams.num_epochs": 1},
        "parallel_workers": (1, 2, 4), "parallel_trials": 24, "parallel_sleep_s": 0.5,
        "parallel_storages": ("journal", "postgresql", "mysql", "redis"),
    },
}


# --------------------------------------------------------------------------- helpers


def spread(values: Sequence[float]) -> dict[str, Any]:
    """Median, min, max and count of repeated measurements. Infinite values (a target never
    reached) count towards the median and `n_infinite`; the median is None when it is one."""
    vals = [float(v) for v in values if v is not None and not math.isnan(v)]
    finite = [v for v in vals if math.isfinite(v)]
    if not finite:
        return {"median": None, "min": None, "max": None, "n": len(vals),
                "n_infinite": len(vals)}
    median = statistics.median(vals)
    return {"median": median if math.isfinite(median) else None, "min": min(finite),
            "max": max(finite), "n": len(vals), "n_infinite": len(vals) - len(finite)}


def machine() -> dict[str, Any]:
    """Cores, CPU model, OS and the versions of what the figures depend on."""
    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in ("optuna", "torch", "transformers", "papermill", "rouge-score", "plotly",
                 "python-mecab-ko", "mecab-python3"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return {"cores": os.cpu_count(), "cpu_model": model, "platform": platform.platform(),
            "python": platform.python_version(), "versions": versions}


def rss_mb() -> dict[str, float]:
    """Current and peak resident memory of this process, MB."""
    current = 0.0
    with contextlib.suppress(OSError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        current = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rss_mb": round(current, 1), "peak_rss_mb": round(peak, 1)}


def _in_child(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run fn(*args) in a fresh spawned process (clean memory, no state shared)."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


@contextlib.contextmanager
def _quiet() -> Any:
    """Silence the study runner's progress bar (it writes to stdout)."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        yield


def _config(overrides: Mapping[str, Any]) -> dict[str, Any]:
    return wconfig.resolve(PRESET, dict(overrides))


# --------------------------------------------------------------------------- (5) scorer


def korean_pairs(n: int) -> tuple[list[str], list[str]]:
    """n (prediction, reference) pairs from the shipped sample: a summary against another
    summary of the same topic or a line of its own dialogue, cycling deterministically."""
    from workbench import data as wdata

    frames = [wdata.read_split(paths.project_path(f"data/sample/{s}.csv"), s)
              for s in ("train", "dev")]
    summaries = [r[0] for f in frames for r in f["references"]]
    dialogues = [d for f in frames for d in f["dialogue"]]
    preds, refs = [], []
    i = 0
    while len(preds) < n:
        k = i % len(summaries)
        lines = [x for x in dialogues[k].splitlines() if x.strip()]
        preds.append(summaries[k])
        refs.append(summaries[(k * 7 + 3) % len(summaries)] if (i // len(summaries)) % 2
                    else lines[(i // len(summaries)) % len(lines)])
        i += 1
    return preds, refs


def naive_scores(preds: Sequence[str], refs: Sequence[str]) -> tuple[float, float, float]:
    """rouge-score, one pair at a time, with the project's tokenizer and no token cache."""
    from rouge_score import rouge_scorer

    tok = metrics.MorphemeTokenizer("mecab", cache_size=1)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=tok)
    sums = [0.0, 0.0, 0.0]
    for p, r in zip(preds, refs, strict=True):
        s = scorer.score(metrics.clean(r), metrics.clean(p))
        for j, key in enumerate(("rouge1", "rouge2", "rougeL")):
            sums[j] += s[key].fmeasure
    return sums[0] / len(preds), sums[1] / len(preds), sums[2] / len(preds)


def bench_scorer(size: Mapping[str, Any]) -> dict[str, Any]:
    """Pairs per second of `metrics.score` (cold cache) vs the naive loop; identical scores."""
    preds, refs = korean_pairs(size["scorer_pairs"])
    metrics.score(preds[:5], refs[:5])  # load Mecab's dictionary before any timing
    naive_scores(preds[:5], refs[:5])
    fast, warm, slow = [], [], []
    diff = 0.0
    for _ in range(size["repeats"]):
        with _cold_scorer():
            t = time.perf_counter()
            ours = metrics.score(preds, refs, mode="morpheme", tokenizer="mecab")
            fast.append(len(preds) / (time.perf_counter() - t))
        with _cold_scorer():  # as in a study's later epochs: references seen, predictions new
            metrics.score(refs, refs, mode="morpheme", tokenizer="mecab")
            t = time.perf_counter()
            metrics.score(preds, refs, mode="morpheme", tokenizer="mecab")
            warm.append(len(preds) / (time.perf_counter() - t))
        t = time.perf_counter()
        theirs = naive_scores(preds, refs)
        slow.append(len(preds) / (time.perf_counter() - t))
        got = (ours.rouge1, ours.rouge2, ours.rougeL)
        diff = max(diff, *(abs(a - b) for a, b in zip(got, theirs, strict=True)))
    if diff > 1e-9:
        raise AssertionError(f"scorer: metrics.score differs from rouge-score by {diff}")
    return {"pairs": len(preds), "tokenizer": "mecab", "max_abs_score_difference": diff,
            "identical": True, "workbench_pairs_per_s": spread(fast),
            "workbench_refs_cached_pairs_per_s": spread(warm),
            "naive_pairs_per_s": spread(slow),
            "speedup": spread([f / s for f, s in zip(fast, slow, strict=True)]),
            "speedup_refs_cached": spread([w / s for w, s in zip(warm, slow, strict=True)]),
            "note": "speedup: token and profile caches emptied before each timing; "
                    "refs_cached: the references already scored once (a study's later epochs)",
            "goal": GOALS["scorer_speedup"]}


@contextlib.contextmanager
def _cold_scorer() -> Any:
    """Empty token and profile caches for one timing (the scorer's own caches, restored after)."""
    metrics.get_tokenizer.cache_clear()
    with mock.patch.object(metrics, "_PROFILES", type(metrics._PROFILES)(
            metrics._PROFILES.maxsize)):
        yield
    metrics.get_tokenizer.cache_clear()


# --------------------------------------------------------------------------- (3) overhead


def _sleep_backend(sleep_s: float) -> Callable[..., Any]:
    """A train_and_evaluate that sleeps instead of training (one epoch, value from hp)."""
    from workbench.seq2seq import TrialOutcome

    def fake(self: Any, hp: Mapping[str, Any], report: Any, outdir: Path,
             save_to: Any = None) -> TrialOutcome:
        time.sleep(sleep_s)
        value = float(hp.get("warmup_ratio", 0.0)) + float(hp.get("weight_decay", 0.0))
        if report is not None:
            report(1, value)
        return TrialOutcome(value=value, best_epoch=1, epoch_scores={1: {"final": value}},
                            predictions=[], train_seconds=sleep_s, trainable_params=1)

    return fake


def _period(study: optuna.Study) -> float:
    """Seconds per trial from the first trial's start to the last one's end."""
    trials = [t for t in study.trials if t.datetime_start and t.datetime_complete]
    span = max(t.datetime_complete for t in trials) - min(t.datetime_start for t in trials)
    return span.total_seconds() / len(trials)


def _bare_suggest(trial: optuna.Trial, params: Sequence[spaces.Param]) -> dict[str, Any]:
    """What a hand-written loop does: one suggest call per parameter, no conditions."""
    out = {}
    for p in params:
        if p.type == "categorical":
            out[p.name] = trial.suggest_categorical(p.name, list(p.choices or ()))
        elif p.type == "int":
            out[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
        else:
            out[p.name] = trial.suggest_float(p.name, float(p.low), float(p.high), log=p.log)
    return out


def bench_overhead(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """Per-trial time of a sleep objective through start_run/optimize vs bare Optuna loops."""
    sleep_s, n = size["overhead_sleep_s"], size["overhead_trials"]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    overrides = {"data.max_train_samples": 16, "data.max_dev_samples": 4}
    periods: dict[str, list[float]] = {"workbench": [], "bare_sqlite": [], "bare_memory": []}
    cfg = _config(overrides)
    searched = spaces.select(spaces.load_space(cfg["search"]["space"]),
                             list(cfg["search"]["params"]))
    for rep in range(size["repeats"]):
        folder = work / f"overhead-{rep}"
        with mock.patch("workbench.seq2seq.Seq2SeqBackend.train_and_evaluate",
                        _sleep_backend(sleep_s)), _quiet():
            run = wstudy.start_run("run-study", preset=PRESET, n_trials=n,
                                   storage=f"sqlite:///{folder / 'wb.db'}", study_name="wb",
                                   overrides=dict(overrides), run_dir=str(folder / "rec"))
            periods["workbench"].append(_period(run.optimize()))
        sc = cfg["study"]
        for kind, url in (("bare_sqlite", f"sqlite:///{folder / 'bare.db'}"),
                          ("bare_memory", None)):
            study = optuna.create_study(storage=url, direction="maximize",
                                        sampler=wstudy.make_sampler(sc),
                                        pruner=wstudy.make_pruner(sc))

            def objective(trial: optuna.Trial) -> float:
                hp = _bare_suggest(trial, searched)
                time.sleep(sleep_s)
                value = float(hp.get("warmup_ratio", 0.0))
                trial.report(value, 1)
                return value

            study.optimize(objective, n_trials=n)
            periods[kind].append(_period(study))
    out: dict[str, Any] = {"sleep_s": sleep_s, "trials": n, "repeats": size["repeats"],
                           "seconds_per_trial": {k: spread(v) for k, v in periods.items()}}
    for base in ("bare_sqlite", "bare_memory"):
        extra = [(w - b) for w, b in zip(periods["workbench"], periods[base], strict=True)]
        out[f"overhead_vs_{base}"] = {
            "ms_per_trial": spread([e * 1000 for e in extra]),
            "pct_of_bare_trial": spread([100 * e / b for e, b in
                                         zip(extra, periods[base], strict=True)])}
    out["goal"] = GOALS["overhead_per_trial_pct"]
    out["papermill"] = bench_papermill(size, work)
    return out


def bench_papermill(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """papermill's fixed cost: a one-cell notebook executed vs the same statement called."""
    import nbformat
    import papermill

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("y = x + 1")]
    src = work / "trivial.ipynb"
    nbformat.write(nb, src)
    walls = []
    for i in range(size["papermill_runs"]):
        t = time.perf_counter()
        papermill.execute_notebook(str(src), str(work / f"trivial-out-{i}.ipynb"),
                                   parameters={"x": 2}, kernel_name="python3",
                                   progress_bar=False, cwd=str(work))
        walls.append(time.perf_counter() - t)
    t = time.perf_counter()
    x = 2
    _ = x + 1
    direct = time.perf_counter() - t
    return {"runs": len(walls), "notebook_s": spread(walls), "direct_call_s": direct,
            "fixed_cost_s": spread([w - direct for w in walls]),
            "goal": GOALS["papermill_fixed_s"]}


# --------------------------------------------------------------------------- (4) memory


def _memory_same_child(n_trials: int, caps: dict[str, Any], folder: str) -> dict[str, Any]:
    """In a fresh process: the runner's objective on the preset's config N times."""
    import warnings

    warnings.filterwarnings("ignore")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    cfg = _config(caps)
    searched = spaces.select(spaces.load_space(cfg["search"]["space"]),
                             list(cfg["search"]["params"]))
    marks: list[dict[str, Any]] = []
    with _quiet():
        objective = wstudy.build_objective(cfg, Path(folder), "mem-same")
        study = optuna.create_study(direction="maximize")
        preset = spaces.enqueue_params(searched, cfg["hparams"])[0]
        for _ in range(n_trials):
            study.enqueue_trial(preset)
        wstudy.freeze_long_lived()
        study.optimize(objective, n_trials=n_trials, callbacks=[
            wstudy.free_memory, lambda _s, t: marks.append({**rss_mb(), "state": t.state.name})])
    return {"marks": marks}


def _memory_child(n_trials: int, caps: dict[str, Any], folder: str) -> dict[str, Any]:
    """In a fresh process: the embedded default's study, RSS noted after every trial."""
    import warnings

    warnings.filterwarnings("ignore")
    marks: list[dict[str, float]] = []
    with _quiet():
        run = wstudy.start_run("run-study", preset=PRESET, n_trials=n_trials,
                               storage=f"sqlite:///{folder}/mem.db", study_name="mem",
                               overrides=dict(caps), run_dir=f"{folder}/rec")
        progress = run._progress

        def noted(bar: Any, trial: optuna.trial.FrozenTrial) -> None:
            progress(bar, trial)
            marks.append({**rss_mb(), "state": trial.state.name,
                          "batch_size": trial.params.get("batch_size"),
                          "num_beams": trial.params.get("num_beams")})

        run._progress = noted  # type: ignore[method-assign]
        study = run.optimize()
    states = [t.state.name for t in study.trials]
    return {"marks": marks, "states": {s: states.count(s) for s in set(states)}}


def bench_memory(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """Peak RSS after trial 1 and trial N of the embedded default (real training, small caps)."""
    n, caps = size["memory_trials"], size["memory_caps"]
    got = _in_child(_memory_child, n, caps, str(work / "memory"))
    same = _in_child(_memory_same_child, n, caps, str(work / "memory-same"))
    marks = got["marks"]
    first, last = marks[0], marks[-1]
    same_marks = same["marks"]
    return {"trials": len(marks), "caps": caps, "trial_states": got["states"],
            "same_config": {
                "what": "the runner's objective on the preset's config in every trial: a leak "
                        "shows as growth here, whatever the configs",
                "peak_growth_mb": round(same_marks[-1]["peak_rss_mb"]
                                        - same_marks[0]["peak_rss_mb"], 1),
                "rss_growth_mb": round(same_marks[-1]["rss_mb"] - same_marks[0]["rss_mb"], 1),
                "rss_per_trial_mb": [m["rss_mb"] for m in same_marks]},
            "after_trial_1": first, f"after_trial_{len(marks)}": last,
            "peak_growth_mb": round(last["peak_rss_mb"] - first["peak_rss_mb"], 1),
            "rss_growth_mb": round(last["rss_mb"] - first["rss_mb"], 1),
            "rss_per_trial_mb": [m["rss_mb"] for m in marks],
            "per_trial": marks, "goal": GOALS["memory_growth_mb"],
            "note": "RSS is read after the runner's end-of-trial release (gc, CUDA cache, "
                    "glibc malloc_trim); peak RSS is a high-water mark, so it rises with the "
                    "largest batch a study has run, leak or not"}


# --------------------------------------------------------------------------- (1)+(2) search


def _table_key(caps: Mapping[str, Any]) -> str:
    text = json.dumps({"preset": PRESET, "caps": dict(caps)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def sample_configs(config: Mapping[str, Any], searched: list[spaces.Param], k: int,
                   seed: int = 0) -> list[dict[str, Any]]:
    """Config 0 is the preset's; the rest are drawn at random from the real search space."""
    enq, _ = spaces.enqueue_params(searched, config["hparams"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    study.enqueue_trial(enq)
    out = []
    for _ in range(k):
        trial = study.ask()
        out.append(spaces.suggest(trial, searched, config["hparams"]))
        study.tell(trial, 0.0)
    return out


def build_table(size: Mapping[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """Real per-epoch dev curves of tiny-bart configs, cached and extended across runs."""
    caps = size["table_caps"]
    cfg = _config(caps)
    searched = spaces.select(spaces.load_space(cfg["search"]["space"]),
                             list(cfg["search"]["params"]))
    path = Path(size.get("cache_dir") or CACHE_DIR) / f"table-{_table_key(caps)}.json"
    table = (json.loads(path.read_text()) if path.exists()
             else {"preset": PRESET, "caps": caps, "rows": []})
    wanted = sample_configs(cfg, searched, size["table_configs"])
    built_now, start = 0, time.perf_counter()
    splits = backend = None
    n_train = 0
    for i, sampled in enumerate(wanted):
        if i < len(table["rows"]):
            continue
        if i >= 3 and time.perf_counter() - start > size["table_budget_s"]:
            break
        if backend is None:
            splits = wstudy.load_splits(cfg)
            backend = wstudy.make_backend(cfg, splits)
            n_train = len(splits["train"])
        hp = {**cfg["hparams"], **sampled}
        outcome = backend.train_and_evaluate(hp, None, paths.CACHE / "trials" / f"bench-{i}")
        epochs = sorted(outcome.epoch_scores)
        steps = math.ceil(n_train / (hp["batch_size"] * hp["gradient_accumulation_steps"]))
        table["rows"].append({
            "id": i, "params": sampled, "curve": [outcome.epoch_scores[e]["final"] for e in epochs],
            "steps_per_epoch": steps, "seconds_per_epoch": outcome.train_seconds / len(epochs)})
        built_now += 1
        log(f"  table: config {i} trained, best {max(table['rows'][-1]['curve']):.3f}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(table, indent=1))
        wstudy.free_memory()
    table["real_runs_now"] = built_now
    table["path"] = paths.shown(path)
    return table


def _encode(p: spaces.Param, value: Any) -> list[float]:
    """A config value as coordinates in [0, 1] (one-hot for categories, missing = 0.5)."""
    if p.type == "categorical":
        return [1.0 if spaces._same(value, c) else 0.0 for c in p.choices or ()]
    if value is None:
        return [0.5]
    lo, hi, v = float(p.low), float(p.high), float(value)
    if p.log:
        lo, hi, v = math.log(lo), math.log(hi), math.log(max(v, 1e-12))
    return [0.0 if hi == lo else (v - lo) / (hi - lo)]


def nearest(params: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
            searched: Sequence[spaces.Param]) -> Mapping[str, Any]:
    """The table row closest to a sampled config (Euclidean, on normalised coordinates)."""
    def coords(values: Mapping[str, Any]) -> list[float]:
        return [x for p in searched for x in _encode(p, values.get(p.name))]

    target = coords(params)
    return min(rows, key=lambda r: sum((a - b) ** 2 for a, b in
                                       zip(coords(r["params"]), target, strict=True)))


def replay(table: Mapping[str, Any], searched: list[spaces.Param], hparams: Mapping[str, Any],
           sampler: optuna.samplers.BaseSampler, pruner: optuna.pruners.BasePruner,
           n_trials: int, preset_first: bool) -> dict[str, Any]:
    """One study on the table: every sampled config is looked up, its curve reported epoch by
    epoch; returns best-so-far against cumulative epochs, steps and seconds."""
    rows = table["rows"]
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    if preset_first:
        study.enqueue_trial(spaces.enqueue_params(searched, hparams)[0])
    trace: list[dict[str, float]] = []
    used = {"epochs": 0, "steps": 0, "seconds": 0.0, "saved_epochs": 0, "pruned": 0}
    best = -math.inf

    def objective(trial: optuna.Trial) -> float:
        nonlocal best
        row = nearest(spaces.suggest(trial, searched, hparams), rows, searched)
        trial.set_user_attr("row", row["id"])
        seen = -math.inf
        for epoch, value in enumerate(row["curve"], start=1):
            used["epochs"] += 1
            used["steps"] += row["steps_per_epoch"]
            used["seconds"] += row["seconds_per_epoch"]
            seen = max(seen, value)
            best = max(best, value)
            trace.append({"epochs": used["epochs"], "steps": used["steps"],
                          "seconds": used["seconds"], "best": best})
            trial.report(value, epoch)
            if trial.should_prune():
                used["saved_epochs"] += len(row["curve"]) - epoch
                used["pruned"] += 1
                raise optuna.TrialPruned()
        return seen

    study.optimize(objective, n_trials=n_trials)
    return {"trace": trace, "final_best": best, **used,
            "distinct_rows": len({t.user_attrs["row"] for t in study.trials})}


def _cost_to_reach(trace: Sequence[Mapping[str, float]], target: float, unit: str) -> float:
    for point in trace:
        if point["best"] >= target - 1e-12:
            return point[unit]
    return math.inf


def bench_search(size: Mapping[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """Replay (a) default, (b) random, (c) TPE without pruning on the tabular benchmark."""
    table = build_table(size, log)
    cfg = _config(size["table_caps"])
    sc = cfg["study"]
    searched = spaces.select(spaces.load_space(cfg["search"]["space"]),
                             list(cfg["search"]["params"]))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    strategies = {
        "a_default": lambda s: (wstudy.make_sampler({**sc, "seed": s}), wstudy.make_pruner(sc),
                                True),
        "b_random": lambda s: (optuna.samplers.RandomSampler(seed=s),
                               optuna.pruners.NopPruner(), False),
        "c_tpe_no_pruning": lambda s: (wstudy.make_sampler({**sc, "seed": s}),
                                       optuna.pruners.NopPruner(), True),
    }
    seeds = list(range(size["replay_seeds"]))
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in strategies}
    for name, make in strategies.items():
        for s in seeds:
            sampler, pruner, first = make(s)
            runs[name].append(replay(table, searched, cfg["hparams"], sampler, pruner,
                                     size["replay_trials"], first))
    def fraction_of_random(name: str) -> dict[str, list[float]]:
        """Per seed: the compute `name` needed to reach (b)'s final best, over (b)'s."""
        out: dict[str, list[float]] = {"epochs": [], "steps": [], "seconds": []}
        for x, b in zip(runs[name], runs["b_random"], strict=True):
            for unit, vals in out.items():
                vals.append(_cost_to_reach(x["trace"], b["final_best"], unit) / b[unit])
        return out

    fractions = fraction_of_random("a_default")
    c_fractions = fraction_of_random("c_tpe_no_pruning")
    a_runs, c_runs = runs["a_default"], runs["c_tpe_no_pruning"]
    saved = [r["saved_epochs"] / (r["epochs"] + r["saved_epochs"]) for r in a_runs]
    return {
        "lookup": ("nearest neighbour: each sampled config (from the real search space) is "
                   "mapped to the closest table row on normalised coordinates (log scale where "
                   "the space is log, one-hot categories)"),
        "c_definition": "(a) without the pruner: same TPE settings and trial 0 = preset",
        "sampler_settings": {k: sc[k] for k in ("sampler", "tpe_n_startup_trials",
                                                "tpe_n_ei_candidates", "median_n_startup_trials",
                                                "median_n_warmup_steps",
                                                "median_interval_steps")},
        "table": {"configs": len(table["rows"]), "real_runs_this_time": table["real_runs_now"],
                  "real_runs_total": len(table["rows"]), "caps": table["caps"],
                  "epochs_per_config": max((len(r["curve"]) for r in table["rows"]), default=0),
                  "best_in_table": max((max(r["curve"]) for r in table["rows"]), default=None),
                  "cache": table["path"]},
        "seeds": seeds, "trials_per_study": size["replay_trials"],
        "final_best": {k: spread([r["final_best"] for r in v]) for k, v in runs.items()},
        "compute": {k: {u: spread([r[u] for r in v]) for u in ("epochs", "steps", "seconds")}
                    for k, v in runs.items()},
        "headline_fraction_of_random": {u: spread(v) for u, v in fractions.items()},
        "headline_reached": sum(math.isfinite(f) for f in fractions["steps"]),
        "c_fraction_of_random": {u: spread(v) for u, v in c_fractions.items()},
        "c_reached": sum(math.isfinite(f) for f in c_fractions["steps"]),
        "goal": GOALS["search_fraction_of_random"],
        "pruning": {"share_of_epochs_saved": spread(saved),
                    "pruned_trials": spread([r["pruned"] for r in a_runs]),
                    "final_best_changed_seeds": sum(
                        abs(a["final_best"] - c["final_best"]) > 1e-12
                        for a, c in zip(a_runs, c_runs, strict=True)),
                    "final_best_with_pruning": [a["final_best"] for a in a_runs],
                    "final_best_without_pruning": [c["final_best"] for c in c_runs]},
        "curves": {k: [[(p["steps"], p["best"]) for p in r["trace"]] for r in v]
                   for k, v in runs.items()},
    }


# --------------------------------------------------------------------------- (6) generation


def bench_generation(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """One training trial vs one decoding-only trial (same preset, same dev rows)."""
    from workbench import gentune

    cfg = _config(size["gen_caps"])
    splits = wstudy.load_splits(cfg)
    backend = wstudy.make_backend(cfg, splits)
    train_s, gen_s = [], []
    model_dir = work / "gen-model"
    for rep in range(size["repeats"]):
        t = time.perf_counter()
        backend.train_and_evaluate(cfg["hparams"], None, work / f"gen-train-{rep}",
                                   (lambda _v: model_dir) if rep == 0 else None)
        train_s.append(time.perf_counter() - t)
    generator = gentune.Generator(cfg, cfg["hparams"], model_dir, splits["dev"])
    for _ in range(size["repeats"]):
        t = time.perf_counter()
        generator.evaluate(gentune.decoding(cfg["hparams"]))
        gen_s.append(time.perf_counter() - t)
    return {"caps": size["gen_caps"], "dev_dialogues": len(splits["dev"]),
            "epochs": cfg["hparams"]["num_epochs"], "training_trial_s": spread(train_s),
            "generation_trial_s": spread(gen_s),
            "ratio_training_over_generation": spread(
                [a / b for a, b in zip(train_s, gen_s, strict=True)])}


# --------------------------------------------------------------------------- (7) parallel


def _sleep_objective(sleep_s: float) -> Callable[[optuna.Trial], float]:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        time.sleep(sleep_s)
        return x * x
    return objective


def _parallel_worker(url: str, name: str, sleep_s: float, seed: int) -> tuple[int, float]:
    """Run queued trials; how many, and when (wall clock) the last one was told."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    opened = storage.open_storage(url, queue_only=True)
    told = [0.0]
    ran = storage.run_worker(opened, name, _sleep_objective(sleep_s),
                             sampler=optuna.samplers.RandomSampler(seed=seed),
                             callbacks=[lambda _s, _t: told.__setitem__(0, time.time())])
    return len(ran), told[0]


# Where the parallel section runs: the journal file always, the servers when they answer. A
# server URL can be replaced with WORKBENCH_BENCH_<NAME>; its database is created if missing,
# and the benchmark deletes the studies it made there.
BENCH_STORAGES = {
    "postgresql": ("WORKBENCH_BENCH_POSTGRESQL",
                   "postgresql://postgres@127.0.0.1:5432/workbench_bench"),
    "mysql": ("WORKBENCH_BENCH_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/workbench_bench"),
    "redis": ("WORKBENCH_BENCH_REDIS", "redis://127.0.0.1:6379/0?prefix=workbench-bench"),
}


def parallel_storages(names: Sequence[str], work: Path) -> dict[str, str]:
    """URL of each named storage ("journal" is a file under `work`)."""
    urls = {}
    for name in names:
        if name == "journal":
            urls[name] = f"journal:///{work / 'par.log'}"
        elif name in BENCH_STORAGES:
            variable, default = BENCH_STORAGES[name]
            urls[name] = os.environ.get(variable) or default
        else:
            raise ValueError(f"parallel storage {name!r}: allowed are journal, "
                             f"{', '.join(BENCH_STORAGES)}")
    return urls


def _started(_: int) -> int:
    """Runs once in each pool process before timing: imports done, process ready."""
    time.sleep(0.2)
    return os.getpid()


def _parallel_once(pool: Any, workers: int, url: str, name: str, n: int,
                   sleep_s: float) -> float:
    """Seconds per trial of one study run by the pool's `workers` processes: from handing out
    the work to the last trial's tell, so each worker's connection and study loading count but
    not its wait for others' retries at the end (MySQL keeps trial times to the second: too
    coarse to time from them)."""
    opened = storage.open_storage(url)
    study = optuna.create_study(study_name=name, storage=opened)
    try:
        storage.top_up(study, n)
        start = time.time()
        done = pool.starmap(_parallel_worker, [(url, name, sleep_s, i) for i in range(workers)],
                            chunksize=1)
        ran = sum(count for count, _ in done)
        if ran != n:
            raise RuntimeError(f"{workers} workers ran {ran} of {n} trials")
        return (max(last for _, last in done) - start) / n
    finally:
        optuna.delete_study(study_name=name, storage=opened)


def bench_parallel(size: Mapping[str, Any], work: Path) -> dict[str, Any]:
    """Trials per minute with 1, 2, 4 worker processes on each storage that answers."""
    sleep_s, n = size["parallel_sleep_s"], size["parallel_trials"]
    urls, unreachable = {}, {}
    for kind, url in parallel_storages(size["parallel_storages"], work).items():
        try:
            storage.ensure_database(url)
            storage.open_storage(url)
            urls[kind] = url
        except storage.StorageError as exc:
            unreachable[kind] = str(exc)
    rows = []
    ctx = multiprocessing.get_context("spawn")
    for workers in size["parallel_workers"]:
        with ctx.Pool(workers) as pool:  # started once, used for every storage and repeat
            if len(set(pool.map(_started, range(workers), chunksize=1))) != workers:
                raise RuntimeError(f"the pool did not start {workers} processes")
            for kind, url in urls.items():
                periods = [_parallel_once(pool, workers, url,
                                          f"bench-par-{os.getpid()}-{workers}-{rep}", n, sleep_s)
                           for rep in range(size["repeats"])]
                rows.append({"storage": kind, "url": storage.mask(url), "workers": workers,
                             "trials_per_min": spread([60 / p for p in periods]),
                             "storage_and_sampling_ms_per_trial": spread(
                                 [1000 * (p * workers - sleep_s) for p in periods]),
                             "speedup_over_one_worker": None})
    rows.sort(key=lambda r: (list(urls).index(r["storage"]), r["workers"]))
    for row in rows:
        one = next((r for r in rows if r["storage"] == row["storage"] and r["workers"] == 1),
                   None)
        if one and one["trials_per_min"]["median"]:
            row["speedup_over_one_worker"] = round(
                row["trials_per_min"]["median"] / one["trials_per_min"]["median"], 2)
    return {"sleep_s": sleep_s, "trials": n, "repeats": size["repeats"], "runs": rows,
            "unreachable": unreachable, "ideal_trials_per_min_one_worker": 60 / sleep_s,
            "note": "from handing out the queue to the last trial's tell, divided by the "
                    "trials; worker processes started before (their connection and study "
                    "loading count); overhead = period x workers - sleep; each study is "
                    "deleted from its storage afterwards"}


# --------------------------------------------------------------------------- report


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


def run(mode: str = "full", only: Sequence[str] | None = None, out: Path | None = None,
        sizes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run the chosen sections and write report.json, report.md and charts; returns the report."""
    size = {**SIZES[mode], **(sizes or {})}
    date = dt.datetime.now(dt.timezone.utc)
    folder = out or BENCH_DIR / date.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "date": date.isoformat(timespec="seconds"), "mode": mode, "machine": machine(),
        "seeds": {"study": 42, "replay": list(range(size["replay_seeds"]))},
        "repeats": size["repeats"], "sizes": size, "goals": GOALS, "skipped": {},
        "section_seconds": {}}
    started = time.perf_counter()

    def log(text: str) -> None:
        print(text, flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        sections: dict[str, Callable[[], dict[str, Any]]] = {
            "scorer": lambda: bench_scorer(size),
            "overhead": lambda: bench_overhead(size, work),
            "memory": lambda: bench_memory(size, work),
            "search": lambda: bench_search(size, log),
            "generation": lambda: bench_generation(size, work),
            "parallel": lambda: bench_parallel(size, work),
        }
        for name, fn in sections.items():
            if only and name not in only:
                report["skipped"][name] = "not selected (--only)"
                continue
            log(f"bench: {name} ...")
            t = time.perf_counter()
            try:
                report[name] = fn()
            except Exception as exc:  # a broken section is reported, the others still run
                report["skipped"][name] = f"failed: {type(exc).__name__}: {exc}"
                traceback.print_exc()
            report["section_seconds"][name] = round(time.perf_counter() - t, 1)
    for kind, why in report.get("parallel", {}).get("unreachable", {}).items():
        report["skipped"][f"parallel on {kind}"] = why
    report["wall_s"] = round(time.perf_counter() - started, 1)
    figs = figures(report)
    report["charts"] = list(figs)
    (folder / "report.json").write_text(json.dumps(report, indent=1, default=str))
    (folder / "report.md").write_text(markdown(report), encoding="utf-8")
    write_html(report, figs, folder / "report.html")
    log(f"bench: wrote {paths.shown(folder / 'report.json')} in {report['wall_s']:.0f} s")
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workbench.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (under 5 minutes)")
    parser.add_argument("--only", nargs="*", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--out", type=Path, help="report folder (default outputs/bench/<date>)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    run("quick" if args.quick else "full", args.only, args.out)


if __name__ == "__main__":
    main()
