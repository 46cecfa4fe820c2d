"""Search spaces: load, validate, describe and sample the YAML spaces under params/spaces/.

A space file maps group names (model, training, generation, preprocessing, ...) to parameters,
plus an optional top-level ``fixed:`` mapping of values the space pins. The schema is documented
at the top of ``params/spaces/reference.yaml``. Parameter names are flat and globally unique because
the run config uses them as keys.

- `schema`: the constants, `Param`, `Space`, `SpaceError` and the checks a space file must pass;
- `loading`: `load_space` / `list_spaces` (YAML, `extends:`, the catalogue) and `select`;
- `sampling`: `suggest` (Optuna) and `enqueue_params` (trial 0's values);
- `description`: `describe` and `space_size`;
- `values`: how values compare and read.
"""

from workbench.spaces.description import describe, space_size
from workbench.spaces.loading import UniqueKeyLoader, list_spaces, load_space, select
from workbench.spaces.sampling import enqueue_params, suggest
from workbench.spaces.schema import (
    CATALOGUE,
    EXTENDS_KEY,
    FIXED_KEY,
    FROM_PRESET,
    PARAM_KEYS,
    PROJECT_ROOT,
    SPACES_DIR,
    TYPES,
    Param,
    Space,
    SpaceError,
)
from workbench.spaces.values import _same as _same

__all__ = [
    "CATALOGUE",
    "EXTENDS_KEY",
    "FIXED_KEY",
    "FROM_PRESET",
    "PARAM_KEYS",
    "PROJECT_ROOT",
    "SPACES_DIR",
    "TYPES",
    "Param",
    "Space",
    "SpaceError",
    "UniqueKeyLoader",
    "describe",
    "enqueue_params",
    "list_spaces",
    "load_space",
    "select",
    "space_size",
    "suggest",
]
