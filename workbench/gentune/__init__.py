"""Generation tuning: the decoding space explored on one trained checkpoint, loaded once.

A `Generator` holds the model, its tokenizer and the encoded dev dialogues; every decoding
config after that costs only batched generation and scoring. On top of it:
- `DecodingPanel`: ipywidgets controls for JupyterLab that regenerate a handful of summaries,
  with the combinations that cannot work made impossible (min > max new tokens) or disabled
  and explained (sampling knobs without sampling, length penalty without beams);
- `run_grid` / `draw_grid` / `draw_grid_summaries`: a small precomputed grid with plotly
  sliders, for headless (papermill) runs and the shared HTML;
- `optimize_decoding`: an Optuna study over the generation space only, on the fixed model.

Both backends: a seq2seq checkpoint, or a causal record's base + LoRA adapter (re-quantized as
in training), with the causal backend's prompts (left padding) and output cleaning.
`workbench.predict` generates submissions with the same `Generator`.

Modules: `generator` (the checkpoint, the decoding rules, `Generator`), `panel` (the widgets),
`grid` (the precomputed grid and its charts), `study` (the decoding-only study and its timing),
`notebook` (`start_tuning` and `Tuning`, what the notebook calls). This package re-exports their
public names; `workbench.predict` imports `generator` itself.
"""

from workbench.gentune.generator import (
    DECODING_KEYS,
    SAMPLING_KEYS,
    SHAPE_KEYS,
    CheckpointError,
    Evaluation,
    Generator,
    check_architecture,
    checkpoint_config,
    checkpoint_hparams,
    decoding,
    decoding_errors,
    decoding_notes,
    locate,
)
from workbench.gentune.grid import (
    MAX_GRID_KEYS,
    OWN,
    GridResult,
    draw_grid,
    draw_grid_summaries,
    grid_configs,
    run_grid,
)
from workbench.gentune.notebook import (
    EXPORT_FILE,
    GENERATION_PARAMETERS,
    Tuning,
    start_tuning,
    under_papermill,
)
from workbench.gentune.panel import DecodingPanel, slider_specs
from workbench.gentune.study import (
    generation_params,
    latest_training_record,
    optimize_decoding,
    timing_table,
    training_times,
)

__all__ = [
    "DECODING_KEYS",
    "EXPORT_FILE",
    "GENERATION_PARAMETERS",
    "MAX_GRID_KEYS",
    "OWN",
    "SAMPLING_KEYS",
    "SHAPE_KEYS",
    "CheckpointError",
    "DecodingPanel",
    "Evaluation",
    "Generator",
    "GridResult",
    "Tuning",
    "check_architecture",
    "checkpoint_config",
    "checkpoint_hparams",
    "decoding",
    "decoding_errors",
    "decoding_notes",
    "draw_grid",
    "draw_grid_summaries",
    "generation_params",
    "grid_configs",
    "latest_training_record",
    "locate",
    "optimize_decoding",
    "run_grid",
    "slider_specs",
    "start_tuning",
    "timing_table",
    "training_times",
    "under_papermill",
]
