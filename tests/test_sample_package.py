"""The sample generator as a package (`workbench.sample`): its slot values load from the
package's data files, the base's pre-training corpus is pinned by a sha256, and the base's
cache key covers every source and data file of the package.

The shipped CSVs are compared byte for byte with a fresh run of the command line in
test_sample_data.py (test_generator_reproduces_committed_files).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from workbench.sample import build, core, scenarios

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workbench" / "sample"

# sha256 of json.dumps(rows, ensure_ascii=False) for the first 2000 rows of the corpus the
# tiny-bart base is pre-trained on (model.base: corpus_seed 7, corpus_rows 12000). A change to
# a scenario, a slot value or the assembly changes it: then the base changes too (its cache key
# hashes the package), and this pin and docs/embedded-default.md's figures need a new look.
CORPUS_7_12000_FIRST_2000 = "6f3d5e126590b45e0bd65651f8cb20edf2a56cc8b07c14213c17019a1a6b5ccf"
# The same for the shipped splits as `generate()` returns them (train, dev, test rows).
SHIPPED = "2f0c288f0007ca778522efac80be27cfb6c758029b4f8df7ea89468b1a74554b"


def _sha(rows) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def test_the_base_corpus_is_pinned():
    assert _sha(build.generate_corpus(7, 12000)[:2000]) == CORPUS_7_12000_FIRST_2000


def test_the_pinned_corpus_is_the_tiny_bart_base():
    from workbench import validate

    base = validate.resolve("tiny-bart", {}).config["model"]["base"]
    assert (base["corpus_seed"], base["corpus_rows"]) == (7, 12000)


def test_the_shipped_splits_are_pinned():
    assert _sha(build.generate()) == SHIPPED


def test_every_slot_file_loads_from_the_package_and_is_used():
    folder = resources.files("workbench.sample").joinpath("slots")
    stems = sorted(p.name.removesuffix(".json") for p in folder.iterdir()
                   if p.name.endswith(".json"))
    assert "common" in stems and len(stems) == len(scenarios.MODULES) + 1
    used = {"common"}
    for module in scenarios.MODULES:
        used |= set(re.findall(r'load_slots\("(\w+)"\)', Path(module.__file__).read_text("utf-8")))
    assert used == set(stems)
    for stem in stems:
        values = core.load_slots(stem)
        assert values and all(key.isupper() for key in values), stem
        assert core.load_slots(stem) is values  # read once


def test_nested_slot_arrays_are_tuples_and_others_lists():
    assert core._values([["a", 1], {"k": ["b"]}]) == [("a", 1), {"k": ["b"]}]
    assert isinstance(core._values([["a"]])[0], tuple)
    assert isinstance(core._values({"k": ["b"]})["k"], list)


def test_every_topic_has_its_module_and_three_scenarios():
    assert sorted(core.SCENARIOS) == sorted(build.TOPICS)
    assert all(len(fns) == 3 for fns in core.SCENARIOS.values())
    for fns in core.SCENARIOS.values():
        assert len({fn.__module__ for fn in fns}) == 1  # a topic lives in one module


def test_modules_stay_small():
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text("utf-8").splitlines()) < 600, path


def test_pii_tags_are_defined_once():
    """`workbench.sample.tags` holds the only definition; everything else imports it."""
    from workbench import data
    from workbench.sample import tags

    assert data.PII_TAGS is tags.PII_TAGS
    defining = []
    for path in [*(ROOT / "workbench").rglob("*.py"), *(ROOT / "scripts").rglob("*.py")]:
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            targets = (node.targets if isinstance(node, ast.Assign)
                       else [node.target] if isinstance(node, ast.AnnAssign) else [])
            if any(isinstance(t, ast.Name) and t.id == "PII_TAGS" for t in targets):
                defining.append(path.relative_to(ROOT).as_posix())
    assert defining == ["workbench/sample/tags.py"]


def test_the_base_key_hashes_every_file_of_the_package(tmp_path, monkeypatch):
    from workbench.backends import pretraining

    files = [p.relative_to(PACKAGE).as_posix() for p in pretraining.generator_files()]
    assert files == sorted(files) and "build.py" in files and "slots/common.json" in files
    assert "scenarios/restaurant.py" in files and not any("__pycache__" in f for f in files)
    assert len(files) == len([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.json")])
    copy = tmp_path / "sample"
    for name in files:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((PACKAGE / name).read_bytes())
    monkeypatch.setattr(pretraining, "GENERATOR", copy)
    before = pretraining.generator_digest()
    slots = copy / "slots" / "restaurant.json"
    slots.write_text(slots.read_text("utf-8").replace("바다향 횟집", "바다향 횟집 본점"), "utf-8")
    assert pretraining.generator_digest() != before


def test_pyproject_ships_the_slot_files():
    """Slot values are package data: a wheel without them cannot generate anything."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    rules = config.get("tool", {}).get("setuptools", {}).get("package-data", {})
    globs = [*rules.get("workbench.sample", []), *rules.get("*", [])]
    if not globs:
        pytest.skip("pyproject.toml has no [tool.setuptools.package-data] rule for "
                    "workbench.sample (slots/*.json) yet")
    for path in (PACKAGE / "slots").glob("*.json"):
        assert any(path.relative_to(PACKAGE).match(g) for g in globs), path
