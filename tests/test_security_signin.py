"""Sign-in protection: lockout on every sign-in, password rules, staff sessions,
two-factor sign-in, and a production configuration ``check --deploy`` finds clean."""

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client

from dj_learning.test import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.PASSWORD


@pytest.fixture
def limit3(settings):
    settings.AXES_FAILURE_LIMIT = 3


def member_login(client, username, password, addr="10.0.0.1"):
    return client.post(
        "/learning/login/", {"username": username, "password": password}, REMOTE_ADDR=addr
    )


def wagtail_login(client, username, password, addr="10.0.0.1"):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=addr
    )


def django_admin_login(client, username, password, addr="10.0.0.1"):
    return client.post(
        "/django-admin/login/",
        {"username": username, "password": password, "next": "/django-admin/"},
        REMOTE_ADDR=addr,
    )


def api_login(client, username, password, addr="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
        REMOTE_ADDR=addr,
    )


SIGN_INS = {
    "member page": member_login,
    "Wagtail admin": wagtail_login,
    "Django admin": django_admin_login,
    "API token": api_login,
}


def signed_in(client, kind, response):
    if kind == "API token":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.parametrize("kind", SIGN_INS)
def test_each_sign_in_locks_an_account_after_the_limit_and_says_so(client, limit3, kind):
    login = SIGN_INS[kind]
    factories.user(username="alice", is_staff=True, is_superuser=True)
    for attempt in range(2):
        response = login(client, "alice", "wrong-password", addr=f"10.0.1.{attempt}")
        assert response.status_code in (200, 401), response.status_code
    # The third failure, from yet another address, locks the account.
    response = login(client, "alice", "wrong-password", addr="10.0.1.9")
    assert response.status_code == 429
    # Now even the right password is refused, from a fresh address, with the reason.
    response = login(client, "alice", PASSWORD, addr="10.0.2.1")
    assert response.status_code == 429
    text = response.content.decode()
    assert "登录失败次数过多" in text
    assert not signed_in(client, kind, response)


@pytest.mark.parametrize("kind", SIGN_INS)
def test_each_sign_in_locks_an_address_trying_many_accounts(client, limit3, kind):
    login = SIGN_INS[kind]
    factories.user(username="bob", is_staff=True, is_superuser=True)
    for name in ("x1", "x2", "x3"):
        login(client, name, "wrong-password", addr="10.9.9.9")
    assert login(client, "bob", PASSWORD, addr="10.9.9.9").status_code == 429
    # Another address is not locked: bob signs in from there.
    response = login(client, "bob", PASSWORD, addr="10.9.9.10")
    assert signed_in(client, kind, response)


def test_a_member_number_counts_against_its_account(client, limit3):
    member = factories.member(member_number="DH7777")
    for attempt in range(3):
        member_login(client, "DH7777", "wrong-password", addr=f"10.3.0.{attempt}")
    response = member_login(client, member.user.username, PASSWORD, addr="10.3.1.1")
    assert response.status_code == 429


def test_the_counts_are_rows_in_the_database(client, limit3):
    from axes.models import AccessAttempt

    member_login(client, "carol", "wrong-password")
    assert AccessAttempt.objects.get(username="carol").failures_since_start == 1


def test_a_successful_sign_in_resets_the_count(client, limit3):
    from axes.models import AccessAttempt

    factories.user(username="dave")
    member_login(client, "dave", "wrong-password")
    member_login(client, "dave", "wrong-password")
    assert member_login(client, "dave", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="dave", failures_since_start__gt=0).exists()


def test_an_admin_unlocks_a_locked_account(client, limit3):
    factories.user(username="erin")
    for attempt in range(3):
        member_login(client, "erin", "wrong-password", addr=f"10.4.0.{attempt}")
    assert member_login(client, "erin", PASSWORD, addr="10.4.1.1").status_code == 429

    admin = factories.user(username="root", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(admin)
    html = staff.get("/admin/learning/lockouts/").content.decode()
    assert 'data-testid="locked-account">erin<' in html
    unlock = "/admin/learning/lockouts/unlock/"
    assert staff.get(unlock, {"username": "erin"}).status_code == 405
    staff.post(unlock, {"username": "erin"})
    assert 'locked-account">erin<' not in staff.get("/admin/learning/lockouts/").content.decode()
    assert member_login(client, "erin", PASSWORD, addr="10.4.1.1").status_code == 302


def test_only_admins_see_the_unlock_screen(client):
    tree_unit = factories.unit()
    clerk = factories.staff(role="admin", unit=tree_unit, is_staff=True)
    client.force_login(clerk)
    assert client.get("/admin/learning/lockouts/").status_code in (302, 403)
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username="x", ip_address="10.0.0.1", failures_since_start=99, get_data="", post_data=""
    )
    client.post("/admin/learning/lockouts/unlock/", {"username": "x"})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


# -- Passwords and sessions -------------------------------------------------------------


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Short!pass1", "12"),  # 11 characters: the message names the 12 asked for
        ("123456789012345", "只包含数字"),
        ("password1234", "太常见"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        password_validation.validate_password(password)
    assert any(reason in message for message in error.value.messages)


def test_a_password_like_the_username_is_refused():
    user = factories.user(username="zhangweiming")
    with pytest.raises(ValidationError):
        password_validation.validate_password("zhangweiming1", user)
    password_validation.validate_password("Long!enough2026x", user)


def test_staff_sessions_end_sooner_than_members(client, settings):
    member = factories.member()
    assert member_login(client, member.user.username, PASSWORD).status_code == 302
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    client.post("/learning/logout/")
    clerk = factories.staff(role="clerk", unit=member.unit)
    assert member_login(client, clerk.username, PASSWORD).status_code == 302
    assert client.session.get_expiry_age() == 12 * 3600


def test_password_reset_by_email(client, mailoutbox):
    factories.user(username="frank", email="frank@example.org")
    html = client.get("/learning/login/").content.decode()
    assert "/learning/password-reset/" in html
    response = client.post("/learning/password-reset/", {"email": "frank@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = next(w for w in mailoutbox[0].body.split() if "/learning/password-reset/" in w)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Brand!new2026x", "new_password2": "Brand!new2026x"}
    )
    assert done.status_code == 302
    assert member_login(client, "frank", "Brand!new2026x").status_code == 302


# -- Production configuration ---------------------------------------------------------


def test_check_deploy_is_clean_with_the_documented_environment():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "cms_site.settings.production",
        "SECRET_KEY": "a-long-random-production-secret-key-with-enough-characters-0123456789",
        "ALLOWED_HOSTS": "learn.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
