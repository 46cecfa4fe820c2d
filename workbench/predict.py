"""From a study to a submission: a run record's best model summarizes a split or a file.

`predict(record, split="test")` loads the model a run saved as its best (a seq2seq checkpoint,
or a base + LoRA adapter) once, generates for every row in batches with the best trial's
decoding (or the best decoding a generation-tuning study found for it, or a file's), cleans the
outputs as the objective did, and writes `fname,summary`: every fname of the input exactly
once, in input order. Where the input has references (dev, or the test format's summary1..N)
it scores them on the objective's scale. `refit="train+dev"` first trains the best config
again on train + dev for the best trial's epochs, as competitors do before submitting.

Everything is checked first (`prepare`: the source run and its status, its weights, the
decoding, the input, the out path), so a refusal leaves no record and loads no model. Each
prediction then leaves its own record under outputs/<preset>/<run-id>/: the source run and
trial, the config, the model, the decoding and where it came from, the input's fingerprint,
the scale of any score, and timings.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import workbench.gentune.generator as generator
from workbench import config as wconfig
from workbench import data as wdata
from workbench import metrics, paths, records, validate

PREDICT_PARAMETERS: dict[str, tuple[type, ...]] = {
    "record": (str,),
    "split": (str,),
    "out": (str, type(None)),
    "decoding": (str,),
    "refit": (str, type(None)),
    "tags": (str, type(None)),
    "batch_size": (int, type(None)),
    "run_dir": (str, type(None)),
    "allow_incomplete": (bool,),
}
SPLITS = ("test", "dev")  # or a CSV file
DECODINGS = ("best", "trial")  # or a YAML file
REFITS = ("train+dev",)
DEFAULT_OUT = {"test": "submission.csv", "dev": "dev_predictions.csv"}


# --------------------------------------------------------------------------- the source run


@dataclass
class Source:
    """The run predicted from: its record, saved model, the trial that saved it, its config."""

    folder: Path
    run: dict[str, Any]
    model_dir: Path
    trial: dict[str, Any]
    config: dict[str, Any]
    hparams: dict[str, Any]


def source_of(record: str, tags: str | None = None, preset: str | None = None,
              check: bool = True) -> Source:
    """A run record's best model, the trial that saved it and the config it was trained with
    (`check`: and that the model's architecture is the preset's, which reads the model's config
    with transformers: `prepare` does that last, after the checks that cost nothing).

    The trial is the one `best-model/trial.json` names (a resumed study's best may be an earlier
    run's trial, whose model this run does not hold). `tags` overrides `objective.tags`.
    `record` may be `latest` (of `preset`) or outputs/<preset>/latest (`records.resolve_record`).
    """
    from workbench.analysis import flat_overrides

    model_dir, run = generator.locate(records.resolve_record(record, preset))
    if run is None:
        raise ValueError(f"{record}: not a run record (no {records.RESULTS}); predict needs the "
                         "record of a study (outputs/<preset>/<run-id>) to know its config")
    folder = model_dir.parent
    saved = model_dir / "trial.json"
    named = (json.loads(saved.read_text(encoding="utf-8")) if saved.is_file()
             else {"trial": (run.get("best") or {}).get("number")})
    number = named["trial"]
    done = [t for t in run.get("trials", []) if t.get("number") == number
            and t.get("state") == "COMPLETE"]
    # An adaptive run's studies number their trials apart: the saved value tells them apart.
    trial = next((t for t in done if t.get("value") == named.get("value")),
                 done[0] if done else None)
    if trial is None:
        raise ValueError(f"record {paths.shown(folder)}: best-model/ was saved by trial {number}, "
                         "which the record does not list as complete")
    preset = run.get("preset") or (run.get("parameters") or {}).get("preset")
    overrides = flat_overrides((run.get("parameters") or {}).get("overrides") or {})
    if tags is not None:
        overrides["objective.tags"] = tags
    config = validate.resolve(preset, overrides).config
    hp = dict(config["hparams"])
    hp.update((run.get("config") or {}).get("hparams") or {})
    hp.update(trial.get("params") or {})
    if check:
        generator.check_architecture(model_dir, config)
    return Source(folder, run, model_dir, trial, config, hp)


# --------------------------------------------------------------------------- decoding


def decoding_of(source: Source, choice: str) -> tuple[dict[str, Any], str]:
    """The decoding config to generate with, and where it came from.

    `trial`: the best trial's own. `best`: the decoding of the generation tuning on this run's
    checkpoint with the best dev score (`best_tuning`), else the trial's. A YAML file: decoding
    keys (`num_beams: 4`, ...) or a `{preset, overrides}` file such as generation-tuning's
    best-decoding.yaml, typed as the config's hparams are (`num_beams: four` is refused).
    """
    own = generator.decoding(source.hparams)
    if choice == "trial":
        return own, f"trial {source.trial['number']} of run {source.run.get('run_id')}"
    if choice == "best":
        tunings = tunings_of(source)
        best = best_tuning(tunings)
        if best is None:
            return own, (f"trial {source.trial['number']} of run {source.run.get('run_id')} "
                         "(no generation-tuning record on this checkpoint)")
        return {**own, **best["params"]}, tuning_reason(best, len(tunings))
    path = paths.project_path(choice)
    if not path.is_file():
        raise ValueError(f"--decoding {choice!r}: expected best, trial or a YAML file; "
                         f"{paths.shown(path)} does not exist")
    given = wconfig.load_yaml(path)
    if isinstance(given, dict) and "overrides" in given:
        from workbench.analysis import flat_overrides

        flat = flat_overrides(given.get("overrides") or {})
        given = {k.removeprefix("hparams."): v for k, v in flat.items()
                 if k.removeprefix("hparams.") in generator.DECODING_KEYS}
    if not isinstance(given, dict) or not given:
        raise ValueError(f"{paths.shown(path)}: expected a mapping of decoding keys "
                         f"({', '.join(generator.DECODING_KEYS)}) or a {{preset, overrides}} file")
    unknown = sorted(set(given) - set(generator.DECODING_KEYS))
    if unknown:
        raise ValueError(f"{paths.shown(path)}: {', '.join(unknown)}: not decoding keys; "
                         f"allowed: {', '.join(generator.DECODING_KEYS)}")
    hparams = wconfig.read_yaml(paths.DEFAULTS)["hparams"]
    d = wconfig.merge(own, given, paths.shown(path), schema=hparams, prefix="hparams.")
    errors = generator.decoding_errors(d)
    if errors:
        raise ValueError(f"{paths.shown(path)}: " + "; ".join(errors))
    return d, paths.shown(path)


def tunings_of(source: Source) -> list[dict[str, Any]]:
    """The completed generation-tuning records made on this run's checkpoint: each one's best
    dev score, the trial that reached it, its trial count and dev dialogues (what
    `best_tuning` compares and the prediction's record lists)."""
    run_id = source.run.get("run_id")
    found = []
    for folder in sorted({source.folder.parent, paths.OUTPUTS / str(source.config["preset"])}):
        for path in sorted(folder.glob(f"*/{records.RESULTS}")):
            try:
                data = records.read_results(path)
            except (OSError, ValueError):
                continue
            study = data.get("study") or {}
            best = study.get("best")
            if (data.get("notebook") == "generation-tuning" and data.get("status") == "completed"
                    and (data.get("checkpoint") or {}).get("run") == run_id and best):
                found.append({"record": paths.shown(path.parent), "run_id": data.get("run_id"),
                              "value": best["value"], "trial": best["number"],
                              "n_trials": study.get("n_trials"),
                              "dev_dialogues": data.get("eval_samples"),
                              "params": dict(best["params"])})
    return found


def best_tuning(tunings: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The tuning whose best decoding scored highest on dev; on a tie, the one with more
    trials, then the newer. Not simply the newest: a quick tuning must not replace a better one."""
    if not tunings:
        return None
    return max(tunings, key=lambda t: (t["value"], t["n_trials"] or 0, t["run_id"] or ""))


def tuning_reason(best: Mapping[str, Any], among: int) -> str:
    """Which tuning's decoding is used and why, as the record and the summary say it."""
    why = ("the only generation tuning on this run" if among == 1 else
           f"the best dev score of the {among} generation tunings on this run")
    return (f"generation-tuning record {best['record']}, trial {best['trial']} of its "
            f"{best['n_trials']} (dev ROUGE {best['value']:.4f} on {best['dev_dialogues']} "
            f"dialogues): {why}")


# --------------------------------------------------------------------------- the input


def read_input(config: Mapping[str, Any], split: str) -> tuple[pd.DataFrame, Path]:
    """The rows to summarize: the config's test or dev file (all rows, no cap), or a CSV."""
    if split in SPLITS:
        path = paths.project_path(config["data"]["dir"]) / config["data"][split]
    else:
        path = paths.project_path(split)
        if path.suffix.lower() != ".csv":
            raise ValueError(f"--split {split!r}: expected test, dev or a CSV file")
    # read as a test file: fname and dialogue required, summary or summary1..N optional
    return wdata.read_split(path, "test"), path


def fingerprint(path: Path, frame: pd.DataFrame) -> dict[str, Any]:
    """What identifies the input: path, SHA-256 of its bytes, rows and references per row."""
    counts = sorted({len(r) for r in frame["references"]})
    return {"path": paths.shown(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": len(frame), "references_per_row": counts}


# --------------------------------------------------------------------------- refit


def _refit_epochs(source: Source) -> int:
    """The best trial's epoch count, which a refit trains for."""
    epochs = source.trial.get("best_epoch")
    if not epochs:
        raise ValueError(f"record {paths.shown(source.folder)}: trial "
                         f"{source.trial['number']} has no best_epoch to refit for")
    return int(epochs)


def refit(source: Source, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Train the best config again on train + dev for the best trial's epochs; save it.

    The train split keeps the study's cap (`data.max_train_samples`); all of dev is added.
    The backend still evaluates every epoch on the study's (capped) dev rows, which it has now
    trained on: those scores only check the outputs stay healthy, and the saved epoch is the
    best of them (recorded, with the last).
    """
    from workbench import augment, backends

    config = source.config
    epochs = _refit_epochs(source)
    splits = wdata.load_splits(config)
    full_dev = wdata.read_split(paths.project_path(config["data"]["dir"]) / config["data"]["dev"],
                                "dev")
    train = pd.concat([splits["train"], full_dev], ignore_index=True)
    hp = {**source.hparams, "num_epochs": epochs}
    train, augmented = augment.apply(train, hp, config)
    backend = backends.make_backend(config, {"train": splits["train"], "dev": splits["dev"]})
    target = folder / "refit-model"
    start = time.perf_counter()

    def said(index: int, value: float) -> None:  # a refit takes minutes: one line per epoch
        print(f"refit: epoch {index}/{epochs} done, {time.perf_counter() - start:.0f} s "
              f"(dev objective {value:.4f}, on dev rows it trained on)", flush=True)

    outcome = backend.train_and_evaluate(
        hp, train, said, paths.scratch(f"refit-{folder.name}", folder), lambda value: target)
    seconds = time.perf_counter() - start
    if not target.exists():
        why = outcome.extra.get("degenerate")
        raise RuntimeError(f"refit on train+dev wrote degenerate outputs on every epoch ({why}); "
                           "no model was saved, nothing to predict with")
    info = {"data": "train+dev", "train_rows": len(train), "dev_rows_added": len(full_dev),
            "epochs": epochs, "saved_epoch": outcome.best_epoch,
            "epoch_scores_on_seen_dev": {str(k): round(v.get("final", 0.0), 4)
                                         for k, v in outcome.epoch_scores.items()},
            "augmentation": augmented.get("augmentation"), "seconds": round(seconds, 2),
            "model": paths.shown(target)}
    return target, info


# --------------------------------------------------------------------------- predict


@dataclass
class Prediction:
    """What `predict` wrote: the predictions, their scores (if any) and the record."""

    frame: pd.DataFrame  # fname, summary (input order)
    out: Path
    scores: dict[str, float] | None
    record: records.Record
    references: list[list[str]]

    def head(self, n: int = 10) -> pd.DataFrame:
        """The first `n` summaries beside their first reference (when the input has one)."""
        shown = self.frame.head(n).copy()
        if any(self.references):
            shown["reference"] = [r[0] if r else "" for r in self.references[:n]]
        return shown.set_index("fname")


def _check_choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"--{name} {value!r}: allowed: {', '.join(allowed)}")


@dataclass
class Plan:
    """A prediction checked from end to end before a record is opened or a model loaded."""

    source: Source
    status: str  # the source run's effective status (completed unless allow_incomplete)
    decoding: dict[str, Any]
    decoding_source: str  # where it came from, and why
    tunings: list[dict[str, Any]] | None  # the generation tunings `best` chose among
    frame: pd.DataFrame
    input: dict[str, Any]  # `fingerprint`
    out: Path | None  # None: in the prediction's own record folder


def prepare(record: str, split: str = "test", out: str | None = None, decoding: str = "best",
            refit_on: str | None = None, tags: str | None = None,
            batch_size: int | None = None, allow_incomplete: bool = False,
            preset: str | None = None) -> Plan:
    """Check everything `predict` needs: the choices, the source run (completed, unless
    `allow_incomplete`), its weights, the refit, the decoding, the input and the out path. A
    refusal here leaves no folder and loads no model."""
    _check_choice("refit", refit_on, REFITS)
    _check_choice("tags", tags, metrics.TAGS)
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1, got {batch_size}")
    source = source_of(record, tags, preset, check=False)
    status = records.effective_status(source.run)
    if status != "completed" and not allow_incomplete:
        raise ValueError(
            f"record {paths.shown(source.folder)}: the run is {status}, not completed"
            f"{_why(source.run, status)}; its best-model/ is the best of the trials it got "
            "through. Predict from a completed run, or pass --allow-incomplete "
            "(allow_incomplete=True) to use this one anyway (the prediction's record says so)")
    d, where = decoding_of(source, decoding)
    tunings = tunings_of(source) if decoding == "best" else None
    frame, path = read_input(source.config, split)
    target = check_out(out, path) if out else None
    check_weights(source.model_dir)
    if refit_on:
        _refit_epochs(source)
    generator.check_architecture(source.model_dir, source.config)
    return Plan(source, status, d, where, tunings, frame, fingerprint(path, frame), target)


def _why(run: Mapping[str, Any], status: str) -> str:
    if status == "killed":
        return f" (killed: {records.gone(run.get('process'))})"
    error = run.get("error") or {}
    return f" ({error.get('type')}: {str(error.get('message'))[:200]})" if error else ""


def check_weights(model_dir: Path) -> None:
    """Refuse a saved model whose weights are missing or cut short (a copy or a disk that
    stopped half way), naming the file: safetensors reads only the header and checks that the
    file covers it, so this costs no model load."""
    from safetensors import SafetensorError, safe_open

    from workbench.backends import ADAPTER_META

    folders = [model_dir]
    meta = model_dir / ADAPTER_META
    if meta.is_file():  # an adapter: its base travels beside it when it has no Hub name
        base = model_dir / json.loads(meta.read_text(encoding="utf-8"))["base"]
        if base.is_dir():
            folders.append(base)
    for folder in folders:
        files = sorted(folder.glob("*.safetensors"))
        if not files and not any(folder.glob("*.bin")):
            raise generator.CheckpointError(
                f"{paths.shown(folder)}: no weights (no *.safetensors or *.bin file); copy the "
                "run's best-model/ again from where it was made, or run the study again")
        for file in files:
            try:
                with safe_open(str(file), framework="np"):
                    pass
            except SafetensorError as exc:
                raise generator.CheckpointError(
                    f"{paths.shown(file)}: unreadable weights ({exc}): the file is cut short or "
                    "damaged; copy the run's best-model/ again from where it was made, or run "
                    "the study again") from None


def check_out(out: str, input_path: Path) -> Path:
    """The submission file to write, refused when it is a folder, the input itself, or inside
    a run's record (its results.json, notebook, best-model/, ...): a record is never
    overwritten."""
    target = paths.project_path(out).resolve()
    where = f"--out {paths.shown(target)}"
    if target.is_dir():
        raise ValueError(f"{where}: is a folder; give the CSV file to write, e.g. "
                         f"{paths.shown(target / DEFAULT_OUT['test'])}")
    record = next((p for p in target.parents if (p / records.RESULTS).is_file()), None)
    if record is not None:
        raise ValueError(f"{where}: is inside the run record {paths.shown(record)}/, and a "
                         "record is never overwritten; write the submission outside it (without "
                         "--out it goes into the prediction's own record)")
    if target == input_path.resolve():
        raise ValueError(f"{where}: is the input file; give another path")
    blocked = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocked is not None:
        raise ValueError(f"{where}: {paths.shown(blocked)} is a file, not a folder")
    return target


def _recorded(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as the record keeps them: paths from the project root where inside it
    (`paths.shown`), so a record names no machine path it need not."""
    kept = dict(params)
    for key, words in (("record", ()), ("out", ()), ("split", SPLITS), ("decoding", DECODINGS)):
        value = kept.get(key)
        if isinstance(value, str) and value not in words:
            kept[key] = paths.shown(paths.project_path(value))
    return kept


def predict(record: str, split: str = "test", out: str | None = None, decoding: str = "best",
            refit_on: str | None = None, tags: str | None = None, batch_size: int | None = None,
            run_dir: str | None = None, progress: bool = True,
            allow_incomplete: bool = False, preset: str | None = None) -> Prediction:
    """Summarize `split` with the record's best model and write the submission (see module);
    `preset` says whose `latest` a `record` of "latest" is."""
    params = {"record": record, "split": split, "out": out, "decoding": decoding,
              "refit": refit_on, "tags": tags, "batch_size": batch_size, "run_dir": run_dir,
              "allow_incomplete": allow_incomplete}
    records.check_parameters(params, PREDICT_PARAMETERS)
    started = time.perf_counter()
    plan = prepare(record, split, out, decoding, refit_on, tags, batch_size, allow_incomplete,
                   preset)
    source, frame, d = plan.source, plan.frame, plan.decoding
    folder = Path(run_dir) if run_dir else records.new_run_dir(
        source.config["preset"], kind="predict", data=source.config["data"]["dir"])
    rec = records.open_record("predict", {**_recorded(params), "run_dir": str(folder),
                                          "preset": source.config["preset"]},
                              {**PREDICT_PARAMETERS, "preset": (str,)})
    folder = rec.folder
    with rec.failing():
        rec.update(
            source={"record": paths.shown(source.folder), "run_id": source.run.get("run_id"),
                    "trial": source.trial["number"], "dev_value": source.trial.get("value"),
                    "best_epoch": source.trial.get("best_epoch"), "status": plan.status,
                    "allow_incomplete": allow_incomplete},
            config=records.shown_config(source.config), input=plan.input,
            decoding={"values": d, "source": plan.decoding_source, **(
                {} if plan.tunings is None else {"tunings": [
                    {k: v for k, v in t.items() if k != "params"} for t in plan.tunings]})})
        model_dir, refit_info = source.model_dir, None
        if refit_on:
            print(f"refit: training trial {source.trial['number']}'s config on train+dev for "
                  f"{source.trial.get('best_epoch')} epoch(s)", flush=True)
            model_dir, refit_info = refit(source, folder)
        target = plan.out or folder / DEFAULT_OUT.get(split, "predictions.csv")
        preds, scores, fields = summarize(source, model_dir, frame, d, target,
                                          batch_size=batch_size, progress=progress)
        fields["model"]["refit"] = refit_info
        if scores is not None:
            fields["scores"]["references_per_row"] = plan.input["references_per_row"]
        timings = {**rec.data["timings"], **fields.pop("timings"), "finished": records.now(),
                   "refit_s": refit_info["seconds"] if refit_info else None,
                   "total_s": round(time.perf_counter() - started, 3)}
        rec.update(**fields, timings=timings, status="completed")
    result = pd.DataFrame({"fname": list(frame["fname"]), "summary": preds})
    return Prediction(result, target, scores, rec, list(frame["references"]))


def summarize(source: Source, model_dir: Path, frame: pd.DataFrame, d: Mapping[str, Any],
              target: Path, batch_size: int | None = None, progress: bool = True
              ) -> tuple[list[str], dict[str, float] | None, dict[str, Any]]:
    """Load the model once, summarize every row with decoding `d`, write `target`, and score
    it when every row has a reference: (summaries, scores or None, the record's fields)."""
    load = time.perf_counter()
    gen = generator.Generator(source.config, source.hparams, model_dir, frame,
                            batch_size=batch_size)
    loaded = time.perf_counter()
    preds = gen.generate(d, progress=progress)
    generated = time.perf_counter()
    wdata.write_submission(target, list(frame["fname"]), preds)
    objective = source.config["objective"]
    scores = gen.score(preds) if all(frame["references"]) else None
    fields = {
        "model": {"path": paths.shown(model_dir), "backend": source.config["model"]["backend"],
                  "device": str(gen.predictor.device)},  # where it ran
        "output": {"path": paths.shown(target), "rows": len(preds),
                   "empty_summaries": sum(not p.strip() for p in preds)},
        "scores": None if scores is None else {
            **scores, "scale": metrics.scale(objective),
            "described": metrics.describe_scale(objective)},
        "timings": {"load_s": round(loaded - load, 3), "generate_s": round(generated - loaded, 3),
                    "s_per_dialogue": round((generated - loaded) / max(len(preds), 1), 5)},
    }
    return preds, scores, fields


def summary_lines(prediction: Prediction) -> list[str]:
    """What a person wants to read after predicting: the file, the score and its scale."""
    data = prediction.record.data
    lines = [f"submission: {paths.shown(prediction.out)} ({data['output']['rows']} rows, "
             f"fname,summary in input order; decoding: {data['decoding']['source']})"]
    if prediction.scores is not None:
        s = data["scores"]
        lines.append(f"ROUGE {s['final']:.4f} on {s['described']} against "
                     f"{'/'.join(map(str, s['references_per_row']))} reference(s) per dialogue "
                     f"(R1 {s['rouge1']:.4f}, R2 {s['rouge2']:.4f}, RL {s['rougeL']:.4f})")
    else:
        lines.append("not scored: the input has no reference for every row")
    t = data["timings"]
    lines.append(f"{t['s_per_dialogue']:.3f} s per dialogue on {data['model']['device']} "
                 f"(load {t['load_s']:.1f} s, generate {t['generate_s']:.1f} s"
                 + (f", refit {t['refit_s']:.1f} s" if t.get("refit_s") else "") + ")")
    status = data["source"]["status"]
    if status != "completed":
        lines.append(f"note: predicted from a {status} run (allow_incomplete): its best-model/ "
                     "is the best of the trials it got through")
    lines.append(f"record: {paths.shown(prediction.record.folder)}/")
    return lines


def print_summary(prediction: Prediction) -> None:
    """Print `summary_lines` (the CLI and the notebook say the same)."""
    for line in summary_lines(prediction):
        print(line)

