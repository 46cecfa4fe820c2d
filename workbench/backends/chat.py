"""Chat prompts for a decoder-only LLM and the causal backend's inference half: framing a
dialogue in the chat template, encoding, batched generation with the answer's own repetition
controls, output cleaning, and `CausalPredictor` (what `CausalBackend.load` gives).

- A prompt is the chat template around the system prompt and the user message
  (`llm.prompt_template` with the dialogue in its `{dialogue}` slot), ending with the answer
  cue (the template's assistant header). Only the dialogue is shortened to fit
  `max_input_length`; the answer has its own budget and always ends with the end-of-turn marker.
- Generation left-pads, batches prompts by length, stops at the end of the turn, and applies
  repetition controls to the answer only (HF's would read the prompt too).
- Outputs are cut at the first special token and cleaned of chat artefacts and other scripts
  (CJK ideographs, kana, ...); `#...#` tags are kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import GenerationConfig, PreTrainedTokenizerBase
from transformers.generation import (
    LogitsProcessor,
    LogitsProcessorList,
    NoRepeatNGramLogitsProcessor,
    RepetitionPenaltyLogitsProcessor,
)

from workbench import data as wdata
from workbench.backends import base
from workbench.backends.base import Predictor, Timing
from workbench.config import ConfigError, check_prompt_template

MIN_DIALOGUE_TOKENS = 16  # a prompt budget leaving less than this for the dialogue is refused
# Markers swapped in while rendering the chat template, to find where its parts go.
_DIALOGUE_MARK = "\x00WB-DIALOGUE\x00"
_ANSWER_MARK = "\x00WB-ANSWER\x00"


# ---------------------------------------------------------------- prompts


@dataclass(frozen=True)
class PromptFormat:
    """The token pieces every sample shares: prompt = head + dialogue + tail, then answer + end."""

    head: tuple[int, ...]  # template start, system prompt, instruction text before the dialogue
    tail: tuple[int, ...]  # text after the dialogue and the answer cue (assistant header)
    end: tuple[int, ...]  # what closes the answer (the template's end-of-turn marker)
    stop_ids: tuple[int, ...]  # token ids that end generation

    @property
    def fixed_length(self) -> int:
        """Prompt tokens that are never truncated."""
        return len(self.head) + len(self.tail)


def render_messages(system_prompt: str, user: str, answer: str) -> list[dict[str, str]]:
    """The chat of one sample: optional system message, the user's request, the answer."""
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return messages + [{"role": "user", "content": user},
                       {"role": "assistant", "content": answer}]


def prompt_format(tokenizer: PreTrainedTokenizerBase, llm: Mapping[str, Any]) -> PromptFormat:
    """Render the chat template once with markers and split it into the shared token pieces.

    `llm.date_string` is handed to the template: Llama 3.x's writes today's date into the system
    header unless given one, so prompts (and scores) would change from day to day.
    """
    check_prompt_template(llm["prompt_template"])
    user = llm["prompt_template"].format(dialogue=_DIALOGUE_MARK)
    messages = render_messages(llm["system_prompt"], user, _ANSWER_MARK)
    # A record made before the key existed has none: its template then renders as it did.
    pinned = {"date_string": llm["date_string"]} if llm.get("date_string") else {}
    try:
        text = tokenizer.apply_chat_template(messages, tokenize=False, **pinned)
    except Exception as exc:  # a Jinja error in a user-written template
        raise ConfigError(f"llm.chat_template: cannot render the chat: "
                          f"{type(exc).__name__}: {exc}") from None
    if text.count(_DIALOGUE_MARK) != 1 or text.count(_ANSWER_MARK) != 1:
        raise ConfigError("llm.chat_template: the rendered chat must contain the user message and "
                          f"the assistant answer exactly once; got {text!r}")
    before, after = text.split(_ANSWER_MARK)
    head, tail = before.split(_DIALOGUE_MARK)

    def ids(piece: str) -> list[int]:
        return tokenizer(piece, add_special_tokens=False)["input_ids"] if piece else []

    end = ids(after.rstrip()) or [tokenizer.eos_token_id]
    special = set(tokenizer.all_special_ids)
    stops = [i for i in end if i in special] + [tokenizer.eos_token_id]
    return PromptFormat(tuple(ids(head)), tuple(ids(tail)), tuple(end),
                        tuple(dict.fromkeys(i for i in stops if i is not None)))


@dataclass
class Encoded:
    """One split as token ids, with what scoring and the record need beside it."""

    features: list[dict[str, list[int]]]  # input_ids, attention_mask (and labels for training)
    prompts: list[list[int]]  # prompt ids alone, for generation
    references: list[list[str]]
    mappings: list[dict[str, str]]
    fnames: list[str]
    truncated: list[bool]  # the dialogue was shortened to fit max_input_length
    answer_truncated: list[bool] = field(default_factory=list)

    @property
    def truncated_share(self) -> float:
        """Share of samples whose dialogue was shortened."""
        return sum(self.truncated) / len(self.truncated) if self.truncated else 0.0

    @property
    def answer_truncated_share(self) -> float:
        """Share of samples whose answer was cut to max_target_length."""
        cut = self.answer_truncated
        return sum(cut) / len(cut) if cut else 0.0

    def head(self, n: int | None) -> Encoded:
        """The first `n` samples (all of them when `n` is None or not smaller): the fixed dev
        subset that per-epoch selection decodes (`data.select_dev_samples`)."""
        if n is None or n >= len(self.prompts):
            return self
        return Encoded(self.features[:n], self.prompts[:n], self.references[:n],
                       self.mappings[:n], self.fnames[:n], self.truncated[:n],
                       self.answer_truncated[:n])


def budgets(fmt: PromptFormat, hp: Mapping[str, Any]) -> tuple[int, int]:
    """Tokens left for the dialogue and for the answer text, or a ConfigError saying why not."""
    dialogue = hp["max_input_length"] - fmt.fixed_length
    if dialogue < MIN_DIALOGUE_TOKENS:
        raise ConfigError(
            f"hparams.max_input_length: {hp['max_input_length']} tokens leave {dialogue} for the "
            f"dialogue once the fixed part of the prompt ({fmt.fixed_length} tokens: chat "
            f"template, llm.system_prompt, llm.prompt_template, answer cue) is in; at least "
            f"{MIN_DIALOGUE_TOKENS} are needed: raise it or shorten the prompt"
        )
    answer = hp["max_target_length"] - len(fmt.end)
    if answer < 1:
        raise ConfigError(
            f"hparams.max_target_length: {hp['max_target_length']} tokens leave no room for the "
            f"answer beside its {len(fmt.end)} end-of-turn token(s)"
        )
    return dialogue, answer


def encode(frame: Any, tokenizer: PreTrainedTokenizerBase, fmt: PromptFormat,
           hp: Mapping[str, Any], with_labels: bool = True) -> Encoded:
    """Preprocess and tokenize a split: only dialogues are shortened, answers keep their end."""
    prepared = wdata.prepare(frame, hp["noise_removal_level"], hp["person_token_strategy"])
    dialogue_budget, answer_budget = budgets(fmt, hp)
    dialogues = tokenizer(list(prepared.sources), add_special_tokens=False)["input_ids"]
    head, tail, end = list(fmt.head), list(fmt.tail), list(fmt.end)
    prompts = [head + d[:dialogue_budget] + tail for d in dialogues]
    out = Encoded(features=[], prompts=prompts,
                  references=[list(r) for r in prepared.references],
                  mappings=list(prepared.mappings), fnames=list(prepared.fnames),
                  truncated=[len(d) > dialogue_budget for d in dialogues])
    if not with_labels:
        out.features = [{"input_ids": p, "attention_mask": [1] * len(p)} for p in prompts]
        return out
    answers = tokenizer([t or "" for t in prepared.targets], add_special_tokens=False)["input_ids"]
    for prompt, answer in zip(prompts, answers, strict=True):
        kept = answer[:answer_budget] + end
        out.answer_truncated.append(len(answer) > answer_budget)
        out.features.append({"input_ids": prompt + kept, "attention_mask": [1] * (len(prompt)
                             + len(kept)), "labels": [-100] * len(prompt) + kept})
    return out


def pad_batch(features: Sequence[Mapping[str, Sequence[int]]], pad_id: int,
              side: str = "right") -> dict[str, torch.Tensor]:
    """Pad a batch: input_ids with pad_id, attention_mask with 0, labels with -100.

    Training pads on the right; generation pads on the left so every prompt ends where the
    answer starts.
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    fill = {"input_ids": pad_id, "attention_mask": 0, "labels": -100}
    width = max(len(f["input_ids"]) for f in features)
    columns: dict[str, list[list[int]]] = {key: [] for key in features[0]}
    for feat in features:
        gap = width - len(feat["input_ids"])
        for key, values in feat.items():
            pad = [fill[key]] * gap
            columns[key].append(pad + list(values) if side == "left" else list(values) + pad)
    return {key: torch.tensor(rows, dtype=torch.long) for key, rows in columns.items()}


# ---------------------------------------------------------------- generation and cleaning

# Characters a Korean summary may contain: ASCII (tags, digits, Latin names), Hangul and
# common punctuation. Anything else in an LLM's output is a leak from another script.
_KEEP = "\n\t\x20-\x7e\uac00-\ud7a3\u3131-\u318e…·‘’“”「」『』《》〈〉【】–—₩℃°×"
_OTHER_SCRIPT_RE = re.compile(f"[^{_KEEP}]+")
_THINK_RE = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_MARKER_RE = re.compile(r"<\|[^<>|]{0,40}\|>|</?\s*(?:s|pad|unk|eos|bos|think)\s*>",
                        re.IGNORECASE)
_LEAD_RE = re.compile(r"^\s*(?:(?:assistant|system|user|model)\s*(?:[:：]|\n)|(?:요약|summary)"
                      r"\s*[:：])\s*", re.IGNORECASE)


def _drop_other_scripts(text: str) -> str:
    """Delete runs of other scripts; a space stays where the run separated two words."""

    def repl(m: re.Match[str]) -> str:
        before = m.string[m.start() - 1] if m.start() > 0 else " "
        after = m.string[m.end()] if m.end() < len(m.string) else " "
        return " " if before.isalnum() and after.isalnum() else ""

    return _OTHER_SCRIPT_RE.sub(repl, text)


def clean_output(text: str) -> str:
    """An LLM answer without chat artefacts, role labels or other scripts; tags are kept."""
    text = _MARKER_RE.sub(" ", _THINK_RE.sub(" ", text))
    while (stripped := _LEAD_RE.sub("", text)) != text:
        text = stripped
    return " ".join(_drop_other_scripts(text).split())


def other_script_ids(tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """Ids of tokens that decode to another script, to suppress during generation."""
    special = set(tokenizer.all_special_ids)
    found = []
    for index in range(len(tokenizer)):
        if index in special:
            continue
        piece = tokenizer.decode([index])
        if "\ufffd" not in piece and _OTHER_SCRIPT_RE.search(piece):  # skip partial bytes
            found.append(index)
    return found


class AnswerNoRepeatNGram(LogitsProcessor):
    """`no_repeat_ngram_size` over the answer alone: the columns after the (left-padded) prompt.

    HF's processor reads all of input_ids, which for a decoder-only model holds the prompt:
    it would forbid copying any phrase of the dialogue and every later `#Person1#`.
    """

    def __init__(self, ngram_size: int, prompt_width: int):
        self.inner = NoRepeatNGramLogitsProcessor(ngram_size)
        self.prompt_width = prompt_width

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        return self.inner(input_ids[:, self.prompt_width:], scores)


def generation_config(hp: Mapping[str, Any], tokenizer: PreTrainedTokenizerBase,
                      fmt: PromptFormat, suppress: Sequence[int] = ()) -> GenerationConfig:
    """The trial's decoding settings (as the seq2seq backend's), stopping at the end of turn.

    The repetition controls are kept aside as `answer_repetition_penalty` and
    `answer_no_repeat_ngram_size` (custom entries, which HF carries along) and HF's own are
    neutral: `generate` applies them to the answer only (`answer_processors`).
    """
    gen = base.generation_config(hp, tokenizer)
    gen.decoder_start_token_id = None  # an encoder-decoder setting
    gen.eos_token_id = list(fmt.stop_ids)
    gen.use_cache = True  # activation checkpointing turns the cache off for training only
    if suppress:
        gen.suppress_tokens = list(suppress)
    gen.answer_repetition_penalty = float(hp["repetition_penalty"])
    gen.answer_no_repeat_ngram_size = int(hp["no_repeat_ngram_size"])
    gen.repetition_penalty, gen.no_repeat_ngram_size = 1.0, 0  # set, so the model's never apply
    gen.validate()
    return gen


def answer_processors(gen: GenerationConfig, prompt_width: int) -> LogitsProcessorList:
    """The repetition controls of `gen` acting on generated tokens only, for a batch whose
    prompts are left-padded to `prompt_width` columns (so the answer starts there for all)."""
    processors = LogitsProcessorList()
    penalty = getattr(gen, "answer_repetition_penalty", 1.0)
    if penalty != 1.0:
        processors.append(RepetitionPenaltyLogitsProcessor(penalty,
                                                           prompt_ignore_length=prompt_width))
    size = getattr(gen, "answer_no_repeat_ngram_size", 0)
    if size > 0:
        processors.append(AnswerNoRepeatNGram(size, prompt_width))
    return processors


def decode_answer(ids: Sequence[int], tokenizer: PreTrainedTokenizerBase) -> str:
    """The generated answer up to its first special token, decoded and cleaned."""
    special = set(tokenizer.all_special_ids)
    cut = next((i for i, t in enumerate(ids) if t in special), len(ids))
    return clean_output(tokenizer.decode(list(ids[:cut]), skip_special_tokens=True))


def generate(model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase,
             prompts: Sequence[Sequence[int]], gen: GenerationConfig,
             batch_size: int) -> list[str]:
    """Answers for prompt ids, in their order; cleaned but not yet tag-restored.

    Prompts are batched longest first (so a batch pads to similar lengths) and left-padded;
    the repetition controls act on the answer only (`answer_processors`).
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))  # stable
    answers: list[str] = [""] * len(prompts)
    try:
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            chunk = [{"input_ids": list(prompts[i]), "attention_mask": [1] * len(prompts[i])}
                     for i in rows]
            batch = {k: v.to(device) for k, v in
                     pad_batch(chunk, tokenizer.pad_token_id, "left").items()}
            width = batch["input_ids"].shape[1]
            with torch.no_grad():
                out = model.generate(**batch, generation_config=gen,
                                     logits_processor=answer_processors(gen, width))
            for i, row in zip(rows, out[:, width:].tolist(), strict=True):
                answers[i] = decode_answer(row, tokenizer)
    finally:
        model.train(was_training)
    return answers


def time_inference(model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase,
                   prompts: Sequence[Sequence[int]], gen: GenerationConfig,
                   timing: Timing) -> dict[str, Any]:
    """Seconds per dialogue to answer the first dev prompts one at a time with the trial's
    decoding settings: warm-up passes, then the median of the timed passes."""
    chosen = list(prompts[: timing.samples])
    device = next(model.parameters()).device

    def once() -> int:
        generate(model, tokenizer, chosen, gen, batch_size=1)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return len(chosen)

    return base.time_inference(once, timing, len(chosen), device)


# ---------------------------------------------------------------- the inference half


class CausalPredictor(Predictor):
    """A LoRA model (or a base built from a config) with its tokenizer (left padding) and
    prompt format, generating as a trial's evaluation does: the same prompts, stop tokens,
    suppressed scripts and output cleaning."""

    def __init__(self, model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase,
                 fmt: PromptFormat, suppress: Sequence[int], hparams: Mapping[str, Any],
                 trained: bool):
        super().__init__(hparams)
        self.model, self.tokenizer, self.format = model, tokenizer, fmt
        self.suppress = list(suppress)
        self.trained = trained

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def encode(self, frame: Any) -> Encoded:
        return encode(frame, self.tokenizer, self.format, self.hparams, with_labels=False)

    def generation_config(self, decoding: Mapping[str, Any]) -> GenerationConfig:
        return generation_config({**self.hparams, **decoding}, self.tokenizer, self.format,
                                 self.suppress)

    def generate(self, encoded: Encoded, rows: Sequence[int], gen: GenerationConfig
                 ) -> list[str]:
        prompts = [encoded.prompts[i] for i in rows]
        return generate(self.model, self.tokenizer, prompts, gen, len(prompts))
