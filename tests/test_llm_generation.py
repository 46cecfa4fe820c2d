"""How the causal backend generates for the real LLM presets, on the Llama 3.2 stand-in
(tests/standins.py): repetition controls act on the answer only, the base is on the run's
device at every quantization, batches group similar lengths, the prompt does not change with
the day, and per-epoch selection may decode a fixed dev subset.
"""

import datetime as dt

import pandas as pd
import pytest
import torch
from transformers.utils import chat_template_utils

from workbench import metrics, validate
from workbench.backends import causal, chat
from workbench.config import GUARD_OFF, ConfigError

# Small and quick: no quantization on the CPU, short answers, greedy decoding, one epoch.
QUICK = {"llm.model_config": None, "hparams.quantization": "none",
         "hparams.max_input_length": 256, "hparams.max_target_length": 40,
         "hparams.max_new_tokens": 8, "hparams.min_new_tokens": 1, "hparams.num_beams": 1,
         "hparams.batch_size": 4, "hparams.gradient_accumulation_steps": 1,
         "hparams.num_epochs": 1}
DIALOGUE = ("#Person1#: 안녕하세요, 내일 저녁 일곱 시에 두 명 예약할 수 있을까요?\n"
            "#Person2#: 네, 가능합니다. 성함과 연락처를 알려 주세요.\n"
            "#Person1#: 김민수이고 번호는 #PhoneNumber#입니다.\n"
            "#Person2#: 내일 저녁 일곱 시에 두 명으로 예약해 드렸습니다.")
# Copies a phrase of the dialogue and names #Person1# twice (a tag is several tokens).
WITH_TAGS = ("내일 저녁 일곱 시에 두 명 예약을 #Person1#이 하고, "
             "#Person2#는 #Person1#의 연락처를 받는다.")
COPIED = "내일 저녁 일곱 시에 두 명 예약"  # a phrase of the dialogue, no repeat of its own
pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture(scope="module")
def llama(standin):
    """The llama preset pointed at its stand-in: (config, tokenizer, prompt format)."""
    cfg = validate.resolve("llama", {**QUICK, "model.name": str(standin("llama"))}).config
    tok = causal.chat_tokenizer(cfg, None)
    return cfg, tok, causal.prompt_format(tok, cfg["llm"])


def frame(n: int) -> pd.DataFrame:
    """`n` dialogues like DIALOGUE, at other hours, each with WITH_TAGS (at that hour)."""
    hours = ["일곱", "여덟", "아홉", "열", "열한"]
    return pd.DataFrame([{"fname": f"d_{i}", "dialogue": DIALOGUE.replace("일곱", hours[i % 5]),
                          "references": [WITH_TAGS.replace("일곱", hours[i % 5])]}
                         for i in range(n)])


def forced(model: torch.nn.Module, targets: list[int], high: float, low: float) -> None:
    """Make `model` score `targets[t]` at `high` and every other token at `low` at step t."""
    original, step = model.forward, [0]

    def forward(*args, **kwargs):
        out = original(*args, **kwargs)
        logits = torch.full_like(out.logits, low)
        logits[..., targets[min(step[0], len(targets) - 1)]] = high
        step[0] += 1
        out.logits = logits
        return out

    model.forward = forward


def trigrams(ids: list[int]) -> list[tuple[int, ...]]:
    return [tuple(ids[i:i + 3]) for i in range(len(ids) - 2)]


# The preset's own decoding; HF's no-repeat-3 alone; HF's repetition penalty alone, with a
# margin small enough that penalizing the copied tokens would flip them.
CASES = {"preset": ({}, WITH_TAGS, 10.0, -10.0),
         "no_repeat_ngram": ({"no_repeat_ngram_size": 3, "repetition_penalty": 1.0},
                             COPIED, 10.0, -10.0),
         "repetition_penalty": ({"no_repeat_ngram_size": 0, "repetition_penalty": 1.1},
                                COPIED, -1.0, -1.05)}


@pytest.mark.parametrize("case", list(CASES))
def test_a_summary_may_copy_the_dialogue_and_repeat_tags(llama, standin, case):
    """Decoding forced towards a reference that copies a dialogue phrase (and, with the preset's
    decoding, names #Person1# twice) writes it: repetition controls never see the prompt."""
    cfg, tok, fmt = llama
    changes, reference, high, low = CASES[case]
    hp = {**cfg["hparams"], **changes}
    prompt = causal.encode(frame(1), tok, fmt, hp, with_labels=False).prompts[0]
    answer = tok(reference, add_special_tokens=False)["input_ids"]
    assert set(trigrams(answer)) & set(trigrams(prompt)), "the reference copies the dialogue"
    if case == "preset":
        tag = tok("#Person1#", add_special_tokens=False)["input_ids"]
        assert len(tag) >= 3 and reference.count("#Person1#") == 2
    if case == "repetition_penalty":
        assert len(set(answer)) == len(answer) and set(answer) & set(prompt)
    targets = answer + list(fmt.end)
    hp.update(max_new_tokens=len(targets) + 2, min_new_tokens=1)
    model = causal.load_base(standin("llama"), hp, cfg["llm"], torch.device("cpu"))
    forced(model, targets, high, low)
    gen = causal.generation_config(hp, tok, fmt)
    assert causal.generate(model, tok, [prompt], gen, 1) == [chat.clean_output(reference)]


def test_no_repeat_ngram_still_bans_the_answers_own_repeats(llama, standin):
    cfg, tok, fmt = llama
    hp = {**cfg["hparams"], "no_repeat_ngram_size": 3, "repetition_penalty": 1.0}
    prompt = causal.encode(frame(1), tok, fmt, hp, with_labels=False).prompts[0]
    answer = tok(WITH_TAGS, add_special_tokens=False)["input_ids"]
    assert len(set(trigrams(answer))) < len(trigrams(answer)), "#Person1# twice: a repeat"
    targets = answer + list(fmt.end)
    hp.update(max_new_tokens=len(targets) + 2, min_new_tokens=1)
    model = causal.load_base(standin("llama"), hp, cfg["llm"], torch.device("cpu"))
    forced(model, targets, 10.0, -10.0)
    gen = causal.generation_config(hp, tok, fmt)
    assert (gen.no_repeat_ngram_size, gen.repetition_penalty) == (0, 1.0), "HF's are neutral"
    assert causal.generate(model, tok, [prompt], gen, 1) != [chat.clean_output(WITH_TAGS)]


@pytest.mark.parametrize("quantization", ["none", "8bit", "4bit"])
def test_the_base_is_asked_for_on_the_runs_device_at_every_quantization(
        llama, standin, monkeypatch, tmp_path, quantization):
    """Without a GPU: the loading request names cuda:0 (the weights then load on the CPU)."""
    cfg, tok, _ = llama
    hp = {**cfg["hparams"], "quantization": quantization}
    real = causal.AutoModelForCausalLM.from_pretrained
    asked = []

    def record(source, **kwargs):
        asked.append(kwargs.get("device_map"))
        return real(source, dtype=torch.float32)

    monkeypatch.setattr(causal.AutoModelForCausalLM, "from_pretrained", record)
    causal.load_base(standin("llama"), hp, cfg["llm"], torch.device("cuda"))
    assert asked == [{"": 0}]
    if quantization == "none":  # predict and generation tuning load a saved adapter so
        model = causal.build_model(standin("llama"), hp, cfg["llm"], torch.device("cpu"), tok,
                                   "llama", 0)
        causal.save_adapter(model, tok, tmp_path / "adapter", standin("llama"), hp, cfg["llm"])
        causal.load_adapter(tmp_path / "adapter", "cuda")
        assert asked[-1] == {"": 0}


def test_generation_batches_similar_lengths_and_keeps_the_input_order(llama, standin):
    cfg, tok, fmt = llama
    words = [i for i in range(len(tok)) if (w := tok.decode([i])).strip()
             and all("\uac00" <= c <= "\ud7a3" for c in w.strip())
             and chat.clean_output(w) == w.strip()][:6]
    lengths = [9, 1, 8, 2, 7, 3]
    filler = tok("네", add_special_tokens=False)["input_ids"][0]
    prompts = [[filler] * (n - 1) + [w] for n, w in zip(lengths, words, strict=True)]
    model = causal.load_base(standin("llama"), cfg["hparams"], cfg["llm"], torch.device("cpu"))
    batches = []

    def echo(input_ids, attention_mask, **kwargs):  # answers with its prompt's last token
        batches.append(sorted(attention_mask.sum(dim=1).tolist(), reverse=True))
        stop = torch.full_like(input_ids[:, :1], fmt.stop_ids[0])
        return torch.cat([input_ids, input_ids[:, -1:], stop], dim=1)

    model.generate = echo
    gen = causal.generation_config(cfg["hparams"], tok, fmt)
    answers = causal.generate(model, tok, prompts, gen, batch_size=2)
    assert answers == [tok.decode([w]).strip() for w in words]
    assert batches == [[9, 8], [7, 3], [2, 1]]


def frozen(day: dt.datetime) -> type:
    """A `datetime` whose now() is `day` (what the chat template's strftime_now reads)."""

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return day

    return Frozen


def test_llama_prompt_is_the_same_whatever_the_day(llama, monkeypatch):
    """Llama 3.2's template writes "Today Date" into the system header: it is pinned."""
    cfg, tok, _ = llama
    formats = []
    for day in (dt.datetime(2031, 5, 17), dt.datetime(2032, 1, 2)):
        monkeypatch.setattr(chat_template_utils, "datetime", frozen(day))
        formats.append(causal.prompt_format(tok, cfg["llm"]))
    assert formats[0] == formats[1]
    assert "Today Date: 26 Jul 2024" in tok.decode(list(formats[0].head))


def test_each_epoch_decodes_a_fixed_dev_subset_and_the_best_all_of_dev(standin, monkeypatch,
                                                                      tmp_path):
    cfg = validate.resolve("llama", {**QUICK, **GUARD_OFF, "model.name": str(standin("llama")),
                                     "data.select_dev_samples": 2}).config
    backend = causal.CausalBackend(cfg, {"train": frame(8), "dev": frame(5)})
    decoded, real = [], causal.generate

    def counting(model, tokenizer, prompts, gen, batch_size):
        decoded.append(len(prompts))
        return real(model, tokenizer, prompts, gen, batch_size)

    monkeypatch.setattr(causal, "generate", counting)
    reported = []
    outcome = backend.train_and_evaluate(cfg["hparams"], backend.splits["train"],
                                         lambda e, v: reported.append(v), tmp_path / "work")
    assert decoded == [2] * len(reported) + [5], "epochs: the first 2 rows; then all of dev once"
    selection = outcome.extra["selection"]
    assert selection["epoch_dev_rows"] == 2 and selection["final_dev_rows"] == 5
    assert selection["epoch_best_value"] == pytest.approx(max(reported), abs=1e-4)
    assert outcome.value == pytest.approx(selection["final_value"], abs=1e-4)
    refs = list(backend.splits["dev"]["references"])
    assert len(outcome.predictions) == 5  # the value is the best model's ROUGE on all of dev
    assert outcome.value == pytest.approx(metrics.score(outcome.predictions, refs, **metrics.scale(
        cfg["objective"])).final, abs=1e-4)


def test_select_dev_samples_is_a_positive_count_or_null():
    assert validate.resolve("llama").config["data"]["select_dev_samples"] == 100
    assert validate.resolve("llama", {"data.select_dev_samples": None}).config["data"][
        "select_dev_samples"] is None
    for value in (0, -3, "100", True):
        with pytest.raises(ConfigError, match="data.select_dev_samples"):
            validate.resolve("llama", {"data.select_dev_samples": value})
