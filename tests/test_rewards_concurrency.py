"""Caps and redemptions under real parallel requests (PostgreSQL, one connection per thread)."""

import pytest

from dj_learning.rewards import services
from dj_learning.rewards.models import Action, PointEntry, Redemption
from dj_learning.test import factories
from dj_learning.test.concurrency import in_parallel

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_fifty_members_race_for_the_last_item(tree):
    item = factories.catalog_item(unit=tree["r1"], title="党徽", cost=10, stock=1)
    members = [factories.member(unit=tree["b1"]) for _ in range(50)]
    for m in members:
        factories.points(m, 10)
    results = in_parallel(50, lambda i: services.redeem(members[i], item.pk), language="en")
    won = [r for r in results if isinstance(r, Redemption)]
    lost = [str(r) for r in results if not isinstance(r, Redemption)]
    assert len(won) == 1
    assert set(lost) == {"Sorry, “党徽” is out of stock."}
    item.refresh_from_db()
    assert item.stock == 0 and Redemption.objects.count() == 1
    assert sum(services.balance_of(m)[0] for m in members) == 490
    assert services.check_ledger() == []


def test_fifty_redemptions_with_a_balance_covering_one(tree):
    item = factories.catalog_item(unit=tree["r1"], title="书签", cost=30, stock=100)
    member = factories.member(unit=tree["b1"])
    factories.points(member, 59)
    results = in_parallel(50, lambda i: services.redeem(member, item.pk), language="en")
    won = [r for r in results if isinstance(r, Redemption)]
    assert len(won) == 1
    assert {str(r) for r in results if r not in won} == {"You need 30 points; you have 29."}
    item.refresh_from_db()
    assert item.stock == 99 and services.balance_of(member)[:2] == (29, 59)
    assert services.check_ledger() == []


def test_twenty_concurrent_awards_respect_the_daily_cap(tree):
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=7, daily_cap=30)
    member = factories.member(unit=tree["b1"])
    sources = [factories.unit(parent=tree["b1"]) for _ in range(20)]
    results = in_parallel(
        20,
        lambda i: services.award(member, Action.CHECK_IN, source=sources[i], title=f"活动{i}"),
        language="en",
    )
    assert not [r for r in results if isinstance(r, Exception)]
    amounts = sorted(r.amount for r in results if r is not None)
    assert amounts == [2, 7, 7, 7, 7]
    assert services.balance_of(member)[:2] == (30, 30)
    assert PointEntry.objects.filter(member=member).count() == 5


def test_the_same_source_delivered_twenty_times_at_once_awards_once(tree):
    factories.point_rule(unit=tree["r1"], action=Action.MODULE_COMPLETED, points=10)
    member = factories.member(unit=tree["b1"])
    source = factories.unit(parent=tree["b1"])
    in_parallel(
        20, lambda i: services.award(member, Action.MODULE_COMPLETED, source=source), language="en"
    )
    assert services.balance_of(member)[:2] == (10, 10)
