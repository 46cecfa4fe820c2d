"""The causal-LM backend: LoRA / QLoRA fine-tuning of an instruction LLM on chat prompts.

Pitfalls handled here by construction (the prompts, generation and output cleaning are in
`workbench.backends.chat`):
- Only the dialogue is shortened to fit `max_input_length`; the share of shortened prompts is
  reported with every trial. The answer always ends with the template's end-of-turn marker, so
  every training sample has answer tokens; labels are -100 on the prompt and on pads.
- Every epoch is scored by dev ROUGE with the trial's decoding settings; the best epoch's
  adapter is kept, and an empty output scores 0. With `data.select_dev_samples` each evaluation
  decodes that fixed dev subset, and the best epoch's model all of dev once (the trial's value).
- A saved adapter carries what it needs to reload offline: a base built from a config is
  saved beside it, and `load_adapter` never asks the Hub. `CausalBackend.load` puts it back as a
  `chat.CausalPredictor` for generation tuning and predict.

The `#...#` tags: a pretrained LLM's byte-level tokenizer already writes them as plain text,
so they are not added as new tokens (new rows of a frozen embedding would stay untrained
under LoRA); the tokenizer trained for a base built from a config has them as non-special
added tokens, like the seq2seq backend.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoTokenizer,
    BitsAndBytesConfig,
    GenerationConfig,
    PreTrainedConfig,
    PreTrainedTokenizerBase,
    PrinterCallback,
    Trainer,
    TrainingArguments,
    set_seed,
)
from transformers.utils import logging as hf_logging

from workbench import data as wdata
from workbench import memory, paths
from workbench.backends import ADAPTER_META, CAUSAL, base
from workbench.backends.base import (
    Backend,
    EpochTracker,
    ReportCallback,
    Reporter,
    SaveTo,
    TrialOutcome,
    trial_arguments,
    trial_seed,
)
from workbench.backends.bpe import cached_tokenizer
from workbench.backends.chat import (
    CausalPredictor,
    Encoded,
    encode,
    generate,
    generation_config,
    other_script_ids,
    pad_batch,
    prompt_format,
    time_inference,
)
from workbench.config import ConfigError, check_prompt_template, model_id
from workbench.hub import ModelUnavailable, unavailable_message

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


# ---------------------------------------------------------------- tokenizer and base model


def _load_tokenizer(name: str) -> PreTrainedTokenizerBase:
    try:
        return AutoTokenizer.from_pretrained(name)
    except OSError as exc:
        raise ModelUnavailable(unavailable_message(name, exc)) from None


def chat_tokenizer(config: Mapping[str, Any], train: Any) -> PreTrainedTokenizerBase:
    """The pretrained model's tokenizer, or a BPE trained on the train split with chat markers."""
    llm = config["llm"]
    name = model_id(config)
    if name is not None:
        tokenizer = _load_tokenizer(name)
    else:
        texts = list(train["dialogue"]) + [r[0] for r in train["references"] if r]
        tokenizer = cached_tokenizer(texts, config["model"]["tokenizer_vocab_size"])
        if llm["chat_special_tokens"]:
            tokenizer.add_special_tokens(
                {"additional_special_tokens": list(llm["chat_special_tokens"])})
    if llm["chat_template"]:
        tokenizer.chat_template = llm["chat_template"]
    if not tokenizer.chat_template:
        raise ConfigError(
            f"llm.chat_template: the tokenizer of {name or 'the model built from a config'} has "
            "no chat template; set llm.chat_template (and llm.chat_special_tokens for its markers)"
        )
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token  # pads never reach the loss (labels are -100)
    tokenizer.padding_side = "left"
    return tokenizer


def base_config(config: Mapping[str, Any], tokenizer: PreTrainedTokenizerBase | None = None
                ) -> PreTrainedConfig:
    """The HF config of the base: built from model.architecture, or the pretrained model's."""
    name = model_id(config)
    if name is None:
        arch = dict(config["model"]["architecture"] or {})
        model_type = arch.pop("model_type", None)
        if not model_type:
            raise ConfigError("model.architecture: the causal backend needs model_type "
                              "(e.g. llama, qwen3) to build a model from a config")
        vocab = len(tokenizer) if tokenizer is not None else config["model"][
            "tokenizer_vocab_size"]
        ids = {} if tokenizer is None else {
            "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id}
        try:
            return AutoConfig.for_model(model_type, vocab_size=vocab, **ids, **arch)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"model.architecture: {exc}") from None
    try:
        return AutoConfig.from_pretrained(name)  # the model's own, beside its tokenizer
    except OSError as exc:
        raise ModelUnavailable(unavailable_message(name, exc)) from None


def linear_layer_names(model: torch.nn.Module) -> list[str]:
    """Distinct names of the model's linear layers (the last part of each module path)."""
    return sorted({path.rsplit(".", 1)[-1] for path, module in model.named_modules()
                   if isinstance(module, torch.nn.Linear)})


def check_target_modules(model: torch.nn.Module, targets: Sequence[str], preset: str) -> None:
    """Refuse LoRA targets the model lacks, naming them and the model's linear layers."""
    names = linear_layer_names(model)
    missing = [t for t in targets if t not in names]
    if missing or not targets:
        raise ConfigError(
            f"params/presets/{preset}.yaml: llm.target_modules: the model has no linear layer "
            f"named {', '.join(missing) or '(none listed)'}; its linear layers are: "
            f"{', '.join(names)}"
        )


def meta_model(model_config: PreTrainedConfig) -> torch.nn.Module:
    """The model's module tree on the meta device: shapes and names, no memory, no weights."""
    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(model_config)


def cached_base(model_config: PreTrainedConfig, tokenizer: PreTrainedTokenizerBase,
                texts: Sequence[str], pretrain_epochs: int, seed: int) -> Path:
    """A base built from a config, saved once under outputs/cache/bases (same key, same base).

    With `pretrain_epochs`, it is first trained as a plain LM on `texts`, a stand-in for the
    pretraining a Hub model brings, so a tiny LoRA study has something to adapt.
    """
    key = hashlib.sha256()
    key.update(model_config.to_json_string(use_diff=False).encode())
    key.update(tokenizer.backend_tokenizer.to_str().encode())
    key.update(f"{seed}\0{pretrain_epochs}\0".encode())
    if pretrain_epochs:
        for text in texts:
            key.update(text.encode("utf-8") + b"\0")
    folder = paths.cache("bases") / key.hexdigest()[:16]
    with paths.building(folder, "config.json") as tmp:  # worker processes build it once
        if tmp is not None:
            set_seed(seed)
            model = AutoModelForCausalLM.from_config(model_config)
            if pretrain_epochs:
                _pretrain(model, tokenizer, texts, pretrain_epochs, seed)
            model.save_pretrained(tmp)
    return folder


def _pretrain(model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str],
              epochs: int, seed: int, batch_size: int = 16, max_length: int = 512) -> None:
    """Next-token training on plain texts (each ending with eos), all weights, on the CPU."""
    generator = torch.Generator().manual_seed(seed)
    rows = [tokenizer(t, add_special_tokens=False)["input_ids"][: max_length - 1]
            + [tokenizer.eos_token_id] for t in texts]
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(rows), generator=generator).tolist()
        for start in range(0, len(order), batch_size):
            chunk = [rows[i] for i in order[start:start + batch_size]]
            batch = pad_batch([{"input_ids": r, "attention_mask": [1] * len(r), "labels": r}
                               for r in chunk], tokenizer.pad_token_id)
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
    model.eval()


def compute_dtype(llm: Mapping[str, Any], device: torch.device) -> torch.dtype:
    """What 4-bit layers compute in: `llm.compute_dtype`, except bfloat16 on a CUDA card
    without native bf16, which computes in float16 (as the trial's precision falls back)."""
    dtype = DTYPES[llm["compute_dtype"]]
    if (dtype is torch.bfloat16 and device.type == "cuda"
            and not torch.cuda.is_bf16_supported(including_emulation=False)):
        return torch.float16
    return dtype


def quantization_config(quantization: str, llm: Mapping[str, Any],
                        device: torch.device | None = None) -> BitsAndBytesConfig | None:
    """bitsandbytes settings for hp `quantization`: none, 8bit, or 4bit (QLoRA's NF4)."""
    if quantization == "4bit":
        return BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type=llm["quant_type"],
            bnb_4bit_use_double_quant=llm["double_quant"],
            bnb_4bit_compute_dtype=compute_dtype(llm, device or torch.device("cpu")),
        )
    if quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    if quantization != "none":
        raise ConfigError(f"hparams.quantization: {quantization!r} is not one of none, 8bit, 4bit")
    return None


def device_of(config: Mapping[str, Any]) -> torch.device:
    """CUDA when there is one and runtime.use_cpu is off, else the CPU."""
    use_cpu = config["runtime"]["use_cpu"] or not torch.cuda.is_available()
    return torch.device("cpu" if use_cpu else "cuda")


def weights_dtype(hp: Mapping[str, Any], device: torch.device) -> torch.dtype:
    """The trial's precision (`base.precision`: bf16 or fp16 on CUDA, bf16 falling back to
    fp16 on a card without it; float32 on the CPU)."""
    mode = base.precision(hp, use_cpu=device.type != "cuda")
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(mode, torch.float32)


def load_base(source: str | Path, hp: Mapping[str, Any], llm: Mapping[str, Any],
              device: torch.device) -> torch.nn.Module:
    """The base model at the trial's quantization, on `device` (bitsandbytes works on the CPU)."""
    quant = quantization_config(hp["quantization"], llm, device)
    kwargs: dict[str, Any] = {"dtype": weights_dtype(hp, device)}
    # On `device` at every quantization: an unquantized base would otherwise stay on the CPU
    # (the Trainer moves it for training, but predict and generation tuning would not).
    kwargs["device_map"] = {"": (device.index or 0) if device.type == "cuda" else "cpu"}
    if quant is not None:
        kwargs["quantization_config"] = quant
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            model = AutoModelForCausalLM.from_pretrained(str(source), **kwargs)
    except OSError as exc:
        raise ModelUnavailable(unavailable_message(str(source), exc)) from None
    return model


def build_model(source: str | Path, hp: Mapping[str, Any], llm: Mapping[str, Any],
                device: torch.device, tokenizer: PreTrainedTokenizerBase | None, preset: str,
                seed: int) -> torch.nn.Module:
    """A fresh LoRA model for one trial: the (quantized) base with adapters on the targets."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    set_seed(seed)
    base = load_base(source, hp, llm, device)
    if tokenizer is not None and base.get_input_embeddings().num_embeddings < len(tokenizer):
        base.resize_token_embeddings(len(tokenizer))
    check_target_modules(base, llm["target_modules"], preset)
    lora = LoraConfig(r=hp["lora_r"], lora_alpha=hp["lora_alpha"],
                      lora_dropout=hp["lora_dropout"], target_modules=list(llm["target_modules"]),
                      bias="none", task_type="CAUSAL_LM")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # peft asks HF for a renamed attribute
        if hp["quantization"] != "none":
            # peft freezes the base and upcasts what is not quantized (embeddings, norms, the
            # tied head) to fp32, which would make the residual stream and the KV cache fp32:
            # evaluation's beams would need twice the memory. Those go back to the width they
            # were loaded in (the compute dtype); LoRA weights are fp32 all the same (peft's
            # autocast_adapter_dtype). Checkpointing, non-reentrant, is the Trainer's.
            loaded = {name: p.dtype for name, p in base.named_parameters()}
            base = prepare_model_for_kbit_training(base, use_gradient_checkpointing=False)
            for name, p in base.named_parameters():
                if p.dtype != loaded[name]:
                    p.data = p.data.to(loaded[name])
        return get_peft_model(base, lora)


def save_adapter(model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, destination: Path,
                 source: str | Path, hp: Mapping[str, Any], llm: Mapping[str, Any]) -> None:
    """Save the adapter, tokenizer and how to rebuild the base, replacing `destination` at once.

    A base built from a config has no Hub name: it is copied into `destination/base`, so
    `load_adapter` needs neither the cache it came from nor the network.
    """
    destination = Path(destination)
    with paths.replacing(destination) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        base = str(source)
        if Path(source).is_dir():
            shutil.copytree(source, tmp / "base")
            base = "base"
            adapter_config = tmp / "adapter_config.json"
            settings = json.loads(adapter_config.read_text(encoding="utf-8"))
            # Relative to the adapter: still true once the folder is renamed (.candidate-N to
            # best-model); load_adapter builds the base itself and hands peft the model.
            settings["base_model_name_or_path"] = "base"
            adapter_config.write_text(json.dumps(settings, indent=2), encoding="utf-8")
        meta = {"base": base, "quantization": hp["quantization"], "bf16": hp["bf16"],
                "fp16": hp["fp16"], **{k: llm[k] for k in ("quant_type", "double_quant",
                                                            "compute_dtype")}}
        (tmp / ADAPTER_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")


def load_adapter(folder: str | Path, device: str | torch.device = "cpu"
                 ) -> tuple[torch.nn.Module, PreTrainedTokenizerBase]:
    """A saved adapter on its base (re-quantized as in training) and its tokenizer, offline."""
    from peft import PeftModel

    folder = Path(folder)
    meta_file = folder / ADAPTER_META
    if not meta_file.is_file():
        raise FileNotFoundError(f"{paths.shown(folder)}: no {ADAPTER_META}; not an adapter saved "
                                "by the causal backend")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    base = folder / meta["base"] if (folder / meta["base"]).is_dir() else meta["base"]
    device = torch.device(device)
    model = load_base(base, meta, meta, device)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if model.get_input_embeddings().num_embeddings < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # peft asks HF for a renamed attribute
        model = PeftModel.from_pretrained(model, folder)
    model.eval()
    return model, tokenizer


def on_all_of_dev(model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, dev: Encoded,
                  chosen: Encoded, gen: GenerationConfig, track: EpochTracker,
                  config: Mapping[str, Any]) -> tuple[EpochTracker, dict[str, Any]]:
    """The trial's result when each epoch decoded only `chosen` (the first dev rows): the best
    epoch's model (the Trainer loads it back at the end) decoded once on all of `dev`.

    Returns the tracker whose value, predictions and health are the trial's, and what the record
    adds: `selection` (which rows each number is on) and the full-dev diversity and verdict.
    """
    if chosen is dev:
        return track, {}
    selection = {"epoch_dev_rows": len(chosen.prompts), "epoch_best_value": round(track.value, 4),
                 "final_dev_rows": len(dev.prompts), "final_value": None}
    if not track.healthy:  # no healthy epoch: nothing to decode, the trial is degenerate
        return track, {"selection": selection}
    final = EpochTracker(None, dev.references, config)
    texts = generate(model, tokenizer, dev.prompts, gen, config["runtime"]["eval_batch_size"])
    final.on_epoch(track.epoch, final.evaluate(wdata.postprocess(texts, dev.mappings))["objective"])
    extra: dict[str, Any] = {"selection": {**selection, "final_value": round(final.value, 4)},
                             "diversity": final.outcome_extra()["diversity"]}
    if not final.healthy:
        extra["degenerate"] = (
            f"the best epoch ({track.epoch}, healthy on the first {len(chosen.prompts)} dev rows) "
            f"is degenerate on all {len(dev.prompts)}: " + "; ".join(final.reasons[track.epoch]))
    return final, extra


# ---------------------------------------------------------------- training


class GenerationTrainer(Trainer):
    """A Trainer whose evaluation generates answers and scores them (ROUGE), not eval loss."""

    def __init__(self, *args: Any, scorer: Callable[[torch.nn.Module], dict[str, float]],
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.scorer = scorer

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        scores = self.scorer(self.model)
        result = {f"{metric_key_prefix}_{k}": v for k, v in scores.items()}
        self.log(result)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control,
                                                         result)
        return result


class CausalBackend(Backend):
    """Holds what stays fixed across trials (tokenizer, prompt format, base) and trains LoRA;
    `load` gives a saved adapter (or the preset's own base) back for inference."""

    traits = CAUSAL

    def __init__(self, config: Mapping[str, Any], splits: Mapping[str, Any]):
        super().__init__(config, splits)
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        logging.getLogger("bitsandbytes").setLevel(logging.ERROR)  # 8-bit on the CPU: per call
        if config["runtime"]["cpu_threads"]:
            torch.set_num_threads(config["runtime"]["cpu_threads"])
        self.llm = config["llm"]
        self.device = device_of(config)
        check_prompt_template(self.llm["prompt_template"])
        self.tokenizer = chat_tokenizer(config, splits["train"])
        self.format = prompt_format(self.tokenizer, self.llm)
        self.model_config = base_config(config, self.tokenizer)
        check_target_modules(meta_model(self.model_config), self.llm["target_modules"],
                             config["preset"])
        name = model_id(config)
        if name is None:
            train = splits["train"]
            texts = list(train["dialogue"]) + [r[0] for r in train["references"] if r]
            self.source: str | Path = cached_base(
                self.model_config, self.tokenizer, texts, self.llm["base_pretrain_epochs"],
                config["runtime"]["seed"])
        else:
            self.source = name
        self.suppress = other_script_ids(self.tokenizer) if self.llm[
            "suppress_other_scripts"] else []

    @classmethod
    def load(cls, config: Mapping[str, Any], hparams: Mapping[str, Any],
             model_dir: Path | None, device: Any, train: Any = None) -> CausalPredictor:
        """A saved adapter on its base, re-quantized as in training (None: the preset's own
        base with fresh adapters, built as a trial's would be from `train`), with the chat
        template and script suppression the config asks for."""
        llm = config["llm"]
        if model_dir is not None:
            model, tokenizer = load_adapter(model_dir, device)
            if llm["chat_template"]:
                tokenizer.chat_template = llm["chat_template"]
            tokenizer.padding_side = "left"
            suppress = other_script_ids(tokenizer) if llm["suppress_other_scripts"] else []
        else:
            backend = cls(config, {"train": train, "dev": None})
            tokenizer, suppress = backend.tokenizer, backend.suppress
            model = build_model(backend.source, hparams, llm, device, tokenizer,
                                config["preset"], config["runtime"]["seed"])
        model.eval()
        trained = model_dir is not None or model_id(config) is not None
        return CausalPredictor(model, tokenizer, prompt_format(tokenizer, llm), suppress,
                               hparams, trained)

    def _args(self, hp: Mapping[str, Any], outdir: Path) -> TrainingArguments:
        on_cuda = self.device.type == "cuda"
        return TrainingArguments(
            **trial_arguments(hp, self.config["runtime"], outdir, use_cpu=not on_cuda),
            activation_checkpointing=self.llm["gradient_checkpointing"],
            activation_checkpointing_kwargs={"use_reentrant": False},
            remove_unused_columns=False,
            label_names=["labels"],
        )

    def memory_estimate(self, hp: Mapping[str, Any]) -> memory.MemoryEstimate:
        """The memory model's figures for this base and trial."""
        return memory.estimate(self.config, hp, model_config=self.model_config)

    def train_and_evaluate(self, hp: Mapping[str, Any], train: Any, report: Reporter | None,
                           outdir: Path, save_to: SaveTo | None = None) -> TrialOutcome:
        """Fine-tune LoRA adapters with `hp` on `train`, evaluating ROUGE on dev every epoch.

        `save_to(value)` may name a folder: the best epoch's adapter and tokenizer go there.
        """
        tok, fmt = self.tokenizer, self.format
        with self._encode_lock:
            train_set = encode(train, tok, fmt, hp)
            dev = encode(self.splits["dev"], tok, fmt, hp)
        model = build_model(self.source, hp, self.llm, self.device, tok, self.config["preset"],
                            trial_seed(hp, self.config["runtime"]))
        gen = generation_config(hp, tok, fmt, self.suppress)
        chosen = dev.head(self.config["data"]["select_dev_samples"])  # what each epoch decodes
        track = EpochTracker(report, chosen.references, self.config)

        def scorer(current: torch.nn.Module) -> dict[str, float]:
            texts = generate(current, tok, chosen.prompts, gen,
                             self.config["runtime"]["eval_batch_size"])
            return track.evaluate(wdata.postprocess(texts, chosen.mappings))

        trainer = GenerationTrainer(
            model=model, args=self._args(hp, outdir), train_dataset=train_set.features,
            eval_dataset=dev.features, processing_class=tok,
            data_collator=partial(pad_batch, pad_id=tok.pad_token_id, side="right"),
            callbacks=[ReportCallback(track.on_epoch)], scorer=scorer,
        )
        trainer.remove_callback(PrinterCallback)
        start = time.perf_counter()
        try:
            trainer.train()
            track.read_log(trainer.state.log_history)
            final, selection = on_all_of_dev(trainer.model, tok, dev, chosen, gen, track,
                                             self.config)
            healthy = save_to is not None and final.healthy  # a degenerate model is never kept
            destination = save_to(final.value) if healthy else None
            if destination is not None:
                save_adapter(trainer.model, tok, destination, self.source, hp, self.llm)
            trainable, total = trainer.model.get_nb_trainable_parameters()
            estimate = self.memory_estimate(hp)
            timed = (time_inference(trainer.model, tok, dev.prompts, gen, self.timing)
                     if self.timing is not None else {})
            return TrialOutcome(
                value=final.value, best_epoch=track.epoch, epoch_scores=track.history,
                predictions=final.predictions, train_seconds=time.perf_counter() - start,
                trainable_params=int(trainable),
                extra={
                    **track.outcome_extra(),
                    "device": base.model_device(trainer.model),
                    **selection,
                    **timed,
                    "truncated_share": round(train_set.truncated_share, 4),
                    "dev_truncated_share": round(dev.truncated_share, 4),
                    "answer_truncated_share": round(train_set.answer_truncated_share, 4),
                    "total_params": int(total),
                    "estimated_peak_gib": round(estimate.peak_gib, 4),
                    "estimated_eval_peak_gib": round(estimate.eval_peak_gib, 4),
                    "estimated_model_gib": round(estimate.weights_bytes / 2**30, 4),
                },
            )
        finally:
            shutil.rmtree(outdir, ignore_errors=True)
