"""Several dev evaluations per epoch (runtime.evals_per_epoch): where the Trainer evaluates,
what the study is told, and that an LLM preset's trials can be pruned."""

import json

import pytest
from test_seq2seq import frame
from transformers import TrainerControl, TrainerState, TrainingArguments
from transformers.trainer_callback import DefaultFlowCallback

from workbench import study as wstudy
from workbench import validate
from workbench.backends import base, seq2seq
from workbench.config import GUARD_OFF


def schedule(tmp_path, steps_per_epoch: int, per_epoch: int, epochs: int):
    """(optimizer step, reported index) of every evaluation the Trainer would run, with the
    Trainer's own flow callback deciding first and ReportCallback after it, as in training."""
    cfg = validate.resolve("tiny-bart", {"runtime.evals_per_epoch": per_epoch,
                                         "hparams.num_epochs": epochs}).config
    args = TrainingArguments(**base.trial_arguments(cfg["hparams"], cfg["runtime"], tmp_path,
                                                    use_cpu=True))
    reported: list[int] = []
    callback = base.ReportCallback(lambda index, value: reported.append(index))
    state = TrainerState(max_steps=steps_per_epoch * epochs)
    state.compute_steps(args, state.max_steps)
    callback.on_train_begin(args, state, TrainerControl())
    flow, evaluations = DefaultFlowCallback(), []
    for step in range(1, state.max_steps + 1):
        state.global_step, state.epoch = step, step / steps_per_epoch
        control = flow.on_step_end(args, state, TrainerControl())
        control = callback.on_step_end(args, state, control) or control
        if step % steps_per_epoch == 0:  # the end of an epoch, as the Trainer signals it
            control = flow.on_epoch_end(args, state, control)
        if control.should_evaluate:
            assert control.should_save, "every evaluation leaves a checkpoint (best model)"
            assert control.should_log, "the loss is logged (a NaN caught) before evaluating"
            callback.on_evaluate(args, state, control, metrics={"eval_objective": 1.0})
            evaluations.append(step)
    return list(zip(evaluations, reported, strict=True))


@pytest.mark.parametrize(("steps_per_epoch", "per_epoch", "epochs", "expected"), [
    (8, 1, 2, [(8, 1), (16, 2)]),                                  # one per epoch
    (8, 4, 1, [(2, 1), (4, 2), (6, 3), (8, 4)]),
    (7, 4, 2, [(2, 1), (4, 2), (6, 3), (7, 4), (9, 5), (11, 6), (13, 7), (14, 8)]),
    (2, 4, 1, [(1, 2), (2, 4)]),                     # fewer steps than evaluations: each step
])
def test_evaluations_fall_at_fractions_of_each_epoch(tmp_path, steps_per_epoch, per_epoch,
                                                     epochs, expected):
    """Evaluation j comes at the first optimizer step at or after epoch j / k and is reported
    as step j; the last is at the last step (whatever the Trainer's own every-n-steps rule)."""
    assert schedule(tmp_path, steps_per_epoch, per_epoch, epochs) == expected


def test_a_trial_reports_each_evaluation_and_its_best_needs_whole_epochs(tmp_path,
                                                                         monkeypatch):
    """A real training run (tiny BART, 3 steps per epoch) evaluated twice per epoch: four
    evaluations reported in order, kept by index, and a best epoch that refit can train for."""
    from transformers import PreTrainedTokenizerFast

    from workbench.backends import bpe

    df = frame(40)
    tok: PreTrainedTokenizerFast = bpe.train_tokenizer(
        list(df["dialogue"]) + [r[0] for r in df["references"]], 400)
    monkeypatch.setattr(seq2seq, "cached_tokenizer", lambda texts, size: tok)
    cfg = validate.resolve("tiny-bart", {"hparams.num_epochs": 2, "hparams.num_beams": 1,
                                         "hparams.max_new_tokens": 20, **GUARD_OFF,
                                         "model.base.corpus_rows": 0,
                                         "runtime.evals_per_epoch": 2}).config
    splits = {"train": frame(24), "dev": frame(4)}
    backend = seq2seq.Seq2SeqBackend(cfg, splits)
    reported: list[tuple[int, float]] = []
    outcome = backend.train_and_evaluate(cfg["hparams"], splits["train"],
                                         lambda i, v: reported.append((i, v)), tmp_path / "w")
    assert [i for i, _ in reported] == [1, 2, 3, 4]
    assert sorted(outcome.epoch_scores) == [1, 2, 3, 4]
    best, value = max(reported, key=lambda iv: iv[1])
    assert outcome.value == pytest.approx(value)
    assert outcome.best_epoch == (best + 1) // 2  # evaluation 1 or 2: epoch 1; 3 or 4: epoch 2


def llm_preset_study(tmp_path, fake_backend, preset: str):
    """A study with `preset`'s epochs, evaluations per epoch and pruner, on a fake backend that
    reports as the Trainer does (k evaluations per epoch): trial 0 scores well, trial 1 badly."""
    llm = validate.resolve(preset).config

    def curve(self, hp, report, outdir, save_to=None):
        per_epoch = self.config["runtime"]["evals_per_epoch"]
        good = hp["learning_rate"] > 1e-4
        for index in range(1, hp["num_epochs"] * per_epoch + 1):
            report(index, (30.0 if good else 5.0) + index)
        return base.TrialOutcome(value=30.0, best_epoch=hp["num_epochs"], epoch_scores={},
                                 predictions=["x"] * 12, train_seconds=0.1, trainable_params=1)

    over = {**GUARD_OFF, "data.max_train_samples": 48, "data.max_dev_samples": 12,
            "hparams.num_epochs": llm["hparams"]["num_epochs"],
            "runtime.evals_per_epoch": llm["runtime"]["evals_per_epoch"],
            "study.pruner": {**llm["study"]["pruner"], "n_startup_trials": 1},
            "study.warm_start": [{"learning_rate": 1e-4}]}
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=f"sqlite:///{tmp_path / 'study.db'}",
                           overrides={**over, **fake_backend(curve)},
                           run_dir=str(tmp_path / "rec"))
    run.optimize()
    return llm, json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("preset", ["llama", "qwen"])
def test_an_llm_preset_trial_can_be_pruned_before_its_last_evaluation(tmp_path, fake_backend,
                                                                      preset):
    """With one evaluation per epoch, 3 epochs and a warm-up of 3, an LLM trial was never
    pruned (the last epoch never is); now its evaluations are the pruner's steps."""
    llm, rec = llm_preset_study(tmp_path, fake_backend, preset)
    per_epoch, epochs = llm["runtime"]["evals_per_epoch"], llm["hparams"]["num_epochs"]
    warmup = llm["study"]["pruner"]["n_warmup_steps"]
    assert per_epoch > 1
    good, bad = rec["trials"]
    assert good["state"] == "COMPLETE" and good["evals_per_epoch"] == per_epoch
    assert len(good["epoch_scores"]) == len(good["eval_epochs"]) == epochs * per_epoch
    assert good["eval_epochs"][str(per_epoch)] == 1.0 and good["precision"] == "fp32"
    assert bad["state"] == "PRUNED"
    assert list(bad["epoch_scores"]) == [str(i) for i in range(1, warmup + 1)]
    assert warmup < epochs * per_epoch, "pruned before its last evaluation"
    assert bad["prune_reason"].startswith(
        f"pruned after evaluation {warmup} (epoch {warmup / per_epoch:g} of {per_epoch} per "
        "epoch)")


def test_pruned_before_the_end_of_the_first_epoch(tmp_path, fake_backend):
    """Evaluations within an epoch are pruning steps like any other: with a warm-up of one
    evaluation, a bad trial stops a quarter into its first epoch."""
    def curve(self, hp, report, outdir, save_to=None):
        for index in range(1, 4 * hp["num_epochs"] + 1):
            report(index, 30.0 if hp["learning_rate"] > 1e-4 else 5.0)
        return base.TrialOutcome(30.0, 1, {}, ["x"] * 12, 0.1, 1)

    over = {**GUARD_OFF, "data.max_train_samples": 48, "data.max_dev_samples": 12,
            "hparams.num_epochs": 2, "runtime.evals_per_epoch": 4,
            "study.pruner.name": "median", "study.pruner.n_warmup_steps": 1,
            "study.pruner.n_startup_trials": 1, "study.warm_start": [{"learning_rate": 1e-4}]}
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=f"sqlite:///{tmp_path / 'study.db'}",
                           overrides={**over, **fake_backend(curve)},
                           run_dir=str(tmp_path / "rec"))
    run.optimize()
    pruned = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))[
        "trials"][1]
    assert pruned["state"] == "PRUNED"
    assert pruned["eval_epochs"] == {"1": 0.25}
    assert "after evaluation 1 (epoch 0.25 of 4 per epoch)" in pruned["prune_reason"]
