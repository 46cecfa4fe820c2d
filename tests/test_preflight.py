"""Before any study exists: a model that cannot be loaded and a GPU that cannot be used are
refused within seconds, with what to do; each trial's record says where it trained."""

import json
import socket
import time

import pytest
import torch
from helpers import PLUMBING, outcome, sqlite_url

from workbench import study as wstudy
from workbench.hub import ModelUnavailable, check_available

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")


def test_missing_model_fails_offline_in_seconds_before_any_study(tmp_path):
    # conftest sets HF_HUB_OFFLINE=1; digit82/kobart-summarization is not in the test's cache
    with pytest.raises(ModelUnavailable, match="hf download digit82/kobart-summarization"):
        wstudy.start_run("run-study", preset="kobart", storage=sqlite_url(tmp_path),
                         run_dir=str(tmp_path / "rec"))
    assert not (tmp_path / "study.db").exists()  # no study was created
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "failed" and rec["error"]["type"] == "ModelUnavailable"


@pytest.fixture
def online(monkeypatch):
    """The Hub allowed (no HF_HUB_OFFLINE) at `endpoint`."""
    from huggingface_hub import constants

    def at(endpoint):
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    return at


def test_unreachable_hub_fails_fast(online):
    with socket.socket() as closed:  # a port nothing listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    online(f"http://127.0.0.1:{port}")
    started = time.perf_counter()
    with pytest.raises(ModelUnavailable, match="did not answer"):
        check_available("someone/missing-model")
    # Refused at once, not after the Hub client's retries (minutes): a generous bound, so a
    # loaded machine cannot fail it.
    assert time.perf_counter() - started < 60


def test_silent_hub_fails_after_the_connect_timeout(online):
    with socket.socket() as server:  # accepts connections (backlog), never answers
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        online(f"http://127.0.0.1:{server.getsockname()[1]}")
        with pytest.raises(ModelUnavailable, match="within 1 s"):
            check_available("someone/missing-model", connect_timeout=1.0)


def test_local_folder_is_available(tmp_path):
    check_available(str(tmp_path))  # a folder is never looked up on the Hub
    with pytest.raises(ModelUnavailable, match="no such folder"):
        check_available(str(tmp_path / "missing" / "model"))


@NO_CUDA
def test_gpus_without_cuda_are_refused_naming_the_torch_build(tmp_path):
    with pytest.raises(ValueError, match="CPU-only build") as err:
        wstudy.start_run("run-study", preset="tiny-bart", gpus="0,1",
                         storage=sqlite_url(tmp_path), run_dir=str(tmp_path / "rec"))
    assert torch.__version__ in str(err.value) and "CUDA build of torch" in str(err.value)
    assert not (tmp_path / "study.db").exists()
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    assert rec["status"] == "failed"


def test_each_trial_records_the_device_it_trained_on(fake_backend, tmp_path):
    selected = fake_backend(lambda backend, hp, report, outdir, save_to=None: outcome(20.0))
    run = wstudy.start_run("run-study", preset="tiny-bart", n_trials=2,
                           storage=sqlite_url(tmp_path), pruner="none",
                           overrides={**PLUMBING, **selected, "data.max_dev_samples": 12},
                           run_dir=str(tmp_path / "rec"))
    run.optimize()
    rec = json.loads((tmp_path / "rec" / "results.json").read_text(encoding="utf-8"))
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert [t["device"].split(":")[0] for t in rec["trials"]] == [expected, expected]
