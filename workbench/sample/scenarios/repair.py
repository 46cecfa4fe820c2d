"""Scenarios of the topic 집 수리; their slot values are in slots/repair.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing

_S = load_slots("repair")

APPLIANCES = _S["APPLIANCES"]


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


LEAKS = _S["LEAKS"]


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


DIY_TASKS = _S["DIY_TASKS"]


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
