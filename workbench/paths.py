"""Project paths, resolved from this file, never from the current directory.

papermill and JupyterLab start kernels in different folders, so every path the workbench
reads or writes is anchored here.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / "params"
PRESETS = PARAMS / "presets"
SPACES = PARAMS / "spaces"
NOTEBOOKS = ROOT / "notebooks"
OUTPUTS = ROOT / "outputs"
CACHE = OUTPUTS / "cache"
DATA = ROOT / "data"


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
