"""My study (``/learning/my/``) for a member with 5 and with 500 completed modules.

The page sums the year's credits, lists the plan's modules and the latest ten
completions; its queries must not grow with them
(``test_my_study_costs_the_same_queries_…`` pins that), so the ratio 500/5
shows what the extra rows cost in time alone.
"""

from bench import data, measure

TITLE = "My study"
SCENARIO = "My study"
URL = "/learning/my/"
SIZES = (5, 500)


def run(ctx):
    # Each member in a unit of their own: a unit has one plan a year.
    sizes = ctx.sizes(SIZES, (2, 4))
    members = {count: data.member_with_completions(count, data.branch()) for count in sizes}
    results = [
        measure.page(
            ctx,
            data.logged_in_client(member),
            URL,
            scenario=SCENARIO,
            params={"completed": count},
            expect='data-testid="required-modules"',
        )
        for count, member in members.items()
    ]
    few, many = results
    many.compare_to(few)
    return results
