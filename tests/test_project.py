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


@pytest.mark.parametrize("notebook", sorted(paths.NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_parameter_reaches_the_notebooks_code(notebook):
    """A parameter the cells never read would be silently ignored: papermill only warns."""
    import ast

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    cell = next(c for c in code if "parameters" in c.get("metadata", {}).get("tags", []))
    assigned = [n.targets[0].id for n in ast.parse("".join(cell["source"])).body]
    read = {node.id for c in code if c is not cell
            for node in ast.walk(ast.parse("".join(c["source"])))
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    assert [name for name in assigned if name not in read] == []


@pytest.mark.slow  # two `make lint` runs (ruff over the project) in a fresh clone
def test_make_install_sets_the_nbstripout_filter_and_lint_reads_what_git_holds(tmp_path):
    """After `make install`, outputs JupyterLab saves into a notebook never reach git, and
    `make lint` still passes; without the filter it would fail on them."""
    import os
    import subprocess

    import nbformat

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(paths.ROOT), str(clone)], check=True)
    (clone / "Makefile").write_bytes((paths.ROOT / "Makefile").read_bytes())  # this checkout's
    env_bin = clone / ".venv" / "bin"  # an installed venv: the stamp is newer than pyproject
    env_bin.mkdir(parents=True)
    for tool in ("python", "nbstripout", "ruff"):
        (env_bin / tool).symlink_to(paths.ROOT / ".venv" / "bin" / tool)
    (env_bin / ".installed").touch()

    def make(*target):
        return subprocess.run(["make", "-C", str(clone), *target], capture_output=True,
                              text=True, env={**os.environ, "MAKEFLAGS": ""})

    done = make("install")
    assert done.returncode == 0, done.stderr
    assert "nbstripout: git filter set" in done.stdout
    git = ["git", "-C", str(clone)]
    clean = subprocess.run([*git, "config", "filter.nbstripout.clean"], capture_output=True,
                           text=True).stdout
    assert "nbstripout" in clean
    assert "nbstripout: git filter set" not in make("install").stdout  # once, then quiet

    notebook = clone / "notebooks" / "run-study.ipynb"  # what a Lab autosave does
    nb = nbformat.read(notebook, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="trial 0\n")]
    code.execution_count = 1
    nbformat.write(nb, notebook)
    assert subprocess.run([*git, "diff", "--quiet", "--", "notebooks"]).returncode == 0
    subprocess.run([*git, "add", "notebooks"], check=True)  # `git status` then lists it no more
    status = subprocess.run([*git, "status", "--porcelain", "--", "notebooks"],
                            capture_output=True, text=True)
    assert status.stdout.strip() == ""  # git holds the notebook as it was committed
    lint = make("lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # ... while the file itself holds outputs (`make lint` must not fail on them)
    assert subprocess.run([str(env_bin / "nbstripout"), "--verify", str(notebook)]).returncode


@pytest.mark.parametrize(("notebook", "name"), [
    ("analyze", "record"), ("predict", "record"), ("generation-tuning", "checkpoint")])
def test_notebooks_that_read_a_run_default_to_latest(notebook, name):
    """In JupyterLab they run as they are: nothing typed into (and saved in) the notebook."""
    import papermill as pm

    declared = pm.inspect_notebook(str(paths.NOTEBOOKS / f"{notebook}.ipynb"))
    assert declared[name]["default"] == '"latest"'
    assert declared["preset"]["default"] == '"tiny-bart"'  # whose latest


@pytest.mark.slow  # a clone and `make notebook-filter`
def test_a_notebook_jupyterlab_autosaved_leaves_git_diff_empty(tmp_path):
    """What Lab writes into every notebook it runs and saves (outputs, counts, the kernel's
    spec and language_info, timings, widget state) never reaches `git diff`."""
    import os
    import subprocess

    import nbformat

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(paths.ROOT), str(clone)], check=True)
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t"]
    for name in ("Makefile", *(f"notebooks/{p.name}" for p in paths.NOTEBOOKS.glob("*.ipynb"))):
        (clone / name).write_bytes((paths.ROOT / name).read_bytes())  # this checkout's
    subprocess.run([*git, "commit", "-qam", "this checkout's", "--allow-empty"], check=True)
    env_bin = clone / ".venv" / "bin"  # an installed venv: the stamp is newer than pyproject
    env_bin.mkdir(parents=True)
    for tool in ("python", "nbstripout"):
        (env_bin / tool).symlink_to(paths.ROOT / ".venv" / "bin" / tool)
    (env_bin / ".installed").touch()
    done = subprocess.run(["make", "-C", str(clone), "notebook-filter"], capture_output=True,
                          text=True, env={**os.environ, "MAKEFLAGS": ""})
    assert done.returncode == 0, done.stdout + done.stderr

    spec = json.loads((paths.ROOT / ".venv" / "share" / "jupyter" / "kernels" / "python3" /
                       "kernel.json").read_text(encoding="utf-8"))  # the kernel Lab starts
    for notebook in sorted((clone / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(notebook, as_version=4)
        nb.metadata["kernelspec"] = {"display_name": spec["display_name"],
                                     "language": spec["language"], "name": "python3"}
        nb.metadata["language_info"] = {
            "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
            "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3", "version": "3.11.9"}
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
        for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            cell.execution_count = i + 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="trial 0\n")]
            cell.metadata["execution"] = {"iopub.status.busy": "2026-11-30T19:28:49.123Z"}
        nbformat.write(nb, notebook)
    diff = subprocess.run([*git, "diff", "--exit-code", "--", "notebooks"], capture_output=True,
                          text=True)
    assert diff.returncode == 0, diff.stdout[-3000:]
