"""Scenarios of the topic 학교 과제; their slot values are in slots/school.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing

_S = load_slots("school")

COURSES = _S["COURSES"]
ROLES_SCHOOL = _S["ROLES_SCHOOL"]
MEET_PLACES = _S["MEET_PLACES"]


@scenario("학교 과제")
def school_group_project(d: Dlg) -> Summaries:
    ppl = ["a", "b", "c"] + (["d"] if d.p(0.6) else [])
    course, topic = d.c(*COURSES)
    due = d.c("다음 주 목요일", "2주 뒤 화요일", "다음 주 월요일", "이번 달 말")
    place = d.c(*MEET_PLACES)
    meet = d.c("내일 저녁 7시", "목요일 오후 3시", "금요일 점심 먹고", "일요일 저녁 8시")
    work = dict(zip(ppl, d.k(ROLES_SCHOOL, len(ppl)), strict=True))
    nm = dict(zip(ppl, d.given(len(ppl)), strict=True))
    freerider = d.p(0.3)
    d.say(
        "a",
        d.c(
            f"{course} 조별 과제 주제부터 정하자. 발표가 {J(due, '이야')}.",
            f"다들 {course} 과제 공지 봤지? 발표가 {due}래.",
        ),
    )
    d.say(
        "b",
        d.c(
            f"나는 {J(topic, '이')} 괜찮을 것 같아. 자료도 많고.",
            f"{topic} 어때? 교수님이 수업 시간에 얘기하신 거잖아.",
        ),
    )
    d.say(
        "c",
        d.c(
            "좋아, 나도 찬성.",
            "오, 그거 괜찮다. 통계 자료 찾기도 쉬울 것 같아.",
            "그래, 다른 거 고민할 시간도 없어.",
        ),
    )
    if freerider:
        d.say("a", f"근데 {J(nm['c'], '아')}, 지난번처럼 연락 안 되면 안 된다?")
        d.say(
            "c",
            d.c(
                "아, 그때는 진짜 미안했어. 이번엔 단톡 알림 켜 둘게.",
                "알았어, 이번엔 내 몫 확실히 할게.",
            ),
        )
    d.say(
        "a",
        d.c(
            f"그럼 역할 나누자. 나는 {work['a']} 할게.",
            f"역할부터 정하자. {J(work['a'], '은')} 내가 할게.",
        ),
    )
    d.say("b", d.c(f"그럼 난 {work['b']}.", f"난 {J(work['b'], '이')} 편해. 그거 할게."))
    d.say("c", d.c(f"{J(work['c'], '은')} 내가 해 볼게.", f"나는 {work['c']} 맡을게."))
    if "d" in ppl:
        d.say(
            "d",
            d.c(
                f"남은 게 {J(work['d'], '이네')}. 그거 내가 할게.",
                f"{J(work['d'], '은')} 자신 있어. 나한테 맡겨.",
            ),
        )
    d.say(
        "b",
        d.c(f"중간 점검은 {meet}에 {place}에서 하자.", f"그럼 {meet}에 {place}에서 한 번 모이자."),
    )
    d.say("a", d.c("좋아. 그때까지 각자 할 거 해 오기!", "오케이, 단톡방에 정리해서 올릴게."))

    def S(P):
        group = J(listing([P(p) for p in d.order()]), "은")
        assign = ", ".join(f"{J(P(p), '이')} {work[p]}" for p in ppl)
        s0 = f"{group} {course} 조별 과제 주제를 {J(topic, '으로')} 정하고 역할을 나눈다."
        if freerider:
            s0 += f" {J(P('a'), '은')} 지난번에 연락이 안 됐던 {J(P('c'), '에게')} 이번에는 잘하자고 당부한다."
        s0 += f" 중간 점검은 {meet}에 {place}에서 하기로 한다."
        s1 = f"{course} 발표는 {due}이다. {J(P('b'), '이')} 제안한 {J(topic, '으로')} 주제가 정해지고, {J(assign, '을')} 맡는다."
        s2 = f"{group} {due} 발표할 {course} 과제를 {J(topic, '으로')} 하기로 하고 {meet}에 다시 모인다."
        return [s0, s1, s2]

    return S


EXT_REASONS = _S["EXT_REASONS"]


@scenario("학교 과제")
def school_extension(d: Dlg) -> Summaries:
    d.roles(prof="교수", stu="학생")
    course = d.c(*[c for c, _ in COURSES])
    reason, reason_s, proof = d.c(*EXT_REASONS)
    old = d.c("어제", "오늘 자정", "지난 금요일")
    new = d.c("이번 주 금요일", "다음 주 월요일", "모레 오후 6시", "이번 주 일요일 자정")
    penalty = d.p(0.45)
    email = d.p(0.6)
    d.say(
        "stu",
        d.c(
            f"교수님, 안녕하세요. {course} 수강하는 학생인데요, 과제 제출 때문에 찾아뵈었습니다.",
            f"교수님, 잠깐 시간 괜찮으세요? {course} 기말 보고서 때문에요.",
        ),
    )
    d.say("prof", d.c("네, 들어와요. 무슨 일이에요?", "그래요, 무슨 일인데요?"))
    d.say("stu", f"마감이 {J(old, '이었')}는데 제출을 못 했어요. {reason}")
    d.say(
        "prof",
        d.c(
            "저런, 지금은 괜찮아요?",
            "그랬군요. 몸은 좀 어때요?"
            if "입원" in reason or "병원" in reason
            else "그랬군요. 많이 힘들었겠네요.",
        ),
    )
    d.say(
        "stu",
        d.c(
            "네, 이제 괜찮아요. 혹시 조금만 기한을 연장해 주실 수 있을까요?",
            "이제 많이 나아졌어요. 제출 기한을 며칠만 늦춰 주실 수 있을까요?",
        ),
    )
    d.say("prof", d.c(f"사정이 있으니 {new}까지 내세요.", f"알겠어요. {new}까지는 받아 줄게요."))
    if penalty:
        d.say("prof", "다만 다른 학생들과의 형평성 때문에 10% 감점은 있어요.")
        d.say("stu", d.c("네, 그건 당연히 감수하겠습니다.", "네, 받아 주시는 것만으로도 감사해요."))
    d.say(
        "prof",
        d.c(
            f"그리고 {J(proof, '은')} 조교한테 제출해 줘요.",
            f"증빙 서류로 {J(proof, '을')} 같이 내 주세요.",
        ),
    )
    if email:
        d.say("stu", "과제는 어디로 제출하면 될까요?")
        d.say("prof", "이번엔 메일로 보내요. #Email#로 보내면 돼요.")
    d.say(
        "stu",
        d.c("감사합니다, 교수님. 늦지 않게 제출하겠습니다.", "정말 감사합니다. 꼭 기한 지킬게요."),
    )

    def S(P):
        St, Pr = P("stu"), P("prof")
        s0 = f"{J(St, '은')} {reason_s} {course} 과제를 {old}까지 내지 못했다며 {J(Pr, '에게')} 기한 연장을 부탁하고, {J(Pr, '은')} {new}까지 제출하라고 한다."
        tail = []
        if penalty:
            tail.append("대신 10% 감점이 있다")
        tail.append(f"{J(proof, '을')} 함께 내야 한다")
        s0 += " " + "고, ".join(tail) + "."
        s1 = f"{J(Pr, '은')} {St}의 사정을 듣고 {course} 과제 마감을 {J(new, '으로')} 연장해 준다."
        if email:
            s1 += " 과제는 #Email#로 보내기로 한다."
        s2 = f"{J(St, '은')} {reason_s} 과제를 못 냈고, {new}까지 기한을 연장받는다."
        return [s0, s1, s2]

    return S


HELP_TOPICS = _S["HELP_TOPICS"]


@scenario("학교 과제")
def school_study_help(d: Dlg) -> Summaries:
    _, ask, answer, topic_s = d.c(*HELP_TOPICS)
    subj = d.c("교양 과목", "전공 과목", "글쓰기 수업", "경영학 수업")
    due = d.c("내일", "모레", "이번 주 금요일", "다음 주 월요일")
    treat = d.c("커피", "떡볶이", "학식", "아이스크림")
    nm = d.given()
    d.say(
        "a",
        d.c(
            f"{J(nm, '아')}, 바빠? 나 {subj} 보고서 때문에 멘붕이야.",
            f"혹시 시간 있어? {subj} 과제 좀 물어봐도 돼?",
            f"{due}까지 {subj} 보고서 내야 하는데 막혔어.",
        ),
    )
    d.say("b", d.c("응, 뭔데?", "괜찮아, 말해 봐.", "또 벼락치기구나? 뭐가 문제야?"))
    d.say("a", ask)
    d.say("b", answer)
    if d.p(0.5):
        d.say(
            "a",
            d.c(
                "아, 그렇구나. 그럼 교수님한테 따로 안 물어봐도 되겠다.",
                "진짜? 난 완전 반대로 알고 있었어.",
            ),
        )
        d.say(
            "b",
            d.c(
                "혹시 모르니까 공지 한 번 더 확인해 봐.",
                "응, 헷갈리면 조교한테 메일 보내 보는 것도 방법이야.",
            ),
        )
    if "마감" not in d.turns[0][1] and due not in d.turns[0][1]:
        d.say("b", "근데 언제까지 내야 하는데?")
        d.say("a", f"{J(due, '이야')}. 그래서 오늘 밤새야 할 것 같아.")
    d.say(
        "a",
        d.c(
            f"진짜 고마워. 다음에 {treat} 살게.",
            f"덕분에 살았다. 내가 {treat} 쏠게.",
            f"고마워! 과제 끝나면 내가 {treat} 살게.",
        ),
    )
    d.say(
        "b", d.c("오케이, 약속했다.", "됐어, 나중에 나 모르는 거 있을 때 알려 줘.", "그래, 파이팅!")
    )

    def S(P):
        A, B = P("a"), P("b")
        s0 = f"{J(A, '은')} {due}까지 내야 하는 {subj} 보고서 때문에 {J(B, '에게')} {J(topic_s, '을')} 묻고, {J(B, '은')} 방법을 알려 준다. {J(A, '은')} 고마워하며 {J(treat, '을')} 사겠다고 한다."
        s1 = f"{J(B, '은')} {subj} 과제로 고민하는 {J(A, '에게')} {J(topic_s, '을')} 설명해 준다."
        s2 = f"{J(A, '은')} {J(B, '의')} 도움으로 {topic_s} 문제를 해결하고 {J(treat, '을')} 사기로 한다."
        return [s0, s1, s2]

    return S
