"""Scenarios of the topic 은행 업무; their slot values are in slots/bank.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, together

_S = load_slots("bank")

ACCOUNT_PURPOSES = _S["ACCOUNT_PURPOSES"]


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


SAVINGS = _S["SAVINGS"]


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
