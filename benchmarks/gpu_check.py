"""The GPU check (issues 18, 22): the presets' memory, speed, precision, placement and failure
handling at full size.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.gpu_check          # CUDA (make gpu-check)
    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.gpu_check --tiny   # CPU dry run

Nothing is downloaded. Every model is built with random weights from a config (the llama and
qwen presets' `llm.model_config`, KoBART-base's shape below), saved once to a temporary folder
beside a BPE tokenizer trained on the shipped sample, and the presets load it by path
(`model.name`), so trials run the workbench's own code. Memory and speed do not depend on the
weights' values or on the tokenizer: the models keep their full vocabularies and every batch is
full length (the dialogues are long enough to be cut to `max_input_length`).

Eight parts, each printed as one Markdown table and written to `outputs/gpu-check/<date>/`
(`<part>.md`, all of them in `report.md`, raw figures in `results.json`), in this order:

1. memory: the memory model's estimate against `torch.cuda.max_memory_allocated` for llama and
   qwen, 4-bit / 8-bit / none x batch 1, 8 x checkpointing on / off, two full-length LoRA
   steps each (one model load per preset and quantization); a case the model says cannot fit on
   the card is skipped. Goals: every estimate within +-15 %, and no feasible case out of memory.
2. speed: one training step through the trial path (`train_and_evaluate`) against a minimal
   hand-written HF Trainer + peft loop with the same settings: llama shape, 4-bit, batch 8,
   1024 + 200 tokens; and a KoBART-shape seq2seq step in fp16. Goal: <= 1.1x the plain loop.
3. hygiene: a study of 4 one-epoch trials whose 2nd has an absurd batch (32 x 1224 tokens,
   without checkpointing): it ends (failed or pruned) with an out-of-memory reason, the study
   goes on, and the memory allocated at the start of trials 1, 3 and 4 is the same within 1 %.
4. eval: each LLM preset's dev evaluation as a trial runs it (its eval batch, beams and new
   tokens, full-length prompts, 4-bit base + LoRA from `causal.build_model`): the peak of the
   `generate` call against the memory model's evaluation estimate, and the dtype of the KV
   cache the model makes. Goals: within +-15 %, and the cache in the compute dtype.
5. predict: an adapter saved from an unquantized LoRA model, loaded and run by
   `predict.summarize` (`gentune.Generator`, `causal.load_adapter`): the device its parameters
   are on when it generates, and the time. Goal: on the GPU.
6. placement: a 2-trial study of the tiny-llama preset in two worker processes
   (`execution.run_processes`, `study.gpus` "0,1", or "0,0" on one GPU): the device and PCI
   bus id each trial's record names. Goal: each trial on the GPU its worker was given.
7. precision: a KoBART-shape training step in the kobart preset's own precision (its resolved
   bf16 / fp16), with the precision the matmuls ran in, TF32, step time and peak memory.
   Goal: bf16 or fp16 as the preset asks (bf16 falls back to fp16 on a card without it).
8. decode: tokens/s of a full-size random-init llama (4-bit + LoRA, as evaluation sees it) per
   decoding setting, one dialogue at a time and in a batch, with the peak memory.

`--tiny` runs the same code on the CPU with the tiny-llama, tiny-qwen and tiny-bart presets'
models at short lengths. It proves the code path and measures nothing a GPU would: memory
cells read "dry run", times are a tiny model's on the CPU, and no goal is judged. `--budget-s`
bounds the parts (default 480 s: one 10-minute call with room for imports, building the models
and a case that overruns; each part gets its `SHARES` of what is left when it starts); cases
that do not fit are listed as not run, and `--parts` reruns a part on its own.

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
import os
import re
import shutil
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
from workbench import backends, gentune, memory, paths, predict, records, validate
from workbench import config as wconfig
from workbench import data as wdata
from workbench.backends import bpe, causal
from workbench.study import execution

GPU_CHECK_DIR = paths.OUTPUTS / "gpu-check"
PARTS = ("memory", "speed", "hygiene", "eval", "predict", "placement", "precision", "decode")
# Each part's share of the time left when it starts (the last part takes what is left): about
# its expected seconds on an H100 (memory 130, speed 60, hygiene 80, eval 60, predict 40,
# placement 35, precision 15, decode 45) over those of the parts still to come, with room.
SHARES = {"memory": 0.3, "speed": 0.2, "hygiene": 0.3, "eval": 0.35, "predict": 0.35,
          "placement": 0.4, "precision": 0.3, "decode": 1.0}
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
# The placement study: a tiny model (the workers' imports, not training, are its cost), two
# trials told apart by their learning rates, a few rows each.
PLACEMENT_PRESET = "tiny-llama"
PLACEMENT_LRS = (2e-4, 8e-4)  # inside the preset's space
PLACEMENT = {"data.max_train_samples": 16, "data.max_dev_samples": 4,
             "search.params": ["learning_rate"], "study.n_trials": len(PLACEMENT_LRS)}
# A PCI bus id as a trial's record names it ("bus 0000:1a:00"; the function number optional).
BUS_RE = re.compile(r"\b([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})(?:\.[0-7])?\b")
VISIBLE_RE = re.compile(r"CUDA_VISIBLE_DEVICES=([^,;)\s]+)")
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
    predict_rows: int  # dialogues the predict part summarizes
    overrides: Mapping[str, Any] = field(default_factory=dict)  # on top of every preset

    @property
    def dry_run(self) -> bool:
        return self.name == "tiny"


# The memory grid's batches are its ends (the model is linear in the batch): 1 and 8 leave the
# time for the later parts within one 10-minute call.
FULL = Mode("full", ("llama", "qwen"), "kobart", KOBART_SHAPE, batches=(1, 8),
            speed_batch=8, speed_steps=8, hygiene_batches=(4, 32, 4, 4), hygiene_rows=32,
            decode_tokens=150, decode_batches=(1, 8), predict_rows=8)
TINY = Mode("tiny", ("tiny-llama", "tiny-qwen"), "tiny-bart", None, batches=(1, 2),
            speed_batch=2, speed_steps=4, hygiene_batches=(4, 32, 4, 4), hygiene_rows=32,
            decode_tokens=6, decode_batches=(1, 2), predict_rows=2,
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

    def resolve(self, more: Mapping[str, Any]) -> validate.Resolved:
        """This preset with more overrides, resolved and checked as every entry point does."""
        return validate.resolve(self.preset, {**self.overrides, **more})


def stand_in_tokenizer(config: Mapping[str, Any], texts: Sequence[str]) -> Any:
    """A BPE trained on the sample standing in for the model's own tokenizer; a causal model's
    gets the chat template and markers of the tiny preset of its family."""
    tokenizer = bpe.train_tokenizer(texts, config["model"]["tokenizer_vocab_size"])
    if config["model"]["backend"] == "causal":
        model_type = memory.model_config_of(config).model_type
        llm = wconfig.compose(CHAT_TEMPLATES[model_type])["llm"]
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
        sample = validate.resolve(mode.seq2seq).config
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

        plain = wconfig.compose(preset, {**self.mode.overrides, **COMMON})  # model not needed
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
        return Built(preset, validate.resolve(preset, overrides).config, overrides, folder,
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
    config = built.resolve(more).config
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
    resolved = built.resolve({"llm.gradient_checkpointing": False,
                              "search.params": ["batch_size", "learning_rate"],
                              "study.n_trials": len(mode.hygiene_batches)})
    config = resolved.config
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
    objective = build_objective(resolved, folder, "gpu-check", splits)
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
    """The goals, judged on the rows: trial 2 ended out of memory (failed, or pruned as an
    infeasible trial that TPE learns from), all four ran, and the memory allocated at the start
    of trials 1, 3 and 4 agrees within 1 %."""
    by = {r["trial"]: r for r in rows}
    if mode.dry_run:
        second = by.get(2, {})
        return (f"CPU dry run, goals not judged: 4 trials ran ({len(rows)} recorded), trial 2 "
                f"ended {second.get('state', '?')} (a CPU has no GPU memory to run out of); "
                "RSS is this process's, for information.")
    oom = by.get(2, {}).get("state") in ("fail", "pruned") and "out of memory" in by.get(
        2, {}).get("reason", "")
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
    return (f"Goal {verdict}: trial 2 {'ended out of memory' if oom else 'did NOT end OOM'}; "
            f"trials 1, 3, 4 {'completed' if went_on else 'did not all complete'}; allocated "
            f"at their start {', '.join(f'{s:.3f}' for s in starts)} GiB (spread "
            f"{spread_gib * 1024:.1f} MiB, allowed {allowed * 1024:.1f}: 1 % of the largest "
            "start or of the smallest peak of these trials, whichever is more).")


# --------------------------------------------------------------------------- 4 eval

NO_EVAL_ESTIMATE = "not available (memory.MemoryEstimate has no eval_peak_gib)"


def own_decoding(preset: str, mode: Mode) -> dict[str, Any]:
    """Overrides giving a preset back its own evaluation where COMMON shortens it (eval batch
    and decoding), every answer as long as allowed: random weights would stop anywhere."""
    own = wconfig.compose(preset, dict(mode.overrides))  # the model is not needed
    hp = own["hparams"]
    more: dict[str, Any] = {f"hparams.{key}": hp[key] for key in gentune.DECODING_KEYS}
    more["hparams.min_new_tokens"] = hp["max_new_tokens"]
    more["runtime.eval_batch_size"] = own["runtime"]["eval_batch_size"]
    return more


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def kv_cache_dtype(model: torch.nn.Module, prompt: Sequence[int], device: torch.device) -> str:
    """The dtype of the key/value cache the model makes for a prompt (generation's first step)."""
    with torch.no_grad():
        out = model(input_ids=torch.tensor([list(prompt)], device=device), use_cache=True)
    cache = out.get("cache")
    if cache is None:
        cache = out.get("past_key_values")
    layers = getattr(cache, "layers", None)
    if layers and isinstance(getattr(layers[0], "keys", None), torch.Tensor):
        return dtype_name(layers[0].keys.dtype)
    return f"unknown ({type(cache).__name__})"


def eval_part(mode: Mode, rig: Rig, meter: Meter, deadline: float) -> Part:
    """Each LLM preset's dev evaluation at its own eval batch and beams: the peak of the
    `generate` call against the memory model's evaluation estimate, and the KV cache's dtype."""
    part = Part("eval", "4. Evaluation: each LLM preset's eval batch and beams, peak vs estimate",
                ["preset", "quantization", "eval batch", "beams", "prompt + new tokens",
                 "training estimate GiB", "eval estimate GiB", "measured GiB",
                 "estimate / measured", "within +-15 %", "KV cache", "compute dtype",
                 "cache in compute dtype", "seconds"])
    capacity = meter.capacity_gib()
    part.notes.append(
        "The model as a trial evaluates it (causal.build_model: quantized base + LoRA), the "
        "preset's runtime.eval_batch_size and decoding, prompts of max_input_length tokens, "
        "every answer max_new_tokens long (min_new_tokens = max_new_tokens), through "
        "causal.generate; measured: torch.cuda.max_memory_allocated over that call, weights "
        "included (the estimate also counts the LoRA AdamW moments a trial holds then, "
        "optimizer_bytes: a fraction of a GiB at r 16). KV cache: the dtype of the cache the "
        f"model makes for one prompt. Card: {_gib(capacity)} GiB.")
    for preset in mode.causal:
        built = rig.get(preset)
        config = built.resolve(own_decoding(preset, mode)).config
        hp, batch = config["hparams"], config["runtime"]["eval_batch_size"]
        est = memory.estimate(config, hp, model_config=built.model_config)
        eval_gib = getattr(est, "eval_peak_gib", None)
        row: dict[str, Any] = {
            "preset": preset, "quantization": hp["quantization"], "eval batch": batch,
            "beams": hp["num_beams"],
            "prompt + new tokens": f"{hp['max_input_length']} + {hp['max_new_tokens']}",
            "training estimate GiB": round(est.peak_gib, 2),
            "eval estimate GiB": NO_EVAL_ESTIMATE if eval_gib is None else round(eval_gib, 2),
            "compute dtype": config["llm"]["compute_dtype"]}
        part.rows.append(row)
        if time.monotonic() > deadline:
            row["measured GiB"] = "not run (time budget)"
            continue
        if capacity is not None and eval_gib is not None and eval_gib > capacity:
            row["measured GiB"] = "skipped: estimate above the card"
            continue
        try:
            peak = _measure_eval(row, built, config, rig, meter)
        except Exception as exc:  # recorded in the row; the other preset still runs
            if not is_oom(exc):
                traceback.print_exc()
            row["measured GiB"] = "OOM" if is_oom(exc) else f"error: {short(exc)}"
            if is_oom(exc) and not mode.dry_run:
                row["within +-15 %"] = "MISSED (ran out of memory)"
            meter.free()
            continue
        judge_eval(row, peak, eval_gib, mode)
    return part


def _measure_eval(row: dict[str, Any], built: Built, config: Mapping[str, Any], rig: Rig,
                  meter: Meter) -> float | None:
    """Generate for one eval batch of full-length prompts; the peak (None on the CPU)."""
    hp, batch = config["hparams"], config["runtime"]["eval_batch_size"]
    splits = rig.splits(1, dev_rows=batch)
    backend = backends.make_backend(config, splits)
    tok, fmt = backend.tokenizer, backend.format
    prompts = causal.encode(splits["dev"], tok, fmt, hp, with_labels=False).prompts
    model = trial_model(built, hp, meter.device, tok)
    try:
        gen = causal.generation_config(hp, tok, fmt, backend.suppress)
        meter.reset_peak()
        start = time.perf_counter()
        causal.generate(model, tok, prompts, gen, batch_size=batch)
        meter.sync()
        row["seconds"] = round(time.perf_counter() - start, 2)
        peak = meter.peak_gib()
        row["KV cache"] = kv_cache_dtype(model, prompts[0], meter.device)
        return peak
    finally:
        del model, backend
        meter.free()


def judge_eval(row: dict[str, Any], peak: float | None, eval_gib: float | None,
               mode: Mode) -> None:
    """The eval row's goals: the estimate within +-15 % of the peak, the cache in the compute
    dtype (so that beams over long prompts cost what the memory model says)."""
    if mode.dry_run or peak is None:
        row["measured GiB"] = DRY
        row["within +-15 %"] = row["cache in compute dtype"] = _goal(None, mode)
        return
    row["measured GiB"] = round(peak, 2)
    if eval_gib is None:
        row["within +-15 %"] = "not judged: no estimate"
    else:
        ratio = eval_gib / peak
        row["estimate / measured"] = round(ratio, 3)
        row["within +-15 %"] = _goal(0.85 <= ratio <= 1.15, mode)
    row["cache in compute dtype"] = _goal(row.get("KV cache") == row["compute dtype"], mode)


# --------------------------------------------------------------------------- 5 predict


class WrongDevice(RuntimeError):
    """A model about to run with its parameters off the device the check runs on."""


@contextlib.contextmanager
def parameter_devices(expected: str, seen: list[str]) -> Iterator[list[str]]:
    """Fills `seen` with the devices of the parameters of the first Hugging Face model to run a
    forward, read before it computes, and stops it (WrongDevice) unless all are of type
    `expected`: a full-size model generating on the CPU would take many minutes."""
    from transformers import PreTrainedModel

    def hook(module: torch.nn.Module, _args: Any) -> None:
        if seen or not isinstance(module, PreTrainedModel):
            return
        seen.extend(sorted({str(p.device) for p in module.parameters()}))
        if any(torch.device(d).type != expected for d in seen):
            raise WrongDevice(f"parameters on {', '.join(seen)}")

    handle = torch.nn.modules.module.register_module_forward_pre_hook(hook)
    try:
        yield seen
    finally:
        handle.remove()


def _save_unquantized_adapter(built: Built, config: Mapping[str, Any],
                              splits: Mapping[str, pd.DataFrame], meter: Meter,
                              destination: Path) -> None:
    """A LoRA model on the unquantized base, saved as a trial saves its best epoch."""
    backend = backends.make_backend(config, splits)
    model = trial_model(built, config["hparams"], meter.device, backend.tokenizer)
    try:
        causal.save_adapter(model, backend.tokenizer, destination, built.folder,
                            config["hparams"], config["llm"])
    finally:
        del model, backend
        meter.free()


def predict_part(mode: Mode, rig: Rig, meter: Meter, deadline: float, work: Path) -> Part:
    """An adapter of an unquantized LoRA trial through `predict`: where it generates, how fast."""
    built = rig.get(mode.causal[0])
    config = built.resolve({**own_decoding(built.preset, mode),
                            "hparams.quantization": "none"}).config
    hp = config["hparams"]
    part = Part("predict", "5. predict with quantization none: where the saved adapter runs",
                ["preset", "quantization", "dialogues", "batch", "beams", "new tokens",
                 "record says", "parameters on", "load s", "generate s", "s / dialogue",
                 "peak GiB", "goal: on the GPU"])
    size = "tiny" if mode.dry_run else "full size"
    part.notes.append(
        f"{built.preset} at {size}, random weights, LoRA r {hp['lora_r']} on the unquantized "
        "base, saved by causal.save_adapter (the base copied beside it), then summarized by "
        "predict.summarize (gentune.Generator, causal.load_adapter) with the preset's decoding "
        f"and eval batch, every answer {hp['max_new_tokens']} tokens long. 'parameters on': "
        "read at the model's first forward (generation is stopped there when they are not on "
        "the GPU: on the CPU it would take many minutes); 'record says': the device the "
        "prediction record names.")
    row: dict[str, Any] = {"preset": built.preset, "quantization": "none",
                           "dialogues": mode.predict_rows,
                           "batch": config["runtime"]["eval_batch_size"],
                           "beams": hp["num_beams"], "new tokens": hp["max_new_tokens"]}
    part.rows.append(row)
    if time.monotonic() > deadline:
        row["record says"] = "not run (time budget)"
        return part
    splits = rig.splits(1, dev_rows=mode.predict_rows)
    adapter = work / "predict-adapter"
    seen: list[str] = []
    fields: dict[str, Any] = {}
    try:
        _save_unquantized_adapter(built, config, splits, meter, adapter)
        source = predict.Source(work, {}, adapter, {"number": 0}, config, hp)
        meter.reset_peak()
        with parameter_devices(meter.device.type, seen):
            _, _, fields = predict.summarize(source, adapter, splits["dev"],
                                             gentune.decoding(hp), work / "predict.csv",
                                             progress=False)
        meter.sync()
    except WrongDevice:
        row["generate s"] = "stopped: parameters not on the GPU"
    except Exception as exc:  # recorded in the row
        if not is_oom(exc):
            traceback.print_exc()
        row["generate s"] = f"{'OOM' if is_oom(exc) else 'error'} ({short(exc)})"
    finally:
        meter.free()
        shutil.rmtree(adapter, ignore_errors=True)
    row["parameters on"] = ", ".join(seen) or "-"
    if fields:
        timings = fields["timings"]
        row.update({"record says": fields["model"]["device"], "load s": timings["load_s"],
                    "generate s": timings["generate_s"],
                    "s / dialogue": timings["s_per_dialogue"], "peak GiB": meter.peak_gib()})
    on_gpu = bool(seen) and all(torch.device(d).type == "cuda" for d in seen)
    row["goal: on the GPU"] = _goal(on_gpu, mode)
    return part


# --------------------------------------------------------------------------- 6 placement


def bus_id(text: str) -> str | None:
    """The PCI bus id named in a text, as domain:bus:device in hex ("0000:1a:00")."""
    found = BUS_RE.search(text)
    if found is None:
        return None
    domain, bus, device = (int(g, 16) for g in found.groups())
    return f"{domain:04x}:{bus:02x}:{device:02x}"


def expected_buses(visible: Sequence[str]) -> dict[str, str]:
    """The bus id of each CUDA_VISIBLE_DEVICES value (a physical id) a worker was given, read
    here through this process's own CUDA_VISIBLE_DEVICES; none without CUDA."""
    if not torch.cuda.is_available():
        return {}
    mine = os.environ.get("CUDA_VISIBLE_DEVICES")
    ids = ([v.strip() for v in mine.split(",")] if mine is not None
           else [str(i) for i in range(torch.cuda.device_count())])
    found = {}
    for value in visible:
        if value not in ids:
            continue
        props = torch.cuda.get_device_properties(ids.index(value))
        if getattr(props, "pci_bus_id", None) is not None:
            found[value] = (f"{getattr(props, 'pci_domain_id', 0):04x}:{props.pci_bus_id:02x}:"
                            f"{getattr(props, 'pci_device_id', 0):02x}")
    return found


def worker_devices(workers: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """CUDA_VISIBLE_DEVICES -> the workers started with it (the GPU id itself where the runner
    does not say what it mapped it to)."""
    given: dict[str, list[str]] = {}
    for w in workers:
        visible = w.get("cuda_visible_devices", w.get("gpu"))
        given.setdefault(str(visible), []).append(w["name"])
    return given


def placement_rows(trials: Sequence[Mapping[str, Any]], workers: Sequence[Mapping[str, Any]],
                   buses: Mapping[str, str], mode: Mode) -> list[dict[str, Any]]:
    """One row per trial: the worker(s) it can have run in, the CUDA_VISIBLE_DEVICES and bus id
    its record names, the bus of the GPU given as that CUDA_VISIBLE_DEVICES, and whether they
    agree (a trial recorded with CUDA_VISIBLE_DEVICES=1 but trained on GPU 0 does not)."""
    given = worker_devices(workers)
    everyone = " or ".join(w["name"] for w in workers) or "-"
    rows = []
    for t in trials:
        attrs = t.get("user_attrs", {})
        device = str(attrs.get("device", "-"))
        match = VISIBLE_RE.search(device)
        visible = match.group(1) if match else None
        bus, expected = bus_id(device), buses.get(visible) if visible is not None else None
        reason = attrs.get("fail_reason") or attrs.get("prune_reason") or ""
        worker = " or ".join(given.get(visible, [])) if visible is not None else everyone
        row = {"trial": t["number"] + 1,
               "state": t["state"] + (f": {reason[:80]}" if reason else ""),
               "worker": worker or f"none was given CUDA_VISIBLE_DEVICES={visible}",
               "CUDA_VISIBLE_DEVICES": visible or "-", "device (trial record)": device,
               "bus id": bus or "not recorded", "expected bus id": expected or "-"}
        if mode.dry_run:
            row["on its worker's GPU"] = _goal(None, mode)
        elif t["state"] != "complete":
            row["on its worker's GPU"] = f"MISSED (trial {t['state']})"
        elif bus is None or expected is None:
            row["on its worker's GPU"] = ("MISSED (no bus id in the record)" if bus is None
                                          else "MISSED (its GPU's bus id is unknown here)")
        else:
            row["on its worker's GPU"] = _goal(bus == expected, mode)
        rows.append(row)
    return rows


def placement_part(mode: Mode, rig: Rig, meter: Meter, deadline: float, work: Path) -> Part:
    """Two worker processes of a study, one GPU each (both GPU 0 on a one-GPU machine): the
    device and bus id each trial's record names, against the GPU its worker was given."""
    import optuna

    part = Part("placement", "6. Placement: two worker processes, the GPU each trial trained on",
                ["trial", "state", "worker", "CUDA_VISIBLE_DEVICES", "device (trial record)",
                 "bus id", "expected bus id", "on its worker's GPU"])
    count = torch.cuda.device_count() if meter.cuda else 0
    gpus = "0,1" if count >= 2 else "0,0"
    built = rig.get(PLACEMENT_PRESET)
    resolved = built.resolve({**PLACEMENT, "study.gpus": gpus})
    shared = ("; one GPU here, so both workers get GPU 0" if count == 1 else
              "; no GPU here: the workers are started as for GPU 0 and train on the CPU"
              if count == 0 else "")
    part.notes.append(
        f"A study of {len(PLACEMENT_LRS)} one-epoch trials of {built.preset} (random weights, "
        f"{PLACEMENT['data.max_train_samples']} rows) run by execution.run_processes with "
        f"study.gpus {gpus!r}{shared}. Device and bus id: the trial record's 'device'; "
        "expected: the bus id of the GPU its CUDA_VISIBLE_DEVICES names, read by this process.")
    if time.monotonic() > deadline:
        part.notes.append("not run (time budget)")
        return part
    url = f"sqlite:///{work / 'placement.db'}"
    name = "gpu-check-placement"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=url, direction="maximize")
    for lr in PLACEMENT_LRS:
        study.enqueue_trial({"learning_rate": lr})
    folder = work / "placement-run"
    folder.mkdir(parents=True, exist_ok=True)
    workers = execution.run_processes(resolved, url, name, folder, "gpu-check",
                                      poll=lambda: None, on_start=lambda _: None,
                                      timeout=max(deadline - time.monotonic(), 60.0))
    trials = [{"number": t.number, "state": t.state.name.lower(), "user_attrs": t.user_attrs}
              for t in optuna.load_study(study_name=name, storage=url).get_trials(deepcopy=False)]
    given = worker_devices(workers)
    part.rows = placement_rows(trials, workers, expected_buses(list(given)), mode)
    part.notes.append("Workers: " + "; ".join(
        f"{w['name']} (pid {w['pid']}, GPU {w['gpu']}, CUDA_VISIBLE_DEVICES="
        f"{w.get('cuda_visible_devices', w['gpu'])}, exit code {w['exitcode']})"
        for w in workers) + ".")
    if count >= 2 and len({r["CUDA_VISIBLE_DEVICES"] for r in part.rows}) < 2:
        part.notes.append("One worker ran both trials: the other worker's placement is not seen.")
    return part


# --------------------------------------------------------------------------- 7 precision

PRECISIONS = {torch.bfloat16: "bf16", torch.float16: "fp16", torch.float32: "fp32"}


def expected_precision(hp: Mapping[str, Any], device: torch.device) -> str:
    """The precision a preset asks of this device: bf16 or fp16 on CUDA as `hp` says (bf16 as
    fp16 on a card without native bf16), fp32 on the CPU."""
    if device.type != "cuda":
        return "fp32"
    if hp["bf16"]:
        return "bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else "fp16"
    return "fp16" if hp["fp16"] else "fp32"


@contextlib.contextmanager
def first_linear(device_type: str) -> Iterator[dict[str, Any]]:
    """What the first linear layer to run computed in: its output's and weight's dtypes, and
    whether autocast and TF32 were on (read inside the training step, where the Trainer's
    autocast is)."""
    seen: dict[str, Any] = {}

    def hook(module: torch.nn.Module, _args: Any, output: Any) -> None:
        if seen or not isinstance(module, torch.nn.Linear) or not isinstance(output,
                                                                          torch.Tensor):
            return
        seen.update(computed=PRECISIONS.get(output.dtype, dtype_name(output.dtype)),
                    weights=dtype_name(module.weight.dtype),
                    autocast=torch.is_autocast_enabled(device_type),
                    tf32=torch.backends.cuda.matmul.allow_tf32)

    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        yield seen
    finally:
        handle.remove()


def precision_part(mode: Mode, rig: Rig, meter: Meter, deadline: float, work: Path) -> Part:
    """A KoBART-shape training step in the kobart preset's own precision (its resolved bf16 /
    fp16), through the trial path: the precision it ran in, step time and peak memory."""
    from transformers import BartForConditionalGeneration

    built = rig.get(mode.seq2seq)
    more = {"hparams.batch_size": mode.speed_batch}
    config = built.resolve(more).config
    hp = config["hparams"]
    asked = "bf16" if hp["bf16"] else "fp16" if hp["fp16"] else "fp32"
    expected = expected_precision(hp, meter.device)
    part = Part("precision", "7. KoBART in the preset's own precision: one training step",
                ["model", "setting", "preset asks", "expected here", "matmuls ran in",
                 "weights", "TF32", "step s (median)", "tokens/s", "peak GiB",
                 "estimated GiB", "estimate / measured", "goal: preset's precision"])
    est = memory.estimate(config, hp, model_config=built.model_config).peak_gib
    tokens = hp["batch_size"] * (hp["max_input_length"] + hp["max_target_length"])
    row: dict[str, Any] = {
        "model": f"{mode.seq2seq} shape (random init)",
        "setting": f"full fine-tuning, batch {hp['batch_size']}, {hp['max_input_length']}+"
                   f"{hp['max_target_length']} tokens",
        "preset asks": f"{asked} (hparams bf16 {hp['bf16']}, fp16 {hp['fp16']})",
        "expected here": expected, "estimated GiB": round(est, 2)}
    part.rows.append(row)
    part.notes.append(
        "Through the trial path (train_and_evaluate, one epoch), no precision override; "
        "'matmuls ran in': the output dtype of the first linear layer of the training step "
        "(autocast named when on); peak: torch.cuda.max_memory_allocated over the trial; the "
        "step time as in part 2.")
    if time.monotonic() > deadline:
        row["matmuls ran in"] = "not run (time budget)"
        return part
    meter.reset_peak()
    try:
        with first_linear(meter.device.type) as seen:
            times, _ = _workbench_step(built, more, rig, mode.speed_steps, meter,
                                       work / "precision", BartForConditionalGeneration)
    except Exception as exc:  # recorded in the row
        traceback.print_exc()
        meter.free()
        row["matmuls ran in"] = f"{'OOM' if is_oom(exc) else 'error'}: {short(exc)}"
        return part
    med = statistics.median(times) if times else None
    computed = seen.get("computed")
    peak = meter.peak_gib()
    row.update({
        "matmuls ran in": (f"{computed}{' (autocast)' if seen.get('autocast') else ''}"
                           if computed else "-"),
        "weights": seen.get("weights"),
        "TF32": ("on" if seen.get("tf32") else "off") if meter.cuda else "- (CPU)",
        "step s (median)": med, "tokens/s": round(tokens / med) if med else None,
        "peak GiB": DRY if mode.dry_run or peak is None else round(peak, 2),
        "goal: preset's precision": _goal(computed == expected, mode), "times_s": times})
    if peak is not None and not mode.dry_run:
        row["estimate / measured"] = round(est / peak, 3)
    return part


# --------------------------------------------------------------------------- 8 decode


def decode_part(mode: Mode, rig: Rig, meter: Meter, deadline: float) -> Part:
    """Tokens/s of the trial's model (4-bit base + LoRA) per decoding setting."""
    built = rig.get(mode.causal[0])
    n = mode.decode_tokens
    part = Part("decode", "8. Decode-only and predict: tokens/s per decoding setting",
                ["decoding", "batch", "new tokens", "seconds", "tokens/s", "peak GiB"])
    config = built.resolve({"hparams.quantization": "4bit"}).config
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
                        "eval": lambda d=deadline: eval_part(mode, rig, meter, d),
                        "predict": lambda d=deadline: predict_part(mode, rig, meter, d, work),
                        "placement": lambda d=deadline: placement_part(mode, rig, meter, d,
                                                                       work),
                        "precision": lambda d=deadline: precision_part(mode, rig, meter, d,
                                                                       work),
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
    found = records.versions(("torch", "transformers", "peft", "bitsandbytes", "accelerate",
                              "optuna"))
    return {name: v for name, v in found.items() if v is not None and name != "python"}


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
