"""The benchmark's own database: created fresh for a run, removed after it.

SQLite by default: a new file under ``bench/results/`` (never the demo's
``db.sqlite3``). PostgreSQL when ``DATABASE_URL`` names a server: a database
``dj_learning_bench`` (the peer site's: ``dj_learning_bench_peer``) on that server, created and dropped with psycopg; the
database the URL names is not touched.
"""

import os
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
SQLITE_PATH = BENCH_DIR / "results" / "bench.sqlite3"
# BENCH_PG_NAME lets several people bench on one server without dropping each other's.
PG_NAME = os.environ.get("BENCH_PG_NAME", "dj_learning_bench")
PG_SCHEMES = {"postgres", "postgresql", "pgsql"}


@contextmanager
def bench_database(server_url=None, *, name=PG_NAME):
    """Yield the ``DATABASE_URL`` of a fresh, empty database; remove it afterwards.

    Close Django's connections before leaving the block: PostgreSQL drops the
    database with ``FORCE``, but a clean close is quicker and quieter. ``name``
    is the PostgreSQL database (and the SQLite file's stem): the peer site of
    the comparison with wagtail-lms has its own.
    """
    if not server_url:
        with _sqlite(SQLITE_PATH.with_stem(name.removeprefix("dj_learning_"))) as url:
            yield url
        return
    scheme = urlsplit(server_url).scheme
    if scheme not in PG_SCHEMES:
        raise SystemExit(f"DATABASE_URL must name a PostgreSQL server (got {scheme}://).")
    with _postgres(server_url, name) as url:
        yield url


def _remove_sqlite(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@contextmanager
def _sqlite(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_sqlite(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        _remove_sqlite(path)


def _with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def _postgres(server_url, name):
    import psycopg
    from psycopg import sql

    # libpq reads postgres:// and postgresql://; "pgsql" is dj-database-url's alias.
    maintenance = _with_database(server_url, "postgres").replace("pgsql://", "postgresql://", 1)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))

    def execute(*statements):
        with psycopg.connect(maintenance, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    execute(drop, create)
    try:
        yield _with_database(server_url, name)
    finally:
        execute(drop)
