"""Scorer: morpheme ROUGE via `metrics.score` against a naive rouge-score loop with the same
tokenizer, in pairs per second; the scores must be identical."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from benchmarks.common import GOALS, spread
from workbench import metrics, paths


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
def _cold_scorer() -> Iterator[None]:
    """Empty token and profile caches for one timing (the scorer's own caches, restored after).

    `metrics` has no API for this: its profile cache is swapped for an empty one of the same
    size and put back afterwards; the tokenizer (and its token cache) is rebuilt on next use.
    """
    metrics.get_tokenizer.cache_clear()
    saved = metrics._PROFILES
    metrics._PROFILES = type(saved)(saved.maxsize)
    try:
        yield
    finally:
        metrics._PROFILES = saved
        metrics.get_tokenizer.cache_clear()
