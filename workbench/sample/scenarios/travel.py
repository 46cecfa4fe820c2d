"""Scenarios of the topic 여행 계획; their slot values are in slots/travel.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing, together

_S = load_slots("travel")

DESTS = _S["DESTS"]
STAYS = _S["STAYS"]
TRIP_LEN = _S["TRIP_LEN"]
TRIP_WHEN = _S["TRIP_WHEN"]


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


PACKAGES = _S["PACKAGES"]


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


COUPLE_SEA = _S["COUPLE_SEA"]
COUPLE_MTN = _S["COUPLE_MTN"]
COMPROMISE = _S["COMPROMISE"]


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
