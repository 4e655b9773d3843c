"""The API at /api/v1/: token flow, /me for each demo role, scope, errors in the user's language."""

import pytest
from openapi_spec_validator import validate

from dj_learning.api.models import ApiToken
from dj_learning.orgs.models import Unit

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_openapi_schema_answers_and_validates(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert "/api/v1/me" in schema["paths"]
    assert "/api/v1/units/{unit_id}" in schema["paths"]
    assert "/api/v1/auth/token" in schema["paths"]


@pytest.mark.parametrize(
    ("username", "member_name", "unit_code", "roles"),
    [
        ("admin", None, None, []),
        ("editor", None, None, []),
        ("moderator", None, None, []),
        ("clerk", "王秀英", "r1-branch-1", [("clerk", "r1-branch-1")]),
        ("reviewer", "刘强", "r1-branch-1", [("reviewer", "r1-branch-1")]),
        ("regionreviewer", "陈静", "region-1", [("reviewer", "region-1")]),
        ("member", "张伟", "r1-branch-1", []),
        ("member2", "李娜", "r2-branch-1", []),
    ],
)
def test_me_for_each_demo_role(demo, client, get_token, username, member_name, unit_code, roles):
    token = get_token(username)
    response = client.get("/api/v1/me", **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == username
    assert body["user"]["is_superuser"] == (username == "admin")
    if member_name is None:
        assert body["member"] is None
    else:
        assert body["member"]["name"] == member_name
        assert body["member"]["unit"]["code"] == unit_code
    assert [(r["role"], r["unit"]["code"]) for r in body["roles"]] == roles


def test_token_by_member_number(demo, client, get_token):
    token = get_token("DH0108")
    assert client.get("/api/v1/me", **bearer(token)).json()["user"]["username"] == "member"


def test_bad_credentials_give_a_clear_error_and_no_token(demo, client):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "member", "password": "wrong"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 401
    body = response.json()
    assert "token" not in body
    assert body["detail"] == "用户名、党员编号或密码不正确。"
    assert ApiToken.objects.count() == 0


def test_errors_follow_the_callers_language(client):
    zh = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans")
    en = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert zh.status_code == en.status_code == 401
    assert en.json()["detail"] == "Sign in or send a valid API token."
    assert zh.json()["detail"] != en.json()["detail"]
    assert zh["Content-Type"].startswith("application/json")


def test_missing_fields_are_a_422_with_details(client):
    response = client.post("/api/v1/auth/token", {"username": "x"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"]


def test_unknown_and_inactive_tokens_are_refused(demo, client, get_token, django_user_model):
    assert client.get("/api/v1/me", **bearer("djl_nonsense")).status_code == 401
    token = get_token("member")
    django_user_model.objects.filter(username="member").update(is_active=False)
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


def test_expired_token_is_refused(demo, client, get_token, learning_settings):
    learning_settings(API_TOKEN_TTL_DAYS=1)
    from datetime import timedelta

    from django.utils import timezone

    token = get_token("member")
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


def test_revoking_a_token(demo, client, get_token):
    token = get_token("member")
    assert client.delete("/api/v1/auth/token", **bearer(token)).status_code == 204
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


def test_tokens_are_stored_as_digests(demo, get_token):
    token = get_token("member")
    stored = ApiToken.objects.get()
    assert token not in (stored.digest, stored.prefix)
    assert token.startswith(stored.prefix)


def test_session_auth_works_for_reads_and_requires_csrf_for_writes(demo):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username="member", password="Demo!pass2026")
    assert browser.get("/api/v1/me").json()["member"]["name"] == "张伟"
    # A state change through the session needs the CSRF token, like a form.
    response = browser.delete("/api/v1/auth/token")
    assert response.status_code == 403


def test_unit_in_scope(demo, client, get_token):
    token = get_token("clerk")
    branch = Unit.objects.get(code="r1-branch-1")
    response = client.get(f"/api/v1/units/{branch.pk}", **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "东湖区第一支部"
    assert [a["code"] for a in body["ancestors"]] == ["national", "region-1"]
    assert [c["code"] for c in body["children"]] == ["r1-branch-1-a"]


@pytest.mark.parametrize("code", ["region-2", "r2-branch-1", "region-1", "r1-branch-2", "national"])
def test_clerk_of_branch_1_is_refused_units_outside_the_branch(demo, client, get_token, code):
    token = get_token("clerk")
    unit = Unit.objects.get(code=code)
    response = client.get(f"/api/v1/units/{unit.pk}", **bearer(token), HTTP_ACCEPT_LANGUAGE="en")
    # Out of scope looks exactly like missing, so ids cannot be probed.
    missing = client.get("/api/v1/units/999999", **bearer(token), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()


def test_member_sees_own_unit_only(demo, client, get_token):
    token = get_token("member2")
    own = Unit.objects.get(code="r2-branch-1")
    other = Unit.objects.get(code="r2-branch-2")
    assert client.get(f"/api/v1/units/{own.pk}", **bearer(token)).status_code == 200
    assert client.get(f"/api/v1/units/{other.pk}", **bearer(token)).status_code == 404
    listed = client.get("/api/v1/units", **bearer(token)).json()
    assert [u["code"] for u in listed["items"]] == ["r2-branch-1"]


def test_region_reviewer_lists_the_region_subtree(demo, client, get_token):
    token = get_token("regionreviewer")
    listed = client.get("/api/v1/units", **bearer(token)).json()
    assert {u["code"] for u in listed["items"]} == {
        "region-1",
        "r1-branch-1",
        "r1-branch-1-a",
        "r1-branch-2",
    }


def test_unit_detail_costs_the_same_queries_for_any_tree(
    demo, client, get_token, django_assert_max_num_queries
):
    token = get_token("admin")
    national = Unit.objects.get(code="national")
    with django_assert_max_num_queries(6):
        assert client.get(f"/api/v1/units/{national.pk}", **bearer(token)).status_code == 200


def test_sign_in_attempts_are_rate_limited(demo, client, learning_settings):
    learning_settings(API_LOGIN_RATE="3/m")
    statuses = [
        client.post(
            "/api/v1/auth/token",
            {"username": "member", "password": "wrong"},
            content_type="application/json",
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
