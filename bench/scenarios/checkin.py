"""Check-in: a branch arriving at once, through gunicorn; the screen's polling cost.

- ``check-ins``: the members of a branch of 500 each check in once (the POST of
  the check-in form, with the code the screen shows, through CSRF and the
  session) from ``--concurrency`` connections to gunicorn: check-ins per second
  for the whole branch. Each run is a new activity, so every check-in writes an
  attendance and awards points. The ratio is to what "500 arriving in one
  minute" needs (500 / 60 ≈ 8.3/s): how far below capacity that is.
- ``screen poll``: ``screen.json`` (code, QR code, count) for the organizer, in
  this process, with 10 and 500 attendees: ms and queries per poll (the same for both).
"""

import http.client
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from bench import data, load, measure
from dj_learning.activities import services
from dj_learning.activities.models import Activity, Attendance
from dj_learning.orgs.models import StaffRole
from dj_learning.rewards.models import Action
from dj_learning.test import factories

TITLE = "Check-in: a branch arriving at once, and the screen's polling"
BRANCH = 500
NEEDED_PER_SECOND = BRANCH / 60


def _activity(unit, n):
    now = timezone.now()
    return Activity.objects.create(
        unit=unit,
        title=f"主题党日 {n}",
        place="党员活动室",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
    )


def _all_check_in(port, activity, cookies, concurrency):
    """Every member of ``cookies`` checks in once; returns check-ins per second."""
    path = f"/learning/activities/{activity.pk}/checkin/"
    queue = list(cookies)
    chunks = [queue[i::concurrency] for i in range(concurrency)]

    def client(chunk):
        conn = http.client.HTTPConnection(load.HOST, port, timeout=60)
        try:
            for cookie in chunk:
                # The screen's code now (each check-in reads it as a member reads the screen).
                code = services.current_code(activity).code
                load.run_flow(conn, [load.Step("POST", path, 302, {"code": code})], cookie)
        finally:
            conn.close()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(client, chunk) for chunk in chunks]:
            future.result()
    elapsed = time.perf_counter() - began
    if Attendance.objects.filter(activity=activity).count() != len(cookies):
        raise measure.BenchError("check-in: not every member was checked in once")
    return len(cookies) / elapsed


def run(ctx):
    region = factories.unit(kind="region")
    unit = factories.unit(parent=region)
    factories.point_rule(unit=region, action=Action.CHECK_IN, points=5)
    count = ctx.sizes(BRANCH, 20)
    members = data.member_pool(unit, data.course_with_modules(1, data.learner(unit)), count)
    cookies = data.session_cookies(members)
    params = {"members": count, "workers": ctx.workers, "clients": ctx.concurrency}
    checkins = measure.Result("HTTP: check-ins of a whole branch", params, "check-ins/s")
    with load.serve(workers=ctx.workers) as server:
        warm = _activity(unit, 0)
        load.fetch(server.port, f"/learning/activities/{warm.pk}/", cookie=cookies[0])
        # Every worker imports the site and opens its connection before the runs.
        load.requests_per_second(
            server.port,
            f"/learning/activities/{warm.pk}/",
            seconds=1.0,
            concurrency=ctx.concurrency,
            cookies=cookies,
        )
        for n in range(ctx.runs):
            activity = _activity(unit, n + 1)
            checkins.samples.append(_all_check_in(server.port, activity, cookies, ctx.concurrency))
    needed = measure.Result(
        "needed: 500 members arriving in one minute",
        {},
        "check-ins/s",
        samples=[NEEDED_PER_SECOND],
    )
    checkins.compare_to(needed)

    organizer = factories.staff(role=StaffRole.Role.CLERK, unit=unit)
    client = Client()
    client.force_login(organizer)
    results = [checkins, needed]
    polls = []
    for attendees in ctx.sizes((10, 500), (2, 20)):
        activity = _activity(unit, f"poll {attendees}")
        Attendance.objects.bulk_create(
            Attendance(activity=activity, member=member.learning_member)
            for member in members[:attendees]
        )
        poll = measure.page(
            ctx,
            client,
            f"/learning/activities/{activity.pk}/screen.json",
            scenario="screen poll (screen.json)",
            params={"attendees": attendees},
            expect=f'"count": {attendees}',
        )
        polls.append(poll)
    polls[-1].compare_to(polls[0])
    return results + polls
