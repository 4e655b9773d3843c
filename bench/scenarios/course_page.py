"""A course page for a signed-in member, with 10 and with 100 modules.

The page lists every module with the member's progress; its queries must not
grow with the modules (``test_a_course_page_costs_the_same_queries_…`` pins
that), so the ratio 100/10 shows what the extra modules cost in time alone.
"""

from bench import data, measure

TITLE = "Course page, logged-in member"
SCENARIO = "course page, logged-in member"
SIZES = (10, 100)


def run(ctx):
    member = data.learner(data.branch())
    client = data.logged_in_client(member)
    sizes = ctx.sizes(SIZES, (2, 4))
    courses = {count: data.course_with_modules(count, member) for count in sizes}
    results = [
        measure.page(
            ctx,
            client,
            course.url,
            scenario=SCENARIO,
            params={"modules": count},
            expect='data-testid="course-progress"',
        )
        for count, course in courses.items()
    ]
    small, large = results
    large.compare_to(small)
    return results
