"""Scenarios of the topic 택배/배송; their slot values are in slots/parcel.json."""

# Long Korean sentences that cannot be wrapped sensibly.
# ruff: noqa: E501

from __future__ import annotations

from workbench.sample.core import Dlg, Summaries, load_slots, scenario
from workbench.sample.korean import J, listing

_S = load_slots("parcel")

PARCELS = _S["PARCELS"]


@scenario("택배/배송")
def parcel_inquiry(d: Dlg) -> Summaries:
    d.roles(agent="택배사 상담원", cust="고객")
    item = d.c(*PARCELS)
    waited = d.c("일주일째", "닷새째", "나흘째", "열흘 가까이")
    cause = d.c("hub", "wrong", "lost")
    redeliver = d.c("내일 오후", "모레 오전", "내일 중")
    d.say(
        "agent",
        d.c(
            "네, 한결택배 고객센터입니다.",
            "택배 고객센터 상담원 이지은입니다. 무엇을 도와드릴까요?",
            "안녕하세요, 빠른택배입니다. 어떤 문의세요?",
        ),
    )
    d.say(
        "cust",
        d.c(
            f"택배가 {waited} 안 와서요. {J(item, '인데')} 조회해 보면 계속 배송 중이라고만 나와요.",
            f"주문한 {J(item, '이')} {waited} 안 오는데 어떻게 된 건지 확인 좀 해 주세요.",
            f"{item} 택배 때문에 전화했는데요, {waited} 그대로예요.",
        ),
    )
    d.say(
        "agent",
        d.c(
            "불편을 드려 죄송합니다. 받으시는 분 연락처 확인 부탁드려요.",
            "확인해 드릴게요. 수령인 전화번호가 어떻게 되세요?",
            "죄송합니다. 조회를 위해 받는 분 휴대폰 번호 말씀해 주시겠어요?",
        ),
    )
    d.say(
        "cust",
        d.c("#PhoneNumber#예요.", "#PhoneNumber#로 돼 있을 거예요.", "제 번호 #PhoneNumber#요."),
    )
    if cause == "hub":
        d.say(
            "agent",
            d.c(
                "조회해 보니 물량이 몰려서 대전 터미널에 며칠 머물러 있었네요.",
                "중간 집하장에서 분류가 늦어져서 지연된 것 같습니다.",
            ),
        )
        d.say(
            "cust",
            d.c(
                "그럼 언제 받을 수 있어요? 급하게 써야 하는 거라서요.",
                "아, 그랬군요. 그럼 언제쯤 와요?",
            ),
        )
        d.say(
            "agent",
            d.c(
                f"오늘 출발해서 {redeliver}에는 도착할 예정입니다.",
                f"오늘 간선 차량에 실렸으니 {redeliver} 배송될 거예요.",
            ),
        )
    elif cause == "wrong":
        d.say(
            "agent",
            d.c(
                "확인해 보니 주소가 잘못 입력돼서 옆 동으로 배송 완료 처리가 됐어요.",
                "기사님이 비슷한 주소로 잘못 배송한 것 같습니다.",
            ),
        )
        d.say(
            "cust",
            d.c(
                "네? 제 주소는 #Address#예요. 그럼 물건은 어디 있어요?",
                "말도 안 돼요. #Address#로 보내 달라고 했는데요.",
            ),
        )
        d.say(
            "agent",
            d.c(
                f"기사님이 바로 회수해서 #Address#로 {redeliver} 다시 배송해 드릴게요.",
                f"물건 회수해서 {redeliver} 정확한 주소로 가져다 드리겠습니다.",
            ),
        )
    else:
        d.say(
            "agent",
            d.c(
                "죄송하지만 배송 중 분실된 것으로 확인됩니다.",
                "터미널에서 상자가 확인되지 않아 분실 처리된 것 같습니다.",
            ),
        )
        d.say("cust", d.c("분실이요? 그럼 어떻게 해요?", "허, 그럼 제 물건은 어떻게 되는 거예요?"))
        d.say(
            "agent",
            d.c(
                "판매처에 연락해서 재발송하시거나, 물품 금액을 보상받으실 수 있어요.",
                "보상 접수해 드릴 테니 판매처에서 재발송받으시면 됩니다.",
            ),
        )
    d.say(
        "cust",
        d.c(
            "다음부터는 이런 일 없게 해 주세요.",
            "알겠어요. 이번엔 꼭 좀 부탁드려요.",
            "네, 처리되면 문자 주세요.",
        ),
    )
    if d.p(0.5):
        d.say(
            "agent",
            d.c(
                "네, 진행 상황은 문자로 안내드리겠습니다.",
                "다시 한번 죄송합니다. 좋은 하루 보내세요.",
            ),
        )

    def S(P):
        C, A = P("cust"), P("agent")
        s0 = f"{J(C, '은')} {item} 택배가 {waited} 오지 않아 택배사에 문의하고, {J(A, '은')} #PhoneNumber#로 배송 상황을 조회한다."
        res = {
            "hub": f"터미널에서 분류가 늦어진 것이며 {redeliver} 도착할 예정이다.",
            "wrong": f"주소가 잘못 처리돼 다른 곳에 배송됐고, {redeliver} #Address#로 다시 배송하기로 한다.",
            "lost": "택배가 분실된 것으로 확인돼 판매처 재발송이나 보상을 안내받는다.",
        }[cause]
        s0 += " " + res
        s1 = f"{J(A, '은')} {C}의 {item} 배송이 늦어진 이유를 확인해 준다. " + res
        s2 = (
            f"{J(C, '은')} 지연된 {item} 택배를 문의하고, "
            + {
                "hub": f"{redeliver} 받기로 한다.",
                "wrong": f"잘못 배송된 물건을 {redeliver} 다시 받기로 한다.",
                "lost": "분실 보상 절차를 안내받는다.",
            }[cause]
        )
        return [s0, s1, s2]

    return S


LEAVE_SPOTS = _S["LEAVE_SPOTS"]


@scenario("택배/배송")
def parcel_driver_call(d: Dlg) -> Summaries:
    d.roles(driver="택배 기사", cust="수령인")
    item = d.c(*PARCELS + ["냉동 만두", "김치 통", "생고기 선물 세트"])
    cold = item in ("냉동 만두", "김치 통", "생고기 선물 세트")
    spot, line = d.c(*LEAVE_SPOTS)
    later = d.p(0.35) or cold
    time = d.c("저녁 7시", "저녁 8시쯤", "6시 이후")
    d.say(
        "driver",
        d.c(
            f"안녕하세요, 택배 기사입니다. {item} 배송 왔는데 집에 아무도 안 계시네요.",
            f"여보세요, 택배입니다. {J(item, '이')} 왔는데 벨을 눌러도 대답이 없으셔서요.",
            f"택배 배송 왔습니다. 지금 댁에 안 계세요? {item} 하나 있어요.",
        ),
    )
    d.say(
        "cust",
        d.c(
            "아, 죄송해요. 지금 회사라서요.",
            "아이고, 지금 밖에 나와 있어요.",
            "아, 제가 지금 병원에 와 있어서요.",
        ),
    )
    if cold:
        d.say(
            "driver",
            d.c(
                f"{J(item, '이')} 냉장 보관해야 하는 거라 밖에 두기가 좀 그래서요.",
                "이게 아이스박스라서 오래 두면 녹을 것 같아요.",
            ),
        )
        d.say(
            "cust",
            d.c(
                f"그럼 {time}에 다시 와 주실 수 있어요?",
                f"혹시 {time}에 한 번 더 들러 주실 수 있나요?",
            ),
        )
        d.say(
            "driver",
            d.c(
                f"제가 {time}쯤 마지막 배송 돌 때 다시 들를게요.",
                f"네, {time} 이후에 다시 가져다 드릴게요.",
            ),
        )
    elif later:
        d.say(
            "cust",
            d.c(
                f"이건 비싼 거라 직접 받고 싶어요. {time}에 와 주실 수 있을까요?",
                f"제가 직접 받아야 하는 거라서요, {time}쯤 가능할까요?",
            ),
        )
        d.say(
            "driver",
            d.c(
                f"{J(time, '이면')} 제가 그 동네 다시 지나가니까 그때 갈게요.",
                f"네, {time}에 다시 연락드리고 갈게요.",
            ),
        )
    else:
        d.say("cust", line)
        if spot == "무인택배함":
            d.say(
                "driver",
                d.c(
                    "네, 무인택배함에 넣고 비밀번호는 문자로 보내 드릴게요.",
                    "무인택배함 3번 칸에 넣어 둘게요. 인증번호는 문자로 갈 거예요.",
                ),
            )
        elif spot == "옆집":
            d.say(
                "driver",
                d.c(
                    "옆집도 안 계시네요. 그럼 경비실에 맡겨 둘게요.",
                    "옆집 분이 받아 주신대요. 옆집에 맡겼습니다.",
                ),
            )
            if "경비실" in d.turns[-1][1]:
                spot = "경비실"
        else:
            d.say(
                "driver",
                d.c(
                    f"네, {spot}에 두고 사진 찍어서 보내 드릴게요.",
                    f"알겠습니다. {spot}에 놓고 갈게요.",
                ),
            )
    d.say(
        "cust",
        d.c(
            "감사합니다. 수고 많으세요.",
            "번거롭게 해 드려서 죄송해요. 감사합니다.",
            "네, 고맙습니다!",
        ),
    )

    def S(P):
        C, D = P("cust"), P("driver")
        if cold:
            res = f"냉장 보관이 필요한 물건이라 {J(D, '이')} {time}에 다시 배송하기로 한다"
        elif later:
            res = f"{J(C, '이')} 직접 받고 싶어 해 {time}에 다시 오기로 한다"
        else:
            res = f"{C}의 요청에 따라 {spot}에 맡기기로 한다"
        s0 = f"{J(D, '은')} {item} 배송을 왔지만 {J(C, '이')} 집에 없어 전화한다. {res}."
        s1 = f"{J(C, '이')} 집을 비운 사이 {J(item, '이')} 도착하고, 통화 끝에 {res}."
        s2 = f"{item} 택배를 두고 {J(D, '과')} {J(C, '이')} 통화해 {res}."
        return [s0, s1, s2]

    return S


@scenario("택배/배송")
def parcel_family_mixup(d: Dlg) -> Summaries:
    ppl = ["a", "b"] + (["c"] if d.p(0.6) else [])
    item = d.c(
        "블루투스 키보드",
        "화장품 세트",
        "강아지 사료",
        "전공 책",
        "등산화",
        "커피 원두",
        "무선 충전기",
        "겨울 코트",
    )
    case = d.c("opened", "missing", "wrong")
    if case == "opened":
        d.say(
            "a",
            d.c(
                f"현관에 온 택배 내 건 줄 알고 뜯었는데 {J(item, '이')} 들어 있더라. 네 거야?",
                f"아까 택배 하나 뜯었는데 {J(item, '이')} 있던데, 누가 시켰어?",
                f"혹시 {item} 시킨 사람? 내 건 줄 알고 열어 버렸어.",
            ),
        )
        d.say(
            "b",
            d.c(
                "어, 그거 내 거야! 왜 뜯었어?",
                "아, 그거 내가 주문한 건데. 이름 확인 안 했어?",
                f"{J(item, '이')}면 내 거야. 받는 사람 이름 안 봤어?",
            ),
        )
        d.say(
            "a",
            d.c(
                "미안, 이름을 제대로 안 봤어. 상자가 비슷해서.",
                "미안해. 나도 비슷한 거 시켜서 헷갈렸어.",
                "진짜 미안. 내 이름인 줄 알았어.",
            ),
        )
        d.say(
            "b",
            d.c(
                "포장 뜯으면 반품도 안 되는데...",
                "혹시 흠집 난 데는 없지?",
                "선물하려던 거라 포장 그대로 둬야 했는데.",
            ),
        )
        d.say(
            "a",
            d.c(
                "조심해서 열어서 물건은 멀쩡해.",
                "다시 테이프로 붙여 놨어. 정말 미안.",
                "미안해서 어떡하지. 내가 포장지 사 올게.",
            ),
        )
        if "c" in ppl:
            d.say(
                "c",
                d.c(
                    "앞으로는 받는 사람 이름 꼭 보고 뜯자.",
                    "택배 올 때 단톡방에 누구 건지 올리면 되겠네.",
                    "현관에 택배 놓는 칸을 사람별로 나누자.",
                ),
            )
        d.say(
            "b",
            d.c(
                "괜찮아. 다음부터 조심해 줘.",
                "됐어, 물건만 멀쩡하면 돼. 다음엔 확인하고 열어.",
                "알았어, 이번만 봐준다.",
            ),
        )
        out_s = "앞으로는 받는 사람 이름을 확인하기로 한다"
    elif case == "missing":
        d.say(
            "a",
            d.c(
                f"내 {item} 배송 완료라고 떴는데 문 앞에 없어.",
                f"{item} 택배 온다고 했는데 혹시 본 사람?",
                f"오늘 {J(item, '이')} 왔다는데 어디 있는지 알아?",
            ),
        )
        d.say(
            "b",
            d.c(
                "난 못 봤는데? 경비실에 있는 거 아니야?",
                "아까 나갈 때는 문 앞에 아무것도 없었어.",
                "글쎄, 난 하루 종일 방에 있었는데 벨 소리 못 들었어.",
            ),
        )
        d.say(
            "a",
            d.c(
                "경비실에도 없대. 방금 전화해 봤어.",
                "경비실은 벌써 가 봤지. 없더라.",
                "배송 문자엔 문 앞이라고 돼 있어.",
            ),
        )
        if "c" in ppl:
            d.say(
                "c",
                d.c(
                    "사진 찍힌 거 있나 배송 문자 확인해 봐.",
                    "배송 완료 사진 보내 주잖아. 그거 봐 봐.",
                ),
            )
            d.say(
                "a",
                d.c(
                    "사진 보니까 우리 집 문이 아닌데? 옆집인가 봐.",
                    "배송 사진을 보니 다른 층 같아.",
                ),
            )
        fix = d.c("neighbor", "driver", "cctv")
        d.say(
            "b",
            {
                "neighbor": "그럼 내가 옆집이랑 아래층에 물어볼게.",
                "driver": "택배 기사님한테 바로 전화해 보자. 번호 문자에 있잖아.",
                "cctv": "관리사무소에 CCTV 한번 보여 달라고 하자.",
            }[fix],
        )
        d.say(
            "a",
            d.c(
                "응, 그래도 없으면 판매처에 연락해야겠다.",
                "좋아, 같이 가자.",
                "그래, 고마워. 비싼 건데 꼭 찾아야 해.",
            ),
        )
        out_s = {
            "neighbor": "이웃집에 물어보기로 한다",
            "driver": "택배 기사에게 전화해 보기로 한다",
            "cctv": "관리사무소에 CCTV 확인을 요청하기로 한다",
        }[fix]
    else:
        d.say(
            "a",
            d.c(
                f"이거 봐, {J(item, '을')} 시켰는데 전혀 다른 게 왔어.",
                f"{item} 주문했는데 다른 사람 물건이 왔네.",
                f"택배 열었더니 {J(item, '이')} 아니라 웬 그릇이 들어 있어.",
            ),
        )
        d.say(
            "b",
            d.c(
                "송장 봐 봐. 받는 사람이 누구로 돼 있어?",
                "어? 상자에 붙은 이름은 뭐로 돼 있는데?",
                "진짜? 주문 내역부터 확인해 봐.",
            ),
        )
        d.say(
            "a",
            d.c(
                "주소는 우리 집인데 이름이 달라.",
                "내 이름은 맞는데 물건이 바뀌었어.",
                "주문 내역엔 분명히 맞게 돼 있어.",
            ),
        )
        if "c" in ppl:
            d.say(
                "c",
                d.c(
                    "판매처 실수 같은데? 고객센터에 사진 찍어서 보내.",
                    "포장할 때 바뀐 것 같은데, 판매처에 바로 말해.",
                ),
            )
        d.say(
            "a",
            d.c(
                "판매처에 바로 연락해서 교환해 달라고 해야겠다.",
                "일단 사진 찍어 두고 내일 판매처에 전화할게.",
            ),
        )
        d.say(
            "b",
            d.c(
                "그래, 박스는 버리지 말고 그대로 둬.",
                "응, 회수해 갈 때까지 현관에 둬.",
                "그 사람도 네 물건 받았을지 모르겠다.",
            ),
        )
        out_s = "판매처에 연락해 교환을 요청하기로 한다"

    def S(P):
        group = J(listing([P(p) for p in d.order()]), "은")
        first = {
            "opened": f"{J(P('a'), '이')} {P('b')}의 {item} 택배를 자기 것인 줄 알고 뜯어 사과한다",
            "missing": f"{J(P('a'), '은')} {item} 택배가 배송 완료로 떴지만 찾지 못한다",
            "wrong": f"{J(P('a'), '은')} {J(item, '을')} 주문했는데 엉뚱한 물건을 받는다",
        }[case]
        s0 = f"{first}. {group} {out_s}."
        s1 = f"{group} {item} 택배 문제로 이야기를 나누고, {out_s}."
        s2 = f"{first}. 결국 {out_s}."
        return [s0, s1, s2]

    return S
