"""The demo's activities: open for check-in whenever the demo runs, the member's streak and
volunteer service, and a points history written by real features only."""

import io

from django.core.management import call_command
from django.utils import timezone

from dj_learning.activities import services
from dj_learning.activities.models import Activity, Attendance, DailySignIn, Volunteering
from dj_learning.members.models import Member
from dj_learning.rewards.models import Action, PointEntry


def test_each_region_has_an_activity_open_for_check_in_now(demo):
    for region in ("region-1", "region-2"):
        open_now = [
            a
            for a in Activity.objects.filter(unit__path__startswith=_path(region))
            if services.window_open(a)
        ]
        assert len(open_now) == 1, region
    r1 = Activity.objects.get(title="“不忘初心”主题党日")
    assert r1.created_by.username == "clerk" and r1.unit.code == "r1-branch-1"


def _path(code):
    from dj_learning.orgs.models import Unit

    return Unit.objects.get(code=code).path


def test_the_member_has_a_streak_volunteering_in_three_states_and_a_real_history(demo):
    member = Member.objects.get(user__username="member")
    assert services.streak(member) == (3, False)
    assert set(Volunteering.objects.filter(member=member).values_list("status", flat=True)) == {
        "applied",
        "rejected",
        "pending",
    }
    sources = {
        e.action: e.source_type.model if e.source_type else None
        for e in PointEntry.objects.filter(member=member)
    }
    assert sources[Action.CHECK_IN] == "attendance"
    assert sources[Action.DAILY_SIGN_IN] == "dailysignin"
    assert sources[Action.VOLUNTEER_HOUR] == "volunteering"


def test_loading_the_demo_again_adds_nothing(demo):
    counts = [model.objects.count() for model in (Activity, Attendance, DailySignIn, Volunteering)]
    entries = PointEntry.objects.count()
    call_command("learning_demo", "--without-courses", verbosity=0, stdout=io.StringIO())
    assert [
        model.objects.count() for model in (Activity, Attendance, DailySignIn, Volunteering)
    ] == counts
    assert PointEntry.objects.count() == entries
    assert Activity.objects.get(title="党史专题讲座").starts_at < timezone.now()
