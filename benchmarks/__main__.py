"""The benchmark suite: what the workbench's search buys, and what it costs.

`python -m benchmarks [--quick]` (`make bench`) measures, each side by side in one run, and
writes `outputs/bench/<date>/report.json`, `report.md` and `report.html` (the charts,
viewable offline):

- scorer: morpheme ROUGE via `metrics.score` vs a naive rouge-score loop, same tokenizer;
- overhead: a sleep objective through the study runner vs a bare Optuna loop, and
  papermill's fixed cost per notebook;
- memory: peak RSS after the first and the last trial of the embedded default;
- search: what a study returns, on a surrogate of real tiny-bart training runs: the true value
  of the returned config per strategy and budget, chosen on one block of seeds and reported
  on another (`python -m benchmarks.search` writes it; this reads it and replays a few);
- generation: a decoding-only trial vs a training trial on the same preset;
- parallel: trials per minute with 1, 2, 4 worker processes on a journal file,
  PostgreSQL, MariaDB/MySQL and Redis (each server that answers).

Figures are reported as measured; goals are printed beside them, never used to tune anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import BENCH_DIR, GOALS, SECTIONS, SIZES, machine
from benchmarks.generation import bench_generation
from benchmarks.memory import bench_memory
from benchmarks.overhead import bench_overhead
from benchmarks.parallel import bench_parallel
from benchmarks.report import figures, markdown, write_html
from benchmarks.scorer import bench_scorer
from benchmarks.search import bench_search
from workbench import paths


def run(mode: str = "full", only: Sequence[str] | None = None, out: Path | None = None,
        sizes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run the chosen sections and write report.json, report.md and charts; returns the report."""
    size = {**SIZES[mode], **(sizes or {})}
    date = dt.datetime.now(dt.timezone.utc)
    folder = out or BENCH_DIR / date.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "date": date.isoformat(timespec="seconds"), "mode": mode, "machine": machine(),
        "seeds": {"study": 42},
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
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (under 5 minutes)")
    parser.add_argument("--only", nargs="*", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--out", type=Path, help="report folder (default outputs/bench/<date>)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    run("quick" if args.quick else "full", args.only, args.out)


if __name__ == "__main__":
    main()
