"""A backend owns its inference half: generation tuning and predict drive whatever `load` gives
(a `Predictor`), and what other modules know of a backend is its traits, never its name. The
fake backend of conftest.py is tuned and predicted with here without either knowing it."""

import pandas as pd
import pytest
from helpers import FakeBackend, FakePredictor

from workbench import backends, gentune, predict, validate
from workbench import data as wdata
from workbench.backends.traits import Traits
from workbench.config import GUARD_OFF, ConfigError
from workbench.gentune.generator import Generator, decoding


def never_trains(backend, hp, report, outdir, save_to=None):
    raise AssertionError("inference must not train")


@pytest.fixture
def fake_config(fake_backend):
    return validate.resolve("tiny-bart", {**fake_backend(never_trains), **GUARD_OFF,
                                          "data.max_dev_samples": 6}).config


def dev_of(config):
    return wdata.load_splits(config)["dev"]


def lead(frame, hp, words):
    prepared = wdata.prepare(frame, hp["noise_removal_level"], hp["person_token_strategy"])
    texts = [" ".join(s.split()[:words]) for s in prepared.sources]
    return wdata.postprocess(texts, list(prepared.mappings))


def test_the_generator_decodes_with_the_fake_backends_predictor(fake_config):
    dev = dev_of(fake_config)
    hp = dict(fake_config["hparams"], max_new_tokens=5, min_new_tokens=1, num_beams=1)
    loads = Generator.model_loads
    gen = Generator(fake_config, hp, None, dev)
    assert isinstance(gen.predictor, FakePredictor) and Generator.model_loads == loads + 1
    assert gen.trained and gen.model is None
    own = gen.evaluate(decoding(hp))
    assert own.predictions == lead(dev, hp, 5)
    assert own.scores["final"] > 0
    assert gen.predictor.calls == [len(dev)]
    beams = gen.generate({**decoding(hp), "num_beams": 3}, rows=[0, 1])
    assert beams == lead(dev.head(2), hp, 3)  # the decoding settings reach the predictor


def test_generation_tuning_runs_a_study_on_the_fake_backend(fake_backend, tmp_path):
    over = {**fake_backend(never_trains), **GUARD_OFF, "data.max_dev_samples": 4,
            "hparams.max_new_tokens": 6, "hparams.min_new_tokens": 1}
    tuner = gentune.start_tuning(
        "generation-tuning", preset="tiny-bart", checkpoint=None, overrides=over,
        n_dialogues=2, grid={"num_beams": [1, 2]}, n_trials=2, search=["max_new_tokens"],
        interactive=False, storage=None, study_name=None, run_dir=str(tmp_path / "rec"))
    assert isinstance(tuner.generator.predictor, FakePredictor)
    frame = tuner.optimize()
    assert len(frame) == 2
    assert tuner.record.data["study"]["model_loads_during_study"] == 0
    assert len(tuner.grid()) >= 2


def test_predict_summarizes_with_the_fake_backends_predictor(fake_config, tmp_path):
    dev = dev_of(fake_config)
    hp = dict(fake_config["hparams"], max_new_tokens=4, min_new_tokens=1)
    source = predict.Source(folder=tmp_path, run={}, model_dir=tmp_path / "best-model", trial={},
                            config=fake_config, hparams=hp)
    target = tmp_path / "submission.csv"
    preds, scores, fields = predict.summarize(source, source.model_dir, dev, decoding(hp),
                                              target, progress=False)
    assert preds == lead(dev, hp, 4)
    assert scores is not None and scores["final"] > 0
    assert fields["model"]["backend"] == "fake" and fields["model"]["device"] == "cpu"
    written = pd.read_csv(target)
    assert list(written["fname"]) == list(dev["fname"]) and len(written) == len(dev)


def test_a_backend_that_only_trains_is_refused_by_generation_tuning(tmp_path):
    backends.register("trains-only", lambda config, splits: None)
    try:
        assert not backends.predicts("trains-only")
        assert backends.traits("trains-only") == Traits()
        with pytest.raises(ConfigError, match="only trains"):
            gentune.start_tuning(
                "generation-tuning", preset="tiny-bart", checkpoint=None,
                overrides={"model.backend": "trains-only"}, n_dialogues=2,
                grid={"num_beams": [1]}, n_trials=1, search=["max_new_tokens"],
                interactive=False, storage=None, study_name=None,
                run_dir=str(tmp_path / "rec"))
    finally:
        backends.unregister("trains-only")


def test_registered_backends_state_their_traits(fake_backend):
    fake_backend(never_trains)
    assert backends.predicts("fake") and backends.traits("fake") == FakeBackend.traits
    backends.register("decoder", type("Decoder", (FakeBackend,), {"traits": Traits(True)}))
    try:
        assert backends.traits("decoder").decoder_only
    finally:
        backends.unregister("decoder")


def test_the_registry_knows_the_built_in_backends_traits_as_their_classes_state_them():
    for name in ("seq2seq", "causal"):
        assert backends.traits(name) == backends.factory(name).traits, name
        assert backends.predicts(name), name
    assert backends.traits("causal").decoder_only and not backends.traits("seq2seq").decoder_only
