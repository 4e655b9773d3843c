"""Requests per second through gunicorn and a real HTTP client on loopback.

Four requests, measured in turn within each run so that they share the
machine's state: a bare Wagtail page (the site's ``HomePage``) whose rich text
is the course page's module list, the reference, for an anonymous visitor and
for the signed-in member (the session cookie sent with each request: the
session, the user and the member are read as on any signed-in page); the
course page of 100 modules for an anonymous visitor, and for the member. Each
course page's ratio is to the bare page requested the same way; the member's
course page is also compared with the anonymous bare page (a row of its own).

Then the peak memory of the web process: the largest high-water mark of
resident memory (``VmHWM``) of the gunicorn workers after all the runs.
"""

from bench import data, load, measure

TITLE = "Requests per second (gunicorn, loopback)"
MODULES = 100
WARM_UP_SECONDS = 1.0


def run(ctx):
    member = data.learner(data.branch())
    modules = ctx.sizes(MODULES, 4)
    course = data.course_with_modules(modules, member)
    reference = data.reference_page(course)
    cookie = data.session_cookie(member)
    common = {"modules": modules, "workers": ctx.workers, "clients": ctx.concurrency}
    targets = [
        # (scenario, path, cookie, text the page must hold)
        ("HTTP: bare Wagtail page (reference)", reference.url, None, "djl-module-list"),
        ("HTTP: course page, anonymous", course.url, None, "djl-module-list"),
        (
            "HTTP: bare Wagtail page, signed in (reference)",
            reference.url,
            cookie,
            'data-testid="user-name"',
        ),
        (
            "HTTP: course page, logged-in member",
            course.url,
            cookie,
            'data-testid="course-progress"',
        ),
    ]
    results = [measure.Result(name, dict(common), "requests/s") for name, *_ in targets]

    with load.serve(workers=ctx.workers) as server:
        port = server.port
        for name, path, cookie, expect in targets:
            if expect not in load.fetch(port, path, cookie=cookie):
                raise measure.BenchError(f"{name}: {path} lacks {expect!r}")
            load.requests_per_second(
                port, path, seconds=WARM_UP_SECONDS, concurrency=ctx.concurrency, cookie=cookie
            )
        for _ in range(ctx.runs):
            for result, (_name, path, cookie, _expect) in zip(results, targets, strict=True):
                result.samples.append(
                    load.requests_per_second(
                        port, path, seconds=ctx.duration, concurrency=ctx.concurrency, cookie=cookie
                    )
                )
        peak = server.peak_worker_mb()

    bare, anonymous, bare_signed_in, member_page = results
    anonymous.compare_to(bare)
    member_page.compare_to(bare_signed_in)
    versus_anonymous = measure.Result(
        "HTTP: course page, logged-in member, vs the anonymous bare page",
        dict(common),
        "requests/s",
        samples=list(member_page.samples),
    )
    versus_anonymous.compare_to(bare)
    results.append(versus_anonymous)
    if peak is not None:
        results.append(
            measure.Result(
                "HTTP: peak memory, per gunicorn worker",
                dict(common),
                "MB",
                samples=[peak],
            )
        )
    return results
