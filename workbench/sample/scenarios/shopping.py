"""Scenarios of the topic 쇼핑/환불; their slot values are in slots/shopping.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing, won

_S = load_slots("shopping")

ITEMS = _S["ITEMS"]


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


GIFT_TARGETS = _S["GIFT_TARGETS"]
GIFT_OPTIONS = _S["GIFT_OPTIONS"]


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


ONLINE_PROBS = _S["ONLINE_PROBS"]
ONLINE_ITEMS = _S["ONLINE_ITEMS"]


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
