"""Realistic noise for some train dialogues: a literal backslash-n, <br>, a stray </s>, chat
laughter or crying, a common misspelling (`add_noise`)."""

from __future__ import annotations

import random
import re

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
            texts[i] = texts[i][:pos] + token + texts[i][pos + 1 :]
        else:
            i = rng.randrange(len(texts))
            texts[i] = texts[i] + token
        return texts
    if kind == "eos":
        i = rng.choice([len(texts) - 1, rng.randrange(len(texts))])
        texts[i] = texts[i] + "</s>"
        return texts
    laugh = rng.choice(["ㅋㅋ", "ㅋㅋㅋ", "ㅎㅎ", "ㅠㅠ"])
    # chat-style laughter/crying fits casual turns, so prefer turns not ending in polite speech
    casual = [i for i, t in enumerate(texts) if not re.search(r"(요|니다|세요|까)[.?!]?$", t)]
    i = rng.choice(casual) if casual else rng.randrange(len(texts))
    texts[i] = texts[i] + rng.choice([" ", ""]) + laugh
    return texts


