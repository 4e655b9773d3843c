"""Backups that restore: one archive with the database, the files and a manifest.

``learning_backup`` writes a tar archive holding

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the
  site runs) or ``database.pgdump`` (``pg_dump`` in custom format, taken in the
  same snapshot as the row counts);
- ``media/…`` (``MEDIA_ROOT``) and ``private/…`` (the private storage);
- ``manifest.json``: when and with what it was made (versions, the database
  vendor, the migrations applied), the rows of every table, and the size and
  SHA-256 of every other member of the archive.

``learning_restore`` checks the whole archive against its manifest before it
writes anything, refuses another schema version and a database or storage that
is not empty (unless ``--force``), restores, and counts the rows again.
"""

import datetime
import hashlib
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from dj_learning import uploads
from dj_learning.conf import settings

FORMAT = 1
MANIFEST = "manifest.json"
ARCHIVE_PREFIX = "dj-learning-backup-"


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why, in the user's language."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _digest(handle):
    digest = hashlib.sha256()
    while block := handle.read(1 << 20):
        digest.update(block)
    return digest


def _versions():
    import django
    import wagtail

    import dj_learning

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "dj_learning": getattr(dj_learning, "__version__", ""),
    }


def _files(root):
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def _tables(connection):
    return sorted(connection.introspection.table_names(include_views=False))


def _count_rows(cursor, tables, quote):
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (names from the schema)
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(connection):
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def code_migrations():
    """The migrations this code has (the schema version a restore must match)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.disk_migrations)


def backup(output_dir, using=DEFAULT_DB_ALIAS, keep=None):
    """Write an archive into ``output_dir`` and return its path.

    ``keep`` (a number) deletes the oldest archives of the folder beyond it.
    """
    connection = connections[using]
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
    final = output_dir / f"{ARCHIVE_PREFIX}{stamp}.tar"
    with tempfile.TemporaryDirectory(dir=output_dir) as work:
        work = Path(work)
        if connection.vendor == "sqlite":
            database = work / "database.sqlite3"
            counts = _sqlite_copy(connection, database)
        elif connection.vendor == "postgresql":
            database = work / "database.pgdump"
            counts = _pg_dump(connection, database)
        else:
            raise BackupError(
                _("Backups support SQLite and PostgreSQL, not %(vendor)s.")
                % {"vendor": connection.vendor}
            )
        members = [(database.name, database)]
        for prefix, root in (
            ("media", django_settings.MEDIA_ROOT),
            ("private", uploads.private_root()),
        ):
            members += [
                (f"{prefix}/{path.relative_to(root).as_posix()}", path) for path in _files(root)
            ]
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "versions": _versions(),
            "database": {"vendor": connection.vendor, "member": database.name},
            "migrations": applied_migrations(connection),
            "row_counts": counts,
            "members": {
                name: {"size": path.stat().st_size, "sha256": _sha256(path)}
                for name, path in members
            },
        }
        partial = work / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            for name, path in members:
                archive.add(path, arcname=name, recursive=False)
        os.replace(partial, final)
    if keep:
        for old in sorted(output_dir.glob(f"{ARCHIVE_PREFIX}*.tar"))[:-keep]:
            old.unlink()
    return final


def _sqlite_copy(connection, target):
    """Copy the live SQLite database with the online backup API; count the copy's rows."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return _count_rows(copy.cursor(), tables, lambda name: f'"{name}"')
    finally:
        copy.close()


def _pg_env(connection):
    params = connection.get_connection_params()
    env = {**os.environ}
    for key, var in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
    ):
        if params.get(key):
            env[var] = str(params[key])
    return env, params.get("dbname") or connection.settings_dict["NAME"]


def _pg_dump(connection, target):
    """``pg_dump -Fc`` in the snapshot the row counts are read in: the two agree."""
    env, name = _pg_env(connection)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        # Its own transaction, so the snapshot lives until the dump has read it.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count_rows(cursor, _tables(connection), connection.ops.quote_name)
            result = subprocess.run(
                ["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(target), name],
                env=env,
                capture_output=True,
                text=True,
            )
        finally:
            cursor.execute("ROLLBACK")
    if result.returncode:
        raise BackupError(_("pg_dump failed: %(error)s") % {"error": result.stderr.strip()})
    return counts


def backup_folder():
    """``BACKUP_DIR``, or ``backups`` beside ``MEDIA_ROOT``."""
    return Path(settings.BACKUP_DIR or Path(django_settings.MEDIA_ROOT).parent / "backups")


def scheduled_backup():
    """The nightly django-q2 task: a backup into ``backup_folder()``, keeping ``BACKUP_KEEP``."""
    return str(backup(backup_folder(), keep=settings.BACKUP_KEEP))


# -- Restore -------------------------------------------------------------------------


def read_manifest(archive_path):
    """The archive's manifest, after checking every member against it.

    Raises ``BackupError`` naming the first member that is missing, extra,
    truncated or changed, before anything is written.
    """
    try:
        archive = tarfile.open(archive_path, "r")  # noqa: SIM115 (closed by the with below)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(
            _("%(path)s is not a readable backup archive (%(error)s).")
            % {"path": archive_path, "error": error}
        ) from None
    with archive:
        try:
            first = archive.next()  # the manifest comes first: read it before the rest
            if first is None or first.name != MANIFEST:
                raise KeyError(MANIFEST)
            manifest = json.load(archive.extractfile(first))
        except (KeyError, ValueError, tarfile.TarError, OSError):
            raise BackupError(
                _("The archive has no readable %(name)s.") % {"name": MANIFEST}
            ) from None
        expected = manifest.get("members", {})
        seen = set()
        try:
            for info in archive:
                if info.name == MANIFEST:
                    continue
                if info.name not in expected or not info.isfile():
                    raise BackupError(
                        _("The archive member %(name)s is not in its manifest.")
                        % {"name": info.name}
                    )
                digest = _digest(archive.extractfile(info))
                want = expected[info.name]
                if info.size != want["size"] or digest.hexdigest() != want["sha256"]:
                    raise BackupError(
                        _("The archive member %(name)s is damaged: its checksum does not match.")
                        % {"name": info.name}
                    )
                seen.add(info.name)
        except (tarfile.TarError, OSError, EOFError):
            raise BackupError(
                _("The archive is truncated or damaged after %(count)s members.")
                % {"count": len(seen)}
            ) from None
        for name in sorted(set(expected) - seen):
            raise BackupError(_("The archive member %(name)s is missing.") % {"name": name})
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This archive's format is not one this version can restore."))
    return manifest


def _database_is_empty(connection):
    return not [t for t in _tables(connection) if t != "sqlite_sequence"]


def _storage_is_empty(root):
    return not _files(root)


def restore(archive_path, using=DEFAULT_DB_ALIAS, force=False):
    """Restore ``archive_path`` into the (empty) database and storage; return the manifest."""
    manifest = read_manifest(archive_path)
    connection = connections[using]
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            _("The archive holds a %(archived)s database; this site uses %(current)s.")
            % {"archived": vendor, "current": connection.vendor}
        )
    ours = code_migrations()
    if manifest["migrations"] != ours:
        missing = sorted(set(manifest["migrations"]) - set(ours))
        extra = sorted(set(ours) - set(manifest["migrations"]))
        raise BackupError(
            _(
                "The archive is of another schema version (only in the archive: %(missing)s;"
                " only in this code: %(extra)s). Restore it with the version that made it,"
                " then upgrade."
            )
            % {"missing": ", ".join(missing[:5]) or "-", "extra": ", ".join(extra[:5]) or "-"}
        )
    media_root, private_root = Path(django_settings.MEDIA_ROOT), uploads.private_root()
    if not force:
        if not _database_is_empty(connection):
            raise BackupError(
                _("The database is not empty. Restore into an empty one, or use --force.")
            )
        for root in (media_root, private_root):
            if not _storage_is_empty(root):
                raise BackupError(
                    _("%(path)s is not empty. Restore into empty folders, or use --force.")
                    % {"path": root}
                )
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive_path, "r") as archive:
        work = Path(work)
        archive.extractall(work, filter="data")
        database = work / manifest["database"]["member"]
        if vendor == "sqlite":
            _sqlite_restore(connection, database)
        else:
            _pg_restore(connection, database)
        for prefix, root in (("media", media_root), ("private", private_root)):
            source = work / prefix
            if source.is_dir():
                shutil.copytree(source, root, dirs_exist_ok=True)
    counts = _live_counts(connection, manifest["row_counts"])
    if counts != manifest["row_counts"]:
        differ = sorted(
            t for t in manifest["row_counts"] if counts.get(t) != manifest["row_counts"][t]
        )
        raise BackupError(
            _("After the restore the rows of %(tables)s differ from the archive's.")
            % {"tables": ", ".join(differ[:5])}
        )
    return manifest


def _sqlite_restore(connection, database):
    connection.close()
    connection.ensure_connection()
    source = sqlite3.connect(database)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _pg_restore(connection, database):
    env, name = _pg_env(connection)
    connection.close()
    result = subprocess.run(
        ["pg_restore", "--no-owner", "--clean", "--if-exists", "-d", name, str(database)],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise BackupError(_("pg_restore failed: %(error)s") % {"error": result.stderr.strip()})


def _live_counts(connection, tables):
    with connection.cursor() as cursor:
        return _count_rows(cursor, sorted(tables), connection.ops.quote_name)
