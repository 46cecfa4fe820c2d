"""A child process's tie to the process that started it: it exits as soon as that process dies
(Linux and macOS alike), so a killed run leaves no worker training on as an orphan.

Worker processes start here, before anything heavy is imported: loading torch and transformers
takes many seconds, and a run killed meanwhile must not leave its workers to start training.
This module imports nothing of the package, so it is cheap to import first.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from typing import Any

POLL_S = 0.5


def exit_with_parent(parent: int, poll_s: float = POLL_S) -> None:
    """Exit this process once `parent` is no longer its parent (it died and this process was
    handed to init or a subreaper). What it was running stops with it: a trial's heartbeat
    then goes stale, and the trial is failed and retried by the next run."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run(parent: int, target: str, *args: Any) -> None:
    """A child's entry point: tie it to `parent`, then import and call `target`
    ("package.module:function") with `args`."""
    exit_with_parent(parent)
    module, _, name = target.partition(":")
    getattr(importlib.import_module(module), name)(*args)
