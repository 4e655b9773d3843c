"""Demo activities: in each region an activity open for check-in whenever the demo runs, an
upcoming one with sign-up, a past one the demo member checked in at; the member's volunteer
service in several states and a daily sign-in streak; a lobby screen for region 1.

Everything goes through the app's services (check-in with the code of the day, approval
through the review flow, daily sign-in), so the points history shows only entries real
features wrote. Loading again moves the open activities' times to now and adds nothing.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from dj_learning.activities import services
from dj_learning.activities.models import Activity, DailySignIn, LobbyScreen, Volunteering
from dj_learning.members.models import Member
from dj_learning.orgs.models import Unit
from dj_learning.review import services as review

# One open activity per region: (organizing unit, organizer's username or None, title, place).
OPEN_NOW = [
    ("r1-branch-1", "clerk", "“不忘初心”主题党日", "东湖区第一支部党员活动室"),
    ("r2-branch-1", None, "党史专题讲座", "西山区党群服务中心礼堂"),
]


#: The demo lobby screen's secret (a real one is random): /learning/board/demo-lobby/.
DEMO_BOARD_TOKEN = "demo-lobby"


def load():
    users = get_user_model().objects
    now = timezone.now()
    for unit_code, organizer, title, place in OPEN_NOW:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            continue
        by = users.filter(username=organizer).first() if organizer else None
        # Open for check-in now, and for the rest of the day the demo is shown.
        Activity.objects.update_or_create(
            unit=unit,
            title=title,
            defaults={
                "kind": Activity.Kind.PARTY_DAY,
                "place": place,
                "description": "请携带党员证，扫描大屏幕上的二维码或输入签到码签到。",
                "starts_at": now - timedelta(minutes=30),
                "ends_at": now + timedelta(hours=12),
                "credit_hours": Decimal(2),
                "created_by": by,
            },
        )
        start = _at(now + timedelta(days=7), 14)
        Activity.objects.update_or_create(
            unit=unit.get_parent() or unit,
            title="志愿服务日：社区环境整治",
            defaults={
                "kind": Activity.Kind.VOLUNTEER,
                "place": "社区广场",
                "starts_at": start,
                "ends_at": start + timedelta(hours=3),
                "signup": True,
                "capacity": 30,
                "signup_deadline": start - timedelta(days=1),
                "credit_hours": Decimal(1),
                "created_by": by,
            },
        )
    region1 = Unit.objects.filter(code="region-1").first()
    if region1 is not None:
        # A fixed secret in the demo only, so the board's link can be printed below.
        LobbyScreen.objects.get_or_create(
            unit=region1, name="东湖区党群服务中心大厅", defaults={"token": DEMO_BOARD_TOKEN}
        )
    _member_history(now)


def _at(day, hour):
    return datetime.combine(
        timezone.localdate(day), time(hour), tzinfo=timezone.get_current_timezone()
    )


def _member_history(now):
    member = Member.objects.select_related("unit", "user").filter(user__username="member").first()
    branch = Unit.objects.filter(code="r1-branch-1").first()
    if member is None or branch is None:
        return
    reviewer = get_user_model().objects.filter(username="reviewer").first()
    # A party day five days ago at which the member checked in with the code of that moment.
    past = _at(now - timedelta(days=5), 9)
    activity, _created = Activity.objects.get_or_create(
        unit=branch,
        title="主题党日",
        defaults={
            "place": "东湖区第一支部党员活动室",
            "starts_at": past,
            "ends_at": past + timedelta(hours=2),
            "credit_hours": Decimal(2),
            "created_by": get_user_model().objects.filter(username="clerk").first(),
        },
    )
    if not activity.attendances.filter(member=member).exists():
        moment = activity.starts_at + timedelta(minutes=3)
        code = services.current_code(activity, moment).code
        services.check_in(member, activity, code, moment)
    # Three days of daily sign-in up to yesterday: a streak of 3 that today's sign-in extends.
    if not DailySignIn.objects.filter(member=member).exists():
        for days_ago in (3, 2, 1):
            services.sign_in_today(member, _at(now - timedelta(days=days_ago), 8))
    # Volunteer service: approved, rejected with a reason, and waiting for the branch.
    if reviewer is not None and not Volunteering.objects.filter(member=member).exists():
        today = timezone.localdate(now)
        approved = services.log_volunteering(
            member,
            date=today - timedelta(days=5),
            hours=Decimal(3),
            description="社区义务清扫",
            now=now,
        )
        review.approve(approved, reviewer, "情况属实")
        rejected = services.log_volunteering(
            member,
            date=today - timedelta(days=3),
            hours=Decimal(8),
            description="敬老院探访",
            now=now,
        )
        review.reject(rejected, reviewer, "时长与活动记录不符，请核对后重新提交。")
        services.log_volunteering(
            member,
            date=today - timedelta(days=1),
            hours=Decimal(2),
            description="文明交通劝导",
            now=now,
        )
