"""The package's rooms: no import cycles (imports inside functions included), low-level modules
that import nothing above them, no module past 600 lines and no class past ~200, backend names
compared only inside backends/, nothing loaded by file path, no benchmark or mock code in the
product, a README of at most 250 lines, and a layout in docs/architecture.md naming every
module."""

import ast
import re
from pathlib import Path

import pytest

from workbench import paths

PACKAGE = paths.ROOT / "workbench"
MODULES = sorted(PACKAGE.rglob("*.py"))


def module_name(file: Path) -> str:
    parts = file.relative_to(paths.ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports, anywhere in its body (functions too).

    `from a.b import c` counts as importing `a.b` and, when `c` is a module, `a.b.c`.
    """
    names = {module_name(f): f for f in MODULES}
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, file in names.items():
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                while target and target not in names:
                    target = target.rpartition(".")[0]
                if target and target not in (name, "workbench"):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_in_the_package():
    graph = import_graph()
    assert graph["workbench.backends.seq2seq"] >= {"workbench.backends.base"}
    assert cycles(graph) == []


def test_backends_import_neither_each_other_nor_augmentation():
    graph = import_graph()
    for backend in ("workbench.backends.seq2seq", "workbench.backends.causal"):
        others = {"workbench.backends.seq2seq", "workbench.backends.causal",
                  "workbench.augment"} - {backend}
        assert not graph[backend] & others, backend


@pytest.mark.parametrize("file", MODULES, ids=lambda f: module_name(f))
def test_no_class_is_a_room_of_its_own(file):
    tree = ast.parse(file.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            length = node.end_lineno - node.lineno + 1
            assert length <= 200, f"{module_name(file)}.{node.name}: {length} lines"


def test_no_mock_or_benchmark_code_in_the_product():
    for file in MODULES:
        text = file.read_text(encoding="utf-8")
        assert "unittest.mock" not in text and "from unittest import" not in text, file
    assert not (PACKAGE / "bench.py").exists()


def test_readme_is_short():
    lines = (paths.ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; the manual goes in docs/"


def test_the_sample_script_is_a_thin_command():
    """The generator lives in workbench.sample; the script only parses arguments and calls it."""
    script = (paths.ROOT / "scripts" / "make_sample_data.py").read_text(encoding="utf-8")
    assert len(script.splitlines()) <= 100
    assert "from workbench.sample" in script or "import workbench.sample" in script


def test_architecture_layout_names_every_module():
    architecture = (paths.ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    layout = re.search(r"^## Layout\n(.*?)(?=^## |\Z)", architecture, re.M | re.S).group(1)
    for file in MODULES:
        if file.name == "__init__.py":
            continue
        rel = file.relative_to(PACKAGE).with_suffix("").as_posix()
        assert re.search(rf"(?<![\w/]){re.escape(rel.split('/')[-1])}\b", layout), rel
    for folder in ("notebooks", "workbench", "params", "benchmarks", "tests", "docs", "data",
                   "outputs", "scripts"):
        assert f"{folder}/" in layout, folder


@pytest.mark.parametrize("file", MODULES, ids=lambda f: module_name(f))
def test_no_module_is_past_600_lines(file):
    lines = len(file.read_text(encoding="utf-8").splitlines())
    assert lines <= 600, f"{module_name(file)}: {lines} lines; split it along its own lines"


def test_nothing_is_loaded_by_file_path():
    for file in MODULES:
        assert "spec_from_file_location" not in file.read_text(encoding="utf-8"), file


BACKEND_NAME = re.compile(r"""(==|!=|\bin\b|\bnot in\b)\s*\(?\s*["'](causal|seq2seq)["']""")


def test_the_backend_name_check_finds_a_comparison():
    assert BACKEND_NAME.search('if config["model"]["backend"] == "causal":')
    assert BACKEND_NAME.search("wanted = backend not in ('seq2seq', 'causal')")
    assert not BACKEND_NAME.search('backends.traits(config["model"]["backend"]).decoder_only')


def test_only_backends_compare_backend_names():
    """Code outside backends/ asks the backend class what it is; a new backend registers
    itself and nothing else changes."""
    for file in MODULES:
        if file.parent.name == "backends":
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            assert not BACKEND_NAME.search(line), f"{module_name(file)}:{number}: {line.strip()}"
        text = file.read_text(encoding="utf-8")
        assert not re.search(r"""["'](causal|seq2seq)["']\s*(==|!=)""", text), file


# Modules below the backends and the study: they are read by everything above them.
LOW = ("workbench.paths", "workbench.hub", "workbench.config", "workbench.records",
       "workbench.spaces", "workbench.memory", "workbench.metrics", "workbench.data",
       "workbench.storage", "workbench.display")
HIGH = ("workbench.backends", "workbench.study", "workbench.gentune", "workbench.strategies",
        "workbench.predict", "workbench.cli", "workbench.notebooks", "workbench.analysis")


# The sampler and pruner registry imports nothing of the package: config reads its names.
LEAVES = {"workbench.study.samplers"}


def test_low_level_modules_import_nothing_above_them():
    graph = import_graph()
    for low in LOW:
        for name in [n for n in graph if n == low or n.startswith(low + ".")]:
            upward = {t for t in graph[name] if t.startswith(HIGH) and t not in LEAVES}
            assert not upward, f"{name} imports {sorted(upward)}"
