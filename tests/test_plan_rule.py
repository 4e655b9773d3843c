"""One plan rule: a member whose approved offline training makes up the plan's credits
has met it on My study, the transcript (page, PDF, API), the unit report, the reminders
and the awards; with PLAN_MET_REQUIRES_MODULES and a listed module not done, nowhere."""

import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from dj_learning.courses import services as courses
from dj_learning.courses.models import ModuleCompletion
from dj_learning.credits import reports
from dj_learning.credits import services as credits
from dj_learning.credits.documents import transcript_pdf
from dj_learning.credits.models import Reminder
from dj_learning.credits.reminders import remind_behind
from dj_learning.orgs.models import StaffRole
from dj_learning.review import services as review
from dj_learning.rewards import awards
from dj_learning.test import factories

pytestmark = pytest.mark.django_db
YEAR = courses.study_year()
NEAR_YEAR_END = courses.year_bounds(YEAR)[1].date() - timedelta(days=1)


@pytest.fixture
def member(tree):
    module = factories.module(credits="1")
    factories.plan(unit=tree["r1"], year=YEAR, modules=[module], required_credits="2")
    member = factories.member(
        unit=tree["b1"], name="线下学员", user=factories.user(email="offline@example.org")
    )
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    branch = factories.staff(role=StaffRole.Role.REVIEWER, unit=tree["b1"])
    training = credits.propose_training(
        clerk,
        member,
        title="党课：线下集中学习",
        date=courses.year_bounds(YEAR)[0].date() + timedelta(days=30),
        hours=Decimal("2"),
        kind="required",
        reason="支部党课",
    )
    review.approve(training, branch)
    return member


@pytest.mark.parametrize("requires_modules", [False, True])
def test_offline_credits_meet_the_plan_everywhere_or_nowhere(
    member, tree, client, tmp_path, learning_settings, requires_modules
):
    learning_settings(PLAN_MET_REQUIRES_MODULES=requires_modules)
    met = not requires_modules  # the plan's one module is not done
    status = "Plan met" if met else "Not yet"
    client.force_login(member.user)

    # My study.
    html = client.get("/learning/my/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="required-credits">2 / 2' in html
    assert f'data-testid="plan-status">{status}<' in html
    # The transcript: page, PDF, API.
    html = client.get(
        "/learning/transcript/", {"year": YEAR}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f'data-testid="transcript-status">{status}<' in html
    with translation.override("en"):
        pdf = tmp_path / "t.pdf"
        pdf.write_bytes(transcript_pdf(credits.transcript(member, YEAR)))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert status in text
    body = client.get("/api/v1/me/transcript", {"year": YEAR}).json()
    assert body["met"] is met
    # The unit report.
    (row,) = [r for r in reports.unit_report(None, tree["r1"], YEAR) if r.unit == tree["b1"]]
    assert (row.met, row.behind) == ((1, 0) if met else (0, 1))
    # The reminders.
    remind_behind(NEAR_YEAR_END)
    assert Reminder.objects.filter(member=member).exists() is not met
    # Awards from transcripts, criterion "met".
    admin = factories.staff(role=StaffRole.Role.ADMIN, unit=tree["r1"])
    award = awards.request_award(admin, tree["r1"], YEAR, criterion="met", reason="达标", points=5)
    assert (member.pk in awards.recipients(award)) is met


@pytest.mark.parametrize("requires_modules", [False, True])
def test_the_reports_sql_says_what_plan_met_says(tree, learning_settings, requires_modules):
    """The report decides "met" in SQL for many members; it must agree with ``plan_met``
    (through the transcript) for each, with plans of a unit and of a unit above."""
    learning_settings(PLAN_MET_REQUIRES_MODULES=requires_modules)
    admin = factories.user(is_superuser=True)
    first, second = factories.module(credits="1"), factories.module(credits="1")
    factories.plan(unit=tree["r1"], year=YEAR, modules=[first], required_credits="1")
    factories.plan(unit=tree["b1a"], year=YEAR, modules=[first, second], min_elective_credits="1")
    people = []
    for unit in (tree["b1"], tree["b1a"], tree["b2"]):
        for required, elective, done in [(0, 0, []), (1, 1, []), (1, 1, [first, second])]:
            person = factories.member(unit=unit)
            for kind, amount in (("required", required), ("elective", elective)):
                if amount:
                    credits.adjust(
                        person, year=YEAR, kind=kind, amount=amount, reason="r", by=admin
                    )
            for module in done:
                completion = ModuleCompletion.objects.create(
                    member=person,
                    module=module,
                    module_title=module.title,
                    kind=module.kind,
                    credits=0,
                    year=YEAR,
                    completed_at=courses.year_bounds(YEAR)[0],
                )
                credits.record_completion(completion)
            people.append(person)
    sql = dict(reports.members_with_credits(None, tree["national"], YEAR).values_list("pk", "met"))
    seen = set()
    for person in people:
        transcript = credits.transcript(person, YEAR)
        expected = transcript.met if transcript.has_plan else None
        assert sql[person.pk] == expected, person
        seen.add(expected)
    assert seen == {True, False, None}
