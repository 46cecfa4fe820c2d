"""ROUGE for Korean dialogue summaries, on the two scales this project meets.

``mode="baseline"``: what the organisers' baseline prints while training: the ``rouge==1.0.1``
package on whitespace tokens (it splits text into sentences on ``.`` and uses summary-level
LCS for rouge-l), after ``<usr>``, ``<s>``, ``</s>`` and ``<pad>`` are replaced by spaces.
Korean words carry particles and endings, so whole-word matches are rare and these numbers
run far below the leaderboard's.

``mode="morpheme"`` (default): leaderboard style: texts cleaned the same way, split into
morphemes by Mecab (default) or Kiwi with ``#...#`` tags (``#Person1#``, ``#PhoneNumber#``)
kept as single tokens (``tags="whole"``, default) or split as plain Mecab splits them
(``tags="split"``: ``#Person1#`` -> ``#``, ``Person``, ``1``, ``#``, as several competition
re-implementations score; which one the leaderboard uses is unconfirmed), then scored with
rouge-score's definitions (clipped n-gram counts, token-level LCS). The numbers equal
``rouge_score.rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"],
tokenizer=get_tokenizer(name, tags))``; they are computed here from cached
tokens with a bit-parallel LCS, which is much faster when the same references are scored
every epoch.

In both modes each F1 is averaged over the references of a sample, then over samples; an
empty prediction scores 0 (it is counted, never skipped). ``RougeScores.final`` is
``100 * mean(rouge1, rouge2, rougeL)``, the leaderboard's number in morpheme mode.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd

__all__ = [
    "MODES",
    "SPECIAL_TOKENS",
    "TAGS",
    "TAG_RE",
    "TOKENIZERS",
    "MorphemeTokenizer",
    "RougeScores",
    "clean",
    "describe_scale",
    "format_scores",
    "get_tokenizer",
    "score",
    "scale",
    "score_csv",
]

MODES = ("baseline", "morpheme")
TOKENIZERS = ("mecab", "kiwi")
TAGS = ("whole", "split")  # #...# tags as one token, or split by the analyser as plain text
SPECIAL_TOKENS = ("<usr>", "<s>", "</s>", "<pad>")
TAG_RE = re.compile(r"#[A-Za-z][A-Za-z0-9]*#")

_MAX_LISTED = 5
_SUMMARY_COL_RE = re.compile(r"summary(\d*)")
_SURFACE_RE = re.compile(r"^([^\t\n]+)\t", re.MULTILINE)  # surfaces in MeCab's text output


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RougeScores:
    """Mean ROUGE F1 values in 0..1 over a set of samples."""

    rouge1: float
    rouge2: float
    rougeL: float  # noqa: N815 - the name rouge-score and the leaderboard use

    @property
    def final(self) -> float:
        """Leaderboard number: 100 x mean of the three F1 values."""
        return 100.0 * (self.rouge1 + self.rouge2 + self.rougeL) / 3.0

    def as_dict(self) -> dict[str, float]:
        """Plain dict with rouge1, rouge2, rougeL and final, for logging and Optuna attrs."""
        return {
            "rouge1": self.rouge1,
            "rouge2": self.rouge2,
            "rougeL": self.rougeL,
            "final": self.final,
        }


def format_scores(scores: RougeScores) -> str:
    """One 'name value' line per metric (F1 to six decimals, final to four) for the CLI."""
    return (
        f"rouge1 {scores.rouge1:.6f}\n"
        f"rouge2 {scores.rouge2:.6f}\n"
        f"rougeL {scores.rougeL:.6f}\n"
        f"final {scores.final:.4f}"
    )


# --------------------------------------------------------------------------- text


def clean(text: Any) -> str:
    """Replace the baseline's special tokens by spaces; None/NaN become '' (an empty text)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    text = str(text)
    for token in SPECIAL_TOKENS:
        text = text.replace(token, " ")
    return text


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _LRU(Generic[K, V]):
    """Small least-recently-used dict: bounded memory for caches fed every epoch."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value for key (marked as recently used), or None."""
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Store value, evicting the least recently used entry when full."""
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


@cache
def _mecab_analyzer() -> Callable[[str], list[str]]:
    """Shared Mecab morpheme splitter (fast lattice path when it agrees with MeCab.morphs)."""
    import mecab

    tagger = mecab.MeCab()
    try:
        # MeCab.morphs builds a Morpheme object (with parsed features) per token, which costs
        # more than the analysis itself; reading the lattice's text output is ~2x faster.
        from mecab.utils import create_lattice

        raw = tagger._tagger  # noqa: SLF001 - guarded by the probe below

        def fast(text: str) -> list[str]:
            lattice = create_lattice(text)
            if not raw.parse(lattice):
                raise RuntimeError(f"mecab failed on {text!r}: {raw.what()}")
            return _SURFACE_RE.findall(lattice.to_string())

        probe = "회의실에서 3.5시간 동안 논의했다. Zoom 링크는 메일로 보낼게요!"
        if fast(probe) == tagger.morphs(probe):
            return fast
    except Exception:  # noqa: BLE001 - any internal change falls back to the public API
        pass
    return tagger.morphs


@cache
def _kiwi() -> Any:
    """Shared Kiwi analyser (loading its model takes about a second)."""
    from kiwipiepy import Kiwi

    return Kiwi()


class MorphemeTokenizer:
    """Korean morpheme tokenizer keeping #Tag# placeholders whole (or, with tags="split",
    leaving them to the analyser like any text), with an LRU cache.

    Usable as rouge-score's ``tokenizer=`` (it has ``tokenize(text) -> list[str]``).
    Whitespace is never a token; texts are cleaned of special tokens first.
    """

    def __init__(self, name: str = "mecab", cache_size: int = 65_536, tags: str = "whole"
                 ) -> None:
        if name not in TOKENIZERS:
            raise ValueError(f"unknown tokenizer {name!r}; allowed: {', '.join(TOKENIZERS)}")
        if tags not in TAGS:
            raise ValueError(f"unknown tags {tags!r}; allowed: {', '.join(TAGS)}")
        self.name = name
        self.tags = tags
        self._cache: _LRU[str, tuple[str, ...]] = _LRU(cache_size)

    def tokenize(self, text: str) -> list[str]:
        """Morphemes of one text (cached)."""
        return list(self.tokenize_many([text])[0])

    def tokenize_many(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Morphemes of each text; each distinct uncached text is analysed once, in one batch."""
        cleaned = [" ".join(clean(t).split()) for t in texts]
        found: dict[str, tuple[str, ...]] = {}
        for text in cleaned:
            if text not in found and (tokens := self._cache.get(text)) is not None:
                found[text] = tokens
        missing = [t for t in dict.fromkeys(cleaned) if t not in found]
        for text, tokens in zip(missing, self._analyse(missing), strict=True):
            found[text] = tokens
            self._cache.put(text, tokens)
        return [found[t] for t in cleaned]

    def _analyse(self, texts: list[str]) -> list[tuple[str, ...]]:
        """Run the analyser on whitespace-normalised texts (no caching)."""
        if self.name == "kiwi":
            return self._analyse_kiwi(texts)
        return [self._analyse_mecab(t) for t in texts]

    def _analyse_mecab(self, text: str) -> tuple[str, ...]:
        """Mecab on the stretches between tags; tags are emitted as they are (or, split, Mecab
        on the whole text)."""
        morphs = _mecab_analyzer()
        if self.tags == "split":
            return tuple(morphs(text)) if text.strip() else ()
        tokens: list[str] = []
        pos = 0
        for match in TAG_RE.finditer(text):
            piece = text[pos : match.start()]
            if piece.strip():
                tokens.extend(morphs(piece))
            tokens.append(match.group())
            pos = match.end()
        piece = text[pos:]
        if piece.strip():
            tokens.extend(morphs(piece))
        return tuple(tokens)

    def _analyse_kiwi(self, texts: list[str]) -> list[tuple[str, ...]]:
        """Kiwi in one multi-threaded batch, with tag spans pinned as single tokens."""
        indexed = [(i, t) for i, t in enumerate(texts) if t.strip()]
        result: list[tuple[str, ...]] = [()] * len(texts)
        if indexed:
            pinned = _tag_spans if self.tags == "whole" else None
            analysed = _kiwi().tokenize([t for _, t in indexed], pretokenized=pinned)
            for (i, _), toks in zip(indexed, analysed, strict=True):
                result[i] = tuple(tok.form for tok in toks)
        return result


def _tag_spans(text: str) -> list[tuple[int, int, str]]:
    """Kiwi pretokenized spans: each #Tag# is one proper noun."""
    return [(m.start(), m.end(), "NNP") for m in TAG_RE.finditer(text)]


@cache
def get_tokenizer(name: str = "mecab", tags: str = "whole") -> MorphemeTokenizer:
    """The shared tokenizer for a backend and tag handling (one cache each per process)."""
    return MorphemeTokenizer(name, tags=tags)


# --------------------------------------------------------------------------- morpheme mode


class _Profile:
    """A tokenized text's n-gram counts (and, when used as a reference, LCS bit masks)."""

    __slots__ = ("_masks", "bigrams", "n", "tokens", "unigrams")

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self.tokens = tokens
        self.n = len(tokens)
        self.unigrams: Counter[str] = Counter(tokens)
        self.bigrams: Counter[tuple[str, str]] = Counter(zip(tokens, tokens[1:], strict=False))
        self._masks: dict[str, int] | None = None

    @property
    def masks(self) -> dict[str, int]:
        """Token -> bit set of its positions, for the bit-parallel LCS (built on first use)."""
        if self._masks is None:
            masks: dict[str, int] = {}
            bit = 1
            for tok in self.tokens:
                masks[tok] = masks.get(tok, 0) | bit
                bit <<= 1
            self._masks = masks
        return self._masks


_PROFILES: _LRU[tuple[str, str, str], _Profile] = _LRU(16_384)


def _profiles(texts: Sequence[str], tokenizer: MorphemeTokenizer) -> list[_Profile]:
    """Profiles for texts, tokenizing only those not cached yet (in one batch)."""
    keyed = [(tokenizer.name, tokenizer.tags, t) for t in texts]
    found: dict[tuple[str, str, str], _Profile] = {}
    for key in keyed:
        if key not in found and (profile := _PROFILES.get(key)) is not None:
            found[key] = profile
    missing = [k for k in dict.fromkeys(keyed) if k not in found]
    if missing:
        for key, tokens in zip(
            missing, tokenizer.tokenize_many([k[-1] for k in missing]), strict=True
        ):
            found[key] = _Profile(tokens)
            _PROFILES.put(key, found[key])
    return [found[k] for k in keyed]


def _fmeasure(precision: float, recall: float) -> float:
    """F1 exactly as rouge-score computes it (same operation order, same floats)."""
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def _ngram_f(pred: Counter[Any], n_pred: int, ref: Counter[Any], n_ref: int) -> float:
    """rouge-N F1 from n-gram counts (clipped overlap, as rouge-score)."""
    small, big = (pred, ref) if len(pred) <= len(ref) else (ref, pred)
    overlap = 0
    for gram, count in small.items():
        other = big.get(gram)
        if other:
            overlap += count if count < other else other
    return _fmeasure(overlap / max(n_pred, 1), overlap / max(n_ref, 1))


def _lcs_length(masks: dict[str, int], n: int, other: Iterable[str]) -> int:
    """LCS length of the masked sequence (length n) and other, bit-parallel (Hyyroe 2004)."""
    full = (1 << n) - 1
    v = full
    for tok in other:
        match = masks.get(tok)
        if match:
            u = v & match
            v = (v + u) | (v - u)
    return n - (v & full).bit_count()


def _morpheme_pair(pred: _Profile, ref: _Profile) -> tuple[float, float, float]:
    """(rouge1, rouge2, rougeL) F1 of one prediction against one reference."""
    r1 = _ngram_f(pred.unigrams, pred.n, ref.unigrams, ref.n)
    r2 = _ngram_f(pred.bigrams, max(pred.n - 1, 0), ref.bigrams, max(ref.n - 1, 0))
    if pred.n and ref.n:
        lcs = _lcs_length(ref.masks, ref.n, pred.tokens)
        rl = _fmeasure(lcs / pred.n, lcs / ref.n)
    else:
        rl = 0.0
    return r1, r2, rl


# --------------------------------------------------------------------------- baseline mode


@cache
def _rouge_package() -> Any:
    """One shared rouge==1.0.1 Rouge object."""
    from rouge import Rouge

    return Rouge()


def _baseline_pair(pred: str, ref: str) -> tuple[float, float, float]:
    """rouge==1.0.1 F values for one cleaned pair; 0 when either side has no words."""
    if not pred.replace(".", "").strip() or not ref.replace(".", "").strip():
        return 0.0, 0.0, 0.0
    # rouge-l's LCS read-out recurses once per word of a sentence pair; a long run-on
    # prediction (no '.') would hit Python's recursion limit, so lift it for that call.
    words = len(pred.split()) + len(ref.split())
    limit = sys.getrecursionlimit()
    if words > limit // 2:
        sys.setrecursionlimit(limit + words)
    try:
        result = _rouge_package().get_scores(pred, ref)[0]
    finally:
        sys.setrecursionlimit(limit)
    return result["rouge-1"]["f"], result["rouge-2"]["f"], result["rouge-l"]["f"]


# --------------------------------------------------------------------------- scoring


def _reference_lists(references: Sequence[str] | Sequence[Sequence[str]]) -> list[list[str]]:
    """One list of cleaned references per sample (a bare string is a one-reference list)."""
    lists: list[list[str]] = []
    for i, refs in enumerate(references):
        group = [refs] if isinstance(refs, str) or refs is None else list(refs)
        if not group:
            raise ValueError(f"sample {i} has no reference")
        lists.append([clean(r) for r in group])
    return lists


def score(
    predictions: Sequence[str],
    references: Sequence[str] | Sequence[Sequence[str]],
    mode: str = "morpheme",
    tokenizer: str = "mecab",
    tags: str = "whole",
) -> RougeScores:
    """Mean ROUGE F1 of predictions against one or several references each (see module doc).

    `tags` applies to morpheme mode only (baseline mode splits on whitespace)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {tokenizer!r}; allowed: {', '.join(TOKENIZERS)}")
    if tags not in TAGS:
        raise ValueError(f"unknown tags {tags!r}; allowed: {', '.join(TAGS)}")
    if isinstance(predictions, str) or isinstance(references, str):
        raise ValueError("predictions and references must be sequences, not a single string")
    if len(predictions) != len(references):
        raise ValueError(
            f"length mismatch: {len(predictions)} predictions vs {len(references)} references"
        )
    if len(predictions) == 0:
        raise ValueError("nothing to score: no predictions")
    preds = [clean(p) for p in predictions]
    refs = _reference_lists(references)

    per_sample: list[tuple[float, float, float]] = []
    if mode == "baseline":
        for pred, group in zip(preds, refs, strict=True):
            per_sample.append(_mean3([_baseline_pair(pred, r) for r in group]))
    else:
        tok = get_tokenizer(tokenizer, tags)
        flat_refs = [r for group in refs for r in group]
        profiles = _profiles(preds + flat_refs, tok)
        pred_profiles, ref_profiles = profiles[: len(preds)], profiles[len(preds) :]
        start = 0
        for pred_profile, group in zip(pred_profiles, refs, strict=True):
            group_profiles = ref_profiles[start : start + len(group)]
            start += len(group)
            per_sample.append(_mean3([_morpheme_pair(pred_profile, r) for r in group_profiles]))
    total = _mean3(per_sample)
    return RougeScores(rouge1=total[0], rouge2=total[1], rougeL=total[2])


def scale(objective: Mapping[str, Any]) -> dict[str, str]:
    """The `score` keywords of a config's `objective` section: mode, tokenizer and tags.

    A config written before `objective.tags` existed scored tags whole."""
    return {"mode": objective["metric"], "tokenizer": objective["tokenizer"],
            "tags": objective.get("tags", "whole")}


def describe_scale(objective: Mapping[str, Any]) -> str:
    """The scale a score is on, in words, for records and printed lines."""
    s = scale(objective)
    if s["mode"] == "baseline":
        return "baseline scale (rouge==1.0.1, whitespace tokens)"
    return f"morpheme scale ({s['tokenizer']}, tags {s['tags']})"


def _mean3(rows: Sequence[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Column means, summed left to right as rouge==1.0.1 does (bit-identical for 1 ref)."""
    s1 = s2 = sl = 0.0
    for r1, r2, rl in rows:
        s1 += r1
        s2 += r2
        sl += rl
    n = len(rows)
    return s1 / n, s2 / n, sl / n


# --------------------------------------------------------------------------- CSV files


def _read_csv(path: Path, role: str) -> pd.DataFrame:
    """A CSV as strings, verbatim ('' for empty cells; "NA" stays "NA"), or a ValueError
    naming the file."""
    if not path.is_file():
        raise ValueError(f"{role} file not found: {path}")
    try:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False,
                            na_values=[]).fillna("")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{role} file {path} is not UTF-8 text ({err.reason} at byte "
            f"{err.start}); re-save it as UTF-8"
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{role} file {path} is empty") from None
    except pd.errors.ParserError as err:
        raise ValueError(f"{role} file {path} is not a readable CSV: {err}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if "fname" in frame.columns:
        frame["fname"] = frame["fname"].str.strip()
    return frame


def _few(items: Sequence[str]) -> str:
    """Up to five items quoted, with a count of the rest."""
    shown = ", ".join(repr(x) for x in items[:_MAX_LISTED])
    more = f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return shown + more


def _check_columns(frame: pd.DataFrame, path: Path, role: str, missing: Sequence[str]) -> None:
    """ValueError naming the file, the missing columns and the columns found."""
    if missing:
        raise ValueError(
            f"{role} file {path} lacks column(s) {', '.join(missing)}; "
            f"found: {', '.join(map(str, frame.columns)) or 'none'}"
        )


def _check_unique(frame: pd.DataFrame, path: Path, role: str) -> None:
    """ValueError naming repeated fnames, which would make row matching ambiguous."""
    dup = frame.loc[frame["fname"].duplicated(), "fname"].unique().tolist()
    if dup:
        raise ValueError(f"{role} file {path} repeats fname(s) {_few(dup)}")


def score_csv(
    pred_path: str | Path,
    ref_path: str | Path,
    mode: str = "morpheme",
    tokenizer: str = "mecab",
    tags: str = "whole",
) -> RougeScores:
    """Score a submission CSV (fname,summary) against a reference CSV, matched by fname.

    References are the non-empty 'summary' / 'summaryN' cells of a row (N in numeric order).
    Empty predictions score 0; predictions for fnames absent from the references are ignored.
    """
    pred_path, ref_path = Path(pred_path), Path(ref_path)
    preds = _read_csv(pred_path, "prediction")
    refs = _read_csv(ref_path, "reference")
    _check_columns(
        preds, pred_path, "prediction", [c for c in ("fname", "summary") if c not in preds]
    )
    ref_cols = sorted(
        (c for c in refs.columns if _SUMMARY_COL_RE.fullmatch(c)),
        key=lambda c: int(c[len("summary") :] or -1),
    )
    missing = [] if "fname" in refs else ["fname"]
    if not ref_cols:
        missing.append("summary (or summary1, summary2, ...)")
    _check_columns(refs, ref_path, "reference", missing)
    _check_unique(preds, pred_path, "prediction")
    _check_unique(refs, ref_path, "reference")

    fnames = refs["fname"].tolist()
    if not fnames:
        raise ValueError(f"reference file {ref_path} has no rows")
    by_fname = dict(zip(preds["fname"], preds["summary"], strict=True))
    unmatched = [f for f in fnames if f not in by_fname]
    if unmatched:
        raise ValueError(
            f"prediction file {pred_path} has no row for {len(unmatched)} of {len(fnames)} "
            f"fname(s) in reference file {ref_path}: {_few(unmatched)}"
        )
    groups = [[r for r in row if r.strip()] for row in refs[ref_cols].itertuples(index=False)]
    blank = [f for f, g in zip(fnames, groups, strict=True) if not g]
    if blank:
        raise ValueError(f"reference file {ref_path} has no reference text for {_few(blank)}")
    return score([by_fname[f] for f in fnames], groups, mode=mode, tokenizer=tokenizer, tags=tags)
