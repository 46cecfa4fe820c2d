"""Korean helpers for the sample generator: particles that agree with the word before them
(`J`), friendly names (`nick`), lists (`listing`), prices in won (`won`)."""

from __future__ import annotations

import re

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
_DIGIT_READING = dict(
    zip("0123456789", ["영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"], strict=True)
)
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


_PARTICLE_ALIASES = {
    "는": "은",
    "가": "이",
    "를": "을",
    "와": "과",
    "로": "으로",
    "랑": "이랑",
    "나": "이나",
    "야": "아",
    "예요": "이에요",
}


def J(word: str, particle: str) -> str:
    """Attach ``particle`` (either allomorph may be given) to ``word`` with the right allomorph."""
    particle = _PARTICLE_ALIASES.get(particle, particle)
    with_final, without_final = _PARTICLES[particle]
    has_final, rieul = _final_syllable(word)
    if particle == "으로" and rieul:
        return word + "로"
    return word + (with_final if has_final else without_final)


def nick(name: str) -> str:
    """Friendly form of a given name used before particles in speech:
    민호 -> 민호, 나연 -> 나연이."""
    return name + "이" if _final_syllable(name)[0] else name


def together(name: str, noun: str) -> str:
    """'일행 #Person3#와 함께', or just '일행과 함께' when the speaker is already named by
    that role."""
    return f"{J(name, '과')} 함께" if name == noun else f"{noun} {J(name, '과')} 함께"


def listing(words: list[str], particle: str | None = None) -> str:
    """'A, B, C' with an optional particle on the last item."""
    text = f"{J(words[0], '과')} {words[1]}" if len(words) == 2 else ", ".join(words)
    return J(text, particle) if particle else text



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
