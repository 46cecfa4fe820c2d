"""The CPU presets' base: trained once as a summarizer on a generated corpus, cached, and the
starting point of every trial (as a pretrained model is for the GPU presets)."""

import json
import re

import pytest
import torch
from helpers import SMALL_BASE

from workbench import validate
from workbench.backends import pretraining, seq2seq
from workbench.config import ConfigError

# A tiny corpus and a fraction of an epoch: the mechanics, not the quality (what the full
# base scores: docs/embedded-default.md).
SMALL = SMALL_BASE


def test_the_base_is_built_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(pretraining.paths, "CACHE", tmp_path / "cache")
    config = validate.resolve("tiny-bart", SMALL).config
    assert pretraining.wanted(config)
    lines: list[str] = []
    folder = pretraining.cached_base(config, lines.append)
    assert folder.parent == tmp_path / "cache" / "bases"
    assert lines[0].startswith("building the base checkpoint once") and "96 generated" in lines[0]
    assert lines[-1].startswith("base built in")
    info = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    assert info["corpus_rows"] == 96 and info["steps"] == 3
    assert info["spec"]["base"]["epochs"] == 0.5
    assert (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file()
    again: list[str] = []
    assert pretraining.cached_base(config, again.append) == folder and again == []
    other = validate.resolve("tiny-bart", {**SMALL, "model.base.corpus_seed": 8}).config
    assert pretraining.folder_of(other) != folder


def test_trials_start_from_the_base_with_its_tokenizer(tmp_path, monkeypatch):
    monkeypatch.setattr(pretraining.paths, "CACHE", tmp_path / "cache")
    config = validate.resolve("tiny-bart", SMALL).config
    from workbench import data as wdata

    splits = wdata.load_splits({**config, "data": {**config["data"], "max_train_samples": 8,
                                                   "max_dev_samples": 4}})
    backend = seq2seq.Seq2SeqBackend(config, splits)
    folder = pretraining.folder_of(config)
    assert backend.source == folder
    assert backend.tokenizer.backend_tokenizer.to_str() == seq2seq.PreTrainedTokenizerFast \
        .from_pretrained(folder).backend_tokenizer.to_str()
    assert "#Person1#" in backend.tokenizer.get_vocab()
    model = seq2seq.build_model(config, backend.tokenizer, backend.source)
    base = seq2seq.AutoModelForSeq2SeqLM.from_pretrained(folder)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(),
                                                 base.state_dict().values(), strict=True))


def test_without_a_base_trials_train_from_random_weights():
    config = validate.resolve("tiny-bart", {"model.base.corpus_rows": 0}).config
    assert not pretraining.wanted(config)
    assert not pretraining.wanted(validate.resolve("kobart").config)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("corpus_rows", -1, "model.base.corpus_rows: must be >= 0"),
    ("epochs", 0.0, "model.base.epochs: must be > 0"),
    ("batch_size", 0, "model.base.batch_size: must be >= 1"),
    ("warmup_ratio", 1.0, "model.base.warmup_ratio: must be in [0, 1)"),
])
def test_base_settings_are_checked(key, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        validate.resolve("tiny-bart", {f"model.base.{key}": value})
