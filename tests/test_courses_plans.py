"""Study plans: which plan applies, automatic enrolment, the study year's boundary."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dj_learning.courses import services
from dj_learning.credits.services import record_completion
from dj_learning.test import factories

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_plan_applies_to_the_whole_subtree(tree):
    plan = factories.plan(unit=tree["r1"], year=2026)
    deep = factories.member(unit=tree["b1a"])
    assert services.plan_for(deep, 2026) == plan
    assert services.plan_for(factories.member(unit=tree["b2"]), 2026) is None


def test_a_sub_units_plan_overrides_its_parents(tree):
    factories.plan(unit=tree["national"], year=2026, required_credits="10")
    region = factories.plan(unit=tree["r1"], year=2026, required_credits="20")
    branch = factories.plan(unit=tree["b1"], year=2026, required_credits="30")
    assert services.plan_for(factories.member(unit=tree["b1a"]), 2026) == branch
    assert services.plan_for(factories.member(unit=tree["r1"]), 2026) == region
    assert services.plan_for(factories.member(unit=tree["b2"]), 2026).required_credits == 10


def test_plans_are_per_year(tree):
    factories.plan(unit=tree["r1"], year=2025)
    member = factories.member(unit=tree["b1"])
    assert services.plan_for(member, 2026) is None
    assert services.plan_for(member, 2025) is not None


def test_members_are_enrolled_in_required_modules_including_those_added_later(tree):
    module = factories.module()
    factories.plan(unit=tree["r1"], modules=[module])
    before = factories.member(unit=tree["b1"])
    assert services.is_enrolled(before, module)
    later = factories.member(unit=tree["b1a"])  # joins after the plan was made
    assert services.is_enrolled(later, module)
    elsewhere = factories.member(unit=tree["b2"])
    assert not services.is_enrolled(elsewhere, module)


def test_electives_need_the_member_to_enrol(tree):
    elective = factories.module(kind="elective")
    member = factories.member(unit=tree["b1"])
    assert not services.is_enrolled(member, elective)
    services.enrol(member, elective.get_parent())
    services.enrol(member, elective.get_parent())  # twice is once
    assert services.is_enrolled(member, elective)
    assert member.course_enrollments.count() == 1


@pytest.mark.parametrize(
    ("start", "day", "year"),
    [
        ("01-01", date(2026, 1, 1), 2026),
        ("01-01", date(2025, 12, 31), 2025),
        ("09-01", date(2026, 8, 31), 2025),
        ("09-01", date(2026, 9, 1), 2026),
    ],
)
def test_the_study_year_boundary_is_configurable(learning_settings, start, day, year):
    learning_settings(STUDY_YEAR_START=start)
    assert services.study_year(day) == year


def test_the_year_turns_at_midnight_in_the_sites_time_zone():
    # 2025-12-31 16:30 UTC is already 2026-01-01 00:30 in Shanghai.
    late = datetime(2025, 12, 31, 16, 30, tzinfo=ZoneInfo("UTC"))
    assert services.study_year(late) == 2026
    start, end = services.year_bounds(2026)
    assert start == datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert end == datetime(2027, 1, 1, tzinfo=SHANGHAI)


def test_plan_summary_counts_credits_against_the_plan(tree):
    from dj_learning.courses.models import ModuleCompletion

    required = factories.module(credits="2")
    other_required = factories.module(credits="1")
    elective = factories.module(kind="elective", credits="0.5")
    factories.plan(
        unit=tree["r1"],
        modules=[required, other_required],
        required_credits="3",
        min_elective_credits="0.5",
    )
    member = factories.member(unit=tree["b1"])
    summary = services.plan_summary(member)
    assert (summary.required_earned, summary.required_done, summary.met) == (0, 0, False)
    assert [(s.module.pk, s.url) for s in summary.next_modules] == [
        (required.pk, required.url),
        (other_required.pk, other_required.url),
    ]

    for page in (required, other_required, elective):
        completion = ModuleCompletion.objects.create(
            member=member,
            module=page,
            module_title=page.title,
            kind=page.kind,
            credits=page.credits,
            year=services.study_year(),
            completed_at=services.year_bounds(services.study_year())[0],
        )
        record_completion(completion)  # its credits, as the ledger's listener writes them
    summary = services.plan_summary(member)
    assert summary.required_earned == Decimal("3")
    assert summary.elective_earned == Decimal("0.5")
    assert summary.required_done == 2
    assert summary.met
    assert summary.next_modules == []
    assert summary.completions_count == 3
    assert [r.module_id for r in summary.recent_completions] == [
        elective.pk,
        other_required.pk,
        required.pk,
    ]


def test_credits_count_in_the_year_they_were_earned(tree):
    from dj_learning.courses.models import ModuleCompletion

    module = factories.module(credits="2")
    member = factories.member(unit=tree["b1"])
    completion = ModuleCompletion.objects.create(
        member=member,
        module=module,
        module_title=module.title,
        kind="required",
        credits=2,
        year=2025,
        completed_at=datetime(2025, 12, 31, 23, 0, tzinfo=SHANGHAI),
    )
    record_completion(completion)
    assert services.plan_summary(member, 2025).required_earned == 2
    assert services.plan_summary(member, 2026).required_earned == 0
