"""What a notebook run shows its user, in the notebook and on the terminal it runs in.

Plain papermill shows none of a kernel's cell output unless given `--log-output`; JupyterLab
shows it only in the notebook. A run therefore writes one line per finished trial to the
notebook *and* to the terminal the kernel was started from (the one papermill runs in), and a
run that fails ends its notebook with a short error (what, why, what to do, the record) instead
of a hundred lines of traceback; the full traceback stays in the record's `results.json`.

`setup_notebook`, every notebook's first call, also picks a plotly renderer that embeds
plotly.js, so executed records and the HTML rendered from them show their charts offline
(plotly 7's default emits only its mimetype, which nbconvert drops).
"""

from __future__ import annotations

import io
import os
import sys
import time
from typing import Any, TextIO

# Set by `workbench run` / `workbench study`, whose papermill already logs every cell output to
# the terminal: the kernel then writes its progress to the notebook only (no line twice).
FORWARDED = "WORKBENCH_OUTPUT_FORWARDED"
# The note a failed record adds to its exception (`records.Record.fail`); starts the last line.
RECORD_NOTE = "record: "
OFFLINE_RENDERER = "plotly_mimetype+notebook"


def kernel_terminal() -> int | None:
    """The file descriptor of the terminal a Jupyter kernel was started from.

    None outside a kernel (stderr is the terminal already) and when papermill forwards the
    cell outputs itself. ipykernel's stderr hands out the original descriptor as `fileno()`
    when it captures descriptor-level output; when it does not (it never does under pytest),
    descriptor 2 is still the terminal.
    """
    if os.environ.get(FORWARDED) or sys.stderr is sys.__stderr__:
        return None
    for stream in (sys.stderr, sys.__stderr__):
        try:
            return stream.fileno()
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            continue
    return None


# Whether the kernel's terminal is at the start of a line we began: papermill's progress bar
# (redrawn between cells, no newline) may have been left on it since (see `setup_kernel`).
_at_line_start = {"terminal": False}


def say(line: str, out: TextIO | None = None) -> None:
    """Print a line in the notebook (or on stdout) and on the kernel's terminal."""
    print(line, file=out or sys.stdout, flush=True)
    fd = kernel_terminal()
    if fd is not None:
        lead = "" if _at_line_start["terminal"] else "\n"
        try:
            os.write(fd, (lead + line + "\n").encode("utf-8", errors="replace"))
            _at_line_start["terminal"] = True
        except OSError:  # the terminal went away: the notebook still has the line
            pass


def progress(line: str, out: TextIO | None = None) -> None:
    """`say` a line about what a run is doing (a step of its set-up, the base's build, a trial
    that ended) on stderr, where progress bars go: the shared report leaves stderr out
    (`workbench.report.for_readers`), and its tables say what these lines said."""
    say(line, out or sys.stderr)


def duration(seconds: float) -> str:
    """Seconds as people read them: '45 s', '4 min 10 s', '2 h 5 min'."""
    s = int(round(max(seconds, 0.0)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"


def time_left(done: int, total: int, elapsed: float, timeout: float | None) -> str | None:
    """What is left of a run of `total` trials after `done` of them took `elapsed` seconds.

    The estimate (mean trial time x trials left) never exceeds what the timeout leaves: the
    study stops starting trials then (a trial already started still finishes).
    """
    if done >= total:
        return None
    budget = None if timeout is None else max(float(timeout) - elapsed, 0.0)
    if done == 0:
        return None if budget is None else f"at most about {duration(budget)} left (timeout)"
    estimate = elapsed / done * (total - done)
    if budget is not None and budget < estimate:
        return f"about {duration(budget)} left (timeout; {total - done} trials may stay queued)"
    return f"about {duration(estimate)} left"


class Progress:
    """One line per finished trial: its state and value, the best so far, the time left."""

    def __init__(self, name: str, total: int, timeout: float | None,
                 out: TextIO | None = None, clock: Any = time.monotonic):
        self.name, self.total, self.timeout = name, total, timeout
        self.out, self.clock = out, clock
        self.started = clock()
        self.done = 0
        left = time_left(0, total, 0.0, timeout)
        progress(f"study {name}: {total} trial(s) to run" + (f"; {left}" if left else ""), out)

    def trial(self, number: int, state: str, value: float | None, best: float | None) -> str:
        """Say that trial `number` ended; returns the line."""
        self.done += 1
        elapsed = self.clock() - self.started
        shown = "" if value is None else f" {value:.4f}"
        best_shown = "-" if best is None else f"{best:.4f}"
        left = time_left(self.done, self.total, elapsed, self.timeout)
        line = (f"trial {number} {state.lower()}{shown} ({self.done}/{self.total} done, "
                f"best {best_shown}); {duration(elapsed)} elapsed" + (f", {left}" if left else ""))
        progress(line, self.out)
        return line


def short_error(exc: BaseException) -> list[str] | None:
    """A failed run's error in a few lines (type and message, then the record), or None for
    an exception that failed no record (it keeps its full traceback)."""
    notes = [n for n in getattr(exc, "__notes__", []) if n.startswith(RECORD_NOTE)]
    if not notes:
        return None
    return [f"run failed: {type(exc).__name__}: {exc}", notes[-1]]


def _show_short(shell: Any, etype: type, value: BaseException, tb: Any,
                tb_offset: int | None = None) -> None:
    lines = short_error(value)
    if lines is not None:  # IPython shows an exception's own rendering when it has one
        value._render_traceback_ = lambda: lines  # type: ignore[attr-defined]
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)  # papermill prints it last


def _cell_starts(*_: Any) -> None:
    _at_line_start["terminal"] = False


def setup_kernel() -> None:
    """In a Jupyter kernel: show a failed run's error as `short_error` says (other errors keep
    IPython's traceback), and start terminal lines on a line of their own in each cell. Does
    nothing outside a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    shell.set_custom_exc((Exception,), _show_short)
    if _cell_starts not in shell.events.callbacks["pre_run_cell"]:
        shell.events.register("pre_run_cell", _cell_starts)


def setup_notebook() -> None:
    """Embed plotly.js in notebook outputs, keep library logs quiet, show tables whole (every
    row, column and cell: a reason or a Korean summary is not cut at 50 characters; the HTML
    report scrolls wide tables) and end a failed run with a short error (`setup_kernel`)."""
    import optuna
    import pandas as pd
    import plotly.io as pio

    pio.renderers.default = OFFLINE_RENDERER
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pd.set_option("display.max_rows", None)
    pd.set_option("display.max_columns", None)
    pd.set_option("display.max_colwidth", None)
    setup_kernel()


def kernel_manager_class() -> type:
    """A kernel manager that talks to its kernel over local IPC sockets instead of TCP: no
    port is opened, and the kernel has no "running over TCP without encryption" warning to
    print at every start (one the user cannot act on)."""
    import tempfile
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        transport = "ipc"

        @default("ip")
        def _socket_prefix(self) -> str:  # the sockets' files: in the temp folder, not the cwd
            return os.path.join(tempfile.gettempdir(), f"workbench-kernel-{uuid.uuid4().hex[:12]}")

    return IPCKernelManager
