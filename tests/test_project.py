"""Project hygiene: environment.yml matches pyproject, notebooks are clean and parametrized."""

import json
import re

import pytest
import tomllib
import yaml

from workbench import paths

PYPROJECT = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_installs_the_project_with_its_extras():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    version = tuple(int(x) for x in python.split("=")[1].split("."))
    floor = re.match(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"]).groups()
    assert version >= tuple(int(x) for x in floor)
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    editable = next(line for line in pip if line.startswith("-e ."))
    extras = set(re.search(r"\[(.*)\]", editable).group(1).split(","))
    declared = set(PYPROJECT["project"]["optional-dependencies"])
    assert extras <= declared
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    make_extras = set(re.search(r"^EXTRAS \?= (.*)$", makefile, re.M).group(1).split(","))
    assert extras == make_extras, "conda and make must install the same extras"
    all_extra = " ".join(PYPROJECT["project"]["optional-dependencies"]["all"])
    for extra in declared - {"all", "dev"}:
        assert extra in all_extra, f"extra {extra!r} missing from [all]"


@pytest.mark.slow
def test_user_named_packages_are_dependencies():
    deps = PYPROJECT["project"]["dependencies"] + [
        d for group in PYPROJECT["project"]["optional-dependencies"].values() for d in group]
    names = {re.split(r"[<>=\[ ]", d)[0].lower() for d in deps}
    for pkg in ("jupyterlab", "papermill", "optuna", "transformers", "peft", "bitsandbytes",
                "torch", "plotly", "ipywidgets", "rouge-score"):
        assert pkg in names, pkg


@pytest.mark.parametrize("notebook", sorted(paths.NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_committed_clean(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    # The parameters cell holds literals only.
    import ast

    for node in ast.parse("".join(tagged[0]["source"])).body:
        assert isinstance(node, ast.Assign), ast.dump(node)
        ast.literal_eval(node.value)


@pytest.mark.parametrize("notebook", sorted(paths.NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_papermill_sees_every_parameter(notebook):
    """papermill skips lines it cannot parse (e.g. a second '=' in a comment): catch that."""
    import ast

    import papermill as pm

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    assigned = [n.targets[0].id for n in ast.parse("".join(cell["source"])).body]
    assert list(pm.inspect_notebook(str(notebook))) == assigned
