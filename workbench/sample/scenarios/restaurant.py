"""Scenarios of the topic 식당 예약; their slot values are in slots/restaurant.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import DAYS, Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing, nick

_S = load_slots("restaurant")

RESTAURANTS = _S["RESTAURANTS"]
MEAL_TIMES = _S["MEAL_TIMES"]
BOOKING_REQUESTS = _S["BOOKING_REQUESTS"]


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


FOOD_SPOTS = _S["FOOD_SPOTS"]
FOOD_OBJECTIONS = _S["FOOD_OBJECTIONS"]
OCCASIONS = _S["OCCASIONS"]


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
