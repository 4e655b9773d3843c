"""The benchmark's own database: created fresh for a run, removed after it.

SQLite by default: a new file under ``bench/results/`` (never the demo's
``db.sqlite3``). PostgreSQL when ``DATABASE_URL`` names a server: a database
``dj_learning_bench`` on that server, created and dropped with psycopg; the
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
def bench_database(server_url=None):
    """Yield the ``DATABASE_URL`` of a fresh, empty database; remove it afterwards.

    Close Django's connections before leaving the block: PostgreSQL drops the
    database with ``FORCE``, but a clean close is quicker and quieter.
    """
    if not server_url:
        with _sqlite() as url:
            yield url
        return
    scheme = urlsplit(server_url).scheme
    if scheme not in PG_SCHEMES:
        raise SystemExit(f"DATABASE_URL must name a PostgreSQL server (got {scheme}://).")
    with _postgres(server_url) as url:
        yield url


def _remove_sqlite():
    for suffix in ("", "-wal", "-shm", "-journal"):
        SQLITE_PATH.with_name(SQLITE_PATH.name + suffix).unlink(missing_ok=True)


@contextmanager
def _sqlite():
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    _remove_sqlite()
    try:
        yield f"sqlite:///{SQLITE_PATH}"
    finally:
        _remove_sqlite()


def _with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def _postgres(server_url):
    import psycopg
    from psycopg import sql

    # libpq reads postgres:// and postgresql://; "pgsql" is dj-database-url's alias.
    maintenance = _with_database(server_url, "postgres").replace("pgsql://", "postgresql://", 1)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_NAME))
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_NAME))

    def execute(*statements):
        with psycopg.connect(maintenance, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    execute(drop, create)
    try:
        yield _with_database(server_url, PG_NAME)
    finally:
        execute(drop)
