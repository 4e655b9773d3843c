"""The credits transcript (``credits.services.transcript``) of a member with 5 and 500 entries.

The one computation of a member's year that the transcript page, the PDF, the
API and the exports share: the plan, the year's ledger entries and their sums.
It must cost the same queries whatever the entries (its docstring says so), so
the ratio 500/5 shows what the extra entries cost in time alone. Called
directly, ``--requests`` calls a run.
"""

from bench import data, measure
from dj_learning.courses.services import study_year
from dj_learning.credits import services
from dj_learning.members.models import Member
from dj_learning.test import factories

TITLE = "Credits: transcript (service)"
SCENARIO = "transcript (service)"
SIZES = (5, 500)


def run(ctx):
    year = study_year()
    _region, branches = data.region_with_branches(1)
    factories.plan(unit=branches[0], year=year, required_credits="20", min_elective_credits="10")
    results = []
    for count in ctx.sizes(SIZES, (5, 20)):
        member = factories.member(unit=branches[0])
        data.credit_entries(member, count, year=year)
        # As a view has it: the member with its unit (the plan is looked up by the unit's path).
        member = Member.objects.select_related("unit").get(pk=member.pk)

        def call(member=member):
            return services.transcript(member, year)

        if len(call().entries) != count:
            raise measure.BenchError(f"{SCENARIO}: the transcript lacks entries")
        result = measure.Result(
            SCENARIO,
            {"entries": count},
            "ms/transcript",
            queries=measure.count_queries(call),
        )
        result.samples = [measure.ms_per_call(call, ctx.requests) for _ in range(ctx.runs)]
        results.append(result)
    few, many = results
    many.compare_to(few)
    return results
