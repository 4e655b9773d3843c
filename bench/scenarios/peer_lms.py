"""dj-learning against wagtail-lms, the Wagtail-native LMS on PyPI: the same course, served
the same way, measured with the same client in the same run.

The peer site (``bench/peer/``) runs in its own throwaway environment
(``bench/.peer/venv``, made by ``bench/peer_env.py`` from
``bench/peer/requirements.txt``: wagtail-lms 0.11.1 on Django 5.2 and
Wagtail 8, the project's own lines) with its own database beside the bench's
(SQLite file, or ``dj_learning_bench_peer`` on the same PostgreSQL server).
Its ``build.py`` gives it the content of dj-learning's 100-module course: a
wagtail-lms ``CoursePage`` with 100 ``H5PLessonPage`` children, each with the
two lessons' text (wagtail-lms has no modules: a lesson page is its unit).

Both sites are served by gunicorn (sync workers, ``--workers``) at once, and
measured in turn within each run with ``--concurrency`` ``http.client``
connections, ``--duration`` seconds each:

- the course page, anonymous;
- the course page for a signed-in member enrolled in the course with progress
  in half of it (dj-learning: study time in half the modules; wagtail-lms: half
  the lessons completed);
- the enrolment flow of a signed-in member not yet enrolled, then the course
  page it leads to: dj-learning ``POST /learning/courses/<id>/enrol/`` (with
  its CSRF token) → 302 → the course page; wagtail-lms ``GET
  /lms/course/<id>/enroll/`` (its enrol link) → 302 → the course page. Each
  flow is a new member (sessions written beforehand); flows per second.

The ratio is dj-learning's rate over wagtail-lms's (above 1: dj-learning
serves more). Then each site's peak worker memory (``VmHWM``) after the runs.
"""

import json
import os
import subprocess

from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from bench import data, database, load, measure, peer_env
from dj_learning.courses.models import CourseEnrollment
from dj_learning.courses.services import study_year

TITLE = "Peer: wagtail-lms (same course, gunicorn, loopback)"
MODULES = 100
WARM_UP_SECONDS = 1.0
#: Members a flow scenario may enrol, per second of load: more than either site can do.
FLOWS_PER_SECOND_CAP = 150
PEER_DB = "dj_learning_bench_peer"


def _pool_size(ctx):
    return int(FLOWS_PER_SECOND_CAP * (ctx.runs * ctx.duration + WARM_UP_SECONDS)) + 20


def _ours(modules, pool_size):
    member = data.learner(data.branch())
    course = data.course_with_modules(modules, member)
    data.bulk_members([member.unit], pool_size, year=study_year(), prefix="E", entries_per_member=0)
    users = get_user_model().objects.filter(username__startswith="E-").order_by("pk")
    return {
        "course": course,
        "course_path": course.url,
        "enrol_path": reverse("dj_learning:enrol", args=[course.pk]),
        "member_cookie": data.session_cookie(member),
        "pool": data.session_cookies(users),
    }


def _build_peer(python, env, modules, pool_size):
    out = subprocess.run(
        [python, "build.py", "--lessons", str(modules), "--pool", str(pool_size)],
        cwd=peer_env.PEER_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    built = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "course_path": built["course_path"],
        "enrol_path": built["enrol_path"],
        "member_cookie": f"sessionid={built['member_session']}",
        "pool": [f"sessionid={key}" for key in built["pool_sessions"]],
    }


def run(ctx):
    python = peer_env.python()
    peer_version = peer_env.versions()["wagtail-lms"]
    pool_size = _pool_size(ctx)
    modules = ctx.sizes(MODULES, 4)
    ours = _ours(modules, pool_size)
    with database.bench_database(_server_url(), name=PEER_DB) as peer_url:
        env = {**os.environ, "DATABASE_URL": peer_url, "DJANGO_SETTINGS_MODULE": "peer_settings"}
        peer = _build_peer(python, env, modules, pool_size)
        with (
            load.serve(workers=ctx.workers) as our_server,
            load.serve(
                workers=ctx.workers,
                app="peer_wsgi:application",
                python=python,
                cwd=peer_env.PEER_DIR,
                env=env,
            ) as peer_server,
        ):
            results = _measure(ctx, modules, ours, peer, our_server, peer_server, peer_version)
    done = CourseEnrollment.objects.filter(course=ours["course"]).count() - 1
    if done < 1:
        raise measure.BenchError("peer: the dj-learning enrolment flow enrolled nobody")
    return results


def _server_url():
    """The bench database's server for the peer's database: PostgreSQL's, or none (SQLite)."""
    if connection.vendor != "postgresql":
        return ""
    return os.environ["DATABASE_URL"]


def _targets(site, side):
    enrol_first = "POST" if site == "dj-learning" else "GET"
    form = {} if enrol_first == "POST" else None
    return [
        ("peer: course page, anonymous", [load.Step("GET", side["course_path"])], None),
        ("peer: course page, logged-in member", [load.Step("GET", side["course_path"])], "member"),
        (
            "peer: enrolment flow",
            [
                load.Step(enrol_first, side["enrol_path"], status=302, form=form),
                load.Step("GET", None),
            ],
            "pool",
        ),
    ]


def _check(site, side, port, modules):
    anonymous = load.fetch(port, side["course_path"])
    member = load.fetch(port, side["course_path"], cookie=side["member_cookie"])
    marker = "djl-module-list" if site == "dj-learning" else "lms-lesson-list__item"
    if anonymous.count(marker) < 1 or (site != "dj-learning" and anonymous.count(marker) < modules):
        raise measure.BenchError(f"peer: the {site} course page lacks its {modules} entries")
    enrolled = 'data-testid="course-progress"' if site == "dj-learning" else "Enrolled:"
    if enrolled not in member:
        raise measure.BenchError(f"peer: the {site} member does not see their enrolment")


def _measure(ctx, modules, ours, peer, our_server, peer_server, peer_version):
    peer_site = f"wagtail-lms {peer_version}"
    sides = [("dj-learning", ours, our_server), (peer_site, peer, peer_server)]
    common = {"modules": modules, "workers": ctx.workers, "clients": ctx.concurrency}
    # (result, port, steps, cookie: None | a Cookie value | an iterator of new members')
    measures = []
    for site, side, server in sides:
        kind = site.split()[0]
        _check(kind, side, server.port, modules)
        members = iter(side["pool"])
        for name, steps, who in _targets(kind, side):
            unit = "flows/s" if who == "pool" else "requests/s"
            result = measure.Result(name, {"site": site, **common}, unit)
            cookie = {"pool": members, "member": side["member_cookie"], None: None}[who]
            measures.append((result, server.port, steps, cookie))

    def once(port, steps, cookie, seconds):
        if isinstance(cookie, str | None):
            return load.requests_per_second(
                port, steps[0].path, seconds=seconds, concurrency=ctx.concurrency, cookie=cookie
            )
        return load.flows_per_second(
            port, steps, seconds=seconds, concurrency=ctx.concurrency, cookies=cookie
        )

    for _result, *args in measures:  # warm-up
        once(*args, WARM_UP_SECONDS)
    for _ in range(ctx.runs):
        for result, *args in measures:
            result.samples.append(once(*args, ctx.duration))

    results = [result for result, *_args in measures]
    half = len(results) // 2
    out = []
    for ours_result, theirs in zip(results[:half], results[half:], strict=True):
        out += [ours_result.compare_to(theirs), theirs]
    peaks = [
        measure.Result(
            "peer: peak memory, per gunicorn worker",
            {"site": site, **common},
            "MB",
            samples=[server.peak_worker_mb() or 0.0],
        )
        for site, _side, server in sides
    ]
    out += [peaks[0].compare_to(peaks[1]), peaks[1]]
    return out
