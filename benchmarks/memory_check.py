"""Compare the memory model with torch.cuda.max_memory_allocated on a GPU machine.

    .venv/bin/python -m benchmarks.memory_check --preset llama qwen --batch 1 2 4 8 \
        --quantization 4bit 8bit none --checkpointing on off

Each case builds the preset's base with random weights from its model config (no download:
memory does not depend on the weights' values), loads it as a trial would (bitsandbytes
quantization, LoRA on the target modules), runs two full-length training steps and prints one
Markdown row: estimated and measured peak, and their ratio. Paste the table into
docs/memory-model.md ("Measured"). A case that runs out of memory is reported as OOM.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from collections.abc import Mapping
from typing import Any

import torch
from transformers import AutoModelForCausalLM

from workbench import memory, validate
from workbench.backends import causal


def measure(config: Mapping[str, Any], hp: Mapping[str, Any] | None = None,
            steps: int = 2) -> dict[str, float]:
    """Peak CUDA memory of `steps` causal LoRA training steps at full length, beside the estimate.

    The base has random weights built from the model config (memory does not depend on their
    values), saved once to a temporary folder so bitsandbytes quantizes it as in training.
    Batches are full length: batch_size x (max_input_length + max_target_length) tokens.
    """
    if not torch.cuda.is_available():
        raise RuntimeError("measure needs a CUDA device")
    if config["model"]["backend"] != "causal":
        raise ValueError("measure covers the causal backend; see docs/memory-model.md")
    hp = {**config["hparams"], **(hp or {})}
    model_config = memory.model_config_of(config)
    device = torch.device("cuda")
    half = torch.bfloat16 if hp["bf16"] else torch.float16 if hp["fp16"] else None
    with tempfile.TemporaryDirectory() as folder:
        with torch.device("cuda"):  # random init on the GPU is far faster for billions
            base = AutoModelForCausalLM.from_config(model_config, dtype=half or torch.float32)
        base.save_pretrained(folder)
        del base
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        model = causal.build_model(folder, hp, config["llm"], device, None, config["preset"],
                                   config["runtime"]["seed"])
        if hp["quantization"] == "none":  # bitsandbytes places only a quantized base
            model.to(device)
        if config["llm"]["gradient_checkpointing"]:
            model.base_model.model.activation_checkpointing_enable(
                activation_checkpointing_kwargs={"use_reentrant": False})
        train_steps(model, hp, model_config.vocab_size, device, steps)
        measured = torch.cuda.max_memory_allocated()
        del model
        torch.cuda.empty_cache()
    est = memory.estimate(config, hp, model_config=model_config)
    return {"measured_gib": measured / memory.GIB, "estimated_gib": est.peak_gib,
            "ratio": est.peak_bytes / measured}


def train_steps(model: torch.nn.Module, hp: Mapping[str, Any], vocab_size: int,
                device: torch.device, steps: int = 2) -> None:
    """`steps` LoRA training steps (AdamW on the trainable parameters, under bf16/fp16
    autocast as hp says) on random full-length batches: batch_size x (max_input_length +
    max_target_length) tokens, the loss on the answer part only, as a trial's batches."""
    half = torch.bfloat16 if hp["bf16"] else torch.float16 if hp["fp16"] else None
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    length = hp["max_input_length"] + hp["max_target_length"]
    ids = torch.randint(0, vocab_size, (hp["batch_size"], length), device=device)
    labels = ids.clone()
    labels[:, : hp["max_input_length"]] = -100
    try:
        for _ in range(steps):
            with torch.autocast(device.type, dtype=half or torch.float32,
                                enabled=half is not None):
                loss = model(input_ids=ids, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    finally:
        del optimizer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", nargs="+", default=["llama", "qwen"])
    ap.add_argument("--batch", nargs="+", type=int, default=[1, 4])
    ap.add_argument("--quantization", nargs="+", default=["4bit", "8bit", "none"],
                    choices=["4bit", "8bit", "none"])
    ap.add_argument("--checkpointing", nargs="+", default=["on"], choices=["on", "off"])
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("no CUDA device: this comparison needs a GPU", file=sys.stderr)
        return 2
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}\n")
    print("| preset | quantization | batch | checkpointing | estimated GiB | measured GiB | "
          "estimated / measured |")
    print("|---|---|---|---|---|---|---|")
    for preset, quant, batch, gc in itertools.product(args.preset, args.quantization,
                                                       args.batch, args.checkpointing):
        config = validate.resolve(preset, {"llm.gradient_checkpointing": gc == "on"}).config
        hp = {"quantization": quant, "batch_size": batch}
        try:
            found = measure(config, hp)
            cells = (f"{found['estimated_gib']:.2f}", f"{found['measured_gib']:.2f}",
                     f"{found['ratio']:.2f}")
        except torch.OutOfMemoryError:
            est = memory.estimate(config, hp)
            cells = (f"{est.peak_gib:.2f}", "OOM", "-")
        torch.cuda.empty_cache()
        print(f"| {preset} | {quant} | {batch} | {gc} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
