"""Sign-ups, check-ins and daily sign-ins under real parallel requests (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dj_learning.activities import services
from dj_learning.activities.models import Activity, Attendance, DailySignIn, SignUp
from dj_learning.rewards import services as rewards
from dj_learning.rewards.models import Action, PointEntry
from dj_learning.test import factories
from dj_learning.test.concurrency import in_parallel

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def activity(tree, **fields):
    now = timezone.now()
    return Activity.objects.create(
        unit=tree["b1"],
        title="主题党日",
        place="活动室",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        **fields,
    )


def test_forty_members_race_for_ten_places(tree):
    deadline = timezone.now() + timedelta(minutes=30)
    event = activity(tree, signup=True, capacity=10, signup_deadline=deadline)
    members = [factories.member(unit=tree["b1"]) for _ in range(40)]
    results = in_parallel(40, lambda i: services.signup(members[i], event.pk), language="en")
    won = [r for r in results if isinstance(r, SignUp)]
    lost = {str(r) for r in results if not isinstance(r, SignUp)}
    assert len(won) == 10 and lost == {"Sorry, this activity is full."}
    assert SignUp.objects.filter(activity=event).count() == 10


def test_one_member_checking_in_twenty_times_at_once(tree):
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=5)
    event = activity(tree)
    member = factories.member(unit=tree["b1"])
    code = services.current_code(event).code
    results = in_parallel(20, lambda i: services.check_in(member, event, code), language="en")
    done = [r for r in results if isinstance(r, tuple)]
    refused = {str(r) for r in results if not isinstance(r, tuple)}
    assert len(done) == 1 and refused == {"You have checked in already."}
    assert Attendance.objects.filter(member=member).count() == 1
    assert rewards.balance_of(member)[0] == 5


def test_thirty_members_checking_in_at_once_all_count(tree):
    event = activity(tree)
    members = [factories.member(unit=tree["b1"]) for _ in range(30)]
    code = services.current_code(event).code
    results = in_parallel(30, lambda i: services.check_in(members[i], event, code), language="en")
    assert all(isinstance(r, tuple) for r in results), results
    assert services.checked_in_count(event.pk) == 30


def test_a_daily_sign_in_raced_ten_times_counts_once(tree):
    factories.point_rule(unit=tree["r1"], action=Action.DAILY_SIGN_IN, points=1)
    member = factories.member(unit=tree["b1"])
    results = in_parallel(10, lambda i: services.sign_in_today(member), language="en")
    assert len([r for r in results if isinstance(r, services.SignedIn)]) == 1
    assert {str(r) for r in results if not isinstance(r, services.SignedIn)} == {
        "You have signed in today already."
    }
    assert DailySignIn.objects.count() == 1
    assert PointEntry.objects.filter(action=Action.DAILY_SIGN_IN).count() == 1
