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


def test_the_load_seeder_writes_activities_attendance_and_sign_ups(db):
    from dj_learning.activities.models import SignUp

    out = io.StringIO()
    call_command(
        "learning_seed", members=40, modules=2, years=1, regions=2, branch_size=10, stdout=out
    )
    assert "activities" in out.getvalue() and "attendances" in out.getvalue()
    assert Activity.objects.count() == 8  # two for each of the four branches
    past = Activity.objects.filter(title="主题党日").order_by("pk").first()
    rows = services.attendance_rows(past)
    assert rows and {r.status for r in rows} <= {"code", "manual"}
    assert all(r.member.unit_id == past.unit_id for r in rows)
    assert all(
        s.member.unit_id == s.activity.unit_id for s in SignUp.objects.select_related("member")
    )


def test_the_demo_lobby_board_rotates_leaderboard_activities_and_notices(demo, client):
    page = client.get("/learning/board/demo-lobby/", HTTP_HOST="127.0.0.1").content.decode()
    for panel in ("board-leaderboard", "board-activities", "board-notices"):
        assert f'data-testid="{panel}"' in page
    assert "“不忘初心”主题党日" in page and "学分档案可在线下载" in page
    assert 'data-rotate="15"' in page and "lobby-board.js" in page
    member = Member.objects.get(user__username="member")
    assert member.member_number not in page and member.phone not in page
