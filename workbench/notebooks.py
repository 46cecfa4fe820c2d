"""Execute a notebook as a record: papermill runs notebooks/<name>.ipynb into its record folder
(the executed notebook beside the `results.json` its run writes), and the record is kept and
marked whether the run completes, fails or is stopped by a signal.

`preflight` refuses what a run cannot use before any kernel starts (and before any folder is
made); `run_notebook` files the record under the preset it is about, keeps storage passwords out
of it, forwards SIGTERM and SIGHUP to the kernel and names project files from the root. The
`workbench` command (`workbench.cli`) parses arguments and calls these; papermill and the
trainer are imported only when a notebook runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from workbench import paths


def preflight(notebook: str, params: dict[str, Any], out: Path | None = None) -> None:
    """Refuse what a run cannot use before a kernel starts, leaving no folder: a record folder
    that cannot be written; for run-study a bad preset, key, value, data file, storage URL or
    model (`workbench.study.start.preflight`; neither papermill nor torch is imported); for
    predict what `workbench predict` refuses (`predict.prepare`: record, input, out, decoding)."""
    preset = params.get("preset") if notebook == "run-study" else None
    if notebook == "run-study" and preset is None:
        preset = _declared_default(notebook, "preset")
    _check_writable(out or (paths.OUTPUTS / str(preset) if isinstance(preset, str)
                            else paths.OUTPUTS))
    if notebook == "run-study":
        from workbench.study.start import preflight as check_study

        check_study({"preset": preset, **params})
    if notebook == "predict":  # the same checks as `workbench predict`, before any kernel
        from workbench import predict

        given = {name: params.get(name, _declared_default(notebook, name)) for name in (
            "record", "split", "out", "decoding", "refit", "tags", "batch_size", "preset")}
        given["refit_on"] = given.pop("refit")
        predict.prepare(**given)


def _declared_default(notebook: str, name: str) -> Any:
    """The default of parameter `name` in a notebook's parameters cell (None if it has none),
    read with `ast`: importing papermill to inspect it costs more than the checks."""
    import ast
    import json

    source = paths.NOTEBOOKS / f"{notebook}.ipynb"
    if not source.is_file():
        return None
    for cell in json.loads(source.read_text(encoding="utf-8")).get("cells", []):
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for node in ast.parse(text).body:
            target = node.targets[0] if isinstance(node, ast.Assign) else getattr(
                node, "target", None)
            if isinstance(target, ast.Name) and target.id == name and node.value is not None:
                return ast.literal_eval(node.value)
    return None


def _check_writable(folder: Path) -> None:
    """Refuse a record folder that cannot be created or written (a read-only outputs/), naming
    the folder, before any work: the run would otherwise fail at its first write."""
    existing = Path(os.path.abspath(folder))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(
            f"{paths.shown(existing)}/ is read-only, and a run writes its record "
            f"({paths.shown(folder)}/...) there: make it writable (chmod u+w), or give the "
            "record another folder (workbench run --out DIR)")


def run_notebook(name: str, parameters: dict[str, Any], out_dir: Path | None = None) -> Path:
    """Execute notebooks/<name>.ipynb with papermill into its record folder; return the folder.

    The record (executed notebook + results.json) is kept whether the run succeeds or fails.
    """
    import papermill as pm

    from workbench import display, records
    from workbench.records import ParameterError

    source = paths.NOTEBOOKS / f"{name}.ipynb"
    if not source.is_file():
        available = ", ".join(sorted(p.stem for p in paths.NOTEBOOKS.glob("*.ipynb")))
        raise SystemExit(f"unknown notebook {name!r}; available: {available}")
    declared = pm.inspect_notebook(str(source))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{paths.shown(source)}: unknown parameter(s) {', '.join(unknown)}; "
            f"it takes: {', '.join(declared)}"
        )
    if out_dir is not None:
        records.refuse_existing(out_dir)
    parameters = _without_secrets(parameters)
    preset = filed_under(parameters, declared)
    folder = out_dir or records.new_run_dir(
        preset, kind=name, data=records.data_dir_of(preset, parameters.get("overrides")))
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"{name}.ipynb"
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    os.environ[display.FORWARDED] = "1"  # papermill forwards cell outputs: the kernel says once
    print(f"starting a Jupyter kernel (python3) for {paths.shown(source)}; record: "
          f"{paths.shown(folder)}/ (its cells' output follows)", flush=True)
    stopped: list[int] = []  # a signal that asked this process to end, forwarded to the kernel
    previous = _forward_stop_signals(stopped)
    try:
        pm.execute_notebook(
            str(source), str(output), parameters={**parameters, "run_dir": paths.shown(folder)},
            kernel_name="python3", cwd=str(paths.ROOT), progress_bar=False,
            # the cells' streams, each once: log_output would print every stderr line again
            # (papermill logs it as a warning; with no handler, Python's last resort prints it)
            log_output=False, stdout_file=sys.stdout, stderr_file=sys.stderr,
            kernel_manager_class=display.kernel_manager_class(),
        )
    except Exception as exc:
        if stopped:  # the kernel stopped (its run marked its record) or died of the signal
            _mark_terminated(folder, name, parameters, stopped[0])
            raise SystemExit(128 + stopped[0]) from None
        if not isinstance(exc, pm.PapermillExecutionError):
            raise
        _mark_failed(folder, name, parameters, f"{exc.ename}: {exc.evalue}")
        print(f"\nrun failed: {exc.ename}: {exc.evalue}\nrecord: {paths.shown(folder)}",
              file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        _restore_signals(previous)
        relative_metadata(output)
    return folder


def _without_secrets(parameters: dict[str, Any]) -> dict[str, Any]:
    """Parameters with storage passwords moved into the kernel's environment.

    papermill writes parameters into the executed notebook; the record must never hold one.
    Covers the `storage` parameter and a `study.storage` override.
    """
    from workbench import storage

    out = dict(parameters)
    if isinstance(out.get("storage"), str):
        out["storage"], env = storage.externalize(out["storage"])
        os.environ.update(env)  # the kernel papermill starts inherits this environment
    overrides = out.get("overrides")
    if isinstance(overrides, dict):
        overrides = dict(overrides)
        if isinstance(overrides.get("study.storage"), str):
            overrides["study.storage"], env = storage.externalize(overrides["study.storage"])
            os.environ.update(env)
        study = overrides.get("study")
        if isinstance(study, dict) and isinstance(study.get("storage"), str):
            safe, env = storage.externalize(study["storage"])
            overrides["study"] = {**study, "storage": safe}
            os.environ.update(env)
        out["overrides"] = overrides
    return out


def filed_under(parameters: dict[str, Any], declared: dict[str, Any]) -> str:
    """The preset a notebook's record is filed under (outputs/<preset>/): its `preset`
    parameter, else the preset of the run record it reads (`record`: predict, analyze), else
    the notebook's default preset, else "run"."""
    if parameters.get("preset"):
        return str(parameters["preset"])
    if parameters.get("record"):
        from workbench import records

        try:
            read = records.read_results(paths.project_path(str(parameters["record"])))
        except (OSError, ValueError):  # the notebook's first cell says what is wrong with it
            read = {}
        if isinstance(read.get("preset"), str) and read["preset"]:
            return read["preset"]
    return str(declared.get("preset", {}).get("default", "run")).strip("\"'")


def _forward_stop_signals(stopped: list[int]) -> dict[int, Any]:
    """While papermill runs a kernel, SIGTERM and SIGHUP sent to this process (`timeout`,
    systemd, a closed terminal) go on to the kernel, which runs in a session of its own and
    would not get them: its run marks its record terminated and stops, and papermill returns.
    `stopped` gets the signal; the handlers replaced are returned (none off the main thread)."""
    import signal
    import threading

    from workbench import records

    if threading.current_thread() is not threading.main_thread():
        return {}

    def forward(signum: int, _frame: Any) -> None:
        import psutil  # ipykernel's own dependency

        stopped.append(signum)
        for child in psutil.Process().children():
            try:
                child.send_signal(signum)
            except psutil.Error:  # it has just ended
                pass

    return {signum: signal.signal(signum, forward) for signum in records.STOP_SIGNALS}


def _restore_signals(previous: dict[int, Any]) -> None:
    import signal

    for signum, handler in previous.items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def _mark_terminated(folder: Path, notebook: str, parameters: dict[str, Any],
                     signum: int) -> None:
    """Make sure the record of a run stopped by a signal says so (its kernel may have died
    of it before the run could write), and say where it is."""
    import signal

    from workbench import records

    path = folder / records.RESULTS
    data = records.read_results(path) if path.is_file() else {
        "run_id": folder.name, "notebook": notebook, "parameters": parameters,
    }
    signame = signal.Signals(signum).name
    if data.get("status") in (None, "running"):
        running = records.Record(folder, data).running_trials()
        data.update(status="terminated", error={
            "type": "Terminated", "message": records.terminated_message(signame, running)})
        data.setdefault("timings", {})["finished"] = records.now()
        records.write_json(path, data)
    print(f"\nrun stopped by {signame}: {data['status']}\nrecord: {paths.shown(folder)}",
          file=sys.stderr)


def _mark_failed(folder: Path, notebook: str, parameters: dict[str, Any], message: str) -> None:
    """Make sure a failed run's results.json says so, even if the notebook died early."""
    from workbench import records

    path = folder / records.RESULTS
    data = records.read_results(path) if path.is_file() else {
        "run_id": folder.name, "notebook": notebook, "parameters": parameters,
    }
    if data.get("status") not in ("failed", "terminated"):
        data["status"] = "failed"
        data.setdefault("error", {"type": message.split(":")[0], "message": message})
        data.setdefault("timings", {})["finished"] = records.now()
        records.write_json(path, data)


def relative_metadata(notebook: Path) -> None:
    """papermill's metadata in an executed notebook with files inside the project named from
    its root: a shared record holds no machine path."""
    import nbformat

    if not notebook.is_file():
        return
    nb = nbformat.read(notebook, as_version=4)
    meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if isinstance(meta.get(key), str):
            meta[key] = paths.shown(meta[key])
    nbformat.write(nb, notebook)
