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
"""

from __future__ import annotations

import itertools
import json
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

from workbench import config as wconfig
from workbench import data as wdata
from workbench import diversity, metrics, paths, records, spaces, validate
from workbench import storage as wstorage
from workbench.records import Record

GENERATION_PARAMETERS: dict[str, tuple[type, ...]] = {
    "preset": (str,),
    "checkpoint": (str, type(None)),
    "overrides": (dict,),
    "n_dialogues": (int,),
    "grid": (dict,),
    "n_trials": (int,),
    "search": (list, type(None)),
    "interactive": (bool, type(None)),
    "storage": (str, type(None)),
    "study_name": (str, type(None)),
    "run_dir": (str, type(None)),
}
# The decoding knobs, in the order the panel shows them.
DECODING_KEYS = ("do_sample", "temperature", "top_p", "top_k", "num_beams",
                 "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
                 "max_new_tokens", "min_new_tokens")
SAMPLING_KEYS = ("temperature", "top_p", "top_k")
# Architecture keys compared between a checkpoint and the preset's model when both have them.
SHAPE_KEYS = ("d_model", "hidden_size", "encoder_layers", "decoder_layers", "num_hidden_layers",
              "encoder_attention_heads", "decoder_attention_heads", "num_attention_heads",
              "encoder_ffn_dim", "decoder_ffn_dim", "intermediate_size")
EXPORT_FILE = "best-decoding.yaml"
MAX_GRID_KEYS = 3

# How many times this process loaded model weights (the study must cost exactly one).
MODEL_LOADS = 0


class CheckpointError(ValueError):
    """A checkpoint that is missing or does not match the preset's model."""


# --------------------------------------------------------------------------- decoding rules


def decoding(hp: Mapping[str, Any]) -> dict[str, Any]:
    """The decoding part of a hyperparameter mapping."""
    return {k: hp[k] for k in DECODING_KEYS}


def decoding_errors(d: Mapping[str, Any]) -> list[str]:
    """Why a decoding config cannot be run as asked ([] when it can)."""
    errors = []
    if d["min_new_tokens"] > d["max_new_tokens"]:
        errors.append(f"min_new_tokens ({d['min_new_tokens']}) must be <= max_new_tokens "
                      f"({d['max_new_tokens']})")
    if d["max_new_tokens"] < 1:
        errors.append("max_new_tokens must be >= 1")
    if d["num_beams"] < 1:
        errors.append("num_beams must be >= 1")
    if d["do_sample"]:
        if d["temperature"] <= 0:
            errors.append("temperature must be > 0 when sampling")
        if not 0 < d["top_p"] <= 1:
            errors.append("top_p must be in (0, 1]")
        if d["top_k"] < 0:
            errors.append("top_k must be >= 0")
    if d["repetition_penalty"] <= 0:
        errors.append("repetition_penalty must be > 0")
    if d["no_repeat_ngram_size"] < 0:
        errors.append("no_repeat_ngram_size must be >= 0")
    return errors


def decoding_notes(d: Mapping[str, Any]) -> list[str]:
    """Knobs that a config sets but that have no effect with the rest of it."""
    notes = []
    if not d["do_sample"]:
        notes.append("temperature, top_p and top_k apply only when do_sample is on (greedy or "
                     "beam search ignores them)")
    if d["num_beams"] == 1:
        notes.append("length_penalty applies only to beam search (num_beams > 1)")
    return notes


def grid_configs(base: Mapping[str, Any], grid: Mapping[str, Sequence[Any]],
                 ) -> tuple[list[dict[str, Any]], list[str]]:
    """Every combination of `grid` over `base` that can run, and why the others were skipped.

    Sampling knobs in a grid need sampling: a grid that varies temperature, top_p or top_k
    while do_sample is off in every combination is refused rather than run with no effect.
    """
    if not grid:
        raise ValueError("grid: give at least one decoding parameter with a list of values")
    unknown = [k for k in grid if k not in DECODING_KEYS]
    if unknown:
        raise ValueError(f"grid: unknown decoding parameter(s) {', '.join(unknown)}; "
                         f"allowed: {', '.join(DECODING_KEYS)}")
    if len(grid) > MAX_GRID_KEYS:
        raise ValueError(f"grid: at most {MAX_GRID_KEYS} parameters (x axis, lines, slider); "
                         f"got {len(grid)}")
    for key, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ValueError(f"grid: {key}: expected a non-empty list of values, got {values!r}")
    sampling = set(grid) & set(SAMPLING_KEYS)
    if sampling and not base["do_sample"] and True not in grid.get("do_sample", []):
        raise ValueError(f"grid: {', '.join(sorted(sampling))} only matter when sampling; add "
                         "do_sample: [true] to the grid or set hparams.do_sample: true")
    keep, skipped = [], []
    for combo in itertools.product(*grid.values()):
        d = {**decoding(base), **dict(zip(grid, combo, strict=True))}
        errors = decoding_errors(d)
        if errors:
            skipped.append(f"{_combo_text(grid, combo)}: {'; '.join(errors)}")
        else:
            keep.append(d)
    if not keep:
        raise ValueError("grid: no combination can run: " + " | ".join(skipped))
    return keep, skipped


def _combo_text(grid: Mapping[str, Any], combo: Sequence[Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(grid, combo, strict=True))


# --------------------------------------------------------------------------- the checkpoint


def locate(checkpoint: str | None) -> tuple[Path | None, dict[str, Any] | None]:
    """(model folder, run record data) for a checkpoint parameter.

    None: the preset's own model. A run record folder (with results.json): its best-model/.
    Any other folder: a saved model (config.json beside the weights and the tokenizer).
    """
    if checkpoint is None:
        return None, None
    path = paths.project_path(checkpoint)
    if path.is_file() and path.name == records.RESULTS:
        path = path.parent
    if not path.exists():
        raise FileNotFoundError(f"checkpoint {paths.shown(path)}: no such record or model folder")
    if (path / records.RESULTS).is_file():
        data = records.read_results(path)
        model = path / "best-model"
        if not _is_model(model):
            raise CheckpointError(
                f"record {paths.shown(path)} has no best-model/ (status {data.get('status')!r}; "
                "a run saves one when a trial completes)")
        return model, data
    if not _is_model(path):
        raise CheckpointError(f"checkpoint {paths.shown(path)}: not a run record (no "
                              f"{records.RESULTS}) nor a saved model (no config.json) nor a "
                              f"saved adapter (no {_adapter_meta(path).name})")
    return path, None


def _adapter_meta(folder: Path) -> Path:
    """Where the causal backend writes how to rebuild an adapter's base."""
    from workbench.backends import ADAPTER_META

    return folder / ADAPTER_META


def _is_model(folder: Path) -> bool:
    """A saved seq2seq model (config.json) or a causal backend's adapter folder."""
    return (folder / "config.json").is_file() or _adapter_meta(folder).is_file()


def checkpoint_config(model_dir: Path) -> Any:
    """The HF config of a checkpoint: the model's own, or an adapter's base model's."""
    from transformers import AutoConfig

    meta = _adapter_meta(model_dir)
    if not meta.is_file():
        return AutoConfig.from_pretrained(model_dir)
    base = json.loads(meta.read_text(encoding="utf-8"))["base"]
    return AutoConfig.from_pretrained(model_dir / base if (model_dir / base).is_dir() else base)


def check_architecture(model_dir: Path, config: Mapping[str, Any]) -> None:
    """Refuse a checkpoint whose architecture differs from the preset's model."""
    from transformers import AutoConfig

    ckpt = checkpoint_config(model_dir)
    where = f"checkpoint {paths.shown(model_dir)}"
    preset = config["preset"]
    backend = config["model"]["backend"]
    if backend == "causal" and not _adapter_meta(model_dir).is_file():
        raise CheckpointError(
            f"{where} is not an adapter saved by the causal backend (no "
            f"{_adapter_meta(model_dir).name}); "
            f"preset {preset!r} uses the causal backend (base model + LoRA adapter)")
    wanted = backend != "causal"  # seq2seq presets are encoder-decoders
    if bool(getattr(ckpt, "is_encoder_decoder", False)) != wanted:
        kind = "an encoder-decoder" if wanted else "a decoder-only LLM"
        got = "an encoder-decoder" if not wanted else "decoder-only"
        raise CheckpointError(
            f"{where} is a {ckpt.model_type} model ({got}); preset {preset!r} uses the "
            f"{backend} backend ({kind})")
    name = wconfig.model_id(config)
    if name is None:
        arch = dict(config["model"]["architecture"])
        expected = {"model_type": arch.pop("model_type", "bart"), **arch}
        source = f"preset {preset!r} model.architecture"
    else:
        try:
            ref = AutoConfig.from_pretrained(name)
        except OSError:
            print(f"note: the config of {name} is not available offline; only the "
                  "encoder-decoder shape of the checkpoint was checked")
            return
        expected = {"model_type": ref.model_type,
                    **{k: getattr(ref, k) for k in SHAPE_KEYS if hasattr(ref, k)}}
        source = f"preset {preset!r} model {name}"
    got = {"model_type": ckpt.model_type}
    got.update({k: getattr(ckpt, k) for k in expected if k != "model_type" and hasattr(ckpt, k)})
    diffs = [f"{k}: {got[k]!r} in the checkpoint, {v!r} in the preset"
             for k, v in expected.items()
             if k in got and (k == "model_type" or k in SHAPE_KEYS) and got[k] != v]
    if diffs:
        raise CheckpointError(f"{where} has another architecture than {source}: "
                              + "; ".join(diffs))


def checkpoint_hparams(config: Mapping[str, Any], run: Mapping[str, Any] | None,
                       overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The hyperparameters the checkpoint is decoded with.

    From a run record: its config with its best trial's params (what the checkpoint was trained
    and evaluated with, preprocessing included); the notebook's own hparams overrides on top.
    """
    from workbench.analysis import flat_overrides

    hp = dict(config["hparams"])
    if run is not None:
        hp.update((run.get("config") or {}).get("hparams") or {})
        hp.update((run.get("best") or {}).get("params") or {})
    hp.update(wconfig.unflatten(flat_overrides(overrides)).get("hparams", {}))
    return hp


# --------------------------------------------------------------------------- generating


@dataclass
class Evaluation:
    """One decoding config's scores on the eval dialogues, its predictions and its cost."""

    decoding: dict[str, Any]
    scores: dict[str, float]
    predictions: list[str]
    seconds: float
    figures: dict[str, float] = field(default_factory=dict)  # workbench.diversity
    degenerate: list[str] = field(default_factory=list)  # why the guard rejects it, if it does

    @property
    def final(self) -> float:
        return self.scores["final"]

    @property
    def objective(self) -> float:
        """What the decoding study maximizes: ROUGE, or 0 for degenerate predictions."""
        return 0.0 if self.degenerate else self.final


class Generator:
    """A checkpoint loaded once, with the dev dialogues encoded once; generates in batches.

    seq2seq: the saved model and its tokenizer. causal: the base re-quantized as in training
    with the LoRA adapter on top, the causal backend's chat prompts (only the dialogue is ever
    shortened), left padding, stop at the end of the turn and its output cleaning. With no
    checkpoint: the preset's own model, built as a trial's would be.
    """

    def __init__(self, config: Mapping[str, Any], hparams: Mapping[str, Any],
                 model_dir: Path | None, dev: pd.DataFrame, train: pd.DataFrame | None = None,
                 batch_size: int | None = None):
        import torch
        from transformers.utils import logging as hf_logging

        global MODEL_LOADS
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()  # ours counts dialogues; weight loading is quick
        self.config = config
        self.hparams = dict(hparams)
        self.model_dir = model_dir
        self.batch_size = batch_size or config["runtime"]["eval_batch_size"]
        self.causal = config["model"]["backend"] == "causal"
        use_cpu = config["runtime"]["use_cpu"] or not torch.cuda.is_available()
        self.device = torch.device("cpu" if use_cpu else "cuda")
        if use_cpu and config["runtime"].get("cpu_threads"):
            torch.set_num_threads(config["runtime"]["cpu_threads"])
        (self._load_causal if self.causal else self._load_seq2seq)(model_dir, train)
        MODEL_LOADS += 1
        self.loads = 1
        self.model.eval()
        self.dev = dev.reset_index(drop=True)
        self.encoded = self.encode(self.dev)
        self.references = self.encoded.references

    def _load_seq2seq(self, model_dir: Path | None, train: pd.DataFrame | None) -> None:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        from workbench.backends import seq2seq

        if model_dir is not None:
            self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(model_dir)
        else:
            self.tokenizer, source = seq2seq.model_source(self.config, train)
            self.model = seq2seq.build_model(self.config, self.tokenizer, source)
        self.model.to(self.device)

    def _load_causal(self, model_dir: Path | None, train: pd.DataFrame | None) -> None:
        from workbench.backends import causal

        llm = self.config["llm"]
        if model_dir is not None:
            self.model, self.tokenizer = causal.load_adapter(model_dir, self.device)
            if llm["chat_template"]:
                self.tokenizer.chat_template = llm["chat_template"]
            self.tokenizer.padding_side = "left"
            self.suppress = (causal.other_script_ids(self.tokenizer)
                             if llm["suppress_other_scripts"] else [])
        else:
            backend = causal.CausalBackend(self.config, {"train": train, "dev": None})
            self.tokenizer, self.suppress = backend.tokenizer, backend.suppress
            self.model = causal.build_model(backend.source, self.hparams, llm, self.device,
                                            self.tokenizer, self.config["preset"],
                                            self.config["runtime"]["seed"])
        self.format = causal.prompt_format(self.tokenizer, llm)

    def encode(self, frame: pd.DataFrame) -> Any:
        """A frame's dialogues as model inputs, with references and tag mappings beside them."""
        if self.causal:
            from workbench.backends import causal

            return causal.encode(frame, self.tokenizer, self.format, self.hparams,
                                 with_labels=False)
        from workbench.backends import seq2seq

        return seq2seq.encode(frame, self.tokenizer, self.hparams, with_labels=False)

    @property
    def trained(self) -> bool:
        """False for a model built from a config with no checkpoint nor base (random weights)."""
        from workbench.backends import pretraining

        if self.model_dir is not None or wconfig.model_id(self.config) is not None:
            return True
        return not self.causal and pretraining.wanted(self.config)

    def generation_config(self, d: Mapping[str, Any]) -> Any:
        """The HF generation settings of decoding config `d` (on the checkpoint's hparams)."""
        hp = {**self.hparams, **d}
        if self.causal:
            from workbench.backends import causal

            return causal.generation_config(hp, self.tokenizer, self.format, self.suppress)
        from workbench.backends.base import generation_config

        return generation_config(hp, self.tokenizer)

    def _batch(self, rows: Sequence[int], gen: Any) -> list[str]:
        """Raw summaries of one batch (tags not yet restored)."""
        import torch

        if self.causal:
            from workbench.backends import causal

            prompts = [self.encoded.prompts[i] for i in rows]
            return causal.generate(self.model, self.tokenizer, prompts, gen, len(prompts))
        chunk = [self.encoded.features[i] for i in rows]
        batch = self.tokenizer.pad(chunk, return_tensors="pt").to(self.device)
        with torch.inference_mode():
            out = self.model.generate(**batch, generation_config=gen)
        return self.tokenizer.batch_decode(out, skip_special_tokens=True)

    def generate(self, d: Mapping[str, Any], rows: Sequence[int] | None = None,
                 progress: bool = False) -> list[str]:
        """Summaries of the dev dialogues `rows` (all when None) with decoding config `d`;
        `progress` shows a progress bar (plain tqdm: tqdm.auto misbehaves under papermill)."""
        from tqdm import tqdm
        from transformers import set_seed

        errors = decoding_errors(d)
        if errors:
            raise ValueError("; ".join(errors))
        gen = self.generation_config(d)
        rows = list(range(len(self.dev))) if rows is None else list(rows)
        set_seed(self.config["runtime"]["seed"])  # sampling configs are reproducible
        texts: list[str] = []
        with tqdm(total=len(rows), desc="generating", unit="dialogue", disable=not progress,
                  file=sys.stdout, dynamic_ncols=True) as bar:
            for start in range(0, len(rows), self.batch_size):
                chunk = rows[start:start + self.batch_size]
                texts.extend(self._batch(chunk, gen))
                bar.update(len(chunk))
        return wdata.postprocess(texts, [self.encoded.mappings[i] for i in rows])

    def score(self, predictions: Sequence[str], rows: Sequence[int] | None = None
              ) -> dict[str, float]:
        """ROUGE of predictions for `rows` on the objective's scale."""
        obj = self.config["objective"]
        refs = self.references if rows is None else [self.references[i] for i in rows]
        return metrics.score(list(predictions), refs, **metrics.scale(obj)).as_dict()

    def evaluate(self, d: Mapping[str, Any], rows: Sequence[int] | None = None) -> Evaluation:
        """Generate and score `rows` (all dev dialogues when None) with decoding config `d`."""
        start = time.perf_counter()
        preds = self.generate(d, rows)
        seconds = time.perf_counter() - start
        refs = self.references if rows is None else [self.references[i] for i in rows]
        figures = diversity.measure(preds, refs)
        return Evaluation(dict(d), self.score(preds, rows), preds, seconds, figures.as_dict(),
                          diversity.Guard.of(self.config).reasons(figures))

    def side_by_side(self, predictions: Sequence[str], rows: Sequence[int]) -> pd.DataFrame:
        """Each dialogue's reference and generated summary, with its own ROUGE."""
        out = []
        for i, pred in zip(rows, predictions, strict=True):
            out.append({"fname": self.dev["fname"][i], "reference": self.references[i][0],
                        "summary": pred, "ROUGE": self.score([pred], [i])["final"]})
        return pd.DataFrame(out).set_index("fname")


# --------------------------------------------------------------------------- the widgets


def slider_specs(hp: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Widget ranges for each decoding knob: the seed space's, widened to hold `hp`'s value."""
    seed = spaces.load_space(spaces.CATALOGUE).params
    specs: dict[str, dict[str, Any]] = {}
    for key in DECODING_KEYS:
        if key == "do_sample":
            continue
        p = seed.get(key)
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


# --------------------------------------------------------------------------- the grid


@dataclass
class GridResult:
    """Scores of every grid config on the eval dialogues, and summaries of the shown ones."""

    grid: dict[str, list[Any]]
    frame: pd.DataFrame
    summaries: dict[int, list[str]]  # row of `frame` -> summaries of the shown dialogues
    shown: list[int]
    skipped: list[str] = field(default_factory=list)


OWN = "checkpoint's own"  # the grid's first row: the decoding the checkpoint was trained with


def run_grid(generator: Generator, base: Mapping[str, Any], grid: Mapping[str, Sequence[Any]],
             shown: Sequence[int]) -> GridResult:
    """Score the checkpoint's own decoding (first row), then each runnable combination of
    `grid` (one batched pass each): the grid's best is read against what training reached."""
    configs, skipped = grid_configs(base, grid)
    own = decoding(base)
    configs = [own] + [d for d in configs if d != own]
    rows, summaries = [], {}
    for i, d in enumerate(configs):
        ev = generator.evaluate(d)
        rows.append({"decoding": OWN if i == 0 else "grid", **{k: d[k] for k in grid}, **ev.scores,
                     "distinct": ev.figures["distinct_share"],
                     "degenerate": "; ".join(ev.degenerate) or None, "seconds": ev.seconds})
        summaries[i] = [ev.predictions[j] for j in shown]
    return GridResult({k: list(v) for k, v in grid.items()}, pd.DataFrame(rows), summaries,
                      list(shown), skipped)


def draw_grid(result: GridResult, target: str = "final") -> Any:
    """ROUGE over the grid: first key on the x axis, second as lines, last as a slider."""
    import plotly.graph_objects as go

    keys = list(result.grid)
    x, rest = keys[0], keys[1:]
    slider = rest[-1] if rest else None
    line = rest[0] if len(rest) == 2 else None
    frame = result.frame
    fig = go.Figure()
    groups = list(result.grid[slider]) if slider else [None]
    traces_of: dict[Any, list[int]] = {}
    for g in groups:
        part = frame if slider is None else frame[frame[slider] == g]
        for v in (list(result.grid[line]) if line else [None]):
            sub = part if line is None else part[part[line] == v]
            if sub.empty:
                continue
            sub = sub.sort_values(x)
            traces_of.setdefault(g, []).append(len(fig.data))
            fig.add_trace(go.Scatter(
                x=sub[x], y=sub[target], mode="lines+markers",
                name=f"{line}={v}" if line else target, visible=g == groups[0],
                customdata=sub[["seconds"]], hovertemplate=(
                    f"{x}=%{{x}}<br>ROUGE %{{y:.2f}}<br>%{{customdata[0]:.2f}} s<extra></extra>"),
            ))
    if slider:
        steps = [{"label": str(g), "method": "update",
                  "args": [{"visible": [i in traces_of.get(g, []) for i in range(len(fig.data))]},
                           {"title.text": f"dev ROUGE by {x} ({slider}={g})"}]}
                 for g in groups]
        fig.update_layout(sliders=[{"active": 0, "currentvalue": {"prefix": f"{slider}: "},
                                    "steps": steps, "pad": {"t": 50}}])
    own = frame[frame["decoding"] == OWN]
    if not own.empty:  # the grid's best reads against it (a grid may not hold these values)
        fig.add_hline(y=float(own[target].iloc[0]), line_dash="dash", annotation_text=(
            f"{OWN} decoding: {own[target].iloc[0]:.2f}"), annotation_position="bottom right")
    title = f"dev ROUGE by {x}" + (f" ({slider}={groups[0]})" if slider else "")
    return fig.update_layout(title=title, xaxis_title=x, yaxis_title="dev ROUGE", height=460)


def draw_grid_summaries(result: GridResult, generator: Generator) -> Any:
    """The shown dialogues' summaries for each grid config, chosen with a slider."""
    import plotly.graph_objects as go

    refs = [generator.references[i][0] for i in result.shown]
    names = [generator.dev["fname"][i] for i in result.shown]
    fig = go.Figure()
    labels = []
    for row, preds in result.summaries.items():
        combo = {k: result.frame[k].iloc[row] for k in [*result.grid, "final"]}
        labels.append(" / ".join(str(records.plain(combo[k])) for k in result.grid)
                      + (f" ({OWN})" if row == 0 else ""))
        fig.add_trace(go.Table(
            columnwidth=[1, 4, 4],
            header={"values": ["dialogue", "reference", f"summary (ROUGE {combo['final']:.1f})"],
                    "align": "left"},
            cells={"values": [names, refs, preds], "align": "left", "height": 28},
            visible=row == 0,
        ))
    n = len(fig.data)
    steps = [{"label": label, "method": "update",
              "args": [{"visible": [j == i for j in range(n)]}]}
             for i, label in enumerate(labels)]
    prefix = " / ".join(result.grid) + ": "
    fig.update_layout(sliders=[{"active": 0, "steps": steps, "currentvalue": {"prefix": prefix},
                                "pad": {"t": 20}}],
                      height=140 + 90 * len(result.shown), margin={"t": 30})
    return fig


# --------------------------------------------------------------------------- the study


def generation_params(config: Mapping[str, Any], names: Sequence[str] | None) -> list[spaces.Param]:
    """The searched decoding params: `names` (or the generation group) of the config's space."""
    space = spaces.load_space(config["search"]["space"])
    chosen = spaces.select(space, list(names) if names else ["generation"])
    bad = [p.name for p in chosen if p.name not in DECODING_KEYS]
    if bad:
        raise ValueError(f"search: {', '.join(bad)} are not decoding parameters; generation "
                         f"tuning searches only {', '.join(DECODING_KEYS)}")
    return chosen


def optimize_decoding(generator: Generator, base: Mapping[str, Any],
                      params: list[spaces.Param], n_trials: int, storage: str | None,
                      study_name: str, callbacks: Sequence[Any] = ()) -> optuna.Study:
    """An Optuna study over decoding only: trial 0 is `base`, each trial one batched pass."""
    from workbench.study.samplers import make_sampler

    opened = wstorage.open_storage(storage) if storage else None
    study = optuna.create_study(study_name=study_name, storage=opened, direction="maximize",
                                sampler=make_sampler(generator.config["study"]),
                                load_if_exists=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["dev ROUGE"])
    if not study.trials:
        values, _ = spaces.enqueue_params(params, base)
        study.enqueue_trial(values, user_attrs={"origin": "checkpoint"})
    fixed = dict(base)

    def objective(trial: optuna.Trial) -> float:
        d = {**decoding(fixed), **spaces.suggest(trial, params, fixed)}
        ev = generator.evaluate(d)
        trial.set_user_attr("seconds", round(ev.seconds, 4))
        for key in ("rouge1", "rouge2", "rougeL", "final"):
            trial.set_user_attr(key, ev.scores[key])
        trial.set_user_attr("diversity", {k: round(v, 4) for k, v in ev.figures.items()})
        if ev.degenerate:
            trial.set_user_attr("degenerate", "; ".join(ev.degenerate))
        trial.set_constraint("degenerate", 1.0 if ev.degenerate else 0.0)
        return ev.objective

    study.optimize(objective, n_trials=n_trials, callbacks=list(callbacks))
    return study


def training_times(run: Mapping[str, Any]) -> dict[str, Any] | None:
    """Mean duration of a run record's completed training trials, with what they covered."""
    done = [t for t in run.get("trials", [])
            if t.get("state") == "COMPLETE" and t.get("duration_s")]
    if not done:
        return None
    cfg = run.get("config") or {}
    return {"run_id": run.get("run_id"), "trials": len(done),
            "mean_s": sum(t["duration_s"] for t in done) / len(done),
            "dev_samples": (run.get("data") or {}).get("dev"),
            "epochs": (cfg.get("hparams") or {}).get("num_epochs")}


def latest_training_record(preset: str) -> dict[str, Any] | None:
    """The newest run-study record of `preset` under outputs/ with completed trials."""
    folder = paths.OUTPUTS / preset
    for path in sorted(folder.glob(f"*/{records.RESULTS}"), reverse=True):
        try:
            data = records.read_results(path)
        except (OSError, ValueError):
            continue
        if data.get("notebook") == "run-study" and training_times(data):
            return data
    return None


def timing_table(study: optuna.Study, eval_size: int, run: Mapping[str, Any] | None
                 ) -> pd.DataFrame:
    """Seconds per generation trial against seconds per training trial on the same preset."""
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    gen_s = [t.duration.total_seconds() for t in done if t.duration]
    rows = [{"trial kind": "generation only (this study)", "trials": len(gen_s),
             "mean seconds": sum(gen_s) / len(gen_s) if gen_s else None,
             "dev samples": eval_size, "source": "this record"}]
    train = training_times(run) if run else None
    if train:
        rows.append({"trial kind": f"training ({train['epochs']} epochs, eval every epoch)",
                     "trials": train["trials"], "mean seconds": train["mean_s"],
                     "dev samples": train["dev_samples"], "source": f"run {train['run_id']}"})
    return pd.DataFrame(rows).set_index("trial kind")


# --------------------------------------------------------------------------- the notebook


def under_papermill() -> bool:
    """Whether papermill injected parameters into this kernel (so nobody can click)."""
    return bool(records.injected_parameters())


class Tuning:
    """One run of the generation-tuning notebook: the loaded checkpoint and its record."""

    def __init__(self, config: dict[str, Any], record: Record, generator: Generator,
                 base: dict[str, Any], params: Mapping[str, Any], run: dict[str, Any] | None):
        self.config = config
        self.record = record
        self.generator = generator
        self.base = base
        self.params = dict(params)
        self.run = run
        n = min(params["n_dialogues"], len(generator.dev))
        self.shown = list(range(n))
        interactive = params.get("interactive")
        self.interactive = (not under_papermill()) if interactive is None else interactive
        self.grid_result: GridResult | None = None
        self.study: optuna.Study | None = None

    def overview(self) -> pd.DataFrame:
        """What is loaded and the decoding config everything starts from."""
        g = self.generator
        where = paths.shown(g.model_dir) if g.model_dir else f"preset {self.config['preset']}"
        print(f"checkpoint {where} | {len(g.dev)} dev dialogues, {len(self.shown)} shown | "
              f"model loads so far: {MODEL_LOADS} | "
              f"{'interactive' if self.interactive else 'headless'}")
        if not g.trained:
            print("note: no checkpoint given and the preset builds its model from a config: "
                  "these are untrained weights, useful only to check the pipeline")
        for note in decoding_notes(self.base):
            print(f"note: {note}")
        return pd.DataFrame({"value": decoding(self.base)})

    def panel(self) -> Any | None:
        """The interactive controls (JupyterLab); None in a headless run."""
        if not self.interactive:
            print("Headless run: the controls cannot respond here; the grid below was "
                  "precomputed instead (interactive=True shows the controls in JupyterLab).")
            return None
        panel = DecodingPanel(self.generator, self.base, self.shown)
        panel.regenerate()
        return panel.widget()

    def grid(self) -> pd.DataFrame | None:
        """Scores of the precomputed grid (headless runs): the checkpoint's own decoding
        first, then the grid's configs, best first."""
        if self.interactive:
            print("Interactive session: use the controls above (interactive=False precomputes "
                  "the grid instead).")
            return None
        self.grid_result = run_grid(self.generator, self.base, self.params["grid"], self.shown)
        for line in self.grid_result.skipped:
            print(f"skipped: {line}")
        frame = self.grid_result.frame
        self.record.update(grid={
            "params": self.grid_result.grid, "skipped": self.grid_result.skipped,
            "results": [{k: records.plain(v) for k, v in r.items()}
                        for r in frame.to_dict(orient="records")]})
        return pd.concat([frame.iloc[:1], frame.iloc[1:].sort_values("final", ascending=False)])

    def grid_chart(self) -> Any | None:
        return draw_grid(self.grid_result) if self.grid_result else None

    def grid_summaries(self) -> Any | None:
        if self.grid_result is None:
            return None
        return draw_grid_summaries(self.grid_result, self.generator)

    def optimize(self) -> pd.DataFrame:
        """The generation-only study: n_trials on the loaded model, no retraining."""
        params = generation_params(self.config, self.params.get("search"))
        storage = self.params.get("storage") or \
            f"sqlite:///{self.record.folder / 'generation.db'}"
        name = self.params.get("study_name") or f"{self.config['preset']}-generation"
        loads_before = MODEL_LOADS
        self.record.update(study={"name": name, "storage": wstorage.shown(storage),
                                  "direction": "maximize", "searched": [p.name for p in params],
                                  "objective": "dev ROUGE, " + metrics.describe_scale(
                                      self.config["objective"]) + ", generation only"})
        self.study = optimize_decoding(self.generator, self.base, params,
                                       self.params["n_trials"], storage, name,
                                       callbacks=[lambda s, t: self._record_study()])
        self._record_study(loads_during=MODEL_LOADS - loads_before)
        try:
            best = self.study.best_trial
            print(f"best trial {best.number}: dev ROUGE {best.value:.2f} (trial 0, the "
                  f"checkpoint's own decoding: {self.study.trials[0].value:.2f}); model loads: "
                  f"{MODEL_LOADS}")
        except ValueError:
            print("no healthy decoding: every trial's predictions were degenerate (see the "
                  f"diversity column); model loads: {MODEL_LOADS}")
        frame = self.study.trials_dataframe(attrs=("number", "value", "params", "duration",
                                                   "state"))
        frame["duration"] = frame["duration"].dt.total_seconds()
        return frame.rename(columns=lambda c: c.removeprefix("params_").removeprefix(
            "value_")).set_index("number")

    def _record_study(self, loads_during: int | None = None) -> None:
        """Write the study's trials, its best and the weight loads so far into the record."""
        study = self.study
        if study is None:
            return
        trials = study.get_trials(deepcopy=False)
        entry = dict(self.record.data.get("study", {}))
        entry.update(n_trials=len(trials), trials=[
            {"number": t.number, "state": t.state.name, "value": t.value, "params": t.params,
             "duration_s": t.duration.total_seconds() if t.duration else None,
             "diversity": t.user_attrs.get("diversity"),
             "degenerate": t.user_attrs.get("degenerate")}
            for t in trials])
        if loads_during is not None:
            entry["model_loads_during_study"] = loads_during
        try:
            b = study.best_trial
            entry["best"] = {"number": b.number, "value": b.value, "params": b.params}
        except ValueError:
            pass
        self.record.update(study=entry, model_loads=MODEL_LOADS)

    def history(self) -> Any | None:
        if self.study is None:
            return None
        return optuna.visualization.plot_optimization_history(
            self.study, target_name="dev ROUGE").update_layout(height=360)

    def timing(self) -> pd.DataFrame:
        """Per-trial seconds here against a training trial's on the same preset."""
        run = self.run or latest_training_record(self.config["preset"])
        table = timing_table(self.study, len(self.generator.dev), run)
        gen = table["mean seconds"].iloc[0]
        entry = {"generation_trial_s": gen}
        if len(table) > 1 and gen:
            train = table["mean seconds"].iloc[1]
            entry.update(training_trial_s=train, training_run=run.get("run_id"),
                         ratio=train / gen)
            verdict = (f"{train / gen:.1f}x cheaper" if train >= gen
                       else f"{gen / train:.1f}x dearer: decoding dominates on this preset")
            print(f"a generation trial costs {gen:.2f} s, a training trial on preset "
                  f"{self.config['preset']} {train:.2f} s: {verdict}")
        else:
            print(f"a generation trial costs {gen:.2f} s; no training record of preset "
                  f"{self.config['preset']} with completed trials to compare with")
        self.record.update(timing=entry)
        return table

    def export_best(self, path: str | Path | None = None) -> Path:
        """The best decoding config as a `{preset, overrides}` file, like analyze's.

        It keeps the checkpoint's run overrides and best trial params and this notebook's
        overrides, so run-study trains the checkpoint's config again with the best decoding
        (trial 0 of a fresh study), and generation-tuning starts from it.
        """
        from workbench.analysis import best_overrides, flat_overrides, write_overrides

        try:
            best = self.study.best_trial
        except ValueError:
            raise ValueError("no healthy decoding to export: every trial of the decoding study "
                             "wrote degenerate predictions (see the record's study trials)"
                             ) from None
        run = self.run or {}
        base = {**flat_overrides((run.get("parameters") or {}).get("overrides") or {}),
                **flat_overrides(self.params.get("overrides") or {})}
        trained = (run.get("best") or {}).get("params") or {}
        fresh = {"study.study_name":
                 f"{self.config['preset']}-decoding-{self.record.data['run_id']}"}
        overrides = best_overrides({**trained, **best.params}, self.config["preset"], fresh,
                                   base)
        target = Path(path) if path else self.record.folder / EXPORT_FILE
        write_overrides(target, self.config["preset"], overrides, (
            f"Best decoding of generation study {self.study.study_name!r}: trial {best.number}, "
            f"dev ROUGE {best.value:.4f}.\nExported by generation-tuning, record "
            f"{paths.shown(self.record.folder)}.\nUse it: workbench rerun {paths.shown(target)}"
            f" (a study starting from it), or pass it to generation-tuning with checkpoint."))
        self.record.update(export={"path": paths.shown(target), "trial": best.number,
                                   "value": best.value, "overrides": overrides})
        print(f"best decoding (trial {best.number}, dev ROUGE {best.value:.2f}) -> "
              f"{paths.shown(target)}")
        return target

    def finish(self) -> None:
        self.record.data.setdefault("timings", {})["finished"] = records.now()
        self.record.update(status="completed", model_loads=MODEL_LOADS)


def start_tuning(notebook: str, **params: Any) -> Tuning:
    """Validate, open the record, resolve the config and load the checkpoint once.

    A missing record or checkpoint, or one of another architecture than the preset's, fails
    here with the reason in the (kept) record.
    """
    from workbench.analysis import flat_overrides

    record = records.open_record(notebook, params, GENERATION_PARAMETERS)
    with record.failing():
        for key in ("n_dialogues", "n_trials"):
            if params[key] < 1:
                raise ValueError(f"parameter {key!r} must be >= 1, got {params[key]}")
        model_dir, run = locate(records.resolve_record(params.get("checkpoint"),
                                                       params["preset"]))
        made_with = (run or {}).get("preset")
        if made_with and made_with != params["preset"]:
            raise wconfig.ConfigError(
                f"checkpoint {params['checkpoint']}: the run was made with preset {made_with!r}, "
                f"not {params['preset']!r}; pass preset={made_with!r} (workbench run "
                f"generation-tuning --preset {made_with} -p checkpoint ...)")
        # A run's own overrides (its data, caps) first, this notebook's on top.
        earlier = ((run or {}).get("parameters") or {}).get("overrides") or {}
        overrides = {**flat_overrides(earlier), **flat_overrides(params.get("overrides") or {})}
        config = validate.resolve(params["preset"], overrides)
        if config["model"]["backend"] not in ("seq2seq", "causal"):
            raise wconfig.ConfigError(
                f"preset {params['preset']!r}: generation tuning supports the seq2seq and causal "
                f"backends; this preset uses {config['model']['backend']!r}")
        if model_dir is not None:
            check_architecture(model_dir, config)
        hp = checkpoint_hparams(config, run, params.get("overrides") or {})
        errors = decoding_errors(hp)
        if errors:
            raise wconfig.ConfigError("; ".join(errors))
        grid_configs(hp, params["grid"])  # a bad grid fails now, not after the study
        generation_params(config, params.get("search"))
        splits = wdata.load_splits(config)
        generator = Generator(config, hp, model_dir, splits["dev"], splits["train"])
    record.update(
        config=records.shown_config(config),
        checkpoint={"path": paths.shown(model_dir) if model_dir else None,
                    "run": run.get("run_id") if run else None,
                    "trained": generator.trained},
        eval_samples=len(generator.dev), shown=min(params["n_dialogues"], len(generator.dev)),
        base_decoding=decoding(hp), model_loads=MODEL_LOADS,
    )
    return Tuning(config, record, generator, hp, params, run)
