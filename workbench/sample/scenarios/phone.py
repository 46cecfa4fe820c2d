"""Scenarios of the topic 휴대폰 개통; their slot values are in slots/phone.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J

_S = load_slots("phone")

PHONES = _S["PHONES"]
PLANS = _S["PLANS"]


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


CARRIER_ISSUES = _S["CARRIER_ISSUES"]


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


SETUP_TASKS = _S["SETUP_TASKS"]


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
