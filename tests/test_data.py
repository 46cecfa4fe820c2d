"""Tests for workbench.data: reading, cleaning, speaker-tag mapping and submission writing."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import pandas as pd
import pytest

from workbench.data import (
    ABSTRACT_TAGS,
    LEVELS,
    PERSON_TAGS,
    PII_TAGS,
    SIMPLE_TAGS,
    STRATEGIES,
    TAG_RE,
    DataError,
    Prepared,
    apply_map,
    clean_text,
    lead_summary,
    model_tags,
    person_map,
    postprocess,
    prepare,
    read_split,
    restore,
    write_submission,
)

DIALOGUE = (
    "#Person1#: 안녕하세요, 전화번호가 #PhoneNumber# 맞나요?\n"
    "#Person2#: 네, 맞아요. 주소는 #Address#입니다.\n"
    "#Person1#: 감사합니다."
)
SUMMARY = "#Person1#은 #Person2#의 전화번호와 주소를 확인한다."


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a small UTF-8 CSV with proper quoting (dialogues contain newlines and commas)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def turn_prefixes(text: str) -> list[str]:
    """The '#Tag#:' prefix of each line, in order."""
    return [m.group(0) for m in re.finditer(r"(?m)^#[A-Za-z0-9]+#:", text)]


# --------------------------------------------------------------------------- read_split


def test_read_train_returns_references_and_topic(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "train.csv",
        ["fname", "dialogue", "summary", "topic"],
        [["train_0", DIALOGUE, SUMMARY, "전화"], ["train_1", "#Person1#: NA", "NA", "NA"]],
    )
    df = read_split(path, "train")
    assert list(df.columns) == ["fname", "dialogue", "references", "topic"]
    assert df["references"].tolist() == [[SUMMARY], ["NA"]]
    assert df.loc[0, "dialogue"] == DIALOGUE
    # "NA" is text, not a missing value
    assert df.loc[1, "dialogue"] == "#Person1#: NA"
    assert df.loc[1, "topic"] == "NA"


def test_read_tolerates_bom_and_padded_headers(tmp_path: Path) -> None:
    path = tmp_path / "dev.csv"
    path.write_bytes("\ufefffname, dialogue ,summary\ndev_0,#Person1#: 네,요약\n".encode())
    df = read_split(path, "dev")
    assert df["fname"].tolist() == ["dev_0"]
    assert "topic" not in df.columns


def test_read_test_multi_reference_in_numeric_order_dropping_empty(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "test.csv",
        ["fname", "dialogue", "summary10", "summary2", "summary1", "topic"],
        [
            ["test_0", DIALOGUE, "열", "둘", "하나", "t"],
            ["test_1", DIALOGUE, "", "  ", "하나만", "t"],
        ],
    )
    df = read_split(path, "test")
    assert df["references"].tolist() == [["하나", "둘", "열"], ["하나만"]]
    assert df["topic"].tolist() == ["t", "t"]


def test_read_competition_test_without_summaries(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "test.csv", ["fname", "dialogue"], [["test_0", DIALOGUE]])
    df = read_split(path, "test")
    assert list(df.columns) == ["fname", "dialogue", "references"]
    assert df["references"].tolist() == [[]]


GOOD = ["fname", "dialogue", "summary"]


@pytest.mark.parametrize(
    ("kind", "header", "rows", "expected"),
    [
        pytest.param(
            "train",
            ["fname", "dialogue", "topic"],
            [["a", DIALOGUE, "t"]],
            [r"missing required column\(s\) summary", r"found columns: fname, dialogue, topic"],
            id="missing-summary",
        ),
        pytest.param(
            "test",
            ["id", "text"],
            [["a", DIALOGUE]],
            [r"missing required column\(s\) fname, dialogue", r"found columns: id, text"],
            id="missing-two",
        ),
        pytest.param(
            "dev",
            ["fname", "dialogue", "summary1", "summary2"],
            [["a", DIALOGUE, "s", "s"]],
            [r"summary", r"kind='test'"],
            id="test-file-read-as-dev",
        ),
        pytest.param(
            "train",
            GOOD,
            [["ok_0", DIALOGUE, "s"], ["bad_7", "   \n ", "s"]],
            [r"empty dialogue", r"row 2", r"'bad_7'"],
            id="blank-dialogue",
        ),
        pytest.param(
            "test",
            ["fname", "dialogue"],
            [["t_0", ""]],
            [r"empty dialogue", r"row 1", r"'t_0'"],
            id="empty-dialogue-test",
        ),
        pytest.param(
            "dev",
            GOOD,
            [["d_0", DIALOGUE, "s"], ["d_1", DIALOGUE, "s"], ["d_2", DIALOGUE, " "]],
            [r"empty summary", r"row 3", r"'d_2'"],
            id="blank-summary",
        ),
        pytest.param(
            "train",
            GOOD,
            [["x", DIALOGUE, "s"], ["y", DIALOGUE, "s"], ["x", DIALOGUE, "s"]],
            [r"duplicate fname", r"'x' at rows 1, 3"],
            id="duplicate-fname",
        ),
        pytest.param(
            "train",
            GOOD,
            [["", DIALOGUE, "s"]],
            [r"empty fname", r"row 1"],
            id="empty-fname",
        ),
    ],
)
def test_read_errors_name_file_and_problem(
    tmp_path: Path, kind: str, header: list[str], rows: list[list[str]], expected: list[str]
) -> None:
    path = write_csv(tmp_path / f"{kind}_broken.csv", header, rows)
    with pytest.raises(DataError) as info:
        read_split(path, kind)
    message = str(info.value)
    assert str(path) in message
    for pattern in expected:
        assert re.search(pattern, message), (pattern, message)


def test_read_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        read_split(path, "train")


def test_read_not_utf8_reports_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "cp949.csv"
    head = b"fname,dialogue,summary\na,"
    path.write_bytes(head + "#Person1#: 안녕".encode("cp949") + b",s\n")
    with pytest.raises(DataError) as info:
        read_split(path, "train")
    message = str(info.value)
    assert "cp949.csv" in message
    assert "not valid UTF-8" in message
    offset = len(head) + len(b"#Person1#: ")
    assert f"byte offset {offset}" in message
    assert "line 2" in message
    assert "CP949" in message


def test_read_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.csv: file is empty"):
        read_split(path, "dev")


def test_read_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="train, dev, test"):
        read_split(tmp_path / "x.csv", "valid")


def test_data_error_is_value_error() -> None:
    assert issubclass(DataError, ValueError)


# --------------------------------------------------------------------------- tags


def test_tag_constants() -> None:
    assert PERSON_TAGS == tuple(f"#Person{i}#" for i in range(1, 8))
    assert set(PII_TAGS) == {
        "#PhoneNumber#",
        "#Address#",
        "#DateOfBirth#",
        "#PassportNumber#",
        "#SSN#",
        "#CardNumber#",
        "#CarNumber#",
        "#Email#",
    }
    assert TAG_RE.findall("#Person1#: #PhoneNumber#로 #SSN#와 # 1 #") == [
        "#Person1#",
        "#PhoneNumber#",
        "#SSN#",
    ]


def test_model_tags_cover_every_strategy_output_and_pii() -> None:
    tags = model_tags()
    assert len(tags) == len(set(tags))
    assert set(PII_TAGS) <= set(tags)
    every_speaker = "\n".join(f"{t}: 말" for t in reversed(PERSON_TAGS))
    for strategy in STRATEGIES:
        produced = set(person_map(every_speaker, strategy).values())
        assert produced <= set(tags), strategy
    assert set(PERSON_TAGS) | set(SIMPLE_TAGS) | set(ABSTRACT_TAGS) <= set(tags)
    assert all(TAG_RE.fullmatch(t) for t in tags)


# --------------------------------------------------------------------------- cleaning

NOISY = (
    "#Person1#: 안녕하세요ㅋㅋㅋ 제 번호는 #PhoneNumber#예요!!!\\n"
    "#Person2# : 음... 네<br/>알겠어요 (웃음) 😀 韓國語 ㅠㅠ</s>\r\n"
    "#Person3#:   어, 그래요?!?!  #Person1#한테 #Address#로   보내요..<pad>\n"
    "#Person1#: ㅋㅋ<BR>ㅎㅎ"
)

CLEANED = {
    "minimal": (
        "#Person1#: 안녕하세요ㅋㅋㅋ 제 번호는 #PhoneNumber#예요!!!\n"
        "#Person2#: 음... 네 알겠어요 (웃음) 😀 韓國語 ㅠㅠ\n"
        "#Person3#: 어, 그래요?!?! #Person1#한테 #Address#로 보내요..\n"
        "#Person1#: ㅋㅋ ㅎㅎ"
    ),
    "moderate": (
        "#Person1#: 안녕하세요 제 번호는 #PhoneNumber#예요!\n"
        "#Person2#: 음… 네 알겠어요 (웃음) 😀 韓國語\n"
        "#Person3#: 어, 그래요?! #Person1#한테 #Address#로 보내요…\n"
        "#Person1#:"
    ),
    "aggressive": (
        "#Person1#: 안녕하세요 제 번호는 #PhoneNumber#예요!\n"
        "#Person2#: 네 알겠어요\n"
        "#Person3#: 그래요?! #Person1#한테 #Address#로 보내요…\n"
        "#Person1#:"
    ),
}


@pytest.mark.parametrize("level", LEVELS)
def test_clean_levels_on_noisy_dialogue(level: str) -> None:
    assert clean_text(NOISY, level) == CLEANED[level]


@pytest.mark.parametrize("level", LEVELS)
def test_clean_keeps_tags_and_turns(level: str) -> None:
    cleaned = clean_text(NOISY, level)
    assert TAG_RE.findall(cleaned) == TAG_RE.findall(NOISY)
    assert turn_prefixes(cleaned) == ["#Person1#:", "#Person2#:", "#Person3#:", "#Person1#:"]
    assert clean_text(cleaned, level) == cleaned  # idempotent


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("tag", [*PII_TAGS, "#Person3#", "#P2#", "#B#"])
def test_clean_never_touches_tags(level: str, tag: str) -> None:
    text = f"#Person3#: (웃음) {tag}ㅋㅋ... 그리고 {tag}!!!\n#Person1#: 음… {tag}"
    cleaned = clean_text(text, level)
    assert cleaned.count(tag) == text.count(tag)
    assert turn_prefixes(cleaned) == ["#Person3#:", "#Person1#:"]


@pytest.mark.parametrize(
    ("level", "raw", "expected"),
    [
        ("minimal", "  앞뒤 공백\t\t그리고  탭  ", "앞뒤 공백 그리고 탭"),
        ("minimal", "요약<s>입니다</S>\\n다음 줄", "요약 입니다 다음 줄"),
        ("minimal", "제로\u200b폭\ufeff문자", "제로폭문자"),
        ("minimal", "#Person1#:\u3000네\u00a0네", "#Person1#: 네 네"),
        (
            "minimal",
            "#Person1#: 첫 줄\n이어지는 줄\n\n#Person2#: 둘째",
            "#Person1#: 첫 줄 이어지는 줄\n#Person2#: 둘째",
        ),
        ("moderate", "좋아ㅋㅋ진짜 ㅎㅎㅎ 좋아요ㅠㅠ.", "좋아 진짜 좋아요."),
        ("moderate", "뭐라고?? 정말!!! 음,,, 아~~~", "뭐라고? 정말! 음, 아~"),
        ("moderate", "ㅇㅇ 알겠어 ㄱ", "알겠어"),
        ("aggressive", "가격은 ５０００원！ 🙂👍", "가격은 5000원!"),
        (
            "aggressive",
            "(주)삼성과 KTX(고속철도) 얘기 (한숨) [박수] 끝",
            "(주)삼성과 KTX(고속철도) 얘기 끝",
        ),
        ("aggressive", "#Person1#: 어… 음… 그러니까요", "#Person1#: 그러니까요"),
        ("aggressive", "#Person1#: 그 사람 말이에요", "#Person1#: 그 사람 말이에요"),
        ("aggressive", "#Person1#: 네, 음… 좋아요", "#Person1#: 네, 음… 좋아요"),
    ],
)
def test_clean_rules(level: str, raw: str, expected: str) -> None:
    assert clean_text(raw, level) == expected


NOISE = [
    "안녕",
    " ",
    "ㅋㅋ",
    "ㅠ",
    "...",
    "!!",
    "?!",
    "(웃음)",
    "[한숨]",
    "😀",
    "韓",
    "カ",
    "<pad>",
]
NOISE += ["</s>", "#PhoneNumber#", "#Person3#", "음…", "어,", "그", "(", ")", ":", "ＡＢ", "\t"]
NOISE += ["\u200b", "~~", ",,", "NA", "#Email#의", "abc", "12"]


@pytest.mark.parametrize("seed", range(3))
def test_clean_invariants_on_random_noise(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        prefixes = [f"#Person{rng.randint(1, 7)}#:" for _ in range(rng.randint(1, 6))]
        text = "\n".join(
            p + rng.choice(["", " "]) + "".join(rng.choices(NOISE, k=rng.randint(0, 10)))
            for p in prefixes
        )
        for level in LEVELS:
            cleaned = clean_text(text, level)
            assert TAG_RE.findall(cleaned) == TAG_RE.findall(text), (level, text)
            assert turn_prefixes(cleaned) == prefixes, (level, text)
            assert clean_text(cleaned, level) == cleaned, (level, text)


def test_clean_text_keeps_na_and_plain_text() -> None:
    for level in LEVELS:
        assert clean_text("NA", level) == "NA"


def test_clean_unknown_level_lists_allowed() -> None:
    with pytest.raises(ValueError, match="minimal, moderate, aggressive"):
        clean_text("x", "heavy")


# --------------------------------------------------------------------------- person tags

STARTS_WITH_2 = "#Person2#: 여보세요?\n#Person1#: 네, #Person2#씨.\n#Person3#: #CardNumber# 입니다."
SUMMARY_2 = "#Person1#이 #Person2#에게 #CardNumber#를 알려주고 #Person3#도 듣는다."


@pytest.mark.parametrize(
    ("strategy", "expected_subset"),
    [
        ("keep_original", {"#Person1#": "#Person1#", "#Person2#": "#Person2#"}),
        ("simplify", {"#Person1#": "#P1#", "#Person2#": "#P2#", "#Person3#": "#P3#"}),
        ("abstract", {"#Person2#": "#A#", "#Person1#": "#B#", "#Person3#": "#C#"}),
    ],
)
def test_person_map(strategy: str, expected_subset: dict[str, str]) -> None:
    mapping = person_map(STARTS_WITH_2, strategy)
    assert expected_subset.items() <= mapping.items()
    assert not set(mapping) & set(PII_TAGS)
    assert len(set(mapping.values())) == len(mapping)  # injective, hence reversible


def test_abstract_covers_only_speakers_of_the_dialogue() -> None:
    assert person_map(STARTS_WITH_2, "abstract") == {
        "#Person2#": "#A#",
        "#Person1#": "#B#",
        "#Person3#": "#C#",
    }
    assert person_map("tag 없음", "abstract") == {}


@pytest.mark.parametrize(
    ("strategy", "mapped_dialogue", "mapped_summary"),
    [
        ("keep_original", STARTS_WITH_2, SUMMARY_2),
        (
            "simplify",
            "#P2#: 여보세요?\n#P1#: 네, #P2#씨.\n#P3#: #CardNumber# 입니다.",
            "#P1#이 #P2#에게 #CardNumber#를 알려주고 #P3#도 듣는다.",
        ),
        (
            "abstract",
            "#A#: 여보세요?\n#B#: 네, #A#씨.\n#C#: #CardNumber# 입니다.",
            "#B#이 #A#에게 #CardNumber#를 알려주고 #C#도 듣는다.",
        ),
    ],
)
def test_apply_map_and_round_trip(strategy: str, mapped_dialogue: str, mapped_summary: str) -> None:
    mapping = person_map(STARTS_WITH_2, strategy)
    assert apply_map(STARTS_WITH_2, mapping) == mapped_dialogue
    assert apply_map(SUMMARY_2, mapping) == mapped_summary
    assert restore(mapped_dialogue, mapping) == STARTS_WITH_2
    assert restore(mapped_summary, mapping) == SUMMARY_2


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_restore_leaves_unknown_model_tags(strategy: str) -> None:
    mapping = person_map("#Person1#: 네\n#Person2#: 응", strategy)
    text = "#Z# 와 #Email# 그리고 #Person9#"
    assert restore(text, mapping) == text


def test_unknown_strategy() -> None:
    with pytest.raises(ValueError, match="keep_original, simplify, abstract"):
        person_map(DIALOGUE, "rename")


# --------------------------------------------------------------------------- prepare / postprocess


def make_frame(tmp_path: Path) -> pd.DataFrame:
    path = write_csv(
        tmp_path / "dev.csv",
        ["fname", "dialogue", "summary", "topic"],
        [
            ["dev_0", STARTS_WITH_2 + "ㅋㅋㅋ!!!", SUMMARY_2 + "</s>", "카드"],
            ["dev_1", DIALOGUE, "ㅋㅋ " + SUMMARY, "전화"],
        ],
    )
    return read_split(path, "dev")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("level", LEVELS)
def test_prepare_and_postprocess_end_to_end(tmp_path: Path, level: str, strategy: str) -> None:
    df = make_frame(tmp_path)
    prepared = prepare(df, level, strategy)
    assert isinstance(prepared, Prepared)
    assert len(prepared) == 2
    assert prepared.fnames == ["dev_0", "dev_1"]
    assert prepared.references == df["references"].tolist()
    assert prepared.references[0] == [SUMMARY_2 + "</s>"]  # untouched for scoring
    for source, mapping, dialogue in zip(
        prepared.sources, prepared.mappings, df["dialogue"], strict=True
    ):
        assert set(TAG_RE.findall(source)) <= set(model_tags())
        assert restore(source, mapping) == clean_text(dialogue, level)
    # targets: minimal cleaning only (jamo kept), mapped
    assert prepared.targets[0] == apply_map(SUMMARY_2, prepared.mappings[0])
    assert prepared.targets[1] == apply_map("ㅋㅋ " + SUMMARY, prepared.mappings[1])
    # a model that echoes its target gets the cleaned original references back
    restored = postprocess(prepared.targets, prepared.mappings)
    assert restored == [SUMMARY_2, "ㅋㅋ " + SUMMARY]


def test_prepare_abstract_source_and_target(tmp_path: Path) -> None:
    prepared = prepare(make_frame(tmp_path), "moderate", "abstract")
    assert prepared.sources[0] == "#A#: 여보세요?\n#B#: 네, #A#씨.\n#C#: #CardNumber# 입니다.!"
    assert prepared.targets[0] == "#B#이 #A#에게 #CardNumber#를 알려주고 #C#도 듣는다."
    assert prepared.mappings[0] == {"#Person2#": "#A#", "#Person1#": "#B#", "#Person3#": "#C#"}


def test_prepare_test_rows_without_references(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "test.csv", ["fname", "dialogue"], [["t0", DIALOGUE]])
    prepared = prepare(read_split(path, "test"), "minimal", "simplify")
    assert prepared.targets == [None]
    assert prepared.references == [[]]
    assert prepared.sources[0].startswith("#P1#: 안녕하세요")


def test_prepare_rejects_unknown_options(tmp_path: Path) -> None:
    df = make_frame(tmp_path)
    with pytest.raises(ValueError, match="noise_removal_level"):
        prepare(df, "heavy", "abstract")
    with pytest.raises(ValueError, match="person_token_strategy"):
        prepare(df, "minimal", "rename")


def test_postprocess_restores_and_normalises() -> None:
    mapping = {"#Person2#": "#A#", "#Person1#": "#B#"}
    out = postprocess(["  #A#가\n #B#에게   #PhoneNumber#를 준다.</s><pad> "], [mapping])
    assert out == ["#Person2#가 #Person1#에게 #PhoneNumber#를 준다."]
    with pytest.raises(ValueError, match="1 predictions but 0 mappings"):
        postprocess(["x"], [])


# --------------------------------------------------------------------------- baseline / submission


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "#Person1#: 안녕하세요, 전화번호가 #PhoneNumber# 맞나요?"),
        (
            2,
            "#Person1#: 안녕하세요, 전화번호가 #PhoneNumber# 맞나요? "
            "#Person2#: 네, 맞아요. 주소는 #Address#입니다.",
        ),
        (10, DIALOGUE.replace("\n", " ")),
    ],
)
def test_lead_summary(n: int, expected: str) -> None:
    assert lead_summary(DIALOGUE, n) == expected


def test_lead_summary_default_and_blank_lines() -> None:
    assert lead_summary("\n#Person2#: 가\n\n#Person1#: 나\n#Person2#: 다\n") == (
        "#Person2#: 가 #Person1#: 나"
    )
    with pytest.raises(ValueError):
        lead_summary(DIALOGUE, 0)


def test_write_submission(tmp_path: Path) -> None:
    path = write_submission(
        tmp_path / "out" / "submission.csv", ["t0", "t1"], ["#Person1#은, 요약.", "NA"]
    )
    assert path.read_bytes().startswith(b"fname,summary\n")
    back = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    assert back.to_dict("list") == {"fname": ["t0", "t1"], "summary": ["#Person1#은, 요약.", "NA"]}


@pytest.mark.parametrize(
    ("fnames", "summaries", "match"),
    [
        (["a"], [], "1 fnames but 0 summaries"),
        (["a", "a"], ["x", "y"], "duplicate fname"),
        (["a"], [None], "not a string"),
    ],
)
def test_write_submission_rejects_bad_input(
    tmp_path: Path, fnames: list[str], summaries: list, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        write_submission(tmp_path / "s.csv", fnames, summaries)


def test_postprocess_drops_replacement_characters():
    # A byte-level model that stops inside a multi-byte character decodes to U+FFFD.
    from workbench.data import postprocess

    assert postprocess(["#A#는 \ufffd\ufffd 집에 간다"], [{"#Person1#": "#A#"}]) == [
        "#Person1#는 집에 간다"]
