"""Two-factor sign-in for staff: enrolment by QR code, a code after the password,
backup codes, the roles that must use it, and the check that names admins without it."""

import re
import time

import pytest
from django.core.checks import run_checks
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dj_learning.test import factories

pytestmark = pytest.mark.django_db


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def sign_in(client, user):
    response = client.post(
        "/learning/login/", {"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302


def enrolled(user):
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device


def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(client):
    clerk = factories.staff(role="clerk", unit=factories.unit(), is_staff=True)
    sign_in(client, clerk)
    page = client.get("/learning/two-factor/setup/").content.decode()
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=clerk)
    assert not device.confirmed and len(secret) == 32

    wrong = client.post("/learning/two-factor/setup/", {"code": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.get(user=clerk).confirmed

    time.sleep(1.1)  # django-otp throttles guessing: after a failure, wait a second
    done = client.post("/learning/two-factor/setup/", {"code": code_for(device)})
    html = done.content.decode()
    assert TOTPDevice.objects.get(user=clerk).confirmed
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", html)
    assert len(codes) == 10 and len(set(codes)) == 10
    # Verified in this session: pages open at once, with no second step.
    assert client.get("/learning/me/").status_code == 200


def test_an_enrolled_user_confirms_a_code_after_the_password(client):
    admin = factories.user(is_staff=True, is_superuser=True)
    device = enrolled(admin)
    sign_in(client, admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/learning/two-factor/verify/?next=%2Fadmin%2F")
    # Member pages too: nothing is reachable before the second step.
    assert client.get("/learning/me/")["Location"].startswith("/learning/two-factor/verify/")

    refused = client.post("/learning/two-factor/verify/", {"code": "123456", "next": "/admin/"})
    assert "验证码不正确" in refused.content.decode()
    assert client.get("/admin/").status_code == 302

    time.sleep(1.1)  # django-otp throttles guessing: after a failure, wait a second
    accepted = client.post(
        "/learning/two-factor/verify/", {"code": code_for(device), "next": "/admin/"}
    )
    assert accepted["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_backup_code_signs_in_once(client):
    from django.test import Client

    from dj_learning.members.two_factor import new_backup_codes

    admin = factories.user(is_staff=True, is_superuser=True)
    enrolled(admin)
    code = new_backup_codes(admin)[0]
    sign_in(client, admin)
    client.post("/learning/two-factor/verify/", {"code": code, "next": "/admin/"})
    assert client.get("/admin/").status_code == 200

    other = Client()
    sign_in(other, admin)
    other.post("/learning/two-factor/verify/", {"code": code, "next": "/admin/"})
    assert other.get("/admin/").status_code == 302


def test_verify_never_redirects_off_the_site(client):
    admin = factories.user(is_staff=True, is_superuser=True)
    device = enrolled(admin)
    sign_in(client, admin)
    response = client.post(
        "/learning/two-factor/verify/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_chosen_roles_must_enrol_others_need_not(client, learning_settings):
    learning_settings(TWO_FACTOR_ROLES=("reviewer",))
    unit = factories.unit()
    reviewer = factories.staff(role="reviewer", unit=unit, is_staff=True)
    sign_in(client, reviewer)
    response = client.get("/admin/")
    assert response["Location"].startswith("/learning/two-factor/setup/?next=%2Fadmin%2F")

    from django.test import Client

    member_client = Client()
    member = factories.member(unit=unit)
    sign_in(member_client, member.user)
    assert member_client.get("/learning/me/").status_code == 200


def token_for(client, user, **extra):
    return client.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": factories.PASSWORD, **extra},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_an_api_token_for_an_enrolled_account_needs_a_code_with_the_password(client):
    admin = factories.user(is_staff=True, is_superuser=True)
    device = enrolled(admin)

    without = token_for(client, admin)
    assert (without.status_code, without.json()) == (
        401,
        {
            "detail": "This account uses two-factor sign-in: send a code from your authenticator app."
        },
    )
    wrong = token_for(client, admin, otp="000000")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"detail": "The code is not correct, or was used already. Try the next code."},
    )
    time.sleep(1.1)  # django-otp throttles guessing: after a failure, wait a second
    right = token_for(client, admin, otp=code_for(device))
    assert right.status_code == 200
    units = client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {right.json()['token']}")
    assert units.status_code == 200


def test_an_api_token_for_a_role_that_must_enrol_is_refused_until_it_has(client, learning_settings):
    learning_settings(TWO_FACTOR_ROLES=("reviewer",))
    reviewer = factories.staff(role="reviewer", unit=factories.unit(), is_staff=True)
    refused = token_for(client, reviewer)
    assert (refused.status_code, refused.json()["detail"]) == (
        401,
        "This account must use two-factor sign-in: set it up on the website first, "
        "then send a code with the password.",
    )
    # A member, whom no rule asks for a second factor, gets a token for the password.
    member = factories.member(unit=factories.unit())
    assert token_for(client, member.user).status_code == 200


def test_the_check_names_admins_without_two_factor():
    admin = factories.user(username="boss", is_superuser=True, is_staff=True)
    warnings = [m for m in run_checks(databases=["default"]) if m.id == "dj_learning.W004"]
    assert len(warnings) == 1 and "boss" in warnings[0].msg
    enrolled(admin)
    assert not [m for m in run_checks(databases=["default"]) if m.id == "dj_learning.W004"]
