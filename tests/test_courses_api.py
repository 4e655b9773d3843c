"""The courses API: catalog, course and module with progress, enrol, heartbeat, my plan."""

import pytest
from django.test import Client

from dj_learning.courses import services
from dj_learning.courses.models import CoursePage, ModulePage

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def region1(model, slug):
    return model.objects.get(slug=slug, url_path__contains="region-1")


def test_course_detail_has_the_callers_progress(demo_courses, client, get_token):
    token = get_token("member")
    course = region1(CoursePage, "party-history")
    body = client.get(f"/api/v1/courses/{course.pk}", **bearer(token)).json()
    assert body["title"] == "学习党史知识"
    assert [(m["title"], m["completed"]) for m in body["modules"]] == [
        ("中国共产党的创立", True),
        ("新民主主义革命的胜利", True),
        ("改革开放的伟大历程", False),
    ]
    assert body["modules"][0]["kind"] == "required"


def test_module_detail_lists_lessons_without_leaking_other_members_progress(
    demo_courses, client, get_token
):
    module = region1(ModulePage, "general-program")
    mine = client.get(f"/api/v1/modules/{module.pk}", **bearer(get_token("member"))).json()
    theirs = client.get(f"/api/v1/modules/{module.pk}", **bearer(get_token("clerk"))).json()
    assert [lesson["title"] for lesson in mine["lessons_detail"]] == [
        "党的性质和宗旨",
        "党的指导思想",
    ]
    assert mine["lessons_detail"][0]["seconds"] == 30
    assert theirs["lessons_detail"][0]["seconds"] == 0


def test_enrol_and_heartbeat_with_a_token(demo_courses, client, get_token, learning_settings):
    learning_settings(LESSON_MIN_SECONDS=0)
    token = get_token("member")
    module = region1(ModulePage, "whole-process-democracy")  # an elective
    lesson = next(iter(services.lesson_requirements(module)))
    beat = {"module": module.pk, "lesson": lesson, "seconds": 0}

    refused = client.post(
        "/api/v1/study/heartbeat",
        beat,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(token),
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == "You are not enrolled in this module."

    course_id = module.get_parent().pk
    enrolled = client.post(f"/api/v1/courses/{course_id}/enrol", **bearer(token))
    assert enrolled.status_code == 200 and enrolled.json()["enrolled"]

    counted = client.post(
        "/api/v1/study/heartbeat", beat, content_type="application/json", **bearer(token)
    )
    assert counted.status_code == 200
    assert counted.json()["studied"] is True


def test_heartbeat_errors_are_in_the_members_language(demo_courses, client, get_token):
    token = get_token("member")
    module = region1(ModulePage, "founding")
    response = client.post(
        "/api/v1/study/heartbeat",
        {"module": module.pk, "lesson": "nope", "seconds": 1},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **bearer(token),
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "这一课不属于本模块。"


def test_accounts_without_a_member_record_cannot_study(demo_courses, client, get_token):
    module = region1(ModulePage, "founding")
    response = client.post(
        "/api/v1/study/heartbeat",
        {"module": module.pk, "lesson": "x", "seconds": 1},
        content_type="application/json",
        **bearer(get_token("admin")),
    )
    assert response.status_code == 403


def test_session_heartbeats_need_the_csrf_token(demo_courses):
    browser = Client(enforce_csrf_checks=True)
    browser.login(username="member", password="Demo!pass2026")
    module = region1(ModulePage, "founding")
    beat = {"module": module.pk, "lesson": "x", "seconds": 1}
    assert (
        browser.post("/api/v1/study/heartbeat", beat, content_type="application/json").status_code
        == 403
    )
    browser.get("/learning/my/")  # a page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/study/heartbeat", beat, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 400  # past CSRF: the lesson id is refused, as it should be


def test_unpublished_modules_are_not_found(demo_courses, client, get_token):
    module = region1(ModulePage, "founding")
    module.unpublish()
    response = client.get(f"/api/v1/modules/{module.pk}", **bearer(get_token("member")))
    assert response.status_code == 404


def test_my_plan(demo_courses, client, get_token):
    body = client.get("/api/v1/me/plan", **bearer(get_token("member"))).json()
    assert body["has_plan"] and body["plan_unit"] == "东湖区"
    assert (body["required_earned"], body["required_credits"]) == ("2.00", "6.50")
    assert body["elective_earned"] == "0.50"
    assert (body["required_modules_done"], body["required_modules_total"]) == (2, 6)
    assert body["met"] is False
    other_region = client.get("/api/v1/me/plan", **bearer(get_token("member2"))).json()
    assert other_region["plan_unit"] == "西山区"
    assert other_region["required_earned"] == "0.00"


def test_the_catalog_lists_the_courses_of_the_requests_site(demo_courses, client):
    region1 = client.get("/api/v1/courses", HTTP_HOST="127.0.0.1:8000").json()
    region2 = client.get("/api/v1/courses", HTTP_HOST="localhost:8000").json()
    assert region1["count"] == region2["count"] == 4
    ids1 = {c["id"] for c in region1["items"]}
    ids2 = {c["id"] for c in region2["items"]}
    assert not ids1 & ids2
