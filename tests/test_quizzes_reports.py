"""Quiz reports in the admin: score distribution and per-question results, scoped, fixed queries."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dj_learning.orgs.models import StaffRole
from dj_learning.quizzes import services
from dj_learning.test import factories

WRONG = {"single": "b", "truefalse": False, "fill": "上海"}


def take(quiz, unit, right):
    """A member of ``unit`` takes ``quiz``, answering the first ``right`` questions right."""
    member = factories.member(unit=unit)
    attempt = services.start(member, quiz)
    responses = {}
    for question in attempt.questions:
        kind, position = question["kind"], question["position"]
        good = position <= right
        responses[str(position)] = factories.RIGHT_RESPONSES[kind] if good else WRONG[kind]
    return services.submit(member, attempt.pk, responses)


def admin_user(unit=None):
    user = (
        factories.staff(role=StaffRole.Role.ADMIN, unit=unit)
        if unit
        else factories.user(is_superuser=True)
    )
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


@pytest.fixture
def results(tree):
    quiz = factories.quiz(title="党史测验")
    take(quiz, tree["b1"], right=3)  # 100 %
    take(quiz, tree["b1a"], right=0)  # 0 %
    take(quiz, tree["b2"], right=2)  # 66.7 %, outside region 1
    return quiz


def test_region_staff_see_their_members_only(client, tree, results):
    client.force_login(admin_user(tree["r1"]))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get("/admin/learning/quizzes/reports/").content.decode()
    assert "党史测验" in html
    row = html[html.index("党史测验") :].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split("<td>")[1:]] == ["2", "2", "1", "50.0%"]

    response = client.get(f"/admin/learning/quizzes/reports/{results.pk}/")
    assert response.status_code == 200
    distribution = response.context["distribution"]
    assert [(low, count) for low, _high, count, _width in distribution if count] == [
        (0, 1),
        (90, 1),
    ]
    stats = response.context["questions"]
    assert [(r["total"], r["right"], r["wrong"], r["right_percent"]) for r in stats] == [
        (2, 1, 1, 50)
    ] * 3
    assert "2 graded attempts of members in your scope." in response.content.decode()


def test_superuser_sees_everyone(client, tree, results):
    client.force_login(admin_user())
    response = client.get(f"/admin/learning/quizzes/reports/{results.pk}/")
    counts = [count for _low, _high, count, _width in response.context["distribution"]]
    assert counts == [1, 0, 0, 0, 0, 0, 1, 0, 0, 1]
    # The hardest question first: the third one only the full-marks member got right.
    assert [r["right"] for r in response.context["questions"]] == [1, 2, 2]


def test_without_a_staff_role_the_reports_are_refused(client, tree, results):
    user = factories.user()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    for url in (
        "/admin/learning/quizzes/reports/",
        f"/admin/learning/quizzes/reports/{results.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/admin/"


def test_report_queries_do_not_grow_with_attempts(client, tree, results):
    client.force_login(admin_user(tree["national"]))
    url = f"/admin/learning/quizzes/reports/{results.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with CaptureQueriesContext(connection) as few_index:
        client.get("/admin/learning/quizzes/reports/")
    for n in range(8):
        take(results, tree["b1"], right=n % 4)
    factories.quiz(title="另一个测验")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    with CaptureQueriesContext(connection) as many_index:
        client.get("/admin/learning/quizzes/reports/")
    assert sum(c for _l, _h, c, _w in response.context["distribution"]) == 11
    assert len(many) == len(few)
    assert len(many_index) == len(few_index)
    # Pinned: the session, the user and their roles, the quiz, the distribution, the
    # per-question counts and their questions, the pass rate, and the admin's own (the menu, whose
    # items of the other apps check the user's roles).
    assert len(few) <= 15
    assert len(few_index) <= 12
