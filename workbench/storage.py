"""Study storages: SQLite, PostgreSQL, MySQL/MariaDB, a journal file or Redis, from one URL.

A storage URL comes from a parameter or `WORKBENCH_STORAGE`. Credentials can stay out of it:
`${VAR}` references and `WORKBENCH_STORAGE_PASSWORD` are filled in only when the storage is
opened, so the URL itself is safe to write into an executed notebook, and `mask` hides any
password that is in it. RDB storages run heartbeats, so a trial whose worker died is failed
and retried. Workers share one trial budget through the study's queue: the budget is enqueued
once (a run's own trials by `workbench.study.lifecycle.claim`; a whole study's by `top_up`), and
each `run_worker` runs queued trials until none is left.
"""

from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import optuna
import sqlalchemy
from optuna.storages import JournalStorage, RDBStorage
from optuna.trial import FrozenTrial, TrialState

from workbench import paths

ENV_URL = "WORKBENCH_STORAGE"
ENV_PASSWORD = "WORKBENCH_STORAGE_PASSWORD"
SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg2", "postgresql+psycopg", "mysql",
           "mysql+pymysql", "journal", "redis", "rediss")
SCHEME_FORMS = ("sqlite:///PATH", "postgresql[+psycopg2|+psycopg]://USER@HOST:PORT/DB",
                "mysql[+pymysql]://USER@HOST:PORT/DB", "journal:///PATH",
                "redis://HOST:PORT/DB[?prefix=NAME]")
# Bare schemes get the drivers of the `db` extra (SQLAlchemy 2.1's own default is psycopg 3).
_DRIVERS = {"postgresql": "postgresql+psycopg2", "mysql": "mysql+pymysql"}
_DRIVER_MODULES = {"postgresql+psycopg2": "psycopg2", "postgresql+psycopg": "psycopg",
                   "mysql+pymysql": "pymysql", "redis": "redis", "rediss": "redis"}
CONNECT_TIMEOUT_S = 10
IDLE_POLL_S = 1.0  # how often a worker with an empty queue looks for others' retried trials
DB_EXTRA = "pip install 'summarization-workbench[db]'"
_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL_RE = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)\Z", re.S)
# Userinfo as SQLAlchemy reads it: the user stops at ':' or '/', the password at the first '@'.
_USERINFO_RE = re.compile(r"(?P<user>[^:/@]*)(?::(?P<password>[^@]*))?@(?P<rest>.*)\Z", re.S)
_SECRET_KEYS = {"password", "passwd", "pwd"}


class StorageError(RuntimeError):
    """A storage that cannot be used; the message names it with any password masked."""

    def __init__(self, message: str, storage: str = ""):
        super().__init__(message)
        self.storage = storage


class QueueEmpty(RuntimeError):
    """A queue-only storage was asked for a trial outside the study's queue: the budget is spent."""


@dataclass(frozen=True, repr=False)
class _Url:
    """A storage URL in pieces; `password` is None when the URL has none."""

    scheme: str
    user: str | None
    password: str | None
    rest: str  # host, port, path and query, as written
    ambiguous: bool = False  # an unencoded '@' in the password

    def text(self) -> str:
        userinfo = ""
        if self.user is not None:
            userinfo = self.user + ("" if self.password is None else f":{self.password}") + "@"
        return f"{self.scheme}://{userinfo}{self.rest}"

    def __repr__(self) -> str:  # tracebacks that show locals must not show the password
        return f"_Url({mask(self.text())!r})"


def _split(url: str) -> _Url | None:
    """The pieces of a `scheme://…` URL, or None when it is not one."""
    m = _URL_RE.match(url)
    if m is None:
        return None
    scheme, rest = m["scheme"].lower(), m["rest"]
    user = password = None
    ambiguous = False
    u = None if rest.startswith("/") else _USERINFO_RE.match(rest)
    if u is not None:
        user, password, rest = u["user"], u["password"], u["rest"]
        # A second '@' before the path means the password had one: mask up to the last.
        while "@" in re.split(r"[/?#]", rest, maxsplit=1)[0]:
            head, rest = rest.split("@", 1)
            password = f"{password or ''}@{head}"
            ambiguous = True
    return _Url(scheme, user, password, rest, ambiguous)


def _only_references(value: str) -> bool:
    """Whether a value is made only of `${VAR}` references (not a secret itself)."""
    return bool(value) and not _VAR_RE.sub("", value)


def _mask_query(rest: str) -> str:
    """Query parameters that carry a password, masked."""
    if "?" not in rest:
        return rest
    base, query = rest.split("?", 1)
    pairs = []
    for pair in query.split("&"):
        key, sep, value = pair.partition("=")
        if sep and key.lower() in _SECRET_KEYS and value and not _only_references(value):
            value = "***"
        pairs.append(f"{key}{sep}{value}")
    return f"{base}?{'&'.join(pairs)}"


def mask(url: str) -> str:
    """The URL with its password replaced by *** (`${VAR}` references are kept: not secrets)."""
    parts = _split(url)
    if parts is None:
        return f"***@{url.rsplit('@', 1)[1]}" if "@" in url else url
    password = parts.password
    if password and not _only_references(password):
        password = "***"
    return replace(parts, password=password, rest=_mask_query(parts.rest)).text()


def shown(url: str) -> str:
    """The URL as a record keeps it: password masked, and a SQLite or journal file inside the
    project given from the project root (`open_storage` reads relative paths from there), so a
    shared record holds no machine path."""
    masked = mask(url)
    parts = _split(masked)
    if parts is None or parts.scheme not in ("sqlite", "journal"):
        return masked
    path, sep, query = parts.rest.partition("?")
    file = path[1:] if parts.scheme == "sqlite" else path  # sqlite:///REL, sqlite:////ABS
    if not file.startswith("/") or paths.shown(file) == file:
        return masked
    lead = "/" if parts.scheme == "sqlite" else ""
    return replace(parts, rest=f"{lead}{paths.shown(file)}{sep}{query}").text()


def externalize(url: str, env: str = ENV_PASSWORD) -> tuple[str, dict[str, str]]:
    """A URL without its literal password, plus the environment that carries it instead.

    papermill writes parameters into the executed notebook; passing the URL this way keeps
    the password out of every record while `open_storage` still finds it.
    """
    parts = _split(url)
    if parts is None or not parts.password or _only_references(parts.password):
        return url, {}
    password = unquote(parts.password) if not parts.ambiguous else parts.password
    return replace(parts, password=f"${{{env}}}").text(), {env: password}


def _checked(url: str) -> _Url:
    """The URL's pieces with a known scheme; bare postgresql and mysql get the extra's drivers."""
    parts = _split(url)
    if parts is None or parts.scheme not in SCHEMES:
        raise StorageError(f"storage {mask(url)}: unknown URL scheme; use one of: "
                           f"{', '.join(SCHEME_FORMS)}", mask(url))
    return replace(parts, scheme=_DRIVERS.get(parts.scheme, parts.scheme))


def resolve_url(url: str | None, default_sqlite_path: str | Path) -> str:
    """The storage URL: the parameter, else $WORKBENCH_STORAGE, else SQLite at the default path.

    Credentials from the environment are not filled in here, so the result can be recorded
    (masked); `open_storage` fills them in.
    """
    chosen = url or os.environ.get(ENV_URL) or f"sqlite:///{Path(default_sqlite_path)}"
    return _checked(chosen).text()


def check_usable(url: str) -> None:
    """Refuse, before a run starts, a storage it could not write: an unknown scheme, a driver
    that is not installed, a `${VAR}` that is not set, or a SQLite / journal file (or the folder
    it would go in) that is read-only. Nothing is created, opened or connected to."""
    import importlib.util

    parts, _ = _filled(url)
    module = _DRIVER_MODULES.get(parts.scheme)
    if module is not None and importlib.util.find_spec(module) is None:
        raise StorageError(f"storage {mask(url)}: its driver {module} is not installed; install "
                           f"the database extra: {DB_EXTRA}", mask(url))
    if parts.scheme not in ("sqlite", "journal"):
        return
    path = parts.rest.split("?", 1)[0]
    if parts.scheme == "sqlite":
        if path in ("", "/", "/:memory:"):
            return
        path = path[1:]
    file = _local_path(path)
    folder = file.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    shown_file = paths.shown(file)
    if file.exists() and not os.access(file, os.W_OK):
        raise StorageError(
            f"storage {shown(url)}: {shown_file} is read-only, and a run writes its trials "
            "there: make it writable (chmod u+w), or copy it somewhere writable and pass that "
            "copy as --storage (reading it needs no write: analyze, the dashboard)", mask(url))
    if not os.access(folder, os.W_OK | os.X_OK):
        why = ("its folder, where a run writes lock and journal files beside it," if
               file.exists() else "the folder it would be created in,")
        raise StorageError(
            f"storage {shown(url)}: {why} {paths.shown(folder)}, is read-only: make it "
            "writable, or pass --storage with a file in a writable folder", mask(url))


def _expand(text: str, encode: bool) -> str:
    """`${VAR}` references replaced by the environment's values (URL-encoded when `encode`)."""
    return _VAR_RE.sub(
        lambda m: quote(os.environ[m[1]], safe="") if encode else os.environ[m[1]], text)


def _filled(url: str) -> tuple[_Url, list[str]]:
    """The URL with its credentials from the environment, and the secrets it now holds."""
    parts = _checked(url)
    missing = [name for name in dict.fromkeys(_VAR_RE.findall(url)) if name not in os.environ]
    if missing:
        raise StorageError(f"storage {mask(url)}: environment variable {', '.join(missing)} "
                           f"is not set (the URL refers to it as ${{{missing[0]}}})", mask(url))
    if parts.ambiguous:
        raise StorageError(f"storage {mask(url)}: the password contains '@'; percent-encode it "
                           f"(%40) or pass it in {ENV_PASSWORD} or a ${{VAR}}", mask(url))
    password = parts.password
    if password:
        password = _expand(password, encode=True)
    elif parts.user and os.environ.get(ENV_PASSWORD):
        password = quote(os.environ[ENV_PASSWORD], safe="")
    user = None if parts.user is None else _expand(parts.user, encode=True)
    rest = _expand(parts.rest, encode=False)
    secrets = [s for s in (password, unquote(password or "")) if s]
    for pair in rest.partition("?")[2].split("&"):
        key, _, value = pair.partition("=")
        if key.lower() in _SECRET_KEYS and value:
            secrets += [value, unquote(value)]
    return replace(parts, user=user, password=password, rest=rest), secrets


def _scrub(text: str, secrets: Iterable[str]) -> str:
    """Text with every secret replaced by ***, on one line, kept short."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return " ".join(text.split())[:400]


def _explain(exc: BaseException, scheme: str, secrets: Sequence[str]) -> str:
    """What went wrong opening a storage and what to check, without any secret."""
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    if any(isinstance(e, ImportError) for e in chain):
        name = _DRIVER_MODULES.get(scheme, "its database driver")
        return f"{name} is not installed; install the database extra: {DB_EXTRA}"
    detail = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    reason = _scrub(f"{type(detail).__name__}: {detail}", secrets).rstrip(". ")
    if scheme == "sqlite" and ("not a database" in reason or "malformed" in reason):
        return (f"{reason}; the file is not a SQLite database (corrupt, or another kind of "
                "file): point the storage at the study's database, or move this file aside")
    if scheme in ("sqlite", "journal"):
        return f"{reason}; check that the file's folder exists and is writable"
    check = (f"{reason}; check that the server is running and reachable from this machine and "
             f"the user and password ({ENV_PASSWORD} or a ${{VAR}} in the URL)")
    if scheme.startswith(("postgresql", "mysql")):
        check += ", and that the database exists (storage.ensure_database creates it)"
    return check


def _local_path(rest: str) -> Path:
    """A sqlite or journal file path from the URL; relative paths are from the project root."""
    return paths.project_path(unquote(rest.split("?", 1)[0]))


def _engine_kwargs(parts: _Url) -> dict[str, Any]:
    """SQLAlchemy engine options: drop dead pooled connections, fail fast on unreachable hosts."""
    if parts.scheme == "sqlite":
        return {"connect_args": {"timeout": 30}}  # wait for a busy database, don't fail a trial
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": 3600}
    if "connect_timeout=" not in parts.rest:
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    return kwargs


def _rdb_url(parts: _Url) -> str:
    """The SQLAlchemy URL for RDBStorage (which `str.format`s it: braces are escaped)."""
    if parts.scheme == "sqlite":
        path = parts.rest.split("?", 1)[0]
        if path not in ("", "/", "/:memory:"):
            file = _local_path(path[1:])
            file.parent.mkdir(parents=True, exist_ok=True)
            parts = replace(parts, rest="/" + str(file) + parts.rest[len(path):])
    return parts.text().replace("{", "{{").replace("}", "}}")


def _lock_on_begin(engine: Any) -> None:
    """Make every SQLite transaction take the write lock when it begins (`BEGIN IMMEDIATE`).

    Optuna takes a queued trial by reading its state and then setting it to RUNNING, relying on
    `SELECT ... FOR UPDATE`, which SQLite ignores; and Python's sqlite3 only begins a transaction
    at the first write. Two processes (or threads) on one SQLite study could then both take the
    same trial and train it twice. Beginning each transaction with the write lock makes that
    read-then-write atomic; other connections wait (the `timeout` above) rather than fail.
    The recipe is SQLAlchemy's for pysqlite's transaction handling.
    """
    @sqlalchemy.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver emits no BEGIN of its own

    @sqlalchemy.event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    engine.dispose()  # connections opened while the storage set itself up lack the listeners


QUEUED_BY = "queued_by"  # trial attribute: the run whose budget a queued trial belongs to


class _QueueOnly:
    """Refuses fresh trials, so a worker runs only trials taken from the study's queue; with an
    `owner` (a run id), only the trials queued for that run (`queued_by`)."""

    owner: str | None = None

    def set_trial_state_values(self, trial_id: int, state: TrialState,
                               values: Sequence[float] | None = None) -> bool:
        if state == TrialState.RUNNING and self.owner is not None:
            trial = self.get_trial(trial_id)  # type: ignore[attr-defined]
            if trial.state == TrialState.WAITING and \
                    trial.user_attrs.get(QUEUED_BY) != self.owner:
                return False  # another run's trial: Optuna tries the next queued one
        return super().set_trial_state_values(trial_id, state, values)  # type: ignore[misc]

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        if template_trial is None:
            raise QueueEmpty("the study's trial queue is empty: its trial budget is spent")
        return super().create_new_trial(study_id, template_trial)  # type: ignore[misc]

    # Optuna's _CachedStorage (which wraps every RDBStorage) calls this one directly.
    def _create_new_trial(self, study_id: int,
                          template_trial: FrozenTrial | None = None) -> FrozenTrial:
        if template_trial is None:
            raise QueueEmpty("the study's trial queue is empty: its trial budget is spent")
        return super()._create_new_trial(study_id, template_trial)  # type: ignore[misc]


class _QueueOnlyRDBStorage(_QueueOnly, RDBStorage):
    """An RDBStorage that only runs queued trials."""


class _QueueOnlyJournalStorage(_QueueOnly, JournalStorage):
    """A JournalStorage that only runs queued trials."""


def _build(parts: _Url, heartbeat_interval: int, grace_period: int | None, max_retry: int,
           queue_only: bool) -> optuna.storages.BaseStorage:
    """The Optuna storage object for a filled-in URL."""
    if parts.scheme == "journal":
        file = _local_path(parts.rest)
        file.parent.mkdir(parents=True, exist_ok=True)
        backend: Any = optuna.storages.journal.JournalFileBackend(str(file))
    elif parts.scheme in ("redis", "rediss"):
        base, _, query = parts.rest.partition("?")
        pairs = [p for p in query.split("&") if p]
        prefix = next((unquote(p[7:]) for p in pairs if p.startswith("prefix=")), "")
        pairs = [p for p in pairs if not p.startswith("prefix=")]
        if not any(p.startswith("socket_connect_timeout=") for p in pairs):
            pairs.append(f"socket_connect_timeout={CONNECT_TIMEOUT_S}")
        url = replace(parts, rest=f"{base}?{'&'.join(pairs)}").text()
        with warnings.catch_warnings():  # "experimental" since Optuna 3.1
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            backend = optuna.storages.journal.JournalRedisBackend(url, prefix=prefix)
    else:
        cls = _QueueOnlyRDBStorage if queue_only else RDBStorage
        with warnings.catch_warnings():  # heartbeats and the retry callback are "experimental"
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            rdb = cls(
                _rdb_url(parts), engine_kwargs=_engine_kwargs(parts),
                heartbeat_interval=heartbeat_interval, grace_period=grace_period,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                    max_retry=max_retry),
            )
        if parts.scheme == "sqlite":
            _lock_on_begin(rdb.engine)
        return rdb
    return (_QueueOnlyJournalStorage if queue_only else JournalStorage)(backend)


def open_storage(url: str, heartbeat_interval: int = 60, grace_period: int | None = None,
                 max_retry: int = 1, *, queue_only: bool = False,
                 owner: str | None = None) -> optuna.storages.BaseStorage:
    """The Optuna storage for a URL, checked to be reachable; raises one masked StorageError.

    RDB storages (sqlite, postgresql, mysql) record a heartbeat every `heartbeat_interval`
    seconds; a running trial silent for `grace_period` (default: twice the interval) is failed
    by the next worker and re-enqueued up to `max_retry` times (RetryHeartbeatStaleTrialCallback).
    Journal storages (journal file, redis) have no heartbeats in Optuna 5.0: a trial whose
    worker died stays RUNNING. `queue_only` storages refuse trials outside the study's queue,
    which is how `run_worker` stops at the budget; with an `owner` (a run id) they take only
    the trials queued for that run. Relative file paths are from the project root.
    """
    storage, problem = _open(url, heartbeat_interval, grace_period, max_retry, queue_only)
    if storage is None:  # raised here, where no local holds a secret or the driver's error
        raise StorageError(f"cannot open storage {mask(url)}: {problem}", mask(url))
    if isinstance(storage, _QueueOnly):
        storage.owner = owner
    return storage


def _open(url: str, heartbeat_interval: int, grace_period: int | None, max_retry: int,
          queue_only: bool) -> tuple[optuna.storages.BaseStorage | None, str]:
    """The storage, or None and what went wrong (the driver's error may carry the URL)."""
    parts, secrets = _filled(url)
    try:
        storage = _build(parts, heartbeat_interval, grace_period, max_retry, queue_only)
        storage.get_all_studies()
    except Exception as exc:
        return None, _explain(exc, parts.scheme, secrets)
    return storage, ""


def ensure_database(url: str) -> None:
    """Create the PostgreSQL or MySQL/MariaDB database the URL names if it is missing.

    It connects to the server's default database (`postgres`, or none for MySQL); other
    schemes need no database and are left alone.
    """
    problem = _create_database(url)
    if problem:  # raised here, where no local holds a secret or the driver's error
        raise StorageError(f"cannot create the database of storage {mask(url)}: {problem}",
                           mask(url))


def _create_database(url: str) -> str:
    """Create the URL's database if missing; what went wrong, or "" when it exists now."""
    import sqlalchemy

    parts, secrets = _filled(url)
    postgres = parts.scheme.startswith("postgresql")
    if not postgres and not parts.scheme.startswith("mysql"):
        return ""
    try:
        target = sqlalchemy.engine.make_url(parts.text())
        if not target.database:
            return "the URL names no database"
        server = sqlalchemy.engine.URL.create(
            target.drivername, target.username, target.password, target.host, target.port,
            "postgres" if postgres else None, target.query)
        engine = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT",
                                          **_engine_kwargs(parts))
        try:
            quoted = engine.dialect.identifier_preparer.quote_identifier(target.database)
            with engine.connect() as conn:
                if not postgres:
                    conn.execute(sqlalchemy.text(
                        f"CREATE DATABASE IF NOT EXISTS {quoted} CHARACTER SET utf8mb4"))
                elif conn.execute(sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).scalar() is None:
                    conn.execute(sqlalchemy.text(f"CREATE DATABASE {quoted}"))
        finally:
            engine.dispose()
    except Exception as exc:
        return _explain(exc, parts.scheme, secrets)
    return ""


def _retried(trials: Iterable[FrozenTrial]) -> set[int]:
    """Numbers of trials that failed stale and were re-enqueued (their retry counts instead)."""
    return {n for t in trials for n in t.system_attrs.get("retry_history", [])}


def counted(study: optuna.Study) -> int:
    """How many trials count against the study's budget (a retried trial's retry counts)."""
    trials = study.get_trials(deepcopy=False)
    retried = _retried(trials)
    return sum(t.number not in retried for t in trials)


def top_up(study: optuna.Study, n_trials: int) -> int:
    """Enqueue empty trials until the study holds `n_trials` (its total budget); returns how many.

    Every trial counts, whatever its state, except one that was retried (its retry counts).
    Call it once, before starting workers: two callers at the same moment could both top up.
    """
    missing = max(0, n_trials - counted(study))
    for _ in range(missing):
        study.enqueue_trial({})
    return missing


def run_worker(storage: optuna.storages.BaseStorage, study_name: str,
               objective: Callable[[optuna.Trial], float], *,
               sampler: optuna.samplers.BaseSampler | None = None,
               pruner: optuna.pruners.BasePruner | None = None,
               callbacks: Sequence[Callable[[optuna.Study, FrozenTrial], None]] = (),
               catch: tuple[type[Exception], ...] = (Exception,),
               gc_after_trial: bool = False, timeout: float | None = None) -> list[int]:
    """Run the study's queued trials until none is left; returns the trial numbers it ran.

    `storage` must come from `open_storage(url, queue_only=True)`. While other workers still
    run trials, a worker with heartbeats waits, so a trial whose worker died comes back as a
    retry and is run here. It also stops after `timeout` seconds or on `study.stop()`.
    """
    if not isinstance(storage, _QueueOnly):
        raise TypeError("run_worker needs a storage opened with open_storage(url, queue_only=True)")
    study = optuna.load_study(study_name=study_name, storage=storage, sampler=sampler,
                              pruner=pruner)
    ran: list[int] = []

    def note(_: optuna.Study, trial: FrozenTrial) -> None:
        ran.append(trial.number)

    beats = isinstance(storage, RDBStorage) and storage.get_heartbeat_interval() is not None
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return ran
        try:
            study.optimize(objective, timeout=left, callbacks=[*callbacks, note], catch=catch,
                           gc_after_trial=gc_after_trial)
            return ran  # the timeout, or a callback's study.stop()
        except QueueEmpty:
            pass
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        if storage.owner is not None:  # only this run's trials can come back as its retries
            running = [t for t in running if t.user_attrs.get(QUEUED_BY) == storage.owner]
        if not beats or not running:
            return ran
        time.sleep(IDLE_POLL_S)
