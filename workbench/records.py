"""Run records: one folder per run under outputs/<preset>/<run-id>/ with results.json.

The executed notebook and `results.json` beside it are the experiment record: the resolved
config (enough to rerun), the study, every trial, timings, package versions and git commit.
The JSON is rewritten atomically after every trial, so a crash still leaves a readable record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench import paths

PACKAGES = ("torch", "transformers", "optuna", "papermill", "peft", "bitsandbytes", "accelerate",
            "tokenizers", "plotly", "rouge", "rouge-score", "python-mecab-ko", "pandas", "numpy")
RESULTS = "results.json"
_SAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")


def now() -> str:
    """The current UTC time, ISO 8601, seconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


# The kind of run a record folder's name says, by notebook (others: the notebook's name).
KINDS = {"run-study": "study", "worker": "study", "generation-tuning": "tuning",
         "explore-space": "explore", "analyze": "analyze", "predict": "predict"}
LATEST = "latest"  # outputs/<preset>/latest: the newest completed study run of the preset


def _safe(name: str) -> str:
    """A name as one folder name: no path, no leading dot (".." or a path files under outputs/)."""
    return _SAFE_RE.sub("_", name).lstrip(".") or "_"


def data_tag(data_dir: str | Path | None) -> str | None:
    """The data a run reads as a folder name tags it: None for the shipped sample."""
    if data_dir is None or paths.project_path(data_dir).resolve() == paths.SAMPLE.resolve():
        return None
    return _safe(paths.project_path(data_dir).resolve().name)


def data_dir_of(preset: str, overrides: Mapping[str, Any] | None = None) -> str | None:
    """The data folder a run of `preset` with `overrides` reads; None when they do not resolve
    (the run itself then says why)."""
    from workbench import config

    try:
        return str(config.compose(preset, dict(overrides or {}))["data"]["dir"])
    except (ValueError, OSError, KeyError, TypeError):
        return None


def new_run_id(kind: str | None = None, data: str | Path | None = None) -> str:
    """A sortable, unique run id: UTC timestamp, the kind of run (study, predict, tuning,
    analyze, explore; from the notebook's name), the data when it is not the shipped sample,
    and a short random suffix: 20261130-192849-study-5cc0, 20261130-201500-study-mydata-9f1e."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    parts = [stamp, _safe(KINDS.get(kind, kind)) if kind else None, data_tag(data),
             secrets.token_hex(2)]
    return "-".join(p for p in parts if p)


def new_run_dir(preset: str, run_id: str | None = None, kind: str | None = None,
                data: str | Path | None = None) -> Path:
    """A fresh folder outputs/<preset>/<run-id>/ for one run's record (`new_run_id`)."""
    folder = paths.OUTPUTS / _safe(preset) / (run_id or new_run_id(kind, data))
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def point_latest(folder: str | Path) -> Path | None:
    """Point outputs/<preset>/latest at `folder`, a study run that just completed there: a
    relative symlink, replaced atomically. A run filed elsewhere (`--out`, tests) leaves it."""
    folder = Path(folder).resolve()
    if folder.parent.parent != paths.OUTPUTS.resolve():
        return None
    link = folder.parent / LATEST
    tmp = folder.parent / f".{LATEST}.{os.getpid()}.{threading.get_ident()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(folder.name, target_is_directory=True)
    os.replace(tmp, link)
    return link


def has_latest(preset: str | None) -> bool:
    """Whether `preset` has a `latest` study run (outputs/<preset>/latest)."""
    return bool(preset) and (paths.OUTPUTS / _safe(preset) / LATEST).is_symlink()


def resolve_record(record: str | None, preset: str | None = None) -> str | None:
    """A `record` parameter as the run folder it names: `latest` (the preset's) and
    outputs/<preset>/latest become the run that pointer names; anything else is unchanged."""
    if record is None or not isinstance(record, str):
        return record
    if record == LATEST:
        if not preset:
            raise ValueError(f"record {LATEST!r}: of which preset? give "
                             f"outputs/<preset>/{LATEST} or the preset (--preset)")
        link = paths.OUTPUTS / _safe(preset) / LATEST
    else:
        link = paths.project_path(record)
        if link.name != LATEST or (link.is_dir() and not link.is_symlink()):
            return record
    if not link.is_symlink():
        raise FileNotFoundError(
            f"{paths.shown(link)}: no completed study run of preset {link.parent.name!r} yet "
            f"(a run-study that completes points {LATEST} at itself): run `workbench study "
            f"--preset {link.parent.name}` first, or give a record folder")
    target = link.resolve()
    if not target.is_dir():
        raise FileNotFoundError(f"{paths.shown(link)} points at {link.readlink()}, which is gone;"
                                " give a record folder")
    return str(target)


def refuse_existing(folder: str | Path) -> None:
    """Refuse a record folder that already holds something: a record is never overwritten."""
    p = Path(folder)
    held = sorted(x.name for x in p.iterdir()) if p.is_dir() else []
    if held or (p.exists() and not p.is_dir()):
        shown = ", ".join(held[:5]) + (" ..." if len(held) > 5 else "")
        raise ValueError(
            f"{paths.shown(p)}: already holds a record ({shown or 'a file'}); a record is never "
            "overwritten: give a new folder, or none for a fresh outputs/<preset>/<run-id>/")


HOST = socket.gethostname()
STALE_BEATS = 3  # a running record whose heartbeat is this many intervals old is killed


def process_alive(pid: int, host: str | None) -> bool | None:
    """Whether process `pid` on `host` still runs (a zombie does not); None on another host."""
    if host != HOST:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:  # no /proc (macOS): signal 0 answered
        return True


def gone(process: Mapping[str, Any] | None) -> str | None:
    """Why the process of a running record or run is over, or None while it may still run:
    its pid is not running on this host, or (for a process that keeps a heartbeat, i.e. names
    its `interval_s`) its heartbeat is `STALE_BEATS` intervals old."""
    if not process:
        return "no process recorded"
    if process_alive(process.get("pid", -1), process.get("host")) is False:
        return f"process {process.get('pid')} is not running on {process.get('host')}"
    if not process.get("interval_s") or not process.get("heartbeat"):
        return None  # no heartbeat kept: only its own host can tell
    beat = dt.datetime.fromisoformat(process["heartbeat"])
    age = (dt.datetime.now(dt.timezone.utc) - beat).total_seconds()
    if age > STALE_BEATS * process["interval_s"]:
        return f"no heartbeat for {age:.0f} s (since {process['heartbeat']})"
    return None


def effective_status(data: Mapping[str, Any]) -> str:
    """A record's status as it stands: 'killed' for a 'running' record whose process is gone
    (a killed run never wrote its end), else the recorded status."""
    status = data.get("status") or "unknown"
    if status == "running" and gone(data.get("process")):
        return "killed"
    return status


def process_entry() -> dict[str, Any]:
    """This process as a record names it: pid, host and a first heartbeat (now); a run that
    keeps its heartbeat adds `interval_s` (`workbench.study.lifecycle.alive`)."""
    return {"pid": os.getpid(), "host": HOST, "heartbeat": now()}


def versions(packages: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages that decide a run's numbers (None: not installed)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_state() -> dict[str, Any]:
    """The project's git commit and whether the work tree had uncommitted changes."""
    def run(*args: str) -> str | None:
        try:
            res = subprocess.run(["git", *args], cwd=paths.ROOT, capture_output=True, text=True,
                                 timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return res.stdout.strip() if res.returncode == 0 else None

    commit = run("rev-parse", "HEAD")
    status = run("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def machine(cuda: bool = True) -> dict[str, Any]:
    """Where the run happened: CPU, cores, and (with `cuda`) the CUDA device if any."""
    info: dict[str, Any] = {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                            "cpu": _cpu_model()}
    if not cuda:
        return info
    try:
        import torch

        info["cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except Exception:  # a broken CUDA install must not lose the record
        info["cuda"] = None
    return info


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON atomically (a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n",
                   encoding="utf-8")
    tmp.replace(path)


def read_results(path: str | Path) -> dict[str, Any]:
    """A record's results.json, given the file or the run folder."""
    p = Path(path)
    if p.is_dir():
        p = p / RESULTS
    if not p.is_file():
        raise FileNotFoundError(f"{paths.shown(p)}: no such record (expected a {RESULTS})")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{paths.shown(p)}: not a run record (not valid JSON: {exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{paths.shown(p)}: not a run record (a JSON {type(data).__name__}, "
                         "expected an object with run_id, status, ...)")
    return data


def error_info(exc: BaseException) -> dict[str, str]:
    """An exception as a record stores it: type, message and the last lines of the traceback
    (files inside the project named from its root: a shared record holds no machine path)."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    tb = tb.replace(f"{paths.ROOT}{os.sep}", "")
    return {"type": type(exc).__name__, "message": str(exc), "traceback": tb[-4000:]}


@dataclass
class Record:
    """The results.json of one run, kept in memory and flushed on every change."""

    folder: Path
    data: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def path(self) -> Path:
        return self.folder / RESULTS

    def update(self, **fields: Any) -> None:
        with self._lock:
            self.data.update(fields)
            self.flush()

    def flush(self) -> None:
        with self._lock:  # the heartbeat thread flushes too
            write_json(self.path, self.data)

    def beat(self) -> None:
        """Refresh the record's heartbeat (only while it is running)."""
        with self._lock:
            if self.data.get("status") == "running" and "process" in self.data:
                self.data["process"] = {**self.data["process"], "heartbeat": now()}
                self.flush()

    def fail(self, exc: BaseException) -> None:
        """Mark the run failed with the error, keeping everything recorded so far; the
        exception gets a note naming the record (a notebook's short error ends with it).
        A run stopped by a signal (`Terminated`) is marked terminated instead."""
        self.data.setdefault("timings", {})["finished"] = now()
        status = "failed"
        if isinstance(exc, Terminated):
            status = "terminated"
            exc.message = terminated_message(exc.signal, self.running_trials())
            print(f"run terminated: {exc.message}\nrecord: {paths.shown(self.path)}",
                  file=sys.stderr, flush=True)
        self.update(status=status, error=error_info(exc))
        note = f"record: {paths.shown(self.path)} (status {status}; the full traceback is there)"
        if note not in getattr(exc, "__notes__", []):  # Python 3.10 has no add_note
            exc.__notes__ = [*getattr(exc, "__notes__", []), note]

    def running_trials(self) -> list[int]:
        """Numbers of this run's trials the record last saw running."""
        return [t["number"] for t in self.data.get("trials") or []
                if t.get("state") == "RUNNING" and t.get("run_id", self.data.get("run_id"))
                == self.data.get("run_id")]

    @contextlib.contextmanager
    def failing(self, before: Callable[[], None] | None = None) -> Iterator[Record]:
        """Mark the record failed (after `before`, e.g. a last flush of the trials) when the
        block raises, and re-raise: a run that fails still leaves its record. In the main
        thread, SIGTERM and SIGHUP stop the block too (`Terminated`): the record then says
        terminated, and the process exits once the exception is through."""
        previous = _stop_on_signals()
        try:
            yield self
        except BaseException as exc:
            if before is not None:
                before()
            self.fail(exc)
            raise
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


# Signals that ask a process to end (`timeout`, systemd and `kill` send SIGTERM; a closed
# terminal SIGHUP). Unhandled, they end it like `kill -9`: its record would stay 'running'.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(SystemExit):
    """A run stopped by a signal; it exits with status 128 + the signal's number. Optuna lets
    it through (it catches Exception), so the trial it was on stays RUNNING: like a killed
    run's, it is failed and retried by the next run once its heartbeat is stale."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signal = signal.Signals(signum).name
        self.message = f"{self.signal} received"

    def __str__(self) -> str:
        return self.message


def terminated_message(signame: str, running: list[int]) -> str:
    """What a record of a run stopped by `signame` says, naming the trials it was on."""
    on = (f"while trial {', '.join(map(str, running))} ran" if running else
          "while no trial of it was running")
    return (f"{signame} received {on}: the run stopped (its trials still running are failed "
            "and retried by the next run once their heartbeat is stale)")


def _stop_on_signals() -> dict[int, Any]:
    """Make STOP_SIGNALS raise `Terminated` in the main thread (where signals are handled);
    the handlers it replaced, to restore (none off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def stop(signum: int, _frame: Any) -> None:
        for other in STOP_SIGNALS:  # one is enough: the record is being written
            signal.signal(other, signal.SIG_IGN)
        raise Terminated(signum)

    return {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}


def plain(value: Any) -> Any:
    """A value as YAML and JSON want it: numpy scalars unwrapped, NaN as None, and floats
    rounded to 12 significant digits (Optuna's step grids give 0.15000000000000002)."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.12g}")
    return value


class ParameterError(ValueError):
    """A notebook parameter that is unknown or of the wrong type."""


def check_parameters(params: dict[str, Any], spec: dict[str, tuple[type, ...]]) -> None:
    """Refuse unknown parameters and wrong types, naming the allowed ones."""
    for key, value in params.items():
        if key not in spec:
            raise ParameterError(
                f"unknown parameter {key!r}; this notebook takes: {', '.join(spec)}"
            )
        allowed = spec[key]
        bad_bool = isinstance(value, bool) and bool not in allowed
        if bad_bool or not isinstance(value, allowed):
            names = " or ".join("None" if t is type(None) else t.__name__ for t in allowed)
            raise ParameterError(
                f"parameter {key!r}: expected {names}, got {type(value).__name__} {value!r}"
            )


def injected_parameters() -> dict[str, Any]:
    """Names papermill injected into this kernel (its '# Parameters' cell), with their values.

    papermill only warns about parameters the notebook does not declare; reading the injected
    cell back lets the notebook refuse them instead.
    """
    import ast

    try:
        from IPython import get_ipython
    except ImportError:
        return {}
    shell = get_ipython()
    if shell is None:
        return {}
    found: dict[str, Any] = {}
    for source in shell.user_ns.get("In", []):
        if not source.lstrip().startswith("# Parameters"):
            continue
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = shell.user_ns.get(target.id)
    return found


def mask_url(url: str) -> str:
    """A storage URL with any password replaced by ***."""
    from workbench.storage import mask

    return mask(url)


def shown_url(url: str) -> str:
    """A storage URL as a record keeps it: masked, a file in the project from its root."""
    from workbench.storage import shown

    return shown(url)


def _masked(params: dict[str, Any]) -> dict[str, Any]:
    """Notebook parameters as a record keeps them: storage URLs (also in `overrides`) masked,
    the run folder from the project root."""
    out = {k: shown_url(v) if k == "storage" and isinstance(v, str) else v
           for k, v in params.items()}
    if isinstance(out.get("run_dir"), str):
        out["run_dir"] = paths.shown(out["run_dir"])
    overrides = out.get("overrides")
    if isinstance(overrides, dict):
        overrides = dict(overrides)
        if isinstance(overrides.get("study.storage"), str):
            overrides["study.storage"] = shown_url(overrides["study.storage"])
        study = overrides.get("study")
        if isinstance(study, dict) and isinstance(study.get("storage"), str):
            overrides["study"] = {**study, "storage": shown_url(study["storage"])}
        out["overrides"] = overrides
    return out


def shown_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config as a record stores it: storage URLs masked."""
    shown = dict(config)
    if isinstance(shown.get("study"), dict) and shown["study"].get("storage"):
        shown["study"] = {**shown["study"], "storage": shown_url(shown["study"]["storage"])}
    return shown


def open_record(notebook: str, params: dict[str, Any],
                spec: dict[str, tuple[type, ...]]) -> Record:
    """Create the run folder and a 'running' results.json, then validate the parameters.

    The folder is `params['run_dir']` when given (as `workbench run` does), else a new
    outputs/<preset>/<run-id>/. Invalid parameters mark the record failed and raise.
    """
    preset = params.get("preset") if isinstance(params.get("preset"), str) else notebook
    run_dir = params.get("run_dir")
    folder = paths.project_path(run_dir) if isinstance(run_dir, str) and run_dir else \
        new_run_dir(preset, kind=notebook, data=data_dir_of(preset, params.get("overrides")))
    if (folder / RESULTS).exists():  # papermill has written its notebook here: not the record
        refuse_existing(folder)
    folder.mkdir(parents=True, exist_ok=True)
    record = Record(folder, {
        "run_id": folder.name, "notebook": notebook, "preset": preset, "status": "running",
        "parameters": _masked(params), "timings": {"started": now()},
        "process": process_entry(),
        "versions": versions(), "git": git_state(), "machine": machine(),
    })
    record.flush()
    with record.failing():
        extra = {k: v for k, v in injected_parameters().items() if k not in params}
        check_parameters({**params, **extra}, spec)
    return record
