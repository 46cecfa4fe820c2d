"""The kobart preset on a faithful stand-in of `digit82/kobart-summarization`
(tests/standins.py: a tokenizer that adds neither <s> nor </s>, eos 1 = decoder start, 1026
positions): inputs framed as the model card frames them, labels that end with EOS, and a model
that therefore learns to stop."""

import pandas as pd
import pytest
import torch
from test_seq2seq import frame
from transformers import AutoModelForSeq2SeqLM, GenerationConfig

from workbench import config as wconfig
from workbench.backends import seq2seq

pytestmark = pytest.mark.usefixtures("one_thread")


def kobart_config(folder, **overrides):
    return wconfig.compose("kobart", {"model.name": str(folder), "runtime.use_cpu": True,
                                      **overrides})


def test_inputs_are_framed_bos_text_eos_and_labels_end_with_eos(standin):
    cfg = kobart_config(standin("kobart"))
    tok = seq2seq.load_pretrained_tokenizer(str(standin("kobart")))
    assert tok("대화")["input_ids"][-1] != tok.eos_token_id  # the tokenizer adds nothing
    long = pd.DataFrame([{"fname": "long", "dialogue": "#Person1#: 안녕하세요. " * 400,
                          "references": ["#Person1#이 인사한다. " * 80]}])
    enc = seq2seq.encode(pd.concat([frame(3), long], ignore_index=True), tok, cfg["hparams"])
    for feat in enc.features:
        assert set(feat) == {"input_ids", "attention_mask", "labels"}  # no token_type_ids
        assert feat["input_ids"][0] == 0 and feat["input_ids"][-1] == 1  # <s> ... </s>
        assert feat["labels"][-1] == 1 and feat["labels"][0] != 0  # ... </s>, as it was trained
    hp = cfg["hparams"]
    assert len(enc.features[-1]["input_ids"]) == hp["max_input_length"]
    assert len(enc.features[-1]["labels"]) == hp["max_target_length"]
    assert enc.truncated_share == 0.25 and enc.labels_truncated_share == 0.25


def test_finetuned_briefly_it_stops_before_max_new_tokens(standin, tmp_path):
    cfg = kobart_config(standin("kobart"), **wconfig.GUARD_OFF, **{
        "hparams.num_epochs": 30, "hparams.learning_rate": 5e-3, "hparams.batch_size": 8,
        "hparams.warmup_ratio": 0.0, "hparams.num_beams": 1, "hparams.max_new_tokens": 60,
        "hparams.min_new_tokens": 0})
    splits = {"train": frame(32), "dev": frame(6)}
    backend = seq2seq.Seq2SeqBackend(cfg, splits)
    backend.train_and_evaluate(cfg["hparams"], splits["train"], None, tmp_path / "work",
                               save_to=lambda value: tmp_path / "best")
    model = AutoModelForSeq2SeqLM.from_pretrained(tmp_path / "best")
    enc = seq2seq.encode(splits["dev"], backend.tokenizer, cfg["hparams"], with_labels=False)
    batch = backend.tokenizer.pad({"input_ids": [f["input_ids"] for f in enc.features]},
                                  return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**batch, generation_config=model.generation_config)
    new = out[:, 1:]  # after the decoder start token
    ended = [(row == 1).nonzero().flatten().tolist() for row in new]
    assert all(stops and 5 < stops[0] < 60 for stops in ended), ended


def test_training_batches_are_grouped_by_length(standin, tmp_path):
    from transformers.trainer_pt_utils import LengthGroupedSampler

    cfg = kobart_config(standin("kobart"), **{"hparams.batch_size": 4})
    backend = seq2seq.Seq2SeqBackend(cfg, {"train": frame(16), "dev": frame(4)})
    args = backend._args(cfg["hparams"], tmp_path, GenerationConfig(max_new_tokens=8))
    assert args.train_sampling_strategy == "group_by_length"
    enc = seq2seq.encode(frame(16), backend.tokenizer, cfg["hparams"])
    trainer = seq2seq.Seq2SeqTrainer(model=seq2seq.build_model(cfg, backend.tokenizer,
                                                               backend.source),
                                     args=args, train_dataset=enc.features,
                                     eval_dataset=enc.features)
    assert isinstance(trainer._get_train_sampler(), LengthGroupedSampler)
    tiny = wconfig.compose("tiny-bart")
    assert not tiny["runtime"]["group_by_length"]  # the search table's order, kept
