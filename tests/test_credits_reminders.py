"""Reminders to members behind their plan, near the end of the study year."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from dj_learning.credits import services
from dj_learning.credits.models import Reminder
from dj_learning.credits.reminders import remind_behind
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(tree, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", password="x")
    factories.plan(unit=tree["r1"], year=2026, required_credits="2")
    behind = factories.member(
        unit=tree["b1"], name="落后", user=factories.user(email="behind@example.org")
    )
    done = factories.member(
        unit=tree["b1"], name="达标", user=factories.user(email="done@example.org")
    )
    services.adjust(done, year=2026, kind="required", amount=Decimal("2"), reason="r", by=admin)
    no_plan = factories.member(unit=tree["b2"], user=factories.user(email="np@example.org"))
    return behind, done, no_plan


def test_members_behind_are_emailed_once_near_the_years_end(
    members, django_capture_on_commit_callbacks
):
    behind, _done, _no_plan = members
    assert remind_behind(date(2026, 10, 1)) == 0  # too early
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        assert remind_behind(date(2026, 12, 1)) == 1
    (message,) = mail.outbox
    assert message.to == ["behind@example.org"]
    assert "2026" in message.subject and "落后" in message.body
    # A rerun the same day, or within the interval, reminds nobody again.
    assert remind_behind(date(2026, 12, 1)) == 0
    assert remind_behind(date(2026, 12, 5)) == 0
    assert remind_behind(date(2026, 12, 8)) == 1
    assert Reminder.objects.filter(member=behind).count() == 2


def test_the_demo_schedules_the_reminders_daily(demo):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="dj_learning.credits.tasks.remind_members_behind")
    assert schedule.schedule_type == Schedule.DAILY
