"""The seq2seq backend: an encoder-decoder (BART-style) fine-tuned with HF's Seq2SeqTrainer.

Pitfalls handled here by default: label pads are -100 (DataCollatorForSeq2Seq), the
`#...#` tags are added as non-special tokens so decoding with skip_special_tokens keeps them,
every epoch is evaluated by generating with the inference settings, and the best checkpoint
is chosen by the ROUGE objective, not the eval loss.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import (
    AutoModelForSeq2SeqLM,
    AutoTokenizer,
    BartConfig,
    BartForConditionalGeneration,
    DataCollatorForSeq2Seq,
    GenerationConfig,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
    PrinterCallback,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
    TrainerCallback,
    set_seed,
)
from transformers.utils import logging as hf_logging

from workbench import augment, metrics, objectives, paths
from workbench import data as wdata
from workbench.config import ConfigError, model_id

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0..3, BART's convention (bos, pad, eos, unk)

Reporter = Callable[[int, float], None]


class ModelUnavailable(RuntimeError):
    """A pretrained model that is neither reachable on the Hub nor in the local HF cache."""


# ---------------------------------------------------------------- tokenizer and model


def train_tokenizer(texts: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """A byte-level BPE trained on `texts`: no unknown characters, spaces round-trip exactly."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from tokenizers.trainers import BpeTrainer

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    ))
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", pad_token="<pad>", eos_token="</s>",
        unk_token="<unk>",
    )
    fast.add_tokens(wdata.model_tags(), special_tokens=False)
    return fast


def cached_tokenizer(texts: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """`train_tokenizer`, cached under outputs/cache/tokenizers keyed by the texts and size."""
    key = hashlib.sha256()
    key.update(f"{vocab_size}\0{'|'.join(wdata.model_tags())}\0".encode())
    for text in texts:
        key.update(text.encode("utf-8") + b"\0")
    folder = paths.CACHE / "tokenizers" / key.hexdigest()[:16]
    if (folder / "tokenizer.json").is_file():
        return PreTrainedTokenizerFast.from_pretrained(folder)
    tokenizer = train_tokenizer(texts, vocab_size)
    tmp = folder.with_name(folder.name + ".tmp")
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return tokenizer


def load_pretrained_tokenizer(name: str) -> PreTrainedTokenizerBase:
    """The tokenizer of a pretrained model, with the `#...#` tags added as normal tokens."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
    except OSError as exc:
        raise ModelUnavailable(unavailable_message(name, exc)) from None
    tokenizer.add_tokens(wdata.model_tags(), special_tokens=False)
    return tokenizer


def unavailable_message(name: str, exc: Exception) -> str:
    return (
        f"model {name!r} could not be loaded: it is not in the local Hugging Face cache and the "
        "Hub is unreachable (no network, or HF_HUB_OFFLINE=1). On a machine with network run "
        f"`hf download {name}` (or set model.name to a local folder holding the model), then "
        f"run again. ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
    )


def build_model(config: Mapping[str, Any], tokenizer: PreTrainedTokenizerBase) -> torch.nn.Module:
    """A fresh model for one trial: pretrained weights, or a BART built from the preset's config."""
    set_seed(config["runtime"]["seed"])
    name = model_id(config)
    if name is not None:
        try:
            model = AutoModelForSeq2SeqLM.from_pretrained(name)
        except OSError as exc:
            raise ModelUnavailable(unavailable_message(name, exc)) from None
        if model.get_input_embeddings().num_embeddings < len(tokenizer):
            model.resize_token_embeddings(len(tokenizer))
        return model
    arch = dict(config["model"]["architecture"])
    try:
        bart = BartConfig(
            vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            decoder_start_token_id=tokenizer.eos_token_id,
            forced_eos_token_id=tokenizer.eos_token_id,
            **arch,
        )
    except TypeError as exc:
        raise ConfigError(f"model.architecture: {exc}") from None
    return BartForConditionalGeneration(bart)


def generation_config(hp: Mapping[str, Any],
                      tokenizer: PreTrainedTokenizerBase) -> GenerationConfig:
    """The decoding settings of a trial; the same ones are used in evaluation and inference."""
    kwargs: dict[str, Any] = {
        "max_new_tokens": hp["max_new_tokens"],
        "min_new_tokens": hp["min_new_tokens"],
        "num_beams": hp["num_beams"],
        "repetition_penalty": hp["repetition_penalty"],
        "no_repeat_ngram_size": hp["no_repeat_ngram_size"],
        "do_sample": hp["do_sample"],
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "decoder_start_token_id": tokenizer.eos_token_id,
    }
    if hp["num_beams"] > 1:
        kwargs.update(length_penalty=hp["length_penalty"], early_stopping=True)
    if hp["do_sample"]:
        kwargs.update(temperature=hp["temperature"], top_p=hp["top_p"], top_k=hp["top_k"])
    return GenerationConfig(**kwargs)


# ---------------------------------------------------------------- data


@dataclass
class Encoded:
    """One split, tokenized for the Trainer, with what scoring needs beside it."""

    features: list[dict[str, list[int]]]
    references: list[list[str]]
    mappings: list[dict[str, str]]
    fnames: list[str]


def encode(frame: Any, tokenizer: PreTrainedTokenizerBase, hp: Mapping[str, Any],
           with_labels: bool = True) -> Encoded:
    """Preprocess (noise level, person tokens) and tokenize a split for one trial."""
    prepared = wdata.prepare(frame, hp["noise_removal_level"], hp["person_token_strategy"])
    enc = tokenizer(list(prepared.sources), max_length=hp["max_input_length"], truncation=True)
    features = [{"input_ids": ids, "attention_mask": mask}
                for ids, mask in zip(enc["input_ids"], enc["attention_mask"], strict=True)]
    if with_labels:
        labels = tokenizer(text_target=[t or "" for t in prepared.targets],
                           max_length=hp["max_target_length"], truncation=True)["input_ids"]
        for feat, lab in zip(features, labels, strict=True):
            feat["labels"] = lab
    return Encoded(features, [list(r) for r in prepared.references], list(prepared.mappings),
                   list(prepared.fnames))


# ---------------------------------------------------------------- training


def trial_arguments(hp: Mapping[str, Any], runtime: Mapping[str, Any], outdir: Path,
                    use_cpu: bool) -> dict[str, Any]:
    """TrainingArguments both backends share: the trial's hyperparameters, an evaluation and a
    checkpoint every epoch, the best epoch by ROUGE (not eval loss), NaN losses logged as is."""
    return {
        "output_dir": str(outdir),
        "learning_rate": hp["learning_rate"],
        "per_device_train_batch_size": hp["batch_size"],
        "per_device_eval_batch_size": runtime["eval_batch_size"],
        "gradient_accumulation_steps": hp["gradient_accumulation_steps"],
        "num_train_epochs": hp["num_epochs"],
        "lr_scheduler_type": hp["scheduler_type"],
        "warmup_steps": hp["warmup_ratio"],  # a float in [0, 1) is a ratio of all steps
        "weight_decay": hp["weight_decay"],
        "label_smoothing_factor": hp["label_smoothing"],
        "max_grad_norm": hp["max_grad_norm"],
        "fp16": hp["fp16"] and not use_cpu,
        "bf16": hp["bf16"] and not use_cpu,
        "use_cpu": use_cpu,
        "eval_strategy": "epoch",
        "save_strategy": "epoch",
        "save_total_limit": 1,
        "save_only_model": True,
        "load_best_model_at_end": True,
        "metric_for_best_model": "final",
        "greater_is_better": True,
        "logging_strategy": "epoch",
        "logging_nan_inf_filter": False,
        "report_to": "none",
        "disable_tqdm": True,
        "seed": runtime["seed"],
        "data_seed": runtime["seed"],
        "dataloader_num_workers": 0,
    }


class ReportCallback(TrainerCallback):
    """Hands each epoch's ROUGE to the trial (which may prune) and stops on a NaN loss."""

    def __init__(self, report: Reporter | None, metric_key: str = "eval_final"):
        self.report = report
        self.metric_key = metric_key

    def on_log(self, args, state, control, logs=None, **kwargs):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            raise FloatingPointError(f"training loss became {loss} at step {state.global_step}")

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if self.report is not None and metrics and self.metric_key in metrics:
            self.report(round(state.epoch or 0), float(metrics[self.metric_key]))


class EpochTracker:
    """One trial's per-epoch dev scores and its best epoch (by ROUGE), shared by both backends.

    The evaluation stores its predictions in `last`; `on_epoch` (a ReportCallback target) keeps
    the best epoch's and hands the score on to the study, which may prune.
    """

    def __init__(self, report: Reporter | None):
        self.report = report
        self.history: dict[int, dict[str, float]] = {}
        self.last: list[str] = []
        self.value, self.epoch, self.predictions = -1.0, 0, []

    def on_epoch(self, epoch: int, value: float) -> None:
        self.history[epoch] = {"final": value}
        if value > self.value:
            self.value, self.epoch, self.predictions = value, epoch, list(self.last)
        if self.report is not None:
            self.report(epoch, value)

    def read_log(self, log_history: Sequence[Mapping[str, Any]]) -> None:
        """All eval metrics of each epoch from the Trainer's log (rouge1, rouge2, rougeL, ...)."""
        for entry in log_history:
            if "eval_final" in entry:
                self.history[round(entry["epoch"])] = {
                    k.removeprefix("eval_"): v for k, v in entry.items() if k.startswith("eval_")}


@dataclass
class TrialOutcome:
    """What one training run produced: per-epoch scores, the best one and its predictions."""

    value: float
    best_epoch: int
    epoch_scores: dict[int, dict[str, float]]
    predictions: list[str]
    train_seconds: float
    trainable_params: int
    extra: dict[str, Any] = field(default_factory=dict)


class Seq2SeqBackend:
    """Holds what stays fixed across trials (tokenizer, data) and trains one model per trial."""

    # Set by the study runner when inference time is an objective; None: not measured.
    timing: objectives.Timing | None = None

    def __init__(self, config: Mapping[str, Any], splits: Mapping[str, Any]):
        # Our own errors say what failed; per-step library chatter would bury the study's log.
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        if config["runtime"]["cpu_threads"]:
            torch.set_num_threads(config["runtime"]["cpu_threads"])
        self.config = config
        self.splits = splits
        self._encode_lock = threading.Lock()
        name = model_id(config)
        if name is not None:
            self.tokenizer = load_pretrained_tokenizer(name)
        else:
            train = splits["train"]
            texts = list(train["dialogue"]) + [r[0] for r in train["references"] if r]
            self.tokenizer = cached_tokenizer(texts, config["model"]["tokenizer_vocab_size"])

    def _args(self, hp: Mapping[str, Any], outdir: Path, gen: GenerationConfig):
        rt = self.config["runtime"]
        use_cpu = rt["use_cpu"] or not torch.cuda.is_available()
        return Seq2SeqTrainingArguments(**trial_arguments(hp, rt, outdir, use_cpu),
                                        predict_with_generate=True, generation_config=gen)

    def train_and_evaluate(self, hp: Mapping[str, Any], report: Reporter | None, outdir: Path,
                           save_to: Callable[[float], Path | None] | None = None) -> TrialOutcome:
        """Fine-tune a fresh model with `hp`, evaluating ROUGE on dev after every epoch.

        `save_to(value)` may name a folder: the best epoch's model and tokenizer are saved there.
        """
        import time

        tok = self.tokenizer
        with self._encode_lock:  # a fast tokenizer is not safe to share across threads (n_jobs)
            frame, augmented = augment.apply(self.splits["train"], hp, self.config)  # train only
            train = encode(frame, tok, hp)
            dev = encode(self.splits["dev"], tok, hp)
        model = build_model(self.config, tok)
        gen = generation_config(hp, tok)
        model.generation_config = gen
        obj = self.config["objective"]
        track = EpochTracker(report)

        def compute_metrics(pred) -> dict[str, float]:
            ids = np.where(pred.predictions != -100, pred.predictions, tok.pad_token_id)
            texts = tok.batch_decode(ids, skip_special_tokens=True)
            track.last = wdata.postprocess(texts, dev.mappings)
            return metrics.score(track.last, dev.references, mode=obj["metric"],
                                 tokenizer=obj["tokenizer"]).as_dict()

        trainer = Seq2SeqTrainer(
            model=model,
            args=self._args(hp, outdir, gen),
            train_dataset=train.features,
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
            destination = save_to(track.value) if save_to is not None else None
            if destination is not None:
                _save_atomically(trainer, destination)
            train_seconds = time.perf_counter() - start
            extra = {**augmented, **(time_inference(trainer.model, dev, gen, self.timing)
                                      if self.timing is not None else {})}
            return TrialOutcome(
                value=track.value, best_epoch=track.epoch, epoch_scores=track.history,
                predictions=track.predictions, train_seconds=train_seconds,
                trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
                extra=extra,
            )
        finally:
            shutil.rmtree(outdir, ignore_errors=True)


def time_inference(model: torch.nn.Module, dev: Encoded, gen: GenerationConfig,
                   timing: objectives.Timing) -> dict[str, Any]:
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

    return objectives.time_inference(once, timing, len(inputs), device)


def _save_atomically(trainer: Seq2SeqTrainer, destination: Path) -> None:
    """Save the trainer's (best) model and tokenizer, replacing `destination` in one step."""
    tmp = destination.with_name(destination.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    trainer.save_model(str(tmp))
    shutil.rmtree(destination, ignore_errors=True)
    tmp.rename(destination)
