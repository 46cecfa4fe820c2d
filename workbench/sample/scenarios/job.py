"""Scenarios of the topic 취업 면접; their slot values are in slots/job.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing

_S = load_slots("job")

JOBS = _S["JOBS"]
STRENGTHS = _S["STRENGTHS"]
WEAKNESSES = _S["WEAKNESSES"]


@scenario("취업 면접")
def job_interview(d: Dlg) -> Summaries:
    two = d.p(0.5)
    job, exp, exp_s = d.c(*JOBS)
    strength, strength_s = d.c(*STRENGTHS)
    q_back = d.c(
        (
            "입사하면 어떤 교육을 받게 되나요?",
            "처음 한 달은 선배랑 같이 일하면서 배우게 돼요.",
            "신입 교육",
        ),
        (
            "이 팀은 주로 어떤 분들과 협업하나요?",
            "디자인팀, 영업팀이랑 매주 회의를 해요.",
            "협업 부서",
        ),
        ("야근이 많은 편인가요?", "분기 말에는 좀 있지만 평소에는 거의 없어요.", "야근"),
    )
    notice = d.c("일주일 안에", "다음 주 금요일까지", "3일 안에")
    d.roles(**({"i1": "면접관", "cand": "지원자"} if not two else {}))
    d.say(
        "i1",
        d.c(
            f"안녕하세요. {job} 직무에 지원하셨죠? 간단하게 자기소개 부탁드립니다.",
            f"긴장 푸시고요. {job} 지원자분 맞으시죠? 자기소개부터 해 주세요.",
        ),
    )
    d.say(
        "cand",
        d.c(
            f"안녕하세요, {job} 직무에 지원한 {d.full()}입니다. {exp}",
            f"네, 저는 {J(d.full(), '이라고')} 합니다. {exp}",
        ),
    )
    if two:
        d.say(
            "i2",
            d.c(
                "그 경험에서 가장 힘들었던 점은 뭐였어요?", "그때 어려웠던 점은 어떻게 해결했어요?"
            ),
        )
        d.say(
            "cand",
            d.c(
                "팀원들과 의견이 달라서 힘들었는데, 매일 짧게 회의하면서 맞춰 갔습니다.",
                "시간이 부족했는데 우선순위를 정해서 해결했습니다.",
            ),
        )
    d.say("i1", d.c("본인의 장점과 단점을 말씀해 주세요.", "장단점을 하나씩 말해 볼까요?"))
    d.say("cand", f"{strength} 단점은 {d.c(*WEAKNESSES)}")
    d.say(
        "i2" if two else "i1",
        d.c("마지막으로 궁금한 거 있으면 물어보세요.", "저희 회사에 질문 있으세요?"),
    )
    d.say("cand", q_back[0])
    d.say("i2" if two else "i1", q_back[1] + f" 결과는 {notice} 메일로 알려 드릴게요.")
    d.say("cand", d.c("감사합니다. 좋은 결과 기다리겠습니다.", "오늘 시간 내 주셔서 감사합니다."))

    def S(P):
        C = P("cand")
        ivs = listing([P(r) for r in ("i1", "i2") if r in d.order()])
        s0 = f"{J(C, '은')} {job} 직무 면접에서 {J(exp_s, '을')} 소개하고 장점으로 {J(strength_s, '을')} 꼽는다. {J(ivs, '은')} 결과를 {notice} 메일로 알려 주겠다고 한다."
        s1 = f"{J(ivs, '은')} {job} 지원자인 {J(C, '에게')} 경험과 장단점을 묻고, {J(C, '은')} {q_back[2]}에 대해 질문한다."
        s2 = f"{J(C, '이')} {job} 면접을 보고 {notice} 결과를 받기로 한다."
        return [s0, s1, s2]

    return S


MOCK_FEEDBACK = _S["MOCK_FEEDBACK"]


@scenario("취업 면접")
def job_mock_interview(d: Dlg) -> Summaries:
    company = d.c("한빛전자", "누리푸드", "대성건설", "미래은행", "그린에너지", "하늘항공")
    when = d.c("내일 오전 10시", "모레 오후 2시", "이번 주 금요일 오전", "다음 주 월요일 오후 3시")
    fb, fb_s = d.c(*MOCK_FEEDBACK)
    qtype = d.c(
        (
            "왜 우리 회사에 지원했어요?",
            "지원 동기",
            f"음... 저는 {company}의 기업 문화가 저랑 잘 맞는다고 생각했고요, 어... 그리고 성장 가능성이 크다고 생각해서 지원했습니다.",
        ),
        (
            "입사 후 포부를 말해 보세요.",
            "입사 후 포부",
            "저는 어... 맡은 일을 끝까지 하는 사람이고요, 그래서, 음, 회사에서 꼭 필요한 사람이 되겠습니다.",
        ),
        (
            "본인의 단점은 뭐예요?",
            "단점",
            "저는 완벽주의가 좀 있어서요, 일을 늦게 끝낼 때가 있습니다. 그래서 요즘은 계획표를 씁니다.",
        ),
        (
            "최근에 실패한 경험이 있나요?",
            "실패 경험",
            "네, 작년에 공모전에서 떨어진 적이 있는데요, 그때 많이 배웠습니다. 그래서 다음에는 더 준비했습니다.",
        ),
    )
    outfit = d.p(0.4)
    third = d.p(0.4)
    nm = d.given()
    d.say(
        "a",
        d.c(
            f"나 {when}에 {company} 면접이야. 너무 떨려.",
            f"{J(nm, '아')}, 나 {when} {company} 면접 보는데 연습 좀 도와줄래?",
        ),
    )
    d.say(
        "b",
        d.c(
            "오, 축하해! 내가 면접관 해 줄게.",
            "당연하지. 예상 질문 하나 해 볼까?",
            "벌써 면접이야? 대단하다. 한번 해 보자.",
        ),
    )
    d.say("b", f"자, 지원자님. {qtype[0]}")
    d.say("a", qtype[2])
    d.say("b", f"음, 솔직히 말해도 돼? {fb}")
    if third:
        d.say(
            "c",
            d.c(
                "나도 옆에서 들었는데 맞아. 그래도 내용은 좋았어.",
                "나도 첫 면접 때 똑같은 말 들었어. 연습하면 금방 고쳐져.",
                "그래도 목소리는 자신감 있어서 좋더라.",
            ),
        )
    d.say(
        "a",
        d.c(
            "아, 그래? 나는 전혀 몰랐어.",
            "역시 그렇구나. 나도 좀 그런 것 같았어.",
            "헉, 그게 그렇게 티 났어?",
        ),
    )
    if outfit:
        d.say("a", "그리고 옷은 정장 입어야 할까? 공고에 자율 복장이라고 돼 있던데.")
        d.say(
            "b",
            d.c(
                "그래도 첫 면접이니까 깔끔한 셔츠에 재킷 정도는 입어.",
                "자율이면 너무 딱딱한 정장보단 단정한 비즈니스 캐주얼이 나아.",
            ),
        )
    d.say(
        "b",
        d.c(
            "오늘 밤에 거울 보면서 세 번만 더 연습해.",
            "녹음해서 들어 보면 금방 고칠 수 있어.",
            "내일 아침에 한 번 더 봐 줄게.",
        ),
    )
    d.say(
        "a",
        d.c(
            "고마워. 붙으면 내가 밥 살게!",
            "진짜 고마워. 너 아니었으면 큰일 날 뻔했다.",
            "알았어, 해 볼게. 응원해 줘.",
        ),
    )

    def S(P):
        A, B = P("a"), P("b")
        partner = "친구들과" if third else J(B, "과")
        s0 = f"{J(A, '은')} {when} {company} 면접을 앞두고 {partner} 모의 면접을 한다. {J(B, '은')} {qtype[1]} 질문에 대한 답을 듣고 {fb_s}고 조언한다."
        if outfit:
            s0 += " 면접 복장에 대한 조언도 해 준다."
        s1 = f"{J(B, '은')} {company} 면접을 보는 {J(A, '에게')} 예상 질문을 던지고, {fb_s}는 피드백을 준다."
        s2 = f"{J(A, '은')} {J(B, '의')} 도움으로 {company} 면접을 연습하고 {fb_s}는 점을 고치기로 한다."
        return [s0, s1, s2]

    return S


@scenario("취업 면접")
def job_hr_call(d: Dlg) -> Summaries:
    d.roles(hr="인사 담당자", cand="지원자")
    company = d.c("한빛전자", "누리푸드", "대성건설", "미래은행", "그린에너지", "하늘항공")
    job = d.c(*[j for j, _, _ in JOBS])
    day, t = (
        d.c("다음 주 화요일", "이번 주 목요일", "다음 주 수요일", "다음 주 금요일"),
        d.c("오전 10시", "오후 2시", "오후 3시 반", "오전 11시"),
    )
    place = d.c("본사 3층 회의실", "강남 사옥 12층", "판교 연구소 1층 로비", "본사 인사팀 사무실")
    resched = d.p(0.35)
    new_t = d.c("오후 4시", "오후 5시", "오전 9시 반")
    docs = d.c("졸업증명서", "자격증 사본", "포트폴리오", "경력증명서")
    if d.p(0.5):
        d.say("hr", f"안녕하세요, {company} 인사팀입니다. {d.full()} 님 맞으세요?")
        d.say("cand", d.c("네, 맞습니다.", "아, 네! 맞아요."))
    else:
        d.say("hr", f"여보세요, {company} 채용 담당자입니다. 통화 괜찮으세요?")
        d.say("cand", d.c("네, 괜찮습니다. 말씀하세요.", "아, 네! 안녕하세요."))
    d.say(
        "hr",
        d.c(
            f"{job} 직무 서류 전형에 합격하셔서 면접 일정 안내드리려고 연락드렸어요.",
            f"지원하신 {job} 직무 서류 합격 축하드립니다. 면접 일정 말씀드릴게요.",
        ),
    )
    d.say("cand", d.c("정말요? 감사합니다!", "와, 감사합니다. 언제인가요?"))
    d.say("hr", f"면접은 {day} {t}, {place}에서 진행됩니다.")
    if resched:
        d.say(
            "cand",
            d.c(
                f"죄송한데 그날 {t}에는 졸업 시험이 있어서요. 혹시 시간을 조금 늦출 수 있을까요?",
                "그 시간에 현재 직장 일정이 있어서요, 늦은 오후로 바꿀 수 있을까요?",
            ),
        )
        d.say(
            "hr",
            d.c(
                f"확인해 보니 같은 날 {new_t}에 자리가 있네요. 그때 괜찮으세요?",
                f"{day} {J(new_t, '은')} 가능합니다.",
            ),
        )
        d.say("cand", d.c(f"네, {new_t} 좋습니다. 감사합니다.", "네, 그 시간으로 부탁드립니다."))
        t_final = new_t
    else:
        d.say("cand", d.c("네, 그 시간 괜찮습니다.", "네, 꼭 가겠습니다."))
        t_final = t
    d.say(
        "hr",
        d.c(
            f"오실 때 신분증이랑 {J(docs, '을')} 챙겨 오세요.",
            f"면접 당일에 {docs} 원본을 가져오셔야 해요.",
        ),
    )
    d.say(
        "hr",
        d.c(
            "자세한 내용은 메일로도 보내 드릴게요. 메일 주소가 #Email# 맞으시죠?",
            "안내 메일은 지원서에 적힌 #Email#로 보내 드릴게요.",
        ),
    )
    d.say("cand", d.c("네, 맞아요. 확인하겠습니다.", "네, 감사합니다. 준비 잘해서 가겠습니다."))

    def S(P):
        H, C = P("hr"), P("cand")
        s0 = f"{J(H, '은')} {J(C, '에게')} 전화해 {company} {job} 직무 서류 합격을 알리고 면접 일정을 안내한다."
        if resched:
            s0 += f" {J(C, '이')} 원래 시간인 {J(t, '이')} 어렵다고 해서 면접은 {day} {t_final}에 {place}에서 보기로 한다."
        else:
            s0 += f" 면접은 {day} {t_final}에 {place}에서 열린다."
        s0 += f" {J(C, '은')} {J(docs, '을')} 챙겨 가야 하고, 안내는 #Email#로 받는다."
        s1 = f"{J(C, '은')} {company} {job} 직무 서류 전형에 합격해 {day} {t_final} 면접 일정을 안내받는다."
        s2 = f"{J(H, '은')} {J(C, '의')} 면접을 {day} {J(t_final, '으로')} 잡고 #Email#로 안내 메일을 보내기로 한다."
        return [s0, s1, s2]

    return S
