"""Backups that restore: the demo backed up, restored into a fresh database and
fresh folders, and found the same; damaged archives and wrong targets refused.

Each site here is the ready site run as a separate process (``manage.py``) on a
database and folders of its own, as an operator's restore drill would. The sites
start from a copy of the pass's test database, taken right after pytest-django
migrated it (migrating again would take half a minute), and the populated demo is
backed up once for the module. The SQLite drills use the test database for nothing
else, so they run in the SQLite pass only (``own_database``); the PostgreSQL drill
runs in the PostgreSQL pass.
"""

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

# The test database is set up for these tests: the sites start from a copy of it.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
# Run in the site with ``manage.py shell -c``: its members' balances.
BALANCES_OF = "sorted(Balance.objects.values_list('member__member_number', 'balance', 'lifetime'))"
BALANCES = (
    f"import json; from dj_learning.rewards.models import Balance; print(json.dumps({BALANCES_OF}))"
)


class Site:
    """The ready site on its own database and folders, run through ``manage.py``."""

    def __init__(self, tmp_path, name, database_url):
        self.media = tmp_path / f"{name}-media"
        self.private = tmp_path / f"{name}-private"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cms_site.settings.test",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(self.media),
            "PRIVATE_MEDIA_ROOT": str(self.private),
        }

    @classmethod
    def sqlite(cls, tmp_path, name, migrated=None):
        """A site on the SQLite file ``<tmp_path>/<name>.sqlite3``, a copy of ``migrated``."""
        path = tmp_path / f"{name}.sqlite3"
        if migrated is not None:
            shutil.copyfile(migrated, path)
        return cls(tmp_path, name, f"sqlite:///{path}")

    def manage(self, *args, check=True):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check:
            assert result.returncode == 0, result.stderr + result.stdout
        return result

    def balances(self):
        return json.loads(self.manage("shell", "-c", BALANCES).stdout.strip().splitlines()[-1])

    def files(self):
        return {
            f"{label}/{path.relative_to(root)}": hashlib.sha256(path.read_bytes()).hexdigest()
            for label, root in (("media", self.media), ("private", self.private))
            if root.exists()
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }


def _populated(site):
    site.manage("learning_demo", "--without-courses")  # the org tree, accounts, points
    (site.private / "learning" / "proofs").mkdir(parents=True, exist_ok=True)
    (site.private / "learning" / "proofs" / "sheet.pdf").write_bytes(b"%PDF-1.4 proof\n%%EOF\n")
    (site.media / "original_images").mkdir(parents=True, exist_ok=True)
    (site.media / "original_images" / "logo.png").write_bytes(b"\x89PNG logo")


def _backup(site, folder):
    output = site.manage("learning_backup", "--output", str(folder)).stdout
    archives = sorted(folder.glob("dj-learning-backup-*.tar"))
    assert len(archives) == 1 and str(archives[0]) in output
    return archives[0]


def _assert_untouched(connection):
    """The test database as migrating left it: no test has written to it yet."""
    with connection.cursor() as cursor:
        for table in ("auth_user", "learning_orgs_unit"):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            assert cursor.fetchone()[0] == 0, (
                f"{table} has rows: the migrated copy must be taken before any test writes"
            )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory, django_db_setup, django_db_blocker):
    """A SQLite database file with every migration applied, for sites to start from.

    Migrating takes half a minute; this is a copy of the pass's own test database,
    which pytest-django has just migrated with the same settings (SQLite's backup API).
    These tests run before any that write to it (they want no demo).
    """
    from django.db import connection

    path = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
    with django_db_blocker.unblock():
        _assert_untouched(connection)
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(path)) as copy:
            connection.connection.backup(copy)
    return path


@pytest.fixture(scope="module")
def populated(tmp_path_factory, migrated):
    """The demo's org tree, accounts and points with files in both folders, backed up."""
    tmp_path = tmp_path_factory.mktemp("populated")
    site = Site.sqlite(tmp_path, "a", migrated)
    _populated(site)
    return site, _backup(site, tmp_path / "backups")


# What the drill reads of a restored site, in one process (each start of the site costs
# seconds): its balances, the ledger check's verdict, and whether the demo member signs in.
RESTORED = (
    "import io, json; from django.core.management import call_command;"
    " from django.contrib.auth import authenticate;"
    " from dj_learning.rewards.models import Balance;"
    " out = io.StringIO(); call_command('learning_check_ledger', stdout=out);"
    f" print(json.dumps({{'balances': {BALANCES_OF}, 'ledger': out.getvalue(),"
    " 'signs_in': authenticate(username='member', password='Demo!pass2026') is not None}))"
)


def _drill(source, archive, target):
    restored = target.manage("learning_restore", str(archive))
    assert "已从" in restored.stdout  # the site speaks Chinese: 已从…恢复
    balances = source.balances()
    assert balances != []
    seen = json.loads(target.manage("shell", "-c", RESTORED).stdout.strip().splitlines()[-1])
    assert seen["balances"] == balances
    assert target.files() == source.files()
    assert "sheet.pdf" in "".join(target.files())
    assert "agree" in seen["ledger"]
    assert seen["signs_in"]  # the restored site is the demo: its accounts sign in

    # A second restore into the same (now full) database is refused, and writes nothing.
    again = target.manage("learning_restore", str(archive), check=False)
    assert again.returncode != 0
    assert "数据库不是空的" in again.stderr
    assert target.balances() == balances


@pytest.mark.own_database
def test_the_demo_backed_up_on_sqlite_restores_into_a_fresh_database_and_folders(
    populated, tmp_path
):
    source, archive = populated
    _drill(source, archive, Site.sqlite(tmp_path, "b"))


@pytest.fixture(scope="module")
def postgres_databases(django_db_setup, django_db_blocker):
    """Make PostgreSQL databases for sites: ``make(name, migrated=False)`` gives a URL.

    A migrated one is a copy (``CREATE DATABASE … TEMPLATE``) of the pass's test
    database as pytest-django has just migrated it with the same settings: a second
    instead of half a minute. The others are empty. All are dropped after.
    """
    import psycopg
    from django.db import connection, connections

    server = "postgresql://postgres@127.0.0.1:5432/postgres"
    made = []

    def create(name, template=None):
        with psycopg.connect(server, autocommit=True) as db:
            db.execute(
                f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
            )
        made.append(name)
        return name

    # Taken before the tests' transactions open: a template may have no other sessions.
    with django_db_blocker.unblock():
        _assert_untouched(connection)
        connections.close_all()
        template = create(f"djl_migrated_{uuid.uuid4().hex[:8]}", connection.settings_dict["NAME"])

    def make(side, migrated=False):
        name = create(f"djl_backup_{uuid.uuid4().hex[:8]}_{side}", template if migrated else None)
        return f"postgres://postgres@127.0.0.1:5432/{name}"

    yield make
    with psycopg.connect(server, autocommit=True) as db:
        for name in made:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_the_demo_backed_up_on_postgresql_restores_into_a_fresh_database(
    postgres_databases, tmp_path
):
    source = Site(tmp_path, "a", postgres_databases("a", migrated=True))
    target = Site(tmp_path, "b", postgres_databases("b"))
    _populated(source)
    _drill(source, _backup(source, tmp_path / "backups"), target)


def _rewritten(archive, target, change):
    """A copy of ``archive`` with ``change(name, data) -> data`` applied to its members."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        for info in source:
            data = change(info.name, source.extractfile(info).read())
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture(scope="module")
def small_archive(populated):
    """The populated demo's archive (SQLite), which the refusals below damage."""
    return populated[1]


def _empty_target(tmp_path):
    return Site.sqlite(tmp_path, "b")


def _refused(site, archive):
    result = site.manage("learning_restore", str(archive), check=False)
    assert result.returncode != 0
    database = Path(site.env["DATABASE_URL"].removeprefix("sqlite:///"))
    if database.exists():
        with sqlite3.connect(database) as written:
            assert written.execute("SELECT name FROM sqlite_master").fetchall() == []
    assert site.files() == {}
    return result.stderr


@pytest.mark.own_database
def test_a_damaged_member_is_named_and_nothing_is_written(small_archive, tmp_path):
    def flip(name, data):
        if name == "private/learning/proofs/sheet.pdf":
            return data[:-3] + b"XXX"
        return data

    damaged = _rewritten(small_archive, tmp_path / "damaged.tar", flip)
    message = _refused(_empty_target(tmp_path), damaged)
    assert "private/learning/proofs/sheet.pdf 已损坏" in message


@pytest.mark.own_database
def test_a_truncated_archive_is_refused_and_nothing_is_written(small_archive, tmp_path):
    data = small_archive.read_bytes()
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(data[: len(data) // 2])
    message = _refused(_empty_target(tmp_path), truncated)
    assert "被截断或已损坏" in message or "缺少" in message


@pytest.mark.own_database
def test_an_archive_of_another_schema_version_is_refused(small_archive, tmp_path):
    def older(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"] = [m for m in manifest["migrations"] if "learning_rewards" not in m]
        return json.dumps(manifest).encode()

    message = _refused(
        _empty_target(tmp_path), _rewritten(small_archive, tmp_path / "o.tar", older)
    )
    assert "结构版本不同" in message
    assert "learning_rewards.0001_initial" in message


@pytest.mark.own_database
def test_restore_refuses_folders_that_are_not_empty(small_archive, tmp_path):
    target = _empty_target(tmp_path)
    target.media.mkdir()
    (target.media / "keep.txt").write_text("someone's file")
    result = target.manage("learning_restore", str(small_archive), check=False)
    assert result.returncode != 0
    assert "不是空的" in result.stderr
    assert (target.media / "keep.txt").read_text() == "someone's file"


@pytest.mark.own_database
def test_backups_keep_the_newest_n(tmp_path, migrated):
    site = Site.sqlite(tmp_path, "k", migrated)
    folder = tmp_path / "kept"
    # The command three times in one process (each start of the site costs seconds).
    script = (
        "from django.core.management import call_command\n"
        "for _ in range(3):\n"
        f"    call_command('learning_backup', '--output', {str(folder)!r}, '--keep', '2')\n"
    )
    written = re.findall(r"/\S+?\.tar", site.manage("shell", "-c", script).stdout)
    assert len(written) == 3 and len(set(written)) == 3, written
    kept = sorted(str(p) for p in folder.glob("dj-learning-backup-*.tar"))
    assert kept == sorted(written)[1:]


@pytest.mark.own_database
def test_the_nightly_task_backs_up_into_the_backup_folder_and_keeps_the_newest(tmp_path, migrated):
    site = Site.sqlite(tmp_path, "n", migrated)
    folder = tmp_path / "nightly"
    script = (
        "from django.test import override_settings\n"
        "from dj_learning.management.backup import scheduled_backup\n"
        f"with override_settings(DJ_LEARNING={{'BACKUP_DIR': {str(folder)!r}, 'BACKUP_KEEP': 2}}):\n"
        "    print(','.join(scheduled_backup() for _ in range(3)))\n"
    )
    written = site.manage("shell", "-c", script).stdout.strip().splitlines()[-1].split(",")
    kept = sorted(str(p) for p in folder.glob("dj-learning-backup-*.tar"))
    assert kept == sorted(written[1:])
