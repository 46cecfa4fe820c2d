"""Tests for workbench.metrics: both ROUGE modes against the packages they must match."""

from __future__ import annotations

import math
import random
import sys

import mecab
import pandas as pd
import pytest
from rouge import Rouge
from rouge_score.rouge_scorer import RougeScorer

from workbench import metrics
from workbench.metrics import (
    MorphemeTokenizer,
    RougeScores,
    format_scores,
    get_tokenizer,
    score,
    score_csv,
)

TYPES = ["rouge1", "rouge2", "rougeL"]
MODES_AND_TOKENIZERS = [("baseline", "mecab"), ("morpheme", "mecab"), ("morpheme", "kiwi")]

# (prediction, reference): hand-written Korean summaries with #...# tags, some with several
# sentences, decimals ("3.5") and repeated words; pair 13 is a perfect match.
PAIRS: list[tuple[str, str]] = [
    (
        "#Person1#은 #Person2#에게 내일 회의 시간을 묻는다. #Person2#는 오후 3시라고 답한다.",
        "#Person2#는 #Person1#에게 회의가 내일 오후 3시에 있다고 알려준다.",
    ),
    (
        "#Person1#은 새 노트북을 사려고 매장에 갔다. 직원은 가벼운 모델을 추천한다.",
        (
            "#Person1#은 노트북을 사러 가게에 왔고, "
            "#Person2#는 가볍고 배터리가 오래가는 모델을 추천한다."
        ),
    ),
    (
        "#Person2#는 #Person1#에게 전화번호 #PhoneNumber#를 알려준다.",
        "#Person2#가 #Person1#에게 자신의 번호인 #PhoneNumber#를 알려준다.",
    ),
    (
        "#Person1#은 택배가 #Address#로 잘못 배송되었다고 항의한다.",
        (
            "#Person1#은 택배가 다른 주소인 #Address#로 배송되어 "
            "고객센터에 항의하고, #Person2#는 재배송을 약속한다."
        ),
    ),
    (
        "#Person1#과 #Person2#는 주말에 등산을 가기로 한다.",
        "#Person1#과 #Person2#는 이번 주말에 북한산에 등산하러 가기로 약속한다.",
    ),
    (
        "#Person2#는 하루에 3.5km를 달린다고 말한다. #Person1#은 놀란다.",
        (
            "#Person2#는 매일 아침 3.5km씩 달린다고 말하고, "
            "#Person1#은 자신도 운동을 시작하겠다고 한다."
        ),
    ),
    (
        "#Person1#은 호텔 방을 예약하고 싶어 한다.",
        (
            "#Person1#은 다음 주 금요일에 2박 동안 묵을 더블룸을 예약한다. "
            "#Person2#는 신용카드 번호 #CardNumber#를 확인한다."
        ),
    ),
    (
        (
            "#Person1#은 #Person2#에게 시험 공부를 도와 "
            "달라고 부탁한다. #Person2#는 도와주겠다고 한다."
        ),
        (
            "#Person1#은 수학 시험이 걱정되어 #Person2#에게 "
            "도움을 요청하고, #Person2#는 흔쾌히 돕겠다고 한다."
        ),
    ),
    (
        "의사는 #Person1#에게 물을 많이 마시고 푹 쉬라고 조언한다.",
        "#Person2#는 감기에 걸린 #Person1#에게 물을 많이 마시고 충분히 쉬라고 조언한다.",
    ),
    (
        "#Person1#은 이메일 주소 #Email#로 보고서를 보내 달라고 한다.",
        "#Person1#은 #Person2#에게 보고서를 #Email#로 보내 달라고 요청한다.",
    ),
    (
        "#Person2#는 생일 파티에 늦어서 미안하다고 한다. 파티는 재미있었다.",
        "#Person2#는 #Person1#의 생일 파티에 늦은 것을 사과하고, 두 사람은 파티 이야기를 나눈다.",
    ),
    (
        "#Person1#은 차량 번호 #CarNumber#의 주차 위반에 대해 묻는다.",
        "#Person1#은 자신의 차 #CarNumber#가 주차 위반 딱지를 받은 이유를 #Person2#에게 묻는다.",
    ),
    (
        "#Person1#과 #Person2#는 저녁 메뉴로 김치찌개를 고른다.",
        "#Person1#과 #Person2#는 저녁 메뉴로 김치찌개를 고른다.",
    ),
    (
        "#Person1#은 여권 번호 #PassportNumber#를 말하고 비자를 신청한다.",
        (
            "#Person1#은 비자를 신청하면서 여권 번호 "
            "#PassportNumber#와 생년월일 #DateOfBirth#를 제공한다."
        ),
    ),
    (
        (
            "#Person2#는 은행 계좌를 열고 싶다. 직원은 "
            "신분증을 요구한다. 주민등록번호 #SSN#도 필요하다."
        ),
        "#Person2#는 계좌를 개설하려 하고, #Person1#은 신분증과 주민등록번호 #SSN#를 요청한다.",
    ),
    (
        "날씨가 좋다. 날씨가 좋다. 날씨가 좋다.",
        "#Person1#과 #Person2#는 날씨가 좋아서 공원에 가기로 한다.",
    ),
    (
        "#Person3#가 회의에 와서 #Person1#과 #Person2#에게 새 프로젝트를 소개한다.",
        "#Person3#는 #Person1#과 #Person2#에게 다음 분기에 시작할 새 프로젝트를 소개한다.",
    ),
    (
        "#Person1#은 영화 표 두 장을 산다.",
        "#Person1#은 오후 7시 30분 영화 표 2장을 구매하고 팝콘도 주문한다.",
    ),
    (
        "#Person1#: 오늘 면접 어땠어? #Person2#: 잘 본 것 같아.",
        "#Person2#는 #Person1#에게 오늘 면접을 잘 본 것 같다고 말한다.",
    ),
    (
        "#Person2#는 이사 날짜를 다음 달 1일로 정한다. 이삿짐 센터도 예약한다.",
        "#Person2#는 다음 달 1일에 이사하기로 하고 이삿짐 센터를 예약한다.",
    ),
    (
        "Zoom 링크는 #Email#로 보낸다. 회의는 10.5분 늦게 시작한다...",
        "#Person1#은 회의가 늦게 시작한다고 알리고 Zoom 링크를 #Email#로 보낸다.",
    ),
    (
        "#Person1#은 가방을 잃어버렸다.",
        (
            "#Person1#은 지하철에서 가방을 잃어버려 분실물 센터에 신고한다. "
            "가방에는 지갑과 #PhoneNumber#가 적힌 메모가 있었다."
        ),
    ),
    (
        "#Person1#은 #Person2#에게 커피를 산다. #Person2#는 고맙다고 한다.",
        "#Person2#는 커피를 사 준 #Person1#에게 고마워한다.",
    ),
    (
        "두 사람은 내일 다시 만나기로 한다",
        "#Person1#과 #Person2#는 내일 도서관 앞에서 다시 만나기로 한다.",
    ),
]
PREDS = [p for p, _ in PAIRS]
REFS = [r for _, r in PAIRS]
# Two more references for the first eight samples (the test set has three per dialogue).
EXTRA_REFS = [
    (
        "#Person1#은 회의 시간을 묻고 #Person2#는 내일 오후 3시라고 답한다.",
        "내일 오후 3시에 회의가 있다.",
    ),
    ("#Person2#는 가벼운 노트북을 추천한다.", "#Person1#이 노트북을 산다."),
    ("#Person2#는 전화번호를 알려준다.", "#Person1#은 #Person2#의 번호 #PhoneNumber#를 받는다."),
    ("#Person1#은 배송 문제로 항의한다.", "택배가 #Address#로 갔다."),
    ("두 사람은 주말 등산 계획을 세운다.", "#Person1#과 #Person2#는 등산을 간다."),
    ("#Person2#는 매일 3.5km를 뛴다.", "#Person1#은 운동을 시작하기로 한다."),
    ("#Person1#은 호텔을 예약한다.", "#Person2#는 카드 번호 #CardNumber#를 확인한다."),
    ("#Person2#는 시험 공부를 돕기로 한다.", "#Person1#은 수학 시험을 걱정한다."),
]
MULTI_PREDS = PREDS[: len(EXTRA_REFS)]
MULTI_REFS = [[REFS[i], *EXTRA_REFS[i]] for i in range(len(EXTRA_REFS))]


def rouge_package_f(preds: list[str], refs: list[str]) -> list[float]:
    """F of rouge-1/2/l from rouge==1.0.1 with avg=True, as the organisers' baseline."""
    result = Rouge().get_scores(preds, refs, avg=True)
    return [result[k]["f"] for k in ("rouge-1", "rouge-2", "rouge-l")]


def rouge_score_mean(preds: list[str], refs: list[str], tokenizer: str) -> list[float]:
    """The naive per-pair rouge-score loop with the project's morpheme tokenizer."""
    scorer = RougeScorer(TYPES, tokenizer=get_tokenizer(tokenizer))
    rows = [scorer.score(r, p) for p, r in zip(preds, refs, strict=True)]
    return [sum(row[t].fmeasure for row in rows) / len(rows) for t in TYPES]


def values(scores: RougeScores) -> list[float]:
    return [scores.rouge1, scores.rouge2, scores.rougeL]


# --------------------------------------------------------------------------- baseline mode


def test_baseline_equals_rouge_package() -> None:
    got = values(score(PREDS, REFS, mode="baseline"))
    assert got == pytest.approx(rouge_package_f(PREDS, REFS), abs=1e-12)


@pytest.mark.parametrize("i", range(len(PAIRS)))
def test_baseline_equals_rouge_package_per_pair(i: int) -> None:
    pred, ref = PAIRS[i]
    got = values(score([pred], [ref], mode="baseline"))
    assert got == pytest.approx(rouge_package_f([pred], [ref]), abs=1e-12)


BASELINE_REF = "#Person1#은 회의 시간을 묻는다. #Person2#는 오후 3시라고 답한다."


def _replace_tokens(text: str) -> str:
    """The baseline notebook's cleaning, spelled out: each special token becomes a space."""
    for token in ("<usr>", "<s>", "</s>", "<pad>"):
        text = text.replace(token, " ")
    return text


@pytest.mark.parametrize(
    "raw",
    [
        "#Person1#은 회의 시간을 묻는다</s>",
        "#Person1#은 회의 시간을 묻는다</s><pad><pad><pad>",
        "<s>#Person1#은 회의 시간을<pad>묻는다.",
        "<usr>#Person1#은 회의 시간을 묻는다. #Person2#는 답한다</s>",
    ],
)
def test_baseline_replaces_special_tokens_by_spaces(raw: str) -> None:
    got = values(score([raw], [BASELINE_REF], mode="baseline"))
    assert got == pytest.approx(rouge_package_f([_replace_tokens(raw)], [BASELINE_REF]), abs=1e-12)
    # Uncleaned, "묻는다</s>" or "시간을<pad>묻는다" would be other words and score lower.
    assert rouge_package_f([raw], [BASELINE_REF])[0] < got[0]


def test_baseline_cleans_references_too() -> None:
    raw_ref = "<s>#Person1#은 회의 시간을 묻는다</s><pad><pad>"
    pred = "#Person1#은 회의 시간을 묻는다"
    got = values(score([pred], [raw_ref], mode="baseline"))
    assert got == pytest.approx(rouge_package_f([pred], [_replace_tokens(raw_ref)]), abs=1e-12)
    assert got == pytest.approx([1.0] * 3, abs=1e-7)


def test_baseline_keeps_rouge_package_quirks() -> None:
    # rouge==1.0.1 turns the blank "sentence" after a final '.' into an empty word; the
    # baseline numbers include that, so this mode reproduces it rather than fixing it.
    text = "#Person1#은 회의 시간을 묻는다."
    got = values(score([text + " "], [text], mode="baseline"))
    assert got == pytest.approx(rouge_package_f([text + " "], [text]), abs=1e-12)
    assert got[0] < 0.9


def test_baseline_survives_a_long_run_on_prediction() -> None:
    # rouge==1.0.1 alone raises RecursionError on ~1000 words without a '.'.
    pred = " ".join(f"반복{i % 7}" for i in range(3000))
    with pytest.raises(RecursionError):
        Rouge().get_scores(pred, REFS[0])
    limit = sys.getrecursionlimit()
    got = values(score([pred], [REFS[0]], mode="baseline"))
    assert sys.getrecursionlimit() == limit
    sys.setrecursionlimit(limit + 4000)
    try:
        expected = rouge_package_f([pred], [REFS[0]])
    finally:
        sys.setrecursionlimit(limit)
    assert got == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- morpheme mode


@pytest.mark.parametrize("tokenizer", ["mecab", "kiwi"])
def test_morpheme_equals_rouge_score_with_same_tokenizer(tokenizer: str) -> None:
    got = values(score(PREDS, REFS, mode="morpheme", tokenizer=tokenizer))
    assert got == pytest.approx(rouge_score_mean(PREDS, REFS, tokenizer), abs=1e-9)


@pytest.mark.parametrize("tokenizer", ["mecab", "kiwi"])
def test_morpheme_equals_rouge_score_per_pair(tokenizer: str) -> None:
    scorer = RougeScorer(TYPES, tokenizer=get_tokenizer(tokenizer))
    for pred, ref in PAIRS:
        expected = scorer.score(ref, pred)
        got = score([pred], [ref], tokenizer=tokenizer)
        assert values(got) == pytest.approx([expected[t].fmeasure for t in TYPES], abs=1e-9)


def test_morpheme_equals_rouge_score_on_long_texts() -> None:
    # Hundreds of tokens: the bit-parallel LCS must not depend on a machine word size.
    rng = random.Random(7)
    preds = [" ".join(rng.sample(PREDS, 12)) for _ in range(5)]
    refs = [" ".join(rng.sample(REFS, 15)) for _ in range(5)]
    assert len(get_tokenizer("mecab").tokenize(refs[0])) > 200
    got = values(score(preds, refs))
    assert got == pytest.approx(rouge_score_mean(preds, refs, "mecab"), abs=1e-9)


def _dp_lcs(a: list[str], b: list[str]) -> int:
    """Textbook O(len(a) * len(b)) LCS length."""
    row = [0] * (len(b) + 1)
    for x in a:
        prev_diag = 0
        for j, y in enumerate(b, start=1):
            prev_diag, row[j] = row[j], prev_diag + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def test_bit_parallel_lcs_equals_dynamic_programming() -> None:
    rng = random.Random(0)
    for _ in range(300):
        alphabet = [chr(ord("가") + i) for i in range(rng.randint(1, 12))]
        a = [rng.choice(alphabet) for _ in range(rng.randint(0, 150))]
        b = [rng.choice(alphabet) for _ in range(rng.randint(0, 150))]
        profile = metrics._Profile(tuple(a))
        assert metrics._lcs_length(profile.masks, len(a), b) == _dp_lcs(a, b)


def test_mecab_tokens_equal_public_morphs_between_tags() -> None:
    # The fast lattice path must give exactly MeCab.morphs on the text between tags.
    tagger = mecab.MeCab()
    for text in PREDS + REFS:
        pieces = []
        pos = 0
        for m in metrics.TAG_RE.finditer(text):
            pieces.append(("text", text[pos : m.start()]))
            pieces.append(("tag", m.group()))
            pos = m.end()
        pieces.append(("text", text[pos:]))
        expected: list[str] = []
        for kind, piece in pieces:
            if kind == "tag":
                expected.append(piece)
            elif piece.strip():
                expected.extend(tagger.morphs(piece))
        assert MorphemeTokenizer("mecab").tokenize(text) == expected


@pytest.mark.parametrize("tokenizer", ["mecab", "kiwi"])
def test_tokenize_many_equals_one_at_a_time_and_survives_eviction(tokenizer: str) -> None:
    texts = PREDS[:6] + PREDS[:3]
    one_by_one = [tuple(MorphemeTokenizer(tokenizer).tokenize(t)) for t in texts]
    small = MorphemeTokenizer(tokenizer, cache_size=2)
    assert small.tokenize_many(texts) == one_by_one
    assert small.tokenize_many(texts) == one_by_one


def test_profile_cache_smaller_than_batch_gives_same_scores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = score(PREDS, REFS)
    monkeypatch.setattr(metrics, "_PROFILES", metrics._LRU(3))
    assert score(PREDS, REFS) == expected
    assert score(PREDS, REFS) == expected


# --------------------------------------------------------------------------- tags and the trap

TAG_TEXT = "#Person1#: 제 번호는 #PhoneNumber#이고 주소는 #Address#예요. #Person1##Person2#가 왔다."


@pytest.mark.parametrize("tokenizer", ["mecab", "kiwi"])
@pytest.mark.parametrize("tag", ["#Person1#", "#PhoneNumber#", "#Address#", "#Person2#"])
def test_tags_stay_one_token(tokenizer: str, tag: str) -> None:
    tokens = get_tokenizer(tokenizer).tokenize(TAG_TEXT)
    assert tag in tokens
    assert not any(t in ("Person", "PhoneNumber", "Address", "#") for t in tokens), tokens


def test_untokenized_mecab_would_split_tags() -> None:
    # Why tags are protected: plain Mecab cuts '#Person1#' into '#', 'Person', '1', '#'.
    assert "#Person1#" not in mecab.MeCab().morphs(TAG_TEXT)


def test_split_tags_are_plain_mecab_and_score_on_rouge_score_over_its_morphs() -> None:
    # tags="split" reproduces the re-implementations that run Mecab on the raw text.
    plain = mecab.MeCab().morphs
    assert get_tokenizer("mecab", "split").tokenize(TAG_TEXT) == plain(TAG_TEXT)

    class Plain:
        def tokenize(self, text: str) -> list[str]:
            return plain(" ".join(text.split()))

    scorer = RougeScorer(TYPES, tokenizer=Plain())
    rows = [scorer.score(r, p) for p, r in PAIRS]
    expected = [sum(row[t].fmeasure for row in rows) / len(rows) for t in TYPES]
    got = values(score([p for p, _ in PAIRS], [r for _, r in PAIRS], tags="split"))
    assert got == pytest.approx(expected, abs=1e-9)


def test_split_tags_score_a_tag_heavy_prediction_higher_and_cache_apart() -> None:
    # Split tags turn one shared '#Person1#' into four shared tokens: a summary that gets
    # little but the speakers right gains most (the constant-output trap grows).
    pred, ref = "#Person1#과 #Person2#가 이야기한다.", "#Person1#은 #Person2#에게 책을 빌려준다."
    whole = score([pred], [ref]).final
    split = score([pred], [ref], tags="split").final
    assert split > whole
    assert score([pred], [ref]).final == whole  # the split profile did not replace the whole one
    assert "#Person1#" not in get_tokenizer("kiwi", "split").tokenize(pred)  # Kiwi's own cut
    assert score([pred], [ref], mode="baseline", tags="split") == score(
        [pred], [ref], mode="baseline")  # whitespace tokens: tags do not apply


@pytest.mark.parametrize("tokenizer", ["mecab", "kiwi"])
def test_korean_perfect_match_is_one_and_default_rouge_score_tokenizer_gives_zero(
    tokenizer: str,
) -> None:
    text = "두 사람은 저녁 메뉴로 김치찌개를 고르고 내일 다시 만나기로 한다."
    assert values(score([text], [text], tokenizer=tokenizer)) == [1.0, 1.0, 1.0]
    assert score([text], [text], tokenizer=tokenizer).final == pytest.approx(100.0)
    assert values(score([text], [text], mode="baseline")) == pytest.approx([1.0] * 3, abs=1e-7)
    # The trap: rouge-score's default tokenizer deletes everything outside [a-z0-9].
    default = RougeScorer(TYPES).score(text, text)
    assert [default[t].fmeasure for t in TYPES] == [0.0, 0.0, 0.0]


# --------------------------------------------------------------------------- multi-reference


@pytest.mark.parametrize(("mode", "tokenizer"), MODES_AND_TOKENIZERS)
def test_multi_reference_is_mean_of_single_reference_scores(mode: str, tokenizer: str) -> None:
    multi = values(score(MULTI_PREDS, MULTI_REFS, mode=mode, tokenizer=tokenizer))
    singles = [
        values(score(MULTI_PREDS, [refs[k] for refs in MULTI_REFS], mode=mode, tokenizer=tokenizer))
        for k in range(3)
    ]
    assert multi == pytest.approx([sum(col) / 3 for col in zip(*singles, strict=True)], abs=1e-12)


def test_uneven_reference_counts_average_within_each_sample_first() -> None:
    a = values(score([PREDS[0]], [REFS[0]]))
    b = values(score([PREDS[0]], [EXTRA_REFS[0][0]]))
    c = values(score([PREDS[1]], [REFS[1]]))
    got = values(score(PREDS[:2], [[REFS[0], EXTRA_REFS[0][0]], [REFS[1]]]))
    assert got == pytest.approx(
        [((x + y) / 2 + z) / 2 for x, y, z in zip(a, b, c, strict=True)], abs=1e-12
    )


# --------------------------------------------------------------------------- empty predictions

EMPTY = ["", "   ", "</s><pad><pad>", "<s></s>", "<usr> <pad>", float("nan"), None]


@pytest.mark.parametrize(("mode", "tokenizer"), MODES_AND_TOKENIZERS)
@pytest.mark.parametrize("empty", EMPTY, ids=repr)
def test_empty_prediction_scores_zero_and_leaves_others(
    mode: str, tokenizer: str, empty: object
) -> None:
    alone = score([empty], [REFS[0]], mode=mode, tokenizer=tokenizer)  # type: ignore[list-item]
    assert values(alone) == [0.0, 0.0, 0.0]
    others = values(score(PREDS[1:4], REFS[1:4], mode=mode, tokenizer=tokenizer))
    preds = [PREDS[1], empty, *PREDS[2:4]]
    refs = [REFS[1], REFS[0], *REFS[2:4]]
    mixed = values(score(preds, refs, mode=mode, tokenizer=tokenizer))  # type: ignore[arg-type]
    assert mixed == pytest.approx([v * 3 / 4 for v in others], abs=1e-12)


@pytest.mark.parametrize("dots", [".", " . .. ", "...</s>"])
def test_dot_only_prediction(dots: str) -> None:
    # Baseline: rouge==1.0.1 would raise ("Hypothesis is empty"); here it scores 0.
    assert values(score([dots], [REFS[0]], mode="baseline")) == [0.0, 0.0, 0.0]
    # Morpheme mode: '.' is a morpheme like any other, exactly as rouge-score counts it.
    got = values(score([dots], [REFS[0]], mode="morpheme"))
    assert got == pytest.approx(rouge_score_mean([dots], [REFS[0]], "mecab"), abs=1e-12)


@pytest.mark.parametrize("mode", ["baseline", "morpheme"])
def test_empty_reference_scores_zero(mode: str) -> None:
    assert values(score([PREDS[0]], [""], mode=mode)) == [0.0, 0.0, 0.0]


# --------------------------------------------------------------------------- argument errors


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"mode": "exact"}, ["exact", "baseline", "morpheme"]),
        ({"tokenizer": "okt"}, ["okt", "mecab", "kiwi"]),
        ({"tags": "glued"}, ["glued", "whole", "split"]),
    ],
)
def test_unknown_mode_or_tokenizer_names_allowed_values(
    kwargs: dict[str, str], words: list[str]
) -> None:
    with pytest.raises(ValueError) as err:
        score(PREDS[:1], REFS[:1], **kwargs)
    assert all(w in str(err.value) for w in words)


def test_length_mismatch_names_both_lengths() -> None:
    with pytest.raises(ValueError, match=r"3 predictions.*2 references"):
        score(PREDS[:3], REFS[:2])


@pytest.mark.parametrize(("preds", "refs"), [([], []), (PREDS[:1], [[]])])
def test_nothing_to_score_is_an_error(preds: list[str], refs: list) -> None:
    with pytest.raises(ValueError):
        score(preds, refs)


# --------------------------------------------------------------------------- results


def test_final_as_dict_and_format() -> None:
    scores = RougeScores(rouge1=0.5, rouge2=0.25, rougeL=0.125)
    assert scores.final == pytest.approx(100 * 0.875 / 3)
    assert scores.as_dict() == {
        "rouge1": 0.5,
        "rouge2": 0.25,
        "rougeL": 0.125,
        "final": scores.final,
    }
    assert (
        format_scores(scores) == "rouge1 0.500000\nrouge2 0.250000\nrougeL 0.125000\nfinal 29.1667"
    )


# --------------------------------------------------------------------------- CSV files


def _write(path, frame: pd.DataFrame, **kwargs) -> str:
    frame.to_csv(path, index=False, **kwargs)
    return str(path)


@pytest.fixture
def files(tmp_path):
    """Prediction CSV in submission form (leading index column, shuffled rows) + references."""
    n = 8
    fnames = [f"dev_{i}" for i in range(n)]
    order = [3, 0, 7, 5, 1, 6, 2, 4]
    pred = pd.DataFrame({"fname": [fnames[i] for i in order], "summary": [PREDS[i] for i in order]})
    pred.index.name = None
    pred_path = tmp_path / "pred.csv"
    pred.to_csv(pred_path)  # with the unnamed index column, like sample_submission.csv
    single = _write(
        tmp_path / "dev.csv",
        pd.DataFrame({"fname": fnames, "dialogue": "...", "summary": REFS[:n]}),
    )
    multi_frame = pd.DataFrame({"fname": fnames, "dialogue": "..."})
    for k in range(3):
        multi_frame[f"summary{k + 1}"] = [refs[k] for refs in MULTI_REFS]
    multi = _write(tmp_path / "test_refs.csv", multi_frame)
    return {"pred": str(pred_path), "single": single, "multi": multi, "dir": tmp_path, "n": n}


@pytest.mark.parametrize("mode", ["baseline", "morpheme"])
def test_score_csv_single_reference(files, mode: str) -> None:
    n = files["n"]
    assert score_csv(files["pred"], files["single"], mode=mode) == score(
        PREDS[:n], REFS[:n], mode=mode
    )


@pytest.mark.parametrize("mode", ["baseline", "morpheme"])
def test_score_csv_summary1_to_3(files, mode: str) -> None:
    got = score_csv(files["pred"], files["multi"], mode=mode)
    assert got == score(MULTI_PREDS, MULTI_REFS, mode=mode)
    split = score_csv(files["pred"], files["multi"], mode=mode, tags="split")
    assert split == score(MULTI_PREDS, MULTI_REFS, mode=mode, tags="split")


def test_score_csv_empty_prediction_counts_as_zero(files) -> None:
    path = files["dir"] / "blank.csv"
    frame = pd.DataFrame({"fname": ["dev_0", "dev_1"], "summary": ["", PREDS[1]]})
    _write(path, frame)
    refs = _write(
        files["dir"] / "r.csv", pd.DataFrame({"fname": ["dev_0", "dev_1"], "summary": REFS[:2]})
    )
    assert score_csv(path, refs) == score(["", PREDS[1]], REFS[:2])


def test_score_csv_missing_prediction_column_names_file_and_columns(files) -> None:
    path = _write(files["dir"] / "bad.csv", pd.DataFrame({"fname": ["dev_0"], "text": ["x"]}))
    with pytest.raises(ValueError) as err:
        score_csv(path, files["single"])
    message = str(err.value)
    assert path in message and "summary" in message and "fname, text" in message


def test_score_csv_reference_without_summary_names_file(files) -> None:
    path = _write(files["dir"] / "noref.csv", pd.DataFrame({"fname": ["dev_0"], "dialogue": ["x"]}))
    with pytest.raises(
        ValueError, match=r"noref\.csv.*summary \(or summary1.*found: fname, dialogue"
    ):
        score_csv(files["pred"], path)


def test_score_csv_nan_text_and_blank_cells(files) -> None:
    # Empty cells and NaN-like text are empty predictions; blank summaryN cells are skipped.
    pred = _write(
        files["dir"] / "nan.csv",
        pd.DataFrame({"fname": ["dev_0", "dev_1", "dev_2"], "summary": ["NaN", None, PREDS[2]]}),
    )
    refs = pd.DataFrame({"fname": ["dev_0", "dev_1", "dev_2"]})
    refs["summary1"] = REFS[:3]
    refs["summary2"] = [EXTRA_REFS[0][0], "", " "]
    ref_path = _write(files["dir"] / "refs_blank.csv", refs)
    expected = score(["", "", PREDS[2]], [[REFS[0], EXTRA_REFS[0][0]], [REFS[1]], [REFS[2]]])
    assert score_csv(pred, ref_path) == expected


def test_score_csv_missing_fname_names_file_and_fname(files) -> None:
    refs = pd.DataFrame({"fname": ["dev_0", "dev_99"], "summary": REFS[:2]})
    path = _write(files["dir"] / "more.csv", refs)
    with pytest.raises(ValueError) as err:
        score_csv(files["pred"], path)
    assert files["pred"] in str(err.value) and "dev_99" in str(err.value)


def test_score_csv_missing_file_and_not_utf8_name_the_file(files) -> None:
    missing = str(files["dir"] / "nope.csv")
    with pytest.raises(ValueError, match="nope.csv"):
        score_csv(missing, files["single"])
    cp949 = files["dir"] / "cp949.csv"
    cp949.write_bytes("fname,summary\ndev_0,회의 시간을 묻는다.\n".encode("cp949"))
    with pytest.raises(ValueError, match=r"cp949\.csv.*UTF-8"):
        score_csv(cp949, files["single"])


def test_score_csv_duplicate_fname_is_an_error(files) -> None:
    path = _write(
        files["dir"] / "dup.csv", pd.DataFrame({"fname": ["dev_0", "dev_0"], "summary": ["a", "b"]})
    )
    with pytest.raises(ValueError, match="dup.csv.*dev_0"):
        score_csv(path, files["single"])


def test_nan_is_empty_in_clean() -> None:
    assert metrics.clean(float("nan")) == "" and metrics.clean(None) == ""
    assert not math.isnan(score([float("nan")], ["가"]).final)  # type: ignore[list-item]


# --------------------------------------------------------------------------- objective.tags


def test_objective_tags_is_checked_and_split_is_another_task() -> None:
    from workbench import validate
    from workbench.config import ConfigError
    from workbench.study.task import task_of

    with pytest.raises(ConfigError, match=r"objective.tags: 'glued' is not one of whole, split"):
        validate.resolve("tiny-bart", {"objective.tags": "glued"})
    whole = validate.resolve("tiny-bart").config
    assert whole["objective"]["tags"] == "whole"
    # Studies made before the key scored tags whole: their task stays the same...
    assert "tags" not in task_of(whole)["objective"]
    # ...and a split-tag study is not comparable with them.
    split = validate.resolve("tiny-bart", {"objective.tags": "split"}).config
    assert task_of(split)["objective"]["tags"] == "split"
    assert metrics.scale(split["objective"]) == {"mode": "morpheme", "tokenizer": "mecab",
                                                 "tags": "split"}
    assert "tags split" in metrics.describe_scale(split["objective"])
