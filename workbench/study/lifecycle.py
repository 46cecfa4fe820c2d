"""A run's life in its study and its record: which process runs it (pid, host), the heartbeat
both keep, the trials it queued (its budget), and how a run that died is told apart from one
still running.

Budget: `n_trials` is the number of trials a run finishes. Trials still queued by runs that are
over (killed, timed out, or interrupted) are left-overs: the next run takes them first, and they
count towards its budget. Each run queues its own trials (`queued_by` its run id) and its
workers take only those, so two runs started together each finish their own budget.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import optuna

from workbench import paths, records
from workbench.records import Record
from workbench.storage import QUEUED_BY

WAITING = (optuna.trial.TrialState.WAITING,)
RUN_ATTR = "run:"  # study attribute `run:<run id>`: the run's process and heartbeat
BUDGET_RULE = ("n_trials is the number of trials this run finishes; trials left queued by runs "
               "that are over count towards it and run first")


def _entry(record: Record, state: str) -> dict[str, Any]:
    return {**record.data["process"], "state": state}


def register(study: optuna.Study, record: Record, state: str = "running") -> None:
    """Name the run (its process, heartbeat and state) in the study, for other runs to see."""
    study.set_user_attr(RUN_ATTR + record.data["run_id"], _entry(record, state))


def owner(record: Record) -> str | None:
    """Whose queued trials a run's workers take: its own, or any for a join."""
    return None if (record.data.get("study") or {}).get("joined") else record.data["run_id"]


def _over(attrs: dict[str, Any], run_id: str | None) -> bool:
    """Whether the run that queued a trial is over (or unknown): its trials are left-overs."""
    if run_id is None:
        return True
    entry = attrs.get(RUN_ATTR + run_id)
    return entry is None or entry.get("state") != "running" or records.gone(entry) is not None


def leftovers(study: optuna.Study, run_id: str) -> list[optuna.trial.FrozenTrial]:
    """Queued trials no live run will take, in queue order (this run's own excluded)."""
    attrs = study.user_attrs  # read once: each read is a storage query
    waiting = study.get_trials(deepcopy=False, states=WAITING)
    return [t for t in waiting if t.user_attrs.get(QUEUED_BY) != run_id
            and _over(attrs, t.user_attrs.get(QUEUED_BY))]


def _mine(study: optuna.Study, run_id: str) -> int:
    return sum(t.user_attrs.get(QUEUED_BY) == run_id
               for t in study.get_trials(deepcopy=False, states=WAITING))


def claim(study: optuna.Study, record: Record, n: int) -> dict[str, int]:
    """Queue `n` trials for this run: left-overs first (taken over), then new empty ones.

    Returns how many were left-overs and how many are new.
    """
    run_id = record.data["run_id"]
    register(study, record)
    # A trial whose worker died is failed and queued again (a retry) before anything is taken.
    with warnings.catch_warnings():  # "experimental" since Optuna 2.9: nothing a user can act on
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    before = _mine(study, run_id)
    for trial in leftovers(study, run_id)[:n]:
        study._storage.set_trial_user_attr(trial._trial_id, QUEUED_BY, run_id)
    adopted = _mine(study, run_id) - before  # another run may have taken one at the same time
    new = max(0, n - adopted)
    for _ in range(new):
        study.enqueue_trial({}, user_attrs={QUEUED_BY: run_id})
    return {"left_over": adopted, "new": new}


def finished(studies: Sequence[optuna.Study], run_id: str) -> int:
    """Trials this run queued that have finished (a trial retried counts once: its retry)."""
    count = 0
    for study in studies:
        trials = study.get_trials(deepcopy=False)
        retried = {n for t in trials for n in t.system_attrs.get("retry_history", [])}
        count += sum(t.user_attrs.get(QUEUED_BY) == run_id and t.state.is_finished()
                     and t.number not in retried for t in trials)
    return count


def killed_runs(record: Record) -> list[dict[str, Any]]:
    """Records beside this one still marked running whose process is gone (killed)."""
    found = []
    for path in sorted(Path(record.folder).parent.glob(f"*/{records.RESULTS}")):
        if path.parent == record.folder:
            continue
        try:
            data = records.read_results(path)
        except (OSError, ValueError):
            continue
        if records.effective_status(data) == "killed":
            found.append({"run_id": data.get("run_id"), "record": paths.shown(path.parent),
                          "why": records.gone(data.get("process"))})
    return found


def run_states(study: optuna.Study, source: dict[str, Any] | None = None) -> list[str]:
    """Lines for the analyze notebook: an analyzed record that was killed, and the study's runs
    that were killed (still 'running' in the study, their process gone)."""
    lines = []
    if source is not None and records.effective_status(source) != source.get("status"):
        lines.append(f"record {source.get('run_id')}: killed ({records.gone(source['process'])}"
                     f"); its results.json still says {source.get('status')!r}")
    for key, entry in sorted(study.user_attrs.items()):
        if key.startswith(RUN_ATTR) and entry.get("state") == "running" and records.gone(entry):
            lines.append(f"run {key[len(RUN_ATTR):]}: killed ({records.gone(entry)}); the "
                         "trials it left queued run first in the next run")
    return lines


@contextlib.contextmanager
def alive(run: Any) -> Iterator[None]:
    """Keep `run`'s heartbeat (record and studies) every `study.heartbeat_interval` seconds
    while it runs; at the end, mark it over in its studies and record what it finished."""
    record: Record = run.record
    interval = run.config["study"]["heartbeat_interval"]
    record.data["process"] = {**record.data["process"], "interval_s": interval}
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                record.beat()
                for study in run._studies():
                    register(study, record)
            except Exception:  # a missed beat (storage busy, record being written) is retried
                continue

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        studies = run._studies()
        for study in studies:
            register(study, record, "over")
        budget = (record.data.get("study") or {}).get("budget")
        if isinstance(budget, dict) and not (record.data.get("study") or {}).get("joined"):
            budget["finished"] = finished(studies, record.data["run_id"])
            record.flush()
