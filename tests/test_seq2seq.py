"""The seq2seq backend: tags survive decoding, label pads are -100, the best epoch is kept."""

import os
import time

import numpy as np
import pytest
from helpers import GUARD_OFF, frame
from transformers import AutoModelForSeq2SeqLM, DataCollatorForSeq2Seq, PreTrainedTokenizerFast

from workbench import data as wdata
from workbench import validate
from workbench.backends import base, bpe, seq2seq


@pytest.fixture(scope="module")
def tokenizer() -> PreTrainedTokenizerFast:
    df = frame(40)
    return bpe.train_tokenizer(list(df["dialogue"]) + [r[0] for r in df["references"]], 400)


def test_tags_are_single_tokens_and_survive_decoding(tokenizer):
    text = "#Person1#은 #Person2#에게 #PhoneNumber#로 연락하라고 한다. #P1# #A#"
    ids = tokenizer(text)["input_ids"]
    tokens = tokenizer.convert_ids_to_tokens(ids)
    for tag in ("#Person1#", "#Person2#", "#PhoneNumber#", "#P1#", "#A#"):
        assert tag in tokens
    assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
    assert tokenizer.decode(ids, skip_special_tokens=True) == text
    for tag in wdata.model_tags():
        assert tag not in tokenizer.all_special_tokens


def test_specials_follow_bart_convention(tokenizer):
    assert (tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id) == (0, 1, 2)


def test_label_pads_are_minus_100(tokenizer):
    cfg = validate.resolve("tiny-bart").config
    enc = seq2seq.encode(frame(6), tokenizer, cfg["hparams"])
    model = seq2seq.build_model(cfg, tokenizer, None)  # random weights
    batch = DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100)(enc.features)
    lengths = [len(f["labels"]) for f in enc.features]
    assert len(set(lengths)) > 1, "the test needs labels of different lengths"
    for row, feat in zip(batch["labels"].tolist(), enc.features, strict=True):
        n = len(feat["labels"])
        assert row[:n] == feat["labels"]
        assert all(t == -100 for t in row[n:])
        assert tokenizer.pad_token_id not in row
    assert "decoder_input_ids" in batch


def test_input_truncated_to_max_input_length(tokenizer):
    cfg = validate.resolve("tiny-bart", {"hparams.max_input_length": 512}).config
    long = frame(1)
    long.loc[0, "dialogue"] = "\n".join([long.loc[0, "dialogue"]] * 200)
    enc = seq2seq.encode(long, tokenizer, cfg["hparams"])
    assert len(enc.features[0]["input_ids"]) == 512


def test_truncation_is_counted_never_silent(tokenizer):
    """The causal backend recorded its truncated shares; the seq2seq one cut silently."""
    hp = validate.resolve("tiny-bart").config["hparams"]
    enc = seq2seq.encode(frame(6), tokenizer, {**hp, "max_input_length": 24,
                                               "max_target_length": 8})
    assert enc.truncated_share == 1.0 and enc.labels_truncated_share == 1.0
    wide = seq2seq.encode(frame(6), tokenizer, {**hp, "max_input_length": 1024,
                                                "max_target_length": 512})
    assert wide.truncated_share == 0.0 == wide.labels_truncated_share


def test_generation_config_follows_hparams(tokenizer):
    hp = validate.resolve("tiny-bart").config["hparams"]
    greedy = base.generation_config({**hp, "num_beams": 1, "do_sample": False}, tokenizer)
    assert greedy.num_beams == 1 and not greedy.do_sample
    sampled = base.generation_config(
        {**hp, "do_sample": True, "temperature": 0.3, "top_p": 0.8, "top_k": 20}, tokenizer)
    assert (sampled.temperature, sampled.top_p, sampled.top_k) == (0.3, 0.8, 20)
    beams = base.generation_config({**hp, "num_beams": 4, "length_penalty": 1.5}, tokenizer)
    assert beams.length_penalty == 1.5 and beams.max_new_tokens == hp["max_new_tokens"]


def test_train_reports_every_epoch_and_saves_the_best(tokenizer, tmp_path, monkeypatch):
    cfg = validate.resolve("tiny-bart", {"hparams.num_epochs": 3, "hparams.num_beams": 1,
                                         "hparams.max_new_tokens": 50, **GUARD_OFF,
                                         "model.base.corpus_rows": 0}).config
    splits = {"train": frame(24), "dev": frame(6)}
    monkeypatch.setattr(seq2seq, "cached_tokenizer", lambda texts, size: tokenizer)
    backend = seq2seq.Seq2SeqBackend(cfg, splits)
    reported: list[tuple[int, float]] = []
    saved = tmp_path / "best"
    outcome = backend.train_and_evaluate(cfg["hparams"], splits["train"],
                                         lambda e, v: reported.append((e, v)), tmp_path / "work",
                                         lambda v: saved)
    assert [e for e, _ in reported] == [1, 2, 3]
    best_epoch, best_value = max(reported, key=lambda ev: ev[1])
    assert outcome.value == pytest.approx(best_value)
    assert outcome.best_epoch == best_epoch
    assert len(outcome.predictions) == 6
    assert {"truncated_share", "dev_truncated_share", "labels_truncated_share"} <= set(
        outcome.extra)
    assert not (tmp_path / "work").exists(), "scratch checkpoints are removed"
    # The saved model is the best epoch's: generating again reproduces its predictions.
    model = AutoModelForSeq2SeqLM.from_pretrained(saved)
    tok = PreTrainedTokenizerFast.from_pretrained(saved)
    dev = seq2seq.encode(splits["dev"], tok, cfg["hparams"], with_labels=False)
    batch = tok.pad(dev.features, return_tensors="pt")
    gen = base.generation_config(cfg["hparams"], tok)
    out = model.generate(**batch, generation_config=gen)
    texts = wdata.postprocess(tok.batch_decode(out, skip_special_tokens=True), dev.mappings)
    assert texts == outcome.predictions


def test_nan_loss_fails_the_trial(tokenizer, tmp_path, monkeypatch):
    cfg = validate.resolve("tiny-bart", {"hparams.num_epochs": 1,
                                         "model.base.corpus_rows": 0}).config
    monkeypatch.setattr(seq2seq, "cached_tokenizer", lambda texts, size: tokenizer)
    splits = {"train": frame(32), "dev": frame(2)}
    backend = seq2seq.Seq2SeqBackend(cfg, splits)
    hp = {**cfg["hparams"], "learning_rate": float("inf"), "batch_size": 8, "warmup_ratio": 0.0}
    with pytest.raises(FloatingPointError, match="loss became nan"):
        backend.train_and_evaluate(hp, splits["train"], None, tmp_path / "work")


def test_pretrained_model_missing_offline_is_explained():
    cfg = validate.resolve("kobart").config
    with pytest.raises(seq2seq.ModelUnavailable) as err:
        seq2seq.Seq2SeqBackend(cfg, {"train": frame(2), "dev": frame(2)})
    msg = str(err.value)
    assert "digit82/kobart-summarization" in msg and "hf download" in msg


def test_decode_keeps_minus_100_out(tokenizer):
    preds = np.array([[0, 5, 6, 2, -100, -100]])
    ids = np.where(preds != -100, preds, tokenizer.pad_token_id)
    assert tokenizer.batch_decode(ids, skip_special_tokens=True)[0] == tokenizer.decode([5, 6])


def test_processes_that_want_one_tokenizer_at_once_build_it_once(tmp_path, monkeypatch):
    """Worker processes starting together ask for the same cached tokenizer: one builds it, the
    others wait and load it (before the lock, each built into the same .tmp folder and renamed
    it away under the others)."""
    import multiprocessing as mp

    monkeypatch.setattr(bpe.paths, "CACHE", tmp_path / "cache")
    train = bpe.train_tokenizer

    def slow_counted_build(texts, size):
        with open(tmp_path / "builds.txt", "a") as f:
            f.write("build\n")
        time.sleep(0.5)  # room for the other process to arrive meanwhile
        return train(texts, size)

    monkeypatch.setattr(bpe, "train_tokenizer", slow_counted_build)
    texts = ["#Person1#: 안녕하세요. 커피 한 잔 주세요.",
             "#Person2#: 네, 따뜻한 걸로 드릴까요?"] * 20
    start = mp.get_context("fork").Barrier(2)

    def child():
        start.wait()
        tok = bpe.cached_tokenizer(texts, 300)
        os._exit(0 if tok("커피")["input_ids"] else 1)

    procs = [mp.get_context("fork").Process(target=child) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert (tmp_path / "builds.txt").read_text().count("build") == 1


# ---------------------------------------------------------------- precision


@pytest.fixture
def cuda_card(monkeypatch):
    """`cuda_card(major)`: torch, and transformers' TF32 check, see one CUDA card of compute
    capability `major`.x (8: Ampere; 7: Volta/Turing, no native bf16)."""
    from types import SimpleNamespace

    import torch
    from transformers.utils import is_torch_tf32_available

    def use(major: int) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
        monkeypatch.setattr(torch.cuda, "get_device_properties",
                            lambda device=None: SimpleNamespace(major=major, minor=0))
        monkeypatch.setattr(torch.version, "cuda", "12.8")
        is_torch_tf32_available.cache_clear()

    yield use
    is_torch_tf32_available.cache_clear()  # computed again for the real machine


@pytest.mark.parametrize(("preset", "major", "expected"), [
    ("kobart", 8, ("bf16", True)),
    ("kobart", 7, ("fp16", None)),   # no native bf16: fp16 instead of torch's slow emulation
    ("qwen", 9, ("bf16", True)),
    ("qwen", 7, ("fp16", None)),
    ("tiny-bart", 8, ("fp32", True)),  # no mixed precision asked: fp32 matmuls in TF32
])
def test_precision_follows_the_card(cuda_card, tmp_path, preset, major, expected):
    import torch

    from workbench.backends import causal

    cfg = validate.resolve(preset).config
    hp = cfg["hparams"]
    cuda_card(major)
    args = base.trial_arguments(hp, cfg["runtime"], tmp_path, use_cpu=False)
    mode = "bf16" if args["bf16"] else "fp16" if args["fp16"] else "fp32"
    assert (mode, args["tf32"]) == expected
    assert base.precision(hp, use_cpu=False) == mode  # what the trial's record says
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(mode, torch.float32)
    assert causal.weights_dtype(hp, torch.device("cuda")) == dtype  # an LLM's base the same
    cpu = base.trial_arguments(hp, cfg["runtime"], tmp_path, use_cpu=True)
    assert (cpu["bf16"], cpu["fp16"], cpu["tf32"]) == (False, False, None)
    assert base.precision(hp, use_cpu=True) == "fp32"
    if preset == "qwen":
        assert cfg["llm"]["compute_dtype"] == "bfloat16"
    if cfg["model"]["backend"] == "causal":  # 4-bit layers compute as the trial trains
        quant = causal.quantization_config("4bit", cfg["llm"], torch.device("cuda"))
        assert quant.bnb_4bit_compute_dtype == dtype


@pytest.mark.parametrize(("nan_from", "every", "caught_at"), [
    (5, 3, 6),     # logged every 3 steps: the first log after the NaN
    (16, 10, 16),  # the last step (and the step before an evaluation) is always logged
])
def test_nan_loss_ends_the_trial_within_logging_steps(tokenizer, tmp_path, monkeypatch,
                                                      nan_from, every, caught_at):
    """The loss becomes NaN at optimizer step `nan_from` of a 16-step epoch; the trial fails
    at the first logged step from there, not at the end of the epoch."""
    cfg = validate.resolve("tiny-bart", {"hparams.num_epochs": 1, "model.base.corpus_rows": 0,
                                         "runtime.logging_steps": every}).config
    monkeypatch.setattr(seq2seq, "cached_tokenizer", lambda texts, size: tokenizer)
    real_build = seq2seq.build_model

    def poisoned(*args, **kwargs):
        model = real_build(*args, **kwargs)
        steps = []

        def hook(module, inputs, output):
            if module.training:
                steps.append(1)
                if len(steps) >= nan_from:
                    output.loss = output.loss * float("nan")
            return output

        model.register_forward_hook(hook)
        return model

    monkeypatch.setattr(seq2seq, "build_model", poisoned)
    splits = {"train": frame(32), "dev": frame(2)}
    backend = seq2seq.Seq2SeqBackend(cfg, splits)
    hp = {**cfg["hparams"], "batch_size": 2, "gradient_accumulation_steps": 1}
    with pytest.raises(FloatingPointError, match=f"loss became nan at step {caught_at}$"):
        backend.train_and_evaluate(hp, splits["train"], None, tmp_path / "work")
