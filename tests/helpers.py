"""Helpers shared by the tests: a fake backend (training and a tiny predictor), trial
outcomes, storages, records."""

import json
from types import SimpleNamespace

import pandas as pd

from workbench import data as wdata
from workbench.backends.base import Backend, Predictor, TrialOutcome
from workbench.config import GUARD_OFF

# Runner and notebook tests train a tiny model for an epoch or two on a few dozen rows: it
# cannot learn to summarize, so its outputs are degenerate. Those tests check the plumbing
# (records, best model, notebooks) and turn the guard off (GUARD_OFF); test_diversity.py
# tests the guard itself.
# A base of 96 generated dialogues, half an epoch (seconds to build once, then cached): the
# runner tests exercise the base path without the default's two-minute build.
SMALL_BASE = {"model.base.corpus_rows": 96, "model.base.epochs": 0.5,
              "model.base.batch_size": 16, "model.base.max_input_length": 256}
PLUMBING = {**GUARD_OFF, **SMALL_BASE}
# A real (tiny) training run in seconds: few rows, two epochs, greedy decoding.
QUICK = {**PLUMBING, "data.max_train_samples": 48, "data.max_dev_samples": 12,
         "hparams.num_epochs": 2, "hparams.num_beams": 1, "hparams.max_new_tokens": 50}


class FakePredictor(Predictor):
    """A model-free predictor: each summary is the first `max_new_tokens` words of the prepared
    dialogue (person tags as the hparams map them), `num_beams` words fewer per extra beam, so
    decoding settings change what it writes. `calls` counts its generate calls' rows."""

    def __init__(self, hparams, model_dir):
        super().__init__(hparams)
        self.model_dir = model_dir
        self.calls = []

    @property
    def device(self):
        return "cpu"

    def encode(self, frame):
        prepared = wdata.prepare(frame, self.hparams["noise_removal_level"],
                                 self.hparams["person_token_strategy"])
        return SimpleNamespace(sources=list(prepared.sources),
                               references=[list(r) for r in prepared.references],
                               mappings=list(prepared.mappings))

    def generation_config(self, decoding):
        hp = {**self.hparams, **decoding}
        return max(hp["max_new_tokens"] - (hp["num_beams"] - 1), 1)

    def generate(self, encoded, rows, gen):
        self.calls.append(len(rows))
        return [" ".join(encoded.sources[i].split()[:gen]) for i in rows]


class FakeBackend(Backend):
    """A backend whose training is `train(backend, hp, report, outdir, save_to)` (the class's
    `training` unless given) and whose `load` gives a `FakePredictor`."""

    training = None

    def __init__(self, config, splits, train=None):
        super().__init__(config, splits)
        self.train = train or type(self).training

    def train_and_evaluate(self, hp, train, report, outdir, save_to=None):
        return self.train(self, hp, report, outdir, save_to)

    @classmethod
    def load(cls, config, hparams, model_dir, device, train=None):
        return FakePredictor(hparams, model_dir)


def outcome(value, extra=None, dev_rows=12):
    """A trial outcome with `value` as its best (epoch 1) dev score."""
    return TrialOutcome(value=value, best_epoch=1, epoch_scores={1: {"final": value}},
                        predictions=["x"] * dev_rows, train_seconds=0.1, trainable_params=1,
                        extra=extra or {})


def sqlite_url(tmp_path):
    """A fresh SQLite study storage in the test's folder."""
    return f"sqlite:///{tmp_path / 'study.db'}"


def completed_record(folder):
    """A completed run-study record (results.json and a notebook) in `folder`; its
    results.json text."""
    folder.mkdir(parents=True)
    text = json.dumps({"run_id": folder.name, "status": "completed", "notebook": "run-study"})
    (folder / "results.json").write_text(text, encoding="utf-8")
    (folder / "run-study.ipynb").write_text("{}", encoding="utf-8")
    return text


def read_record(folder):
    """A run folder's results.json."""
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def study_record(folder, preset, overrides, n_trials=1):
    """The record folder of a real study of `preset` (its best model saved under it)."""
    from workbench import study

    run = study.start_run("run-study", preset=preset, n_trials=n_trials,
                          storage=sqlite_url(folder), study_name="s", overrides=dict(overrides),
                          run_dir=str(folder / "run"))
    run.optimize()
    return folder / "run"


def run_at_once(runs):
    """Optimize the study runs in threads started together (as two processes would), and wait
    for all of them."""
    import threading

    threads = [threading.Thread(target=r.optimize) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# Two tagged dialogues (a booking, a parcel) with their summaries, at several hours and counts:
# what the backend tests train their tiny models on.
TURNS = [
    "#Person1#: 내일 저녁 {t}에 {n}명 예약할 수 있을까요?\n"
    "#Person2#: 네, 성함과 연락처 부탁드려요.\n"
    "#Person1#: 김민수이고 번호는 #PhoneNumber#예요.\n#Person2#: {t}에 {n}명 예약됐습니다.",
    "#Person2#: 택배가 아직 안 왔어요. 주소는 #Address#인데요.\n#Person1#: 확인해 보니 {t}에 "
    "도착 예정이에요.\n#Person2#: {n}개 다 오는 거죠?\n#Person1#: 네, {n}개 모두 갑니다.",
]
SUMMARIES = [
    "#Person1#은 #Person2#에게 내일 {t}에 {n}명 예약을 하고 연락처를 남긴다.",
    "#Person2#는 택배 {n}개가 {t}에 도착한다는 안내를 #Person1#에게 받는다.",
]


def frame(n: int) -> pd.DataFrame:
    """`n` rows in the competition's shape (fname, dialogue, references) from TURNS/SUMMARIES."""
    rows = []
    for i in range(n):
        k, t, m = i % 2, ["6시", "7시", "8시"][i % 3], 2 + i % 4
        rows.append({"fname": f"x_{i}", "dialogue": TURNS[k].format(t=t, n=m),
                     "references": [SUMMARIES[k].format(t=t, n=m)]})
    return pd.DataFrame(rows)
