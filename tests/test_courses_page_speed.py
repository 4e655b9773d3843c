"""What makes the course page fast must not change what anyone sees on it."""

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from dj_learning.courses import services
from dj_learning.courses.models import LessonProgress
from dj_learning.test import factories


def _listed(module):
    """``module`` as a list of modules loads it: without its lessons."""
    return Page.objects.filter(pk=module.pk).specific().defer_streamfields().get()


def test_a_listed_module_needs_what_its_lessons_say_after_an_editor_changes_them(
    db, learning_settings
):
    learning_settings(LESSON_MIN_SECONDS=None)
    module = factories.module(minutes="4", lesson_count=2)
    assert list(services.lesson_requirements(_listed(module)).values()) == [120, 120]

    module.lessons = [
        *((block.block_type, block.value) for block in module.lessons),
        ("lesson", {"title": "第三课", "min_minutes": "5", "content": []}),
    ]
    module.save_revision().publish()

    listed = _listed(module)
    assert "lessons" in listed.get_deferred_fields()
    requirements = services.lesson_requirements(listed)
    assert list(requirements.values()) == [120, 120, 300]
    assert requirements == services.lesson_requirements(Page.objects.get(pk=module.pk).specific)


def test_the_course_page_shows_a_changed_lesson_time_in_the_members_progress(
    tree, client, learning_settings
):
    learning_settings(LESSON_MIN_SECONDS=None)
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    course = factories.course()
    module = factories.module(course=course, minutes="1", lesson_count=1)
    services.enrol(member, course)
    lesson = next(iter(services.lesson_requirements(module)))
    LessonProgress.objects.create(member=member, module=module, lesson_id=lesson, seconds=30)
    client.login(username="learner", password=factories.PASSWORD)
    assert 'aria-valuenow="50"' in client.get(course.url).content.decode()

    module.min_study_minutes = 2
    module.save_revision().publish()
    assert 'aria-valuenow="25"' in client.get(course.url).content.decode()


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_anonymous_course_page_is_cached_until_something_in_it_is_published(db, client):
    course = factories.course()
    module = factories.module(course=course, title="第一模块")
    first, first_queries = _get(client, course.url)
    again, again_queries = _get(Client(), course.url)
    assert "第一模块" in again
    assert again_queries < first_queries

    module.title = "改过的模块"
    module.save_revision().publish()
    assert "改过的模块" in _get(client, course.url)[0]

    factories.module(course=course, title="新加的模块")
    assert "新加的模块" in _get(client, course.url)[0]

    module.unpublish()
    html = _get(client, course.url)[0]
    assert "改过的模块" not in html
    assert "新加的模块" in html


def test_members_are_never_served_the_cached_page_nor_fill_it(tree, client):
    member = factories.member(unit=tree["b1"], user=factories.user(username="learner"))
    course = factories.course()
    factories.module(course=course)
    services.enrol(member, course)
    anonymous = _get(Client(), course.url)[0]
    assert 'data-testid="course-progress"' not in anonymous

    client.login(username="learner", password=factories.PASSWORD)
    assert 'data-testid="course-progress"' in _get(client, course.url)[0]
    assert 'data-testid="course-progress"' not in _get(Client(), course.url)[0]

    client.logout()
    Client().get(course.url)  # cached now
    client.login(username="learner", password=factories.PASSWORD)
    assert 'data-testid="course-progress"' in _get(client, course.url)[0]


def test_a_cached_page_carries_each_visitors_own_form_token(db):
    course = factories.course()
    factories.module(course=course)
    Client().get(course.url)  # cached now
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(course.url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    response = visitor.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403  # no token: refused, so the check is on
    response = visitor.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
