"""The module form: a new module's minimum study time starts empty and becomes what its
lessons need (text read at READING_CHARS_PER_MINUTE, VIDEO_STUDY_MINUTES per video); a
time the editor sets is kept."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from dj_learning.courses.models import CoursePage, ModulePage

pytestmark = pytest.mark.django_db


def lesson(text, *, videos=0, min_minutes=""):
    content = [("text", rich_text(f"<p>{text}</p>"))]
    content += [("video", {"file": "", "url": "https://example.org/v.mp4", "caption": ""})] * videos
    return (
        "lesson",
        {"title": "一课", "min_minutes": min_minutes, "content": streamfield(content)},
    )


def module_data(title, lessons, minutes):
    return nested_form_data(
        {
            "title": title,
            "slug": "new-module",
            "kind": "required",
            "credits": "1",
            "min_study_minutes": minutes,
            "lessons": streamfield(lessons),
            "action-publish": "publish",
        }
    )


def test_a_new_module_gets_what_its_lessons_need(demo_courses, client):
    client.login(username="admin", password="Demo!pass2026")
    course = CoursePage.objects.filter(url_path__contains="region-1").first()
    url = f"/admin/pages/add/learning_courses/modulepage/{course.pk}/"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    field = html[html.index('name="min_study_minutes"') :].split(">")[0]
    assert "value=" not in field  # empty, not the old 10 minutes
    assert "Leave empty to use what the lessons need" in html

    # 900 characters of text and a video, another lesson with its own minimum (not counted).
    lessons = [lesson("学" * 900, videos=1), lesson("习" * 3000, min_minutes="4")]
    response = client.post(url, module_data("自动时长", lessons, ""))
    assert response.status_code == 302, response.content.decode()[:2000]
    created = ModulePage.objects.get(title="自动时长")
    assert created.min_study_minutes == Decimal("8")  # 3 minutes' reading + 5 for the video

    slow = {**getattr(settings, "DJ_LEARNING", {}), "READING_CHARS_PER_MINUTE": 100}
    with override_settings(DJ_LEARNING=slow):
        response = client.post(
            url, module_data("慢读", [lesson("学" * 250)], "") | {"slug": "slow-reading"}
        )
    assert ModulePage.objects.get(title="慢读").min_study_minutes == Decimal("3")


def test_a_time_the_editor_sets_is_kept(demo_courses, client):
    client.login(username="admin", password="Demo!pass2026")
    course = CoursePage.objects.filter(url_path__contains="region-1").first()
    url = f"/admin/pages/add/learning_courses/modulepage/{course.pk}/"
    response = client.post(url, module_data("定时长", [lesson("学" * 900)], "25"))
    assert response.status_code == 302
    assert ModulePage.objects.get(title="定时长").min_study_minutes == Decimal("25")


def test_prerequisites_are_chosen_with_wagtails_page_chooser(demo_courses, client):
    client.login(username="admin", password="Demo!pass2026")
    first = ModulePage.objects.get(slug="general-program", url_path__contains="region-1")
    second = ModulePage.objects.get(slug="duties-and-rights", url_path__contains="region-1")
    html = client.get(f"/admin/pages/{second.pk}/edit/", HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "<select" not in html[html.index('name="prerequisites"') - 400 :][:800]
    # The chosen module, then two empty choosers, each Wagtail's page chooser for modules.
    assert re.search(
        rf'<input type="hidden" name="prerequisites" value="{first.pk}"[^>]* id="id_prerequisites"',
        html,
    )
    assert 'id="id_prerequisites_2"' in html and 'id="id_prerequisites_3"' not in html
    assert (
        'new PageChooser("id_prerequisites_1", {"modelNames": ["learning_courses.modulepage"]'
        in html
    )
    assert f"{first.title} · 东湖区" in html  # the chosen page names its region

    # Two choosers filled, one cleared: both chosen pages are the prerequisites.
    third = (
        ModulePage.objects.filter(url_path__contains="region-1")
        .exclude(pk__in=[first.pk, second.pk])
        .first()
    )
    data = module_data(second.title, [lesson("学" * 300)], "3") | {"slug": second.slug}
    data["prerequisites"] = [str(first.pk), "", str(third.pk)]
    response = client.post(f"/admin/pages/{second.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    second.refresh_from_db()
    assert set(second.prerequisites.all()) == {first, third}
