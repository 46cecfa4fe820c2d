"""The test services (PostgreSQL, MariaDB, Redis), fresh databases on them, and a test worker.

A service's URL can be overridden with WORKBENCH_TEST_POSTGRESQL, WORKBENCH_TEST_MYSQL or
WORKBENCH_TEST_REDIS. An unreachable service skips its tests with a message naming it, or fails
them when WORKBENCH_REQUIRE_SERVICES=1 (CI sets it).
"""

from __future__ import annotations

import functools
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import optuna
import pytest

from workbench import storage

SERVICES = {
    "postgresql": ("WORKBENCH_TEST_POSTGRESQL", "postgresql://postgres@127.0.0.1:5432/test"),
    "mysql": ("WORKBENCH_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test"),
    "redis": ("WORKBENCH_TEST_REDIS", "redis://127.0.0.1:6379/0"),
}
REQUIRE = "WORKBENCH_REQUIRE_SERVICES"


def service_url(name: str) -> str:
    """The URL of a test service (its database is the server's `test` one)."""
    variable, default = SERVICES[name]
    return storage.resolve_url(os.environ.get(variable) or default, "unused")


@functools.cache
def _problem(name: str) -> str | None:
    """Why a service cannot be used, or None when it answers."""
    url = service_url(name)
    try:
        if name == "redis":
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        else:
            engine = _server_engine(url)
            try:
                with engine.connect():
                    pass
            finally:
                engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    return None


def require(name: str) -> str:
    """The service's URL; skips the test when it is unreachable (fails under REQUIRE=1)."""
    problem = _problem(name)
    if problem is not None:
        message = f"{name} service unreachable at {storage.mask(service_url(name))}: {problem}"
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{message} ({REQUIRE}=1)")
        pytest.skip(message)
    return service_url(name)


def _server_engine(url: str) -> Any:
    """An autocommit engine on the server's default database (for CREATE/DROP)."""
    import sqlalchemy

    parsed = sqlalchemy.engine.make_url(url)
    default = "postgres" if parsed.get_backend_name() == "postgresql" else None
    server = sqlalchemy.engine.URL.create(parsed.drivername, parsed.username, parsed.password,
                                          parsed.host, parsed.port, default, parsed.query)
    return sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT",
                                    connect_args={"connect_timeout": 3})


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database."""
    import sqlalchemy

    return sqlalchemy.engine.make_url(url).set(database=name).render_as_string(
        hide_password=False)


def with_password(url: str, password: str) -> str:
    """The URL with `password` (written as is, e.g. a ${VAR} reference) after its user."""
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user.split(':', 1)[0]}:{password}@{host}"


def with_user(url: str, user: str, password: str | None = None) -> str:
    """The URL with another user (and password, written as is)."""
    scheme, rest = url.split("://", 1)
    host = rest.split("@", 1)[-1]
    return f"{scheme}://{user}{'' if password is None else ':' + password}@{host}"


def sql(url: str, *statements: str | tuple[str, dict[str, Any]]) -> None:
    """Run statements (text, or text and bound values) on the server of `url`, autocommitted."""
    import sqlalchemy

    engine = _server_engine(url)
    try:
        with engine.connect() as conn:
            for statement in statements:
                text, values = statement if isinstance(statement, tuple) else (statement, {})
                conn.execute(sqlalchemy.text(text), values)
    finally:
        engine.dispose()


def drop_database(url: str) -> None:
    """Drop the database the URL names, closing any connection left to it."""
    import sqlalchemy

    parsed = sqlalchemy.engine.make_url(url)
    name = f"`{parsed.database}`" if parsed.get_backend_name() == "mysql" else \
        f'"{parsed.database}"'
    force = " WITH (FORCE)" if parsed.get_backend_name() == "postgresql" else ""
    sql(url, f"DROP DATABASE IF EXISTS {name}{force}")


@contextmanager
def fresh_database(service: str) -> Iterator[str]:
    """A uniquely named database on the service, created with ensure_database and dropped after."""
    url = with_database(require(service), f"wb_test_{uuid.uuid4().hex[:12]}")
    storage.ensure_database(url)
    try:
        yield url
    finally:
        drop_database(url)


@contextmanager
def fresh_redis_prefix() -> Iterator[str]:
    """A Redis storage URL with a unique key prefix; its keys are deleted after."""
    import redis

    url = require("redis")
    prefix = f"wb-test-{uuid.uuid4().hex[:12]}:"
    try:
        yield f"{url}?prefix={prefix}"
    finally:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def read_runs(path: str | os.PathLike[str]) -> list[tuple[int, int]]:
    """(trial number, worker pid) for every objective call a test worker logged."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [(int(n), int(pid)) for n, pid in (line.split() for line in f if line.strip())]


def work(url: str, study_name: str, runs_log: str, *, sleep_s: float = 0.0,
         hang_file: str | None = None, heartbeat_interval: int = 60,
         grace_period: int | None = None, barrier: Any = None) -> None:
    """A worker process: run the study's queued trials of a cheap objective.

    Every objective call appends "<trial number> <pid>" to `runs_log`. With `hang_file`, the
    first trial writes its number there and sleeps (for a test to kill the worker mid-trial).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    worker = storage.open_storage(url, heartbeat_interval=heartbeat_interval,
                                  grace_period=grace_period, queue_only=True)
    if barrier is not None:
        barrier.wait(timeout=120)

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -10, 10)
        with open(runs_log, "a", encoding="utf-8") as f:
            f.write(f"{trial.number} {os.getpid()}\n")
        if hang_file is not None:
            with open(hang_file + ".tmp", "w", encoding="utf-8") as f:
                f.write(str(trial.number))
            os.replace(hang_file + ".tmp", hang_file)
            time.sleep(600)
        time.sleep(sleep_s)
        return x * x

    storage.run_worker(worker, study_name, objective,
                       sampler=optuna.samplers.RandomSampler(seed=os.getpid()))
