"""The unit report (``credits.reports.unit_report``) over 10,000 and 100,000 members.

A region of 20 branches: the region has a study plan, one branch its own,
stricter one. Members are spread evenly over the branches, each with 3
credit entries in the year (adjustments, with credits that vary so that some
members meet the plan and some do not). The members are written with
``bulk_create`` (one password hash for all): 10,000 first, measured, then
90,000 more in the same branches, measured again. A superuser asks for the
whole region, as the report page does for an administrator.

The report is aggregated in the database in a fixed number of queries; the
point is that its cost per member does not grow with the members: the unit is
microseconds per member, the ratio 100k/10k is 1 when it does not.

"Before": the report as it was until this bench found it slow (six correlated
subqueries per member, kept in ``bench/previous_report.py``), measured on the
same data in the same run, after a check that both give the same rows. Its
ratio is its time over the current report's (how much faster the join is).

On PostgreSQL the tables are ``ANALYZE``d after each build (as autovacuum
would), and the report is measured a second time with ``SET jit = off``: the
planner's cost estimate of the query is high enough for PostgreSQL's JIT
compiler to start, whose fixed cost (a large share of a 10,000-member report)
is not the product's scaling.
"""

import time
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from bench import data, measure, previous_report
from dj_learning.courses.services import study_year
from dj_learning.credits import reports
from dj_learning.test import factories

TITLE = "Credits: unit report"
SCENARIO = "unit report"
BEFORE = "unit report, before (correlated subqueries)"
BRANCHES = 20
SIZES = (10_000, 100_000)
ENTRIES_PER_MEMBER = 3


def _analyze():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _measure(ctx, scenario, call, members, *, params):
    rows = call()  # warm-up, and a check that the report counts every member
    if sum(row.members for row in rows) != members:
        raise measure.BenchError(f"{scenario}: the report does not count {members} members")
    result = measure.Result(scenario, params, "µs/member", queries=measure.count_queries(call))
    for _ in range(ctx.runs):
        start = time.perf_counter()
        call()
        result.samples.append((time.perf_counter() - start) * 1e6 / members)
    return result


@contextmanager
def _jit_off():
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")


def run(ctx):
    year = study_year()
    region, branches = data.region_with_branches(BRANCHES)
    factories.plan(unit=region, year=year, required_credits="2", min_elective_credits="1")
    factories.plan(unit=branches[0], year=year, required_credits="3", min_elective_credits="2")
    admin = get_user_model().objects.create_superuser("bench-admin", password=None)

    def call():
        return reports.unit_report(admin, region, year)

    def before():
        return previous_report.unit_report(admin, region, year)

    results, befores, built = {}, [], 0
    sizes = ctx.sizes(SIZES, (200, 1000))
    for size in sizes:
        start = time.perf_counter()
        with transaction.atomic():
            data.bulk_members(
                branches,
                size - built,
                year=year,
                prefix=f"R{size}",
                entries_per_member=ENTRIES_PER_MEMBER,
            )
        _analyze()
        print(f"   (built {size - built} members in {time.perf_counter() - start:.0f} s)")
        built = size
        params = {"members": size, "units": BRANCHES + 1}
        if _rows(call()) != _rows(before()):
            raise measure.BenchError(f"{SCENARIO}: the report and its previous query disagree")
        results[size] = [_measure(ctx, SCENARIO, call, size, params=params)]
        if connection.vendor == "postgresql":
            with _jit_off():
                results[size].append(
                    _measure(ctx, f"{SCENARIO}, jit off", call, size, params=params)
                )
        previous = _measure(ctx, BEFORE, before, size, params=params)
        previous.compare_to(results[size][0])
        befores.append(previous)
    small, large = (results[size] for size in sizes)
    for base, grown in zip(small, large, strict=True):
        grown.compare_to(base)
    return [result for pair in zip(small, large, strict=True) for result in pair] + befores


def _rows(report):
    return [(r.unit.pk, r.members, r.met, r.behind, r.average) for r in report]
