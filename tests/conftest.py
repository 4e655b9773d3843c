import contextlib
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from dj_learning.test import factories

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make between page actions are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "Demo!pass2026"
#: ``--part``: the tests that flush the database (transactional: browser, concurrency,
#: job-cluster tests, which spend much of their time waiting on Chromium, subprocesses or
#: timers) with those that run sites in subprocesses on databases of their own (the
#: ``slow`` host-site build, the backup drills: ``own_database`` on SQLite, ``postgres``
#: on PostgreSQL), or the others. `make test` runs each pass as two such processes side
#: by side; the split is about even.
PARTS = ("transactional", "others")


def pytest_addoption(parser):
    parser.addoption(
        "--part",
        choices=PARTS,
        help="run only the tests that flush the database (transactional) or only the others",
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, django_db_blocker, request
):
    """Two ``--part`` runs at once on one PostgreSQL server get a test database each; with
    ``DJL_TEST_RUN`` set (`make test`), they migrate once between them (``MigrateOnce``)."""
    from django.conf import settings

    part = request.config.getoption("part")
    for db in settings.DATABASES.values():
        if part and db["ENGINE"].endswith("postgresql"):
            test = db.setdefault("TEST", {})
            test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{part}"
    if run := os.environ.get("DJL_TEST_RUN"):
        with MigrateOnce(run).instead_of_migrating() as once:
            yield
        with django_db_blocker.unblock():
            once.clean_up()
    else:
        yield


class MigrateOnce:
    """Migrate a test database once for the processes of one `make test` run.

    Migrating takes about 20 seconds of a core. The first process of a run (``run``, the
    same for all of them) to migrate its test database keeps a copy of it: SQLite's backup
    API into a file, or PostgreSQL's ``CREATE DATABASE … TEMPLATE``. The other processes on
    the same kind of database wait for that copy and copy it in instead of migrating. The
    copy has the migrations' tables and rows and their record (``django_migrations``), as
    migrating would have made them.
    """

    FOLDER = Path(__file__).resolve().parents[1] / "var"

    def __init__(self, run):
        self.run = run
        self.made = None

    @contextlib.contextmanager
    def instead_of_migrating(self):
        from django.core import management

        migrate = management.call_command

        def call_command(name, *args, **kwargs):
            if name != "migrate":
                return migrate(name, *args, **kwargs)
            management.call_command = migrate  # the test database's migrate only
            return self.migrate_or_copy(lambda: migrate(name, *args, **kwargs))

        # Django's create_test_db imports call_command when it runs.
        management.call_command = call_command
        try:
            yield self
        finally:
            management.call_command = migrate

    @contextlib.contextmanager
    def _locked(self, vendor):
        """The run's lock for ``vendor``, and the file that names its copy once made."""
        import fcntl

        self.FOLDER.mkdir(exist_ok=True)
        name = f"test-run-{self.run}-{vendor}"
        with open(self.FOLDER / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield name, self.FOLDER / f"{name}.ready"

    def migrate_or_copy(self, migrate):
        from django.db import connection

        with self._locked(connection.vendor) as (name, ready):
            if ready.exists():
                self._copy_in(connection, ready.read_text())
                return
            migrate()
            ready.write_text(self._copy_out(connection, name))
            self.made = connection

    def clean_up(self):
        """The process that made the copy removes it when its tests are done (under the
        lock: another process either has its copy by then or migrates for itself)."""
        if (connection := self.made) is None:
            return
        with self._locked(connection.vendor) as (name, ready):
            template = ready.read_text()
            ready.unlink()
            if connection.vendor == "sqlite":
                Path(template).unlink(missing_ok=True)
            else:
                with connection._nodb_cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        (self.FOLDER / f"{name}.lock").unlink(missing_ok=True)

    def _copy_out(self, connection, name):
        if connection.vendor == "sqlite":
            import sqlite3

            path = self.FOLDER / f"{name}.sqlite3"
            path.unlink(missing_ok=True)
            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(path)) as copy:
                connection.connection.backup(copy)
            return str(path)
        template = f"djl_{name.replace('-', '_')}"
        test_db = connection.settings_dict["NAME"]
        connection.close()  # a template's source may have no other sessions
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{template}" TEMPLATE "{test_db}"')
        return template

    @staticmethod
    def _copy_in(connection, template):
        if connection.vendor == "sqlite":
            import sqlite3

            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(template)) as copy:
                copy.backup(connection.connection)
            return
        test_db = connection.settings_dict["NAME"]
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{test_db}"')
            cursor.execute(f'CREATE DATABASE "{test_db}" TEMPLATE "{template}"')


def pytest_collection_modifyitems(config, items):
    """Each of `make test`'s two passes runs the tests its database changes.

    Concurrency tests (``postgres``) need real parallel connections: they run in the
    PostgreSQL pass only. Tests that never touch the pass's database
    (``own_database``: they run the ready site in subprocesses on SQLite files of
    their own, or build a host site) would check the same thing twice: they run in
    the SQLite pass only. The browser tests check what the pages and their scripts do
    in the browser; the views and queries behind them are tested on both databases by
    the others. `make test` runs them once, where ``DJL_BROWSER_DB`` says
    (``browser_pass``); without it, every pass runs them. A browser test marked for a
    database (``postgres``, ``own_database``) runs in that database's pass only. Either
    way the others are deselected, not skipped.
    """
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    elsewhere = "own_database" if on_postgres else "postgres"
    this_pass = "postgresql" if on_postgres else "sqlite"
    browsers_on = os.environ.get("DJL_BROWSER_DB", this_pass)
    if browsers_on not in BROWSER_PASSES:
        raise pytest.UsageError(
            f"DJL_BROWSER_DB is {browsers_on!r}: it names the pass that runs the browser "
            "tests, postgresql or sqlite, or splits them between the two (split); leave "
            "it unset to run them in every pass"
        )
    browser_files = {item.path for item in items if item.get_closest_marker("browser")}
    browser_file_index = {path: index for index, path in enumerate(sorted(browser_files))}
    part = config.getoption("part")
    keep, drop = [], []
    for item in items:
        for_database = [name for name in DATABASE_MARKERS if item.get_closest_marker(name)]
        if for_database:
            this_pass_runs_it = elsewhere not in for_database
        elif item.get_closest_marker("browser"):
            index = browser_file_index[item.path]
            this_pass_runs_it = browser_pass(browsers_on, index) == this_pass
        else:
            this_pass_runs_it = True
        transactional = flushes(item) or bool(for_database or item.get_closest_marker("slow"))
        other_part = part and (part == "transactional") != transactional
        (keep if this_pass_runs_it and not other_part else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    if unserialized := [item.nodeid for item in items if flushes_without_restoring(item)]:
        raise pytest.UsageError(
            "Transactional tests must restore the migrated data: mark them "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True).\n"
            "Without it, the flush after the test recreates the content types and the next "
            "test with serialized_rollback fails in setup (UNIQUE constraint failed: "
            "django_content_type), and the test itself may start without Wagtail's default "
            "site.\n  " + "\n  ".join(unserialized)
        )
    # The tests that can share a demo run one after the other, whatever their file: first
    # those that want none, then those that want the org tree and accounts, then those
    # that want all of it (two builds in all), and the transactional tests last, as
    # pytest-django put them (the waiting ones first, ``run_group``). Within each group the
    # files and their tests keep their order.
    items[:] = sorted(items, key=run_group)


#: The markers that tie a test to one database's pass (``pytest_collection_modifyitems``).
DATABASE_MARKERS = ("postgres", "own_database")
#: ``DJL_BROWSER_DB``: the pass that runs the browser tests, or ``split`` between the two.
BROWSER_PASSES = ("postgresql", "sqlite", "split")


def browser_pass(browsers_on, index):
    """The pass that runs the browser test file at ``index`` (in name order).

    ``split`` (`make test` when PostgreSQL answers) gives every third file to the SQLite
    pass and the others to the PostgreSQL pass (production's database), which also runs
    the concurrency tests and its own backup drill: the two passes then take about as
    long, where with all the browser tests the PostgreSQL pass ended about a minute
    after the SQLite one. Every browser test still runs once, and each database serves
    some of them.
    """
    if browsers_on == "split":
        return "sqlite" if index % 3 == 2 else "postgresql"
    return browsers_on


def flushes_without_restoring(item):
    """Is ``item`` a transactional test without ``serialized_rollback``?

    Django flushes the database after a transactional test. With serialized rollback
    the flush leaves the tables empty and the next such test loads the data the
    migrations made (content types, Wagtail's root page and default site) back;
    without it, the flush sends ``post_migrate``, which creates the content types and
    permissions anew, and a following test that loads the migrated data collides with
    them. One kind for every transactional test keeps the order of files free.
    """
    from pytest_django.fixtures import validate_django_db

    serialized = "django_db_serialized_rollback" in getattr(item, "fixturenames", ())
    if marker := item.get_closest_marker("django_db"):
        serialized = serialized or validate_django_db(marker)[3]
    transactional = flushes(item)
    return transactional and not serialized


@pytest.fixture(scope="session")
def live_server(live_server):
    """pytest-django's live server, answering one request at a time when it shares the
    test's in-memory SQLite connection.

    With the test database in memory, the server's threads all use the test's one
    connection (Django's own ``LiveServerTestCase`` does the same). Two requests at once
    then interleave their transactions on it: a page that loads several embeds, each
    making the same image rendition, failed with ``UNIQUE constraint failed`` and broke
    the test's transaction. A real site, or the PostgreSQL pass, gives each thread a
    connection of its own and keeps answering in parallel.
    """
    thread = live_server.thread
    if thread.connections_override:
        thread.httpd.set_app(OneAtATime(thread.httpd.get_app()))
    return live_server


class OneAtATime:
    """A WSGI app that lets one request in at a time, until its response is closed (a
    streamed body and the ``request_finished`` signal run inside the turn too)."""

    def __init__(self, app):
        import threading

        self.app, self.lock = app, threading.Lock()

    def __call__(self, environ, start_response):
        self.lock.acquire()
        try:
            response = self.app(environ, start_response)
        except BaseException:
            self.lock.release()
            raise
        return _ReleasedOnClose(response, self.lock)


class _ReleasedOnClose:
    def __init__(self, response, lock):
        self.response, self.lock = response, lock

    def __iter__(self):
        return iter(self.response)

    def close(self):
        try:
            if close := getattr(self.response, "close", None):
                close()
        finally:
            self.lock.release()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (rate limits, Wagtail's site cache), and
    without the process's copies of the course page's cached rows. A test that wants
    them emptied again midway takes this fixture: it gives the function that does it."""
    from django.core.cache import cache

    from dj_learning.courses import memo

    def clear():
        cache.clear()
        memo.rows.clear()

    clear()
    yield clear
    clear()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test ends in the site's language: a request in English (``Accept-Language``)
    leaves its language active in the thread, and a later PDF rendered without a
    request would come out in English."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def learning_settings(settings):
    """Change some ``DJ_LEARNING`` keys for one test, keeping the others."""

    def change(**values):
        settings.DJ_LEARNING = {**settings.DJ_LEARNING, **values}

    return change


# -- The demo, shared -----------------------------------------------------------
#
# Building the demo takes seconds. Consecutive tests that want the same demo and
# do not flush the database share one build: it is made in an outer transaction
# that stays open while they run, each test's own transaction becomes a savepoint
# inside it and is rolled back, and the outer one is rolled back when a test wants
# another demo, none, or a database it may flush (a transactional test builds its
# own demo, as before). The tests run grouped by the demo they use, across files.

DEMO_ORDER = {None: 0, "demo": 1, "demo_courses": 2}


def build_demo(kind):
    """Run ``learning_demo`` as the ``demo`` or the ``demo_courses`` fixture gives it."""
    if kind == "demo":
        call_command("learning_demo", "--without-courses", verbosity=0, stdout=io.StringIO())
        return
    # Commit hooks run as they would after the command's transaction (the credit
    # ledger hears of the demo member's completions).
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("learning_demo", verbosity=0, stdout=io.StringIO())


def run_group(item):
    """Where ``item`` runs (see ``pytest_collection_modifyitems``): 0 to 2 by the demo it
    wants, 3 or 4 if it flushes the database.

    Of those, the concurrency and job-cluster tests (``postgres``) come first: they
    mostly wait (on clusters, on a job's timeout), and waiting while the other processes
    of `make test` still work costs nothing, where at the end of the run it leaves the
    cores idle."""
    if flushes(item):
        return 3 if item.get_closest_marker("postgres") else 4
    return DEMO_ORDER[demo_wanted(item)]


def flushes(item):
    from pytest_django.fixtures import validate_django_db

    names = set(getattr(item, "fixturenames", ()))
    if names & {"transactional_db", "live_server", "django_db_reset_sequences"}:
        return True
    if marker := item.get_closest_marker("django_db"):
        transaction, reset_sequences, *_ = validate_django_db(marker)
        return bool(transaction or reset_sequences)
    return False


def demo_wanted(item):
    """The demo ``item`` can share: ``None`` if it wants none or may flush the database."""
    if flushes(item):
        return None
    names = set(getattr(item, "fixturenames", ()))
    if "demo_courses" in names:
        return "demo_courses"
    return "demo" if "demo" in names else None


class SharedDemo:
    """The demo built once for a run of tests that want it (see above)."""

    def __init__(self, blocker):
        self.blocker = blocker
        self.kind = None
        self.atomic = None

    def provides(self, kind):
        return self.kind == kind or (self.kind, kind) == ("demo_courses", "demo")

    def prepare(self, item):
        wanted = demo_wanted(item)
        if wanted != self.kind:
            self.close()
            if wanted:
                self.open(wanted)

    def open(self, kind):
        from django.db import transaction

        with self.blocker.unblock():
            atomic = transaction.atomic()
            # As Django's TestCase marks its own, so the code under test may open durable blocks.
            atomic._from_testcase = True
            atomic.__enter__()
            try:
                build_demo(kind)
            except BaseException as error:
                atomic.__exit__(type(error), error, error.__traceback__)
                raise
        self.atomic, self.kind = atomic, kind

    def close(self):
        if self.atomic is None:
            return
        from django.db import transaction

        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.atomic, self.kind = None, None


@pytest.fixture(scope="session")
def _shared_demo(django_db_setup, django_db_blocker):
    shared = SharedDemo(django_db_blocker)
    yield shared
    shared.close()


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    # Before pytest-django opens the test's transaction or flushes the database.
    if fixturedef.argname == "_django_db_helper":
        request.getfixturevalue("_shared_demo").prepare(request.node)
        _load_migrated_data_from_a_snapshot()
    return (yield)


class DemoSnapshots:
    """The demo as a transactional test finds it, built once per kind and copied back after.

    A transactional test (a browser test, a concurrency test) cannot share the demo in
    a transaction: it commits, and the database is flushed after it. On PostgreSQL the
    first such test of each kind builds the demo and the rows of every table are copied
    out (``COPY … TO``, binary); the next ones delete the rows their flush left (the
    migrated data) and copy the snapshot back in, then move the id sequences past it,
    in a few hundred milliseconds instead of seconds. On SQLite (the test database in
    memory) SQLite's backup API copies the whole database out and back. The caches are
    cleared, as a fresh build's saves would have. The files the build wrote stay in
    the pass's media folders.
    """

    def __init__(self):
        self.tables = {}

    @staticmethod
    def supported(connection):
        """PostgreSQL, or SQLite with the test database in memory."""
        if connection.vendor == "sqlite":
            return connection.is_in_memory_db()
        return connection.vendor == "postgresql"

    @classmethod
    def usable(cls, request):
        from django.db import connection

        return cls.supported(connection) and flushes(request.node)

    def load(self, kind):
        from django.core.cache import caches
        from django.db import connection

        snapshot = self.tables.get(kind)
        if snapshot is None:
            build_demo(kind)
            self.tables[kind] = self._take(connection)
            return
        self._restore(connection, snapshot)
        for cache in caches.all():
            cache.clear()

    @staticmethod
    def _table_names(connection):
        return connection.introspection.django_table_names(only_existing=True, include_views=False)

    def _take(self, connection):
        if connection.vendor == "sqlite":
            import sqlite3

            connection.ensure_connection()
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(copy)
            return copy
        copied = {}
        with connection.cursor() as cursor:
            raw = cursor.cursor
            for table in self._table_names(connection):
                # Columns by name: a migration test may have dropped and added one since,
                # which changes the table's column order.
                columns = ", ".join(
                    connection.ops.quote_name(column.name)
                    for column in connection.introspection.get_table_description(cursor, table)
                )
                target = f"{connection.ops.quote_name(table)} ({columns})"
                data = bytearray()
                with raw.copy(f"COPY {target} TO STDOUT (FORMAT BINARY)") as copy:
                    for block in copy:
                        data += block
                copied[target] = bytes(data)
        return copied

    def _restore(self, connection, snapshot):
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            snapshot.backup(connection.connection)
            return
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import transaction

        models = apps.get_models(include_auto_created=True)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            names = [connection.ops.quote_name(t) for t in self._table_names(connection)]
            for name in names:
                cursor.execute(f"DELETE FROM {name}")
            raw = cursor.cursor
            for target, data in snapshot.items():
                with raw.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(data)
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)


_DEMO_SNAPSHOTS = DemoSnapshots()


def _load_migrated_data_from_a_snapshot():
    """Before each transactional test with ``serialized_rollback``, Django loads the data
    the migrations made (content types, permissions, Wagtail's root page and site) back
    from JSON, object by object: about half a second. The first load is Django's own;
    the tables are then copied out as the demo's are (``DemoSnapshots``), and the later
    loads copy them back. The rows and their ids are the same either way."""
    from django.db import connection

    creation = connection.creation
    if getattr(creation, "_from_snapshot", False) or not DemoSnapshots.supported(connection):
        return
    deserialize = creation.deserialize_db_from_string
    loaded = {}

    def load(data):
        if loaded.get("data") is data:
            _DEMO_SNAPSHOTS._restore(connection, loaded["snapshot"])
            return
        deserialize(data)
        loaded.update(data=data, snapshot=_DEMO_SNAPSHOTS._take(connection))

    creation.deserialize_db_from_string = load
    creation._from_snapshot = True


def _load_demo(request, kind):
    if DemoSnapshots.usable(request):
        _DEMO_SNAPSHOTS.load(kind)
    else:
        build_demo(kind)


@pytest.fixture
def demo(db, _shared_demo, request):
    """The org tree, the two regional sites and the demo accounts of ``learning_demo``."""
    if not _shared_demo.provides("demo"):
        _load_demo(request, "demo")


@pytest.fixture
def demo_courses(db, _shared_demo, request):
    """All of ``learning_demo``: also courses, plans, the workflow and the member's progress.

    Commit hooks run as they would after the command's transaction (the credit
    ledger hears of the demo member's completions).
    """
    if not _shared_demo.provides("demo_courses"):
        _load_demo(request, "demo_courses")


@pytest.fixture
def tree(db):
    """A small org tree: national → two regions → a branch each, and one sub-branch."""
    national = factories.unit(kind="national", name="总部")
    r1 = factories.unit(parent=national, kind="region", name="一区")
    r2 = factories.unit(parent=national, kind="region", name="二区")
    b1 = factories.unit(parent=r1, name="一区一支部")
    b1a = factories.unit(parent=b1, kind="sub_branch", name="一区一支部一组")
    b2 = factories.unit(parent=r2, name="二区一支部")
    return {"national": national, "r1": r1, "r2": r2, "b1": b1, "b1a": b1a, "b2": b2}


@pytest.fixture
def get_token(client):
    def get(username, password=DEMO_PASSWORD):
        response = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": password},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return response.json()["token"]

    return get
