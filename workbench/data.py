"""Reading, cleaning and speaker-tag handling for the Korean dialogue-summarization CSVs.

Data layout: ``fname,dialogue,summary,topic`` (train/dev), ``fname,dialogue`` or
``fname,dialogue,summary1,summary2,...,topic`` (test). A dialogue is turns separated by
newlines, each ``#PersonN#: text``; masked PII appears as tags such as ``#PhoneNumber#``.
Every text transformation here leaves ``#...#`` tags intact, and every speaker renaming is
reversible so predictions are scored in the original ``#PersonN#`` form.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import paths
from workbench.sample.tags import PII_TAGS  # the masked-PII tags, defined once

__all__ = [
    "ABSTRACT_TAGS",
    "DataError",
    "KINDS",
    "LEVELS",
    "MAX_SPEAKERS",
    "PERSON_RE",
    "PERSON_TAGS",
    "PII_TAGS",
    "Prepared",
    "SIMPLE_TAGS",
    "SPEAKER_RE",
    "STRATEGIES",
    "TAG_RE",
    "apply_map",
    "clean_text",
    "lead_summary",
    "model_tags",
    "person_map",
    "postprocess",
    "prepare",
    "read_split",
    "restore",
    "write_submission",
]


class DataError(ValueError):
    """A data file is missing or malformed; the message names the file and the problem."""


# --------------------------------------------------------------------------- reading

KINDS = ("train", "dev", "test")
_REQUIRED = {
    "train": ("fname", "dialogue", "summary"),
    "dev": ("fname", "dialogue", "summary"),
    "test": ("fname", "dialogue"),
}
_SUMMARY_COL_RE = re.compile(r"summary(\d*)")
_MAX_LISTED = 5


def _decode_utf8(path: Path, raw: bytes) -> str:
    """Decode bytes as UTF-8 (a leading BOM is dropped) or raise a DataError with the offset."""
    bom = b"\xef\xbb\xbf"
    skip = len(bom) if raw.startswith(bom) else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as err:
        offset = err.start + skip
        line = raw[:offset].count(b"\n") + 1
        hint = ""
        try:
            raw.decode("cp949")
            hint = " The file decodes as CP949/EUC-KR; re-save it as UTF-8."
        except UnicodeDecodeError:
            pass
        raise DataError(
            f"{path}: not valid UTF-8: byte 0x{raw[offset]:02x} at byte offset {offset} "
            f"(line {line}): {err.reason}.{hint}"
        ) from None


def _row_list(path: Path, what: str, rows: list[tuple[int, str]]) -> str:
    """Format offending rows as 'row N (fname 'x')' items, capped, for an error message."""
    items = ", ".join(f"row {n} (fname {f!r})" for n, f in rows[:_MAX_LISTED])
    more = f", and {len(rows) - _MAX_LISTED} more" if len(rows) > _MAX_LISTED else ""
    noun = "row has" if len(rows) == 1 else "rows have"
    return f"{path}: {len(rows)} {noun} {what}: {items}{more} (rows count from 1 after the header)"


def _summary_columns(columns: Iterable[str]) -> list[str]:
    """Reference columns of a test file: 'summary' then 'summaryN' in numeric order."""
    found = [(c, m.group(1)) for c in columns if (m := _SUMMARY_COL_RE.fullmatch(c))]
    return [c for c, n in sorted(found, key=lambda cn: -1 if cn[1] == "" else int(cn[1]))]


def read_split(path: str | Path, kind: str) -> pd.DataFrame:
    """Read one split into columns fname, dialogue, references (list[str]) and topic if present.

    train/dev need fname, dialogue, summary (references = [summary]); test needs fname and
    dialogue, and its references are the non-empty summary/summaryN columns in N order ([] when
    there are none). Text is read verbatim (dtype=str, no NA parsing, so "NA" stays "NA").
    Raises DataError naming the file for: missing file, non-UTF-8 bytes, unparsable CSV,
    missing columns, empty fname/dialogue, empty train/dev summary and duplicate fnames.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if not path.is_file():
        raise DataError(f"{path}: not a regular file")
    text = _decode_utf8(path, path.read_bytes())
    if not text.strip():
        raise DataError(f"{path}: file is empty")
    try:
        df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError(f"{path}: cannot parse as CSV: {err}") from None
    df.columns = [str(c).strip() for c in df.columns]
    df = df.fillna("")

    missing = [c for c in _REQUIRED[kind] if c not in df.columns]
    if missing:
        hint = ""
        if "summary" in missing and _summary_columns(df.columns):
            hint = " (summary1..N columns look like a test file; use kind='test')"
        raise DataError(
            f"{path}: missing required column(s) {', '.join(missing)} for kind={kind!r}; "
            f"found columns: {', '.join(df.columns) or '(none)'}{hint}"
        )
    if df.empty:
        raise DataError(f"{path}: no rows after the header (a {kind} split needs at least one "
                        "dialogue)")

    fnames = [f.strip() for f in df["fname"]]
    dialogues = list(df["dialogue"])
    numbered = list(enumerate(fnames, start=1))

    blank_fname = [(n, f) for n, f in numbered if not f]
    if blank_fname:
        raise DataError(_row_list(path, "an empty fname", blank_fname))
    blank_dialogue = [
        (n, f) for (n, f), d in zip(numbered, dialogues, strict=True) if not d.strip()
    ]
    if blank_dialogue:
        raise DataError(_row_list(path, "an empty dialogue", blank_dialogue))

    if kind == "test":
        ref_cols = _summary_columns(df.columns)
        references = [
            [s for s in (df[c].iat[i] for c in ref_cols) if s.strip()] for i in range(len(df))
        ]
    else:
        summaries = list(df["summary"])
        blank_summary = [
            (n, f) for (n, f), s in zip(numbered, summaries, strict=True) if not s.strip()
        ]
        if blank_summary:
            raise DataError(_row_list(path, "an empty summary", blank_summary))
        references = [[s] for s in summaries]

    rows_by_fname: dict[str, list[int]] = {}
    for n, f in numbered:
        rows_by_fname.setdefault(f, []).append(n)
    dups = {f: rows for f, rows in rows_by_fname.items() if len(rows) > 1}
    if dups:
        listed = "; ".join(
            f"{f!r} at rows {', '.join(map(str, rows))}"
            for f, rows in list(dups.items())[:_MAX_LISTED]
        )
        more = f"; and {len(dups) - _MAX_LISTED} more" if len(dups) > _MAX_LISTED else ""
        raise DataError(f"{path}: duplicate fname(s): {listed}{more}")

    out = pd.DataFrame(
        {
            "fname": fnames,
            "dialogue": dialogues,
            "references": pd.Series(references, dtype=object),
        }
    )
    if "topic" in df.columns:
        out["topic"] = list(df["topic"])
    return out


# --------------------------------------------------------------------------- tags

TAG_RE = re.compile(r"#[A-Za-z][A-Za-z0-9]*#")
PERSON_RE = re.compile(r"#Person(\d+)#")
# Speaker tags in any strategy's form; a line starting with one and a colon is a turn.
SPEAKER_RE = re.compile(r"#(?:Person\d+|P\d+|[A-Z])#")
MAX_SPEAKERS = 7
PERSON_TAGS: tuple[str, ...] = tuple(f"#Person{i}#" for i in range(1, MAX_SPEAKERS + 1))
SIMPLE_TAGS: tuple[str, ...] = tuple(f"#P{i}#" for i in range(1, MAX_SPEAKERS + 1))
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ABSTRACT_TAGS: tuple[str, ...] = tuple(f"#{c}#" for c in _LETTERS[:MAX_SPEAKERS])
STRATEGIES = ("keep_original", "simplify", "abstract")


def model_tags() -> list[str]:
    """Every tag a model may see or emit (all strategies + PII), to add as non-special tokens."""
    return list(dict.fromkeys(PERSON_TAGS + SIMPLE_TAGS + ABSTRACT_TAGS + PII_TAGS))


def _speakers(text: str) -> list[str]:
    """#PersonN# tags in order of first appearance."""
    return list(dict.fromkeys(m.group(0) for m in PERSON_RE.finditer(text)))


def person_map(dialogue: str, strategy: str) -> dict[str, str]:
    """Map original speaker tags to the tags the model sees, so predictions can be restored.

    keep_original: identity; simplify: #PersonN# -> #PN#; both cover #Person1#..#Person7# plus
    any other #PersonN# in the dialogue, since they do not depend on the dialogue.
    abstract: speakers of this dialogue, by order of first appearance, -> #A#, #B#, ...
    PII tags are never mapped.
    """
    if strategy not in STRATEGIES:
        raise ValueError(
            f"person_token_strategy must be one of {', '.join(STRATEGIES)}; got {strategy!r}"
        )
    found = _speakers(dialogue)
    if strategy == "abstract":
        if len(found) > len(_LETTERS):
            raise ValueError(
                f"abstract strategy supports at most {len(_LETTERS)} speakers; "
                f"dialogue has {len(found)}"
            )
        return {tag: f"#{_LETTERS[i]}#" for i, tag in enumerate(found)}
    tags = list(dict.fromkeys(PERSON_TAGS + tuple(found)))
    if strategy == "keep_original":
        return {tag: tag for tag in tags}
    return {tag: f"#P{tag[len('#Person') : -1]}#" for tag in tags}


def _substitute(text: str, table: dict[str, str]) -> str:
    """Replace every key of table in one pass (no chained replacements)."""
    if not table:
        return text
    pattern = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    return re.sub(pattern, lambda m: table[m.group(0)], text)


def apply_map(text: str, mapping: dict[str, str]) -> str:
    """Rename original tags to model tags; tags not in the mapping are left as they are."""
    return _substitute(text, {k: v for k, v in mapping.items() if k != v})


def restore(text: str, mapping: dict[str, str]) -> str:
    """Inverse of apply_map: model tags back to original tags; unknown tags are left alone."""
    return _substitute(text, {v: k for k, v in mapping.items() if k != v})


# --------------------------------------------------------------------------- cleaning

LEVELS = ("minimal", "moderate", "aggressive")

# Tags are swapped for single private-use characters while cleaning, then swapped back.
_PH_BASE = 0xF0000
_PH_MAX = 0xFFFFD - _PH_BASE
_PH_CLASS = "[\U000f0000-\U000ffffd]"
_PRIVATE_RE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_LITERAL_NL_RE = re.compile(r"\\r\\n|\\n")
_BR_RE = re.compile(r"<\s*/?\s*br\s*/?\s*>", re.IGNORECASE)
_ARTEFACT_RE = re.compile(r"<\s*/?\s*(?:s|pad|usr|sys|unk|mask|sep|cls|bos|eos)\s*>", re.IGNORECASE)
_INVISIBLE_RE = re.compile("[\u200b-\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HSPACE_RE = re.compile(r"[^\S\n]+")
_PREFIX_RE = re.compile(rf"({_PH_CLASS})[ \t]*[:：][ \t]*")
_JAMO_RE = re.compile("[\u3131-\u318e\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]+")
_DOTS_RE = re.compile(r"(?:…|\.{2,})[.…]*")
_BANG_RE = re.compile(r"[!?]{2,}")
_REPEAT_RE = re.compile(r"([,~])\1+")
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_KEEP_PUNCT = "…·‘’“”「」『』《》〈〉【】、。–—₩℃°×"
_DISALLOWED_RE = re.compile(rf"[^\n\x20-\x7e\uac00-\ud7a3{_KEEP_PUNCT}\U000f0000-\U000ffffd]+")
_STAGE_NOTE_RE = re.compile(r"(?<!\w)[(\[][ \t]*[가-힣][가-힣 \t]{0,11}[)\]](?!\w)")
_FILLER_RE = re.compile(
    rf"(?m)^((?:{_PH_CLASS}[ \t]*:)?[ \t]*)"
    r"(?:(?:음+|으+음|어+|아+|에+|흠+|엄+|저|그)[ \t]*(?:…|\.{2,}|,|~)[ \t]*)+"
)


def _protect(text: str) -> tuple[str, list[str]]:
    """Swap each #...# tag for a private-use placeholder character."""
    tags: list[str] = []

    def swap(m: re.Match[str]) -> str:
        if len(tags) > _PH_MAX:
            raise ValueError("text has too many #...# tags to protect")
        tags.append(m.group(0))
        return chr(_PH_BASE + len(tags) - 1)

    return TAG_RE.sub(swap, text), tags


def _unprotect(text: str, tags: list[str]) -> str:
    """Put the original tags back; fails loudly if cleaning lost or duplicated one."""
    seen = [ord(c) - _PH_BASE for c in re.findall(_PH_CLASS, text)]
    if seen != list(range(len(tags))):
        raise RuntimeError("clean_text lost or reordered a #...# tag (bug)")
    return re.sub(_PH_CLASS, lambda m: tags[ord(m.group(0)) - _PH_BASE], text)


def _drop_runs(pattern: re.Pattern[str], text: str) -> str:
    """Delete matches; put a space back only where the match separated two word characters."""

    def repl(m: re.Match[str]) -> str:
        before = m.string[m.start() - 1] if m.start() > 0 else " "
        after = m.string[m.end()] if m.end() < len(m.string) else " "
        return " " if before.isalnum() and after.isalnum() else ""

    return pattern.sub(repl, text)


def _collapse_bangs(m: re.Match[str]) -> str:
    """'!!!' -> '!', '?!?!' -> '?!' (distinct marks, first-seen order)."""
    return "".join(dict.fromkeys(m.group(0)))


def _layout(text: str, speakers: frozenset[str]) -> str:
    """One line per turn: collapse spaces, '#Spk# :' -> '#Spk#: ', join continuation lines."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = _HSPACE_RE.sub(" ", raw).strip()
        if not line:
            continue
        m = _PREFIX_RE.match(line)
        if m and m.group(1) not in speakers:
            m = None
        if m:
            line = f"{m.group(1)}: {line[m.end() :]}".rstrip()
        if lines and not m:
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return "\n".join(lines)


def clean_text(text: str, level: str) -> str:
    """Remove noise at one of three levels; #...# tags, turn prefixes and turn count are kept.

    Every level: NFC-normalise; literal backslash-n (and backslash-r-backslash-n), CR/CRLF and
    <br>, <BR>, <br/>, </br> become newlines; special-token artefacts (<s>, </s>, <pad>, <usr>,
    <sys>, <unk>, <mask>, <sep>, <cls>, <bos>, <eos>), zero-width/control and private-use
    characters are removed; then the layout is normalised: one line per turn (a line that does
    not start with a speaker tag and a colon -- '#PersonN#:', '#PN#:' or '#A#:' -- is joined
    onto the previous line, so a summary becomes one line), '#PersonN# :' becomes
    '#PersonN#: ', runs of spaces/tabs collapse to one space, blank lines are dropped.
    minimal: only the above.
    moderate: minimal + delete standalone Hangul jamo runs (ㅋㅋ, ㅎㅎ, ㅠㅠ, ㅜㅜ, ㅇㅇ, lone ㄱ),
      '..'/'...'/'…' runs -> '…', '!!!' -> '!', '??' -> '?', '?!?!' -> '?!', ',,' -> ',',
      '~~' -> '~'.
    aggressive: moderate + fullwidth ASCII -> ASCII; delete characters other than Hangul
      syllables, printable ASCII and common punctuation (…·‘’“”「」『』《》〈〉【】、。–—₩℃°×),
      i.e. emoji, hanja, kana; delete short Hangul-only bracketed notes standing alone, such as
      '(웃음)' or '[한숨]' (not '(주)삼성' or 'KTX(고속철도)'); delete filler words followed by
      '…', '..', ',' or '~' at the start of a turn (음…, 어…, 아, 에~, 흠…, 저…, 그…).
    """
    if level not in LEVELS:
        raise ValueError(f"noise_removal_level must be one of {', '.join(LEVELS)}; got {level!r}")
    text = _PRIVATE_RE.sub("", unicodedata.normalize("NFC", text))
    text, tags = _protect(text)
    speakers = frozenset(chr(_PH_BASE + i) for i, t in enumerate(tags) if SPEAKER_RE.fullmatch(t))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _LITERAL_NL_RE.sub("\n", text)
    text = _BR_RE.sub("\n", text)
    text = _ARTEFACT_RE.sub(" ", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _layout(text, speakers)
    if level == "aggressive":  # deletions first, so the collapsing below sees their result
        text = text.translate(_FULLWIDTH)
        text = _drop_runs(_DISALLOWED_RE, text)
        while (stripped := _STAGE_NOTE_RE.sub(" ", text)) != text:  # nested notes too
            text = stripped
    if level in ("moderate", "aggressive"):
        text = _drop_runs(_JAMO_RE, text)
        text = _DOTS_RE.sub("…", text)
        text = _BANG_RE.sub(_collapse_bangs, text)
        text = _REPEAT_RE.sub(r"\1", text)
    if level == "aggressive":
        text = _FILLER_RE.sub(r"\1", text)
    text = _layout(text, speakers)
    return _unprotect(text, tags)


# --------------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class Prepared:
    """Model inputs plus what is needed to score: per-row lists of equal length."""

    fnames: list[str]
    sources: list[str]
    targets: list[str | None]
    references: list[list[str]]
    mappings: list[dict[str, str]]

    def __len__(self) -> int:
        """Number of rows."""
        return len(self.fnames)


def _references_of(df: pd.DataFrame) -> list[list[str]]:
    """Reference lists from a read_split frame (or a plain 'summary' column, or none)."""
    if "references" in df.columns:
        return [list(refs) for refs in df["references"]]
    if "summary" in df.columns:
        return [[s] if str(s).strip() else [] for s in df["summary"]]
    return [[] for _ in range(len(df))]


def prepare(df: pd.DataFrame, noise_removal_level: str, person_token_strategy: str) -> Prepared:
    """Clean and tag-map dialogues (and first references, minimal cleaning only) for a model.

    Sources are clean_text(dialogue, noise_removal_level) with speakers renamed by the strategy;
    targets are the first reference cleaned at 'minimal' and renamed the same way (None when a
    row has no reference); references are the untouched originals for scoring.
    """
    if noise_removal_level not in LEVELS:
        raise ValueError(
            f"noise_removal_level must be one of {', '.join(LEVELS)}; got {noise_removal_level!r}"
        )
    if person_token_strategy not in STRATEGIES:
        raise ValueError(
            f"person_token_strategy must be one of {', '.join(STRATEGIES)}; "
            f"got {person_token_strategy!r}"
        )
    references = _references_of(df)
    sources: list[str] = []
    targets: list[str | None] = []
    mappings: list[dict[str, str]] = []
    for dialogue, refs in zip(df["dialogue"], references, strict=True):
        mapping = person_map(dialogue, person_token_strategy)
        sources.append(apply_map(clean_text(dialogue, noise_removal_level), mapping))
        targets.append(apply_map(clean_text(refs[0], "minimal"), mapping) if refs else None)
        mappings.append(mapping)
    return Prepared(
        fnames=[str(f) for f in df["fname"]],
        sources=sources,
        targets=targets,
        references=references,
        mappings=mappings,
    )


def postprocess(predictions: Sequence[str], mappings: Sequence[dict[str, str]]) -> list[str]:
    """Restore original #PersonN# tags, drop leftover special tokens, collapse whitespace.

    U+FFFD is dropped too: a byte-level model that stops mid-character decodes to it.
    """
    if len(predictions) != len(mappings):
        raise ValueError(f"{len(predictions)} predictions but {len(mappings)} mappings")
    return [
        " ".join(_ARTEFACT_RE.sub(" ", restore(p, m)).replace("\ufffd", "").split())
        for p, m in zip(predictions, mappings, strict=True)
    ]


def lead_summary(dialogue: str, n: int = 2) -> str:
    """First n non-empty turns joined by a space, prefixes kept: the 'lead' baseline to beat."""
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}")
    turns = [t.strip() for t in dialogue.splitlines() if t.strip()]
    return " ".join(turns[:n])


def write_submission(path: str | Path, fnames: Sequence[str], summaries: Sequence[str]) -> Path:
    """Write a fname,summary UTF-8 CSV (parent folders created) and return its path."""
    if len(fnames) != len(summaries):
        raise ValueError(f"{len(fnames)} fnames but {len(summaries)} summaries")
    dups = sorted(f for f, count in Counter(fnames).items() if count > 1)
    if dups:
        raise ValueError(f"duplicate fname(s) in submission: {', '.join(map(repr, dups[:5]))}")
    bad = [f for f, s in zip(fnames, summaries, strict=True) if not isinstance(s, str)]
    if bad:
        raise ValueError(f"summary is not a string for fname(s): {', '.join(map(repr, bad[:5]))}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"fname": list(fnames), "summary": list(summaries)}).to_csv(
        path, index=False, encoding="utf-8"
    )
    return path


def fingerprint(splits: Mapping[str, pd.DataFrame]) -> str:
    """SHA-256 of the rows a run trains and scores on (after caps): a study's trials are only
    comparable on the same data, even when the files at the same path were replaced."""
    digest = hashlib.sha256()
    for name in sorted(splits):
        rows = splits[name].to_dict(orient="records")
        digest.update(json.dumps([name, rows], ensure_ascii=False, sort_keys=True,
                                 default=str).encode("utf-8"))
    return digest.hexdigest()


def load_splits(config: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The train and dev splits named by the config (`data.dir`, `data.train`, `data.dev`),
    capped by `data.max_train_samples` / `max_dev_samples` for quick runs."""
    d = config["data"]
    folder = paths.project_path(d["dir"])
    train = read_split(folder / d["train"], "train")
    dev = read_split(folder / d["dev"], "dev")
    if d["max_train_samples"]:
        train = train.head(d["max_train_samples"]).reset_index(drop=True)
    if d["max_dev_samples"]:
        dev = dev.head(d["max_dev_samples"]).reset_index(drop=True)
    return {"train": train, "dev": dev}
