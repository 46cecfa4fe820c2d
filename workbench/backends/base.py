"""What both backends share: the backend interface and its inference half (`Predictor`), a
trial's outcome, per-epoch bookkeeping, the per-trial TrainingArguments, decoding settings and
inference timing.

A backend holds what stays fixed across trials (tokenizer, dev split, a base model) and trains
one model per trial on the train split the study hands it (augmented or not: augmentation is
data preparation, done by the study). Its `load` gives a trained model back as a `Predictor`,
which generation tuning and predict drive without knowing the backend. Backends never import
each other.
"""

from __future__ import annotations

import math
import os
import statistics
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from transformers import GenerationConfig, PreTrainedTokenizerBase, TrainerCallback
from transformers.utils import is_torch_tf32_available

from workbench import diversity, metrics, tracking
from workbench.backends.traits import Traits

# Hands one evaluation's dev score to the study (which may prune by raising optuna.TrialPruned),
# with its index (1, 2, ...: the epoch when `runtime.evals_per_epoch` is 1; evaluation j falls
# at the first optimizer step at or after epoch j / evals_per_epoch).
Reporter = Callable[[int, float], None]
# Names the folder where the trial's best model should be saved, given its value (None: don't).
SaveTo = Callable[[float], "Path | None"]


def device_label() -> str:
    """Where this process trains: 'cuda:0 (<GPU name>)' or 'cpu' (a trial's record says it)."""
    import torch

    if not torch.cuda.is_available():
        return "cpu"
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    shown = f", CUDA_VISIBLE_DEVICES={visible}" if visible is not None else ""
    return f"cuda:{torch.cuda.current_device()} ({torch.cuda.get_device_name()}{shown})"


def model_device(model: Any) -> str:
    """Where a model's parameters are, for the trial's record: 'cpu', or 'cuda:0 (<GPU name>,
    bus 0000:1a:00, CUDA_VISIBLE_DEVICES=2)', the bus naming the physical card whatever the
    process's numbering; several devices (a split model) are joined with '; '."""
    import torch

    found = sorted({p.device for p in model.parameters()}, key=str)
    labels = []
    for device in found:
        if device.type != "cuda":
            labels.append(str(device))
            continue
        index = torch.cuda.current_device() if device.index is None else device.index
        props = torch.cuda.get_device_properties(index)
        parts = [props.name]
        if getattr(props, "pci_bus_id", None) is not None:
            parts.append(f"bus {getattr(props, 'pci_domain_id', 0):04x}:{props.pci_bus_id:02x}:"
                         f"{getattr(props, 'pci_device_id', 0):02x}")
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        if visible is not None:
            parts.append(f"CUDA_VISIBLE_DEVICES={visible}")
        labels.append(f"cuda:{index} ({', '.join(parts)})")
    return "; ".join(labels) or "no parameters"


# ---------------------------------------------------------------- a trial's outcome


@dataclass
class TrialOutcome:
    """What one training run produced: per-epoch scores, the best one and its predictions."""

    value: float
    best_epoch: int
    epoch_scores: dict[int, dict[str, float]]
    predictions: list[str]
    train_seconds: float
    trainable_params: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Timing:
    """How the inference-time objective is measured (see `median_seconds_per_item`)."""

    samples: int
    warmup: int
    repeats: int

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Timing | None:
        """The timing settings when the study measures inference time, else None."""
        obj = config["objective"]
        if "inference_time" not in obj["targets"]:
            return None
        return cls(obj["timing_samples"], obj["timing_warmup"], obj["timing_repeats"])


class Predictor(ABC):
    """A trained model loaded for inference (`Backend.load`): encodes dialogues, turns decoding
    settings into its generation config, and generates raw summaries (`#...#` tags not yet
    restored: `workbench.data.postprocess` does that with the encoding's mappings)."""

    # False for a model built from a config with no checkpoint nor base (random weights).
    trained: bool = True
    model: Any = None  # the loaded model and its tokenizer, when it has them
    tokenizer: Any = None

    def __init__(self, hparams: Mapping[str, Any]):
        self.hparams = dict(hparams)  # the checkpoint's: preprocessing, lengths, decoding

    @property
    @abstractmethod
    def device(self) -> Any:
        """Where the model's weights are."""

    @abstractmethod
    def encode(self, frame: Any) -> Any:
        """A frame's dialogues as model inputs, with `references` and `mappings` (tags) per row."""

    @abstractmethod
    def generation_config(self, decoding: Mapping[str, Any]) -> Any:
        """The generation settings of decoding config `decoding` on top of the hparams."""

    @abstractmethod
    def generate(self, encoded: Any, rows: Sequence[int], gen: Any) -> list[str]:
        """Raw summaries of the encoded rows `rows`, in their order, generated in one batch."""


class Backend(ABC):
    """A backend: built once per process from the config and the splits, then
    `train_and_evaluate` once per trial; `load` gives a trained model back for inference.
    Register implementations in `workbench.backends`."""

    # What the backend's model is (decoder-only, built on a base), for callers that do not
    # import the backend; the registry holds the built-in backends' own.
    traits: ClassVar[Traits] = Traits()
    # Set by the study when inference time is an objective; None: not measured.
    timing: Timing | None = None

    def __init__(self, config: Mapping[str, Any], splits: Mapping[str, Any]):
        self.config = config
        self.splits = splits
        self._encode_lock = threading.Lock()  # a fast tokenizer is not safe across threads

    @abstractmethod
    def train_and_evaluate(self, hp: Mapping[str, Any], train: Any, report: Reporter | None,
                           outdir: Path, save_to: SaveTo | None = None) -> TrialOutcome:
        """Train a fresh model with `hp` on `train` (a DataFrame like the train split),
        evaluating dev after every epoch and handing each epoch's score to `report`.

        `save_to(value)` may name a folder: the best epoch's model goes there. Checkpoints
        live under `outdir`, which the backend removes when it is done.
        """

    @classmethod
    def load(cls, config: Mapping[str, Any], hparams: Mapping[str, Any],
             model_dir: Path | None, device: Any, train: Any = None) -> Predictor:
        """The model saved in `model_dir` (None: the preset's own, built as a trial's would be
        from `train`, the train split), on `device` and ready to generate with `hparams`."""
        raise NotImplementedError(f"{cls.__name__} trains only: it loads no model for inference")


# ---------------------------------------------------------------- training arguments


def trains_on_cpu(runtime: Mapping[str, Any]) -> bool:
    """Whether trials train on the CPU: `runtime.use_cpu`, or no CUDA device."""
    import torch

    return runtime["use_cpu"] or not torch.cuda.is_available()


def precision(hp: Mapping[str, Any], use_cpu: bool) -> str:
    """The precision a trial trains in: fp32 on the CPU; on CUDA bf16 or fp16 as `hp` asks,
    bf16 falling back to fp16 on a card without native bf16 (before Ampere: torch would
    emulate it, slowly)."""
    import torch

    if use_cpu:
        return "fp32"
    if (hp["bf16"] and torch.cuda.is_available()
            and not torch.cuda.is_bf16_supported(including_emulation=False)):
        return "fp16"
    return "bf16" if hp["bf16"] else "fp16" if hp["fp16"] else "fp32"


def trial_seed(hp: Mapping[str, Any], runtime: Mapping[str, Any]) -> int:
    """The seed a trial trains with (model init, dropout, data order): `runtime.seed`, the same
    for every trial, except a confirmation run's own (`hp["trial_seed"]`, set by the study:
    workbench/strategies/confirm.py)."""
    seed = hp.get("trial_seed")
    return runtime["seed"] if seed is None else seed


def trial_arguments(hp: Mapping[str, Any], runtime: Mapping[str, Any], outdir: Path,
                    use_cpu: bool) -> dict[str, Any]:
    """TrainingArguments both backends share: the trial's hyperparameters and precision (TF32
    matmuls on Ampere and later), `runtime.evals_per_epoch` evaluations and checkpoints per
    epoch, the best one by ROUGE (not eval loss), the training loss logged every
    `runtime.logging_steps` steps (a NaN ends the trial within that many steps), and, inside a
    study trial's `tracking.trial_run`, reported to its trackers as run `trial-<n>`."""
    per_epoch = runtime["evals_per_epoch"]
    tracked = tracking.current()
    mode = precision(hp, use_cpu)
    if per_epoch == 1:
        schedule: dict[str, Any] = {"eval_strategy": "epoch", "save_strategy": "epoch"}
    else:  # a nominal ratio of all steps; ReportCallback places them at epoch fractions
        ratio = 1 / (per_epoch * hp["num_epochs"])
        schedule = {"eval_strategy": "steps", "save_strategy": "steps", "eval_steps": ratio,
                    "save_steps": ratio}
    return {
        "output_dir": str(outdir),
        "learning_rate": hp["learning_rate"],
        "per_device_train_batch_size": hp["batch_size"],
        "per_device_eval_batch_size": runtime["eval_batch_size"],
        "gradient_accumulation_steps": hp["gradient_accumulation_steps"],
        "num_train_epochs": hp["num_epochs"],
        "lr_scheduler_type": hp["scheduler_type"],
        "warmup_steps": hp["warmup_ratio"],  # a float in [0, 1) is a ratio of all steps
        "weight_decay": hp["weight_decay"],
        "label_smoothing_factor": hp["label_smoothing"],
        "max_grad_norm": hp["max_grad_norm"],
        "fp16": mode == "fp16",
        "bf16": mode == "bf16",
        "tf32": True if not use_cpu and is_torch_tf32_available() else None,
        "use_cpu": use_cpu,
        **schedule,
        "save_total_limit": 1,
        "save_only_model": True,
        "load_best_model_at_end": True,
        "metric_for_best_model": "objective",  # ROUGE of a healthy evaluation, 0 of a degenerate
        "greater_is_better": True,
        "logging_strategy": "steps",
        "logging_steps": runtime["logging_steps"],
        "logging_nan_inf_filter": False,
        "report_to": tracked.report_to if tracked else "none",  # runtime.report_to
        "run_name": tracked.run_name if tracked else None,
        "disable_tqdm": True,
        "seed": trial_seed(hp, runtime),
        "data_seed": trial_seed(hp, runtime),
        "dataloader_num_workers": 0,
        # Batches of similar lengths pad less (HF's LengthGroupedSampler, still shuffled).
        "train_sampling_strategy": "group_by_length" if runtime["group_by_length"] else "random",
    }


def generation_config(hp: Mapping[str, Any],
                      tokenizer: PreTrainedTokenizerBase) -> GenerationConfig:
    """The decoding settings of a trial; the same ones are used in evaluation and inference."""
    kwargs: dict[str, Any] = {
        "max_new_tokens": hp["max_new_tokens"],
        "min_new_tokens": hp["min_new_tokens"],
        "num_beams": hp["num_beams"],
        "repetition_penalty": hp["repetition_penalty"],
        "no_repeat_ngram_size": hp["no_repeat_ngram_size"],
        "do_sample": hp["do_sample"],
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "bos_token_id": tokenizer.bos_token_id,
        "decoder_start_token_id": tokenizer.eos_token_id,
    }
    if hp["num_beams"] > 1:
        kwargs.update(length_penalty=hp["length_penalty"], early_stopping=True)
    if hp["do_sample"]:
        kwargs.update(temperature=hp["temperature"], top_p=hp["top_p"], top_k=hp["top_k"])
    return GenerationConfig(**kwargs)


# ---------------------------------------------------------------- per-epoch bookkeeping


def evals_per_epoch(args: Any) -> int:
    """How many evaluations per epoch TrainingArguments made by `trial_arguments` ask for."""
    if args.eval_strategy != "steps":
        return 1
    return max(round(1 / (args.eval_steps * args.num_train_epochs)), 1)


class ReportCallback(TrainerCallback):
    """Hands each evaluation's objective to the trial (which may prune) and stops on a NaN loss.

    With k evaluations per epoch, evaluation j (a checkpoint too) comes at the first optimizer
    step at or after epoch j / k, and is reported as step j. The loss is also logged right
    before every evaluation and at the last step, so a NaN is never evaluated nor missed.
    """

    def __init__(self, report: Reporter | None, metric_key: str = "eval_objective"):
        self.report = report
        self.metric_key = metric_key
        self.per_epoch, self.steps_per_epoch = 1, 1

    def on_train_begin(self, args, state, control, **kwargs):
        self.per_epoch = evals_per_epoch(args)
        self.steps_per_epoch = max(state.max_steps // max(round(args.num_train_epochs), 1), 1)

    def index(self, step: int) -> int:
        """The index of the last evaluation due by optimizer step `step`."""
        return step * self.per_epoch // self.steps_per_epoch

    def on_step_end(self, args, state, control, **kwargs):
        due = self.index(state.global_step) > self.index(state.global_step - 1)
        if self.per_epoch > 1:  # replaces the Trainer's every-n-steps decision
            control.should_evaluate = control.should_save = due
        if due or state.global_step >= state.max_steps:
            control.should_log = True

    def on_log(self, args, state, control, logs=None, **kwargs):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            raise FloatingPointError(f"training loss became {loss} at step {state.global_step}")

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if self.report is not None and metrics and self.metric_key in metrics:
            index = (round(state.epoch or 0) if self.per_epoch == 1
                     else self.index(state.global_step))
            self.report(index, float(metrics[self.metric_key]))


class EpochTracker:
    """One trial's dev evaluations and its best one, shared by both backends.

    `evaluate` scores an evaluation's predictions (ROUGE and the diversity figures) and gives
    its objective: ROUGE when healthy, 0 when the guard calls it degenerate. `on_epoch` (a
    ReportCallback target) keeps the best healthy evaluation (with its predictions) and hands
    the objective on to the study, which may prune. With no healthy one the trial is degenerate.
    Evaluations are indexed 1, 2, ... (epochs when `runtime.evals_per_epoch` is 1); `epoch` is
    the number of epochs the best one needs (what a refit trains for).
    """

    def __init__(self, report: Reporter | None, references: Sequence[Any],
                 config: Mapping[str, Any]):
        self.report = report
        self.references = list(references)
        self.objective = config["objective"]
        self.guard = diversity.Guard.of(config)
        self.history: dict[int, dict[str, float]] = {}
        self.reasons: dict[int, list[str]] = {}
        self.last: list[str] = []
        self._last_reasons: list[str] = []
        self._last_scores: dict[str, float] = {}
        self.per_epoch: int = config["runtime"]["evals_per_epoch"]
        self.value, self.best, self.predictions = 0.0, 0, []
        self.raw_best = -1.0

    def evaluate(self, predictions: Sequence[str]) -> dict[str, float]:
        """ROUGE, diversity and the guarded objective of one evaluation's predictions."""
        self.last = list(predictions)
        scores = metrics.score(self.last, self.references,
                               **metrics.scale(self.objective)).as_dict()
        figures = diversity.measure(self.last, self.references)
        self._last_reasons = self.guard.reasons(figures)
        degenerate = bool(self._last_reasons)
        self._last_scores = {**scores, **figures.as_dict(), "degenerate": float(degenerate),
                             "objective": 0.0 if degenerate else scores["final"]}
        return dict(self._last_scores)

    @property
    def healthy(self) -> bool:
        """Whether some evaluation so far was not degenerate."""
        return self.best > 0

    @property
    def epoch(self) -> int:
        """The best evaluation's epoch, rounded up: the epochs a model as good needs (0: none)."""
        return -(-self.best // self.per_epoch)

    def on_epoch(self, index: int, value: float) -> None:
        self.history[index] = dict(self._last_scores) or {"objective": value}
        if self._last_reasons:
            self.reasons[index] = list(self._last_reasons)
        self.raw_best = max(self.raw_best, self._last_scores.get("final", value))
        if not self._last_reasons and (not self.healthy or value > self.value):
            self.value, self.best, self.predictions = value, index, list(self.last)
        if self.report is not None:
            self.report(index, value)

    def outcome_extra(self) -> dict[str, Any]:
        """What the record keeps of the evaluations: the best epoch's diversity figures, every
        epoch's (with raw ROUGE), and why the trial is degenerate when no epoch was healthy."""
        keys = ("final", *diversity.Diversity.__dataclass_fields__)
        epochs = {str(e): {k: round(h[k], 4) for k in keys if k in h}
                  for e, h in sorted(self.history.items())}
        best = self.history.get(self.best, {})
        extra: dict[str, Any] = {
            "diversity": {k: round(best[k], 4) for k in diversity.Diversity.__dataclass_fields__
                          if k in best},
            "epoch_figures": epochs,
            "degenerate": None,
        }
        if not self.healthy and self.history:
            last = max(self.reasons) if self.reasons else max(self.history)
            where = (f"epoch {last}" if self.per_epoch == 1
                     else f"evaluation {last} (epoch {last / self.per_epoch:g})")
            extra["degenerate"] = (f"no healthy epoch (best raw dev ROUGE {self.raw_best:.4f}); "
                                   f"{where}: " + "; ".join(self.reasons.get(last, [])))
            extra["diversity"] = {k: round(self.history[last][k], 4)
                                  for k in diversity.Diversity.__dataclass_fields__
                                  if k in self.history[last]}
        return extra

    def read_log(self, log_history: Sequence[Mapping[str, Any]]) -> None:
        """All eval metrics of each evaluation from the Trainer's log (rouge1, rouge2, rougeL,
        ...), in the order `on_epoch` saw them; training-loss entries are skipped."""
        evaluations = [entry for entry in log_history if "eval_objective" in entry]
        for index, entry in zip(sorted(self.history), evaluations, strict=False):
            self.history[index] = {
                k.removeprefix("eval_"): v for k, v in entry.items() if k.startswith("eval_")}


# ---------------------------------------------------------------- inference timing


def median_seconds_per_item(run_once: Callable[[], int], warmup: int,
                            repeats: int) -> dict[str, Any]:
    """Time `run_once` (which processes some items and returns how many): the median per item.

    Warm-up passes are not timed (allocator, caches, lazy initialisation); the median of the
    timed passes resists a noisy neighbour on a shared machine.
    """
    for _ in range(warmup):
        run_once()
    per_item = []
    for _ in range(repeats):
        start = time.perf_counter()
        n = run_once()
        per_item.append((time.perf_counter() - start) / max(n, 1))
    return {"seconds_per_item": statistics.median(per_item), "passes": per_item}


def time_inference(run_once: Callable[[], int], timing: Timing, dialogues: int,
                   device: Any) -> dict[str, Any]:
    """The inference-time figures a trial records: `run_once` (one pass over `dialogues`
    dialogues) timed with the config's warm-up and repeats."""
    timed = median_seconds_per_item(run_once, timing.warmup, timing.repeats)
    return {"inference_s_per_dialogue": timed["seconds_per_item"],
            "inference_timing": {"dialogues": dialogues, "warmup": timing.warmup,
                                 "passes_s_per_dialogue": timed["passes"],
                                 "device": str(device)}}
