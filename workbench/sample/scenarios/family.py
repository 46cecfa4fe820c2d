"""Scenarios of the topic 가족 행사; their slot values are in slots/family.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing

_S = load_slots("family")

PARENT_EVENTS = _S["PARENT_EVENTS"]
FAMILY_GIFTS = _S["FAMILY_GIFTS"]
FAMILY_PLACES = _S["FAMILY_PLACES"]


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


HOLIDAYS = _S["HOLIDAYS"]
HOLIDAY_FOODS = _S["HOLIDAY_FOODS"]


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


FAMILY_EVENTS = _S["FAMILY_EVENTS"]


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
