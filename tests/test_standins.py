"""The stand-ins of the real presets' models (tests/standins.py) behave as the published
tokenizers and configs do: the facts other tests rely on when they claim a real preset's
behaviour."""

import pytest
from transformers import AutoConfig, AutoTokenizer

TAGGED = "#Person1#: 내일 회의는 3시예요.\n#Person2#: 알겠습니다."


def test_kobart_adds_no_specials_and_returns_token_type_ids(standin):
    tok = AutoTokenizer.from_pretrained(standin("kobart"))
    enc = tok(TAGGED)
    assert tok.bos_token_id not in enc["input_ids"] and tok.eos_token_id not in enc["input_ids"]
    assert tok(text_target="요약")["input_ids"][-1] != tok.eos_token_id  # labels get no EOS
    assert "token_type_ids" in enc
    assert [tok.convert_tokens_to_ids(t) for t in ("<s>", "</s>", "<pad>", "<unk>", "<mask>")] \
        == [0, 1, 3, 5, 6]
    cfg = AutoConfig.from_pretrained(standin("kobart"))
    assert (cfg.max_position_embeddings, cfg.eos_token_id, cfg.decoder_start_token_id,
            cfg.pad_token_id) == (1026, 1, 1, 3)


def test_llama_adds_bos_has_no_pad_and_splits_tags(standin):
    tok = AutoTokenizer.from_pretrained(standin("llama"))
    ids = tok(TAGGED)["input_ids"]
    assert ids[0] == tok.convert_tokens_to_ids("<|begin_of_text|>") == tok.bos_token_id
    assert tok.pad_token is None and tok.eos_token == "<|eot_id|>"
    assert len(tok("#Person1#", add_special_tokens=False)["input_ids"]) > 1
    assert tok.decode(ids, skip_special_tokens=True) == TAGGED
    chat = tok.apply_chat_template([{"role": "user", "content": "안녕"}], tokenize=False,
                                   add_generation_prompt=True)
    assert "Today Date:" in chat and "Cutting Knowledge Date" in chat
    assert chat.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")
    pinned = tok.apply_chat_template([{"role": "user", "content": "안녕"}], tokenize=False,
                                     date_string="01 Jan 2026")
    assert "Today Date: 01 Jan 2026" in pinned
    cfg = AutoConfig.from_pretrained(standin("llama"))
    assert cfg.pad_token_id is None and cfg.tie_word_embeddings
    assert tok.convert_tokens_to_ids("<|eot_id|>") in cfg.eos_token_id


def test_qwen_adds_no_bos_pads_with_endoftext_and_has_no_thinking(standin):
    tok = AutoTokenizer.from_pretrained(standin("qwen"))
    ids = tok(TAGGED)["input_ids"]
    assert tok.bos_token is None and not any(i in tok.all_special_ids for i in ids)
    assert (tok.eos_token, tok.pad_token) == ("<|im_end|>", "<|endoftext|>")
    assert len(tok("#Person1#", add_special_tokens=False)["input_ids"]) > 1
    chat = tok.apply_chat_template([{"role": "user", "content": "안녕"}], tokenize=False,
                                   add_generation_prompt=True)
    assert chat == "<|im_start|>user\n안녕<|im_end|>\n<|im_start|>assistant\n"
    assert "<think>" not in chat
    cfg = AutoConfig.from_pretrained(standin("qwen"))
    assert str(cfg.dtype).endswith("bfloat16")


@pytest.mark.parametrize("name", ["llama", "qwen"])
def test_llm_tags_are_several_tokens_in_context(standin, name):
    tok = AutoTokenizer.from_pretrained(standin(name))
    assert len(tok(" #Person2#의", add_special_tokens=False)["input_ids"]) >= 3
