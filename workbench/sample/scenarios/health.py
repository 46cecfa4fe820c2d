"""Scenarios of the topic 운동/건강; their slot values are in slots/health.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing

_S = load_slots("health")

GYM_PLANS = _S["GYM_PLANS"]


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


SPORTS = _S["SPORTS"]


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


HEALTH_RESULTS = _S["HEALTH_RESULTS"]


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
