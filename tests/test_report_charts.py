"""Charts in the staff reports: server-drawn SVG with a title, a description and the same
figures in a table; plan completion by unit and credits by month in the study report, the
score histogram and the pass rate in the quiz report; the figures in the Excel export;
query counts that do not grow with the members or the attempts."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from dj_learning import charts
from dj_learning.credits import reports, services
from dj_learning.orgs.models import StaffRole
from dj_learning.test import factories
from tests.test_quizzes_reports import admin_user, take

pytestmark = pytest.mark.django_db


def svg(html, name):
    """The SVG chart called ``name`` in the page."""
    found = re.search(rf'<svg class="djl-chart" data-chart="{name}".*?</svg>', html, re.S)
    assert found, f"no {name} chart"
    return found.group(0)


@pytest.fixture
def year_data(tree):
    """Plan 4 required + 2 elective in region 1 (2025); four members at different stages."""
    boss = factories.user(is_superuser=True)
    factories.plan(unit=tree["r1"], year=2025, required_credits="4", min_elective_credits="2")
    people = {}
    for name, unit, required, elective, month in (
        ("达标", "b1", "4", "2", 3),
        ("半途", "b1", "2", "1", 6),  # half of the plan
        ("未动", "b1", "0", "0", 6),
        ("小组", "b1a", "4", "3", 11),
    ):
        member = factories.member(unit=tree[unit], name=name)
        people[name] = member
        for kind, amount in (("required", required), ("elective", elective)):
            if amount != "0":
                services.adjust(
                    member,
                    year=2025,
                    kind=kind,
                    amount=Decimal(amount),
                    reason="补录",
                    by=boss,
                    earned_on=date(2025, month, 15),
                )
    return boss, people


def test_on_track_means_keeping_pace_with_the_year(tree, year_data):
    boss, _people = year_data
    # Halfway through the year, 2 of 4 required and 3 of 6 in all keep pace.
    rows = reports.unit_report(boss, tree["r1"], 2025, today=date(2025, 7, 2))
    assert [(r.unit.name, r.met, r.on_track, r.off_track) for r in rows] == [
        ("一区一支部", 1, 1, 1),
        ("一区一支部一组", 1, 0, 0),
    ]
    # After the year, whoever has not met the plan is behind.
    rows = reports.unit_report(boss, tree["r1"], 2025, today=date(2026, 1, 5))
    assert [(r.met, r.on_track, r.off_track) for r in rows] == [(1, 0, 2), (1, 0, 0)]
    assert reports.year_elapsed(2025, date(2024, 12, 1)) == 0.0


def test_credits_by_month_sums_the_entries_in_scope(tree, year_data):
    boss, _people = year_data
    months = dict(reports.credits_by_month(boss, tree["r1"], 2025))
    assert len(months) == 12 and min(months) == date(2025, 1, 1)
    assert months[date(2025, 3, 1)] == Decimal("6")
    assert months[date(2025, 6, 1)] == Decimal("3")
    assert months[date(2025, 11, 1)] == Decimal("7")
    assert sum(months.values()) == Decimal("16")
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1a"])
    months = dict(reports.credits_by_month(clerk, tree["r1"], 2025))
    assert sum(months.values()) == Decimal("7")  # the group's member only
    # An adjustment for 2025 made in January 2026 counts in the year's last month.
    services.adjust(
        _people["未动"], year=2025, kind="required", amount=Decimal("1"), reason="补录",
        by=boss, earned_on=date(2026, 1, 10),
    )  # fmt: skip
    months = dict(reports.credits_by_month(boss, tree["r1"], 2025))
    assert months[date(2025, 12, 1)] == Decimal("1") and sum(months.values()) == Decimal("17")


def staff_client(client, user):
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_study_report_draws_plan_completion_and_credits_by_month(client, tree, year_data):
    staff_client(client, factories.staff(role=StaffRole.Role.ADMIN, unit=tree["r1"]))
    html = client.get("/admin/learning/report/", {"unit": tree["r1"].pk, "year": 2025})
    html = html.content.decode()
    plan = svg(html, "plan-completion")
    assert 'role="img" aria-labelledby="plan-completion-title plan-completion-desc"' in plan
    assert '<title id="plan-completion-title">Plan completion by unit, 2025</title>' in plan
    assert "一区一支部: 1 met, 0 on track, 2 behind" in plan
    assert "一区一支部一组: 1 met, 0 on track, 0 behind" in plan
    assert "<title>Plan met: 1</title>" in plan and "<title>Behind pace: 2</title>" in plan
    # The same figures as a table: met, on track, behind.
    table = html[html.index('data-testid="unit-report"') :].split("</table>")[0]
    assert re.search(r"一区一支部</a></td><td>3</td><td>1</td><td>0</td><td>2</td>", table)

    month = svg(html, "credits-by-month")
    assert "Credits earned by month, 2025" in month
    assert "3/25: 6; " in month and "11/25: 7" in month and "<polyline" in month
    table = html[html.index('data-testid="credits-by-month"') :].split("</table>")[0]
    assert '<th scope="col">3/25</th>' in table and "<td>6</td>" in table


def test_the_excel_export_carries_the_charts_figures(client, tree, year_data):
    staff_client(client, factories.staff(role=StaffRole.Role.ADMIN, unit=tree["r1"]))
    response = client.get(
        "/admin/learning/report/export.xlsx", {"unit": tree["r1"].pk, "year": 2025}
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[1:] == ["Plan completion", "Credits by month"]
    plan = list(book["Plan completion"].iter_rows(values_only=True))
    assert plan[0] == ("Unit", "Members", "Plan met", "On track", "Behind pace", "Average credits")
    assert plan[1][:5] == ("一区一支部", 3, 1, 0, 2)
    months = list(book["Credits by month"].iter_rows(values_only=True))
    assert months[0] == ("Month", "Credits") and len(months) == 13
    assert ("3/25", 6) in months and ("11/25", 7) in months


def test_the_study_report_costs_the_same_queries_for_more_members(
    client, tree, year_data, django_assert_max_num_queries
):
    boss, _people = year_data
    staff_client(client, factories.staff(role=StaffRole.Role.ADMIN, unit=tree["r1"]))
    url = f"/admin/learning/report/?unit={tree['r1'].pk}&year=2025"
    client.get(url)
    # The session, the user, roles, units, plans, the report, the months, the members page
    # and the admin menu: 22, whatever the number of members.
    with django_assert_max_num_queries(22) as few:
        client.get(url)
    for i in range(15):
        member = factories.member(unit=tree["b1a" if i % 2 else "b1"])
        services.adjust(
            member,
            year=2025,
            kind="elective",
            amount=Decimal("1"),
            reason="补录",
            by=boss,
            earned_on=date(2025, 1 + i % 12, 1),
        )
    with django_assert_max_num_queries(len(few)):
        client.get(url)


def test_labels_are_escaped():
    chart = charts.stacked_bars(
        [("<script>x</script>", [1, 2])],
        [("a&b", charts.GREEN), ("c", charts.RED)],
        name="t",
        title="<b>",
        desc='"',
    )
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    assert '<title id="t-title">&lt;b&gt;</title>' in chart and "a&amp;b: 1" in chart


def test_the_quiz_report_draws_the_score_histogram_and_the_pass_rate(client, tree):
    quiz = factories.quiz(title="党史测验")
    take(quiz, tree["b1"], right=3)  # 100 %: passed
    take(quiz, tree["b1a"], right=0)  # 0 %
    take(quiz, tree["b1a"], right=0)  # 0 %
    take(quiz, tree["b2"], right=3)  # region 2: not counted
    staff_client(client, admin_user(tree["r1"]))
    html = client.get(f"/admin/learning/quizzes/reports/{quiz.pk}/").content.decode()
    histogram = svg(html, "score-distribution")
    assert "Score distribution: 党史测验" in histogram
    assert "0–9%: 2; 10–19%: 0" in histogram and "90–100%: 1" in histogram
    assert len(re.findall(r"<rect ", histogram)) == 10
    passing = svg(html, "pass-rate")
    assert "1 of 3 graded attempts passed." in passing
    assert "<title>Passed: 1</title>" in passing and "<title>Not passed: 2</title>" in passing
    table = html[html.index('data-testid="pass-rate"') :].split("</table>")[0]
    assert "<td>1</td><td>2</td><td>33%</td>" in table


def test_the_quiz_reports_figures_download_as_excel_sheets(client, tree):
    quiz = factories.quiz(title="党史测验")
    take(quiz, tree["b1"], right=3)
    take(quiz, tree["b1a"], right=0)
    take(quiz, tree["b2"], right=3)  # region 2: not counted
    staff_client(client, admin_user(tree["r1"]))
    html = client.get(f"/admin/learning/quizzes/reports/{quiz.pk}/").content.decode()
    url = f"/admin/learning/quizzes/reports/{quiz.pk}/export.xlsx"
    assert f'href="{url}"' in html
    response = client.get(url)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Score distribution", "Pass rate", "Questions, hardest first"]
    scores = dict(list(book["Score distribution"].iter_rows(values_only=True))[1:])
    assert (scores["0–9%"], scores["90–100%"], sum(scores.values())) == (1, 1, 2)
    assert list(book["Pass rate"].iter_rows(values_only=True))[1] == (2, 1, 1, 0.5)
    questions = list(book["Questions, hardest first"].iter_rows(values_only=True))
    assert len(questions) == 1 + 3 and all(row[1] == 2 for row in questions[1:])
    # Another region's quiz, or a member, downloads nothing.
    other = factories.quiz(title="二区测验", unit=tree["r2"])
    assert client.get(f"/admin/learning/quizzes/reports/{other.pk}/export.xlsx").status_code == 404
