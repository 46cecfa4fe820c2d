"""The `workbench` command: run notebooks as records, run studies, score predictions.

    workbench run run-study --preset tiny-bart -p n_trials 3
    workbench study --preset kobart --trials 100 --timeout 7200 --sampler tpe --pruner median
    workbench study --preset tiny-bart --objective multi --memory-limit 0.5
    workbench study --preset tiny-bart --stage model_selection   (then learning_rate, ...)
    workbench score PRED.csv REF.csv --mode morpheme
    workbench predict outputs/tiny-bart/<run-id> --split test --out submission.csv
    workbench presets
    workbench report outputs/tiny-bart/<run-id> --check
    workbench rerun outputs/tiny-bart/<run-id>/best-params.yaml
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from workbench import paths

# Here: the command line and what each command prints. Running a notebook as a record, and
# refusing what it cannot use before a kernel starts, is `workbench.notebooks`.
from workbench.notebooks import preflight, run_notebook
from workbench.study.samplers import PRUNERS, SAMPLERS


def _value(text: str) -> Any:
    """A command-line value read as YAML, so `3` is an int, `null` None and `{a: 1}` a dict."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _print_record(folder: Path) -> None:
    """What a finished command's record says, on the terminal: where it is, the best trial
    against the floors, degenerate and still-queued trials (after `run`, `study`, `rerun` and
    `worker --join`, which runs no notebook)."""
    from workbench import records

    data = records.read_results(folder)
    notebook = f"{data.get('notebook') or 'run'}.ipynb"
    kept = f"{notebook}, results.json" if (folder / notebook).is_file() else "results.json"
    print(f"\nrecord: {paths.shown(folder)}/ ({kept})")
    baselines = data.get("baselines") or {}
    floors = "; ".join(f"{label} {baselines[key]['final']:.4f}"
                       for key, label in (("lead2", "lead-2 baseline"),
                                          ("constant", "best constant output"))
                       if key in baselines)
    best = data.get("best") or {}
    degenerate = (data.get("degenerate") or {}).get("count")
    if best and best.get("value") is not None:
        distinct = next((t["extra"].get("diversity", {}).get("distinct_share")
                         for t in data.get("trials", []) if t["number"] == best["number"]
                         and "study" not in t), None)
        shown = f", {distinct:.0%} distinct predictions" if distinct is not None else ""
        spread = (f" ± {best['seed_std']:.4f}, the mean over {len(best['runs'])} seeds"
                  if best.get("runs") else "")  # a config chosen on confirmation runs
        print(f"best dev ROUGE {best['value']:.4f}{spread} (trial {best['number']}{shown}); "
              f"{floors}; trials {data.get('counts')}")
    elif best.get("values"):  # an analysis: the analysed study's best, on each objective
        names = (data.get("study") or {}).get("objectives") or []
        on = ", ".join(f"{n} {v:.4f}" for n, v in zip(names, best["values"], strict=False))
        distinct = (best.get("diversity") or {}).get("distinct_share")
        shown = f", {distinct:.0%} distinct predictions" if distinct is not None else ""
        print(f"analysed study's best: trial {best['number']} ({on}{shown}); "
              f"{floors + '; ' if floors else ''}trials {data.get('counts')}")
    elif data.get("counts"):
        print(f"no healthy trial: no best ({floors}; trials {data.get('counts')})")
    if degenerate:
        print(f"degenerate trials (outputs barely depend on the input; never the best): "
              f"{degenerate}")
    if (data.get("left_queued") or {}).get("message"):
        print(data["left_queued"]["message"])


def cmd_run(args: argparse.Namespace) -> int:
    params = {k: _value(v) for k, v in args.param}
    if args.preset:
        params["preset"] = args.preset
    preflight(args.notebook, params, Path(args.out) if args.out else None)
    folder = run_notebook(args.notebook, params, Path(args.out) if args.out else None)
    _print_record(folder)
    return 0


STUDY_OPTIONS = ("n_trials", "timeout", "strategy", "sampler", "pruner", "n_jobs", "storage",
                 "study_name",
                 "workers", "gpus", "objective", "stage", "memory_limit", "adaptive",
                 "warm_start_file", "warm_start_record")


def study_params(args: argparse.Namespace) -> dict[str, Any]:
    """The run-study notebook's parameters from `workbench study` options."""
    params: dict[str, Any] = {"preset": args.preset}
    for key in STUDY_OPTIONS:
        value = getattr(args, key, None)
        if value is not None:
            params[key] = value
    if args.set:
        overrides = {}
        for item in args.set:
            key, sep, value = item.partition("=")
            if not sep:
                raise SystemExit(f"--set {item!r}: expected KEY=VALUE, e.g. hparams.num_beams=2")
            overrides[key] = _value(value)
        params["overrides"] = overrides
    return params


def cmd_study(args: argparse.Namespace) -> int:
    params = study_params(args)  # --gpus too is checked before a kernel starts, and again there
    preflight("run-study", params)
    folder = run_notebook("run-study", params)
    _print_record(folder)
    return 0


def _add_worker_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--workers", type=int, help="number of local worker processes (CPU)")
    group.add_argument("--gpus", help="comma-separated GPU ids: one worker process per GPU")


def cmd_worker(args: argparse.Namespace) -> int:
    if not args.join:
        return cmd_study(args)
    from workbench import study

    overrides = dict(item.partition("=")[::2] for item in args.set or [])
    overrides = {k: _value(v) for k, v in overrides.items()}
    for key in ("storage", "timeout", "workers", "gpus"):
        if getattr(args, key) is not None:
            overrides[f"study.{key}"] = getattr(args, key)
    safe, env = _secret_free(args.storage)
    os.environ.update(env)
    preflight("run-study", {"preset": args.preset, "study_name": args.study_name,
                             "storage": safe, "overrides": overrides})
    run = study.start_run("worker", preset=args.preset, study_name=args.study_name,
                          storage=safe, overrides=overrides)
    run.join()
    _print_record(run.folder)
    return 0


def _secret_free(url: str | None) -> tuple[str | None, dict[str, str]]:
    if url is None:
        return None, {}
    from workbench import storage

    return storage.externalize(url)


def cmd_dashboard(args: argparse.Namespace) -> int:
    from optuna_dashboard import run_server

    from workbench import storage

    url = storage.resolve_url(args.storage, paths.OUTPUTS / args.preset / "optuna.db")
    opened = storage.open_storage(url)  # one clear error (masked) if it is unreachable
    print(f"optuna-dashboard on {storage.mask(url)}: http://{args.host}:{args.port}/ "
          "(Ctrl-C stops it)", flush=True)
    try:
        run_server(opened, host=args.host, port=args.port)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from workbench import metrics

    scores = metrics.score_csv(args.pred, args.ref, mode=args.mode, tokenizer=args.tokenizer,
                               tags=args.tags)
    print(metrics.format_scores(scores))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from workbench import predict

    def here(path: str | None) -> str | None:
        """A path the user typed, from the current directory (the package's are from the root);
        the words test, dev, best and trial stay words."""
        words = (*predict.SPLITS, *predict.DECODINGS)
        if path and path not in words and Path(path).exists():
            return str(Path(path).absolute())
        return path

    done = predict.predict(
        here(args.record), split=here(args.split), decoding=here(args.decoding),
        out=str(Path(args.out).absolute()) if args.out else None, refit_on=args.refit,
        tags=args.tags, batch_size=args.batch_size, allow_incomplete=args.allow_incomplete)
    predict.print_summary(done)
    return 0


def _add_predict_command(sub: Any) -> None:
    pd_ = sub.add_parser("predict", help="summarize test (or dev, or a CSV) with a run's best "
                         "model and write a fname,summary submission")
    pd_.add_argument("record", help="a run-study record folder (outputs/<preset>/<run-id>)")
    pd_.add_argument("--split", default="test",
                     help="test (default), dev, or a CSV with fname,dialogue (and optional "
                     "summary or summary1..N references, which are then scored)")
    pd_.add_argument("--out", help="submission CSV (default: in the prediction's own record "
                     "folder, submission.csv for test)")
    pd_.add_argument("--decoding", default="best",
                     help="best (the decoding of the generation tuning on this run with the "
                     "best dev score, else the best trial's), trial (the best trial's), or a "
                     "YAML file of decoding keys")
    pd_.add_argument("--refit", choices=("train+dev",),
                     help="first train the best config again on train+dev for its best epoch "
                     "count")
    pd_.add_argument("--tags", choices=("whole", "split"),
                     help="score with #...# tags whole or split (default: the run's "
                     "objective.tags)")
    pd_.add_argument("--batch-size", dest="batch_size", type=int,
                     help="dialogues per generate call (default runtime.eval_batch_size)")
    pd_.add_argument("--allow-incomplete", dest="allow_incomplete", action="store_true",
                     help="predict from a run that did not complete (failed, killed or still "
                     "running); refused otherwise, and the prediction's record says so")
    pd_.set_defaults(func=cmd_predict)


def cmd_presets(args: argparse.Namespace) -> int:
    """The presets `--preset` accepts, one a line; files that are not one, with why, on stderr."""
    from workbench import config

    for name in config.list_presets():
        print(name)
    for file, why in config.unusable_presets().items():
        print(f"not a preset: {paths.shown(paths.PRESETS / file)}: {why}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- sharing
# `report` renders a record for people without Jupyter; `rerun` runs a notebook again with a
# parameters file that analyze or generation-tuning exported ({preset, overrides}).


def cmd_report(args: argparse.Namespace) -> int:
    from workbench import report

    if args.out and Path(args.out).suffix.lower() != ".html":
        raise ValueError(f"--out {args.out}: a report is an .html file; records and their files "
                         f"({RECORD_FILES}) are never overwritten")

    html = report.render(args.record, args.out, show_code=args.show_code)
    charts = report.count_charts(html.read_text(encoding="utf-8"))
    print(f"report: {paths.shown(html)} ({charts} charts; opens with no network)")
    if not args.check:
        return 0
    shot = Path(args.screenshot) if args.screenshot else html.with_suffix(".png")
    seen = report.check_in_browser(html, screenshot=shot, height=args.height)
    print(f"headless chromium (network off): {seen.drawn}/{seen.charts} charts drew; "
          f"screenshot {paths.shown(shot)}")
    for line in seen.console_errors:
        print(f"  console: {line}", file=sys.stderr)
    return 0 if seen.ok else 1


def cmd_rerun(args: argparse.Namespace) -> int:
    from workbench.analysis import read_overrides

    params = read_overrides(args.file)
    overrides = dict(params.get("overrides") or {})
    if args.notebook == "run-study":
        overrides.setdefault("study.n_trials", args.trials)
    params["overrides"] = overrides
    params.update({k: _value(v) for k, v in args.param})
    preflight(args.notebook, params)
    folder = run_notebook(args.notebook, params, Path(args.out) if args.out else None)
    _print_record(folder)
    return 0


RECORD_FILES = "results.json, the executed .ipynb, best-model/"


def _add_sharing_commands(sub: Any) -> None:
    rp = sub.add_parser("report", help="render a record's executed notebook to offline HTML")
    rp.add_argument("record", help="a run folder under outputs/ or an executed .ipynb")
    rp.add_argument("--out", help="HTML file (default: beside the notebook)")
    rp.add_argument("--show-code", action="store_true", help="keep the code cells")
    rp.add_argument("--check", action="store_true",
                    help="open it in headless chromium, network off, and check the charts drew")
    rp.add_argument("--screenshot", help="PNG for --check (default: beside the HTML)")
    rp.add_argument("--height", type=int, default=2400, help="screenshot height in pixels")
    rp.set_defaults(func=cmd_report)

    rr = sub.add_parser("rerun", help="run a notebook with an exported best-params file")
    rr.add_argument("file", help="a {preset, overrides} YAML written by analyze or "
                                 "generation-tuning")
    rr.add_argument("--notebook", default="run-study", help="notebook to run (default run-study)")
    rr.add_argument("--trials", type=int, default=1,
                    help="run-study: trials of the fresh study (trial 0 is the file's config)")
    rr.add_argument("-p", "--param", nargs=2, action="append", default=[],
                    metavar=("KEY", "VALUE"), help="notebook parameter (VALUE read as YAML)")
    rr.add_argument("--out", help="record folder (default outputs/<preset>/<run-id>/)")
    rr.set_defaults(func=cmd_rerun)


def parser() -> argparse.ArgumentParser:
    """The command line (the reference's --optuna_* knobs live under `study`)."""
    ap = argparse.ArgumentParser(prog="workbench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute a notebook with papermill and keep its record")
    run.add_argument("notebook", help="a notebook in notebooks/, without .ipynb (e.g. run-study)")
    run.add_argument("--preset", help="preset name (see `workbench presets`)")
    run.add_argument("-p", "--param", nargs=2, action="append", default=[],
                     metavar=("KEY", "VALUE"), help="notebook parameter (VALUE read as YAML)")
    run.add_argument("--out", help="record folder (default outputs/<preset>/<run-id>/)")
    run.set_defaults(func=cmd_run)

    st = sub.add_parser("study", help="run an Optuna study through the run-study notebook")
    st.add_argument("--preset", default="tiny-bart")
    st.add_argument("--trials", "--optuna_trials", dest="n_trials", type=int)
    st.add_argument("--timeout", "--optuna_timeout", dest="timeout", type=float,
                    help="seconds")
    st.add_argument("--sampler", "--optuna_sampler", dest="sampler",
                    choices=tuple(SAMPLERS))
    st.add_argument("--pruner", "--optuna_pruner", dest="pruner",
                    choices=tuple(PRUNERS))
    st.add_argument("--strategy", help="a named sampler + pruner setting from "
                    "params/strategies.yaml, e.g. reference (the design document's TPE + Median)")
    st.add_argument("--n-jobs", "--optuna_n_jobs", dest="n_jobs", type=int)
    st.add_argument("--storage", "--optuna_storage", dest="storage",
                    help="SQLAlchemy URL (default sqlite under outputs/<preset>/)")
    st.add_argument("--study-name", "--optuna_study_name", dest="study_name")
    st.add_argument("--objective", "--optuna_objective", dest="objective",
                    help="rouge (default), multi (= rouge,inference_time,model_size) or a "
                    "comma list starting with rouge: several make a multi-objective study")
    st.add_argument("--stage", "--optuna_stage", dest="stage",
                    help="run one stage of the preset's stage plan (params/stages.yaml), e.g. "
                    "model_selection; the earlier stages' best values are fixed")
    st.add_argument("--memory-limit", dest="memory_limit", type=float, metavar="GIB",
                    help="trials whose estimated peak GPU memory exceeds this are infeasible")
    st.add_argument("--adaptive", action="store_true", default=None,
                    help="narrow the space around the best trials when the study stalls")
    st.add_argument("--warm-start-file", dest="warm_start_file", metavar="YAML",
                    help="a YAML list of known-good configs, enqueued after trial 0")
    st.add_argument("--warm-start-record", dest="warm_start_record", metavar="RUN",
                    help="an earlier run's record folder: its top trials are enqueued")
    st.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="config override, e.g. hparams.num_beams=2 (repeatable)")
    _add_worker_options(st)
    st.set_defaults(func=cmd_study)

    wk = sub.add_parser("worker", help="run a study in parallel worker processes (one per GPU)",
                        description="Starts local workers for a study (through the run-study "
                        "notebook, so the run is recorded). On other machines, add --join to "
                        "run the same study's remaining trials without adding any.")
    wk.add_argument("--preset", default="tiny-bart")
    wk.add_argument("--study", dest="study_name", required=True)
    wk.add_argument("--storage", help="shared storage URL (PostgreSQL, MySQL, journal file, "
                    "redis); default $WORKBENCH_STORAGE")
    wk.add_argument("--trials", dest="n_trials", type=int,
                    help="trials this run adds to the study (shared by all workers)")
    wk.add_argument("--timeout", type=float)
    wk.add_argument("--join", action="store_true",
                    help="add no trials: work through the study's queue started elsewhere")
    wk.add_argument("--set", action="append", metavar="KEY=VALUE")
    _add_worker_options(wk)
    wk.set_defaults(func=cmd_worker, sampler=None, pruner=None, n_jobs=None)

    db = sub.add_parser("dashboard", help="optuna-dashboard on a study storage (127.0.0.1)")
    db.add_argument("--preset", default="tiny-bart",
                    help="default storage: outputs/<preset>/optuna.db")
    db.add_argument("--storage", help="storage URL (default $WORKBENCH_STORAGE or the preset's)")
    db.add_argument("--host", default="127.0.0.1")
    db.add_argument("--port", type=int, default=8080)
    db.set_defaults(func=cmd_dashboard)

    sc = sub.add_parser("score", help="score a prediction CSV against a reference CSV")
    sc.add_argument("pred", help="fname,summary CSV")
    sc.add_argument("ref", help="CSV with fname and summary (or summary1..N)")
    sc.add_argument("--mode", choices=("baseline", "morpheme"), default="morpheme")
    sc.add_argument("--tokenizer", choices=("mecab", "kiwi"), default="mecab",
                    help="morpheme analyser (morpheme mode)")
    sc.add_argument("--tags", choices=("whole", "split"), default="whole",
                    help="morpheme mode: keep #Person1#-style tags as one token (whole) or let "
                    "Mecab split them (split); the leaderboard's choice is unconfirmed")
    sc.set_defaults(func=cmd_score)

    _add_predict_command(sub)

    pr = sub.add_parser("presets", help="list the presets")
    pr.set_defaults(func=cmd_presets)
    _add_sharing_commands(sub)
    return ap


def _refusals() -> tuple[type[BaseException], ...]:
    """The errors that refuse a command's input (printed as one line, exit status 2)."""
    from workbench.hub import ModelUnavailable
    from workbench.storage import StorageError

    return (ValueError, FileNotFoundError, PermissionError, StorageError, ModelUnavailable)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:
        if not isinstance(exc, _refusals()):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
