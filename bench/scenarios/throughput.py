"""Requests per second through gunicorn and a real HTTP client on loopback.

Four requests, measured in turn within each run so that they share the
machine's state: a bare Wagtail page (the site's ``HomePage``) whose rich text
is the course page's module list, the reference, for an anonymous visitor and
for signed-in members (a pool of 500, each with progress of its own, each
request signed in as the next of them by its session cookie: the session, the
user and the member are read as on any signed-in page, and no two requests in a
row show the same rows); the course page of 100 modules for an anonymous
visitor, and for the members of the pool. Each
course page's ratio is to the bare page requested the same way; the member's
course page is also compared with the anonymous bare page (a row of its own).

Then the peak memory of the web process: the largest high-water mark of
resident memory (``VmHWM``) of the gunicorn workers after all the runs.
"""

from bench import data, load, measure

TITLE = "Requests per second (gunicorn, loopback)"
MODULES = 100
MEMBERS = 500
WARM_UP_SECONDS = 1.0


def run(ctx):
    unit = data.branch()
    member = data.learner(unit)
    modules = ctx.sizes(MODULES, 4)
    course = data.course_with_modules(modules, member)
    reference = data.reference_page(course)
    cookies = data.session_cookies(data.member_pool(unit, course, ctx.sizes(MEMBERS, 20)))
    common = {"modules": modules, "workers": ctx.workers, "clients": ctx.concurrency}
    signed_in = {**common, "members": len(cookies)}
    targets = [
        # (scenario, params, path, cookies, text the page must hold)
        ("HTTP: bare Wagtail page (reference)", common, reference.url, None, "djl-module-list"),
        ("HTTP: course page, anonymous", common, course.url, None, "djl-module-list"),
        (
            "HTTP: bare Wagtail page, signed in (reference)",
            signed_in,
            reference.url,
            cookies,
            'data-testid="user-name"',
        ),
        (
            "HTTP: course page, logged-in member",
            signed_in,
            course.url,
            cookies,
            'data-testid="course-progress"',
        ),
    ]
    results = [measure.Result(name, dict(params), "requests/s") for name, params, *_ in targets]

    with load.serve(workers=ctx.workers) as server:
        port = server.port
        for name, _params, path, cookies, expect in targets:
            if expect not in load.fetch(port, path, cookie=cookies[0] if cookies else None):
                raise measure.BenchError(f"{name}: {path} lacks {expect!r}")
            load.requests_per_second(
                port, path, seconds=WARM_UP_SECONDS, concurrency=ctx.concurrency, cookies=cookies
            )
        for _ in range(ctx.runs):
            for result, (_name, _params, path, cookies, _expect) in zip(
                results, targets, strict=True
            ):
                result.samples.append(
                    load.requests_per_second(
                        port,
                        path,
                        seconds=ctx.duration,
                        concurrency=ctx.concurrency,
                        cookies=cookies,
                    )
                )
        peak = server.peak_worker_mb()

    bare, anonymous, bare_signed_in, member_page = results
    anonymous.compare_to(bare)
    member_page.compare_to(bare_signed_in)
    versus_anonymous = measure.Result(
        "HTTP: course page, logged-in member, vs the anonymous bare page",
        dict(signed_in),
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
