"""The shared numbering service (``orgs.services.next_number``): one counter per unit,
series and year, consecutive from 1, given back on rollback, and never twice under
parallel connections (PostgreSQL); and the migration that moved the certificates' and
suggestions' own counters into it, numbering continuing where it was."""

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from dj_learning.orgs.models import Counter
from dj_learning.orgs.services import next_number
from dj_learning.test.concurrency import in_parallel


@pytest.mark.django_db
def test_each_unit_series_and_year_counts_on_its_own(tree):
    r1, r2 = tree["r1"], tree["r2"]
    assert [next_number(r1, "certificate", 2026) for _ in range(3)] == [1, 2, 3]
    assert next_number(r1, "suggestion", 2026) == 1
    assert next_number(r1, "certificate", 2027) == 1
    assert next_number(r2.pk, "certificate", 2026) == 1  # a unit's id will do
    assert next_number(r1, "certificate", 2026) == 4
    assert Counter.objects.get(unit=r1, scope="certificate", year=2026).last == 4


@pytest.mark.django_db
def test_a_rolled_back_number_is_given_back(tree):
    next_number(tree["r1"], "certificate", 2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_number(tree["r1"], "certificate", 2026) == 2
        raise RuntimeError("the certificate could not be recorded")
    assert next_number(tree["r1"], "certificate", 2026) == 2


class GaveUp(Exception):
    """A caller that took a number, then rolled its transaction back."""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_callers_take_each_number_once_without_gaps(tree):
    if connection.vendor != "postgresql":
        pytest.fail("run with DATABASE_URL set to PostgreSQL")
    units = [tree["r1"], tree["r2"]]

    def work(i):
        # The first number of each series is created here too, by whoever comes first.
        with transaction.atomic():
            number = next_number(units[i % 2], "certificate", 2026)
            if i % 5 == 4:
                raise GaveUp(number)
        return number

    results = in_parallel(20, work)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, GaveUp)]
    assert unexpected == []
    for parity, unit in enumerate(units):
        kept = sorted(r for i, r in enumerate(results) if i % 2 == parity and i % 5 != 4)
        # Ten callers per region, two of them gave their number back: 1..8, each once.
        assert kept == list(range(1, 9))
        assert Counter.objects.get(unit=unit, scope="certificate", year=2026).last == 8


# -- The migration -----------------------------------------------------------------------

BEFORE = [
    ("learning_orgs", "0001_initial"),
    ("learning_certificates", "0001_initial"),
    ("learning_voice", "0002_discussion"),
]
AFTER = [
    ("learning_certificates", "0002_number_sequence_to_counter"),
    ("learning_voice", "0003_number_counter_to_orgs"),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_old_counters_move_into_the_numbering_service(tree):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("learning_certificates", "Sequence").objects.create(
        unit_id=tree["r1"].pk, year=2026, last=41
    )
    old.get_model("learning_voice", "NumberCounter").objects.create(
        region_id=tree["r2"].pk, year=2026, last=7
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert next_number(tree["r1"], "certificate", 2026) == 42
    assert next_number(tree["r2"], "suggestion", 2026) == 8
    assert next_number(tree["r2"], "certificate", 2026) == 1
