"""One trained checkpoint, loaded once, and the decoding rules every decoding config obeys.

A `Generator` holds the model its backend loaded (`Backend.load`, a `Predictor`) and the
encoded dev dialogues; every decoding config after that costs only batched generation and
scoring, whatever the backend. `locate` and `check_architecture` find a checkpoint and refuse
one of another architecture than the preset's.
`workbench.predict` generates submissions with the same `Generator`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import backends, diversity, metrics, paths, records
from workbench import config as wconfig
from workbench import data as wdata

# The decoding knobs, in the order the panel shows them.
DECODING_KEYS = ("do_sample", "temperature", "top_p", "top_k", "num_beams",
                 "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
                 "max_new_tokens", "min_new_tokens")
SAMPLING_KEYS = ("temperature", "top_p", "top_k")
# Architecture keys compared between a checkpoint and the preset's model when both have them.
SHAPE_KEYS = ("d_model", "hidden_size", "encoder_layers", "decoder_layers", "num_hidden_layers",
              "encoder_attention_heads", "decoder_attention_heads", "num_attention_heads",
              "encoder_ffn_dim", "decoder_ffn_dim", "intermediate_size")


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
    return folder / backends.ADAPTER_META


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
    decoder_only = backends.traits(backend).decoder_only  # saved as a base + LoRA adapter
    if decoder_only and not _adapter_meta(model_dir).is_file():
        raise CheckpointError(
            f"{where} is not an adapter saved by the {backend} backend (no "
            f"{_adapter_meta(model_dir).name}); "
            f"preset {preset!r} uses the {backend} backend (base model + LoRA adapter)")
    wanted = not decoder_only  # the other presets are encoder-decoders
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
    """A checkpoint loaded once by its backend, with the dev dialogues encoded once; generates
    in batches.

    The backend's `load` (a `Predictor`) decodes as a trial's evaluation does: the same
    encoding, prompts, precision and output cleaning. With no checkpoint: the preset's own
    model, built as a trial's would be.
    """

    # How many times this process loaded model weights (the study must cost exactly one).
    model_loads = 0

    def __init__(self, config: Mapping[str, Any], hparams: Mapping[str, Any],
                 model_dir: Path | None, dev: pd.DataFrame, train: pd.DataFrame | None = None,
                 batch_size: int | None = None):
        import torch
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()  # ours counts dialogues; weight loading is quick
        self.config = config
        self.hparams = dict(hparams)
        self.model_dir = model_dir
        self.batch_size = batch_size or config["runtime"]["eval_batch_size"]
        use_cpu = config["runtime"]["use_cpu"] or not torch.cuda.is_available()
        self.device = torch.device("cpu" if use_cpu else "cuda")
        if use_cpu and config["runtime"].get("cpu_threads"):
            torch.set_num_threads(config["runtime"]["cpu_threads"])
        backend = backends.factory(config["model"]["backend"])
        self.predictor = backend.load(config, self.hparams, model_dir, self.device, train=train)
        Generator.model_loads += 1
        self.loads = 1
        self.dev = dev.reset_index(drop=True)
        self.encoded = self.encode(self.dev)
        self.references = self.encoded.references

    @property
    def model(self) -> Any:
        """The loaded model (the predictor's)."""
        return self.predictor.model

    @property
    def tokenizer(self) -> Any:
        return self.predictor.tokenizer

    def encode(self, frame: pd.DataFrame) -> Any:
        """A frame's dialogues as model inputs, with references and tag mappings beside them."""
        return self.predictor.encode(frame)

    @property
    def trained(self) -> bool:
        """False for a model built from a config with no checkpoint nor base (random weights)."""
        return self.predictor.trained

    def generation_config(self, d: Mapping[str, Any]) -> Any:
        """The HF generation settings of decoding config `d` (on the checkpoint's hparams)."""
        return self.predictor.generation_config(d)

    def _batch(self, rows: Sequence[int], gen: Any) -> list[str]:
        """Raw summaries of one batch (tags not yet restored)."""
        return self.predictor.generate(self.encoded, rows, gen)

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
