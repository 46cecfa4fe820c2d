"""Project paths, resolved from this file, never from the current directory.

papermill and JupyterLab start kernels in different folders, so every path the workbench
reads or writes is anchored here.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
PRESETS = PARAMS / "presets"
SPACES = PARAMS / "spaces"
NOTEBOOKS = ROOT / "notebooks"
OUTPUTS = ROOT / "outputs"
CACHE = OUTPUTS / "cache"
DATA = ROOT / "data"
# The shipped data: its runs carry no data tag, and its studies are named by their preset.
SAMPLE = DATA / "sample"
DEFAULTS = PARAMS / "defaults.yaml"
STRATEGIES = PARAMS / "strategies.yaml"
STAGES = PARAMS / "stages.yaml"
CHAT_TEMPLATES = PARAMS / "chat_templates"


def cache(kind: str) -> Path:
    """The cache folder of one kind of entry (bases, tokenizers, augment, trials), read from
    CACHE when called, so a test that moves CACHE moves every cache."""
    return CACHE / kind


def project_path(path: str | Path) -> Path:
    """An absolute path: relative paths are taken from the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else ROOT / p


def shown(path: str | Path) -> str:
    """A path as a person wants to read it: relative to the project root when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


def scratch(name: str, owner: str | Path) -> Path:
    """A trial's working folder, outputs/cache/trials/<name>-<digest>: the digest is of the
    record folder `owner` that the work belongs to, so two runs whose folders share a name
    (`--out a/rec` and `--out b/rec`) never train in, or clean up, each other's folder."""
    digest = hashlib.sha1(str(Path(owner).resolve()).encode()).hexdigest()[:8]
    return cache("trials") / f"{name}-{digest}"


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of a cache entry (`<folder>.lock` beside it). Processes that would build the
    same entry at once (worker processes, test processes) take turns: check for the entry again
    inside the lock, and only the first builds it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(folder.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def replacing(destination: Path) -> Iterator[Path]:
    """A fresh `<destination>.tmp` folder to fill; when the block ends without an error it
    replaces `destination` in one step, so a reader never sees half a folder. After an error
    the half-written `.tmp` folder is removed and `destination` is left as it was."""
    destination = Path(destination)
    tmp = destination.with_name(destination.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(destination, ignore_errors=True)
    tmp.rename(destination)


@contextmanager
def building(folder: Path, done: str) -> Iterator[Path | None]:
    """Build a cache folder once: None when `folder/done` exists (nothing to build), else a
    fresh `.tmp` folder to fill, under the entry's build lock, renamed to `folder` at the end.
    Processes that ask at once wait for the first one's build and then get None."""
    if (folder / done).exists():
        yield None
        return
    with build_lock(folder):
        if (folder / done).exists():
            yield None
            return
        with replacing(folder) as tmp:
            yield tmp
