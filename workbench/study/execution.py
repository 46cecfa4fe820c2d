"""How a study's queued trials are run: in this process (in `n_jobs` threads) or in worker
processes (one per GPU, or `workers` on the CPU), and what is freed after every trial.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import optuna

from workbench import lifeline, storage
from workbench.strategies import targets as wtargets
from workbench.study.objective import build_objective
from workbench.study.samplers import make_pruner, make_sampler, worker_seed
from workbench.validate import Resolved

OnTrial = Callable[[optuna.Study, optuna.trial.FrozenTrial], None]


def freeze_long_lived() -> None:
    """Exclude what lives for the whole run (libraries, data, tokenizer) from garbage collection.

    The collection after each trial then only walks what the trial made: with torch and
    transformers loaded, a full collection otherwise costs about 0.3 s per trial.
    """
    gc.collect()
    gc.freeze()


def free_memory(*_: Any) -> None:
    """Release what a trial left behind: Python objects, the CUDA cache, the C heap.

    Run it as a study callback, i.e. after the trial has ended: a pruned or failed trial's
    exception (whose traceback holds the trainer, model and optimizer) is only dropped then.
    Freed C heap is handed back to the system (glibc `malloc_trim`), so a process's RSS follows
    the trial it runs rather than the largest batch it ever ran.
    """
    gc.collect()
    torch = sys.modules.get("torch")  # never imported here: a process without it has no cache
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc() -> Any:
    """glibc, for `malloc_trim`; None on other C libraries and systems."""
    import ctypes  # only where glibc may be present
    import ctypes.util

    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None


_LIBC = _glibc()


def gpu_ids(gpus: str | None) -> list[str]:
    """The GPU ids of a `study.gpus` setting ("0,1" -> ["0", "1"]; None -> [])."""
    return [g.strip() for g in str(gpus).split(",") if g.strip()] if gpus else []


def check_gpus(gpus: str | None) -> None:
    """Refuse a GPU request this torch cannot serve, naming the build and what to install.

    Without the check, workers given a GPU id silently train on the CPU when torch has no CUDA.
    """
    ids = gpu_ids(gpus)
    if not ids:
        return
    import torch

    build = f"torch {torch.__version__}"
    if torch.version.cuda is None:
        raise ValueError(
            f"study.gpus {gpus!r}: this torch cannot use a GPU ({build} is a CPU-only build). "
            "Install a CUDA build of torch that matches the machine's driver (docs/llm.md, 'On a "
            "GPU box'), or drop --gpus to train on the CPU.")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise ValueError(
            f"study.gpus {gpus!r}: {build} (CUDA {torch.version.cuda}) sees no GPU: check the "
            "driver (nvidia-smi) and CUDA_VISIBLE_DEVICES, or drop --gpus to train on the CPU.")
    wrong = [g for g in ids if not g.isdigit() or int(g) >= count]
    if wrong:
        raise ValueError(f"study.gpus {gpus!r}: no GPU {', '.join(wrong)}; {build} sees "
                         f"{count} (ids 0 to {count - 1})")


def visible_devices(gpu: str, parent: str | None) -> str:
    """The CUDA_VISIBLE_DEVICES of a worker given GPU `gpu` as this process numbers it: with
    `parent` (this process's CUDA_VISIBLE_DEVICES) set, id 1 of "2,3" is "3"; unset, `gpu`."""
    if parent is None:
        return gpu
    visible = [v.strip() for v in parent.split(",") if v.strip()]
    if not gpu.isdigit() or int(gpu) >= len(visible):
        raise ValueError(f"study.gpus: no GPU {gpu} among CUDA_VISIBLE_DEVICES={parent!r} "
                         f"(ids 0 to {len(visible) - 1})")
    return visible[int(gpu)]


_START_LOCK = threading.Lock()  # the environment is the process's: one child started at a time


def start_with_devices(process: mp.process.BaseProcess, visible: str | None) -> None:
    """Start a spawned `process` with CUDA_VISIBLE_DEVICES=`visible` (None: as this process's)
    in its environment from its first instruction.

    The CUDA driver reads the variable once, at its first call in the process, and the libraries
    a worker imports (bitsandbytes through peft and transformers) make that call at import:
    set later, inside the worker, it would be read by nothing and every worker would train on
    the first GPU. A spawned child inherits this process's environment at start; it is
    restored at once.
    """
    with _START_LOCK:
        before = os.environ.get("CUDA_VISIBLE_DEVICES")
        if visible is not None:
            os.environ["CUDA_VISIBLE_DEVICES"] = visible
        try:
            process.start()
        finally:
            if before is None:
                os.environ.pop("CUDA_VISIBLE_DEVICES", None)
            else:
                os.environ["CUDA_VISIBLE_DEVICES"] = before


WORKER = f"{__name__}:worker_main"  # what a worker process runs, imported there by `lifeline`


def worker_main(packed: bytes, url: str, study_name: str, folder: str, run_id: str,
                index: int, timeout: float | None, owner: str | None) -> None:
    """One worker process (started through `lifeline`, so it exits when the run that started
    it dies, with its GPU already in CUDA_VISIBLE_DEVICES): run the run's queued trials
    (`owner`'s; any when None) until none is left. `packed`: the run's `Resolved` (config,
    space, searched params), pickled by `run_processes`."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    resolved: Resolved = pickle.loads(packed)
    config = resolved.config
    sc = config["study"]
    objective = build_objective(resolved, Path(folder), run_id)
    opened = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"],
                                  queue_only=True, owner=owner)
    freeze_long_lived()
    storage.run_worker(opened, study_name, objective,
                       sampler=make_sampler({**sc, "seed": worker_seed(sc["seed"], index)}),
                       pruner=make_pruner(sc, wtargets.Targets.of(config).multi),
                       callbacks=[free_memory], catch=(Exception,), timeout=timeout)


def run_threads(config: Mapping[str, Any], url: str, name: str, objective: Any,
                on_trial: OnTrial, seed_offset: int = 0, timeout: float | None = None,
                owner: str | None = None) -> None:
    """Run the queued trials of run `owner` (any when None) here, in `study.n_jobs` threads."""
    sc = config["study"]
    queue = storage.open_storage(url, heartbeat_interval=sc["heartbeat_interval"],
                                 queue_only=True, owner=owner)
    freeze_long_lived()
    sampler = make_sampler({**sc, "seed": sc["seed"] + seed_offset})
    pruner = make_pruner(sc, wtargets.Targets.of(config).multi)
    lock = threading.Lock()

    def locked(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        with lock:
            on_trial(study, trial)

    def work() -> None:
        storage.run_worker(queue, name, objective, sampler=sampler, pruner=pruner,
                           callbacks=[free_memory, locked], catch=(Exception,),
                           timeout=sc["timeout"] if timeout is None else timeout)

    try:
        if sc["n_jobs"] <= 1:
            work()
            return
        threads = [threading.Thread(target=work, daemon=True) for _ in range(sc["n_jobs"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        gc.unfreeze()  # what the run kept alive may be collected again once it is over


def run_processes(resolved: Resolved, url: str, name: str, folder: Path, run_id: str,
                  poll: Callable[[], None], on_start: Callable[[list[dict[str, Any]]], None],
                  timeout: float | None = None, owner: str | None = None
                  ) -> list[dict[str, Any]]:
    """Run the queued trials in worker processes: one per GPU, or `study.workers` on the CPU,
    each building its objective from `resolved` (the run's config, space and searched params).

    `on_start` gets the workers (name, pid, gpu as `study.gpus` numbers it, and the
    CUDA_VISIBLE_DEVICES it runs with: the id mapped through this process's own) once started;
    `poll` runs every 2 s while they work. Returns the workers with their exit codes.
    """
    sc = resolved.config["study"]
    timeout = sc["timeout"] if timeout is None else timeout
    gpus = gpu_ids(sc["gpus"])
    slots = gpus or [None] * sc["workers"]
    parent = os.environ.get("CUDA_VISIBLE_DEVICES")
    devices = [None if gpu is None else visible_devices(gpu, parent) for gpu in slots]
    ctx = mp.get_context("spawn")
    # Pickled here, unpickled by the worker: the bytes need no import of the package before
    # `lifeline` ties the child to this process (a `Resolved` argument would).
    packed = pickle.dumps(resolved)
    procs = [ctx.Process(target=lifeline.run, name=f"worker-{i}", args=(
        os.getpid(), WORKER, packed, url, name, str(folder), run_id, i, timeout, owner))
        for i in range(len(slots))]
    for p, visible in zip(procs, devices, strict=True):
        start_with_devices(p, visible)
    info = [{"name": p.name, "pid": p.pid, "gpu": gpu, "cuda_visible_devices": visible}
            for p, gpu, visible in zip(procs, slots, devices, strict=True)]
    on_start(info)
    while any(p.is_alive() for p in procs):
        time.sleep(2)
        poll()
    poll()
    return [{**w, "exitcode": p.exitcode} for w, p in zip(info, procs, strict=True)]
