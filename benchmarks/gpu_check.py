"""The GPU check (issue 18): the LLM presets' memory, speed and failure handling at full size.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.gpu_check          # CUDA (make gpu-check)
    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.gpu_check --tiny   # CPU dry run

Nothing is downloaded. Every model is built with random weights from a config (the llama and
qwen presets' `llm.model_config`, KoBART-base's shape below), saved once to a temporary folder
beside a BPE tokenizer trained on the shipped sample, and the presets load it by path
(`model.name`), so trials run the workbench's own code. Memory and speed do not depend on the
weights' values or on the tokenizer: the models keep their full vocabularies and every batch is
full length (the dialogues are long enough to be cut to `max_input_length`).

Four parts, each printed as one Markdown table and written to `outputs/gpu-check/<date>/`
(`<part>.md`, all of them in `report.md`, raw figures in `results.json`):

1. memory: the memory model's estimate against `torch.cuda.max_memory_allocated` for llama and
   qwen, 4-bit / 8-bit / none x batch 1, 4, 8 x checkpointing on / off, two full-length LoRA
   steps each (one model load per preset and quantization); a case the model says cannot fit on
   the card is skipped. Goals: every estimate within +-15 %, and no feasible case out of memory.
2. speed: one training step through the trial path (`train_and_evaluate`) against a minimal
   hand-written HF Trainer + peft loop with the same settings: llama shape, 4-bit, batch 8,
   1024 + 200 tokens; and a KoBART-shape seq2seq step in fp16. Goal: <= 1.1x the plain loop.
3. hygiene: a study of 4 one-epoch trials whose 2nd has an absurd batch (32 x 1224 tokens,
   without checkpointing): it fails with an out-of-memory reason, the study goes on, and the
   memory allocated at the start of trials 1, 3 and 4 is the same within 1 %.
4. decode: tokens/s of a full-size random-init llama (4-bit + LoRA, as evaluation sees it) per
   decoding setting, one dialogue at a time and in a batch, with the peak memory.

`--tiny` runs the same code on the CPU with the tiny-llama, tiny-qwen and tiny-bart presets'
models at short lengths. It proves the code path and measures nothing a GPU would: memory
cells read "dry run", times are a tiny model's on the CPU, and no goal is judged. `--budget-s`
bounds the parts (default 480 s: one 10-minute call with room for imports and a case that
overruns); cases that do not fit are listed as not run, and `--parts` reruns a part on its own.

`--pack-site FILE` writes, from this environment, the packages a bare CUDA machine without
network lacks (see `CARRIED`) as one .tar.gz to unpack onto its PYTHONPATH (docs/gpu-check.md).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import math
import statistics
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from benchmarks.common import machine, rss_mb
from benchmarks.memory_check import train_steps
from workbench import backends, memory, paths, validate
from workbench import config as wconfig
from workbench import data as wdata
from workbench.backends import bpe, causal
from workbench.study import execution

GPU_CHECK_DIR = paths.OUTPUTS / "gpu-check"
PARTS = ("memory", "speed", "hygiene", "decode")
# Each part's share of the time left when it starts (the last part takes what is left).
SHARES = {"memory": 0.5, "speed": 0.45, "hygiene": 0.5, "decode": 1.0}
QUANTIZATIONS = ("4bit", "8bit", "none")
# KoBART-base's published config.json (digit82/kobart-summarization keeps it): a BART of 124M
# parameters with a 30,000-token vocabulary.
KOBART_SHAPE = {"vocab_size": 30000, "d_model": 768, "encoder_layers": 6, "decoder_layers": 6,
                "encoder_attention_heads": 16, "decoder_attention_heads": 16,
                "encoder_ffn_dim": 3072, "decoder_ffn_dim": 3072,
                "max_position_embeddings": 1026}
# A full preset's tokenizer is its model's own; the BPE standing in for it borrows the chat
# template of the tiny preset of the same family.
CHAT_TEMPLATES = {"llama": "tiny-llama", "qwen3": "tiny-qwen"}
# Trial 2 of the hygiene study gets the absurd batch; the four learning rates keep the four
# configs distinct (the study never trains one config twice).
HYGIENE_LRS = (1e-4, 2e-4, 3e-4, 4e-4)
DECODINGS: dict[str, dict[str, Any]] = {
    "greedy": {"num_beams": 1, "do_sample": False, "repetition_penalty": 1.0,
               "no_repeat_ngram_size": 0},
    "sampling (top-p 0.9, T 0.7)": {"num_beams": 1, "do_sample": True, "temperature": 0.7,
                                    "top_p": 0.9, "top_k": 50, "repetition_penalty": 1.0,
                                    "no_repeat_ngram_size": 0},
    "beams 4": {"num_beams": 4, "do_sample": False, "repetition_penalty": 1.0,
                "no_repeat_ngram_size": 0},
    "preset (beams 4, rep. 1.1, no-repeat 3)": {"num_beams": 4, "do_sample": False,
                                               "repetition_penalty": 1.1,
                                               "no_repeat_ngram_size": 3},
}


@dataclass(frozen=True)
class Mode:
    """What a run builds and measures: full size on CUDA, or the tiny presets on the CPU."""

    name: str
    causal: tuple[str, ...]  # the LLM presets (memory; the first one for speed, hygiene, decode)
    seq2seq: str
    seq2seq_shape: Mapping[str, Any] | None  # None: the preset's model.architecture
    batches: tuple[int, ...]  # the memory grid's batch sizes
    speed_batch: int
    speed_steps: int  # steps timed per path; the first is a warm-up
    hygiene_batches: tuple[int, ...]  # one per trial: the second is the absurd one
    hygiene_rows: int  # train rows of the hygiene study (the absurd batch takes them all)
    decode_tokens: int  # new tokens per dialogue, every dialogue (min_new_tokens = max)
    decode_batches: tuple[int, ...]  # one dialogue at a time, and a predict-style batch
    overrides: Mapping[str, Any] = field(default_factory=dict)  # on top of every preset

    @property
    def dry_run(self) -> bool:
        return self.name == "tiny"


FULL = Mode("full", ("llama", "qwen"), "kobart", KOBART_SHAPE, batches=(1, 4, 8),
            speed_batch=8, speed_steps=8, hygiene_batches=(4, 32, 4, 4), hygiene_rows=32,
            decode_tokens=150, decode_batches=(1, 8))
TINY = Mode("tiny", ("tiny-llama", "tiny-qwen"), "tiny-bart", None, batches=(1, 2),
            speed_batch=2, speed_steps=4, hygiene_batches=(4, 32, 4, 4), hygiene_rows=32,
            decode_tokens=6, decode_batches=(1, 2),
            overrides={"hparams.max_input_length": 96, "hparams.max_target_length": 24,
                       "runtime.cpu_threads": 1,
                       # as the llama and qwen presets: the speed part's Trainers checkpoint
                       "llm.gradient_checkpointing": True})
# What every part's configs share: one short epoch, one step per batch, a short greedy dev
# evaluation scored on whitespace tokens (no morphological analyser needed on the GPU box).
COMMON = {"hparams.num_epochs": 1, "hparams.gradient_accumulation_steps": 1,
          "hparams.num_beams": 1, "hparams.max_new_tokens": 8, "hparams.min_new_tokens": 1,
          "objective.metric": "baseline", "runtime.eval_batch_size": 8}
DRY = "dry run"
# Distributions a CUDA image with torch, transformers' dependencies, accelerate and pandas may
# lack or hold at other versions, carried from this environment by `--pack-site`: all pure
# Python but bitsandbytes, whose CUDA 13 libraries are loaded by path (ctypes).
CARRIED = ("transformers", "peft", "bitsandbytes", "optuna", "alembic", "mako", "sqlalchemy",
           "colorlog", "rouge")


# --------------------------------------------------------------------------- measuring


class Meter:
    """Memory and clocks of the device the check runs on; memory is None on the CPU."""

    def __init__(self, device: torch.device):
        self.device = device
        self.cuda = device.type == "cuda"

    def sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()

    def reset_peak(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()

    def peak_gib(self) -> float | None:
        return torch.cuda.max_memory_allocated() / memory.GIB if self.cuda else None

    def allocated_gib(self) -> float | None:
        return torch.cuda.memory_allocated() / memory.GIB if self.cuda else None

    def capacity_gib(self) -> float | None:
        if not self.cuda:
            return None
        return torch.cuda.get_device_properties(self.device).total_memory / memory.GIB

    def free(self) -> None:
        """What the study runs after every trial (gc, the CUDA cache, the C heap)."""
        execution.free_memory()


@contextlib.contextmanager
def step_clock(kind: type, meter: Meter) -> Iterator[list[float]]:
    """Times at which a `kind` module's forward starts: one per training step of a loop that
    trains a `kind` (the model the Trainer calls), whoever built the loop. A global hook, so
    the trial path is timed without changing it; evaluation's generation comes after."""
    stamps: list[float] = []

    def hook(module: torch.nn.Module, _args: Any) -> None:
        if isinstance(module, kind):
            meter.sync()
            stamps.append(time.perf_counter())

    handle = torch.nn.modules.module.register_module_forward_pre_hook(hook)
    try:
        yield stamps
    finally:
        handle.remove()


def step_seconds(stamps: Sequence[float], steps: int) -> list[float]:
    """Seconds of each training step after the first (a warm-up), from the forward starts."""
    starts = list(stamps[:steps])
    return [b - a for a, b in zip(starts[1:-1], starts[2:], strict=True)]


def is_oom(exc: BaseException) -> bool:
    """An out-of-memory error, as the study's failure reason names it (some kernels raise a
    plain RuntimeError saying so)."""
    return isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower()


def short(exc: BaseException) -> str:
    """An error in one line, for a table cell."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:160]


# --------------------------------------------------------------------------- models and data


def long_rows(train: pd.DataFrame, n: int, offset: int = 0, per_row: int = 12) -> pd.DataFrame:
    """`n` rows whose dialogue is `per_row` sample dialogues in a row and whose summary is their
    references: longer than any length budget, so every encoded sample is full length."""
    size = len(train)
    rows = []
    for i in range(n):
        picks = [(offset + i * per_row + j) % size for j in range(per_row)]
        rows.append({"fname": f"long_{offset + i}",
                     "dialogue": "\n".join(train["dialogue"][p] for p in picks),
                     "references": [" ".join(train["references"][p][0] for p in picks)],
                     "topic": ""})
    return pd.DataFrame(rows)


@dataclass
class Built:
    """A preset whose model was built with random weights and saved to `folder`."""

    preset: str
    config: dict[str, Any]  # resolved, model.name = folder
    overrides: dict[str, Any]
    folder: Path
    model_config: Any  # the HF config the memory model reads

    @property
    def hp(self) -> dict[str, Any]:
        return dict(self.config["hparams"])

    def resolve(self, more: Mapping[str, Any]) -> dict[str, Any]:
        """This preset's config with more overrides, checked as every entry point checks it."""
        return validate.resolve(self.preset, {**self.overrides, **more})


def stand_in_tokenizer(config: Mapping[str, Any], texts: Sequence[str]) -> Any:
    """A BPE trained on the sample standing in for the model's own tokenizer; a causal model's
    gets the chat template and markers of the tiny preset of its family."""
    tokenizer = bpe.train_tokenizer(texts, config["model"]["tokenizer_vocab_size"])
    if config["model"]["backend"] == "causal":
        model_type = memory.model_config_of(config).model_type
        llm = wconfig.resolve(CHAT_TEMPLATES[model_type])["llm"]
        tokenizer.add_special_tokens(
            {"additional_special_tokens": list(llm["chat_special_tokens"])})
        tokenizer.chat_template = llm["chat_template"]
    return tokenizer


class Rig:
    """Builds each preset's random-weight model once, on first use, in a temporary folder."""

    def __init__(self, mode: Mode, device: torch.device, work: Path):
        self.mode = mode
        self.device = device
        self.work = work
        sample = validate.resolve(mode.seq2seq)
        whole = {**sample, "data": {**sample["data"], "max_train_samples": None,
                                    "max_dev_samples": None}}
        self.sample = wdata.load_splits(whole)["train"]
        self.texts = list(self.sample["dialogue"]) + [r[0] for r in self.sample["references"]]
        self._built: dict[str, Built] = {}

    def splits(self, train_rows: int, dev_rows: int = 1) -> dict[str, pd.DataFrame]:
        return {"train": long_rows(self.sample, train_rows),
                "dev": long_rows(self.sample, dev_rows, offset=train_rows)}

    def get(self, preset: str) -> Built:
        if preset not in self._built:
            self._built[preset] = self._build(preset)
        return self._built[preset]

    def _build(self, preset: str) -> Built:
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, BartConfig

        plain = wconfig.resolve(preset, {**self.mode.overrides, **COMMON})  # model not needed
        folder = self.work / f"base-{preset}"
        tokenizer = stand_in_tokenizer(plain, self.texts)
        ids = {"bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
               "pad_token_id": tokenizer.pad_token_id}
        if plain["model"]["backend"] == "causal":
            model_config = memory.model_config_of(plain)
            model_config.vocab_size = max(model_config.vocab_size, len(tokenizer))
            for key, value in ids.items():
                setattr(model_config, key, value)
            dtype = causal.weights_dtype(plain["hparams"], self.device)
            with torch.device(self.device):  # random init on the GPU: seconds for billions
                model = AutoModelForCausalLM.from_config(model_config, dtype=dtype)
        else:
            shape = dict(self.mode.seq2seq_shape or plain["model"]["architecture"])
            shape["vocab_size"] = max(shape.get("vocab_size", 0), len(tokenizer))
            model_config = BartConfig(**shape, **ids,
                                      decoder_start_token_id=tokenizer.eos_token_id,
                                      forced_eos_token_id=tokenizer.eos_token_id)
            with torch.device(self.device):  # fp32 master weights, as a pretrained KoBART
                model = AutoModelForSeq2SeqLM.from_config(model_config)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        del model
        Meter(self.device).free()
        overrides = {**self.mode.overrides, **COMMON, "model.name": str(folder)}
        return Built(preset, validate.resolve(preset, overrides), overrides, folder,
                     model_config)


# --------------------------------------------------------------------------- tables


@dataclass
class Part:
    """One part's table (computed first, drawn by `markdown`) and its raw rows."""

    name: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def markdown(self) -> str:
        lines = [f"## {self.title}", ""]
        lines += [f"{note}  " for note in self.notes]
        if self.notes:
            lines.append("")
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "---|" * len(self.columns))
        for row in self.rows:
            lines.append("| " + " | ".join(_cell(row.get(c)) for c in self.columns) + " |")
        return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def _gib(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _goal(ok: bool | None, mode: Mode) -> str:
    if mode.dry_run:
        return "not judged (dry run)"
    return "-" if ok is None else ("met" if ok else "MISSED")


# --------------------------------------------------------------------------- 1 memory


def set_checkpointing(model: torch.nn.Module, on: bool) -> None:
    """Activation checkpointing as the trial's Trainer sets it (non-reentrant), or off."""
    inner = model.get_base_model()
    if on:
        inner.activation_checkpointing_enable(
            activation_checkpointing_kwargs={"use_reentrant": False})
    else:
        inner.activation_checkpointing_disable()


def trial_model(built: Built, hp: Mapping[str, Any], device: torch.device,
                tokenizer: Any = None) -> torch.nn.Module:
    """A trial's LoRA model (`causal.build_model`) on `device`: bitsandbytes places a quantized
    base there itself; an unquantized one is moved, as the Trainer moves it."""
    model = causal.build_model(built.folder, hp, built.config["llm"], device, tokenizer,
                               built.preset, built.config["runtime"]["seed"])
    return model if hp["quantization"] != "none" else model.to(device)


def memory_part(mode: Mode, rig: Rig, meter: Meter, deadline: float) -> Part:
    """Estimated vs measured peak of two full-length LoRA steps, per preset and setting."""
    part = Part("memory", "1. Memory model: estimated vs measured peak (two LoRA steps)",
                ["preset", "quantization", "batch", "checkpointing", "estimated GiB",
                 "measured GiB", "estimate / measured", "within +-15 %"])
    capacity = meter.capacity_gib()
    part.notes.append(f"Sequences: max_input_length + max_target_length tokens, full length; "
                      f"card: {_gib(capacity)} GiB (torch.cuda.max_memory_allocated, peak "
                      f"reset after loading).")
    cases = [(ckpt, batch) for ckpt in (True, False) for batch in mode.batches]
    for quant in QUANTIZATIONS:
        for preset in mode.causal:
            built = rig.get(preset)
            rows = []
            for ckpt, batch in cases:
                cfg = {**built.config, "llm": {**built.config["llm"],
                                               "gradient_checkpointing": ckpt}}
                hp = {**built.hp, "quantization": quant, "batch_size": batch}
                est = memory.estimate(cfg, hp, model_config=built.model_config)
                rows.append({"preset": preset, "quantization": quant, "batch": batch,
                             "checkpointing": "on" if ckpt else "off",
                             "estimated GiB": round(est.peak_gib, 2), "_hp": hp, "_gc": ckpt,
                             "_est": est.peak_gib,
                             "_fits": capacity is None or est.peak_gib <= capacity})
            if time.monotonic() > deadline:
                for row in rows:
                    row["measured GiB"] = "not run (time budget)"
                part.rows += rows
                continue
            try:
                model = trial_model(built, {**built.hp, "quantization": quant}, meter.device)
            except Exception as exc:  # one setting that cannot load leaves the others to run
                traceback.print_exc()
                for row in rows:
                    row["measured GiB"] = f"error loading: {short(exc)}"
                part.rows += rows
                meter.free()
                continue
            try:
                for row in rows:
                    _measure_case(row, model, built, meter, deadline, mode)
            finally:
                del model
                meter.free()
            part.rows += rows
    for row in part.rows:
        for key in ("_hp", "_gc", "_fits", "_est"):
            row.pop(key, None)
    return part


def _measure_case(row: dict[str, Any], model: torch.nn.Module, built: Built, meter: Meter,
                  deadline: float, mode: Mode) -> None:
    if not row["_fits"]:
        row["measured GiB"] = "skipped: estimate above the card"
        return
    if time.monotonic() > deadline:
        row["measured GiB"] = "not run (time budget)"
        return
    set_checkpointing(model, row["_gc"])
    meter.reset_peak()
    failure = None
    oom = False
    try:
        train_steps(model, row["_hp"], built.model_config.vocab_size, meter.device)
    except Exception as exc:  # recorded in the row; the grid goes on
        oom = is_oom(exc)
        failure = short(exc)
        if not oom:
            traceback.print_exc()
    model.zero_grad(set_to_none=True)
    meter.free()
    if failure is not None:
        row["measured GiB"] = "OOM" if oom else f"error: {failure}"
        if oom:
            row["within +-15 %"] = "MISSED (feasible, ran out of memory)"
        row["error"] = failure
        return
    if mode.dry_run:
        row["measured GiB"] = DRY
        row["within +-15 %"] = _goal(None, mode)
        return
    peak = meter.peak_gib()
    ratio = row["_est"] / peak
    row["measured GiB"] = round(peak, 2)
    row["estimate / measured"] = round(ratio, 3)
    row["within +-15 %"] = _goal(0.85 <= ratio <= 1.15, mode)


# --------------------------------------------------------------------------- 2 speed


def _plain_arguments(hp: Mapping[str, Any], outdir: Path, on_cuda: bool, **more: Any) -> Any:
    """The plain loops' TrainingArguments: one epoch of the trial's optimizer settings, fp16 on
    CUDA when hp says so, no logging, saving or bars; `more` adds or overrides."""
    from transformers import TrainingArguments

    return TrainingArguments(**{
        "output_dir": str(outdir), "per_device_train_batch_size": hp["batch_size"],
        "num_train_epochs": 1, "learning_rate": hp["learning_rate"],
        "lr_scheduler_type": hp["scheduler_type"], "warmup_steps": hp["warmup_ratio"],
        "weight_decay": hp["weight_decay"], "max_grad_norm": hp["max_grad_norm"],
        "fp16": hp["fp16"] and on_cuda, "use_cpu": not on_cuda, "logging_strategy": "no",
        "save_strategy": "no", "report_to": "none", "disable_tqdm": True, **more})


def _plain_causal(built: Built, hp: Mapping[str, Any], steps: int, meter: Meter,
                  outdir: Path) -> list[float]:
    """A minimal hand-written QLoRA loop: bitsandbytes 4-bit base, peft LoRA, HF Trainer."""
    from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
    from transformers import (
        AutoModelForCausalLM,
        BitsAndBytesConfig,
        PrinterCallback,
        Trainer,
        default_data_collator,
    )

    llm, on_cuda = built.config["llm"], meter.cuda
    compute = {"bfloat16": torch.bfloat16, "float16": torch.float16}.get(llm["compute_dtype"],
                                                                        torch.float32)
    half = (torch.bfloat16 if hp["bf16"] else torch.float16 if hp["fp16"] else torch.float32) \
        if on_cuda else torch.float32
    model = AutoModelForCausalLM.from_pretrained(
        built.folder, dtype=half, device_map={"": 0 if on_cuda else "cpu"},
        quantization_config=BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type=llm["quant_type"],
            bnb_4bit_use_double_quant=llm["double_quant"], bnb_4bit_compute_dtype=compute))
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    model = get_peft_model(model, LoraConfig(
        r=hp["lora_r"], lora_alpha=hp["lora_alpha"], lora_dropout=hp["lora_dropout"],
        target_modules=list(llm["target_modules"]), task_type="CAUSAL_LM"))
    prompt, answer = hp["max_input_length"], hp["max_target_length"]
    generator = torch.Generator().manual_seed(0)
    rows = []
    for _ in range(steps * hp["batch_size"]):
        ids = torch.randint(4, 1000, (prompt + answer,), generator=generator).tolist()
        rows.append({"input_ids": ids, "attention_mask": [1] * len(ids),
                     "labels": [-100] * prompt + ids[prompt:]})
    args = _plain_arguments(hp, outdir, on_cuda, bf16=hp["bf16"] and on_cuda,
                            activation_checkpointing=llm["gradient_checkpointing"],
                            activation_checkpointing_kwargs={"use_reentrant": False})
    trainer = Trainer(model=model, args=args, train_dataset=rows,
                      data_collator=default_data_collator)
    trainer.remove_callback(PrinterCallback)
    try:
        with step_clock(PeftModel, meter) as stamps:
            trainer.train()
        return step_seconds(stamps, steps)
    finally:
        del trainer, model
        meter.free()


def _plain_seq2seq(built: Built, hp: Mapping[str, Any], steps: int, meter: Meter,
                   outdir: Path) -> list[float]:
    """A minimal hand-written seq2seq loop: the model, its collator, HF Trainer, fp16."""
    from transformers import (
        AutoModelForSeq2SeqLM,
        AutoTokenizer,
        DataCollatorForSeq2Seq,
        PrinterCallback,
        Trainer,
    )

    on_cuda = meter.cuda
    tokenizer = AutoTokenizer.from_pretrained(built.folder)
    model = AutoModelForSeq2SeqLM.from_pretrained(built.folder)
    generator = torch.Generator().manual_seed(0)
    rows = [{"input_ids": torch.randint(4, 1000, (hp["max_input_length"],),
                                        generator=generator).tolist(),
             "labels": torch.randint(4, 1000, (hp["max_target_length"],),
                                     generator=generator).tolist()}
            for _ in range(steps * hp["batch_size"])]
    for row in rows:
        row["attention_mask"] = [1] * len(row["input_ids"])
    args = _plain_arguments(hp, outdir, on_cuda)
    trainer = Trainer(model=model, args=args, train_dataset=rows,
                      data_collator=DataCollatorForSeq2Seq(tokenizer, model=model))
    trainer.remove_callback(PrinterCallback)
    try:
        with step_clock(type(model), meter) as stamps:
            trainer.train()
        return step_seconds(stamps, steps)
    finally:
        del trainer, model
        meter.free()


def _workbench_step(built: Built, more: Mapping[str, Any], rig: Rig, steps: int, meter: Meter,
                    outdir: Path, kind: type | None) -> tuple[list[float], dict[str, Any]]:
    """Step seconds of one trial through the backend's `train_and_evaluate`, as a study runs
    it: `steps` batches in one epoch, then the epoch's dev evaluation (not timed)."""
    config = built.resolve(more)
    hp = config["hparams"]
    splits = rig.splits(steps * hp["batch_size"])
    backend = backends.make_backend(config, splits)
    if kind is None:
        from peft import PeftModel as kind
    try:
        with step_clock(kind, meter) as stamps:
            backend.train_and_evaluate(hp, splits["train"], None, outdir)
        return step_seconds(stamps, steps), hp
    finally:
        del backend
        meter.free()


def speed_part(mode: Mode, rig: Rig, meter: Meter, deadline: float, work: Path) -> Part:
    """One training step: the workbench's trial path against a plain HF Trainer loop."""
    from transformers import BartForConditionalGeneration

    part = Part("speed", "2. Speed: one training step, workbench trial path vs a plain loop",
                ["model", "setting", "path", "step s (median)", "min-max s", "steps timed",
                 "tokens/s", "workbench / plain", "goal <= 1.1x"])
    llm_preset = mode.causal[0]
    llm = rig.get(llm_preset)
    cases: list[tuple[str, str, Built, dict[str, Any], Callable[..., list[float]],
                      type | None]] = [
        (f"{llm_preset} (random init)", "4-bit QLoRA", llm,
         {"hparams.quantization": "4bit", "hparams.batch_size": mode.speed_batch},
         _plain_causal, None),
        (f"{mode.seq2seq} shape (random init)", "full fine-tuning",
         rig.get(mode.seq2seq), {"hparams.fp16": True, "hparams.batch_size": mode.speed_batch},
         _plain_seq2seq, BartForConditionalGeneration),
    ]
    part.notes.append("Median seconds per optimizer step over the steps after the first, "
                      "timed from one forward start to the next (CUDA synchronized); one "
                      "micro-batch per step; the same batch shapes on both paths.")
    for model_name, setting, built, more, plain, kind in cases:
        if time.monotonic() > deadline:
            part.rows.append({"model": model_name, "setting": setting,
                              "path": "not run (time budget)"})
            continue
        try:
            wb, hp = _workbench_step(built, more, rig, mode.speed_steps, meter,
                                     work / f"wb-{built.preset}", kind)
            pl = plain(built, hp, mode.speed_steps, meter, work / f"plain-{built.preset}")
        except Exception as exc:  # recorded; the other model still runs
            traceback.print_exc()
            meter.free()
            part.rows.append({"model": model_name, "setting": setting,
                              "path": f"{'OOM' if is_oom(exc) else 'error'}: {short(exc)}"})
            continue
        tokens = hp["batch_size"] * (hp["max_input_length"] + hp["max_target_length"])
        precision = "bf16" if hp["bf16"] else "fp16" if hp["fp16"] else "fp32"
        checkpointing = kind is None and built.config["llm"]["gradient_checkpointing"]
        label = (f"{setting}, {precision if meter.cuda else 'fp32 (CPU)'}, batch "
                 f"{hp['batch_size']}, {hp['max_input_length']}+{hp['max_target_length']} "
                 f"tokens{', checkpointing' if checkpointing else ''}")
        ratio = statistics.median(wb) / statistics.median(pl) if wb and pl else None
        for path, times in (("workbench trial", wb), ("plain Trainer + peft" if kind is None
                                                      else "plain Trainer", pl)):
            med = statistics.median(times) if times else None
            row = {"model": model_name, "setting": label, "path": path,
                   "step s (median)": med,
                   "min-max s": f"{min(times):.3g}-{max(times):.3g}" if times else "-",
                   "steps timed": len(times),
                   "tokens/s": round(tokens / med) if med else None,
                   "_times": times}
            if path == "workbench trial":
                row["workbench / plain"] = None if ratio is None else round(ratio, 3)
                row["goal <= 1.1x"] = _goal(None if ratio is None else ratio <= 1.1, mode)
            part.rows.append(row)
    if mode.dry_run:
        part.notes.append("CPU dry run: the times are a tiny model's on the CPU, not a GPU's.")
    for row in part.rows:
        row["times_s"] = row.pop("_times", None)
    return part


# --------------------------------------------------------------------------- 3 hygiene


def hygiene_part(mode: Mode, rig: Rig, meter: Meter, deadline: float, work: Path) -> Part:
    """Four trials of a real study; the second asks for an absurd batch and must fail alone."""
    import optuna

    from workbench.study.objective import build_objective

    part = Part("hygiene", "3. Trial hygiene: a 4-trial study whose trial 2 runs out of memory",
                ["trial", "batch", "state", "reason", "allocated at start GiB",
                 "peak GiB", "RSS at start MB"])
    built = rig.get(mode.causal[0])
    config = built.resolve({"llm.gradient_checkpointing": False,
                            "search.params": ["batch_size", "learning_rate"],
                            "study.n_trials": len(mode.hygiene_batches)})
    absurd = {**config["hparams"], "batch_size": max(mode.hygiene_batches)}
    est = memory.estimate(config, absurd, model_config=built.model_config)
    part.notes.append(f"{built.preset}, 4-bit, no checkpointing, one epoch of "
                      f"{mode.hygiene_rows} full-length rows; trial 2's batch "
                      f"{absurd['batch_size']} is estimated at {est.peak_gib:.0f} GiB "
                      f"(card: {_gib(meter.capacity_gib())} GiB).")
    if time.monotonic() > deadline:
        part.notes.append("not run (time budget)")
        return part
    splits = rig.splits(mode.hygiene_rows, dev_rows=2)
    folder = work / "hygiene-run"
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{work / 'hygiene.db'}"
    name = "gpu-check-hygiene"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=url, direction="maximize")
    for batch, lr in zip(mode.hygiene_batches, HYGIENE_LRS, strict=False):
        study.enqueue_trial({"batch_size": batch, "learning_rate": lr})
    objective = build_objective(config, folder, "gpu-check", splits)
    starts: dict[int, dict[str, Any]] = {}
    peaks: dict[int, float | None] = {}

    def measured(trial: optuna.Trial) -> Any:
        meter.reset_peak()
        starts[trial.number] = {"gib": meter.allocated_gib(), "rss": rss_mb()["rss_mb"]}
        return objective(trial)

    def on_trial(_: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        peaks[trial.number] = meter.peak_gib()

    execution.run_threads(config, url, name, measured, on_trial)
    trials = optuna.load_study(study_name=name, storage=url).get_trials(deepcopy=False)
    for t in trials:
        start = starts.get(t.number, {})
        reason = t.user_attrs.get("fail_reason") or t.user_attrs.get("prune_reason") or (
            "degenerate (random weights)" if t.user_attrs.get("degenerate") else "")
        part.rows.append({"trial": t.number + 1, "batch": t.params.get("batch_size"),
                          "state": t.state.name.lower(), "reason": reason[:120],
                          "allocated at start GiB": start.get("gib"),
                          "peak GiB": peaks.get(t.number), "RSS at start MB": start.get("rss")})
    part.notes.append(_hygiene_verdict(part.rows, mode))
    return part


def _hygiene_verdict(rows: list[dict[str, Any]], mode: Mode) -> str:
    """The goals, judged on the rows: trial 2 failed out of memory, all four ran, and the
    memory allocated at the start of trials 1, 3 and 4 agrees within 1 %."""
    by = {r["trial"]: r for r in rows}
    if mode.dry_run:
        second = by.get(2, {})
        return (f"CPU dry run, goals not judged: 4 trials ran ({len(rows)} recorded), trial 2 "
                f"ended {second.get('state', '?')} (a CPU has no GPU memory to run out of); "
                "RSS is this process's, for information.")
    oom = by.get(2, {}).get("state") == "fail" and "out of memory" in by.get(2, {}).get(
        "reason", "")
    went_on = all(by.get(n, {}).get("state") in ("complete", "pruned") for n in (1, 3, 4))
    starts = [by.get(n, {}).get("allocated at start GiB") for n in (1, 3, 4)]
    if None in starts:
        return "Goal MISSED: not all four trials ran."
    spread_gib = max(starts) - min(starts)
    # 1 % of what is allocated at a start, or of what a trial works with when that is more
    # (a few MiB of cuBLAS workspace on a nearly empty card is no leak)
    working = min((by[n].get("peak GiB") or 0.0) for n in (1, 3, 4))
    allowed = 0.01 * max(max(starts), working)
    same = spread_gib <= allowed
    verdict = "met" if oom and went_on and same else "MISSED"
    return (f"Goal {verdict}: trial 2 {'failed out of memory' if oom else 'did NOT fail OOM'}; "
            f"trials 1, 3, 4 {'completed' if went_on else 'did not all complete'}; allocated "
            f"at their start {', '.join(f'{s:.3f}' for s in starts)} GiB (spread "
            f"{spread_gib * 1024:.1f} MiB, allowed {allowed * 1024:.1f}: 1 % of the largest "
            "start or of the smallest peak of these trials, whichever is more).")


# --------------------------------------------------------------------------- 4 decode


def decode_part(mode: Mode, rig: Rig, meter: Meter, deadline: float) -> Part:
    """Tokens/s of the trial's model (4-bit base + LoRA) per decoding setting."""
    built = rig.get(mode.causal[0])
    n = mode.decode_tokens
    part = Part("decode", "4. Decode-only and predict: tokens/s per decoding setting",
                ["decoding", "batch", "new tokens", "seconds", "tokens/s", "peak GiB"])
    config = built.resolve({"hparams.quantization": "4bit"})
    hp = config["hparams"]
    size = "tiny" if mode.dry_run else "full size"
    part.notes.append(f"{built.preset} at {size}, random weights, 4-bit + LoRA r "
                      f"{hp['lora_r']}; prompts of {hp['max_input_length']} tokens; every "
                      f"dialogue gets exactly {n} new tokens (min_new_tokens = max_new_tokens); "
                      "tokens/s counts output tokens of all dialogues in the batch.")
    if time.monotonic() > deadline:
        part.notes.append("not run (time budget)")
        return part
    splits = rig.splits(1, dev_rows=max(mode.decode_batches))
    backend = backends.make_backend(config, splits)
    tok, fmt = backend.tokenizer, backend.format
    prompts = causal.encode(splits["dev"], tok, fmt, hp, with_labels=False).prompts
    model = trial_model(built, hp, meter.device, tok)
    try:
        warm = causal.generation_config({**hp, **DECODINGS["greedy"], "max_new_tokens": 2,
                                         "min_new_tokens": 2}, tok, fmt, backend.suppress)
        causal.generate(model, tok, prompts[:1], warm, batch_size=1)
        for name, setting in DECODINGS.items():
            for batch in mode.decode_batches:
                row: dict[str, Any] = {"decoding": name, "batch": batch, "new tokens": n}
                part.rows.append(row)
                if time.monotonic() > deadline:
                    row["seconds"] = "not run (time budget)"
                    continue
                gen = causal.generation_config(
                    {**hp, **setting, "max_new_tokens": n, "min_new_tokens": n}, tok, fmt,
                    backend.suppress)
                meter.reset_peak()
                start = time.perf_counter()
                try:
                    causal.generate(model, tok, prompts[:batch], gen, batch_size=batch)
                except Exception as exc:  # recorded in the row; the other settings still run
                    if not is_oom(exc):
                        traceback.print_exc()
                    row["seconds"] = f"{'OOM' if is_oom(exc) else 'error'} ({short(exc)})"
                    meter.free()
                    continue
                meter.sync()
                seconds = time.perf_counter() - start
                row.update({"seconds": round(seconds, 3),
                            "tokens/s": round(batch * n / seconds, 1),
                            "peak GiB": meter.peak_gib()})
    finally:
        del model, backend
        meter.free()
    if mode.dry_run:
        part.notes.append("CPU dry run: a tiny model's tokens/s on the CPU, not a GPU's.")
    return part


# --------------------------------------------------------------------------- the run


def run(mode: Mode, parts: Sequence[str] = PARTS, budget_s: float = 480.0,
        out: Path | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the chosen parts within `budget_s`, print each table, write the files; returns the
    report (tables as Markdown, raw rows, the machine, seconds per part)."""
    device = torch.device("cuda" if torch.cuda.is_available() and not mode.dry_run else "cpu")
    if not mode.dry_run and device.type != "cuda":
        raise RuntimeError("no CUDA device: run with --tiny for the CPU dry run")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()  # "Writing model shards" bars between the tables
    meter = Meter(device)
    started = time.monotonic()
    end = started + budget_s
    date = dt.datetime.now(dt.timezone.utc)
    folder = out or GPU_CHECK_DIR / (date.strftime("%Y-%m-%d") + ("-dry-run" if mode.dry_run
                                                                  else ""))
    folder.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "date": date.isoformat(timespec="seconds"), "mode": mode.name,
        "dry_run": mode.dry_run, "device": _device_text(device), "machine": machine(),
        "versions": versions(), "budget_s": budget_s, "parts": {}, "failed": {}}
    header = _header(report)
    log(header)
    chosen = [p for p in PARTS if p in parts]
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # libraries' renamed-attribute notices
        work = Path(tmp)
        rig = Rig(mode, device, work)
        for index, name in enumerate(chosen):
            # What lives on (libraries, the rig) is left out of the collections after every
            # case, as the study does for its trials: each one otherwise walks it all (~0.7 s).
            execution.freeze_long_lived()
            left = end - time.monotonic()
            share = 1.0 if index == len(chosen) - 1 else SHARES[name]
            deadline = time.monotonic() + max(left, 0) * share
            t = time.perf_counter()
            try:
                part = {"memory": lambda d=deadline: memory_part(mode, rig, meter, d),
                        "speed": lambda d=deadline: speed_part(mode, rig, meter, d, work),
                        "hygiene": lambda d=deadline: hygiene_part(mode, rig, meter, d, work),
                        "decode": lambda d=deadline: decode_part(mode, rig, meter, d)}[name]()
            except Exception as exc:  # a broken part is reported; the others still run
                report["failed"][name] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
                meter.free()
                continue
            part.seconds = round(time.perf_counter() - t, 1)
            part.notes.append(f"Part time: {part.seconds} s.")
            text = part.markdown()
            log(text)
            (folder / f"{name}.md").write_text(header + "\n" + text, encoding="utf-8")
            report["parts"][name] = {"title": part.title, "markdown": text,
                                     "rows": part.rows, "seconds": part.seconds}
    gc.unfreeze()
    report["wall_s"] = round(time.monotonic() - started, 1)
    body = header + "\n" + "\n".join(p["markdown"] for p in report["parts"].values())
    for name, why in report["failed"].items():
        body += f"\n**{name}: failed**: {why}\n"
    (folder / "report.md").write_text(body, encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(report, indent=1, default=_json),
                                         encoding="utf-8")
    log(f"gpu-check: wrote {paths.shown(folder)} in {report['wall_s']:.0f} s")
    return report


def _json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


def _device_text(device: torch.device) -> str:
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return (f"{props.name}, {props.total_memory / memory.GIB:.0f} GiB, torch "
                f"{torch.__version__}, CUDA {torch.version.cuda}")
    return f"CPU, torch {torch.__version__}"


def versions() -> dict[str, str]:
    """The versions the figures depend on."""
    found = {}
    for name in ("torch", "transformers", "peft", "bitsandbytes", "accelerate", "optuna"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def _header(report: Mapping[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    lines = [f"# GPU check ({report['date']})", "",
             f"Device: {report['device']}; {report['machine']['cores']} CPU cores; "
             f"{versions}.", ""]
    if report["dry_run"]:
        lines += ["**CPU dry run (`--tiny`): tiny presets on the CPU. This proves the code "
                  "path; it is not a GPU measurement, and no goal is judged.**", ""]
    return "\n".join(lines)


def pack_site(destination: Path, names: Sequence[str] = CARRIED) -> list[str]:
    """Write `names` (installed distributions, with their metadata) as a .tar.gz of a
    site-packages folder; returns the distributions with their versions. Left out: bytecode,
    extension modules built for this Python (their packages fall back to pure Python), and
    bitsandbytes' libraries for CUDA versions other than 13."""
    import tarfile

    packed = []
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(destination, "w:gz") as tar:
        for name in names:
            dist = metadata.distribution(name)
            packed.append(f"{name} {dist.version}")
            for file in dist.files or []:
                text = str(file)
                if (text.startswith("..") or "__pycache__" in text
                        or ".cpython-" in text and text.endswith(".so")
                        or "libbitsandbytes_" in text and "_cuda13" not in text):
                    continue
                source = Path(dist.locate_file(file))
                if source.is_file():
                    tar.add(source, arcname=text)
    return packed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true",
                        help="CPU dry run with the tiny presets (proves the code, measures "
                             "nothing a GPU would)")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--budget-s", type=float, default=480.0,
                        help="seconds for the parts (default 480)")
    parser.add_argument("--out", type=Path, help="folder (default outputs/gpu-check/<date>)")
    parser.add_argument("--pack-site", type=Path, metavar="FILE",
                        help="write the packages to carry to a bare CUDA machine, and stop")
    args = parser.parse_args(argv)
    if args.pack_site:
        packed = pack_site(args.pack_site)
        size = args.pack_site.stat().st_size / 2**20
        print(f"gpu-check: packed {', '.join(packed)} into {paths.shown(args.pack_site)} "
              f"({size:.0f} MiB)")
        return 0
    if not args.tiny and not torch.cuda.is_available():
        print("gpu-check: no CUDA device; `--tiny` runs the CPU dry run", file=sys.stderr)
        return 2
    if args.tiny:  # tiny models run no faster on more threads, and far slower on busy cores
        torch.set_num_threads(1)
    report = run(TINY if args.tiny else FULL, args.parts, args.budget_s, args.out)
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
