"""The quizzes API: the whole flow with a token, no answers before review, others' attempts."""

import json

import pytest
from django.test import Client

from dj_learning.quizzes import services
from dj_learning.quizzes.models import Attempt
from dj_learning.test import factories

RIGHT = factories.RIGHT_RESPONSES
KINDS = ("single", "multiple", "truefalse", "fill", "matching", "numerical", "short")


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def member(db):
    return factories.member(user=factories.user(username="learner"))


def test_take_a_quiz_through_the_api(member, client, get_token):
    quiz = factories.quiz(kinds=KINDS[:-1])
    auth = bearer(get_token("learner", factories.PASSWORD))
    info = client.get(f"/api/v1/quizzes/{quiz.pk}", **auth).json()
    assert info["can_start"] is True and info["attempts_left"] == 3
    assert [q["id"] for q in client.get("/api/v1/quizzes", **auth).json()] == [quiz.pk]

    started = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts", **auth)
    assert started.status_code == 200
    # Everything but the times, whose digits may spell "3.14" (…:03.14… or 13.14…).
    times = ("started_at", "deadline", "submitted_at")
    payload = json.dumps(
        {k: v for k, v in started.json().items() if k not in times}, ensure_ascii=False
    )
    for secret in ("fraction", "北京", "3.14", "解析", "feedback", "partial", '"right"'):
        assert secret not in payload, secret
    attempt = started.json()
    assert [q["kind"] for q in attempt["questions"]] == list(KINDS[:-1])
    assert attempt["questions"][0]["options"][0] == {"id": "a", "text": "正确选项"}

    url = f"/api/v1/quiz-attempts/{attempt['id']}"
    saved = client.put(
        f"{url}/answers",
        {"responses": {"1": "a", "3": True}},
        content_type="application/json",
        **auth,
    )
    assert saved.json()["responses"] == {"1": "a", "3": True}
    assert client.get(url, **auth).json()["responses"] == {"1": "a", "3": True}
    assert client.get(f"{url}/result", **auth).status_code == 409  # not submitted yet

    responses = {str(i + 1): RIGHT[kind] for i, kind in enumerate(KINDS[:-1])}
    result = client.post(
        f"{url}/submit", {"responses": responses}, content_type="application/json", **auth
    )
    assert result.status_code == 200, result.content
    body = result.json()
    assert body["state"] == "graded" and body["passed"] is True
    assert float(body["score"]) == 6.0
    assert body["review_allowed"] is True
    assert body["items"][3]["right_answer"] == "北京" and body["items"][3]["explanation"]

    again = client.post(f"{url}/submit", {"responses": {}}, content_type="application/json", **auth)
    assert again.status_code == 409
    assert again.json()["detail"] == "这份答卷已经提交过了。"


def test_no_answers_in_the_result_when_review_is_never(member, client, get_token):
    quiz = factories.quiz(review="never")
    attempt = services.start(member, quiz)
    services.submit(member, attempt.pk, {"3": "上海"})
    auth = bearer(get_token("learner", factories.PASSWORD))
    result = client.get(f"/api/v1/quiz-attempts/{attempt.pk}/result", **auth)
    body = result.json()
    assert body["review_allowed"] is False
    assert "北京" not in result.content.decode() and "解析" not in result.content.decode()
    assert all(
        item["right_answer"] is None and item["state"] is None and item["score"] is None
        for item in body["items"]
    )


def test_another_members_attempt_is_not_found(member, client, get_token):
    quiz = factories.quiz()
    attempt = services.start(member, quiz)
    factories.member(user=factories.user(username="other"), unit=member.unit)
    auth = bearer(get_token("other", factories.PASSWORD))
    url = f"/api/v1/quiz-attempts/{attempt.pk}"
    assert client.get(url, **auth).status_code == 404
    assert client.get(f"{url}/result", **auth).status_code == 404
    put = client.put(
        f"{url}/answers", {"responses": {"1": "b"}}, content_type="application/json", **auth
    )
    assert put.status_code == 404
    submit = client.post(f"{url}/submit", {}, content_type="application/json", **auth)
    assert submit.status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == "in_progress" and attempt.responses == {}


def test_starting_beyond_the_limit_is_refused_in_the_members_language(member, client, get_token):
    quiz = factories.quiz(attempts_allowed=1)
    services.submit(member, services.start(member, quiz).pk, {})
    auth = bearer(get_token("learner", factories.PASSWORD))
    response = client.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts", HTTP_ACCEPT_LANGUAGE="zh-hans", **auth
    )
    assert response.status_code == 403
    assert Attempt.objects.count() == 1
    assert response.json()["detail"] == "你已用完此测验的全部作答次数。"


def test_session_calls_need_the_csrf_token(member):
    quiz = factories.quiz()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member.user)
    response = browser.post(f"/api/v1/quizzes/{quiz.pk}/attempts")
    assert response.status_code == 403
    assert not Attempt.objects.exists()
    assert json.loads(response.content)["detail"]
