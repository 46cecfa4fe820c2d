"""The memory model: exact parameter counts, and estimates that move the way memory does."""

import pytest

from workbench import memory, validate
from workbench.backends.base import ModelUnavailable

CAUSAL = ["llama", "qwen", "tiny-llama", "tiny-qwen"]


def peaks(preset: str, key: str, values: list, **fixed) -> list[memory.MemoryEstimate]:
    config = validate.resolve(preset)
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
    on = memory.estimate(validate.resolve(preset, {"llm.gradient_checkpointing": True}))
    off = memory.estimate(validate.resolve(preset, {"llm.gradient_checkpointing": False}))
    assert on.activation_bytes < off.activation_bytes
    assert on.peak_bytes < off.peak_bytes
    assert on.weights_bytes == off.weights_bytes


def test_published_model_sizes():
    llama = memory.estimate(validate.resolve("llama"))
    qwen = memory.estimate(validate.resolve("qwen"))
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

    config = validate.resolve("tiny-qwen")
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
    est = memory.estimate(validate.resolve("tiny-bart"))
    assert est.trainable_params == est.total_params > 0
    assert est.optimizer_bytes == 8 * est.total_params
    assert est.quantized_params == 0


def test_inference_cost_grows_with_beams_and_new_tokens():
    config = validate.resolve("llama")
    beams = [memory.estimate(config, {"num_beams": n}) for n in (1, 2, 4)]
    tokens = [memory.estimate(config, {"max_new_tokens": n}) for n in (50, 100, 200)]
    for found in (beams, tokens):
        assert increasing([e.inference_gflops for e in found])
        assert increasing([e.kv_cache_bytes for e in found])


def test_model_not_cached_and_no_config_is_explained():
    with pytest.raises(ModelUnavailable, match="llm.model_config"):
        memory.estimate(validate.resolve("kobart"))

