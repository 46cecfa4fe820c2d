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
    python scripts/make_sample_data.py --seed 7 --n 16000 --style alt --out DIR
        # writes DIR/extra-alt-7-16000.csv: more train-style rows (another seed) for pretraining;
        # none is a shipped dev/test dialogue or shares half its lines with one
"""

# The scenario banks are long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

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
    """Friendly form of a given name used before particles in speech: 민호 -> 민호, 나연 -> 나연이."""
    return name + "이" if _final_syllable(name)[0] else name


def together(name: str, noun: str) -> str:
    """'일행 #Person3#와 함께', or just '일행과 함께' when the speaker is already named by that role."""
    return f"{J(name, '과')} 함께" if name == noun else f"{noun} {J(name, '과')} 함께"


def listing(words: list[str], particle: str | None = None) -> str:
    """'A, B, C' with an optional particle on the last item."""
    text = f"{J(words[0], '과')} {words[1]}" if len(words) == 2 else ", ".join(words)
    return J(text, particle) if particle else text


# --------------------------------------------------------------------------------------------
# Shared slot banks
# --------------------------------------------------------------------------------------------
GIVEN = [
    "지수",
    "민호",
    "서연",
    "준호",
    "하은",
    "도윤",
    "수빈",
    "현우",
    "예린",
    "태호",
    "은지",
    "승민",
    "유나",
    "재원",
    "소희",
    "동현",
    "가영",
    "지훈",
    "나연",
    "성민",
    "다인",
    "우진",
    "채원",
    "민재",
    "혜진",
    "정우",
    "보라",
    "상훈",
    "아름",
    "건우",
]
SURNAMES = [
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
    "장",
    "임",
    "한",
    "오",
    "서",
    "신",
    "권",
    "황",
]
DAYS = [
    "내일",
    "모레",
    "이번 주 금요일",
    "이번 주 토요일",
    "이번 주 일요일",
    "다음 주 월요일",
    "다음 주 화요일",
    "다음 주 수요일",
    "다음 주 목요일",
    "다음 주 금요일",
    "다음 주 토요일",
]
WEEKDAYS = ["월요일", "화요일", "수요일", "목요일", "금요일"]
DAY_TIMES = [
    "오전 9시",
    "오전 10시",
    "오전 10시 반",
    "오전 11시",
    "오후 1시",
    "오후 2시",
    "오후 2시 반",
    "오후 3시",
    "오후 4시",
    "오후 4시 반",
    "오후 5시",
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

# --- 식당 예약 ------------------------------------------------------------------------------
RESTAURANTS = [
    "바다향 횟집",
    "토리 파스타",
    "마포 숯불갈비",
    "한옥마당 한정식",
    "청담 스시",
    "소담 칼국수",
    "라온 중식당",
    "봄날 브런치",
    "연희 양꼬치",
    "정원 샤브샤브",
    "달빛 이자카야",
    "초원 순두부",
]
MEAL_TIMES = [
    "저녁 6시",
    "저녁 6시 반",
    "저녁 7시",
    "저녁 7시 반",
    "저녁 8시",
    "오후 12시",
    "오후 12시 반",
    "오후 1시",
]
BOOKING_REQUESTS = [
    ("혹시 창가 자리로 앉을 수 있을까요?", "네, 창가 쪽으로 잡아 둘게요.", "창가 자리를 부탁한다"),
    (
        "아이가 있어서 유아용 의자 하나 부탁드려도 될까요?",
        "네, 유아용 의자 준비해 두겠습니다.",
        "유아용 의자를 부탁한다",
    ),
    (
        "부모님 생신 모임이라 조용한 룸이 있으면 좋겠어요.",
        "마침 룸이 하나 비어 있어서 그쪽으로 해 드릴게요.",
        "조용한 룸을 요청해 룸을 배정받는다",
    ),
    (
        "차를 가져갈 건데 주차 되나요?",
        "네, 건물 지하 주차장 2시간 무료예요.",
        "주차가 되는지 물어 2시간 무료라는 답을 듣는다",
    ),
    (
        "생일이라 케이크를 미리 맡겨 둬도 될까요?",
        "그럼요, 오시기 전에 가져다주시면 냉장고에 보관해 드릴게요.",
        "생일 케이크를 미리 맡기기로 한다",
    ),
    (
        "일행 중에 갑각류 알레르기 있는 사람이 있어서 미리 말씀드려요.",
        "네, 메모해 두고 주방에 꼭 전달할게요.",
        "일행의 갑각류 알레르기를 미리 알린다",
    ),
]


@scenario("식당 예약")
def rest_phone_booking(d: Dlg) -> Summaries:
    d.roles(staff="식당 직원", cust="손님")
    rest, day, want = d.c(*RESTAURANTS), d.c(*DAYS), d.c(*MEAL_TIMES)
    n, name = d.n(2, 8), d.full()
    full = d.p(0.4)
    time = (
        d.c(*[t for t in MEAL_TIMES if t != want and t.split()[0] == want.split()[0]])
        if full
        else want
    )
    req = d.c(*BOOKING_REQUESTS) if d.p(0.6) else None
    phone = d.p(0.55)

    d.say(
        "staff",
        d.c(
            f"감사합니다, {rest}입니다.",
            f"네, {rest}입니다. 말씀하세요.",
            f"여보세요, {rest}입니다. 무엇을 도와드릴까요?",
        ),
    )
    style = d.n(0, 2)
    if style == 0:
        d.say(
            "cust",
            d.c(
                f"안녕하세요. {day} {want}에 {n}명 예약 가능할까요?",
                f"{day} {want}에 {n}명 자리 있나요?",
            ),
        )
    elif style == 1:
        d.say("cust", f"예약 좀 하려고 하는데요, {day} {want}쯤 {n}명이요.")
    else:
        d.say(
            "cust", d.c("안녕하세요, 예약 문의 좀 드리려고요.", "저기, 예약하려고 전화드렸는데요.")
        )
        d.say(
            "staff",
            d.c(
                "네, 언제로 잡아 드릴까요?",
                "네, 날짜랑 시간, 인원 말씀해 주시겠어요?",
                "네, 몇 분이서 언제 오실 예정이세요?",
            ),
        )
        d.say(
            "cust",
            d.c(f"{day} {want}에 {n}명이요.", f"{n}명이고요, {day} {want}쯤 생각하고 있어요."),
        )
    if full:
        d.say(
            "staff",
            d.c(
                f"죄송하지만 {want}에는 자리가 다 찼어요. {J(time, '은')} 가능하신데 괜찮으세요?",
                f"아, 그날 {J(want, '은')} 예약이 꽉 찼네요. 대신 {time}에는 자리가 있어요.",
            ),
        )
        d.say(
            "cust",
            d.c(
                f"아, 그래요? 그럼 {J(time, '으로')} 해 주세요.",
                f"어쩔 수 없죠, 뭐. {time}에 갈게요.",
                f"잠깐만요, 일행한테 물어볼게요. ... 네, {time}도 괜찮대요.",
            ),
        )
    if req:
        d.say("cust", req[0])
        d.say("staff", req[1])
    if phone:
        d.say(
            "staff", d.c("예약자 성함이랑 연락처 부탁드려요.", "성함하고 전화번호 알려 주시겠어요?")
        )
        d.say(
            "cust",
            d.c(
                f"{J(name, '이고요')}, 번호는 #PhoneNumber#예요.",
                f"{J(name, '이요')}. 연락처는 #PhoneNumber#로 해 주세요.",
            ),
        )
    else:
        d.say("staff", d.c("예약자분 성함이 어떻게 되세요?", "예약하시는 분 성함 부탁드립니다."))
        d.say("cust", d.c(f"{name}입니다.", f"{J(name, '이요')}."))
    d.say(
        "staff",
        f"네, {day} {time}, {n}명 {name} 님 이름으로 예약됐습니다."
        + d.c(
            "",
            " 15분 이상 늦으시면 자리가 취소될 수 있으니 참고해 주세요.",
            " 하루 전에 확인 문자 한 번 보내 드릴게요.",
        ),
    )
    d.say(
        "cust",
        d.c(
            "네, 감사합니다. 그때 뵐게요.",
            "알겠습니다. 수고하세요.",
            "네, 늦지 않게 갈게요. 감사합니다.",
        ),
    )

    def S(P):
        C, T = P("cust"), P("staff")
        if full:
            main0 = (
                f"{J(C, '은')} {rest}에 {day} {want} 예약을 문의하지만 자리가 없어 "
                f"{J(T, '이')} 제안한 {time}에 {n}명으로 예약한다."
            )
        else:
            main0 = f"{J(C, '은')} {rest}에 전화해 {day} {time}에 {n}명 자리를 예약한다."
        extra = []
        if req:
            extra.append(f"{J(C, '은')} {req[2]}.")
        if phone:
            extra.append(f"예약은 {name} 이름으로 하고 연락처로 #PhoneNumber#를 남긴다.")
        s0 = " ".join([main0, *extra])
        s1 = f"{J(T, '은')} {C}의 전화를 받고 {day} {time}, {n}명 예약을 {name} 님 이름으로 잡아 준다."
        if full:
            s1 += f" 원래 원한 {J(want, '은')} 이미 차 있었다."
        if req:
            s1 += f" {J(C, '은')} {req[2]}."
        s2 = f"{J(C, '이')} {rest} {day} {time} {n}명 예약을 마친다."
        return [s0, s1, s2]

    return S


FOOD_SPOTS = [
    ("삼겹살", "연남동 고깃집"),
    ("마라탕", "신촌 마라탕집"),
    ("초밥", "합정 초밥집"),
    ("파스타", "성수동 파스타집"),
    ("쌀국수", "이태원 쌀국수집"),
    ("닭갈비", "홍대 닭갈비집"),
    ("곱창", "왕십리 곱창집"),
    ("떡볶이", "망원동 즉석떡볶이집"),
    ("샤브샤브", "강남역 샤브샤브집"),
    ("족발", "장충동 족발집"),
]
FOOD_OBJECTIONS = {
    "삼겹살": "나 요즘 다이어트 중이라 고기는 좀 부담스러워.",
    "마라탕": "나 매운 거 진짜 못 먹는 거 알잖아.",
    "초밥": "나 날것 잘 못 먹어서 초밥은 패스할래.",
    "파스타": "파스타는 저번 모임 때도 먹었잖아.",
    "쌀국수": "쌀국수는 저녁 모임 메뉴로는 좀 가볍지 않아?",
    "닭갈비": "닭갈비는 지난주에 먹어서 좀 질렸어.",
    "곱창": "곱창은 내가 잘 못 먹어서 다른 데 가면 안 될까?",
    "떡볶이": "떡볶이는 배가 금방 꺼져서 모임 메뉴로는 좀 아쉬워.",
    "샤브샤브": "샤브샤브 집은 요즘 웨이팅이 엄청 길대.",
    "족발": "족발은 배달로 자주 먹어서 밖에서는 다른 거 먹고 싶어.",
}
OCCASIONS = ["동창 모임", "종강 파티", "이번 주말 모임", "승진 축하 모임", "송년회", "생일 파티"]


@scenario("식당 예약")
def rest_friends_pick(d: Dlg) -> Summaries:
    ppl = ["a", "b", "c"] + (["d"] if d.p(0.6) else [])
    first, second = d.k(FOOD_SPOTS, 2)
    occ, day, time = d.c(*OCCASIONS), d.c(*DAYS[2:]), d.c(*MEAL_TIMES[:5])
    objector, booker = d.k(ppl[1:], 2)
    names = d.given(len(ppl))
    nm = dict(zip(ppl, names, strict=True))
    n_total = len(ppl) + d.n(0, 3)

    d.say(
        "a",
        d.c(
            f"{occ} 장소 아직 안 정했지? 난 {J(first[0], '이')} 당기는데.",
            f"얘들아, {occ} 어디서 할지 정하자. {first[1]} 어때?",
            f"{occ} 메뉴 투표하자. 나는 {first[0]} 한 표!",
        ),
    )
    if objector != "b":
        d.say(
            "b",
            d.c(
                f"난 아무거나 좋아. {J(nick(nm[objector]), '은')}?",
                "나는 다 괜찮아. 다른 사람들 의견은?",
            ),
        )
    d.say(objector, FOOD_OBJECTIONS[first[0]])
    d.say(
        "a",
        d.c(
            "아 맞다, 미안. 그럼 뭐 먹지?", "그래? 그럼 다른 데 찾아보자.", "아, 그건 생각 못 했네."
        ),
    )
    proposer = d.c(*[p for p in ppl if p not in ("a", objector)])
    d.say(
        proposer,
        d.c(
            f"{J(second[1], '은')} 어때? 거기 {J(second[0], '이')} 괜찮다던데.",
            f"그럼 {second[0]} 먹자. {J(second[1], '이')} 평이 좋더라.",
            f"{second[1]} 가 보고 싶었어. {second[0]} 맛집이래.",
        ),
    )
    agree = [p for p in ppl if p not in (proposer, "a")]
    d.say(
        d.c(*agree),
        d.c(
            "오, 좋다. 거기로 하자.", "찬성! 나 거기 한 번도 안 가 봤어.", "좋아, 나도 거기 괜찮아."
        ),
    )
    if len(ppl) == 4 and d.p(0.7):
        d.say(
            agree[-1],
            d.c(
                f"근데 {day}에 사람 많지 않을까? 예약은 해야 할 것 같아.",
                "나도 좋아. 근데 거기 주차는 안 될 거야, 다들 지하철 타고 와.",
            ),
        )
    d.say(
        booker,
        d.c(
            f"내가 {day} {J(time, '으로')} 예약해 둘게. 총 {n_total}명 맞지?",
            f"그럼 예약은 내가 할게. {day} {time}, {n_total}명으로 잡을게.",
            f"예약은 내가 전화해서 할게. {day} {J(time, '이')} 다들 괜찮아?",
        ),
    )
    d.say(
        "a",
        d.c(
            f"응, 고마워 {J(nm[booker], '아')}. 단톡방에도 올려 줘.",
            "오케이, 그때 보자!",
            "좋아. 늦는 사람은 벌금이다.",
        ),
    )

    def S(P):
        group = listing([P(p) for p in d.order()], "은")
        s0 = (
            f"{group} {occ} 장소를 정한다. {J(P('a'), '이')} {J(first[0], '을')} 제안하지만 "
            f"{J(P(objector), '이')} 반대해 {J(P(proposer), '이')} 추천한 {J(second[1], '으로')} 정하고, "
            f"{J(P(booker), '이')} {day} {time}에 예약하기로 한다."
        )
        s1 = (
            f"{J(occ, '을')} 앞두고 {J(P('a'), '은')} {J(first[0], '을')} 먹자고 하지만 {J(P(objector), '이')} 반대한다. "
            f"결국 {second[1]}에서 {J(second[0], '을')} 먹기로 하고, 예약은 {J(P(booker), '이')} 맡는다."
        )
        s2 = f"{group} {day} {time}에 {second[1]}에서 모이기로 하고 {J(P(booker), '이')} 예약을 한다."
        return [s0, s1, s2]

    return S


@scenario("식당 예약")
def rest_change_booking(d: Dlg) -> Summaries:
    d.roles(staff="식당 직원", cust="손님")
    rest, day, old = d.c(*RESTAURANTS), d.c(*DAYS), d.c(*MEAL_TIMES)
    name = d.full()
    kind = d.c("time", "people", "cancel")
    n_old = d.n(3, 8)
    same_day = kind == "cancel" and d.p(0.5)
    if same_day:
        day = "오늘"
    lost = d.p(0.35)  # reservation not found under the name at first

    d.say("staff", d.c(f"네, {rest}입니다.", f"감사합니다. {rest}입니다."))
    verb = "취소하려고요" if kind == "cancel" else "변경하려고요"
    said_intent = d.p(0.5)
    if said_intent:
        d.say("cust", f"안녕하세요, {day} {old}에 예약한 사람인데요, 예약 좀 {verb}.")
    else:
        d.say("cust", f"{day} 예약 건 때문에 전화드렸어요. {old}에 {n_old}명으로 잡혀 있을 거예요.")
    d.say(
        "staff",
        d.c("네, 예약자분 성함이 어떻게 되세요?", "네, 확인해 드릴게요. 성함 말씀해 주시겠어요?"),
    )
    d.say("cust", f"{J(name, '이에요')}.")
    if lost:
        d.say(
            "staff",
            d.c(
                f"음, {name} 님 이름으로는 예약이 안 보이는데요. 혹시 전화번호로 찾아봐도 될까요?",
                "그 성함으로는 조회가 안 되네요. 예약하신 번호를 알려 주시겠어요?",
            ),
        )
        d.say(
            "cust",
            d.c(
                "아, 남편이 예약했을 수도 있어요. 번호는 #PhoneNumber#예요.",
                "친구가 대신 했을 수도 있겠네요. #PhoneNumber#로 한번 찾아봐 주세요.",
            ),
        )
        d.say("staff", "아, 찾았습니다. 다른 분 성함으로 되어 있었네요.")
    if kind == "time":
        new = d.c(*[t for t in MEAL_TIMES if t != old])
        d.say(
            "cust",
            d.c(
                f"일이 좀 늦게 끝나서요, {J(new, '으로')} 옮길 수 있을까요?",
                f"혹시 {J(new, '으로')} 바꿀 수 있나요? 일행이 늦게 온대서요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                f"{J(new, '은')} 자리 있습니다. 바꿔 드릴게요.",
                f"네, {new}에 자리가 있어서 변경해 드렸어요.",
            ),
        )
    elif kind == "people":
        n_new = n_old + d.n(1, 3)
        d.say(
            "cust",
            d.c(
                f"인원이 좀 늘었어요. {n_old}명에서 {n_new}명으로 바꿀 수 있을까요?",
                f"{n_old}명으로 했는데 {n_new}명이 될 것 같아서요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                f"{n_new}명이면 테이블을 붙여야 해서요, 잠시만요. ... 네, 가능합니다.",
                f"네, {n_new}명 자리로 옮겨 드렸습니다.",
            ),
        )
    else:
        if said_intent:
            d.say(
                "cust",
                d.c("갑자기 일정이 생겨서요. 취소 부탁드려요.", "네, 그 예약으로 취소해 주세요."),
            )
        else:
            d.say(
                "cust",
                d.c(
                    "죄송한데 사정이 생겨서 예약을 취소해야 할 것 같아요.",
                    "갑자기 일정이 생겨서요, 예약 취소 부탁드려요.",
                ),
            )
        if same_day:
            d.say("staff", "당일 취소라서 예약금 1만 원은 환불이 어려운데 괜찮으실까요?")
            d.say(
                "cust",
                d.c(
                    "네, 어쩔 수 없죠. 취소해 주세요.", "아, 그렇군요. 알겠어요, 그래도 취소할게요."
                ),
            )
        else:
            d.say("staff", "네, 하루 전이라 예약금은 전액 환불해 드릴게요.")
    if d.turns[-1][0] != "cust":
        d.say(
            "cust",
            d.c(
                "네, 번거롭게 해 드려서 죄송해요.",
                "감사합니다. 수고하세요.",
                "네, 그럼 부탁드릴게요.",
            ),
        )
    else:
        d.say(
            "staff",
            d.c(
                "처리해 드렸습니다. 다른 건 더 필요하신 거 없으세요?",
                "네, 변경 완료됐습니다. 좋은 하루 보내세요.",
            ),
        )

    def S(P):
        C, T = P("cust"), P("staff")
        if kind == "time":
            act = f"{day} {old} 예약을 {J(new, '으로')} 바꾼다"
            short = f"예약 시간을 {J(new, '으로')} 변경한다"
        elif kind == "people":
            act = f"{day} 예약 인원을 {n_old}명에서 {n_new}명으로 늘린다"
            short = f"인원을 {n_new}명으로 바꾼다"
        else:
            act = f"{day} {old} 예약을 취소한다"
            short = "예약을 취소한다"
        s0 = f"{J(C, '은')} {rest}에 전화해 {act}."
        if lost:
            s0 += f" 처음에는 {name} 이름으로 예약이 조회되지 않아 #PhoneNumber#로 예약을 찾는다."
        if kind == "cancel":
            s0 += (
                " 당일 취소라 예약금 1만 원은 돌려받지 못한다."
                if same_day
                else " 하루 전이라 예약금은 전액 환불된다."
            )
        s1 = f"{J(T, '은')} {name} 님의 예약을 확인하고, {C}의 요청대로 {short}."
        s2 = f"{J(C, '이')} {rest} 예약 {'취소' if kind == 'cancel' else '변경'}를 요청하자 {J(T, '이')} {short}."
        return [s0, s1, s2]

    return S


# --- 병원 진료 ------------------------------------------------------------------------------
# (complaint, since-when options, doctor's finding, diagnosis, treatment line, advice, follow-up)
SYMPTOMS = [
    dict(
        say=[
            "목이 따끔거리고 열이 좀 나요.",
            "침 삼킬 때마다 목이 너무 아파요. 열도 있는 것 같고요.",
        ],
        kid="목이 아프다고 하고 열이 나요.",
        kid_tip="아이가 물을 자주 마시게 해 주세요.",
        look="목이 많이 부었네요. 열도 38도 가까이 되고요.",
        dx="인후염",
        rx="항생제랑 해열제를 3일 치 처방해 드릴게요.",
        rx_s="3일 치 약을 처방받는다",
        tip="따뜻한 물 자주 드시고 말은 좀 아끼세요.",
        tip_s="물을 자주 마시라는",
    ),
    dict(
        say=[
            "허리가 너무 아파서 왔어요. 앉았다 일어날 때 특히요.",
            "어제 이삿짐을 옮기다가 허리를 삐끗했어요.",
        ],
        look="엑스레이상 뼈는 괜찮아요. 근육이 놀란 것 같네요.",
        dx="요추 염좌",
        rx="소염진통제 드리고, 오늘 물리치료 받고 가세요.",
        rx_s="진통제와 물리치료를 받는다",
        tip="당분간 무거운 건 절대 드시지 마세요.",
        tip_s="무거운 물건을 들지 말라는",
    ),
    dict(
        say=["속이 더부룩하고 소화가 안 돼요.", "밥만 먹으면 명치가 쓰리고 아파요."],
        look="배를 눌러 보니 위 쪽이 좀 예민하네요.",
        dx="급성 위염",
        rx="위장약을 5일 치 드릴게요. 식후 30분에 드세요.",
        rx_s="5일 치 위장약을 처방받는다",
        tip="커피랑 술, 기름진 음식은 당분간 피하세요.",
        tip_s="커피와 술을 피하라는",
    ),
    dict(
        say=["계단에서 발목을 접질렸는데 계속 부어 있어요.", "축구하다가 발목을 삐었어요."],
        kid="놀이터에서 뛰다가 발목을 접질렸어요.",
        kid_tip="며칠은 뛰어놀지 못하게 해 주세요.",
        look="다행히 골절은 아니고 인대가 조금 늘어났어요.",
        dx="발목 염좌",
        rx="반깁스 해 드릴 테니 일주일 정도 하고 계세요.",
        rx_s="반깁스를 한다",
        tip="자기 전에 발을 심장보다 높게 올려 두세요.",
        tip_s="발을 높게 올려 두라는",
    ),
    dict(
        say=["며칠째 머리가 지끈지끈 아파요.", "오후만 되면 뒷목이랑 머리가 당기듯이 아파요."],
        look="혈압은 정상이고, 어깨 근육이 많이 굳어 있네요.",
        dx="긴장성 두통",
        rx="진통제랑 근이완제를 처방해 드릴게요.",
        rx_s="진통제와 근이완제를 처방받는다",
        tip="모니터 높이 좀 맞추시고 한 시간마다 스트레칭하세요.",
        tip_s="자주 스트레칭하라는",
    ),
    dict(
        say=["눈이 가렵고 빨갛게 충혈됐어요.", "아침에 일어나면 눈곱이 끼고 눈이 계속 가려워요."],
        kid="눈이 가렵다고 계속 비비더니 빨개졌어요.",
        kid_tip="아이가 눈을 비비지 않게 봐 주세요.",
        look="알레르기 반응이 꽤 있네요. 전염되는 건 아니에요.",
        dx="알레르기성 결막염",
        rx="안약 두 가지 드릴 테니 하루 4번 넣으세요.",
        rx_s="안약을 처방받는다",
        tip="눈 비비지 마시고, 렌즈는 당분간 빼세요.",
        tip_s="렌즈를 당분간 빼라는",
    ),
    dict(
        say=["기침이 2주째 안 멈춰요.", "감기는 나았는데 기침만 계속 남아 있어요."],
        kid="밤마다 기침을 심하게 해요.",
        kid_tip="아이 방이 건조하지 않게 가습기를 틀어 주세요.",
        look="청진해 보니 숨소리는 괜찮은데 기관지가 예민해졌어요.",
        dx="기관지염",
        rx="기침약이랑 가래약 일주일 치 드릴게요.",
        rx_s="일주일 치 기침약을 받는다",
        tip="실내가 건조하지 않게 가습기 틀어 두세요.",
        tip_s="가습기를 틀어 두라는",
    ),
]
SINCE = [
    "이틀 전부터요.",
    "어제 저녁부터요.",
    "한 사흘 됐어요.",
    "일주일쯤 됐어요.",
    "지난 주말부터요.",
]


@scenario("병원 진료")
def clinic_consult(d: Dlg) -> Summaries:
    child = d.p(0.4)
    sym = d.c(*[x for x in SYMPTOMS if "kid" in x]) if child else d.c(*SYMPTOMS)
    revisit = d.c("3일 뒤", "일주일 뒤", "다음 주 월요일", "증상이 안 좋아지면")
    pat = "kid" if child else "pat"
    asker = "parent" if child else "pat"
    if child:
        d.roles(doc="의사", kid="아이", parent="보호자")
    else:
        d.roles(doc="의사", pat="환자")
    d.say(
        "doc",
        d.c(
            "어디가 불편해서 오셨어요?",
            "안녕하세요. 오늘은 어떻게 오셨어요?",
            "네, 앉으세요. 어디가 안 좋으세요?",
        ),
    )
    if child:
        d.say("parent", d.c("애가", "우리 애가", "딸아이가", "아들이") + " " + sym["kid"])
        d.say("doc", d.c("그래? 언제부터 그랬어?", "많이 힘들었겠네. 언제부터 그랬어?"))
        d.say("kid", d.c("어제부터요.", "잘 모르겠어요. 며칠 됐어요.", "유치원 갔다 와서부터요."))
        d.say(
            "parent",
            d.c(
                "밤에 잠도 잘 못 잤어요.",
                "어제는 밥도 거의 못 먹었어요.",
                "유치원에서도 그랬다고 연락 왔었어요.",
            ),
        )
    else:
        d.say("pat", d.c(*sym["say"]))
        d.say("doc", d.c("언제부터 그러셨어요?", "증상은 언제부터 있었어요?"))
        d.say(
            "pat",
            d.c(*SINCE)
            + d.c(
                "",
                " 참으면 나을 줄 알았는데 점점 심해지네요.",
                " 약국 약을 먹어 봤는데 그대로예요.",
            ),
        )
    if d.p(0.5):
        q, answers = d.c(
            (
                "혹시 드시는 약이나 알레르기 있으세요?",
                ("아니요, 없어요.", "특별히 먹는 약은 없어요."),
            ),
            (
                "전에도 이런 적 있었어요?",
                ("아니요, 이번이 처음이에요.", "예전에 한 번 비슷했던 적은 있어요."),
            ),
        )
        d.say("doc", q)
        d.say(asker, d.c(*answers))
    d.say("doc", f"{sym['look']} {J(sym['dx'], '이에요')}.")
    tip = sym["kid_tip"] if child else sym["tip"]
    d.say("doc", f"{sym['rx']} {tip}")
    if revisit == "증상이 안 좋아지면":
        again = "약 드시고 나아지면 안 오셔도 되고, 증상이 안 좋아지면 그때 다시 오세요."
    else:
        again = d.c(f"{revisit}에 한 번 더 보여 주세요.", f"{revisit} 경과 보러 다시 오세요.")
    qa = [
        ("혹시 다시 와야 하나요?", again),
        ("언제쯤 괜찮아질까요?", f"약 잘 챙겨 드시면 금방 좋아질 거예요. {again}"),
    ]
    qa.append(
        ("내일 유치원은 보내도 될까요?", f"열만 없으면 보내셔도 돼요. {again}")
        if child
        else ("출근은 해도 될까요?", f"무리만 안 하시면 괜찮아요. {again}")
    )
    q, a2 = d.c(*qa)
    d.say(asker, q)
    d.say("doc", a2)
    d.say(
        asker,
        d.c("네, 감사합니다.", "알겠습니다. 고맙습니다, 선생님.", "네, 말씀하신 대로 할게요."),
    )

    def S(P):
        D = P("doc")
        if child:
            who_s = (
                f"{J(P('parent'), '은')} {together(P('kid'), '아이')} 병원에 와서 증상을 설명하고"
            )
        else:
            who_s = f"{J(P('pat'), '은')} 증상을 호소하며 진료를 받고"
        follow = (
            "증상이 나빠지면 다시 오라고 한다"
            if revisit == "증상이 안 좋아지면"
            else f"{revisit}에 다시 오라고 한다"
        )
        tip_s = "아이를 잘 돌보라는" if child else sym["tip_s"]
        s0 = f"{who_s}, {J(D, '은')} {sym['dx']} 진단을 내린다. {J(P(pat), '은')} {sym['rx_s']}. {J(D, '은')} {follow}."
        s1 = (
            f"{J(D, '은')} {J(P(pat), '을')} 진찰하고 {J(sym['dx'], '이라고')} 말한다. "
            f"{J(D, '은')} {tip_s} 당부와 함께 {follow}."
        )
        s2 = f"{J(sym['dx'], '으로')} 진단받은 {J(P(pat), '은')} {sym['rx_s']}. {J(P(asker), '은')} 의사의 안내대로 하기로 한다."
        return [s0, s1, s2]

    return S


DEPTS = ["내과", "정형외과", "피부과", "이비인후과", "가정의학과", "안과"]


@scenario("병원 진료")
def clinic_reception(d: Dlg) -> Summaries:
    d.roles(desk="접수 직원", pat="환자")
    dept, wait = d.c(*DEPTS), d.c("20분", "30분", "40분", "한 시간")
    first = d.p(0.6)
    dob = d.p(0.7)
    side = d.c(None, "parking", "insurance", "doc")
    d.say(
        "pat",
        d.c(
            f"안녕하세요, {dept} 진료 보려고 왔는데요.",
            f"{dept} 접수하려고요.",
            f"저기요, {dept} 진료 받으려면 여기서 접수하면 되나요?",
        ),
    )
    d.say(
        "desk",
        d.c("네, 저희 병원 처음 오셨어요?", "여기 처음이세요, 아니면 전에 오신 적 있으세요?"),
    )
    if first:
        d.say("pat", d.c("네, 처음이에요.", "처음 왔어요."))
        if dob:
            d.say("desk", "처음이시면 신분증 먼저 주시겠어요? 생년월일이랑 연락처도 확인할게요.")
            d.say("pat", "생년월일은 #DateOfBirth#고, 연락처는 #PhoneNumber#예요.")
        else:
            d.say(
                "desk",
                "그럼 이 접수 카드 작성 부탁드려요. 성함이랑 생년월일, 연락처 적어 주시면 돼요.",
            )
            d.say(
                "pat",
                d.c("네, 다 적었어요. 여기요.", "볼펜 좀 빌릴 수 있을까요? ... 네, 다 썼어요."),
            )
    else:
        d.say("pat", d.c("작년에 한 번 왔었어요.", "몇 달 전에 다녀간 적 있어요."))
        d.say("desk", "그럼 성함이랑 생년월일 말씀해 주세요.")
        d.say(
            "pat",
            d.c(f"{J(d.full(), '이고')}, #DateOfBirth#예요.", f"{d.full()}, #DateOfBirth#생이요.")
            if dob
            else f"{d.full()}입니다.",
        )
    if side == "parking":
        d.say("pat", "아, 그리고 주차 등록은 어디서 해요?")
        d.say("desk", "진료 끝나고 수납하실 때 차 번호 말씀해 주시면 돼요. 2시간까지 무료예요.")
    elif side == "insurance":
        d.say("pat", "실비 보험 청구하려면 서류가 필요한데 어디서 받아요?")
        d.say("desk", "진료 끝나고 수납할 때 진료비 영수증이랑 세부 내역서 요청하시면 돼요.")
    elif side == "doc":
        d.say("pat", "혹시 여자 선생님한테 진료 볼 수 있나요?")
        d.say("desk", "오늘은 오전에만 계셔서요, 지금은 남자 선생님만 진료하세요.")
    d.say(
        "desk",
        d.c(
            f"지금 대기 환자가 좀 있어서 {wait} 정도 기다리셔야 해요.",
            f"앞에 대기가 있어서 {wait}쯤 걸릴 것 같아요. 이름 부르면 들어가세요.",
        ),
    )
    d.say(
        "pat",
        d.c(
            f"{J(wait, '이나')}요? 알겠어요, 기다릴게요.",
            "네, 저쪽에 앉아 있을게요.",
            f"{J(wait, '이요')}? 그럼 잠깐 약국 좀 다녀와도 될까요?",
        ),
    )
    if d.p(0.5):
        d.say("desk", d.c("네, 순서 되면 문자로도 알려 드려요.", "네, 번호표 가지고 계시면 돼요."))

    def S(P):
        Pt, Dk = P("pat"), P("desk")
        s0 = f"{J(Pt, '은')} {dept} 진료를 받으려고 접수하고, {J(Dk, '은')} 대기가 {wait} 정도라고 안내한다."
        if first:
            s0 = f"병원에 처음 온 {J(Pt, '은')} {dept} 진료를 접수하고, {J(Dk, '은')} 대기가 {wait} 정도라고 안내한다."
        if dob:
            s0 += (
                f" {J(Pt, '은')} 생년월일 "
                + ("#DateOfBirth#와 연락처 #PhoneNumber#를" if first else "#DateOfBirth#를")
                + " 알려 준다."
            )
        extra = {
            "parking": "수납할 때 주차 등록을 하면 2시간 무료라는 안내도 받는다.",
            "insurance": "보험 청구 서류는 수납할 때 요청하면 된다는 안내도 받는다.",
            "doc": "여자 선생님 진료를 원하지만 지금은 남자 선생님만 진료한다는 답을 듣는다.",
            None: "",
        }[side]
        s1 = f"{J(Dk, '은')} {dept} 진료를 보러 온 {J(Pt, '을')} 접수해 주고 {wait}쯤 기다려야 한다고 말한다. {extra}".strip()
        s2 = f"{J(Pt, '은')} {dept}에 접수하고 {wait} 정도 기다리기로 한다."
        return [s0, s1, s2]

    return S


CHECKUPS = [
    ("기본 건강검진", 15),
    ("종합 건강검진", 35),
    ("위내시경 포함 검진", 22),
    ("국가 건강검진", 0),
]


@scenario("병원 진료")
def clinic_checkup_booking(d: Dlg) -> Summaries:
    d.roles(staff="병원 직원", cust="고객")
    kind, price = d.c(*CHECKUPS)
    day = d.c(*[x for x in DAYS if "일요일" not in x])
    time = d.c("오전 8시", "오전 8시 반", "오전 9시", "오전 9시 반")
    colon = d.p(0.35)
    d.say(
        "staff", d.c("네, 한빛병원 건강검진센터입니다.", "건강검진센터입니다. 무엇을 도와드릴까요?")
    )
    d.say(
        "cust",
        d.c(
            f"{kind} 예약하려고 전화드렸어요.",
            f"회사에서 {J(kind, '을')} 받으라고 해서요, 예약 가능할까요?",
        ),
    )
    if price:
        d.say("staff", f"{J(kind, '은')} {price}만 원이고요, 원하시는 날짜 있으세요?")
    else:
        d.say("staff", "국가 검진은 본인 부담 없으세요. 원하시는 날짜 있으세요?")
    d.say("cust", d.c(f"{J(day, '이')} 좋은데요.", f"{day}에 가능할까요? 오전이면 좋겠어요."))
    d.say(
        "staff",
        d.c(
            f"{J(day, '은')} {J(time, '이')} 비어 있네요.",
            f"네, {day} {J(time, '으로')} 잡아 드릴 수 있어요.",
        ),
    )
    if colon:
        d.say("cust", "대장내시경도 같이 받을 수 있나요?")
        d.say(
            "staff",
            "가능은 한데 장 정리약을 미리 받아 가셔야 해요. 이번 주 안에 한 번 들러 주세요.",
        )
    d.say(
        "staff",
        d.c(
            "검사 전날 밤 9시부터는 물도 드시면 안 돼요.",
            "전날 저녁 9시 이후로는 금식하셔야 해요. 물도 안 돼요.",
        ),
    )
    d.say("cust", d.c("커피도 안 되죠?", "혹시 혈압약은 먹어도 되나요?", "네, 알겠습니다."))
    if d.turns[-1][1] == "커피도 안 되죠?":
        d.say("staff", "네, 커피도 안 돼요. 검사 끝나고 드세요.")
    elif d.turns[-1][1].startswith("혹시 혈압약"):
        d.say("staff", "혈압약은 새벽에 물 조금이랑 드셔도 돼요.")
    d.say(
        "staff",
        d.c("문진표는 문자로 보내 드릴 테니 미리 작성해 오세요.", "오실 때 신분증 꼭 챙겨 오세요."),
    )
    d.say("cust", d.c("네, 감사합니다.", "알겠어요. 그날 뵐게요."))

    def S(P):
        C, T = P("cust"), P("staff")
        cost = f"비용은 {price}만 원이라" if price else "국가 검진이라 본인 부담이 없다"
        s0 = f"{J(C, '은')} {J(kind, '을')} 예약하려고 전화해 {day} {J(time, '으로')} 예약한다. {J(T, '은')} 전날 밤 9시부터 금식해야 한다고 안내한다."
        if colon:
            s0 += f" {J(C, '은')} 대장내시경도 함께 받기로 하고 장 정리약을 미리 받아 가야 한다."
        s1 = f"{J(T, '은')} {C}의 {kind} 일정을 {day} {J(time, '으로')} 잡아 주고, {cost}고 알려 준다."
        s2 = f"{J(C, '이')} {day} {time}에 {J(kind, '을')} 받기로 하고, 전날 밤 9시 이후 금식하라는 안내를 받는다."
        return [s0, s1, s2]

    return S


# --- 쇼핑/환불 ------------------------------------------------------------------------------
ITEMS = [
    dict(
        item="운동화",
        prob="신어 보니 사이즈가 좀 작아서요.",
        prob_s="사이즈가 작아서",
        price=89000,
        kind="size",
    ),
    dict(
        item="니트",
        prob="한 번 빨았더니 보풀이 엄청 일어났어요.",
        prob_s="한 번 세탁 후 보풀이 일어나서",
        price=59000,
        kind="defect",
    ),
    dict(
        item="블루투스 이어폰",
        prob="한쪽에서 소리가 안 나와요.",
        prob_s="한쪽 소리가 나오지 않아서",
        price=129000,
        kind="defect",
    ),
    dict(
        item="전기포트",
        prob="전원이 아예 안 켜져요.",
        prob_s="전원이 켜지지 않아서",
        price=39000,
        kind="defect",
    ),
    dict(
        item="청바지",
        prob="입어 보니까 길이가 너무 길어요.",
        prob_s="길이가 길어서",
        price=69000,
        kind="size",
    ),
    dict(item="가습기", prob="물통에서 물이 새요.", prob_s="물이 새서", price=45000, kind="defect"),
    dict(
        item="패딩",
        prob="집에서 보니까 색이 매장 조명이랑 너무 달라서요.",
        prob_s="색이 생각과 달라서",
        price=189000,
        kind="mind",
    ),
    dict(
        item="원피스",
        prob="막상 입어 보니 저한테 안 어울려서요.",
        prob_s="입어 보니 어울리지 않아서",
        price=79000,
        kind="mind",
    ),
]


@scenario("쇼핑/환불")
def shop_refund(d: Dlg) -> Summaries:
    it = d.c(*ITEMS)
    item, price = it["item"], won(it["price"])
    when = d.c("3일 전에", "지난 주말에", "그저께", "일주일 전에")
    receipt = d.p(0.6)
    manager = it["kind"] == "mind" and d.p(0.5)
    labels = dict(clerk="직원", cust="손님")
    if manager:
        labels["mgr"] = "매니저"
    d.roles(**labels)
    d.say(
        "cust",
        d.c(
            f"저기요, {when} 여기서 {J(item, '을')} 샀는데요, 환불 좀 하려고요.",
            f"안녕하세요. {when} 산 {item} 때문에 왔는데요.",
            f"{when} 산 {J(item, '이')} 문제가 있어서 가져왔어요.",
        ),
    )
    d.say(
        "clerk",
        d.c(
            "네, 어떤 문제가 있으세요?",
            "아, 네. 무슨 문제 때문에 그러세요?",
            f"{J(item, '이')} 어떻게 잘못됐을까요?",
            "네, 보여 주시겠어요? 어떤 점이 불편하셨어요?",
        ),
    )
    d.say("cust", it["prob"])
    ask_receipt = d.c(
        "영수증 가지고 계세요?",
        "영수증 있으세요?",
        "확인해 볼게요. 혹시 영수증도 가져오셨어요?",
        f"{J(item, '은')} 저희가 확인해 볼게요. 구매 영수증 있으시죠?",
    )
    d.say("clerk", ask_receipt)
    if receipt:
        d.say(
            "cust",
            d.c(
                "네, 여기요.",
                "네, 카드 영수증이랑 같이 있어요.",
                "네, 지갑에 넣어 뒀어요. 여기 있어요.",
                "택도 안 뗐고 영수증도 있어요.",
            ),
        )
    else:
        d.say(
            "cust",
            d.c(
                "영수증은 버렸는데... 카드로 결제했어요.",
                "아, 영수증을 안 챙겼네요. 카드 결제 내역으로 안 될까요?",
                "영수증을 잃어버렸어요. 카드로 샀는데 조회가 될까요?",
            ),
        )
        d.say(
            "clerk",
            d.c(
                "그럼 결제하신 카드로 조회해 볼게요. 카드 번호 #CardNumber# 맞으시죠?",
                "네, 카드 주시면 결제 내역 찾아볼게요. ... #CardNumber# 카드로 결제하신 거 맞죠?",
            ),
        )
        d.say("cust", d.c("네, 맞아요.", "네, 그 카드예요.", "네, 그걸로 결제했어요."))
    if it["kind"] == "size":
        outcome = "exchange" if d.p(0.6) else "refund"
        if outcome == "exchange":
            d.say(
                "clerk",
                d.c(
                    "사이즈 때문이면 교환도 가능한데 한 치수 큰 걸로 바꿔 드릴까요?",
                    "환불도 되는데, 혹시 다른 사이즈로 교환하시는 건 어떠세요?",
                ),
            )
            d.say(
                "cust", d.c("아, 그게 낫겠네요. 한 치수 큰 걸로 주세요.", "재고 있으면 교환할게요.")
            )
            d.say("clerk", "재고 있네요. 바로 가져다 드릴게요.")
        else:
            d.say("clerk", "네, 택 안 떼셨으면 환불 가능합니다.")
    elif manager:
        outcome = "refund"
        d.say(
            "clerk",
            d.c(
                "이건 제가 판단하기가 어려워서요. 매니저님 모셔 올게요.",
                "잠시만요, 매니저님께 여쭤볼게요.",
            ),
        )
        d.say(
            "mgr",
            d.c(
                f"안녕하세요, 매니저입니다. 보니까 {J(item, '이')} 사용하신 흔적이 거의 없네요.",
                "제가 확인해 볼게요. 구매하신 지 얼마 안 됐네요.",
            ),
        )
        d.say("mgr", "원래는 어려운데, 이번에는 환불해 드리겠습니다.")
        d.say("cust", d.c("정말요? 감사합니다.", "다행이다. 신경 써 주셔서 고마워요."))
    else:
        outcome = "refund" if it["kind"] == "defect" else d.c("refund", "credit")
        if outcome == "credit":
            d.say("clerk", "단순 변심은 환불은 어렵고, 매장 적립금으로는 해 드릴 수 있어요.")
            d.say(
                "cust",
                d.c(
                    "음... 어쩔 수 없죠. 적립금으로 해 주세요.",
                    "그럼 적립금으로 받고 다른 거 볼게요.",
                ),
            )
        else:
            d.say(
                "clerk",
                d.c(
                    "불량이네요. 죄송합니다. 바로 환불해 드릴게요.",
                    "확인해 보니 제품 문제 맞네요. 환불 처리해 드리겠습니다.",
                ),
            )
    if outcome == "refund":
        d.say(
            "clerk",
            d.c(
                f"{price} 카드 취소됐고요, 3~5일 정도 뒤에 카드사에서 반영될 거예요.",
                f"결제하신 {price} 취소해 드렸습니다. 영업일 기준 3일 안에 들어올 거예요.",
                f"{price} 결제 취소 완료됐습니다. 카드사마다 달라서 며칠 걸릴 수 있어요.",
            ),
        )
        d.say(
            "cust",
            d.c(
                "네, 감사합니다.",
                "알겠어요. 수고하세요.",
                "빨리 처리해 주셔서 고마워요.",
                "네, 다음에 또 올게요.",
            ),
        )

    def S(P):
        C, K = P("cust"), P("clerk")
        res = {
            "exchange": "한 치수 큰 것으로 교환한다",
            "refund": f"{J(price, '을')} 환불받는다",
            "credit": "단순 변심이라 환불 대신 매장 적립금으로 받는다",
        }[outcome]
        s0 = f"{J(C, '은')} {when} 산 {J(item, '이')} {it['prob_s']} 매장을 찾고, {res}."
        if manager:
            s0 = f"{J(C, '은')} {when} 산 {J(item, '이')} {it['prob_s']} 환불을 요청하고, {J(P('mgr'), '이')} 예외로 환불을 해 준다."
        if not receipt:
            s0 += f" 영수증이 없어서 {J(K, '은')} 카드 #CardNumber#로 결제 내역을 확인한다."
        s1 = f"{J(K, '은')} {J(item, '이')} {it['prob_s']} 찾아온 {C}의 구매 내역을 확인하고, {J(C, '은')} 결국 {res}."
        s2 = f"{J(C, '은')} {item} 문제로 매장에 와서 {res}."
        return [s0, s1, s2]

    return S


GIFT_TARGETS = [
    ("엄마 생신", "엄마"),
    ("아빠 환갑", "아빠"),
    ("선배 졸업", "선배"),
    ("민지 집들이", "민지"),
    ("팀장님 퇴사", "팀장님"),
    ("동생 입학", "동생"),
]
GIFT_OPTIONS = [
    ("향수", 98000),
    ("무선 청소기", 259000),
    ("스마트워치", 199000),
    ("가죽 지갑", 120000),
    ("안마기", 149000),
    ("캠핑 의자 세트", 89000),
    ("커피 머신", 179000),
    ("블루투스 스피커", 69000),
    ("실크 스카프", 75000),
    ("디퓨저 세트", 45000),
]


@scenario("쇼핑/환불")
def shop_gift_friends(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.6) else [])
    occ, who = d.c(*GIFT_TARGETS)
    (g1, p1), (g2, p2) = d.k(GIFT_OPTIONS, 2)
    budget = d.c(10, 15, 20, 30)
    d.say(
        "a",
        d.c(
            f"{occ} 선물 뭐 살지 아직도 못 정했어. 같이 좀 봐 줘.",
            f"이번 {occ} 선물 말이야, 예산은 {budget}만 원 정도 생각하고 있어.",
            f"야, {occ} 선물로 {g1} 어때? 방금 봤는데 {won(p1)}이래.",
        ),
    )
    if g1 not in d.turns[0][1]:
        d.say(
            "b",
            d.c(
                f"{J(g1, '은')} 어때? 저기 {won(p1)}이던데.",
                f"저기 {g1} 괜찮아 보이는데? {won(p1)}.",
            ),
        )
    else:
        d.say("b", d.c("음, 나쁘지 않은데 좀 무난하지 않아?", "괜찮긴 한데 너무 흔한 선물 같아."))
    if "c" in ppl:
        d.say(
            "c",
            d.c(
                f"{J(who, '은')} {J(g2, '이')} 더 좋지 않을까? 전에 하나 갖고 싶다고 했었잖아.",
                f"차라리 {g2} 어때? 실용적이잖아. {won(p2)}이고.",
            ),
        )
        voter = proposer2 = "c"
    else:
        d.say(
            "a",
            d.c(f"아니면 {g2}? 이것도 {won(p2)}인데.", f"{g2}도 괜찮아 보이는데. {won(p2)}이래."),
        )
        voter, proposer2 = "b", "a"
    choose_second = d.p(0.6)
    pick, price = (g2, p2) if choose_second else (g1, p1)
    if "c" in ppl:
        d.say("a", d.c(f"오, {J(g2, '은')} 생각 못 했네.", "그것도 좋다. 둘 중에 고민되네."))
        d.say(
            "b", d.c(f"그럼 {J(pick, '으로')} 하자. 나도 찬성.", f"난 {pick} 쪽이 더 나은 것 같아.")
        )
    else:
        d.say(
            "b",
            d.c(
                f"난 {pick} 쪽이 더 나은 것 같아.",
                f"둘 다 괜찮은데 {J(pick, '이')} 더 {who}한테 어울려.",
            ),
        )
    split = len(ppl) > 1 and d.p(0.6)
    if split:
        d.say(
            "a",
            d.c(
                f"좋아, {J(pick, '으로')} 결정. 돈은 {len(ppl)}명이서 나눠서 내자.",
                f"그래, {J(pick, '으로')} 사고 돈은 똑같이 나누자.",
            ),
        )
    else:
        d.say(
            "a",
            d.c(
                f"그래, {J(pick, '으로')} 할게. 포장은 매장에서 해 주겠지?",
                f"결정! {pick} 사야겠다. 카드 할부로 해야지.",
            ),
        )
    d.say(
        voter if voter != d.turns[-1][0] else "b",
        d.c(
            "포장 예쁘게 해 달라고 하자.",
            "잘 골랐다. 분명 좋아하실 거야.",
            "카드 혜택 있는지 계산할 때 물어봐.",
            "영수증은 꼭 챙겨 둬, 교환할 수도 있으니까.",
        ),
    )

    def S(P):
        group = listing([P(p) for p in d.order()], "은")
        pay = " 선물값은 똑같이 나눠 내기로 한다." if split else ""
        s0 = f"{group} {occ} 선물을 고른다. {J(g1, '과')} {g2} 중에서 고민하다가 {J(pick, '으로')} 정한다.{pay}"
        cost = f"{won(price)}짜리 " if d.said(won(price)) else ""
        s1 = f"{J(P('a'), '은')} {occ} 선물 고르는 것을 도와 달라고 하고, 함께 의논한 끝에 {cost}{J(pick, '을')} 사기로 한다."
        s2 = f"{occ} 선물로 {J(pick, '이')} 정해진다. {J(P(proposer2), '은')} {J(g2, '을')} 제안한다."
        return [s0, s1, s2]

    return S


ONLINE_PROBS = [
    (
        "wrong",
        "주문한 거랑 다른 색상이 왔어요. 저는 베이지를 시켰는데 검정이 왔네요.",
        "다른 색상이 배송되어",
    ),
    ("broken", "상자를 열어 보니 유리 부분이 깨져 있었어요.", "제품이 파손된 채 배송되어"),
    ("missing", "세트로 주문했는데 구성품 하나가 빠져 있어요.", "구성품이 빠져 있어서"),
    ("wrong", "사이즈를 M으로 주문했는데 L이 왔어요.", "주문과 다른 사이즈가 와서"),
]
ONLINE_ITEMS = [
    "커튼",
    "유리 화병",
    "니트 카디건",
    "식기 세트",
    "캠핑 랜턴",
    "러그",
    "텀블러 세트",
    "조명 스탠드",
]


@scenario("쇼핑/환불")
def shop_online_cs(d: Dlg) -> Summaries:
    d.roles(agent="상담원", cust="고객")
    kind, line, prob_s = d.c(*ONLINE_PROBS)
    item = d.c(*ONLINE_ITEMS)
    pickup = d.c("내일", "모레", "이번 주 금요일")
    want = d.c("refund", "resend")
    email = d.p(0.5)
    d.say(
        "agent",
        d.c(
            "고객센터 상담원 김하늘입니다. 무엇을 도와드릴까요?",
            "안녕하세요, 고객센터입니다. 어떤 문의로 전화 주셨어요?",
        ),
    )
    d.say(
        "cust",
        d.c(
            f"어제 {J(item, '을')} 받았는데요, 문제가 좀 있어서요.",
            f"온라인으로 주문한 {item} 때문에 전화했어요.",
        ),
    )
    d.say(
        "agent",
        d.c(
            "불편을 드려 죄송합니다. 주문자 성함하고 연락처 확인 부탁드려요.",
            "네, 주문 내역부터 확인할게요. 주문하신 분 연락처가 어떻게 되세요?",
        ),
    )
    d.say(
        "cust", d.c(f"{J(d.full(), '이고요')}, #PhoneNumber#예요.", "#PhoneNumber#로 주문했어요.")
    )
    d.say("agent", f"네, {item} 주문 건 확인됐습니다. 어떤 문제인지 말씀해 주시겠어요?")
    d.say("cust", line)
    if kind == "broken" and d.p(0.6):
        d.say("agent", "번거로우시겠지만 파손된 부분 사진을 찍어서 보내 주실 수 있을까요?")
        d.say(
            "cust",
            d.c(
                "네, 이미 찍어 뒀어요. 어디로 보내면 돼요?",
                "아까 찍어 놓은 거 있어요. 문자로 보낼게요.",
            ),
        )
    if want == "refund":
        d.say("cust", d.c("그냥 환불받고 싶어요.", "다시 받기도 번거로워서 환불로 해 주세요."))
        res_agent = "반품 접수해 드렸고요, 회수되면 바로 환불 처리됩니다."
    else:
        d.say(
            "cust",
            d.c(
                "새 제품으로 다시 보내 주세요.", "교환으로 해 주시면 좋겠어요. 꼭 필요한 거라서요."
            ),
        )
        res_agent = "교환 접수해 드렸고요, 회수하면서 새 제품을 같이 보내 드릴게요."
    d.say("agent", f"{res_agent} 택배 기사님이 {pickup} 방문하실 거예요.")
    if email:
        d.say("agent", "접수 내역은 이메일로도 보내 드릴까요?")
        d.say("cust", "네, #Email#로 보내 주세요.")
    if d.p(0.5):
        d.say("cust", "반품 택배비는 제가 내야 하나요?")
        d.say("agent", "아니요, 저희 쪽 실수라 택배비는 받지 않습니다.")
    d.say("cust", d.c("네, 빨리 처리해 주세요.", "알겠습니다. 감사해요."))

    def S(P):
        C, A = P("cust"), P("agent")
        res = "환불받기로 한다" if want == "refund" else "새 제품으로 교환받기로 한다"
        s0 = f"{J(C, '은')} 온라인으로 산 {J(item, '이')} {prob_s} 고객센터에 전화하고, {res}. {J(A, '은')} {pickup} 택배 기사가 회수하러 간다고 안내한다."
        if email:
            s0 = s0.replace(
                "간다고 안내한다.", "간다고 안내하고, 접수 내역을 #Email#로 보내 주기로 한다."
            )
        s1 = f"{J(A, '은')} {C}의 {item} 주문을 확인하고 {'반품' if want == 'refund' else '교환'}을 접수해 준다. 회수는 {pickup} 이루어진다."
        s2 = f"{J(item, '이')} {prob_s} {J(C, '이')} 불만을 제기하자 {J(A, '이')} {pickup} 회수를 잡아 준다."
        return [s0, s1, s2]

    return S


# --- 여행 계획 ------------------------------------------------------------------------------
DESTS = [
    ("제주도", "비행기", "렌터카 빌려서 해안도로 드라이브하자."),
    ("부산", "KTX", "해운대 근처에 숙소 잡으면 돌아다니기 편해."),
    ("강릉", "KTX", "안목해변 카페거리는 꼭 가야 돼."),
    ("여수", "KTX", "밤바다 보면서 낭만포차 가 보자."),
    ("경주", "고속버스", "황리단길이랑 불국사는 무조건이지."),
    ("전주", "고속버스", "한옥마을에서 한복 입고 사진 찍자."),
    ("속초", "고속버스", "설악산 케이블카 타고 중앙시장 가자."),
    ("통영", "고속버스", "케이블카 타고 섬 하나 들어가 보자."),
]
STAYS = ["게스트하우스", "바다 보이는 호텔", "독채 펜션", "한옥 스테이", "에어비앤비"]
TRIP_LEN = ["1박 2일", "2박 3일", "3박 4일"]
TRIP_WHEN = [
    "다음 달 첫째 주",
    "다음 달 둘째 주 주말",
    "여름휴가 때",
    "추석 연휴에",
    "이번 달 마지막 주",
]


@scenario("여행 계획")
def trip_friends(d: Dlg) -> Summaries:
    ppl = ["a", "b", "c"] + (["d"] if d.p(0.6) else [])
    (dest, move, tip), (alt, _, _) = d.k(DESTS, 2)
    length, when, stay = d.c(*TRIP_LEN), d.c(*TRIP_WHEN), d.c(*STAYS)
    budget = d.c(20, 25, 30, 40)
    roles = d.k(ppl, 3)
    nm = dict(zip(ppl, d.given(len(ppl)), strict=True))
    d.say(
        "a",
        d.c(
            f"우리 {when} 여행 가기로 한 거 어디로 갈지 정하자.",
            f"{when} 여행 말이야, 슬슬 정해야 하지 않아?",
            f"단톡방에서 얘기만 하지 말고 {when} 여행 오늘 확정하자.",
        ),
    )
    d.say("b", d.c(f"난 {J(alt, '이')} 끌리는데.", f"{alt} 어때? 요즘 거기 많이 가던데."))
    d.say(
        "c",
        d.c(
            f"{J(alt, '은')} 작년에 갔잖아. 이번엔 {dest} 가자.",
            f"{J(alt, '은')} 너무 멀어. 나는 {J(dest, '이')} 좋아.",
            f"{J(dest, '은')} 어때? {tip}",
        ),
    )
    if "d" in ppl:
        d.say(
            "d",
            d.c(
                f"나도 {dest} 찬성. 거기 맛집 리스트 내가 갖고 있어.",
                f"{dest} 좋다! 나 거기 한 번도 안 가 봤어.",
            ),
        )
    d.say(
        "b",
        d.c(
            f"그래, {J(dest, '으로')} 하자. 며칠로 갈까?",
            f"알겠어, {dest} 가자. 일정은 {J(length, '으로')} 할까?",
        ),
    )
    d.say(
        "a",
        d.c(
            f"{J(length, '이')} 딱 좋을 것 같아. 1인당 {budget}만 원 정도면 되겠지?",
            f"{length} 하자. 예산은 한 사람당 {budget}만 원 안쪽으로.",
        ),
    )
    d.say(
        roles[0],
        d.c(
            f"숙소는 내가 알아볼게. {J(stay, '으로')} 찾아볼까?",
            f"내가 {stay} 몇 군데 보고 단톡방에 올릴게.",
        ),
    )
    d.say(
        roles[1],
        d.c(
            f"그럼 난 {move} 표 예매할게. 빨리 해야 싸더라.",
            f"교통은 내가 맡을게. {move} 시간표 보고 알려 줄게.",
        ),
    )
    if roles[2] not in roles[:2]:
        d.say(
            roles[2],
            d.c(
                "난 맛집이랑 코스 짜 올게.",
                f"그럼 일정표는 내가 짤게. {J(nm[roles[0]], '아')}, 숙소 정해지면 바로 말해 줘.",
            ),
        )
    if d.turns[-1][0] != "a" and d.p(0.6):
        d.say(
            "a",
            d.c(
                "좋아, 이번엔 진짜 가는 거다!",
                "오케이. 그럼 다음 주까지 다 정하자.",
                "벌써 설렌다. 회비는 내가 걷을게.",
            ),
        )

    def S(P):
        group = listing([P(p) for p in d.order()], "은")
        s0 = (
            f"{group} {when} {J(dest, '으로')} {length} 여행을 가기로 한다. 예산은 1인당 {budget}만 원으로 잡고, "
            f"{J(P(roles[0]), '이')} 숙소를, {J(P(roles[1]), '이')} {move} 예매를 맡는다."
        )
        s1 = (
            f"{J(P('b'), '은')} {J(alt, '을')} 제안하지만 {J(P('c'), '의')} 의견에 따라 여행지는 {J(dest, '으로')} 정해진다. "
            f"{J(P(roles[0]), '은')} {stay} 숙소를 알아보고 {J(P(roles[1]), '은')} {move} 표를 예매하기로 한다."
        )
        s2 = f"{group} {when} {dest} 여행 일정을 {J(length, '으로')} 정하고 역할을 나눈다."
        return [s0, s1, s2]

    return S


PACKAGES = [
    ("오사카", 89),
    ("다낭", 99),
    ("방콕", 109),
    ("괌", 139),
    ("세부", 119),
    ("후쿠오카", 79),
    ("타이베이", 85),
]


@scenario("여행 계획")
def trip_agency(d: Dlg) -> Summaries:
    comp = d.p(0.4)
    d.roles(agent="여행사 직원", cust="손님", **({"comp": "일행"} if comp else {}))
    city, price = d.c(*PACKAGES)
    n = d.n(2, 4)
    month_day = d.c("다음 달 10일", "다음 달 3일", "이번 달 25일", "다음 달 17일")
    nights = d.c("3박 4일", "4박 5일", "3박 5일")
    passport_issue = d.p(0.35)
    insurance = d.p(0.5)
    d.say(
        "cust",
        d.c(
            f"{city} 패키지 상품 좀 알아보려고 왔어요.",
            f"안녕하세요. {city} 가는 여행 상품 있을까요?",
        ),
    )
    d.say(
        "agent",
        d.c(
            "네, 몇 분이서 언제쯤 가실 예정이세요?",
            "네, 출발일이랑 인원 먼저 여쭤볼게요.",
            f"{J(city, '은')} 요즘 문의가 많아요. 언제, 몇 분이 가세요?",
        ),
    )
    d.say(
        "cust",
        d.c(f"{n}명이고요, {month_day}쯤 출발하고 싶어요.", f"{month_day} 출발로 {n}명이요."),
    )
    d.say(
        "agent",
        f"{month_day} 출발하는 {nights} 상품이 있는데 1인당 {price}만 원이에요. 항공이랑 호텔, 조식 포함이고요.",
    )
    if comp:
        hotel_q = d.p(0.4)
        if hotel_q:
            d.say("comp", "조식 포함이면 좋네요. 호텔은 어디쯤이에요?")
            d.say(
                "agent",
                d.c("시내 중심가에 있는 4성급 호텔이에요.", "해변 바로 앞 리조트형 호텔이에요."),
            )
        else:
            d.say(
                "comp",
                d.c(
                    f"{price}만 원이면 생각보다 괜찮다. 그치?",
                    "자기야, 일정표도 한번 보여 달라고 해.",
                    "나는 좋은데? 너무 힘든 일정만 아니면 돼.",
                ),
            )
    d.say(
        "cust",
        d.c(
            "자유 시간도 있나요? 너무 빡빡한 건 싫어서요.",
            "쇼핑 일정이 많이 들어가 있나요?",
            f"{price}만 원이면 괜찮네요. 유류할증료도 포함이에요?",
        ),
    )
    last = d.turns[-1][1]
    if "자유" in last:
        d.say("agent", "셋째 날은 하루 종일 자유 일정이에요.")
    elif "쇼핑" in last:
        d.say("agent", "쇼핑은 한 번만 들어가고, 나머지는 관광 위주예요.")
    else:
        d.say("agent", "네, 유류할증료까지 다 포함된 금액이에요.")
    d.say(
        "cust",
        d.c(
            "좋아요, 그걸로 예약할게요.",
            f"{city} 그 상품으로 할게요.",
            "마음에 드네요. 바로 예약해 주세요.",
            "일행한테 물어봤는데 다들 좋대요. 그걸로 해 주세요.",
        ),
    )
    d.say(
        "agent",
        d.c(
            "그럼 여권 정보가 필요해요. 대표자분 여권 번호 불러 주시겠어요?",
            "항공권 발권하려면 여권 번호가 필요해요. 여권 가지고 오셨어요?",
            f"{n}분 여권 정보 받아야 하는데, 우선 대표자분 것부터 볼게요.",
        ),
    )
    d.say(
        "cust",
        d.c(
            "#PassportNumber#예요.",
            "네, 여기요. 번호는 #PassportNumber#예요.",
            "제 여권 번호는 #PassportNumber#입니다.",
        ),
    )
    if passport_issue:
        d.say(
            "agent",
            "확인해 보니 여권 만료일이 출발일 기준으로 6개월이 안 남았어요. 재발급 받으셔야 해요.",
        )
        d.say(
            "cust",
            d.c(
                "헉, 그런 게 있는 줄 몰랐어요. 바로 구청 가서 신청할게요.",
                "아, 그래요? 재발급 받으면 번호 다시 알려 드릴게요.",
            ),
        )
    if insurance:
        d.say(
            "agent",
            d.c(
                "여행자 보험도 같이 가입해 드릴까요? 1인당 1만 원이에요.",
                "혹시 여행자 보험은 따로 있으세요? 저희 쪽은 1인당 1만 원이에요.",
            ),
        )
        d.say(
            "cust",
            d.c(
                "네, 같이 해 주세요.",
                "아니요, 보험은 카드사 걸로 할게요.",
                "네, 그것도 넣어 주세요. 혹시 모르니까요.",
                "아니요, 이미 들어 둔 게 있어요.",
            ),
        )
        ins_yes = d.turns[-1][1].startswith("네")
    d.say(
        "agent",
        d.c(
            "예약금 입금되면 확정 문자 드릴게요.",
            "계약금 넣어 주시면 좌석 확정해 드리겠습니다.",
            "일정표는 출발 일주일 전에 메일로 보내 드릴게요.",
            f"{month_day} 전에 설명회 한 번 하니까 시간 되시면 오세요.",
        ),
    )

    def S(P):
        C, A = P("cust"), P("agent")
        who = f"{J(C, '은')} {together(P('comp'), '일행')}" if comp else J(C, "은")
        s0 = f"{who} 여행사에서 {month_day} 출발하는 {city} {nights} 패키지를 {n}명으로 예약한다. 가격은 1인당 {price}만 원이다."
        if passport_issue:
            s0 += f" {J(A, '은')} 여권 #PassportNumber#의 만료일이 6개월도 남지 않아 재발급을 받아야 한다고 알려 준다."
        elif insurance:
            s0 += f" 여행자 보험은 {'함께 가입한다' if ins_yes else '가입하지 않는다'}."
        s1 = f"{J(A, '은')} {J(C, '에게')} 항공, 호텔, 조식이 포함된 {city} 상품을 소개하고, {J(C, '은')} 여권 번호 #PassportNumber#를 알려 주며 예약한다."
        s2 = f"{J(C, '이')} {city} {nights} 패키지 여행을 {n}명 예약한다."
        if passport_issue:
            s2 += " 다만 여권은 재발급이 필요하다."
        return [s0, s1, s2]

    return S


COUPLE_SEA = ["바다 보러 가고 싶어.", "이번엔 무조건 바다야. 물멍 하고 싶어."]
COUPLE_MTN = [
    "난 조용한 산속 숙소에서 쉬고 싶은데.",
    "바다는 여름에 가고, 이번엔 산 쪽이 좋지 않아?",
]
COMPROMISE = [
    ("강릉", "바다도 있고 뒤에 산도 있으니까 둘 다 할 수 있어."),
    ("남해", "바닷가 바로 옆에 편백 숲 산책로가 있대."),
    ("제천", "호수 옆 숙소라 물도 보고 산도 볼 수 있어."),
    ("양양", "서핑 해변 근처에 숲속 캠핑장이 있더라."),
]


@scenario("여행 계획")
def trip_couple(d: Dlg) -> Summaries:
    rel = d.c("couple", "spouses", "siblings")
    occ = {
        "couple": d.c("1주년", "크리스마스"),
        "spouses": d.c("결혼기념일", "여름휴가"),
        "siblings": d.c("이번 연휴", "겨울방학"),
    }[rel]
    place, why = d.c(*COMPROMISE)
    nights = d.c("1박", "2박")
    weather = d.p(0.5)
    a_sea = d.p(0.5)
    d.say(
        "a", f"{occ}에 어디 갈지 생각해 봤어? " + (d.c(*COUPLE_SEA) if a_sea else d.c(*COUPLE_MTN))
    )
    d.say("b", d.c(*COUPLE_MTN) if a_sea else d.c(*COUPLE_SEA))
    d.say("a", d.c("또 의견이 갈리네.", "우리 맨날 이걸로 싸우잖아.", "음, 둘 다 포기하기 싫은데."))
    d.say("b", d.c(f"그럼 {J(place, '은')} 어때? {why}", f"{place} 가 보자. {why}"))
    d.say(
        "a",
        d.c(
            f"오, {place} 좋다. 그럼 {nights} 할까?",
            f"{J(place, '이')} 있었네. 좋아, {J(nights, '으로')} 가자.",
        ),
    )
    if weather:
        d.say(
            "b",
            d.c(
                "근데 그 주말에 비 온다던데. 일기예보 한번 볼까?",
                "잠깐, 날씨 봤는데 토요일에 비 소식 있어.",
            ),
        )
        d.say(
            "a",
            d.c(
                "비 오면 숙소에서 쉬면 되지, 뭐. 오히려 좋아.",
                "그럼 하루 당겨서 금요일에 출발하자. 연차 쓸게.",
            ),
        )
        early = "금요일" in d.turns[-1][1]
    d.say(
        "b", d.c("숙소는 내가 찾아볼게.", "좋아, 오늘 밤에 숙소 예약하자.", "차는 내가 운전할게.")
    )

    def S(P):
        A, B = P("a"), P("b")
        first_want = "바다" if a_sea else "산"
        second_want = "산" if a_sea else "바다"
        s0 = (
            f"{J(A, '은')} {occ} 여행으로 {J(first_want, '을')}, {J(B, '은')} {J(second_want, '을')} 원해 의견이 갈린다. "
            f"{J(B, '이')} 둘 다 즐길 수 있는 {J(place, '을')} 제안해 {nights} 일정으로 가기로 한다."
        )
        if weather:
            s0 += " 비 소식이 있어 " + (
                "하루 앞당겨 금요일에 출발하기로 한다."
                if early
                else "비가 오면 숙소에서 쉬기로 한다."
            )
        s1 = f"{J(A, '과')} {J(B, '은')} {occ} 여행지를 두고 고민하다가 바다와 산이 모두 있는 {J(place, '으로')} 정한다."
        s2 = f"{J(B, '의')} 제안으로 두 사람은 {J(place, '으로')} {nights} 여행을 가기로 한다."
        return [s0, s1, s2]

    return S


# --- 이사 ---------------------------------------------------------------------------------
HOUSES = [("원룸", 40, 60), ("투룸", 70, 110), ("쓰리룸 아파트", 120, 180), ("오피스텔", 50, 80)]


@scenario("이사")
def move_quote(d: Dlg) -> Summaries:
    d.roles(co="이삿짐센터 직원", cust="고객")
    house, lo, hi = d.c(*HOUSES)
    full = d.p(0.6)
    price = hi if full else lo
    day = d.c("이번 달 28일", "다음 달 2일", "다음 달 15일", "다음 주 토요일", "다음 달 말일")
    ladder = d.p(0.5)
    visit = d.p(0.4)
    d.say("co", d.c("네, 행복이사입니다.", "여보세요, 한결 이삿짐센터입니다."))
    d.say(
        "cust",
        d.c(
            f"이사 견적 좀 받아 보려고요. {house}에서 이사하는데요.",
            f"{day}에 이사하는데 견적 문의드려요. 지금 {house} 살아요.",
        ),
    )
    d.say(
        "co",
        d.c(
            "지금 사시는 주소랑 이사 가실 곳 알려 주시겠어요?",
            "출발지랑 도착지 주소부터 여쭤볼게요.",
            "어디에서 어디로 가세요?",
        ),
    )
    d.say(
        "cust",
        d.c(
            "지금은 #Address#에 살고요, 같은 구 안에서 옮겨요.",
            "#Address#에서 옆 동네로 가요. 차로 15분 거리예요.",
            "#Address#에서 경기도 쪽으로 가요. 한 시간쯤 걸려요.",
        ),
    )
    if "일에" not in d.turns[1][1] and "토요일에" not in d.turns[1][1]:
        d.say("co", "이사 날짜는 언제세요?")
        d.say("cust", f"{J(day, '이에요')}.")
    d.say(
        "co",
        d.c(
            "포장이사로 하실 거예요, 아니면 일반이사로 하실 거예요?",
            "짐은 저희가 다 싸 드리는 포장이사로 하세요?",
            f"{house} 짐이면 포장이사가 편하실 텐데, 어떻게 하실래요?",
        ),
    )
    d.say(
        "cust",
        d.c(
            "포장이사요. 맞벌이라 짐 쌀 시간이 없어서요.",
            "포장이사로 해 주세요. 주방 정리까지 다 해 주시죠?",
        )
        if full
        else d.c("짐은 저희가 쌀 거라 일반이사로요.", "일반이사요. 박스는 미리 싸 둘게요."),
    )
    if ladder:
        d.say(
            "co",
            d.c(
                "엘리베이터는 있나요? 없으면 사다리차를 불러야 해서요.",
                "혹시 새집에 엘리베이터 있어요?",
            ),
        )
        d.say(
            "cust",
            d.c(
                "이사 가는 집이 엘리베이터 없는 4층이에요.",
                "아니요, 빌라 3층인데 엘리베이터가 없어요.",
                "지금 집은 있는데 새집은 없어요. 5층이에요.",
            ),
        )
        d.say(
            "co",
            d.c(
                f"그럼 사다리차 포함해서 {price}만 원 정도 나올 것 같아요.",
                f"사다리차까지 하면 {price}만 원 선이에요.",
            ),
        )
    else:
        d.say("co", f"{house} 기준으로 {price}만 원 정도 생각하시면 돼요.")
    if visit:
        d.say(
            "cust",
            d.c(
                "생각보다 비싸네요. 혹시 방문 견적도 되나요?",
                "짐이 좀 많은데, 직접 보고 견적 내 주실 수 있어요?",
            ),
        )
        d.say(
            "co",
            d.c(
                "네, 내일 저녁에 직원이 방문해서 정확하게 봐 드릴게요.",
                "그럼요. 이번 주 중에 방문해서 다시 견적 드릴게요.",
                "네, 방문 견적은 무료예요. 편하신 시간 말씀해 주세요.",
            ),
        )
    else:
        d.say("cust", d.c("네, 그럼 그렇게 예약할게요.", "알겠습니다. 그 가격이면 괜찮네요."))
        d.say(
            "co", f"{J(day, '으로')} 예약 잡아 두겠습니다. 계약금 10만 원 입금해 주시면 확정이에요."
        )

    def S(P):
        C, M = P("cust"), P("co")
        kind = "포장이사" if full else "일반이사"
        s0 = f"{J(C, '은')} #Address#에 있는 {house} 이사 견적을 문의하고, {J(M, '은')} {kind} 기준 {price}만 원 정도라고 안내한다."
        s0 += (
            f" {J(C, '은')} 직원에게 방문 견적을 받기로 한다."
            if visit
            else f" {J(C, '은')} {J(day, '으로')} 예약하고 계약금 10만 원을 내기로 한다."
        )
        if ladder:
            s0 = s0.replace("기준", "와 사다리차 포함")
        s1 = f"{J(M, '은')} {J(C, '에게')} 주소와 날짜, 이사 방식을 확인하고 {price}만 원 정도의 견적을 낸다."
        if visit:
            s1 += f" {J(C, '은')} 직원이 직접 와서 보고 견적을 내 달라고 한다."
        s2 = f"{J(C, '은')} {house} {kind} 견적으로 {price}만 원 정도를 듣는다."
        return [s0, s1, s2]

    return S


HELP_REWARDS = [
    "끝나고 짜장면이랑 탕수육 쏠게.",
    "끝나면 고기 사 줄게.",
    "점심 저녁 다 내가 책임질게.",
    "대신 다음에 너 이사할 때 내가 도와줄게.",
]


@scenario("이사")
def move_help_friends(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.55) else [])
    day = d.c("이번 주 토요일", "다음 주 일요일", "이번 주 일요일", "다음 주 토요일")
    start = d.c("아침 9시", "오전 10시", "아침 8시")
    car = d.c("SUV", "트럭", "승합차")
    reward = d.c(*HELP_REWARDS)
    conflict = d.p(0.4)
    nm = dict(zip(ppl, d.given(len(ppl)), strict=True))
    d.say(
        "a",
        d.c(
            f"{J(nm['b'], '아')}, {day}에 뭐 해? 나 그날 이사하는데 좀 도와줄 수 있어?",
            f"혹시 {day}에 시간 돼? 나 이사하는데 일손이 부족해서.",
            f"부탁 하나만 하자. {day}에 이삿짐 좀 같이 날라 줄래?",
        ),
    )
    if conflict:
        d.say(
            "b",
            d.c(
                "아, 그날 오전에 약속 있는데... 오후부터는 괜찮아.",
                "나 그날 아침에 알바가 있어서 점심 이후에나 될 것 같아.",
            ),
        )
        d.say("a", "오후라도 와 주면 진짜 고맙지. 큰 짐은 오후에 옮길게.")
    else:
        d.say("b", d.c("어, 괜찮아. 몇 시까지 가면 돼?", "당연하지. 몇 시에 시작해?"))
        d.say("a", f"{start}부터 시작하려고. {reward}")
    if "c" in ppl:
        d.say(
            "c",
            d.c(
                f"나도 갈게. 우리 형 {J(car, '이')} 있는데 빌려 올까?",
                f"나 {car} 있으니까 내가 차 가지고 갈게.",
            ),
        )
        d.say(
            "a",
            d.c(
                f"{J(nm['c'], '아')}, 너 진짜 최고다. 그럼 {car}에 짐 실으면 한 번에 되겠다.",
                "진짜? 용달 부르려고 했는데 살았다.",
            ),
        )
        driver = "c"
    else:
        d.say(
            "b",
            d.c(
                f"짐은 많아? 내 {J(car, '으로')} 옮길 수 있으면 차 가져갈게.",
                "짐 많으면 용달 부르는 게 낫지 않아?",
            ),
        )
        driver = "b" if car in d.turns[-1][1] else None
        d.say(
            "a",
            d.c(
                "원룸이라 짐은 별로 없어. 책이랑 옷이 대부분이야.",
                "냉장고랑 세탁기는 업체에서 옮겨 주니까 나머지만 하면 돼.",
            ),
        )
    d.say(
        "b",
        d.c(
            "박스랑 테이프는 충분히 있어?",
            "장갑은 챙겨 갈게. 허리 조심하자.",
            "새집 주소 문자로 보내 줘.",
        ),
    )
    d.say(
        "a",
        d.c(
            "박스는 어제 마트에서 잔뜩 얻어 왔어. 고마워!",
            "응, 바로 보낼게. 진짜 고마워.",
            "알았어. 끝나고 맛있는 거 먹자.",
        ),
    )

    def S(P):
        A = P("a")
        helpers = [P(p) for p in ppl if p != "a"]
        s0 = f"{J(A, '은')} {day}에 이사를 하는데 {J(listing(helpers), '에게')} 도와 달라고 부탁한다."
        if conflict:
            s0 += f" {J(P('b'), '은')} 오전에는 일정이 있어 오후부터 돕기로 한다."
        else:
            s0 += f" 이사는 {start}에 시작하고, {J(A, '은')} 보답으로 밥을 사기로 한다."
        if driver:
            s0 += f" {J(P(driver), '이')} {J(car, '을')} 가져오기로 한다."
        s1 = f"{J(listing(helpers), '은')} {J(A, '의')} 이사를 돕기로 한다. 이삿날은 {day}이다."
        s2 = (
            f"{day} {J(A, '의')} 이사를 친구들이 돕기로 한다."
            if len(helpers) > 1
            else f"{J(P('b'), '은')} {day}에 {J(A, '의')} 이사를 돕기로 한다."
        )
        return [s0, s1, s2]

    return S


@scenario("이사")
def move_out_landlord(d: Dlg) -> Summaries:
    d.roles(ten="세입자", land="집주인")
    day = d.c("다음 달 10일", "이번 달 30일", "다음 달 5일", "다음 달 20일")
    deposit = d.c("500만 원", "1천만 원", "2천만 원", "3천만 원", "5천만 원")
    issue = d.c(None, "wallpaper", "fee", "newtenant")
    d.say(
        "ten",
        d.c(
            "사장님, 안녕하세요. 302호예요. 이사 날짜가 정해져서 연락드렸어요.",
            "안녕하세요, 301호 세입자예요. 나가는 날짜 말씀드리려고요.",
        ),
    )
    d.say(
        "land",
        d.c(
            "아, 네. 언제 나가시게요?",
            "그래요, 날짜가 언제로 잡혔어요?",
            "벌써 그렇게 됐네요. 언제예요?",
            "아이고, 정든 분이 나가시네. 날짜가 언제예요?",
        ),
    )
    d.say(
        "ten",
        d.c(
            f"{J(day, '이에요')}. 오전에 짐 빼고 나갈 것 같아요.",
            f"{day}에 나가요. 이삿짐은 아침 일찍 뺄 거예요.",
        ),
    )
    d.say(
        "ten",
        d.c(
            f"그래서 보증금 {deposit}은 그날 바로 돌려받을 수 있을까요?",
            f"보증금 {deposit} 말인데요, 이사 당일에 받을 수 있을까요?",
            f"혹시 보증금 {J(deposit, '은')} 언제 돌려주세요? 그날 받으면 좋겠어요.",
        ),
    )
    if issue == "newtenant":
        d.say("land", "새 세입자가 아직 안 구해져서요. 구해지면 바로 드리면 안 될까요?")
        d.say(
            "ten",
            d.c(
                "그건 좀 곤란해요. 저도 새집 잔금을 그날 치러야 해서요.",
                "저도 그 돈으로 새집 잔금을 내야 해서 꼭 그날 받아야 해요.",
            ),
        )
        d.say(
            "land",
            d.c(
                "알겠어요. 그럼 제가 어떻게든 마련해서 이사 당일에 입금할게요.",
                "사정이 그렇다면 어쩔 수 없죠. 당일에 맞춰서 보낼게요.",
            ),
        )
    else:
        d.say(
            "land",
            d.c(
                "네, 짐 다 빼고 집 상태 확인하고 나서 바로 보내 드릴게요.",
                "그럼요. 집 한번 보고 당일에 이체해 드릴게요.",
            ),
        )
    if issue == "wallpaper":
        d.say(
            "land",
            d.c(
                "근데 지난번에 보니까 거실 벽지에 곰팡이 자국이 있던데요.",
                "그런데 작은방 벽지에 곰팡이 핀 거 봤어요. 그건 어떻게 할까요?",
            ),
        )
        d.say(
            "ten",
            d.c(
                "그건 제가 들어오기 전부터 있던 거예요. 입주할 때 찍은 사진도 있어요.",
                "그건 윗집 누수 때문에 생긴 거라 제 잘못은 아니에요.",
            ),
        )
        d.say(
            "land",
            d.c(
                "아, 그랬었나요? 그럼 그 부분은 제가 처리할게요.",
                "그렇다면 제가 도배 새로 할게요. 신경 쓰지 마세요.",
            ),
        )
    elif issue == "fee":
        d.say(
            "land",
            d.c(
                "관리비랑 가스비는 나가는 날 기준으로 정산하시면 돼요.",
                "아, 그리고 관리비는 이사 날까지 일할 계산해서 정산할게요.",
            ),
        )
        d.say(
            "ten",
            d.c(
                "네, 검침하고 영수증 사진 찍어서 보내 드릴게요.",
                "네, 관리사무소에 미리 말해 둘게요.",
            ),
        )
    d.say(
        "ten",
        d.c(
            "네, 그럼 그날 뵐게요.",
            "감사합니다. 그동안 잘 지냈습니다.",
            "네, 열쇠는 그날 직접 드릴게요.",
            "알겠습니다. 이사 전날 다시 연락드릴게요.",
        ),
    )

    def S(P):
        T, L = P("ten"), P("land")
        s0 = f"{J(T, '은')} {J(L, '에게')} {day}에 이사를 나간다고 알리고 보증금 {deposit}을 그날 돌려받을 수 있는지 묻는다."
        s1_tail = {
            None: f"{J(L, '은')} 집 상태를 확인한 뒤 당일에 돌려주겠다고 한다.",
            "wallpaper": f"{J(L, '은')} 벽지 곰팡이를 문제 삼지만 {J(T, '이')} 자기 잘못이 아니라고 설명해 {J(L, '이')} 처리하기로 한다.",
            "fee": f"{J(L, '은')} 당일 반환을 약속하고, 관리비와 가스비는 나가는 날 기준으로 정산하기로 한다.",
            "newtenant": f"{J(L, '은')} 새 세입자가 없어 난처해하지만 {J(T, '이')} 잔금 사정을 설명해 이사 당일에 입금하기로 한다.",
        }[issue]
        s0 += " " + s1_tail
        s1 = (
            f"{J(T, '과')} {J(L, '은')} {day} 이사와 보증금 {deposit} 반환 문제를 이야기한다. "
            + s1_tail
        )
        s2 = f"{J(T, '은')} {day}에 이사하며 보증금 {deposit}을 그날 받기로 한다."
        return [s0, s1, s2]

    return S


# --- 직장 회의 ------------------------------------------------------------------------------
PROJECTS = [
    ("신제품 출시 행사", "행사장 섭외"),
    ("고객 만족도 조사", "설문지 문항"),
    ("홈페이지 개편", "디자인 시안"),
    ("분기 실적 보고서", "매출 데이터 정리"),
    ("신입 사원 교육 프로그램", "강사 섭외"),
    ("연말 사내 행사", "경품 구매"),
]
ISSUES = [
    ("디자인 업체에서 시안이 아직 안 왔어요.", "디자인 시안이 늦어지고 있다"),
    ("예산이 처음 잡은 것보다 15% 정도 초과될 것 같습니다.", "예산이 15% 정도 초과될 것 같다"),
    ("거래처에서 견적서 회신이 아직 없습니다.", "거래처 견적 회신이 오지 않았다"),
    ("담당자 한 명이 다음 주에 휴가라 일정이 빠듯해요.", "담당자 휴가로 일정이 빠듯하다"),
]
TASKS = [
    "자료 정리",
    "보고서 초안 작성",
    "거래처 연락",
    "일정표 업데이트",
    "발표 자료 준비",
    "예산안 수정",
]


@scenario("직장 회의")
def work_team_meeting(d: Dlg) -> Summaries:
    ppl = ["lead", "m1", "m2"] + (["m3"] if d.p(0.6) else [])
    proj, sub = d.c(*PROJECTS)
    (issue, issue_s) = d.c(*ISSUES)
    deadline = d.c("이번 주 금요일", "다음 주 수요일", "다음 달 3일", "다음 주 월요일")
    nxt = d.c("다음 주 월요일 오전 10시", "목요일 오후 2시", "모레 오전 9시 반", "금요일 오후 4시")
    members = ppl[1:]
    tasks = dict(zip(members, d.k(TASKS, len(members)), strict=True))
    d.roles(lead="팀장")
    d.say(
        "lead",
        d.c(
            f"자, 시작합시다. {proj} 진행 상황부터 공유해 주세요.",
            f"다들 모였죠? 오늘은 {proj} 건 점검하려고 해요.",
            f"바쁜데 모이라고 해서 미안해요. {proj} 마감이 {J(deadline, '이라')} 점검 좀 합시다.",
        ),
    )
    d.say(
        "m1",
        d.c(
            f"{J(sub, '은')} 거의 끝났습니다. 그런데 문제가 하나 있어요. {issue}",
            f"네, 제가 먼저 말씀드릴게요. {issue}",
        ),
    )
    d.say(
        "lead",
        d.c(
            "그래요? 그럼 일정에 영향이 있겠네요.",
            "음, 그건 좀 곤란한데. 방법이 있을까요?",
            "언제 알게 됐어요? 좀 더 일찍 말해 줬으면 좋았을 텐데.",
        ),
    )
    d.say(
        "m2",
        d.c(
            "제가 오늘 오후에 직접 전화해서 확인해 보겠습니다.",
            "일단 급한 것부터 나눠서 처리하면 마감은 맞출 수 있을 것 같아요.",
            "다른 업체 견적도 같이 받아 보는 건 어떨까요?",
        ),
    )
    if "m3" in ppl:
        d.say(
            "m3",
            d.c(
                "저도 이번 주는 여유가 좀 있어서 도울 수 있어요.",
                "제 쪽 일은 어제 마무리돼서 같이 하겠습니다.",
            ),
        )
    d.say(
        "lead",
        d.c("좋아요. 그럼 남은 일을 나눠 봅시다.", "일단 그렇게 하고, 남은 일 누가 맡을지 정하죠."),
    )
    for i, m in enumerate(members):
        if i == 0:
            d.say(
                m,
                d.c(f"{J(tasks[m], '은')} 제가 하겠습니다.", f"저는 {J(tasks[m], '을')} 맡을게요."),
            )
        else:
            d.say(
                m,
                d.c(
                    f"그럼 저는 {J(tasks[m], '을')} 하겠습니다.",
                    f"{J(tasks[m], '은')} 제가 할게요.",
                    f"저는 {tasks[m]} 쪽을 맡겠습니다.",
                ),
            )
    d.say(
        "lead",
        d.c("다들 고마워요.", "좋습니다.", "네, 그렇게 갑시다.")
        + f" 마감은 {deadline}까지예요. 다음 회의는 {nxt}에 하겠습니다.",
    )
    closer = d.c(*members)
    d.say(
        closer,
        d.c(
            "네, 알겠습니다.",
            "네, 회의록은 제가 정리해서 메일로 돌릴게요.",
            "네, 진행하면서 중간중간 보고드리겠습니다.",
        ),
    )

    def S(P):
        L = P("lead")
        assign = ", ".join(f"{J(P(m), '이')} {tasks[m]}" for m in members)
        s0 = (
            f"{J(L, '은')} 팀원들과 {proj} 진행 상황을 점검한다. {J(P('m1'), '은')} {issue_s}고 보고한다. "
            f"{J(L, '은')} 마감을 {J(deadline, '으로')} 유지하며 일을 나누고, 다음 회의를 {nxt}에 하기로 한다."
        )
        s1 = f"{proj} 회의에서 {issue_s}는 보고가 나온다. 업무는 {J(assign, '을')} 맡기로 하고, {J(L, '은')} 마감이 {deadline}까지라고 말한다."
        s2 = f"{J(L, '과')} 팀원들은 {deadline} 마감인 {proj} 업무를 나누고 다음 회의를 {nxt}에 잡는다."
        return [s0, s1, s2]

    return S


MEETING_TOPICS = [
    "다음 분기 예산",
    "신규 거래처 제안서",
    "하반기 채용 계획",
    "앱 업데이트 일정",
    "고객 불만 처리 절차",
]
ROOMS = ["3층 소회의실", "7층 대회의실", "2층 라운지 회의실", "5층 회의실 B"]


@scenario("직장 회의")
def work_schedule_meeting(d: Dlg) -> Summaries:
    d.roles(a="요청한 직원", b="동료")
    topic = d.c(*MEETING_TOPICS)
    day1, day2 = d.k(WEEKDAYS, 2)
    t1, t2 = d.k(DAY_TIMES, 2)
    room = d.c(*ROOMS)
    ext = d.p(0.4)
    online = d.p(0.3)
    d.say(
        "a",
        d.c(
            f"{d.sur()} 대리님, {topic} 건으로 회의 한번 해야 할 것 같은데 언제 시간 괜찮으세요?",
            f"혹시 이번 주에 {topic} 관련해서 30분만 시간 내 주실 수 있어요?",
        ),
    )
    d.say(
        "b",
        d.c(
            f"{day1}은 외근이라 어렵고요, {J(day2, '은')} 괜찮아요.",
            f"{day1}은 하루 종일 교육이 있어서요. {J(day2, '은')} 어떠세요?",
        ),
    )
    d.say("a", d.c(f"그럼 {day2} {t1} 어떠세요?", f"좋아요. {day2} {J(t1, '은')} 괜찮으세요?"))
    changed = d.p(0.5)
    if changed:
        d.say(
            "b",
            d.c(
                f"아, 그 시간엔 팀 회의가 있어요. {J(t2, '은')} 어때요?",
                f"그때는 다른 미팅이 잡혀 있어서요. {t2}쯤이면 좋겠어요.",
            ),
        )
        d.say(
            "a", d.c(f"네, 그럼 {day2} {J(t2, '으로')} 하죠.", f"{t2} 좋습니다. 그걸로 잡을게요.")
        )
        time = t2
    else:
        d.say("b", d.c("네, 그때 좋아요.", "괜찮아요. 그 시간 비워 둘게요."))
        time = t1
    if online:
        d.say("b", "혹시 화상으로 해도 될까요? 그날 재택이라서요.")
        d.say("a", "그럼요. 화상 회의 링크 만들어서 보내 드릴게요.")
    else:
        d.say(
            "a",
            d.c(
                f"회의실은 제가 {J(room, '으로')} 예약해 둘게요.",
                f"{room} 비어 있는지 보고 예약할게요.",
            ),
        )
    if ext:
        d.say("b", "거래처 담당자도 같이 들어오는 게 좋지 않을까요?")
        d.say("a", "좋은 생각이에요. 담당자 메일 주소가 #Email#이었죠? 제가 초대 메일 보낼게요.")
    d.say(
        "b",
        d.c(
            "자료는 미리 공유해 주세요.",
            "안건 정리해서 미리 보내 주시면 읽어 볼게요.",
            "네, 그때 봬요.",
        ),
    )
    if d.turns[-1][1] != "네, 그때 봬요.":
        d.say(
            "a", d.c("네, 내일까지 정리해서 드릴게요.", "알겠습니다. 초안 정리되면 바로 보낼게요.")
        )

    def S(P):
        A, B = P("a"), P("b")
        where = "화상으로" if online else f"{room}에서"
        s0 = f"{J(A, '은')} {J(B, '과')} {topic} 회의 일정을 잡는다. 두 사람은 {day2} {time}에 {where} 회의하기로 한다."
        if changed:
            s0 = f"{J(A, '은')} {J(B, '에게')} {topic} 회의를 제안한다. 처음 제안한 {J(t1, '은')} {J(B, '이')} 안 돼서 {day2} {J(time, '으로')} 정하고, 회의는 {where} 한다."
        if ext:
            s0 += " 거래처 담당자도 #Email#로 초대하기로 한다."
        s1 = f"{J(B, '은')} {J(day1, '은')} 어렵다고 해서 {J(A, '과')} {B}의 {topic} 회의는 {day2} {time}에 열린다."
        s2 = f"{topic} 회의가 {day2} {J(time, '으로')} 잡힌다. {J(A, '이')} " + (
            "화상 회의 링크를 보내기로 한다." if online else f"{J(room, '을')} 예약한다."
        )
        return [s0, s1, s2]

    return S


CLIENT_CHANGES = [
    (
        "납품 날짜를 일주일 앞당겨 달래요.",
        "납품을 일주일 앞당겨 달라고",
        "야근 없이는 힘들 것 같은데요.",
    ),
    (
        "메인 색상을 파란색에서 초록색으로 바꿔 달라고 하네요.",
        "메인 색상을 초록색으로 바꿔 달라고",
        "그럼 시안을 전부 다시 만들어야 해요.",
    ),
    (
        "주문 수량을 500개에서 800개로 늘리고 싶대요.",
        "주문 수량을 800개로 늘려 달라고",
        "공장 쪽 생산 일정부터 확인해야겠네요.",
    ),
    (
        "행사 장소를 부산으로 바꾸고 싶대요.",
        "행사 장소를 부산으로 바꾸고 싶다고",
        "출장비랑 장비 운송비가 추가로 들겠는데요.",
    ),
]


@scenario("직장 회의")
def work_client_change(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.6) else [])
    client = d.c("한빛상사", "대성물산", "미래전자", "그린푸드", "누리통신")
    line, req_s, worry = d.c(*CLIENT_CHANGES)
    decision = d.c("cost", "partial", "accept")
    call_time = d.c("오늘 오후", "내일 오전", "오늘 퇴근 전")
    d.say(
        "a",
        d.c(f"방금 {client}에서 전화 왔는데요, {line}", f"큰일 났어요. {client} 담당자가 {line}"),
    )
    d.say("b", d.c(f"네? 이제 와서요? {worry}", f"갑자기요? {worry}"))
    if "c" not in ppl:
        d.say(
            "a",
            d.c(
                "그러니까요. 어떻게 대응하면 좋을까요?", "저도 당황스러워요. 거절하기도 애매하고요."
            ),
        )
    if "c" in ppl:
        d.say(
            "c",
            d.c(
                "계약서에 변경 관련 조항이 있었던 것 같은데요. 제가 찾아볼게요.",
                "저번에도 막판에 바꿔 달라고 했었잖아요.",
            ),
        )
        d.say(
            "a",
            d.c(
                "일단 무조건 안 된다고 하기는 어렵고요.",
                "맞아요. 그래도 중요한 거래처라서 고민이에요.",
            ),
        )
    if decision == "cost":
        d.say("b", "그럼 추가 비용이 든다고 솔직하게 말하고 견적을 다시 보내는 게 어때요?")
        res_s = "추가 비용을 포함한 견적을 다시 보내기로 한다"
    elif decision == "partial":
        d.say("b", "전부는 어렵고, 일부만 반영하는 쪽으로 협의해 보죠.")
        res_s = "요청을 일부만 반영하는 방향으로 협의하기로 한다"
    else:
        d.say("b", "이번엔 우리가 맞춰 주고, 다음 계약 때 조건을 좀 챙기는 게 낫겠어요.")
        res_s = "이번에는 요청을 받아들이기로 한다"
    d.say(
        "a",
        d.c(
            f"좋아요. 그럼 {call_time}에 제가 담당자한테 전화할게요.",
            f"알겠어요. {call_time}에 통화해서 그렇게 얘기해 볼게요.",
        ),
    )
    closer = "c" if "c" in ppl else "b"
    d.say(
        closer,
        d.c(
            "통화하고 결과 공유해 주세요.",
            "필요하면 저도 같이 통화할게요.",
            "팀장님께도 미리 보고드리는 게 좋겠어요.",
        ),
    )

    def S(P):
        A, B = P("a"), P("b")
        s0 = f"{J(A, '은')} {J(client, '이')} {req_s} 요청했다고 전한다. {J(B, '은')} 걱정하지만 결국 {res_s}."
        s0 += f" {J(A, '이')} {call_time}에 담당자에게 연락하기로 한다."
        s1 = f"{client}의 갑작스러운 요청을 두고 {J(listing([P(p) for p in d.order()]), '은')} 대응 방법을 논의해 {res_s}."
        s2 = f"{J(client, '이')} 요청을 바꾸자 팀은 {res_s}. 연락은 {J(A, '이')} 맡는다."
        return [s0, s1, s2]

    return S


# --- 학교 과제 ------------------------------------------------------------------------------
COURSES = [
    ("사회학개론", "1인 가구 증가"),
    ("마케팅원론", "MZ세대 소비 트렌드"),
    ("환경과학", "플라스틱 재활용"),
    ("경영통계", "대학생 용돈 사용 실태"),
    ("한국사", "조선 후기 시장 경제"),
    ("심리학개론", "수면과 집중력"),
    ("교양 글쓰기", "숏폼 콘텐츠의 영향"),
]
ROLES_SCHOOL = ["자료 조사", "PPT 제작", "발표", "보고서 정리"]
MEET_PLACES = ["도서관 스터디룸", "학생회관 카페", "줌", "과방"]


@scenario("학교 과제")
def school_group_project(d: Dlg) -> Summaries:
    ppl = ["a", "b", "c"] + (["d"] if d.p(0.6) else [])
    course, topic = d.c(*COURSES)
    due = d.c("다음 주 목요일", "2주 뒤 화요일", "다음 주 월요일", "이번 달 말")
    place = d.c(*MEET_PLACES)
    meet = d.c("내일 저녁 7시", "목요일 오후 3시", "금요일 점심 먹고", "일요일 저녁 8시")
    work = dict(zip(ppl, d.k(ROLES_SCHOOL, len(ppl)), strict=True))
    nm = dict(zip(ppl, d.given(len(ppl)), strict=True))
    freerider = d.p(0.3)
    d.say(
        "a",
        d.c(
            f"{course} 조별 과제 주제부터 정하자. 발표가 {J(due, '이야')}.",
            f"다들 {course} 과제 공지 봤지? 발표가 {due}래.",
        ),
    )
    d.say(
        "b",
        d.c(
            f"나는 {J(topic, '이')} 괜찮을 것 같아. 자료도 많고.",
            f"{topic} 어때? 교수님이 수업 시간에 얘기하신 거잖아.",
        ),
    )
    d.say(
        "c",
        d.c(
            "좋아, 나도 찬성.",
            "오, 그거 괜찮다. 통계 자료 찾기도 쉬울 것 같아.",
            "그래, 다른 거 고민할 시간도 없어.",
        ),
    )
    if freerider:
        d.say("a", f"근데 {J(nm['c'], '아')}, 지난번처럼 연락 안 되면 안 된다?")
        d.say(
            "c",
            d.c(
                "아, 그때는 진짜 미안했어. 이번엔 단톡 알림 켜 둘게.",
                "알았어, 이번엔 내 몫 확실히 할게.",
            ),
        )
    d.say(
        "a",
        d.c(
            f"그럼 역할 나누자. 나는 {work['a']} 할게.",
            f"역할부터 정하자. {J(work['a'], '은')} 내가 할게.",
        ),
    )
    d.say("b", d.c(f"그럼 난 {work['b']}.", f"난 {J(work['b'], '이')} 편해. 그거 할게."))
    d.say("c", d.c(f"{J(work['c'], '은')} 내가 해 볼게.", f"나는 {work['c']} 맡을게."))
    if "d" in ppl:
        d.say(
            "d",
            d.c(
                f"남은 게 {J(work['d'], '이네')}. 그거 내가 할게.",
                f"{J(work['d'], '은')} 자신 있어. 나한테 맡겨.",
            ),
        )
    d.say(
        "b",
        d.c(f"중간 점검은 {meet}에 {place}에서 하자.", f"그럼 {meet}에 {place}에서 한 번 모이자."),
    )
    d.say("a", d.c("좋아. 그때까지 각자 할 거 해 오기!", "오케이, 단톡방에 정리해서 올릴게."))

    def S(P):
        group = J(listing([P(p) for p in d.order()]), "은")
        assign = ", ".join(f"{J(P(p), '이')} {work[p]}" for p in ppl)
        s0 = f"{group} {course} 조별 과제 주제를 {J(topic, '으로')} 정하고 역할을 나눈다."
        if freerider:
            s0 += f" {J(P('a'), '은')} 지난번에 연락이 안 됐던 {J(P('c'), '에게')} 이번에는 잘하자고 당부한다."
        s0 += f" 중간 점검은 {meet}에 {place}에서 하기로 한다."
        s1 = f"{course} 발표는 {due}이다. {J(P('b'), '이')} 제안한 {J(topic, '으로')} 주제가 정해지고, {J(assign, '을')} 맡는다."
        s2 = f"{group} {due} 발표할 {course} 과제를 {J(topic, '으로')} 하기로 하고 {meet}에 다시 모인다."
        return [s0, s1, s2]

    return S


EXT_REASONS = [
    ("독감에 걸려서 며칠 동안 입원해 있었어요.", "독감으로 입원해서", "진단서"),
    (
        "할머니 장례식 때문에 지방에 내려가 있었어요.",
        "할머니 장례식 때문에",
        "사망 확인서 같은 증빙",
    ),
    (
        "노트북이 고장 나서 작업하던 파일이 날아갔어요.",
        "노트북 고장으로 파일이 날아가서",
        "수리 접수증",
    ),
    ("교통사고가 나서 병원에 다니고 있어요.", "교통사고로 병원에 다니고 있어서", "병원 진단서"),
]


@scenario("학교 과제")
def school_extension(d: Dlg) -> Summaries:
    d.roles(prof="교수", stu="학생")
    course = d.c(*[c for c, _ in COURSES])
    reason, reason_s, proof = d.c(*EXT_REASONS)
    old = d.c("어제", "오늘 자정", "지난 금요일")
    new = d.c("이번 주 금요일", "다음 주 월요일", "모레 오후 6시", "이번 주 일요일 자정")
    penalty = d.p(0.45)
    email = d.p(0.6)
    d.say(
        "stu",
        d.c(
            f"교수님, 안녕하세요. {course} 수강하는 학생인데요, 과제 제출 때문에 찾아뵈었습니다.",
            f"교수님, 잠깐 시간 괜찮으세요? {course} 기말 보고서 때문에요.",
        ),
    )
    d.say("prof", d.c("네, 들어와요. 무슨 일이에요?", "그래요, 무슨 일인데요?"))
    d.say("stu", f"마감이 {J(old, '이었')}는데 제출을 못 했어요. {reason}")
    d.say(
        "prof",
        d.c(
            "저런, 지금은 괜찮아요?",
            "그랬군요. 몸은 좀 어때요?"
            if "입원" in reason or "병원" in reason
            else "그랬군요. 많이 힘들었겠네요.",
        ),
    )
    d.say(
        "stu",
        d.c(
            "네, 이제 괜찮아요. 혹시 조금만 기한을 연장해 주실 수 있을까요?",
            "이제 많이 나아졌어요. 제출 기한을 며칠만 늦춰 주실 수 있을까요?",
        ),
    )
    d.say("prof", d.c(f"사정이 있으니 {new}까지 내세요.", f"알겠어요. {new}까지는 받아 줄게요."))
    if penalty:
        d.say("prof", "다만 다른 학생들과의 형평성 때문에 10% 감점은 있어요.")
        d.say("stu", d.c("네, 그건 당연히 감수하겠습니다.", "네, 받아 주시는 것만으로도 감사해요."))
    d.say(
        "prof",
        d.c(
            f"그리고 {J(proof, '은')} 조교한테 제출해 줘요.",
            f"증빙 서류로 {J(proof, '을')} 같이 내 주세요.",
        ),
    )
    if email:
        d.say("stu", "과제는 어디로 제출하면 될까요?")
        d.say("prof", "이번엔 메일로 보내요. #Email#로 보내면 돼요.")
    d.say(
        "stu",
        d.c("감사합니다, 교수님. 늦지 않게 제출하겠습니다.", "정말 감사합니다. 꼭 기한 지킬게요."),
    )

    def S(P):
        St, Pr = P("stu"), P("prof")
        s0 = f"{J(St, '은')} {reason_s} {course} 과제를 {old}까지 내지 못했다며 {J(Pr, '에게')} 기한 연장을 부탁하고, {J(Pr, '은')} {new}까지 제출하라고 한다."
        tail = []
        if penalty:
            tail.append("대신 10% 감점이 있다")
        tail.append(f"{J(proof, '을')} 함께 내야 한다")
        s0 += " " + "고, ".join(tail) + "."
        s1 = f"{J(Pr, '은')} {St}의 사정을 듣고 {course} 과제 마감을 {J(new, '으로')} 연장해 준다."
        if email:
            s1 += " 과제는 #Email#로 보내기로 한다."
        s2 = f"{J(St, '은')} {reason_s} 과제를 못 냈고, {new}까지 기한을 연장받는다."
        return [s0, s1, s2]

    return S


HELP_TOPICS = [
    (
        "참고문헌",
        "참고문헌은 어떻게 써야 해? APA 형식이라는데 하나도 모르겠어.",
        "저자, 연도, 제목 순서로 쓰면 돼. 내가 예전에 쓴 거 보내 줄게.",
        "APA 참고문헌 작성법",
    ),
    (
        "분량",
        "보고서 A4 5장이면 표지도 포함이야?",
        "보통 표지랑 참고문헌은 빼고 본문만 5장이야. 공지에 써 있더라.",
        "보고서 분량 기준",
    ),
    (
        "주제",
        "주제를 못 잡겠어. 너무 넓게 잡았나 봐.",
        "범위를 좁혀 봐. 우리 학교 학생들 대상으로 설문하는 건 어때?",
        "보고서 주제 잡는 법",
    ),
    (
        "통계",
        "엑셀로 평균이랑 표준편차 구하는 거 좀 알려 줄래?",
        "함수로 하면 금방이야. 이따 도서관에서 노트북 켜고 보여 줄게.",
        "엑셀 통계 함수 사용법",
    ),
    (
        "인용",
        "인터넷 기사 내용을 써도 돼? 표절 될까 봐 걱정돼.",
        "출처 밝히고 따옴표로 인용하면 괜찮아. 그대로 베끼지만 마.",
        "인터넷 자료 인용 방법",
    ),
]


@scenario("학교 과제")
def school_study_help(d: Dlg) -> Summaries:
    _, ask, answer, topic_s = d.c(*HELP_TOPICS)
    subj = d.c("교양 과목", "전공 과목", "글쓰기 수업", "경영학 수업")
    due = d.c("내일", "모레", "이번 주 금요일", "다음 주 월요일")
    treat = d.c("커피", "떡볶이", "학식", "아이스크림")
    nm = d.given()
    d.say(
        "a",
        d.c(
            f"{J(nm, '아')}, 바빠? 나 {subj} 보고서 때문에 멘붕이야.",
            f"혹시 시간 있어? {subj} 과제 좀 물어봐도 돼?",
            f"{due}까지 {subj} 보고서 내야 하는데 막혔어.",
        ),
    )
    d.say("b", d.c("응, 뭔데?", "괜찮아, 말해 봐.", "또 벼락치기구나? 뭐가 문제야?"))
    d.say("a", ask)
    d.say("b", answer)
    if d.p(0.5):
        d.say(
            "a",
            d.c(
                "아, 그렇구나. 그럼 교수님한테 따로 안 물어봐도 되겠다.",
                "진짜? 난 완전 반대로 알고 있었어.",
            ),
        )
        d.say(
            "b",
            d.c(
                "혹시 모르니까 공지 한 번 더 확인해 봐.",
                "응, 헷갈리면 조교한테 메일 보내 보는 것도 방법이야.",
            ),
        )
    if "마감" not in d.turns[0][1] and due not in d.turns[0][1]:
        d.say("b", "근데 언제까지 내야 하는데?")
        d.say("a", f"{J(due, '이야')}. 그래서 오늘 밤새야 할 것 같아.")
    d.say(
        "a",
        d.c(
            f"진짜 고마워. 다음에 {treat} 살게.",
            f"덕분에 살았다. 내가 {treat} 쏠게.",
            f"고마워! 과제 끝나면 내가 {treat} 살게.",
        ),
    )
    d.say(
        "b", d.c("오케이, 약속했다.", "됐어, 나중에 나 모르는 거 있을 때 알려 줘.", "그래, 파이팅!")
    )

    def S(P):
        A, B = P("a"), P("b")
        s0 = f"{J(A, '은')} {due}까지 내야 하는 {subj} 보고서 때문에 {J(B, '에게')} {J(topic_s, '을')} 묻고, {J(B, '은')} 방법을 알려 준다. {J(A, '은')} 고마워하며 {J(treat, '을')} 사겠다고 한다."
        s1 = f"{J(B, '은')} {subj} 과제로 고민하는 {J(A, '에게')} {J(topic_s, '을')} 설명해 준다."
        s2 = f"{J(A, '은')} {J(B, '의')} 도움으로 {topic_s} 문제를 해결하고 {J(treat, '을')} 사기로 한다."
        return [s0, s1, s2]

    return S


# --- 은행 업무 ------------------------------------------------------------------------------
ACCOUNT_PURPOSES = [
    ("월급 통장", "회사에서 월급 통장을 이 은행으로 만들어 오라고 해서요."),
    ("적금 자동이체용 통장", "적금 자동이체 걸어 둘 통장이 하나 필요해서요."),
    ("생활비 통장", "생활비를 따로 관리하려고 통장을 하나 더 만들고 싶어요."),
    ("아르바이트 급여 통장", "아르바이트 월급 받을 통장이 필요해서요."),
]


@scenario("은행 업무")
def bank_open_account(d: Dlg) -> Summaries:
    d.roles(clerk="은행 직원", cust="고객")
    purpose, line = d.c(*ACCOUNT_PURPOSES)
    proof = d.p(0.5)
    card = d.p(0.6)
    ticket = d.n(12, 98)
    d.say(
        "clerk",
        d.c(
            "어서 오세요. 무엇을 도와드릴까요?",
            f"{ticket}번 고객님, 이쪽으로 오세요. 어떤 업무 보러 오셨어요?",
            f"안녕하세요, {ticket}번 고객님. 앉으세요.",
        ),
    )
    d.say(
        "cust",
        d.c(
            f"통장 하나 새로 만들려고요. {line}",
            f"{J(purpose, '을')} 만들려고 왔어요.",
            f"계좌 개설하러 왔는데요. {line}",
        ),
    )
    d.say(
        "clerk",
        d.c(
            "네, 신분증 먼저 보여 주시겠어요?",
            "네, 그럼 신분증부터 확인할게요.",
            f"{J(purpose, '이')}요? 네, 신분증 주시겠어요?",
        ),
    )
    d.say("cust", d.c("여기 있어요.", "운전면허증도 되죠? 여기요.", "네, 주민등록증이요."))
    d.say(
        "clerk",
        d.c(
            "주민등록번호 #SSN# 맞으시죠? 본인 확인 끝났습니다.",
            "#SSN#, 본인 맞으시고요. 확인됐습니다.",
            "주민등록번호가 #SSN#으로 조회되네요. 본인 확인 완료했습니다.",
        ),
    )
    limited = False
    if proof:
        d.say(
            "clerk",
            d.c(
                "요즘은 통장을 새로 만들 때 사용 목적을 증빙해야 해요. 재직증명서나 급여명세서 있으세요?",
                "혹시 금융거래 목적을 확인할 서류 가져오셨어요? 재직증명서 같은 거요.",
            ),
        )
        if "월급" in purpose:
            d.say("cust", d.c("네, 재직증명서 떼 왔어요.", "회사에서 받아 왔어요. 여기요."))
        else:
            d.say(
                "cust",
                d.c(
                    "그런 게 필요한 줄 몰랐어요. 지금은 없는데요.",
                    "아, 그건 안 가져왔는데 어떡하죠?",
                ),
            )
            d.say(
                "clerk",
                "그럼 일단 하루 이체 한도가 100만 원인 한도제한계좌로 만들어 드리고, 나중에 서류 가져오시면 풀어 드릴게요.",
            )
            limited = True
    if card:
        d.say(
            "clerk",
            d.c("체크카드도 같이 만들어 드릴까요?", "카드도 필요하세요? 체크카드 바로 발급돼요."),
        )
        d.say(
            "cust",
            d.c(
                "네, 교통카드 기능 되는 걸로 해 주세요.",
                "네, 같이 해 주세요. 디자인은 아무거나 괜찮아요.",
                "네, 편의점 할인되는 걸로 부탁드려요.",
            ),
        )
    d.say(
        "clerk",
        d.c(
            "비밀번호 네 자리 눌러 주시고, 여기 서명해 주세요.",
            "이 서류 세 군데 서명해 주시고 비밀번호 설정해 주세요.",
            "여기 표시한 곳에 서명하시고, 비밀번호 두 번 입력해 주세요.",
        ),
    )
    d.say(
        "cust",
        d.c(
            "네. 모바일 앱도 바로 쓸 수 있어요?",
            "다 했어요. 인터넷 뱅킹은 어떻게 신청해요?",
            "네, 했어요. 통장은 종이로도 주시는 거죠?",
        ),
    )
    if "종이" in d.turns[-1][1]:
        d.say("clerk", "네, 통장 같이 드리고, 앱에서도 바로 조회돼요.")
    else:
        d.say(
            "clerk",
            d.c(
                "앱 깔고 로그인하시면 방금 만든 계좌가 바로 보일 거예요.",
                "앱에서 인증서만 등록하시면 바로 쓰실 수 있어요.",
            ),
        )

    def S(P):
        C, K = P("cust"), P("clerk")
        s0 = f"{J(C, '은')} 은행에서 {J(purpose, '을')} 새로 만든다. {J(K, '은')} 주민등록번호 #SSN#으로 본인 확인을 한다."
        if limited:
            s0 += " 목적 증빙 서류가 없어 하루 이체 한도 100만 원인 한도제한계좌로 만든다."
        elif card:
            s0 += " 체크카드도 함께 신청한다."
        s1 = f"{J(K, '은')} {C}의 신분증을 확인하고 {J(purpose, '을')} 개설해 준다." + (
            " 체크카드도 같이 발급한다." if card else ""
        )
        s2 = f"{J(C, '이')} {J(purpose, '을')} 개설한다." + (
            " 서류가 없어 한도제한계좌로 시작한다." if limited else ""
        )
        return [s0, s1, s2]

    return S


@scenario("은행 업무")
def bank_lost_card(d: Dlg) -> Summaries:
    d.roles(agent="카드사 상담원", cust="고객")
    where = d.c("지하철에서", "택시에서", "회식 자리에서", "운동하다가", "카페에서", "시장에서")
    last = d.c("어제 저녁에", "오늘 점심에", "어젯밤에", "아까 오전에")
    suspicious = d.p(0.4)
    amt = d.c("4만 2천 원", "12만 원", "8만 9천 원", "3만 5천 원", "21만 원")
    shop = d.c("편의점", "주유소", "온라인 쇼핑몰", "전자제품 매장")
    days = d.c("5일", "일주일", "3일", "영업일 기준 4일")
    dest = d.c("home", "office")
    d.say(
        "agent",
        d.c(
            "네, 카드 분실 신고 센터입니다.",
            "안녕하세요, 상담원 박서윤입니다. 무엇을 도와드릴까요?",
            "한결카드 고객센터입니다. 어떤 일로 전화 주셨어요?",
        ),
    )
    d.say(
        "cust",
        d.c(
            f"카드를 잃어버린 것 같아요. {last} {where} 쓴 게 마지막이에요.",
            f"제가 {where} 지갑을 잃어버렸어요. 카드 정지 좀 해 주세요.",
            f"{where} 카드를 흘린 것 같은데요, {last} 쓰고 나서 안 보여요.",
        ),
    )
    d.say(
        "agent",
        d.c(
            "많이 놀라셨겠어요. 본인 확인을 위해 생년월일 말씀해 주시겠어요?",
            "네, 바로 도와드릴게요. 먼저 생년월일 여섯 자리 부탁드립니다.",
            "본인 확인부터 할게요. 생년월일이 어떻게 되세요?",
        ),
    )
    d.say("cust", d.c("#DateOfBirth#예요.", "#DateOfBirth#입니다.", "#DateOfBirth#요."))
    d.say(
        "agent",
        d.c(
            "확인됐습니다. 분실하신 카드가 #CardNumber# 맞으세요?",
            "고객님 명의로 카드가 #CardNumber# 한 장 있는데, 이 카드 맞으시죠?",
        ),
    )
    d.say(
        "cust",
        d.c("네, 그거 하나예요.", "네, 맞아요. 빨리 막아 주세요.")
        if not suspicious
        else d.c("네, 그 카드요. 혹시 누가 쓴 건 없죠?", "네, 맞아요. 빨리 막아 주세요."),
    )
    d.say(
        "agent",
        d.c(
            "방금 사용 정지 처리했습니다.",
            "지금 바로 분실 등록하고 정지해 드렸어요.",
            "정지 완료됐습니다. 이제 결제는 안 돼요.",
        ),
    )
    if suspicious:
        d.say(
            "agent",
            f"그런데 {last} 이후에 {shop}에서 {J(amt, '이')} 결제된 내역이 있어요. 고객님이 쓰신 건가요?",
        )
        d.say(
            "cust",
            d.c(
                "아니요, 저 그런 데 간 적 없어요.",
                f"{shop}요? 아니요, 제가 쓴 거 아니에요.",
                "헉, 아니요. 그거 제가 한 거 아니에요.",
            ),
        )
        d.say(
            "agent",
            d.c(
                "부정 사용으로 보여서 이의 신청 접수해 드릴게요. 확인되면 청구되지 않습니다.",
                "그럼 부정 사용 조사 접수해 드릴게요. 결과 나오기 전까지 청구는 보류됩니다.",
            ),
        )
    d.say(
        "cust",
        d.c(
            "재발급은 어떻게 받아요?",
            "새 카드는 언제 받을 수 있어요?",
            "그럼 카드는 다시 만들어 주시는 거죠?",
        ),
    )
    if dest == "home":
        d.say(
            "agent",
            d.c(
                "등록된 주소 #Address#로 보내 드리면 될까요?",
                "재발급 카드는 #Address#로 배송되는데, 주소 바뀐 건 없으시죠?",
            ),
        )
        d.say("cust", d.c("네, 거기로 보내 주세요.", "네, 그대로예요.", "네, 집으로 받을게요."))
    else:
        d.say("agent", "등록된 주소로 보내 드릴까요, 아니면 다른 곳으로 받으시겠어요?")
        d.say(
            "cust",
            d.c(
                "낮에는 집에 없어서 회사로 받고 싶어요. 주소는 #Address#예요.",
                "회사로 보내 주세요. #Address#요.",
            ),
        )
    d.say(
        "agent",
        d.c(
            f"{days} 안에 도착할 거예요. 자동이체 걸어 두신 건 카드 번호 바뀌니까 꼭 변경해 주세요.",
            f"배송은 {days} 정도 걸려요. 받으시면 앱에서 등록하시면 됩니다.",
            f"{days} 안에 받으실 거예요. 다른 궁금한 점 있으세요?",
        ),
    )

    def S(P):
        C, A = P("cust"), P("agent")
        place = "회사 주소" if dest == "office" else "등록 주소"
        s0 = f"{J(C, '은')} {where} 카드를 잃어버려 분실 신고를 하고, {J(A, '은')} #DateOfBirth#로 본인 확인을 한 뒤 카드 #CardNumber#를 정지한다."
        if suspicious:
            s0 += f" {shop}에서 결제된 {J(amt, '은')} 부정 사용으로 보고 이의 신청을 접수한다."
        s0 += f" 새 카드는 {place} #Address#로 {days} 안에 배송된다."
        s1 = f"{J(A, '은')} {C}의 카드를 사용 정지하고 재발급 카드를 {place} #Address#로 보내 주기로 한다."
        if suspicious:
            s1 += f" {J(C, '이')} 쓰지 않은 {amt} 결제도 이의 신청한다."
        s2 = f"{J(C, '이')} {where} 잃어버린 카드를 분실 신고하고 재발급을 받기로 한다."
        return [s0, s1, s2]

    return S


SAVINGS = [
    ("자유적금", "12개월", "3.5"),
    ("청년 우대적금", "24개월", "4.2"),
    ("정기예금", "12개월", "3.3"),
    ("여행 적금", "6개월", "3.0"),
]


@scenario("은행 업무")
def bank_savings(d: Dlg) -> Summaries:
    spouse = d.p(0.4)
    d.roles(clerk="은행 직원", cust="고객", **({"sp": "배우자"} if spouse else {}))
    goal = d.c("결혼 자금", "전세 자금", "여행 경비", "비상금")
    prod, term, rate = d.c(*[x for x in SAVINGS if goal == "여행 경비" or x[0] != "여행 적금"])
    monthly = d.c("30만 원", "50만 원", "20만 원", "100만 원")
    hesitate = d.p(0.4)
    deposit = prod == "정기예금"
    d.say(
        "cust",
        d.c(
            f"{J(goal, '을')} 모으려고 하는데 어떤 상품이 좋을까요?",
            f"돈을 좀 모아 보려고요. {J(goal, '으로')} 쓸 거예요.",
        ),
    )
    d.say(
        "clerk",
        d.c(
            "매달 얼마씩 넣으실 생각이세요?",
            "목돈을 한 번에 넣으실 건가요, 아니면 매달 나눠서 넣으실 건가요?",
            f"{J(goal, '이면')} 기간은 어느 정도 생각하세요? 금액도 말씀해 주시고요.",
        ),
    )
    if deposit:
        d.say(
            "cust",
            d.c(
                "지금 모아 둔 돈이 좀 있어서 한 번에 넣고 싶어요.",
                "목돈이 좀 생겨서 한꺼번에 넣어 두려고요.",
            ),
        )
        d.say("clerk", f"그럼 {J(prod, '이')} 좋겠네요. {term} 만기에 연 {rate}%예요.")
    else:
        d.say(
            "cust",
            d.c(
                f"한 달에 {monthly} 정도요.",
                f"매달 {monthly}씩 넣으려고요.",
                f"월급 받으면 {monthly}씩은 모을 수 있을 것 같아요.",
            ),
        )
        d.say(
            "clerk",
            f"그럼 {J(prod, '을')} 추천해 드려요. {term} 만기에 연 {rate}%고, 급여 이체하시면 우대 금리도 있어요.",
        )
    if spouse:
        if not deposit and d.p(0.5):
            d.say(
                "sp",
                d.c(
                    f"여보, 매달 {J(monthly, '은')} 좀 빠듯하지 않아?",
                    f"{monthly}씩이면 생활비가 좀 모자랄 것 같은데.",
                ),
            )
            d.say(
                "cust",
                d.c("외식 좀 줄이면 충분히 할 수 있어.", "처음엔 빠듯해도 금방 익숙해질 거야."),
            )
        else:
            d.say(
                "sp",
                d.c(
                    "금리가 생각보다 괜찮네.",
                    f"{J(term, '이면')} {goal} 모으기 딱 좋겠다.",
                    "요즘 이 정도 금리면 괜찮은 편이지?",
                ),
            )
    if hesitate:
        d.say(
            "cust", d.c("중간에 급하게 돈이 필요하면 어떻게 돼요?", "혹시 중간에 깨면 손해가 커요?")
        )
        d.say(
            "clerk",
            d.c(
                "중도 해지하시면 이자가 많이 줄어들어요. 대신 담보 대출을 받으실 수는 있어요.",
                "만기 전에 해지하면 약정 이자를 거의 못 받으세요. 그 점은 꼭 생각하셔야 해요.",
            ),
        )
        d.say(
            "cust",
            "음, 그럼 금액을 좀 줄여서 부담 없이 해야겠네요."
            if not deposit
            else "그럼 일부만 넣고 나머지는 통장에 둘게요.",
        )
    d.say(
        "cust",
        d.c(
            "좋아요, 그걸로 가입할게요.",
            "네, 오늘 바로 가입할게요.",
            f"{J(prod, '으로')} 할게요. 가입해 주세요.",
        ),
    )
    d.say(
        "clerk",
        d.c(
            "만기 되면 문자로 안내해 드릴게요.",
            "가입 완료됐습니다. 앱에서도 확인하실 수 있어요.",
            f"네, {prod} 가입 처리했습니다. {goal} 꼭 모으세요.",
            "만기 전에 연락드릴게요."
            if deposit
            else "자동이체 날짜는 월급날 다음 날로 해 드릴게요.",
        ),
    )

    def S(P):
        C, K = P("cust"), P("clerk")
        how = "목돈을 한 번에 넣는" if deposit else f"매달 {J(monthly, '을')} 넣는"
        who = f"{J(C, '은')} {together(P('sp'), '배우자')}" if spouse else J(C, "은")
        s0 = f"{who} {J(goal, '을')} 모으려고 상담을 받고, {J(K, '은')} {how} {term} 만기 연 {rate}% {J(prod, '을')} 추천한다. {J(C, '은')} 그 상품에 가입한다."
        if hesitate:
            s0 = s0.replace(
                " 그 상품에 가입한다.",
                " 중도 해지하면 이자가 줄어든다는 설명을 듣고 "
                + ("금액을 줄여 가입하기로 한다." if not deposit else "일부만 넣기로 한다."),
            )
        s1 = f"{J(K, '은')} {goal} 마련을 원하는 {J(C, '에게')} {prod} 상품을 소개하고, {J(C, '은')} 가입을 결정한다."
        s2 = f"{J(C, '은')} 연 {rate}%짜리 {term} {prod}에 가입한다."
        return [s0, s1, s2]

    return S


# --- 택배/배송 ------------------------------------------------------------------------------
PARCELS = [
    "운동화",
    "겨울 이불",
    "프린터",
    "아이 책",
    "영양제",
    "캠핑 의자",
    "노트북 거치대",
    "선물 세트",
]


@scenario("택배/배송")
def parcel_inquiry(d: Dlg) -> Summaries:
    d.roles(agent="택배사 상담원", cust="고객")
    item = d.c(*PARCELS)
    waited = d.c("일주일째", "닷새째", "나흘째", "열흘 가까이")
    cause = d.c("hub", "wrong", "lost")
    redeliver = d.c("내일 오후", "모레 오전", "내일 중")
    d.say(
        "agent",
        d.c(
            "네, 한결택배 고객센터입니다.",
            "택배 고객센터 상담원 이지은입니다. 무엇을 도와드릴까요?",
            "안녕하세요, 빠른택배입니다. 어떤 문의세요?",
        ),
    )
    d.say(
        "cust",
        d.c(
            f"택배가 {waited} 안 와서요. {J(item, '인데')} 조회해 보면 계속 배송 중이라고만 나와요.",
            f"주문한 {J(item, '이')} {waited} 안 오는데 어떻게 된 건지 확인 좀 해 주세요.",
            f"{item} 택배 때문에 전화했는데요, {waited} 그대로예요.",
        ),
    )
    d.say(
        "agent",
        d.c(
            "불편을 드려 죄송합니다. 받으시는 분 연락처 확인 부탁드려요.",
            "확인해 드릴게요. 수령인 전화번호가 어떻게 되세요?",
            "죄송합니다. 조회를 위해 받는 분 휴대폰 번호 말씀해 주시겠어요?",
        ),
    )
    d.say(
        "cust",
        d.c("#PhoneNumber#예요.", "#PhoneNumber#로 돼 있을 거예요.", "제 번호 #PhoneNumber#요."),
    )
    if cause == "hub":
        d.say(
            "agent",
            d.c(
                "조회해 보니 물량이 몰려서 대전 터미널에 며칠 머물러 있었네요.",
                "중간 집하장에서 분류가 늦어져서 지연된 것 같습니다.",
            ),
        )
        d.say(
            "cust",
            d.c(
                "그럼 언제 받을 수 있어요? 급하게 써야 하는 거라서요.",
                "아, 그랬군요. 그럼 언제쯤 와요?",
            ),
        )
        d.say(
            "agent",
            d.c(
                f"오늘 출발해서 {redeliver}에는 도착할 예정입니다.",
                f"오늘 간선 차량에 실렸으니 {redeliver} 배송될 거예요.",
            ),
        )
    elif cause == "wrong":
        d.say(
            "agent",
            d.c(
                "확인해 보니 주소가 잘못 입력돼서 옆 동으로 배송 완료 처리가 됐어요.",
                "기사님이 비슷한 주소로 잘못 배송한 것 같습니다.",
            ),
        )
        d.say(
            "cust",
            d.c(
                "네? 제 주소는 #Address#예요. 그럼 물건은 어디 있어요?",
                "말도 안 돼요. #Address#로 보내 달라고 했는데요.",
            ),
        )
        d.say(
            "agent",
            d.c(
                f"기사님이 바로 회수해서 #Address#로 {redeliver} 다시 배송해 드릴게요.",
                f"물건 회수해서 {redeliver} 정확한 주소로 가져다 드리겠습니다.",
            ),
        )
    else:
        d.say(
            "agent",
            d.c(
                "죄송하지만 배송 중 분실된 것으로 확인됩니다.",
                "터미널에서 상자가 확인되지 않아 분실 처리된 것 같습니다.",
            ),
        )
        d.say("cust", d.c("분실이요? 그럼 어떻게 해요?", "허, 그럼 제 물건은 어떻게 되는 거예요?"))
        d.say(
            "agent",
            d.c(
                "판매처에 연락해서 재발송하시거나, 물품 금액을 보상받으실 수 있어요.",
                "보상 접수해 드릴 테니 판매처에서 재발송받으시면 됩니다.",
            ),
        )
    d.say(
        "cust",
        d.c(
            "다음부터는 이런 일 없게 해 주세요.",
            "알겠어요. 이번엔 꼭 좀 부탁드려요.",
            "네, 처리되면 문자 주세요.",
        ),
    )
    if d.p(0.5):
        d.say(
            "agent",
            d.c(
                "네, 진행 상황은 문자로 안내드리겠습니다.",
                "다시 한번 죄송합니다. 좋은 하루 보내세요.",
            ),
        )

    def S(P):
        C, A = P("cust"), P("agent")
        s0 = f"{J(C, '은')} {item} 택배가 {waited} 오지 않아 택배사에 문의하고, {J(A, '은')} #PhoneNumber#로 배송 상황을 조회한다."
        res = {
            "hub": f"터미널에서 분류가 늦어진 것이며 {redeliver} 도착할 예정이다.",
            "wrong": f"주소가 잘못 처리돼 다른 곳에 배송됐고, {redeliver} #Address#로 다시 배송하기로 한다.",
            "lost": "택배가 분실된 것으로 확인돼 판매처 재발송이나 보상을 안내받는다.",
        }[cause]
        s0 += " " + res
        s1 = f"{J(A, '은')} {C}의 {item} 배송이 늦어진 이유를 확인해 준다. " + res
        s2 = (
            f"{J(C, '은')} 지연된 {item} 택배를 문의하고, "
            + {
                "hub": f"{redeliver} 받기로 한다.",
                "wrong": f"잘못 배송된 물건을 {redeliver} 다시 받기로 한다.",
                "lost": "분실 보상 절차를 안내받는다.",
            }[cause]
        )
        return [s0, s1, s2]

    return S


LEAVE_SPOTS = [
    ("경비실", "경비실에 맡겨 주세요."),
    ("문 앞", "그냥 문 앞에 두고 가 주세요."),
    ("무인택배함", "1층 무인택배함에 넣어 주세요."),
    ("옆집", "옆집 사시는 분이 계시면 맡겨 주세요."),
]


@scenario("택배/배송")
def parcel_driver_call(d: Dlg) -> Summaries:
    d.roles(driver="택배 기사", cust="수령인")
    item = d.c(*PARCELS + ["냉동 만두", "김치 통", "생고기 선물 세트"])
    cold = item in ("냉동 만두", "김치 통", "생고기 선물 세트")
    spot, line = d.c(*LEAVE_SPOTS)
    later = d.p(0.35) or cold
    time = d.c("저녁 7시", "저녁 8시쯤", "6시 이후")
    d.say(
        "driver",
        d.c(
            f"안녕하세요, 택배 기사입니다. {item} 배송 왔는데 집에 아무도 안 계시네요.",
            f"여보세요, 택배입니다. {J(item, '이')} 왔는데 벨을 눌러도 대답이 없으셔서요.",
            f"택배 배송 왔습니다. 지금 댁에 안 계세요? {item} 하나 있어요.",
        ),
    )
    d.say(
        "cust",
        d.c(
            "아, 죄송해요. 지금 회사라서요.",
            "아이고, 지금 밖에 나와 있어요.",
            "아, 제가 지금 병원에 와 있어서요.",
        ),
    )
    if cold:
        d.say(
            "driver",
            d.c(
                f"{J(item, '이')} 냉장 보관해야 하는 거라 밖에 두기가 좀 그래서요.",
                "이게 아이스박스라서 오래 두면 녹을 것 같아요.",
            ),
        )
        d.say(
            "cust",
            d.c(
                f"그럼 {time}에 다시 와 주실 수 있어요?",
                f"혹시 {time}에 한 번 더 들러 주실 수 있나요?",
            ),
        )
        d.say(
            "driver",
            d.c(
                f"제가 {time}쯤 마지막 배송 돌 때 다시 들를게요.",
                f"네, {time} 이후에 다시 가져다 드릴게요.",
            ),
        )
    elif later:
        d.say(
            "cust",
            d.c(
                f"이건 비싼 거라 직접 받고 싶어요. {time}에 와 주실 수 있을까요?",
                f"제가 직접 받아야 하는 거라서요, {time}쯤 가능할까요?",
            ),
        )
        d.say(
            "driver",
            d.c(
                f"{J(time, '이면')} 제가 그 동네 다시 지나가니까 그때 갈게요.",
                f"네, {time}에 다시 연락드리고 갈게요.",
            ),
        )
    else:
        d.say("cust", line)
        if spot == "무인택배함":
            d.say(
                "driver",
                d.c(
                    "네, 무인택배함에 넣고 비밀번호는 문자로 보내 드릴게요.",
                    "무인택배함 3번 칸에 넣어 둘게요. 인증번호는 문자로 갈 거예요.",
                ),
            )
        elif spot == "옆집":
            d.say(
                "driver",
                d.c(
                    "옆집도 안 계시네요. 그럼 경비실에 맡겨 둘게요.",
                    "옆집 분이 받아 주신대요. 옆집에 맡겼습니다.",
                ),
            )
            if "경비실" in d.turns[-1][1]:
                spot = "경비실"
        else:
            d.say(
                "driver",
                d.c(
                    f"네, {spot}에 두고 사진 찍어서 보내 드릴게요.",
                    f"알겠습니다. {spot}에 놓고 갈게요.",
                ),
            )
    d.say(
        "cust",
        d.c(
            "감사합니다. 수고 많으세요.",
            "번거롭게 해 드려서 죄송해요. 감사합니다.",
            "네, 고맙습니다!",
        ),
    )

    def S(P):
        C, D = P("cust"), P("driver")
        if cold:
            res = f"냉장 보관이 필요한 물건이라 {J(D, '이')} {time}에 다시 배송하기로 한다"
        elif later:
            res = f"{J(C, '이')} 직접 받고 싶어 해 {time}에 다시 오기로 한다"
        else:
            res = f"{C}의 요청에 따라 {spot}에 맡기기로 한다"
        s0 = f"{J(D, '은')} {item} 배송을 왔지만 {J(C, '이')} 집에 없어 전화한다. {res}."
        s1 = f"{J(C, '이')} 집을 비운 사이 {J(item, '이')} 도착하고, 통화 끝에 {res}."
        s2 = f"{item} 택배를 두고 {J(D, '과')} {J(C, '이')} 통화해 {res}."
        return [s0, s1, s2]

    return S


@scenario("택배/배송")
def parcel_family_mixup(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.6) else [])
    item = d.c(
        "블루투스 키보드",
        "화장품 세트",
        "강아지 사료",
        "전공 책",
        "등산화",
        "커피 원두",
        "무선 충전기",
        "겨울 코트",
    )
    case = d.c("opened", "missing", "wrong")
    if case == "opened":
        d.say(
            "a",
            d.c(
                f"현관에 온 택배 내 건 줄 알고 뜯었는데 {J(item, '이')} 들어 있더라. 네 거야?",
                f"아까 택배 하나 뜯었는데 {J(item, '이')} 있던데, 누가 시켰어?",
                f"혹시 {item} 시킨 사람? 내 건 줄 알고 열어 버렸어.",
            ),
        )
        d.say(
            "b",
            d.c(
                "어, 그거 내 거야! 왜 뜯었어?",
                "아, 그거 내가 주문한 건데. 이름 확인 안 했어?",
                f"{J(item, '이')}면 내 거야. 받는 사람 이름 안 봤어?",
            ),
        )
        d.say(
            "a",
            d.c(
                "미안, 이름을 제대로 안 봤어. 상자가 비슷해서.",
                "미안해. 나도 비슷한 거 시켜서 헷갈렸어.",
                "진짜 미안. 내 이름인 줄 알았어.",
            ),
        )
        d.say(
            "b",
            d.c(
                "포장 뜯으면 반품도 안 되는데...",
                "혹시 흠집 난 데는 없지?",
                "선물하려던 거라 포장 그대로 둬야 했는데.",
            ),
        )
        d.say(
            "a",
            d.c(
                "조심해서 열어서 물건은 멀쩡해.",
                "다시 테이프로 붙여 놨어. 정말 미안.",
                "미안해서 어떡하지. 내가 포장지 사 올게.",
            ),
        )
        if "c" in ppl:
            d.say(
                "c",
                d.c(
                    "앞으로는 받는 사람 이름 꼭 보고 뜯자.",
                    "택배 올 때 단톡방에 누구 건지 올리면 되겠네.",
                    "현관에 택배 놓는 칸을 사람별로 나누자.",
                ),
            )
        d.say(
            "b",
            d.c(
                "괜찮아. 다음부터 조심해 줘.",
                "됐어, 물건만 멀쩡하면 돼. 다음엔 확인하고 열어.",
                "알았어, 이번만 봐준다.",
            ),
        )
        out_s = "앞으로는 받는 사람 이름을 확인하기로 한다"
    elif case == "missing":
        d.say(
            "a",
            d.c(
                f"내 {item} 배송 완료라고 떴는데 문 앞에 없어.",
                f"{item} 택배 온다고 했는데 혹시 본 사람?",
                f"오늘 {J(item, '이')} 왔다는데 어디 있는지 알아?",
            ),
        )
        d.say(
            "b",
            d.c(
                "난 못 봤는데? 경비실에 있는 거 아니야?",
                "아까 나갈 때는 문 앞에 아무것도 없었어.",
                "글쎄, 난 하루 종일 방에 있었는데 벨 소리 못 들었어.",
            ),
        )
        d.say(
            "a",
            d.c(
                "경비실에도 없대. 방금 전화해 봤어.",
                "경비실은 벌써 가 봤지. 없더라.",
                "배송 문자엔 문 앞이라고 돼 있어.",
            ),
        )
        if "c" in ppl:
            d.say(
                "c",
                d.c(
                    "사진 찍힌 거 있나 배송 문자 확인해 봐.",
                    "배송 완료 사진 보내 주잖아. 그거 봐 봐.",
                ),
            )
            d.say(
                "a",
                d.c(
                    "사진 보니까 우리 집 문이 아닌데? 옆집인가 봐.",
                    "배송 사진을 보니 다른 층 같아.",
                ),
            )
        fix = d.c("neighbor", "driver", "cctv")
        d.say(
            "b",
            {
                "neighbor": "그럼 내가 옆집이랑 아래층에 물어볼게.",
                "driver": "택배 기사님한테 바로 전화해 보자. 번호 문자에 있잖아.",
                "cctv": "관리사무소에 CCTV 한번 보여 달라고 하자.",
            }[fix],
        )
        d.say(
            "a",
            d.c(
                "응, 그래도 없으면 판매처에 연락해야겠다.",
                "좋아, 같이 가자.",
                "그래, 고마워. 비싼 건데 꼭 찾아야 해.",
            ),
        )
        out_s = {
            "neighbor": "이웃집에 물어보기로 한다",
            "driver": "택배 기사에게 전화해 보기로 한다",
            "cctv": "관리사무소에 CCTV 확인을 요청하기로 한다",
        }[fix]
    else:
        d.say(
            "a",
            d.c(
                f"이거 봐, {J(item, '을')} 시켰는데 전혀 다른 게 왔어.",
                f"{item} 주문했는데 다른 사람 물건이 왔네.",
                f"택배 열었더니 {J(item, '이')} 아니라 웬 그릇이 들어 있어.",
            ),
        )
        d.say(
            "b",
            d.c(
                "송장 봐 봐. 받는 사람이 누구로 돼 있어?",
                "어? 상자에 붙은 이름은 뭐로 돼 있는데?",
                "진짜? 주문 내역부터 확인해 봐.",
            ),
        )
        d.say(
            "a",
            d.c(
                "주소는 우리 집인데 이름이 달라.",
                "내 이름은 맞는데 물건이 바뀌었어.",
                "주문 내역엔 분명히 맞게 돼 있어.",
            ),
        )
        if "c" in ppl:
            d.say(
                "c",
                d.c(
                    "판매처 실수 같은데? 고객센터에 사진 찍어서 보내.",
                    "포장할 때 바뀐 것 같은데, 판매처에 바로 말해.",
                ),
            )
        d.say(
            "a",
            d.c(
                "판매처에 바로 연락해서 교환해 달라고 해야겠다.",
                "일단 사진 찍어 두고 내일 판매처에 전화할게.",
            ),
        )
        d.say(
            "b",
            d.c(
                "그래, 박스는 버리지 말고 그대로 둬.",
                "응, 회수해 갈 때까지 현관에 둬.",
                "그 사람도 네 물건 받았을지 모르겠다.",
            ),
        )
        out_s = "판매처에 연락해 교환을 요청하기로 한다"

    def S(P):
        group = J(listing([P(p) for p in d.order()]), "은")
        first = {
            "opened": f"{J(P('a'), '이')} {P('b')}의 {item} 택배를 자기 것인 줄 알고 뜯어 사과한다",
            "missing": f"{J(P('a'), '은')} {item} 택배가 배송 완료로 떴지만 찾지 못한다",
            "wrong": f"{J(P('a'), '은')} {J(item, '을')} 주문했는데 엉뚱한 물건을 받는다",
        }[case]
        s0 = f"{first}. {group} {out_s}."
        s1 = f"{group} {item} 택배 문제로 이야기를 나누고, {out_s}."
        s2 = f"{first}. 결국 {out_s}."
        return [s0, s1, s2]

    return S


# --- 운동/건강 ------------------------------------------------------------------------------
GYM_PLANS = [("1개월", 8), ("3개월", 21), ("6개월", 36), ("1년", 60)]


@scenario("운동/건강")
def health_gym_register(d: Dlg) -> Summaries:
    d.roles(staff="헬스장 직원", cust="손님")
    (term, price), pt = d.c(*GYM_PLANS), d.p(0.45)
    goal = d.c("다이어트", "체력 관리", "허리 재활", "근력 운동", "바디 프로필 준비")
    locker = d.p(0.5)
    d.say(
        "cust",
        d.c(
            "여기 등록하려고 하는데 가격이 어떻게 돼요?",
            f"안녕하세요, {goal} 때문에 운동 좀 하려고 왔어요.",
            "헬스장 회원권 상담받고 싶어서요.",
        ),
    )
    if d.said(goal):
        d.say(
            "staff",
            d.c(
                "네, 어서 오세요. 운동은 처음 하세요?",
                "반갑습니다. 혹시 다른 헬스장 다녀 보셨어요?",
            ),
        )
        d.say(
            "cust",
            d.c(
                "완전 초보예요.",
                "예전에 조금 해 봤어요.",
                "몇 년 전에 잠깐 다녔는데 거의 기억이 안 나요.",
            ),
        )
    else:
        d.say(
            "staff",
            d.c(
                "운동은 처음 하세요? 목적이 있으세요?",
                "네, 어서 오세요. 운동 목적이 어떻게 되세요?",
            ),
        )
        d.say(
            "cust",
            d.c(
                f"{J(goal, '이')} 목표예요. 예전에 조금 해 봤어요.",
                f"완전 초보예요. {goal} 생각하고 있어요.",
                f"회사 건강검진 결과가 안 좋아서요. {goal} 위주로 하려고요.",
            ),
        )
    d.say(
        "staff",
        d.c(
            f"그럼 {term} 회원권 추천드려요. {price}만 원인데 지금 등록하시면 운동복 대여가 무료예요.",
            f"처음이시면 {J(term, '으로')} 시작해 보세요. {price}만 원이에요.",
        ),
    )
    if pt:
        d.say(
            "staff",
            d.c(
                "PT도 같이 받으시면 자세 잡는 데 도움이 많이 돼요. 10회에 50만 원이에요.",
                "초보시면 PT 10회 정도 받으시는 걸 권해 드려요. 50만 원이에요.",
            ),
        )
        pt_yes = d.p(0.6)
        d.say(
            "cust",
            d.c("네, PT도 같이 할게요. 혼자 하면 작심삼일이라서요.", "그럼 PT도 등록할게요.")
            if pt_yes
            else d.c(
                "PT는 좀 부담스러워서 혼자 해 볼게요.",
                "일단 헬스만 하고 PT는 나중에 생각해 볼게요.",
            ),
        )
    if locker:
        d.say("cust", d.c("샤워실이랑 개인 사물함도 있어요?", "운동복이랑 수건은 주시는 거죠?"))
        d.say(
            "staff",
            d.c(
                "샤워실은 무료고, 개인 사물함은 한 달에 1만 원이에요.",
                "운동복이랑 수건은 기본 제공이에요. 사물함만 따로 월 1만 원이고요.",
            ),
        )
    q, a = d.c(
        ("운영 시간은 어떻게 돼요?", "평일은 새벽 6시부터 밤 11시까지, 주말은 오후 6시까지 해요."),
        ("주말에도 열어요?", "네, 주말은 오전 9시부터 오후 6시까지 열어요."),
        ("새벽에도 할 수 있어요?", "평일 새벽 6시에 문 열어요. 출근 전에 많이들 오세요."),
        (
            "사람 많은 시간은 언제예요?",
            "저녁 7시에서 9시 사이가 제일 붐벼요. 그때만 피하시면 돼요.",
        ),
    )
    d.say("cust", q)
    d.say("staff", a)
    d.say(
        "cust",
        d.c(
            f"좋아요. {J(term, '으로')} 할게요.",
            f"그럼 {term} 등록할게요. 카드 되죠?",
            f"알겠어요, 오늘 {term} 끊을게요.",
        ),
    )

    def S(P):
        C, T = P("cust"), P("staff")
        s0 = f"{J(C, '은')} {J(goal, '을')} 위해 헬스장에 등록하러 오고, {J(T, '은')} {price}만 원짜리 {term} 회원권을 추천한다. {J(C, '은')} {term} 회원권을 끊는다."
        if pt:
            s0 += (
                " PT 10회 50만 원도 함께 등록한다."
                if pt_yes
                else " PT는 부담스러워 하지 않기로 한다."
            )
        s1 = f"{J(T, '은')} {J(C, '에게')} 회원권 가격과 운영 시간을 안내하고, {J(C, '은')} {J(term, '으로')} 등록한다."
        s2 = f"{J(C, '이')} {goal} 목적으로 헬스장 {term} 회원권을 {price}만 원에 등록한다."
        return [s0, s1, s2]

    return S


SPORTS = [
    ("러닝", "한강", "러닝화", "저녁 먹고 8시"),
    ("수영", "구민체육센터 수영장", "수영복이랑 수경", "아침 7시"),
    ("등산", "북한산", "등산화", "토요일 아침 8시"),
    ("배드민턴", "동네 체육관", "라켓", "목요일 저녁 7시"),
    ("자전거", "한강 자전거길", "헬멧", "일요일 오전 10시"),
    ("요가", "집 앞 요가원", "요가 매트", "화요일 저녁 8시"),
]


@scenario("운동/건강")
def health_friends_exercise(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.55) else [])
    sport, place, gear, when = d.c(*SPORTS)
    reason = d.c(
        "요즘 배가 너무 나왔어.",
        "건강검진에서 운동하라는 소리 들었어.",
        "계단만 올라가도 숨이 차.",
        "하루 종일 앉아만 있으니까 허리가 아파.",
    )
    lazy = d.p(0.5)
    d.say(
        "a",
        d.c(
            f"{reason} 우리 같이 {J(sport, '이라도')} 할래?",
            f"{reason} 나랑 {sport} 같이 하자.",
            f"야, {reason} 혼자는 못 하겠고 {sport} 같이 할 사람?",
        ),
    )
    if lazy:
        d.say(
            "b",
            d.c("난 귀찮은데... 작심삼일 될 것 같아.", "운동? 나 그런 거 오래 못 하는 거 알잖아."),
        )
        if d.p(0.5):
            d.say(
                "a",
                d.c(
                    "그러니까 같이 하자는 거지. 서로 감시하면 되잖아.",
                    "혼자 하면 그렇지. 둘이 하면 달라.",
                ),
            )
            d.say("b", d.c("그래, 대신 처음엔 살살 하자.", "알았어. 근데 나 힘들면 쉬는 거다?"))
        else:
            d.say(
                "a",
                d.c(
                    "빠지면 벌금 내기 하자. 한 번에 만 원!",
                    "그럼 빠질 때마다 벌금 내자. 커피 한 잔씩.",
                ),
            )
            d.say("b", d.c("벌금까지? 알았어, 해 보자.", "벌금이면 빠질 수가 없겠네. 좋아."))
    else:
        d.say(
            "b",
            d.c(
                "좋아! 나도 안 그래도 뭐 할까 고민하고 있었어.", f"오, {sport} 좋지. 나도 끼워 줘."
            ),
        )
    if "c" in ppl:
        d.say(
            "c",
            d.c(
                f"나도 할래. {place} 어때? 거기 좋던데.",
                f"나도 끼면 안 돼? {J(sport, '은')} 내가 좀 해 봤어.",
            ),
        )
    d.say(
        "a",
        d.c(
            f"그럼 {when}에 {place}에서 하자.",
            f"{place}에서 {when}에 만나는 걸로 하자.",
            f"매주 {when}, {place} 어때?",
        ),
    )
    d.say(
        "b",
        d.c(
            f"{J(gear, '이')} 없는데 하나 사야겠다.",
            f"나 {gear} 없어. 주말에 같이 사러 갈래?",
            "오케이, 알람 맞춰 놓을게.",
        ),
    )
    if d.turns[-1][0] != "a":
        d.say(
            "a" if "c" not in ppl else "c",
            d.c(
                "좋아, 이번엔 진짜 꾸준히 해 보자!",
                "한 달만 버텨 보자. 파이팅!",
                "단톡방 만들어서 인증샷 올리자.",
            ),
        )

    def S(P):
        group = J(listing([P(p) for p in d.order()]), "은")
        s0 = f"{J(P('a'), '은')} 건강을 위해 {J(sport, '을')} 같이 하자고 제안한다."
        if lazy:
            s0 += (
                f" {J(P('b'), '은')} 귀찮아하지만 빠지면 벌금을 내기로 하고 참여한다."
                if d.said("벌금")
                else f" {J(P('b'), '은')} 귀찮아하다가 결국 함께하기로 한다."
            )
        s0 += f" {group} {when}에 {place}에서 운동하기로 한다."
        s1 = f"{group} {J(sport, '을')} 함께 시작하기로 하고, {when}에 {place}에서 만나기로 한다."
        s2 = f"{J(P('a'), '의')} 제안으로 {group} {place}에서 {J(sport, '을')} 하기로 한다."
        return [s0, s1, s2]

    return S


HEALTH_RESULTS = [
    ("혈압이 높게 나왔대", "혈압이 높다는", "짜게 먹지 말고"),
    ("콜레스테롤 수치가 높대", "콜레스테롤 수치가 높다는", "기름진 거 줄이고"),
    ("공복 혈당이 경계선이래", "혈당이 경계선이라는", "단 거랑 밥 양 좀 줄이고"),
    ("지방간이 있대", "지방간이 있다는", "술을 끊고"),
]


@scenario("운동/건강")
def health_family_checkup(d: Dlg) -> Summaries:
    ppl = ["kid", "dad"] + (["mom"] if d.p(0.6) else [])
    d.roles(**{"kid": "자녀", "dad": "아버지", **({"mom": "어머니"} if "mom" in ppl else {})})
    res, res_s, diet = d.c(*HEALTH_RESULTS)
    plan = d.c(
        "저녁 먹고 30분씩 걷기",
        "주말마다 가족 등산",
        "아침에 공원 한 바퀴 걷기",
        "실내 자전거 타기",
    )
    smoke = d.p(0.4)
    recheck = d.c("3개월 뒤", "6개월 뒤", "다음 달")
    d.say(
        "kid",
        d.c(
            "아빠, 건강검진 결과 나왔어요? 뭐래요?",
            "아빠, 검진 결과지 봤어요. 의사 선생님이 뭐라셨어요?",
        ),
    )
    d.say(
        "dad",
        d.c(
            f"별거 아니야. {res}.",
            f"음... {res}. 약 먹을 정도는 아니래.",
            f"{res}. 그래도 아직 괜찮대.",
        ),
    )
    if "mom" in ppl:
        d.say(
            "mom",
            d.c(
                "별거 아니긴요. 의사 선생님이 생활 습관 꼭 바꾸라고 했잖아요.",
                "그러니까 내가 야식 그만 먹으라고 했잖아요.",
            ),
        )
    d.say(
        "kid", d.c(f"아빠, 이제부터 {diet} 운동도 하셔야 해요.", f"{diet} 운동 시작하셔야겠어요.")
    )
    if smoke:
        d.say("kid", "그리고 담배도 이번 기회에 끊으세요.")
        d.say(
            "dad",
            d.c(
                "담배는... 알았다, 줄여 볼게.",
                "그래, 이번엔 진짜 끊어 볼게. 금연 클리닉 가 보지 뭐.",
            ),
        )
    d.say(
        "dad",
        d.c(
            "운동은 시간이 없어서 그렇지.",
            "나이 들어서 무슨 운동이야.",
            "운동은 혼자 하면 재미가 없어서.",
        ),
    )
    helper = "kid" if "mom" not in ppl else d.c("kid", "mom")
    d.say(
        helper,
        d.c(
            f"그럼 {J(plan, '은')} 어때요? 제가 같이 할게요.",
            f"{plan}부터 해요. 같이 하면 할 만할 거예요.",
            f"{plan}부터 시작해요. 혼자 하라는 거 아니에요.",
        ),
    )
    d.say(
        "dad",
        d.c(
            "알았어, 알았어. 오늘부터 해 보자.",
            f"그래, {recheck} 재검사 때는 좋아져 있어야지.",
            "같이 해 준다니 해 봐야겠네.",
        ),
    )

    def S(P):
        K, D = P("kid"), P("dad")
        s0 = f"{J(D, '은')} 건강검진에서 {res_s} 결과를 받고, {J(K, '은')} 식습관을 바꾸고 운동을 하라고 권한다."
        if smoke:
            s0 += f" 담배도 끊으라는 말에 {J(D, '은')} 노력해 보겠다고 한다."
        s0 += f" 가족은 {J(plan, '을')} 함께 하기로 한다."
        s1 = f"{J(K, '은')} {D}의 검진 결과를 걱정하며 {J(plan, '을')} 같이 하자고 설득하고, {J(D, '은')} 결국 받아들인다."
        s2 = f"{res_s} 검진 결과에 가족은 {J(D, '과')} 함께 {J(plan, '을')} 하기로 한다."
        return [s0, s1, s2]

    return S


# --- 가족 행사 ------------------------------------------------------------------------------
PARENT_EVENTS = ["엄마 환갑", "부모님 결혼 30주년", "아빠 칠순", "엄마 생신", "부모님 결혼 35주년"]
FAMILY_GIFTS = [
    ("안마의자", "거실에 둘 데가 없잖아."),
    ("여행 상품권", "두 분이 여행 가실 시간이 있으실까?"),
    ("현금 봉투", "현금은 너무 성의 없어 보이지 않아?"),
    ("건강검진권", "그건 좀 부담스러워하실 것 같은데."),
    ("금반지", "요즘 금값이 너무 올랐어."),
    ("커플 시계", "두 분 다 시계 잘 안 차시잖아."),
]
FAMILY_PLACES = ["한정식집 룸", "호텔 뷔페", "집 근처 갈빗집", "바다 보이는 횟집"]


@scenario("가족 행사")
def family_parents_event(d: Dlg) -> Summaries:
    ppl = ["a", "b", "c"] + (["d"] if d.p(0.55) else [])
    event = d.c(*PARENT_EVENTS)
    (g1, obj1), (g2, _) = d.k(FAMILY_GIFTS, 2)
    place = d.c(*FAMILY_PLACES)
    share = d.c(20, 30, 50)
    date = d.c(
        "다음 달 첫째 주 토요일", "이번 달 마지막 일요일", "생신 전날 저녁", "다음 주 일요일 점심"
    )
    booker = d.c(*ppl[1:])
    d.say(
        "a",
        d.c(
            f"{event} 얼마 안 남았는데 뭐 할지 정하자.",
            f"다들 {event} 준비 생각해 봤어?",
            f"{event} 어떻게 할 거야? 이번엔 좀 제대로 하자.",
        ),
    )
    d.say(
        "b",
        d.c(
            f"{J(g1, '은')} 어때? 전에 갖고 싶다고 하셨던 것 같은데.",
            f"선물은 {J(g1, '이')} 좋지 않을까?",
        ),
    )
    d.say("c", d.c(f"음, {obj1}", f"글쎄, {obj1}"))
    if "d" in ppl:
        d.say(
            "d",
            d.c(f"그럼 {J(g2, '은')}? 그게 제일 무난할 것 같아.", f"나는 {J(g2, '이')} 낫다고 봐."),
        )
        chooser = "d"
    else:
        d.say("c", d.c(f"차라리 {J(g2, '은')} 어때?", f"{J(g2, '이')} 더 실용적일 것 같아."))
        chooser = "c"
    d.say(
        "a",
        d.c(
            f"좋다, {J(g2, '으로')} 하자. 식사는 {place}에서 하고.",
            f"그래, 선물은 {g2}. 밥은 {place} 어때?",
        ),
    )
    d.say(
        "b", d.c(f"돈은 한 사람당 {share}만 원씩 걷자.", f"그럼 각자 {share}만 원씩 내면 되겠다.")
    )
    if d.p(0.5):
        d.say(
            "c",
            d.c(
                f"나 이번 달 좀 빠듯한데, {share}만 원 다음 달에 줘도 돼?",
                "나 요즘 카드값 때문에 죽겠는데... 그래도 낼게.",
            ),
        )
        d.say("a", d.c("그래, 급한 거 아니니까 천천히 줘.", "괜찮아, 내가 먼저 내 둘게."))
    d.say(
        booker,
        d.c(
            f"예약은 내가 할게. {J(date, '으로')} 잡으면 되지?",
            f"{place} 예약은 내가 맡을게. {date} 괜찮아?",
        ),
    )
    d.say(
        "a" if booker != "a" else "b",
        d.c(
            "응, 엄마 아빠한테는 비밀로 하자.",
            "좋아. 케이크는 내가 사 갈게.",
            "완벽해. 단톡방에 정리해서 올릴게.",
        ),
    )

    def S(P):
        group = J(listing([P(p) for p in d.order()]), "은")
        s0 = (
            f"{group} {event} 준비를 의논한다. {J(P('b'), '이')} 말한 {J(g1, '은')} 반대에 부딪히고 {J(P(chooser), '이')} 제안한 {J(g2, '으로')} 정한다. "
            f"식사는 {place}에서 하고, 한 사람당 {share}만 원씩 내며 예약은 {J(P(booker), '이')} 맡는다."
        )
        s1 = f"{J(event, '을')} 맞아 {group} 선물로 {J(g2, '을')}, 식사 장소로 {J(place, '을')} 정하고 {date}에 모이기로 한다."
        s2 = f"{group} {event} 선물과 식사를 준비하기로 하고 각자 {share}만 원씩 낸다."
        return [s0, s1, s2]

    return S


HOLIDAYS = [("추석", "대구"), ("설", "광주"), ("추석", "전주"), ("설", "강릉"), ("추석", "부산")]
HOLIDAY_FOODS = ["전", "갈비찜", "잡채", "식혜", "과일 상자"]


@scenario("가족 행사")
def family_holiday_visit(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.5) else [])
    d.roles(**({"a": "아내", "b": "남편"} if "c" not in ppl else {}))
    hol, city = d.c(*HOLIDAYS)
    leave = d.c("새벽 5시", "새벽 6시", "전날 밤 10시", "아침 7시")
    food = d.c(*HOLIDAY_FOODS)
    nights = d.c("하룻밤", "이틀")
    train = d.p(0.35)
    driver = d.c("a", "b")
    d.say(
        "a",
        d.c(
            f"이번 {hol}에 {city} 언제 내려갈까?",
            f"{hol} 연휴에 {city} 가는 거 몇 시에 출발할지 정해야지.",
            f"벌써 {J(hol, '이')} 다음 주네. {city} 내려갈 준비 해야겠다.",
        ),
    )
    if train:
        d.say(
            "b",
            d.c(
                "올해는 차 막히는 거 싫어서 기차 타고 가는 게 어때?",
                "차로 가면 여덟 시간 걸릴 텐데 KTX 타자.",
            ),
        )
        d.say(
            "a", d.c("표가 남아 있을까? 지금 바로 예매해 보자.", "그래, 운전 안 해도 되니까 좋다.")
        )
    else:
        d.say(
            "b",
            d.c(f"차 막히기 전에 {leave}에 출발하자.", f"{leave}에 나가면 좀 덜 막히지 않을까?"),
        )
        d.say(
            "a",
            d.c(
                "너무 이른 거 아니야? 애들 깨우기 힘든데.",
                "그래, 일찍 가는 게 낫지.",
                "좋아. 가는 길에 휴게소에서 아침 먹자.",
            ),
        )
        d.say(driver, d.c("운전은 내가 할게. 오는 길엔 교대하자.", "가는 건 내가 운전할게."))
    if "c" in ppl:
        d.say(
            "c",
            d.c(
                f"할머니가 {J(food, '을')} 좋아하시니까 내가 만들어 갈게.",
                f"엄마, 나도 {J(food, '을')} 같이 준비할게.",
            ),
        )
        cook = "c"
    else:
        d.say(
            "b",
            d.c(
                f"어머니 혼자 음식 하시기 힘드니까 우리가 {J(food, '을')} 해 가자.",
                f"{J(food, '은')} 우리가 준비해 가자.",
            ),
        )
        cook = "b"
    d.say(
        "a",
        d.c(
            f"좋아. {nights} 자고 올라오자.",
            f"그래, 이번엔 {nights} 있다 오자.",
            f"{nights} 자고 와야 덜 피곤하겠다.",
        ),
    )
    if d.turns[-1][0] != "b":
        d.say(
            "b",
            d.c(
                "오는 날은 좀 일찍 나오자.",
                "선물 세트는 내일 마트 가서 사자.",
                "부모님께 도착 시간 미리 말씀드려 놓을게.",
            ),
        )

    def S(P):
        group = J(listing([P(p) for p in d.order()]), "은")
        move = (
            "KTX를 타고 가기로 한다."
            if train
            else f"{leave}에 차로 출발하며 운전은 {J(P(driver), '이')} 맡는다."
        )
        s0 = (
            f"{group} {hol}에 {city}에 내려가는 일정을 정한다. {move} "
            f"{J(P(cook), '이')} {J(food, '을')} 준비해 가고 {nights} 자고 오기로 한다."
        )
        s1 = f"{hol} 연휴를 앞두고 {group} {city} 방문 계획을 세우고, {J(food, '을')} 준비해 {nights} 머물기로 한다."
        s2 = f"{group} {hol}에 {city}에 가서 {nights} 자고 오기로 한다." + (
            " 기차를 이용한다." if train else f" {leave}에 출발한다."
        )
        return [s0, s1, s2]

    return S


FAMILY_EVENTS = [
    ("사촌 동생 결혼식", "그랜드 웨딩홀", "축의금", "정장"),
    ("조카 돌잔치", "라온 뷔페 연회장", "돌 반지", "깔끔한 원피스"),
    ("큰아버지 팔순 잔치", "한정식집", "봉투", "한복"),
    ("이모네 집들이", "이모네 새 아파트", "휴지랑 세제", "편한 옷"),
]


@scenario("가족 행사")
def family_event_attend(d: Dlg) -> Summaries:
    rel = d.c("siblings", "spouses", "mother_child")
    if rel == "mother_child":
        d.roles(a="엄마", b="자녀")
    event, venue, gift, outfit = d.c(*FAMILY_EVENTS)
    date = d.c(
        "이번 주 토요일 12시",
        "다음 주 일요일 1시",
        "이번 주 일요일 11시 반",
        "다음 달 둘째 주 토요일 2시",
    )
    amount = d.c("10만 원", "20만 원", "30만 원", "5만 원")
    meet = d.c("역 앞", "집 앞", "버스 정류장", "지하철 3번 출구")
    carpool = d.p(0.5)
    late = d.p(0.35)
    d.say(
        "a",
        {
            "siblings": f"{event} {J(date, '이지')}? 너도 갈 거야?",
            "spouses": f"여보, {event} {J(date, '이지')}? 같이 갈 거지?",
            "mother_child": f"너 {event} {date}인 거 잊지 않았지?",
        }[rel],
    )
    d.say(
        "b",
        d.c(
            "당연히 가야지. 장소가 어디였지?",
            "응, 갈 거야. 어디서 한다고 했더라?",
            "아, 맞다. 깜빡할 뻔했네. 어디서 해?",
        ),
    )
    d.say(
        "a",
        d.c(
            f"{venue}에서 한대. 주차가 좀 어렵다더라.",
            f"{J(venue, '이야')}. 초대장에 지도 있어.",
            f"{venue}. 문자로 주소 보내 줄게.",
        ),
    )
    if gift in ("축의금", "봉투"):
        d.say(
            "b", d.c(f"{J(gift, '은')} 얼마나 해야 돼?", f"{J(gift, '은')} 어떻게 할까? 같이 낼까?")
        )
        d.say(
            "a",
            d.c(f"가까운 사이니까 {J(amount, '은')} 해야지.", f"우리 둘이 합쳐서 {amount} 하자."),
        )
        gift_conn, gift_end = (
            f"{J(gift, '은')} {J(amount, '으로')} 하고",
            f"{J(gift, '은')} {J(amount, '으로')} 정한다",
        )
    else:
        d.say(
            "b",
            d.c(
                f"선물은 뭐 사 가? {J(gift, '이')} 무난하지 않을까?",
                f"빈손으로 가긴 그렇고, {gift} 어때?",
            ),
        )
        d.say(
            "a",
            d.c(f"좋아, {J(gift, '은')} 내가 준비할게.", f"그래, {gift} 사 가자. 돈은 반반 내자."),
        )
        gift_conn, gift_end = (
            f"선물로 {J(gift, '을')} 준비하고",
            f"선물로 {J(gift, '을')} 준비하기로 한다",
        )
    if late:
        d.say(
            "b",
            d.c(
                "근데 나 그날 오전에 일이 있어서 조금 늦을 수도 있어.",
                "나 그날 아침에 출근해야 해서 조금 늦을 것 같아.",
            ),
        )
        d.say("a", d.c("그럼 시작 전까지만 와. 자리 맡아 둘게.", "알았어, 늦으면 전화해."))
    if carpool:
        d.say(
            "a", d.c(f"{meet}에서 만나서 내 차로 같이 가자.", f"차 한 대로 가자. {meet}에서 보자.")
        )
        meet_s = f"{meet}에서 만나 같이 가기로 한다"
    else:
        d.say("a", d.c("주차가 어려우니까 지하철 타고 가.", "차 가져가지 말고 대중교통 타자."))
        meet_s = "대중교통으로 가기로 한다"
    d.say(
        "b",
        d.c(
            f"알았어. 옷은 {outfit} 입으면 되겠지?",
            f"오케이. 나 {J(outfit, '이')} 있었나 찾아봐야겠다.",
            "알았어, 그날 봐.",
        ),
    )

    def S(P):
        A, B = P("a"), P("b")
        s0 = f"{J(A, '과')} {J(B, '은')} {date} {venue}에서 열리는 {event}에 함께 가기로 한다. {gift_conn}, {meet_s}."
        if late:
            s0 += f" {J(B, '은')} 그날 일이 있어 조금 늦을 수 있다."
        s1 = f"{J(A, '은')} {J(B, '에게')} {event} 일정을 확인시킨다. 두 사람은 {gift_conn} {meet_s}."
        s2 = f"{J(A, '과')} {J(B, '은')} {event}에 참석하기로 하고 {gift_end}."
        return [s0, s1, s2]

    return S


# --- 취업 면접 ------------------------------------------------------------------------------
JOBS = [
    (
        "마케팅",
        "SNS 광고 캠페인을 맡아서 팔로워를 두 배로 늘린 경험이 있습니다.",
        "SNS 캠페인 경험",
    ),
    (
        "프론트엔드 개발",
        "팀 프로젝트에서 쇼핑몰 웹사이트 화면을 혼자 만들었습니다.",
        "쇼핑몰 웹사이트 개발 경험",
    ),
    ("회계", "세무사 사무실에서 6개월 동안 인턴으로 일했습니다.", "세무사 사무실 인턴 경험"),
    ("영업 관리", "편의점 점장으로 2년 일하면서 매출을 20% 올렸습니다.", "편의점 매출 관리 경험"),
    ("인사", "학생회에서 신입생 행사 운영을 맡았습니다.", "학생회 행사 운영 경험"),
    ("물류 관리", "물류센터에서 재고 관리 아르바이트를 1년 했습니다.", "물류센터 재고 관리 경험"),
]
STRENGTHS = [
    ("꼼꼼한 편이라 실수가 적습니다.", "꼼꼼함"),
    ("사람들과 금방 친해지는 게 장점입니다.", "친화력"),
    ("한번 맡은 일은 끝까지 책임지는 편입니다.", "책임감"),
    ("새로운 걸 빨리 배우는 편입니다.", "빠른 학습 능력"),
]
WEAKNESSES = [
    "가끔 일을 혼자 다 하려는 게 단점이라 요즘은 도움을 먼저 요청하려고 합니다.",
    "발표할 때 긴장을 많이 해서 스터디에서 발표 연습을 하고 있습니다.",
    "완벽하게 하려다 시간이 걸리는 편이라 마감 계획을 먼저 세웁니다.",
]


@scenario("취업 면접")
def job_interview(d: Dlg) -> Summaries:
    two = d.p(0.5)
    job, exp, exp_s = d.c(*JOBS)
    strength, strength_s = d.c(*STRENGTHS)
    q_back = d.c(
        (
            "입사하면 어떤 교육을 받게 되나요?",
            "처음 한 달은 선배랑 같이 일하면서 배우게 돼요.",
            "신입 교육",
        ),
        (
            "이 팀은 주로 어떤 분들과 협업하나요?",
            "디자인팀, 영업팀이랑 매주 회의를 해요.",
            "협업 부서",
        ),
        ("야근이 많은 편인가요?", "분기 말에는 좀 있지만 평소에는 거의 없어요.", "야근"),
    )
    notice = d.c("일주일 안에", "다음 주 금요일까지", "3일 안에")
    d.roles(**({"i1": "면접관", "cand": "지원자"} if not two else {}))
    d.say(
        "i1",
        d.c(
            f"안녕하세요. {job} 직무에 지원하셨죠? 간단하게 자기소개 부탁드립니다.",
            f"긴장 푸시고요. {job} 지원자분 맞으시죠? 자기소개부터 해 주세요.",
        ),
    )
    d.say(
        "cand",
        d.c(
            f"안녕하세요, {job} 직무에 지원한 {d.full()}입니다. {exp}",
            f"네, 저는 {J(d.full(), '이라고')} 합니다. {exp}",
        ),
    )
    if two:
        d.say(
            "i2",
            d.c(
                "그 경험에서 가장 힘들었던 점은 뭐였어요?", "그때 어려웠던 점은 어떻게 해결했어요?"
            ),
        )
        d.say(
            "cand",
            d.c(
                "팀원들과 의견이 달라서 힘들었는데, 매일 짧게 회의하면서 맞춰 갔습니다.",
                "시간이 부족했는데 우선순위를 정해서 해결했습니다.",
            ),
        )
    d.say("i1", d.c("본인의 장점과 단점을 말씀해 주세요.", "장단점을 하나씩 말해 볼까요?"))
    d.say("cand", f"{strength} 단점은 {d.c(*WEAKNESSES)}")
    d.say(
        "i2" if two else "i1",
        d.c("마지막으로 궁금한 거 있으면 물어보세요.", "저희 회사에 질문 있으세요?"),
    )
    d.say("cand", q_back[0])
    d.say("i2" if two else "i1", q_back[1] + f" 결과는 {notice} 메일로 알려 드릴게요.")
    d.say("cand", d.c("감사합니다. 좋은 결과 기다리겠습니다.", "오늘 시간 내 주셔서 감사합니다."))

    def S(P):
        C = P("cand")
        ivs = listing([P(r) for r in ("i1", "i2") if r in d.order()])
        s0 = f"{J(C, '은')} {job} 직무 면접에서 {J(exp_s, '을')} 소개하고 장점으로 {J(strength_s, '을')} 꼽는다. {J(ivs, '은')} 결과를 {notice} 메일로 알려 주겠다고 한다."
        s1 = f"{J(ivs, '은')} {job} 지원자인 {J(C, '에게')} 경험과 장단점을 묻고, {J(C, '은')} {q_back[2]}에 대해 질문한다."
        s2 = f"{J(C, '이')} {job} 면접을 보고 {notice} 결과를 받기로 한다."
        return [s0, s1, s2]

    return S


MOCK_FEEDBACK = [
    ("말이 너무 빨라. 조금 천천히 해.", "말이 빠르다"),
    ("대답은 좋은데 구체적인 숫자나 예시가 없어.", "구체적인 예시가 부족하다"),
    ("눈을 자꾸 피하더라. 면접관 눈을 좀 봐.", "시선 처리가 불안하다"),
    ("대답이 너무 길어. 결론부터 말해.", "대답이 너무 길다"),
]


@scenario("취업 면접")
def job_mock_interview(d: Dlg) -> Summaries:
    company = d.c("한빛전자", "누리푸드", "대성건설", "미래은행", "그린에너지", "하늘항공")
    when = d.c("내일 오전 10시", "모레 오후 2시", "이번 주 금요일 오전", "다음 주 월요일 오후 3시")
    fb, fb_s = d.c(*MOCK_FEEDBACK)
    qtype = d.c(
        (
            "왜 우리 회사에 지원했어요?",
            "지원 동기",
            f"음... 저는 {company}의 기업 문화가 저랑 잘 맞는다고 생각했고요, 어... 그리고 성장 가능성이 크다고 생각해서 지원했습니다.",
        ),
        (
            "입사 후 포부를 말해 보세요.",
            "입사 후 포부",
            "저는 어... 맡은 일을 끝까지 하는 사람이고요, 그래서, 음, 회사에서 꼭 필요한 사람이 되겠습니다.",
        ),
        (
            "본인의 단점은 뭐예요?",
            "단점",
            "저는 완벽주의가 좀 있어서요, 일을 늦게 끝낼 때가 있습니다. 그래서 요즘은 계획표를 씁니다.",
        ),
        (
            "최근에 실패한 경험이 있나요?",
            "실패 경험",
            "네, 작년에 공모전에서 떨어진 적이 있는데요, 그때 많이 배웠습니다. 그래서 다음에는 더 준비했습니다.",
        ),
    )
    outfit = d.p(0.4)
    third = d.p(0.4)
    nm = d.given()
    d.say(
        "a",
        d.c(
            f"나 {when}에 {company} 면접이야. 너무 떨려.",
            f"{J(nm, '아')}, 나 {when} {company} 면접 보는데 연습 좀 도와줄래?",
        ),
    )
    d.say(
        "b",
        d.c(
            "오, 축하해! 내가 면접관 해 줄게.",
            "당연하지. 예상 질문 하나 해 볼까?",
            "벌써 면접이야? 대단하다. 한번 해 보자.",
        ),
    )
    d.say("b", f"자, 지원자님. {qtype[0]}")
    d.say("a", qtype[2])
    d.say("b", f"음, 솔직히 말해도 돼? {fb}")
    if third:
        d.say(
            "c",
            d.c(
                "나도 옆에서 들었는데 맞아. 그래도 내용은 좋았어.",
                "나도 첫 면접 때 똑같은 말 들었어. 연습하면 금방 고쳐져.",
                "그래도 목소리는 자신감 있어서 좋더라.",
            ),
        )
    d.say(
        "a",
        d.c(
            "아, 그래? 나는 전혀 몰랐어.",
            "역시 그렇구나. 나도 좀 그런 것 같았어.",
            "헉, 그게 그렇게 티 났어?",
        ),
    )
    if outfit:
        d.say("a", "그리고 옷은 정장 입어야 할까? 공고에 자율 복장이라고 돼 있던데.")
        d.say(
            "b",
            d.c(
                "그래도 첫 면접이니까 깔끔한 셔츠에 재킷 정도는 입어.",
                "자율이면 너무 딱딱한 정장보단 단정한 비즈니스 캐주얼이 나아.",
            ),
        )
    d.say(
        "b",
        d.c(
            "오늘 밤에 거울 보면서 세 번만 더 연습해.",
            "녹음해서 들어 보면 금방 고칠 수 있어.",
            "내일 아침에 한 번 더 봐 줄게.",
        ),
    )
    d.say(
        "a",
        d.c(
            "고마워. 붙으면 내가 밥 살게!",
            "진짜 고마워. 너 아니었으면 큰일 날 뻔했다.",
            "알았어, 해 볼게. 응원해 줘.",
        ),
    )

    def S(P):
        A, B = P("a"), P("b")
        partner = "친구들과" if third else J(B, "과")
        s0 = f"{J(A, '은')} {when} {company} 면접을 앞두고 {partner} 모의 면접을 한다. {J(B, '은')} {qtype[1]} 질문에 대한 답을 듣고 {fb_s}고 조언한다."
        if outfit:
            s0 += " 면접 복장에 대한 조언도 해 준다."
        s1 = f"{J(B, '은')} {company} 면접을 보는 {J(A, '에게')} 예상 질문을 던지고, {fb_s}는 피드백을 준다."
        s2 = f"{J(A, '은')} {J(B, '의')} 도움으로 {company} 면접을 연습하고 {fb_s}는 점을 고치기로 한다."
        return [s0, s1, s2]

    return S


@scenario("취업 면접")
def job_hr_call(d: Dlg) -> Summaries:
    d.roles(hr="인사 담당자", cand="지원자")
    company = d.c("한빛전자", "누리푸드", "대성건설", "미래은행", "그린에너지", "하늘항공")
    job = d.c(*[j for j, _, _ in JOBS])
    day, t = (
        d.c("다음 주 화요일", "이번 주 목요일", "다음 주 수요일", "다음 주 금요일"),
        d.c("오전 10시", "오후 2시", "오후 3시 반", "오전 11시"),
    )
    place = d.c("본사 3층 회의실", "강남 사옥 12층", "판교 연구소 1층 로비", "본사 인사팀 사무실")
    resched = d.p(0.35)
    new_t = d.c("오후 4시", "오후 5시", "오전 9시 반")
    docs = d.c("졸업증명서", "자격증 사본", "포트폴리오", "경력증명서")
    if d.p(0.5):
        d.say("hr", f"안녕하세요, {company} 인사팀입니다. {d.full()} 님 맞으세요?")
        d.say("cand", d.c("네, 맞습니다.", "아, 네! 맞아요."))
    else:
        d.say("hr", f"여보세요, {company} 채용 담당자입니다. 통화 괜찮으세요?")
        d.say("cand", d.c("네, 괜찮습니다. 말씀하세요.", "아, 네! 안녕하세요."))
    d.say(
        "hr",
        d.c(
            f"{job} 직무 서류 전형에 합격하셔서 면접 일정 안내드리려고 연락드렸어요.",
            f"지원하신 {job} 직무 서류 합격 축하드립니다. 면접 일정 말씀드릴게요.",
        ),
    )
    d.say("cand", d.c("정말요? 감사합니다!", "와, 감사합니다. 언제인가요?"))
    d.say("hr", f"면접은 {day} {t}, {place}에서 진행됩니다.")
    if resched:
        d.say(
            "cand",
            d.c(
                f"죄송한데 그날 {t}에는 졸업 시험이 있어서요. 혹시 시간을 조금 늦출 수 있을까요?",
                "그 시간에 현재 직장 일정이 있어서요, 늦은 오후로 바꿀 수 있을까요?",
            ),
        )
        d.say(
            "hr",
            d.c(
                f"확인해 보니 같은 날 {new_t}에 자리가 있네요. 그때 괜찮으세요?",
                f"{day} {J(new_t, '은')} 가능합니다.",
            ),
        )
        d.say("cand", d.c(f"네, {new_t} 좋습니다. 감사합니다.", "네, 그 시간으로 부탁드립니다."))
        t_final = new_t
    else:
        d.say("cand", d.c("네, 그 시간 괜찮습니다.", "네, 꼭 가겠습니다."))
        t_final = t
    d.say(
        "hr",
        d.c(
            f"오실 때 신분증이랑 {J(docs, '을')} 챙겨 오세요.",
            f"면접 당일에 {docs} 원본을 가져오셔야 해요.",
        ),
    )
    d.say(
        "hr",
        d.c(
            "자세한 내용은 메일로도 보내 드릴게요. 메일 주소가 #Email# 맞으시죠?",
            "안내 메일은 지원서에 적힌 #Email#로 보내 드릴게요.",
        ),
    )
    d.say("cand", d.c("네, 맞아요. 확인하겠습니다.", "네, 감사합니다. 준비 잘해서 가겠습니다."))

    def S(P):
        H, C = P("hr"), P("cand")
        s0 = f"{J(H, '은')} {J(C, '에게')} 전화해 {company} {job} 직무 서류 합격을 알리고 면접 일정을 안내한다."
        if resched:
            s0 += f" {J(C, '이')} 원래 시간인 {J(t, '이')} 어렵다고 해서 면접은 {day} {t_final}에 {place}에서 보기로 한다."
        else:
            s0 += f" 면접은 {day} {t_final}에 {place}에서 열린다."
        s0 += f" {J(C, '은')} {J(docs, '을')} 챙겨 가야 하고, 안내는 #Email#로 받는다."
        s1 = f"{J(C, '은')} {company} {job} 직무 서류 전형에 합격해 {day} {t_final} 면접 일정을 안내받는다."
        s2 = f"{J(H, '은')} {J(C, '의')} 면접을 {day} {J(t_final, '으로')} 잡고 #Email#로 안내 메일을 보내기로 한다."
        return [s0, s1, s2]

    return S


# --- 집 수리 ------------------------------------------------------------------------------
APPLIANCES = [
    ("보일러", "온수가 안 나오고 보일러에 에러 코드가 떠요.", "온수가 나오지 않는", "부품 교체"),
    ("에어컨", "에어컨을 켜면 실내기에서 물이 뚝뚝 떨어져요.", "물이 새는", "배수 호스 청소"),
    ("세탁기", "세탁기가 탈수할 때 덜컹거리면서 멈춰요.", "탈수가 안 되는", "모터 점검"),
    ("냉장고", "냉동실이 얼지를 않아요. 음식이 다 녹았어요.", "냉동이 안 되는", "냉매 점검"),
    ("인덕션", "인덕션 한쪽 화구가 아예 안 켜져요.", "화구가 켜지지 않는", "회로 점검"),
]


@scenario("집 수리")
def repair_service_call(d: Dlg) -> Summaries:
    d.roles(agent="서비스센터 상담원", cust="고객")
    app, sym, sym_s, fix = d.c(*APPLIANCES)
    day = d.c("내일", "모레", "이번 주 금요일", "다음 주 월요일")
    slot = d.c("오전 10시에서 12시 사이", "오후 1시에서 3시 사이", "오후 4시 이후", "오전 9시쯤")
    warranty = d.p(0.5)
    fee = d.c("2만 원", "2만 5천 원", "3만 원")
    d.say(
        "agent",
        d.c(
            "네, 행복가전 서비스센터입니다.",
            "서비스센터 상담원 최유리입니다. 어떤 제품 때문에 연락 주셨어요?",
            "고객센터입니다. 무엇을 도와드릴까요?",
        ),
    )
    d.say(
        "cust",
        d.c(
            f"{app} 고장 때문에 전화드렸어요. {sym}",
            f"안녕하세요. {sym} 수리 기사님 좀 보내 주실 수 있어요?",
        ),
    )
    d.say(
        "agent",
        d.c(
            "불편하셨겠어요. 제품 구매하신 지는 얼마나 되셨어요?",
            "혹시 언제 구입하셨는지 기억나세요?",
        ),
    )
    if warranty:
        d.say("cust", d.c("작년 봄에 샀으니까 1년 조금 안 됐어요.", "산 지 8개월밖에 안 됐어요."))
        d.say(
            "agent",
            d.c(
                "그럼 무상 보증 기간이라 출장비랑 수리비 모두 무료예요.",
                "보증 기간 안이라 비용은 따로 안 나오세요.",
            ),
        )
    else:
        d.say("cust", d.c("한 5년 됐을 거예요.", "이사 오면서 샀으니까 3년 넘었어요."))
        d.say("agent", f"보증 기간이 지나서 출장비 {J(fee, '이')} 나오고, 부품비는 따로 있어요.")
    d.say("agent", d.c("방문 주소 확인할게요.", "기사님 보내 드릴 주소 말씀해 주세요."))
    d.say(
        "cust",
        d.c(
            "#Address#예요. 아파트 1층이에요.",
            "#Address#요. 엘리베이터 있어요.",
            "주소는 #Address#예요.",
        ),
    )
    d.say(
        "agent",
        d.c(f"{day} {slot} 방문 가능하세요?", f"가장 빠른 건 {day} {J(slot, '인데')} 괜찮으세요?"),
    )
    if d.p(0.4):
        d.say(
            "cust",
            d.c(
                "그때는 집에 아무도 없는데... 다른 날은 안 될까요?",
                "혹시 더 빨리는 안 되나요? 너무 불편해서요.",
            ),
        )
        d.say(
            "agent",
            d.c(
                "죄송하지만 요즘 접수가 많아서 그게 제일 빠른 일정이에요.",
                "지금은 그 시간밖에 없어요. 취소 건이 생기면 먼저 연락드릴게요.",
            ),
        )
        d.say("cust", "어쩔 수 없죠. 그때로 해 주세요.")
    else:
        d.say("cust", d.c("네, 그때 집에 있어요.", "네, 그 시간 괜찮아요."))
    d.say(
        "agent",
        d.c(
            f"기사님이 방문 전에 전화드릴 거예요. 아마 {J(fix, '이')} 필요할 것 같아요.",
            "기사님이 가기 30분 전에 연락드릴 겁니다.",
        ),
    )

    def S(P):
        C, A = P("cust"), P("agent")
        cost = (
            "보증 기간이라 비용은 무료다"
            if warranty
            else f"보증 기간이 지나 출장비 {J(fee, '이')} 든다"
        )
        s0 = f"{J(C, '은')} {sym_s} {app} 수리를 요청하고, {J(A, '은')} {day} {slot}에 #Address#로 기사 방문을 잡아 준다. {cost}."
        s1 = f"{J(A, '은')} {C}의 {app} 고장 접수를 받고 방문 일정을 {day} {J(slot, '으로')} 정한다. {cost}."
        s2 = f"{sym_s} {app} 때문에 {J(C, '이')} 서비스센터에 연락해 {day}에 수리 기사가 방문하기로 한다."
        return [s0, s1, s2]

    return S


LEAKS = [
    ("욕실 천장에서 물이 떨어져요. 윗집에서 새는 것 같아요.", "욕실 천장 누수", "윗집 배관"),
    ("싱크대 밑 배관에서 물이 새서 바닥이 흥건해요.", "싱크대 배관 누수", "싱크대 배관"),
    (
        "베란다 벽에 곰팡이가 엄청 피었어요. 벽 안쪽이 젖은 것 같아요.",
        "베란다 벽 곰팡이",
        "외벽 방수",
    ),
    ("온수기가 고장 나서 찬물만 나와요.", "온수기 고장", "온수기"),
]


@scenario("집 수리")
def repair_landlord(d: Dlg) -> Summaries:
    d.roles(ten="세입자", land="집주인")
    line, prob_s, part = d.c(*LEAKS)
    since = d.c("어제부터", "사흘 전부터", "지난주부터", "오늘 아침부터")
    when = d.c("내일 오전", "모레 오후", "이번 주 토요일 오전", "오늘 저녁")
    pay = d.c("land", "split", "upstairs")
    if part != "윗집 배관" and pay == "upstairs":
        pay = "land"
    unit = d.c("201호", "302호", "503호", "102호")
    d.say(
        "ten",
        d.c(
            f"사장님, {unit}예요. 집에 문제가 생겨서 연락드렸어요.",
            f"안녕하세요, {unit} 세입자인데요. 급한 일이 있어서요.",
        ),
    )
    d.say("land", d.c("네, 무슨 일이에요?", "아이고, 무슨 일인데요?", "네, 말씀하세요."))
    d.say("ten", f"{line} {since} 그래요.")
    d.say(
        "land",
        d.c(
            "사진 좀 찍어서 보내 줄래요?",
            "많이 심해요? 사진 한 장 보내 주세요.",
            "그거 큰일이네요. 일단 사진부터 볼게요.",
        ),
    )
    d.say("ten", d.c("방금 문자로 보냈어요.", "네, 지금 보낼게요. 영상도 찍어 뒀어요."))
    d.say(
        "land",
        d.c(
            f"보니까 {part} 문제 같네요. 제가 아는 기사님 {when}에 보내 드릴게요.",
            f"아, {part} 쪽이 문제네. {when}에 수리 기사님 부를게요.",
        ),
    )
    if pay == "land":
        d.say("ten", d.c("수리비는 어떻게 하죠?", "비용은 사장님이 내 주시는 거 맞죠?"))
        d.say(
            "land", d.c("집 자체 문제니까 당연히 제가 낼게요.", "그건 건물 문제라 제가 부담할게요.")
        )
    elif pay == "split":
        d.say("land", "근데 혹시 사용하다가 생긴 건 아니죠? 그러면 반반 나눠야 할 수도 있어요.")
        d.say(
            "ten",
            d.c(
                "저는 평소처럼 썼어요. 그래도 일단 기사님 보시고 얘기해요.",
                "제가 잘못 쓴 건 없는데요. 기사님 의견 듣고 정해요.",
            ),
        )
    else:
        d.say("land", "윗집에서 새는 거면 윗집 보험으로 처리해야 해요. 제가 윗집에 말할게요.")
        d.say("ten", "네, 그럼 부탁드려요. 천장 얼룩도 같이 봐 주세요.")
    if d.turns[-1][0] == "ten":
        d.say(
            "land",
            d.c("네, 기사님 출발하시면 연락드릴게요.", "알겠어요. 불편하겠지만 조금만 참아 줘요."),
        )
    else:
        d.say(
            "ten",
            d.c(
                f"{when}에 집에 있을게요.",
                f"네, {when}에 맞춰서 기다릴게요.",
                "감사합니다. 빨리 고쳐졌으면 좋겠어요.",
            ),
        )

    def S(P):
        T, L = P("ten"), P("land")
        cost = {
            "land": f"수리비는 {J(L, '이')} 내기로 한다",
            "split": "비용 부담은 기사가 원인을 확인한 뒤 정하기로 한다",
            "upstairs": f"윗집 누수라 {J(L, '이')} 윗집에 연락해 보험으로 처리하기로 한다",
        }[pay]
        s0 = f"{J(T, '은')} {J(L, '에게')} {since} {J(prob_s, '이')} 생겼다고 알리고, {J(L, '은')} {when}에 수리 기사를 보내기로 한다. {cost}."
        s1 = f"{J(L, '은')} {T}의 사진을 보고 {part} 문제로 판단해 {when} 수리 일정을 잡는다. {cost}."
        s2 = f"{prob_s} 문제로 {J(T, '이')} 연락하자 {J(L, '이')} {when}에 기사를 부르기로 한다."
        return [s0, s1, s2]

    return S


DIY_TASKS = [
    (
        "거실 형광등",
        "거실 형광등이 자꾸 깜빡거려",
        "LED 등",
        "전기 차단기부터 내려야 해",
        "거실 형광등이 깜빡거린다",
    ),
    (
        "욕실 수도꼭지",
        "욕실 수도꼭지에서 물이 똑똑 새",
        "고무 패킹",
        "밸브부터 잠가야 해",
        "욕실 수도꼭지에서 물이 샌다",
    ),
    (
        "방충망",
        "방충망에 구멍이 나서 모기가 들어와",
        "방충망 보수 테이프",
        "창틀 먼지부터 닦아야 해",
        "방충망에 구멍이 났다",
    ),
    (
        "현관 문고리",
        "현관 문고리가 헐거워서 덜렁거려",
        "나사",
        "드라이버 크기부터 맞춰야 해",
        "현관 문고리가 헐거워졌다",
    ),
    (
        "변기",
        "변기 물이 계속 졸졸 흘러",
        "부속 세트",
        "물탱크 밸브부터 잠가야 해",
        "변기 물이 계속 흐른다",
    ),
]


@scenario("집 수리")
def repair_diy_family(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.6) else [])
    thing, prob, part, tip, prob_s = d.c(*DIY_TASKS)
    store = d.c("철물점", "다이소", "동네 마트", "건재상")
    fail = d.p(0.35)
    d.say(
        "a",
        d.c(
            f"여보, {prob}. 좀 봐 줄 수 있어?",
            f"{prob}. 주말에 좀 고쳐 보자.",
            f"이거 봐, {prob}. 신경 쓰여 죽겠어.",
        ),
    )
    d.say(
        "b",
        d.c(
            f"아, 그거 {part}만 있으면 금방 고쳐.",
            f"내가 유튜브에서 봤는데 {part}만 있으면 된대.",
            f"기사 부르면 돈 드니까 우리가 해 보자. {J(part, '이')} 있어야 해.",
        ),
    )
    d.say(
        "a",
        d.c(
            f"{J(part, '은')} 집에 없잖아.",
            f"그럼 {part} 사러 가야겠네.",
            "할 줄은 알아? 괜히 더 망가뜨리는 거 아니야?",
        ),
    )
    d.say("b", d.c(f"내가 {store} 가서 사 올게.", f"{store}에 있을 거야. 금방 다녀올게."))
    if "c" in ppl:
        d.say(
            "c",
            d.c(
                "아빠, 저도 도와드릴게요. 제가 손전등 비출게요.",
                "저도 볼래요. 사진 찍어서 기록해 둘게요.",
                f"잠깐만요, 근데 {tip}요.",
            ),
        )
        helper = "c"
    else:
        helper = None
    if d.said(tip):
        d.say("a", d.c("그래, 조심해서 해.", "맞아, 그거 꼭 하고 해."))
    else:
        d.say(
            "a",
            d.c(
                f"조심해. {tip}.",
                f"하기 전에 {tip}. 저번처럼 일 크게 만들지 말고.",
                f"그리고 {tip}, 알지?",
            ),
        )
    if fail:
        d.say("b", d.c("생각보다 어렵네... 안 맞는 것 같아.", "어, 이거 크기가 안 맞는데?"))
        d.say("a", d.c("그냥 내일 기사님 부르자.", "봐, 내가 뭐랬어. 관리사무소에 전화하자."))
        res = "직접 고치려다 잘 안 돼 기사를 부르기로 한다"
    else:
        d.say(
            "b", d.c("됐다! 이제 멀쩡하지?", "봐, 금방 끝났잖아.", "다 고쳤어. 이제 괜찮을 거야.")
        )
        d.say("a", d.c("오, 진짜 되네. 고마워.", "잘했네. 기사 안 불러도 되겠다."))
        res = f"{J(part, '을')} 사 와서 직접 고친다"

    def S(P):
        A, B = P("a"), P("b")
        s0 = f"{J(A, '은')} {prob_s}고 말하고, {J(B, '은')} {store}에서 {J(part, '을')} 사 와 직접 고쳐 보기로 한다."
        s0 += " 하지만 잘 안 돼 결국 기사를 부르기로 한다." if fail else " 수리는 성공한다."
        if helper:
            s0 += f" {P(helper)}도 옆에서 돕는다."
        s1 = f"{J(listing([P(p) for p in d.order()]), '은')} 고장 난 {J(thing, '을')} 두고 이야기하고, {res}."
        s2 = f"{J(B, '이')} {thing} 수리에 나서고, {res}."
        return [s0, s1, s2]

    return S


# --- 교통/길찾기 ----------------------------------------------------------------------------
DESTINATIONS = [
    ("국립중앙박물관", "이촌역", "4호선", "2번 출구", "10분"),
    ("경복궁", "경복궁역", "3호선", "5번 출구", "5분"),
    ("서울시청", "시청역", "1호선", "4번 출구", "3분"),
    ("코엑스", "삼성역", "2호선", "5번 출구", "7분"),
    ("서울대병원", "혜화역", "4호선", "3번 출구", "10분"),
    ("남산타워", "명동역", "4호선", "3번 출구", "20분"),
    ("동대문디자인플라자", "동대문역사문화공원역", "2호선", "1번 출구", "5분"),
]


@scenario("교통/길찾기")
def traffic_directions(d: Dlg) -> Summaries:
    dest, station, line, exit_, walk = d.c(*DESTINATIONS)
    bus = d.c("472번", "740번", "150번", "7016번", "402번")
    mode = d.c("subway", "bus", "walk_far")
    wrong = d.p(0.35) and mode != "walk_far"
    comp = d.p(0.4)
    d.roles(asker="길을 묻는 사람", local="행인", **({"comp": "일행"} if comp else {}))
    d.say(
        "asker",
        d.c(
            f"저기, 실례합니다. {dest}에 가려면 어떻게 가야 하나요?",
            f"죄송한데 길 좀 여쭤봐도 될까요? {dest} 찾고 있는데요.",
            f"혹시 {dest} 가는 길 아세요?",
        ),
    )
    if mode == "subway":
        d.say(
            "local",
            d.c(
                f"지하철 타시는 게 제일 빨라요. {line} 타고 {station}에서 내리세요.",
                f"{J(line, '으로')} 가세요. {station}에서 내리시면 돼요.",
            ),
        )
        q, a = d.c(
            ("여기서 지하철역은 어디예요?", "저 사거리 건너서 오른쪽에 바로 있어요."),
            (f"{J(station, '이')}요? 몇 정거장이나 가요?", "네 정거장이요. 금방 가요."),
            ("갈아타야 하나요?", f"아니요, {line} 한 번에 가요."),
        )
        d.say("asker", q)
        d.say("local", a + f" {station} {exit_}로 나와서 {walk}만 걸으면 보여요.")
        how_s = f"{J(line, '을')} 타고 {station} {exit_}로 나가 {walk} 걸으면 된다"
    elif mode == "bus":
        d.say(
            "local",
            d.c(
                f"여기 앞 정류장에서 {J(bus, '을')} 타세요. 한 번에 가요.",
                f"{J(bus, '이')} 바로 가요. 저기 정류장에서 타시면 돼요.",
            ),
        )
        q, a = d.c(
            ("얼마나 걸려요?", "차 안 막히면 20분쯤이요. 안내 방송 나오면 내리세요."),
            ("몇 정거장 가야 해요?", "다섯 정거장이요. 내릴 때 안내 방송 나와요."),
            ("버스가 자주 와요?", "10분마다 와요. 금방 올 거예요."),
        )
        d.say("asker", q)
        d.say("local", a)
        how_s = f"앞 정류장에서 {J(bus, '을')} 타면 한 번에 간다"
    else:
        d.say(
            "local",
            d.c(
                "걸어가기엔 좀 멀어요. 택시 타시면 10분이면 가요.",
                "여기서 걸으면 40분은 걸려요. 택시 타세요.",
            ),
        )
        q, a = d.c(
            ("택시는 어디서 잡아요?", "길 건너편이 택시 승강장이에요."),
            (
                "아, 그렇게 멀어요? 버스는 없어요?",
                "버스는 돌아가서 더 걸려요. 큰길로 나가시면 택시 금방 잡혀요.",
            ),
        )
        d.say("asker", q)
        d.say("local", a)
        how_s = "걷기에는 멀어 택시를 타야 한다"
    if comp:
        d.say(
            "comp",
            d.c(
                "거봐, 내가 반대 방향이라고 했잖아.",
                "다행이다. 우리 한참 헤맬 뻔했네.",
                "고맙습니다. 저희가 여기 처음이라서요.",
                "그럼 얼른 가자. 예약 시간 늦겠어.",
            ),
        )
    if wrong and mode == "subway":
        d.say(
            "asker",
            d.c(
                f"아까 어떤 분이 {station} 1번 출구라고 하셨는데...",
                f"지도 앱에는 {J(station, '이')} 아니라 다른 역이 나오던데요?",
            ),
        )
        d.say(
            "local",
            d.c(
                f"아니에요, {exit_}로 나가셔야 덜 걸어요. 저도 자주 가요.",
                "거기로 가면 한참 돌아가요. 제 말대로 가시는 게 빨라요.",
            ),
        )
    elif wrong:
        d.say("asker", "지도 앱에서는 지하철 타라고 나오던데요?")
        d.say(
            "local",
            d.c(
                "지하철은 한 번 갈아타야 해서 버스가 훨씬 편해요.",
                "지하철역까지 걸어가는 게 더 멀어요. 버스 타세요.",
            ),
        )
    d.say(
        "asker",
        d.c("정말 감사합니다!", "친절하게 알려 주셔서 고맙습니다.", "덕분에 살았어요. 감사합니다."),
    )

    def S(P):
        A, L = P("asker"), P("local")
        who = f"{J(A, '은')} {together(P('comp'), '일행')}" if comp else J(A, "은")
        s0 = f"{who} {J(L, '에게')} {dest} 가는 길을 묻고, {J(L, '은')} {how_s}고 알려 준다."
        if wrong:
            s0 += f" {J(L, '은')} {J(A, '이')} 알고 있던 다른 길보다 이 방법이 낫다고 설명한다."
        s1 = f"{dest}에 가려는 {J(A, '은')} 길을 물어 {how_s}는 답을 듣는다."
        s2 = f"{J(L, '이')} {J(A, '에게')} {dest} 가는 방법을 알려 준다."
        return [s0, s1, s2]

    return S


TAXI_DESTS = [
    ("서울역", "KTX"),
    ("김포공항", "비행기"),
    ("인천공항", "비행기"),
    ("고속버스터미널", "고속버스"),
    ("수서역", "SRT"),
]


@scenario("교통/길찾기")
def traffic_taxi(d: Dlg) -> Summaries:
    d.roles(driver="택시 기사", pas="승객")
    dest, vehicle = d.c(*TAXI_DESTS)
    dep = d.c("오후 3시 10분", "저녁 6시 40분", "오전 11시 20분", "오후 1시 50분")
    eta = d.c("25분", "35분", "40분")
    highway = d.p(0.5)
    fare = d.c("1만 8천 원", "2만 3천 원", "3만 1천 원", "1만 5천 원")
    card = d.p(0.6)
    d.say(
        "driver",
        d.c(
            "어서 오세요. 어디로 모실까요?",
            "안녕하세요, 어디 가세요?",
            "네, 타세요. 어디로 갈까요?",
        ),
    )
    d.say(
        "pas",
        d.c(
            f"{J(dest, '이요')}. 조금 급해서요.",
            f"{dest} 가 주세요. {dep} {J(vehicle, '을')} 타야 해요.",
            f"{dest}까지 가 주세요. 빨리 가 주시면 좋겠어요.",
        ),
    )
    if not d.said(dep):
        d.say(
            "driver", d.c("몇 시까지 가셔야 해요?", "시간이 빠듯하세요?", "출발 시간이 몇 시예요?")
        )
        d.say("pas", d.c(f"{dep} {J(vehicle, '이에요')}.", f"{dep} {vehicle} 타야 해요."))
    if highway:
        d.say(
            "driver",
            d.c(
                f"지금 시내가 막혀서 고속도로로 돌아가면 {eta} 정도 걸려요. 그쪽으로 갈까요?",
                f"시내는 공사 중이라 도로로 빙 돌아가는 게 빨라요. {eta} 잡으시면 돼요.",
            ),
        )
    else:
        d.say(
            "driver",
            d.c(
                f"이 시간엔 시내로 가는 게 나아요. {J(eta, '이면')} 도착할 거예요.",
                f"시내 길로 가도 {J(eta, '이면')} 충분해요.",
            ),
        )
    d.say(
        "pas",
        d.c(
            "네, 빠른 길로 가 주세요.",
            "기사님이 잘 아시는 길로 가 주세요.",
            "그럼 그렇게 해 주세요. 늦으면 안 돼서요.",
        ),
    )
    if d.p(0.5):
        q, answers = d.c(
            ("여행 가세요?", ("아니요, 부모님 뵈러 가요.", "네, 친구들이랑 여행 가요.")),
            ("출장 가시나 봐요?", ("네, 회사 일 때문에 가요.", "아니요, 친구 결혼식이 있어서요.")),
            (
                "가방이 크네요. 어디 멀리 가시나 봐요.",
                ("네, 부모님 뵈러 가요.", "친구 결혼식이 있어서 지방에 내려가요."),
            ),
        )
        d.say("driver", q)
        d.say("pas", d.c(*answers))
    d.say(
        "driver",
        d.c(
            f"다 왔습니다. {J(fare, '이')} 나왔네요.", f"도착했습니다. 요금은 {J(fare, '이에요')}."
        ),
    )
    if card:
        d.say(
            "pas",
            d.c(
                "카드로 할게요. 영수증도 주세요.",
                "카드 되죠? 덕분에 안 늦었어요.",
                "카드로 결제할게요. 감사합니다.",
            ),
        )
    else:
        d.say(
            "pas",
            d.c("현금으로 드릴게요. 잔돈은 괜찮아요.", "여기 현금이요. 빨리 와 주셔서 감사해요."),
        )

    def S(P):
        Pa, Dr = P("pas"), P("driver")
        road = "고속도로로 돌아가면" if highway else "시내 길로 가면"
        how = "카드로" if card else "현금으로"
        s0 = (
            f"{J(Pa, '은')} {dep} {J(vehicle, '을')} 타려고 택시를 타고 {dest}에 간다. "
            f"{J(Dr, '은')} {road} {eta} 정도 걸린다고 하고, 요금 {J(fare, '은')} {how} 낸다."
        )
        s1 = f"{J(Dr, '은')} {dep} {J(vehicle, '을')} 타야 하는 {J(Pa, '을')} {dest}까지 태워 주고, {J(Pa, '은')} {J(fare, '을')} {how} 낸다."
        s2 = f"{J(Pa, '이')} {dep} {vehicle} 시간에 맞춰 택시로 {dest}에 간다."
        return [s0, s1, s2]

    return S


@scenario("교통/길찾기")
def traffic_parking(d: Dlg) -> Summaries:
    case = d.c("blocking", "visitor", "towed")
    if case == "towed":
        d.roles(owner="차주", staff="견인 보관소 직원")
    else:
        d.roles(owner="차주", staff="관리사무소 직원")
    mins = d.c("5분", "10분", "2분")
    if case == "blocking":
        d.say(
            "staff",
            d.c(
                "여보세요, 관리사무소입니다. #CarNumber# 차주분 맞으시죠?",
                "안녕하세요, 아파트 관리실인데요. 차 번호 #CarNumber# 차주 되시죠?",
            ),
        )
        d.say("owner", d.c("네, 맞는데요. 무슨 일이세요?", "네, 제 차예요. 왜 그러세요?"))
        d.say(
            "staff",
            d.c(
                "이중 주차하신 차가 앞 차를 막고 있어서 출차를 못 하고 계세요.",
                "지하 2층에 차를 세우셨는데 다른 차가 못 나가고 있어요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "아, 기어를 중립에 안 놨나 보네요. 죄송해요.",
                "어머, 사이드브레이크를 걸어 놨나 봐요. 죄송합니다.",
            ),
        )
        d.say(
            "owner",
            d.c(
                f"{mins} 안에 내려갈게요.",
                f"지금 바로 내려가겠습니다. {mins}만 기다려 달라고 전해 주세요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                "네, 다음부터는 중립으로 해 두세요.",
                "네, 빨리 부탁드려요. 기다리시는 분이 급하시대요.",
                "네, 그분께 그렇게 전해 드릴게요.",
            ),
        )
        res = f"이중 주차한 차가 다른 차를 막고 있어 {mins} 안에 차를 빼기로 한다"
    elif case == "visitor":
        day = d.c("이번 주 토요일", "내일", "이번 주 일요일")
        hours = d.c("4시간", "하루", "6시간")
        d.say(
            "owner",
            d.c(
                f"안녕하세요, 1204호인데요. {day}에 부모님이 오셔서 방문 차량 등록하려고요.",
                f"{day}에 손님이 차를 가져오는데 방문 주차 등록 어떻게 해요?",
            ),
        )
        d.say(
            "staff",
            d.c(
                "차 번호 말씀해 주시겠어요?",
                "네, 방문하실 차 번호 알려 주세요.",
                "몇 시쯤 오세요? 차 번호도 알려 주시고요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "#CarNumber#예요.",
                "번호는 #CarNumber#요.",
                "점심때쯤 올 거예요. 차 번호는 #CarNumber#고요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                f"등록됐습니다. 방문 차량은 {hours}까지 무료고, 그 이후에는 시간당 천 원이에요.",
                f"네, 등록해 드렸어요. {hours}까지는 무료로 대실 수 있어요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "혹시 하룻밤 주무시고 가시면요?",
                "더 오래 있으면 어떻게 돼요?",
                "알겠습니다. 감사해요.",
                "주차 자리는 아무 데나 대도 돼요?",
            ),
        )
        if "자리" in d.turns[-1][1]:
            d.say("staff", "방문 차량은 지하 2층 방문자 구역에 대 주세요.")
        elif "감사" not in d.turns[-1][1]:
            d.say(
                "staff",
                d.c(
                    "그럼 앱에서 연장 신청하시면 돼요.",
                    "관리실에 말씀해 주시면 하루 연장해 드려요.",
                ),
            )
        res = f"{day}에 올 방문 차량 #CarNumber#를 등록하고, {hours}까지 무료라는 안내를 받는다"
    else:
        fee = d.c("6만 원", "5만 원", "8만 원")
        d.say(
            "owner",
            d.c(
                "제 차가 없어졌는데 견인된 것 같아서요. #CarNumber#예요.",
                "여기가 견인 보관소 맞죠? #CarNumber# 차 찾으러 왔어요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                "네, 오늘 오전에 소화전 앞 불법 주차로 견인됐네요.",
                "확인해 보니 버스 정류장 앞 주정차 금지 구역이라 견인됐어요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "잠깐 약국만 들렀다 온 건데...",
                "5분도 안 세웠는데 너무하네요.",
                "거기 세워도 되는 줄 알았어요. 표지판을 못 봤네요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                f"죄송하지만 규정이라서요. 견인료랑 보관료 합쳐서 {J(fee, '이에요')}.",
                f"견인료 {J(fee, '은')} 내셔야 차를 가져가실 수 있어요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "카드 되죠? 다음부턴 조심해야겠네요.",
                "어휴, 알겠어요. 계산할게요.",
                "비싼 약값 냈네요. 여기 카드요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                "네, 차는 저쪽 B구역에 있어요.",
                "결제 끝났습니다. 차 키 여기 있어요.",
                "영수증 드릴게요. 안전 운전하세요.",
            ),
        )
        res = f"불법 주차로 견인된 #CarNumber# 차를 찾으며 {J(fee, '을')} 낸다"

    def S(P):
        W, T = P("owner"), P("staff")
        if case == "blocking":
            owner = "차주에게" if W == "차주" else f"차주인 {J(W, '에게')}"
            s0 = f"{J(T, '은')} #CarNumber# {owner} 전화해 차가 다른 차를 막고 있다고 알리고, {J(W, '은')} 사과하며 {mins} 안에 차를 빼겠다고 한다."
        elif case == "visitor":
            s0 = f"{J(W, '은')} 관리사무소에 {res}."
        else:
            s0 = f"{J(W, '은')} 견인 보관소에서 {res}."
        s1 = (
            f"{J(W, '은')} {J(T, '과')} 통화하며 {res}."
            if case == "blocking"
            else f"{J(T, '은')} {W}의 요청을 처리하고, {J(W, '은')} {res}."
        )
        s2 = f"{J(W, '은')} 차 문제로 {J(T, '과')} 이야기하고 {res}."
        return [s0, s1, s2]

    return S


# --- 도서관 -------------------------------------------------------------------------------
BOOKS = [
    "『사피엔스』",
    "『코스모스』",
    "『채식주의자』",
    "『아몬드』",
    "『총, 균, 쇠』",
    "『데미안』",
    "『미움받을 용기』",
    "『불편한 편의점』",
    "『정의란 무엇인가』",
    "『파친코』",
]


@scenario("도서관")
def library_loan(d: Dlg) -> Summaries:
    d.roles(lib="사서", user="이용자")
    case = d.c("overdue", "reserve", "extend", "limit")
    b1, b2 = d.k(BOOKS, 2)
    d.say(
        "user",
        d.c(
            "안녕하세요, 책 좀 빌리려고요.",
            f"{J(b1, '을')} 빌리고 싶은데요.",
            "대출하려고 하는데 회원증 여기 있어요.",
        ),
    )
    if case == "overdue":
        late = d.c("3일", "5일", "일주일")
        d.say(
            "lib",
            d.c(
                f"조회해 보니 지난번에 빌리신 {J(b2, '이')} 아직 반납이 안 됐네요. {late} 연체됐어요.",
                f"회원님, {b2} 반납 기한이 {late} 지났어요.",
            ),
        )
        d.say(
            "user",
            d.c("아, 깜빡했어요. 내일 바로 가져올게요.", "헉, 집에 있는 줄도 몰랐어요. 죄송해요."),
        )
        d.say(
            "lib",
            d.c(
                f"연체된 기간만큼 {late} 동안은 대출이 정지돼요. 반납하시고 나서 {late} 뒤부터 빌리실 수 있어요.",
                f"반납하셔도 {late} 동안은 새로 빌리실 수 없어요.",
            ),
        )
        d.say(
            "user",
            d.c(f"그럼 {J(b1, '은')} 예약만 걸어 둘 수 있을까요?", "어쩔 수 없죠. 규칙이니까요."),
        )
        if "예약" in d.turns[-1][1]:
            d.say("lib", "네, 예약해 두면 정지 풀리는 날 찾아가실 수 있어요.")
        res = f"{J(b2, '을')} {late} 연체해 그동안 대출이 정지된다"
    elif case == "reserve":
        date = d.c("다음 주 화요일", "이번 주 금요일", "모레")
        d.say(
            "lib",
            d.c(
                f"{J(b1, '은')} 지금 다른 분이 빌려 가셨어요. 반납 예정일이 {J(date, '이에요')}.",
                f"아쉽게도 {J(b1, '은')} 대출 중이네요. {date}에 돌아올 예정이에요.",
            ),
        )
        d.say(
            "user",
            d.c(
                "그럼 예약할 수 있어요?",
                "예약 걸어 두면 연락 주시나요?",
                "다른 도서관에는 없을까요?",
            ),
        )
        if "다른 도서관" in d.turns[-1][1]:
            d.say(
                "lib",
                "상호대차 신청하시면 이틀 안에 여기서 받으실 수 있어요. 아니면 예약도 가능해요.",
            )
            d.say("user", "그럼 예약할게요. 기다릴 수 있어요.")
        d.say(
            "lib",
            d.c(
                "네, 예약해 드렸어요. 들어오면 문자 드리고 3일 동안 보관해 드려요.",
                "예약 완료됐습니다. 반납되면 문자로 알려 드릴게요.",
            ),
        )
        res = f"대출 중인 {J(b1, '을')} 예약해 {date} 반납되면 문자로 연락받기로 한다"
    elif case == "extend":
        d.say(
            "lib",
            d.c(
                "네, 이거 빌리시는 거죠? 다른 건 없으세요?",
                f"{J(b1, '이')}요? 네, 바로 해 드릴게요.",
            ),
        )
        d.say(
            "user",
            d.c(
                f"그리고 지금 빌린 {J(b2, '은')} 아직 다 못 읽어서요. 연장 되나요?",
                f"참, 빌려 간 {b2} 연장도 하고 싶어요.",
            ),
        )
        d.say(
            "lib",
            d.c(
                "예약자가 없어서 한 번 연장 가능해요. 일주일 늘려 드릴게요.",
                "네, 7일 연장해 드렸어요. 연장은 한 번만 돼요.",
            ),
        )
        d.say("user", d.c("감사합니다. 다음엔 앱으로 해 볼게요.", "앱으로도 연장할 수 있어요?"))
        if d.turns[-1][1].endswith("있어요?"):
            d.say("lib", "네, 도서관 앱에서 대출 현황 들어가시면 연장 버튼이 있어요.")
        res = f"{J(b1, '을')} 빌리고, 빌려 간 {J(b2, '은')} 일주일 연장한다"
    else:
        d.say(
            "lib",
            d.c(
                "한 번에 다섯 권까지 빌리실 수 있는데, 지금 네 권 빌려 가셨어요.",
                "지금 대출 중인 책이 다섯 권이라 더는 안 돼요.",
            ),
        )
        if d.said("네 권"):
            d.say("user", d.c(f"그럼 {b1} 한 권만 빌릴게요.", f"아, 그럼 {b1}만요."))
            d.say("lib", d.c("네, 반납일은 2주 뒤예요.", "대출됐습니다. 14일 안에 반납해 주세요."))
            res = f"대출 한도가 한 권 남아 {b1} 한 권만 빌린다"
        else:
            d.say(
                "user",
                d.c(f"가져온 {J(b2, '을')} 반납하면 되나요?", "그럼 이거 반납하고 빌릴게요."),
            )
            d.say(
                "lib",
                d.c(
                    "네, 반납 먼저 처리해 드릴게요. ... 됐습니다. 이제 빌리실 수 있어요.",
                    "반납 처리하고 바로 대출해 드릴게요.",
                ),
            )
            res = f"대출 한도가 차서 {J(b2, '을')} 반납하고 {J(b1, '을')} 빌린다"
    d.say("user", d.c("감사합니다.", "네, 수고하세요.", "고맙습니다. 좋은 하루 되세요."))

    def S(P):
        U, L = P("user"), P("lib")
        s0 = f"{J(U, '은')} 도서관에서 {res}."
        s1 = f"{J(L, '은')} {J(U, '에게')} 대출 상황을 알려 준다. {J(U, '은')} {res}."
        s2 = f"{J(U, '은')} 사서의 안내를 받아 {res}."
        return [s0, s1, s2]

    return S


@scenario("도서관")
def library_register(d: Dlg) -> Summaries:
    d.roles(lib="도서관 직원", user="방문자")
    resident = d.p(0.7)
    contact = d.c("phone", "email")
    extra = d.c("hours", "wifi", "app", "parking")
    d.say(
        "user",
        d.c(
            "처음 왔는데 회원증을 만들고 싶어요.",
            "도서관 회원 가입하려면 어떻게 해야 하나요?",
            "책 빌리려면 회원증이 있어야 하죠? 만들어 주세요.",
        ),
    )
    d.say(
        "lib",
        d.c(
            "네, 신분증 있으세요? 이 지역에 사시거나 직장이 있으셔야 만들 수 있어요.",
            "신분증 보여 주시겠어요? 우리 구 주민이거나 근무하시는 분만 가입 가능해요.",
        ),
    )
    if resident:
        d.say("user", d.c("네, 여기 있어요. 주소는 #Address#예요.", "네, 저 #Address# 살아요."))
    else:
        d.say(
            "user",
            d.c(
                "저는 옆 동네 사는데 회사가 이 근처예요.",
                "주소는 다른 구인데 이 근처 회사에 다녀요.",
            ),
        )
        d.say(
            "lib",
            d.c(
                "그럼 재직증명서나 사원증이 있으면 돼요.", "직장인이시면 사원증 보여 주시면 됩니다."
            ),
        )
        d.say("user", d.c("사원증 여기 있어요.", "네, 사원증 가져왔어요."))
    if contact == "phone":
        d.say(
            "lib",
            d.c(
                "연락받으실 휴대폰 번호 적어 주세요. 예약 도서 알림이 문자로 가요.",
                "휴대폰 번호도 알려 주세요. 반납 알림을 보내 드려요.",
            ),
        )
        d.say("user", d.c("#PhoneNumber#예요.", "번호는 #PhoneNumber#입니다."))
    else:
        d.say(
            "lib",
            d.c(
                "알림 받을 이메일 주소가 있으세요?",
                "이메일로 연체 알림이랑 행사 소식 보내 드려도 될까요?",
            ),
        )
        d.say("user", d.c("#Email#로 보내 주세요.", f"네, {J('#Email#', '이에요')}."))
    d.say(
        "lib",
        d.c(
            "회원증 나왔습니다. 한 번에 다섯 권, 2주 동안 빌리실 수 있어요.",
            "다 됐어요. 책은 다섯 권까지 14일 동안 빌릴 수 있어요.",
        ),
    )
    q, a = {
        "hours": (
            d.c("몇 시까지 열어요?", "주말에도 하나요?"),
            "평일은 밤 10시, 주말은 오후 6시까지 열고 월요일은 쉬어요.",
        ),
        "wifi": (
            d.c("와이파이 비밀번호는 어디서 봐요?", "노트북 써도 되는 자리 있어요?"),
            "3층 디지털 자료실에서 노트북 쓰실 수 있고, 와이파이 정보는 자리마다 붙어 있어요.",
        ),
        "app": (
            d.c("앱으로도 대출 연장돼요?", "전자책도 빌릴 수 있어요?"),
            "도서관 앱 깔고 회원 번호로 로그인하시면 연장이랑 전자책 대출 다 돼요.",
        ),
        "parking": (
            d.c("주차는 되나요?", "차 가져와도 돼요?"),
            "지하 주차장 있는데 2시간까지 무료예요. 나가실 때 회원증 찍으시면 돼요.",
        ),
    }[extra]
    d.say("user", q)
    d.say("lib", a)
    d.say(
        "user",
        d.c("감사합니다. 자주 올게요.", "알겠어요. 고맙습니다.", "친절하게 알려 주셔서 감사해요."),
    )

    def S(P):
        U, L = P("user"), P("lib")
        basis = (
            "주소 #Address#로 거주를 확인받아" if resident else "직장 사원증으로 자격을 확인받아"
        )
        info = (
            "#PhoneNumber#로 알림을 받기로 한다"
            if contact == "phone"
            else "알림을 #Email#로 받기로 한다"
        )
        extra_s = {
            "hours": "운영 시간",
            "wifi": "노트북 자리와 와이파이",
            "app": "앱 사용법",
            "parking": "주차",
        }[extra]
        s0 = f"{J(U, '은')} 도서관 회원증을 만들러 와서 {basis} 가입하고, {info}. {J(L, '은')} 다섯 권까지 2주 동안 빌릴 수 있다고 안내한다."
        s1 = f"{J(L, '은')} {U}의 회원 가입을 도와주고 대출 규칙과 {J(extra_s, '을')} 알려 준다."
        s2 = f"{J(U, '이')} 도서관 회원증을 발급받고 {extra_s}에 대해 묻는다."
        return [s0, s1, s2]

    return S


@scenario("도서관")
def library_friends(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.65) else [])
    exam = d.c("중간고사", "기말고사", "토익 시험", "자격증 시험", "공무원 시험")
    case = d.c("room", "noise", "seat")
    time = d.c(
        "오후 2시부터 4시까지",
        "저녁 6시부터 9시까지",
        "오전 10시부터 12시까지",
        "오후 3시부터 6시까지",
    )
    close = d.c("밤 10시", "밤 11시", "저녁 9시")
    d.say(
        "a",
        d.c(
            f"{exam} 얼마 안 남았는데 오늘 도서관 가서 같이 공부할래?",
            f"우리 {exam} 스터디 도서관에서 하자.",
            f"{exam} 때문에 미치겠다. 도서관 가자.",
        ),
    )
    if case == "room":
        d.say(
            "b",
            d.c(
                "좋아. 근데 말하면서 해야 하니까 스터디룸 빌려야 하지 않아?",
                "그래, 같이 문제 풀려면 스터디룸이 낫겠다.",
            ),
        )
        d.say(
            "a",
            d.c(
                f"내가 앱으로 예약해 볼게. ... {time} 비어 있네.",
                f"방금 봤는데 {J(time, '이')} 비어 있어. 예약한다?",
            ),
        )
        if "c" in ppl:
            d.say(
                "c",
                d.c(
                    "나도 끼워 줘. 스터디룸 세 명 이상이어야 예약되는 거 알지?",
                    "나도 갈래! 세 명이면 큰 방 잡을 수 있대.",
                ),
            )
        d.say(
            "b",
            d.c(
                "좋아. 그럼 그 전에 점심 먹고 만나자.",
                "오케이. 노트북 충전기 챙겨 와.",
                "문제집 두 권 다 가져갈게.",
            ),
        )
        res = f"스터디룸을 {time} 예약해 함께 공부하기로 한다"
    elif case == "noise":
        d.say(
            "b",
            d.c(
                "좋지. 근데 지난번에 열람실 옆자리 사람이 너무 시끄러웠잖아.",
                "가자. 근데 열람실은 키보드 소리 때문에 집중이 안 되더라.",
            ),
        )
        if "c" in ppl:
            d.say(
                "c",
                d.c(
                    "노트북 쓰는 사람들은 노트북 존에 앉아야 하는데 안 지키더라.",
                    "그럴 땐 사서한테 말하면 조용히 하라고 해 줘.",
                ),
            )
        quiet = d.p(0.5)
        d.say(
            "a",
            "그럼 이번엔 조용한 3층 열람실로 가자. 거기는 노트북 금지야."
            if quiet
            else "귀마개 챙겨 가자. 난 하나 더 있어.",
        )
        d.say(
            "b",
            d.c(
                f"좋아. 몇 시까지 해? 거기 {close}에 닫잖아.",
                f"알았어. {close}까지 하고 같이 나오자.",
            ),
        )
        res = (
            "노트북을 못 쓰는 조용한 3층 열람실에서" if quiet else "귀마개를 챙겨 가서"
        ) + f" {close}까지 공부하기로 한다"
    else:
        d.say(
            "b",
            d.c(
                "근데 시험 기간이라 자리가 없을걸? 아침 일찍 가야 돼.",
                "요즘 자리 잡기 전쟁이던데. 몇 시에 갈 건데?",
            ),
        )
        d.say(
            "a", d.c("내가 8시에 가서 자리 맡아 둘게.", "문 여는 9시에 맞춰서 내가 먼저 가 있을게.")
        )
        if "c" in ppl:
            d.say(
                "c",
                d.c(
                    "자리만 맡아 두고 오래 비우면 짐을 치워 버린대.",
                    "가방만 두고 오래 나가면 사서가 치운대. 조심해.",
                ),
            )
        d.say(
            "b",
            d.c(
                f"알았어, 점심시간에 한 시간만 비우자. {close}까지 하는 거지?",
                f"고마워. 끝나는 건 {close}쯤?",
            ),
        )
        res = f"아침 일찍 가서 자리를 잡고 {close}까지 공부하기로 한다"
    if d.turns[-1][0] != "a":
        d.say(
            "a",
            d.c("좋아, 이따 보자!", "오케이. 커피는 내가 살게.", "그래, 이번엔 진짜 열심히 하자."),
        )

    def S(P):
        group = J(listing([P(p) for p in d.order()]), "은")
        s0 = f"{group} {J(exam, '을')} 앞두고 도서관에서 함께 공부하기로 한다. {res[0].upper() + res[1:]}."
        if case == "room":
            s0 = f"{group} {exam} 공부를 도서관 스터디룸에서 함께 하기로 하고, {J(P('a'), '이')} {time} 스터디룸을 예약한다."
        elif case == "seat":
            s0 = f"{group} {exam} 공부를 위해 도서관에 가기로 하고, {J(P('a'), '이')} 아침 일찍 가서 자리를 맡는다. {close}까지 공부할 예정이다."
        s1 = f"{J(P('a'), '의')} 제안으로 {group} {exam} 공부를 도서관에서 하기로 하고, {res}."
        s2 = f"{group} {J(exam, '을')} 앞두고 도서관에서 공부하기로 한다."
        return [s0, s1, s2]

    return S


# --- 휴대폰 개통 -----------------------------------------------------------------------------
PHONES = [
    ("갤럭시 S24", 115),
    ("아이폰 15", 125),
    ("갤럭시 Z 플립5", 139),
    ("아이폰 15 프로", 155),
    ("갤럭시 A54", 59),
]
PLANS = [
    ("5만 5천 원", "데이터 10기가"),
    ("6만 9천 원", "데이터 무제한"),
    ("4만 9천 원", "데이터 5기가"),
    ("8만 9천 원", "데이터 무제한에 OTT 포함"),
]


@scenario("휴대폰 개통")
def phone_store(d: Dlg) -> Summaries:
    ppl = ["clerk", "cust"] + (["friend"] if d.p(0.45) else [])
    d.roles(**({"clerk": "판매 직원", "cust": "손님"} if "friend" not in ppl else {}))
    (model, price), (fee, data) = d.c(*PHONES), d.c(*PLANS)
    move = d.c("번호이동", "기기변경")
    months = d.c("24개월", "36개월")
    discount = d.c("공시지원금", "선택약정 25% 할인")
    d.say(
        "clerk",
        d.c(
            "어서 오세요. 어떤 폰 보러 오셨어요?",
            "안녕하세요, 휴대폰 바꾸시려고요?",
            "천천히 구경하세요. 찾으시는 모델 있으세요?",
        ),
    )
    d.say(
        "cust",
        d.c(
            f"{J(model, '을')} 보러 왔는데요. 지금 폰이 너무 오래돼서요.",
            f"{model} 얼마예요?",
            f"{model} 실물 좀 보고 싶어요.",
        ),
    )
    if "friend" in ppl:
        d.say(
            "friend",
            d.c(
                f"내가 {model} 써 봤는데 배터리가 진짜 오래가.",
                f"{model} 카메라 진짜 좋아. 나도 그거 살까 고민했어.",
            ),
        )
    d.say(
        "clerk",
        f"{J(model, '은')} 출고가가 {price}만 원이고요, {J(discount, '을')} 받으시면 훨씬 싸져요.",
    )
    d.say(
        "cust",
        d.c("요금제는 뭐가 있어요?", "요금제는 어떻게 해야 해요?", "한 달에 얼마 정도 나와요?"),
    )
    d.say("clerk", f"월 {fee}짜리 {data} 요금제가 제일 많이 나가요. {months} 약정이고요.")
    if "friend" in ppl:
        d.say(
            "friend",
            d.c(
                "너 데이터 많이 안 쓰잖아. 더 싼 걸로 해.",
                "너 유튜브 맨날 보니까 그 정도는 해야 돼.",
            ),
        )
        d.say(
            "cust",
            d.c(
                f"그래도 {J(data, '이')} 편할 것 같아. 그걸로 할게요.",
                "음, 그냥 추천해 주신 걸로 할게요.",
            ),
        )
    else:
        d.say("cust", d.c("그걸로 할게요.", f"{data}면 충분하겠네요. 그걸로 해 주세요."))
    d.say(
        "clerk",
        d.c(
            f"{J(move, '으로')} 하시는 거죠? 본인 확인이 필요해서 신분증 부탁드려요.",
            f"지금 쓰시는 통신사 그대로 {J(move, '으로')} 하실 거죠? 신분증 먼저 주세요."
            if move == "기기변경"
            else f"통신사 옮기시는 {J(move, '이')}죠? 신분증 먼저 주세요.",
        ),
    )
    d.say("cust", d.c("네, 여기요.", "네, 맞아요. 신분증 여기 있어요."))
    d.say(
        "clerk",
        d.c(
            "주민등록번호 #SSN# 맞으시죠? 개통은 30분 정도 걸려요.",
            "#SSN# 확인됐습니다. 개통까지 30분쯤 걸리니까 기다려 주세요.",
        ),
    )
    d.say(
        "cust",
        d.c(
            "기존 폰 데이터도 옮겨 주실 수 있어요?",
            "케이스랑 필름도 같이 주시는 거죠?",
            "네, 기다릴게요.",
        ),
    )

    def S(P):
        C, K = P("cust"), P("clerk")
        s0 = (
            f"{J(C, '은')} 휴대폰 매장에서 {J(model, '을')} {J(move, '으로')} 개통한다. {J(K, '은')} 출고가 {price}만 원에 {J(discount, '을')} 안내하고, "
            f"{J(C, '은')} 월 {fee} {data} 요금제를 {months} 약정으로 고른다."
        )
        if "friend" in ppl:
            s0 += f" {P('friend')}도 옆에서 조언한다."
        s1 = f"{J(K, '은')} {J(C, '에게')} {model} 가격과 요금제를 설명하고 주민등록번호 #SSN#으로 본인 확인을 한 뒤 개통을 진행한다."
        s2 = f"{J(C, '이')} {J(model, '으로')} 바꾸고 월 {fee} 요금제에 가입한다."
        return [s0, s1, s2]

    return S


CARRIER_ISSUES = [
    (
        "bill",
        "이번 달 요금이 평소보다 3만 원이나 더 나왔어요.",
        "해외 로밍 데이터가 자동으로 켜져 있었네요.",
        "요금이 3만 원 더 나온 이유를 묻는다",
        "로밍 요금 절반을 감면받는다",
    ),
    (
        "plan",
        "요금제를 좀 싼 걸로 바꾸고 싶어요. 데이터를 별로 안 써서요.",
        "월 3만 9천 원짜리 데이터 3기가 요금제가 있어요.",
        "더 저렴한 요금제로 바꾸고 싶어 한다",
        "월 3만 9천 원 요금제로 바꾼다",
    ),
    (
        "roaming",
        "다음 주에 일본 출장 가는데 로밍 신청하려고요.",
        "하루 1만 1천 원 무제한 로밍이 있어요.",
        "일본 출장용 로밍을 신청한다",
        "하루 1만 1천 원 무제한 로밍을 신청한다",
    ),
    (
        "pause",
        "3개월 동안 해외에 있어서 번호를 정지해 두고 싶어요.",
        "일시 정지하시면 한 달에 3천 8백 원만 나와요.",
        "해외 체류 동안 번호 일시 정지를 요청한다",
        "3개월 동안 번호를 일시 정지한다",
    ),
]


@scenario("휴대폰 개통")
def phone_carrier_call(d: Dlg) -> Summaries:
    d.roles(agent="통신사 상담원", cust="고객")
    kind, ask, answer, ask_s, res_s = d.c(*CARRIER_ISSUES)
    verify = d.c("dob", "phone")
    d.say(
        "agent",
        d.c(
            "고객님, 상담원 정하나입니다. 무엇을 도와드릴까요?",
            "네, 고객센터입니다. 어떤 문의로 전화 주셨어요?",
            "오래 기다리셨습니다. 무엇을 도와드릴까요?",
        ),
    )
    d.say(
        "cust",
        d.c("안녕하세요. ", "네, 저기요. ", "")
        + ask
        + d.c("", " 확인 좀 부탁드려요.", " 어떻게 하면 되나요?"),
    )
    if verify == "dob":
        d.say(
            "agent",
            d.c(
                "확인을 위해 명의자 생년월일 말씀해 주세요.",
                "본인 확인부터 할게요. 생년월일이 어떻게 되세요?",
            ),
        )
        d.say("cust", d.c("#DateOfBirth#요.", "#DateOfBirth#입니다."))
    else:
        d.say(
            "agent",
            d.c(
                "문의하시는 번호가 지금 거신 번호 맞으세요?",
                "조회할 휴대폰 번호 말씀해 주시겠어요?",
            ),
        )
        d.say("cust", d.c("네, #PhoneNumber#요.", "#PhoneNumber#로 조회해 주세요."))
    d.say(
        "agent",
        d.c("확인됐습니다. 잠시만요.", "감사합니다. 조회해 볼게요.", "네, 본인 확인 끝났습니다.")
        + " "
        + answer,
    )
    if kind == "bill":
        d.say(
            "cust",
            d.c(
                "저는 그런 거 켠 적이 없는데요? 여행 갔다 온 지 한참 됐어요.",
                "네? 해외에 나간 지 오래됐는데요.",
                "그게 무슨 말이에요? 저 한국에만 있었는데요.",
            ),
        )
        d.say(
            "agent",
            d.c(
                "확인해 보니 설정이 남아 있었네요. 이번 한 번은 로밍 요금 절반을 감면해 드릴게요.",
                "죄송합니다. 이번에 한해 로밍 요금 절반을 감면 처리해 드리겠습니다.",
            ),
        )
        d.say(
            "cust",
            d.c(
                "그래도 다행이네요. 로밍은 아예 차단해 주세요.",
                "알겠어요. 앞으로는 자동으로 안 켜지게 해 주세요.",
            ),
        )
    elif kind == "plan":
        d.say(
            "cust", d.c("약정 위약금은 없어요?", "그럼 그걸로 바꿔 주세요. 다음 달부터 적용돼요?")
        )
        d.say(
            "agent",
            d.c(
                "요금제 변경은 위약금이 없고, 다음 달 1일부터 적용돼요.",
                "네, 다음 달 1일부터 바뀐 요금으로 나가요.",
            ),
        )
    elif kind == "roaming":
        d.say(
            "cust", d.c("출장이 5일이니까 5일만 신청할게요.", "그럼 출국하는 날부터 신청해 주세요.")
        )
        d.say(
            "agent",
            d.c(
                "네, 출국일부터 자동으로 시작되게 해 드렸어요.",
                "신청 완료했습니다. 현지 도착하면 문자가 갈 거예요.",
            ),
        )
    else:
        d.say("cust", d.c("다시 쓰고 싶으면 어떻게 해요?", "그럼 그렇게 해 주세요."))
        d.say(
            "agent",
            d.c(
                "돌아오셔서 전화 주시거나 앱에서 해제하시면 돼요.",
                "일시 정지 신청됐습니다. 최대 3개월까지 가능해요.",
            ),
        )
    d.say(
        "cust",
        d.c(
            "네, 감사합니다.",
            "친절하게 설명해 주셔서 고마워요.",
            "알겠습니다. 수고하세요.",
            "문자로도 내용 보내 주세요.",
        ),
    )
    if d.turns[-1][1].startswith("문자"):
        d.say(
            "agent",
            d.c(
                "네, 처리 내용 문자로 보내 드리겠습니다.",
                "네, 바로 발송해 드릴게요. 좋은 하루 보내세요.",
            ),
        )

    def S(P):
        C, A = P("cust"), P("agent")
        ver = "#DateOfBirth#로" if verify == "dob" else "#PhoneNumber#로"
        s0 = f"{J(C, '은')} 통신사에 전화해 {ask_s}. {J(A, '은')} {ver} 본인 확인을 하고, {J(C, '은')} {res_s}."
        s1 = f"{J(A, '은')} {C}의 문의를 받고 {ver} 조회한 뒤 안내한다. 결국 {J(C, '은')} {res_s}."
        s2 = f"{J(C, '은')} 통신사 상담을 통해 {res_s}."
        return [s0, s1, s2]

    return S


SETUP_TASKS = [
    ("카카오톡 대화 옮기기", "카톡 대화 내용은 백업해서 새 폰에서 복원하면 돼요."),
    ("글씨 크게 하기", "설정에서 글자 크기를 제일 크게 해 드렸어요."),
    ("사진 옮기기", "사진은 클라우드에 올려 뒀다가 새 폰으로 다 내려받았어요."),
    ("버스 도착 알림 앱 깔기", "버스 앱 깔고 집 앞 정류장을 즐겨찾기 해 놨어요."),
    ("연락처 옮기기", "연락처는 계정으로 동기화하니까 한 번에 넘어왔어요."),
]


@scenario("휴대폰 개통")
def phone_family_setup(d: Dlg) -> Summaries:
    ppl = ["kid", "parent"] + (["sib"] if d.p(0.6) else [])
    d.roles(**({"kid": "자녀", "parent": "어머니"} if "sib" not in ppl else {}))
    (t1, done1), (t2, done2) = d.k(SETUP_TASKS, 2)
    model = d.c(*[m for m, _ in PHONES])
    worry = d.c("전화 받는 법", "사진 찍는 법", "문자 보내는 법")
    d.say(
        "parent",
        d.c(
            f"새로 산 {model} 좀 봐 줄래? 뭐가 뭔지 하나도 모르겠다.",
            "얘, 이거 새 폰인데 예전 거랑 너무 달라.",
            f"엄마 {J(model, '으로')} 바꿨는데 설정 좀 해 줘.",
        ),
    )
    d.say(
        "kid",
        d.c(
            "네, 줘 보세요. 뭐부터 해 드릴까요?",
            "어디 봐요. 제가 다 해 드릴게요.",
            "엄마, 이리 줘 봐요.",
        ),
    )
    d.say(
        "parent",
        d.c(
            f"제일 급한 건 {J(t1, '이야')}. 그리고 {t2}도 해 줘.", f"{J(t1, '이랑')} {t2} 좀 해 줘."
        ),
    )
    d.say("kid", done1)
    if "sib" in ppl:
        d.say(
            "sib",
            d.c(
                f"엄마, {J(t2, '은')} 제가 해 드릴게요.",
                f"누나는 그거 하고, {J(t2, '은')} 내가 할게.",
            ),
        )
        d.say("sib", done2)
        doer2 = "sib"
    else:
        d.say("kid", done2)
        doer2 = "kid"
    d.say(
        "parent",
        d.c(
            f"고마워. 근데 {J(worry, '은')} 예전이랑 똑같아?",
            f"{worry}도 다시 알려 줄래? 자꾸 잊어버려.",
        ),
    )
    d.say(
        "kid",
        d.c(
            "메모지에 순서대로 적어서 붙여 드릴게요.",
            "제가 영상으로 찍어서 보내 드릴게요. 모르면 보세요.",
            "한 번 같이 해 봐요. 여기 누르시면 돼요.",
        ),
    )
    d.say(
        "parent",
        d.c(
            "역시 우리 딸이 최고다.",
            "고맙다. 이제 좀 쓸 수 있겠다.",
            "아이고, 너 없으면 어떡할 뻔했니.",
        ),
    )

    def S(P):
        K, Pa = P("kid"), P("parent")
        phone = f"새로 산 {model}" if d.said(model) else "새 휴대폰"
        if doer2 == "sib":
            s0 = f"{J(Pa, '은')} {phone} 설정을 부탁하고, {J(K, '은')} {J(t1, '을')}, {J(P('sib'), '은')} {J(t2, '을')} 해 준다."
        else:
            s0 = f"{J(Pa, '은')} {phone} 설정을 부탁하고, {J(K, '은')} {J(t1, '과')} {J(t2, '을')} 해 준다."
        s0 += f" {J(K, '은')} {J(worry, '을')} 잊지 않도록 따로 알려 주기로 한다."
        s1 = f"{J(K, '은')} {Pa}의 새 휴대폰에서 {t1} 등을 도와주고, {worry}도 알려 주기로 한다."
        s2 = f"{J(Pa, '은')} 자녀의 도움으로 {phone} 설정을 마친다."
        return [s0, s1, s2]

    return S


# === END SCENARIOS ===

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--seed", type=int, default=None,
                        help="with --n: write an extra train-style corpus from this seed instead")
    parser.add_argument("--n", type=int, default=None, help="rows of the extra corpus")
    parser.add_argument("--style", choices=("train", "alt"), default="train",
                        help="extra corpus: summaries in train.csv's style or the other two")
    args = parser.parse_args(argv)
    if (args.seed is None) != (args.n is None):
        parser.error("--seed and --n go together")
    if args.seed is not None:
        rows = generate_corpus(args.seed, args.n, style=args.style)
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / f"extra-{args.style}-{args.seed}-{args.n}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writerow(["fname", "dialogue", "summary", "topic"])
            writer.writerows(rows)
        print(f"extra: {len(rows)} rows -> {path}")
        return
    counts = write_csvs(args.out)
    print(", ".join(f"{split}: {n} rows" for split, n in counts.items()), "->", args.out)


if __name__ == "__main__":
    main()
