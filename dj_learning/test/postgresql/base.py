"""PostgreSQL for test runs: Django's backend with a flush that deletes instead of truncating.

A transactional test (``transaction=True``, ``live_server``: the browser and
concurrency tests) ends with a flush of every table. PostgreSQL's ``TRUNCATE``
swaps each table's files, so on a site of a few hundred tables it takes seconds
however few rows there are; ``DELETE`` of the rows there are takes milliseconds.
The rows go in one transaction with the constraints deferred (Django's foreign
keys are ``DEFERRABLE INITIALLY DEFERRED``), so the order does not matter.
A flush that resets sequences, or cascades beyond the listed tables, stays
Django's ``TRUNCATE``.

Use it in test settings only::

    DATABASES["default"]["ENGINE"] = "dj_learning.test.postgresql"
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            "SET CONSTRAINTS ALL DEFERRED;",
            *(
                f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
                for t in tables
            ),
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
