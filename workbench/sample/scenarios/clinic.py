"""Scenarios of the topic 병원 진료; their slot values are in slots/clinic.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import DAYS, Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, together

_S = load_slots("clinic")

# (complaint, since-when options, doctor's finding, diagnosis, treatment line, advice, follow-up)
SYMPTOMS = _S["SYMPTOMS"]
SINCE = _S["SINCE"]


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


DEPTS = _S["DEPTS"]


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


CHECKUPS = _S["CHECKUPS"]


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
