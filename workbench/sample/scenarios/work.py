"""Scenarios of the topic 직장 회의; their slot values are in slots/work.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import DAY_TIMES, WEEKDAYS, Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing

_S = load_slots("work")

PROJECTS = _S["PROJECTS"]
ISSUES = _S["ISSUES"]
TASKS = _S["TASKS"]


@scenario("직장 회의")
def work_team_meeting(d: Dlg) -> Summaries:
    ppl = ["lead", "m1", "m2"] + (["m3"] if d.p(0.6) else [])
    proj, sub = d.c(*PROJECTS)
    (issue, issue_s) = d.c(*ISSUES)
    deadline = d.c("이번 주 금요일", "다음 주 수요일", "다음 달 3일", "다음 주 월요일")
    nxt = d.c("다음 주 월요일 오전 10시", "목요일 오후 2시", "모레 오전 9시 반", "금요일 오후 4시")
    members = ppl[1:]
    tasks = dict(zip(members, d.k(TASKS, len(members)), strict=True))
    d.roles(lead="팀장")
    d.say(
        "lead",
        d.c(
            f"자, 시작합시다. {proj} 진행 상황부터 공유해 주세요.",
            f"다들 모였죠? 오늘은 {proj} 건 점검하려고 해요.",
            f"바쁜데 모이라고 해서 미안해요. {proj} 마감이 {J(deadline, '이라')} 점검 좀 합시다.",
        ),
    )
    d.say(
        "m1",
        d.c(
            f"{J(sub, '은')} 거의 끝났습니다. 그런데 문제가 하나 있어요. {issue}",
            f"네, 제가 먼저 말씀드릴게요. {issue}",
        ),
    )
    d.say(
        "lead",
        d.c(
            "그래요? 그럼 일정에 영향이 있겠네요.",
            "음, 그건 좀 곤란한데. 방법이 있을까요?",
            "언제 알게 됐어요? 좀 더 일찍 말해 줬으면 좋았을 텐데.",
        ),
    )
    d.say(
        "m2",
        d.c(
            "제가 오늘 오후에 직접 전화해서 확인해 보겠습니다.",
            "일단 급한 것부터 나눠서 처리하면 마감은 맞출 수 있을 것 같아요.",
            "다른 업체 견적도 같이 받아 보는 건 어떨까요?",
        ),
    )
    if "m3" in ppl:
        d.say(
            "m3",
            d.c(
                "저도 이번 주는 여유가 좀 있어서 도울 수 있어요.",
                "제 쪽 일은 어제 마무리돼서 같이 하겠습니다.",
            ),
        )
    d.say(
        "lead",
        d.c("좋아요. 그럼 남은 일을 나눠 봅시다.", "일단 그렇게 하고, 남은 일 누가 맡을지 정하죠."),
    )
    for i, m in enumerate(members):
        if i == 0:
            d.say(
                m,
                d.c(f"{J(tasks[m], '은')} 제가 하겠습니다.", f"저는 {J(tasks[m], '을')} 맡을게요."),
            )
        else:
            d.say(
                m,
                d.c(
                    f"그럼 저는 {J(tasks[m], '을')} 하겠습니다.",
                    f"{J(tasks[m], '은')} 제가 할게요.",
                    f"저는 {tasks[m]} 쪽을 맡겠습니다.",
                ),
            )
    d.say(
        "lead",
        d.c("다들 고마워요.", "좋습니다.", "네, 그렇게 갑시다.")
        + f" 마감은 {deadline}까지예요. 다음 회의는 {nxt}에 하겠습니다.",
    )
    closer = d.c(*members)
    d.say(
        closer,
        d.c(
            "네, 알겠습니다.",
            "네, 회의록은 제가 정리해서 메일로 돌릴게요.",
            "네, 진행하면서 중간중간 보고드리겠습니다.",
        ),
    )

    def S(P):
        L = P("lead")
        assign = ", ".join(f"{J(P(m), '이')} {tasks[m]}" for m in members)
        s0 = (
            f"{J(L, '은')} 팀원들과 {proj} 진행 상황을 점검한다. {J(P('m1'), '은')} {issue_s}고 보고한다. "
            f"{J(L, '은')} 마감을 {J(deadline, '으로')} 유지하며 일을 나누고, 다음 회의를 {nxt}에 하기로 한다."
        )
        s1 = f"{proj} 회의에서 {issue_s}는 보고가 나온다. 업무는 {J(assign, '을')} 맡기로 하고, {J(L, '은')} 마감이 {deadline}까지라고 말한다."
        s2 = f"{J(L, '과')} 팀원들은 {deadline} 마감인 {proj} 업무를 나누고 다음 회의를 {nxt}에 잡는다."
        return [s0, s1, s2]

    return S


MEETING_TOPICS = _S["MEETING_TOPICS"]
ROOMS = _S["ROOMS"]


@scenario("직장 회의")
def work_schedule_meeting(d: Dlg) -> Summaries:
    d.roles(a="요청한 직원", b="동료")
    topic = d.c(*MEETING_TOPICS)
    day1, day2 = d.k(WEEKDAYS, 2)
    t1, t2 = d.k(DAY_TIMES, 2)
    room = d.c(*ROOMS)
    ext = d.p(0.4)
    online = d.p(0.3)
    d.say(
        "a",
        d.c(
            f"{d.sur()} 대리님, {topic} 건으로 회의 한번 해야 할 것 같은데 언제 시간 괜찮으세요?",
            f"혹시 이번 주에 {topic} 관련해서 30분만 시간 내 주실 수 있어요?",
        ),
    )
    d.say(
        "b",
        d.c(
            f"{day1}은 외근이라 어렵고요, {J(day2, '은')} 괜찮아요.",
            f"{day1}은 하루 종일 교육이 있어서요. {J(day2, '은')} 어떠세요?",
        ),
    )
    d.say("a", d.c(f"그럼 {day2} {t1} 어떠세요?", f"좋아요. {day2} {J(t1, '은')} 괜찮으세요?"))
    changed = d.p(0.5)
    if changed:
        d.say(
            "b",
            d.c(
                f"아, 그 시간엔 팀 회의가 있어요. {J(t2, '은')} 어때요?",
                f"그때는 다른 미팅이 잡혀 있어서요. {t2}쯤이면 좋겠어요.",
            ),
        )
        d.say(
            "a", d.c(f"네, 그럼 {day2} {J(t2, '으로')} 하죠.", f"{t2} 좋습니다. 그걸로 잡을게요.")
        )
        time = t2
    else:
        d.say("b", d.c("네, 그때 좋아요.", "괜찮아요. 그 시간 비워 둘게요."))
        time = t1
    if online:
        d.say("b", "혹시 화상으로 해도 될까요? 그날 재택이라서요.")
        d.say("a", "그럼요. 화상 회의 링크 만들어서 보내 드릴게요.")
    else:
        d.say(
            "a",
            d.c(
                f"회의실은 제가 {J(room, '으로')} 예약해 둘게요.",
                f"{room} 비어 있는지 보고 예약할게요.",
            ),
        )
    if ext:
        d.say("b", "거래처 담당자도 같이 들어오는 게 좋지 않을까요?")
        d.say("a", "좋은 생각이에요. 담당자 메일 주소가 #Email#이었죠? 제가 초대 메일 보낼게요.")
    d.say(
        "b",
        d.c(
            "자료는 미리 공유해 주세요.",
            "안건 정리해서 미리 보내 주시면 읽어 볼게요.",
            "네, 그때 봬요.",
        ),
    )
    if d.turns[-1][1] != "네, 그때 봬요.":
        d.say(
            "a", d.c("네, 내일까지 정리해서 드릴게요.", "알겠습니다. 초안 정리되면 바로 보낼게요.")
        )

    def S(P):
        A, B = P("a"), P("b")
        where = "화상으로" if online else f"{room}에서"
        s0 = f"{J(A, '은')} {J(B, '과')} {topic} 회의 일정을 잡는다. 두 사람은 {day2} {time}에 {where} 회의하기로 한다."
        if changed:
            s0 = f"{J(A, '은')} {J(B, '에게')} {topic} 회의를 제안한다. 처음 제안한 {J(t1, '은')} {J(B, '이')} 안 돼서 {day2} {J(time, '으로')} 정하고, 회의는 {where} 한다."
        if ext:
            s0 += " 거래처 담당자도 #Email#로 초대하기로 한다."
        s1 = f"{J(B, '은')} {J(day1, '은')} 어렵다고 해서 {J(A, '과')} {B}의 {topic} 회의는 {day2} {time}에 열린다."
        s2 = f"{topic} 회의가 {day2} {J(time, '으로')} 잡힌다. {J(A, '이')} " + (
            "화상 회의 링크를 보내기로 한다." if online else f"{J(room, '을')} 예약한다."
        )
        return [s0, s1, s2]

    return S


CLIENT_CHANGES = _S["CLIENT_CHANGES"]


@scenario("직장 회의")
def work_client_change(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.6) else [])
    client = d.c("한빛상사", "대성물산", "미래전자", "그린푸드", "누리통신")
    line, req_s, worry = d.c(*CLIENT_CHANGES)
    decision = d.c("cost", "partial", "accept")
    call_time = d.c("오늘 오후", "내일 오전", "오늘 퇴근 전")
    d.say(
        "a",
        d.c(f"방금 {client}에서 전화 왔는데요, {line}", f"큰일 났어요. {client} 담당자가 {line}"),
    )
    d.say("b", d.c(f"네? 이제 와서요? {worry}", f"갑자기요? {worry}"))
    if "c" not in ppl:
        d.say(
            "a",
            d.c(
                "그러니까요. 어떻게 대응하면 좋을까요?", "저도 당황스러워요. 거절하기도 애매하고요."
            ),
        )
    if "c" in ppl:
        d.say(
            "c",
            d.c(
                "계약서에 변경 관련 조항이 있었던 것 같은데요. 제가 찾아볼게요.",
                "저번에도 막판에 바꿔 달라고 했었잖아요.",
            ),
        )
        d.say(
            "a",
            d.c(
                "일단 무조건 안 된다고 하기는 어렵고요.",
                "맞아요. 그래도 중요한 거래처라서 고민이에요.",
            ),
        )
    if decision == "cost":
        d.say("b", "그럼 추가 비용이 든다고 솔직하게 말하고 견적을 다시 보내는 게 어때요?")
        res_s = "추가 비용을 포함한 견적을 다시 보내기로 한다"
    elif decision == "partial":
        d.say("b", "전부는 어렵고, 일부만 반영하는 쪽으로 협의해 보죠.")
        res_s = "요청을 일부만 반영하는 방향으로 협의하기로 한다"
    else:
        d.say("b", "이번엔 우리가 맞춰 주고, 다음 계약 때 조건을 좀 챙기는 게 낫겠어요.")
        res_s = "이번에는 요청을 받아들이기로 한다"
    d.say(
        "a",
        d.c(
            f"좋아요. 그럼 {call_time}에 제가 담당자한테 전화할게요.",
            f"알겠어요. {call_time}에 통화해서 그렇게 얘기해 볼게요.",
        ),
    )
    closer = "c" if "c" in ppl else "b"
    d.say(
        closer,
        d.c(
            "통화하고 결과 공유해 주세요.",
            "필요하면 저도 같이 통화할게요.",
            "팀장님께도 미리 보고드리는 게 좋겠어요.",
        ),
    )

    def S(P):
        A, B = P("a"), P("b")
        s0 = f"{J(A, '은')} {J(client, '이')} {req_s} 요청했다고 전한다. {J(B, '은')} 걱정하지만 결국 {res_s}."
        s0 += f" {J(A, '이')} {call_time}에 담당자에게 연락하기로 한다."
        s1 = f"{client}의 갑작스러운 요청을 두고 {J(listing([P(p) for p in d.order()]), '은')} 대응 방법을 논의해 {res_s}."
        s2 = f"{J(client, '이')} 요청을 바꾸자 팀은 {res_s}. 연락은 {J(A, '이')} 맡는다."
        return [s0, s1, s2]

    return S
