"""A member's home after sign-in: progress, quizzes due, points and streak, notices, as
parts a region reorders or drops (its theme), each also an embed widget."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dj_learning.members.models import Member
from dj_learning.quizzes import services as quizzes
from dj_learning.rewards import services as rewards
from dj_learning.rewards.models import PointEntry
from dj_learning.test import factories
from dj_learning.themes.models import RegionTheme

pytestmark = pytest.mark.django_db
PASSWORD = "Demo!pass2026"


def _parts(html):
    return re.findall(r'data-testid="home-part-([\w-]+)"', html)


def test_the_home_shows_the_members_parts_in_order(demo_courses, client):
    assert client.login(username="member", password=PASSWORD)
    html = client.get("/").content.decode()
    assert _parts(html) == ["my-study", "quizzes-due", "points", "upcoming-activities", "notices"]
    assert 'data-testid="required-credits"' in html  # the year's progress against the plan
    assert "新发展理念 · 随堂测验" in html  # the module quiz still to pass
    assert re.search(r'data-testid="home-points-balance">\d+<', html)


def test_a_region_reorders_and_drops_parts(demo_courses, client):
    member = Member.objects.select_related("unit").get(user__username="member")
    theme, _created = RegionTheme.objects.get_or_create(site=member.unit.region.site)
    theme.home_parts = "notices, points"
    theme.full_clean()
    theme.save()
    assert client.login(username="member", password=PASSWORD)
    assert _parts(client.get("/").content.decode()) == ["notices", "points"]
    theme.home_parts = "points, no-such-part"
    with pytest.raises(ValidationError, match="no-such-part"):
        theme.full_clean()


def test_a_part_is_an_embed_too(demo_courses, client):
    assert client.login(username="member", password=PASSWORD)
    for name in ("quizzes-due", "points"):
        response = client.get(f"/embed/{name}/")
        assert response.status_code == 200
        assert f'data-testid="embed-{name}"' in response.content.decode()


def test_quizzes_due_leave_out_passed_and_used_up_quizzes(tree):
    member = factories.member(unit=tree["b1"])
    due = factories.quiz(title="待考", closes_at=timezone.now() + timedelta(days=2))
    later = factories.quiz(title="无期限")
    passed = factories.quiz(title="已通过")
    right = factories.RIGHT_RESPONSES
    attempt = quizzes.start(member, passed)
    attempt = quizzes.submit(
        member, attempt.pk, {"1": right["single"], "2": right["truefalse"], "3": right["fill"]}
    )
    assert attempt.passed
    used = factories.quiz(title="用完", attempts_allowed=1)
    quizzes.submit(member, quizzes.start(member, used).pk, {})
    factories.quiz(title="外区", unit=tree["r2"])
    rows = quizzes.due_for(member)
    titles = [quiz.title for quiz, _left in rows]
    assert titles == [due.title, later.title]  # closing soonest first; passed, used up
    assert {q.title: left for q, left in rows}["待考"] == 3  # and others' left out


def test_the_streak_counts_days_in_a_row_with_points(tree):
    member = factories.member(unit=tree["b1"])
    today = rewards.local_day()
    for back in (0, 1, 2, 4):
        PointEntry.objects.create(
            member=member, amount=1, kind="earned", action="daily_sign_in",
            day=today - timedelta(days=back), title="签到",
        )  # fmt: skip
    assert rewards.streak(member) == 3
    PointEntry.objects.filter(member=member, day=today).delete()
    assert rewards.streak(member) == 2  # still running from yesterday
