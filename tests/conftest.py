"""Shared fixtures. Tests run on a CPU with no network: nothing is loaded from the Hugging Face
Hub. A test that needs a study without real training registers a fake backend
(`fake_backend`), chosen by the `model.backend` override it returns."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402
import standins  # noqa: E402
import torch  # noqa: E402
from helpers import FakeBackend  # noqa: E402

from workbench import backends, paths  # noqa: E402


@pytest.fixture
def fake_backend():
    """`use(train)` registers backend "fake" training with `train(self, hp, report, outdir,
    save_to=None)` and returns the override selecting it; unregistered after the test. Its
    `load` gives a model-free predictor (`helpers.FakePredictor`)."""

    def use(train):
        backends.register("fake", type("Fake", (FakeBackend,), {"training": staticmethod(train)}))
        return {"model.backend": "fake"}

    yield use
    backends.unregister("fake")


@pytest.fixture(scope="session")
def standin(tmp_path_factory):
    """`standin(name)`: the folder of the real preset `name`'s faithful stand-in (kobart, llama,
    qwen: tests/standins.py), built once per test process; point `model.name` at it."""
    built = {}

    def get(name):
        if name not in built:
            built[name] = standins.BUILDERS[name](tmp_path_factory.mktemp(f"standin-{name}"))
        return built[name]

    return get


@pytest.fixture(scope="module")
def private_cache(tmp_path_factory):
    """Tokenizers and bases built by a module's tests go to a temporary cache, not outputs/
    (use with `pytestmark = pytest.mark.usefixtures("private_cache")`)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "CACHE", tmp_path_factory.mktemp("cache"))
        yield


@pytest.fixture(scope="module")
def one_thread():
    """Torch on one thread here and in kernels: on 2 shared cores, more threads only contend."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMP_NUM_THREADS", "1")
        yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session", autouse=True)
def no_records_among_the_users_outputs():
    """Tests keep their records in temporary folders: none may be left in outputs/<preset>/."""
    def records() -> set[str]:
        return {str(p.parent.relative_to(paths.ROOT)) for p in
                paths.OUTPUTS.glob("*/*/results.json")}

    before = records()
    yield
    left = sorted(records() - before)
    assert not left, f"tests left run records among the user's outputs: {left}"
