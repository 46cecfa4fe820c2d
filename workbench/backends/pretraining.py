"""A base checkpoint for seq2seq models built from a config (the CPU presets).

A tiny BART trained from scratch on a few hundred dialogues learns the summaries' language and
ignores its input: it writes one summary for every dialogue. Real users fine-tune a model that
already summarizes (`digit82/kobart-summarization`); the CPU presets get the same start here,
once: the model is first trained as a summarizer on a larger corpus generated like the shipped
sample (`workbench.sample` with another seed; no row is a dev or test dialogue), with its own
BPE tokenizer, on HF's Seq2SeqTrainer. The result is cached under `outputs/cache/bases/` keyed
by the settings (`model.base`), the architecture and the generator's code and slot values (every
file of `workbench/sample/`), and every trial fine-tunes it as it would a pretrained model.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    DataCollatorForSeq2Seq,
    PreTrainedTokenizerBase,
    PrinterCallback,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
    TrainerCallback,
    set_seed,
)
from transformers.utils import logging as hf_logging

from workbench import data as wdata
from workbench import display, paths, sample
from workbench.backends.bpe import train_tokenizer
from workbench.config import ConfigError
from workbench.sample.build import generate_corpus

GENERATOR = Path(sample.__file__).resolve().parent  # the package the corpus comes from
FORMAT_VERSION = 2  # bump when the build changes for the same settings
INFO = "build.json"


def new_bart(arch: Mapping[str, Any], tokenizer: PreTrainedTokenizerBase) -> torch.nn.Module:
    """A BART with random weights from `model.architecture`, sized to the tokenizer."""
    try:
        config = BartConfig(
            vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            decoder_start_token_id=tokenizer.eos_token_id,
            forced_eos_token_id=tokenizer.eos_token_id, **dict(arch))
    except TypeError as exc:
        raise ConfigError(f"model.architecture: {exc}") from None
    return BartForConditionalGeneration(config)


def wanted(config: Mapping[str, Any]) -> bool:
    """Whether trials start from a cached base (a model built from a config, `model.base`)."""
    return config["model"]["name"] is None and config["model"]["base"]["corpus_rows"] > 0


def spec_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the base depends on (its cache key, with the generator's code)."""
    return {"base": dict(config["model"]["base"]),
            "architecture": dict(config["model"]["architecture"] or {}),
            "vocab_size": config["model"]["tokenizer_vocab_size"], "tags": wdata.model_tags(),
            "version": FORMAT_VERSION}


def generator_files() -> list[Path]:
    """The generator's source and data files (`*.py`, `slots/*.json`), in a stable order."""
    found = [p for p in GENERATOR.rglob("*") if p.is_file() and p.suffix in (".py", ".json")
             and "__pycache__" not in p.relative_to(GENERATOR).parts]
    return sorted(found, key=lambda p: p.relative_to(GENERATOR).as_posix())


def generator_digest() -> str:
    """A sha256 of the generator's files and their paths: any change to a scenario, a slot
    value or the assembly gives another base."""
    digest = hashlib.sha256()
    for path in generator_files():
        digest.update(path.relative_to(GENERATOR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def folder_of(config: Mapping[str, Any]) -> Path:
    key = hashlib.sha256(json.dumps(spec_of(config), sort_keys=True).encode())
    key.update(generator_digest().encode())
    return paths.cache("bases") / f"bart-{key.hexdigest()[:16]}"


def corpus(seed: int, rows: int) -> pd.DataFrame:
    """`rows` generated train-style pairs (fname, dialogue, references), never a dev/test row."""
    generated = generate_corpus(seed, rows)
    return pd.DataFrame({"fname": [r[0] for r in generated], "dialogue": [r[1] for r in generated],
                         "references": [[r[2]] for r in generated]})


def bucketed_order(lengths: list[int], batch_size: int, seed: int, window: int = 50
                   ) -> list[int]:
    """A training order with little padding and no length pattern: shuffle, sort each window
    of `window` batches by length, cut it into batches, then shuffle the batches. (HF's
    length-grouped sampler keeps each window's batches longest first, a cyclic order that
    trained this base to a clearly worse loss at its learning rate.) Fed to the Trainer as is
    (sequential sampling); a second epoch repeats it."""
    gen = torch.Generator().manual_seed(seed)
    shuffled = torch.randperm(len(lengths), generator=gen).tolist()
    batches = []
    for start in range(0, len(shuffled), batch_size * window):
        chunk = sorted(shuffled[start:start + batch_size * window], key=lengths.__getitem__)
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [i for b in torch.randperm(len(batches), generator=gen).tolist() for i in batches[b]]


class _Progress(TrainerCallback):
    """A line every `every_s` seconds or `every` steps, whichever comes first, with the latest
    loss and the time left at the pace so far: the build takes minutes and should say so."""

    def __init__(self, log: Callable[[str], None], every: int = 50, every_s: float = 15.0,
                 clock: Callable[[], float] = time.perf_counter):
        self.log, self.every, self.every_s, self.clock = log, every, every_s, clock
        self.start = self.said = clock()
        self.loss: float | None = None

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.loss = logs["loss"]

    def on_step_end(self, args, state, control, **kwargs):
        now, step, total = self.clock(), state.global_step, state.max_steps
        if step >= total or (step % self.every and now - self.said < self.every_s):
            return
        self.said = now
        spent = now - self.start
        loss = f", loss {self.loss:.3f}" if self.loss is not None else ""
        self.log(f"  base: step {step}/{total}{loss}, {spent:.0f} s, about "
                 f"{spent / step * (total - step):.0f} s left")


def cached_base(config: Mapping[str, Any], log: Callable[[str], None] = display.progress) -> Path:
    """The base folder (model, tokenizer, build.json), built on first use. Processes that ask
    at once wait for one build (a file lock) instead of each building it."""
    folder = folder_of(config)
    with paths.building(folder, INFO) as tmp:
        if tmp is not None:
            _build(config, folder, tmp, log)
    return folder


def _build(config: Mapping[str, Any], folder: Path, tmp: Path,
           log: Callable[[str], None]) -> None:
    """Train the base into `tmp` (renamed to `folder` by the caller once done)."""
    base, rt = config["model"]["base"], config["runtime"]
    hf_logging.disable_progress_bar()  # a line per 15 s or 50 steps instead (_Progress)
    log(f"building the base checkpoint once (cached in {paths.shown(folder)}): a BART trained "
        f"as a summarizer on {base['corpus_rows']} generated dialogues")
    started = time.perf_counter()
    frame = corpus(base["corpus_seed"], base["corpus_rows"])
    prepared = wdata.prepare(frame, "minimal", "keep_original")
    sources, targets = list(prepared.sources), [t or "" for t in prepared.targets]
    tokenizer = train_tokenizer(sources + targets, config["model"]["tokenizer_vocab_size"])
    enc = tokenizer(sources, max_length=base["max_input_length"], truncation=True)
    labels = tokenizer(text_target=targets, max_length=base["max_target_length"],
                       truncation=True)["input_ids"]
    features = [{"input_ids": i, "attention_mask": m, "labels": y}
                for i, m, y in zip(enc["input_ids"], enc["attention_mask"], labels, strict=True)]
    order = bucketed_order([len(f["input_ids"]) for f in features], base["batch_size"],
                           base["seed"])
    features = [features[i] for i in order]
    set_seed(base["seed"])
    model = new_bart(config["model"]["architecture"] or {}, tokenizer)
    if rt["cpu_threads"]:
        torch.set_num_threads(rt["cpu_threads"])
    args = Seq2SeqTrainingArguments(
        output_dir=str(tmp / "work"), learning_rate=base["learning_rate"],
        per_device_train_batch_size=base["batch_size"], num_train_epochs=base["epochs"],
        lr_scheduler_type="linear", warmup_steps=base["warmup_ratio"], weight_decay=0.01,
        max_grad_norm=1.0, train_sampling_strategy="sequential", save_strategy="no",
        eval_strategy="no", logging_strategy="steps", logging_steps=10, report_to="none",
        disable_tqdm=True, seed=base["seed"], data_seed=base["seed"], dataloader_num_workers=0,
        use_cpu=rt["use_cpu"] or not torch.cuda.is_available())
    trainer = Seq2SeqTrainer(
        model=model, args=args, train_dataset=features, processing_class=tokenizer,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100),
        callbacks=[_Progress(log)])
    trainer.remove_callback(PrinterCallback)
    result = trainer.train()
    shutil.rmtree(tmp / "work", ignore_errors=True)
    trainer.save_model(str(tmp))
    info = {"spec": spec_of(config), "corpus_rows": len(features),
            "mean_input_tokens": sum(len(f["input_ids"]) for f in features) / len(features),
            "train_loss": result.training_loss, "steps": result.global_step,
            "build_s": round(time.perf_counter() - started, 1)}
    (tmp / INFO).write_text(json.dumps(info, indent=1), encoding="utf-8")
    log(f"base built in {info['build_s']:.0f} s (train loss {info['train_loss']:.3f}); later "
        "runs reuse it")
