"""Study storages: URLs and masking, resuming on every backend, workers sharing one budget,
a killed worker's trial retried, and bad storages failing with one masked error.

The PostgreSQL, MariaDB and Redis tests use the services in tests/services.py: each test gets
its own database or key prefix and drops it after.
"""

import logging
import multiprocessing
import os
import signal
import sys
import time
import traceback
import uuid
from urllib.parse import quote

import optuna
import pytest
import services
from optuna.trial import TrialState

from workbench import storage

SECRET = "Zq7-s3cr3t"
SPECIAL = "p@ss:w/rd%?x{y}"  # every character a URL or str.format could trip on
SPAWN = multiprocessing.get_context("spawn")


def square(trial: optuna.Trial) -> float:
    return trial.suggest_float("x", -10, 10) ** 2


def assert_secret_free(exc: BaseException, secret: str, *more: str) -> None:
    """No trace of the secret in the error, its traceback, its cause or extra texts (logs)."""
    assert exc.__cause__ is None and exc.__context__ is None
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc)), *more]
    for text in texts:
        assert secret not in text and quote(secret, safe="") not in text


def with_locals(exc: BaseException) -> str:
    """The traceback as a verbose one (IPython's Verbose mode, pytest -l) shows it."""
    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


def raised(url: str, **kwargs) -> storage.StorageError:
    with pytest.raises(storage.StorageError) as info:
        storage.open_storage(url, **kwargs)
    return info.value


# --- URLs, masking and errors that need no service -------------------------------------------

@pytest.mark.parametrize("url, shown", [
    ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
    ("postgresql://u:${PGPASS}@h:5432/db", "postgresql://u:${PGPASS}@h:5432/db"),
    ("mysql+pymysql://u:p%40ss@h:3306/db", "mysql+pymysql://u:***@h:3306/db"),
    ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),  # unencoded '@' in the password
    ("redis://:secret@h:6379/0", "redis://:***@h:6379/0"),
    ("postgresql://h/db?user=u&password=secret", "postgresql://h/db?user=u&password=***"),
    ("postgresql://u@h/db", "postgresql://u@h/db"),
    ("sqlite:////tmp/a@b/optuna.db", "sqlite:////tmp/a@b/optuna.db"),
    ("journal:///srv/nfs/study.log", "journal:///srv/nfs/study.log"),
    ("u:secret@h", "***@h"),
])
def test_mask_hides_passwords_and_keeps_references(url, shown):
    assert storage.mask(url) == shown


def test_resolve_url_takes_parameter_then_environment_then_sqlite(monkeypatch, tmp_path):
    monkeypatch.setenv(storage.ENV_URL, "journal:///srv/env.log")
    assert storage.resolve_url("journal:///srv/param.log", tmp_path / "x.db") == \
        "journal:///srv/param.log"
    assert storage.resolve_url(None, tmp_path / "x.db") == "journal:///srv/env.log"
    monkeypatch.delenv(storage.ENV_URL)
    assert storage.resolve_url(None, tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"


def test_resolve_url_maps_bare_schemes_and_leaves_credentials_out(monkeypatch):
    monkeypatch.setenv(storage.ENV_PASSWORD, SECRET)
    monkeypatch.setenv("PGPASS", SECRET)
    assert storage.resolve_url("mysql://u@h/db", "x") == "mysql+pymysql://u@h/db"
    assert storage.resolve_url("postgresql://u:${PGPASS}@h/db", "x") == \
        "postgresql+psycopg2://u:${PGPASS}@h/db"


@pytest.mark.parametrize("url", [f"mongodb://u:{SECRET}@h/db", "optuna.db",
                                 f"postgres://u:{SECRET}@h/db"],
                         ids=["mongodb", "path", "postgres"])
def test_unknown_scheme_is_one_masked_error(url, monkeypatch):
    monkeypatch.delenv(storage.ENV_URL, raising=False)
    for call in (lambda: storage.resolve_url(url, "x"), lambda: storage.open_storage(url)):
        with pytest.raises(storage.StorageError) as info:
            call()
        assert "unknown URL scheme" in str(info.value) and "journal:///PATH" in str(info.value)
        assert storage.mask(url) in str(info.value)
        assert_secret_free(info.value, SECRET)


@pytest.mark.parametrize("url", [
    f"postgresql://postgres:{SECRET}@127.0.0.1:1/test",
    f"mysql://root:{SECRET}@127.0.0.1:1/test",
    f"redis://:{SECRET}@127.0.0.1:1/0",
], ids=["postgresql", "mysql", "redis"])
def test_unreachable_server_is_one_masked_error(url, caplog):
    caplog.set_level(logging.DEBUG)
    exc = raised(url)
    assert str(exc).startswith(f"cannot open storage {storage.mask(url)}: ")
    assert "refused" in str(exc) and "check that the server is running" in str(exc)
    assert exc.storage == storage.mask(url)
    assert_secret_free(exc, SECRET, caplog.text)


def test_missing_driver_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    exc = raised(f"postgresql://u:{SECRET}@127.0.0.1:1/db")
    assert "psycopg2 is not installed" in str(exc) and "[db]" in str(exc)
    assert_secret_free(exc, SECRET)


def test_unset_variable_and_unencoded_at_are_masked_errors(monkeypatch):
    monkeypatch.delenv("WB_UNSET", raising=False)
    exc = raised("postgresql://u:${WB_UNSET}@h/db")
    assert "environment variable WB_UNSET is not set" in str(exc)
    exc = raised("postgresql://u:p@ss@h/db")
    assert "percent-encode" in str(exc) and "postgresql://u:***@h/db" in str(exc)
    assert_secret_free(exc, "p@ss")
    assert "ss@h" not in str(exc)


def test_sqlite_gets_heartbeats_retries_and_its_folder(tmp_path):
    opened = storage.open_storage(f"sqlite:///{tmp_path}/sub/optuna.db", heartbeat_interval=5)
    assert isinstance(opened, optuna.storages.RDBStorage)
    assert opened.get_heartbeat_interval() == 5
    assert isinstance(opened.get_heartbeat_stale_trial_callback(),
                      optuna.storages.RetryHeartbeatStaleTrialCallback)
    assert (tmp_path / "sub" / "optuna.db").is_file()


def test_a_queued_trial_is_taken_by_one_sqlite_connection_only(tmp_path):
    """SQLite ignores SELECT ... FOR UPDATE: four connections taking one queued trial at once
    must leave it to one of them (without the guard, two or three succeeded in about half the
    rounds, and the trial trained twice)."""
    import threading

    url = f"sqlite:///{tmp_path}/optuna.db"
    opened = [storage.open_storage(url) for _ in range(4)]
    for round_ in range(10):
        study = optuna.create_study(study_name=f"s{round_}", storage=opened[0])
        study.enqueue_trial({"x": 1.0})
        trial_id = study.trials[0]._trial_id
        taken: list[int] = []
        start = threading.Barrier(len(opened))

        def take(each: optuna.storages.BaseStorage, trial_id: int, taken: list[int],
                 start: threading.Barrier) -> None:
            start.wait()
            if each.set_trial_state_values(trial_id, TrialState.RUNNING):
                taken.append(trial_id)

        threads = [threading.Thread(target=take, args=(each, trial_id, taken, start))
                   for each in opened]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(taken) == 1, f"round {round_}: the trial was taken {len(taken)} times"


def test_run_worker_refuses_a_storage_that_could_overrun_the_budget(tmp_path):
    url = f"sqlite:///{tmp_path}/optuna.db"
    optuna.create_study(study_name="s", storage=storage.open_storage(url))
    with pytest.raises(TypeError, match="queue_only=True"):
        storage.run_worker(storage.open_storage(url), "s", square)


def test_run_worker_stops_at_its_timeout_and_leaves_the_rest_queued(tmp_path):
    url = f"sqlite:///{tmp_path}/optuna.db"
    study = optuna.create_study(study_name="s", storage=storage.open_storage(url))
    storage.top_up(study, 50)

    def slow(trial):
        time.sleep(0.1)
        return square(trial)

    ran = storage.run_worker(storage.open_storage(url, queue_only=True), "s", slow, timeout=0.5)
    assert 1 <= len(ran) < 50
    assert len(study.get_trials(states=(TrialState.WAITING,))) == 50 - len(ran)


# --- every backend: create, run, reopen, resume ----------------------------------------------

@pytest.fixture
def postgresql_url():
    with services.fresh_database("postgresql") as url:
        yield url


@pytest.fixture
def mysql_url():
    with services.fresh_database("mysql") as url:
        yield url


@pytest.fixture
def redis_url():
    with services.fresh_redis_prefix() as url:
        yield url


@pytest.fixture
def journal_url(tmp_path):
    return f"journal://{tmp_path}/study.log"


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path}/optuna.db"


@pytest.fixture
def url(request):
    """The storage URL of the backend named by the test's parameter."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.mark.parametrize("url", ["sqlite", "postgresql", "mysql", "journal", "redis"],
                         indirect=True)
def test_a_reopened_study_resumes_without_rerunning_completed_trials(url):
    study = optuna.create_study(study_name="resume", storage=storage.open_storage(url))
    assert storage.top_up(study, 3) == 3
    calls = []

    def objective(trial):
        calls.append(trial.number)
        return square(trial)

    assert storage.run_worker(storage.open_storage(url, queue_only=True), "resume",
                              objective) == [0, 1, 2]
    before = {t.number: t.value for t in study.get_trials()}

    reopened = optuna.load_study(study_name="resume", storage=storage.open_storage(url))
    assert storage.top_up(reopened, 3) == 0
    assert storage.top_up(reopened, 5) == 2
    assert storage.run_worker(storage.open_storage(url, queue_only=True), "resume",
                              objective) == [3, 4]
    assert calls == [0, 1, 2, 3, 4]
    trials = reopened.get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 5
    assert {t.number: t.value for t in trials[:3]} == before


# --- worker processes sharing one budget -----------------------------------------------------

def start(target_kwargs: dict, url: str, study: str, runs: str) -> multiprocessing.Process:
    proc = SPAWN.Process(target=services.work, args=(url, study, runs), kwargs=target_kwargs)
    proc.start()
    return proc


def wait_for(condition, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def stop(procs) -> None:
    for proc in procs:
        if proc.is_alive():
            proc.kill()
        proc.join(10)


@pytest.mark.parametrize("workers", [2, 4])
@pytest.mark.parametrize("url", ["postgresql", "mysql", "journal"], indirect=True)
def test_worker_processes_run_exactly_the_budget(url, workers, tmp_path):
    budget = 12
    study = optuna.create_study(study_name="par", storage=storage.open_storage(url))
    storage.top_up(study, budget)
    runs = tmp_path / "runs.log"
    barrier = SPAWN.Barrier(workers)
    procs = [start({"sleep_s": 0.2, "barrier": barrier}, url, "par", str(runs))
             for _ in range(workers)]
    try:
        for proc in procs:
            proc.join(120)
        assert [proc.exitcode for proc in procs] == [0] * workers
    finally:
        stop(procs)
    trials = study.get_trials()
    assert [t.number for t in trials] == list(range(budget))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    ran = services.read_runs(runs)
    assert sorted(n for n, _ in ran) == list(range(budget))  # each trial ran exactly once
    assert {pid for _, pid in ran} == {proc.pid for proc in procs}  # every worker took part


@pytest.mark.parametrize("url", ["postgresql", "mysql"], indirect=True)
def test_a_worker_killed_mid_trial_has_its_trial_failed_and_retried(url, tmp_path):
    budget = 6
    study = optuna.create_study(study_name="fault", storage=storage.open_storage(url))
    storage.top_up(study, budget)
    runs, hang = tmp_path / "runs.log", tmp_path / "hang"
    beat = {"heartbeat_interval": 1, "grace_period": 2}
    victim = start({**beat, "hang_file": str(hang)}, url, "fault", str(runs))
    procs = [victim]
    try:
        wait_for(hang.exists, what="the victim to start a trial")
        healthy = start({**beat, "sleep_s": 0.1}, url, "fault", str(runs))
        procs.append(healthy)
        wait_for(lambda: study.get_trials(states=(TrialState.COMPLETE,)),
                 what="the healthy worker to complete a trial")
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(10)
        healthy.join(60)
        assert (victim.exitcode, healthy.exitcode) == (-signal.SIGKILL, 0)
    finally:
        stop(procs)

    killed = int(hang.read_text())
    trials = study.get_trials()
    assert [t.number for t in trials] == list(range(budget + 1))  # the budget plus one retry
    assert trials[killed].state == TrialState.FAIL
    retries = [t for t in trials if t.system_attrs.get("failed_trial") == killed]
    assert len(retries) == 1
    assert retries[0].state == TrialState.COMPLETE and retries[0].params == trials[killed].params
    assert sum(t.state == TrialState.COMPLETE for t in trials) == budget
    ran = services.read_runs(runs)
    assert sorted(n for n, _ in ran) == list(range(budget + 1))  # no trial ran twice
    assert [pid for n, pid in ran if n == killed] == [victim.pid]
    assert {pid for n, pid in ran if n != killed} == {healthy.pid}


# --- credentials from the environment --------------------------------------------------------

def test_variable_reference_in_a_postgresql_url_works_and_stays_masked(postgresql_url,
                                                                      monkeypatch):
    monkeypatch.setenv("WB_TEST_PGPASS", SECRET)
    url = services.with_password(postgresql_url, "${WB_TEST_PGPASS}")
    optuna.create_study(study_name="env", storage=storage.open_storage(url))
    assert optuna.get_all_study_names(storage.open_storage(url)) == ["env"]
    for shown in (storage.mask(url), storage.resolve_url(url, "x")):
        assert "${WB_TEST_PGPASS}" in shown and SECRET not in shown
    exc = raised("postgresql://postgres:${WB_TEST_PGPASS}@127.0.0.1:1/db")
    assert_secret_free(exc, SECRET, with_locals(exc))


@pytest.fixture
def mysql_user(mysql_url):
    """A MariaDB user with a password full of URL-special characters, granted the test database."""
    import sqlalchemy

    user = f"wb_{uuid.uuid4().hex[:10]}"
    database = sqlalchemy.engine.make_url(mysql_url).database
    hosts = ("localhost", "127.0.0.1", "%")
    for host in hosts:
        services.sql(mysql_url, (f"CREATE USER '{user}'@'{host}' IDENTIFIED BY :pw",
                                 {"pw": SPECIAL}),
                     f"GRANT ALL ON `{database}`.* TO '{user}'@'{host}'")
    try:
        yield user
    finally:
        services.sql(mysql_url, *[f"DROP USER IF EXISTS '{user}'@'{h}'" for h in hosts])


def test_mysql_password_from_the_environment_works_and_never_shows(mysql_url, mysql_user,
                                                                   monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    bare = services.with_user(mysql_url, mysql_user)
    monkeypatch.setenv(storage.ENV_PASSWORD, SPECIAL)
    optuna.create_study(study_name="a", storage=storage.open_storage(bare))
    monkeypatch.delenv(storage.ENV_PASSWORD)
    monkeypatch.setenv("WB_TEST_MYPASS", SPECIAL)
    referenced = services.with_user(mysql_url, mysql_user, "${WB_TEST_MYPASS}")
    assert optuna.get_all_study_names(storage.open_storage(referenced)) == ["a"]
    assert SPECIAL not in storage.mask(referenced)

    monkeypatch.setenv("WB_TEST_MYPASS", SECRET)
    exc = raised(referenced)
    assert "Access denied" in str(exc) and storage.mask(referenced) in str(exc)
    assert_secret_free(exc, SECRET, caplog.text, with_locals(exc))
    literal = services.with_user(mysql_url, mysql_user, SECRET)
    exc = raised(literal)
    assert f"{mysql_user}:***@" in str(exc)
    assert_secret_free(exc, SECRET, caplog.text)
    assert SPECIAL not in caplog.text


def test_wrong_root_password_on_mariadb_is_one_masked_error(mysql_url, caplog):
    caplog.set_level(logging.DEBUG)
    exc = raised(services.with_password(mysql_url, SECRET))
    assert "Access denied" in str(exc) and "root:***@" in str(exc)
    assert_secret_free(exc, SECRET, caplog.text)


def test_ensure_database_is_idempotent(postgresql_url, mysql_url):
    for url in (postgresql_url, mysql_url):
        storage.ensure_database(url)
        storage.ensure_database(url)
        assert optuna.get_all_study_names(storage.open_storage(url)) == []
