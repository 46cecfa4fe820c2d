"""Scenarios of the topic 이사; their slot values are in slots/moving.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing

_S = load_slots("moving")

HOUSES = _S["HOUSES"]


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


HELP_REWARDS = _S["HELP_REWARDS"]


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
