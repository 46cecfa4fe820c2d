"""The causal-LM backend: prompts keep their instruction and cue, loss only on the answer,
quantized LoRA trains on the CPU, adapters reload offline, outputs are cleaned, bad presets fail.
"""

import json

import pytest
import torch
from helpers import PLUMBING, SUMMARIES, frame

from workbench import metrics, validate
from workbench.backends import causal, chat
from workbench.config import ConfigError
from workbench.hub import ModelUnavailable

PRESETS = ["tiny-llama", "tiny-qwen"]
# Small and quick: the test frames, no stand-in pretraining, short answers, greedy decoding.
QUICK = {"llm.base_pretrain_epochs": 0, "hparams.max_input_length": 512,
         "hparams.max_target_length": 60, "hparams.max_new_tokens": 30,
         "hparams.min_new_tokens": 10, "hparams.num_beams": 1, "hparams.batch_size": 4}


# Tokenizers and bases built here go to a temporary cache, not outputs/.
pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture(scope="module")
def backends():
    """One backend per tiny preset, built once (tokenizer, prompt format, cached base)."""
    built = {}

    def get(preset: str) -> causal.CausalBackend:
        if preset not in built:
            cfg = validate.resolve(preset, QUICK).config
            built[preset] = causal.CausalBackend(cfg, {"train": frame(16), "dev": frame(4)})
        return built[preset]

    return get


# ---------------------------------------------------------------- prompts and labels


@pytest.mark.parametrize("preset", PRESETS)
def test_long_dialogue_is_cut_and_instruction_and_cue_stay(backends, preset):
    b = backends(preset)
    hp = b.config["hparams"]
    long = frame(2)
    long.loc[0, "dialogue"] = "\n".join([long.loc[0, "dialogue"]] * 60)
    enc = causal.encode(long, b.tokenizer, b.format, hp)
    cut, short = enc.prompts
    assert len(cut) == hp["max_input_length"] and len(short) < hp["max_input_length"]
    assert enc.truncated == [True, False] and enc.truncated_share == 0.5
    head, tail = list(b.format.head), list(b.format.tail)
    for prompt in enc.prompts:
        assert prompt[: len(head)] == head and prompt[-len(tail):] == tail
    text = b.tokenizer.decode(cut)
    instruction = b.config["llm"]["prompt_template"].split("{dialogue}")
    assert instruction[0].strip() in text and b.config["llm"]["system_prompt"] in text
    assert text.rstrip().endswith(b.tokenizer.decode(tail).rstrip())  # the answer cue is last
    assert "assistant" in b.tokenizer.decode(tail)


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("max_target_length", [60, 8])
def test_labels_are_minus_100_everywhere_but_the_answer(backends, preset, max_target_length):
    b = backends(preset)
    hp = {**b.config["hparams"], "max_target_length": max_target_length}
    enc = causal.encode(frame(4), b.tokenizer, b.format, hp)
    batch = causal.pad_batch(enc.features, b.tokenizer.pad_token_id, "right")
    end = list(b.format.end)
    for row, labels, mask, prompt in zip(batch["input_ids"].tolist(), batch["labels"].tolist(),
                                         batch["attention_mask"].tolist(), enc.prompts,
                                         strict=True):
        n = sum(mask)
        answer = labels[len(prompt):n]
        assert all(t == -100 for t in labels[: len(prompt)]), "prompt tokens are never learned"
        assert all(t == -100 for t in labels[n:]), "pads are never learned"
        assert answer == row[len(prompt):n] and -100 not in answer
        assert answer[-len(end):] == end, "every answer ends with the end-of-turn marker"
        assert len(answer) > len(end), "every sample trains on answer text"
        assert len(answer) <= max_target_length
    cut = max_target_length < 20
    assert enc.answer_truncated == [cut] * 4
    if not cut:
        first = batch["labels"][0]
        text = b.tokenizer.decode([t for t in first.tolist() if t != -100][: -len(end)])
        assert text == frame(1).loc[0, "references"][0]


def test_prompt_budget_too_small_is_refused(backends):
    b = backends("tiny-llama")
    hp = {**b.config["hparams"], "max_input_length": b.format.fixed_length + 3}
    with pytest.raises(ConfigError, match="hparams.max_input_length: .* leave 3 for the dialogue"):
        causal.encode(frame(2), b.tokenizer, b.format, hp)


@pytest.mark.parametrize(
    ("template", "needle"),
    [
        ("대화를 요약하세요.", "found 0 {dialogue} slot"),
        ("{dialogue}\n{dialogue}", "found 2 {dialogue} slot"),
        ("{instruction}\n{dialogue}", "other slot(s) instruction"),
        ("{dialogue", "not a valid template"),
    ],
)
def test_prompt_template_without_one_dialogue_slot_is_refused(template, needle):
    with pytest.raises(ConfigError, match="llm.prompt_template") as err:
        validate.resolve("tiny-llama", {"llm.prompt_template": template})
    assert needle in str(err.value)


def test_pad_batch_left_for_generation():
    batch = causal.pad_batch([{"input_ids": [5, 6, 7], "attention_mask": [1, 1, 1]},
                              {"input_ids": [5], "attention_mask": [1]}], pad_id=1, side="left")
    assert batch["input_ids"].tolist() == [[5, 6, 7], [1, 1, 5]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [0, 0, 1]]


# ---------------------------------------------------------------- models


@pytest.mark.parametrize(("quantization", "layer"), [
    ("4bit", "Linear4bit"), ("8bit", "Linear8bitLt"), ("none", "Linear"),
])
def test_quantized_lora_loads_and_trains_a_step_on_the_cpu(backends, quantization, layer):
    b = backends("tiny-llama")
    hp = {**b.config["hparams"], "quantization": quantization}
    model = causal.build_model(b.source, hp, b.llm, torch.device("cpu"), b.tokenizer,
                               "tiny-llama", 0)
    q_proj = model.base_model.model.model.layers[0].self_attn.q_proj
    assert type(q_proj.base_layer).__name__ == layer
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n, p in model.named_parameters() if p.requires_grad)
    before = [p.detach().clone() for p in trainable]
    enc = causal.encode(frame(4), b.tokenizer, b.format, hp)
    batch = causal.pad_batch(enc.features, b.tokenizer.pad_token_id)
    optimizer = torch.optim.AdamW(trainable, lr=1e-2)
    loss = model(**batch).loss
    loss.backward()
    optimizer.step()
    assert torch.isfinite(loss)
    assert any(not torch.equal(a, p) for a, p in zip(before, trainable, strict=True))


@pytest.mark.parametrize("quantization", ["4bit", "none"])
def test_saved_adapter_reloads_offline_with_the_same_logits(backends, tmp_path, quantization):
    b = backends("tiny-qwen")
    hp = {**b.config["hparams"], "quantization": quantization}
    model = causal.build_model(b.source, hp, b.llm, torch.device("cpu"), b.tokenizer,
                               "tiny-qwen", 0)
    enc = causal.encode(frame(4), b.tokenizer, b.format, hp)
    batch = causal.pad_batch(enc.features, b.tokenizer.pad_token_id)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-2)
    for _ in range(2):  # move the adapters away from their zero start
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    with torch.no_grad():
        expected = model(input_ids=batch["input_ids"],
                         attention_mask=batch["attention_mask"]).logits
    causal.save_adapter(model, b.tokenizer, tmp_path / "best", b.source, hp, b.llm)
    assert (tmp_path / "best" / "base" / "config.json").is_file(), "the base travels along"
    settings = json.loads((tmp_path / "best" / "adapter_config.json").read_text())
    assert settings["base_model_name_or_path"] == "base"  # valid wherever the folder moves
    reloaded, tok = causal.load_adapter(tmp_path / "best")
    assert len(tok) == len(b.tokenizer) and tok.chat_template == b.tokenizer.chat_template
    with torch.no_grad():
        got = reloaded(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    torch.testing.assert_close(got, expected)


def test_target_modules_the_model_lacks_are_named():
    cfg = validate.resolve("tiny-llama", {**QUICK, "llm.target_modules": ["q_proj", "W_pack",
                                                                         "c_attn"]}).config
    with pytest.raises(ConfigError) as err:
        causal.CausalBackend(cfg, {"train": frame(4), "dev": frame(2)})
    msg = str(err.value)
    assert "llm.target_modules" in msg and "W_pack, c_attn" in msg
    assert "its linear layers are: down_proj, gate_proj, k_proj, lm_head, o_proj, q_proj" in msg


@pytest.mark.parametrize("preset", ["llama", "qwen"])
def test_pretrained_model_missing_offline_is_explained(preset):
    cfg = validate.resolve(preset).config
    with pytest.raises(ModelUnavailable) as err:
        causal.CausalBackend(cfg, {"train": frame(2), "dev": frame(2)})
    assert cfg["model"]["name"] in str(err.value) and "hf download" in str(err.value)


# ---------------------------------------------------------------- outputs


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("#Person1#은 예약을 한다.", "#Person1#은 예약을 한다."),
        ("#Person1#은 预约 예약을 한다。", "#Person1#은 예약을 한다"),
        ("#Person2#는 カタカナ 택배를 받는다", "#Person2#는 택배를 받는다"),
        ("요약: #Person1#은 #PhoneNumber#로 연락한다", "#Person1#은 #PhoneNumber#로 연락한다"),
        ("assistant\n<|im_start|>#Person1#은 간다<|im_end|>", "#Person1#은 간다"),
        ("<think>생각 중</think>#Person1#은 간다</s>", "#Person1#은 간다"),
        ("KTX로 3시에 출발한다", "KTX로 3시에 출발한다"),
        ("漢字ひらがなПривет", ""),
        ("", ""),
    ],
)
def test_clean_output_strips_artefacts_and_other_scripts_but_keeps_tags(raw, clean):
    assert chat.clean_output(raw) == clean


def test_empty_and_garbage_outputs_score_zero(backends):
    b = backends("tiny-llama")
    special = [b.tokenizer.eos_token_id, b.tokenizer.pad_token_id]
    preds = [chat.decode_answer(special, b.tokenizer), chat.clean_output("漢字 ひらがな")]
    assert preds == ["", ""]
    refs = [[SUMMARIES[0].format(t="6시", n=2)], [SUMMARIES[1].format(t="7시", n=3)]]
    for mode in ("morpheme", "baseline"):
        assert metrics.score(preds, refs, mode=mode).final == 0.0


def test_generation_stops_at_the_end_of_turn_and_suppresses_other_scripts(backends):
    b = backends("tiny-qwen")
    gen = causal.generation_config(b.config["hparams"], b.tokenizer, b.format, b.suppress)
    im_end = b.tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert im_end in gen.eos_token_id and b.tokenizer.eos_token_id in gen.eos_token_id
    assert gen.suppress_tokens, "the byte-level vocabulary has tokens of other scripts"
    for index in gen.suppress_tokens[:20]:
        assert chat.clean_output(b.tokenizer.decode([index])) == ""


# ---------------------------------------------------------------- a trial


def test_trial_reports_every_epoch_and_saves_the_best_adapter(backends, tmp_path, monkeypatch):
    b = backends("tiny-llama")
    # Plumbing: 2 epochs on 16 rows write near-constant answers (the guard is tested elsewhere;
    # they do not vary by dialogue).
    monkeypatch.setitem(b.config["objective"], "guard", dict.fromkeys(b.config["objective"][
        "guard"]))
    hp = {**b.config["hparams"], "num_epochs": 2, "learning_rate": 5e-3}
    reported: list[tuple[int, float]] = []
    outcome = b.train_and_evaluate(hp, b.splits["train"], lambda e, v: reported.append((e, v)),
                                   tmp_path / "work", lambda value: tmp_path / "best")
    assert [e for e, _ in reported] == [1, 2]
    best_epoch, best_value = max(reported, key=lambda ev: ev[1])
    assert (outcome.value, outcome.best_epoch) == (pytest.approx(best_value), best_epoch)
    assert not (tmp_path / "work").exists(), "scratch checkpoints are removed"
    extra = outcome.extra
    assert extra["truncated_share"] == 0.0 and extra["answer_truncated_share"] == 0.0
    assert 0 < outcome.trainable_params < extra["total_params"]
    assert extra["estimated_peak_gib"] > 0
    # The saved adapter is the best epoch's: generating again reproduces its predictions.
    model, tok = causal.load_adapter(tmp_path / "best")
    fmt = causal.prompt_format(tok, b.llm)
    dev = causal.encode(b.splits["dev"], tok, fmt, hp, with_labels=False)
    texts = causal.generate(model, tok, dev.prompts,
                            causal.generation_config(hp, tok, fmt, b.suppress), 8)
    from workbench import data as wdata

    assert wdata.postprocess(texts, dev.mappings) == outcome.predictions


# ---------------------------------------------------------------- a study


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
def test_study_records_rouge_truncation_share_and_trainable_params(tmp_path, preset):
    from workbench import study as wstudy

    over = {"data.max_train_samples": 16, "data.max_dev_samples": 4, "hparams.num_epochs": 2,
            "llm.base_pretrain_epochs": 1, "hparams.max_new_tokens": 30,
            "hparams.min_new_tokens": 10, "hparams.batch_size": 8, **PLUMBING}
    run = wstudy.start_run("run-study", preset=preset, n_trials=2,
                           storage=f"sqlite:///{tmp_path}/s.db", run_dir=str(tmp_path / "rec"),
                           overrides=over)
    run.optimize()
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "completed" and len(rec["trials"]) == 2
    assert rec["study"]["searched"] == ["lora_r", "lora_alpha", "quantization", "learning_rate"]
    for t in rec["trials"]:
        assert t["state"] == "COMPLETE"
        assert set(t["epoch_scores"]) == {"1", "2"}
        assert t["value"] == pytest.approx(max(t["epoch_scores"].values()))
        extra = t["extra"]
        assert 0.0 <= extra["truncated_share"] <= 1.0 and 0.0 <= extra["dev_truncated_share"] <= 1
        assert 0 < t["trainable_params"] < extra["total_params"]
        assert extra["estimated_peak_gib"] > 0
    rank = {t["params"]["lora_r"]: t["trainable_params"] for t in rec["trials"]}
    assert len(set(rank.values())) == len(rank), "trainable params follow the sampled rank"
    best = tmp_path / "rec" / "best-model"
    assert (best / "adapter_config.json").is_file() and (best / "base" / "config.json").is_file()
    assert (tmp_path / "rec" / "dev_predictions.csv").is_file()


def test_multi_objective_study_on_a_tiny_llm(tmp_path):
    """The causal backend measures inference time too, so an LLM study can be multi-objective."""
    from workbench import study as wstudy

    over = {"data.max_train_samples": 16, "data.max_dev_samples": 4, "hparams.num_epochs": 1,
            "llm.base_pretrain_epochs": 1, "hparams.max_new_tokens": 30,
            "hparams.min_new_tokens": 10, "objective.timing_samples": 2,
            "objective.timing_repeats": 2, **PLUMBING}
    run = wstudy.start_run("run-study", preset="tiny-llama", n_trials=2, objective="multi",
                           storage=f"sqlite:///{tmp_path}/s.db", run_dir=str(tmp_path / "rec"),
                           overrides=over)
    run.optimize()
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "completed"
    for t in rec["trials"]:
        rouge, seconds, size = t["values"]
        assert seconds == t["extra"]["inference_s_per_dialogue"] > 0
        assert size > 0
    assert rec["pareto_front"]


# ---------------------------------------------------------------- evaluation memory


@pytest.mark.parametrize("quantization", ["4bit", "8bit"])
def test_quantized_llama_keeps_kv_cache_in_the_compute_dtype(standin, monkeypatch, quantization):
    """k-bit preparation leaves embeddings, norms and the tied head at the width they were
    loaded in, so the residual stream and the KV cache are bf16 (not fp32: twice the memory
    of evaluation's beams); LoRA weights stay fp32 and a checkpointed training step runs."""
    cfg = validate.resolve("llama", {**QUICK, "model.name": str(standin("llama")),
                                     "llm.model_config": None, "llm.compute_dtype": "bfloat16",
                                     "hparams.bf16": True, "hparams.fp16": False,
                                     "hparams.quantization": quantization}).config
    hp = cfg["hparams"]
    real = causal.weights_dtype  # on a CPU it says float32: load as CUDA would
    monkeypatch.setattr(causal, "weights_dtype", lambda hp, device: real(hp, torch.device("cuda")))
    tok = causal.chat_tokenizer(cfg, None)
    model = causal.build_model(cfg["model"]["name"], hp, cfg["llm"], torch.device("cpu"), tok,
                               "llama", 0)
    embedding = model.get_input_embeddings()
    assert embedding.weight.dtype == torch.bfloat16
    assert model.get_output_embeddings().weight.dtype == torch.bfloat16
    norms = [p.dtype for n, p in model.named_parameters() if "norm" in n]
    assert norms and set(norms) == {torch.bfloat16}
    lora = [p for n, p in model.named_parameters() if "lora_" in n]
    assert lora and {p.dtype for p in lora} == {torch.float32}
    fmt = causal.prompt_format(tok, cfg["llm"])
    enc = causal.encode(frame(4), tok, fmt, hp)
    prompt = torch.tensor([enc.prompts[0]])
    # Train mode: bitsandbytes' CPU inference path cannot repack the stand-in's 32-wide layers.
    model.train()
    with torch.no_grad():
        step = model(input_ids=prompt, use_cache=True)
        gen = model.generate(input_ids=prompt, attention_mask=torch.ones_like(prompt),
                             max_new_tokens=2, num_beams=2, do_sample=False,
                             return_dict_in_generate=True, pad_token_id=tok.pad_token_id)
    for cache in (step.cache, gen.cache):
        dtypes = {t.dtype for layer in cache.layers for t in (layer.keys, layer.values)}
        assert dtypes == {torch.bfloat16}
    assert step.logits.dtype == torch.bfloat16
    # Training still works as the Trainer runs it: non-reentrant checkpointing, LoRA grads.
    model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    before = [p.detach().clone() for p in lora]
    optimizer = torch.optim.AdamW(lora, lr=1e-2)
    loss = model(**causal.pad_batch(enc.features, tok.pad_token_id)).loss
    loss.backward()
    optimizer.step()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for p in lora)
    assert any(not torch.equal(a, p) for a, p in zip(before, lora, strict=True))
    assert {p.dtype for p in lora} == {torch.float32}


# ---------------------------------------------------------------- pruning within an epoch


def test_an_llm_trial_is_pruned_within_its_first_epoch(tmp_path):
    """Evaluated twice per epoch, a tiny-llama trial far below an earlier trial is pruned at
    its first evaluation, half-way through epoch 1, and its checkpoints are removed."""
    import optuna

    from workbench.study import objective, samplers

    cfg = validate.resolve("tiny-llama", {**QUICK, "runtime.evals_per_epoch": 2,
                                          "study.pruner.n_warmup_steps": 1,
                                          "study.pruner.n_startup_trials": 1}).config
    b = causal.CausalBackend(cfg, {"train": frame(16), "dev": frame(4)})  # 4 steps per epoch
    study = optuna.create_study(direction="maximize", pruner=samplers.make_pruner(cfg["study"]))
    study.add_trial(optuna.trial.create_trial(
        value=100.0, intermediate_values={i: 100.0 for i in range(1, 5)}))
    trial = study.ask()
    report = objective._reporter(trial, False, 2, cfg["study"], 2)
    hp = {**cfg["hparams"], "num_epochs": 2}
    with pytest.raises(optuna.TrialPruned, match=r"after evaluation 1 \(epoch 0.5 of 2 per"):
        b.train_and_evaluate(hp, b.splits["train"], report, tmp_path / "work")
    assert trial.user_attrs["eval_epochs"] == {"1": 0.5}
    assert trial.user_attrs["evals_per_epoch"] == 2
    assert not (tmp_path / "work").exists(), "a pruned trial's checkpoints are removed"
