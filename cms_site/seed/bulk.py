"""Writing rows in bulk: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

The tools every seeder uses: :class:`RowWriter` writes tuples into a model's
table, :func:`allocate_ids` reserves primary keys up front so related rows can
point at them without reading anything back, and
:func:`foreign_keys_checked_once` checks a stage's foreign keys in one pass.
"""

import json
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection


def _sqlite_datetime(value):
    # As Django stores an aware datetime in SQLite: naive UTC, ISO format.
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _isoformat(value):
    return None if value is None else value.isoformat()


def _text(value):
    return None if value is None else str(value)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_FORMATS = {
    str: lambda value: value.translate(_COPY_ESCAPES),
    int: str,
    Decimal: str,
    bool: lambda value: "t" if value else "f",
    datetime: datetime.isoformat,
    date: date.isoformat,
    type(None): lambda value: "\\N",
}


def _copy_text(value):
    """``value`` in the text format of PostgreSQL's ``COPY`` (psycopg's ``write_row``
    formats a row in Python, and costs six times more)."""
    format = _COPY_FORMATS.get(type(value))
    if format is None:  # a subclass: an enum member of TextChoices, say
        format = next(f for t, f in _COPY_FORMATS.items() if isinstance(value, t))
    return format(value)


def _json(value):
    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


class RowWriter:
    """Writes tuples into one model's table: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

    ``columns`` are field names, and the tuples hold Python values in that
    order, converted here rather than by Django's fields (whose
    ``get_db_prep_save`` costs ten times more, and seeding is all rows): to
    ``COPY``'s text format for PostgreSQL, and for SQLite dates, times and
    decimals as Django stores them.
    """

    SQLITE = {
        "DateTimeField": _sqlite_datetime,
        "DateField": _isoformat,
        "DecimalField": _text,
        "JSONField": _json,
    }
    POSTGRESQL = {"JSONField": _json}

    def __init__(self, model, columns):
        self.model = model
        opts = model._meta
        self.fields = [opts.get_field(name) for name in columns]
        self.table = connection.ops.quote_name(opts.db_table)
        self.column_sql = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.postgres = connection.vendor == "postgresql"
        formats = self.POSTGRESQL if self.postgres else self.SQLITE
        self.converters = [formats.get(f.get_internal_type()) for f in self.fields]

    def write(self, rows):
        rows = list(rows)
        if not rows:
            return 0
        convert = [(i, c) for i, c in enumerate(self.converters) if c is not None]
        prepared = rows
        if convert:
            prepared = []
            for row in rows:
                row = list(row)
                for i, converter in convert:
                    row[i] = None if row[i] is None else converter(row[i])
                prepared.append(row)
        with connection.cursor() as cursor:
            if self.postgres:
                sql = f"COPY {self.table} ({self.column_sql}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    copy.write("".join("\t".join(map(_copy_text, row)) + "\n" for row in prepared))
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.column_sql}) VALUES ({marks})", prepared
                )
        return len(rows)


def allocate_ids(model, count):
    """``count`` fresh primary keys of ``model``'s table, reserved for rows written next."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite (one writer at a time, inside the seeding transaction).
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {connection.ops.quote_name(table)}"
        )
        first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


@contextmanager
def foreign_keys_checked_once(*models):
    """Check the foreign keys of ``models``' tables once at the end, not row by row.

    On PostgreSQL every row written fires a (deferred) trigger per foreign key,
    which for millions of rows costs more than writing them. As PostgreSQL's
    manual advises for bulk loads ("Populating a Database"), the constraints
    are dropped and added back in the same transaction: adding one checks all
    rows in a single pass, and a bad row still fails the whole stage.
    Elsewhere this does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        constraints = cursor.fetchall()
        # Check what is pending now: a table with queued checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in constraints:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )
