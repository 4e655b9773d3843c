"""Points: awards per second, an award from transcripts to N members, concurrent redemptions.

- ``award``: ``rewards.services.award()`` for one member under a capped rule
  that never fills (each call locks the balance row, checks the key and the
  cap, writes an entry, moves the balance): awards per second and the queries
  of one award.
- ``award from transcripts``: ``rewards.awards.run()`` for every member of a
  region of 20 branches, 1,000, 10,000 and 100,000 members (the members are
  built once, each size adding to the last). Bulk inserts
  in chunks of ``awards.CHUNK``: µs per member, and the queries of the whole
  job. Ratio to the smallest size: 1 when the cost per member does not grow.
- ``concurrent redemptions`` (PostgreSQL only): 8 threads, each with its own
  connection, redeem the same item (one hot row) for different members:
  redemptions per second, all of them serialized on the item's row lock.
"""

import threading
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from bench import data, measure
from dj_learning.courses.services import study_year
from dj_learning.rewards import awards, services
from dj_learning.rewards.models import Action, Balance, TranscriptAward
from dj_learning.test import factories

TITLE = "Points: awards and redemptions"
BRANCHES = 20
SIZES = (1_000, 10_000, 100_000)
AWARDS_PER_RUN = 200
THREADS = 8
REDEMPTIONS_PER_THREAD = 25


def _awards(ctx):
    unit = factories.unit(kind="region")
    factories.point_rule(unit=unit, action=Action.CHECK_IN, points=1, daily_cap=10**9)
    member = factories.member(unit=unit)
    counter = iter(range(10**9))

    def call():
        return services.award(member, Action.CHECK_IN, title=f"活动{next(counter)}")

    call()
    result = measure.Result(
        "award", {"rule": "capped"}, "awards/s", queries=measure.count_queries(call)
    )
    for _ in range(ctx.runs):
        start = time.perf_counter()
        for _ in range(AWARDS_PER_RUN):
            call()
        result.samples.append(AWARDS_PER_RUN / (time.perf_counter() - start))
    return result


def _from_transcripts(ctx):
    year = study_year()
    region, branches = data.region_with_branches(BRANCHES)
    admin = get_user_model().objects.create_superuser("bench-points-admin", password=None)
    results, built = [], 0
    for size in ctx.sizes(SIZES, (20, 50)):
        start = time.perf_counter()
        with transaction.atomic():
            data.bulk_members(
                branches, size - built, year=year, prefix=f"P{size}", entries_per_member=1
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"   (built {size - built} members in {time.perf_counter() - start:.0f} s)")
        built = size

        def new_award():
            return TranscriptAward.objects.create(
                unit=region,
                year=year,
                criterion="min_credits",
                min_credits=0,
                points=5,
                reason="基准测试",
                requested_by=admin,
            )

        award = new_award()
        result = measure.Result(
            "award from transcripts",
            {"members": size},
            "µs/member",
            queries=measure.count_queries(lambda award=award: awards.run(award.pk)),
        )
        if award.entries.count() != size:
            raise measure.BenchError(f"the award reached {award.entries.count()} of {size}")
        for _ in range(ctx.runs):
            award = new_award()
            start = time.perf_counter()
            awards.run(award.pk)
            result.samples.append((time.perf_counter() - start) * 1e6 / size)
        if results:
            result.compare_to(results[0])
        results.append(result)
    return results


def _redemptions(ctx):
    unit = factories.unit(kind="region")
    total = THREADS * REDEMPTIONS_PER_THREAD
    result = measure.Result(
        "concurrent redemptions", {"threads": THREADS, "redemptions": total}, "redemptions/s"
    )
    for _ in range(ctx.runs):
        item = factories.catalog_item(unit=unit, cost=1, stock=total)
        members = [factories.member(unit=unit) for _ in range(THREADS)]
        Balance.objects.bulk_create([Balance(member=m, balance=total) for m in members])
        barrier = threading.Barrier(THREADS)
        errors = []

        def work(member, item=item, barrier=barrier, errors=errors):
            try:
                barrier.wait()
                for _ in range(REDEMPTIONS_PER_THREAD):
                    services.redeem(member, item.pk)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(m,)) for m in members]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result.samples.append(total / (time.perf_counter() - start))
        item.refresh_from_db()
        if errors or item.stock != 0:
            raise measure.BenchError(f"redemptions: stock {item.stock} left, errors {errors[:1]}")
    return result


def run(ctx):
    results = [_awards(ctx), *_from_transcripts(ctx)]
    if connection.vendor == "postgresql":
        results.append(_redemptions(ctx))
    return results
