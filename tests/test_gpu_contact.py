"""First contact with a GPU, checked on the CPU: each worker process on its own GPU,
the device a trial trained on, an out-of-memory trial as an infeasible one, and inputs longer
than the model's positions refused or pruned, never run.

This module is also the target of the import-order probe's worker process, so it imports
nothing heavy at the top: the probe must see the worker's environment before torch is loaded.
"""

import importlib
import json
import os
import sys
import weakref
from pathlib import Path
from types import SimpleNamespace

import pytest

GIB = 2**30
CUDA_INIT = ("is_available", "device_count", "init", "_lazy_init")  # what makes torch call cuInit


def quick(selected):
    """Overrides for a quick run of the backend `selected` (helpers loads transformers, so it
    is imported here rather than at the top)."""
    from helpers import PLUMBING

    return {**PLUMBING, "data.max_train_samples": 16, "data.max_dev_samples": 4,
            "hparams.num_epochs": 1, "hparams.num_beams": 1, "hparams.max_new_tokens": 50,
            **selected}


def outcome(value, extra=None):
    from helpers import outcome as made

    return made(value, extra)


def storage(tmp_path):
    """helpers.sqlite_url, without importing helpers (and transformers) at the top."""
    return f"sqlite:///{tmp_path / 'study.db'}"


def read(folder):
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- 1. workers


def probe_worker(*args):
    """A worker process's target in the import-order probe (run_processes passes it the
    worker's arguments: folder 4th, index 6th). Records CUDA_VISIBLE_DEVICES at the child's
    first instruction of its own and at every torch.cuda call that would initialize CUDA while
    it imports what a real worker imports (transformers, peft, bitsandbytes) and makes its own
    first call."""
    seen = {"at_start": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "loaded_before": sorted({"torch", "transformers"} & set(sys.modules)), "calls": []}
    import torch

    def spying(name, real):
        def spy(*args, **kwargs):
            seen["calls"].append([name, os.environ.get("CUDA_VISIBLE_DEVICES")])
            return real(*args, **kwargs)
        return spy

    for name in CUDA_INIT:
        setattr(torch.cuda, name, spying(name, getattr(torch.cuda, name)))
    importlib.import_module("workbench.study.execution")
    torch.cuda.is_available()
    Path(args[3], f"probe-{args[5]}.json").write_text(json.dumps(seen), encoding="utf-8")


def test_a_worker_has_its_gpu_before_anything_initializes_cuda(tmp_path, monkeypatch):
    """The driver reads CUDA_VISIBLE_DEVICES once, at the process's first CUDA call, which the
    worker's imports make: a value set after them is read by nothing."""
    from workbench.study import execution

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,2")  # this run sees two of the machine's GPUs
    monkeypatch.setattr(execution, "WORKER", f"{__name__}:probe_worker", raising=False)
    started = []
    # run_processes reads only the run's study settings (the probe never unpickles them)
    resolved = SimpleNamespace(config={"study": {"gpus": "1", "workers": 0, "timeout": None}})
    workers = execution.run_processes(resolved, "unused", "probe", tmp_path, "run", lambda: None,
                                      started.extend)
    assert [w["exitcode"] for w in workers] == [0]
    seen = json.loads((tmp_path / "probe-0.json").read_text(encoding="utf-8"))
    assert seen["at_start"] == "2"  # --gpus 1 of "3,2" is the machine's GPU 2
    assert seen["loaded_before"] == []
    assert seen["calls"], "the worker's imports and first call reach torch.cuda"
    assert {env for _, env in seen["calls"]} == {"2"}
    assert started == [{"name": "worker-0", "pid": workers[0]["pid"], "gpu": "1",
                        "cuda_visible_devices": "2"}]
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3,2"  # this process's own is left as it was


@pytest.mark.parametrize(("gpu", "parent", "child"), [
    ("1", None, "1"),  # the parent sees every GPU: ids are the machine's
    ("0", "2,3", "2"),
    ("1", "2,3", "3"),
    ("1", " 4, 5 ", "5"),
    ("0", "GPU-8f0e,GPU-77aa", "GPU-8f0e"),  # UUIDs pass through
    ("2", "2,3", None),  # the parent sees two: there is no id 2
    ("0", "", None),
])
def test_worker_gpu_ids_are_mapped_through_the_parents_visible_devices(gpu, parent, child):
    from workbench.study.execution import visible_devices

    if child is None:
        with pytest.raises(ValueError, match=f"no GPU {gpu} among CUDA_VISIBLE_DEVICES"):
            visible_devices(gpu, parent)
    else:
        assert visible_devices(gpu, parent) == child


def test_the_device_named_is_the_one_the_parameters_are_on(monkeypatch):
    import torch

    from workbench.backends.base import model_device

    assert model_device(torch.nn.Linear(2, 2)) == "cpu"
    props = SimpleNamespace(name="NVIDIA H100 80GB HBM3", pci_domain_id=0, pci_bus_id=0x1a,
                            pci_device_id=0, total_memory=80 * GIB)
    monkeypatch.setattr(torch.cuda, "get_device_properties", {1: props}.__getitem__)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "5,7")
    on_gpu = SimpleNamespace(parameters=lambda: iter(
        [SimpleNamespace(device=torch.device("cuda", 1))] * 3))
    assert model_device(on_gpu) == ("cuda:1 (NVIDIA H100 80GB HBM3, bus 0000:1a:00, "
                                    "CUDA_VISIBLE_DEVICES=5,7)")


def test_a_trial_records_its_models_device_over_the_process_label(fake_backend, tmp_path):
    from workbench import study as wstudy

    named = "cuda:0 (NVIDIA H100 80GB HBM3, bus 0000:1a:00, CUDA_VISIBLE_DEVICES=2)"

    def trains(self, hp, report, outdir, save_to=None):
        report(1, 10.0)
        return outcome(10.0, extra={"device": named})

    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=1, storage=storage(tmp_path),
                           overrides=quick(fake_backend(trains)), run_dir=str(tmp_path / "rec"))
    run.optimize()
    assert read(tmp_path / "rec")["trials"][0]["device"] == named


# --------------------------------------------------------------------------- 9. out of memory


def test_an_out_of_memory_trial_is_pruned_as_infeasible_and_the_next_starts_clean(
        fake_backend, tmp_path):
    import torch

    from workbench import study as wstudy

    models, alive_at_start = [], []

    def trains(self, hp, report, outdir, save_to=None):
        alive_at_start.append([m() is not None for m in models])
        model = torch.nn.Linear(64, 64)  # what the error's frames hold
        models.append(weakref.ref(model))
        if len(models) == 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 40.00 GiB")
        report(1, 10.0 + len(models))
        return outcome(10.0 + len(models))

    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=3, storage=storage(tmp_path),
                           overrides=quick(fake_backend(trains)), run_dir=str(tmp_path / "rec"))
    study = run.optimize()
    rec = read(tmp_path / "rec")
    assert [t["state"] for t in rec["trials"]] == ["COMPLETE", "PRUNED", "COMPLETE"]
    oom = rec["trials"][1]
    assert oom["prune_reason"].startswith("out of memory: OutOfMemoryError: CUDA out of memory")
    assert oom["constraints"]["memory"] > 0  # TPE counts it infeasible; a FAIL it ignores
    assert study.trials[1].constraints["memory"] > 0
    assert alive_at_start[2] == [False, False]  # the OOM trial's model was freed before trial 3


def test_the_pruned_out_of_memory_trial_carries_no_link_to_the_error(fake_backend, tmp_path):
    """Optuna holds the exception the objective raises until the trial is told; raised inside
    the `except` block, it would chain the OOM error, whose frames hold the model."""
    import optuna

    from workbench import data as wdata
    from workbench import validate
    from workbench.study.objective import build_objective

    def trains(self, hp, report, outdir, save_to=None):
        raise RuntimeError("CUDA error: out of memory")

    resolved = validate.resolve("tiny-bart", quick(fake_backend(trains)))
    objective = build_objective(resolved, tmp_path, "run", wdata.load_splits(resolved.config))
    trial = optuna.create_study(direction="maximize").ask()
    with pytest.raises(optuna.TrialPruned) as caught:
        objective(trial)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert trial.user_attrs["prune_reason"] == (
        "out of memory: RuntimeError: CUDA error: out of memory")
    assert trial.constraints["memory"] > 0  # on the CPU too, where no memory limit is set


@pytest.mark.parametrize(("set_gib", "use_cpu", "cuda", "limit"), [
    (None, False, True, 72.0),  # 90 % of an 80 GiB card
    (None, True, True, None),  # runtime.use_cpu: the CPU has no GPU memory to limit
    (None, False, False, None),
    (30.0, False, True, 30.0),  # a limit the config sets is kept
])
def test_the_memory_limit_defaults_to_most_of_the_gpu(monkeypatch, set_gib, use_cpu, cuda,
                                                      limit):
    import torch

    from workbench import validate
    from workbench.strategies import constraints

    props = SimpleNamespace(name="NVIDIA A100-SXM4-80GB", total_memory=80 * GIB)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "get_device_properties", {0: props}.__getitem__)
    config = validate.resolve("tiny-bart", {"constraints.memory_limit_gib": set_gib,
                                            "runtime.use_cpu": use_cpu}).config
    limits = constraints.Limits.of(config)
    assert limits.memory_gib == limit
    derived = limits.as_dict()["memory_limit_derived"]
    if set_gib is None and limit is not None:
        assert derived == "90% of NVIDIA A100-SXM4-80GB's 80.00 GiB (memory_limit_gib is null)"
    else:
        assert derived is None


# --------------------------------------------------------------------------- 3. positions


def test_the_positions_limit_is_what_a_bart_can_run():
    """BART's learned positions carry an offset of 2, which transformers adds to the embedding:
    max_position_embeddings 1026 (KoBART's) holds 1026 input tokens, and 1027 is an IndexError
    on the CPU (a device-side assert on CUDA)."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    from workbench.strategies import constraints

    cfg = BartConfig(vocab_size=64, d_model=16, encoder_layers=1, decoder_layers=1,
                     encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                     decoder_ffn_dim=32, max_position_embeddings=1026)
    positions = constraints.positions_of(cfg, "a tiny BART")
    assert positions.limit == 1026
    model = BartForConditionalGeneration(cfg).eval()
    decoder = torch.ones(1, 2, dtype=torch.long)
    with torch.no_grad():
        model(input_ids=torch.ones(1, positions.limit, dtype=torch.long),
              decoder_input_ids=decoder)
        with pytest.raises(IndexError):
            model(input_ids=torch.ones(1, positions.limit + 1, dtype=torch.long),
                  decoder_input_ids=decoder)
    assert positions.overruns({"max_input_length": 1536, "max_target_length": 100,
                               "max_new_tokens": 1100}) == [("max_input_length",),
                                                             ("max_new_tokens",)]


def test_a_fixed_input_longer_than_kobarts_positions_is_refused():
    from workbench import validate
    from workbench.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        validate.resolve("kobart", {"hparams.max_input_length": 1536})
    assert str(caught.value).startswith(
        "params/presets/kobart.yaml: hparams.max_input_length: 1536 > the 1026 positions of "
        "digit82/kobart-summarization (bart: max_position_embeddings 1026)")
    validate.resolve("kobart", {"hparams.max_input_length": 1024})
    searched = validate.resolve("kobart", {"hparams.max_input_length": 1536, "search.params": [
        "training", "generation", "max_input_length"]}).config  # searched: a trial's constraint
    assert searched["hparams"]["max_input_length"] == 1536
    # A model whose config cannot be read offline is not refused here (nor anywhere by this
    # rule): the model-availability check refuses it before any work.
    validate.resolve("kobart", {"hparams.max_input_length": 1536, "llm.model_config": None,
                                "model.name": "nobody/not-in-the-cache"})


def test_the_llm_presets_must_hold_prompt_and_answer():
    from workbench import validate
    from workbench.config import ConfigError

    with pytest.raises(ConfigError, match=r"tiny-llama.yaml: hparams.max_input_length \+ "
                                          r"max_target_length: 2000 \+ 80 = 2080 > the 2048"):
        validate.resolve("tiny-llama", {"hparams.max_input_length": 2000})
    validate.resolve("tiny-llama", {"hparams.max_input_length": 1968})


def test_a_searched_input_too_long_is_an_infeasible_trial_not_a_crash(fake_backend, tmp_path):
    from workbench import config as wconfig
    from workbench import study as wstudy

    trained = []

    def trains(self, hp, report, outdir, save_to=None):
        trained.append(hp["max_input_length"])
        report(1, 10.0)
        return outcome(10.0)

    arch = {**wconfig.compose("tiny-bart")["model"]["architecture"],
            "max_position_embeddings": 1026}  # KoBART's
    params = [*wconfig.compose("tiny-bart")["search"]["params"], "max_input_length"]
    over = {**quick(fake_backend(trains)), "model.architecture": arch, "search.params": params,
            "study.warm_start": [{"max_input_length": 1536}, {"max_input_length": 1024}]}
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=3, storage=storage(tmp_path),
                           overrides=over, run_dir=str(tmp_path / "rec"))
    run.optimize()
    rec = read(tmp_path / "rec")
    assert [t["state"] for t in rec["trials"]] == ["COMPLETE", "PRUNED", "COMPLETE"]
    pruned = rec["trials"][1]
    assert pruned["params"]["max_input_length"] == 1536 and 1536 not in trained
    assert rec["infeasible"] == {"count": 1, "by_rule": {"positions": 1}, "trials": [1]}
    assert pruned["prune_reason"] == (
        "infeasible, not trained: positions: max_input_length 1536 > the 1026 positions of the "
        "model built from model.architecture (bart: max_position_embeddings 1026)")
    assert pruned["constraints"]["positions"] == 510
    assert rec["trials"][2]["constraints"]["positions"] <= 0
    assert rec["study"]["constraints"]["positions"]["limit"] == 1026
