"""Choosers keep to the user's regions: staff of region 1 never choose region 2's pages,
quizzes, question banks, questions or units, in the chooser modals nor by a forged id;
a superuser and staff above both regions choose from all."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from dj_learning.courses.models import CoursePage, ModulePage
from dj_learning.orgs import regions
from dj_learning.orgs.models import StaffRole, Unit
from dj_learning.quizzes.models import QuestionBank, Quiz
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


def into_admin(client, user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", *codenames]))
    client.force_login(user)
    return client


def modal(client, url, **params):
    """The HTML of a chooser modal (served as JSON)."""
    response = client.get(url, params)
    assert response.status_code == 200
    if response["Content-Type"].startswith("application/json"):
        return response.json()["html"]
    return response.content.decode()  # the results of a search


@pytest.fixture
def rows(tree):
    """A bank, a question and a quiz in each region, and a national bank."""
    out = {}
    for key, unit in (("one", tree["b1"]), ("two", tree["b2"]), ("all", None)):
        bank = factories.question_bank(name=f"题库-{key}", unit=unit)
        out[f"bank_{key}"] = bank
        out[f"question_{key}"] = factories.question("single", bank=bank, text=f"题目-{key}")
    out["quiz_one"] = factories.quiz(title="测验-一区", unit=tree["r1"])
    out["quiz_two"] = factories.quiz(title="测验-二区", unit=tree["b2"])
    return out


def test_a_regions_clerk_chooses_only_their_regions_snippets(client, tree, rows):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    into_admin(client, clerk)
    html = modal(client, "/admin/snippets/choose/learning_quizzes/questionbank/")
    assert "题库-one" in html and "题库-all" in html and "题库-two" not in html
    html = modal(client, "/admin/snippets/choose/learning_quizzes/quiz/")
    assert "测验-一区" in html and "测验-二区" not in html
    html = modal(client, "/admin/snippets/choose/learning_quizzes/question/results/", q="题目")
    assert "题目-one" in html and "题目-two" not in html
    # Choosing another region's row by its id is refused like a missing one.
    for model, row in (("quiz", "quiz_two"), ("questionbank", "bank_two")):
        url = f"/admin/snippets/choose/learning_quizzes/{model}/chosen/{rows[row].pk}/"
        assert client.get(url).status_code == 404
    url = f"/admin/snippets/choose/learning_quizzes/quiz/chosen/{rows['quiz_one'].pk}/"
    assert client.get(url).status_code == 200


def test_staff_above_both_regions_and_superusers_choose_from_all(client, tree, rows):
    for user in (
        factories.staff(role=StaffRole.Role.ADMIN, unit=tree["national"]),
        factories.user(is_superuser=True),
    ):
        into_admin(client, user)
        html = modal(client, "/admin/snippets/choose/learning_quizzes/quiz/")
        assert "测验-一区" in html and "测验-二区" in html
        assert regions.user_region_paths(user) is None


def test_the_quiz_and_bank_forms_offer_only_the_regions_units(tree, rows):
    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])
    for model in (Quiz, QuestionBank):
        form_class = model.get_edit_handler().get_form_class()
        units = set(form_class(for_user=clerk).fields["unit"].queryset)
        assert tree["b1"] in units and tree["national"] in units
        assert not units & {tree["r2"], tree["b2"]}
    # A row that already names another region's unit keeps it as a choice.
    form = Quiz.get_edit_handler().get_form_class()(instance=rows["quiz_two"], for_user=clerk)
    assert tree["b2"] in form.fields["unit"].queryset
    assert Unit.objects.count() == len(
        Quiz.get_edit_handler().get_form_class()().fields["unit"].queryset
    )


@pytest.fixture
def region_editor(demo_courses):
    """An editor whose group may edit region 1's pages only (a Wagtail page permission)."""
    from wagtail.models import GroupPagePermission, Site

    user = factories.user()
    group = Group.objects.create(name="东湖区编辑")
    home = Site.objects.get(root_page__slug="region-1").root_page
    GroupPagePermission.objects.create(
        group=group, page=home, permission=Permission.objects.get(codename="change_page")
    )
    user.groups.add(group)
    return user


def test_the_page_chooser_keeps_to_the_editors_region(client, region_editor):
    into_admin(client, region_editor)
    html = modal(client, "/admin/choose-page/search/", q="新时代理论学习")
    assert "新时代理论学习 · 东湖区" in html and "西山区" not in html
    html = modal(client, "/admin/choose-page/")
    assert "东湖区党员学习平台" in html and "西山区党员学习平台" not in html
    # A clerk of a region-1 branch likewise.
    clerk = get_user_model().objects.get(username="clerk")
    into_admin(client, clerk)
    html = modal(client, "/admin/choose-page/search/", q="新时代理论学习")
    assert "新时代理论学习 · 东湖区" in html and "西山区" not in html
    # The superuser sees both.
    client.force_login(get_user_model().objects.get(username="admin"))
    html = modal(client, "/admin/choose-page/search/", q="新时代理论学习")
    assert "新时代理论学习 · 东湖区" in html and "新时代理论学习 · 西山区" in html


def test_the_module_form_offers_only_the_regions_modules_as_prerequisites(region_editor):
    module = ModulePage.objects.filter(url_path__contains="region-1").first()
    form_class = ModulePage.get_edit_handler().get_form_class()
    form = form_class(instance=module, for_user=region_editor, parent_page=module.get_parent())
    offered = {page.url_path for page in form.fields["prerequisites"].queryset}
    assert offered and all("/region-1/" in path for path in offered)
    course = CoursePage.objects.filter(url_path__contains="region-1").first()
    form = CoursePage.get_edit_handler().get_form_class()(
        instance=course, for_user=region_editor, parent_page=course.get_parent()
    )
    names = {unit.name for unit in form.fields["unit"].queryset}
    assert "东湖区" in names and "西山区" not in names


def test_quiz_reports_keep_to_the_regions_quizzes(client, tree, rows):
    into_admin(client, factories.staff(role=StaffRole.Role.ADMIN, unit=tree["r1"]))
    html = client.get("/admin/learning/quizzes/reports/").content.decode()
    assert "测验-一区" in html and "测验-二区" not in html
    assert client.get(f"/admin/learning/quizzes/reports/{rows['quiz_two'].pk}/").status_code == 404
    assert client.get(f"/admin/learning/quizzes/reports/{rows['quiz_one'].pk}/").status_code == 200


def test_a_forged_id_of_another_regions_bank_or_question_is_refused_in_the_forms(tree, rows):
    """Posting an id the choosers never offer: a question into region 2's bank, region 2's
    question into a quiz of region 1 (an inline item): the form refuses it."""
    from dj_learning.quizzes.models import Question, QuestionCategory

    clerk = factories.staff(role=StaffRole.Role.CLERK, unit=tree["b1"])

    def form_for(model, **kwargs):
        form_class = model.get_edit_handler().get_form_class()
        return form_class(for_user=clerk, **kwargs)

    category = form_for(QuestionCategory, data={"bank": rows["bank_two"].pk, "path": "党史"})
    assert "bank" in category.errors
    mine = form_for(QuestionCategory, data={"bank": rows["bank_one"].pk, "path": "党史"})
    assert "bank" not in mine.errors
    question = form_for(Question)
    banks = set(question.fields["bank"].queryset.values_list("name", flat=True))
    assert {"题库-one", "题库-all"} <= banks and "题库-two" not in banks
    quiz = form_for(Quiz, instance=rows["quiz_one"])
    (items,) = [fs for fs in quiz.formsets.values() if "question" in fs.empty_form.fields]
    assert items.forms
    for child in items.forms:
        offered = set(child.fields["question"].queryset.values_list("text", flat=True))
        assert "题目-two" not in offered and "题目-one" in offered
