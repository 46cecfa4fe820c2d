"""The interactive controls: ipywidgets for JupyterLab that regenerate a handful of summaries,
with the combinations that cannot work made impossible (min > max new tokens) or disabled and
explained (sampling knobs without sampling, length penalty without beams)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from workbench import spaces
from workbench.gentune.generator import DECODING_KEYS, SAMPLING_KEYS, Generator, decoding_notes

# --------------------------------------------------------------------------- the widgets


def slider_specs(hp: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Widget ranges for each decoding knob: the reference space's, widened to hold `hp`'s value."""
    reference = spaces.load_space(spaces.CATALOGUE).params
    specs: dict[str, dict[str, Any]] = {}
    for key in DECODING_KEYS:
        if key == "do_sample":
            continue
        p = reference.get(key)
        if p is None:  # no_repeat_ngram_size is a fixed-only knob
            low, high, step, kind = 0, 6, 1, "int"
        else:
            step = p.step or (1 if p.type == "int" else 0.05)
            low, high, kind = p.low, p.high, p.type
        specs[key] = {"kind": kind, "min": min(low, hp[key]), "max": max(high, hp[key]),
                      "step": step}
    return specs


class DecodingPanel:
    """ipywidgets for the decoding space that regenerate summaries of a few dev dialogues."""

    def __init__(self, generator: Generator, base: Mapping[str, Any], rows: Sequence[int]):
        import ipywidgets as w

        self.generator = generator
        self.rows = list(rows)
        self.controls: dict[str, Any] = {"do_sample": w.Checkbox(
            value=bool(base["do_sample"]), description="do_sample")}
        for key, spec in slider_specs(base).items():
            cls = w.IntSlider if spec["kind"] == "int" else w.FloatSlider
            self.controls[key] = cls(value=base[key], min=spec["min"], max=spec["max"],
                                     step=spec["step"], description=key,
                                     continuous_update=False,
                                     style={"description_width": "150px"},
                                     layout=w.Layout(width="420px"))
        # min_new_tokens can never pass max_new_tokens: its slider ends where max is.
        self.controls["min_new_tokens"].max = self.controls["max_new_tokens"].value
        self.controls["max_new_tokens"].observe(self._bound_min, names="value")
        self.controls["do_sample"].observe(self._sync, names="value")
        self.controls["num_beams"].observe(self._sync, names="value")
        self.notes = w.HTML()
        self.button = w.Button(description="Generate", button_style="primary")
        self.button.on_click(self.regenerate)
        self.output = w.Output()
        self.last: pd.DataFrame | None = None
        self._sync()

    def _bound_min(self, change: Mapping[str, Any]) -> None:
        self.controls["min_new_tokens"].max = change["new"]  # ipywidgets clamps the value

    def _sync(self, _: Any = None) -> None:
        """Disable the knobs the current config ignores and say why."""
        d = self.values()
        for key in SAMPLING_KEYS:
            self.controls[key].disabled = not d["do_sample"]
        self.controls["length_penalty"].disabled = d["num_beams"] == 1
        notes = decoding_notes(d)
        self.notes.value = "".join(f"<div>ⓘ {n}</div>" for n in notes)

    def values(self) -> dict[str, Any]:
        return {k: c.value for k, c in self.controls.items()}

    def regenerate(self, _: Any = None) -> pd.DataFrame:
        """Generate with the current settings; show the score and summaries vs references."""
        from IPython.display import display

        d = self.values()
        ev = self.generator.evaluate(d, self.rows)
        table = self.generator.side_by_side(ev.predictions, self.rows)
        self.last = table
        self.output.clear_output(wait=True)
        with self.output:
            print(f"ROUGE {ev.final:.2f} on {len(self.rows)} dev dialogues "
                  f"({ev.seconds:.2f} s)")
            display(table.style.format({"ROUGE": "{:.1f}"}).set_properties(
                **{"white-space": "pre-wrap", "text-align": "left"}))
        return table

    def widget(self) -> Any:
        import ipywidgets as w

        c = self.controls
        left = w.VBox([c["do_sample"], *(c[k] for k in SAMPLING_KEYS), c["num_beams"],
                       c["length_penalty"]])
        right = w.VBox([c["repetition_penalty"], c["no_repeat_ngram_size"],
                        c["max_new_tokens"], c["min_new_tokens"], self.button])
        return w.VBox([w.HBox([left, right]), self.notes, self.output])
