"""What a run's record and notebook show, computed apart from any study object or drawing:
each function takes the record's data (or the finished trials) and returns rows or lines, so
the tables can be tested without running a study.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import optuna
import pandas as pd

from workbench import spaces
from workbench.strategies import confirm, constraints, stages
from workbench.strategies import targets as wtargets

# Trial attributes with a column of their own in the record; the others go under `extra`.
TRIAL_ATTRS = ("origin", "run_id", "device", "precision", "best_epoch", "trainable_params",
               "fail_reason", "prune_reason", "epoch_scores", "evals_per_epoch", "eval_epochs",
               "infeasible", "infeasible_rules")
# Figures some backends record per trial, shown in the trial table when present.
BACKEND_COLUMNS = ("truncated_share", "estimated_peak_gib", "estimated_eval_peak_gib")
# The diversity figures of a trial's best epoch (workbench.diversity) and their column labels.
DIVERSITY_COLUMNS = {"distinct_share": "distinct", "top_share": "top share",
                     "length_ratio": "length ratio", "repetition": "repetition"}
PRUNING_ASKED = ("not available: pruner {!r} was asked for, but Optuna does not prune "
                 "multi-objective studies (Trial.report is single-objective only), so no pruner "
                 "is used and every trial trains for all its epochs")

Named = tuple[str, optuna.trial.FrozenTrial]  # (study name, trial)


# ---------------------------------------------------------------- the record


def trial_entry(trial: optuna.trial.FrozenTrial, study_name: str | None = None
                ) -> dict[str, Any]:
    """One trial as the record lists it (`value` is the first objective, dev ROUGE)."""
    attrs = trial.user_attrs
    epochs = trial.intermediate_values or attrs.get("epoch_scores") or {}
    entry = {
        "number": trial.number,
        "state": trial.state.name,
        "value": trial.values[0] if trial.values else None,
        "params": trial.params,
        "origin": attrs.get("origin", "sampler"),
        "run_id": attrs.get("run_id"),
        "device": attrs.get("device"),  # where it trained: "cpu" or "cuda:0 (<GPU name>)"
        "precision": attrs.get("precision"),  # what it trained in: fp32, bf16 or fp16
        "duration_s": trial.duration.total_seconds() if trial.duration else None,
        "epoch_scores": {str(k): v for k, v in sorted(epochs.items(), key=lambda kv: int(kv[0]))},
        "best_epoch": attrs.get("best_epoch"),  # epochs its best evaluation needed
        "trainable_params": attrs.get("trainable_params"),
        "fail_reason": attrs.get("fail_reason"),
        "prune_reason": attrs.get("prune_reason"),
        "extra": {k: v for k, v in attrs.items() if k not in TRIAL_ATTRS},
    }
    if "evals_per_epoch" in attrs:  # epoch_scores are then by evaluation, at these epochs
        entry["evals_per_epoch"] = attrs["evals_per_epoch"]
        entry["eval_epochs"] = attrs.get("eval_epochs", {})
    if trial.values is not None and len(trial.values) > 1:
        entry["values"] = list(trial.values)
    if trial.constraints:
        entry["constraints"] = dict(trial.constraints)
    if attrs.get("infeasible"):
        entry["infeasible"] = attrs["infeasible"]
    if study_name is not None:
        entry["study"] = study_name
    return entry


def best_of(studies: Sequence[optuna.Study]) -> Named | None:
    """The best feasible trial over a run's studies (for several objectives, the Pareto trial
    best on dev ROUGE) and the study it is in."""
    found = [(s.study_name, b) for s in studies if (b := stages.best_of(s))]
    return max(found, key=lambda x: x[1].values[0]) if found else None


def confirmed_best(studies: Sequence[optuna.Study]) -> confirm.Config | None:
    """The config a single-objective run returns when its study has confirmation runs (the
    highest mean, `confirm.chosen`); None without any (or with several objectives)."""
    if len(studies) != 1 or len(studies[0].directions) != 1:
        return None  # several objectives, or an adaptive chain: no confirmation
    return confirm.chosen(confirm.runs_of(studies[0].get_trials(deepcopy=False)))


def best_value(studies: Sequence[optuna.Study]) -> float | None:
    """The best dev ROUGE so far as the record gives it: the best trial's, or with
    confirmation runs the returned config's mean."""
    found, config = best_of(studies), confirmed_best(studies)
    return config.mean if config is not None else found[1].values[0] if found else None


def confirmed_fields(config: confirm.Config, studies: Sequence[optuna.Study],
                     seed: int | None) -> dict[str, Any]:
    """What the record's `best` says of a config chosen on its mean (`seed`: runtime.seed, the
    original trial's): its value is the mean over its runs, each run with its seed, the seed
    spread, every confirmed config, and the best single trial (how optimistic it was)."""
    ranked = [c for c in confirm.ranked(confirm.runs_of(studies[0].get_trials(deepcopy=False)))
              if c.confirmed]
    single = studies[0].best_trial  # Optuna's: the best single observation of the study
    return {
        "value": config.mean, "seed_std": config.std,
        "runs": [{"number": r.number, "seed": seed if r.seed is None else r.seed,
                  "value": r.value} for r in config.runs],
        "confirmed_configs": [{"number": c.original.number, "mean": c.mean, "seed_std": c.std,
                               "runs": len(c.runs), "params": c.original.params}
                              for c in ranked],
        "chosen": (f"highest mean over {len(config.runs)} seeds of the top-{len(ranked)} "
                   f"configs (trial {config.original.number}'s config; best-model/ holds its "
                   f"best confirmation run, trial {config.kept.number})"),
        "best_single": {"number": single.number, "value": single.values[0]},
    }


def trial_fields(studies: Sequence[optuna.Study], trials: Sequence[Named],
                 targets: wtargets.Targets, best_model: str | None,
                 seed: int | None = None) -> dict[str, Any]:
    """The record's trials, counts by state, best trial, trial 0 and infeasible summary (and
    the Pareto front of a multi-objective run). `best_model`: where the best model was saved;
    `seed`: runtime.seed (the seed of every trial but a confirmation run)."""
    several = len(studies) > 1
    counts: dict[str, int] = {}
    for _, t in trials:
        counts[t.state.name] = counts.get(t.state.name, 0) + 1
    best = None
    found = best_of(studies)
    if found is not None:
        where, bt = found
        best = {"number": bt.number, "value": bt.values[0], "params": bt.params,
                "model": best_model}
        if targets.multi:
            best["values"] = list(bt.values)
            best["chosen"] = "the Pareto-optimal trial with the best dev ROUGE"
        elif (config := confirmed_best(studies)) is not None:
            best.update(confirmed_fields(config, studies, seed))
        if several:
            best["study"] = where
    preset = next((t for _, t in trials if t.user_attrs.get("origin") == "preset"), None)
    entries = [trial_entry(t, name if several else None) for name, t in trials]
    _explain_retries(entries, [t for _, t in trials])
    fields: dict[str, Any] = {
        "trials": entries,
        "counts": counts, "best": best,
        "preset_trial": {"number": preset.number,
                         "value": preset.values[0] if preset.values else None,
                         "state": preset.state.name} if preset else None,
        "infeasible": constraints.summary([t for _, t in trials]),
        "degenerate": degenerate_summary([t for _, t in trials]),
    }
    if targets.multi:
        fields["pareto_front"] = [
            {"number": t.number, "values": list(t.values), "params": t.params}
            for t in sorted(studies[0].best_trials, key=lambda t: t.number)]
    return fields


def _explain_retries(entries: list[dict[str, Any]],
                     trials: Sequence[optuna.trial.FrozenTrial]) -> None:
    """A retried trial names the trial it retries (`retry_of`); a trial failed because its
    worker stopped (its heartbeat went stale: killed or lost) says so, and names its retry."""
    retry_of = {t.number: t.system_attrs["retry_history"][-1] for t in trials
                if t.system_attrs.get("retry_history")}
    retried_as = {old: new for new, old in retry_of.items()}
    for entry in entries:
        number = entry["number"]
        if number in retry_of:
            entry["retry_of"] = retry_of[number]
        if entry["state"] == "FAIL" and not entry["fail_reason"]:
            again = (f"; retried as trial {retried_as[number]}" if number in retried_as
                     else "; not retried")
            entry["fail_reason"] = ("its worker stopped sending heartbeats (killed or lost) "
                                    f"before the trial ended{again}")


def degenerate_summary(trials: Sequence[optuna.trial.FrozenTrial]) -> dict[str, Any]:
    """How many trained trials had no healthy epoch (see workbench.diversity), and which."""
    numbers = [t.number for t in trials if t.user_attrs.get("degenerate")]
    return {"count": len(numbers), "trials": numbers}


# The study settings that decide what the sampler and pruner do, as a record shows them.
SEARCH_SETTINGS = ("seed", "sampler", "pruner")


def study_fields(config: Mapping[str, Any], targets: wtargets.Targets, name: str,
                 masked_url: str, searched: Sequence[str], join: bool,
                 before: int, budget: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The record's `study` section: name, storage (masked), objectives, sampler, pruner."""
    sc = config["study"]
    info = {
        "name": name, "storage": masked_url,
        "direction": targets.directions[0] if not targets.multi else None,
        "directions": targets.directions,
        "objective": f"dev ROUGE, {config['objective']['metric']} mode, "
                     "100 x mean(R1,R2,RL F1)",
        "objectives": targets.describe(config),
        "strategy": sc["strategy"], "sampler": sc["sampler"]["name"],
        "pruner": sc["pruner"]["name"],
        "search_settings": {k: sc[k] for k in SEARCH_SETTINGS},
        "searched": list(searched), "trials_before_run": before,
        "n_trials": 0 if join else sc["n_trials"], "joined": join,
        "constraints": constraints.Limits.of(config).as_dict(),
    }
    if targets.multi:
        info["pruner"] = "none"
        asked = sc["pruner"]["name"]
        info["pruning"] = PRUNING_ASKED.format(asked) if asked != "none" \
            else wtargets.PRUNING_NOTE
    if sc["confirm_top_k"]:
        info["confirmation"] = {"top_k": sc["confirm_top_k"], "seeds": sc["confirm_seeds"]}
        why = confirm.not_done(config, targets.multi)
        if why is not None:
            info["confirmation"]["not_done"] = why
    if budget is not None:  # this run's: n_trials, left_over, new, (at the end) finished
        info["budget"] = dict(budget)
    return info


def notes(study: Mapping[str, Any]) -> list[str]:
    """What a run was asked for but does not do, from the record's `study` section: pruning
    with several objectives, confirmation with several objectives or adaptive search."""
    found = [study["pruning"]] if study.get("pruning") not in (None, wtargets.PRUNING_NOTE) \
        else []
    why = (study.get("confirmation") or {}).get("not_done")
    return found + ([f"confirmation {why}"] if why else [])


# ---------------------------------------------------------------- the notebook


def model_description(config: Mapping[str, Any]) -> str:
    """The model trials start from, in words: a pretrained name, or what is built and how."""
    from workbench import backends

    name = config["hparams"]["model_name"] or config["model"]["name"]
    if name:
        return name
    arch = config["model"]["architecture"] or {}
    traits = backends.traits(config["model"]["backend"])
    built = arch.get("model_type", "bart") if traits.decoder_only else "bart"
    text = f"a tiny {built} built from model.architecture"
    rows = config["model"]["base"]["corpus_rows"]
    if rows and traits.uses_base:
        text += f", fine-tuned from its base (trained once on {rows} generated dialogues)"
    return text


def overview_lines(config: Mapping[str, Any], targets: wtargets.Targets,
                   folder: str) -> list[str]:
    """What a run will do, in two lines: preset, model and record; the study's settings."""
    model = model_description(config)
    sc = config["study"]
    goal = ", ".join(f"{label} ({d})" for label, d in
                     zip(targets.labels, targets.directions, strict=True))
    return [f"preset {config['preset']} | model {model} | record {folder}",
            f"study {sc['study_name'] or config['preset']}: {sc['n_trials']} trials, "
            f"timeout {sc['timeout']} s, sampler {sc['sampler']['name']}, pruner "
            f"{'none (several objectives)' if targets.multi else sc['pruner']['name']}, "
            f"objectives {goal} ({config['objective']['metric']} mode)"]


def searched_rows(searched: Sequence[spaces.Param], hparams: Mapping[str, Any]
                  ) -> list[dict[str, Any]]:
    """One row per searched parameter: its range, step, scale, condition and trial 0's value."""
    return [{k: r.get(k) for k in ("name", "group", "type", "range", "step", "log",
                                   "condition", "value")}
            for r in spaces.describe(searched, hparams) if r["searched"]]


def strategy_lines(config: Mapping[str, Any], data: Mapping[str, Any],
                   warm_starts: int) -> list[str]:
    """One line per strategy a run uses beyond a plain study."""
    lines = []
    limits = constraints.Limits.of(config)
    if limits.active:
        rules = []
        if limits.memory_gib is not None:
            rules.append(f"estimated peak memory > {limits.memory_gib:g} GiB")
        if limits.slow_rule:
            rules.append(f"num_beams > {limits.slow_num_beams} with max_new_tokens > "
                         f"{limits.slow_max_new_tokens}")
        if limits.positions is not None:
            rules.append(f"lengths beyond the model's {limits.positions.limit} positions")
        lines.append(f"infeasible (pruned before training): {'; '.join(rules)}")
    if data.get("stage"):
        st = data["stage"]
        lines.append(f"stage {st['name']!r} of plan {st['plan']!r} (order "
                     f"{' -> '.join(st['order'])}); fixed from earlier stages: "
                     f"{st['fixed'] or 'nothing'}")
    if warm_starts:
        lines.append(f"warm start: {warm_starts} config(s) after trial 0")
    if config["adaptive"]["enabled"]:
        a = config["adaptive"]
        lines.append(f"adaptive: every {a['window']} trials, narrow when the best improved "
                     f"by < {a['threshold']:g}, widen when it improved more")
    sc = config["study"]
    if sc["confirm_top_k"]:
        why = confirm.not_done(config, wtargets.Targets.of(config).multi)
        lines.append(f"confirmation {why}" if why else (
            f"confirmation: after the budget, the top {sc['confirm_top_k']} configs are trained "
            f"again with {sc['confirm_seeds']} fresh seed(s) each; the best is the highest "
            "mean over its seeds"))
    return lines


def summary_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The best trial against the preset's own config (trial 0), the lead-2 baseline and the
    best constant output, with how input-dependent each one's predictions are."""
    baselines = data.get("baselines", {})
    by_number = {t["number"]: t for t in data.get("trials", []) if "study" not in t}
    rows = [{"what": "lead-2 baseline (first two turns)",
             "dev ROUGE": baselines.get("lead2", {}).get("final"),
             "distinct": baselines.get("lead2", {}).get("distinct_share")},
            {"what": "constant output (best single training summary for every dialogue)",
             "dev ROUGE": baselines.get("constant", {}).get("final"),
             "distinct": baselines.get("constant", {}).get("distinct_share")}]
    if data.get("preset_trial"):
        number = data["preset_trial"]["number"]
        rows.append({"what": f"preset config (trial {number})",
                     "dev ROUGE": data["preset_trial"]["value"],
                     "distinct": _figure(by_number.get(number), "distinct_share")})
    if data.get("best"):
        number, runs = data["best"]["number"], data["best"].get("runs")
        what = f"best (trial {number}" + (f", mean over {len(runs)} seeds)" if runs else ")")
        rows.append({"what": what, "dev ROUGE": data["best"]["value"],
                     "distinct": _figure(by_number.get(number), "distinct_share")})
    return rows


def _figure(trial: Mapping[str, Any] | None, key: str) -> float | None:
    """A diversity figure of a recorded trial (its best epoch's, or its last if degenerate)."""
    return ((trial or {}).get("extra", {}).get("diversity") or {}).get(key)


def summary_lines(data: Mapping[str, Any], record_path: str) -> list[str]:
    """Where the record is, the trials by state, and the infeasible trials by rule."""
    lines = [f"record: {record_path}; trials by state: {data.get('counts')}"]
    degenerate = data.get("degenerate") or {}
    if degenerate.get("count"):
        lines.append(f"degenerate (no healthy epoch, never the best): {degenerate['count']} "
                     f"trial(s): {degenerate['trials']}")
    best, baselines = data.get("best"), data.get("baselines") or {}
    if best and best.get("runs"):
        single = best["best_single"]
        lines.append(f"best (trial {best['number']}): mean {best['value']:.4f} ± "
                     f"{best['seed_std']:.4f} over {len(best['runs'])} seeds ({best['chosen']}); "
                     f"the best single trial ({single['number']}) scored {single['value']:.4f}")
    if best and "lead2" in baselines and "constant" in baselines:
        lines.append(f"best dev ROUGE {best['value']:.4f}: "
                     f"{best['value'] - baselines['lead2']['final']:+.4f} over lead-2, "
                     f"{best['value'] - baselines['constant']['final']:+.4f} over the best "
                     "constant output")
    infeasible = data.get("infeasible") or {}
    if infeasible.get("count"):
        lines.append(f"infeasible (pruned before training): {infeasible['count']} trial(s), by "
                     f"rule {infeasible['by_rule']}")
    return lines


def pareto_rows(data: Mapping[str, Any], labels: Sequence[str]) -> list[dict[str, Any]]:
    """The Pareto front of a multi-objective run, best dev ROUGE first."""
    rows = [{"number": t["number"], **dict(zip(labels, t["values"], strict=True)), **t["params"]}
            for t in data.get("pareto_front") or []]
    return sorted(rows, key=lambda r: r[labels[0]], reverse=True)


def trial_rows(data: Mapping[str, Any], labels: Sequence[str]) -> list[dict[str, Any]]:
    """The record's trials, one row each: state, values, parameters and why it stopped."""
    rows = []
    for t in data.get("trials", []):
        row = {k: t[k] for k in ("number", "state", "value", "origin", "duration_s",
                                 "best_epoch")}
        if "study" in t:
            row["study"] = t["study"]
        for label, v in zip(labels[1:], (t.get("values") or [])[1:], strict=False):
            row[label] = v
        row.update(t["params"])
        row["trainable params"] = t.get("trainable_params")
        for key, label in DIVERSITY_COLUMNS.items():
            row[label] = _figure(t, key)
        for key in (*BACKEND_COLUMNS, confirm.CONFIRMS, confirm.TRIAL_SEED):
            if key in t.get("extra", {}):
                row[key] = t["extra"][key]
        extra = t.get("extra", {})
        row["reason"] = (t["fail_reason"] or t["prune_reason"] or extra.get("degenerate")
                         or (f"same config as trial {extra['duplicate_of']}: its values, not "
                             "trained again" if "duplicate_of" in extra else None))
        rows.append(row)
    return rows


def table_of(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows as a table whose columns of whole numbers print as such (epochs, counts, trial
    numbers, integer params): pandas makes a column float, 2.0, once a row has None there."""
    table = pd.DataFrame(list(rows))
    for column in table.columns:
        given = [row.get(column) for row in rows if row.get(column) is not None]
        if given and all(isinstance(v, int) and not isinstance(v, bool) for v in given) \
                and table[column].dtype.kind == "f":
            table[column] = table[column].astype("Int64")  # missing ones print as <NA>
    return table


def version_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What produced a record's numbers: package versions, git commit, machine, and the
    devices its trials trained on (a report's last table)."""
    git, machine = data.get("git") or {}, data.get("machine") or {}
    commit = git.get("commit")
    rows = [{"what": name, "version": version}
            for name, version in (data.get("versions") or {}).items() if version is not None]
    rows.append({"what": "git commit", "version": None if commit is None else
                 commit[:12] + (" (uncommitted changes)" if git.get("dirty") else "")})
    rows.append({"what": "machine", "version": f"{machine.get('cpu')}, "
                 f"{machine.get('cpu_count')} cores, GPU {machine.get('cuda') or 'none'}"})
    devices = sorted({t.get("device") for t in data.get("trials", []) if t.get("device")})
    if devices:
        rows.append({"what": "trials trained on", "version": ", ".join(devices)})
    return rows
