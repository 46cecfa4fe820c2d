"""Checks on the shipped Korean sample dataset in data/sample/.

Every property the dataset promises (format, sizes, topics, PII masking, summary style, no
near-duplicate dialogues, noise only in train, byte-for-byte reproducibility) is asserted on the
committed CSV files.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pytest

from workbench.sample.tags import PII_TAGS  # its value is pinned in test_data.py

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "sample"
GENERATOR = ROOT / "scripts" / "make_sample_data.py"
SPLITS = ("train", "dev", "test")

TRAIN_DEV_COLUMNS = ["fname", "dialogue", "summary", "topic"]
TEST_COLUMNS = ["fname", "dialogue", "summary1", "summary2", "summary3", "topic"]
MIN_ROWS = {"train": 400, "dev": 80, "test": 80}

PERSON_TAGS = [f"#Person{n}#" for n in range(1, 8)]
TURN_RE = re.compile(r"^#Person([1-7])#: (\S.*)$")
TAG_RE = re.compile(r"#\w+#")
PERSON_IN_TEXT_RE = re.compile(r"#Person[1-7]#")

# Realistic noise that may appear in train only: a literal backslash-n, <br>, a stray </s>,
# chat laughter/crying, and a few common misspellings.
NOISE_MARKERS = [
    "\\n",
    "<br>",
    "</s>",
    "ㅋㅋ",
    "ㅎㅎ",
    "ㅠㅠ",
    "됬어요",
    "할께",
    "몇일",
    "갠찮",
    "어떻해",
    "햇어요",
    "잇어요",
    "감사합니당",
    "같애요",
    "금방방",
]


# ------------------------------------------------------------------------------------------
# loading
# ------------------------------------------------------------------------------------------
def _read(split: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(SAMPLE_DIR / f"{split}.csv", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [dict(zip(header, row, strict=True)) for row in reader]
    return header, rows


@pytest.fixture(scope="module")
def data() -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    return {split: _read(split) for split in SPLITS}


@pytest.fixture(scope="module")
def rows(data) -> dict[str, list[dict[str, str]]]:
    return {split: data[split][1] for split in SPLITS}


@pytest.fixture(scope="module")
def all_rows(rows) -> list[dict[str, str]]:
    return [r for split in SPLITS for r in rows[split]]


def _summaries(row: dict[str, str]) -> list[str]:
    return [v for k, v in row.items() if k.startswith("summary")]


def _turns(dialogue: str) -> list[tuple[int, str]]:
    out = []
    for line in dialogue.split("\n"):
        m = TURN_RE.match(line)
        assert m, f"bad turn line: {line!r}"
        out.append((int(m.group(1)), m.group(2)))
    return out


def _speakers(dialogue: str) -> list[int]:
    seen: list[int] = []
    for n, _ in _turns(dialogue):
        if n not in seen:
            seen.append(n)
    return seen


# ------------------------------------------------------------------------------------------
# file format, sizes, columns, names
# ------------------------------------------------------------------------------------------
def test_files_exist_and_are_plain_utf8():
    for split in SPLITS:
        raw = (SAMPLE_DIR / f"{split}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{split}.csv has a BOM"
        raw.decode("utf-8")  # raises if not UTF-8
    assert (SAMPLE_DIR / "README.md").is_file()


def test_files_are_written_by_csv_module_quote_minimal(data):
    """Re-serialising the parsed rows with csv (QUOTE_MINIMAL) reproduces the file exactly."""
    for split in SPLITS:
        header, parsed = data[split]
        buf = io.StringIO()
        writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[r[c] for c in header] for r in parsed])
        assert buf.getvalue() == (SAMPLE_DIR / f"{split}.csv").read_text(encoding="utf-8")


def test_sizes(rows):
    for split in SPLITS:
        assert len(rows[split]) >= MIN_ROWS[split], (split, len(rows[split]))


def test_exact_columns(data):
    assert data["train"][0] == TRAIN_DEV_COLUMNS
    assert data["dev"][0] == TRAIN_DEV_COLUMNS
    assert data["test"][0] == TEST_COLUMNS


def test_fnames(rows, all_rows):
    for split in SPLITS:
        names = [r["fname"] for r in rows[split]]
        assert all(re.fullmatch(rf"{split}_\d+", n) for n in names), split
        assert names == [f"{split}_{i}" for i in range(len(names))], (
            f"{split} fnames not sequential"
        )
    fnames = [r["fname"] for r in all_rows]
    assert len(fnames) == len(set(fnames)), "duplicate fnames"


def test_no_empty_fields(all_rows):
    for r in all_rows:
        for key, value in r.items():
            assert value.strip(), (r["fname"], key)
            assert value == value.strip(), (r["fname"], key, "leading/trailing whitespace")


# ------------------------------------------------------------------------------------------
# dialogue structure
# ------------------------------------------------------------------------------------------
def test_turn_format(all_rows):
    for r in all_rows:
        lines = r["dialogue"].split("\n")
        assert 4 <= len(lines) <= 12, (r["fname"], len(lines))
        for line in lines:
            assert TURN_RE.match(line), (r["fname"], line)


def test_speaker_counts_and_numbering(rows, all_rows):
    for r in all_rows:
        spk = _speakers(r["dialogue"])
        assert 2 <= len(spk) <= 4, (r["fname"], spk)
        # speakers are numbered #Person1#, #Person2#, ... in order of first appearance
        assert spk == list(range(1, len(spk) + 1)), (r["fname"], spk)
    for split in SPLITS:
        counts = Counter(len(_speakers(r["dialogue"])) for r in rows[split])
        assert counts[2] > 0, split
        assert counts[3] + counts[4] > 0, split
    overall = Counter(len(_speakers(r["dialogue"])) for r in all_rows)
    assert overall[4] > 0
    assert (overall[3] + overall[4]) / len(all_rows) >= 0.2, overall


def test_dialogues_are_short(all_rows):
    lengths = [len(r["dialogue"]) for r in all_rows]
    assert max(lengths) <= 800
    assert sum(n < 600 for n in lengths) / len(lengths) >= 0.9


def test_only_known_tags(all_rows):
    allowed = set(PERSON_TAGS) | set(PII_TAGS)
    for r in all_rows:
        for text in [r["dialogue"], *_summaries(r)]:
            for tag in TAG_RE.findall(text):
                assert tag in allowed, (r["fname"], tag)
            # no stray '#' outside well-formed tags (e.g. noise that split a tag)
            assert "#" not in TAG_RE.sub("", text), (r["fname"], text)


# ------------------------------------------------------------------------------------------
# topics
# ------------------------------------------------------------------------------------------
def test_topics(rows):
    topic_sets = []
    for split in SPLITS:
        counts = Counter(r["topic"] for r in rows[split])
        assert len(counts) >= 12, (split, counts)
        assert max(counts.values()) <= 2 * min(counts.values()), (split, counts)
        assert all(re.search(r"[가-힣]", t) for t in counts), counts
        topic_sets.append(set(counts))
    assert topic_sets[0] == topic_sets[1] == topic_sets[2], "every topic must be in every split"


# ------------------------------------------------------------------------------------------
# PII masking
# ------------------------------------------------------------------------------------------
def test_pii_coverage(rows, all_rows):
    used = {tag for r in all_rows for tag in PII_TAGS if tag in r["dialogue"]}
    assert used == set(PII_TAGS), set(PII_TAGS) - used
    with_pii = sum(any(tag in r["dialogue"] for tag in PII_TAGS) for r in all_rows)
    assert with_pii / len(all_rows) >= 0.15
    for split in SPLITS:
        share = sum(any(t in r["dialogue"] for t in PII_TAGS) for r in rows[split]) / len(
            rows[split]
        )
        assert share >= 0.10, (split, share)


# ------------------------------------------------------------------------------------------
# summaries
# ------------------------------------------------------------------------------------------
def test_summary_person_tag_share(all_rows):
    summaries = [s for r in all_rows for s in _summaries(r)]
    share = sum(bool(PERSON_IN_TEXT_RE.search(s)) for s in summaries) / len(summaries)
    assert 0.80 <= share <= 1.0, share
    assert share < 1.0, "some summaries should name speakers by role instead of by tag"


def test_summary_register(all_rows):
    for r in all_rows:
        for s in _summaries(r):
            assert s.endswith("."), (r["fname"], s)
            n_sent = len(re.findall(r"[.!?](?=\s|$)", s))
            assert 1 <= n_sent <= 3, (r["fname"], s)
            assert "\n" not in s
            assert re.search(r"다\.$", s), (r["fname"], s)  # written declarative register


def test_summaries_consistent_with_dialogue(all_rows):
    """Speakers, masked PII and numbers mentioned in a summary all come from its dialogue."""
    for r in all_rows:
        dialogue = r["dialogue"]
        numbers = set(re.findall(r"\d+", dialogue))
        for s in _summaries(r):
            for tag in TAG_RE.findall(s):
                assert tag in dialogue, (r["fname"], tag, s)
            for num in re.findall(r"\d+", s):
                assert num in numbers, (r["fname"], num, s)


def test_person_tag_particles(all_rows):
    """One particle convention for tags in summaries.

    #Person1# is read '퍼슨원' (은/이/을/과/으로);
    #Person2#, #Person3#, ... are read '퍼슨투...' (는/가/를/와/로).
    """
    wrong_p1 = re.compile(r"#Person1#(는|가|를|와|랑)(?=[\s.,])")
    wrong_p1_ro = re.compile(r"#Person1#로(?=[\s.,])")
    wrong_other = re.compile(r"#Person[2-6]#(은|이|을|과|이랑|으로)(?=[\s.,])")
    for r in all_rows:
        for s in _summaries(r):
            assert not wrong_p1.search(s), (r["fname"], s)
            assert not wrong_p1_ro.search(s), (r["fname"], s)
            assert not wrong_other.search(s), (r["fname"], s)


def test_test_split_has_three_distinct_references(rows):
    for r in rows["test"]:
        refs = [r["summary1"], r["summary2"], r["summary3"]]
        assert all(ref.strip() for ref in refs), r["fname"]
        assert len(set(refs)) > 1, r["fname"]


# ------------------------------------------------------------------------------------------
# duplicates and near-duplicates
# ------------------------------------------------------------------------------------------
def test_no_duplicate_dialogues(all_rows):
    dialogues = [r["dialogue"] for r in all_rows]
    assert len(dialogues) == len(set(dialogues))


def test_no_two_dialogues_share_half_their_lines(all_rows):
    """Across all splits, no pair of dialogues shares >= half of the (shorter one's) lines.

    Lines are turn texts without the '#PersonN#: ' prefix.
    """
    line_sets = [{text for _, text in _turns(r["dialogue"])} for r in all_rows]
    index: dict[str, list[int]] = defaultdict(list)
    for i, lines in enumerate(line_sets):
        for line in lines:
            index[line].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for ids in index.values():
        for pair in combinations(ids, 2):
            shared[pair] += 1
    offenders = [
        (all_rows[i]["fname"], all_rows[j]["fname"], n)
        for (i, j), n in shared.items()
        if 2 * n >= min(len(line_sets[i]), len(line_sets[j]))
    ]
    assert not offenders, offenders[:10]


# ------------------------------------------------------------------------------------------
# noise
# ------------------------------------------------------------------------------------------
def _noisy(row: dict[str, str]) -> bool:
    return any(marker in row["dialogue"] for marker in NOISE_MARKERS)


def test_no_noise_in_dev_and_test(rows):
    for split in ("dev", "test"):
        noisy = [r["fname"] for r in rows[split] if _noisy(r)]
        assert not noisy, (split, noisy)
    for r in rows["dev"] + rows["test"] + rows["train"]:
        for s in _summaries(r):
            assert not any(m in s for m in NOISE_MARKERS), (r["fname"], s)


def test_some_noise_in_train(rows):
    share = sum(_noisy(r) for r in rows["train"]) / len(rows["train"])
    assert 0.04 <= share <= 0.10, share


# ------------------------------------------------------------------------------------------
# reproducibility
# ------------------------------------------------------------------------------------------
def test_generator_reproduces_committed_files(tmp_path):
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True, capture_output=True
    )
    for split in SPLITS:
        assert (tmp_path / f"{split}.csv").read_bytes() == (
            SAMPLE_DIR / f"{split}.csv"
        ).read_bytes(), split


# ------------------------------------------------------------------------------------------
# the extra corpus (the CPU preset's base is trained on it)
# ------------------------------------------------------------------------------------------
def _extra(tmp_path: Path, seed: int, n: int) -> list[dict[str, str]]:
    subprocess.run([sys.executable, str(GENERATOR), "--seed", str(seed), "--n", str(n),
                    "--out", str(tmp_path)], check=True, capture_output=True)
    text = (tmp_path / f"extra-train-{seed}-{n}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_extra_corpus_holds_no_dev_or_test_dialogue_nor_reference(tmp_path, rows):
    extra = _extra(tmp_path, 7, 400)
    assert len(extra) == 400 and list(extra[0]) == TRAIN_DEV_COLUMNS
    held = rows["dev"] + rows["test"]
    held_dialogues = {r["dialogue"] for r in held}
    held_refs = {s for r in held for s in _summaries(r)}
    held_lines = [{text for _, text in _turns(r["dialogue"])} for r in held]
    assert len({r["dialogue"] for r in extra}) == 400, "no dialogue repeats"
    for r in extra:
        assert r["dialogue"] not in held_dialogues and r["summary"] not in held_refs
        lines = {text for _, text in _turns(r["dialogue"])}
        for other in held_lines:
            assert 2 * len(lines & other) < min(len(lines), len(other)), r["fname"]


def test_extra_corpus_is_deterministic_and_never_the_shipped_seed(tmp_path):
    first = _extra(tmp_path / "a", 11, 50)
    assert first == _extra(tmp_path / "b", 11, 50)
    assert first != _extra(tmp_path / "c", 12, 50)
    refused = subprocess.run([sys.executable, str(GENERATOR), "--seed", "20240917", "--n", "5",
                              "--out", str(tmp_path)], capture_output=True, text=True)
    assert refused.returncode != 0 and "shipped splits' seed" in refused.stderr
