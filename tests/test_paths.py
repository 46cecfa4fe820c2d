"""Project paths and the one way cache folders are built: filled in a `.tmp` folder under a
lock, renamed into place, never seen half-written, never built twice."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from workbench import paths


def test_replacing_swaps_the_folder_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "best-model"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with paths.replacing(target) as tmp:
        (tmp / "new.txt").write_text("new")
        assert (target / "old.txt").is_file()  # readers see the old folder until the end
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert not tmp.exists()


def test_replacing_leaves_the_destination_when_the_build_fails(tmp_path: Path) -> None:
    target = tmp_path / "best-model"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), paths.replacing(target) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError("disk full")
    assert sorted(p.name for p in target.iterdir()) == ["old.txt"]
    assert not tmp.exists()


def test_building_yields_nothing_to_build_once_the_folder_is_done(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "entry"
    with paths.building(folder, "done.json") as tmp:
        assert tmp is not None and tmp != folder
        (tmp / "done.json").write_text("{}")
    assert (folder / "done.json").is_file()
    with paths.building(folder, "done.json") as tmp:
        assert tmp is None


def test_building_twice_at_once_builds_once(tmp_path: Path) -> None:
    folder = tmp_path / "entry"
    builds: list[str] = []
    started = threading.Event()

    def build(name: str) -> None:
        with paths.building(folder, "done.json") as tmp:
            if tmp is None:
                return
            builds.append(name)
            started.set()
            time.sleep(0.2)  # the second caller arrives while this build holds the lock
            (tmp / "done.json").write_text(name)

    first = threading.Thread(target=build, args=("first",))
    first.start()
    started.wait(timeout=60)
    second = threading.Thread(target=build, args=("second",))
    second.start()
    first.join()
    second.join()
    assert builds == ["first"]
    assert (folder / "done.json").read_text() == "first"
