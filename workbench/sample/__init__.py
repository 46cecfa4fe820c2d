"""The Korean sample-dataset generator: the shipped `data/sample/*.csv` and the extra corpus the
CPU presets' base model is pre-trained on (`workbench.backends.pretraining`).

Everything here was written for this project: dialogues come from hand-written per-topic
scenario banks (several scenarios per topic, alternative phrasings for each dialogue act,
optional side turns, slot values drawn from lists). The output is fully deterministic (fixed
seed, standard library only): `scripts/make_sample_data.py` reproduces the committed files byte
for byte.

* `tags`: `PII_TAGS`, the masked-PII tags (no imports; `workbench.data` takes them from here);
* `korean`: particles, names, prices;
* `core`: sizes and rates, the slot loader (`slots/*.json`), `Dlg`, the scenario registry;
* `scenarios`: one module per topic;
* `noise`: train-only noise;
* `build`: `generate`, `generate_corpus`, `write_csvs`.

Importing the package loads only `tags`, so `workbench.data` takes the tags without loading
the scenario banks; callers of the generator import `workbench.sample.build`.
"""

from __future__ import annotations

from workbench.sample.tags import PII_TAGS

__all__ = ["PII_TAGS"]
