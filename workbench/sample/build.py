"""Assembly of the sample: the shipped splits (`generate`, `write_csvs`) and the extra
train-style corpus a base model is pre-trained on (`generate_corpus`)."""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from pathlib import Path

from workbench.sample import scenarios  # noqa: F401  (importing it registers the scenarios)
from workbench.sample.core import (
    MAX_CHARS,
    N_DEV,
    N_TEST,
    N_TRAIN,
    NOISE_RATE,
    SCENARIOS,
    SEED,
    TAGLESS_RATE,
    Dlg,
)
from workbench.sample.noise import add_noise

TOPICS = [
    "식당 예약",
    "병원 진료",
    "쇼핑/환불",
    "여행 계획",
    "이사",
    "직장 회의",
    "학교 과제",
    "은행 업무",
    "택배/배송",
    "운동/건강",
    "가족 행사",
    "취업 면접",
    "집 수리",
    "교통/길찾기",
    "도서관",
    "휴대폰 개통",
]

# --------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------
TURN_RE = re.compile(r"^#Person([1-7])#: (\S.*)$")
_SENT_END = re.compile(r"[.!?](?=\s|$)")


class Pool:
    """Accepted dialogues plus an inverted index of their lines for the overlap rule."""

    def __init__(self) -> None:
        self.line_sets: list[set[str]] = []
        self.index: dict[str, list[int]] = {}
        self.dialogues: set[str] = set()

    def conflicts(self, lines: list[str], dialogue: str) -> bool:
        if dialogue in self.dialogues:
            return True
        mine = set(lines)
        hits: Counter[int] = Counter()
        for line in mine:
            for j in self.index.get(line, ()):
                hits[j] += 1
        return any(2 * cnt >= min(len(mine), len(self.line_sets[j])) for j, cnt in hits.items())

    def add(self, lines: list[str], dialogue: str) -> None:
        j = len(self.line_sets)
        mine = set(lines)
        self.line_sets.append(mine)
        for line in sorted(mine):
            self.index.setdefault(line, []).append(j)
        self.dialogues.add(dialogue)


def _check_summary(summary: str, dialogue: str) -> None:
    assert summary and summary == summary.strip(), summary
    n_sent = len(_SENT_END.findall(summary))
    assert 1 <= n_sent <= 3 and summary.endswith("."), summary
    for tag in re.findall(r"#\w+#", summary):
        assert tag in dialogue, (tag, summary, dialogue)
    dialogue_numbers = set(re.findall(r"\d+", dialogue))
    for num in re.findall(r"\d+", summary):
        assert num in dialogue_numbers, (num, summary, dialogue)


def build_one(fn, rng: random.Random, n_refs: int, noisy: bool, pool: Pool):
    for _attempt in range(400):
        d = Dlg(rng)
        make_summaries = fn(d)
        order = d.order()
        if not (2 <= len(order) <= 4 and 4 <= len(d.turns) <= 12):
            continue
        tag_of = {role: f"#Person{i + 1}#" for i, role in enumerate(order)}
        texts = [text for _, text in d.turns]
        if noisy:
            texts = add_noise(texts, rng)
        lines = [f"{tag_of[role]}: {text}" for (role, _), text in zip(d.turns, texts, strict=True)]
        dialogue = "\n".join(lines)
        if len(dialogue) > MAX_CHARS or pool.conflicts(texts, dialogue):
            continue
        labels_ok = all(r in d.labels for r in order) and len({d.labels[r] for r in order}) == len(
            order
        )
        refs = []
        for v in range(n_refs):
            tagless = labels_ok and rng.random() < TAGLESS_RATE
            namer = (d.labels if tagless else tag_of).__getitem__
            refs.append(make_summaries(namer)[v])
        for s in refs:
            _check_summary(s, dialogue)
        if n_refs > 1 and len(set(refs)) < n_refs:
            continue
        pool.add(texts, dialogue)
        return dialogue, refs
    raise RuntimeError(f"could not build a non-overlapping dialogue with {fn.__name__}")


def topic_schedule(n: int, rng: random.Random) -> list[str]:
    base, extra = divmod(n, len(TOPICS))
    bonus = set(rng.sample(range(len(TOPICS)), extra))
    schedule = [t for i, t in enumerate(TOPICS) for _ in range(base + (i in bonus))]
    rng.shuffle(schedule)
    return schedule


def generate() -> dict[str, list[list[str]]]:
    assert sorted(SCENARIOS) == sorted(TOPICS), sorted(set(SCENARIOS) ^ set(TOPICS))
    rng = random.Random(SEED)
    pool = Pool()
    used: Counter[str] = Counter()
    out: dict[str, list[list[str]]] = {}
    for split, n, n_refs in (("train", N_TRAIN, 1), ("dev", N_DEV, 1), ("test", N_TEST, 3)):
        schedule = topic_schedule(n, rng)
        noisy = set(rng.sample(range(n), round(n * NOISE_RATE))) if split == "train" else set()
        rows = []
        for i, topic in enumerate(schedule):
            fns = SCENARIOS[topic]
            fn = fns[used[topic] % len(fns)]
            used[topic] += 1
            dialogue, refs = build_one(fn, rng, n_refs, i in noisy, pool)
            rows.append([f"{split}_{i}", dialogue, *refs, topic])
        out[split] = rows
    return out


class _HeldOutPool(Pool):
    """The shipped dev/test dialogues as a fixed conflict set; new dialogues only deduplicated.

    A pretraining corpus of thousands of rows cannot keep the shipped rule among its own rows
    (no two dialogues share half their lines: the scenario banks run out), and does not need to:
    it must only never reproduce a held-out (dev/test) dialogue, by the same rule the shipped
    splits keep among each other.
    """

    def add(self, lines: list[str], dialogue: str) -> None:
        self.dialogues.add(dialogue)


def held_out_pool() -> Pool:
    """A pool holding the turns of the shipped dev and test dialogues (train is allowed)."""
    pool = _HeldOutPool()
    data = generate()
    for split in ("dev", "test"):
        for row in data[split]:
            lines = [TURN_RE.match(line).group(2) for line in row[1].split("\n")]
            Pool.add(pool, lines, row[1])
    return pool


def generate_corpus(seed: int, n: int, noise_rate: float = NOISE_RATE,
                    style: str = "train") -> list[list[str]]:
    """`n` extra train-style rows ``[fname, dialogue, summary, topic]`` from `seed`.

    `style` "train": the summary is written as the shipped train/dev summaries are (each
    scenario's first template); "alt": one of the scenario's two other templates, picked at
    random per row (the styles test.csv's summary2/summary3 use), so a model pretrained on it
    is a summarizer in another house style that fine-tuning on train.csv still has to adapt.

    Deterministic for a given (seed, n); meant for pretraining a small model from scratch. No
    row is a shipped dev/test dialogue nor shares half its lines with one, and no dialogue
    repeats, and no summary is word for word a dev/test reference (the slot lists are short
    enough that a few thousand rows would otherwise restate some of them exactly). Row i is
    ``extra{seed}_{i}``.
    """
    if seed == SEED:
        raise ValueError(f"seed {SEED} is the shipped splits' seed; pick another one")
    if style not in ("train", "alt"):
        raise ValueError(f"style must be 'train' or 'alt'; got {style!r}")
    n_refs = 1 if style == "train" else 3
    pool = held_out_pool()
    shipped = generate()
    held_refs = {ref for split in ("dev", "test") for row in shipped[split] for ref in row[2:-1]}
    rng = random.Random(seed)
    schedule = topic_schedule(n, rng)
    noisy = set(rng.sample(range(n), round(n * noise_rate)))
    used: Counter[str] = Counter()
    rows = []
    for i, topic in enumerate(schedule):
        fns = SCENARIOS[topic]
        fn = fns[used[topic] % len(fns)]
        used[topic] += 1
        pick = 0 if style == "train" else rng.choice((1, 2))
        dialogue, refs = build_one(fn, rng, n_refs, i in noisy, pool)
        while refs[pick] in held_refs:
            dialogue, refs = build_one(fn, rng, n_refs, i in noisy, pool)
        rows.append([f"extra{seed}_{i}", dialogue, refs[pick], topic])
    return rows


def write_csvs(out_dir: Path) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = generate()
    headers = {
        "train": ["fname", "dialogue", "summary", "topic"],
        "dev": ["fname", "dialogue", "summary", "topic"],
        "test": ["fname", "dialogue", "summary1", "summary2", "summary3", "topic"],
    }
    for split, rows in data.items():
        with open(out_dir / f"{split}.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writerow(headers[split])
            writer.writerows(rows)
    return {split: len(rows) for split, rows in data.items()}

