"""The seq2seq backend: an encoder-decoder (BART-style) fine-tuned with HF's Seq2SeqTrainer.

Pitfalls handled here by default: label pads are -100 (DataCollatorForSeq2Seq), the
`#...#` tags are added as non-special tokens so decoding with skip_special_tokens keeps them,
every epoch is evaluated by generating with the inference settings, and the best checkpoint
is chosen by the ROUGE objective, not the eval loss. `Seq2SeqBackend.load` gives a saved model
back as a `Seq2SeqPredictor` for generation tuning and predict.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    GenerationConfig,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
    PrinterCallback,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
    set_seed,
)
from transformers.utils import logging as hf_logging

from workbench import data as wdata
from workbench import paths
from workbench.backends import SEQ2SEQ, pretraining
from workbench.backends.base import (
    Backend,
    EpochTracker,
    Predictor,
    ReportCallback,
    Reporter,
    SaveTo,
    Timing,
    TrialOutcome,
    generation_config,
    model_device,
    trial_arguments,
    trial_seed,
)
from workbench.backends.base import time_inference as timed_inference
from workbench.backends.bpe import cached_tokenizer
from workbench.config import model_id
from workbench.hub import ModelUnavailable, unavailable_message

# ---------------------------------------------------------------- tokenizer and model


def load_pretrained_tokenizer(name: str) -> PreTrainedTokenizerBase:
    """The tokenizer of a pretrained model, with the `#...#` tags added as normal tokens."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
    except OSError as exc:
        raise ModelUnavailable(unavailable_message(name, exc)) from None
    tokenizer.add_tokens(wdata.model_tags(), special_tokens=False)
    return tokenizer


def model_source(config: Mapping[str, Any], train: Any) -> tuple[PreTrainedTokenizerBase,
                                                                 str | Path | None]:
    """The tokenizer trials use and where their weights come from: a pretrained model's name,
    the cached base of a model built from a config (`model.base`), or None (random weights,
    with a BPE trained on the train split)."""
    name = model_id(config)
    if name is not None:
        return load_pretrained_tokenizer(name), name
    if pretraining.wanted(config):
        folder = pretraining.cached_base(config)
        return PreTrainedTokenizerFast.from_pretrained(folder), folder
    texts = list(train["dialogue"]) + [r[0] for r in train["references"] if r]
    return cached_tokenizer(texts, config["model"]["tokenizer_vocab_size"]), None


def build_model(config: Mapping[str, Any], tokenizer: PreTrainedTokenizerBase,
                source: str | Path | None, seed: int | None = None) -> torch.nn.Module:
    """A fresh model for one trial: pretrained weights (a Hub name or a cached base), or a BART
    with random weights built from the preset's `model.architecture`, after seeding with
    `seed` (the trial's, `trial_seed`; None: runtime.seed)."""
    set_seed(config["runtime"]["seed"] if seed is None else seed)
    if source is None:
        return pretraining.new_bart(config["model"]["architecture"], tokenizer)
    try:
        model = AutoModelForSeq2SeqLM.from_pretrained(source)
    except OSError as exc:
        raise ModelUnavailable(unavailable_message(str(source), exc)) from None
    if model.get_input_embeddings().num_embeddings < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer))
    return model


# ---------------------------------------------------------------- data


@dataclass
class Encoded:
    """One split, tokenized for the Trainer, with what scoring needs beside it."""

    features: list[dict[str, list[int]]]
    references: list[list[str]]
    mappings: list[dict[str, str]]
    fnames: list[str]
    truncated_share: float = 0.0  # dialogues cut to max_input_length
    labels_truncated_share: float = 0.0  # reference summaries cut to max_target_length


@dataclass(frozen=True)
class Framing:
    """How the model wants its sequences framed, whatever its tokenizer adds by itself.

    The encoder input is `[bos] + text + [eos]` (BART's pretraining framing; KoBART's model
    card adds both by hand because its tokenizer adds neither). Labels always end with EOS, or
    the model never learns to stop and every summary runs to max_new_tokens; they start with
    bos only when the tokenizer puts one in front of a text (BART's own tokenizers, the BPE of
    a model built from a config), as the model was trained to expect.
    """

    bos: int
    eos: int
    label_bos: bool

    @classmethod
    def of(cls, tokenizer: PreTrainedTokenizerBase) -> Framing:
        bos, eos = tokenizer.bos_token_id, tokenizer.eos_token_id
        if bos is None or eos is None:
            raise ValueError(f"{type(tokenizer).__name__}: a seq2seq tokenizer needs a bos and "
                             f"an eos token (bos {tokenizer.bos_token!r}, eos "
                             f"{tokenizer.eos_token!r})")
        probe = tokenizer(text_target="가")["input_ids"]
        return cls(bos, eos, bool(probe) and probe[0] == bos)

    def source(self, ids: list[int], limit: int) -> list[int]:
        return [self.bos, *ids[: max(limit - 2, 0)], self.eos]

    def target(self, ids: list[int], limit: int) -> list[int]:
        lead = [self.bos] if self.label_bos else []
        return [*lead, *ids[: max(limit - len(lead) - 1, 0)], self.eos]

    def source_room(self, limit: int) -> int:
        """Text tokens an encoder input of `limit` tokens holds."""
        return limit - 2

    def target_room(self, limit: int) -> int:
        return limit - 1 - int(self.label_bos)


def _ids(tokenizer: PreTrainedTokenizerBase, texts: list[str]) -> list[list[int]]:
    """Token ids of texts with nothing added (framing is `Framing`'s)."""
    return tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []


def _cut_share(ids: list[list[int]], room: int) -> float:
    """The share of texts longer than `room` tokens, i.e. cut."""
    return round(sum(len(i) > room for i in ids) / len(ids), 4) if ids else 0.0


def encode(frame: Any, tokenizer: PreTrainedTokenizerBase, hp: Mapping[str, Any],
           with_labels: bool = True) -> Encoded:
    """Preprocess (noise level, person tokens) and tokenize a split for one trial: encoder
    inputs framed `[bos] text [eos]`, labels ending with EOS (`Framing`). Only input_ids and
    attention_mask reach the model (never a tokenizer's token_type_ids, which BART refuses)."""
    prepared = wdata.prepare(frame, hp["noise_removal_level"], hp["person_token_strategy"])
    framing = Framing.of(tokenizer)
    limit = hp["max_input_length"]
    sources = _ids(tokenizer, list(prepared.sources))
    features = [{"input_ids": (ids := framing.source(s, limit)), "attention_mask": [1] * len(ids)}
                for s in sources]
    out = Encoded(features, [list(r) for r in prepared.references], list(prepared.mappings),
                  list(prepared.fnames),
                  truncated_share=_cut_share(sources, framing.source_room(limit)))
    if with_labels:
        targets = _ids(tokenizer, [t or "" for t in prepared.targets])
        cap = hp["max_target_length"]
        for feat, target in zip(features, targets, strict=True):
            feat["labels"] = framing.target(target, cap)
        out.labels_truncated_share = _cut_share(targets, framing.target_room(cap))
    return out


# ---------------------------------------------------------------- training


class Seq2SeqPredictor(Predictor):
    """A seq2seq model and its tokenizer, generating as a trial's evaluation does."""

    def __init__(self, model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase,
                 hparams: Mapping[str, Any], trained: bool):
        super().__init__(hparams)
        self.model, self.tokenizer, self.trained = model, tokenizer, trained

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def encode(self, frame: Any) -> Encoded:
        return encode(frame, self.tokenizer, self.hparams, with_labels=False)

    def generation_config(self, decoding: Mapping[str, Any]) -> GenerationConfig:
        return generation_config({**self.hparams, **decoding}, self.tokenizer)

    def generate(self, encoded: Encoded, rows: Sequence[int], gen: GenerationConfig
                 ) -> list[str]:
        chunk = [encoded.features[i] for i in rows]
        batch = self.tokenizer.pad(chunk, return_tensors="pt").to(self.device)
        with torch.inference_mode():
            out = self.model.generate(**batch, generation_config=gen)
        return self.tokenizer.batch_decode(out, skip_special_tokens=True)


class Seq2SeqBackend(Backend):
    """Holds what stays fixed across trials (tokenizer, dev split) and trains one model per
    trial; `load` gives a saved model (or the preset's own) back for inference."""

    traits = SEQ2SEQ

    def __init__(self, config: Mapping[str, Any], splits: Mapping[str, Any]):
        super().__init__(config, splits)
        # Our own errors say what failed; per-step library chatter would bury the study's log.
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        if config["runtime"]["cpu_threads"]:
            torch.set_num_threads(config["runtime"]["cpu_threads"])
        self.tokenizer, self.source = model_source(config, splits["train"])

    @classmethod
    def load(cls, config: Mapping[str, Any], hparams: Mapping[str, Any],
             model_dir: Path | None, device: Any, train: Any = None) -> Seq2SeqPredictor:
        """The model saved in `model_dir` with its tokenizer (None: the preset's own, built as
        a trial's would be, its tokenizer trained on `train` when built from a config)."""
        if model_dir is not None:
            tokenizer = AutoTokenizer.from_pretrained(model_dir)
            model = AutoModelForSeq2SeqLM.from_pretrained(model_dir)
        else:
            tokenizer, source = model_source(config, train)
            model = build_model(config, tokenizer, source)
        model.to(device)
        model.eval()
        trained = (model_dir is not None or model_id(config) is not None
                   or pretraining.wanted(config))
        return Seq2SeqPredictor(model, tokenizer, hparams, trained)

    def _args(self, hp: Mapping[str, Any], outdir: Path, gen: GenerationConfig):
        rt = self.config["runtime"]
        use_cpu = rt["use_cpu"] or not torch.cuda.is_available()
        return Seq2SeqTrainingArguments(**trial_arguments(hp, rt, outdir, use_cpu),
                                        predict_with_generate=True, generation_config=gen)

    def train_and_evaluate(self, hp: Mapping[str, Any], train: Any, report: Reporter | None,
                           outdir: Path, save_to: SaveTo | None = None) -> TrialOutcome:
        """Fine-tune a fresh model with `hp` on `train`, evaluating ROUGE on dev every epoch.

        `save_to(value)` may name a folder: the best epoch's model and tokenizer are saved there.
        """
        tok = self.tokenizer
        with self._encode_lock:
            train_set = encode(train, tok, hp)
            dev = encode(self.splits["dev"], tok, hp)
        model = build_model(self.config, tok, self.source, trial_seed(hp, self.config["runtime"]))
        gen = generation_config(hp, tok)
        model.generation_config = gen
        track = EpochTracker(report, dev.references, self.config)

        def compute_metrics(pred) -> dict[str, float]:
            ids = np.where(pred.predictions != -100, pred.predictions, tok.pad_token_id)
            texts = tok.batch_decode(ids, skip_special_tokens=True)
            return track.evaluate(wdata.postprocess(texts, dev.mappings))

        trainer = Seq2SeqTrainer(
            model=model,
            args=self._args(hp, outdir, gen),
            train_dataset=train_set.features,
            eval_dataset=dev.features,
            data_collator=DataCollatorForSeq2Seq(tok, model=model, label_pad_token_id=-100),
            processing_class=tok,
            compute_metrics=compute_metrics,
            callbacks=[ReportCallback(track.on_epoch)],
        )
        trainer.remove_callback(PrinterCallback)  # the study prints one line per trial instead
        start = time.perf_counter()
        try:
            trainer.train()
            track.read_log(trainer.state.log_history)
            healthy = save_to is not None and track.healthy  # a degenerate model is never kept
            destination = save_to(track.value) if healthy else None
            if destination is not None:
                _save_atomically(trainer, destination)
            train_seconds = time.perf_counter() - start
            timed = (time_inference(trainer.model, dev, gen, self.timing)
                     if self.timing is not None else {})
            extra = {**track.outcome_extra(), **timed,  # cuts are counted, never silent
                     "device": model_device(trainer.model),
                     "truncated_share": train_set.truncated_share,
                     "dev_truncated_share": dev.truncated_share,
                     "labels_truncated_share": train_set.labels_truncated_share}
            return TrialOutcome(
                value=track.value, best_epoch=track.epoch, epoch_scores=track.history,
                predictions=track.predictions, train_seconds=train_seconds,
                trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
                extra=extra,
            )
        finally:
            shutil.rmtree(outdir, ignore_errors=True)


def time_inference(model: torch.nn.Module, dev: Encoded, gen: GenerationConfig,
                   timing: Timing) -> dict[str, Any]:
    """Seconds per dialogue to summarize the first dev dialogues one at a time (batch 1) with
    the trial's decoding settings: warm-up passes, then the median of the timed passes."""
    device = next(model.parameters()).device
    feats = dev.features[: timing.samples]
    inputs = [(torch.tensor([f["input_ids"]], device=device),
               torch.tensor([f["attention_mask"]], device=device)) for f in feats]
    model.eval()

    def once() -> int:
        with torch.inference_mode():
            for ids, mask in inputs:
                model.generate(input_ids=ids, attention_mask=mask, generation_config=gen)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return len(inputs)

    return timed_inference(once, timing, len(inputs), device)


def _save_atomically(trainer: Seq2SeqTrainer, destination: Path) -> None:
    """Save the trainer's (best) model and tokenizer, replacing `destination` in one step."""
    with paths.replacing(destination) as tmp:
        trainer.save_model(str(tmp))
