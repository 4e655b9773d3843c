"""Members studying at once: a locust load against the site under gunicorn.

Simulated members (``bench/locust_members.py``, headless, in its own process,
loopback only) each signed in by a session cookie send a heartbeat every
``HEARTBEAT_INTERVAL`` seconds (60 by default) as the module page's script does and, once in twenty minutes of study,
open My study and the module, take a quiz, check in at an activity with the code
its screen shows, and redeem a reward with the check-in's points. The load rises in steps of members at once; the result is
the largest step whose heartbeats had a p99 of at most 200 ms and no request
failed, its heartbeats and requests per second, and the sizing figure: members
studying at once per core = heartbeats/s per core × the interval.

After the run, with the server stopped: no request failed with a server error,
the points ledger agrees with every balance (``rewards.services.check_ledger``),
and the study seconds recorded are exactly the seconds the members sent and had
acknowledged (nothing lost, nothing counted twice). A run that breaks either of
the last two raises ``BenchError``: its numbers would mean nothing.

Also the SQL queries of one heartbeat (Django's test client in this process).
Smoke: 5 members beating every second for a few seconds, doing everything in 4 beats.
"""

import json
import os
import resource
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from bench import data, load, measure
from dj_learning import conf
from dj_learning.activities.models import Activity
from dj_learning.courses import services as courses
from dj_learning.courses.models import LessonProgress
from dj_learning.orgs.models import StaffRole
from dj_learning.quizzes import services as quizzes
from dj_learning.rewards import services as rewards
from dj_learning.rewards.models import Action
from dj_learning.test import factories

TITLE = "Load: members studying at once (locust, a heartbeat a minute)"
GOAL_MEMBERS = 10_000
P99_MS = 200
# Seconds between two heartbeats of a member, as the module page sends them (the default
# of HEARTBEAT_INTERVAL; each beat carries the study time gathered since the last).
INTERVAL = conf.DEFAULTS["HEARTBEAT_INTERVAL"]
# Members at once, step by step, up to the goal; the steps stop at the first that fails.
# Each step takes two intervals (settling, then one beat of every member).
STEPS = [500, 1000, 2000, 4000, 7000, GOAL_MEMBERS]
CYCLE = 20  # beats (20 minutes) in which a member also opens pages, takes a quiz, ...
LESSONS = 8
QUESTIONS = 3
DRIVER = load.ROOT / "bench" / "locust_members.py"
RESULTS = load.ROOT / "bench" / "results"


def _site(count):
    """Members of a branch, a module of their plan, a quiz, an activity and a reward."""
    region = factories.unit(kind="region")
    unit = factories.unit(parent=region)
    course = factories.course()
    # One minute a lesson: a member moves to the next lesson after a minute of beats.
    module = factories.module(course=course, minutes=str(LESSONS), lesson_count=LESSONS)
    factories.plan(unit=region, modules=[module])
    # Enrolled in another course, without progress: the module is theirs by the plan.
    users = data.member_pool(unit, factories.course(), count, prefix="load")
    factories.point_rule(unit=region, action=Action.CHECK_IN, points=5)
    factories.point_rule(unit=region, action=Action.QUIZ_PASSED, points=5)
    quiz = factories.quiz(kinds=("single",) * QUESTIONS, unit=region, attempts_allowed=0)
    probe = quizzes.start(factories.member(unit=unit), quiz)
    answers = {f"q{q['position']}": factories.RIGHT_RESPONSES[q["kind"]] for q in probe.questions}
    now = timezone.now()
    activity = Activity.objects.create(
        unit=unit,
        title="主题党日",
        place="党员活动室",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=3),
    )
    item = factories.catalog_item(unit=region, cost=5, stock=10 * count)
    organizer = factories.staff(role=StaffRole.Role.CLERK, unit=unit)
    return {
        "module": module,
        "users": users,
        "organizer": organizer,
        "spec": {
            "module_id": module.pk,
            "module_url": module.url,
            "lessons": list(courses.lesson_requirements(module)),
            "quiz_start_url": f"/learning/quizzes/{quiz.pk}/start/",
            "answers": answers,
            "checkin_url": f"/learning/activities/{activity.pk}/checkin/",
            "screen_url": f"/learning/activities/{activity.pk}/screen.json",
            "redeem_url": f"/learning/rewards/{item.pk}/redeem/",
            "csrf": load.CSRF_SECRET,
        },
    }


def _heartbeat_queries(site):
    """The SQL queries of one heartbeat of a member whose clock runs, in this process."""
    member = site["users"][-1].learning_member
    client = Client()
    client.force_login(member.user)
    lesson = site["spec"]["lessons"][0]

    def beat():
        response = client.post(
            "/api/v1/study/heartbeat",
            {"module": site["module"].pk, "lesson": lesson, "seconds": 0},
            content_type="application/json",
        )
        if response.status_code != 200:
            raise measure.BenchError(f"heartbeat: status {response.status_code}")

    beat()  # starts the clock
    return measure.count_queries(beat)


def _drive(spec):
    """Run the locust driver on ``spec``; its results, and the CPU seconds it used."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    spec_path, result_path = RESULTS / "load-spec.json", RESULTS / "load-result.json"
    spec_path.write_text(json.dumps(spec))
    result_path.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(
            [sys.executable, str(DRIVER), str(spec_path), str(result_path)], check=False
        )
        if done.returncode != 0:
            raise measure.BenchError(f"the locust driver exited with status {done.returncode}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return json.loads(result_path.read_text()), cpu
    finally:
        spec_path.unlink(missing_ok=True)  # it holds session cookies


def _cpu_seconds(pids):
    """User and system CPU seconds the processes ``pids`` used so far (``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _check(site, run, seconds_before):
    """The run's after-checks; raises ``BenchError`` when the data is wrong."""
    tally, totals = run["tally"], run["totals"]
    recorded = (
        LessonProgress.objects.filter(module=site["module"]).aggregate(s=Sum("seconds"))["s"] or 0
    ) - seconds_before
    drifts = rewards.check_ledger()
    if drifts:
        raise measure.BenchError(f"load: the points ledger disagrees with {len(drifts)} balances")
    if run["in_flight_at_stop"]:
        raise measure.BenchError(f"load: {run['in_flight_at_stop']} beats never answered")
    if not recorded == tally["seconds_acknowledged"] == tally["seconds_counted"]:
        raise measure.BenchError(
            f"load: {recorded} study seconds recorded, {tally['seconds_acknowledged']} sent "
            f"and acknowledged, {tally['seconds_counted']} counted in the answers"
        )
    return recorded, len(drifts), totals["server_errors"]


def run(ctx):
    steps = ctx.sizes(STEPS, [5])
    site = _site(max(steps))
    queries = _heartbeat_queries(site)
    seconds_before = (
        LessonProgress.objects.filter(module=site["module"]).aggregate(s=Sum("seconds"))["s"] or 0
    )
    interval = ctx.sizes(INTERVAL, 1)
    spec = {
        **site["spec"],
        "cookies": data.session_cookies(site["users"]),
        "organizer": data.session_cookies([site["organizer"]])[0].removeprefix("sessionid="),
        "steps": steps,
        "interval": interval,
        "cycle": ctx.sizes(CYCLE, 4),
        "spawn_rate": 100,  # members started a second (locust warns above 100)
        # New members' first beats come within an interval of their start.
        "settle": interval,
        "window": ctx.sizes(INTERVAL, 6),  # a beat of every member
        "p99_ms": P99_MS,
    }
    spec["cookies"] = [cookie.removeprefix("sessionid=") for cookie in spec["cookies"]]
    with load.serve(workers=ctx.workers) as server:
        spec["port"] = server.port
        for _ in range(2 * ctx.workers):  # every worker imports the site before the load
            load.fetch(server.port, "/learning/my/", cookie=f"sessionid={spec['cookies'][0]}")
        cpu_before = _cpu_seconds(server.worker_pids())
        run, driver_cpu = _drive(spec)
        server_cpu = _cpu_seconds(server.worker_pids()) - cpu_before
    recorded, drifts, server_errors = _check(site, run, seconds_before)

    passed = [
        step
        for step in run["steps"]
        if not step["failures"] and (step["heartbeat_p99_ms"] or 0) <= P99_MS
    ]
    best = passed[-1] if passed else None
    params = {"workers": ctx.workers, "beat every (s)": interval, "p99 limit (ms)": P99_MS}

    def result(scenario, unit, value, **extra):
        return measure.Result(scenario, {**params, **extra}, unit, samples=[value])

    members = best["members"] if best else 0
    beats = best["heartbeats_per_s"] if best else 0.0
    cores = ctx.workers
    sustained = result("members studying at once, sustained", "members", members)
    results = [
        *(
            result(
                "step: heartbeat p99",
                "ms",
                step["heartbeat_p99_ms"] or 0,
                members=step["members"],
                **{
                    "beats/s": round(step["heartbeats_per_s"], 1),
                    "req/s": round(step["requests_per_s"], 1),
                    "failures": step["failures"],
                },
            )
            for step in run["steps"]
        ),
        sustained,
        result("heartbeats/s at that load", "beats/s", beats, members=members),
        result(
            "requests/s at that load",
            "requests/s",
            best["requests_per_s"] if best else 0.0,
            members=members,
        ),
        result(
            f"sizing: members at once per core (heartbeats/s per core × {interval})",
            "members/core",
            beats / cores * interval,
            cores=cores,
        ),
    ]
    goal = result("goal: members studying at once", "members", GOAL_MEMBERS)
    sustained.compare_to(goal)
    beat = measure.Result("one heartbeat (test client)", {}, "queries", samples=[queries])
    beat.queries = queries
    checks = [
        result("after: server errors (5xx)", "errors", server_errors),
        result("after: failed requests, whole run", "requests", run["totals"]["failures"]),
        result("after: ledger drifts", "balances", drifts),
        result("after: study seconds recorded = sent", "seconds", recorded),
        result(
            "after: done by the members",
            "beats",
            run["tally"]["beats_ok"],
            **{key: run["tally"][key] for key in ("quizzes", "checkins", "redemptions")},
        ),
        result("load generator CPU", "s", driver_cpu, seconds=round(run["seconds"])),
        # Less sensitive to a shared machine than the rates: the web workers' own CPU.
        result(
            "web workers' CPU per request, whole run",
            "ms",
            1000 * server_cpu / max(1, run["totals"]["requests"]),
            requests=run["totals"]["requests"],
        ),
    ]
    return [*results, goal, beat, *checks]
