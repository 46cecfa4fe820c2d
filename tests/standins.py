"""Faithful CPU stand-ins for the real presets' models: a tokenizer and a tiny random-weight model
per preset, built offline and saved as a folder that `model.name` can point at, so a test runs
the preset's real code path (AutoTokenizer / AutoModel `from_pretrained`) on something that
behaves like the published model.

Each stand-in reproduces the published *behaviour* of the real tokenizer and config (what is
added when a text is encoded, which special tokens exist and what they are for, which pad and
stop tokens there are, how the chat template frames a prompt, how many positions the model has);
what it does not reproduce is said in its docstring: the vocabulary is a small BPE trained on
the shipped Korean sample (so ids differ from the real ones) and the widths are tiny.
The tiny presets (tiny-bart, tiny-llama, tiny-qwen) keep their own tokenizers: these are for
tests that claim a real preset's behaviour.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers.trainers import BpeTrainer
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    GenerationConfig,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    Qwen3Config,
    Qwen3ForCausalLM,
)

from workbench import paths

VOCAB = 1200  # BPE merges learnt from the sample (the real vocabularies are 30k-152k)
SEED = 0


def _sample_texts() -> list[str]:
    """What the stand-ins' BPEs are trained on: the shipped sample's dialogues and summaries."""
    frame = pd.read_csv(paths.ROOT / "data" / "sample" / "train.csv")
    return list(frame["dialogue"]) + list(frame["summary"])


def _train(tok: Tokenizer, specials: list[str]) -> Tokenizer:
    tok.train_from_iterator(_sample_texts(), BpeTrainer(
        vocab_size=VOCAB, special_tokens=specials, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        if isinstance(tok.decoder, decoders.ByteLevel) else []))
    return tok


# ---------------------------------------------------------------- KoBART

KOBART_SPECIALS = ["<s>", "</s>", "<usr>", "<pad>", "<sys>", "<unk>", "<mask>"]  # ids 0..6


def kobart_tokenizer() -> PreTrainedTokenizerFast:
    """KoBART's tokenizer as `digit82/kobart-summarization` publishes it (SKT's KoBART).

    Facts reproduced (its tokenizer.json / tokenizer_config.json / special_tokens_map.json):
    - a `PreTrainedTokenizerFast` whose tokenizer.json has **no post-processor**: encoding a
      text adds neither `<s>` nor `</s>` (the model card wraps inputs `[bos] + ids + [eos]` by
      hand; the competition's baseline appends `eos_token` to every target);
    - special tokens `<s>` 0, `</s>` 1, `<usr>` 2, `<pad>` 3, `<sys>` 4, `<unk>` 5, `<mask>` 6;
    - a SentencePiece-style BPE (Metaspace `▁` for spaces);
    - the tokenizer returns `token_type_ids` (the base class's model inputs), which BART must
      not be given.
    Not reproduced: its 30,000-piece vocabulary (here a BPE of the sample).
    """
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    _train(tok, KOBART_SPECIALS)
    assert tok.post_processor is None
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
        unk_token="<unk>", mask_token="<mask>",
        model_input_names=["input_ids", "token_type_ids", "attention_mask"])


def kobart(folder: Path) -> Path:
    """Save a KoBART stand-in (tokenizer + tiny BART) in `folder`.

    Config facts reproduced (config.json of digit82/kobart-summarization, a BART-base):
    `max_position_embeddings` 1026 (BART's learned position table holds 2 more rows, its
    offset, so transformers runs inputs of up to 1026 tokens and fails at 1027),
    `bos_token_id` 0, `eos_token_id` 1, `pad_token_id` 3, `decoder_start_token_id` 1 = eos,
    `forced_eos_token_id` 1. Not reproduced: d_model 768, 6 + 6 layers, vocab 30000.
    """
    tokenizer = kobart_tokenizer()
    torch.manual_seed(SEED)
    config = BartConfig(
        vocab_size=len(tokenizer), d_model=32, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, max_position_embeddings=1026, bos_token_id=0, eos_token_id=1,
        pad_token_id=3, decoder_start_token_id=1, forced_eos_token_id=1,
        dropout=0.0, attention_dropout=0.0, activation_dropout=0.0)
    model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        bos_token_id=0, eos_token_id=1, pad_token_id=3, decoder_start_token_id=1,
        forced_eos_token_id=1)
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


# ---------------------------------------------------------------- Llama 3.2 (Bllossom-3B)

# Llama 3's published pre-tokenizer split: contractions, letters with one leading non-letter,
# digits in groups of at most three, punctuation runs, newlines, spaces.
LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|finetune_right_pad_id|>",
                  "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>"]
# Behaves as Llama 3.2 Instruct's template (written here, not copied): bos; a system header
# that always states the knowledge cut-off and today's date (`date_string`, else strftime_now,
# so a prompt differs between days unless the date is pinned), then the system message; each
# turn as header, blank line, trimmed content, <|eot_id|>; the assistant header as answer cue.
LLAMA_TEMPLATE = (
    "{{- bos_token }}"
    "{%- if not date_string is defined %}{%- if strftime_now is defined %}"
    "{%- set date_string = strftime_now('%d %b %Y') %}{%- else %}"
    "{%- set date_string = '26 Jul 2024' %}{%- endif %}{%- endif %}"
    "{%- if messages[0]['role'] == 'system' %}{%- set system = messages[0]['content'] | trim %}"
    "{%- set rest = messages[1:] %}{%- else %}{%- set system = '' %}"
    "{%- set rest = messages %}{%- endif %}"
    "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}"
    "{{- 'Cutting Knowledge Date: December 2023\\n' }}"
    "{{- 'Today Date: ' + date_string + '\\n\\n' }}"
    "{{- system + '<|eot_id|>' }}"
    "{%- for m in rest %}"
    "{{- '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] | trim"
    " + '<|eot_id|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)


def llama_tokenizer() -> PreTrainedTokenizerFast:
    """The tokenizer of `Bllossom/llama-3.2-Korean-Bllossom-3B` (Meta's Llama 3 tokenizer).

    Facts reproduced (tokenizer.json / tokenizer_config.json of Llama 3.2 Instruct, which
    Bllossom-3B keeps): byte-level BPE behind Llama 3's regex split (digits in groups of up to
    three, so `#Person1#` is several tokens); a `TemplateProcessing` post-processor that adds
    `<|begin_of_text|>` to every encoded text; **no pad token**; `<|eot_id|>` ends a turn and is
    the eos, `<|end_of_text|>` ends a document; headers `<|start_header_id|>` /
    `<|end_header_id|>`; a chat template that writes "Cutting Knowledge Date" and "Today Date"
    into the system header. Not reproduced: the 128,256 ids (here a BPE of the sample, so
    `<|begin_of_text|>` is not 128000).
    """
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_SPLIT), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    _train(tok, LLAMA_SPECIALS)
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                      pair="<|begin_of_text|> $A <|begin_of_text|> $B",
                                      special_tokens=[("<|begin_of_text|>", bos)])])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>",
        model_input_names=["input_ids", "attention_mask"], clean_up_tokenization_spaces=False)
    fast.chat_template = LLAMA_TEMPLATE
    assert fast.pad_token is None
    return fast


def llama(folder: Path) -> Path:
    """Save a Llama 3.2 stand-in (tokenizer + tiny Llama) in `folder`.

    Config facts reproduced (config.json / generation_config.json of Llama 3.2 3B Instruct):
    `model_type` llama with grouped-query attention, tied input and output embeddings, no
    `pad_token_id`, eos ids = `<|end_of_text|>`, `<|eom_id|>`, `<|eot_id|>`, 131,072 positions.
    Not reproduced: hidden 3072, 28 layers, 24 heads.
    """
    tokenizer = llama_tokenizer()
    ids = tokenizer.convert_tokens_to_ids
    eos = [ids("<|end_of_text|>"), ids("<|eom_id|>"), ids("<|eot_id|>")]
    torch.manual_seed(SEED)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=131072,
        tie_word_embeddings=True, bos_token_id=ids("<|begin_of_text|>"), eos_token_id=eos,
        pad_token_id=None)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(bos_token_id=config.bos_token_id,
                                               eos_token_id=eos, do_sample=True,
                                               temperature=0.6, top_p=0.9)
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


# ---------------------------------------------------------------- Qwen3-4B-Instruct-2507

# Qwen2/Qwen3's published pre-tokenizer split: as Llama 3's, but one digit per piece.
QWEN_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
              r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Behaves as the 2507 Instruct template for plain chats (written here, not copied): ChatML
# turns, no default system message, no <think> block (the 2507 Instruct model has no thinking
# mode), the assistant header as answer cue.
QWEN_TEMPLATE = (
    "{%- for m in messages %}"
    "{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def qwen_tokenizer() -> PreTrainedTokenizerFast:
    """The tokenizer of `Qwen/Qwen3-4B-Instruct-2507`.

    Facts reproduced (its tokenizer.json / tokenizer_config.json): byte-level BPE behind the
    Qwen2 regex split (one digit per piece, so `#Person1#` is several tokens), NFC
    normalization; **no bos** (bos_token null; nothing is added when a text is encoded);
    ChatML `<|im_start|>` / `<|im_end|>` turns with `<|im_end|>` the eos; `<|endoftext|>` the
    pad; no thinking mode in the template. Not reproduced: the 151,936 ids.
    """
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN_SPLIT), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    _train(tok, QWEN_SPECIALS)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
        model_input_names=["input_ids", "attention_mask"], clean_up_tokenization_spaces=False)
    fast.chat_template = QWEN_TEMPLATE
    assert fast.bos_token is None
    return fast


def qwen(folder: Path) -> Path:
    """Save a Qwen3-Instruct-2507 stand-in (tokenizer + tiny Qwen3, stored in bf16) in `folder`.

    Config facts reproduced (config.json of Qwen3-4B-Instruct-2507): `model_type` qwen3 with
    q/k norms and an explicit head_dim, tied embeddings, `bos_token_id` = `<|endoftext|>`,
    `eos_token_id` = `<|im_end|>`, published in bfloat16, 262,144 positions. Not reproduced:
    hidden 2560, 36 layers.
    """
    tokenizer = qwen_tokenizer()
    ids = tokenizer.convert_tokens_to_ids
    torch.manual_seed(SEED)
    config = Qwen3Config(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8,
        max_position_embeddings=262144, tie_word_embeddings=True,
        bos_token_id=ids("<|endoftext|>"), eos_token_id=ids("<|im_end|>"))
    model = Qwen3ForCausalLM(config).to(torch.bfloat16)
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id, pad_token_id=ids("<|endoftext|>"),
        eos_token_id=[ids("<|im_end|>"), ids("<|endoftext|>")], do_sample=True,
        temperature=0.7, top_p=0.8, top_k=20)
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


BUILDERS = {"kobart": kobart, "llama": llama, "qwen": qwen}
