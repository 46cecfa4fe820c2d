"""Augmentation: tags survive or the pair is dropped and counted, the cache is reused and
checked, missing models are refused before any work, and a study searches the model-free ones.

The translation and paraphrase models are tiny and untrained, built from configs here and saved
to a temporary folder that the config names: nothing is downloaded.
"""

import json
import random
from collections import Counter

import pandas as pd
import pytest
import torch
import yaml
from helpers import PLUMBING
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    LlamaConfig,
    LlamaForCausalLM,
    MarianConfig,
    MarianMTModel,
)

from workbench import augment, backends, paths, validate
from workbench import config as wconfig
from workbench import data as wdata
from workbench import study as wstudy
from workbench.backends import bpe, seq2seq

TRAIN = wdata.read_split(paths.DATA / "sample" / "train.csv", "train").head(10)
FAST = {
    "hparams.use_augmentation": True,
    "augment.share": 0.6,
    "augment.translation_generation.num_beams": 1,
    "augment.translation_generation.max_new_tokens": 8,
    "augment.paraphrase_generation.max_new_tokens": 8,
    "augment.batch_size": 64,
}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, str]:
    """Folders of tiny untrained models: Marian ko->en and en->ko, a BART and a Llama."""
    root = tmp_path_factory.mktemp("augment-models")
    texts = list(TRAIN["dialogue"]) + [r[0] for r in TRAIN["references"]] + ["[0] [1] [2] a b"]
    tok = bpe.train_tokenizer(texts, 400)
    ids = dict(vocab_size=len(tok), pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
               max_position_embeddings=512)
    small = dict(d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                 decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64)
    torch.manual_seed(0)
    built = {
        "ko-en": MarianMTModel(MarianConfig(decoder_start_token_id=tok.pad_token_id, **small,
                                            **ids)),
        "en-ko": MarianMTModel(MarianConfig(decoder_start_token_id=tok.pad_token_id, **small,
                                            **ids)),
        "bart": BartForConditionalGeneration(BartConfig(
            bos_token_id=tok.bos_token_id, decoder_start_token_id=tok.eos_token_id, **small,
            **ids)),
        "llama": LlamaForCausalLM(LlamaConfig(
            hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
            num_key_value_heads=2, bos_token_id=tok.bos_token_id, **ids)),
    }
    out = {}
    for name, model in built.items():
        model.save_pretrained(root / name)
        tok.save_pretrained(root / name)
        out[name] = str(root / name)
    return out


@pytest.fixture
def loads(monkeypatch, tmp_path) -> list[str]:
    """A fresh cache folder, and the names of the models loaded (in order)."""
    monkeypatch.setattr(paths, "CACHE", tmp_path)
    calls: list[str] = []
    real = augment.load_model

    def spy(name, device):
        calls.append(name)
        return real(name, device)

    monkeypatch.setattr(augment, "load_model", spy)
    return calls


@pytest.fixture
def echo(monkeypatch) -> None:
    """Models still load, but give back their input: every pair keeps its tags, quickly."""
    monkeypatch.setattr(augment, "generate", lambda loaded, texts, *a, **kw: list(texts))


def cfg(models, strategy: str, **over):
    model_keys = {
        "augment.to_pivot_model": models["ko-en"],
        "augment.from_pivot_model": models["en-ko"],
        "augment.paraphrase_model": models["bart"],
    }
    return validate.resolve("tiny-bart", {**FAST, **model_keys,
                                         "hparams.augmentation_strategy": strategy, **over}).config


def added_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[len(TRAIN):]


def assert_tags_kept(frame: pd.DataFrame) -> None:
    """Every augmented pair holds exactly the tags of the pair it came from."""
    source = TRAIN.set_index("fname")
    for fname, dialogue, refs in zip(frame["fname"], frame["dialogue"], frame["references"],
                                     strict=True):
        orig = source.loc[fname.split("~")[0]]
        assert Counter(wdata.TAG_RE.findall(dialogue)) == Counter(
            wdata.TAG_RE.findall(orig["dialogue"])), fname
        assert Counter(wdata.TAG_RE.findall(refs[0])) == Counter(
            wdata.TAG_RE.findall(orig["references"][0])), fname


# --------------------------------------------------------------------------- tags


def test_placeholders_restore_tags_even_with_spaces_and_reordering():
    text = "#Person1#은 #Person2#에게 #PhoneNumber#로 연락하라고 #Person2#에게 말한다."
    protected, tags = augment.protect(text, "[{i}]")
    assert "#" not in protected and protected.startswith("[0]은 [1]에게 [2]로")
    moved = "[ 3 ]에게 [2]로 [0]은 연락하라고 [1] 에게 말한다."  # a model reordered and spaced
    back = augment.unprotect(moved, tags, "[{i}]")
    assert back == "#Person2#에게 #PhoneNumber#로 #Person1#은 연락하라고 #Person2# 에게 말한다."
    assert augment.same_tags(text, back)
    assert not augment.same_tags(text, augment.unprotect("[0] [1] [2]", tags, "[{i}]"))


@pytest.mark.parametrize("strategy", ["backtranslation", "paraphrase"])
def test_restored_tags_kept_and_rows_that_lost_one_dropped_and_counted(models, loads, strategy,
                                                                       monkeypatch):
    """With the models' output replaced by their input minus the fourth placeholder of every
    text, exactly the rows with a text of four or more tags are dropped and counted."""
    def echo(loaded, texts, settings, aug, **kw):
        assert loaded[0] is not None  # a real (tiny) model was loaded for this
        return [t.replace("[3]", "") for t in texts]

    monkeypatch.setattr(augment, "generate", echo)
    frame, extra = augment.apply(TRAIN, {"use_augmentation": True,
                                         "augmentation_strategy": strategy},
                                 cfg(models, strategy))
    (entry,) = extra["augmentation"]["entries"]
    picked = augment.pick_rows(TRAIN, 0.6, 42)
    lost = sum(any(len(wdata.TAG_RE.findall(s)) >= 4
                   for s in [t for _, t in augment.split_turns(d)] + [r[0]])
               for d, r in zip(picked["dialogue"], picked["references"], strict=True))
    assert 0 < lost < len(picked), "the fixture needs rows of both kinds"
    assert entry["rows"] == len(picked) == 6
    assert entry["dropped_tag_lost"] == lost and entry["kept"] == len(picked) - lost
    assert extra["augmentation"]["added"] == entry["kept"] == len(added_rows(frame))
    assert_tags_kept(added_rows(frame))
    assert len(loads) == (2 if strategy == "backtranslation" else 1)


@pytest.mark.parametrize(
    ("strategy", "over", "expect_models"),
    [
        ("backtranslation", {}, ["ko-en", "en-ko"]),
        ("paraphrase", {}, ["bart"]),
        ("paraphrase", {"augment.paraphrase_model": "llama"}, ["llama"]),
        ("both", {}, ["bart", "ko-en", "en-ko"]),
    ],
)
def test_model_strategies_run_end_to_end_then_come_from_the_cache(models, loads, strategy, over,
                                                                 expect_models):
    over = {k: models[v] for k, v in over.items()}
    config = cfg(models, strategy, **over)
    hp = config["hparams"]
    frame, extra = augment.apply(TRAIN, hp, config)
    info = extra["augmentation"]
    assert loads == [models[m] for m in expect_models]
    assert [e["op"] for e in info["entries"]] == list(augment.STRATEGIES[strategy])
    for e in info["entries"]:
        assert not e["hit"] and e["build_s"] > 0 and e["rows"] == 6
        assert e["kept"] + e["dropped_tag_lost"] + e["dropped_empty"] == e["rows"]
        assert e["file"].endswith(".json")
    # Untrained models keep few tags: whatever survived holds exactly its tags.
    assert sum(e["dropped_tag_lost"] + e["dropped_empty"] for e in info["entries"]) > 0
    assert_tags_kept(added_rows(frame))
    assert info["added"] == len(frame) - len(TRAIN) <= 6
    assert frame.iloc[: len(TRAIN)].equals(TRAIN)

    # The next trial asking for the same augmentation loads no model.
    again, extra2 = augment.apply(TRAIN, hp, config)
    assert loads == [models[m] for m in expect_models]
    assert all(e["hit"] for e in extra2["augmentation"]["entries"])
    assert extra2["augmentation"]["build_s"] == 0
    assert [e["build_s"] for e in extra2["augmentation"]["entries"]] == [
        e["build_s"] for e in info["entries"]]
    assert again.equals(frame)


def test_both_reuses_the_single_strategies_entries(models, loads, echo):
    for strategy in ("paraphrase", "backtranslation"):
        config = cfg(models, strategy)
        augment.apply(TRAIN, config["hparams"], config)
    count = len(loads)
    config = cfg(models, "both")
    frame, extra = augment.apply(TRAIN, config["hparams"], config)
    assert len(loads) == count
    assert all(e["hit"] for e in extra["augmentation"]["entries"])


def test_changed_generation_settings_or_seed_build_a_new_entry(models, loads, echo):
    config = cfg(models, "paraphrase")
    augment.apply(TRAIN, config["hparams"], config)
    for over in ({"augment.paraphrase_generation.top_p": 0.8}, {"augment.seed": 7}):
        config = cfg(models, "paraphrase", **over)
        _, extra = augment.apply(TRAIN, config["hparams"], config)
        assert not extra["augmentation"]["entries"][0]["hit"]
    assert len(loads) == 3
    assert len(list(paths.cache("augment").glob("paraphrase-*.json"))) == 3


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda e: {**e, "rows": e["rows"][:-1] + [{**e["rows"][-1], "summary": "x"}]},
         "content hash mismatch"),
        (lambda e: {**e, "stats": {**e["stats"], "kept": 99}}, "content hash mismatch"),
        (None, "unreadable (JSONDecodeError)"),
    ],
)
def test_corrupt_cache_entry_is_rebuilt_not_used(models, loads, echo, damage, reason):
    config = cfg(models, "backtranslation")
    frame, extra = augment.apply(TRAIN, config["hparams"], config)
    file = paths.ROOT / extra["augmentation"]["entries"][0]["file"]  # absolute when outside
    entry = json.loads(file.read_text(encoding="utf-8"))
    if damage is None:
        file.write_text(file.read_text(encoding="utf-8")[:100], encoding="utf-8")
    else:
        assert entry["rows"], "the echo keeps every pair"
        file.write_text(json.dumps(damage(entry), ensure_ascii=False), encoding="utf-8")
    again, extra2 = augment.apply(TRAIN, config["hparams"], config)
    (e,) = extra2["augmentation"]["entries"]
    assert not e["hit"] and e["rebuilt"] == reason
    assert len(loads) == 4  # both models loaded again
    assert again.equals(frame)
    assert json.loads(file.read_text(encoding="utf-8"))["content_sha256"] == entry[
        "content_sha256"]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"hparams.augmentation_strategy": "backtranslation"}, "augment.to_pivot_model:"),
        ({"hparams.augmentation_strategy": "backtranslation",
          "augment.to_pivot_model": "m"}, "augment.from_pivot_model:"),
        ({"hparams.augmentation_strategy": "paraphrase"}, "augment.paraphrase_model:"),
        ({"hparams.augmentation_strategy": "both"}, "augment.paraphrase_model:"),
        ({"search.params": ["use_augmentation", "augmentation_strategy"]},
         "augmentation_strategy 'paraphrase' (searched) needs"),
        ({"hparams.augmentation_strategy": "mixup"}, "'mixup' is not one of none, paraphrase"),
        ({"hparams.use_augmentation": False, "hparams.augmentation_strategy": "turn_noise"},
         "has no effect while hparams.use_augmentation is false"),
        ({"hparams.use_augmentation": False, "search.params": ["augmentation_strategy"]},
         "set hparams.use_augmentation: true (or search it)"),
        ({"augment.share": 1.5}, "augment.share: must be > 0 and <= 1"),
        ({"augment.placeholder": "#{i}#"}, "augment.placeholder:"),
        ({"augment.source_lang": "kor_Hang"}, "set both"),
        ({"augment.paraphrase_model": 3}, "augment.paraphrase_model: expected str"),
        ({"augment.translation_generation.beams": 3}, "unknown key 'augment.translation_"),
    ],
)
def test_unusable_augmentation_refused_before_any_work(overrides, needle):
    with pytest.raises(wconfig.ConfigError) as err:
        validate.resolve("tiny-bart", {"hparams.use_augmentation": True, **overrides})
    assert needle in str(err.value)


def test_apply_refuses_a_missing_model_before_loading_anything(loads):
    config = validate.resolve("tiny-bart", {"hparams.use_augmentation": True}).config
    hp = {**config["hparams"], "augmentation_strategy": "backtranslation"}
    with pytest.raises(wconfig.ConfigError, match="set augment.to_pivot_model"):
        augment.apply(TRAIN, hp, config)
    assert loads == []


# --------------------------------------------------------------------------- model-free


def test_speaker_swap_renames_speakers_in_dialogue_and_summary_alike():
    dialogue = "#Person1#: 안녕하세요.\n#Person2#: 네, #Person1#님.\n#Person1#: 예약할게요."
    summary = "#Person1#은 #Person2#에게 예약한다."
    new_dialogue, new_summary = augment.swap_speakers(dialogue, summary, random.Random(0))
    assert new_dialogue == ("#Person2#: 안녕하세요.\n#Person1#: 네, #Person2#님.\n"
                            "#Person2#: 예약할게요.")
    assert new_summary == "#Person2#은 #Person1#에게 예약한다."
    assert augment.swap_speakers("#Person1#: 혼잣말.", "#Person1#이 말한다.",
                                 random.Random(0)) is None
    three = "#Person1#: a\n#Person2#: b\n#Person3#: c"
    for seed in range(5):
        out, _ = augment.swap_speakers(three, "", random.Random(seed))
        assert out != three and sorted(out.split("\n")) != out  # a real permutation
        assert Counter(wdata.PERSON_RE.findall(out)) == Counter(wdata.PERSON_RE.findall(three))


def test_turn_noise_keeps_speakers_tags_and_turn_count():
    dialogue = TRAIN["dialogue"].iloc[0]
    for seed in range(5):
        noisy = augment.noisy_turns(dialogue, 0.3, random.Random(seed))
        clean = augment.split_turns(dialogue)
        turns = augment.split_turns(noisy)
        assert [p for p, _ in turns] == [p for p, _ in clean]
        changed = [a != b for (_, a), (_, b) in zip(clean, turns, strict=True)]
        assert sum(changed) == round(0.3 * len(clean))
        assert Counter(wdata.TAG_RE.findall(noisy)) == Counter(wdata.TAG_RE.findall(dialogue))


@pytest.mark.parametrize("strategy", ["speaker_swap", "turn_noise", "model_free"])
def test_model_free_strategies_add_the_share_and_keep_summaries_consistent(loads, strategy):
    config = validate.resolve("tiny-bart", {"hparams.use_augmentation": True,
                                           "hparams.augmentation_strategy": strategy}).config
    frame, extra = augment.apply(TRAIN, config["hparams"], config)
    info = extra["augmentation"]
    assert loads == []
    assert info["strategy"] == strategy and info["share"] == 0.5
    skipped = sum(e.get("skipped_single_speaker", 0) for e in info["entries"])
    assert info["added"] == len(frame) - len(TRAIN) == 5 - (skipped if strategy == "speaker_swap"
                                                             else 0)
    source = TRAIN.set_index("fname")
    for fname, refs in zip(added_rows(frame)["fname"], added_rows(frame)["references"],
                           strict=True):
        orig, op = fname.split("~")
        if op == "turn_noise":
            assert refs == source.loc[orig]["references"]
        else:
            assert refs[0] != source.loc[orig]["references"][0] or "#Person" not in refs[0]
    _, again = augment.apply(TRAIN, config["hparams"], config)
    assert all(e["hit"] for e in again["augmentation"]["entries"])


def test_no_augmentation_leaves_the_train_frame_alone():
    config = validate.resolve("tiny-bart").config
    frame, extra = augment.apply(TRAIN, config["hparams"], config)
    assert frame is TRAIN
    assert extra == {"augmentation": {"strategy": "none", "train_rows": 10, "added": 0}}


# --------------------------------------------------------------------------- a study


def test_study_on_the_embedded_default_searches_model_free_strategies(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CACHE", tmp_path)
    space = tmp_path / "augment-space.yaml"
    space.write_text(yaml.safe_dump({
        "preprocessing": {"augmentation_strategy": {
            "type": "categorical", "choices": list(augment.MODEL_FREE)}},
        "fixed": {"use_augmentation": True},
    }), encoding="utf-8")
    handed: list[tuple[str, int, int]] = []  # (strategy, train rows, dev rows) per trial

    class Counting(seq2seq.Seq2SeqBackend):
        def train_and_evaluate(self, hp, train, *args, **kwargs):
            handed.append((augment.active_strategy(hp), len(train), len(self.splits["dev"])))
            return super().train_and_evaluate(hp, train, *args, **kwargs)

    backends.register("counting", Counting)
    order = ["speaker_swap", "turn_noise", "model_free"]
    overrides = {
        "data.max_train_samples": 48, "data.max_dev_samples": 12, "hparams.num_epochs": 2,
        "hparams.num_beams": 1, "hparams.max_new_tokens": 50, "model.backend": "counting",
        "search.space": str(space), "search.params": ["augmentation_strategy"],
        "study.warm_start": [{"augmentation_strategy": s} for s in order], **PLUMBING,
    }
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=4, pruner="none",
                           storage=f"sqlite:///{tmp_path / 'study.db'}", study_name="aug",
                           overrides=overrides, run_dir=str(tmp_path / "rec"))
    try:
        run.optimize()
    finally:
        backends.unregister("counting")
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "completed"
    trials = rec["trials"]
    assert [t["params"]["augmentation_strategy"] for t in trials] == ["none", *order]
    assert all(t["state"] == "COMPLETE" and t["value"] is not None for t in trials)

    scores = augment.strategy_scores(trials)
    assert set(scores) == set(augment.MODEL_FREE)
    for t in trials:
        info = t["extra"]["augmentation"]
        assert scores[info["strategy"]]["best"] >= t["value"]
        assert info["strategy"] == t["params"]["augmentation_strategy"]
    swap, noise, both = (t["extra"]["augmentation"] for t in trials[1:])
    assert noise["added"] == 24 and not noise["entries"][0]["hit"]
    assert 0 < swap["added"] <= 24 and not swap["entries"][0]["hit"]
    # model_free reuses the entries the two trials before it built.
    assert [e["hit"] for e in both["entries"]] == [True, True] and both["build_s"] == 0
    assert [e["file"] for e in both["entries"]] == [swap["entries"][0]["file"],
                                                    noise["entries"][0]["file"]]
    # The study hands the backend train grown by the augmented rows; dev (12 rows) never grows.
    assert [dev for _, _, dev in handed] == [12] * 4
    train_sizes = {strategy: n for strategy, n, _ in handed}
    assert train_sizes == {"none": 48, "speaker_swap": 48 + swap["added"], "turn_noise": 72,
                           "model_free": 48 + both["added"]}


def test_causal_backend_trains_on_the_augmented_train_split_it_is_handed(tmp_path, monkeypatch):
    from workbench.backends import causal

    monkeypatch.setattr(paths, "CACHE", tmp_path / "cache")
    config = validate.resolve("tiny-llama", {
        "llm.base_pretrain_epochs": 0, "hparams.max_input_length": 512,
        "hparams.max_target_length": 40, "hparams.max_new_tokens": 20,
        "hparams.min_new_tokens": 5, "hparams.num_beams": 1, "hparams.num_epochs": 1,
        "hparams.use_augmentation": True, "hparams.augmentation_strategy": "turn_noise"}).config
    splits = {"train": TRAIN.head(8), "dev": TRAIN.tail(2).reset_index(drop=True)}
    sizes: list[int] = []
    real_encode = causal.encode

    def spy(frame, *args, **kw):
        sizes.append(len(frame))
        return real_encode(frame, *args, **kw)

    monkeypatch.setattr(causal, "encode", spy)
    backend = causal.CausalBackend(config, splits)
    train, augmented = augment.apply(splits["train"], config["hparams"], config)
    outcome = backend.train_and_evaluate(config["hparams"], train, None, tmp_path / "work")
    info = augmented["augmentation"]
    assert info["strategy"] == "turn_noise" and info["added"] == 4
    assert info["entries"][0]["op"] == "turn_noise" and not info["entries"][0]["hit"]
    assert sizes == [12, 2]  # train 8 + 4 augmented; dev as it was
    assert "truncated_share" in outcome.extra
