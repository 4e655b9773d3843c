"""Course pages in the CMS: where they go, how they are published, what the member sees."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from dj_learning.courses import services
from dj_learning.courses.models import (
    AbstractCourseCatalogPage,
    AbstractCoursePage,
    AbstractModulePage,
    CourseCatalogPage,
    CoursePage,
    LessonProgress,
    ModulePage,
)
from dj_learning.members.models import Member
from dj_learning.test import factories

pytestmark = pytest.mark.django_db


def test_which_page_goes_under_which():
    assert CoursePage.can_create_at(CourseCatalogPage())
    assert not CoursePage.can_create_at(Page())
    assert ModulePage.can_create_at(CoursePage())
    assert not ModulePage.can_create_at(CourseCatalogPage())
    assert not ModulePage.can_create_at(ModulePage())
    assert CourseCatalogPage.can_create_at(Page())
    assert ModulePage.allowed_subpage_models() == []


@pytest.mark.parametrize(
    "base", [AbstractCourseCatalogPage, AbstractCoursePage, AbstractModulePage]
)
def test_the_abstract_page_bases_leave_the_page_tree_to_the_host(base):
    """A host's page built on an abstract base names its own parents and children
    (docs/courses.md); the rules above are the concrete pages' own."""

    class HostPage(base):
        class Meta:
            abstract = True

    for attribute in ("parent_page_types", "subpage_types"):
        assert getattr(base, attribute, None) is None
        assert getattr(HostPage, attribute, None) is None


def test_editors_submit_and_a_moderator_approves_before_a_course_goes_live(
    demo_courses, django_user_model
):
    editor = django_user_model.objects.get(username="editor")
    moderator = django_user_model.objects.get(username="moderator")
    catalog = CourseCatalogPage.objects.filter(slug="courses").first()
    draft = catalog.add_child(instance=CoursePage(title="新课程", slug="new-course", live=False))
    draft.save_revision(user=editor)

    assert not draft.permissions_for_user(editor).can_publish()
    workflow = draft.get_workflow()
    assert workflow.name == "课程内容审核"
    state = workflow.start(draft, editor)
    task_state = state.current_task_state
    assert task_state.task.specific.get_actions(draft, editor) == []
    assert [a[0] for a in task_state.task.specific.get_actions(draft, moderator)][:1] == ["reject"]

    task_state.task.specific.on_action(task_state, moderator, "approve")
    draft.refresh_from_db()
    assert draft.live


def test_an_editor_sees_why_a_prerequisite_cycle_is_refused(demo_courses, client):
    client.login(username="admin", password="Demo!pass2026")
    first = ModulePage.objects.get(slug="general-program", url_path__contains="region-1")
    second = ModulePage.objects.get(slug="duties-and-rights", url_path__contains="region-1")
    assert list(second.prerequisites.all()) == [first]
    data = nested_form_data(
        {
            "title": first.title,
            "slug": first.slug,
            "kind": "required",
            "credits": "1.5",
            "min_study_minutes": "2",
            "lessons": streamfield(
                [
                    (
                        "lesson",
                        {
                            "title": "第一课",
                            "min_minutes": "",
                            "content": streamfield([("text", rich_text("<p>正文</p>"))]),
                        },
                    )
                ]
            ),
        }
    )
    data["prerequisites"] = [second.pk]
    data["action-publish"] = "publish"
    response = client.post(f"/admin/pages/{first.pk}/edit/", data, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "would make a cycle" in html
    assert f"{first.title} → {second.title} → {first.title}" in html
    first.refresh_from_db()
    assert list(first.prerequisites.all()) == []


def test_a_module_listing_itself_is_a_cycle(tree):
    module = factories.module()
    module.prerequisites = [module]
    # In English whichever language an earlier test left active.
    with translation.override("en"), pytest.raises(Exception, match="cycle"):
        module.full_clean()


def test_the_course_page_shows_the_members_progress(demo_courses, client):
    client.login(username="member", password="Demo!pass2026")
    response = client.get("/courses/party-history/", HTTP_HOST="127.0.0.1:8000")
    html = response.content.decode()
    assert response.status_code == 200
    assert "中国共产党的创立" in html
    assert 'data-testid="course-progress"' in html
    english = client.get(
        "/courses/party-history/", HTTP_HOST="127.0.0.1:8000", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "2 of 3 modules complete" in english


def test_the_module_page_counts_only_for_members(demo_courses, client):
    url = "/courses/party-history/founding/"
    anonymous = client.get(url, HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "data-study-lesson" not in anonymous
    client.login(username="member2", password="Demo!pass2026")
    # Region 2's member studies region 2's copy of the module.
    html = client.get(url, HTTP_HOST="localhost:8000").content.decode()
    assert "data-study-lesson" in html


def _course_with_modules(count, member):
    course = factories.course()
    modules = [factories.module(course=course, revision=False) for _ in range(count)]
    services.enrol(member, course)
    for module in modules[: count // 2]:
        lesson = next(iter(services.lesson_requirements(module)))
        LessonProgress.objects.create(member=member, module=module, lesson_id=lesson, seconds=5)
    return course


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_course_page_costs_the_same_queries_with_10_and_100_modules(tree, client):
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    factories.plan(unit=tree["b1"])
    client.login(username="learner", password=factories.PASSWORD)
    small = _course_with_modules(10, member)
    large = _course_with_modules(100, member)
    _queries(client, small.url)  # warm Wagtail's site cache
    # The large course's first request reads its modules and topics; the next ones,
    # from the cache.
    cold = _queries(client, large.url)
    assert cold <= 11
    assert _queries(client, small.url) == _queries(client, large.url) == cold - 2 <= 9


def test_my_study_costs_the_same_queries_with_5_and_200_completed_modules(tree, client):
    few = factories.member_with_completions(5, tree["b1"])
    many = factories.member_with_completions(200, tree["b2"])
    counts = []
    for member in (few, many):
        client.force_login(member.user)
        _queries(client, "/learning/my/")
        counts.append(_queries(client, "/learning/my/"))
        assert (
            str(services.plan_summary(member).required_done)
            in client.get("/learning/my/").content.decode()
        )
    # 15: the member's latest certificates (dj_learning.certificates), and the plan's
    # courses, which My courses lists.
    assert counts[0] == counts[1] <= 15


def test_my_study_without_a_plan_says_so(tree, client):
    member = factories.member(unit=tree["b2"])
    client.force_login(member.user)
    html = client.get("/learning/my/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "There is no study plan for your unit" in html


def test_enrolling_is_a_post(demo_courses, client):
    client.login(username="member", password="Demo!pass2026")
    course = CoursePage.objects.get(slug="theory-new-era", url_path__contains="region-1")
    assert client.get(f"/learning/courses/{course.pk}/enrol/").status_code == 405
    response = client.post(f"/learning/courses/{course.pk}/enrol/")
    assert response.status_code == 302
    member = Member.objects.get(member_number="DH0108")
    assert course.pk in services.enrolled_course_ids(member)


def test_enrolling_twice_keeps_one_enrolment_and_says_so_both_times(demo_courses, client):
    from dj_learning.courses.models import CourseEnrollment

    client.login(username="member", password="Demo!pass2026")
    course = CoursePage.objects.get(slug="theory-new-era", url_path__contains="region-1")
    for _ in range(2):
        page = client.post(f"/learning/courses/{course.pk}/enrol/", follow=True)
        assert f"您已报名“{course.title}”。" in page.content.decode()
    member = Member.objects.get(member_number="DH0108")
    assert CourseEnrollment.objects.filter(member=member, course=course).count() == 1


def test_a_host_template_overrides_the_course_header_and_progress_blocks(
    tree, client, settings, tmp_path
):
    override = tmp_path / "dj_learning" / "courses"
    override.mkdir(parents=True)
    (override / "course_page.html").write_text(
        '{% extends "dj_learning/courses/course_page.html" %}'
        '{% block course_header %}<h1 class="host-head">主办方：{{ page.title }}</h1>{% endblock %}'
        '{% block course_progress %}<p class="host-progress">已学 {{ completed_count }}/'
        "{{ modules|length }}</p>{{ block.super }}{% endblock %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    course = factories.course(title="宿主的课程", summary="默认的简介")
    first = factories.module(course=course, minutes="1", lesson_count=1)
    factories.module(course=course)
    services.enrol(member, course)
    factories.studied(member, first)
    services.try_complete(member, first)
    client.login(username="learner", password=factories.PASSWORD)

    html = client.get(course.url).content.decode()
    assert '<h1 class="host-head">主办方：宿主的课程</h1>' in html
    assert "djl-course-head" not in html and "默认的简介" not in html
    assert '<p class="host-progress">已学 1/2</p>' in html
    assert 'data-testid="course-progress"' in html  # the default card, through block.super
    assert "djl-module-list" in html  # the blocks not overridden stay
