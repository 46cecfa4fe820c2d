"""Memory model: peak GPU memory, model size and inference cost of a config, without weights.

Parameter counts come from the model's module tree built on the meta device (exact, no
memory); the rest is the formula documented in docs/memory-model.md: base weights at their
stored width (4-bit / 8-bit / 16-bit / 32-bit), trainable parameters with their gradients and
AdamW states, activations from batch x sequence x widths x layers (with or without gradient
checkpointing) and the logits of the loss; and the evaluation peak, beam search over a batch of
dev prompts while training's state stays resident (KV cache, one step's logits, the prefill).
The constraint uses the larger of the two. It serves both backends (LoRA on a decoder-only LM,
full fine-tuning of an encoder-decoder: which one is the model config's own fact, so no
backend is asked) and the multi-objective strategy (model size, inference cost). `measure`
runs the same config on a GPU for the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from workbench.config import ConfigError, model_id

if TYPE_CHECKING:  # torch and transformers are imported where they are used: a refusal before
    from transformers import PreTrainedConfig  # any work must not pay for them

GIB = 2**30
ADAM_BYTES = 8  # two fp32 moments per trainable parameter
MASTER_BYTES = 4  # trainable parameters (LoRA adapters, full fine-tuning) and gradients are fp32
NORM_BYTES = 16  # per hidden unit and layer: fp32 copies kept by the two norms of a block
FOUR_BIT_BLOCK, DOUBLE_QUANT_BLOCK = 64, 256  # bitsandbytes' NF4 block sizes
# fp32 (batch x beams x vocab) tensors alive at once in a beam-search step: the logits' fp32
# copy, its log-softmax, and a logits processor's input and output.
STEP_LOGIT_COPIES = 4


@dataclass(frozen=True)
class ModelShape:
    """What the formula needs from a model config (counts from the meta-device module tree)."""

    encoder_decoder: bool  # else decoder-only (a causal LM)
    total_params: int
    linears: tuple[tuple[str, int, int], ...]  # (module path, in, out), output head excluded
    head_params: int  # the output projection's weight (shared with the embedding when tied)
    vocab: int
    hidden: int
    layers: int  # decoder layers (a causal LM's layers)
    encoder_layers: int
    intermediate: int
    q_dim: int
    kv_dim: int
    gated_mlp: bool

    @property
    def quantizable_params(self) -> int:
        """Weights that bitsandbytes quantizes: every linear layer but the output head."""
        return sum(i * o for _, i, o in self.linears)


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes by kind at the peak of a training step and of evaluation (beam search over a batch
    of dev prompts during training), and the model's size and inference cost."""

    total_params: int
    trainable_params: int
    quantized_params: int
    quantized_bytes: int  # the quantized linear weights alone (halves from 8-bit to 4-bit)
    weights_bytes: int  # all base weights at their stored width
    trainable_bytes: int
    gradient_bytes: int
    optimizer_bytes: int
    activation_bytes: int
    logits_bytes: int
    peak_bytes: int  # comparable to torch.cuda.max_memory_allocated (no CUDA context)
    saved_bytes: int  # what a trial saves: the adapter (LoRA) or the whole model
    inference_gflops: float  # one summary: prompt + num_beams x max_new_tokens
    kv_cache_bytes: int  # one summary's (the inference cost), not evaluation's batch
    eval_kv_cache_bytes: int  # eval batch x beams x (prompt + new tokens), all layers
    eval_activation_bytes: int  # the prefill's transients (causal), the encoder output (seq2seq)
    eval_logits_bytes: int  # one decoding step's logits and their fp32 copies
    eval_peak_bytes: int  # evaluation during training: resident state + the three above

    @property
    def peak_gib(self) -> float:
        """The training peak."""
        return self.peak_bytes / GIB

    @property
    def eval_peak_gib(self) -> float:
        return self.eval_peak_bytes / GIB

    @property
    def overall_peak_bytes(self) -> int:
        """What a trial needs: the larger of the training and the evaluation peak."""
        return max(self.peak_bytes, self.eval_peak_bytes)

    @property
    def overall_peak_gib(self) -> float:
        return self.overall_peak_bytes / GIB

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "peak_gib": self.peak_gib, "eval_peak_gib": self.eval_peak_gib,
                "overall_peak_gib": self.overall_peak_gib}


# ---------------------------------------------------------------- model configs


def model_config_of(config: Mapping[str, Any], local_only: bool = False) -> PreTrainedConfig:
    """The HF config of a resolved workbench config's model, never its weights.

    Built from model.architecture (a BART unless it names another model_type), from
    llm.model_config (a pretrained model named by model.name whose config the preset spells
    out, for either backend), or read from the local HF cache (or the Hub, unless `local_only`).
    """
    from transformers import AutoConfig, BartConfig

    name = model_id(config)
    arch = config["model"]["architecture"]
    try:
        if name is None:
            arch = dict(arch or {})
            vocab = arch.pop("vocab_size", config["model"]["tokenizer_vocab_size"])
            # validation refuses a decoder-only backend's architecture without its model_type
            model_type = arch.pop("model_type", "bart")
            if model_type == "bart":
                return BartConfig(vocab_size=vocab, **arch)
            return AutoConfig.for_model(model_type, vocab_size=vocab, **arch)
        given = config["llm"]["model_config"]
        if given and not config["hparams"]["model_name"]:
            given = dict(given)
            if "model_type" not in given:
                raise ConfigError("llm.model_config: needs model_type (e.g. llama, qwen3)")
            return AutoConfig.for_model(given.pop("model_type"), **given)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"model config of preset {config['preset']!r}: {exc}") from None
    try:
        return AutoConfig.from_pretrained(name, local_files_only=local_only)
    except OSError as exc:
        from workbench.hub import ModelUnavailable, unavailable_message

        message = unavailable_message(name, exc)
        raise ModelUnavailable(f"{message} Or spell out its config.json keys in "
                               "llm.model_config.") from None


_SHAPES: dict[str, ModelShape] = {}


def model_shape(model_config: PreTrainedConfig) -> ModelShape:
    """Parameter counts and layer widths of a model config (cached by the config's JSON)."""
    key = model_config.to_json_string(use_diff=False)
    if key not in _SHAPES:
        _SHAPES[key] = _shape(model_config)
    return _SHAPES[key]


def _shape(cfg: PreTrainedConfig) -> ModelShape:
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    seq2seq = bool(getattr(cfg, "is_encoder_decoder", False))
    auto = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
    with torch.device("meta"):
        model = auto.from_config(cfg)
    head = model.get_output_embeddings()
    linears = tuple((path, m.in_features, m.out_features) for path, m in model.named_modules()
                    if isinstance(m, torch.nn.Linear) and m is not head)
    total = sum(p.numel() for p in model.parameters())
    hidden = getattr(cfg, "hidden_size", None) or cfg.d_model
    if seq2seq:
        heads = cfg.decoder_attention_heads
        layers, encoder_layers = cfg.decoder_layers, cfg.encoder_layers
        intermediate, kv_dim = cfg.decoder_ffn_dim, hidden
        q_dim = hidden
    else:
        heads = cfg.num_attention_heads
        head_dim = getattr(cfg, "head_dim", None) or hidden // heads
        layers, encoder_layers = cfg.num_hidden_layers, 0
        intermediate = cfg.intermediate_size
        q_dim = heads * head_dim
        kv_dim = (getattr(cfg, "num_key_value_heads", None) or heads) * head_dim
    return ModelShape(
        encoder_decoder=seq2seq, total_params=total, linears=linears,
        head_params=head.weight.numel() if head is not None else 0, vocab=cfg.vocab_size,
        hidden=hidden, layers=layers, encoder_layers=encoder_layers, intermediate=intermediate,
        q_dim=q_dim, kv_dim=kv_dim,
        gated_mlp=any(path.endswith("gate_proj") for path, _, _ in linears),
    )


# ---------------------------------------------------------------- the formula


def quantized_width(quantization: str, double_quant: bool, in_features: int) -> float:
    """Bytes per quantized weight, scales included."""
    if quantization == "4bit":
        scales = (1 / FOUR_BIT_BLOCK + 4 / (FOUR_BIT_BLOCK * DOUBLE_QUANT_BLOCK) if double_quant
                  else 4 / FOUR_BIT_BLOCK)
        return 0.5 + scales
    if quantization == "8bit":
        return 1 + 4 / in_features  # int8 plus one fp32 scale per output row
    raise ValueError(f"quantization must be 4bit or 8bit here, got {quantization!r}")


def estimate_shape(shape: ModelShape, *, batch_size: int, input_length: int, target_length: int,
                   quantization: str = "none", lora_r: int | None = None,
                   lora_dropout: float = 0.0, target_modules: Sequence[str] = (),
                   half: bool = False, gradient_checkpointing: bool = False,
                   double_quant: bool = True, new_tokens: int = 100,
                   num_beams: int = 1, eval_batch_size: int | None = None) -> MemoryEstimate:
    """The memory model for one training configuration (see docs/memory-model.md).

    `lora_r` None means full fine-tuning (the seq2seq backend); otherwise LoRA adapters of
    rank `lora_r` sit on the linear layers named in `target_modules`. `half` is bf16/fp16
    mixed precision; lengths are the maxima (a batch padded to its longest sample is smaller).
    Evaluation decodes `eval_batch_size` prompts (default `batch_size`) with `num_beams` beams
    and `new_tokens` new tokens.
    """
    act = 2 if half else 4
    base_width = 2 if half else 4
    lora = lora_r is not None
    targeted = [(p, i, o) for p, i, o in shape.linears if p.rsplit(".", 1)[-1] in target_modules]

    # Weights, trainable parameters, gradients, optimizer states.
    quantized = shape.quantizable_params if lora and quantization != "none" else 0
    quantized_bytes = sum(i * o * quantized_width(quantization, double_quant, i)
                          for _, i, o in shape.linears) if quantized else 0
    if not lora:
        trainable = shape.total_params
        weights = MASTER_BYTES * shape.total_params  # the Trainer keeps fp32 master weights
    else:
        trainable = sum(lora_r * (i + o) for _, i, o in targeted)
        # What is not quantized (embeddings, norms) stays at the loaded width (causal.build_model).
        weights = quantized_bytes + base_width * (shape.total_params - quantized)
    trainable_bytes = MASTER_BYTES * trainable if lora else 0  # full FT: already in weights
    gradients = MASTER_BYTES * trainable
    optimizer = ADAM_BYTES * trainable

    # Activations kept for backward, per token and layer.
    h, i, q, kv = shape.hidden, shape.intermediate, shape.q_dim, shape.kv_dim
    lora_layer = 0.0
    if lora and shape.layers:  # adapters' saved inputs (dropout copy and mask) and A outputs
        lora_layer = sum(act * lora_r + ((act + 1) * in_f if lora_dropout > 0 else 0)
                         for _, in_f, _ in targeted) / shape.layers
    if not shape.encoder_decoder:
        mlp = act * (h + (4 * i if shape.gated_mlp else 2 * i))
        layer = act * (h + 3 * q + 3 * kv) + mlp + NORM_BYTES * h + lora_layer
        tokens = batch_size * (input_length + target_length)
        if gradient_checkpointing:
            acts = tokens * (shape.layers * act * h + layer)
        else:
            acts = tokens * shape.layers * layer
        acts += tokens * act * h  # embedding output
        logit_tokens = tokens
    else:
        enc_tokens, dec_tokens = batch_size * input_length, batch_size * target_length
        enc_layer = act * (6 * h + 2 * i) + 2 * h + i + NORM_BYTES * h
        dec_layer = act * (10 * h + 2 * i) + 3 * h + i + 2 * NORM_BYTES * h
        acts = (enc_tokens * shape.encoder_layers * enc_layer
                + dec_tokens * shape.layers * dec_layer
                + shape.layers * act * 2 * h * enc_tokens)  # cross-attention keys and values
        logit_tokens = dec_tokens
    # Logits at the activation width, their fp32 copy for the loss (half only), the fp32
    # log-softmax the loss keeps, and the fp32 gradient at the start of backward.
    logits = logit_tokens * shape.vocab * (act + (4 if act < 4 else 0) + 4 + 4)
    dequantized = max((i_ * o_ for _, i_, o_ in shape.linears), default=0) * act if quantized else 0

    peak = (weights + trainable_bytes + gradients + optimizer + acts + logits + dequantized)

    # Inference: one summary, prompt once, then num_beams x new_tokens steps with a KV cache.
    compute_params = sum(i_ * o_ for _, i_, o_ in shape.linears) + shape.head_params
    steps = input_length + num_beams * new_tokens
    attention = 4 * shape.layers * q * (input_length**2 / 2
                                        + num_beams * new_tokens * (input_length + new_tokens / 2))
    gflops = (2 * compute_params * steps + attention) / 1e9
    kv_cache = 2 * shape.layers * kv * act * num_beams * (input_length + new_tokens)
    if shape.encoder_decoder:
        kv_cache += 2 * shape.layers * kv * act * num_beams * input_length  # cross-attention

    # Evaluation during training: weights, adapters and AdamW moments stay (gradients are
    # freed); prompts are expanded to beams before the prefill. The KV cache is at the compute
    # width: the residual stream's, since embeddings and norms keep their loaded width.
    rows = (eval_batch_size or batch_size) * num_beams
    eval_kv = 2 * shape.layers * kv * act * rows * (input_length + new_tokens)
    reorder = eval_kv // max(2 * shape.layers, 1)  # one layer's keys (or values) copied when
    # the beams reorder or a step is appended
    if not shape.encoder_decoder:
        # The prefill, one layer at a time: residual and normed input, then the wider of the
        # attention (q, rotated q, output) and the MLP (gate, up, their product, a LoRA
        # output); the boolean mask of left-padded prompts. Only the prompt's cache exists yet.
        widest = max(2 * q + h, 4 * i if shape.gated_mlp else 2 * i)
        eval_acts = rows * input_length * (act * (2 * h + widest) + input_length)
        prompt_kv = eval_kv * input_length // (input_length + new_tokens)
        cache_and_acts = max(eval_kv + reorder, prompt_kv + eval_acts)
    else:
        # The cache is self-attention over the new tokens plus cross-attention over the input;
        # the encoder output stays beside it, copied per beam.
        eval_acts = rows * input_length * act * h
        cache_and_acts = eval_kv + reorder + eval_acts
    # Generation keeps the logits of the last position only (transformers' logits_to_keep=1).
    eval_logits = rows * shape.vocab * (act + 4 * STEP_LOGIT_COPIES)
    eval_peak = (weights + trainable_bytes + optimizer + dequantized + cache_and_acts
                 + eval_logits)

    return MemoryEstimate(
        total_params=shape.total_params, trainable_params=trainable, quantized_params=quantized,
        quantized_bytes=int(quantized_bytes), weights_bytes=int(weights),
        trainable_bytes=int(trainable_bytes), gradient_bytes=int(gradients),
        optimizer_bytes=int(optimizer), activation_bytes=int(acts), logits_bytes=int(logits),
        peak_bytes=int(peak),
        saved_bytes=int(MASTER_BYTES * trainable) if lora else int(weights),
        inference_gflops=round(gflops, 3), kv_cache_bytes=int(kv_cache),
        eval_kv_cache_bytes=int(eval_kv), eval_activation_bytes=int(eval_acts),
        eval_logits_bytes=int(eval_logits), eval_peak_bytes=int(eval_peak),
    )


def estimate(config: Mapping[str, Any], hp: Mapping[str, Any] | None = None, *,
             model_config: PreTrainedConfig | None = None) -> MemoryEstimate:
    """The memory model for a resolved workbench config and a trial's hyperparameters.

    `hp` overrides config["hparams"] (e.g. a sampled trial); `model_config` saves the lookup
    when the caller has it. Estimates are for a GPU: bf16/fp16 apply as the hparams say.
    Evaluation decodes runtime.eval_batch_size prompts at a time. A decoder-only model is
    trained with LoRA adapters at the trial's quantization, an encoder-decoder in full (what
    the backends for each do).
    """
    hp = {**config["hparams"], **(hp or {})}
    shape = model_shape(model_config or model_config_of(config))
    causal = not shape.encoder_decoder
    llm = config["llm"]
    return estimate_shape(
        shape, batch_size=hp["batch_size"], input_length=hp["max_input_length"],
        target_length=hp["max_target_length"],
        quantization=hp["quantization"] if causal else "none",
        lora_r=hp["lora_r"] if causal else None, lora_dropout=hp["lora_dropout"],
        target_modules=llm["target_modules"] if causal else (),
        half=bool(hp["bf16"] or hp["fp16"]),
        gradient_checkpointing=bool(causal and llm["gradient_checkpointing"]),
        double_quant=llm["double_quant"], new_tokens=hp["max_new_tokens"],
        num_beams=hp["num_beams"], eval_batch_size=config["runtime"]["eval_batch_size"],
    )
