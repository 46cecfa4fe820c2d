#!/usr/bin/env python3
"""Generate the shipped Korean dialogue-summarization sample dataset.

Writes ``train.csv``, ``dev.csv`` and ``test.csv`` into ``data/sample/`` (or ``--out DIR``).
Everything here was written for this project: the dialogues are produced from hand-written
per-topic scenario banks (several scenarios per topic, alternative phrasings for each dialogue
act, optional side turns, slot values drawn from lists).  No third-party or competition data is
used.  The output is fully deterministic (fixed seed, standard library only), so running the
script again reproduces the committed files byte for byte.

Format (mirrors a common Korean dialogue-summarization layout):

* a dialogue is turns joined by ``\\n``; each turn is ``#PersonN#: text``;
* masked PII appears as ``#PhoneNumber#``, ``#Address#``, ``#DateOfBirth#``,
  ``#PassportNumber#``, ``#SSN#``, ``#CardNumber#``, ``#CarNumber#``, ``#Email#``;
* train/dev columns: ``fname,dialogue,summary,topic``;
  test columns: ``fname,dialogue,summary1,summary2,summary3,topic``.

Usage::

    python scripts/make_sample_data.py            # writes data/sample/*.csv
    python scripts/make_sample_data.py --out DIR  # writes DIR/*.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

SEED = 20240917
N_TRAIN, N_DEV, N_TEST = 432, 80, 80
NOISE_RATE = 0.07  # share of *train* dialogues that get realistic noise
TAGLESS_RATE = 0.16  # chance that a summary names speakers by role instead of #PersonN#
MAX_CHARS = 700  # hard cap on dialogue length (most are far shorter)
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "sample"

PII_TAGS = (
    "#PhoneNumber#",
    "#Address#",
    "#DateOfBirth#",
    "#PassportNumber#",
    "#SSN#",
    "#CardNumber#",
    "#CarNumber#",
    "#Email#",
)

# --------------------------------------------------------------------------------------------
# Korean particles
# --------------------------------------------------------------------------------------------
# Convention: a #PersonN# tag is read as "퍼슨원/퍼슨투/퍼슨쓰리/...", so #Person1# takes
# 은/이/을/과/으로 and #Person2#, #Person3#, #Person4# take 는/가/를/와/로.
_TAG_READING = {
    "#Person1#": "퍼슨원",
    "#Person2#": "퍼슨투",
    "#Person3#": "퍼슨쓰리",
    "#Person4#": "퍼슨포",
    "#Person5#": "퍼슨파이브",
    "#Person6#": "퍼슨식스",
    "#Person7#": "퍼슨세븐",
    "#PhoneNumber#": "폰넘버",
    "#Address#": "어드레스",
    "#DateOfBirth#": "데이트오브버스",
    "#PassportNumber#": "패스포트넘버",
    "#SSN#": "에스에스엔",
    "#CardNumber#": "카드넘버",
    "#CarNumber#": "카넘버",
    "#Email#": "이메일",
}
_DIGIT_READING = dict(zip("0123456789", ["영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]))
_LATIN_FINAL = {"L": "엘", "M": "엠", "N": "엔", "R": "알"}

_PARTICLES = {
    "은": ("은", "는"),
    "이": ("이", "가"),
    "을": ("을", "를"),
    "과": ("과", "와"),
    "으로": ("으로", "로"),
    "이랑": ("이랑", "랑"),
    "이나": ("이나", "나"),
    "이에요": ("이에요", "예요"),
    "이요": ("이요", "요"),
    "이고요": ("이고요", "고요"),
    "이고": ("이고", "고"),
    "이라고": ("이라고", "라고"),
    "이라서": ("이라서", "라서"),
    "이라": ("이라", "라"),
    "아": ("아", "야"),
    "이야": ("이야", "야"),
    "이면": ("이면", "면"),
    "이지": ("이지", "지"),
    "이네": ("이네", "네"),
    "이죠": ("이죠", "죠"),
    "이었다": ("이었다", "였다"),
    "이었": ("이었", "였"),
    "이래": ("이래", "래"),
    "이니까": ("이니까", "니까"),
    "이라도": ("이라도", "라도"),
    "인데": ("인데", "인데"),
    "이든": ("이든", "든"),
    "이는": ("이는", "는"),
    "의": ("의", "의"),
    "에게": ("에게", "에게"),
}


def _final_syllable(word: str) -> tuple[bool, bool]:
    """Return (has_batchim, batchim_is_rieul) for the way ``word`` is read aloud."""
    w = word.rstrip(" .,!?)]'\"』」")
    tag = re.search(r"#\w+#$", w)
    if tag:
        w = _TAG_READING[tag.group(0)]
    if not w:
        return False, False
    ch = w[-1]
    if ch.isdigit():
        digits = re.search(r"\d+$", w).group(0)
        zeros = len(digits) - len(digits.rstrip("0"))
        if int(digits) == 0:
            reading = "영"
        elif zeros == 0:
            reading = _DIGIT_READING[ch]
        else:
            reading = {1: "십", 2: "백", 3: "천"}.get(zeros, "만")
        ch = reading[-1]
    elif ch.isascii() and ch.isalpha():
        ch = _LATIN_FINAL.get(ch.upper(), "이")[-1]
    if "가" <= ch <= "힣":
        jong = (ord(ch) - 0xAC00) % 28
        return jong != 0, jong == 8
    return False, False


_PARTICLE_ALIASES = {"는": "은", "가": "이", "를": "을", "와": "과", "로": "으로", "랑": "이랑", "나": "이나",
                     "야": "아", "예요": "이에요"}


def J(word: str, particle: str) -> str:
    """Attach ``particle`` (either allomorph may be given) to ``word`` with the right allomorph."""
    particle = _PARTICLE_ALIASES.get(particle, particle)
    with_final, without_final = _PARTICLES[particle]
    has_final, rieul = _final_syllable(word)
    if particle == "으로" and rieul:
        return word + "로"
    return word + (with_final if has_final else without_final)


def listing(words: list[str], particle: str | None = None) -> str:
    """'A, B, C' with an optional particle on the last item."""
    text = f"{J(words[0], '과')} {words[1]}" if len(words) == 2 else ", ".join(words)
    return J(text, particle) if particle else text


# --------------------------------------------------------------------------------------------
# Shared slot banks
# --------------------------------------------------------------------------------------------
GIVEN = [
    "지수", "민호", "서연", "준호", "하은", "도윤", "수빈", "현우", "예린", "태호",
    "은지", "승민", "유나", "재원", "소희", "동현", "가영", "지훈", "나연", "성민",
    "다인", "우진", "채원", "민재", "혜진", "정우", "보라", "상훈", "아름", "건우",
]
SURNAMES = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황"]
DAYS = [
    "내일", "모레", "이번 주 금요일", "이번 주 토요일", "이번 주 일요일", "다음 주 월요일",
    "다음 주 화요일", "다음 주 수요일", "다음 주 목요일", "다음 주 금요일", "다음 주 토요일",
]
WEEKDAYS = ["월요일", "화요일", "수요일", "목요일", "금요일"]
DAY_TIMES = [
    "오전 9시", "오전 10시", "오전 10시 반", "오전 11시", "오후 1시", "오후 2시", "오후 2시 반",
    "오후 3시", "오후 4시", "오후 4시 반", "오후 5시",
]


def won(amount: int) -> str:
    """Format a price in won the way people write it: 35000 -> '3만 5천 원'."""
    man, rest = divmod(amount, 10000)
    cheon, rest = divmod(rest, 1000)
    parts = []
    if man:
        parts.append(f"{man}만")
    if cheon:
        parts.append(f"{cheon}천")
    if rest:
        parts.append(str(rest))
    return " ".join(parts) + " 원"


# --------------------------------------------------------------------------------------------
# Dialogue builder
# --------------------------------------------------------------------------------------------
class Dlg:
    """Collects turns by role; roles become #Person1#, #Person2#, ... by order of appearance."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.turns: list[tuple[str, str]] = []
        self.labels: dict[str, str] = {}

    # random helpers
    def c(self, *options):
        return self.rng.choice(options)

    def p(self, prob: float) -> bool:
        return self.rng.random() < prob

    def k(self, seq, n: int) -> list:
        return self.rng.sample(list(seq), n)

    def n(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def given(self, n: int = 1):
        names = self.rng.sample(GIVEN, n)
        return names[0] if n == 1 else names

    def full(self) -> str:
        return self.c(*SURNAMES) + self.c(*GIVEN)

    def sur(self) -> str:
        return self.c(*SURNAMES)

    # building
    def roles(self, **labels: str) -> None:
        """Role labels used when a summary names speakers without #PersonN# tags."""
        self.labels.update(labels)

    def say(self, role: str, text: str) -> None:
        """Add a turn; a second consecutive turn by the same speaker is merged into the first."""
        if self.turns and self.turns[-1][0] == role:
            self.turns[-1] = (role, f"{self.turns[-1][1]} {text}")
        else:
            self.turns.append((role, text))

    def said(self, text: str) -> bool:
        """Whether ``text`` occurs in some turn (lets summaries mention only what was said)."""
        return any(text in t for _, t in self.turns)

    def order(self) -> list[str]:
        seen: list[str] = []
        for role, _ in self.turns:
            if role not in seen:
                seen.append(role)
        return seen


Summaries = Callable[[Callable[[str], str]], list[str]]
SCENARIOS: dict[str, list[Callable[[Dlg], Summaries]]] = {}


def scenario(topic: str):
    def deco(fn):
        SCENARIOS.setdefault(topic, []).append(fn)
        return fn

    return deco


# ============================================================================================
# Scenario banks (one block per topic)
# ============================================================================================

# === END SCENARIOS ===

TOPICS = [
    "식당 예약", "병원 진료", "쇼핑/환불", "여행 계획", "이사", "직장 회의", "학교 과제", "은행 업무",
    "택배/배송", "운동/건강", "가족 행사", "취업 면접", "집 수리", "교통/길찾기", "도서관", "휴대폰 개통",
]

# --------------------------------------------------------------------------------------------
# Noise (train only)
# --------------------------------------------------------------------------------------------
TYPOS = [
    ("됐어요", "됬어요"),
    ("할게요", "할께요"),
    ("할게", "할께"),
    ("며칠", "몇일"),
    ("괜찮", "갠찮"),
    ("어떡해", "어떻해"),
    ("했어요", "햇어요"),
    ("있어요", "잇어요"),
    ("감사합니다", "감사합니당"),
    ("같아요", "같애요"),
    ("금방", "금방방"),
]
NOISE_MARKERS = ["\\n", "<br>", "</s>", "ㅋㅋ", "ㅎㅎ", "ㅠㅠ"] + [typo for _, typo in TYPOS]


def _boundaries(text: str) -> list[int]:
    """Positions of the space after a sentence end (never inside a #...# tag)."""
    return [m.start() + 1 for m in re.finditer(r"[.?!] ", text)]


def add_noise(texts: list[str], rng: random.Random) -> list[str]:
    texts = list(texts)
    kinds = ["backslash_n", "br", "eos", "laugh", "typo"]
    kind = rng.choice(kinds)
    if kind == "typo":
        candidates = [(i, src, dst) for i, t in enumerate(texts) for src, dst in TYPOS if src in t]
        if candidates:
            i, src, dst = rng.choice(candidates)
            texts[i] = texts[i].replace(src, dst, 1)
            return texts
        kind = "laugh"
    if kind in ("backslash_n", "br"):
        token = "\\n" if kind == "backslash_n" else "<br>"
        candidates = [(i, pos) for i, t in enumerate(texts) for pos in _boundaries(t)]
        if candidates:
            i, pos = rng.choice(candidates)
            texts[i] = texts[i][: pos - 1] + token + texts[i][pos:]
        else:
            i = rng.randrange(len(texts))
            texts[i] = texts[i] + token
        return texts
    if kind == "eos":
        i = rng.choice([len(texts) - 1, rng.randrange(len(texts))])
        texts[i] = texts[i] + "</s>"
        return texts
    laugh = rng.choice(["ㅋㅋ", "ㅋㅋㅋ", "ㅎㅎ", "ㅠㅠ"])
    i = rng.randrange(len(texts))
    texts[i] = texts[i] + rng.choice([" ", ""]) + laugh
    return texts


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
        lines = [f"{tag_of[role]}: {text}" for (role, _), text in zip(d.turns, texts)]
        dialogue = "\n".join(lines)
        if len(dialogue) > MAX_CHARS or pool.conflicts(texts, dialogue):
            continue
        labels_ok = all(r in d.labels for r in order) and len({d.labels[r] for r in order}) == len(
            order
        )
        refs = []
        for v in range(n_refs):
            tagless = labels_ok and rng.random() < TAGLESS_RATE
            namer = (lambda r: d.labels[r]) if tagless else (lambda r: tag_of[r])
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    counts = write_csvs(args.out)
    print(", ".join(f"{split}: {n} rows" for split, n in counts.items()), "->", args.out)


if __name__ == "__main__":
    main()
