"""The activities' seeder: two activities per branch, attendance at the past one.

Each branch has a party day a month ago, at which about two thirds of its
members checked in (a tenth of those marked by hand), and one next week that
members sign up for. Rows go in with ``bulk_create``; the points of check-ins
are left out (the rewards seeder's ledger stays as it is).
"""

import random
from datetime import timedelta

from django.utils import timezone

from dj_learning.activities.models import Activity, Attendance, SignUp

BATCH = 5000
CAPACITY = 200


def seed_activities(seeder):
    rng = random.Random(seeder.seed + 18)
    now = timezone.now()
    branches = seeder.context["branches"]
    past_start = now - timedelta(days=30)
    next_start = now + timedelta(days=7)
    activities = Activity.objects.bulk_create(
        [
            Activity(
                unit_id=pk,
                title=title,
                kind=kind,
                place="党员活动室",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                signup=signup,
                capacity=CAPACITY if signup else None,
                credit_hours=2,
            )
            for pk, _path in branches
            for title, kind, start, signup in (
                ("主题党日", Activity.Kind.PARTY_DAY, past_start, False),
                ("专题讲座", Activity.Kind.LECTURE, next_start, True),
            )
        ],
        batch_size=BATCH,
    )
    past = {a.unit_id: a for a in activities if a.starts_at == past_start}
    upcoming = {a.unit_id: a for a in activities if a.starts_at == next_start}
    attendances, signups, places = [], [], {}
    for member_id, branch_id in seeder.context["member_units"]:
        if rng.random() < 0.66:
            manual = rng.random() < 0.1
            attendances.append(
                Attendance(
                    activity=past[branch_id],
                    member_id=member_id,
                    how=Attendance.How.MANUAL if manual else Attendance.How.CODE,
                    reason="未带手机，纸质签到" if manual else "",
                )
            )
        # A third sign up for next week's, up to its capacity.
        if rng.random() < 0.3 and places.get(branch_id, 0) < CAPACITY:
            places[branch_id] = places.get(branch_id, 0) + 1
            signups.append(SignUp(activity=upcoming[branch_id], member_id=member_id))
    Attendance.objects.bulk_create(attendances, batch_size=BATCH)
    SignUp.objects.bulk_create(signups, batch_size=BATCH)
    seeder.report.add("activities", len(activities))
    seeder.report.add("attendances", len(attendances))
    seeder.report.add("sign-ups", len(signups))
