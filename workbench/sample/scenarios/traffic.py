"""Scenarios of the topic 교통/길찾기; their slot values are in slots/traffic.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, together

_S = load_slots("traffic")

DESTINATIONS = _S["DESTINATIONS"]


@scenario("교통/길찾기")
def traffic_directions(d: Dlg) -> Summaries:
    dest, station, line, exit_, walk = d.c(*DESTINATIONS)
    bus = d.c("472번", "740번", "150번", "7016번", "402번")
    mode = d.c("subway", "bus", "walk_far")
    wrong = d.p(0.35) and mode != "walk_far"
    comp = d.p(0.4)
    d.roles(asker="길을 묻는 사람", local="행인", **({"comp": "일행"} if comp else {}))
    d.say(
        "asker",
        d.c(
            f"저기, 실례합니다. {dest}에 가려면 어떻게 가야 하나요?",
            f"죄송한데 길 좀 여쭤봐도 될까요? {dest} 찾고 있는데요.",
            f"혹시 {dest} 가는 길 아세요?",
        ),
    )
    if mode == "subway":
        d.say(
            "local",
            d.c(
                f"지하철 타시는 게 제일 빨라요. {line} 타고 {station}에서 내리세요.",
                f"{J(line, '으로')} 가세요. {station}에서 내리시면 돼요.",
            ),
        )
        q, a = d.c(
            ("여기서 지하철역은 어디예요?", "저 사거리 건너서 오른쪽에 바로 있어요."),
            (f"{J(station, '이')}요? 몇 정거장이나 가요?", "네 정거장이요. 금방 가요."),
            ("갈아타야 하나요?", f"아니요, {line} 한 번에 가요."),
        )
        d.say("asker", q)
        d.say("local", a + f" {station} {exit_}로 나와서 {walk}만 걸으면 보여요.")
        how_s = f"{J(line, '을')} 타고 {station} {exit_}로 나가 {walk} 걸으면 된다"
    elif mode == "bus":
        d.say(
            "local",
            d.c(
                f"여기 앞 정류장에서 {J(bus, '을')} 타세요. 한 번에 가요.",
                f"{J(bus, '이')} 바로 가요. 저기 정류장에서 타시면 돼요.",
            ),
        )
        q, a = d.c(
            ("얼마나 걸려요?", "차 안 막히면 20분쯤이요. 안내 방송 나오면 내리세요."),
            ("몇 정거장 가야 해요?", "다섯 정거장이요. 내릴 때 안내 방송 나와요."),
            ("버스가 자주 와요?", "10분마다 와요. 금방 올 거예요."),
        )
        d.say("asker", q)
        d.say("local", a)
        how_s = f"앞 정류장에서 {J(bus, '을')} 타면 한 번에 간다"
    else:
        d.say(
            "local",
            d.c(
                "걸어가기엔 좀 멀어요. 택시 타시면 10분이면 가요.",
                "여기서 걸으면 40분은 걸려요. 택시 타세요.",
            ),
        )
        q, a = d.c(
            ("택시는 어디서 잡아요?", "길 건너편이 택시 승강장이에요."),
            (
                "아, 그렇게 멀어요? 버스는 없어요?",
                "버스는 돌아가서 더 걸려요. 큰길로 나가시면 택시 금방 잡혀요.",
            ),
        )
        d.say("asker", q)
        d.say("local", a)
        how_s = "걷기에는 멀어 택시를 타야 한다"
    if comp:
        d.say(
            "comp",
            d.c(
                "거봐, 내가 반대 방향이라고 했잖아.",
                "다행이다. 우리 한참 헤맬 뻔했네.",
                "고맙습니다. 저희가 여기 처음이라서요.",
                "그럼 얼른 가자. 예약 시간 늦겠어.",
            ),
        )
    if wrong and mode == "subway":
        d.say(
            "asker",
            d.c(
                f"아까 어떤 분이 {station} 1번 출구라고 하셨는데...",
                f"지도 앱에는 {J(station, '이')} 아니라 다른 역이 나오던데요?",
            ),
        )
        d.say(
            "local",
            d.c(
                f"아니에요, {exit_}로 나가셔야 덜 걸어요. 저도 자주 가요.",
                "거기로 가면 한참 돌아가요. 제 말대로 가시는 게 빨라요.",
            ),
        )
    elif wrong:
        d.say("asker", "지도 앱에서는 지하철 타라고 나오던데요?")
        d.say(
            "local",
            d.c(
                "지하철은 한 번 갈아타야 해서 버스가 훨씬 편해요.",
                "지하철역까지 걸어가는 게 더 멀어요. 버스 타세요.",
            ),
        )
    d.say(
        "asker",
        d.c("정말 감사합니다!", "친절하게 알려 주셔서 고맙습니다.", "덕분에 살았어요. 감사합니다."),
    )

    def S(P):
        A, L = P("asker"), P("local")
        who = f"{J(A, '은')} {together(P('comp'), '일행')}" if comp else J(A, "은")
        s0 = f"{who} {J(L, '에게')} {dest} 가는 길을 묻고, {J(L, '은')} {how_s}고 알려 준다."
        if wrong:
            s0 += f" {J(L, '은')} {J(A, '이')} 알고 있던 다른 길보다 이 방법이 낫다고 설명한다."
        s1 = f"{dest}에 가려는 {J(A, '은')} 길을 물어 {how_s}는 답을 듣는다."
        s2 = f"{J(L, '이')} {J(A, '에게')} {dest} 가는 방법을 알려 준다."
        return [s0, s1, s2]

    return S


TAXI_DESTS = _S["TAXI_DESTS"]


@scenario("교통/길찾기")
def traffic_taxi(d: Dlg) -> Summaries:
    d.roles(driver="택시 기사", pas="승객")
    dest, vehicle = d.c(*TAXI_DESTS)
    dep = d.c("오후 3시 10분", "저녁 6시 40분", "오전 11시 20분", "오후 1시 50분")
    eta = d.c("25분", "35분", "40분")
    highway = d.p(0.5)
    fare = d.c("1만 8천 원", "2만 3천 원", "3만 1천 원", "1만 5천 원")
    card = d.p(0.6)
    d.say(
        "driver",
        d.c(
            "어서 오세요. 어디로 모실까요?",
            "안녕하세요, 어디 가세요?",
            "네, 타세요. 어디로 갈까요?",
        ),
    )
    d.say(
        "pas",
        d.c(
            f"{J(dest, '이요')}. 조금 급해서요.",
            f"{dest} 가 주세요. {dep} {J(vehicle, '을')} 타야 해요.",
            f"{dest}까지 가 주세요. 빨리 가 주시면 좋겠어요.",
        ),
    )
    if not d.said(dep):
        d.say(
            "driver", d.c("몇 시까지 가셔야 해요?", "시간이 빠듯하세요?", "출발 시간이 몇 시예요?")
        )
        d.say("pas", d.c(f"{dep} {J(vehicle, '이에요')}.", f"{dep} {vehicle} 타야 해요."))
    if highway:
        d.say(
            "driver",
            d.c(
                f"지금 시내가 막혀서 고속도로로 돌아가면 {eta} 정도 걸려요. 그쪽으로 갈까요?",
                f"시내는 공사 중이라 도로로 빙 돌아가는 게 빨라요. {eta} 잡으시면 돼요.",
            ),
        )
    else:
        d.say(
            "driver",
            d.c(
                f"이 시간엔 시내로 가는 게 나아요. {J(eta, '이면')} 도착할 거예요.",
                f"시내 길로 가도 {J(eta, '이면')} 충분해요.",
            ),
        )
    d.say(
        "pas",
        d.c(
            "네, 빠른 길로 가 주세요.",
            "기사님이 잘 아시는 길로 가 주세요.",
            "그럼 그렇게 해 주세요. 늦으면 안 돼서요.",
        ),
    )
    if d.p(0.5):
        q, answers = d.c(
            ("여행 가세요?", ("아니요, 부모님 뵈러 가요.", "네, 친구들이랑 여행 가요.")),
            ("출장 가시나 봐요?", ("네, 회사 일 때문에 가요.", "아니요, 친구 결혼식이 있어서요.")),
            (
                "가방이 크네요. 어디 멀리 가시나 봐요.",
                ("네, 부모님 뵈러 가요.", "친구 결혼식이 있어서 지방에 내려가요."),
            ),
        )
        d.say("driver", q)
        d.say("pas", d.c(*answers))
    d.say(
        "driver",
        d.c(
            f"다 왔습니다. {J(fare, '이')} 나왔네요.", f"도착했습니다. 요금은 {J(fare, '이에요')}."
        ),
    )
    if card:
        d.say(
            "pas",
            d.c(
                "카드로 할게요. 영수증도 주세요.",
                "카드 되죠? 덕분에 안 늦었어요.",
                "카드로 결제할게요. 감사합니다.",
            ),
        )
    else:
        d.say(
            "pas",
            d.c("현금으로 드릴게요. 잔돈은 괜찮아요.", "여기 현금이요. 빨리 와 주셔서 감사해요."),
        )

    def S(P):
        Pa, Dr = P("pas"), P("driver")
        road = "고속도로로 돌아가면" if highway else "시내 길로 가면"
        how = "카드로" if card else "현금으로"
        s0 = (
            f"{J(Pa, '은')} {dep} {J(vehicle, '을')} 타려고 택시를 타고 {dest}에 간다. "
            f"{J(Dr, '은')} {road} {eta} 정도 걸린다고 하고, 요금 {J(fare, '은')} {how} 낸다."
        )
        s1 = f"{J(Dr, '은')} {dep} {J(vehicle, '을')} 타야 하는 {J(Pa, '을')} {dest}까지 태워 주고, {J(Pa, '은')} {J(fare, '을')} {how} 낸다."
        s2 = f"{J(Pa, '이')} {dep} {vehicle} 시간에 맞춰 택시로 {dest}에 간다."
        return [s0, s1, s2]

    return S


@scenario("교통/길찾기")
def traffic_parking(d: Dlg) -> Summaries:
    case = d.c("blocking", "visitor", "towed")
    if case == "towed":
        d.roles(owner="차주", staff="견인 보관소 직원")
    else:
        d.roles(owner="차주", staff="관리사무소 직원")
    mins = d.c("5분", "10분", "2분")
    if case == "blocking":
        d.say(
            "staff",
            d.c(
                "여보세요, 관리사무소입니다. #CarNumber# 차주분 맞으시죠?",
                "안녕하세요, 아파트 관리실인데요. 차 번호 #CarNumber# 차주 되시죠?",
            ),
        )
        d.say("owner", d.c("네, 맞는데요. 무슨 일이세요?", "네, 제 차예요. 왜 그러세요?"))
        d.say(
            "staff",
            d.c(
                "이중 주차하신 차가 앞 차를 막고 있어서 출차를 못 하고 계세요.",
                "지하 2층에 차를 세우셨는데 다른 차가 못 나가고 있어요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "아, 기어를 중립에 안 놨나 보네요. 죄송해요.",
                "어머, 사이드브레이크를 걸어 놨나 봐요. 죄송합니다.",
            ),
        )
        d.say(
            "owner",
            d.c(
                f"{mins} 안에 내려갈게요.",
                f"지금 바로 내려가겠습니다. {mins}만 기다려 달라고 전해 주세요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                "네, 다음부터는 중립으로 해 두세요.",
                "네, 빨리 부탁드려요. 기다리시는 분이 급하시대요.",
                "네, 그분께 그렇게 전해 드릴게요.",
            ),
        )
        res = f"이중 주차한 차가 다른 차를 막고 있어 {mins} 안에 차를 빼기로 한다"
    elif case == "visitor":
        day = d.c("이번 주 토요일", "내일", "이번 주 일요일")
        hours = d.c("4시간", "하루", "6시간")
        d.say(
            "owner",
            d.c(
                f"안녕하세요, 1204호인데요. {day}에 부모님이 오셔서 방문 차량 등록하려고요.",
                f"{day}에 손님이 차를 가져오는데 방문 주차 등록 어떻게 해요?",
            ),
        )
        d.say(
            "staff",
            d.c(
                "차 번호 말씀해 주시겠어요?",
                "네, 방문하실 차 번호 알려 주세요.",
                "몇 시쯤 오세요? 차 번호도 알려 주시고요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "#CarNumber#예요.",
                "번호는 #CarNumber#요.",
                "점심때쯤 올 거예요. 차 번호는 #CarNumber#고요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                f"등록됐습니다. 방문 차량은 {hours}까지 무료고, 그 이후에는 시간당 천 원이에요.",
                f"네, 등록해 드렸어요. {hours}까지는 무료로 대실 수 있어요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "혹시 하룻밤 주무시고 가시면요?",
                "더 오래 있으면 어떻게 돼요?",
                "알겠습니다. 감사해요.",
                "주차 자리는 아무 데나 대도 돼요?",
            ),
        )
        if "자리" in d.turns[-1][1]:
            d.say("staff", "방문 차량은 지하 2층 방문자 구역에 대 주세요.")
        elif "감사" not in d.turns[-1][1]:
            d.say(
                "staff",
                d.c(
                    "그럼 앱에서 연장 신청하시면 돼요.",
                    "관리실에 말씀해 주시면 하루 연장해 드려요.",
                ),
            )
        res = f"{day}에 올 방문 차량 #CarNumber#를 등록하고, {hours}까지 무료라는 안내를 받는다"
    else:
        fee = d.c("6만 원", "5만 원", "8만 원")
        d.say(
            "owner",
            d.c(
                "제 차가 없어졌는데 견인된 것 같아서요. #CarNumber#예요.",
                "여기가 견인 보관소 맞죠? #CarNumber# 차 찾으러 왔어요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                "네, 오늘 오전에 소화전 앞 불법 주차로 견인됐네요.",
                "확인해 보니 버스 정류장 앞 주정차 금지 구역이라 견인됐어요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "잠깐 약국만 들렀다 온 건데...",
                "5분도 안 세웠는데 너무하네요.",
                "거기 세워도 되는 줄 알았어요. 표지판을 못 봤네요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                f"죄송하지만 규정이라서요. 견인료랑 보관료 합쳐서 {J(fee, '이에요')}.",
                f"견인료 {J(fee, '은')} 내셔야 차를 가져가실 수 있어요.",
            ),
        )
        d.say(
            "owner",
            d.c(
                "카드 되죠? 다음부턴 조심해야겠네요.",
                "어휴, 알겠어요. 계산할게요.",
                "비싼 약값 냈네요. 여기 카드요.",
            ),
        )
        d.say(
            "staff",
            d.c(
                "네, 차는 저쪽 B구역에 있어요.",
                "결제 끝났습니다. 차 키 여기 있어요.",
                "영수증 드릴게요. 안전 운전하세요.",
            ),
        )
        res = f"불법 주차로 견인된 #CarNumber# 차를 찾으며 {J(fee, '을')} 낸다"

    def S(P):
        W, T = P("owner"), P("staff")
        if case == "blocking":
            owner = "차주에게" if W == "차주" else f"차주인 {J(W, '에게')}"
            s0 = f"{J(T, '은')} #CarNumber# {owner} 전화해 차가 다른 차를 막고 있다고 알리고, {J(W, '은')} 사과하며 {mins} 안에 차를 빼겠다고 한다."
        elif case == "visitor":
            s0 = f"{J(W, '은')} 관리사무소에 {res}."
        else:
            s0 = f"{J(W, '은')} 견인 보관소에서 {res}."
        s1 = (
            f"{J(W, '은')} {J(T, '과')} 통화하며 {res}."
            if case == "blocking"
            else f"{J(T, '은')} {W}의 요청을 처리하고, {J(W, '은')} {res}."
        )
        s2 = f"{J(W, '은')} 차 문제로 {J(T, '과')} 이야기하고 {res}."
        return [s0, s1, s2]

    return S
