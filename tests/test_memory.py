"""The memory model: exact parameter counts, and estimates that move the way memory does."""

import pytest

from workbench import memory, validate
from workbench.hub import ModelUnavailable

CAUSAL = ["llama", "qwen", "tiny-llama", "tiny-qwen"]


def peaks(preset: str, key: str, values: list, **fixed) -> list[memory.MemoryEstimate]:
    config = validate.resolve(preset).config
    return [memory.estimate(config, {**fixed, key: v}) for v in values]


def increasing(xs: list[float]) -> bool:
    return all(a < b for a, b in zip(xs, xs[1:], strict=False))


@pytest.mark.parametrize("preset", CAUSAL + ["tiny-bart"])
@pytest.mark.parametrize(("key", "values"), [
    ("batch_size", [1, 2, 4, 8, 16]),
    ("max_input_length", [512, 768, 1024, 1536]),
    ("max_target_length", [50, 100, 200]),
])
def test_peak_grows_with_batch_and_sequence_length(preset, key, values):
    assert increasing([e.peak_bytes for e in peaks(preset, key, values)])


@pytest.mark.parametrize("preset", CAUSAL)
@pytest.mark.parametrize("quantization", ["none", "8bit", "4bit"])
def test_peak_and_trainable_grow_with_lora_rank(preset, quantization):
    found = peaks(preset, "lora_r", [4, 8, 16, 32, 64], quantization=quantization)
    assert increasing([e.trainable_params for e in found])
    assert increasing([e.peak_bytes for e in found])
    assert len({e.weights_bytes for e in found}) == 1, "the rank does not change the base"


@pytest.mark.parametrize("preset", ["llama", "qwen"])
def test_weights_about_halve_from_8bit_to_4bit(preset):
    none, eight, four = peaks(preset, "quantization", ["none", "8bit", "4bit"])
    assert 0.45 < four.quantized_bytes / eight.quantized_bytes < 0.55
    assert none.weights_bytes > eight.weights_bytes > four.weights_bytes
    assert none.peak_bytes > eight.peak_bytes > four.peak_bytes
    assert four.quantized_params == eight.quantized_params > 0.8 * four.total_params


@pytest.mark.parametrize("preset", CAUSAL)
def test_gradient_checkpointing_saves_activation_memory(preset):
    on = memory.estimate(validate.resolve(preset, {"llm.gradient_checkpointing": True}).config)
    off = memory.estimate(validate.resolve(preset, {"llm.gradient_checkpointing": False}).config)
    assert on.activation_bytes < off.activation_bytes
    assert on.peak_bytes < off.peak_bytes
    assert on.weights_bytes == off.weights_bytes


def test_published_model_sizes():
    llama = memory.estimate(validate.resolve("llama").config)
    qwen = memory.estimate(validate.resolve("qwen").config)
    assert llama.total_params == 3_212_749_824  # Llama-3.2-3B, tied embeddings
    assert round(qwen.total_params / 1e9, 1) == 4.0  # Qwen3-4B
    # LoRA r=16 on q,k,v,o,gate,up,down of 28 layers: r * (in + out) summed.
    per_layer = 16 * ((3072 + 3072) + 2 * (3072 + 1024) + (3072 + 3072)
                      + 2 * (3072 + 8192) + (8192 + 3072))
    assert llama.trainable_params == 28 * per_layer
    assert llama.saved_bytes == 4 * llama.trainable_params


def test_counts_match_a_real_peft_model(tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    config = validate.resolve("tiny-qwen").config
    model_config = memory.model_config_of(config)
    est = memory.estimate(config, model_config=model_config)
    base = AutoModelForCausalLM.from_config(model_config)
    assert est.total_params == sum(p.numel() for p in base.parameters())
    hp = config["hparams"]
    model = get_peft_model(base, LoraConfig(r=hp["lora_r"], lora_alpha=hp["lora_alpha"],
                                            target_modules=config["llm"]["target_modules"]))
    trainable, _ = model.get_nb_trainable_parameters()
    assert est.trainable_params == trainable


def test_seq2seq_is_a_full_fine_tune():
    est = memory.estimate(validate.resolve("tiny-bart").config)
    assert est.trainable_params == est.total_params > 0
    assert est.optimizer_bytes == 8 * est.total_params
    assert est.quantized_params == 0


def test_inference_cost_grows_with_beams_and_new_tokens():
    config = validate.resolve("llama").config
    beams = [memory.estimate(config, {"num_beams": n}) for n in (1, 2, 4)]
    tokens = [memory.estimate(config, {"max_new_tokens": n}) for n in (50, 100, 200)]
    for found in (beams, tokens):
        assert increasing([e.inference_gflops for e in found])
        assert increasing([e.kv_cache_bytes for e in found])


def test_model_not_cached_and_no_config_is_explained():
    with pytest.raises(ModelUnavailable, match="llm.model_config"):
        memory.estimate(validate.resolve("kobart", {"llm.model_config": None}).config)



# ---------------------------------------------------------------- evaluation

LLM_PRESETS = ["llama", "qwen"]


@pytest.mark.parametrize("preset", LLM_PRESETS)
def test_eval_peak_of_the_llm_presets_holds_their_beams_kv_cache(preset):
    """The preset's published config at its eval batch and beams: every beam of every dialogue
    keeps keys and values of prompt + new tokens in all layers, at the compute width."""
    config = validate.resolve(preset).config
    hp, arch = config["hparams"], config["llm"]["model_config"]
    est = memory.estimate(config)
    rows = config["runtime"]["eval_batch_size"] * hp["num_beams"]
    kv_width = arch["num_key_value_heads"] * arch["head_dim"]
    assert hp["bf16"] or hp["fp16"]
    assert est.eval_kv_cache_bytes == (2 * arch["num_hidden_layers"] * kv_width * 2 * rows
                                       * (hp["max_input_length"] + hp["max_new_tokens"]))
    # One step's logits (the last position only), the compute-width ones and fp32 copies.
    assert est.eval_logits_bytes >= rows * arch["vocab_size"] * (2 + 4)
    assert est.eval_peak_bytes > (est.weights_bytes + est.optimizer_bytes
                                  + est.eval_kv_cache_bytes + est.eval_logits_bytes)
    assert est.eval_peak_gib == est.eval_peak_bytes / 2**30
    assert est.overall_peak_gib == max(est.peak_gib, est.eval_peak_gib)
    # The presets' eval batch keeps evaluation below training on the same card.
    assert est.eval_peak_bytes < est.peak_bytes


@pytest.mark.parametrize("preset", LLM_PRESETS)
def test_constraint_counts_an_evaluation_that_outgrows_training(preset):
    from workbench.strategies import constraints

    config = validate.resolve(preset, {"runtime.eval_batch_size": 32}).config  # the default's 32
    hp, limit = config["hparams"], 24.5  # GiB: a 24 GiB card's worth
    verdict = constraints.evaluate(config, hp, constraints.Limits(limit, None, None))
    assert not verdict.feasible
    est = memory.estimate(config)
    assert est.peak_gib < limit < est.eval_peak_gib, "training fits, evaluation does not"
    assert verdict.values["memory"] == pytest.approx(est.eval_peak_gib - limit)
    assert "in evaluation" in verdict.reasons["memory"]
    assert "runtime.eval_batch_size 32 x 4 beams" in verdict.reasons["memory"]
    small = validate.resolve(preset, {"runtime.eval_batch_size": 8}).config
    assert constraints.evaluate(small, hp, constraints.Limits(limit, None, None)).feasible
    tight = constraints.evaluate(small, hp, constraints.Limits(est.peak_gib * 0.9, None, None))
    assert "in training" in tight.reasons["memory"]


@pytest.mark.parametrize("preset", LLM_PRESETS)
def test_kv_cache_and_unquantized_weights_follow_the_compute_width(preset):
    half = memory.estimate(validate.resolve(preset).config)
    full = memory.estimate(validate.resolve(preset, {"hparams.bf16": False,
                                                     "hparams.fp16": False}).config)
    assert full.eval_kv_cache_bytes == 2 * half.eval_kv_cache_bytes
    assert full.kv_cache_bytes == 2 * half.kv_cache_bytes
    # Embeddings and norms keep the loaded (compute) width next to the 4-bit weights.
    unquantized = half.total_params - half.quantized_params
    assert half.weights_bytes == half.quantized_bytes + 2 * unquantized
    assert full.weights_bytes == full.quantized_bytes + 4 * unquantized


@pytest.mark.parametrize("preset", CAUSAL + ["tiny-bart"])
@pytest.mark.parametrize(("key", "values"), [
    ("runtime.eval_batch_size", [1, 4, 8, 32]),
    ("hparams.num_beams", [1, 2, 4, 8]),
    ("hparams.max_new_tokens", [50, 100, 200]),
])
def test_eval_peak_grows_with_eval_batch_beams_and_new_tokens(preset, key, values):
    found = [memory.estimate(validate.resolve(preset, {key: v}).config) for v in values]
    assert increasing([e.eval_kv_cache_bytes for e in found])
    peaks = [e.eval_peak_bytes for e in found]
    if key == "hparams.max_new_tokens" and preset in CAUSAL:  # the peak may be the prefill's
        assert peaks == sorted(peaks)
    else:
        assert increasing(peaks)
    assert len({e.peak_bytes for e in found}) == 1, "decoding does not change training's peak"


def test_seq2seq_eval_peak_holds_self_and_cross_attention_per_beam():
    config = validate.resolve("tiny-bart", {"hparams.num_beams": 4}).config
    hp, arch = config["hparams"], config["model"]["architecture"]
    est = memory.estimate(config)
    rows = config["runtime"]["eval_batch_size"] * 4
    width = 2 if hp["bf16"] or hp["fp16"] else 4
    # Self-attention over the new tokens, cross-attention over the input, in every decoder layer.
    assert est.eval_kv_cache_bytes == (2 * arch["decoder_layers"] * arch["d_model"] * width * rows
                                       * (hp["max_input_length"] + hp["max_new_tokens"]))
    # The encoder output, copied per beam, stays beside it.
    assert est.eval_activation_bytes == rows * hp["max_input_length"] * width * arch["d_model"]
    assert est.eval_peak_bytes > (est.weights_bytes + est.optimizer_bytes
                                  + est.eval_kv_cache_bytes + est.eval_activation_bytes)
