"""The GPU check (`benchmarks/gpu_check.py`, issues 18 and 22) as far as a CPU can take it: its
dry run goes through all eight parts with the tiny presets and says it measured nothing a GPU
would, its long rows fill the full presets' lengths, and the verdicts its GPU run prints are
right on rows written for them. The GPU figures themselves come from `make gpu-check` on a CUDA
box."""

import dataclasses
import json

import pytest
import torch

from benchmarks import gpu_check
from workbench import config as wconfig
from workbench import data as wdata
from workbench import paths, validate
from workbench.backends import causal, seq2seq


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory, one_thread):
    folder = tmp_path_factory.mktemp("gpu-check")
    mode = dataclasses.replace(gpu_check.TINY, batches=(2,))  # one batch: half the grid
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "CACHE", folder / "cache")  # the study's trial folders
        report = gpu_check.run(mode, out=folder, budget_s=600, log=lambda _: None)
    return report, folder, mode


def test_dry_run_writes_every_part_labelled_as_no_gpu_measurement(dry_run):
    report, folder, _ = dry_run
    assert report["failed"] == {} and list(report["parts"]) == list(gpu_check.PARTS)
    for name in (*gpu_check.PARTS, "report"):
        text = (folder / f"{name}.md").read_text(encoding="utf-8")
        assert "CPU dry run" in text and "not a GPU measurement" in text
        assert "| met |" not in text and "MISSED" not in text  # a dry run judges no goal
    saved = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert saved["dry_run"] is True and saved["device"].startswith("CPU")


def test_dry_run_memory_grid_runs_every_case_and_reports_no_figure(dry_run):
    report, _, mode = dry_run
    rows = report["parts"]["memory"]["rows"]
    cases = {(r["preset"], r["quantization"], r["batch"], r["checkpointing"]) for r in rows}
    assert cases == {(p, q, b, gc) for p in mode.causal for q in gpu_check.QUANTIZATIONS
                     for b in mode.batches for gc in ("on", "off")}
    assert all(r["measured GiB"] == gpu_check.DRY for r in rows)
    assert all(r["estimated GiB"] >= 0 and r.get("estimate / measured") is None for r in rows)


def test_dry_run_times_both_paths_of_both_backends(dry_run):
    report, _, mode = dry_run
    rows = report["parts"]["speed"]["rows"]
    assert [r["path"] for r in rows] == ["workbench trial", "plain Trainer + peft",
                                         "workbench trial", "plain Trainer"]
    for row in rows:
        assert row["steps timed"] == mode.speed_steps - 2 and row["step s (median)"] > 0
    assert rows[0]["workbench / plain"] > 0


def test_dry_run_study_runs_four_trials_with_the_absurd_batch_second(dry_run):
    report, _, mode = dry_run
    rows = report["parts"]["hygiene"]["rows"]
    assert [r["trial"] for r in rows] == [1, 2, 3, 4]
    assert [r["batch"] for r in rows] == list(mode.hygiene_batches)
    assert all(r["state"] == "complete" for r in rows)  # a CPU has no GPU memory to exhaust
    assert all(r["RSS at start MB"] > 0 and r["allocated at start GiB"] is None for r in rows)


def test_dry_run_decodes_every_setting_at_every_batch(dry_run):
    report, _, mode = dry_run
    rows = report["parts"]["decode"]["rows"]
    assert [(r["decoding"], r["batch"]) for r in rows] == [
        (d, b) for d in gpu_check.DECODINGS for b in mode.decode_batches]
    assert all(r["tokens/s"] > 0 and r["new tokens"] == mode.decode_tokens for r in rows)


def _table(folder, name):
    """A part's Markdown table as written to its file: the column names, then each row's cells."""
    lines = [line for line in (folder / f"{name}.md").read_text(encoding="utf-8").splitlines()
             if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]


def test_dry_run_evaluates_each_llm_preset_at_its_own_eval_batch_and_beams(dry_run):
    report, folder, mode = dry_run
    rows = report["parts"]["eval"]["rows"]
    assert [r["preset"] for r in rows] == list(mode.causal)
    for row in rows:
        own = wconfig.compose(row["preset"], dict(mode.overrides))
        hp = own["hparams"]
        assert row["eval batch"] == own["runtime"]["eval_batch_size"] > 1
        assert row["beams"] == hp["num_beams"] and row["quantization"] == hp["quantization"]
        assert row["prompt + new tokens"] == f"{hp['max_input_length']} + {hp['max_new_tokens']}"
        assert row["measured GiB"] == gpu_check.DRY and row["seconds"] > 0
        assert row["eval estimate GiB"] == gpu_check.NO_EVAL_ESTIMATE or row[
            "eval estimate GiB"] > 0
        assert row["KV cache"] == row["compute dtype"] == "float32"  # the CPU's
    table = _table(folder, "eval")
    assert table[0] == ["preset", "quantization", "eval batch", "beams", "prompt + new tokens",
                        "training estimate GiB", "eval estimate GiB", "measured GiB",
                        "estimate / measured", "within +-15 %", "KV cache", "compute dtype",
                        "cache in compute dtype", "seconds"]
    assert len(table) == 1 + len(mode.causal)


def test_dry_run_predicts_with_an_unquantized_adapter_and_names_where_it_ran(dry_run):
    report, folder, mode = dry_run
    [row] = report["parts"]["predict"]["rows"]
    assert row["preset"] == mode.causal[0] and row["quantization"] == "none"
    assert row["dialogues"] == mode.predict_rows and row["generate s"] > 0
    assert row["parameters on"] == row["record says"] == "cpu"  # the dry run's device
    assert _table(folder, "predict")[0] == [
        "preset", "quantization", "dialogues", "batch", "beams", "new tokens", "record says",
        "parameters on", "load s", "generate s", "s / dialogue", "peak GiB", "goal: on the GPU"]


def test_dry_run_places_two_workers_and_lists_the_device_of_each_trial(dry_run):
    report, folder, _ = dry_run
    rows = report["parts"]["placement"]["rows"]
    assert [r["trial"] for r in rows] == [1, 2]
    assert all(r["state"] == "complete" and r["device (trial record)"] == "cpu" for r in rows)
    text = report["parts"]["placement"]["markdown"]
    assert "study.gpus '0,0'" in text and text.count("CUDA_VISIBLE_DEVICES=0, exit code 0") == 2
    assert _table(folder, "placement")[0] == [
        "trial", "state", "worker", "CUDA_VISIBLE_DEVICES", "device (trial record)", "bus id",
        "expected bus id", "on its worker's GPU"]


def test_dry_run_trains_kobart_shape_in_the_precision_its_preset_resolves_to(dry_run):
    report, folder, mode = dry_run
    [row] = report["parts"]["precision"]["rows"]
    hp = wconfig.compose(mode.seq2seq, dict(mode.overrides))["hparams"]
    asked = "bf16" if hp["bf16"] else "fp16" if hp["fp16"] else "fp32"
    assert row["preset asks"].startswith(asked)
    assert row["expected here"] == row["matmuls ran in"] == "fp32"  # the CPU trains in fp32
    assert row["step s (median)"] > 0 and row["peak GiB"] == gpu_check.DRY
    assert len(row["times_s"]) == mode.speed_steps - 2
    assert _table(folder, "precision")[0] == [
        "model", "setting", "preset asks", "expected here", "matmuls ran in", "weights", "TF32",
        "step s (median)", "tokens/s", "peak GiB", "estimated GiB", "estimate / measured",
        "goal: preset's precision"]


@pytest.mark.parametrize(("peak", "estimate", "cache", "within", "in_compute"), [
    (40.0, 42.0, "bfloat16", "met", "met"),
    (40.0, 20.0, "bfloat16", "MISSED", "met"),  # the estimate counts half of it
    (40.0, 42.0, "float32", "met", "MISSED"),  # the cache was upcast
    (40.0, None, "bfloat16", "not judged: no estimate", "met"),  # a memory model without it
])
def test_eval_goals(peak, estimate, cache, within, in_compute):
    row = {"KV cache": cache, "compute dtype": "bfloat16"}
    gpu_check.judge_eval(row, peak, estimate, gpu_check.FULL)
    assert row["within +-15 %"] == within and row["cache in compute dtype"] == in_compute
    assert row["measured GiB"] == peak


@pytest.mark.parametrize(("text", "bus"), [
    ("cuda:0 (NVIDIA H100 80GB HBM3, bus 0000:1A:00, CUDA_VISIBLE_DEVICES=2)", "0000:1a:00"),
    ("00000000:19:00.0", "0000:19:00"),  # as nvidia-smi writes it
    ("cuda:0 (NVIDIA H100 80GB HBM3, CUDA_VISIBLE_DEVICES=1)", None),
    ("cpu", None),
])
def test_bus_id(text, bus):
    assert gpu_check.bus_id(text) == bus


WORKERS = [{"name": "worker-0", "pid": 1, "gpu": "0", "cuda_visible_devices": "0"},
           {"name": "worker-1", "pid": 2, "gpu": "1", "cuda_visible_devices": "1"}]
BUSES = {"0": "0000:19:00", "1": "0000:3b:00"}


@pytest.mark.parametrize(("device", "state", "worker", "verdict"), [
    ("cuda:0 (H100, bus 0000:3b:00, CUDA_VISIBLE_DEVICES=1)", "complete", "worker-1", "met"),
    # the worker was told GPU 1 but trained on GPU 0 (the driver read the variable too late)
    ("cuda:0 (H100, bus 0000:19:00, CUDA_VISIBLE_DEVICES=1)", "complete", "worker-1", "MISSED"),
    ("cuda:0 (H100, CUDA_VISIBLE_DEVICES=0)", "complete", "worker-0",
     "MISSED (no bus id in the record)"),
    ("cuda:0 (H100, bus 0000:19:00, CUDA_VISIBLE_DEVICES=0)", "fail", "worker-0",
     "MISSED (trial fail)"),
    ("cpu", "complete", "worker-0 or worker-1", "MISSED (no bus id in the record)"),
])
def test_placement_rows(device, state, worker, verdict):
    trials = [{"number": 0, "state": state, "user_attrs": {"device": device}}]
    [row] = gpu_check.placement_rows(trials, WORKERS, BUSES, gpu_check.FULL)
    assert row["worker"] == worker and row["on its worker's GPU"] == verdict


@pytest.mark.parametrize("preset", ["llama", "qwen", "kobart"])
def test_long_rows_fill_the_full_presets_lengths(preset):
    """The GPU figures assume full-length batches: every encoded row must be as long as the
    preset's budgets allow, with the stand-in tokenizer the check saves beside the model."""
    config = validate.resolve(preset).config
    whole = {**config, "data": {**config["data"], "max_train_samples": None}}
    sample = wdata.load_splits(whole)["train"]
    texts = list(sample["dialogue"]) + [r[0] for r in sample["references"]]
    tokenizer = gpu_check.stand_in_tokenizer(config, texts)
    rows = gpu_check.long_rows(sample, 4)
    hp = config["hparams"]
    if config["model"]["backend"] == "causal":
        fmt = causal.prompt_format(tokenizer, config["llm"])
        encoded = causal.encode(rows, tokenizer, fmt, hp)
        assert all(encoded.truncated) and all(encoded.answer_truncated)
        lengths = {len(f["input_ids"]) for f in encoded.features}
        assert lengths == {hp["max_input_length"] + hp["max_target_length"]}
    else:
        encoded = seq2seq.encode(rows, tokenizer, hp)
        assert {len(f["input_ids"]) for f in encoded.features} == {hp["max_input_length"]}
        assert {len(f["labels"]) for f in encoded.features} == {hp["max_target_length"]}


def _trial(number, state, reason="", start=1.0, peak=30.0):
    return {"trial": number, "batch": 32 if number == 2 else 4, "state": state,
            "reason": reason, "allocated at start GiB": start, "peak GiB": peak}


OOM = "out of memory: OutOfMemoryError: CUDA out of memory. Tried to allocate 40.00 GiB"


@pytest.mark.parametrize(("rows", "verdict"), [
    ([_trial(1, "complete"), _trial(2, "fail", OOM), _trial(3, "complete"),
      _trial(4, "complete")], "met"),
    # pruned as infeasible (its memory constraint violated) is as good as failed
    ([_trial(1, "complete"), _trial(2, "pruned", OOM), _trial(3, "complete"),
      _trial(4, "complete")], "met"),
    # a few MiB of difference on nearly empty memory is within 1 % of a trial's peak
    ([_trial(1, "complete", start=0.0), _trial(2, "fail", OOM),
      _trial(3, "complete", start=0.004), _trial(4, "complete", start=0.002)], "met"),
    ([_trial(1, "complete"), _trial(2, "fail", OOM), _trial(3, "complete", start=1.5),
      _trial(4, "complete", start=2.0)], "MISSED"),  # memory left behind by the failed trial
    ([_trial(1, "complete"), _trial(2, "complete"), _trial(3, "complete"),
      _trial(4, "complete")], "MISSED"),  # the absurd batch did not run out of memory
    ([_trial(1, "complete"), _trial(2, "fail", "ValueError: bad"), _trial(3, "complete"),
      _trial(4, "complete")], "MISSED"),  # failed, but not out of memory
    ([_trial(1, "complete"), _trial(2, "fail", OOM), _trial(3, "fail", OOM),
      _trial(4, "fail", OOM)], "MISSED"),  # the study did not recover
    ([_trial(1, "complete"), _trial(2, "fail", OOM)], "MISSED"),  # the study stopped
])
def test_hygiene_verdict(rows, verdict):
    assert gpu_check._hygiene_verdict(rows, gpu_check.FULL).startswith(f"Goal {verdict}")


def test_step_seconds_drop_the_warm_up_step_and_what_follows_training():
    # forward starts of 5 training steps, then evaluation's generation
    stamps = [0.0, 1.0, 3.0, 6.0, 10.0, 50.0, 50.1]
    assert gpu_check.step_seconds(stamps, 5) == [2.0, 3.0, 4.0]


@pytest.mark.parametrize(("exc", "oom"), [
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), True),
    (RuntimeError("CUDA error: out of memory"), True),
    (RuntimeError("expected scalar type Half but found Float"), False),
])
def test_is_oom(exc, oom):
    assert gpu_check.is_oom(exc) is oom


def test_command_line(tmp_path, one_thread, monkeypatch, capsys):
    if not torch.cuda.is_available():
        assert gpu_check.main([]) == 2  # a GPU run without a GPU says so and stops
        assert "--tiny" in capsys.readouterr().err
    monkeypatch.setattr(paths, "CACHE", tmp_path / "cache")
    assert gpu_check.main(["--tiny", "--parts", "decode", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.md")) == ["decode.md", "report.md"]
    assert "## 8. Decode-only" in capsys.readouterr().out


def test_pack_site_carries_packages_with_metadata_and_only_cuda13_libraries(tmp_path):
    import tarfile

    packed = gpu_check.pack_site(tmp_path / "site.tar.gz", ("colorlog", "bitsandbytes"))
    assert [p.split()[0] for p in packed] == ["colorlog", "bitsandbytes"]
    with tarfile.open(tmp_path / "site.tar.gz") as tar:
        names = tar.getnames()
    assert "colorlog/__init__.py" in names and "bitsandbytes/__init__.py" in names
    assert any(n.endswith(".dist-info/METADATA") and n.startswith("colorlog") for n in names)
    libraries = [n for n in names if "libbitsandbytes_" in n]
    assert libraries and all("_cuda13" in n for n in libraries)
    assert not any("__pycache__" in n for n in names)


class _Failing(torch.nn.Module):
    """A model whose training step raises `error`: what a case meets when the GPU is full."""

    def __init__(self, error):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.error = error

    def get_base_model(self):
        return self

    def activation_checkpointing_enable(self, **_):
        pass

    def forward(self, **_):
        raise self.error


@pytest.mark.parametrize(("error", "measured", "verdict"), [
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 9.00 GiB"), "OOM",
     "MISSED (feasible, ran out of memory)"),
    (RuntimeError("cuBLAS failed"), "error: RuntimeError: cuBLAS failed", None),
])
def test_memory_case_records_a_failure_and_the_grid_goes_on(error, measured, verdict):
    hp = {"bf16": False, "fp16": False, "batch_size": 1, "max_input_length": 4,
          "max_target_length": 2}
    row = {"_fits": True, "_gc": True, "_hp": hp, "_est": 1.0}
    built = gpu_check.Built("x", {}, {}, paths.ROOT, type("C", (), {"vocab_size": 10})())
    meter = gpu_check.Meter(torch.device("cpu"))
    gpu_check._measure_case(row, _Failing(error), built, meter, float("inf"), gpu_check.FULL)
    assert row["measured GiB"] == measured and row.get("within +-15 %") == verdict
