"""Compare the memory model with torch.cuda.max_memory_allocated on a GPU machine.

    .venv/bin/python docs/memory_check.py --preset llama qwen --batch 1 2 4 8 \
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from workbench import config as wconfig  # noqa: E402
from workbench import memory  # noqa: E402


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
        config = wconfig.resolve(preset, {"llm.gradient_checkpointing": gc == "on"})
        hp = {"quantization": quant, "batch_size": batch}
        try:
            found = memory.measure(config, hp)
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
