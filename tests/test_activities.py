"""Activities: sign-up, the rotating check-in code, check-in, attendance by hand, crediting,
volunteer service through the review flow, daily sign-in and streaks. With a frozen clock:
the services take ``now``, the views read a patched ``timezone.now``."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from dj_learning.activities import services
from dj_learning.activities.models import Activity, Attendance, DailySignIn, Volunteering
from dj_learning.credits.models import CreditEntry, OfflineTraining
from dj_learning.orgs.models import StaffRole
from dj_learning.review import services as review
from dj_learning.rewards import services as rewards
from dj_learning.rewards.models import Action, PointEntry
from dj_learning.test import factories

pytestmark = pytest.mark.django_db

# An interval edge: 02:00:00 UTC is a multiple of 30 seconds since the epoch.
T = datetime(2026, 7, 1, 2, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def setup(tree):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"], username="clerk1")
    activity = Activity.objects.create(
        unit=tree["b1"],
        title="主题党日",
        place="党员活动室",
        starts_at=T,
        ends_at=T + timedelta(hours=2),
        credit_hours=Decimal("2"),
        created_by=clerk,
    )
    member = factories.member(unit=tree["b1a"], name="王芳", user=factories.user(username="wang"))
    factories.point_rule(unit=tree["r1"], action=Action.CHECK_IN, points=5, once_per_item=True)
    return {**tree, "clerk": clerk, "activity": activity, "member": member}


def code_at(activity, when):
    return services.current_code(activity, when).code


# -- The code ------------------------------------------------------------------------------


def test_the_code_has_six_digits_and_differs_by_activity_and_interval(setup):
    activity = setup["activity"]
    other = Activity.objects.create(
        unit=setup["b1"], title="讲座", place="礼堂", starts_at=T, ends_at=T + timedelta(hours=1)
    )
    code = services.current_code(activity, T + timedelta(seconds=10))
    assert len(code.code) == 6 and code.code.isdigit()
    assert code.expires_at == T + timedelta(seconds=30)
    assert code_at(activity, T + timedelta(seconds=29)) == code.code
    assert code_at(activity, T + timedelta(seconds=30)) != code.code
    assert code_at(other, T) != code.code


def test_a_code_lives_in_its_interval_and_the_next_then_is_refused(setup):
    activity = setup["activity"]
    code = code_at(activity, T)
    assert services.code_accepted(activity, code, T)
    assert services.code_accepted(activity, code, T + timedelta(seconds=59, microseconds=999999))
    assert not services.code_accepted(activity, code, T + timedelta(seconds=60))
    # Not before its own interval either (a code read ahead of time).
    assert not services.code_accepted(activity, code, T - timedelta(microseconds=1))


def test_the_interval_follows_the_setting(setup, learning_settings):
    learning_settings(CHECKIN_ROTATE_SECONDS=10)
    activity = setup["activity"]
    code = code_at(activity, T)
    assert services.current_code(activity, T).expires_at == T + timedelta(seconds=10)
    assert services.code_accepted(activity, code, T + timedelta(seconds=19))
    assert not services.code_accepted(activity, code, T + timedelta(seconds=20))


def test_codes_depend_on_the_secret_key(setup, settings):
    code = code_at(setup["activity"], T)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert code_at(setup["activity"], T) != code


# -- Check-in --------------------------------------------------------------------------------


def test_check_in_once_with_points_then_already_checked_in(setup):
    activity, member = setup["activity"], setup["member"]
    now = T + timedelta(minutes=5)
    attendance, entry = services.check_in(member, activity, code_at(activity, now), now)
    assert attendance.how == Attendance.How.CODE and entry.amount == 5
    with pytest.raises(services.AlreadyDone, match="You have checked in already."):
        services.check_in(member, activity, code_at(activity, now), now + timedelta(seconds=1))
    assert Attendance.objects.count() == 1
    assert rewards.balance_of(member)[0] == 5


@pytest.mark.parametrize(
    "code",
    ["", "12345", "abcdef", "1234567"],
    ids=["empty", "short", "letters", "long"],
)
def test_malformed_codes_are_refused(setup, code):
    now = T + timedelta(minutes=5)
    with pytest.raises(services.ActivityError, match="This code is wrong or has expired"):
        services.check_in(setup["member"], setup["activity"], code, now)
    assert not Attendance.objects.exists()


def test_old_forged_and_other_activitys_codes_are_refused(setup):
    activity, member = setup["activity"], setup["member"]
    other = Activity.objects.create(
        unit=setup["b1"], title="讲座", place="礼堂", starts_at=T, ends_at=T + timedelta(hours=1)
    )
    now = T + timedelta(minutes=5)
    old = code_at(activity, now - timedelta(seconds=60))
    forged = f"{(int(code_at(activity, now)) + 1) % 1_000_000:06d}"
    for code in (old, forged, code_at(other, now)):
        assert code not in {code_at(activity, now), code_at(activity, now - timedelta(seconds=30))}
        with pytest.raises(services.ActivityError) as refused:
            services.check_in(member, activity, code, now)
        assert refused.value.status == 400
    assert not Attendance.objects.exists() and rewards.balance_of(member)[0] == 0


def test_check_in_only_inside_the_window(setup, learning_settings):
    learning_settings(CHECKIN_OPENS_MINUTES_BEFORE=15, CHECKIN_CLOSES_MINUTES_AFTER=10)
    activity, member = setup["activity"], setup["member"]
    early = T - timedelta(minutes=15, seconds=1)
    with pytest.raises(services.ActivityError, match="Check-in opens at 07-01 09:45"):
        services.check_in(member, activity, code_at(activity, early), early)
    late = activity.ends_at + timedelta(minutes=10)
    with pytest.raises(services.ActivityError, match="Check-in for this activity has closed."):
        services.check_in(member, activity, code_at(activity, late), late)
    first = T - timedelta(minutes=15)
    services.check_in(member, activity, code_at(activity, first), first)


def test_members_outside_the_audience_are_refused(setup):
    outsider = factories.member(unit=setup["b2"])
    now = T + timedelta(minutes=1)
    with pytest.raises(services.NotForYou, match="This activity is not for your units."):
        services.check_in(outsider, setup["activity"], code_at(setup["activity"], now), now)
    assert not Attendance.objects.exists()


def test_mark_by_hand_needs_a_reason_and_the_organizers_scope(setup):
    activity, member, clerk = setup["activity"], setup["member"], setup["clerk"]
    with pytest.raises(services.ActivityError, match="Say why"):
        services.mark_by_hand(clerk, activity, member, "  ")
    stranger = factories.staff(role=StaffRole.Role.CLERK, unit=setup["b2"])
    with pytest.raises(services.NotForYou):
        services.mark_by_hand(stranger, activity, member, "没有手机")
    attendance, entry = services.mark_by_hand(clerk, activity, member, "没有手机")
    assert attendance.how == Attendance.How.MANUAL and attendance.marked_by == clerk
    assert entry.amount == 5
    with pytest.raises(services.AlreadyDone, match="王芳 is marked present already."):
        services.mark_by_hand(clerk, activity, member, "再记一次")


# -- Sign-up -----------------------------------------------------------------------------------


def test_sign_up_capacity_deadline_and_cancel(setup):
    activity = setup["activity"]
    activity.signup, activity.capacity = True, 2
    activity.signup_deadline = T - timedelta(days=1)
    activity.save()
    before = T - timedelta(days=2)
    first = factories.member(unit=setup["b1"])
    services.signup(setup["member"], activity.pk, before)
    with pytest.raises(services.AlreadyDone, match="You have signed up already."):
        services.signup(setup["member"], activity.pk, before)
    services.signup(first, activity.pk, before)
    with pytest.raises(services.ActivityError, match="Sorry, this activity is full."):
        services.signup(factories.member(unit=setup["b1"]), activity.pk, before)
    services.cancel_signup(first, activity, before)
    services.signup(factories.member(unit=setup["b1"]), activity.pk, before)
    with pytest.raises(services.ActivityError, match="Sign-up for this activity has closed."):
        services.signup(factories.member(unit=setup["b1"]), activity.pk, T - timedelta(days=1))
    with pytest.raises(services.ActivityError, match="no longer be cancelled"):
        services.cancel_signup(setup["member"], activity, T)
    with pytest.raises(services.NotForYou):
        services.signup(factories.member(unit=setup["b2"]), activity.pk, before)
    assert activity.signups.count() == 2


def test_an_activity_without_sign_up_refuses_one(setup):
    with pytest.raises(services.ActivityError, match="needs no sign-up"):
        services.signup(setup["member"], setup["activity"].pk, T - timedelta(days=1))


# -- After the activity: credits and points ------------------------------------------------------


def test_crediting_twice_gives_nothing_twice_through_review_for_a_clerk(setup):
    activity, member, clerk = setup["activity"], setup["member"], setup["clerk"]
    other = factories.member(unit=setup["b1"])
    now = T + timedelta(minutes=5)
    services.check_in(member, activity, code_at(activity, now), now)
    services.mark_by_hand(clerk, activity, other, "没有手机", now)
    first = services.credit_attendance(clerk, activity, now)
    # A clerk may not approve training: the branch's reviewer decides.
    assert (first.credited, first.pending, first.points) == (0, 2, 0)
    second = services.credit_attendance(clerk, activity, now)
    assert (second.credited, second.pending, second.points) == (0, 0, 0)
    trainings = OfflineTraining.objects.filter(status="pending")
    assert trainings.count() == 2 and not CreditEntry.objects.exists()
    reviewer = factories.staff(role=StaffRole.Role.REVIEWER, unit=setup["b1"])
    for training in trainings:
        review.approve(training, reviewer)
    assert CreditEntry.objects.filter(source="offline", amount=2, title="主题党日").count() == 2
    assert PointEntry.objects.filter(action=Action.CHECK_IN).count() == 2


def test_a_reviewer_organizer_credits_at_once_and_only_once(setup):
    activity, member = setup["activity"], setup["member"]
    organizer = factories.staff(role=StaffRole.Role.REVIEWER, unit=setup["b1"])
    now = T + timedelta(minutes=5)
    services.mark_by_hand(organizer, activity, member, "纸质签到", now)
    PointEntry.objects.all().delete()  # as if the rule came after the attendance
    from dj_learning.rewards.models import Balance

    Balance.objects.all().delete()
    first = services.credit_attendance(organizer, activity, now)
    assert (first.credited, first.pending, first.points) == (1, 0, 1)
    again = services.credit_attendance(organizer, activity, now)
    assert (again.credited, again.pending, again.points) == (0, 0, 0)
    entry = CreditEntry.objects.get()
    assert (entry.member, entry.amount, entry.kind) == (member, Decimal("2.00"), "elective")
    assert OfflineTraining.objects.get().steps.count() == 2
    assert rewards.balance_of(member)[0] == 5


def test_crediting_is_refused_outside_the_scope(setup):
    stranger = factories.staff(role=StaffRole.Role.REVIEWER, unit=setup["b2"])
    with pytest.raises(services.NotForYou):
        services.credit_attendance(stranger, setup["activity"])


def test_attendance_rows_checked_in_by_hand_and_absent(setup):
    activity, clerk = setup["activity"], setup["clerk"]
    activity.signup = True
    activity.save()
    absent = factories.member(unit=setup["b1"], name="缺席者")
    came = factories.member(unit=setup["b1"], name="到场者")
    services.signup(absent, activity.pk, T - timedelta(days=1))
    services.signup(came, activity.pk, T - timedelta(days=1))
    now = T + timedelta(minutes=1)
    services.check_in(came, activity, code_at(activity, now), now)
    services.mark_by_hand(clerk, activity, setup["member"], "没有手机")
    rows = {r.member.name: (r.status, r.signed_up) for r in services.attendance_rows(activity)}
    assert rows == {"到场者": ("code", True), "王芳": ("manual", False), "缺席者": ("absent", True)}


# -- Volunteer service -------------------------------------------------------------------------


def test_volunteer_hours_through_the_review_flow(setup):
    member = setup["member"]
    factories.point_rule(unit=setup["r1"], action=Action.VOLUNTEER_HOUR, points=3)
    reviewer = factories.staff(role=StaffRole.Role.REVIEWER, unit=setup["b1"])
    entry = services.log_volunteering(
        member, date=date(2026, 6, 30), hours=Decimal("2.5"), description="社区清扫", now=T
    )
    assert entry.status == Volunteering.Status.PENDING and rewards.balance_of(member)[0] == 0
    with pytest.raises(review.ReviewError, match="Say why"):
        review.reject(entry, reviewer, "")
    review.approve(entry, reviewer)
    entry.refresh_from_db()
    assert entry.status == Volunteering.Status.APPLIED
    # 3 points an hour, 2.5 hours: 7.5 rounds to 8.
    assert rewards.balance_of(member)[0] == 8
    assert services.volunteer_hours(member, 2026) == Decimal("2.5")
    section = services.transcript_section(member, 2026)
    assert section.rows == [["2026-06-30", "社区清扫", "2.50"], ["Total", "", "2.50"]]
    # Approving again is refused by the flow: nothing twice.
    with pytest.raises(review.ReviewError):
        review.approve(entry, reviewer)
    assert PointEntry.objects.filter(action=Action.VOLUNTEER_HOUR).count() == 1


def test_a_rejected_entry_counts_nothing(setup):
    member = setup["member"]
    reviewer = factories.staff(role=StaffRole.Role.REVIEWER, unit=setup["b1"])
    entry = services.log_volunteering(
        member, date=date(2026, 6, 30), hours=Decimal(3), description="敬老院", now=T
    )
    review.reject(entry, reviewer, "没有证明")
    assert services.volunteer_hours(member, 2026) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hours": Decimal(0)}, "Give the hours"),
        ({"hours": Decimal(25)}, "at most 24 hours"),
        ({"description": " "}, "Say what the service was."),
        ({"date": date(2026, 7, 2)}, "cannot be in the future"),
    ],
    ids=["no-hours", "too-many", "no-description", "future"],
)
def test_volunteer_bad_input(setup, fields, message):
    values = {"date": date(2026, 6, 30), "hours": Decimal(2), "description": "清扫", **fields}
    with pytest.raises(services.ActivityError, match=message):
        services.log_volunteering(setup["member"], now=T, **values)
    assert not Volunteering.objects.exists()


# -- Daily sign-in -------------------------------------------------------------------------------


def shanghai(*args):
    return timezone.make_aware(datetime(*args), timezone.get_fixed_timezone(8 * 60))


def test_streaks_across_the_day_boundary_in_shanghai(setup, settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    member = setup["member"]
    factories.point_rule(unit=setup["r1"], action=Action.DAILY_SIGN_IN, points=1, daily_cap=1)
    first = services.sign_in_today(member, shanghai(2026, 7, 1, 23, 59))
    assert (first.sign_in.day, first.sign_in.streak, first.points) == (date(2026, 7, 1), 1, 1)
    # Two minutes later it is the next day in Shanghai (still 1 July in UTC).
    second = services.sign_in_today(member, shanghai(2026, 7, 2, 0, 1))
    assert (second.sign_in.day, second.sign_in.streak, second.points) == (date(2026, 7, 2), 2, 1)
    with pytest.raises(services.AlreadyDone, match="You have signed in today already."):
        services.sign_in_today(member, shanghai(2026, 7, 2, 23, 59))
    assert services.streak(member, shanghai(2026, 7, 3, 12, 0)) == (2, False)
    # A missed day (3 July) resets the streak.
    assert services.streak(member, shanghai(2026, 7, 4, 0, 0)) == (0, False)
    third = services.sign_in_today(member, shanghai(2026, 7, 4, 8, 0))
    assert third.sign_in.streak == 1
    assert services.streak(member, shanghai(2026, 7, 4, 9, 0)) == (1, True)
    assert rewards.balance_of(member)[0] == 3
    assert DailySignIn.objects.filter(member=member).count() == 3
